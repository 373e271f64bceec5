// The plan: a pure function from (answers, detected state, a snapshot of the files we may touch) to the list of
// file operations. It reads no disk and spawns nothing, so --dry-run, the confirm screen, conflict checks and
// tests all use exactly what apply will do.
import path from 'node:path';
import { createHash } from 'node:crypto';
import type { Manifest, ManifestAnswers, ManagedFile } from '../shared/manifest.ts';
import { MANIFEST_PATH, RUNTIME_PATH } from '../shared/manifest.ts';
import { setEnvValues, parseEnv } from '../shared/env-file.ts';
import { ROLES } from '../roles.ts';
import type { RepoInfo } from '../detect/repo.ts';
import type { ProjectInfo } from '../detect/project.ts';
import type { PackageManager } from '../detect/package-manager.ts';
import { renderAgent, renderEnvExample, AGENT_TEMPLATES } from './render.ts';
import { addGitignoreLines, anchored } from '../edits/gitignore.ts';
import { noteFinalNewline } from '../edits/final-newline.ts';
import { excludeLines, excludeBlock, upsertExcludeBlock, hasExcludeBlock, EXCLUDE_DISPLAY } from '../edits/exclude.ts';
import { upsertHooks, parseSettings, foreignWorktreeCreate } from '../edits/settings.ts';
import { validateAgentFile } from '../validate/agent.ts';
import { FailureError } from '../errors.ts';
import { threeWayMerge, gitBlobId } from './merge.ts';
import type { Action, FileOp, WriteOp } from './ops.ts';
import { planGitHookOps, type GitHookPlanInput } from './git-hook.ts';
import {
  WORKTREE_CREATE_COMMAND,
  WORKTREE_CREATE_TIMEOUT,
  WORKTREE_REMOVE_COMMAND,
  WORKTREE_REMOVE_TIMEOUT,
  RUNTIME_ANYWHERE,
} from '../shared/claude-hooks.ts';
import { roleCommands } from '../detect/project.ts';

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
  /** Only for the main checkout's env file; never anywhere else. */
  apiKey: string | undefined;
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
  /** Test seam: render agents from another template set (e.g. an older release's). */
  agentTemplates?: Record<string, string>;
}

export interface Plan {
  ops: FileOp[];
  manifest: Manifest;
  warnings: string[];
  /** Things the user must do by hand (e.g. commit lefthook.yml). */
  instructions: string[];
  conflicts: WriteOp[];
}

export const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export const AGENT_DIR = '.claude/agents';
export const SETTINGS_PATH = '.claude/settings.json';
export const WORKTREES_DIR = '.claude/worktrees/';

/** Context the agent templates see. */
export function agentContext(input: Pick<PlanInput, 'answers' | 'project' | 'pm'>, role: string) {
  const spec = ROLES.find((r) => r.name === role)!;
  // Scripts that bring their own secrets (doppler run…) or load another env file are replaced by their plain command.
  const cmds = roleCommands(input.project, input.answers.envFile, input.answers.databaseUrlVar);
  return {
    role: { ...spec, tools: spec.tools.join(', ') },
    permissionMode: input.answers.permissionMode,
    envFile: input.answers.envFile,
    databaseUrlVar: input.answers.databaseUrlVar,
    directUrlVar: input.answers.directUrlVar,
    runtime: `node ${RUNTIME_ANYWHERE}`,
    pm: input.pm,
    orm: cmds.orm,
    commands: cmds.commands,
    commandNotes: cmds.notes,
  };
}

