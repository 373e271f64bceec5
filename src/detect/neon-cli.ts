// The Neon CLI as the initializer and doctor see it: found by the same search as the runtime (src/shared/neon-cli.ts),
// its version read from the npm package the binary belongs to (spawning `neon --version` costs ~0.5 s).
import path from 'node:path';
import { realpathSync } from 'node:fs';
import { execFile } from 'node:child_process';
import { readJson } from './fs.ts';
import { findNeonBin, NEON_CLI_INSTALL, type NeonCliName } from '../shared/neon-cli.ts';

export interface NeonCli {
  /** Absolute path: on PATH, in the repo's node_modules/.bin, or $NEON_AGENTS_NEON_BIN. */
  bin: string;
  name: NeonCliName;
  version: string | null;
}

export { NEON_CLI_INSTALL };

/** How to install the Neon CLI globally with the package manager the repository uses. */
export function neonInstallCommand(pm: string): string {
  if (pm === 'pnpm') return 'pnpm add -g neonctl';
  if (pm === 'bun') return 'bun add -g neonctl';
  return 'npm i -g neonctl'; // npm, and yarn (Yarn 2+ has no global installs)
}

function versionFromPackage(bin: string): string | null {
  try {
    let dir = path.dirname(realpathSync(bin));
    for (let i = 0; i < 5; i++) {
      const pkg = readJson<{ name?: string; version?: string }>(path.join(dir, 'package.json'));
      if (pkg?.name === 'neon' || pkg?.name === 'neonctl') return pkg.version ?? null;
      dir = path.dirname(dir);
    }
  } catch {
    /* not an npm install (e.g. a Homebrew binary) */
  }
  return null;
}

/**
 * The Neon CLI the runtime would use (the same search: $NEON_AGENTS_NEON_BIN, PATH, then the repo's
 * node_modules/.bin, so a devDependency counts), and its version from its npm package.
 */
export function findNeonCli(env: NodeJS.ProcessEnv, searchDirs: string[] = []): NeonCli | null {
  const found = findNeonBin(searchDirs, env);
  return found ? { ...found, version: versionFromPackage(found.bin) } : null;
}

interface RunResult {
  exitCode: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
}

/**
 * Run the Neon CLI with a clean environment and a deadline. node:child_process is all this needs (execa would add
 * ~80 kB to every `npm create` download for two calls).
 */
const running = new Set<import('node:child_process').ChildProcess>();
let reaperInstalled = false;

function runCli(bin: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): Promise<RunResult> {
  if (!reaperInstalled) {
    // If we exit first (Ctrl-C during a check), take the Neon CLI with us rather than orphan it.
    process.on('exit', () => {
      for (const c of running) c.kill('SIGKILL');
    });
    reaperInstalled = true;
  }
  return new Promise((resolve) => {
    const child = execFile(
      bin,
      args,
      { env, timeout: timeoutMs, killSignal: 'SIGKILL', maxBuffer: 4 * 1024 * 1024, encoding: 'utf8' },
      (error, stdout, stderr) => {
        const e = error as (NodeJS.ErrnoException & { killed?: boolean; code?: number | string }) | null;
        running.delete(child);
        resolve({
          exitCode: e ? (typeof e.code === 'number' ? e.code : (child.exitCode ?? 1)) : 0,
          stdout: String(stdout),
          stderr: e && typeof e.code === 'string' ? `${stderr}${e.message}` : String(stderr),
          timedOut: Boolean(e?.killed),
        });
      },
    );
    running.add(child);
    child.stdin?.end();
  });
}

export type VerifyResult =
  | { ok: true; projectName: string | null }
  | { ok: false; kind: 'rejected' | 'not-found' | 'unreachable' | 'no-login' | 'error'; message: string };

/**
 * Ask Neon whether the project exists and the credentials work. With an API key: one request to the Neon API
 * (`GET /projects/{id}`, base URL from NEON_API_HOST as the CLI and the runtime use it), no CLI process. With the
 * Neon CLI's login: the CLI itself (`neon projects get`), which refreshes its own token. The key never goes on a
 * command line (argv is visible to every user in `ps`).
 */
