// git as the runtime runs it: with one call's environment minus git's local variables (a hook exports GIT_DIR),
// tolerant of git's race between concurrent `worktree add`s, and reading `git worktree list` once per context.
import fs from 'node:fs';
import path from 'node:path';
import { cleanGitEnv } from '../shared/git-env.ts';
import { readIfExists, realpathOr, run, RuntimeError, sleepMs, type RuntimeEnv } from './util.ts';

/**
 * git (2.39 at least) races with itself when worktrees are added concurrently: a command that walks the worktree
 * list can read another `worktree add`'s admin dir before its files exist, and dies with
 * "fatal: failed to read .git/worktrees/<x>/commondir" (seen about once in 100 parallel adds). Claude Code adds
 * subagent worktrees in parallel, so such a failure is retried after a short random pause.
 */
export const GIT_WORKTREE_RACE = /failed to read .*\/(commondir|gitdir)\b/;

export interface Checkout {
  /** Root of this working tree (realpath). */
  root: string;
  gitDir: string;
  commonDir: string;
  /** `refs/heads/x` → `x`; null on a detached HEAD. */
  branch: string | null;
  isLinked: boolean;
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

/** git for one context (one call, in one repository): its environment, and that repository's worktree list. */
export class Git {
  /**
   * `git worktree list` of this repository, kept until this context adds or removes a worktree itself, or takes a
   * lock (a hook call reads it several times; each git process costs a few ms of CPU, and eight agents start at once).
   */
  private worktrees: WorktreeEntry[] | null = null;

  constructor(private readonly env: RuntimeEnv) {}

  /** The environment git runs with: ours without git's local variables (see shared/git-env.ts), plus `extra`. */
  private cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
    return cleanGitEnv(this.env, extra);
  }