/** The markers an upgrade writes for a conflict (threeWayMerge's labels). */
export const CONFLICT_MARKERS = /^<<<<<<< yours \(|^>>>>>>> create-neon-agents /m;

/** Reason of a skipped file that exists and is not ours (the wizard offers overwrite / skip / diff for these). */
export const NOT_OURS = 'exists and was not written by this tool';

/** Largest render whose text is kept in the manifest as the merge base (bigger ones: by git blob id only). */
const MAX_STORED_BASE = 16 * 1024;

/**
 * A whole file we own. Upgrade rules, comparing our last render (base), the user's copy (ours) and this
 * version's render (theirs): untouched by the user → replaced; template unchanged → the user's copy is kept;
 * both changed → three-way merge (clean → applied; conflict → markers); deleted by the user → stays deleted
 * (--restore brings it back); a file we never wrote → left alone (--force overwrites).
 */
function ownedFile(
  input: PlanInput,
  rel: string,
  content: string,
  mode: number | undefined,
  required = false,
): WriteOp {
  const abs = path.join(input.repo.root, rel);
  const previous = input.files.read(abs);
  const entry = input.manifest?.files[rel];
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
    // Left by an earlier upgrade and not resolved yet: never "keep" or merge over them.
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
  return op({
    action: 'conflict',
    content: merged.text,
    reason:
      base === null
        ? 'you edited it and its earlier version is unknown: conflict markers'
        : `your edits and the new version overlap (${merged.conflicts} conflict${merged.conflicts === 1 ? '' : 's'})`,
    conflictTheirs: content,
  });
}

/** A file we edit in part (env files, .gitignore, settings, hooks): our part changes, everything else stays. */
function editedFile(
  input: PlanInput,
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

export function plan(input: PlanInput): Plan {
  const { answers, repo } = input;
  const ops: FileOp[] = [];
  const warnings: string[] = [];
  const instructions: string[] = [];
  const templates = input.agentTemplates ?? AGENT_TEMPLATES;

  if (!repo.hasCommits) {
    warnings.push(
      'This repository has no commit yet, and git can only make worktrees from one: commit (e.g. git add -A && git commit -m init) before starting agents.',
    );
  }

  // 1. Agent files, validated before anything is written (Claude Code drops bad ones silently).
  for (const role of answers.roles) {
    const rel = `${AGENT_DIR}/${role}.md`;
    const text = renderAgent(role, agentContext(input, role), templates);
    const check = validateAgentFile(text);
    if (!check.ok)
      throw new FailureError(`internal error: the generated ${rel} is invalid: ${check.errors.join('; ')}`);
    ops.push(ownedFile(input, rel, text, 0o644));
  }

  // 1b. Roles dropped since the last run: their files go (unless the user edited them), so a narrower selection
  //     or a tighter permission mode really takes effect.
  for (const rel of Object.keys(input.manifest?.files ?? {})) {
    const m = /^\.claude\/agents\/([a-z0-9-]+)\.md$/.exec(rel);
    if (!m || answers.roles.includes(m[1])) continue;
    const abs = path.join(input.repo.root, rel);
    const previous = input.files.read(abs);
    if (previous === null) continue;
    const entry = input.manifest!.files[rel];
    if (sha256(previous) === entry.sha256 || input.force) {
      ops.push({
        type: 'delete',
        path: abs,
        display: rel,
        previous,
        action: 'delete',
        reason: `role ${m[1]} is no longer selected`,
      });
    } else {
      ops.push({
        type: 'delete',
        path: abs,
        display: rel,
        previous,
        action: 'skip',
        reason: `role ${m[1]} is no longer selected, but you edited it: kept (delete it yourself, or --force)`,
      });
    }
  }

  // 2. The runtime.
  ops.push(ownedFile(input, RUNTIME_PATH, input.runtimeSource, 0o755, true));

  // 3. Claude Code hooks in .claude/settings.json.
  if (answers.claudeHooks) {
    const abs = path.join(repo.root, SETTINGS_PATH);
    const text = input.files.read(abs);
    const foreign = text ? foreignWorktreeCreate(parseSettings(text)) : null;
    if (foreign) {
      warnings.push(
        `.claude/settings.json already has a WorktreeCreate hook (${foreign}); Claude Code would run two worktree creators, so ours was not added. Call \`node .claude/hooks/neon-worktree.mjs ensure\` at the end of that hook (run inside the new worktree) to give its worktrees a Neon branch.`,
      );
    } else {
      const edit = upsertHooks(text, {
        WorktreeCreate: { type: 'command', command: WORKTREE_CREATE_COMMAND, timeout: WORKTREE_CREATE_TIMEOUT },
        WorktreeRemove: { type: 'command', command: WORKTREE_REMOVE_COMMAND, timeout: WORKTREE_REMOVE_TIMEOUT },
      });
      ops.push(editedFile(input, abs, SETTINGS_PATH, edit.content, edit.owned, 'json'));
    }
  }

  // 4. The git post-checkout hook (or the hook manager's config).
  if (answers.gitHook) {
    const hookInput: GitHookPlanInput = { repo, files: input.files };
    const hook = planGitHookOps(hookInput);
    ops.push(...hook.ops);
    warnings.push(...hook.warnings);
    instructions.push(...hook.instructions);
  }

  // 5. .env.example next to the env file: add the keys we use, never a secret. We own the keys we added (the
  //    whole file when we created it), so uninstall can take exactly those back out.
  const envDir = path.posix.dirname(answers.envFile);
  const exampleRel = envDir === '.' ? '.env.example' : `${envDir}/.env.example`;
  {
    const abs = path.join(repo.root, exampleRel);
    const previous = input.files.read(abs);
    const prevEntry = input.manifest?.files[exampleRel];
    const rendered = renderEnvExample({
      pooled: answers.pooled,
      databaseUrlVar: answers.databaseUrlVar ?? 'DATABASE_URL',
      directUrlVar: answers.directUrlVar,
    });
    let content = rendered;
    let owned = rendered;
    if (previous !== null) {
      const wanted = parseEnv(rendered);
      const existing = parseEnv(previous);
      const added: Record<string, string> = {};
      for (const [k, v] of wanted) if (!existing.has(k)) added[k] = v;
      content = setEnvValues(previous, added, {
        header: 'Neon database branches per git worktree (create-neon-agents)',
      });
      if (!prevEntry?.created) {
        const keys = new Set([...parseEnv(prevEntry?.base ?? '').keys(), ...Object.keys(added)]);
        owned = noteFinalNewline([...keys].map((k) => `${k}=`).join('\n'), previous, content, prevEntry?.base);
      }
    }
    ops.push(editedFile(input, abs, exampleRel, content, owned, 'lines', 0o644));
  }

  // 6. The env file in the main checkout: project id, and the API key only when one was given. Mode 0600.
  if (input.envFileTracked) {
    // Every worktree's copy gets its branch's password in DATABASE_URL (and the main one may get the API key):
    // a tracked env file would put them in the next `git add -A` an agent runs.
    throw new FailureError(
      `${answers.envFile} is tracked by git, so the credentials written there (the API key here, each worktree's database password there) would be committed. Untrack it (it stays on disk): git rm --cached ${answers.envFile} && git commit -m "Stop tracking ${answers.envFile}", then run create-neon-agents again.`,
    );
  }
  {
    const abs = path.join(repo.mainRoot, answers.envFile);
    const previous = input.files.read(abs) ?? '';
    const values: Record<string, string> = { NEON_PROJECT_ID: answers.projectId };
    if (input.apiKey) values.NEON_API_KEY = input.apiKey;
    const content = setEnvValues(previous, values, {
      header: 'Neon (create-neon-agents): used to create a database branch per git worktree',
    });
    // Named relative to the main checkout (where it lives), even when we run in a linked worktree.
    const display = answers.envFile;
    const ownedKeys = ['NEON_PROJECT_ID', 'NEON_API_KEY'].filter((k) => parseEnv(content).has(k)).join(',');
    ops.push(
      editedFile(input, abs, display, content, ownedKeys, 'lines', 0o600, {
        secret: Boolean(input.apiKey),
      }),
    );
  }

  // 7. .gitignore: the env file and Claude's worktrees folder must never be committed.
  {
    const needed = [answers.envFile, WORKTREES_DIR].filter((p) => !input.ignored.has(p)).map(anchored);
    const abs = path.join(repo.root, '.gitignore');
    const previous = input.files.read(abs);
    const content = addGitignoreLines(previous, needed);
    if (needed.length || previous !== null) {
      const lines = new Set(content.split(/\r?\n/));
      const ourLines = [anchored(answers.envFile), anchored(WORKTREES_DIR)].filter((l) => lines.has(l)).join('\n');
      // Uninstall gives back the file byte for byte: noted when our lines also added its final newline.
      const owned = noteFinalNewline(ourLines, previous, content, input.manifest?.files['.gitignore']?.base);
      ops.push(editedFile(input, abs, '.gitignore', content, owned, 'lines', undefined));
    }
  }

  // 7b. $GIT_COMMON_DIR/info/exclude: the same protection for worktrees made before the setup is pushed (Claude
  //     Code bases them on origin/HEAD, which lacks the .gitignore lines until then). Local to this clone, shared by
  //     all its worktrees, never committed: our marked block, with only the lines that file does not cover yet.
  {
    const abs = path.join(repo.commonDir, 'info', 'exclude');
    const previous = input.files.read(abs);
    const lines = excludeLines(previous, answers.envFile, WORKTREES_DIR);
    if (lines.length || hasExcludeBlock(previous)) {
      const content = upsertExcludeBlock(previous, lines);
      const owned = lines.length ? excludeBlock(lines) : '';
      ops.push(
        editedFile(input, abs, EXCLUDE_DISPLAY, content, owned, 'block', undefined, {
          reason:
            previous === null
              ? 'new: ignore env files in every worktree of this clone'
              : previous === content
                ? 'up to date'
                : 'add our block; the rest is kept',
        }),
      );
    }
  }

  // 8. The manifest: answers (never secrets) and what we own, for re-runs, upgrades, doctor and uninstall.
  const files: Record<string, ManagedFile> = {};
  for (const op of ops) {
    if (op.type !== 'write') continue;
    const prev = input.manifest?.files[op.display];
    if (op.managed === 'file' && op.action === 'skip') {
      if (prev) files[op.display] = prev; // kept edits, or deleted: the base stays what it was
      continue;
    }
    // For whole files the base is this version's render (for a merge or a conflict too: the user's part is
    // theirs, and the next upgrade merges against what we rendered now).
    const render = op.owned;
    files[op.display] = {
      kind: op.managed,
      sha256: sha256(render),
      ...(op.managed === 'file' ? { blob: gitBlobId(render) } : {}),
      ...(render.length <= MAX_STORED_BASE ? { base: render } : {}),
      ...(op.action === 'create' || prev?.created ? { created: true } : {}),
    };
  }
  // Keep entries of files we left alone this time (e.g. an edited file of a dropped role is still ours to uninstall).
  const deleted = new Set(ops.filter((o) => o.type === 'delete' && o.action === 'delete').map((o) => o.display));
  for (const [k, v] of Object.entries(input.manifest?.files ?? {})) if (!(k in files) && !deleted.has(k)) files[k] = v;
  const manifest: Manifest = { tool: 'create-neon-agents', version: input.version, answers, files };
  const manifestText = JSON.stringify(manifest, null, 2) + '\n';
  const manifestAbs = path.join(repo.root, MANIFEST_PATH);
  const prevManifest = input.files.read(manifestAbs);
  ops.push({
    type: 'write',
    path: manifestAbs,
    display: MANIFEST_PATH,
    content: manifestText,
    previous: prevManifest,
    mode: 0o644,
    managed: 'file',
    owned: manifestText,
    action: prevManifest === null ? 'create' : prevManifest === manifestText ? 'unchanged' : 'update',
    reason: prevManifest === null ? 'new' : prevManifest === manifestText ? 'up to date' : 'record this run',
  });

  const conflicts = ops.filter((o): o is WriteOp => o.type === 'write' && o.action === 'conflict');
  return { ops, manifest, warnings, instructions, conflicts };
}

/** True when applying the plan would change nothing on disk. */
export function isNoop(p: Plan): boolean {
  return p.ops.every((o) => o.action === 'unchanged' || o.action === 'skip');
}
