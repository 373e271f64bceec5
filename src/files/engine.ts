// The engine behind every managed-file unit (src/files/*.ts). A unit is one thing this tool owns in a repository
// (the agent files, the runtime, Claude's settings, the git hook, the env files, .gitignore, info/exclude, the
// manifest) and knows three things about it, all pure over a Snapshot of the files:
//   plan    what to write so it is present and current (init, --check, --dry-run)
//   remove  the exact inverse, from its manifest entries (uninstall)
//   check   what is wrong with it on disk, each finding with its fix (doctor)
// The upgrade rules shared by all units (ownedFile for whole files, editedFile for partial edits) and the manifest
// entry an op leaves behind live here too, so every unit upgrades, records and rolls back the same way.
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Manifest, ManifestAnswers, ManagedFile } from '../shared/manifest.ts';
import type { MaskingRule } from '../shared/masking.ts';
import type { RepoInfo } from '../detect/repo.ts';
import type { ProjectInfo } from '../detect/project.ts';
import type { PackageManager } from '../detect/package-manager.ts';
import { threeWayMerge, gitBlobId } from '../plan/merge.ts';
import { LOCAL_SETTINGS_PATH } from '../shared/key-store.ts';
import type { Action, FileOp, WriteOp } from '../plan/ops.ts';

export interface Snapshot {
  /** Text of a file (absolute path), or null when absent. */
  read(abs: string): string | null;
  mode(abs: string): number | null;
  /** Text of a git blob by id (an earlier render recovered from the object store), or null. */
  blob?(id: string): string | null;
}

export interface PlanInput {
  version: string;
  answers: ManifestAnswers;
  /** The API key given this run (flag, NEON_API_KEY, the wizard): kept where answers.keyStore says, nowhere else. */
  apiKey: string | undefined;
  /** The user credentials file (src/shared/key-store.ts), absolute: outside the repository. */
  userCredentialsFile: string;
  repo: RepoInfo;
  project: ProjectInfo;
  pm: PackageManager;
  manifest: Manifest | null;
  files: Snapshot;
  /** Repo-relative paths that `git check-ignore` already ignores. */
  ignored: ReadonlySet<string>;
  /** The env file is tracked by git (so .gitignore cannot protect it). */
  envFileTracked: boolean;
  runtimeSource: string;
  force: boolean;
  /** Recreate managed files the user deleted. */
  restore?: boolean;
  /** Files (repo-relative) not written by us that the user chose to overwrite (the wizard's per-file --force). */
  overwrite?: ReadonlySet<string>;
  /** How the user settled each upgrade conflict in the wizard (display path → choice); absent: markers. */
  resolutions?: ReadonlyMap<string, Resolution>;
  /**
   * The templates, passed in so that doctor and uninstall (which only check and remove) never load handlebars:
   * src/plan/render.ts's TEMPLATES (tests may pass an older release's).
   */
  templates: Templates;
  /**
   * Masking rules proposed from the parent branch's schema (agentData "anonymized"; asked of Neon before the plan,
   * reviewed in the wizard): the first content of the rules file. Absent: none could be read.
   */
  maskingProposals?: MaskingRule[];
}

/** Renders the files whose text comes from templates/. */
export interface Templates {
  agent(role: string, context: object): string;
  envExample(context: object): string;
}

/** The wizard's answer to "your edits and the new version overlap". */
export type Resolution = 'mine' | 'theirs' | 'markers';

export interface UnitPlan {
  ops: FileOp[];
  warnings?: string[];
  /** Things the user must do by hand (e.g. commit lefthook.yml). */
  instructions?: string[];
  /** Reasons this run must not write anything (a tracked env file…), refused before anything is confirmed. */
  blockers?: string[];
}

export interface RemoveInput {
  repo: RepoInfo;
  manifest: Manifest;
  /** The files as they will be once the units before this one have been removed (an overlay over the disk). */
  files: Snapshot;
  force: boolean;
  /** The user credentials file (src/shared/key-store.ts), absolute. */
  userCredentialsFile: string;
}

export interface RemovePlan {
  ops: FileOp[];
  notes?: string[];
  /** Folders (absolute) to delete afterwards if they ended up empty, innermost first. */
  emptyDirs?: string[];
}

