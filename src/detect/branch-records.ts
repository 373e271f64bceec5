// The runtime's records of the Neon branches this clone made (`<git common dir>/neon-agents/branches/*.json`,
// written by src/runtime/state.ts; never committed), read by doctor and uninstall.
import path from 'node:path';
import { readdirSync } from 'node:fs';
import { readJson } from './fs.ts';

export interface BranchRecordSummary {
  neonBranch: string;
  worktreePath: string;
  expiresAt: string | null;
  /** Its read-write endpoint (the worktree's own; the runtime's env files name it). */
  endpointId: string | null;
}

export function readBranchRecords(commonDir: string): BranchRecordSummary[] {
  const dir = path.join(commonDir, 'neon-agents', 'branches');
  let names: string[] = [];
  try {
    names = readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return [];
  }
  return names
    .map((n) => readJson<Partial<BranchRecordSummary>>(path.join(dir, n)))
    .filter((r): r is Partial<BranchRecordSummary> & { neonBranch: string } => typeof r?.neonBranch === 'string')
    .map((r) => ({
      neonBranch: r.neonBranch,
      worktreePath: r.worktreePath ?? '',
      expiresAt: r.expiresAt ?? null,
      endpointId: r.endpointId ?? null,
    }));
}
