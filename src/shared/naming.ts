// Names shared by the runtime and the initializer: worktree directories, git branches and Neon branch names.
// Pure functions; no disk access.
import { createHash } from 'node:crypto';

export const NULL_SHA = '0000000000000000000000000000000000000000';
/** Every Neon branch this tool creates starts with this, then the clone id: `agents/<clone>/<slug>`. */
export const NEON_BRANCH_PREFIX = 'agents/';
export const WORKTREES_DIR = '.claude/worktrees';
/** Longest worktree directory / slug we produce before shortening with a hash. */
export const MAX_WORKTREE_NAME = 64;
export const MAX_NEON_SLUG = 48;

export function shortHash(s: string, n = 8): string {
  return createHash('sha256').update(s).digest('hex').slice(0, n);
}

/**
 * Check a Claude `WorktreeCreate` name. Throws an Error with a one-line reason for hostile input: not a string,
 * empty, control characters, an absolute path, or a `.`/`..` segment.
 */
export function validateWorktreeName(name: unknown): string {
  if (typeof name !== 'string') throw new Error('"name" must be a string');
  if (!name.trim()) throw new Error('"name" is empty');
  if (/[\x00-\x1f\x7f]/.test(name)) throw new Error('"name" contains control characters');
  if (name.startsWith('/') || name.startsWith('\\') || /^[A-Za-z]:/.test(name))
    throw new Error('"name" must not be an absolute path');
  if (name.split(/[\\/]/).some((seg) => seg === '..' || seg === '.'))
    throw new Error('"name" must not contain "." or ".." path segments');
  if (name.length > 4096) throw new Error('"name" is too long');
  return name;
}

/**
 * The directory name under `.claude/worktrees/` (and the part after `worktree-` in the git branch). `/` becomes
 * `+` as Claude Code does; anything outside `[A-Za-z0-9._+-]` (spaces, unicode, git-ref specials) becomes `-`, and
 * a short hash of the original is appended whenever that replacement or a length cut lost information, so two
 * different names never share a worktree.
 */
export function worktreeDirName(name: string): string {
  validateWorktreeName(name);
  const plussed = name.replaceAll('/', '+');
  let s = plussed.normalize('NFC').replace(/[^A-Za-z0-9._+-]+/g, '-');
  s = s
    .replace(/^[-.+]+/, '')
    .replace(/[.]+$/, '')
    .replace(/\.lock$/i, '-lock')
    .replace(/\.\.+/g, '.');
  // Claude Code turns `/` into `+`, so a name that has a `+` of its own would meet `a/b`'s directory: those get the
  // hash (the `/` names keep Claude's exact directory).
  const lossy = s !== plussed || name.includes('+');
  if (!s) s = 'wt';
  if (lossy || s.length > MAX_WORKTREE_NAME) {
    s = `${s.slice(0, MAX_WORKTREE_NAME - 9).replace(/[-.+]+$/, '')}-${shortHash(name)}`;
  }
  return s;
}

/** The git branch Claude Code uses for a `--worktree NAME` worktree. */
export function worktreeBranchName(name: string): string {
  return `worktree-${worktreeDirName(name)}`;
}

/** Slug of a git branch (or other label) for a Neon branch name: lowercase `[a-z0-9._-]`, capped, hashed if lossy. */
export function neonSlug(label: string): string {
  let s = label
    .toLowerCase()
    .replace(/[^a-z0-9._-]+/g, '-')
    .replace(/^[-.]+|[-.]+$/g, '');
  const lossy = s !== label;
  if (!s) s = 'branch';
  if (lossy || s.length > MAX_NEON_SLUG)
    s = `${s.slice(0, MAX_NEON_SLUG - 9).replace(/[-.]+$/, '')}-${shortHash(label)}`;
  return s;
}

/** The Neon branch for a git branch in this clone: `agents/<cloneId>/<slug>`. */
export function neonBranchName(cloneId: string, gitBranchOrLabel: string): string {
  if (!/^[a-z0-9]{4,16}$/.test(cloneId)) throw new Error(`invalid clone id ${JSON.stringify(cloneId)}`);
  return `${NEON_BRANCH_PREFIX}${cloneId}/${neonSlug(gitBranchOrLabel)}`;
}

/** Label used instead of a git branch when a worktree is on a detached HEAD: its admin dir name. */
export function detachedLabel(adminDirName: string): string {
  return `detached-${adminDirName}`;
}

export function isOurNeonBranch(name: string, cloneId?: string): boolean {
  return cloneId ? name.startsWith(`${NEON_BRANCH_PREFIX}${cloneId}/`) : /^agents\/[a-z0-9]{4,16}\//.test(name);
}
