// `create-neon-agents uninstall [dir] [--yes] [--force] [--dry-run]`: remove what this tool wrote, as recorded in
// the manifest. Files the user changed are kept (unless --force); our hook block comes out of a shared hook and a
// foreign hook we chained is put back; only our entries leave settings, .gitignore and env files; a secret the
// user may still need (NEON_API_KEY) is never deleted silently. Planned first, then applied all-or-nothing.
import path from 'node:path';
import { readdirSync, rmdirSync } from 'node:fs';
import * as p from '@clack/prompts';
import type { Options } from '../options.ts';
import { detect } from '../detect/index.ts';
import { MANIFEST_PATH, type Manifest } from '../shared/manifest.ts';
import type { RepoInfo } from '../detect/repo.ts';
import { readBranchRecords } from '../detect/branch-records.ts';
import { planRemoval } from '../files/index.ts';
import type { Snapshot } from '../files/engine.ts';
import { diskSnapshot } from '../files/snapshot.ts';
import type { FileOp } from '../plan/ops.ts';
import { apply } from '../apply.ts';
import { formatOps } from '../ui.ts';
import { CancelledError, FailureError, UsageError } from '../errors.ts';

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
  files: Snapshot = diskSnapshot(repo.root),
): { ops: FileOp[]; notes: string[]; emptyDirs: string[] } {
  return planRemoval({ repo, manifest, files, force });
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

export async function runUninstall(ctx: UninstallContext): Promise<number> {
  const d = detect(path.resolve(ctx.cwd, ctx.options.dir ?? '.'), ctx.env);
  if (!d.manifest) throw new FailureError(`Nothing to uninstall: no ${MANIFEST_PATH} here.`);
  const branches = readBranchRecords(d.repo.commonDir);
  const { ops, notes, emptyDirs } = planUninstall(d.repo, d.manifest, ctx.options.force);
  const lines = formatOps(ops);
  if (ctx.options.json) {
    // reported after applying (below)
  } else
    process.stdout.write(
      `${ctx.options.dryRun ? 'Plan (dry run: nothing removed)' : 'Uninstall'}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
    );
  if (ctx.options.dryRun) return 0;
  if (ctx.interactive) {
    const ok = await p.confirm({ message: 'Remove these?', initialValue: false });
    if (p.isCancel(ok) || !ok) throw new CancelledError('Cancelled: nothing was removed');
  } else if (!ctx.options.yes) {
    throw new UsageError('uninstall changes files: re-run with --yes to confirm (or --dry-run to see the plan)');
  }
  const { written } = apply(ops);
  removeEmptyDirs(emptyDirs);
  if (ctx.options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: true,
          files: ops.map((o) => ({ path: o.display, action: o.action, reason: o.reason })),
          changed: written,
          notes,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`Removed create-neon-agents from ${d.repo.root}.\n`);
    if (branches.length) {
      process.stdout.write(
        `Neon branches this clone created still exist (uninstall does not touch Neon):\n${branches
          .map((b) => `  ${b.neonBranch}  ${b.expiresAt ? `expires ${b.expiresAt}` : 'never expires'}`)
          .join(
            '\n',
          )}\nDelete the ones you no longer need in the Neon Console (or, before uninstalling, with \`node .claude/hooks/neon-worktree.mjs prune --yes\`).\n`,
      );
    }
  }
  return 0;
}
