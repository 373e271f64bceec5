// The plan: a pure function from (answers, detected state, a snapshot of the files we may touch) to the list of
// file operations, a loop over the managed-file units (src/files/) and then the manifest that records them. It
// reads no disk and spawns nothing, so --dry-run, the confirm screen, conflict checks and tests all use exactly
// what apply will do.
import { FailureError } from '../errors.ts';
import type { Manifest } from '../shared/manifest.ts';
import type { FileOp, WriteOp } from './ops.ts';
import type { PlanInput } from '../files/engine.ts';
import { UNITS } from '../files/index.ts';
import { planManifest } from '../files/manifest.ts';

export type { PlanInput, Snapshot, Resolution } from '../files/engine.ts';

export interface Plan {
  ops: FileOp[];
  manifest: Manifest;
  warnings: string[];
  /** Things the user must do by hand (e.g. commit lefthook.yml). */
  instructions: string[];
  conflicts: WriteOp[];
}

/** The whole plan: every unit's ops, then the manifest that records them. Throws when a unit refuses. */
export function plan(input: PlanInput): Plan {
  const ops: FileOp[] = [];
  const warnings: string[] = [];
  const instructions: string[] = [];
  const blockers: string[] = [];
  if (!input.repo.hasCommits) {
    warnings.push(
      'This repository has no commit yet, and git can only make worktrees from one: commit (e.g. git add -A && git commit -m init) before starting agents.',
    );
  }
  for (const unit of UNITS) {
    const planned = unit.plan(input);
    ops.push(...planned.ops);
    warnings.push(...(planned.warnings ?? []));
    instructions.push(...(planned.instructions ?? []));
    blockers.push(...(planned.blockers ?? []));
  }
  if (blockers.length) throw new FailureError(blockers.join('\n'));
  const { op, manifest } = planManifest(input, ops);
  ops.push(op);
  const conflicts = ops.filter((o): o is WriteOp => o.type === 'write' && o.action === 'conflict');
  return { ops, manifest, warnings, instructions, conflicts };
}

/** True when applying the plan would change nothing on disk. */
export function isNoop(p: Plan): boolean {
  return p.ops.every((o) => o.action === 'unchanged' || o.action === 'skip');
}
