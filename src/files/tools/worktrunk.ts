// worktrunk (`wt`): `.config/wt.toml`'s blocking `pre-start` hook runs before the agent starts (a failure keeps it
// from starting on a worktree without its database), `pre-remove` before the worktree goes. Never `post-create`:
// it is now a background alias of post-start. The runtime is the primary worktree's.
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { tomlToolUnit } from './toml-tool.ts';

export const WORKTRUNK_FILE = '.config/wt.toml';
// Unquoted on purpose: worktrunk shell-escapes every template value itself (quotes around it would keep its quotes).
const runtime = `{{ primary_worktree_path }}/${RUNTIME_PATH}`;

export const worktrunk = tomlToolUnit({
  id: 'worktrunk',
  tool: 'worktrunk',
  label: 'worktrunk',
  file: () => WORKTRUNK_FILE,
  files: [WORKTRUNK_FILE],
  slots: [
    {
      table: 'pre-start',
      key: 'neon-agents',
      command: `node ${runtime} ensure`,
      what: 'gives each worktree its own Neon branch',
    },
    {
      table: 'pre-remove',
      key: 'neon-agents',
      command: `node ${runtime} release`,
      what: 'deletes it with the worktree',
    },
  ],
  instructions: [
    'worktrunk asks before running project hooks: approve ours once with `wt config approvals add` (a run without a terminal fails until then).',
  ],
});
