// A git-hook context for the hook managers' unit tests: a repository at /r whose hooks folder is .git/hooks, or
// the folder core.hooksPath names; every file absent unless given.
import type { GitHookContext, planGitHook } from '../../src/files/git-hook/index.ts';
import type { WriteOp } from '../../src/plan/ops.ts';

export const hookContext = (
  over: Partial<GitHookContext['files']> = {},
  coreHooksPath: string | null = null,
): GitHookContext => ({
  repoRoot: '/r',
  hooksDir: coreHooksPath ? `/r/${coreHooksPath}` : '/r/.git/hooks',
  coreHooksPath,
  files: {
    postCheckout: null,
    huskyPostCheckout: null,
    lefthook: null,
    packageJson: null,
    preCommitConfig: null,
    ...over,
  },
});

/** The writes of a hook plan. */
export const writes = (p: ReturnType<typeof planGitHook>) => p.ops.filter((o): o is WriteOp => o.type === 'write');
