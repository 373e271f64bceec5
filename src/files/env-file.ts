// The main checkout's env file (`.env`, `apps/web/.env.local`…): NEON_PROJECT_ID, and NEON_API_KEY when it is kept
// there (keyStore env-file; with `user` a copy of the key moves out, see key-location.ts), in the user's own file, mode 0600. Every other line is the user's. It must never be tracked by git: each
// worktree's copy gets its own branch's password, and the main one may hold the management key.
import path from 'node:path';
import { setEnvValues, parseEnv } from '../shared/env-file.ts';
import { EXCLUDE_DISPLAY } from '../edits/exclude.ts';
import { envExample, stripEnvHeaders } from './env-example.ts';
import { editedFile, remove, rewrite, type Finding, type Unit } from './engine.ts';
import { keyLocation } from './key-location.ts';

export const ENV_HEADER = 'Neon (create-neon-agents): used to create a database branch per git worktree';
const OUR_KEYS = ['NEON_PROJECT_ID', 'NEON_API_KEY'];

export const envFile: Unit = {
  id: 'env-file',
  // Every `lines` entry that is not .gitignore or an .env.example: the env file, also under a name an earlier run
  // recorded before the answer changed.
  claims: (key, entry, manifest) =>
    entry.kind === 'lines' && key !== '.gitignore' && !envExample.claims(key, entry, manifest),

  plan(input) {
    const { answers } = input;
    if (input.envFileTracked) {
      return {
        ops: [],
        blockers: [
          `${answers.envFile} is tracked by git, so the credentials written there (the API key here, each worktree's database password there) would be committed. Untrack it (it stays on disk): git rm --cached ${answers.envFile} && git commit -m "Stop tracking ${answers.envFile}", then run create-neon-agents again.`,
        ],
      };
    }
    const { envFile: key, warnings } = keyLocation(input);
    const abs = key.abs;
    const previous = input.files.read(abs) ?? '';
    const values: Record<string, string | null> = { NEON_PROJECT_ID: answers.projectId };
    // The key where keyLocation puts it: set, moved out (to the user credentials file), or left as it is.
    if (key.after !== key.now) values.NEON_API_KEY = key.after;
    const content = setEnvValues(previous, values, { header: ENV_HEADER });
    const ownedKeys = OUR_KEYS.filter((k) => parseEnv(content).has(k)).join(',');
    const secret = key.now !== null || key.after !== null;
    // Named relative to the main checkout (where it lives), even when we run in a linked worktree.
    return {
      ops: [editedFile(input, abs, answers.envFile, content, ownedKeys, 'lines', 0o600, { secret })],
      warnings,
    };
  },

  remove(input) {
    const ops = [];
    const notes: string[] = [];
    for (const [key, entry] of Object.entries(input.manifest.files)) {
      if (!envFile.claims(key, entry, input.manifest)) continue;
      const abs = path.join(input.repo.mainRoot, key);
      const text = input.files.read(abs);
      if (text === null) continue;
      // NEON_API_KEY is a secret the user may still need elsewhere: it goes only with --force.
      const values: Record<string, null> = { NEON_PROJECT_ID: null };
      if (input.force) values.NEON_API_KEY = null;
      else if (parseEnv(text).has('NEON_API_KEY'))
        notes.push(
          `Kept NEON_API_KEY in ${key}: it is a secret you may still need (delete the line yourself, or re-run with --force).`,
        );
      const next = stripEnvHeaders(setEnvValues(text, values));
      if (next.trim() === '' && entry.created)
        ops.push(remove(abs, key, text, 'held only what create-neon-agents wrote'));
      else if (next !== text) ops.push(rewrite(abs, key, text, next, 'removed NEON_PROJECT_ID; your lines are kept'));
    }
    return { ops, notes };
  },

  check(input) {
    const rel = input.manifest.answers.envFile;
    const root = input.repo.mainRoot;
    const finding = (level: Finding['level'], message: string, fix?: string): Finding[] => [
      { check: 'env-file', level, message, ...(fix ? { fix } : {}) },
    ];
    if (input.git.tracked(root, rel))
      return finding('problem', `${rel} is tracked by git: secrets in it would be committed`, `git rm --cached ${rel}`);
    if (!input.git.ignored(root, rel))
      return finding('problem', `${rel} is not ignored by git`, `echo "/${rel}" >> .gitignore`);
    // Ignored here only by our block in this clone's info/exclude: other clones (and this one's worktrees, once
    // their branch has the committed files) rely on .gitignore.
    if (input.git.onlyOurExcludeIgnores(rel))
      return finding(
        'problem',
        `${rel} is not ignored by .gitignore (only by this clone's ${EXCLUDE_DISPLAY}): other clones would commit it`,
        `echo "/${rel}" >> .gitignore`,
      );
    return finding('ok', `${rel} is ignored by git`);
  },
};
