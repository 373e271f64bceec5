// Give one checkout its own Neon branch and write its env file. Fail closed: after any failure the env file holds
// no DATABASE_URL of another branch.
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { parsePgUrl, type OwnBranch, type Target } from '../shared/db-targets.ts';
import { RUNTIME_PATH, urlVar, type ManifestAnswers } from '../shared/manifest.ts';
import { detachedLabel, neonBranchName } from '../shared/naming.ts';
import { envFilePath, findCredentials, loadAnswers, neonApi } from './config.ts';
import { gitOk, listWorktrees, type Checkout } from './git.ts';
import { pooledAndDirect } from './neon.ts';
import {
  branchUris,
  createBranch,
  endpointOfBranch,
  listBranches,
  NeonApiError,
  resetRolePassword,
  withPassword,
  type BranchUris,
  type NeonApi,
} from './neon-api.ts';
import { cloneId, deleteRecord, readRecord, withBranchLock, writeRecord, type BranchRecord } from './state.ts';
import {
  editOrDelete,
  envTextFor,
  replaceEnvFile,
  sharedTarget,
  syncOtherEnvFiles,
  targetFor,
  type SyncReport,
} from './env-sync.ts';
import { readIfExists, redactUrl, RuntimeError, say } from './util.ts';

/** How to retry in a checkout: the main checkout's runtime, by absolute path (a worktree may predate the setup). */
export function retryHint(mainRoot: string): string {
  const rt = path.join(mainRoot, RUNTIME_PATH);
  return `node ${/^[\w@%+=:,./-]+$/.test(rt) ? rt : `'${rt.replace(/'/g, `'\\''`)}'`} ensure`;
}

export type ProvisionOutcome =
  | { status: 'ok'; neonBranch: string; created: boolean; reused: boolean; url: string }
  | { status: 'no-credentials' }
  | { status: 'not-configured' }
  | { status: 'failed'; reason: string; kind: string };

export function branchLabel(co: Checkout): string {
  return co.branch ?? detachedLabel(path.basename(co.gitDir));
}

export function neonNameFor(co: Checkout): string {
  return neonBranchName(cloneId(co.commonDir), branchLabel(co));
}

function expiresAt(days: number): string | null {
  if (!days || days <= 0) return null;
  const ms = Math.min(days, 30) * 86_400_000 - (days >= 30 ? 120_000 : 0);
  return new Date(Date.now() + ms).toISOString();
}

/** The text a worktree's env file starts from: its own copy, else the main checkout's, else `.env.example`. */
function baseEnvText(envPath: string, mainEnvPath: string): string {
  for (const p of [
    envPath,
    mainEnvPath,
    path.join(path.dirname(envPath), '.env.example'),
    path.join(path.dirname(mainEnvPath), '.env.example'),
  ]) {
    const t = readIfExists(p);
    if (t !== null) return t;
  }
  return '';
}

export interface EnvWrite {
  /** The checkout's own branch; null/undefined: none (every value naming the shared database goes). */
  own?: OwnBranch | null;
  comment?: string;
  /** The main checkout's own env file: its NEON_API_KEY is the management key and stays. */
  keepApiKey?: boolean;
  /** What "the shared database" is (default: the main checkout's database values). */
  target?: Target;
}

/**
 * Write a checkout's configured env file from `base`: the app's variables hold its own branch's URLs, every other
 * value that names the shared database points at that branch or is gone, no NEON_API_KEY in a worktree; mode 0600.
 * Returns what changed besides the app's variables (for the report). Throws when the file cannot be made safe.
 */
