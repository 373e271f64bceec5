// Adapter between the plan and the git-hook wiring in src/hooks (which knows husky, lefthook, chaining…).
import path from 'node:path';
import type { RepoInfo } from '../detect/repo.ts';
import type { FileOp } from './ops.ts';
import type { Snapshot } from './plan.ts';

export interface GitHookPlanInput {
  repo: RepoInfo;
  files: Snapshot;
}

export interface GitHookPlan {
  ops: FileOp[];
  warnings: string[];
  instructions: string[];
}

/** How a path is shown: repo-relative inside the work tree, `.git/…` inside the git dir, absolute elsewhere. */
export function displayPath(repo: RepoInfo, abs: string): string {
  const relRoot = path.relative(repo.root, abs);
  if (!relRoot.startsWith('..') && !path.isAbsolute(relRoot)) return relRoot.split(path.sep).join('/');
  const relGit = path.relative(repo.commonDir, abs);
  if (!relGit.startsWith('..') && !path.isAbsolute(relGit)) return `$GIT_COMMON_DIR/${relGit.split(path.sep).join('/')}`;
  return abs;
}

export function planGitHookOps(_input: GitHookPlanInput): GitHookPlan {
  // Wired to src/hooks once it lands.
  return { ops: [], warnings: [], instructions: [] };
}
