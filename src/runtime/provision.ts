// Give a context's checkout its own Neon branch (made, reused, replaced when it expired, or adopted when Neon's answer
// was lost) and write its env files. Fail closed: after any failure the env files hold no URL of another branch.
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { parsePgUrl, type OwnBranch } from '../shared/db-targets.ts';
import { RUNTIME_PATH, urlVar, type ManifestAnswers } from '../shared/manifest.ts';
import type { MaskingRule } from '../shared/masking.ts';
import { detachedLabel, neonBranchName } from '../shared/naming.ts';
import { deadlineFor, envFilePath, neonApi, projectIdOf } from './config.ts';
import type { RuntimeContext } from './context.ts';
import type { Checkout } from './git.ts';
import { pooledAndDirect } from './neon.ts';
import { loadMaskingRules } from './masking.ts';
import {
  branchUris,
  createBranch,
  deleteBranch,
  endpointOfBranch,
  listBranches,
  NeonApiError,
  resetRolePassword,
  waitForAnonymized,
  withPassword,
  type NeonApi,
} from './neon-api.ts';
import { settleDirectory, type Session } from './reuse.ts';
import { worktreeIdOf, type BranchRecord } from './state.ts';
import {
  endpointOf,
  ownBranch,
  sharedTarget,
  syncOtherEnvFiles,
  targetFor,
  writeEnv,
  type SyncReport,
} from './env-sync.ts';
import { readIfExists, redactUrl, RuntimeError, shellWord } from './util.ts';

/** A runtime command to paste: the main checkout's runtime, by absolute path (a worktree may predate the setup). */
export function runtimeCommand(mainRoot: string, args: string): string {
  return `node ${shellWord(path.join(mainRoot, RUNTIME_PATH))} ${args}`;
}

/** How to retry in a checkout. */
export function retryHint(mainRoot: string): string {
  return runtimeCommand(mainRoot, 'ensure');
}

export type ProvisionOutcome =
  | { status: 'ok'; neonBranch: string; created: boolean; reused: boolean; url: string }
  | { status: 'no-credentials' }
  | { status: 'not-configured' }
  | { status: 'failed'; reason: string; kind: string };

/**
 * What a checkout's Neon branch is named after: its git branch, or on a detached HEAD its directory and its worktree
 * id (`worktreeId`, null in the main checkout). Codex's worktrees are all detached and named after the repository,
 * and it reuses their paths and admin dir names, so only the id tells one from the next.
 */
export function branchLabel(co: Checkout, worktreeId: string | null): string {
  return co.branch ?? detachedLabel([path.basename(co.root), worktreeId].filter(Boolean).join('-'));
}

/** The Neon branch name for a checkout of the clone whose id is `cloneId` (see branchLabel). */
export function neonNameFor(co: Checkout, cloneId: string, worktreeId: string | null): string {
  return neonBranchName(cloneId, branchLabel(co, worktreeId));
}

/** `rec` as this checkout's branch: its path, worktree id and session now, and no longer left by a directory. */
function claimedBy(rec: BranchRecord, root: string, worktreeId: string, session: Session | undefined): BranchRecord {
  const { vacatedAt: _left, ...kept } = rec;
  const claimed = { ...kept, worktreePath: root, worktreeId, sessionId: session?.id ?? rec.sessionId };
  return JSON.stringify(claimed) === JSON.stringify(rec) ? rec : claimed;
}

/** The commit HEAD is at, or null (git cannot say). */
function headCommit(ctx: RuntimeContext): string | null {
  try {
    return ctx.git.run(ctx.checkout().root, ['rev-parse', '--verify', '-q', 'HEAD']);
  } catch {
    return null;
  }
}

function expiresAt(days: number): string | null {
  if (!days || days <= 0) return null;
  const ms = Math.min(days, 30) * 86_400_000 - (days >= 30 ? 120_000 : 0);
  return new Date(Date.now() + ms).toISOString();
}

