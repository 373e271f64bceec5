// `create-neon-agents [dir]`: options → detect → answers (wizard or flags) → checks → plan → confirm → apply → report.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Options } from '../options.ts';
import { MANIFEST_PATH, type ManifestAnswers } from '../shared/manifest.ts';
import { bypassingScripts, bypassReason, prismaEnvWarning, type ProjectInfo } from '../detect/project.ts';
import {
  verifyProject,
  NEON_CLI_INSTALL,
  neonInstallCommand,
  type NeonCli,
  type VerifyResult,
} from '../detect/neon-cli.ts';
import { detect, type Detected } from '../detect/index.ts';
import { resolve, equivalentCommand, isComplete, manifestAnswers, missingMessage } from '../answers/resolve.ts';
import type { Resolved } from '../answers/questions.ts';
import { detectionLines } from '../present/detection.ts';
import { readText, fileMode } from '../detect/fs.ts';
import { cleanGitEnv, gitStatus } from '../git.ts';
import { plan as makePlan, isNoop, NOT_OURS, WORKTREES_DIR, type Plan, type Snapshot } from '../plan/plan.ts';
import type { WriteOp } from '../plan/ops.ts';
import { apply } from '../apply.ts';
import { FailureError, UsageError } from '../errors.ts';
import type { Ui } from '../ui.ts';
import type { Wizard } from '../prompts.ts';
import { EXCLUDE_END, EXCLUDE_START } from '../edits/exclude.ts';

export interface InitContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  interactive: boolean;
  ui: Ui;
  wizard: Wizard | null;
  runtimeSource: string;
  /** Print the equivalent non-interactive command as the first line (for CI and agents). */
  announceEquivalent?: boolean;
}

/** Warnings about the app's database setup for these answers: hard-coded URLs, env files the ORM will not read, scripts that bring their own secrets. */
export function detectionWarnings(
  project: ProjectInfo,
  a: Pick<ManifestAnswers, 'envFile' | 'databaseUrlVar'>,
): string[] {
  const out = [...(project.warnings ?? [])];
  const prisma = prismaEnvWarning(project, a.envFile);
  if (prisma) out.push(prisma);
  const bypass = bypassingScripts(project, a.envFile);
  if (bypass.length) {
    const list = bypass.map((s) => `"${s.script}" (${bypassReason(s, a.envFile, a.databaseUrlVar)})`).join('; ');
    out.push(
      `Package script${bypass.length > 1 ? 's' : ''} ${list}. The agent roles run ${bypass.length > 1 ? 'their' : 'its'} plain command with the worktree's ${a.envFile} loaded instead; run it that way yourself in a worktree, or make the script read ${a.envFile}.`,
    );
  }
  const others = project.secretScripts ?? [];
  if (others.length) {
    const list = others.map((s) => `"${s.script}"${s.dir ? ` in ${s.dir}` : ''} (${s.tool})`).join(', ');
    out.push(
      `Package script${others.length > 1 ? 's' : ''} ${list} run${others.length > 1 ? '' : 's'} through a secret manager, which supplies its own ${a.databaseUrlVar || 'DATABASE_URL'} (the shared database) over the worktree's ${a.envFile}: in a worktree, run the command without the secret manager, or point the secret manager at a per-worktree config.`,
    );
  }
  return out;
}

function snapshot(root: string): Snapshot {
  return {
    read: readText,
    mode: fileMode,
    blob: (id) => {
      if (!/^[0-9a-f]{40}$/.test(id)) return null;
      try {
        return execFileSync('git', ['cat-file', 'blob', id], {
          cwd: root,
          env: cleanGitEnv(),
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'ignore'],
        });
      } catch {
        return null;
      }
    },
  };
}

/**
 * Work-tree files the plan would change that hold uncommitted changes git could not give back: modified or
 * untracked, and not simply our own last render (which we can always regenerate). Ignored files (env) excluded.
 */
