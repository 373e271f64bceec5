// `release [--path <dir>] [--force]`: another tool is about to remove a worktree (Codex's cleanup script, Conductor's
// archive script, worktrunk's remove hooks): delete that worktree's own Neon branch and its record, and never touch
// git (the tool removes the worktree itself). The worktree is the one at --path, else the `worktree_path` of the JSON
// a tool pipes to stdin (worktrunk), else the one we run in; it may be gone already (a hook that runs after removal).
// Like worktree-remove, a branch whose git branch has commits beyond its base is kept for review (--force deletes it).
//
// Always exit 0, also when Neon fails (the one-line reason is said): the tools ignore a failing teardown or mishandle
// it (worktrunk's pre-remove aborts the removal, gtr's preRemove too), and the branch is not lost track of: it
// expires (branchTtlDays), and `prune` offers it once its git branch and worktree are gone.
import path from 'node:path';
import { isOurNeonBranch } from '../../shared/naming.ts';
import { envFilePath } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { syncOtherEnvFiles, targetFor, writeEnv } from '../env-sync.ts';
import { isDir, type Checkout } from '../git.ts';
import { neonNameFor, retryHint, runtimeCommand } from '../provision.ts';
import { earlierSession } from '../reuse.ts';
import { readWorktreeId, type BranchRecord } from '../state.ts';
import { commitsBeyondBase, deleteRecordedBranch, worthKeeping } from '../teardown.ts';
import { readIfExists, realpathOr, shellWord } from '../util.ts';

export async function release(ctx: RuntimeContext): Promise<number> {
  try {
    await releaseWorktree(ctx);
  } catch (e) {
    ctx.say(`release: ${(e as Error).message.split('\n')[0]}; nothing released`);
  }
  return 0;
}

/** The worktree release works on. */
interface Target {
  /** A context in the repository: the worktree's own, or (when it is gone) the one we run in. */
  ctx: RuntimeContext;
  root: string;
  /** The worktree's checkout, while it exists. */
  checkout: Checkout | null;
}

async function releaseWorktree(ctx: RuntimeContext): Promise<void> {
  const force = ctx.argv.includes('--force');
  const target = await resolveTarget(ctx);
  if (!target) return;
  const { root, checkout } = target;
  const records = target.ctx.records();
  const rec = checkout ? recordOfCheckout(target.ctx, checkout) : (records.claiming(root)[0] ?? null);
  if (!rec || !isOurNeonBranch(rec.neonBranch, records.cloneId())) {
    ctx.say(`nothing to release: this clone made no Neon branch for the worktree at ${root}`);
    return;
  }
  if (rec.pending) {
    ctx.say(
      `nothing released: Neon branch ${rec.neonBranch} is still being made for ${root}; \`prune\` offers it later`,
    );
    return;
  }
  let whyDelete = force ? '--force' : nothingToReview(target, rec);
  if (typeof whyDelete !== 'string') {
    // Commits to review: kept only when the database has something to review too (a changed schema).
    const verdict = await worthKeeping(target.ctx, rec, checkout?.root ?? null, whyDelete.work);
    whyDelete = 'deleted' in verdict ? verdict.deleted : { work: verdict.kept };
  }
  if (typeof whyDelete !== 'string') {
    ctx.say(
      `kept Neon branch ${rec.neonBranch}: ${whyDelete.work}; delete it later with: ${runtimeCommand(target.ctx.mainRoot(), `release --force --path ${shellWord(root)}`)} (or \`prune\`, once the git branch and the worktree are gone)`,
    );
    return;
  }
  try {
    await deleteRecordedBranch(target.ctx, rec);
  } catch (e) {
    ctx.say(
      `could not delete Neon branch ${rec.neonBranch} (${(e as Error).message}); ${rec.expiresAt ? `it expires ${rec.expiresAt}, and ` : ''}\`prune\` offers it once its git branch and worktree are gone`,
    );
    return;
  }
  const cleared = checkout ? clearEnvFile(target.ctx, rec) : '';
  ctx.say(`released Neon branch ${rec.neonBranch} of ${root} (${whyDelete})${cleared}`);
}

/**
 * Why the branch has nothing to review, or the work that keeps it. worktree-remove's rule, on the git branch checked
 * out in the worktree (on a detached HEAD: HEAD itself, whose commits go with the worktree). Once the worktree is
 * gone: on the git branches the Neon branch served, and when none of them is left either, there is nothing to
 * review (`prune --yes` would delete it too).
 */
