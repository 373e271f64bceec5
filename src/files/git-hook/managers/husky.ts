// husky 9 (core.hooksPath=<dir>/_, user scripts in <dir>/<hook>, run with `sh -e`) and husky 4-8
// (core.hooksPath=.husky). Writing into `_` would be wiped by the next `husky` run, so our block goes into
// <dir>/post-checkout. husky declared in package.json but not installed in this clone yet: git would run a hook in
// .git/hooks only until husky's install switches core.hooksPath, so ours goes where husky will look.
import path from 'node:path';
import { BLOCK_START, hookBlock, insertBlock } from '../block.ts';
import { hookWrite, huskyFolder } from '../context.ts';
import { finding, type HookManager } from './types.ts';

export const husky: HookManager = {
  id: 'husky',
  applies: (ctx) => huskyFolder(ctx) !== null,

  plan(ctx) {
    const folder = huskyFolder(ctx)!;
    const block = hookBlock();
    const prev = ctx.files.huskyPostCheckout;
    const content = prev === null ? block : insertBlock(prev, block);
    const rel = path.relative(ctx.repoRoot, path.join(folder.dir, 'post-checkout')).split(path.sep).join('/');
    const instructions = [
      folder.declared
        ? `husky is declared in package.json but not installed in this clone yet, so our block went into ${rel}: it takes effect after \`npm install\` (husky's prepare script points git at it). Until then \`git worktree add\` gets no Neon branch here; worktrees made by Claude Code use the WorktreeCreate hook instead.`
        : `husky runs ${rel} only where \`npm install\` has run (its _ folder is gitignored); worktrees made by Claude Code use the WorktreeCreate hook instead.`,
    ];
    const reason =
      prev !== null
        ? 'add our block to your husky hook'
        : folder.declared
          ? 'husky hook for new worktrees (runs once husky is installed)'
          : 'husky hook for new worktrees';
    const mode = folder.declared ? 0o755 : undefined;
    return {
      ops: [hookWrite(path.join(folder.dir, 'post-checkout'), rel, content, prev, reason, 'block', block, mode)],
      instructions,
    };
  },

  check(ctx, env) {
    const folder = huskyFolder(ctx);
    if (!folder) return null;
    const rel = path.relative(ctx.repoRoot, path.join(folder.dir, 'post-checkout'));
    const script = ctx.files.huskyPostCheckout;
    const gitRuns = ctx.files.postCheckout;
    if (folder.declared) {
      // Not installed yet: only a problem while git does not run our block some other way.
      if (!script?.includes(BLOCK_START) || (gitRuns ?? '').includes(BLOCK_START)) return null;
      return finding(
        'problem',
        `husky is declared in package.json but not installed in this clone (core.hooksPath is unset), so git does not run ${rel} yet: \`git worktree add\` gets no Neon branch`,
        `${env.install} (husky's prepare script points git at ${path.relative(ctx.repoRoot, folder.dir) || '.'})`,
      );
    }
    if (!script?.includes(BLOCK_START))
      return finding(
        'problem',
        `husky is in use (core.hooksPath) but ${rel} has no create-neon-agents block`,
        `run ${env.rerun('--yes')}`,
      );
    if (gitRuns === null)
      return finding(
        'problem',
        `husky's runner ${env.shown} is missing, so git runs no post-checkout hook in this clone`,
        "run `npm install` (husky's prepare script installs it)",
      );
    return env.fileProblem() ?? finding('ok', `husky runs ${rel}, which calls the runtime`);
  },

  // Repo-relative `<dir>/post-checkout` (git's own hooks folder is keyed $GIT_COMMON_DIR/… or absolute).
  claims: (key) => key.endsWith('/post-checkout') && !key.startsWith('$GIT_COMMON_DIR/') && !path.isAbsolute(key),
};
