// simple-git-hooks deletes hooks it does not manage, and its config is the user's package.json: we write nothing
// and say what to add.
import { managerCommand } from '../block.ts';
import type { GitHookContext } from '../context.ts';
import { calls, finding, type HookManager } from './types.ts';

function config(ctx: GitHookContext): Record<string, unknown> | null {
  if (!ctx.files.packageJson) return null;
  try {
    const sgh = JSON.parse(ctx.files.packageJson)['simple-git-hooks'];
    return sgh && typeof sgh === 'object' ? sgh : null;
  } catch {
    return null; // not our problem here
  }
}

export const simpleGitHooks: HookManager = {
  id: 'simple-git-hooks',
  applies: (ctx) => config(ctx) !== null,
  plan: () => ({
    ops: [],
    instructions: [
      `simple-git-hooks deletes hooks it does not manage. Add to "simple-git-hooks" in package.json, then run \`npx simple-git-hooks\`:\n    "post-checkout": ${JSON.stringify(managerCommand('"$@"').replace('"$@"', '$1 $2 $3'))}`,
    ],
  }),
  check(ctx, env) {
    const command = config(ctx)?.['post-checkout'];
    if (!calls(typeof command === 'string' ? command : null)) return null;
    const hook = ctx.files.postCheckout;
    if (hook === null || !/simple[-_]git[-_]hooks/i.test(hook))
      return finding(
        'problem',
        `simple-git-hooks's config calls the runtime, but simple-git-hooks has not installed ${env.shown}`,
        'npx simple-git-hooks',
      );
    return env.fileProblem() ?? finding('ok', 'simple-git-hooks runs the runtime on post-checkout');
  },
  claims: () => false,
};
