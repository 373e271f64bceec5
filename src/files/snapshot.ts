// The Snapshot the units read the disk through: file texts and modes, and git's object store for an earlier
// render kept only by its blob id. The one place the initializer's planning touches the disk.
import { execFileSync } from 'node:child_process';
import { readText, fileMode } from '../detect/fs.ts';
import { cleanGitEnv } from '../git.ts';
import type { Snapshot } from './engine.ts';

export function diskSnapshot(root: string): Snapshot {
  return {
    read: readText,
    mode: fileMode,
    blob: (id) => {
      if (!/^[0-9a-f]{40}$/.test(id)) return null;
      try {
        return execFileSync('git', ['cat-file', 'blob', id], {
          cwd: root,
          env: cleanGitEnv(),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        return null;
      }
    },
  };
}
