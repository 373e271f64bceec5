import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv, setEnvValues } from '../shared/env-file.ts';
import { SKIP_HOOK_ENV } from '../shared/claude-hooks.ts';
import { NULL_SHA, validateWorktreeName, worktreeDirName, WORKTREES_DIR, isOurNeonBranch } from '../shared/naming.ts';
import { envFilePath, findCredentials, loadAnswers, neonCli } from './config.ts';
import { addWorktree, branchExists, checkoutAt, git, gitOk, isDir, listWorktrees, mainCheckout, type Checkout } from './git.ts';
import { connectionString, deleteBranch, listBranches, neon, NeonCliError, pooledAndDirect } from './neon.ts';
import { branchLabel, neonNameFor, provision, RETRY_HINT, writeEnv } from './provision.ts';
import { allRecords, cloneId, deleteRecord, parentEnvFile, readRecord, recordForGitBranch, withBranchLock, writeRecord, type BranchRecord } from './state.ts';
import { readIfExists, realpathOr, redactUrl, RuntimeError, say, writeFileAtomic } from './util.ts';

function readStdinJson(): Record<string, unknown> {
  let text = '';
  try {
    text = fs.readFileSync(0, 'utf8');
  } catch {
    /* no stdin */
  }
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new RuntimeError('expected the hook JSON on stdin, got malformed JSON', 'input');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data)) throw new RuntimeError('expected a JSON object on stdin', 'input');
  return data as Record<string, unknown>;
}

function projectDir(input: Record<string, unknown>): string {
  const d = process.env.CLAUDE_PROJECT_DIR || (typeof input.cwd === 'string' ? input.cwd : '') || process.cwd();
  if (!isDir(d)) throw new RuntimeError(`project directory ${d} does not exist`, 'input');
  return d;
}

function readJsonFile(p: string): Record<string, any> | null {
  const t = readIfExists(p);
  if (!t) return null;
  try {
    return JSON.parse(t);
  } catch {
    return null;
  }
}

/** Claude Code's `worktree` settings, user < project < local. */
function worktreeSettings(mainRoot: string): { baseRef?: string; symlinkDirectories?: string[] } {
  const merged: Record<string, unknown> = {};
  for (const p of [path.join(os.homedir(), '.claude', 'settings.json'), path.join(mainRoot, '.claude', 'settings.json'), path.join(mainRoot, '.claude', 'settings.local.json')]) {
    const w = readJsonFile(p)?.worktree;
    if (w && typeof w === 'object') Object.assign(merged, w);
  }
  return merged as { baseRef?: string; symlinkDirectories?: string[] };
}

function baseRefFor(mainRoot: string, setting: string | undefined): string {
  if (setting === 'head') return 'HEAD';
  const remotes = git(mainRoot, ['remote']).split('\n');
  if (remotes.includes('origin')) {
    const r = (() => {
      try {
        return git(mainRoot, ['symbolic-ref', '-q', '--short', 'refs/remotes/origin/HEAD']);
      } catch {
        return '';
      }
    })();
    if (r) return r;
    for (const b of ['origin/main', 'origin/master']) if (gitOk(mainRoot, ['rev-parse', '--verify', '-q', `${b}^{commit}`])) return b;
  }
  return 'HEAD';
}