export function writeEnv(
  co: Checkout,
  mainRoot: string,
  envPath: string,
  base: string,
  answers: ManifestAnswers,
  w: EnvWrite,
): { rewritten: string[]; removed: string[] } {
  const target = w.target ?? sharedTarget(co.commonDir, mainRoot, answers);
  const label = path.relative(co.root, envPath) || path.basename(envPath);
  const r = editOrDelete(envPath, label, () =>
    envTextFor(base, answers, target, w.own ?? null, {
      comment: w.comment,
      keepApiKey: w.keepApiKey,
      pooled: answers.pooled,
    }),
  );
  replaceEnvFile(envPath, r.text, label);
  return { rewritten: r.rewritten, removed: r.removed.map((x) => x.key) };
}

/** A branch's URLs as Neon gave them. */
export function ownBranch(u: BranchUris): OwnBranch & { endpointId: string } {
  return { pooledUrl: u.pooled, directUrl: u.direct, endpointId: u.endpointId };
}

/**
 * The URLs of a branch we wrote into this env file earlier, without asking Neon: the app's variables hold one form
 * (or both, with a direct variable); the other is derived only when the file lacks it.
 */
function ownFromEnv(
  text: string,
  answers: ManifestAnswers,
  endpointId: string | null,
): OwnBranch & { endpointId: string } {
  const env = parseEnv(text);
  const main = env.get(urlVar(answers))!;
  const derived = pooledAndDirect(main, endpointId);
  const direct = answers.directUrlVar
    ? (env.get(answers.directUrlVar) ?? derived.direct)
    : answers.pooled
      ? derived.direct
      : main;
  return { pooledUrl: answers.pooled ? main : derived.pooled, directUrl: direct, endpointId: derived.endpointId };
}

/** The endpoint id a URL value connects to (host name or `options=endpoint=`), or null. */
export function endpointOf(url: string | undefined | null): string | null {
  return url ? (parsePgUrl(url)?.endpointId ?? null) : null;
}

export async function branchAllowanceMessage(api: NeonApi, commonDir: string, original: string): Promise<string> {
  let counts = '';
  let mine = -1;
  try {
    const all = await listBranches(api);
    const ours = all.filter((b) => b.name.startsWith('agents/'));
    mine = ours.filter((b) => b.name.startsWith(`agents/${cloneId(commonDir)}/`)).length;
    counts = ` The project has ${all.length} branches: ${ours.length} agent branches made by create-neon-agents, ${mine} of them from this clone.`;
  } catch {
    /* counting is best effort */
  }
  const advice =
    mine > 0
      ? `Delete the ones you no longer need: node ${RUNTIME_PATH} prune (lists; add --yes to delete)`
      : 'This clone has no agent branches of its own to prune: delete branches you no longer need in the Neon Console (or with `neon branches delete <name>`), or move the project to a plan with more branches';
  return `the Neon project's branch allowance is used up (${original}).${counts} ${advice}`;
}

/** Does this env text already point at the record's endpoint (under the app's URL variable)? */
function envPointsAt(text: string | null, rec: BranchRecord | null, answers: ManifestAnswers): boolean {
  if (!text || !rec?.endpointId) return false;
  return endpointOf(parseEnv(text).get(urlVar(answers))) === rec.endpointId;
}

/**
 * The env file now holds this branch's password, and `info/exclude` (which the initializer fills) loses to a base
 * commit's own `.gitignore` that un-ignores it (`!packages/database/.env`). A `.gitignore` in the file's own folder
 * outranks that, and ignores itself, so the worktree stays clean; when the folder already tracks one, say so.
 */
function ensureIgnored(root: string, envPath: string): void {
  const rel = path.relative(root, envPath);
  if (gitOk(root, ['check-ignore', '-q', '--', rel])) return;
  const local = path.join(path.dirname(envPath), '.gitignore');
  if (!fs.existsSync(local)) {
    try {
      fs.writeFileSync(
        local,
        `# create-neon-agents: ${path.basename(envPath)} holds this worktree's own database password\n/${path.basename(envPath)}\n/.gitignore\n`,
      );
    } catch {
      /* judged below */
    }
    if (gitOk(root, ['check-ignore', '-q', '--', rel])) return;
  }
  say(
    `warning: git does not ignore ${rel} in this worktree (its base commit's .gitignore lets it through), so \`git add -A\` would commit this branch's password: add ${rel} to .gitignore, commit and push`,
  );
}

