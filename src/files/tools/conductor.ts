// Conductor: `[scripts] setup` runs in every new workspace, `archive` before one is archived. `.conductor/
// settings.toml` is the current format; a repository that still has only `conductor.json` keeps it (creating
// settings.toml would make Conductor ignore conductor.json: conductor-json.ts edits that instead). The runtime is
// the repository root's (cloud workspaces have only CONDUCTOR_WORKSPACE_PATH).
import path from 'node:path';
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { tomlToolUnit } from './toml-tool.ts';

export const CONDUCTOR_FILE = '.conductor/settings.toml';
export const CONDUCTOR_JSON = 'conductor.json';
export const conductorRuntime = `"\${CONDUCTOR_ROOT_PATH:-$CONDUCTOR_WORKSPACE_PATH}/${RUNTIME_PATH}"`;

export const CONDUCTOR_INSTRUCTIONS = [
  "Conductor: scripts set in the app's Repository Settings override the file; leave setup and archive empty there.",
];

export const conductor = tomlToolUnit({
  id: 'conductor',
  tool: 'conductor',
  label: 'Conductor',
  // Only when the repository has not stayed on conductor.json.
  file: ({ files, repo }) =>
    files.read(path.join(repo.root, CONDUCTOR_FILE)) === null &&
    files.read(path.join(repo.root, CONDUCTOR_JSON)) !== null
      ? null
      : CONDUCTOR_FILE,
  files: [CONDUCTOR_FILE],
  slots: [
    {
      table: 'scripts',
      key: 'setup',
      command: `node ${conductorRuntime} ensure`,
      what: 'gives each workspace its own Neon branch',
    },
    {
      table: 'scripts',
      key: 'archive',
      command: `node ${conductorRuntime} release`,
      what: 'deletes it when the workspace is archived',
    },
  ],
  instructions: CONDUCTOR_INSTRUCTIONS,
});
