// `prune [--yes]`: list (with --yes, delete) the Neon branches this clone made whose git branch (and every alias)
// and worktree are all gone, and list apart those kept for review (worktree gone, git branch kept); a directory that another session now uses counts as gone (reuse.ts). Only branches
// with a record of this clone, in the configured project, still named as recorded, and neither default nor
// protected; records of branches Neon no longer has are forgotten.
import fs from 'node:fs';
import { RUNTIME_PATH } from '../../shared/manifest.ts';
import { isOurNeonBranch } from '../../shared/naming.ts';
import { neonApi } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { deleteBranch, listBranches } from '../neon-api.ts';
import type { BranchRecord } from '../state.ts';
import { RuntimeError } from '../util.ts';

export async function prune(ctx: RuntimeContext): Promise<number> {
  const yes = ctx.argv.includes('--yes') || ctx.argv.includes('-y');
  const mainRoot = ctx.mainRoot();
  if (!ctx.answers()) throw new RuntimeError('create-neon-agents is not set up in this repository');
  const creds = ctx.credentials();
  if (!creds) throw new RuntimeError('no Neon credentials (NEON_API_KEY or `neon auth`)');
  const api = neonApi(ctx, creds);
  const records = ctx.records();
  const id = records.cloneId();
  const branches = await listBranches(api);
  const byId = new Map(branches.map((b) => [b.id, b]));
  const live = new Set(
    ctx.git
      .listWorktrees(mainRoot)
      .filter((w) => !w.prunable && fs.existsSync(w.path))
      .map((w) => w.path),
  );
  const orphans: BranchRecord[] = [];
  const vanished: BranchRecord[] = [];
  /** Worktree gone, git branch kept: branches worktree-remove or release kept for review (never pruned). */
  const kept: BranchRecord[] = [];
  for (const rec of records.all()) {
    if (rec.projectId !== api.projectId || !isOurNeonBranch(rec.neonBranch, id)) continue;
    const b = byId.get(rec.branchId);
    if (!b) {
      vanished.push(rec);
      continue;
    }
    if (b.default || b.protected || b.name !== rec.neonBranch) continue;
    const gitAlive = [rec.gitBranch, ...(rec.aliases ?? [])].some((g) => ctx.git.branchExists(mainRoot, g));
    // A branch its directory has left (another session uses it now) has no worktree, whatever is there.
    const worktreeAlive = live.has(rec.worktreePath) && !rec.vacatedAt;
    if (gitAlive && !worktreeAlive) kept.push(rec);
    if (gitAlive || worktreeAlive) continue;
    orphans.push(rec);
  }
  for (const r of vanished) records.delete(r.neonBranch); // expired or deleted elsewhere: forget
  // Listed apart (on stderr: stdout lists only what prune deletes): they go once their git branch does.
  for (const r of kept)
    ctx.say(
      `kept for review: ${r.neonBranch} (git branch ${[r.gitBranch, ...(r.aliases ?? [])].filter((g) => ctx.git.branchExists(mainRoot, g)).join(', ')} still exists${r.expiresAt ? `; expires ${r.expiresAt}` : ''}); prune deletes it once that git branch is deleted`,
    );
  if (!orphans.length) {
    ctx.say('no orphaned Neon branches from this clone');
    return 0;
  }
  for (const r of orphans)
    ctx.print(
      `${yes ? 'deleting' : 'orphan'} ${r.neonBranch} (${r.branchId}; ${r.vacatedAt ? `git branch ${r.gitBranch} is gone, and ${r.worktreePath} holds another session` : `git branch ${r.gitBranch} and worktree ${r.worktreePath} are gone`})\n`,
    );
  if (!yes) {
    ctx.say(`${orphans.length} orphaned Neon branch(es); delete them with: node ${RUNTIME_PATH} prune --yes`);
    return 0;
  }
  let failed = 0;
  for (const r of orphans) {
    try {
      await records.withLock(r.neonBranch, async () => {
        await deleteBranch(api, r.branchId);
        records.delete(r.neonBranch);
      });
    } catch (e) {
      failed++;
      ctx.say(`could not delete ${r.neonBranch}: ${(e as Error).message}`);
    }
  }
  ctx.say(`deleted ${orphans.length - failed} Neon branch(es)`);
  return failed ? 1 : 0;
}
