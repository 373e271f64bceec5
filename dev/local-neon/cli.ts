/**
 * node dist/dev/local-neon.mjs start [--port N] [--proxy-port N] [--api-key KEY] [--branch-limit N]
 *                                    [--default-branch main|production] [--host-style options|sni] [--json] [--log]
 *
 * Starts a local Neon, prints the environment to export (or one JSON line with --json), and runs until Ctrl-C.
 */
import { parseArgs } from 'node:util';
import { startLocalNeon } from './index.ts';

const USAGE = `Usage: local-neon start [options]

An offline stand-in for the Neon API + Postgres endpoints used by create-neon-agents (dev tooling).

Options:
  --port N                 API port (default: a free one)
  --proxy-port N           Postgres proxy port (default: a free one)
  --api-key KEY            accepted API key (default: local-neon-api-key)
  --branch-limit N         branches per project, default branch included (default: 10)
  --default-branch NAME    default branch of the project (default: main; Console projects use production)
  --host-style STYLE       options (default) | sni   — how endpoint hosts route to branches
  --json                   print one JSON line with apiHost, apiKey, projectId, caFile, env, … then keep running
  --log                    log every API request and database session to stderr
  -h, --help               this help
`;

async function main(): Promise<void> {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
      port: { type: 'string' },
      'proxy-port': { type: 'string' },
      'api-key': { type: 'string' },
      'branch-limit': { type: 'string' },
      'default-branch': { type: 'string' },
      'host-style': { type: 'string' },
      json: { type: 'boolean', default: false },
      log: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  if (values.help || positionals[0] !== 'start') {
    process.stdout.write(USAGE);
    process.exitCode = values.help ? 0 : 2;
    return;
  }
  const int = (v: string | undefined, name: string): number | undefined => {
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0 || n > 65535) throw new Error(`--${name} must be a port number/count, got ${v}`);
    return n;
  };
  const hostStyle = values['host-style'];
  if (hostStyle !== undefined && hostStyle !== 'options' && hostStyle !== 'sni')
    throw new Error('--host-style must be options or sni');
  const t0 = Date.now();
  const neon = await startLocalNeon({
    isolate: 'none', // this process does nothing else
    port: int(values.port, 'port'),
    proxyPort: int(values['proxy-port'], 'proxy-port'),
    apiKey: values['api-key'],
    branchLimit: int(values['branch-limit'], 'branch-limit'),
    defaultProject: values['default-branch'] ? { defaultBranchName: values['default-branch'] } : undefined,
    hostStyle,
    onRequest: values.log
      ? (r) =>
          process.stderr.write(
            `[api] ${r.method} ${r.path}${r.query} → ${r.status} (${r.durationMs} ms)${r.injected ? ' [injected]' : ''}\n`,
          )
      : undefined,
  });
  let shown = 0;
  const timer = values.log
    ? setInterval(() => {
        for (; shown < neon.connections.length; shown++) {
          const c = neon.connections[shown];
          process.stderr.write(
            `[pg] ${c.user}@${c.database} → ${c.branchId} via ${c.endpointId}${c.pooled ? ' (pooled)' : ''}\n`,
          );
        }
      }, 250)
    : undefined;
  const project = neon.getProject();
  if (values.json) {
    process.stdout.write(
      `${JSON.stringify({
        apiHost: neon.apiHost,
        apiKey: neon.apiKey,
        projectId: neon.projectId,
        defaultBranch: project.defaultBranchName,
        proxyPort: neon.proxyPort,
        caFile: neon.caFile,
        connectionUri: project.connectionUri,
        env: neon.env,
        pid: process.pid,
      })}\n`,
    );
  } else {
    const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
    process.stdout.write(
      [
        `local Neon is running (started in ${Date.now() - t0} ms)`,
        `  API            ${neon.apiHost}`,
        `  Postgres proxy 127.0.0.1:${neon.proxyPort} (TLS required; CA ${neon.caFile})`,
        `  project        ${neon.projectId} (default branch ${project.defaultBranchName})`,
        `  ${project.defaultBranchName} URL       ${project.connectionUri}`,
        '',
        '# In another shell:',
        ...Object.entries(neon.env).map(([k, v]) => `export ${k}=${q(v)}`),
        `# then e.g.: npx neon branches list --project-id ${neon.projectId} --no-analytics`,
        '',
        'Ctrl-C to stop.',
        '',
      ].join('\n'),
    );
  }
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (timer) clearInterval(timer);
    if (!values.json) process.stderr.write(`\n${signal}: stopping local Neon…\n`);
    await neon.stop();
    process.exit(0);
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGHUP', () => void stop('SIGHUP'));
}

main().catch((err: unknown) => {
  process.stderr.write(`local-neon: ${(err as Error)?.stack ?? err}\n`);
  process.exit(1);
});
