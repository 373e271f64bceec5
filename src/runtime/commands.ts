import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv, setEnvValues } from '../shared/env-file.ts';
import { SKIP_HOOK_ENV } from '../shared/claude-hooks.ts';
import { MANIFEST_PATH, RUNTIME_PATH, urlVar } from '../shared/manifest.ts';
import { NULL_SHA, validateWorktreeName, worktreeDirName, WORKTREES_DIR, isOurNeonBranch } from '../shared/naming.ts';
import { deadlineFor, envFilePath, findCredentials, loadAnswers, neonApi } from './config.ts';
import {
  addWorktree,
  branchExists,
  checkoutAt,
  git,
  isDir,
  listWorktrees,
  mainCheckout,
  type Checkout,
} from './git.ts';
import { branchUris, deleteBranch, getBranch, listBranches, NeonApiError } from './neon-api.ts';
import { branchLabel, endpointOf, neonNameFor, ownBranch, provision, retryHint, writeEnv } from './provision.ts';
import {
  leaksIn,
  readSavedParent,
  sharedTarget,
  stripOurComments,
  syncOtherEnvFiles,
  targetFor,
  type SavedParentEnv,
} from './env-sync.ts';
import {
  allRecords,
  cloneId,
  deleteRecord,
  parentEnvFile,
  readRecord,
  recordForGitBranch,
  withBranchLock,
  writeRecord,
  type BranchRecord,
} from './state.ts';
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
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new RuntimeError('expected a JSON object on stdin', 'input');
  return data as Record<string, unknown>;
}

function projectDir(input: Record<string, unknown>): string {
  const d = process.env.CLAUDE_PROJECT_DIR || (typeof input.cwd === 'string' ? input.cwd : '') || process.cwd();
  if (!isDir(d)) throw new RuntimeError(`project directory ${d} does not exist`, 'input');
  return d;
}

// biome-ignore lint/suspicious/noExplicitAny: settings files of any shape; each field is checked where it is read
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
  for (const p of [
    path.join(os.homedir(), '.claude', 'settings.json'),
    path.join(mainRoot, '.claude', 'settings.json'),
    path.join(mainRoot, '.claude', 'settings.local.json'),
  ]) {
    const w = readJsonFile(p)?.worktree;
    if (w && typeof w === 'object') Object.assign(merged, w);
  }
  return merged as { baseRef?: string; symlinkDirectories?: string[] };
}

function baseRefFor(mainRoot: string, setting: string | undefined): string {
  if (setting === 'head') return 'HEAD';
  // Claude's "fresh": origin's default branch (what origin/HEAD names, else origin/main or origin/master), else HEAD.
  // One git process for all of it.
  let refs: string[] = [];
  try {
    refs = git(mainRoot, [
      'for-each-ref',
      '--format=%(refname:short) %(symref:short)',
      'refs/remotes/origin/HEAD',
      'refs/remotes/origin/main',
      'refs/remotes/origin/master',
    ])
      .split('\n')
      .filter(Boolean);
  } catch {
    return 'HEAD';
  }
  const head = refs.find((l) => l.startsWith('origin/HEAD '))?.split(' ')[1];
  if (head) return head;
  for (const b of ['origin/main', 'origin/master']) if (refs.some((l) => l.split(' ')[0] === b)) return b;
  return 'HEAD';
}

