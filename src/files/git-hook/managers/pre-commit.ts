// pre-commit (the Python framework): hooks come from .pre-commit-config.yaml, installed per hook type. We write
// nothing and give the `repo: local` item to add, in the file's own list style.
import { managerCommand } from '../block.ts';
import { calls, finding, type HookManager } from './types.ts';

export const preCommit: HookManager = {
  id: 'pre-commit',
  applies: (ctx) =>
    ctx.files.preCommitConfig !== null &&
    (ctx.files.postCheckout === null || /pre-commit/.test(ctx.files.postCheckout)),

  plan(ctx) {
    // Match the file's own list style (pre-commit's sample config writes `-   repo:` at column 0).
    const m = /^([ \t]*)-([ \t]+)repo:/m.exec(ctx.files.preCommitConfig!);
    const dash = m ? `${m[1]}-${m[2]}` : '-   ';
    const pad = ' '.repeat(dash.length);
    const entry = managerCommand('"$PRE_COMMIT_FROM_REF" "$PRE_COMMIT_TO_REF" "$PRE_COMMIT_CHECKOUT_TYPE"');
    const item = [
      `${dash}repo: local`,
      `${pad}hooks:`,
      `${pad}-   id: neon-agents`,
      `${pad}    name: neon branch per worktree`,
      `${pad}    entry: sh -c '${entry.replace(/'/g, "'\\''")}'`,
      `${pad}    language: system`,
      `${pad}    stages: [post-checkout]`,
      `${pad}    always_run: true`,
      `${pad}    pass_filenames: false`,
    ].join('\n');
    return {
      ops: [],
      instructions: [
        `pre-commit manages git hooks here. Add this item to \`repos:\` in .pre-commit-config.yaml, commit, and run \`pre-commit install -t post-checkout\`:\n${item}`,
      ],
    };
  },

  check(ctx, env) {
    if (!calls(ctx.files.preCommitConfig)) return null;
    const hook = ctx.files.postCheckout;
    if (hook === null || !/pre-commit|pre_commit/i.test(hook))
      return finding(
        'problem',
        `pre-commit's config calls the runtime, but pre-commit has not installed ${env.shown}`,
        'pre-commit install -t post-checkout',
      );
    return env.fileProblem() ?? finding('ok', 'pre-commit runs the runtime on post-checkout');
  },

  claims: () => false,
};
