// Claude Code's WorktreeCreate hook (JSON on stdin): make the worktree Claude would have made (claude-parity.ts),
// give it its own Neon branch, and print its path on stdout. A worktree that cannot have a database is refused, and
// what this call made for it is removed, unless onProvisionFailure is "continue".
import fs from 'node:fs';
import path from 'node:path';
import { MANIFEST_PATH, RUNTIME_PATH } from '../../shared/manifest.ts';
import { validateWorktreeName, worktreeDirName, WORKTREES_DIR } from '../../shared/naming.ts';
import {
  addWorktreeLikeClaude,
  assertNoSymlinkedWorktreesDir,
  populateLikeClaude,
  worktreeSettings,
} from '../claude-parity.ts';
import { deadlineFor } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { projectDir, readHookInput } from '../hook-input.ts';
import { discardHeadStart, headStart, provision, retryHint } from '../provision.ts';
import { realpathOr, RuntimeError } from '../util.ts';

/** What this call made: only that is removed again when the worktree is refused. */
interface Made {
  createdBranch: boolean;
  headSha: string;
}

export async function worktreeCreate(ctx: RuntimeContext): Promise<number> {
  const input = readHookInput(ctx);
  const name = validateWorktreeName(input.name);
  const mainRoot = ctx.git.mainCheckout(projectDir(ctx, input));
  const main = ctx.at(mainRoot, { mainRoot });
  assertNoSymlinkedWorktreesDir(mainRoot);
  const dirName = worktreeDirName(name);
  const wt = path.join(mainRoot, WORKTREES_DIR, dirName);
  const branch = `worktree-${dirName}`;
  const records = main.records();
  const { deadline } = deadlineFor(main.answers(), ctx.env, ctx.startedAt);
  // One creator per worktree directory: a second call with the same name waits, then reuses what the first made.
  return records.withLock(
    `worktree:${dirName}`,
    async () => {
      let made: Made | null = null;
      // A new directory: Neon starts making its branch now, and git checks the worktree out meanwhile.
      const early = fs.existsSync(wt) ? null : await headStart(main, wt, branch);
      let worktree: RuntimeContext;
      let out: Awaited<ReturnType<typeof provision>>;
      try {
        if (ctx.git.listWorktrees(mainRoot).some((w) => w.path === realpathOr(wt))) {
          ctx.say(`reusing worktree ${wt}`);
        } else {
          if (fs.existsSync(wt))
            throw new RuntimeError(`${wt} exists but is not a worktree of this repository`, 'conflict');
          const settings = worktreeSettings(mainRoot, ctx.home);
          const { createdBranch, baseLabel } = addWorktreeLikeClaude(ctx.git, mainRoot, wt, branch, settings);
          made = { createdBranch, headSha: ctx.git.headSha(wt) };
          warnIfBaseLacksSetup(ctx, records.commonDir, wt, made.headSha, baseLabel);
          populateLikeClaude(ctx, mainRoot, wt, settings);
        }
        // provision() also cleans every other env file in the worktree (the .worktreeinclude copies above).
        worktree = main.at(wt, { mainRoot });
        out = await provision(worktree, {
          baseSha: made?.headSha ?? ctx.git.headSha(wt),
          headStart: early,
        });
      } finally {
        // Unless provision() took it: git could not make the worktree, or provision() never got to creating.
        if (early) await discardHeadStart(main, early);
      }
      if (out.status === 'failed') {
        if (worktree.answers()?.onProvisionFailure === 'continue' && out.kind !== 'unsafe-env') {
          ctx.say(
            `continuing without a database (onProvisionFailure: continue); retry later with: ${retryHint(mainRoot)}`,
          );
        } else {
          throw refuse(ctx, mainRoot, wt, branch, name, made, out.reason);
        }
      }
      ctx.print(`${worktree.checkout().root}\n`);
      return 0;
    },
    Math.max(1000, deadline - Date.now()),
  );
}

/** Remove what this call made for a worktree that gets no database; the error to throw says what is left. */
function refuse(
  ctx: RuntimeContext,
  mainRoot: string,
  wt: string,
  branch: string,
  name: string,
  made: Made | null,
  reason: string,
): RuntimeError {
  let removedWt = !made;
  if (made) {
    // Remove only what this call created. --force: the files in it are the ones we just copied.
    try {
      ctx.git.run(mainRoot, ['worktree', 'remove', '--force', wt]);
      removedWt = true;
    } catch (e) {
      ctx.say(`could not remove ${wt}: ${(e as Error).message}`);
    }
    if (made.createdBranch && removedWt) {
      try {
        ctx.git.run(mainRoot, ['branch', '-D', branch]);
      } catch {
        /* best effort */
      }
    }
  }
  if (made && removedWt)
    return new RuntimeError(
      `worktree not created: no Neon branch for it (${reason}). Once that is fixed, start the agent again (or run claude --worktree ${name} again)`,
      'provision',
    );
  return new RuntimeError(
    `worktree ${wt} has no Neon branch (${reason}). Once that is fixed, run ${retryHint(mainRoot)} in it, then start the agent again`,
    'provision',
  );
}

/** Say once per base commit when a new worktree's base does not hold the committed setup (push it, or baseRef head). */
function warnIfBaseLacksSetup(
  ctx: RuntimeContext,
  commonDir: string,
  wt: string,
  sha: string,
  baseLabel: string,
): void {
  // Just checked out (nothing copied in yet): a file here comes from the base commit, so no git process is needed.
  if (fs.existsSync(path.join(wt, MANIFEST_PATH)) && fs.existsSync(path.join(wt, RUNTIME_PATH))) return;
  const marker = path.join(commonDir, 'neon-agents', `base-warned-${sha.slice(0, 12)}`);
  if (fs.existsSync(marker)) return;
  let present: string[] = [];
  try {
    present = ctx.git
      .run(wt, ['ls-tree', '-z', '--name-only', '--full-tree', sha, '--', MANIFEST_PATH, RUNTIME_PATH])
      .split('\0');
  } catch {
    return;
  }
  const missing = [MANIFEST_PATH, RUNTIME_PATH].filter((f) => !present.includes(f));
  if (!missing.length) return;
  try {
    fs.writeFileSync(marker, '');
  } catch {
    /* say it again next time */
  }
  ctx.say(
    `this worktree starts from ${baseLabel} (${sha.slice(0, 7)}), which does not contain the create-neon-agents setup yet (${missing.join(', ')}); its database is its own all the same (the main checkout's runtime provisions it), but commit and push the setup (git push), or set "worktree": {"baseRef": "head"} in .claude/settings.json, so agents find it in their worktree`,
  );
}
