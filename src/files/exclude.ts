// `$GIT_COMMON_DIR/info/exclude`: our marked block ignoring the env files and Claude's worktrees folder in every
// worktree of this clone, also in worktrees made before the setup is pushed (Claude Code bases them on
// origin/HEAD, which lacks the .gitignore lines until then). Local to the clone, never committed.
import path from 'node:path';
import {
  excludeLines,
  excludeBlock,
  upsertExcludeBlock,
  hasExcludeBlock,
  removeExcludeBlock,
  EXCLUDE_DISPLAY,
} from '../edits/exclude.ts';
import { editedFile, remove, rewrite, type Unit } from './engine.ts';
import { WORKTREES_PATTERN } from './gitignore.ts';
import { LOCAL_SETTINGS_PATH } from '../shared/key-store.ts';

const excludePath = (commonDir: string) => path.join(commonDir, 'info', 'exclude');

export const exclude: Unit = {
  id: 'exclude',
  claims: (key) => key === EXCLUDE_DISPLAY,

  plan(input) {
    const abs = excludePath(input.repo.commonDir);
    const previous = input.files.read(abs);
    // Only the lines that file does not cover yet.
    // Claude's local settings too (the clone's own, which may hold our deny rules): Claude Code and the runtime copy
    // them into each new worktree, where an untracked copy would keep `git worktree remove` from removing it.
    const lines = excludeLines(previous, input.answers.envFile, WORKTREES_PATTERN, [LOCAL_SETTINGS_PATH]);
    if (!lines.length && !hasExcludeBlock(previous)) return { ops: [] };
    const content = upsertExcludeBlock(previous, lines);
    const owned = lines.length ? excludeBlock(lines) : '';
    const reason =
      previous === null
        ? 'new: ignore env files in every worktree of this clone'
        : previous === content
          ? 'up to date'
          : 'add our block; the rest is kept';
    return { ops: [editedFile(input, abs, EXCLUDE_DISPLAY, content, owned, 'block', undefined, { reason })] };
  },

  remove(input) {
    const abs = excludePath(input.repo.commonDir);
    const text = input.files.read(abs);
    const entry = input.manifest.files[EXCLUDE_DISPLAY];
    if (text === null || !entry) return { ops: [] };
    const next = removeExcludeBlock(text);
    if (next === '' && entry.created) return { ops: [remove(abs, EXCLUDE_DISPLAY, text, 'held only our block')] };
    if (next !== text)
      return { ops: [rewrite(abs, EXCLUDE_DISPLAY, text, next, 'removed our block; the rest is yours')] };
    return { ops: [] };
  },

  check(input) {
    const envRel = input.manifest.answers.envFile;
    const text = input.files.read(excludePath(input.repo.commonDir));
    const lines = excludeLines(text, envRel, WORKTREES_PATTERN, [LOCAL_SETTINGS_PATH]);
    if (!lines.length)
      return [
        {
          check: 'exclude',
          level: 'ok',
          message: `${EXCLUDE_DISPLAY} already ignores the env files and ${WORKTREES_PATTERN}`,
        },
      ];
    if (upsertExcludeBlock(text, lines) === (text ?? ''))
      return [
        {
          check: 'exclude',
          level: 'ok',
          message: `${EXCLUDE_DISPLAY} ignores the worktrees' env files, also before the setup is pushed`,
        },
      ];
    return [
      {
        check: 'exclude',
        level: 'warn',
        message: `${EXCLUDE_DISPLAY} ${hasExcludeBlock(text) ? 'has an out-of-date create-neon-agents block' : 'lacks the create-neon-agents block'}: a worktree made from origin/HEAD before the setup is pushed would not ignore its ${envRel} (with its database password)`,
        fix: `run ${input.rerun('--yes')}`,
      },
    ];
  },
};
