// The user credentials file (~/.config/create-neon-agents/credentials.json, src/shared/key-store.ts): this project's
// API key when keyStore is `user`. Outside every repository and shared by all of the user's projects, so it is not a
// file of the repo's: no manifest entry, and an uninstall leaves the key (a secret the user may still need) unless
// --force. Written atomically, 0600 in a 0700 folder; every other project's entry is kept as it is.
import os from 'node:os';
import path from 'node:path';
import { withProjectKey } from '../shared/key-store.ts';
import type { WriteOp } from '../plan/ops.ts';
import { remove, type Unit } from './engine.ts';
import { keyLocation } from './key-location.ts';

/** The file as people see it: under ~ when it is. */
export function displayPath(abs: string, home = os.homedir()): string {
  const rel = path.relative(home, abs);
  return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `~/${rel.split(path.sep).join('/')}` : abs;
}

export const userCredentials: Unit = {
  id: 'user-credentials',
  claims: () => false,

  plan(input) {
    const { userFile } = keyLocation(input);
    if (userFile.after === userFile.now) return { ops: [] };
    const display = displayPath(userFile.abs);
    if (userFile.unreadable)
      return { ops: [], blockers: [`${userFile.unreadable} (the API key goes there: --key-store user).`] };
    const content = withProjectKey(userFile.text, userFile.abs, input.answers.projectId, userFile.after);
    if (content === null)
      return { ops: [remove(userFile.abs, display, userFile.text!, 'the key moved to the env file')] };
    const reason =
      userFile.after === null ? 'the key moved to the env file' : `the API key of ${input.answers.projectId}`;
    const op = secretWrite(userFile.abs, userFile.text, content, reason);
    return { ops: [op] };
  },

  remove(input) {
    // The key stays (a secret the user may still need, perhaps for other clones); only --force takes it.
    const { projectId } = input.manifest.answers;
    const abs = input.userCredentialsFile;
    const text = input.files.read(abs);
    if (text === null) return { ops: [] };
    let next: string | null;
    try {
      next = withProjectKey(text, abs, projectId, null);
    } catch {
      return { ops: [], notes: [`Left ${displayPath(abs)} alone: it is not a credentials file this tool can read.`] };
    }
    if (next === text) return { ops: [] };
    if (!input.force)
      return {
        ops: [],
        notes: [
          `Kept the API key of ${projectId} in ${displayPath(abs)}: a secret you may still need (delete its entry yourself, or re-run with --force).`,
        ],
      };
    return {
      ops: [
        next === null
          ? remove(abs, displayPath(abs), text, 'held only this project’s key (--force)')
          : secretWrite(abs, text, next, `removed the key of ${projectId} (--force)`),
      ],
    };
  },

  // doctor reports where the key lives from the runtime's own lookup (commands/doctor.ts).
  check: () => [],
};

/** A write of the credentials file: 0600 in a 0700 folder, never printed, no manifest entry. */
function secretWrite(abs: string, previous: string | null, content: string, reason: string): WriteOp {
  return {
    type: 'write',
    path: abs,
    display: displayPath(abs),
    content,
    previous,
    mode: 0o600,
    dirMode: 0o700,
    action: previous === null ? 'create' : 'update',
    reason,
    managed: 'file',
    owned: '',
    secret: true,
    unrecorded: true,
  };
}