export function dirtyManagedFiles(root: string, p: Plan): string[] {
  const candidates = p.ops.filter(
    (o): o is WriteOp =>
      o.type === 'write' &&
      (o.action === 'update' || o.action === 'conflict') &&
      o.previous !== null &&
      !path.relative(root, o.path).startsWith('..'),
  );
  if (!candidates.length) return [];
  let porcelain = '';
  try {
    porcelain = execFileSync(
      'git',
      [
        'status',
        '--porcelain',
        '-z',
        '--untracked-files=all',
        '--',
        ...candidates.map((o) => path.relative(root, o.path)),
      ],
      {
        cwd: root,
        env: cleanGitEnv(),
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
  } catch (e) {
    // Not knowing is not "clean": the upgrade could write over edits git cannot give back.
    const why = String((e as { stderr?: string }).stderr ?? (e as Error).message)
      .trim()
      .split('\n')
      .pop();
    throw new FailureError(
      `could not ask git which managed files have uncommitted changes (${why}); fix that, or pass --allow-dirty to upgrade anyway`,
    );
  }
  const dirty = new Set(
    porcelain
      .split('\0')
      .filter(Boolean)
      .map((l) => l.slice(3)),
  );
  return candidates
    .filter((o) => dirty.has(path.relative(root, o.path).split(path.sep).join('/')))
    .filter((o) => !(o.managed === 'file' && o.reason === 'new version'))
    .map((o) => o.display);
}

/** Which of these repo-relative paths git already ignores (so we add only what is missing). */
function ignoredPaths(root: string, commonDir: string, paths: string[]): Set<string> {
  const out = new Set<string>();
  try {
    // -v names the pattern that decided: a path ignored only by our own block in info/exclude is not "already
    // ignored" for .gitignore (the block protects this clone; the committed .gitignore protects every clone).
    const stdout = execFileSync('git', ['check-ignore', '-v', '--no-index', '--stdin'], {
      cwd: root,
      env: cleanGitEnv(),
      input: paths.map((p) => (p.endsWith('/') ? `${p}x` : p)).join('\n') + '\n',
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const ours = ourExcludeLines(commonDir);
    for (const line of stdout.split('\n').filter(Boolean)) {
      const tab = line.lastIndexOf('\t');
      const [source, lineNo, ...rest] = line.slice(0, tab).split(':');
      const pattern = rest.join(':');
      const file = line.slice(tab + 1);
      // -v also reports a path whose deciding pattern is a negation (`!packages/database/.env`): not ignored.
      if (pattern.startsWith('!')) continue;
      if (/(^|\/)info\/exclude$/.test(source ?? '') && ours.has(Number(lineNo))) continue;
      const orig = paths.find((p) => p === file || `${p}x` === file);
      if (orig) out.add(orig);
    }
  } catch {
    /* exit 1: none ignored */
  }
  return out;
}

/** Line numbers (1-based) of our marked block in the clone's info/exclude. */
function ourExcludeLines(commonDir: string): Set<number> {
  const lines = new Set<number>();
  let inside = false;
  (readText(path.join(commonDir, 'info', 'exclude')) ?? '').split(/\r?\n/).forEach((l, i) => {
    if (l === EXCLUDE_START) inside = true;
    if (inside) lines.add(i + 1);
    if (l === EXCLUDE_END) inside = false;
  });
  return lines;
}

/** What every plan of a run shares: the answers and the repository as detected, read once. */
function planBase(ctx: Pick<InitContext, 'version' | 'runtimeSource'>, detected: Detected, answers: ManifestAnswers) {
  return {
    version: ctx.version,
    answers,
    repo: detected.repo,
    project: detected.project,
    pm: detected.pm,
    manifest: detected.manifest,
    files: snapshot(detected.repo.root),
    ignored: ignoredPaths(detected.repo.root, detected.repo.commonDir, [answers.envFile, WORKTREES_DIR]),
    runtimeSource: ctx.runtimeSource,
  };
}

export interface InitResult {
  plan: Plan;
  detected: Detected;
  answers: ManifestAnswers;
  /** Every answer (the API key too) with where it came from. */
  resolved: Resolved;
  apiKeyGiven: boolean;
  /** The wizard confirmed a working Neon CLI login and the user chose it. */
  cliLogin: boolean;
  neonCli: NeonCli | null;
  verify: VerifyResult | null;
  written: string[];
  dryRun: boolean;
  /** Files left with conflict markers (a non-interactive upgrade then exits 1). */
  conflicts: string[];
}

export async function runInit(ctx: InitContext): Promise<InitResult> {
  const { options: o, ui } = ctx;
  const dir = o.dir ?? ctx.cwd;
  const detected = detect(path.resolve(ctx.cwd, dir), ctx.env);
  const pending = resolve(o.given, detected);

  if (ctx.announceEquivalent)
    process.stdout.write(`Non-interactive equivalent: ${equivalentCommand(pending, o.dir)}\n`);
  ui.intro(detected);

  let resolved: Resolved;
  let cliLogin = false;
  /** The wizard already checked the project and credentials (right after they were entered). */
  let wizardVerify: VerifyResult | null | undefined;
  if (ctx.interactive && ctx.wizard) {
    const got = await ctx.wizard.ask({
      answers: pending,
      detected,
      reuse: Boolean(detected.manifest) && !o.reconfigure,
      verify: o.verify,
    });
    resolved = got.answers;
    cliLogin = got.cliLogin;
    wizardVerify = got.verify;
  } else {
    if (!isComplete(pending)) throw new UsageError(missingMessage(pending, o.dir));
    resolved = pending;
    for (const line of detectionLines(detected.project, manifestAnswers(resolved))) ui.info(line);
  }
  const answers = manifestAnswers(resolved);
  const apiKey = resolved.apiKey.value ?? undefined;
  const apiKeyFromFlag = resolved.apiKey.source === 'flag' || resolved.apiKey.source === 'env';

  // What the app's own files say about the database (each warned once, whatever the wizard showed).
  for (const w of detectionWarnings(detected.project, answers)) ui.warn(w);

  // Checks: the Neon CLI (never fatal: the files are useful before it is installed) and, online, the project.
  // The runtime calls the Neon API itself: the CLI is needed only for its login (no API key anywhere).
  const neonCli = detected.neonCli;
  if (!neonCli) {
    const install = `${neonInstallCommand(detected.pm.name)}  or  ${NEON_CLI_INSTALL[1]}`;
    if (apiKey)
      ui.info(
        `The Neon CLI (neon or neonctl) is not installed; with an API key nothing needs it (the runtime calls the Neon API directly). For \`neon auth\` logins instead of a key: ${install}`,
      );
    else
      ui.warn(
        `The Neon CLI (neon or neonctl) is not on PATH, and no API key was given: worktrees get no database until you either log in with the CLI (${install}, then neon auth) or put NEON_API_KEY in ${answers.envFile}.`,
      );
  }
  let verify: VerifyResult | null = null;
  if (o.verify && (neonCli || apiKey)) {
    verify =
      wizardVerify ??
      (await ui.task(`Checking Neon project ${answers.projectId}`, () =>
        verifyProject(neonCli, answers.projectId, apiKey, ctx.env),
      ));
    if (!verify.ok) {
      if (verify.kind === 'rejected') {
        throw new FailureError(
          `API key rejected by Neon. Create a new key (Console → Account settings → API keys) and pass it with --api-key or NEON_API_KEY; or use --no-verify to skip this check.`,
        );
      }
      if (verify.kind === 'not-found') {
        throw new FailureError(
          `Neon project not found: ${answers.projectId}. Check the id (Console → Project settings → General) and that the key belongs to its organization; or use --no-verify.`,
        );
      }
      ui.warn(
        `Could not verify the Neon project (${verify.message}); continuing. Re-run with a working connection to check, or pass --no-verify to skip.`,
      );
    }
  }

  const base = planBase(ctx, detected, answers);
  const planApiKey =
    apiKeyFromFlag || (apiKey && apiKey !== detected.envValues.get('NEON_API_KEY')) ? apiKey : undefined;
  const envFileTracked =
    gitStatus(detected.repo.mainRoot, ['ls-files', '--error-unmatch', '--', answers.envFile]) === 0;
  const planFor = (overwrite: ReadonlySet<string>) =>
    makePlan({ ...base, apiKey: planApiKey, envFileTracked, force: o.force, restore: o.restore, overwrite });
  let p = planFor(new Set());
  // The wizard asks about each file of the user's that a template would replace (overwrite / skip / show diff);
  // the plan is then made again, so the manifest records exactly what will be written.
  const foreign = p.ops.filter(
    (op): op is WriteOp => op.type === 'write' && op.action === 'skip' && op.reason.startsWith(NOT_OURS),
  );
  if (foreign.length && ctx.interactive && ctx.wizard && !o.dryRun) {
    const chosen = await ctx.wizard.chooseOverwrites(foreign);
    if (chosen.size) p = planFor(chosen);
  }

  for (const w of p.warnings) ui.warn(w);

  const result: InitResult = {
    plan: p,
    detected,
    answers,
    resolved,
    apiKeyGiven: Boolean(apiKey),
    cliLogin,
    neonCli,
    verify,
    written: [],
    dryRun: o.dryRun,
    conflicts: [],
  };

  if (o.dryRun) return result;

  if (isNoop(p)) return result;

  // An upgrade writes over managed files only where git can undo it (copier, cruft and sv refuse the same way).
  if (detected.manifest && !o.allowDirty) {
    const dirty = dirtyManagedFiles(detected.repo.root, p);
    if (dirty.length) {
      throw new FailureError(
        `Uncommitted changes in ${dirty.join(', ')}; the upgrade would write over them. Commit or stash them first (git is your undo), or re-run with --allow-dirty.`,
      );
    }
  }

  if (p.conflicts.length && ctx.interactive && ctx.wizard) await ctx.wizard.resolveConflicts(p);
  if (ctx.interactive && ctx.wizard) await ctx.wizard.confirmPlan(p);
  result.written = apply(p.ops).written;
  result.conflicts = p.ops.filter((op) => op.action === 'conflict').map((op) => op.display);
  return result;
}

/** Managed files that live in the repository (what a CI checkout has): not the env file, not .git/hooks. */
function isCommittedManaged(op: { display: string }, envFile: string): boolean {
  return !op.display.startsWith('$GIT_COMMON_DIR') && !path.isAbsolute(op.display) && op.display !== envFile;
}

export interface CheckResult {
  ok: boolean;
  stale: { path: string; action: string; reason: string }[];
}

/** `--check`: is everything this tool manages present and up to date for this version? Never writes or prompts. */
export function runCheck(ctx: Pick<InitContext, 'options' | 'env' | 'cwd' | 'version' | 'runtimeSource'>): CheckResult {
  const dir = ctx.options.dir ?? ctx.cwd;
  const detected = detect(path.resolve(ctx.cwd, dir), ctx.env);
  if (!detected.manifest) {
    throw new FailureError(`Not set up here: no ${MANIFEST_PATH}. Run create-neon-agents first.`);
  }
  // The recorded answers, changed by the flags given, except the project id: --check compares against the recorded
  // one (else the env file's), whatever --project-id or NEON_PROJECT_ID say (unchanged from before the table).
  const { projectId: _ignored, ...given } = ctx.options.given;
  const pending = resolve(given, detected);
  const answers = manifestAnswers(
    isComplete(pending)
      ? pending
      : { ...pending, projectId: { value: detected.manifest.answers.projectId, source: 'manifest' } },
  );
  const p = makePlan({
    ...planBase(ctx, detected, answers),
    apiKey: undefined,
    envFileTracked: false,
    force: false,
  });
  const stale = p.ops
    .filter((op) => isCommittedManaged(op, answers.envFile))
    .filter((op) => op.action === 'create' || op.action === 'update' || op.action === 'conflict')
    .filter(
      (op) => !(op.type === 'write' && op.display === MANIFEST_PATH && onlyVersionChanged(op.previous, op.content)),
    )
    .map((op) => ({ path: op.display, action: op.action === 'create' ? 'missing' : 'stale', reason: op.reason }));
  return { ok: stale.length === 0, stale };
}

/** The manifest differs only in what a no-op run would record (nothing the user gets). */
function onlyVersionChanged(a: string | null, b: string): boolean {
  if (a === null) return false;
  try {
    const x = JSON.parse(a);
    const y = JSON.parse(b);
    return JSON.stringify({ ...x, version: '' }) === JSON.stringify({ ...y, version: '' });
  } catch {
    return false;
  }
}