export async function verifyProject(
  cli: NeonCli | null,
  projectId: string,
  apiKey: string | undefined,
  env: NodeJS.ProcessEnv,
  timeoutMs = 20_000,
): Promise<VerifyResult> {
  if (apiKey) return verifyByApi(projectId, apiKey, env, timeoutMs);
  if (!cli)
    return { ok: false, kind: 'no-login', message: 'no API key, and the Neon CLI (for its login) is not installed' };
  return verifyByCli(cli, projectId, env, timeoutMs);
}

async function verifyByApi(
  projectId: string,
  apiKey: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<VerifyResult> {
  const base = (env.NEON_API_HOST || 'https://console.neon.tech/api/v2').replace(/\/+$/, '');
  let res: Response;
  try {
    res = await fetch(`${base}/projects/${encodeURIComponent(projectId)}`, {
      headers: { authorization: `Bearer ${apiKey}`, accept: 'application/json', 'user-agent': 'create-neon-agents' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (e) {
    const err = e as Error & { cause?: { code?: string } };
    return {
      ok: false,
      kind: 'unreachable',
      message:
        err.name === 'TimeoutError'
          ? `no answer from Neon within ${timeoutMs / 1000}s`
          : `could not reach the Neon API (${err.cause?.code ?? err.message})`,
    };
  }
  const body = (await res.json().catch(() => null)) as { project?: { name?: string }; message?: string } | null;
  if (res.ok) return { ok: true, projectName: body?.project?.name ?? null };
  if (res.status === 401 || res.status === 403) return { ok: false, kind: 'rejected', message: 'API key rejected' };
  if (res.status === 404) return { ok: false, kind: 'not-found', message: `project not found: ${projectId}` };
  return { ok: false, kind: 'error', message: `HTTP ${res.status}${body?.message ? ` ${body.message}` : ''}` };
}

async function verifyByCli(
  cli: NeonCli,
  projectId: string,
  env: NodeJS.ProcessEnv,
  timeoutMs: number,
): Promise<VerifyResult> {
  const childEnv: NodeJS.ProcessEnv = { ...env, NO_UPDATE_NOTIFIER: '1', CI: env.CI ?? '1' };
  delete childEnv.NEON_API_KEY;
  try {
    const r = await runCli(
      cli.bin,
      ['projects', 'get', projectId, '--output', 'json', '--no-analytics'],
      childEnv,
      timeoutMs,
    );
    if (r.timedOut)
      return { ok: false, kind: 'unreachable', message: `no answer from Neon within ${timeoutMs / 1000}s` };
    if (r.exitCode === 0) {
      let name: string | null = null;
      try {
        name = (JSON.parse(r.stdout) as { name?: string }).name ?? null;
      } catch {
        /* table output or older CLI: the exit code is what matters */
      }
      return { ok: true, projectName: name };
    }
    const err = `${r.stderr}`.trim();
    if (/Authentication failed|rejected the API key|401/i.test(err))
      return { ok: false, kind: 'rejected', message: 'the Neon CLI login was rejected' };
    if (/project not found|404/i.test(err))
      return { ok: false, kind: 'not-found', message: `project not found: ${projectId}` };
    if (/Could not reach|ECONNREFUSED|ENOTFOUND|timed out/i.test(err))
      return { ok: false, kind: 'unreachable', message: 'could not reach the Neon API' };
    if (/interactive auth|auth/i.test(err))
      return { ok: false, kind: 'no-login', message: 'no API key and the Neon CLI is not logged in' };
    return {
      ok: false,
      kind: 'error',
      message:
        err
          .split('\n')
          .pop()
          ?.replace(/^ERROR:\s*/, '') || `neon exited ${r.exitCode}`,
    };
  } catch (e) {
    return { ok: false, kind: 'error', message: (e as Error).message };
  }
}

/** Whether the Neon CLI has a stored login that works (`neon me`), for the wizard's "use my login" offer. */
export async function cliLoginWorks(cli: NeonCli, env: NodeJS.ProcessEnv, timeoutMs = 8_000): Promise<boolean> {
  const childEnv: NodeJS.ProcessEnv = { ...env, NO_UPDATE_NOTIFIER: '1', CI: '1' };
  delete childEnv.NEON_API_KEY;
  const r = await runCli(cli.bin, ['me', '--output', 'json', '--no-analytics'], childEnv, timeoutMs);
  return r.exitCode === 0 && !r.timedOut;
}
