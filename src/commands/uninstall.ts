// `create-neon-agents uninstall [dir] [--yes] [--force] [--dry-run]`: remove what this tool wrote, as recorded in
// the manifest. Files the user changed are kept (unless --force); our hook block comes out of a shared hook and a
// foreign hook we chained is put back; only our entries leave settings, .gitignore and env files; a secret the
// user may still need (NEON_API_KEY) is never deleted silently. Planned first, then applied all-or-nothing.
import path from 'node:path';
import { readdirSync, rmdirSync } from 'node:fs';
import type { Options } from '../options.ts';
import { detect } from '../detect/index.ts';
import { MANIFEST_PATH, type Manifest } from '../shared/manifest.ts';
import type { RepoInfo } from '../detect/repo.ts';
import { readBranchRecords, type BranchRecordSummary } from '../detect/branch-records.ts';
import { planRemoval } from '../files/index.ts';
import type { Snapshot } from '../files/engine.ts';
import { diskSnapshot } from '../files/snapshot.ts';
import type { FileOp } from '../plan/ops.ts';
import { apply } from '../apply.ts';
import { FailureError } from '../errors.ts';

export interface UninstallContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  cwd: string;
  interactive: boolean;
}

/** The uninstall plan: every managed-file unit's inverse, pure over a snapshot of the files (src/files/). */
export function planUninstall(
  repo: RepoInfo,
  manifest: Manifest,
  force: boolean,
  userCredentialsFile: string,
  files: Snapshot = diskSnapshot(repo.root),
): { ops: FileOp[]; notes: string[]; emptyDirs: string[] } {
  return planRemoval({ repo, manifest, files, force, userCredentialsFile });
}

/** Remove folders the uninstall emptied (innermost first), never one that still holds anything. */
function removeEmptyDirs(dirs: string[]): void {
  for (const dir of dirs) {
    try {
      if (readdirSync(dir).length === 0) rmdirSync(dir);
    } catch {
      /* absent or not empty */
    }
  }
}

export interface UninstallPlan {
  root: string;
  ops: FileOp[];
  notes: string[];
  emptyDirs: string[];
  /** Neon branches this clone made: uninstall leaves Neon alone, and says so. */
  branches: BranchRecordSummary[];
}

export interface UninstallResult extends UninstallPlan {
  written: string[];
}

/** What uninstall would do here; throws when nothing was set up. */
export function prepareUninstall(ctx: UninstallContext): UninstallPlan {
  const d = detect(path.resolve(ctx.cwd, ctx.options.dir ?? '.'), ctx.env);
  if (!d.manifest) throw new FailureError(`Nothing to uninstall: no ${MANIFEST_PATH} here.`);
  const { ops, notes, emptyDirs } = planUninstall(d.repo, d.manifest, ctx.options.force, d.userCredentials.file);
  return { root: d.repo.root, ops, notes, emptyDirs, branches: readBranchRecords(d.repo.commonDir) };
}

/** Remove it all-or-nothing, then the folders that ended up empty. */
export function applyUninstall(plan: UninstallPlan): UninstallResult {
  const { written } = apply(plan.ops);
  removeEmptyDirs(plan.emptyDirs);
  return { ...plan, written };
}
