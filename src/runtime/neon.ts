// The Neon CLI, used as a subprocess: `neon` (else `neonctl`) on PATH, the repo's node_modules/.bin, or
// $NEON_AGENTS_NEON_BIN. Always `--no-analytics --output json`; one process per call, each with a timeout;
// 423/429/5xx-looking failures retried with bounded backoff.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { NEON_BIN_ENV } from '../shared/claude-hooks.ts';
import { run, RuntimeError, sleepMs } from './util.ts';

/** The CLI release line that added `branches create --expires-at` (neonctl PR #373, August 2025). */
export const MIN_CLI_VERSION = '2.14.0';

export interface NeonCli {
  bin: string;
  env: NodeJS.ProcessEnv;
  projectId: string;
  timeoutMs: number;
  /** Epoch ms after which no Neon call starts and none is waited for: the caller fails closed with the reason. */
  deadline?: number;
  /** The budget behind `deadline`, for the message. */
  budgetSeconds?: number;
  /** How long to wait for another process's lock on the same branch. */
  lockWaitMs?: number;
}

export function findNeonBin(searchDirs: string[]): string | null {
  const override = process.env[NEON_BIN_ENV];
  if (override) return override;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...searchDirs.map((d) => path.join(d, 'node_modules', '.bin'))];
  for (const name of ['neon', 'neonctl']) {
    for (const d of dirs) {
      const p = path.join(d, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        /* next */
      }
    }
  }
  return null;
}

export interface CliFailure {
  message: string;
  kind: 'exists' | 'auth' | 'limit' | 'transient' | 'timeout' | 'missing' | 'usage' | 'notfound' | 'other';
}

function classify(stderr: string, code: number | null): CliFailure {
  const lines = stderr.split('\n').map((l) => l.trim()).filter(Boolean);
  const errLine = lines.filter((l) => l.startsWith('ERROR:')).map((l) => l.slice(6).trim()).join(' ') || lines.filter((l) => !/^(INFO|DEBUG|WARNING):/.test(l)).join(' ');
  const m = errLine || `exited with code ${code} and no message`;
  if (/already exists/i.test(m)) return { message: m, kind: 'exists' };
  if (/authentication failed|unauthori[sz]ed|rejected the api key|401/i.test(m)) return { message: m, kind: 'auth' };
  if (/unknown argument|not enough non-option|did you mean/i.test(m)) return { message: m, kind: 'usage' };
  if (/(branch(es)?[^.]*limit|limit[^.]*branch|quota|maximum number of branches|too many branches)/i.test(m) && !/rate/i.test(m)) return { message: m, kind: 'limit' };
  if (/not found/i.test(m)) return { message: m, kind: 'notfound' };
  if (!errLine || /locked|too many requests|rate limit|internal|server error|unavailable|bad gateway|gateway|timed out|could not reach|try again|ECONNRESET|socket hang up/i.test(m)) return { message: m, kind: 'transient' };
  return { message: m, kind: 'other' };
}

export class NeonCliError extends RuntimeError {
  constructor(readonly failure: CliFailure, readonly command: string) {
    super(`neon ${command}: ${failure.message}`, failure.kind);
  }
}

function backoffs(): number[] {
  const base = Number(process.env.NEON_AGENTS_RETRY_BASE_MS ?? 1000);
  return [base, base * 2, base * 4];
}

/** Run one CLI command and return its stdout; throws NeonCliError. Retries transient failures. */
export function neon(cli: NeonCli, args: string[], label = args.slice(0, 2).join(' ')): string {
  const full = [...args, '--project-id', cli.projectId, '--no-analytics', '--output', 'json'];
  const waits = backoffs();
  const deadline = cli.deadline ?? Infinity;
  const outOfTime = (): never => {
    throw new NeonCliError(
      { message: `Neon did not finish within ${cli.budgetSeconds ?? Math.round(cli.timeoutMs / 1000)}s (provisionTimeoutSeconds in .claude/neon-agents.json), so this checkout gets no database rather than a late one`, kind: 'timeout' },
      label,
    );
  };
  const pause = (ms: number) => {
    if (Date.now() + ms >= deadline - 500) outOfTime();
    sleepMs(ms);
  };
  for (let attempt = 0; ; attempt++) {
    const left = deadline - Date.now();
    if (left < 1000) outOfTime();
    const timeout = Math.min(cli.timeoutMs, left);
    const r = run(cli.bin, full, { env: cli.env, timeout, cwd: os.tmpdir(), killSignal: 'SIGKILL' });
    if (r.error && (r.error as NodeJS.ErrnoException).code === 'ENOENT') {
      throw new NeonCliError({ message: `Neon CLI not found at ${cli.bin}`, kind: 'missing' }, label);
    }
    if (r.timedOut || (r.error && /ETIMEDOUT/.test(String(r.error.code)))) {
      if (timeout < cli.timeoutMs) outOfTime();
      const f: CliFailure = { message: `${cli.bin} did not answer within ${Math.round(timeout / 1000)}s`, kind: 'timeout' };
      if (attempt < 1) {
        pause(waits[0]!);
        continue;
      }
      throw new NeonCliError(f, label);
    }
    if (r.code === 0) return r.stdout;
    const f = classify(r.stderr, r.code);
    if (f.kind === 'usage') {
      const v = cliVersion(cli);
      throw new NeonCliError(
        { message: `${f.message} — found Neon CLI ${v ?? 'of unknown version'} at ${cli.bin}; create-neon-agents needs neon/neonctl >= ${MIN_CLI_VERSION} (npm i -g neon@latest)`, kind: 'usage' },
        label,
      );
    }
    if (f.kind === 'transient' && attempt < waits.length) {
      pause(waits[attempt]!);
      continue;
    }
    throw new NeonCliError(f, label);
  }
}

