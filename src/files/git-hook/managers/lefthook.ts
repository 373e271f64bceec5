// lefthook: it owns .git/hooks/post-checkout and reads its commands from lefthook.yml (in each new worktree), so
// our command goes into that file as a marked block; a post-checkout section of the user's gets instructions
// instead (editing YAML the user wrote is not ours to do).
import path from 'node:path';
import { BLOCK_END, BLOCK_START, hasBlock, managerCommand } from '../block.ts';
import { hookWrite, LEFTHOOK_FILES, type GitHookContext } from '../context.ts';
import { calls, finding, type HookManager } from './types.ts';

const installedBy = (hook: string | null) => hook !== null && /lefthook/i.test(hook) && !hasBlock(hook);
const runLine = () => `      run: '${managerCommand('{1} {2} {3}').replace(/'/g, "''")}'`;

export const lefthook: HookManager = {
  id: 'lefthook',
  applies: (ctx: GitHookContext) =>
    ctx.files.lefthook !== null && (installedBy(ctx.files.postCheckout) || ctx.files.postCheckout === null),

  plan(ctx) {
    const config = ctx.files.lefthook!;
    const text = config.text;
    const display = path.relative(ctx.repoRoot, config.path);
    if (text.includes(BLOCK_START) && text.includes(BLOCK_END)) {
      // Ours already: recorded as it stands (the user may have tuned the command), so a re-run changes nothing.
      const block = text.slice(text.indexOf(BLOCK_START), text.indexOf(BLOCK_END) + BLOCK_END.length);
      const owned = text.slice(text.indexOf(block)).startsWith(`${block}\r\n`)
        ? `${block}\r\n`
        : text.includes(`${block}\n`)
          ? `${block}\n`
          : block;
      return { ops: [hookWrite(config.path, display, text, text, 'up to date', 'block', owned)], instructions: [] };
    }
    if (/^post-checkout\s*:/m.test(text)) {
      return {
        ops: [],
        instructions: [
          `lefthook.yml already has a post-checkout section: add this under its \`commands:\`, commit, and run \`npx lefthook install\`:\n    neon-agents:\n${runLine()}`,
        ],
      };
    }
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const add = [BLOCK_START, 'post-checkout:', '  commands:', '    neon-agents:', runLine(), BLOCK_END, ''].join(eol);
    const content = text + (text && !text.endsWith('\n') ? eol : '') + add;
    return {
      ops: [hookWrite(config.path, display, content, text, 'lefthook post-checkout command', 'block', add)],
      instructions: [
        'Commit lefthook.yml and run `npx lefthook install` (lefthook reads the config from each new worktree).',
      ],
    };
  },

  check(ctx, env) {
    if (!calls(ctx.files.lefthook?.text)) return null;
    const hook = ctx.files.postCheckout;
    if (hook === null || !/lefthook/i.test(hook))
      return finding(
        'problem',
        `lefthook's config calls the runtime, but lefthook has not installed ${env.shown}`,
        'npx lefthook install',
      );
    return env.fileProblem() ?? finding('ok', 'lefthook runs the runtime on post-checkout');
  },

  claims: (key) => LEFTHOOK_FILES.includes(path.posix.basename(key)),
};
