// Give one checkout its own Neon branch and write its env file. Fail closed: after any failure the env file holds
// no DATABASE_URL of another branch.
import fs from 'node:fs';
import path from 'node:path';
import { parseEnv, setEnvValues } from '../shared/env-file.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';
import { detachedLabel, neonBranchName } from '../shared/naming.ts';
import { envFilePath, findCredentials, loadAnswers, neonCli } from './config.ts';
import { listWorktrees, type Checkout } from './git.ts';
import { connectionString, createBranch, listBranches, NeonCliError, pooledAndDirect, type NeonCli } from './neon.ts';
import { cloneId, deleteRecord, readRecord, withBranchLock, writeRecord, type BranchRecord } from './state.ts';
import { readIfExists, redactUrl, RuntimeError, say, writeFileAtomic } from './util.ts';

export const RETRY_HINT = 'node .claude/hooks/neon-worktree.mjs ensure';
const COMMENT_PREFIX = '# neon-agents: ';

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
  for (const p of [envPath, mainEnvPath, path.join(path.dirname(envPath), '.env.example'), path.join(path.dirname(mainEnvPath), '.env.example')]) {
    const t = readIfExists(p);
    if (t !== null) return t;
  }
  return '';
}

function stripOurComments(text: string): string {
  return text.replace(/^# neon-agents: .*(\r?\n|$)/gm, '');
}

export interface EnvWrite {
  url?: string | null; // null/undefined = remove
  direct?: string | null;
  comment?: string;
  /** The main checkout's own env file: its NEON_API_KEY is the management key and stays. */
  keepApiKey?: boolean;
}

/** Edit the env file in place: DATABASE_URL (+ direct var); a worktree's never keeps NEON_API_KEY; mode 0600. */
export function writeEnv(envPath: string, base: string, answers: ManifestAnswers, w: EnvWrite): void {
  const values: Record<string, string | null> = { DATABASE_URL: w.url ?? null };
  if (!w.keepApiKey) values.NEON_API_KEY = null; // a worktree never holds the management key
  if (answers.directUrlVar) values[answers.directUrlVar] = w.url ? (w.direct ?? null) : null;
  let text = setEnvValues(stripOurComments(base), values, { header: 'Neon branch of this checkout (written by create-neon-agents)' });
  if (w.comment) {
    const eol = /\r\n/.test(text) ? '\r\n' : '\n';
    if (text.length && !text.endsWith('\n')) text += eol;
    const one = w.comment.replace(/[\r\n]+/g, ' ');
    // Long CLI errors are shortened at a word, with the retry hint (at the end) kept.
    const retry = one.lastIndexOf('Retry');
    const short = one.length <= 300 ? one : `${one.slice(0, 240).replace(/\s+\S*$/, '')} …${retry > 240 ? ` ${one.slice(retry)}` : ''}`.slice(0, 400);
    text += `${COMMENT_PREFIX}${short}${eol}`;
  }
  writeFileAtomic(envPath, text, 0o600);
}

function urlsFor(uri: string, endpointId: string | null, answers: ManifestAnswers) {
  const { direct, pooled, endpointId: ep } = pooledAndDirect(uri, endpointId);
  return { url: answers.pooled ? pooled : direct, direct, endpointId: ep };
}

export function branchAllowanceMessage(cli: NeonCli, commonDir: string, original: string): string {
  let counts = '';
  try {
    const all = listBranches(cli);
    const ours = all.filter((b) => b.name.startsWith('agents/'));
    const mine = ours.filter((b) => b.name.startsWith(`agents/${cloneId(commonDir)}/`));
    counts = ` The project has ${all.length} branches: ${ours.length} agent branches made by create-neon-agents, ${mine.length} of them from this clone.`;
  } catch {
    /* counting is best effort */
  }
  return `the Neon project's branch allowance is used up (${original}).${counts} Delete branches you no longer need: node .claude/hooks/neon-worktree.mjs prune (lists; add --yes to delete)`;
}

/** Does this env text already point at the record's endpoint? */
function envPointsAt(text: string | null, rec: BranchRecord | null): boolean {
  if (!text || !rec?.endpointId) return false;
  const url = parseEnv(text).get('DATABASE_URL');
  return !!url && url.includes(rec.endpointId);
}

export interface ProvisionOptions {
  mainRoot: string;
  baseSha?: string | null;
  /** Print the outcome on stderr (default true). */
  report?: boolean;
  /** Ask Neon even when the env file already points at this worktree's branch (`ensure`: it may have expired). */
  recheck?: boolean;
}

export function provision(co: Checkout, opts: ProvisionOptions): ProvisionOutcome {
  const answers = loadAnswers(co.root, opts.mainRoot);
  if (!answers) return { status: 'not-configured' };
  const envPath = envFilePath(co.root, answers);
  const mainEnvPath = envFilePath(opts.mainRoot, answers);
  const rel = path.relative(co.root, envPath);
  const creds = findCredentials(opts.mainRoot, answers);
  if (!creds) {
    writeEnv(envPath, baseEnvText(envPath, mainEnvPath), answers, {
      comment: `no Neon credentials in this clone, so this worktree has no database of its own. Set up: run \`npx neon auth\` (or put NEON_API_KEY in the main checkout's ${answers.envFile}), then ${RETRY_HINT}`,
    });
    say(`no Neon credentials (NEON_API_KEY, or \`neon auth\`), so this worktree has no DATABASE_URL. To give each worktree its own database: npx neon auth, then run \`${RETRY_HINT}\` in the worktree.`);
    return { status: 'no-credentials' };
  }
  let neonName = '';
  try {
    neonName = neonNameFor(co);
    const cli = neonCli(opts.mainRoot, co.root, creds);
    const result = withBranchLock(co.commonDir, neonName, () => {
      const rec = readRecord(co.commonDir, neonName);
      const current = readIfExists(envPath);
      if (rec) {
        const live = listWorktrees(co.root).find((w) => w.path === rec.worktreePath && !w.prunable);
        if (rec.worktreePath !== co.root && live && fs.existsSync(rec.worktreePath)) {
          throw new RuntimeError(`Neon branch ${neonName} belongs to the worktree at ${rec.worktreePath}; refusing to share it`, 'conflict');
        }
        if (rec.projectId !== cli.projectId) throw new RuntimeError(`Neon branch ${neonName} was made in project ${rec.projectId}, but the configured project is ${cli.projectId}`, 'conflict');
        if (rec.worktreePath !== co.root) writeRecord(co.commonDir, { ...rec, worktreePath: co.root });
        if (!opts.recheck && current !== null && envPointsAt(current, rec)) return { url: null as string | null, direct: null as string | null, created: false, reused: true, already: true };
        try {
          const uri = connectionString(cli, rec.branchId, answers.databaseName, answers.roleName);
          const u = urlsFor(uri, rec.endpointId, answers);
          return { url: u.url, direct: u.direct, created: false, reused: true, already: false };
        } catch (e) {
          // Expired (Neon deletes a branch when its TTL passes) or deleted by hand: its data is gone, so the
          // worktree gets a fresh branch rather than no database or, worse, someone else's.
          if (!(e instanceof NeonCliError && e.failure.kind === 'notfound')) throw e;
          say(`Neon branch ${neonName} no longer exists (expired or deleted); creating a new one — its old data is gone`);
          deleteRecord(co.commonDir, neonName);
        }
      }
      let created;
      try {
        created = createBranch(cli, neonName, answers.parentBranch, expiresAt(answers.branchTtlDays), answers.databaseName, answers.roleName);
      } catch (e) {
        if (e instanceof NeonCliError && e.failure.kind === 'exists') {
          throw new RuntimeError(`a Neon branch named ${neonName} already exists in project ${cli.projectId}, and this clone did not create it for this worktree; refusing to attach to it`, 'exists');
        }
        if (e instanceof NeonCliError && e.failure.kind === 'limit') throw new RuntimeError(branchAllowanceMessage(cli, co.commonDir, e.failure.message), 'limit');
        throw e;
      }
      const record: BranchRecord = {
        neonBranch: neonName,
        branchId: created.branch.id,
        projectId: cli.projectId,
        endpointId: created.endpointId,
        gitBranch: branchLabel(co),
        aliases: [],
        worktreePath: co.root,
        baseSha: opts.baseSha ?? null,
        createdAt: new Date().toISOString(),
        expiresAt: created.branch.expires_at ?? null,
      };
      writeRecord(co.commonDir, record);
      const uri = created.uri ?? connectionString(cli, created.branch.id, answers.databaseName, answers.roleName);
      const u = urlsFor(uri, created.endpointId, answers);
      if (!record.endpointId) writeRecord(co.commonDir, { ...record, endpointId: u.endpointId });
      return { url: u.url, direct: u.direct, created: true, reused: false, already: false };
    });
    if (!result.already) {
      writeEnv(envPath, baseEnvText(envPath, mainEnvPath), answers, { url: result.url, direct: result.direct });
    }
    if (opts.report !== false) {
      const what = result.created ? 'created' : 'reusing';
      const shown = result.url ? redactUrl(result.url) : 'unchanged';
      say(`${what} Neon branch ${neonName} → ${rel} DATABASE_URL=${shown}`);
    }
    return { status: 'ok', neonBranch: neonName, created: result.created, reused: result.reused, url: result.url ?? parseEnv(readIfExists(envPath) ?? '').get('DATABASE_URL') ?? '' };
  } catch (e) {
    const reason = (e instanceof Error ? e.message : String(e)).replace(/[.\s]+$/, ''); // our sentences add the period
    const kind = e instanceof RuntimeError ? e.kind : 'error';
    // Fail closed: drop any DATABASE_URL that is not this worktree's own branch.
    try {
      const current = readIfExists(envPath);
      const rec = neonName ? readRecord(co.commonDir, neonName) : null;
      const keepOwn = current !== null && rec?.worktreePath === co.root && envPointsAt(current, rec);
      if (!keepOwn) writeEnv(envPath, baseEnvText(envPath, mainEnvPath), answers, { comment: `no database for this worktree yet (${reason}). Retry: ${RETRY_HINT}` });
    } catch (e2) {
      say(`could not clean ${rel}: ${(e2 as Error).message}`);
    }
    if (opts.report !== false) say(`FAILED to give this worktree its own Neon branch: ${reason}. ${rel} has no DATABASE_URL; retry with: ${RETRY_HINT}`);
    return { status: 'failed', reason, kind };
  }
}
