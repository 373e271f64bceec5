// `npm run demo`: the whole story, offline, in well under a minute.
//   1. a local Neon (the Neon API on a real PostgreSQL) and a throwaway app repository with a seeded database;
//   2. `create-neon-agents` sets the repository up;
//   3. two agents' worktrees are created at the same time: one the way Claude Code does it (the WorktreeCreate
//      hook), one with a plain `git worktree add` (the post-checkout hook);
//   4. one agent runs a migration in its worktree;
//   5. side by side: the other worktree and the main database do not have it.
import path from 'node:path';
import os from 'node:os';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { bold, cyan, dim, green, red, yellow } from 'kolorist';
import { startLocalNeon, type LocalNeon } from './local-neon/index.ts';
import { pgClientConfig } from './local-neon/client.ts';
import { parseEnv } from '../src/shared/env-file.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const CLI = path.join(ROOT, 'dist/cli.mjs');
const started = Date.now();
const step = (n: number, text: string) => console.log(`\n${bold(cyan(`${n}.`))} ${bold(text)}`);
const note = (text: string) => console.log(dim(`   ${text}`));

function run(
  cmd: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv,
  input?: string,
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? 1, stdout, stderr }));
    child.stdin.end(input ?? '');
  });
}

function indent(text: string): string {
  return text
    .trimEnd()
    .split('\n')
    .map((l) => `   ${dim('│')} ${l}`)
    .join('\n');
}

// node-postgres treats sslmode=require as verify-full: trust the local Neon's CA (real Neon uses a public CA).
let caPem = '';
const pgConfig = (url: string) => pgClientConfig(url, caPem);

// pg warns about its sslmode aliases on every parse; the demo's output is for people.
process.removeAllListeners('warning');
process.on('warning', (w) => {
  if (!/SSL modes/.test(w.message)) console.error(w);
});

async function describe(url: string | undefined): Promise<{ host: string; apiKeys: string; users: string }> {
  if (!url) return { host: red('no DATABASE_URL'), apiKeys: '-', users: '-' };
  const client = new pg.Client(pgConfig(url));
  await client.connect();
  try {
    const u = new URL(url);
    const endpoint = (u.searchParams.get('options') ?? '').replace(/^endpoint=/, '') || u.hostname;
    const hasKeys = (await client.query(`select to_regclass('public.api_keys') is not null as present`)).rows[0]
      .present as boolean;
    const keys = hasKeys ? (await client.query('select count(*)::int as n from api_keys')).rows[0].n : null;
    const users = (await client.query('select count(*)::int as n from users')).rows[0].n as number;
    return {
      host: endpoint,
      apiKeys: hasKeys ? green(`present (${keys} rows)`) : yellow('absent'),
      users: String(users),
    };
  } finally {
    await client.end();
  }
}

function envOf(file: string): Map<string, string> {
  try {
    return parseEnv(readFileSync(file, 'utf8'));
  } catch {
    return new Map();
  }
}

function table(rows: string[][]): string {
  // eslint-disable-next-line no-control-regex
  const plain = (s: string) => s.replace(/\x1b\[[0-9;]*m/g, '');
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => plain(r[i]).length)));
  return rows.map((r) => '   ' + r.map((c, i) => c + ' '.repeat(widths[i] - plain(c).length)).join('   ')).join('\n');
}

