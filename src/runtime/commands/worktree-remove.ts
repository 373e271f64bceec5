// Claude Code's WorktreeRemove hook (JSON on stdin): remove a linked worktree as Claude would, and delete its Neon
// branch when nothing was committed on it; a branch with work to review is kept for `prune`. Never fails: what
// cannot be removed is said and kept.
import fs from 'node:fs';
import path from 'node:path';
import type { RuntimeContext } from '../context.ts';
import type { Git } from '../git.ts';
import { projectDir, readHookInput, type HookInput } from '../hook-input.ts';
import { commitsBeyondBase, deleteRecordedBranch, worthKeeping } from '../teardown.ts';
import { realpathOr } from '../util.ts';

export async function worktreeRemove(ctx: RuntimeContext): Promise<number> {
  const { git, say } = ctx;
  let input: HookInput;
  try {
    input = readHookInput(ctx);
  } catch (e) {
    say(`worktree-remove: ${(e as Error).message}; nothing removed`);
    return 0;
  }
  const p = input.worktree_path;
  if (typeof p !== 'string' || !path.isAbsolute(p)) {
    say('worktree-remove: "worktree_path" must be an absolute path; nothing removed');
    return 0;
  }
  const mainRoot = git.mainCheckout(projectDir(ctx, input));
  const main = ctx.at(mainRoot, { mainRoot });
  const all = git.listWorktrees(mainRoot);
  const target = realpathOr(p);
  const idx = all.findIndex((w) => w.path === target);
  const firstNonBare = all.findIndex((w) => !w.bare);
  if (idx === -1 || idx === firstNonBare || all[idx]!.bare) {
    say(`worktree-remove: ${p} is not a linked worktree of this repository; nothing removed`);
    return 0;
  }
  const entry = all[idx]!;
  const records = main.records();
  const rec = records.ofWorktree(target);
  const commits = commitsBeyondBase(
    git,
    mainRoot,
    entry.branch ? `refs/heads/${entry.branch}` : null,
    rec?.baseSha ?? null,
  );
  dropEnvFilesIfAllThatIsLeft(git, target);
  try {
    git.run(mainRoot, ['worktree', 'remove', target]);
  } catch (e) {
    say(`kept worktree ${target}: ${(e as Error).message.replace(/^git worktree failed: /, '')}`);
    return 0;
  }
  say(`removed worktree ${target}`);
  // Like Claude Code, drop the worktree-<name> branch it made when nothing was committed on it; never another
  // branch (a user's own branch checked out in a worktree may hold history that exists nowhere else).
  if (entry.branch?.startsWith('worktree-') && commits === 0) {
    try {
      git.run(mainRoot, ['branch', '-D', entry.branch]);
    } catch {
      /* keep it */
    }
  }
  if (!rec) return 0;
  let why = 'no commits beyond its base';
  if (commits !== 0) {
    const work = `${commits === null ? 'could not tell whether' : `${commits} commit(s) on`} ${entry.branch ?? 'its branch'} ${commits === null ? 'has work to review' : 'to review'}`;
    const verdict = await worthKeeping(main, rec, null, work);
    if ('kept' in verdict) {
      say(
        `kept Neon branch ${rec.neonBranch}: ${verdict.kept}; delete later with: node .claude/hooks/neon-worktree.mjs prune`,
      );
      return 0;
    }
    why = verdict.deleted;
  }
  try {
    await deleteRecordedBranch(main, rec);
    say(`deleted Neon branch ${rec.neonBranch} (${why})`);
  } catch (e) {
    say(`could not delete Neon branch ${rec.neonBranch} (${(e as Error).message}); \`prune\` will offer it later`);
  }
  return 0;
}

/**
 * The env files we wrote are untracked, and where the base commit's .gitignore does not ignore them (a worktree from
 * before the setup was pushed, or a `!.env` negation) git would keep the worktree as "dirty" for them alone. When
 * they are all that is left, they go first: their values are regenerable and the main checkout keeps its own.
 */
function dropEnvFilesIfAllThatIsLeft(git: Git, wt: string): void {
  let out = '';
  try {
    out = git.run(wt, ['status', '--porcelain', '-z', '--untracked-files=all']);
  } catch {
    return;
  }
  const entries = out.split('\0').filter(Boolean);
  if (!entries.length || !entries.every((e) => e.startsWith('?? ') && /^\.env/.test(path.basename(e.slice(3))))) return;
  for (const e of entries) fs.rmSync(path.join(wt, e.slice(3)), { force: true });
}
