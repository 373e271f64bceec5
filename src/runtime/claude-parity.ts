// What Claude Code itself does for a worktree when no WorktreeCreate hook is set, done here because ours replaces
// it: its `worktree` settings (user < project < local), the base a new branch starts from (baseRef), copying the
// gitignored files `.worktreeinclude` names and .claude/settings.local.json, and linking symlinkDirectories. Also
// its one refusal we must foresee: a worktree path through a symlink.
import fs from 'node:fs';
import path from 'node:path';
import { SKIP_HOOK_ENV } from '../shared/claude-hooks.ts';
import { WORKTREES_DIR } from '../shared/naming.ts';
import type { RuntimeContext } from './context.ts';
import { isDir, type Git } from './git.ts';
import { readIfExists, RuntimeError } from './util.ts';

export interface WorktreeSettings {
  baseRef?: string;
  symlinkDirectories?: string[];
}

// biome-ignore lint/suspicious/noExplicitAny: settings files of any shape; each field is checked where it is read
function readJsonFile(p: string): Record<string, any> | null {
  const t = readIfExists(p);
  if (!t) return null;
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}

/** Claude Code's `worktree` settings, user < project < local. */
export function worktreeSettings(mainRoot: string, home: string): WorktreeSettings {
  const merged: Record<string, unknown> = {};
  for (const p of [
    path.join(home, '.claude', 'settings.json'),
    path.join(mainRoot, '.claude', 'settings.json'),
    path.join(mainRoot, '.claude', 'settings.local.json'),
  ]) {
    const w = readJsonFile(p)?.worktree;
    if (w && typeof w === 'object') Object.assign(merged, w);
  }
  return merged as WorktreeSettings;
}

/**
 * Whether `branch` exists, and the base a new one starts from (baseRef): "head" is HEAD; Claude's "fresh" is origin's
 * default branch (what origin/HEAD names, else origin/main or origin/master), else HEAD. One git process for both.
 */
function branchAndBase(
  git: Git,
  mainRoot: string,
  branch: string,
  setting: string | undefined,
): { exists: boolean; base: string } {
  const ref = `refs/heads/${branch}`;
  let refs: string[];
  try {
    refs = git
      .run(mainRoot, [
        'for-each-ref',
        '--format=%(refname) %(symref:short)',
        ref,
        ...(setting === 'head'
          ? []
          : ['refs/remotes/origin/HEAD', 'refs/remotes/origin/main', 'refs/remotes/origin/master']),
      ])
      .split('\n')
      .filter(Boolean);
  } catch {
    return { exists: git.branchExists(mainRoot, branch), base: 'HEAD' };
  }
  // A pattern also matches the refs below it (refs/heads/<branch>/x): compare whole names.
  const names = refs.map((l) => l.split(' ')[0]);
  const exists = names.includes(ref);
  if (setting === 'head') return { exists, base: 'HEAD' };
  const head = refs.find((l) => l.startsWith('refs/remotes/origin/HEAD '))?.split(' ')[1];
  if (head) return { exists, base: head };
  for (const b of ['main', 'master'])
    if (names.includes(`refs/remotes/origin/${b}`)) return { exists, base: `origin/${b}` };
  return { exists, base: 'HEAD' };
}

/**
 * Claude Code rejects a worktree path that passes through a symlink below the repository root, after our hook has
 * made the worktree and its branch (an orphan of each): refuse before creating anything.
 */
export function assertNoSymlinkedWorktreesDir(mainRoot: string): void {
  for (const rel of ['.claude', WORKTREES_DIR]) {
    const p = path.join(mainRoot, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) {
      let to = '';
      try {
        to = ` (to ${fs.readlinkSync(p)})`;
      } catch {
        /* unreadable */
      }
      throw new RuntimeError(
        `${rel} is a symbolic link${to}, and Claude Code rejects worktree paths through a symlink, so no worktree was created. Make ${rel} a real folder inside the repository`,
        'input',
      );
    }
  }
}

