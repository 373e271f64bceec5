// Deleting a Neon branch this clone made, and the one rule for when not to: the git branch it serves has commits
// beyond the commit the Neon branch was made at, and its schema differs from its parent's (work to review, with
// its data), or git or Neon cannot tell. Shared by
// worktree-remove, release, and a directory that another session now uses (reuse.ts).
import { neonApi } from './config.ts';
import type { RuntimeContext } from './context.ts';
import type { Git } from './git.ts';
import { deleteBranch, getBranch, NeonApiError } from './neon-api.ts';
import { BranchSchemas, compareWithParent, databaseToCompare } from './review.ts';
import type { BranchRecord } from './state.ts';
import { RuntimeError } from './util.ts';

/**
 * The commits in `rev` (a branch's full ref, or HEAD) that `base` does not have; null when git cannot tell (no rev,
 * no recorded base, a commit it does not know): callers keep the Neon branch then.
 */
export function commitsBeyondBase(git: Git, cwd: string, rev: string | null, base: string | null): number | null {
  if (!rev || !base) return null;
  try {
    return Number(git.run(cwd, ['rev-list', '--count', `${base}..${rev}`]));
  } catch {
    return null;
  }
}

/**
 * Delete a recorded Neon branch and forget its record. A branch Neon no longer has (it expired) counts as deleted.
 * Throws why it could not (no credentials, Neon's answer).
 */
export async function deleteRecordedBranch(ctx: RuntimeContext, rec: BranchRecord): Promise<void> {
  const creds = ctx.credentials(); // null without a manifest too
  if (!creds) throw new RuntimeError('no Neon credentials');
  const api = neonApi(ctx, { ...creds, projectId: rec.projectId });
  const records = ctx.records();
  await records.withLock(rec.neonBranch, async () => {
    try {
      await deleteBranch(api, rec.branchId);
    } catch (e) {
      if (!(e instanceof NeonApiError && e.failure.kind === 'notfound')) throw e;
    }
    records.delete(rec.neonBranch);
  });
}

/**
 * Whether the recorded branch's schema differs from its parent's (what there is to review besides the code):
 * true or false, or null when Neon cannot tell us (no credentials, the branch gone, an error), and callers keep
 * the branch. A branch whose git work touched only code has nothing in its database worth keeping.
 */
export async function schemaChanged(
  ctx: RuntimeContext,
  rec: BranchRecord,
  worktreeRoot: string | null,
): Promise<boolean | null> {
  const creds = ctx.credentials();
  if (!creds) return null;
  try {
    const api = neonApi(ctx, { ...creds, projectId: rec.projectId });
    const branch = await getBranch(api, rec.branchId);
    if (!branch.parent_id) return null;
    const database = await databaseToCompare(ctx, api, branch.id, worktreeRoot, undefined);
    const parent = { id: branch.parent_id, name: branch.parent_id };
    return (await compareWithParent(new BranchSchemas(api), database, branch, parent)).changed;
  } catch {
    return null;
  }
}

/**
 * The keep-for-review rule of worktree-remove and release: keep the Neon branch when its git branch has commits
 * beyond its base (or git cannot tell) AND its schema differs from its parent's (or Neon cannot tell); otherwise
 * there is nothing in the database to review, and it goes. Returns why it is kept, or null to delete it.
 */
export async function worthKeeping(
  ctx: RuntimeContext,
  rec: BranchRecord,
  worktreeRoot: string | null,
  work: string,
): Promise<{ kept: string } | { deleted: string }> {
  const changed = await schemaChanged(ctx, rec, worktreeRoot);
  if (changed === false)
    return { deleted: `${work}, but its schema is its parent's: nothing in the database to review` };
  return { kept: `${work}${changed ? ' and a changed schema' : ' (could not compare its schema)'}` };
}
