// `.gitignore`: two anchored lines of ours (the env file, Claude Code's worktrees folder) under our header, added
// only when git does not ignore those paths already. Committed, so every clone gets them.
import path from 'node:path';
import { addGitignoreLines, anchored, GITIGNORE_HEADER } from '../edits/gitignore.ts';
import { noteFinalNewline, restoreFinalNewline } from '../edits/final-newline.ts';
import { WORKTREES_DIR } from '../shared/naming.ts';
import { editedFile, remove, rewrite, type Unit } from './engine.ts';

const GITIGNORE = '.gitignore';
/** Claude Code's worktrees folder, as a .gitignore pattern (a folder). */
export const WORKTREES_PATTERN = `${WORKTREES_DIR}/`;

export const gitignore: Unit = {
  id: 'gitignore',
  claims: (key) => key === GITIGNORE,

  plan(input) {
    const { answers } = input;
    const needed = [answers.envFile, WORKTREES_PATTERN].filter((p) => !input.ignored.has(p)).map(anchored);
    const abs = path.join(input.repo.root, GITIGNORE);
    const previous = input.files.read(abs);
    if (!needed.length && previous === null) return { ops: [] };
    const content = addGitignoreLines(previous, needed);
    const lines = new Set(content.split(/\r?\n/));
    const ourLines = [anchored(answers.envFile), anchored(WORKTREES_PATTERN)].filter((l) => lines.has(l)).join('\n');
    // Uninstall gives back the file byte for byte: noted when our lines also added its final newline.
    const owned = noteFinalNewline(ourLines, previous, content, input.manifest?.files[GITIGNORE]?.base);
    return { ops: [editedFile(input, abs, GITIGNORE, content, owned, 'lines', undefined)] };
  },

  remove(input) {
    const entry = input.manifest.files[GITIGNORE];
    const abs = path.join(input.repo.root, GITIGNORE);
    const text = input.files.read(abs);
    if (!entry || text === null) return { ops: [] };
    const envRel = input.manifest.answers.envFile;
    const ours = new Set((entry.base ?? '').split('\n').filter(Boolean));
    // Our env-file line stays while that file (with its secret) does; a line of the user's was never ours.
    const envFileStays = input.files.read(path.join(input.repo.mainRoot, envRel)) !== null;
    const keepEnvLine = envFileStays && ours.has(anchored(envRel));
    if (keepEnvLine) ours.delete(anchored(envRel));
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    let out = text.split(/\r?\n/).filter((l) => !ours.has(l));
    if (!keepEnvLine) out = out.filter((l) => l !== GITIGNORE_HEADER);
    // Drop the blank separator we added before our block.
    while (out.length > 1 && out[out.length - 1] === '' && out[out.length - 2] === '') out = out.slice(0, -1);
    let next = out.join(eol);
    const notes = keepEnvLine ? [`Kept /${envRel} in .gitignore because ${envRel} still exists.`] : [];
    if (entry.created && next.trim() === '')
      return { ops: [remove(abs, GITIGNORE, text, 'held only our lines')], notes };
    if (!text.endsWith('\n')) next = next.replace(/\r?\n$/, '');
    else if (next !== text && !keepEnvLine) next = restoreFinalNewline(next, entry.base);
    return {
      ops: next !== text ? [rewrite(abs, GITIGNORE, text, next, 'removed our lines; yours are kept')] : [],
      notes,
    };
  },

  // Whether the env file is really ignored is the env-file unit's check (git decides, whatever the file says).
  check: () => [],
};
