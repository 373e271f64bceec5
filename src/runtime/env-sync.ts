// A checkout's env files: every value that reaches the shared database is pointed at the checkout's own branch or
// removed (src/shared/db-targets.ts decides which and how), the management key never leaves the main checkout, and
// a file we cannot rewrite is removed — or, when even that fails, reported as unsafe, never as provisioned. Also
// pointAt(): a branch switch pointing the env files at the Neon branch a record names.
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import {
  findLeaks,
  parsePgUrl,
  reachesTarget,
  retargetEnv,
  targetFromEnv,
  withoutOwnPasswords,
  type OwnBranch,
  type RetargetResult,
  type Target,
} from '../shared/db-targets.ts';
import { ENV_FILES_LS_ARGS, envFilesFrom } from '../shared/env-files.ts';
import { dbVars, urlVar, type ManifestAnswers } from '../shared/manifest.ts';
import { envFilePath, neonApi } from './config.ts';
import type { RuntimeContext } from './context.ts';
import type { Git } from './git.ts';
import { branchUris, type BranchUris } from './neon-api.ts';
import { readSavedParent, type BranchRecord } from './state.ts';
import { readIfExists, RuntimeError, writeFileAtomic } from './util.ts';

const COMMENT_PREFIX = '# neon-agents: ';
const HEADER = 'Neon branch of this checkout (written by create-neon-agents)';