function nothingToReview(target: Target, rec: BranchRecord): string | { work: string } {
  const { git } = target.ctx;
  const co = target.checkout;
  if (co) {
    const what = co.branch ?? 'its detached HEAD';
    const commits = commitsBeyondBase(git, co.root, co.branch ? `refs/heads/${co.branch}` : 'HEAD', rec.baseSha);
    if (commits === 0) return 'no commits beyond its base';
    return {
      work:
        commits === null
          ? `could not tell whether ${what} has work to review`
          : `${commits} commit(s) on ${what} to review`,
    };
  }
  const cwd = target.ctx.checkout().root;
  const left = [rec.gitBranch, ...rec.aliases].filter((b) => git.branchExists(cwd, b));
  if (!left.length) return 'its worktree and git branch are gone';
  const counts = left.map((b) => commitsBeyondBase(git, cwd, `refs/heads/${b}`, rec.baseSha));
  if (counts.every((n) => n === 0)) return 'no commits beyond its base';
  const work = left
    .map((b, i) =>
      counts[i] === null
        ? `could not tell whether ${b} has work to review`
        : counts[i]
          ? `${counts[i]} commit(s) on ${b} to review`
          : '',
    )
    .filter(Boolean)
    .join(', ');
  return { work };
}

/** The worktree to release: --path, else stdin's `worktree_path`, else the one we run in; null: nothing to do. */
async function resolveTarget(ctx: RuntimeContext): Promise<Target | null> {
  const at = ctx.argv.indexOf('--path');
  let dir = at >= 0 ? ctx.argv[at + 1] : ctx.argv.find((a) => a.startsWith('--path='))?.slice('--path='.length);
  if (at >= 0 && !dir) throw new Error('--path needs a directory');
  dir ??= worktreePathFromStdin(await ctx.pipedStdin()) ?? ctx.cwd;
  const wanted = path.resolve(ctx.cwd, dir);
  if (isDir(wanted)) {
    const wt = ctx.at(wanted);
    let checkout: Checkout;
    try {
      checkout = wt.checkout();
    } catch {
      ctx.say(`nothing to release: ${wanted} is not in a git work tree`);
      return null;
    }
    if (!checkout.isLinked) {
      ctx.say(`nothing to release: ${checkout.root} is the main checkout, which keeps its own database`);
      return null;
    }
    return { ctx: wt, root: checkout.root, checkout };
  }
  // Gone already: its record is found from the repository we run in, by the path it had (realpath'd as recorded).
  try {
    ctx.checkout();
  } catch {
    ctx.say(`nothing to release: ${wanted} does not exist, and ${ctx.cwd} is not in the repository it was part of`);
    return null;
  }
  return { ctx, root: path.join(realpathOr(path.dirname(wanted)), path.basename(wanted)), checkout: null };
}

/** `worktree_path` of a JSON object on stdin (worktrunk's hook variables); null for anything else. */
function worktreePathFromStdin(text: string | null): string | null {
  if (!text?.trim()) return null;
  try {
    const data = JSON.parse(text);
    return typeof data?.worktree_path === 'string' && data.worktree_path ? data.worktree_path : null;
  } catch {
    return null;
  }
}

/**
 * The record of the branch this checkout uses, as provision() finds it: the one named after its git branch (or, on
 * a detached HEAD, its directory and worktree id), else the newest one made for this worktree that is not an
 * earlier session's there (see reuse.ts; e.g. one with another worktree id, made for an earlier worktree at this path).
 */
function recordOfCheckout(ctx: RuntimeContext, co: Checkout): BranchRecord | null {
  const records = ctx.records();
  const id = readWorktreeId(co.gitDir);
  const named = id || co.branch ? records.get(neonNameFor(co, records.cloneId(), id)) : null;
  if (named && named.worktreePath === co.root && !named.vacatedAt) return named;
  const now = { worktreeId: id ?? '', session: null };
  return records.claiming(co.root).find((r) => !earlierSession(ctx, r, now)) ?? null;
}

/** The worktree's env files name no deleted branch: their database values go (a comment says how to get one). */
function clearEnvFile(ctx: RuntimeContext, rec: BranchRecord): string {
  const answers = ctx.answers();
  if (!answers) return '';
  const envPath = envFilePath(ctx.checkout().root, answers);
  const text = readIfExists(envPath);
  if (text === null) return '';
  try {
    // The released branch counts as "not ours" now, like the shared database.
    const target = targetFor(ctx, answers, null, { endpointIds: [rec.endpointId] });
    writeEnv(ctx, answers, envPath, text, {
      comment: `Neon branch ${rec.neonBranch} was released. For a new one: ${retryHint(ctx.mainRoot())}`,
      target,
    });
    syncOtherEnvFiles(ctx, answers, envPath, target, null);
    return `; ${path.relative(ctx.checkout().root, envPath)} names no database now`;
  } catch (e) {
    return `; and ${(e as Error).message}`;
  }
}
