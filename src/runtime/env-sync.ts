// A worktree's env files: every value that reaches the shared database is pointed at the worktree's own branch or
// removed (src/shared/db-targets.ts decides which and how), the management key never leaves the main checkout, and
// a file we cannot rewrite is removed — or, when even that fails, reported as unsafe, never as provisioned.
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { findLeaks, parsePgUrl, reachesTarget, retargetEnv, targetFromEnv, withoutOwnPasswords, type OwnBranch, type RetargetResult, type Target } from '../shared/db-targets.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';
import { WORKTREES_DIR } from '../shared/naming.ts';
import { envFilePath } from './config.ts';
import { git } from './git.ts';
import { parentEnvFile } from './state.ts';
import { readIfExists, RuntimeError, writeFileAtomic } from './util.ts';

export const COMMENT_PREFIX = '# neon-agents: ';
const HEADER = 'Neon branch of this checkout (written by create-neon-agents)';

export function stripOurComments(text: string): string {
  return text.replace(/^# neon-agents: .*(\r?\n|$)/gm, '');
}

/** The app's database variables: the one it reads its URL from, the direct one, and DATABASE_URL, de-duplicated. */
export function dbVars(a: ManifestAnswers): string[] {
  return [...new Set([a.databaseUrlVar || 'DATABASE_URL', ...(a.directUrlVar ? [a.directUrlVar] : []), 'DATABASE_URL'])];
}

/** The main URL variable (where a worktree's own URL goes). */
export function urlVar(a: ManifestAnswers): string {
  return a.databaseUrlVar || 'DATABASE_URL';
}

/** The saved state of the main checkout's env file while it visits an agent branch (parent-env.json). */
export interface SavedParentEnv {
  /** The file's bytes before the visit. */
  original: string;
  /** What we wrote for the visit: when the file still holds exactly this, the original comes back byte for byte. */
  written: string;
  /** Values of the keys we changed (null: absent), for a file edited during the visit. */
  values: Record<string, string | null>;
}

export function readSavedParent(commonDir: string): SavedParentEnv | null {
  const t = readIfExists(parentEnvFile(commonDir));
  if (t === null) return null;
  try {
    const data = JSON.parse(t);
    // An older runtime saved only the values.
    if (data && typeof data.original === 'string') return data as SavedParentEnv;
    return { original: '', written: '\0', values: data as Record<string, string | null> };
  } catch {
    return null;
  }
}

/**
 * "The shared database" of this clone: what the main checkout's env file names under the app's database variables
 * (its saved original while it visits an agent branch), plus what Neon told us (`known`: the parent's password,
 * which a new branch inherits).
 */
export function sharedTarget(commonDir: string, mainRoot: string, answers: ManifestAnswers, known: { passwords?: string[] } = {}): Target {
  const saved = readSavedParent(commonDir);
  const text = saved?.original || (readIfExists(envFilePath(mainRoot, answers)) ?? '');
  return targetFromEnv(text, dbVars(answers), known);
}

/**
 * Replace an env file (mode 0600). When it cannot be replaced (immutable, read-only folder…), remove it so no
 * reader sees what it held; when even that fails, throw an `unsafe-env` error that says so.
 */
export function replaceEnvFile(file: string, text: string, label = path.basename(file)): void {
  try {
    writeFileAtomic(file, text, 0o600);
    return;
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code ?? (e as Error).message;
    try {
      fs.rmSync(file, { force: true });
    } catch {
      /* judged below */
    }
    if (!fs.existsSync(file)) throw new RuntimeError(`could not write ${label} (${why}), so it was deleted: this worktree has no env file now`, 'env-write');
    throw new RuntimeError(
      `could not rewrite or delete ${label} (${why}): it STILL HOLDS the main checkout's values — do not use this worktree; make the file writable (chmod u+w, chattr -i) and run ensure`,
      'unsafe-env',
    );
  }
}

/**
 * Compute a file's new text; when the editor refuses (a value no reader agrees on, a file dotenv and Node read
 * differently), the file is deleted instead — a file we cannot edit safely must not keep the main checkout's values.
 */
export function editOrDelete<T extends { text: string }>(file: string, label: string, compute: () => T): T | null {
  try {
    return compute();
  } catch (e) {
    if (e instanceof RuntimeError) throw e;
    try {
      fs.rmSync(file, { force: true });
    } catch {
      /* judged below */
    }
    if (fs.existsSync(file)) {
      throw new RuntimeError(`could not edit or delete ${label} (${(e as Error).message}): it STILL HOLDS the main checkout's values — do not use this worktree`, 'unsafe-env');
    }
    throw new RuntimeError(`could not edit ${label} safely (${(e as Error).message}), so it was deleted: fix that line in the main checkout's file, then run ensure`, 'env-write');
  }
}

export interface EnvWriteOptions {
  /** A `# neon-agents:` comment to append (why there is no database, and how to retry). */
  comment?: string;
  /** The main checkout's own env file: its NEON_API_KEY is the management key and stays. */
  keepApiKey?: boolean;
  /** Also set the app's variables (the main checkout visiting an agent branch keeps its own otherwise). */
  pooled: boolean;
}

function shortComment(comment: string): string {
  const one = comment.replace(/[\r\n]+/g, ' ');
  // Long errors are shortened at a word, with the retry hint (at the end) kept.
  const retry = one.lastIndexOf('Retry');
  return one.length <= 300 ? one : `${one.slice(0, 240).replace(/\s+\S*$/, '')} …${retry > 240 ? ` ${one.slice(retry)}` : ''}`.slice(0, 400);
}

/**
 * The text of the configured env file for a checkout whose own branch is `own` (null: none): the app's variables
 * set to its URLs, every other value naming the shared database pointed at it or removed, no NEON_API_KEY (unless
 * `keepApiKey`), and our comment.
 */
export function envTextFor(base: string, answers: ManifestAnswers, target: Target, own: OwnBranch | null, o: EnvWriteOptions): RetargetResult {
  const pinned: Record<string, string | null> = {};
  pinned[urlVar(answers)] = own ? (o.pooled ? own.pooledUrl : own.directUrl) : null;
  if (answers.directUrlVar && answers.directUrlVar !== urlVar(answers)) pinned[answers.directUrlVar] = own ? own.directUrl : null;
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

/** Env files in a worktree other than the configured one: untracked `.env*` files (ignored or not), not in node_modules. */
export function otherEnvFiles(wt: string, configured: string): string[] {
  const found = new Set<string>();
  let out = '';
  try {
    // Without --exclude-standard git lists every untracked file, ignored or not, in one process; the pathspec keeps
    // it to env files (an env file inside a wholly untracked folder counts too) and out of node_modules.
    out = git(wt, ['ls-files', '-z', '--others', '--', ':(glob)**/.env*', ':(glob)**/.dev.vars', ':(glob,exclude)**/node_modules/**']);
  } catch {
    return [];
  }
  for (const rel of out.split('\0')) {
    if (!rel || rel.endsWith('/')) continue;
    if (!/^\.env/.test(path.basename(rel)) && path.basename(rel) !== '.dev.vars') continue;
    if (rel.split('/').includes('node_modules') || rel.startsWith(`${WORKTREES_DIR}/`)) continue;
    found.add(rel);
  }
  const own = path.resolve(configured);
  return [...found].map((rel) => path.join(wt, rel)).filter((f) => path.resolve(f) !== own && !/\.(example|sample|template)$/.test(f));
}

export interface SyncReport {
  file: string;
  rewritten: string[];
  removed: string[];
}

/**
 * Every other env file of a worktree (`.worktreeinclude` copies, monorepo app folders, files another tool copied):
 * values that reach the shared database now point at `own`, or are removed. Throws the first unsafe file.
 */
export function syncOtherEnvFiles(wt: string, configured: string, target: Target, own: OwnBranch | null, answers?: ManifestAnswers): SyncReport[] {
  const reports: SyncReport[] = [];
  for (const file of otherEnvFiles(wt, configured)) {
    const text = readIfExists(file);
    if (text === null) continue;
    const env = parseEnv(text);
    const pinned: Record<string, string | null> = env.has('NEON_API_KEY') ? { NEON_API_KEY: null } : {};
    // The app's own variables read the same in every file (Prisma's .env and Next's .env.local agree).
    if (answers) {
      const ownOf = (k: string) => (!own ? null : k === urlVar(answers) ? (answers.pooled ? own.pooledUrl : own.directUrl) : own.directUrl);
      for (const k of dbVars(answers)) {
        if (k === 'DATABASE_URL' && urlVar(answers) !== 'DATABASE_URL') continue;
        const value = env.get(k);
        if (value !== undefined && reachesTarget(k, value, target, own ? (parsePgUrl(own.directUrl)?.endpointId ?? null) : null)) pinned[k] = ownOf(k);
      }
    }
    const r = editOrDelete(file, path.relative(wt, file), () => retargetEnv(stripOurComments(text), target, own, pinned))!;
    for (const k of Object.keys(pinned)) if (k !== 'NEON_API_KEY') (pinned[k] === null ? r.removed.push({ key: k, why: 'no branch' }) : r.rewritten.push(k));
    if (r.text === text) continue;
    replaceEnvFile(file, r.text, path.relative(wt, file));
    reports.push({ file: path.relative(wt, file), rewritten: r.rewritten, removed: [...r.removed.map((x) => x.key), ...(env.has('NEON_API_KEY') ? ['NEON_API_KEY'] : [])] });
  }
  return reports;
}

/** Keys in a checkout's env files that reach the shared database, per file (for `status`). */
export function leaksIn(wt: string, configured: string, target: Target, ownEndpointId: string | null): { file: string; key: string; why: string }[] {
  const out: { file: string; key: string; why: string }[] = [];
  const files = [configured, ...otherEnvFiles(wt, configured)].map((f) => ({ f, text: readIfExists(f) }));
  const t = withoutOwnPasswords(target, files.map((x) => x.text ?? ''), ownEndpointId);
  for (const { f: file, text } of files) {
    if (text === null) continue;
    for (const l of findLeaks(text, t, ownEndpointId)) out.push({ file: path.relative(wt, file), ...l });
    if (parseEnv(text).has('NEON_API_KEY')) out.push({ file: path.relative(wt, file), key: 'NEON_API_KEY', why: 'the management key must stay in the main checkout' });
  }
  return out;
}
