// The shape every hook manager module has: when it is in charge, what it writes, what doctor says about it, and
// which manifest keys are its files. Adding a manager is one module here plus its place in ../index.ts's lists.
import type { FileOp } from '../../../plan/ops.ts';
import type { Finding } from '../../engine.ts';
import type { GitHookContext } from '../context.ts';

export type HookManagerId = 'plain' | 'husky' | 'lefthook' | 'simple-git-hooks' | 'pre-commit' | 'neonctl';

export interface HookCheckEnv {
  /** How git's own hook file is named on screen. */
  shown: string;
  /** A problem with git's hook file itself (CRLF, not executable), or null. */
  fileProblem(): Finding | null;
  /** The repository's install command (npm install, pnpm install…). */
  install: string;
  rerun(args?: string): string;
}

export interface HookManager {
  id: HookManagerId;
  /** This manager is in charge of post-checkout here (tried in ../index.ts's PLAN_ORDER). */
  applies(ctx: GitHookContext): boolean;
  plan(ctx: GitHookContext): { ops: FileOp[]; instructions: string[] };
  /** doctor: the finding when this manager is the one git goes through, else null (tried in CHECK_ORDER). */
  check(ctx: GitHookContext, env: HookCheckEnv): Finding | null;
  /** A manifest key naming a file this manager writes. */
  claims(key: string): boolean;
}

export const calls = (text: string | null | undefined) => Boolean(text?.includes('neon-worktree.mjs'));

export const finding = (level: Finding['level'], message: string, fix?: string): Finding => ({
  check: 'git-hook',
  level,
  message,
  ...(fix ? { fix } : {}),
});
