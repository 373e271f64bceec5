// The Codex app: its local environment `.codex/environments/environment.toml` runs `[setup] script` in every new
// worktree (which Codex makes with git hooks off, on a detached HEAD) and `[cleanup] script` when it removes one.
// The runtime is the main checkout's: CODEX_SOURCE_TREE_PATH.
import path from 'node:path';
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { tomlToolUnit } from './toml-tool.ts';

export const CODEX_FILE = '.codex/environments/environment.toml';
const runtime = `"$CODEX_SOURCE_TREE_PATH/${RUNTIME_PATH}"`;

export const codex = tomlToolUnit({
  id: 'codex',
  tool: 'codex',
  label: 'the Codex app',
  file: () => CODEX_FILE,
  files: [CODEX_FILE],
  slots: [
    {
      table: 'setup',
      key: 'script',
      command: `node ${runtime} ensure`,
      what: 'gives each worktree its own Neon branch',
    },
    { table: 'cleanup', key: 'script', command: `node ${runtime} release`, what: 'deletes it with the worktree' },
  ],
  preamble: ({ repo }) => `version = 1\nname = ${JSON.stringify(path.basename(repo.mainRoot))}\n`,
  instructions: [
    'Codex app: select this local environment once (Settings → Local environments), so its worktrees run the setup script. The Codex CLI (`codex --worktree`) runs no setup script: run `node .claude/hooks/neon-worktree.mjs ensure` in such a worktree first.',
  ],
});