export type Level = 'ok' | 'warn' | 'problem';

export interface Finding {
  check: string;
  level: Level;
  message: string;
  fix?: string;
}

/** What `git` says about a path; doctor asks git, fixture tests answer from a table. */
export interface GitFacts {
  /** `git ls-files --error-unmatch` succeeds in `cwd`. */
  tracked(cwd: string, rel: string): boolean;
  /** `git check-ignore --no-index` says ignored in `cwd`. */
  ignored(cwd: string, rel: string): boolean;
  /** Ignored only by our block in info/exclude (not by a .gitignore, a line of the user's, or core.excludesFile). */
  onlyOurExcludeIgnores(rel: string): boolean;
}

export interface CheckInput {
  repo: RepoInfo;
  manifest: Manifest;
  pm: PackageManager;
  files: Snapshot;
  git: GitFacts;
  /** How to run this tool again with these arguments, as a fix people can paste. */
  rerun(args?: string): string;
}

export interface Unit {
  /** Names the unit in code and tests (`git-hook`, `env-file`, …). */
  id: string;
  /** Whether a manifest entry (by its key) is this unit's to remove. */
  claims(key: string, entry: ManagedFile, manifest: Manifest): boolean;
  plan(input: PlanInput): UnitPlan;
  remove(input: RemoveInput): RemovePlan;
  check(input: CheckInput): Finding[];
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

/** The markers an upgrade writes for a conflict (threeWayMerge's labels). */
export const CONFLICT_MARKERS = /^<<<<<<< yours \(|^>>>>>>> create-neon-agents /m;

/** Reason of a skipped file that exists and is not ours (the wizard offers overwrite / skip / diff for these). */
export const NOT_OURS = 'exists and was not written by this tool';

/** Largest render whose text is kept in the manifest as the merge base (bigger ones: by git blob id only). */
const MAX_STORED_BASE = 16 * 1024;

/** A path as a shell word, so a fix can be pasted even when the path has spaces. */
export const shellWord = (p: string) => (/^[\w@%+=:,./-]+$/.test(p) ? p : `'${p.replace(/'/g, `'\\''`)}'`);

/**
 * A whole file we own. Upgrade rules, comparing our last render (base), the user's copy (ours) and this
 * version's render (theirs): untouched by the user → replaced; template unchanged → the user's copy is kept;
 * both changed → three-way merge (clean → applied; conflict → markers, or what the user chose in the wizard);
 * deleted by the user → stays deleted (--restore brings it back); a file we never wrote → left alone (--force
 * overwrites).
 */
export function ownedFile(
  input: PlanInput,
  rel: string,
  content: string,
  mode: number | undefined,
  required = false,
): WriteOp {
  const abs = path.join(input.repo.root, rel);
  const previous = input.files.read(abs);
  const entry = input.manifest?.files[rel];
  // The user's choice for a conflict: keep their file as it is, or take this version's render.
  const settled = (
    resolution: Resolution | undefined,
  ): (Partial<WriteOp> & Pick<WriteOp, 'action' | 'reason'>) | null =>
    resolution === 'mine'
      ? { action: 'skip', content: previous ?? '', reason: 'kept your version (you chose it)' }
      : resolution === 'theirs'
        ? { action: 'update', reason: 'new version (you chose it)' }
        : null;
  const op = (o: Partial<WriteOp> & Pick<WriteOp, 'action' | 'reason'>): WriteOp => ({
    type: 'write',
    path: abs,
    display: rel,
    content,
    previous,
    mode,
    managed: 'file',
    owned: content,
    ...o,
  });
  const currentMode = input.files.mode(abs);
  if (previous === null) {
    // A file the other managed files call (the runtime) is never "deleted on purpose": nothing works without it.
    if (entry && !input.restore && !input.force && !required) {
      return op({
        action: 'skip',
        content: '',
        owned: entry.base ?? content,
        reason: 'you deleted it; kept deleted (--restore brings it back)',
      });
    }
    return op({ action: 'create', reason: entry ? (required ? 'restored: the hooks call it' : 'restored') : 'new' });
  }
  if (previous === content) {
    if (mode !== undefined && currentMode !== null && currentMode !== mode)
      return op({ action: 'update', reason: 'fix file mode' });
    return op({ action: 'unchanged', reason: 'up to date' });
  }
  if (!entry) {
    if (input.force) return op({ action: 'update', reason: 'not written by this tool; overwritten (--force)' });
    if (input.overwrite?.has(rel))
      return op({ action: 'update', reason: 'not written by this tool; overwritten (you chose it)' });
    return op({ action: 'skip', reason: `${NOT_OURS} (--force to overwrite)` });
  }
  if (CONFLICT_MARKERS.test(previous)) {
    // Left by an earlier upgrade and not resolved yet: never "keep" or merge over them, unless the user says which.
    const chosen = settled(input.resolutions?.get(rel));
    if (chosen) return op(chosen);
    return op({
      action: 'conflict',
      content: previous,
      reason: 'conflict markers from an earlier upgrade are not resolved yet',
    });
  }
  if (sha256(previous) === entry.sha256) return op({ action: 'update', reason: 'new version' });
  // The user edited the file since our last render.
  const base = entry.base ?? (entry.blob ? (input.files.blob?.(entry.blob) ?? null) : null);
  if (base !== null && base === content) {
    return op({ action: 'skip', content: previous, reason: 'kept your edits (the template did not change)' });
  }
  if (input.force) return op({ action: 'update', reason: 'your edits overwritten (--force)' });
  const labels = {
    ours: `yours (${rel})`,
    base: `create-neon-agents ${input.manifest?.version ?? 'previous'}`,
    theirs: `create-neon-agents ${input.version}`,
  };
  const merged = threeWayMerge(base ?? '', previous, content, labels);
  if (merged.clean && base !== null)
    return op({ action: 'update', content: merged.text, reason: 'merged your edits into the new version' });
  // A conflict. The manifest records this version's render as the base either way, which is also what "keep mine"
  // and "take the new version" need: the next upgrade merges against what we rendered now.
  const resolution = input.resolutions?.get(rel);
  const chosen = settled(resolution);
  if (chosen) return op(chosen);
  return op({
    action: 'conflict',
    content: merged.text,
    reason:
      resolution === 'markers'
        ? 'conflict markers written (you chose it)'
        : base === null
          ? 'you edited it and its earlier version is unknown: conflict markers'
          : `your edits and the new version overlap (${merged.conflicts} conflict${merged.conflicts === 1 ? '' : 's'})`,
    conflictTheirs: content,
    ...(base !== null ? { conflictBase: base } : {}),
  });
}

/** A file we edit in part (env files, .gitignore, settings, hooks): our part changes, everything else stays. */
export function editedFile(
  input: Pick<PlanInput, 'files'>,
  abs: string,
  display: string,
  content: string,
  owned: string,
  managed: WriteOp['managed'],
  mode?: number,
  extra: Partial<WriteOp> = {},
): WriteOp {
  const previous = input.files.read(abs);
  const currentMode = input.files.mode(abs);
  let action: Action = previous === null ? 'create' : previous === content ? 'unchanged' : 'update';
  let reason = previous === null ? 'new' : previous === content ? 'up to date' : 'add our entries; the rest is kept';
  if (
    action === 'unchanged' &&
    mode !== undefined &&
    currentMode !== null &&
    (currentMode & 0o077) !== 0 &&
    mode === 0o600
  ) {
    action = 'update';
    reason = 'restrict permissions to 0600 (it holds credentials)';
  }
  return { type: 'write', path: abs, display, content, previous, mode, managed, owned, action, reason, ...extra };
}

/**
 * The manifest entry a write leaves: how we own the file and our part's render (the next upgrade's merge base).
 * A whole file we skipped keeps its earlier entry (kept edits, or deleted: the base stays what it was).
 */
export function manifestEntry(op: WriteOp, prev: ManagedFile | undefined): ManagedFile | undefined {
  if (op.unrecorded) return undefined;
  if (op.managed === 'file' && op.action === 'skip' && !(op.reason === 'kept your version (you chose it)')) return prev;
  const render = op.owned;
  return {
    kind: op.managed,
    sha256: sha256(render),
    ...(op.managed === 'file' ? { blob: gitBlobId(render) } : {}),
    ...(render.length <= MAX_STORED_BASE ? { base: render } : {}),
    ...(op.action === 'create' || prev?.created ? { created: true } : {}),
  };
}

/** Uninstall ops. A rewrite of a file we edited; a delete; a file we leave (shown with the reason). */
export function rewrite(abs: string, display: string, previous: string, content: string, reason: string): FileOp {
  return { type: 'write', path: abs, display, content, previous, action: 'update', reason, managed: 'file', owned: '' };
}
export function remove(abs: string, display: string, previous: string, reason: string): FileOp {
  return { type: 'delete', path: abs, display, previous, action: 'delete', reason };
}
export function keep(abs: string, display: string, previous: string, reason: string): FileOp {
  return { type: 'delete', path: abs, display, previous, action: 'skip', reason };
}

/** A whole file of ours: deleted when unchanged (or --force), else kept with the reason. */
export function removeOwnedFile(input: RemoveInput, abs: string, key: string): FileOp[] {
  const text = input.files.read(abs);
  const entry = input.manifest.files[key];
  if (text === null || !entry) return [];
  const untouched = sha256(text) === entry.sha256;
  if (untouched || input.force)
    return [remove(abs, key, text, untouched ? 'written by create-neon-agents' : 'you changed it; removed (--force)')];
  return [keep(abs, key, text, 'you changed it; kept (--force removes it)')];
}

/** The files as they will be after `ops`: what later units of an uninstall see. */
export function overlay(base: Snapshot, ops: FileOp[]): Snapshot {
  const after = new Map<string, string | null>();
  for (const op of ops) {
    if (op.type === 'write' && op.action !== 'skip' && op.action !== 'unchanged') after.set(op.path, op.content);
    else if (op.type === 'delete' && op.action === 'delete') after.set(op.path, null);
    else if (op.type === 'rename' && op.action === 'create') {
      after.set(op.to, after.has(op.from) ? (after.get(op.from) ?? null) : base.read(op.from));
      after.set(op.from, null);
    }
  }
  return {
    read: (abs) => (after.has(abs) ? (after.get(abs) ?? null) : base.read(abs)),
    mode: (abs) => (after.has(abs) ? (after.get(abs) === null ? null : (base.mode(abs) ?? 0o644)) : base.mode(abs)),
    blob: base.blob,
  };
}

/** The manifest keys no unit claims (an entry of a newer release, or hand-edited): left alone by uninstall. */
export function claimedBy(units: readonly Unit[], manifest: Manifest, key: string): Unit | undefined {
  const entry = manifest.files[key];
  return entry ? units.find((u) => u.claims(key, entry, manifest)) : undefined;
}

/**
 * Manifest keys are paths relative to the repo root, except files in the git common dir (hooks, info/exclude),
 * keyed `$GIT_COMMON_DIR/…` so the key is the same on every machine and in every worktree, and files outside both
 * (a core.hooksPath elsewhere), keyed by their absolute path.
 */
export const COMMON_DIR_PREFIX = '$GIT_COMMON_DIR/';

export function keyFor(repo: Pick<RepoInfo, 'root' | 'commonDir'>, abs: string): string {
  const inCommon = path.relative(repo.commonDir, abs);
  if (inCommon && !inCommon.startsWith('..') && !path.isAbsolute(inCommon))
    return COMMON_DIR_PREFIX + inCommon.split(path.sep).join('/');
  const inRepo = path.relative(repo.root, abs);
  return inRepo.startsWith('..') || path.isAbsolute(inRepo) ? abs : inRepo.split(path.sep).join('/');
}

export function absFor(repo: Pick<RepoInfo, 'root' | 'commonDir'>, key: string): string {
  if (key.startsWith(COMMON_DIR_PREFIX)) return path.join(repo.commonDir, key.slice(COMMON_DIR_PREFIX.length));
  return path.isAbsolute(key) ? key : path.join(repo.root, key);
}

/** A managed file that a clone of the repository gets (not in .git, not outside the repo, not the env file). */
export function isCommitted(key: string, envFile: string): boolean {
  return (
    !key.startsWith(COMMON_DIR_PREFIX) &&
    !path.isAbsolute(key) &&
    !key.startsWith('~') &&
    key !== envFile &&
    key !== LOCAL_SETTINGS_PATH
  );
}