/** Copy gitignored files matching `.worktreeinclude` (Claude Code does this unless a WorktreeCreate hook exists). */
function copyWorktreeInclude(mainRoot: string, wt: string): string[] {
  const inc = path.join(mainRoot, '.worktreeinclude');
  if (!fs.existsSync(inc)) return [];
  const matches = git(mainRoot, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${inc}`]).split('\0').filter(Boolean);
  if (!matches.length) return [];
  const r = (() => {
    try {
      return git(mainRoot, ['check-ignore', '--no-index', '--', ...matches]).replace(/\n/g, '\0');
    } catch {
      return '';
    }
  })();
  const ignored = new Set(r.split('\0').filter(Boolean));
  const copied: string[] = [];
  for (const rel of matches.filter((m) => ignored.has(m))) {
    const src = path.join(mainRoot, rel);
    try {
      const st = fs.lstatSync(src);
      if (!st.isFile()) continue; // symlinks are skipped, as Claude does
      fs.mkdirSync(path.dirname(path.join(wt, rel)), { recursive: true });
      fs.copyFileSync(src, path.join(wt, rel));
      fs.chmodSync(path.join(wt, rel), st.mode & 0o777);
      copied.push(rel);
    } catch (e) {
      say(`warning: could not copy ${rel}: ${(e as Error).message}`);
    }
  }
  return copied;
}

/**
 * Env files copied by `.worktreeinclude` other than the configured one would still hold the main checkout's
 * DATABASE_URL (e.g. `.env` when the app's file is `.env.local`, and Prisma reads `.env`): give them this
 * worktree's values too, or none when provisioning failed — never the shared database.
 */
/** Env files in a worktree that `.worktreeinclude` brings over (gitignored, matching it, named `.env*`). */
function includedEnvFiles(mainRoot: string, wt: string): string[] {
  const inc = path.join(mainRoot, '.worktreeinclude');
  if (!fs.existsSync(inc)) return [];
  try {
    return git(wt, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${inc}`])
      .split('\0')
      .filter((f) => f && /^\.env/.test(path.basename(f)));
  } catch {
    return [];
  }
}

