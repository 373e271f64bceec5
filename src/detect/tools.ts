// Which parallel-agent tools a repository already uses, from the config files they commit (or, for gtr, the clone's
// git config): the wizard preselects them, and a run without a terminal wires them by default.
import path from 'node:path';
import { existsSync } from 'node:fs';
import type { ToolId } from '../shared/manifest.ts';
import { readText } from './fs.ts';

/** Each tool's tell-tale files (repo-relative); the first that exists is enough. */
export const TOOL_FILES: Record<Exclude<ToolId, 'claude' | 'gtr'>, string[]> = {
  codex: ['.codex/environments/environment.toml', '.codex/environments'],
  conductor: ['.conductor/settings.toml', 'conductor.json', '.conductor'],
  worktrunk: ['.config/wt.toml'],
  cursor: ['.cursor/worktrees.json'],
};

export function detectTools(root: string, commonDir: string): ToolId[] {
  const found: ToolId[] = ['claude'];
  for (const [tool, files] of Object.entries(TOOL_FILES) as [ToolId, string[]][]) {
    if (files.some((f) => existsSync(path.join(root, f)))) found.push(tool);
  }
  // gtr keeps its settings in git config (`gtr.*`) or a committed .gtrconfig.
  const config = readText(path.join(commonDir, 'config')) ?? '';
  if (existsSync(path.join(root, '.gtrconfig')) || /^\s*\[gtr(\s|\])/m.test(config)) found.push('gtr');
  return found;
}