/** Copy gitignored files matching `.worktreeinclude` (Claude Code does this unless a WorktreeCreate hook exists). */
function copyWorktreeInclude(mainRoot: string, wt: string): string[] {
  const inc = path.join(mainRoot, '.worktreeinclude');
  if (!fs.existsSync(inc)) return [];
  const matches = git(mainRoot, ['ls-files', '-z', '--others', '--ignored', `--exclude-from=${inc}`])
    .split('\0')
    .filter(Boolean);
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

/**
 * Claude Code rejects a worktree path that passes through a symlink below the repository root, after our hook has
 * made the worktree and its branch (an orphan of each): refuse before creating anything.
 */
function assertNoSymlinkedWorktreesDir(mainRoot: string): void {
  for (const rel of ['.claude', WORKTREES_DIR]) {
    const p = path.join(mainRoot, rel);
    let st: fs.Stats;
    try {
      st = fs.lstatSync(p);
    } catch {
      return;
    }
    if (st.isSymbolicLink()) {
      let to = '';
      try {
        to = ` (to ${fs.readlinkSync(p)})`;
      } catch {
        /* unreadable */
      }
      throw new RuntimeError(
        `${rel} is a symbolic link${to}, and Claude Code rejects worktree paths through a symlink, so no worktree was created. Make ${rel} a real folder inside the repository`,
        'input',
      );
    }
  }
}

/** Say once per base commit when a new worktree's base does not hold the committed setup (push it, or baseRef head). */
function warnIfBaseLacksSetup(commonDir: string, wt: string, sha: string, baseLabel: string): void {
  const marker = path.join(commonDir, 'neon-agents', `base-warned-${sha.slice(0, 12)}`);
  if (fs.existsSync(marker)) return;
  let present: string[] = [];
  try {
    present = git(wt, ['ls-tree', '-z', '--name-only', '--full-tree', sha, '--', MANIFEST_PATH, RUNTIME_PATH]).split(
      '\0',
    );
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
  say(
    `this worktree starts from ${baseLabel} (${sha.slice(0, 7)}), which does not contain the create-neon-agents setup yet (${missing.join(', ')}); its database is its own all the same (the main checkout's runtime provisions it), but commit and push the setup (git push), or set "worktree": {"baseRef": "head"} in .claude/settings.json, so agents find it in their worktree`,
  );
}

export async function worktreeCreate(): Promise<number> {
  const input = readStdinJson();
  const name = validateWorktreeName(input.name);
  const mainRoot = mainCheckout(projectDir(input));
  assertNoSymlinkedWorktreesDir(mainRoot);
  const dirName = worktreeDirName(name);
  const wt = path.join(mainRoot, WORKTREES_DIR, dirName);
  const branch = `worktree-${dirName}`;
  const commonDir = checkoutAt(mainRoot).commonDir;
  const answers0 = loadAnswers(mainRoot, mainRoot);
  const { deadline } = deadlineFor(answers0);
  // One creator per worktree directory: a second call with the same name waits, then reuses what the first made.
  return withBranchLock(
    commonDir,
    `worktree:${dirName}`,
    async () => {
      const existing = listWorktrees(mainRoot).find((w) => w.path === realpathOr(wt));
      let createdWt = false;
      let createdBranch = false;
      let headSha: string | null = null;
      if (existing) {
        say(`reusing worktree ${wt}`);
      } else {
        if (fs.existsSync(wt))
          throw new RuntimeError(`${wt} exists but is not a worktree of this repository`, 'conflict');
        const settings = worktreeSettings(mainRoot);
        const skip = { [SKIP_HOOK_ENV]: '1' };
        fs.mkdirSync(path.dirname(wt), { recursive: true });
        let baseLabel = branch;
        if (branchExists(mainRoot, branch)) {
          addWorktree(mainRoot, wt, [wt, branch], branch, skip);
        } else {
          const base = baseRefFor(mainRoot, settings.baseRef);
          baseLabel = base;
          addWorktree(mainRoot, wt, ['--no-track', '-b', branch, wt, `${base}^{commit}`], branch, skip);
          createdBranch = true;
        }
        createdWt = true;
        headSha = git(wt, ['rev-parse', 'HEAD']);
        warnIfBaseLacksSetup(commonDir, wt, headSha, baseLabel);
        const copied = copyWorktreeInclude(mainRoot, wt);
        if (copied.length) say(`copied from .worktreeinclude: ${copied.join(', ')}`);
        const local = path.join(mainRoot, '.claude', 'settings.local.json');
        if (fs.existsSync(local) && !fs.existsSync(path.join(wt, '.claude', 'settings.local.json'))) {
          fs.mkdirSync(path.join(wt, '.claude'), { recursive: true });
          fs.copyFileSync(local, path.join(wt, '.claude', 'settings.local.json'));
        }
        symlinkDirectories(mainRoot, wt, settings.symlinkDirectories);
      }
      const co = checkoutAt(wt);
      // provision() also cleans every other env file in the worktree (the .worktreeinclude copies above).
      const out = await provision(co, { mainRoot, baseSha: headSha ?? git(wt, ['rev-parse', 'HEAD']) });
      if (out.status === 'failed') {
        const answers = loadAnswers(co.root, mainRoot);
        if (answers?.onProvisionFailure === 'continue' && out.kind !== 'unsafe-env') {
          say(`continuing without a database (onProvisionFailure: continue); retry later with: ${retryHint(mainRoot)}`);
        } else {
          let removedWt = !createdWt;
          if (createdWt) {
            // Remove only what this call created. --force: the files in it are the ones we just copied.
            try {
              git(mainRoot, ['worktree', 'remove', '--force', wt]);
              removedWt = true;
            } catch (e) {
              say(`could not remove ${wt}: ${(e as Error).message}`);
            }
            if (createdBranch && removedWt) {
              try {
                git(mainRoot, ['branch', '-D', branch]);
              } catch {
                /* best effort */
              }
            }
          }
          if (createdWt && removedWt)
            throw new RuntimeError(
              `worktree not created: no Neon branch for it (${out.reason}). Once that is fixed, start the agent again (or run claude --worktree ${name} again)`,
              'provision',
            );
          throw new RuntimeError(
            `worktree ${wt} has no Neon branch (${out.reason}). Once that is fixed, run ${retryHint(mainRoot)} in it, then start the agent again`,
            'provision',
          );
        }
      }
      process.stdout.write(`${co.root}\n`);
      return 0;
    },
    Math.max(1000, deadline - Date.now()),
  );
}

function commitsBeyondBase(wtOrMain: string, branch: string | undefined, base: string | null): number | null {
  if (!branch || !base) return null;
  try {
    return Number(git(wtOrMain, ['rev-list', '--count', `${base}..refs/heads/${branch}`]));
  } catch {
    return null;
  }
}

/**
 * The env files we wrote are untracked, and where the base commit's .gitignore does not ignore them (a worktree from
 * before the setup was pushed, or a `!.env` negation) git would keep the worktree as "dirty" for them alone. When
 * they are all that is left, they go first: their values are regenerable and the main checkout keeps its own.
 */
function dropEnvFilesIfAllThatIsLeft(wt: string): void {
  let out = '';
  try {
    out = git(wt, ['status', '--porcelain', '-z', '--untracked-files=all']);
  } catch {
    return;
  }
  const entries = out.split('\0').filter(Boolean);
  if (!entries.length || !entries.every((e) => e.startsWith('?? ') && /^\.env/.test(path.basename(e.slice(3))))) return;
  for (const e of entries) fs.rmSync(path.join(wt, e.slice(3)), { force: true });
}

export async function worktreeRemove(): Promise<number> {
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
  dropEnvFilesIfAllThatIsLeft(target);
  try {
    git(mainRoot, ['worktree', 'remove', target]);
  } catch (e) {
    say(`kept worktree ${target}: ${(e as Error).message.replace(/^git worktree failed: /, '')}`);
    return 0;
  }
  say(`removed worktree ${target}`);
  // Like Claude Code, drop the worktree-<name> branch it made when nothing was committed on it; never another
  // branch (a user's own branch checked out in a worktree may hold history that exists nowhere else).
  if (entry.branch?.startsWith('worktree-') && commits === 0) {
    try {
      git(mainRoot, ['branch', '-D', entry.branch]);
    } catch {
      /* keep it */
    }
  }
  if (!rec) return 0;
  if (commits !== 0) {
    say(
      `kept Neon branch ${rec.neonBranch}: ${commits === null ? 'could not tell whether' : `${commits} commit(s) on`} ${entry.branch ?? 'its branch'} ${commits === null ? 'has work to review' : 'to review with their data'}; delete later with: node .claude/hooks/neon-worktree.mjs prune`,
    );
    return 0;
  }
  try {
    const answers = loadAnswers(mainRoot, mainRoot);
    const creds = answers && findCredentials(mainRoot, answers);
    if (!answers || !creds) throw new RuntimeError('no Neon credentials');
    const api = neonApi(mainRoot, mainRoot, { ...creds, projectId: rec.projectId }, answers);
    await withBranchLock(commonDir, rec.neonBranch, async () => {
      await deleteBranch(api, rec.branchId);
      deleteRecord(commonDir, rec.neonBranch);
    });
    say(`deleted Neon branch ${rec.neonBranch} (no commits beyond its base)`);
  } catch (e) {
    say(`could not delete Neon branch ${rec.neonBranch} (${(e as Error).message}); \`prune\` will offer it later`);
  }
  return 0;
}

export async function ensure(): Promise<number> {
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  if (!co.isLinked) {
    const answers = loadAnswers(co.root, mainRoot);
    say(
      `this is the main checkout: it uses the ${answers ? urlVar(answers) : 'DATABASE_URL'} in its own env file; \`ensure\` is for linked worktrees`,
    );
    return 0;
  }
  // provision() also points (or clears) every other env file of the worktree.
  const out = await provision(co, { mainRoot, recheck: true });
  if (out.status === 'not-configured') {
    say(`create-neon-agents is not set up in this repository (no ${MANIFEST_PATH})`);
    return 1;
  }
  return out.status === 'failed' ? 1 : 0;
}

/**
 * Point a checkout's env file at a recorded Neon branch: the app's variables, and every other value that names the
 * shared database or another agent branch of this clone.
 */
async function pointAt(co: Checkout, mainRoot: string, rec: BranchRecord, base: string): Promise<string | null> {
  const answers = loadAnswers(co.root, mainRoot)!;
  const envPath = envFilePath(co.root, answers);
  const target = targetFor(co.commonDir, mainRoot, answers, rec.endpointId);
  try {
    if (endpointOf(parseEnv(base).get(urlVar(answers))) === rec.endpointId && readIfExists(envPath) === base)
      return null;
    const creds = findCredentials(mainRoot, answers);
    if (!creds) throw new RuntimeError('no Neon credentials');
    const api = neonApi(mainRoot, co.root, { ...creds, projectId: rec.projectId }, answers);
    const own = ownBranch(await branchUris(api, rec.branchId, rec.endpointId, answers.databaseName, answers.roleName));
    writeEnv(co, mainRoot, envPath, base, answers, { own, keepApiKey: !co.isLinked, target });
    say(`${co.branch}: using Neon branch ${rec.neonBranch}`);
    if (co.isLinked) syncOtherEnvFiles(co.root, envPath, target, own, answers);
  } catch (e) {
    try {
      writeEnv(co, mainRoot, envPath, base, answers, {
        comment: `could not switch to Neon branch ${rec.neonBranch} (${(e as Error).message}). Retry: git checkout again`,
        keepApiKey: !co.isLinked,
        target,
      });
      if (co.isLinked) syncOtherEnvFiles(co.root, envPath, target, null, answers);
      say(
        `FAILED to point ${path.relative(co.root, envPath)} at Neon branch ${rec.neonBranch}: ${(e as Error).message}; its database values were removed`,
      );
    } catch (e2) {
      say(
        `FAILED to point ${path.relative(co.root, envPath)} at Neon branch ${rec.neonBranch}: ${(e as Error).message}; and ${(e2 as Error).message}`,
      );
    }
  }
  return readIfExists(envPath);
}

async function switchBranch(co: Checkout, mainRoot: string): Promise<void> {
  const answers = loadAnswers(co.root, mainRoot);
  if (!answers) return;
  const mapped = co.branch ? recordForGitBranch(co.commonDir, co.branch) : null;
  const envPath = envFilePath(co.root, answers);
  if (co.isLinked) {
    // The database belongs to the worktree (the agent), so a switch never hands it the shared database.
    const own = allRecords(co.commonDir).find((r) => r.worktreePath === co.root) ?? null;
    if (mapped && mapped.worktreePath !== co.root) {
      await pointAt(co, mainRoot, mapped, readIfExists(envPath) ?? '');
      return;
    }
    if (own) {
      if (co.branch && !mapped) {
        await withBranchLock(co.commonDir, own.neonBranch, () => {
          const r = readRecord(co.commonDir, own.neonBranch);
          if (r && !r.aliases.includes(co.branch!))
            writeRecord(co.commonDir, { ...r, aliases: [...r.aliases, co.branch!] });
        });
      }
      await pointAt(co, mainRoot, own, readIfExists(envPath) ?? '');
    }
    return;
  }
  // Main checkout: "the parent" is the main checkout's own env file, saved while it visits an agent branch, and
  // given back byte for byte when nothing else changed it meanwhile.
  const savedPath = parentEnvFile(co.commonDir);
  const saved = readSavedParent(co.commonDir);
  const current = readIfExists(envPath) ?? '';
  if (mapped) {
    const original = saved ? saved.original : current;
    // Visiting another agent branch after one: start again from the original when the file is still ours.
    const base = saved && current === saved.written ? saved.original : current;
    if (!saved)
      writeFileAtomic(
        savedPath,
        JSON.stringify({ original, written: '\0', values: {} } satisfies SavedParentEnv),
        0o600,
      );
    const written = (await pointAt(co, mainRoot, mapped, base)) ?? current;
    const before = parseEnv(original);
    const after = parseEnv(written);
    const values: Record<string, string | null> = {};
    for (const k of new Set([...before.keys(), ...after.keys()]))
      if (before.get(k) !== after.get(k)) values[k] = before.get(k) ?? null;
    writeFileAtomic(savedPath, JSON.stringify({ original, written, values } satisfies SavedParentEnv), 0o600);
    return;
  }
  if (saved) {
    if (current === saved.written && saved.original) {
      writeFileAtomic(envPath, saved.original, 0o600);
    } else {
      // Edited during the visit: put back only the values we changed.
      writeFileAtomic(envPath, setEnvValues(stripOurComments(current), saved.values), 0o600);
    }
    fs.rmSync(savedPath, { force: true });
    say(`${co.branch ?? 'detached HEAD'}: restored the main checkout's own database values`);
  }
}

export async function postCheckout(args: string[]): Promise<number> {
  const [prev, next, flag] = args;
  if (process.env[SKIP_HOOK_ENV] === '1' || flag !== '1') return 0;
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  if (prev === NULL_SHA) {
    if (!co.isLinked) return 0; // a fresh clone
    await provision(co, { mainRoot, baseSha: next ?? null });
    return 0;
  }
  await switchBranch(co, mainRoot);
  return 0;
}

export async function status(): Promise<number> {
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
  const v = urlVar(answers);
  const hint = retryHint(mainRoot);
  const url = parseEnv(readIfExists(envPath) ?? '').get(v);
  const own = allRecords(co.commonDir).find((r) => r.worktreePath === co.root);
  const mapped = co.branch ? recordForGitBranch(co.commonDir, co.branch) : null;
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
      `why:          created for ${rec.gitBranch === branchLabel(co) && rec.worktreePath === co.root ? 'this worktree' : `git branch ${rec.gitBranch}`}; env file ${pointsAtRec ? 'points at it' : `does NOT point at it — run: ${hint}`}`,
    );
    if (co.isLinked && !pointsAtRec) problem = true;
  } else if (co.isLinked) {
    lines.push(`neon branch:  none yet (would be ${neonNameFor(co)})`);
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
    const leaks = leaksIn(co.root, envPath, sharedTarget(co.commonDir, mainRoot, answers), rec?.endpointId ?? null);
    if (leaks.length) {
      problem = true;
      for (const l of leaks) lines.push(`LEAK:         ${l.file} ${l.key}: ${l.why}`);
      lines.push(`fix:          ${hint} (points every such value at this worktree's own branch, or removes it)`);
    } else lines.push("shared db:    no env value of this worktree reaches the main checkout's database");
  }
  const creds = findCredentials(mainRoot, answers);
  lines.push(
    `credentials:  ${creds ? `${creds.source}; project ${creds.projectId ?? '(none)'} from ${creds.projectSource || '—'}` : 'none (worktrees get no database)'}`,
  );
  lines.push(`clone id:     ${cloneId(co.commonDir)}`);
  // Agents run `status` before their first write: ask Neon whether the branch still exists (it expires), unless
  // --offline. Exit 1 when this worktree's database is missing or not the one the env file names.
  if (rec && creds && !process.argv.includes('--offline')) {
    try {
      await getBranch(neonApi(mainRoot, co.root, { ...creds, projectId: rec.projectId }, answers), rec.branchId);
      lines.push('in Neon:      the branch exists');
    } catch (e) {
      if (e instanceof NeonApiError && e.failure.kind === 'notfound') {
        lines.push(`in Neon:      MISSING (expired or deleted): run ${hint} for a fresh branch`);
        problem = true;
      } else lines.push(`in Neon:      could not check (${(e as Error).message})`);
    }
  }
  process.stdout.write(`${lines.join('\n')}\n`);
  return problem ? 1 : 0;
}

