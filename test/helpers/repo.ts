// Temporary git repositories for end-to-end tests, and a runner for the built CLI.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync, readFileSync, statSync, readdirSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import path from 'node:path';
import { execa, type Options as ExecaOptions } from 'execa';

export const ROOT = path.resolve(import.meta.dirname, '../..');
export const CLI = path.join(ROOT, 'dist/cli.mjs');

const made: string[] = [];

export function tempDir(prefix = 'cna-'): string {
  const d = mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(d);
  return d;
}

export function cleanupTempDirs(): void {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
}

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
}

/** A git repo with one commit and the given files. */
export function makeRepo(files: Record<string, string> = {}, opts: { commit?: boolean } = {}): string {
  const dir = tempDir('cna-repo-');
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 'test@example.com');
  git(dir, 'config', 'user.name', 'Test');
  git(dir, 'config', 'commit.gpgsign', 'false');
  writeFiles(dir, { 'README.md': '# app\n', ...files });
  if (opts.commit !== false) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'initial');
  }
  return dir;
}

export function writeFiles(dir: string, files: Record<string, string>): void {
  for (const [rel, text] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, text);
  }
}

export function read(dir: string, rel: string): string {
  return readFileSync(path.join(dir, rel), 'utf8');
}

export function mode(dir: string, rel: string): number {
  return statSync(path.join(dir, rel)).mode & 0o777;
}

/** Every file under dir (except .git internals' objects), with its content, for before/after comparisons. */
export function tree(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const abs = path.join(dir, e.name);
    const rel = path.relative(base, abs);
    if (rel === '.git/objects' || rel === '.git/logs' || rel === '.git/index') continue;
    if (e.isDirectory()) tree(abs, base, out);
    else if (e.isFile()) out[rel] = readFileSync(abs, 'utf8') + `\n[mode ${(statSync(abs).mode & 0o777).toString(8)}]`;
  }
  return out;
}

/** An environment with no Neon credentials and no CI/agent hints, unless the test adds them. */
export function baseEnv(extra: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  const env: Record<string, string | undefined> = {
    // No node_modules/.bin: whether the Neon CLI is "installed" is each test's choice (see withNeonCli).
    PATH: (process.env.PATH ?? '')
      .split(path.delimiter)
      .filter((d) => !d.includes('node_modules'))
      .join(path.delimiter),
    // A home of its own per call: a key one run keeps in the user credentials file reaches no other test (a test
    // that runs twice passes the same env both times).
    HOME: tempDir('cna-home-'),
    LANG: 'C.UTF-8',
    NO_COLOR: '1',
  };
  return { ...env, ...extra };
}

export async function runCli(
  cwd: string,
  args: string[],
  opts: { env?: Record<string, string | undefined>; input?: string } & Partial<ExecaOptions> = {},
) {
  const { env, ...rest } = opts;
  return execa('node', [CLI, ...args], {
    cwd,
    env: env ?? baseEnv(),
    extendEnv: false,
    reject: false,
    stdin: opts.input !== undefined ? undefined : 'ignore',
    timeout: 60_000,
    ...rest,
  } as ExecaOptions) as unknown as Promise<{ exitCode: number; stdout: string; stderr: string; all?: string }>;
}

/** PATH with the Neon CLI devDependency on it. */
export function withNeonCli(env: Record<string, string | undefined>): Record<string, string | undefined> {
  return { ...env, PATH: `${path.join(ROOT, 'node_modules/.bin')}${path.delimiter}${env.PATH ?? ''}` };
}
