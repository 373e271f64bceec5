// `neon git install` (the Neon CLI's git-sync hook, marked `# neonctl:git-sync` or `# neon:git-sync`): a shell hook
// of its own that we add our block to, before its `neon git sync`.
import { hasBlock, hookBlock, insertBlock } from '../block.ts';
import { hookDisplay, hookWrite } from '../context.ts';
import path from 'node:path';
import type { HookManager } from './types.ts';

/** The Neon CLI's managed-hook marker: `# neonctl:git-sync` in older releases, `# neon:git-sync` in neon 6. */
export const NEON_GIT_SYNC = /# neon(ctl)?:git-sync/;

export const neonGitSync: HookManager = {
  id: 'neonctl',
  applies: (ctx) => ctx.files.postCheckout !== null && NEON_GIT_SYNC.test(ctx.files.postCheckout),
  plan(ctx) {
    const existing = ctx.files.postCheckout!;
    const hookPath = path.join(ctx.hooksDir, 'post-checkout');
    const display = hookDisplay(ctx, 'post-checkout');
    if (hasBlock(existing)) {
      const content = insertBlock(existing, hookBlock());
      return {
        ops: [hookWrite(hookPath, display, content, existing, 'update our block', 'block', hookBlock(), 0o755)],
        instructions: [],
      };
    }
    return {
      ops: [
        hookWrite(
          hookPath,
          display,
          insertBlock(existing, hookBlock()),
          existing,
          'chain with neonctl git-sync hook',
          'block',
          hookBlock(),
          0o755,
        ),
      ],
      instructions: [
        '`neon git install` owns this hook: our block runs before its `neon git sync`. Running `neon git install` again rewrites the file and drops our block; re-run create-neon-agents then.',
        'Note: `neon git sync` pulls env vars on branch switches and may rewrite DATABASE_URL in the main checkout.',
      ],
    };
  },
  // Its file is git's own hook: the plain manager's checks cover it.
  check: () => null,
  claims: () => false,
};