export interface ProvisionOptions {
  mainRoot: string;
  baseSha?: string | null;
  /** Print the outcome on stderr (default true). */
  report?: boolean;
  /** Ask Neon even when the env file already points at this worktree's branch (`ensure`: it may have expired). */
  recheck?: boolean;
}

function describeSync(rewritten: string[], removed: string[], others: SyncReport[]): string {
  const parts: string[] = [];
  if (rewritten.length) parts.push(`also pointed at it: ${rewritten.join(', ')}`);
  if (removed.length) parts.push(`removed (could not be pointed at it): ${removed.join(', ')}`);
  for (const o of others) {
    const what = [
      o.rewritten.length ? `${o.rewritten.join(', ')} pointed at it` : '',
      o.removed.length ? `${o.removed.join(', ')} removed` : '',
    ]
      .filter(Boolean)
      .join('; ');
    if (what) parts.push(`${o.file}: ${what}`);
  }
  return parts.length ? ` (${parts.join('; ')})` : '';
}

export async function provision(co: Checkout, opts: ProvisionOptions): Promise<ProvisionOutcome> {
  const answers = loadAnswers(co.root, opts.mainRoot);
  if (!answers) return { status: 'not-configured' };
  const envPath = envFilePath(co.root, answers);
  const mainEnvPath = envFilePath(opts.mainRoot, answers);
  const rel = path.relative(co.root, envPath);
  const hint = retryHint(opts.mainRoot);
  const v = urlVar(answers);
  const creds = findCredentials(opts.mainRoot, answers);
  if (!creds) {
    const comment = `no Neon credentials in this clone, so this worktree has no database of its own. Set up: run \`npx neon auth\` (or put NEON_API_KEY in the main checkout's ${answers.envFile}), then ${hint}`;
    try {
      writeEnv(co, opts.mainRoot, envPath, baseEnvText(envPath, mainEnvPath), answers, { comment });
      syncOtherEnvFiles(co.root, envPath, sharedTarget(co.commonDir, opts.mainRoot, answers), null, answers);
    } catch (e) {
      say(`no Neon credentials, and ${(e as Error).message}`);
      return { status: 'failed', reason: (e as Error).message, kind: (e as RuntimeError).kind ?? 'error' };
    }
    say(
      `no Neon credentials (NEON_API_KEY, or \`neon auth\`), so this worktree has no ${v}. To give each worktree its own database: npx neon auth, then run \`${hint}\` in the worktree.`,
    );
    return { status: 'no-credentials' };
  }
  let neonName = '';
  // The parent's password, as Neon gave it for the new branch (a child inherits its parent's role passwords): any
  // copied value holding it names the shared database.
  const inherited: string[] = [];
  try {
    neonName = neonNameFor(co);
    const api = neonApi(opts.mainRoot, co.root, creds, answers);
    const result = await withBranchLock(
      co.commonDir,
      neonName,
      async () => {
        const rec = readRecord(co.commonDir, neonName);
        const current = readIfExists(envPath);
        if (rec && !rec.pending) {
          const live = listWorktrees(co.root).find((w) => w.path === rec.worktreePath && !w.prunable);
          if (rec.worktreePath !== co.root && live && fs.existsSync(rec.worktreePath)) {
            throw new RuntimeError(
              `Neon branch ${neonName} belongs to the worktree at ${rec.worktreePath}; refusing to share it`,
              'conflict',
            );
          }
          if (rec.projectId !== api.projectId)
            throw new RuntimeError(
              `Neon branch ${neonName} was made in project ${rec.projectId}, but the configured project is ${api.projectId}`,
              'conflict',
            );
          if (rec.worktreePath !== co.root) writeRecord(co.commonDir, { ...rec, worktreePath: co.root });
          if (!opts.recheck && current !== null && envPointsAt(current, rec, answers)) {
            return { own: ownFromEnv(current, answers, rec.endpointId), created: false, reused: true, already: true };
          }
          try {
            let uris = await branchUris(api, rec.branchId, rec.endpointId, answers.databaseName, answers.roleName);
            const user = parsePgUrl(uris.direct)?.user;
            if (answers.ownBranchPassword !== false && !rec.ownPassword && user) {
              // Made before its password was reset (an older runtime, or the reset failed): reset it now.
              const pw = await resetRolePassword(api, rec.branchId, user);
              uris = { ...uris, direct: withPassword(uris.direct, pw), pooled: withPassword(uris.pooled, pw) };
              writeRecord(co.commonDir, { ...rec, worktreePath: co.root, ownPassword: true });
            }
            return { own: ownBranch(uris), created: false, reused: true, already: false };
          } catch (e) {
            // Expired (Neon deletes a branch when its TTL passes) or deleted by hand: its data is gone, so the
            // worktree gets a fresh branch rather than no database or, worse, someone else's.
            if (!(e instanceof NeonApiError && e.failure.kind === 'notfound')) throw e;
            say(
              `Neon branch ${neonName} no longer exists (expired or deleted); creating a new one — its old data is gone`,
            );
            deleteRecord(co.commonDir, neonName);
          }
        }
        const base: BranchRecord = {
          neonBranch: neonName,
          branchId: '',
          projectId: api.projectId,
          endpointId: null,
          gitBranch: branchLabel(co),
          aliases: [],
          worktreePath: co.root,
          baseSha: opts.baseSha ?? null,
          createdAt: new Date().toISOString(),
          expiresAt: null,
        };
        // Write-ahead: if Neon's answer to the create is lost (a cut connection, a timeout) and a retry meets
        // "already exists", this record is how we know the branch is ours to adopt. Nothing else is ever adopted.
        const adoptable = rec?.pending === true && rec.worktreePath === co.root && rec.projectId === api.projectId;
        writeRecord(co.commonDir, { ...base, pending: true });
        let created: Awaited<ReturnType<typeof createBranch>>;
        try {
          created = await createBranch(
            api,
            neonName,
            answers.parentBranch,
            expiresAt(answers.branchTtlDays),
            answers.databaseName,
            answers.roleName,
          );
        } catch (e) {
          if (e instanceof NeonApiError && e.failure.kind === 'exists') {
            // Sent more than once: the first may have made the branch before its answer was lost.
            const resent = api.lastAttempts > 1;
            const found = (await listBranches(api)).find((b) => b.name === neonName);
            if (found && (adoptable || resent)) {
              created = { branch: found, endpointId: await endpointOfBranch(api, found.id), uris: null };
              say(
                `adopting Neon branch ${neonName}: this clone created it for this worktree, and Neon's first answer was lost`,
              );
            } else {
              deleteRecord(co.commonDir, neonName);
              throw new RuntimeError(
                `a Neon branch named ${neonName} already exists in project ${api.projectId}, and this clone did not create it for this worktree; refusing to attach to it`,
                'exists',
              );
            }
          } else {
            // Unknown outcome (timeout, cut connection): keep the write-ahead record so a retry can adopt it.
            if (!(e instanceof NeonApiError && (e.failure.kind === 'timeout' || e.failure.kind === 'transient')))
              deleteRecord(co.commonDir, neonName);
            if (e instanceof NeonApiError && e.failure.kind === 'limit')
              throw new RuntimeError(await branchAllowanceMessage(api, co.commonDir, e.message), 'limit');
            throw e;
          }
        }
        let uris =
          created.uris ??
          (await branchUris(api, created.branch.id, created.endpointId, answers.databaseName, answers.roleName));
        writeRecord(co.commonDir, {
          ...base,
          branchId: created.branch.id,
          endpointId: uris.endpointId || created.endpointId,
          expiresAt: created.branch.expires_at ?? null,
        });
        const first = parsePgUrl(uris.direct);
        if (first?.password) inherited.push(first.password); // the parent's: a new branch inherits it
        if (answers.ownBranchPassword !== false && first?.user) {
          // One request more: a password of this branch only, so this URL opens nothing but this branch.
          const pw = await resetRolePassword(api, created.branch.id, first.user);
          uris = { ...uris, direct: withPassword(uris.direct, pw), pooled: withPassword(uris.pooled, pw) };
          writeRecord(co.commonDir, { ...readRecord(co.commonDir, neonName)!, ownPassword: true });
        }
        return { own: ownBranch(uris), created: true, reused: false, already: false };
      },
      api.lockWaitMs,
    );
    // Besides the shared database and the other agent branches: this worktree's previous branch (expired, replaced).
    const prior = parseEnv(readIfExists(envPath) ?? '');
    const previous = [urlVar(answers), answers.directUrlVar].map((k) => (k ? endpointOf(prior.get(k)) : null));
    const target = targetFor(co.commonDir, opts.mainRoot, answers, result.own.endpointId, {
      passwords: inherited,
      endpointIds: previous,
    });
    const changed = result.already
      ? { rewritten: [], removed: [] }
      : writeEnv(co, opts.mainRoot, envPath, baseEnvText(envPath, mainEnvPath), answers, { own: result.own, target });
    const synced = syncOtherEnvFiles(co.root, envPath, target, result.own, answers);
    ensureIgnored(co.root, envPath);
    if (opts.report !== false) {
      const what = result.created ? 'created' : 'reusing';
      const shown = result.already
        ? 'unchanged'
        : redactUrl(answers.pooled ? result.own.pooledUrl : result.own.directUrl);
      say(
        `${what} Neon branch ${neonName} → ${rel} ${v}=${shown}${describeSync(changed.rewritten, changed.removed, synced)}`,
      );
    }
    return {
      status: 'ok',
      neonBranch: neonName,
      created: result.created,
      reused: result.reused,
      url: answers.pooled ? result.own.pooledUrl : result.own.directUrl,
    };
  } catch (e) {
    let reason = (e instanceof Error ? e.message : String(e)).replace(/[.\s]+$/, ''); // our sentences add the period
    let kind = e instanceof RuntimeError ? e.kind : 'error';
    // Fail closed: no value in any env file of this worktree may name the shared database.
    let state = `${rel} holds no URL of the shared database`;
    if (kind === 'unsafe-env' || kind === 'env-write') {
      state = '';
    } else {
      try {
        const current = readIfExists(envPath);
        const rec = neonName ? readRecord(co.commonDir, neonName) : null;
        const keepOwn =
          current !== null && rec?.worktreePath === co.root && !rec.pending && envPointsAt(current, rec, answers);
        const target = targetFor(co.commonDir, opts.mainRoot, answers, keepOwn ? rec!.endpointId : null, {
          passwords: inherited,
        });
        if (!keepOwn)
          writeEnv(co, opts.mainRoot, envPath, baseEnvText(envPath, mainEnvPath), answers, {
            comment: `no database for this worktree yet (${reason}). Retry: ${hint}`,
            target,
          });
        syncOtherEnvFiles(co.root, envPath, target, null, answers);
      } catch (e2) {
        state = '';
        kind = (e2 as RuntimeError).kind === 'unsafe-env' ? 'unsafe-env' : kind;
        reason = `${reason}; and ${(e2 as Error).message.replace(/[.\s]+$/, '')}`;
      }
    }
    if (opts.report !== false)
      say(
        `FAILED to give this worktree its own Neon branch: ${reason}.${state ? ` ${state}; retry with: ${hint}` : ''}`,
      );
    return { status: 'failed', reason, kind };
  }
}
