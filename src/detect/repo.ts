import path from 'node:path';
import { existsSync, statSync } from 'node:fs';
import { git, tryGit } from '../git.ts';
import { mainCheckout } from '../runtime/git.ts';
import { UsageError } from '../errors.ts';

export interface RepoInfo {
  /** Top of the work tree the command runs in. */
  root: string;
  /** The main checkout (first non-bare entry of `git worktree list`); where the env file with the API key lives. */
  mainRoot: string;
  isLinkedWorktree: boolean;
  /** Absolute common git dir (`.git` of the main checkout). */
  commonDir: string;
  /** Absolute hooks dir git actually uses (honours core.hooksPath). */
  hooksDir: string;
  coreHooksPath: string | null;
  hasCommits: boolean;
}

export function detectRepo(dir: string): RepoInfo {
  const abs = path.resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) {
    throw new UsageError(`${abs} is not a directory. Give the path of a git repository (or run git init there first).`);
  }
  const inside = tryGit(abs, ['rev-parse', '--is-inside-work-tree']);
  if (inside !== 'true') {
    throw new UsageError(
      `${abs} is not inside a git work tree. create-neon-agents sets up git worktrees, so it needs a repository: run \`git init\` there first (or pass the path of one).`,
    );
  }
  const root = git(abs, ['rev-parse', '--show-toplevel']);
  const commonDir = git(root, ['rev-parse', '--path-format=absolute', '--git-common-dir']);
  const gitDir = git(root, ['rev-parse', '--path-format=absolute', '--git-dir']);
  const hooksDir = git(root, ['rev-parse', '--path-format=absolute', '--git-path', 'hooks']);
  const coreHooksPath = tryGit(root, ['config', '--get', 'core.hooksPath']);
  // The runtime's parser of `git worktree list --porcelain`: the first non-bare entry is the main checkout.
  const mainRoot = mainCheckout(root, process.env);
  return {
    root,
    mainRoot,
    isLinkedWorktree: gitDir !== commonDir,
    commonDir,
    hooksDir,
    coreHooksPath: coreHooksPath || null,
    hasCommits: tryGit(root, ['rev-parse', '--verify', '-q', 'HEAD']) !== null,
  };
}
