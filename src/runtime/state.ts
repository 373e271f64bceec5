// Local state, kept out of the committed files: `$(git rev-parse --git-common-dir)/neon-agents/`.
//   clone-id            random id of this clone; part of every Neon branch name so teammates never collide
//   branches/<h>.json   one record per Neon branch this clone created (no secrets)
//   locks/<h>/          per-branch lock (mkdir is atomic); never a global lock, so worktrees provision in parallel
//   parent-env.json     main checkout's own DATABASE_URL values saved while it is switched to an agent branch (0600)
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { forgetWorktrees, neonAgentsDir } from './git.ts';
import { readIfExists, RuntimeError, writeFileAtomic } from './util.ts';

export interface BranchRecord {
  neonBranch: string;
  branchId: string;
  projectId: string;
  /** Endpoint id of the branch's read-write compute (its hosts contain it). */
  endpointId: string | null;
  /** Git branch the Neon branch was made for (or the detached label). */
  gitBranch: string;
  /** Other git branches later checked out in the same worktree that use this Neon branch. */
  aliases: string[];
  worktreePath: string;
  /** Commit the worktree started at: no commits beyond it means nothing to review. */
  baseSha: string | null;
  createdAt: string;
  expiresAt: string | null;
  /**
   * Written just before the create request and replaced after it: while set, the branch may or may not exist (its
   * answer was lost), and a 409 on its name means ours to adopt.
   */
  pending?: boolean;
  /** Its role password was reset on it: the parent's password does not open it, nor its own the parent. */
  ownPassword?: boolean;
}

export function cloneId(commonDir: string): string {
  const dir = neonAgentsDir(commonDir);
  const file = path.join(dir, 'clone-id');
  const existing = readIfExists(file)?.trim();
  if (existing) return existing;
  const id = crypto.randomBytes(4).toString('hex');
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, `${id}\n`);
  try {
    fs.linkSync(tmp, file); // atomic create-if-absent, with content already in place
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    fs.rmSync(tmp, { force: true });
  }
  return readIfExists(file)!.trim();
}

const key = (neonBranch: string) => crypto.createHash('sha256').update(neonBranch).digest('hex').slice(0, 24);

function recordsDir(commonDir: string): string {
  const d = path.join(neonAgentsDir(commonDir), 'branches');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

export function readRecord(commonDir: string, neonBranch: string): BranchRecord | null {
  const t = readIfExists(path.join(recordsDir(commonDir), `${key(neonBranch)}.json`));
  if (!t) return null;
  try {
    return JSON.parse(t) as BranchRecord;
  } catch {
    return null;
  }
}

export function writeRecord(commonDir: string, rec: BranchRecord): void {
  writeFileAtomic(
    path.join(recordsDir(commonDir), `${key(rec.neonBranch)}.json`),
    `${JSON.stringify(rec, null, 2)}\n`,
    0o600,
  );
}

export function deleteRecord(commonDir: string, neonBranch: string): void {
  fs.rmSync(path.join(recordsDir(commonDir), `${key(neonBranch)}.json`), { force: true });
}

export function allRecords(commonDir: string): BranchRecord[] {
  const d = recordsDir(commonDir);
  const out: BranchRecord[] = [];
  for (const f of fs.readdirSync(d)) {
    if (!f.endsWith('.json')) continue;
    try {
      out.push(JSON.parse(fs.readFileSync(path.join(d, f), 'utf8')) as BranchRecord);
    } catch {
      /* a half-written temp file or garbage: ignore */
    }
  }
  return out;
}

/** The record whose git branch (or alias) is `gitBranch`. */
export function recordForGitBranch(commonDir: string, gitBranch: string): BranchRecord | null {
  const recs = allRecords(commonDir);
  return recs.find((r) => r.gitBranch === gitBranch) ?? recs.find((r) => r.aliases?.includes(gitBranch)) ?? null;
}

const STALE_LOCK_MS = 5 * 60_000;

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Run `fn` holding the lock for one Neon branch name. A lock whose owner process is gone, or that is older than
 * five minutes, is broken (renamed away first, so two breakers cannot both win).
 */
export async function withBranchLock<T>(
  commonDir: string,
  neonBranch: string,
  fn: () => T | Promise<T>,
  waitMs = 150_000,
): Promise<T> {
  const locks = path.join(neonAgentsDir(commonDir), 'locks');
  fs.mkdirSync(locks, { recursive: true });
  const lock = path.join(locks, key(neonBranch));
  const deadline = Date.now() + waitMs;
  for (;;) {
    try {
      fs.mkdirSync(lock);
      fs.writeFileSync(path.join(lock, 'owner'), `${process.pid} ${Date.now()}\n`);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = readIfExists(path.join(lock, 'owner'));
      let stale = false;
      if (owner) {
        const [pid, t] = owner.trim().split(' ').map(Number);
        stale = !pidAlive(pid!) || Date.now() - t! > STALE_LOCK_MS;
      } else {
        // Owner file not written yet (the holder is between mkdir and write) or lost: judge by the dir's age.
        try {
          stale = Date.now() - fs.statSync(lock).mtimeMs > 10_000;
        } catch {
          continue;
        }
      }
      if (stale) {
        const aside = `${lock}.stale-${process.pid}-${Math.random().toString(36).slice(2)}`;
        try {
          fs.renameSync(lock, aside);
          fs.rmSync(aside, { recursive: true, force: true });
        } catch {
          /* someone else broke it first */
        }
        continue;
      }
      if (Date.now() > deadline)
        throw new RuntimeError(
          `timed out waiting for the lock on ${neonBranch.startsWith('worktree:') ? neonBranch : `Neon branch ${neonBranch}`} (${lock})`,
          'timeout',
        );
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  // What was read before the lock may have changed while we waited for it (another call made the worktree).
  forgetWorktrees();
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

export function parentEnvFile(commonDir: string): string {
  return path.join(neonAgentsDir(commonDir), 'parent-env.json');
}
