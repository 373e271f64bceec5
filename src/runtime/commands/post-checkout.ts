// The git post-checkout hook (`post-checkout <prev> <new> <flag>`). A new linked worktree (prev is the null sha) gets
// its own Neon branch. A branch switch (flag 1) points the env file at the Neon branch mapped to the new git branch:
// in a worktree the database stays the worktree's own; the main checkout visits an agent branch's database and gets
// its own values back, byte for byte when nothing else changed the file, when it leaves.
import { parseEnv, setEnvValues } from '../../shared/env-file.ts';
import { SKIP_HOOK_ENV } from '../../shared/claude-hooks.ts';
import type { ManifestAnswers } from '../../shared/manifest.ts';
import { NULL_SHA } from '../../shared/naming.ts';
import { envFilePath } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { pointAt, stripOurComments } from '../env-sync.ts';
import { provision } from '../provision.ts';
import { forgetSavedParent, readSavedParent, saveParent, type BranchRecord } from '../state.ts';
import { readIfExists, writeFileAtomic } from '../util.ts';

export async function postCheckout(ctx: RuntimeContext): Promise<number> {
  const [prev, next, flag] = ctx.argv;
  if (ctx.env[SKIP_HOOK_ENV] === '1' || flag !== '1') return 0;
  if (prev === NULL_SHA) {
    if (!ctx.checkout().isLinked) return 0; // a fresh clone
    await provision(ctx, { baseSha: next ?? null });
    return 0;
  }
  const answers = ctx.answers();
  if (answers) await followBranch(ctx, answers);
  return 0;
}

async function followBranch(ctx: RuntimeContext, answers: ManifestAnswers): Promise<void> {
  const co = ctx.checkout();
  const records = ctx.records();
  const mapped = co.branch ? records.forGitBranch(co.branch) : null;
  const envPath = envFilePath(co.root, answers);
  if (!co.isLinked) {
    await followInMain(ctx, answers, envPath, mapped);
    return;
  }
  // The database belongs to the worktree (the agent), so a switch never hands it the shared database.
  const own = records.ofWorktree(co.root);
  if (mapped && mapped.worktreePath !== co.root) {
    await pointAt(ctx, answers, mapped, readIfExists(envPath) ?? '');
    return;
  }
  if (!own) return;
  const gitBranch = co.branch;
  if (gitBranch && !mapped) {
    // This Neon branch now serves that git branch too.
    await records.withLock(own.neonBranch, () => {
      const r = records.get(own.neonBranch);
      if (r && !r.aliases.includes(gitBranch)) records.write({ ...r, aliases: [...r.aliases, gitBranch] });
    });
  }
  await pointAt(ctx, answers, own, readIfExists(envPath) ?? '');
}

/**
 * Main checkout: "the parent" is its own env file, saved while it visits an agent branch, and given back byte for
 * byte when nothing else changed it meanwhile.
 */
async function followInMain(
  ctx: RuntimeContext,
  answers: ManifestAnswers,
  envPath: string,
  mapped: BranchRecord | null,
): Promise<void> {
  const { commonDir, branch } = ctx.checkout();
  const saved = readSavedParent(commonDir);
  const current = readIfExists(envPath) ?? '';
  if (mapped) {
    const original = saved ? saved.original : current;
    // Visiting another agent branch after one: start again from the original when the file is still ours.
    const base = saved && current === saved.written ? saved.original : current;
    if (!saved) saveParent(commonDir, { original, written: '\0', values: {} });
    const written = (await pointAt(ctx, answers, mapped, base)) ?? current;
    const before = parseEnv(original);
    const after = parseEnv(written);
    const values: Record<string, string | null> = {};
    for (const k of new Set([...before.keys(), ...after.keys()]))
      if (before.get(k) !== after.get(k)) values[k] = before.get(k) ?? null;
    saveParent(commonDir, { original, written, values });
    return;
  }
  if (!saved) return;
  if (current === saved.written && saved.original) {
    writeFileAtomic(envPath, saved.original, 0o600);
  } else {
    // Edited during the visit: put back only the values we changed.
    writeFileAtomic(envPath, setEnvValues(stripOurComments(current), saved.values), 0o600);
  }
  forgetSavedParent(commonDir);
  ctx.say(`${branch ?? 'detached HEAD'}: restored the main checkout's own database values`);
}