/** The text a worktree's env file starts from: its own copy, else the main checkout's, else `.env.example`. */
export function baseEnvText(envPath: string, mainEnvPath: string): string {
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

async function branchAllowanceMessage(api: NeonApi, cloneId: string, original: string): Promise<string> {
  let counts = '';
  let mine = -1;
  try {
    const all = await listBranches(api);
    const ours = all.filter((b) => b.name.startsWith('agents/'));
    mine = ours.filter((b) => b.name.startsWith(`agents/${cloneId}/`)).length;
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
export function ensureIgnored(ctx: RuntimeContext, envPath: string): void {
  const root = ctx.checkout().root;
  const rel = path.relative(root, envPath);
  if (ctx.git.ok(root, ['check-ignore', '-q', '--', rel])) return;
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
    if (ctx.git.ok(root, ['check-ignore', '-q', '--', rel])) return;
  }
  ctx.say(
    `warning: git does not ignore ${rel} in this worktree (its base commit's .gitignore lets it through), so \`git add -A\` would commit this branch's password: add ${rel} to .gitignore, commit and push`,
  );
}

/**
 * A branch creation sent before its worktree exists (worktree-create): Neon makes the branch (about a second) while
 * git checks the worktree out, instead of after. provision() takes it over when it gets to creating; a head start it
 * does not take (another name, other settings, an earlier failure) is discarded: its branch deleted.
 */
export interface HeadStart {
  neonName: string;
  api: NeonApi;
  /** The settings the create was sent with (createSettings()): provision() takes it only when its own agree. */
  settings: string;
  created: Promise<Awaited<ReturnType<typeof createBranch>>>;
  taken: boolean;
}

/** The record of a branch about to be created (no id, endpoint or expiry yet; the worktree's id once it exists). */
function newRecord(neonBranch: string, projectId: string, gitBranch: string, worktreePath: string): BranchRecord {
  return {
    neonBranch,
    branchId: '',
    projectId,
    endpointId: null,
    gitBranch,
    aliases: [],
    worktreePath,
    baseSha: null,
    createdAt: new Date().toISOString(),
    expiresAt: null,
    worktreeId: '',
  };
}

/** Create the agent branch `neonName` as the settings say (createSettings() lists what they decide). */
function createAgentBranch(api: NeonApi, neonName: string, answers: ManifestAnswers, rules: MaskingRule[] | null) {
  const { parentBranch, branchTtlDays, databaseName, roleName } = answers;
  return createBranch(api, neonName, parentBranch, expiresAt(branchTtlDays), databaseName, roleName, rules);
}

/** What a branch creation depends on, as one string: a head start made with other settings is not taken. */
function createSettings(projectId: string, answers: ManifestAnswers): string {
  const { parentBranch, branchTtlDays, databaseName, roleName, agentData } = answers;
  return JSON.stringify([projectId, parentBranch, branchTtlDays, databaseName, roleName, agentData]);
}

/**
 * Send the creation of the Neon branch for the worktree `wt` that is about to be made on `gitBranch` (main: the main
 * checkout's context), and resolve once Neon has the request, so the caller's git work overlaps Neon's. Null when a
 * head start could not be the whole story: no settings or credentials yet, masked data (masking rules are read from
 * the worktree), or any record of that branch or of that directory (reuse, adoption and earlier sessions are
 * provision()'s to decide). The write-ahead record comes first, as in provision().
 */
export async function headStart(main: RuntimeContext, wt: string, gitBranch: string): Promise<HeadStart | null> {
  const answers = main.answers();
  if (!answers || answers.agentData === 'anonymized') return null;
  let creds: ReturnType<typeof main.credentials>;
  try {
    creds = main.credentials();
  } catch {
    return null; // provision() says what is wrong with the credentials file
  }
  if (!creds) return null;
  const records = main.records();
  const neonName = neonBranchName(records.cloneId(), gitBranch);
  const projectId = projectIdOf(creds);
  const fresh = () => !records.get(neonName) && records.claiming(wt).length === 0;
  if (!fresh()) return null;
  // Someone holding that name's lock is working on it: then provision() waits its turn and decides, as ever.
  const claimed = await records
    .withLock(
      neonName,
      () => {
        if (!fresh()) return false;
        records.write({ ...newRecord(neonName, projectId, gitBranch, wt), pending: true });
        return true;
      },
      0,
    )
    .catch(() => false);
  if (!claimed) return null;
  let api: NeonApi;
  try {
    api = neonApi(main, creds);
  } catch {
    // No token (a Neon CLI login that cannot be refreshed): provision() meets the same and says so.
    await records.withLock(neonName, () => records.delete(neonName)).catch(noop);
    return null;
  }
  let sent = () => {};
  const onTheWire = new Promise<void>((resolve) => {
    sent = resolve;
  });
  api.onSent = (method) => method === 'POST' && sent();
  const created = createAgentBranch(api, neonName, answers, null);
  created.catch(() => undefined); // handled where it is taken or discarded; never an unhandled rejection meanwhile
  // Not longer than HEAD_START_WAIT_MS: a slow connection gets on with the checkout (the request goes on meanwhile).
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    onTheWire,
    created.then(noop, noop),
    new Promise((resolve) => {
      timer = setTimeout(resolve, HEAD_START_WAIT_MS);
    }),
  ]);
  clearTimeout(timer);
  api.onSent = null;
  return { neonName, api, settings: createSettings(projectId, answers), created, taken: false };
}

