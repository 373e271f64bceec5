import fs from 'node:fs';
import path from 'node:path';
import { cleanGitEnv, realpathOr, run, RuntimeError, sleepMs } from './util.ts';

/**
 * git (2.39 at least) races with itself when worktrees are added concurrently: a command that walks the worktree
 * list can read another `worktree add`'s admin dir before its files exist, and dies with
 * "fatal: failed to read .git/worktrees/<x>/commondir" (seen about once in 100 parallel adds). Claude Code adds
 * subagent worktrees in parallel, so such a failure is retried after a short random pause.
 */
export const GIT_WORKTREE_RACE = /failed to read .*\/(commondir|gitdir)\b/;

export function git(cwd: string, args: string[], extraEnv: Record<string, string> = {}): string {
  if (args[0] === 'worktree' && args[1] !== 'list') worktreeCache = null;
  for (let attempt = 1; ; attempt++) {
    const r = run('git', args, { cwd, env: cleanGitEnv(extraEnv), timeout: 60_000 });
    if (r.error && r.error.code === 'ENOENT') throw new RuntimeError('git not found on PATH');
    if (r.code === 0) return r.stdout.replace(/\n$/, '');
    // (`worktree add` itself is not safely repeatable here: addWorktree() handles it.)
    const raced = GIT_WORKTREE_RACE.test(r.stderr) && !(args[0] === 'worktree' && args[1] === 'add');
    if (raced && attempt < 4) {
      sleepMs(50 + Math.floor(Math.random() * 150) * attempt);
      continue;
    }
    throw new RuntimeError(`git ${args[0]} failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`, 'git');
  }
}

/**
 * `git worktree add`, tolerant of git's concurrent-add race: when it reports the race, the worktree may in fact be
 * complete (accept it) or not yet created (try again).
 */
export function addWorktree(
  mainRoot: string,
  wt: string,
  args: string[],
  branch: string,
  extraEnv: Record<string, string>,
): void {
  worktreeCache = null;
  for (let attempt = 1; ; attempt++) {
    const r = run('git', ['worktree', 'add', ...args], { cwd: mainRoot, env: cleanGitEnv(extraEnv), timeout: 60_000 });
    if (r.error && r.error.code === 'ENOENT') throw new RuntimeError('git not found on PATH');
    if (r.code === 0) return;
    if (!GIT_WORKTREE_RACE.test(r.stderr) || attempt >= 4) {
      throw new RuntimeError(
        `git worktree add failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
        'git',
      );
    }
    const top = run('git', ['rev-parse', '--show-toplevel'], { cwd: wt, env: cleanGitEnv(), timeout: 10_000 });
    if (top.code === 0 && realpathOr(top.stdout.trim()) === realpathOr(wt)) return; // it was made after all
    sleepMs(50 + Math.floor(Math.random() * 150) * attempt);
    // The branch may exist by now (the -b part succeeded): attach to it instead of creating it again.
    if (gitOk(mainRoot, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`])) args = [wt, branch];
  }
}

export function gitOk(cwd: string, args: string[]): boolean {
  return run('git', args, { cwd, env: cleanGitEnv(), timeout: 60_000 }).code === 0;
}

export interface Checkout {
  /** Root of this working tree (realpath). */
  root: string;
  gitDir: string;
  commonDir: string;
  /** `refs/heads/x` → `x`; null on a detached HEAD. */
  branch: string | null;
  isLinked: boolean;
}

export function checkoutAt(cwd: string): Checkout {
  const out = git(cwd, [
    'rev-parse',
    '--path-format=absolute',
    '--show-toplevel',
    '--git-dir',
    '--git-common-dir',
    '--symbolic-full-name',
    'HEAD',
  ]).split('\n');
  const [root, gitDir, commonDir, head] = out;
  if (!root || !gitDir || !commonDir) throw new RuntimeError(`not inside a git work tree: ${cwd}`);
  const branch = head?.startsWith('refs/heads/') ? head.slice('refs/heads/'.length) : null;
  return {
    root: realpathOr(root),
    gitDir: realpathOr(gitDir),
    commonDir: realpathOr(commonDir),
    branch,
    isLinked: realpathOr(gitDir) !== realpathOr(commonDir),
  };
}

export interface WorktreeEntry {
  path: string;
  head?: string;
  branch?: string;
  bare: boolean;
  detached: boolean;
  locked: boolean;
  prunable: boolean;
}

/**
 * `git worktree list` of this process's repository, kept until the process itself adds or removes a worktree (a
 * hook call reads it several times; each git process costs a few ms of CPU, and eight agents start at once).
 */
let worktreeCache: WorktreeEntry[] | null = null;
export function forgetWorktrees(): void {
  worktreeCache = null;
}

export function listWorktrees(cwd: string): WorktreeEntry[] {
  if (worktreeCache) return worktreeCache;
  const text = git(cwd, ['worktree', 'list', '--porcelain']);
  const entries: WorktreeEntry[] = [];
  let cur: WorktreeEntry | null = null;
  for (const line of text.split('\n')) {
    if (line.startsWith('worktree ')) {
      cur = { path: realpathOr(line.slice(9)), bare: false, detached: false, locked: false, prunable: false };
      entries.push(cur);
    } else if (!cur) continue;
    else if (line.startsWith('HEAD ')) cur.head = line.slice(5);
    else if (line.startsWith('branch ')) cur.branch = line.slice(7).replace(/^refs\/heads\//, '');
    else if (line === 'bare') cur.bare = true;
    else if (line === 'detached') cur.detached = true;
    else if (line === 'locked' || line.startsWith('locked ')) cur.locked = true;
    else if (line === 'prunable' || line.startsWith('prunable ')) cur.prunable = true;
  }
  worktreeCache = entries;
  return entries;
}

/** The main checkout: the first non-bare entry of `git worktree list --porcelain`. */
export function mainCheckout(cwd: string): string {
  const main = listWorktrees(cwd).find((w) => !w.bare);
  if (!main) throw new RuntimeError('this repository has no non-bare worktree to take the env file from');
  return main.path;
}

export function branchExists(cwd: string, branch: string): boolean {
  return gitOk(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
}

export function isDir(p: string): boolean {
  try {
    return fs.statSync(p).isDirectory();
  } catch {
    return false;
  }
}

export function neonAgentsDir(commonDir: string): string {
  const d = path.join(commonDir, 'neon-agents');
  fs.mkdirSync(d, { recursive: true, mode: 0o700 });
  return d;
}