export function stripOurComments(text: string): string {
  return text.replace(/^# neon-agents: .*(\r?\n|$)/gm, '');
}

/**
 * "The shared database" of this clone: what the main checkout's env file names under the app's database variables
 * (its saved original while it visits an agent branch), plus what Neon told us (`known`: the parent's password,
 * which a new branch inherits).
 */
export function sharedTarget(
  commonDir: string,
  mainRoot: string,
  answers: ManifestAnswers,
  known: { passwords?: string[]; endpointIds?: string[] } = {},
): Target {
  const saved = readSavedParent(commonDir);
  const text = saved?.original || (readIfExists(envFilePath(mainRoot, answers)) ?? '');
  return targetFromEnv(text, dbVars(answers), known);
}

/**
 * What a context's checkout, whose own branch has `ownEndpoint`, must not name: the shared database, every other
 * agent branch of this clone (and `endpointIds`, e.g. this worktree's previous branch), and the parent's `passwords`.
 */
export function targetFor(
  ctx: RuntimeContext,
  answers: ManifestAnswers,
  ownEndpoint: string | null,
  known: { passwords?: string[]; endpointIds?: (string | null)[] } = {},
): Target {
  const records = ctx.records();
  const endpointIds = [...(known.endpointIds ?? []), ...records.all().map((r) => r.endpointId)].filter(
    (ep): ep is string => Boolean(ep) && ep !== ownEndpoint,
  );
  return sharedTarget(records.commonDir, ctx.mainRoot(), answers, { passwords: known.passwords, endpointIds });
}

/**
 * A file that must not keep what it holds (the main checkout's values) but cannot be written: delete it, and say so;
 * when even that fails, the error says it STILL HOLDS them (`unsafe-env`: the worktree is refused).
 */
function deleteOrUnsafe(file: string, label: string, why: string): never {
  try {
    fs.rmSync(file, { force: true });
  } catch {
    /* judged below */
  }
  if (!fs.existsSync(file))
    throw new RuntimeError(
      `could not write ${label} (${why}), so it was deleted: this worktree has no env file now; fix that, then run ensure`,
      'env-write',
    );
  throw new RuntimeError(
    `could not rewrite or delete ${label} (${why}): it STILL HOLDS the main checkout's values — do not use this worktree; make the file writable (chmod u+w, chattr -i) and run ensure`,
    'unsafe-env',
  );
}

/** Replace an env file (mode 0600); one that cannot be replaced (immutable, read-only folder…) is deleted. */
export function replaceEnvFile(file: string, text: string, label = path.basename(file)): void {
  try {
    writeFileAtomic(file, text, 0o600);
  } catch (e) {
    deleteOrUnsafe(file, label, (e as NodeJS.ErrnoException).code ?? (e as Error).message);
  }
}

/**
 * Compute a file's new text; when the editor refuses (a value no reader agrees on, a file dotenv and Node read
 * differently), the file is deleted instead — a file we cannot edit safely must not keep the main checkout's values.
 */
export function editOrDelete<T>(file: string, label: string, compute: () => T): T {
  try {
    return compute();
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    return deleteOrUnsafe(file, label, `it cannot be edited safely: ${(e as Error).message}`);
  }
}

export interface EnvWriteOptions {
  /** A `# neon-agents:` comment to append (why there is no database, and how to retry). */
  comment?: string;
  /** The main checkout's own env file: its NEON_API_KEY is the management key and stays. */
  keepApiKey?: boolean;
  /** The app's URL variable gets the pooled URL (else the direct one). */
  pooled: boolean;
}

function shortComment(comment: string): string {
  const one = comment.replace(/[\r\n]+/g, ' ');
  // Long errors are shortened at a word, with the retry hint (at the end) kept.
  const retry = one.lastIndexOf('Retry');
  return one.length <= 300
    ? one
    : `${one.slice(0, 240).replace(/\s+\S*$/, '')} …${retry > 240 ? ` ${one.slice(retry)}` : ''}`.slice(0, 400);
}

/**
 * The text of the configured env file for a checkout whose own branch is `own` (null: none): the app's variables
 * set to its URLs, every other value naming the shared database pointed at it or removed, no NEON_API_KEY (unless
 * `keepApiKey`), and our comment.
 */
export function envTextFor(
  base: string,
  answers: ManifestAnswers,
  target: Target,
  own: OwnBranch | null,
  o: EnvWriteOptions,
): RetargetResult {
  const pinned: Record<string, string | null> = {};
  pinned[urlVar(answers)] = own ? (o.pooled ? own.pooledUrl : own.directUrl) : null;
  if (answers.directUrlVar && answers.directUrlVar !== urlVar(answers))
    pinned[answers.directUrlVar] = own ? own.directUrl : null;
  if (!o.keepApiKey) pinned.NEON_API_KEY = null; // a worktree never holds the management key
  const r = retargetEnv(stripOurComments(base), target, own, pinned, HEADER);
  let text = r.text;
  if (o.comment) {
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    if (text.length && !text.endsWith('\n')) text += eol;
    text += `${COMMENT_PREFIX}${shortComment(o.comment)}${eol}`;
  }
  return { ...r, text };
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
 * Write a context's configured env file from `base`: the app's variables hold its own branch's URLs, every other
 * value that names the shared database points at that branch or is gone, no NEON_API_KEY in a worktree; mode 0600.
 * Returns what changed besides the app's variables (for the report). Throws when the file cannot be made safe.
 */
export function writeEnv(
  ctx: RuntimeContext,
  answers: ManifestAnswers,
  envPath: string,
  base: string,
  w: EnvWrite,
): { rewritten: string[]; removed: string[] } {
  const co = ctx.checkout();
  const target = w.target ?? sharedTarget(co.commonDir, ctx.mainRoot(), answers);
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

/** The endpoint id a URL value connects to (host name or `options=endpoint=`), or null. */
export function endpointOf(url: string | undefined | null): string | null {
  return url ? (parsePgUrl(url)?.endpointId ?? null) : null;
}

/** Env files in a worktree other than the configured one (see src/shared/env-files.ts), as absolute paths. */
export function otherEnvFiles(git: Git, wt: string, configured: string): string[] {
  let out = '';
  try {
    out = git.run(wt, ENV_FILES_LS_ARGS);
  } catch {
    return [];
  }
  const own = path.resolve(configured);
  return envFilesFrom(out)
    .map((rel) => path.join(wt, rel))
    .filter((f) => path.resolve(f) !== own);
}

export interface SyncReport {
  file: string;
  rewritten: string[];
  removed: string[];
}

/**
 * Every other env file of a context's worktree (`.worktreeinclude` copies, monorepo app folders, files another tool
 * copied): values that reach the shared database now point at `own`, or are removed. Throws the first unsafe file.
 */
export function syncOtherEnvFiles(
  ctx: RuntimeContext,
  answers: ManifestAnswers,
  configured: string,
  target: Target,
  own: OwnBranch | null,
): SyncReport[] {
  const wt = ctx.checkout().root;
  const reports: SyncReport[] = [];
  const ownEndpoint = own ? (parsePgUrl(own.directUrl)?.endpointId ?? null) : null;
  const ownOf = (k: string) => (!own ? null : k === urlVar(answers) && answers.pooled ? own.pooledUrl : own.directUrl);
  for (const file of otherEnvFiles(ctx.git, wt, configured)) {
    const text = readIfExists(file);
    if (text === null) continue;
    const label = path.relative(wt, file);
    const env = parseEnv(text);
    const pinned: Record<string, string | null> = env.has('NEON_API_KEY') ? { NEON_API_KEY: null } : {};
    // The app's own variables read the same in every file (Prisma's .env and Next's .env.local agree).
    for (const k of dbVars(answers)) {
      if (k === 'DATABASE_URL' && urlVar(answers) !== 'DATABASE_URL') continue;
      const value = env.get(k);
      if (value !== undefined && reachesTarget(k, value, target, ownEndpoint)) pinned[k] = ownOf(k);
    }
    const r = editOrDelete(file, label, () => retargetEnv(stripOurComments(text), target, own, pinned));
    if (r.text === text) continue;
    replaceEnvFile(file, r.text, label);
    const pinnedKeys = Object.keys(pinned).filter((k) => k !== 'NEON_API_KEY');
    reports.push({
      file: label,
      rewritten: [...r.rewritten, ...pinnedKeys.filter((k) => pinned[k] !== null)],
      removed: [
        ...r.removed.map((x) => x.key),
        ...pinnedKeys.filter((k) => pinned[k] === null),
        ...(env.has('NEON_API_KEY') ? ['NEON_API_KEY'] : []),
      ],
    });
  }
  return reports;
}

/** Keys in a checkout's env files that reach the shared database, per file (for `status`). */
export function leaksIn(
  git: Git,
  wt: string,
  configured: string,
  target: Target,
  ownEndpointId: string | null,
): { file: string; key: string; why: string }[] {
  const out: { file: string; key: string; why: string }[] = [];
  const files = [configured, ...otherEnvFiles(git, wt, configured)].map((f) => ({ f, text: readIfExists(f) }));
  const t = withoutOwnPasswords(
    target,
    files.map((x) => x.text ?? ''),
    ownEndpointId,
  );
  for (const { f: file, text } of files) {
    if (text === null) continue;
    for (const l of findLeaks(text, t, ownEndpointId)) out.push({ file: path.relative(wt, file), ...l });
    if (parseEnv(text).has('NEON_API_KEY'))
      out.push({
        file: path.relative(wt, file),
        key: 'NEON_API_KEY',
        why: 'the management key must stay in the main checkout',
      });
  }
  return out;
}

/**
 * Point a context's checkout's env file (`base`: the text to start from) at a recorded Neon branch, after a branch
 * switch: the app's variables, and every other value that names the shared database or another agent branch of this
 * clone. When that fails, the database values are removed instead. Returns the env file's text afterwards.
 */
export async function pointAt(
  ctx: RuntimeContext,
  answers: ManifestAnswers,
  rec: BranchRecord,
  base: string,
): Promise<string | null> {
  const co = ctx.checkout();
  const envPath = envFilePath(co.root, answers);
  const target = targetFor(ctx, answers, rec.endpointId);
  try {
    if (endpointOf(parseEnv(base).get(urlVar(answers))) === rec.endpointId && readIfExists(envPath) === base)
      return null;
    const creds = ctx.credentials();
    if (!creds) throw new RuntimeError('no Neon credentials');
    const api = neonApi(ctx, { ...creds, projectId: rec.projectId });
    const own = ownBranch(await branchUris(api, rec.branchId, rec.endpointId, answers.databaseName, answers.roleName));
    writeEnv(ctx, answers, envPath, base, { own, keepApiKey: !co.isLinked, target });
    ctx.say(`${co.branch}: using Neon branch ${rec.neonBranch}`);
    if (co.isLinked) syncOtherEnvFiles(ctx, answers, envPath, target, own);
  } catch (e) {
    try {
      writeEnv(ctx, answers, envPath, base, {
        comment: `could not switch to Neon branch ${rec.neonBranch} (${(e as Error).message}). Retry: git checkout again`,
        keepApiKey: !co.isLinked,
        target,
      });
      if (co.isLinked) syncOtherEnvFiles(ctx, answers, envPath, target, null);
      ctx.say(
        `FAILED to point ${path.relative(co.root, envPath)} at Neon branch ${rec.neonBranch}: ${(e as Error).message}; its database values were removed`,
      );
    } catch (e2) {
      ctx.say(
        `FAILED to point ${path.relative(co.root, envPath)} at Neon branch ${rec.neonBranch}: ${(e as Error).message}; and ${(e2 as Error).message}`,
      );
    }
  }
  return readIfExists(envPath);
}
