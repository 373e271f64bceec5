// `reset [--yes]`: in an agent's worktree, give its own Neon branch a fresh copy of its parent's current data and
// schema (Neon's "reset from parent"), keeping the branch, its endpoint and so its URL. For an agent whose
// migrations or test data went wrong: start again from the parent without a new branch, a new URL or a restart.
//
// Only ever the branch this clone made for this worktree (its record names it), never the main checkout's database,
// the parent or any other branch; one with child branches is refused (Neon would need `preserve_under_name`, which
// moves the children to a copy of the current state: not something to do silently). It asks first, unless --yes.
//
// Requests: the branch list (the branch, its parent and its children in one answer), the restore and its operations,
// then (with ownBranchPassword) the branch's URLs and a password reset, and the env files are written again.
//
// Exit codes: 0 reset (or the question answered no); 1 when it fails or may not reset this branch; 2 on unknown
// options, where there is no agent branch (outside a repository, the main checkout), or with nobody to ask and no --yes.
import path from 'node:path';
import { parsePgUrl } from '../../shared/db-targets.ts';
import { MANIFEST_PATH, RUNTIME_PATH, urlVar } from '../../shared/manifest.ts';
import { exitCodeOf, parseOptions, UsageError } from '../args.ts';
import { envFilePath, neonApi } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { ownBranch, syncOtherEnvFiles, targetFor, writeEnv } from '../env-sync.ts';
import {
  branchUris,
  listBranches,
  resetFromParent,
  resetRolePassword,
  withPassword,
  type BranchInfo,
} from '../neon-api.ts';
import { baseEnvText, ensureIgnored, retryHint } from '../provision.ts';
import { RuntimeError } from '../util.ts';

export async function reset(ctx: RuntimeContext): Promise<number> {
  try {
    return await resetOwnBranch(ctx);
  } catch (e) {
    ctx.say(`reset: ${(e as Error).message.split('\n')[0]}`);
    return exitCodeOf(e);
  }
}