  /** A git command's stdout (without its last newline); throws a RuntimeError with git's last line of complaint. */
  run(cwd: string, args: string[], extraEnv: Record<string, string> = {}): string {
    if (args[0] === 'worktree' && args[1] !== 'list') this.worktrees = null;
    for (let attempt = 1; ; attempt++) {
      const r = run('git', args, { cwd, env: this.cleanEnv(extraEnv), timeout: 60_000 });
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

  ok(cwd: string, args: string[]): boolean {
    return run('git', args, { cwd, env: this.cleanEnv(), timeout: 60_000 }).code === 0;
  }

  /**
   * `git worktree add`, tolerant of git's concurrent-add race: when it reports the race, the worktree may in fact be
   * complete (accept it) or not yet created (try again).
   */
  addWorktree(mainRoot: string, wt: string, args: string[], branch: string, extraEnv: Record<string, string>): void {
    this.worktrees = null;
    for (let attempt = 1; ; attempt++) {
      const r = run('git', ['worktree', 'add', ...args], {
        cwd: mainRoot,
        env: this.cleanEnv(extraEnv),
        timeout: 60_000,
      });
      if (r.error && r.error.code === 'ENOENT') throw new RuntimeError('git not found on PATH');
      if (r.code === 0) return;
      if (!GIT_WORKTREE_RACE.test(r.stderr) || attempt >= 4) {
        throw new RuntimeError(
          `git worktree add failed: ${(r.stderr || r.stdout).trim().split('\n').pop() ?? ''}`,
          'git',
        );
      }
      const top = run('git', ['rev-parse', '--show-toplevel'], { cwd: wt, env: this.cleanEnv(), timeout: 10_000 });
      if (top.code === 0 && realpathOr(top.stdout.trim()) === realpathOr(wt)) return; // it was made after all
      sleepMs(50 + Math.floor(Math.random() * 150) * attempt);
      // The branch may exist by now (the -b part succeeded): attach to it instead of creating it again.
      if (this.ok(mainRoot, ['rev-parse', '--verify', '-q', `refs/heads/${branch}`])) args = [wt, branch];
    }
  }

  checkoutAt(cwd: string): Checkout {
    const read = checkoutFromFiles(cwd);
    if (read) return read;
    const out = this.run(cwd, [
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

  /** What was read may have changed (another process made a worktree while we waited for a lock). */
  forgetWorktrees(): void {
    this.worktrees = null;
  }

  listWorktrees(cwd: string): WorktreeEntry[] {
    if (this.worktrees) return this.worktrees;
    const text = this.run(cwd, ['worktree', 'list', '--porcelain']);
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
    this.worktrees = entries;
    return entries;
  }

  /** The main checkout: the first non-bare entry of `git worktree list --porcelain`. */
  mainCheckout(cwd: string): string {
    // git's own rule for that entry (worktree.c, get_main_worktree): the common dir without its "/.git".
    const commonDir = checkoutFromFiles(cwd)?.commonDir;
    if (commonDir && path.basename(commonDir) === '.git') return path.dirname(commonDir);
    const main = this.listWorktrees(cwd).find((w) => !w.bare);
    if (!main) throw new RuntimeError('this repository has no non-bare worktree to take the env file from');
    return main.path;
  }

  /** The commit HEAD of the checkout at `root` points at (`git rev-parse HEAD`). */
  headSha(root: string): string {
    const co = checkoutFromFiles(root);
    if (co?.branch) {
      // A loose ref (what `worktree add -b` writes); a packed one is left to git.
      const sha = readIfExists(path.join(co.commonDir, 'refs', 'heads', co.branch))?.trim();
      if (sha && HEX_OID.test(sha)) return sha;
    }
    return this.run(root, ['rev-parse', 'HEAD']);
  }

  branchExists(cwd: string, branch: string): boolean {
    return this.ok(cwd, ['show-ref', '--verify', '--quiet', `refs/heads/${branch}`]);
  }

  /** Does `commit` descend from (or equal) `ancestor`? null when git cannot tell (a commit it does not have). */
  descendsFrom(cwd: string, commit: string, ancestor: string): boolean | null {
    const r = run('git', ['merge-base', '--is-ancestor', ancestor, commit], {
      cwd,
      env: this.cleanEnv(),
      timeout: 60_000,
    });
    return r.code === 0 ? true : r.code === 1 ? false : null;
  }
}

const HEX_OID = /^([0-9a-f]{40}|[0-9a-f]{64})$/;

/**
 * The checkout whose top level is `dir`, read from its git files the way git finds them (`.git` is the git dir, or a
 * file naming it; `commondir` in it names the common dir; HEAD names the branch) instead of one `git rev-parse`
 * process per checkout (a few ms of CPU each, and eight agents start at once). null, and git is asked, whenever
 * anything is unusual: `dir` is not a top level, a setting moves the work tree (core.worktree, a bare repository,
 * per-worktree config, includes), refs are not plain files (reftable), HEAD is not a branch with a commit or a commit.
 */
function checkoutFromFiles(dir: string): Checkout | null {
  try {
    const dotGit = path.join(dir, '.git');
    const st = fs.lstatSync(dotGit);
    let gitDir: string;
    if (st.isDirectory()) gitDir = dotGit;
    else if (st.isFile()) {
      const m = /^gitdir: (.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
      if (!m) return null;
      gitDir = path.resolve(dir, m[1]!.trim());
    } else return null;
    const common = readIfExists(path.join(gitDir, 'commondir'));
    const commonDir = common === null ? gitDir : path.resolve(gitDir, common.trim());
    const config = fs.readFileSync(path.join(commonDir, 'config'), 'utf8');
    if (/^\s*(worktree\s*=|bare\s*=\s*true|refstorage\b|worktreeconfig\b|\[include)/im.test(config)) return null;
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    let branch: string | null = null;
    if (head.startsWith('ref: refs/heads/')) {
      const ref = head.slice('ref: '.length);
      // An unborn branch makes `rev-parse HEAD` fail: only a branch that has a commit is taken from the files.
      const loose = readIfExists(path.join(commonDir, ref))?.trim();
      const packed = loose ? null : readIfExists(path.join(commonDir, 'packed-refs'));
      if (!(loose && HEX_OID.test(loose)) && !packed?.split('\n').some((l) => l.endsWith(` ${ref}`))) return null;
      branch = ref.slice('refs/heads/'.length);
    } else if (!HEX_OID.test(head)) return null;
    const root = realpathOr(dir);
    const g = realpathOr(gitDir);
    const c = realpathOr(commonDir);
    return { root, gitDir: g, commonDir: c, branch, isLinked: g !== c };
  } catch {
    return null;
  }
}

/** The worktree list parser for the initializer and doctor (which run git with their own environment). */
export function listWorktrees(cwd: string, env: RuntimeEnv): WorktreeEntry[] {
  return new Git(env).listWorktrees(cwd);
}

/** The main checkout, as the runtime finds it (for the initializer). */
export function mainCheckout(cwd: string, env: RuntimeEnv): string {
  return new Git(env).mainCheckout(cwd);
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