function alignCopiedEnvFiles(wt: string, mainRoot: string, copied: string[]): void {
  if (!copied.length) return;
  const answers = loadAnswers(wt, mainRoot);
  if (!answers) return;
  const own = envFilePath(wt, answers);
  const ownValues = parseEnv(readIfExists(own) ?? '');
  const keys = ['DATABASE_URL', ...(answers.directUrlVar ? [answers.directUrlVar] : [])];
  for (const rel of copied) {
    const file = path.join(wt, rel);
    if (realpathOr(file) === realpathOr(own)) continue;
    const text = readIfExists(file);
    if (text === null) continue;
    const values = parseEnv(text);
    const change: Record<string, string | null> = {};
    for (const k of keys) if (values.has(k)) change[k] = ownValues.get(k) ?? null;
    if (!Object.keys(change).length) continue;
    writeFileAtomic(file, setEnvValues(text, change), 0o600);
    const changed = Object.keys(change);
    say(`${rel}: ${changed.join(', ')} ${ownValues.has('DATABASE_URL') ? `now point${changed.length === 1 ? 's' : ''} at this worktree's branch` : 'removed (no branch for this worktree)'}`);
  }
}

function symlinkDirectories(mainRoot: string, wt: string, dirs: unknown): void {
  if (!Array.isArray(dirs)) return;
  for (const d of dirs) {
    if (typeof d !== 'string' || !d || path.isAbsolute(d) || d.split(/[\\/]/).includes('..')) continue;
    const src = path.join(mainRoot, d);
    const dst = path.join(wt, d);
    if (!isDir(src) || fs.existsSync(dst)) continue;
    try {
      fs.mkdirSync(path.dirname(dst), { recursive: true });
      fs.symlinkSync(src, dst, 'dir');
    } catch (e) {
      say(`warning: could not link ${d}: ${(e as Error).message}`);
    }
  }
}

export function worktreeCreate(): number {
  const input = readStdinJson();
  const name = validateWorktreeName(input.name);
  const mainRoot = mainCheckout(projectDir(input));
  const dirName = worktreeDirName(name);
  const wt = path.join(mainRoot, WORKTREES_DIR, dirName);
  const branch = `worktree-${dirName}`;
  const existing = listWorktrees(mainRoot).find((w) => w.path === realpathOr(wt));
  let createdWt = false;
  let createdBranch = false;
  let copiedEnvFiles: string[] = [];
  if (existing) {
    say(`reusing worktree ${wt}`);
  } else {
    if (fs.existsSync(wt)) throw new RuntimeError(`${wt} exists but is not a worktree of this repository`, 'conflict');
    const settings = worktreeSettings(mainRoot);
    const skip = { [SKIP_HOOK_ENV]: '1' };
    fs.mkdirSync(path.dirname(wt), { recursive: true });
    if (branchExists(mainRoot, branch)) {
      addWorktree(mainRoot, wt, [wt, branch], branch, skip);
    } else {
      const base = baseRefFor(mainRoot, settings.baseRef);
      addWorktree(mainRoot, wt, ['--no-track', '-b', branch, wt, `${base}^{commit}`], branch, skip);
      createdBranch = true;
    }
    createdWt = true;
    const copied = copyWorktreeInclude(mainRoot, wt);
    if (copied.length) say(`copied from .worktreeinclude: ${copied.join(', ')}`);
    copiedEnvFiles = copied.filter((f) => /^\.env/.test(path.basename(f)));
    const local = path.join(mainRoot, '.claude', 'settings.local.json');
    if (fs.existsSync(local) && !fs.existsSync(path.join(wt, '.claude', 'settings.local.json'))) {
      fs.mkdirSync(path.join(wt, '.claude'), { recursive: true });
      fs.copyFileSync(local, path.join(wt, '.claude', 'settings.local.json'));
    }
    symlinkDirectories(mainRoot, wt, settings.symlinkDirectories);
  }
  const co = checkoutAt(wt);
  const out = provision(co, { mainRoot, baseSha: git(wt, ['rev-parse', 'HEAD']) });
  alignCopiedEnvFiles(co.root, mainRoot, copiedEnvFiles);
  if (out.status === 'failed') {
    const answers = loadAnswers(co.root, mainRoot);
    if (answers?.onProvisionFailure === 'continue') {
      say(`continuing without a database (onProvisionFailure: continue); retry later with: ${RETRY_HINT}`);
    } else {
      if (createdWt) {
        // Remove only what this call created. --force: the files in it are the ones we just copied.
        try {
          git(mainRoot, ['worktree', 'remove', '--force', wt]);
        } catch (e) {
          say(`could not remove ${wt}: ${(e as Error).message}`);
        }
        if (createdBranch) {
          try {
            git(mainRoot, ['branch', '-D', branch]);
          } catch {
            /* best effort */
          }
        }
      }
      throw new RuntimeError(`worktree not created: no Neon branch for it (${out.reason})`, 'provision');
    }
  }
  process.stdout.write(`${co.root}\n`);
  return 0;
}

function commitsBeyondBase(wtOrMain: string, branch: string | undefined, base: string | null): number | null {
  if (!branch || !base) return null;
  try {
    return Number(git(wtOrMain, ['rev-list', '--count', `${base}..refs/heads/${branch}`]));
  } catch {
    return null;
  }
}

export function worktreeRemove(): number {
  let input: Record<string, unknown>;
  try {
    input = readStdinJson();
  } catch (e) {
    say(`worktree-remove: ${(e as Error).message}; nothing removed`);
    return 0;
  }
  const p = input.worktree_path;
  if (typeof p !== 'string' || !path.isAbsolute(p)) {
    say('worktree-remove: "worktree_path" must be an absolute path; nothing removed');
    return 0;
  }
  const mainRoot = mainCheckout(projectDir(input));
  const all = listWorktrees(mainRoot);
  const target = realpathOr(p);
  const idx = all.findIndex((w) => w.path === target);
  const firstNonBare = all.findIndex((w) => !w.bare);
  if (idx === -1 || idx === firstNonBare || all[idx]!.bare) {
    say(`worktree-remove: ${p} is not a linked worktree of this repository; nothing removed`);
    return 0;
  }
  const entry = all[idx]!;
  const commonDir = checkoutAt(mainRoot).commonDir;
  const rec = allRecords(commonDir).find((r) => r.worktreePath === target) ?? null;
  const commits = commitsBeyondBase(mainRoot, entry.branch, rec?.baseSha ?? null);
  try {
    git(mainRoot, ['worktree', 'remove', target]);
  } catch (e) {
    say(`kept worktree ${target}: ${(e as Error).message.replace(/^git worktree failed: /, '')}`);
    return 0;
  }
  say(`removed worktree ${target}`);
  // Like Claude Code, drop the worktree-<name> branch it made when nothing was committed on it; never another
  // branch (a user's own branch checked out in a worktree may hold history that exists nowhere else).
  if (entry.branch && entry.branch.startsWith('worktree-') && commits === 0) {
    try {
      git(mainRoot, ['branch', '-D', entry.branch]);
    } catch {
      /* keep it */
    }
  }
  if (!rec) return 0;
  if (commits !== 0) {
    say(`kept Neon branch ${rec.neonBranch}: ${commits === null ? 'could not tell whether' : `${commits} commit(s) on`} ${entry.branch ?? 'its branch'} ${commits === null ? 'has work to review' : 'to review with their data'}; delete later with: node .claude/hooks/neon-worktree.mjs prune`);
    return 0;
  }
  try {
    const answers = loadAnswers(mainRoot, mainRoot);
    const creds = answers && findCredentials(mainRoot, answers);
    if (!answers || !creds) throw new RuntimeError('no Neon credentials');
    const cli = neonCli(mainRoot, mainRoot, { ...creds, projectId: rec.projectId });
    withBranchLock(commonDir, rec.neonBranch, () => {
      deleteBranch(cli, rec.branchId);
      deleteRecord(commonDir, rec.neonBranch);
    });
    say(`deleted Neon branch ${rec.neonBranch} (no commits beyond its base)`);
  } catch (e) {
    say(`could not delete Neon branch ${rec.neonBranch} (${(e as Error).message}); \`prune\` will offer it later`);
  }
  return 0;
}

export function ensure(): number {
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  if (!co.isLinked) {
    say('this is the main checkout: it uses the DATABASE_URL in its own env file; `ensure` is for linked worktrees');
    return 0;
  }
  const out = provision(co, { mainRoot, recheck: true });
  alignCopiedEnvFiles(co.root, mainRoot, includedEnvFiles(mainRoot, co.root));
  if (out.status === 'not-configured') {
    say('create-neon-agents is not set up in this repository (no .claude/neon-agents.json)');
    return 1;
  }
  return out.status === 'failed' ? 1 : 0;
}

/** Point a checkout's env file at a recorded Neon branch. */
function pointAt(co: Checkout, mainRoot: string, rec: BranchRecord): void {
  const answers = loadAnswers(co.root, mainRoot)!;
  const envPath = envFilePath(co.root, answers);
  const base = readIfExists(envPath) ?? '';
  try {
    const current = parseEnv(base).get('DATABASE_URL');
    if (current && rec.endpointId && current.includes(rec.endpointId)) return;
    const creds = findCredentials(mainRoot, answers);
    if (!creds) throw new RuntimeError('no Neon credentials');
    const cli = neonCli(mainRoot, co.root, { ...creds, projectId: rec.projectId });
    const { direct, pooled } = pooledAndDirect(connectionString(cli, rec.branchId, answers.databaseName, answers.roleName), rec.endpointId);
    writeEnv(envPath, base, answers, { url: answers.pooled ? pooled : direct, direct, keepApiKey: !co.isLinked });
    say(`${co.branch}: using Neon branch ${rec.neonBranch}`);
    if (co.isLinked) alignCopiedEnvFiles(co.root, mainRoot, includedEnvFiles(mainRoot, co.root));
  } catch (e) {
    writeEnv(envPath, base, answers, { comment: `could not switch to Neon branch ${rec.neonBranch} (${(e as Error).message}). Retry: git checkout again`, keepApiKey: !co.isLinked });
    say(`FAILED to point ${path.relative(co.root, envPath)} at Neon branch ${rec.neonBranch}: ${(e as Error).message}; DATABASE_URL removed`);
  }
}

function switchBranch(co: Checkout, mainRoot: string): void {
  const answers = loadAnswers(co.root, mainRoot);
  if (!answers) return;
  const mapped = co.branch ? recordForGitBranch(co.commonDir, co.branch) : null;
  if (co.isLinked) {
    // The database belongs to the worktree (the agent), so a switch never hands it the shared database.
    const own = allRecords(co.commonDir).find((r) => r.worktreePath === co.root) ?? null;
    if (mapped && mapped.worktreePath !== co.root) return pointAt(co, mainRoot, mapped);
    if (own) {
      if (co.branch && !mapped) {
        withBranchLock(co.commonDir, own.neonBranch, () => {
          const r = readRecord(co.commonDir, own.neonBranch);
          if (r && !r.aliases.includes(co.branch!)) writeRecord(co.commonDir, { ...r, aliases: [...r.aliases, co.branch!] });
        });
      }
      return pointAt(co, mainRoot, own);
    }
    return;
  }
  // Main checkout: "the parent" is the main checkout's own values, saved while it visits an agent branch.
  const saved = parentEnvFile(co.commonDir);
  const envPath = envFilePath(co.root, answers);
  if (mapped) {
    if (!fs.existsSync(saved)) {
      const env = parseEnv(readIfExists(envPath) ?? '');
      const keep: Record<string, string | null> = { DATABASE_URL: env.get('DATABASE_URL') ?? null };
      if (answers.directUrlVar) keep[answers.directUrlVar] = env.get(answers.directUrlVar) ?? null;
      writeFileAtomic(saved, JSON.stringify(keep), 0o600);
    }
    return pointAt(co, mainRoot, mapped);
  }
  if (fs.existsSync(saved)) {
    const keep = JSON.parse(readIfExists(saved) ?? '{}') as Record<string, string | null>;
    const text = readIfExists(envPath) ?? '';
    writeFileAtomic(envPath, setEnvValues(text.replace(/^# neon-agents: .*(\r?\n|$)/gm, ''), keep), 0o600);
    fs.rmSync(saved, { force: true });
    say(`${co.branch ?? 'detached HEAD'}: restored the main checkout's own DATABASE_URL`);
  }
}

export function postCheckout(args: string[]): number {
  const [prev, next, flag] = args;
  if (process.env[SKIP_HOOK_ENV] === '1' || flag !== '1') return 0;
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  if (prev === NULL_SHA) {
    if (!co.isLinked) return 0; // a fresh clone
    provision(co, { mainRoot, baseSha: next ?? null });
    return 0;
  }
  switchBranch(co, mainRoot);
  return 0;
}

export function status(): number {
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  const answers = loadAnswers(co.root, mainRoot);
  const lines: string[] = [];
  lines.push(`checkout:     ${co.root} (${co.isLinked ? 'linked worktree' : 'main checkout'})`);
  lines.push(`git branch:   ${co.branch ?? '(detached HEAD)'}`);
  if (!answers) {
    lines.push('neon-agents:  not set up here (no .claude/neon-agents.json)');
    process.stdout.write(`${lines.join('\n')}\n`);
    return 0;
  }
  const envPath = envFilePath(co.root, answers);
  const url = parseEnv(readIfExists(envPath) ?? '').get('DATABASE_URL');
  const own = allRecords(co.commonDir).find((r) => r.worktreePath === co.root);
  const mapped = co.branch ? recordForGitBranch(co.commonDir, co.branch) : null;
  const rec = mapped ?? own ?? null;
  lines.push(`env file:     ${path.relative(co.root, envPath)} DATABASE_URL=${redactUrl(url)}`);
  if (rec) {
    const match = url && rec.endpointId && url.includes(rec.endpointId);
    lines.push(`neon branch:  ${rec.neonBranch} (${rec.branchId}, project ${rec.projectId}${rec.expiresAt ? `, expires ${rec.expiresAt}` : ''})`);
    lines.push(`why:          created for ${rec.gitBranch === branchLabel(co) && rec.worktreePath === co.root ? 'this worktree' : `git branch ${rec.gitBranch}`}; env file ${match ? 'points at it' : 'does NOT point at it — run `ensure`'}`);
  } else if (co.isLinked) {
    lines.push(`neon branch:  none yet (would be ${neonNameFor(co)})`);
    lines.push(`why:          not provisioned; run: ${RETRY_HINT}`);
  } else {
    lines.push('neon branch:  none of its own: the main checkout uses the DATABASE_URL in its env file (create-neon-agents does not change it)');
    lines.push(`why:          the main checkout keeps its own database; worktrees get branches of ${answers.parentBranch ?? 'the project default branch'}`);
  }
  const creds = findCredentials(mainRoot, answers);
  lines.push(`credentials:  ${creds ? `${creds.source}; project ${creds.projectId ?? '(none)'} from ${creds.projectSource || '—'}` : 'none (worktrees get no database)'}`);
  lines.push(`clone id:     ${cloneId(co.commonDir)}`);
  // Agents run `status` before their first write: ask Neon whether the branch still exists (it expires), unless
  // --offline. Exit 1 when this worktree's database is missing or not the one the env file names.
  let problem = Boolean(rec && co.isLinked && !(url && rec.endpointId && url.includes(rec.endpointId)));
  if (rec && creds && !process.argv.includes('--offline')) {
    try {
      neon(neonCli(mainRoot, co.root, { ...creds, projectId: rec.projectId }), ['branches', 'get', rec.branchId], 'branches get');
      lines.push('in Neon:      the branch exists');
    } catch (e) {
      if (e instanceof NeonCliError && e.failure.kind === 'notfound') {
        lines.push(`in Neon:      MISSING (expired or deleted): run ${RETRY_HINT} for a fresh branch`);
        problem = true;
      } else lines.push(`in Neon:      could not check (${(e as Error).message})`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return problem ? 1 : 0;
}

export function prune(args: string[]): number {
  const yes = args.includes('--yes') || args.includes('-y');
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  const answers = loadAnswers(co.root, mainRoot);
  if (!answers) throw new RuntimeError('create-neon-agents is not set up in this repository');
  const creds = findCredentials(mainRoot, answers);
  if (!creds) throw new RuntimeError('no Neon credentials (NEON_API_KEY or `neon auth`)');
  const cli = neonCli(mainRoot, co.root, creds);
  const id = cloneId(co.commonDir);
  const branches = listBranches(cli);
  const byId = new Map(branches.map((b) => [b.id, b]));
  const live = new Set(listWorktrees(mainRoot).filter((w) => !w.prunable && fs.existsSync(w.path)).map((w) => w.path));
  const orphans: BranchRecord[] = [];
  const vanished: BranchRecord[] = [];
  for (const rec of allRecords(co.commonDir)) {
    if (rec.projectId !== cli.projectId || !isOurNeonBranch(rec.neonBranch, id)) continue;
    const b = byId.get(rec.branchId);
    if (!b) {
      vanished.push(rec);
      continue;
    }
    if (b.default || b.protected || b.name !== rec.neonBranch) continue;
    const gitAlive = [rec.gitBranch, ...(rec.aliases ?? [])].some((g) => branchExists(mainRoot, g));
    if (gitAlive || live.has(rec.worktreePath)) continue;
    orphans.push(rec);
  }
  for (const r of vanished) deleteRecord(co.commonDir, r.neonBranch); // expired or deleted elsewhere: forget
  if (!orphans.length) {
    say('no orphaned Neon branches from this clone');
    return 0;
  }
  for (const r of orphans) process.stdout.write(`${yes ? 'deleting' : 'orphan'} ${r.neonBranch} (${r.branchId}; git branch ${r.gitBranch} and worktree ${r.worktreePath} are gone)\n`);
  if (!yes) {
    say(`${orphans.length} orphaned Neon branch(es); delete them with: node .claude/hooks/neon-worktree.mjs prune --yes`);
    return 0;
  }
  let failed = 0;
  for (const r of orphans) {
    try {
      withBranchLock(co.commonDir, r.neonBranch, () => {
        deleteBranch(cli, r.branchId);
        deleteRecord(co.commonDir, r.neonBranch);
      });
    } catch (e) {
      failed++;
      say(`could not delete ${r.neonBranch}: ${(e as Error).message}`);
    }
  }
  say(`deleted ${orphans.length - failed} Neon branch(es)`);
  return failed ? 1 : 0;
}