async function resetOwnBranch(ctx: RuntimeContext): Promise<number> {
  const options = parseOptions(ctx.argv, { flags: ['--yes'] });
  const confirmed = options.flags.has('--yes');

  // Which branch: the same checks as `diff` — a linked worktree, with this clone's record for it.
  let co: ReturnType<RuntimeContext['checkout']>;
  try {
    co = ctx.checkout();
  } catch (e) {
    throw new UsageError(`not inside a git repository (${(e as Error).message}): run reset inside an agent's worktree`);
  }
  const answers = ctx.answers();
  if (!answers) throw new RuntimeError(`create-neon-agents is not set up in this repository (no ${MANIFEST_PATH})`);
  if (!co.isLinked)
    throw new UsageError(
      `this is the main checkout, whose database is the parent of every agent branch and is never reset: run reset inside an agent's worktree (node ${RUNTIME_PATH} list shows them)`,
    );
  const rec = ctx.records().ofWorktree(co.root);
  if (!rec || rec.pending || !rec.branchId)
    throw new RuntimeError(
      `this worktree has no Neon branch made by this clone (no record in ${ctx.records().commonDir}/neon-agents/branches): run ${retryHint(ctx.mainRoot())} to give it one`,
    );
  if (rec.anonymized)
    // Neon restricts `restore` on anonymized branches; a reset would also bring back the parent's unmasked rows.
    throw new RuntimeError(
      `Neon branch ${rec.neonBranch} is an anonymized branch, which Neon cannot reset from its parent: for a freshly masked copy, delete it with \`node ${RUNTIME_PATH} release\` and make a new one with \`${retryHint(ctx.mainRoot())}\` (its URL changes)`,
    );
  const creds = ctx.credentials();
  if (!creds) throw new RuntimeError('no Neon credentials: set NEON_API_KEY, or log in with `neon auth`');
  // Known before any request: with nobody to ask, only --yes may reset (a script must say so).
  if (!confirmed && !ctx.canAsk)
    throw new UsageError(`nobody to ask on a terminal: pass --yes to reset Neon branch ${rec.neonBranch}`);
  const api = neonApi(ctx, { ...creds, projectId: rec.projectId });

  // One list answers everything to check: the branch still exists, has a parent, and has no children.
  const all = await listBranches(api);
  const branch = all.find((b) => b.id === rec.branchId);
  if (!branch)
    throw new RuntimeError(
      `Neon branch ${rec.neonBranch} (${rec.branchId}) is gone (expired or deleted): run ${retryHint(ctx.mainRoot())} for a fresh one`,
    );
  if (branch.default || !branch.parent_id)
    throw new RuntimeError(
      `Neon branch ${branch.name} is a root or default branch, not an agent branch: not resetting it`,
    );
  const parent: BranchInfo = all.find((b) => b.id === branch.parent_id) ?? {
    id: branch.parent_id,
    name: branch.parent_id,
  };
  const children = all.filter((b) => b.parent_id === branch.id);
  if (children.length)
    throw new RuntimeError(
      `Neon branch ${branch.name} has child branches (${children.map((b) => b.name).join(', ')}): delete them first; a reset would move them to a copy of its current state (Neon's preserve_under_name), which reset does not do for you`,
    );

  if (!confirmed) {
    const typed = await ctx.ask(`Reset ${branch.name} to ${parent.name}'s data? [y/N] `);
    if (!/^y(es)?$/i.test((typed ?? '').trim())) {
      ctx.say(`reset: not resetting ${branch.name}`);
      return 0;
    }
  }

  // The lock provisioning takes on this branch: no ensure or checkout rewrites the env files meanwhile.
  return await ctx.records().withLock(rec.neonBranch, async () => {
    await resetFromParent(api, branch.id, parent.id);
    // Neon's docs say what a reset does to role passwords only for children of protected branches (they keep
    // theirs). So assume the worst: the restore may have brought back the parent's password, and the record no
    // longer claims an own one until the reset below has given it one again.
    const ownPassword = rec.ownPassword === true || answers.ownBranchPassword !== false;
    const envPath = envFilePath(co.root, answers);
    const rel = path.relative(co.root, envPath);
    if (!ownPassword) {
      ctx.say(
        `reset Neon branch ${branch.name} to the data and schema of ${parent.name}; same endpoint, so ${rel} is unchanged (open connections were interrupted)`,
      );
      return 0;
    }
    ctx.records().write({ ...rec, ownPassword: false });
    let uris: Awaited<ReturnType<typeof branchUris>>;
    try {
      uris = await branchUris(api, branch.id, rec.endpointId, answers.databaseName, answers.roleName);
      const user = parsePgUrl(uris.direct)?.user;
      if (!user) throw new RuntimeError(`Neon's URL for ${branch.name} names no role`);
      const password = await resetRolePassword(api, branch.id, user);
      uris = { ...uris, direct: withPassword(uris.direct, password), pooled: withPassword(uris.pooled, password) };
    } catch (e) {
      // The record says "no own password" now, so ensure resets it and rewrites the env files.
      throw new RuntimeError(
        `Neon branch ${branch.name} was reset to ${parent.name}, but giving it its own password again failed (${(e as Error).message}): run ${retryHint(ctx.mainRoot())}`,
      );
    }
    ctx.records().write({ ...rec, ownPassword: true });

    const own = ownBranch(uris);
    const target = targetFor(ctx, answers, own.endpointId);
    writeEnv(ctx, answers, envPath, baseEnvText(envPath, envFilePath(ctx.mainRoot(), answers)), { own, target });
    syncOtherEnvFiles(ctx, answers, envPath, target, own);
    ensureIgnored(ctx, envPath);
    ctx.say(
      `reset Neon branch ${branch.name} to the data and schema of ${parent.name}; same endpoint, new password of its own in ${rel} ${urlVar(answers)} (open connections were interrupted)`,
    );
    return 0;
  });
}
