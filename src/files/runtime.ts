// The runtime `.claude/hooks/neon-worktree.mjs`: a whole file we own, and one the other managed files call (the git
// hook, Claude's hooks, the agent roles), so it is never "deleted on purpose": a plain re-run restores it.
import path from 'node:path';
import { RUNTIME_PATH } from '../shared/manifest.ts';
import { ownedFile, removeOwnedFile, sha256, type Unit } from './engine.ts';

export const runtime: Unit = {
  id: 'runtime',
  claims: (key) => key === RUNTIME_PATH,
  plan: (input) => ({ ops: [ownedFile(input, RUNTIME_PATH, input.runtimeSource, 0o755, true)] }),
  remove: (input) => ({
    ops: removeOwnedFile(input, path.join(input.repo.root, RUNTIME_PATH), RUNTIME_PATH),
    emptyDirs: [path.join(input.repo.root, path.dirname(RUNTIME_PATH))],
  }),
  check(input) {
    const text = input.files.read(path.join(input.repo.root, RUNTIME_PATH));
    const entry = input.manifest.files[RUNTIME_PATH];
    if (text === null)
      return [
        {
          check: 'runtime',
          level: 'problem',
          message: `${RUNTIME_PATH} is missing`,
          fix: `run ${input.rerun('--yes --restore')}`,
        },
      ];
    if (entry && sha256(text) !== entry.sha256)
      return [
        {
          check: 'runtime',
          level: 'warn',
          message: `${RUNTIME_PATH} differs from what create-neon-agents wrote`,
          fix: `if you did not mean to edit it: ${input.rerun('--yes --force')}`,
        },
      ];
    return [{ check: 'runtime', level: 'ok', message: `${RUNTIME_PATH} present` }];
  },
};