async function main(): Promise<void> {
  console.log(
    bold('create-neon-agents demo') + dim(' — every agent gets its own worktree and its own Neon branch (offline)'),
  );
  const work = mkdtempSync(path.join(os.tmpdir(), 'neon-agents-demo-'));
  let neon: LocalNeon | undefined;
  const cleanup = async () => {
    await neon?.stop().catch(() => undefined);
    rmSync(work, { recursive: true, force: true });
  };
  process.on('SIGINT', () => {
    void cleanup().then(() => process.exit(130));
  });
  try {
    step(1, 'Start a local Neon and make an app repository with a seeded database');
    neon = await startLocalNeon();
    caPem = readFileSync(neon.caFile, 'utf8');
    note(
      `Neon API ${neon.apiHost}  ·  project ${neon.projectId}  ·  PostgreSQL behind a TLS proxy on 127.0.0.1:${neon.proxyPort}`,
    );
    const home = path.join(work, 'home');
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...neon.env,
      HOME: home,
      NEON_CONFIG_DIR: path.join(home, '.config/neon'),
      PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${process.env.PATH}`,
      NO_COLOR: '1',
      // The demo's "app" (migrate.cjs) loads pg from this repository's node_modules.
      NODE_PATH: path.join(ROOT, 'node_modules'),
      NODE_EXTRA_CA_CERTS: neon.caFile,
      NODE_NO_WARNINGS: '1',
    };
    delete env.NEON_API_KEY; // kept where a real user's is: outside the repo, in the demo home's ~/.config
    delete env.XDG_CONFIG_HOME; // never the real one
    delete env.CI;
    const repo = path.join(work, 'app');
    execFileSync('git', ['init', '-q', '-b', 'main', repo]);
    const g = (...args: string[]) =>
      execFileSync('git', ['-c', 'user.email=demo@example.com', '-c', 'user.name=Demo', ...args], {
        cwd: repo,
        env,
        encoding: 'utf8',
      });
    const mainUrl = neon.connectionUri({ pooled: true });
    writeFileSync(
      path.join(repo, 'package.json'),
      JSON.stringify({ name: 'demo-app', private: true, dependencies: { pg: '^8' } }, null, 2) + '\n',
    );
    writeFileSync(
      path.join(repo, 'migrate.cjs'),
      `// The agent's migration: adds an api_keys table to whatever database DATABASE_URL points at.
process.loadEnvFile('.env');
const { Client } = require('pg');
(async () => {
  const c = new Client({ connectionString: process.env.DATABASE_URL });
  await c.connect();
  await c.query('create table api_keys (id serial primary key, user_id int not null, key text not null)');
  await c.query("insert into api_keys (user_id, key) select id, md5(random()::text) from users");
  await c.end();
})().catch((e) => { console.error(e.message); process.exit(1); });
`,
    );
    writeFileSync(path.join(repo, '.env'), `# the app's own settings\nDATABASE_URL=${mainUrl}\n`, { mode: 0o600 });
    writeFileSync(path.join(repo, '.gitignore'), 'node_modules\n.env\n');
    g('add', '-A');
    g('commit', '-q', '-m', 'demo app');
    const seed = new pg.Client(pgConfig(mainUrl));
    await seed.connect();
    await seed.query(
      "create table users (id serial primary key, name text); insert into users (name) values ('ada'), ('grace'), ('linus')",
    );
    await seed.end();
    note(`${repo}  (users: 3 rows on the project's default branch)`);

    step(2, 'Set the repository up: npx create-neon-agents --yes --project-id … --api-key …');
    const init = await run('node', [CLI, '--yes', '--project-id', neon.projectId, '--api-key', neon.apiKey], repo, env);
    console.log(indent((init.stdout + init.stderr).replace(neon.apiKey, '***')));
    if (init.code !== 0) throw new Error(`create-neon-agents exited ${init.code}`);
    g('add', '-A');
    g('commit', '-q', '-m', 'Neon branch per agent worktree');

    step(3, 'Two agents start at the same time');
    note("A: as Claude Code does it — the WorktreeCreate hook, with Claude's JSON on stdin");
    note('B: by hand — git worktree add (the post-checkout hook)');
    const t0 = Date.now();
    const runtime = path.join(repo, '.claude/hooks/neon-worktree.mjs');
    const [a, b] = await Promise.all([
      run(
        'node',
        [runtime, 'worktree-create'],
        repo,
        { ...env, CLAUDE_PROJECT_DIR: repo },
        JSON.stringify({ hook_event_name: 'WorktreeCreate', name: 'api-keys', cwd: repo, session_id: 'demo' }),
      ),
      run('git', ['worktree', 'add', '-q', '-b', 'feed-speedup', path.join(work, 'feed-speedup')], repo, env),
    ]);
    console.log(
      indent(`A  exit ${a.code}, stdout (the path Claude reads): ${a.stdout.trim().split('\n').pop()}\n${a.stderr}`),
    );
    console.log(indent(`B  exit ${b.code}\n${b.stderr}`));
    if (a.code !== 0 || b.code !== 0) throw new Error('creating the worktrees failed');
    note(`both ready in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    const wtA = a.stdout.trim().split('\n').pop()!;
    const wtB = path.join(work, 'feed-speedup');

    step(4, 'Agent A runs a migration in its worktree: node migrate.cjs');
    const mig = await run('node', ['migrate.cjs'], wtA, env);
    if (mig.code !== 0) throw new Error(`migration failed: ${mig.stderr}`);
    note('created table api_keys and filled it');

    step(5, 'Side by side');
    const places = [
      ['main checkout', path.join(repo, '.env')],
      ['A (Claude: api-keys)', path.join(wtA, '.env')],
      ['B (git: feed-speedup)', path.join(wtB, '.env')],
    ] as const;
    const seen = await Promise.all(places.map(async ([, f]) => describe(envOf(f).get('DATABASE_URL'))));
    const status = await Promise.all([wtA, wtB].map((wt) => run('node', [runtime, 'status'], wt, env)));
    console.log(
      table([
        ['', ...places.map(([n]) => bold(n))],
        ['endpoint', ...seen.map((s) => s.host)],
        ['table api_keys', ...seen.map((s) => s.apiKeys)],
        ['users rows', ...seen.map((s) => s.users)],
        [
          'NEON_API_KEY in .env',
          ...places.map(([, f], i) =>
            envOf(f).has('NEON_API_KEY') ? 'yes' : green(i === 0 ? 'no (in ~/.config, outside the repo)' : 'no'),
          ),
        ],
        // Each agent branch got a password of its own: the main database's password opens only the main database.
        [
          'password',
          ...places.map(([, f], i) => {
            const pw = (u: string | undefined) => (u ? new URL(u).password : '');
            const mine = pw(envOf(f).get('DATABASE_URL'));
            if (i === 0) return 'its own';
            return mine && mine !== pw(envOf(places[0][1]).get('DATABASE_URL'))
              ? green("its own (not main's)")
              : red("main's");
          }),
        ],
      ]),
    );
    console.log(indent(`status in A: ${status[0].stdout.trim() || status[0].stderr.trim()}`));
    console.log(indent(`status in B: ${status[1].stdout.trim() || status[1].stderr.trim()}`));
    const isolated =
      seen[1].apiKeys.includes('present') && seen[0].apiKeys.includes('absent') && seen[2].apiKeys.includes('absent');
    console.log(
      isolated
        ? green("\n   ✔ The migration exists only in A's branch: B and the main database never saw it.")
        : red('\n   ✘ isolation check failed'),
    );

    step(6, 'Agent A is done: WorktreeRemove (nothing committed, so its branch goes too)');
    const rm = await run(
      'node',
      [runtime, 'worktree-remove'],
      repo,
      { ...env, CLAUDE_PROJECT_DIR: repo },
      JSON.stringify({ hook_event_name: 'WorktreeRemove', worktree_path: wtA, cwd: repo }),
    );
    console.log(indent(rm.stderr || '(removed)'));
    const branches = await neon.listBranches();
    note(`Neon branches now: ${branches.map((br) => br.name).join(', ')}`);

    console.log(`\n${bold('Done')} in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    const cliPath = path.relative(process.cwd(), path.join(ROOT, 'dist/cli.mjs')) || 'dist/cli.mjs';
    console.log(`\nTo do the same with a real Neon project, in your own repository (from this checkout until the package is on
the npm registry; then \`npm create neon-agents@latest\`):
   ${cyan(`node ${path.join(ROOT, 'dist/cli.mjs')}`)}                     ${dim('# the wizard: project id, API key or your neon CLI login, roles')}
   ${cyan(`node ${cliPath} --yes --project-id <id>`)} ${dim('# or fully scripted (NEON_API_KEY from the environment)')}
   then commit and push the files it lists and start ${cyan('claude')}. With an API key nothing else is needed (the
   runtime calls the Neon API); for a ${cyan('neon auth')} login instead, install the Neon CLI: ${cyan('npm i -g neon')}.`);
    if (!isolated) process.exitCode = 1;
  } finally {
    await cleanup();
  }
}

main().catch((e) => {
  console.error(red(`demo failed: ${(e as Error).message}`));
  process.exitCode = 1;
});
