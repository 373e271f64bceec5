// Worktree directories that another session uses again. Claude Code desktop leases its worktrees from a pool: when a
// session stops, the next one checks out its own git branch in the same directory. Codex makes new worktrees at
// paths, and under admin dir names, that it used before. A record that claims a checkout's directory but was made
// for an earlier session there must never hand that session's data to this one: provision() asks earlierSession()
// about each such record and leaves it (leaveDirectory) before giving the checkout a branch of its own.
//
// What tells an earlier session apart, all local (no Neon request):
//   - the worktree's id (state.ts worktreeIdOf) differs: that worktree was removed and a new one made at its path;
//   - a new session started (SessionStart `startup` with another session id) and the record does not serve the git
//     branch checked out now;
//   - HEAD no longer descends from the commit the record was made at, on another git branch than the record's.
// A record that serves the git branch checked out now (it was made for it, or a branch switch made it an alias) is
// always this checkout's: a Neon branch's data follows its git branch, as post-checkout keeps it. Records from older
// runtimes lack the id and the session: unknown, so they are kept.
import type { RuntimeContext } from './context.ts';
import type { BranchRecord } from './state.ts';
import { commitsBeyondBase, deleteRecordedBranch, worthKeeping } from './teardown.ts';

/** The tool's session in a worktree (Claude Code's SessionStart). */
export interface Session {
  id: string;
  /** A session that starts afresh (`startup`); a resumed, cleared or compacted one continues where it was. */
  isNew: boolean;
}

/** Who is in a checkout's directory now. */
export interface Occupant {
  worktreeId: string;
  session: Session | null;
}

/** Why `rec`, which claims this checkout's directory, belongs to an earlier session there; null: it is this one's. */
export function earlierSession(ctx: RuntimeContext, rec: BranchRecord, now: Occupant): string | null {
  const co = ctx.checkout();
  if (co.branch && (rec.gitBranch === co.branch || rec.aliases.includes(co.branch))) return null;
  if (rec.worktreeId && rec.worktreeId !== now.worktreeId) return 'its worktree was removed and a new one made here';
  if (now.session?.isNew && rec.sessionId && rec.sessionId !== now.session.id)
    return `session ${now.session.id} started here, on another git branch`;
  if (rec.baseSha && ctx.git.descendsFrom(co.root, 'HEAD', rec.baseSha) === false)
    return `HEAD no longer descends from ${rec.baseSha.slice(0, 12)}, where that branch was made`;
  return null;
}

/**
 * The directory has left `rec` (an earlier session's branch): delete it unless one of the git branches it served has
 * commits beyond its base and its schema changed (the rule worktree-remove follows), else keep it for review, marked as left so that `prune`
 * offers it once its git branch is gone. Never throws: what was done is said in one line.
 */
export async function leaveDirectory(ctx: RuntimeContext, rec: BranchRecord, reason: string): Promise<void> {
  const co = ctx.checkout();
  const served = [rec.gitBranch, ...rec.aliases];
  const counts = served.map((b) => commitsBeyondBase(ctx.git, co.root, `refs/heads/${b}`, rec.baseSha));
  const intro = `this directory now holds another session (${reason})`;
  const living = served.filter((b) => ctx.git.branchExists(co.root, b));
  const pruneLater = `\`prune\` offers it ${living.length ? `once ${living.join(', ')} ${living.length > 1 ? 'are' : 'is'} gone` : 'now'}`;
  let why: string | null = counts.every((n) => n === 0) ? 'no commits beyond its base' : null;
  let work = '';
  if (!why) {
    work = served
      .map((b, i) => (counts[i] === null ? `${b}: could not tell` : counts[i] ? `${counts[i]} commit(s) on ${b}` : ''))
      .filter(Boolean)
      .join(', ');
    // Commits: kept only when its database has something to review too (worktree-remove's rule).
    const verdict = await worthKeeping(ctx, rec, null, work);
    if ('deleted' in verdict) why = verdict.deleted;
    else work = verdict.kept;
  }
  if (why) {
    try {
      await deleteRecordedBranch(ctx, rec);
      ctx.say(`${intro}: deleted the earlier session's Neon branch ${rec.neonBranch} (${why})`);
      return;
    } catch (e) {
      ctx.say(
        `${intro}: could not delete the earlier session's Neon branch ${rec.neonBranch} (${(e as Error).message}); ${pruneLater}`,
      );
    }
  } else {
    ctx.say(`${intro}: kept the earlier session's Neon branch ${rec.neonBranch} for review (${work}); ${pruneLater}`);
  }
  await ctx.records().withLock(rec.neonBranch, () => {
    const current = ctx.records().get(rec.neonBranch);
    if (current) ctx.records().write({ ...current, vacatedAt: new Date().toISOString() });
  });
}

/**
 * Leave the records of earlier sessions in this checkout's directory, and return the Neon branch name the checkout
 * uses: `neonName` (named after its git branch, or on a detached HEAD after its directory and worktree id), except
 * that on a detached HEAD without a record of that name, a record this same session already has here is still its
 * branch (made on a git branch before HEAD was detached, as in a rebase, or by an older runtime's naming).
 */
export async function settleDirectory(ctx: RuntimeContext, neonName: string, now: Occupant): Promise<string> {
  const co = ctx.checkout();
  const records = ctx.records();
  let name = neonName;
  const mayAdopt = !co.branch && !records.get(neonName);
  for (const rec of records.claiming(co.root)) {
    if (rec.neonBranch === neonName || rec.pending) continue; // pending: a create in flight, or its answer lost
    const reason = earlierSession(ctx, rec, now);
    if (reason) await leaveDirectory(ctx, rec, reason);
    else if (mayAdopt && name === neonName) name = rec.neonBranch; // the newest comes first
  }
  return name;
}
