// gtr (git worktree runner): hooks are git config, and local config is always trusted (a committed .gtrconfig needs
// `git gtr trust` from each user), so our two hooks go into this clone's `$GIT_COMMON_DIR/config` as a marked block:
// postCreate runs in the new worktree (its failure stops the agent launch), preRemove before the worktree goes.
import path from 'node:path';
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { appendBlock, blocksIn, hasBlock, removeBlocks } from '../marked-block.ts';
import { editedFile, rewrite, type Finding, type Unit } from '../engine.ts';
import { noteAddedFinalNewline } from '../../edits/final-newline.ts';

export const GTR_KEY = '$GIT_COMMON_DIR/config';
const runtime = `"$REPO_ROOT/${RUNTIME_PATH}"`;
/** A git config value in double quotes (its escapes for `"` and `\` are JSON's). */
const quoted = (s: string) => JSON.stringify(s);
export const GTR_ENSURE = `node ${runtime} ensure`;
export const GTR_RELEASE = `node ${runtime} release`;

export const gtr: Unit = {
  id: 'gtr',
  claims: (key) => key === GTR_KEY,

  plan(input) {
    if (!input.answers.tools.includes('gtr')) return { ops: [] };
    const abs = path.join(input.repo.commonDir, 'config');
    const previous = input.files.read(abs);
    if (previous === null)
      return { ops: [], warnings: ['gtr: this clone has no git config file to add its hooks to.'] };
    const earlier = input.manifest?.files[GTR_KEY]?.base;
    const user = removeBlocks(previous, earlier);
    const hooks = `[gtr "hook"]\n\tpostCreate = ${quoted(GTR_ENSURE)}\n\tpreRemove = ${quoted(GTR_RELEASE)}\n`;
    const { content, addedFinalNewline } = appendBlock(user, hooks);
    const owned = noteAddedFinalNewline(blocksIn(content).join(''), addedFinalNewline, earlier);
    return { ops: [editedFile(input, abs, GTR_KEY, content, owned, 'block')] };
  },

  remove(input) {
    const entry = input.manifest.files[GTR_KEY];
    const abs = path.join(input.repo.commonDir, 'config');
    const text = input.files.read(abs);
    if (!entry || text === null || !hasBlock(text)) return { ops: [] };
    return {
      ops: [
        rewrite(abs, GTR_KEY, text, removeBlocks(text, entry.base), 'removed our gtr hooks; your git config is kept'),
      ],
    };
  },

  check(input): Finding[] {
    if (!input.manifest.answers.tools.includes('gtr')) return [];
    const text = input.files.read(path.join(input.repo.commonDir, 'config')) ?? '';
    if (text.includes('neon-worktree.mjs'))
      return [
        { check: 'gtr', level: 'ok', message: "git config's gtr.hook.postCreate and preRemove call the runtime" },
      ];
    return [
      {
        check: 'gtr',
        level: 'problem',
        message:
          "git config has no gtr.hook.postCreate calling the runtime: gtr's worktrees get no Neon branch of their own",
        fix: `run ${input.rerun('--yes')}`,
      },
    ];
  },
};