export async function prune(args: string[]): Promise<number> {
  const yes = args.includes('--yes') || args.includes('-y');
  const co = checkoutAt(process.cwd());
  const mainRoot = mainCheckout(co.root);
  const answers = loadAnswers(co.root, mainRoot);
  if (!answers) throw new RuntimeError('create-neon-agents is not set up in this repository');
  const creds = findCredentials(mainRoot, answers);
  if (!creds) throw new RuntimeError('no Neon credentials (NEON_API_KEY or `neon auth`)');
  const api = neonApi(mainRoot, co.root, creds, answers);
  const id = cloneId(co.commonDir);
  const branches = await listBranches(api);
  const byId = new Map(branches.map((b) => [b.id, b]));
  const live = new Set(
    listWorktrees(mainRoot)
      .filter((w) => !w.prunable && fs.existsSync(w.path))
      .map((w) => w.path),
  );
  const orphans: BranchRecord[] = [];
  const vanished: BranchRecord[] = [];
  for (const rec of allRecords(co.commonDir)) {
    if (rec.projectId !== api.projectId || !isOurNeonBranch(rec.neonBranch, id)) continue;
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
  for (const r of orphans)
    process.stdout.write(
      `${yes ? 'deleting' : 'orphan'} ${r.neonBranch} (${r.branchId}; git branch ${r.gitBranch} and worktree ${r.worktreePath} are gone)\n`,
    );
  if (!yes) {
    say(`${orphans.length} orphaned Neon branch(es); delete them with: node ${RUNTIME_PATH} prune --yes`);
    return 0;
  }
  let failed = 0;
  for (const r of orphans) {
    try {
      await withBranchLock(co.commonDir, r.neonBranch, async () => {
        await deleteBranch(api, r.branchId);
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
