// `status [--offline]`: which Neon branch this checkout uses, and why; whether any env file still reaches the main
// checkout's database; and (unless --offline) whether Neon still has the branch. Agents run it before their first
// write: exit 1 when this worktree has no database of its own, or any of its env files reaches the shared one.
import path from 'node:path';
import { parseEnv } from '../../shared/env-file.ts';
import { urlVar } from '../../shared/manifest.ts';
import { envFilePath, neonApi, type Credentials } from '../config.ts';
import type { RuntimeContext } from '../context.ts';
import { endpointOf, leaksIn, sharedTarget } from '../env-sync.ts';
import { getBranch, NeonApiError } from '../neon-api.ts';
import { branchLabel, neonNameFor, retryHint } from '../provision.ts';
import { worktreeIdOf } from '../state.ts';
import { readIfExists, redactUrl } from '../util.ts';

export async function status(ctx: RuntimeContext): Promise<number> {
  const co = ctx.checkout();
  const mainRoot = ctx.mainRoot();
  const answers = ctx.answers();
  const lines: string[] = [];
  lines.push(`checkout:     ${co.root} (${co.isLinked ? 'linked worktree' : 'main checkout'})`);
  lines.push(`git branch:   ${co.branch ?? '(detached HEAD)'}`);
  if (!answers) {
    lines.push('neon-agents:  not set up here (no .claude/neon-agents.json)');
    ctx.print(`${lines.join('\n')}\n`);
    return 0;
  }
  const records = ctx.records();
  // A detached worktree's Neon branch is named after its worktree id (made here if it has none yet).
  const worktreeId = co.isLinked ? worktreeIdOf(co.gitDir) : null;
  const envPath = envFilePath(co.root, answers);
  const v = urlVar(answers);
  const hint = retryHint(mainRoot);
  const url = parseEnv(readIfExists(envPath) ?? '').get(v);
  const own = records.ofWorktree(co.root);
  const mapped = co.branch ? records.forGitBranch(co.branch) : null;
  const rec = mapped ?? own ?? null;
  const pointsAtRec = Boolean(url && rec?.endpointId && endpointOf(url) === rec.endpointId);
  lines.push(`env file:     ${path.relative(co.root, envPath)} ${v}=${redactUrl(url)}`);
  // Exit 1 when a worktree has no database of its own, or any of its env files still reaches the shared one.
  let problem = false;
  if (rec) {
    lines.push(
      `neon branch:  ${rec.neonBranch} (${rec.branchId}, project ${rec.projectId}${rec.expiresAt ? `, expires ${rec.expiresAt}` : ''})`,
    );
    lines.push(
      `why:          created for ${rec.gitBranch === branchLabel(co, worktreeId) && rec.worktreePath === co.root ? 'this worktree' : `git branch ${rec.gitBranch}`}; env file ${pointsAtRec ? 'points at it' : `does NOT point at it — run: ${hint}`}`,
    );
    if (co.isLinked && !pointsAtRec) problem = true;
  } else if (co.isLinked) {
    lines.push(`neon branch:  none yet (would be ${neonNameFor(co, records.cloneId(), worktreeId)})`);
    lines.push(`why:          not provisioned, so this worktree has no database of its own; run: ${hint}`);
    problem = true;
  } else {
    lines.push(
      `neon branch:  none of its own: the main checkout uses the ${v} in its env file (create-neon-agents does not change it)`,
    );
    lines.push(
      `why:          the main checkout keeps its own database; worktrees get branches of ${answers.parentBranch ?? 'the project default branch'}`,
    );
  }
  if (co.isLinked) {
    const shared = sharedTarget(co.commonDir, mainRoot, answers);
    const leaks = leaksIn(ctx.git, co.root, envPath, shared, rec?.endpointId ?? null);
    if (leaks.length) {
      problem = true;
      for (const l of leaks) lines.push(`LEAK:         ${l.file} ${l.key}: ${l.why}`);
      lines.push(`fix:          ${hint} (points every such value at this worktree's own branch, or removes it)`);
    } else lines.push("shared db:    no env value of this worktree reaches the main checkout's database");
  }
  let creds: Credentials | null = null;
  try {
    creds = ctx.credentials();
    const where = creds?.source === 'user-file' ? `user-file ${creds.loginFile}` : creds?.source;
    lines.push(
      `credentials:  ${creds ? `${where}; project ${creds.projectId ?? '(none)'} from ${creds.projectSource || '—'}` : 'none (worktrees get no database)'}`,
    );
  } catch (e) {
    problem = true;
    lines.push(`credentials:  ${(e as Error).message}`);
  }
  lines.push(`clone id:     ${records.cloneId()}`);
  // Agents run `status` before their first write: ask Neon whether the branch still exists (it expires), unless
  // --offline. Exit 1 when this worktree's database is missing.
  if (rec && creds && !ctx.argv.includes('--offline')) {
    try {
      await getBranch(neonApi(ctx, { ...creds, projectId: rec.projectId }), rec.branchId);
      lines.push('in Neon:      the branch exists');
    } catch (e) {
      if (e instanceof NeonApiError && e.failure.kind === 'notfound') {
        lines.push(`in Neon:      MISSING (expired or deleted): run ${hint} for a fresh branch`);
        problem = true;
      } else lines.push(`in Neon:      could not check (${(e as Error).message})`);
    }
  }
  ctx.print(`${lines.join('\n')}\n`);
  return problem ? 1 : 0;
}