export function cliVersion(cli: Pick<NeonCli, 'bin' | 'env'>): string | null {
  const r = run(cli.bin, ['--version'], { env: cli.env, timeout: 10_000, cwd: os.tmpdir(), killSignal: 'SIGKILL' });
  const m = /(\d+\.\d+\.\d+)/.exec(r.stdout);
  return m ? m[1]! : null;
}

export function unexpected(cli: NeonCli, what: string, out: string): never {
  const v = cliVersion(cli);
  throw new RuntimeError(
    `unexpected output from ${cli.bin} ${what} (Neon CLI ${v ?? 'version unknown'}; create-neon-agents needs >= ${MIN_CLI_VERSION}): ${JSON.stringify(out.slice(0, 160))}`,
    'unexpected',
  );
}

export interface BranchInfo {
  id: string;
  name: string;
  default?: boolean;
  protected?: boolean;
  parent_id?: string;
  created_at?: string;
  expires_at?: string;
}

export interface CreateResult {
  branch: BranchInfo;
  endpointId: string | null;
  /** Direct URI from `connection_uris`, when there was exactly one database/role (or the configured one). */
  uri: string | null;
}

function parseJson(cli: NeonCli, what: string, out: string): unknown {
  try {
    return JSON.parse(out);
  } catch {
    return unexpected(cli, what, out);
  }
}

export function createBranch(cli: NeonCli, name: string, parent: string | null, expiresAt: string | null, db: string | null, role: string | null): CreateResult {
  const args = ['branches', 'create', '--name', name];
  if (parent) args.push('--parent', parent);
  if (expiresAt) args.push('--expires-at', expiresAt);
  const out = neon(cli, args, 'branches create');
  const data = parseJson(cli, 'branches create', out) as Record<string, any>;
  const branch = (data && typeof data === 'object' && 'branch' in data ? data.branch : data) as BranchInfo;
  if (!branch || typeof branch.id !== 'string' || typeof branch.name !== 'string') return unexpected(cli, 'branches create', out);
  if (branch.name !== name) return unexpected(cli, 'branches create (returned another branch)', out);
  const endpoints = Array.isArray(data.endpoints) ? (data.endpoints as { id: string; type: string }[]) : [];
  const ep = endpoints.find((e) => e.type === 'read_write') ?? endpoints[0];
  let uri: string | null = null;
  const uris = Array.isArray(data.connection_uris) ? (data.connection_uris as { connection_uri: string; connection_parameters?: { database?: string; role?: string } }[]) : [];
  const fit = uris.filter((u) => (!db || u.connection_parameters?.database === db) && (!role || u.connection_parameters?.role === role));
  if (fit.length === 1 && typeof fit[0]!.connection_uri === 'string') uri = fit[0]!.connection_uri;
  return { branch, endpointId: ep?.id ?? null, uri };
}

/** Direct connection string of a branch (by id or name), via `connection-string --extended`. */
export function connectionString(cli: NeonCli, branch: string, db: string | null, role: string | null): string {
  const args = ['connection-string', branch, '--extended'];
  if (db) args.push('--database-name', db);
  if (role) args.push('--role-name', role);
  const out = neon(cli, args, 'connection-string').trim();
  if (/^postgres(ql)?:\/\//.test(out)) return out;
  const data = parseJson(cli, 'connection-string', out) as { connection_string?: string };
  if (!data || typeof data.connection_string !== 'string' || !/^postgres(ql)?:\/\//.test(data.connection_string)) return unexpected(cli, 'connection-string', out);
  return data.connection_string;
}

export function listBranches(cli: NeonCli): BranchInfo[] {
  const out = neon(cli, ['branches', 'list'], 'branches list');
  const data = parseJson(cli, 'branches list', out);
  const arr = Array.isArray(data) ? data : (data as { branches?: unknown })?.branches;
  if (!Array.isArray(arr)) return unexpected(cli, 'branches list', out);
  return arr as BranchInfo[];
}

export function deleteBranch(cli: NeonCli, idOrName: string): void {
  neon(cli, ['branches', 'delete', idOrName], 'branches delete');
}

/**
 * Pooled and direct URIs from one URI. The pooled one is the CLI's own rule, host.replace(endpointId,
 * endpointId + '-pooler'), applied to the part after the credentials; the endpoint id defaults to the first
 * `ep-…` id in the URI (real hosts start with it; the local emulator carries it in `options=endpoint%3D…`).
 */
export function pooledAndDirect(uri: string, endpointId: string | null): { direct: string; pooled: string; endpointId: string } {
  const at = uri.indexOf('@', uri.indexOf('://') + 3);
  const head = uri.slice(0, at + 1);
  let tail = uri.slice(at + 1);
  let ep = endpointId && tail.includes(endpointId) ? endpointId : /ep-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+/.exec(tail.replace(/-pooler/g, ''))?.[0];
  if (!ep) ep = tail.split(/[.:/?]/)[0]!.replace(/-pooler$/, '');
  tail = tail.replace(`${ep}-pooler`, ep);
  if (!/[?&]sslmode=/.test(tail)) tail += `${tail.includes('?') ? '&' : '?'}sslmode=require`;
  return { direct: head + tail, pooled: head + tail.replace(ep, `${ep}-pooler`), endpointId: ep };
}
