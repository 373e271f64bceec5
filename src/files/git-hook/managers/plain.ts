// A plain hook file in the hooks folder git uses (.git/hooks, or core.hooksPath): ours when there is none; our
// block inserted into a shell hook of the user's (git-lfs's included: its lines keep running after ours); a
// non-shell hook moved aside to post-checkout.neon-agents-prev and exec'd from ours.
import path from 'node:path';
import type { RenameOp } from '../../../plan/ops.ts';
import {
  BLOCK_START,
  CHAINED_SUFFIX,
  chainedHook,
  hasBlock,
  hookBlock,
  insertBlock,
  isShellScript,
  replaceBlock,
} from '../block.ts';
import { hookDisplay, hookWrite } from '../context.ts';
import { calls, finding, type HookManager } from './types.ts';

export const plain: HookManager = {
  id: 'plain',
  applies: () => true,

  plan(ctx) {
    const block = hookBlock();
    const existing = ctx.files.postCheckout;
    const hookPath = path.join(ctx.hooksDir, 'post-checkout');
    const display = hookDisplay(ctx, 'post-checkout');
    if (existing === null) {
      const content = `#!/bin/sh\n${block}`;
      return {
        ops: [hookWrite(hookPath, display, content, null, 'git hook for new worktrees', 'file', content, 0o755)],
        instructions: [],
      };
    }
    if (hasBlock(existing)) {
      const content = replaceBlock(existing, block);
      return {
        ops: [hookWrite(hookPath, display, content, existing, 'update our block', 'block', block, 0o755)],
        instructions: [],
      };
    }
    if (isShellScript(existing)) {
      const instructions = /git lfs post-checkout/.test(existing)
        ? [
            'git-lfs: its post-checkout lines still run after ours; `git lfs install` will now report "Hook already exists" (use `git lfs update --manual`).',
          ]
        : [];
      const reason = 'add our block to your post-checkout hook (it keeps running)';
      return {
        ops: [hookWrite(hookPath, display, insertBlock(existing, block), existing, reason, 'block', block, 0o755)],
        instructions,
      };
    }
    // A foreign non-sh hook: move it aside and exec it from ours.
    if (ctx.files.chainedPrev != null) {
      return {
        ops: [],
        instructions: [
          `${display} is not a shell script and ${hookDisplay(ctx, `post-checkout${CHAINED_SUFFIX}`)} already exists; add this block to your hook by hand:`,
          block,
        ],
      };
    }
    const chained = path.join(ctx.hooksDir, `post-checkout${CHAINED_SUFFIX}`);
    const rename: RenameOp = {
      type: 'rename',
      from: hookPath,
      to: chained,
      display: `${display} → post-checkout${CHAINED_SUFFIX}`,
      action: 'create',
      reason: 'keep your hook running: ours execs it',
    };
    const content = chainedHook();
    return {
      ops: [rename, hookWrite(hookPath, display, content, null, 'our hook, chaining yours', 'file', content, 0o755)],
      instructions: [],
    };
  },

  check(ctx, env) {
    const text = ctx.files.postCheckout;
    if (text !== null && (text.includes(BLOCK_START) || calls(text) || calls(ctx.files.legacy))) {
      const through = text.includes(BLOCK_START) ? '' : ' (through your hook manager)';
      return env.fileProblem() ?? finding('ok', `${env.shown} runs the runtime for new worktrees${through}`);
    }
    return null;
  },

  claims: (key) => path.posix.basename(key) === 'post-checkout',
};

/** The last word when no manager's check applied: no hook, or one that does not call us. */
export const noHook: HookManager['check'] = (ctx, env) => {
  if (ctx.files.postCheckout === null) {
    const where = ctx.coreHooksPath ? ` (core.hooksPath = ${ctx.coreHooksPath})` : '';
    return finding('problem', `no post-checkout hook at ${env.shown}${where}`, `run ${env.rerun('--yes')}`);
  }
  return finding(
    'problem',
    `${env.shown} exists but does not call create-neon-agents`,
    `run ${env.rerun('--yes')} (your hook keeps running)`,
  );
};
