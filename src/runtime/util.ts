// Small helpers of every runtime module: the error type, child processes, atomic writes, reading files, redaction.
import { spawnSync, type SpawnSyncOptions } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

/** The prefix of every line the runtime says on stderr (see RuntimeContext.say). */
export const TAG = 'neon-agents';

/** The environment one call runs with: the process's, or a test's; only ever read through the RuntimeContext. */
export type RuntimeEnv = Readonly<Record<string, string | undefined>>;

export class RuntimeError extends Error {
  constructor(
    message: string,
    readonly kind: string = 'error',
  ) {
    super(message);
  }
}

export function sleepMs(ms: number): void {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

export interface RunResult {
  code: number | null;
  stdout: string;
  stderr: string;
  timedOut: boolean;
  error?: NodeJS.ErrnoException;
}

export function run(cmd: string, args: string[], opts: SpawnSyncOptions = {}): RunResult {
  const r = spawnSync(cmd, args, {
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
    stdio: ['ignore', 'pipe', 'pipe'],
    ...opts,
  });
  const error = r.error as NodeJS.ErrnoException | undefined;
  return {
    code: r.status,
    stdout: (r.stdout as string) ?? '',
    stderr: (r.stderr as string) ?? '',
    timedOut: error?.code === 'ETIMEDOUT' || (r.signal === 'SIGTERM' && !!opts.timeout),
    error,
  };
}

/** Atomic write (temp file + rename) with a mode. */
export function writeFileAtomic(file: string, content: string, mode = 0o644): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  fs.writeFileSync(tmp, content, { mode });
  fs.chmodSync(tmp, mode);
  fs.renameSync(tmp, file);
}

export function readIfExists(file: string): string | null {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch {
    return null;
  }
}

export function realpathOr(p: string): string {
  try {
    return fs.realpathSync(p);
  } catch {
    return path.resolve(p);
  }
}

/** `s` as one word for a POSIX shell: as is when it is safe, else single-quoted. */
export function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** Hide the password in a connection string. */
export function redactUrl(u: string | undefined | null): string {
  if (!u) return '(none)';
  try {
    const url = new URL(u);
    if (url.password) url.password = '****';
    return url.toString();
  } catch {
    return '(unparsable)';
  }
}
