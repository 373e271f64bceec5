// Conductor's older `conductor.json`, in a repository that has not moved to `.conductor/settings.toml` (creating
// that file would make Conductor ignore conductor.json and the user's scripts in it): our setup and archive
// commands go into its `scripts`, where they are free; a script of the user's gets an instruction instead.
import path from 'node:path';
import { editedFile, rewrite, type Finding, type Unit } from '../engine.ts';
import { CONDUCTOR_FILE, CONDUCTOR_INSTRUCTIONS, CONDUCTOR_JSON, conductorRuntime } from './conductor.ts';
import { appendProperty, jsonTree, nodeAt, removeInserted } from './json-edit.ts';

const SCRIPTS = { setup: `node ${conductorRuntime} ensure`, archive: `node ${conductorRuntime} release` };
/** The text without our recorded insertions (later ones first: each went into the text the earlier left); null: gone. */
function withoutOurs(text: string, recorded: string): string | null {
  let next: string | null = text;
  for (const line of recorded.split(SEPARATOR).reverse())
    next = next === null ? null : removeInserted(next, JSON.parse(line));
  return next;
}

const takenScript = (key: string, command: string) =>
  `${CONDUCTOR_JSON} already has a ${key} script (yours, left alone): add this line to it:\n    ${command}`;

/** Our insertions are recorded one per line of the manifest's base, JSON-encoded (they span lines themselves). */
const SEPARATOR = '\n';

export const conductorJson: Unit = {
  id: 'conductor-json',
  claims: (key) => key === CONDUCTOR_JSON,

  plan(input) {
    const abs = path.join(input.repo.root, CONDUCTOR_JSON);
    const previous = input.files.read(abs);
    const usesJson = previous !== null && input.files.read(path.join(input.repo.root, CONDUCTOR_FILE)) === null;
    if (!input.answers.tools.includes('conductor') || !usesJson) return { ops: [] };
    const recorded = input.manifest?.files[CONDUCTOR_JSON]?.base;
    // Ours already (every insertion of the last run still there, verbatim): recorded as it is.
    if (recorded && withoutOurs(previous, recorded) !== null) {
      const tree = jsonTree(previous);
      const taken = Object.entries(SCRIPTS).filter(([key, command]) => {
        const value = tree && nodeAt(tree, ['scripts', key])?.value;
        return value !== undefined && value !== command;
      });
      return {
        ops: [editedFile(input, abs, CONDUCTOR_JSON, previous, recorded, 'lines')],
        instructions: [...taken.map(([key, command]) => takenScript(key, command)), ...CONDUCTOR_INSTRUCTIONS],
      };
    }
    let text = previous;
    const inserted: string[] = [];
    const instructions: string[] = [];
    for (const [key, command] of Object.entries(SCRIPTS)) {
      const tree = jsonTree(text);
      if (tree?.type !== 'object') {
        return {
          ops: [],
          warnings: [
            `${CONDUCTOR_JSON} is not a JSON object, so Conductor's workspaces were not wired: fix it and run again.`,
          ],
        };
      }
      const scripts = nodeAt(tree, ['scripts']);
      if (scripts && scripts.type !== 'object') break;
      if (scripts && nodeAt(tree, ['scripts', key])) {
        instructions.push(
          `${CONDUCTOR_JSON} already has a ${key} script (yours, left alone): add this line to it:\n    ${command}`,
        );
        continue;
      }
      const edit = scripts
        ? appendProperty(text, scripts, key, JSON.stringify(command))
        : appendProperty(text, tree, 'scripts', `{ ${JSON.stringify(key)}: ${JSON.stringify(command)} }`);
      text = edit.content;
      inserted.push(JSON.stringify(edit.inserted));
    }
    if (!inserted.length) return { ops: [], instructions: [...instructions, ...CONDUCTOR_INSTRUCTIONS] };
    return {
      ops: [editedFile(input, abs, CONDUCTOR_JSON, text, inserted.join(SEPARATOR), 'lines')],
      instructions: [...instructions, ...CONDUCTOR_INSTRUCTIONS],
    };
  },

  remove(input) {
    const entry = input.manifest.files[CONDUCTOR_JSON];
    const abs = path.join(input.repo.root, CONDUCTOR_JSON);
    const text = input.files.read(abs);
    if (!entry?.base || text === null) return { ops: [] };
    let next: string | null = text;
    // Later insertions first: each was made into the text the earlier ones left.
    for (const line of entry.base.split(SEPARATOR).reverse())
      next = next === null ? null : removeInserted(next, JSON.parse(line));
    if (next === null)
      return {
        ops: [],
        notes: [
          `${CONDUCTOR_JSON} changed since we added our scripts: remove the neon-worktree.mjs lines from it yourself.`,
        ],
      };
    return {
      ops: next === text ? [] : [rewrite(abs, CONDUCTOR_JSON, text, next, 'removed our scripts; yours are kept')],
    };
  },

  check(input): Finding[] {
    const text = input.files.read(path.join(input.repo.root, CONDUCTOR_JSON));
    const usesJson = text !== null && input.files.read(path.join(input.repo.root, CONDUCTOR_FILE)) === null;
    if (!input.manifest.answers.tools.includes('conductor') || !usesJson) return [];
    if (text.includes(JSON.stringify(SCRIPTS.setup)))
      return [{ check: 'conductor', level: 'ok', message: `${CONDUCTOR_JSON}'s setup script runs the runtime` }];
    return [
      {
        check: 'conductor',
        level: 'problem',
        message: `${CONDUCTOR_JSON}'s setup script does not call the runtime: Conductor's workspaces get no Neon branch of their own`,
        fix: `run ${input.rerun('--yes')}`,
      },
    ];
  },
};
