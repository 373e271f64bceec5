// Deleting a Neon branch this clone made, and the one rule for when not to: the git branch it serves has commits
// beyond the commit the Neon branch was made at (work to review, with its data), or git cannot tell. Shared by
// worktree-remove, release, and a directory that another session now uses (reuse.ts).
import { neonApi } from './config.ts';
import type { RuntimeContext } from './context.ts';
import type { Git } from './git.ts';
import { deleteBranch, NeonApiError } from './neon-api.ts';
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