const noop = () => undefined;
/** How long a head start waits for its request to leave before git runs (git's work blocks this process). */
const HEAD_START_WAIT_MS = 500;

/**
 * Undo a head start nobody took: delete the branch it made and its record. A creation whose outcome is unknown (no
 * answer in time) keeps its write-ahead record, so a retry adopts the branch rather than meeting a stranger's name.
 */
export async function discardHeadStart(ctx: RuntimeContext, early: HeadStart): Promise<void> {
  if (early.taken) return;
  early.taken = true;
  const records = ctx.records();
  let keep = false;
  try {
    const made = await early.created;
    try {
      await deleteBranch(early.api, made.branch.id);
    } catch (e) {
      keep = true; // a retry meets its name, and the write-ahead record says it is ours to adopt
      ctx.say(`could not delete Neon branch ${early.neonName} (${(e as Error).message}); a retry adopts it`);
    }
  } catch (e) {
    keep = e instanceof NeonApiError && (e.failure.kind === 'timeout' || e.failure.kind === 'transient');
  }
  if (!keep)
    await records.withLock(early.neonName, () => {
      if (records.get(early.neonName)?.pending) records.delete(early.neonName);
    });
}

export interface ProvisionOptions {
  /** The commit the worktree starts at (recorded: no commits beyond it means nothing to review); default HEAD. */
  baseSha?: string | null;
  /** Print the outcome on stderr (default true). */
  report?: boolean;
  /** Ask Neon even when the env file already points at this worktree's branch (`ensure`: it may have expired). */
  recheck?: boolean;
  /** The tool's session now in the worktree (SessionStart): recorded, and a new one may mean a reused directory. */
  session?: Session;
  /** This worktree's branch creation, already sent (headStart()); one not taken is discarded. */
  headStart?: HeadStart | null;
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

export async function provision(ctx: RuntimeContext, opts: ProvisionOptions = {}): Promise<ProvisionOutcome> {
  const answers = ctx.answers();
  if (!answers) return { status: 'not-configured' };
  const { say } = ctx;
  const co = ctx.checkout();
  const mainRoot = ctx.mainRoot();
  const records = ctx.records();
  const envPath = envFilePath(co.root, answers);
  const mainEnvPath = envFilePath(mainRoot, answers);
  const rel = path.relative(co.root, envPath);
  const hint = retryHint(mainRoot);
  const v = urlVar(answers);
  // A credentials file that cannot be read fails closed like no credentials at all, but as a failure: the user
  // meant to give a key.
  let creds: ReturnType<typeof ctx.credentials>;
  let unreadable: RuntimeError | null = null;
  try {
    creds = ctx.credentials();
  } catch (e) {
    if (!(e instanceof RuntimeError)) throw e;
    [creds, unreadable] = [null, e];
  }
  if (!creds) {
    const comment = unreadable
      ? `${unreadable.message}; this worktree has no database of its own until then (${hint})`
      : `no Neon credentials in this clone, so this worktree has no database of its own. Set up: run \`npx neon auth\` (or run create-neon-agents again with an API key), then ${hint}`;
    try {
      writeEnv(ctx, answers, envPath, baseEnvText(envPath, mainEnvPath), { comment });
      syncOtherEnvFiles(ctx, answers, envPath, sharedTarget(co.commonDir, mainRoot, answers), null);
    } catch (e) {
      say(`no Neon credentials, and ${(e as Error).message}`);
      return { status: 'failed', reason: (e as Error).message, kind: (e as RuntimeError).kind ?? 'error' };
    }
    if (unreadable) {
      if (opts.report !== false)
        say(
          `FAILED to give this worktree its own Neon branch: ${unreadable.message}. It has no ${v}; retry with: ${hint}`,
        );
      return { status: 'failed', reason: unreadable.message, kind: unreadable.kind ?? 'auth' };
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
    // Which worktree this is: one made again at an old path has another id (see reuse.ts).
    const worktreeId = worktreeIdOf(co.gitDir);
    const projectId = projectIdOf(creds);
    // The API client is made on first use: a call that finds everything in place makes no Neon request at all (a
    // Neon CLI login is refreshed only then).
    let made: NeonApi | null = null;
    const neon = () => {
      made ??= neonApi(ctx, creds);
      return made;
    };
    // An earlier session's branch in this directory is left first (deleted, or kept for review): never its data.
    neonName = await settleDirectory(ctx, neonNameFor(co, records.cloneId(), worktreeId), {
      worktreeId,
      session: opts.session ?? null,
    });
    // A creation sent before the checkout existed is this one's only if it was sent for this name, with these settings.
    let early = opts.headStart && !opts.headStart.taken ? opts.headStart : null;
    if (early && (early.neonName !== neonName || early.settings !== createSettings(projectId, answers))) {
      await discardHeadStart(ctx, early);
      early = null;
    }
    if (early) made = early.api;
    const result = await records.withLock(
      neonName,
      async () => {
        const rec = records.get(neonName);
        const current = readIfExists(envPath);
        if (rec && !rec.pending) {
          const live = ctx.git.listWorktrees(co.root).find((w) => w.path === rec.worktreePath && !w.prunable);
          if (rec.worktreePath !== co.root && !rec.vacatedAt && live && fs.existsSync(rec.worktreePath)) {
            throw new RuntimeError(
              `Neon branch ${neonName} belongs to the worktree at ${rec.worktreePath}; refusing to share it`,
              'conflict',
            );
          }
          if (rec.projectId !== projectId)
            throw new RuntimeError(
              `Neon branch ${neonName} was made in project ${rec.projectId}, but the configured project is ${projectId}`,
              'conflict',
            );
          if (answers.agentData === 'anonymized' && !rec.anonymized)
            throw new RuntimeError(
              `Neon branch ${neonName} holds a full copy of its parent's data (it was made before agent data became "anonymized"), so it is not handed out: delete it with \`${runtimeCommand(mainRoot, 'release')}\`, then \`${hint}\` makes a masked one`,
              'masking',
            );
          let claimed = claimedBy(rec, co.root, worktreeId, opts.session);
          if (claimed !== rec) records.write(claimed);
          const unmasked = rec.anonymized && !rec.masked;
          if (!unmasked && !opts.recheck && current !== null && envPointsAt(current, rec, answers)) {
            return { own: ownFromEnv(current, answers, rec.endpointId), created: false, reused: true, already: true };
          }
          try {
            const api = neon();
            if (unmasked) {
              // Made, but the last call ended before Neon had masked it: its rows may still be unmasked. A 404 here
              // (gone, or not an anonymized branch after all) goes the not-found way below: never to a URL.
              await waitForAnonymized(api, rec.branchId);
              claimed = { ...claimed, masked: true };
              records.write(claimed);
            }
            let uris = await branchUris(api, rec.branchId, rec.endpointId, answers.databaseName, answers.roleName);
            const user = parsePgUrl(uris.direct)?.user;
            if (answers.ownBranchPassword !== false && !rec.ownPassword && user) {
              // Made before its password was reset (an older runtime, or the reset failed): reset it now.
              const pw = await resetRolePassword(api, rec.branchId, user);
              uris = { ...uris, direct: withPassword(uris.direct, pw), pooled: withPassword(uris.pooled, pw) };
              records.write({ ...claimed, ownPassword: true });
            }
            return { own: ownBranch(uris), created: false, reused: true, already: false };
          } catch (e) {
            // Expired (Neon deletes a branch when its TTL passes) or deleted by hand: its data is gone, so the
            // worktree gets a fresh branch rather than no database or, worse, someone else's.
            if (!(e instanceof NeonApiError && e.failure.kind === 'notfound')) throw e;
            say(
              `Neon branch ${neonName} no longer exists (expired or deleted); creating a new one — its old data is gone`,
            );
            records.delete(neonName);
          }
        }
        const base: BranchRecord = {
          ...newRecord(neonName, projectId, branchLabel(co, worktreeId), co.root),
          baseSha: opts.baseSha ?? headCommit(ctx),
          worktreeId,
          ...(opts.session ? { sessionId: opts.session.id } : {}),
        };
        // Read before anything is written: a rules file that is missing, unreadable or empty fails closed here.
        const rules = answers.agentData === 'anonymized' ? loadMaskingRules(ctx) : null;
        const api = neon();
        // Write-ahead: if Neon's answer to the create is lost (a cut connection, a timeout) and a retry meets
        // "already exists", this record is how we know the branch is ours to adopt. Nothing else is ever adopted.
        // (A head start's record is this call's own: it proves nothing about an earlier answer.)
        const adoptable =
          !early && rec?.pending === true && rec.worktreePath === co.root && rec.projectId === projectId;
        records.write({ ...base, pending: true });
        let created: Awaited<ReturnType<typeof createBranch>>;
        try {
          if (early) early.taken = true;
          created = early ? await early.created : await createAgentBranch(api, neonName, answers, rules);
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
              records.delete(neonName);
              throw new RuntimeError(
                `a Neon branch named ${neonName} already exists in project ${projectId}, and this clone did not create it for this worktree; refusing to attach to it`,
                'exists',
              );
            }
          } else {
            // Unknown outcome (timeout, cut connection): keep the write-ahead record so a retry can adopt it.
            if (!(e instanceof NeonApiError && (e.failure.kind === 'timeout' || e.failure.kind === 'transient')))
              records.delete(neonName);
            if (e instanceof NeonApiError && e.failure.kind === 'limit')
              throw new RuntimeError(await branchAllowanceMessage(api, records.cloneId(), e.message), 'limit');
            throw e;
          }
        }
        let uris =
          created.uris ??
          (await branchUris(api, created.branch.id, created.endpointId, answers.databaseName, answers.roleName));
        records.write({
          ...base,
          branchId: created.branch.id,
          endpointId: uris.endpointId || created.endpointId,
          expiresAt: created.branch.expires_at ?? null,
          ...(rules ? { anonymized: true } : {}),
        });
        if (rules) {
          try {
            await waitForAnonymized(api, created.branch.id);
          } catch (e) {
            // A failed anonymization may leave some columns unmasked: delete the branch, so no one ever uses it.
            // (Out of time, it is kept: a retry finds it in the records and waits again.)
            if (e instanceof NeonApiError && e.failure.kind === 'masking') {
              await deleteBranch(api, created.branch.id).catch(() => undefined);
              records.delete(neonName);
            }
            throw e;
          }
          records.write({ ...records.get(neonName)!, masked: true });
        }
        const first = parsePgUrl(uris.direct);
        if (first?.password) inherited.push(first.password); // the parent's: a new branch inherits it
        if (answers.ownBranchPassword !== false && first?.user) {
          // One request more: a password of this branch only, so this URL opens nothing but this branch.
          const pw = await resetRolePassword(api, created.branch.id, first.user);
          uris = { ...uris, direct: withPassword(uris.direct, pw), pooled: withPassword(uris.pooled, pw) };
          records.write({ ...records.get(neonName)!, ownPassword: true });
        }
        return { own: ownBranch(uris), created: true, reused: false, already: false };
      },
      Math.max(1000, deadlineFor(answers, ctx.env, ctx.startedAt).deadline - Date.now()),
    );
    // Besides the shared database and the other agent branches: this worktree's previous branch (expired, replaced).
    const prior = parseEnv(readIfExists(envPath) ?? '');
    const previous = [urlVar(answers), answers.directUrlVar].map((k) => (k ? endpointOf(prior.get(k)) : null));
    const target = targetFor(ctx, answers, result.own.endpointId, {
      passwords: inherited,
      endpointIds: previous,
    });
    const changed = result.already
      ? { rewritten: [], removed: [] }
      : writeEnv(ctx, answers, envPath, baseEnvText(envPath, mainEnvPath), { own: result.own, target });
    const synced = syncOtherEnvFiles(ctx, answers, envPath, target, result.own);
    ensureIgnored(ctx, envPath);
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
        const rec = neonName ? records.get(neonName) : null;
        // The worktree keeps its own branch's URL through a failure (Neon unreachable, say), unless that branch is
        // the problem: unmasked data where masked data is due.
        const keepOwn =
          kind !== 'masking' &&
          current !== null &&
          rec?.worktreePath === co.root &&
          !rec.pending &&
          envPointsAt(current, rec, answers);
        const target = targetFor(ctx, answers, keepOwn ? rec!.endpointId : null, {
          passwords: inherited,
        });
        if (!keepOwn)
          writeEnv(ctx, answers, envPath, baseEnvText(envPath, mainEnvPath), {
            comment: `no database for this worktree yet (${reason}). Retry: ${hint}`,
            target,
          });
        syncOtherEnvFiles(ctx, answers, envPath, target, null);
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