/**
 * `git worktree add` of `wt` on `branch`, as Claude does: an existing branch is checked out, a new one starts at the
 * baseRef. Our own post-checkout hook is told to stay out (the caller provisions once the worktree is complete).
 */
export function addWorktreeLikeClaude(
  git: Git,
  mainRoot: string,
  wt: string,
  branch: string,
  settings: WorktreeSettings,
): { createdBranch: boolean; baseLabel: string } {
  const skip = { [SKIP_HOOK_ENV]: '1' };
  fs.mkdirSync(path.dirname(wt), { recursive: true });
  const { exists, base } = branchAndBase(git, mainRoot, branch, settings.baseRef);
  if (exists) {
    git.addWorktree(mainRoot, wt, [wt, branch], branch, skip);
    return { createdBranch: false, baseLabel: branch };
  }
  git.addWorktree(mainRoot, wt, ['--no-track', '-b', branch, wt, `${base}^{commit}`], branch, skip);
  return { createdBranch: true, baseLabel: base };
}

/** Copy gitignored files matching `.worktreeinclude` (Claude Code does this unless a WorktreeCreate hook exists). */
function copyWorktreeInclude(ctx: RuntimeContext, mainRoot: string, wt: string): string[] {
  const inc = path.join(mainRoot, '.worktreeinclude');
  if (!fs.existsSync(inc)) return [];
  const matches = ctx.git
    .run(mainRoot, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${inc}`])
    .split('\0')
    .filter(Boolean);
  if (!matches.length) return [];
  let ignoredList = '';
  try {
    ignoredList = ctx.git.run(mainRoot, ['check-ignore', '--no-index', '--', ...matches]).replace(/\n/g, '\0');
  } catch {
    /* none of them */
  }
  const ignored = new Set(ignoredList.split('\0').filter(Boolean));
  const copied: string[] = [];
  for (const rel of matches.filter((m) => ignored.has(m))) {
    const src = path.join(mainRoot, rel);
    try {
      const st = fs.lstatSync(src);
      if (!st.isFile()) continue; // symlinks are skipped, as Claude does
      fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
      fs.copyFileSync(src, path.join(wt, rel));
      fs.chmodSync(path.join(wt, rel), st.mode & 0o777);
      copied.push(rel);
    } catch (e) {
      ctx.say(`warning: could not copy ${rel}: ${(e as Error).message}`);
    }
  }
  return copied;
}

function symlinkDirectories(ctx: RuntimeContext, mainRoot: string, wt: string, dirs: unknown): void {
  if (!Array.isArray(dirs)) return;
  for (const d of dirs) {
    if (typeof d !== 'string' || !d || path.isAbsolute(d) || d.split(/[\\/]/).includes('..')) continue;
    const src = path.join(mainRoot, d);
    const dst = path.join(wt, d);
    if (!isDir(src) || fs.existsSync(dst)) continue;
    try {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.symlinkSync(src, dst, 'dir');
    } catch (e) {
      ctx.say(`warning: could not link ${d}: ${(e as Error).message}`);
    }
  }
}

/** Fill a new worktree as Claude would: `.worktreeinclude` copies, settings.local.json, symlinkDirectories. */
export function populateLikeClaude(
  ctx: RuntimeContext,
  mainRoot: string,
  wt: string,
  settings: WorktreeSettings,
): void {
  const copied = copyWorktreeInclude(ctx, mainRoot, wt);
  if (copied.length) ctx.say(`copied from .worktreeinclude: ${copied.join(', ')}`);
  const local = path.join(mainRoot, '.claude', 'settings.local.json');
  if (fs.existsSync(local) && !fs.existsSync(path.join(wt, '.claude', 'settings.local.json'))) {
    fs.mkdirSync(path.join(wt, '.claude'), { recursive: true });
    fs.copyFileSync(local, path.join(wt, '.claude', 'settings.local.json'));
  }
  symlinkDirectories(ctx, mainRoot, wt, settings.symlinkDirectories);
}
