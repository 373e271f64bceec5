// Cursor: `.cursor/worktrees.json` lists the commands run in every new worktree (`setup-worktree-unix`, else the
// generic `setup-worktree`): ours goes last, after a `cp $ROOT_WORKTREE_PATH/.env .env` of the user's (which would
// otherwise overwrite the worktree's own URL). Cursor has no teardown hook: `prune` and the branches' expiry clean up.
import path from 'node:path';
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { editedFile, remove, rewrite, type Finding, type Unit } from '../engine.ts';
import { appendItem, appendProperty, jsonTree, nodeAt, removeInserted } from './json-edit.ts';

export const CURSOR_FILE = '.cursor/worktrees.json';
export const CURSOR_COMMAND = `node "$ROOT_WORKTREE_PATH/${RUNTIME_PATH}" ensure`;
const KEYS = ['setup-worktree-unix', 'setup-worktree'];
const NO_TEARDOWN =
  'Cursor has no teardown hook: its worktrees keep their Neon branch until it expires (branchTtlDays), or run `node .claude/hooks/neon-worktree.mjs prune --yes` now and then.';

export const cursor: Unit = {
  id: 'cursor',
  claims: (key) => key === CURSOR_FILE,

  plan(input) {
    if (!input.answers.tools.includes('cursor')) return { ops: [] };
    const abs = path.join(input.repo.root, CURSOR_FILE);
    const previous = input.files.read(abs);
    const item = JSON.stringify(CURSOR_COMMAND);
    if (previous === null) {
      const content = `{\n  "setup-worktree-unix": [\n    ${item}\n  ]\n}\n`;
      return { ops: [editedFile(input, abs, CURSOR_FILE, content, content, 'lines')], instructions: [NO_TEARDOWN] };
    }
    const tree = jsonTree(previous);
    if (tree?.type !== 'object') {
      return {
        ops: [],
        warnings: [`${CURSOR_FILE} is not a JSON object, so Cursor's worktrees were not wired: fix it and run again.`],
      };
    }
    const key = KEYS.find((k) => nodeAt(tree, [k])) ?? KEYS[0]!;
    const slot = nodeAt(tree, [key]);
    const recorded = input.manifest?.files[CURSOR_FILE]?.base ?? '';
    if (slot?.type === 'array' && (slot.children ?? []).some((c) => c.value === CURSOR_COMMAND)) {
      // Ours already: recorded as it is (the insertion we made, kept from the last run).
      return {
        ops: [editedFile(input, abs, CURSOR_FILE, previous, recorded || item, 'lines')],
        instructions: [NO_TEARDOWN],
      };
    }
    if (slot && slot.type !== 'array') {
      return {
        ops: [],
        instructions: [
          `${CURSOR_FILE} runs a script for \`${key}\` (yours, left alone): add this line to it:\n    ${CURSOR_COMMAND}`,
          NO_TEARDOWN,
        ],
      };
    }
    const edit = slot ? appendItem(previous, slot, item) : appendProperty(previous, tree, key, `[${item}]`);
    return {
      ops: [editedFile(input, abs, CURSOR_FILE, edit.content, edit.inserted, 'lines')],
      instructions: [NO_TEARDOWN],
    };
  },

  remove(input) {
    const entry = input.manifest.files[CURSOR_FILE];
    const abs = path.join(input.repo.root, CURSOR_FILE);
    const text = input.files.read(abs);
    if (!entry || text === null) return { ops: [] };
    if (entry.created && text === entry.base)
      return { ops: [remove(abs, CURSOR_FILE, text, 'held only our setup command')], emptyDirs: [path.dirname(abs)] };
    const next = removeInserted(text, entry.base ?? '');
    if (next === null) {
      return {
        ops: [],
        notes: [`${CURSOR_FILE} changed since we added our setup command: remove ${CURSOR_COMMAND} from it yourself.`],
      };
    }
    return { ops: [rewrite(abs, CURSOR_FILE, text, next, 'removed our setup command; yours are kept')] };
  },

  check(input): Finding[] {
    if (!input.manifest.answers.tools.includes('cursor')) return [];
    const text = input.files.read(path.join(input.repo.root, CURSOR_FILE));
    if (text?.includes('neon-worktree.mjs'))
      return [{ check: 'cursor', level: 'ok', message: `${CURSOR_FILE} runs the runtime in each new worktree` }];
    return [
      {
        check: 'cursor',
        level: 'problem',
        message: `${text === null ? `${CURSOR_FILE} is missing` : `${CURSOR_FILE} does not call the runtime`}: Cursor's worktrees get no Neon branch of their own`,
        fix: `run ${input.rerun('--yes')}`,
      },
    ];
  },
};
