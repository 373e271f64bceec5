// Local state, kept out of the committed files: `$(git rev-parse --git-common-dir)/neon-agents/`.
//   clone-id            random id of this clone; part of every Neon branch name so teammates never collide
//   branches/<h>.json   one record per Neon branch this clone created (no secrets)
//   locks/<h>/          per-branch lock (mkdir is atomic); never a global lock, so worktrees provision in parallel
//   parent-env.json     the main checkout's own env file (its bytes, and the values we changed) while it visits an
//                       agent branch (0600)
// and in each linked worktree's own git dir (`.git/worktrees/<name>/`, which git deletes with the worktree):
//   neon-agents-worktree-id   random id of that worktree, so one made again at the same path is told apart
// A context reads the records once (BranchRecords) and writes through; taking or releasing a lock forgets what it
// read, because other processes change the records meanwhile.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { neonAgentsDir } from './git.ts';
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
  /**
   * Commit the worktree was at when the branch was made (where a new worktree starts): no commits beyond it means
   * nothing to review, and a HEAD that no longer descends from it is another line of work.
   */
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
  /**
   * Made as a Neon anonymized branch (agentData "anonymized"); `masked` once Neon said its anonymization finished.
   * An anonymized branch that is not masked yet holds unmasked rows: its URL is handed out only once it is.
   */
  anonymized?: boolean;
  masked?: boolean;
  /**
   * The id of the worktree it was made in (worktreeIdOf): another id at the same path means that worktree was removed
   * and a new one made there. Absent in records of older runtimes: unknown, so kept.
   */
  worktreeId?: string;
  /** The tool's session that last started in the worktree (Claude Code's SessionStart `session_id`). */
  sessionId?: string;
  /**
   * When the worktree's directory was found holding another session (reuse.ts): the branch is no longer that
   * directory's (ofWorktree skips it), and `prune` offers it once its git branch is gone.
   */
  vacatedAt?: string;
}

const key = (neonBranch: string) => crypto.createHash('sha256').update(neonBranch).digest('hex').slice(0, 24);

function recordsDir(commonDir: string): string {
  const d = path.join(neonAgentsDir(commonDir), 'branches');
  fs.mkdirSync(d, { recursive: true });
  return d;
}

/** The random id in `file`, made first when it has none (two processes making it at once agree on one). */
function readOrMakeId(file: string): string {
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

function readCloneId(commonDir: string): string {
  return readOrMakeId(path.join(neonAgentsDir(commonDir), 'clone-id'));
}

const WORKTREE_ID_FILE = 'neon-agents-worktree-id';

/**
 * The random id of a linked worktree, kept in its own git dir (made on first use): git deletes that dir when the
 * worktree is removed, so a worktree made again at the same path (Codex reuses its paths and admin dir names) gets
 * another id.
 */
export function worktreeIdOf(gitDir: string): string {
  return readOrMakeId(path.join(gitDir, WORKTREE_ID_FILE));
}

/** The id worktreeIdOf() gave this worktree, without making one (null: none yet). */
export function readWorktreeId(gitDir: string): string | null {
  return readIfExists(path.join(gitDir, WORKTREE_ID_FILE))?.trim() || null;
}

function readAll(commonDir: string): BranchRecord[] {
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

/** The branch records of one clone (its common git dir), read once per context and written through. */
export class BranchRecords {
  private records: BranchRecord[] | null = null;
  private id: string | null = null;

  /** `onLock`: what else to forget when a lock is taken or released (the context's worktree list). */
  constructor(
    readonly commonDir: string,
    private readonly onLock: () => void = () => {},
  ) {}

  /** This clone's random id, part of every Neon branch name it makes. */
  cloneId(): string {
    this.id ??= readCloneId(this.commonDir);
    return this.id;
  }

  all(): BranchRecord[] {
    this.records ??= readAll(this.commonDir);
    return this.records;
  }

  get(neonBranch: string): BranchRecord | null {
    if (this.records) return this.records.find((r) => r.neonBranch === neonBranch) ?? null;
    const t = readIfExists(path.join(recordsDir(this.commonDir), `${key(neonBranch)}.json`));
    if (!t) return null;
    try {
      return JSON.parse(t) as BranchRecord;
    } catch {
      return null;
    }
  }

  /** The record whose git branch (or alias) is `gitBranch`. */
  forGitBranch(gitBranch: string): BranchRecord | null {
    const recs = this.all();
    return recs.find((r) => r.gitBranch === gitBranch) ?? recs.find((r) => r.aliases?.includes(gitBranch)) ?? null;
  }

  /** The record of the branch made for the worktree at `worktreePath` (realpath); not one its directory has left. */
  ofWorktree(worktreePath: string): BranchRecord | null {
    return this.claiming(worktreePath)[0] ?? null;
  }

  /** Every record made for the worktree at `worktreePath` that its directory has not left, the newest first. */
  claiming(worktreePath: string): BranchRecord[] {
    return this.all()
      .filter((r) => r.worktreePath === worktreePath && !r.vacatedAt)
      .sort((a, b) => b.createdAt.localeCompare(a.createdAt));
  }

  write(rec: BranchRecord): void {
    writeFileAtomic(
      path.join(recordsDir(this.commonDir), `${key(rec.neonBranch)}.json`),
      `${JSON.stringify(rec, null, 2)}\n`,
      0o600,
    );
    if (this.records) this.records = [...this.records.filter((r) => r.neonBranch !== rec.neonBranch), rec];
  }

  delete(neonBranch: string): void {
    fs.rmSync(path.join(recordsDir(this.commonDir), `${key(neonBranch)}.json`), { force: true });
    if (this.records) this.records = this.records.filter((r) => r.neonBranch !== neonBranch);
  }

  /** Run `fn` holding the lock on one Neon branch name (see withBranchLock); what was read before is forgotten. */
  async withLock<T>(neonBranch: string, fn: () => T | Promise<T>, waitMs?: number): Promise<T> {
    const forget = () => {
      this.records = null;
      this.onLock();
    };
    return withBranchLock(
      this.commonDir,
      neonBranch,
      async () => {
        forget();
        try {
          return await fn();
        } finally {
          forget();
        }
      },
      waitMs,
    );
  }
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
async function withBranchLock<T>(
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
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { recursive: true, force: true });
  }
}

// ---- The main checkout visiting an agent branch ------------------------------------------------------------------

function parentEnvFile(commonDir: string): string {
  return path.join(neonAgentsDir(commonDir), 'parent-env.json');
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

export function saveParent(commonDir: string, saved: SavedParentEnv): void {
  writeFileAtomic(parentEnvFile(commonDir), JSON.stringify(saved), 0o600);
}

/** The visit is over (the main checkout's own values are back). */
export function forgetSavedParent(commonDir: string): void {
  fs.rmSync(parentEnvFile(commonDir), { force: true });
}
