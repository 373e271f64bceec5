// `create-neon-agents [dir]`: options → detect → answers (wizard or flags) → checks → plan → confirm → apply → report.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Options } from '../options.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';
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
import { cleanGitEnv, gitStatus, recordConflict } from '../git.ts';
import { plan as makePlan, isNoop, type Plan, type Resolution } from '../plan/plan.ts';
import { planBase } from '../plan/from-disk.ts';
import { NOT_OURS } from '../files/engine.ts';
import type { WriteOp } from '../plan/ops.ts';
import { apply } from '../apply.ts';
import { FailureError, UsageError } from '../errors.ts';
import type { Ui } from '../ui.ts';
import type { Wizard } from '../prompts.ts';
import { MASKING_RULES_PATH, ruleColumn, type MaskingRule } from '../shared/masking.ts';
import { proposeMaskingRules, readParentSchemas } from '../answers/masking-proposals.ts';

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
        `The Neon CLI (neon or neonctl) is not on PATH, and no API key was given: worktrees get no database until you either log in with the CLI (${install}, then neon auth) or run this again with --api-key.`,
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

  const snapshot = planBase(ctx, detected, answers);
  // Asked of Neon only when the plan will create the rules file (the unit reads the same snapshot).
  const rulesFileExists = snapshot.files.read(path.join(detected.repo.root, MASKING_RULES_PATH)) !== null;
  const maskingProposals = rulesFileExists ? undefined : await proposeRules(ctx, answers, apiKey);
  const base = { ...snapshot, maskingProposals };
  // Only a key given this run is written; one read from where it is kept stays there, or moves (key-location.ts).
  const planApiKey = apiKeyFromFlag || resolved.apiKey.source === 'asked' ? apiKey : undefined;
  const envFileTracked =
    gitStatus(detected.repo.mainRoot, ['ls-files', '--error-unmatch', '--', answers.envFile]) === 0;
  // The wizard's decisions (files of the user's to overwrite, how to settle each conflict) are inputs of the plan:
  // it is made again after each, so the plan, the manifest and what is applied never drift apart.
  let overwrite: ReadonlySet<string> = new Set();
  let resolutions: ReadonlyMap<string, Resolution> = new Map();
  const planFor = () =>
    makePlan({
      ...base,
      apiKey: planApiKey,
      envFileTracked,
      force: o.force,
      restore: o.restore,
      overwrite,
      resolutions,
    });
  let p = planFor();
  // The wizard asks about each file of the user's that a template would replace (overwrite / skip / show diff);
  // the plan is then made again, so the manifest records exactly what will be written.
  const foreign = p.ops.filter(
    (op): op is WriteOp => op.type === 'write' && op.action === 'skip' && op.reason.startsWith(NOT_OURS),
  );
  if (foreign.length && ctx.interactive && ctx.wizard && !o.dryRun) {
    overwrite = await ctx.wizard.chooseOverwrites(foreign);
    if (overwrite.size) p = planFor();
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

  if (p.conflicts.length && ctx.interactive && ctx.wizard) {
    resolutions = await ctx.wizard.resolveConflicts(p.conflicts);
    p = planFor();
    result.plan = p;
  }
  if (ctx.interactive && ctx.wizard) await ctx.wizard.confirmPlan(p);
  result.written = apply(p.ops).written;
  result.conflicts = p.ops.filter((op) => op.action === 'conflict').map((op) => op.display);
  recordConflicts(detected.repo.root, p.ops, ui);
  return result;
}

/** Conflicts this run wrote markers for, also in git's index (stages 1-3), so git treats them as a real merge. */
function recordConflicts(root: string, ops: Plan['ops'], ui: Ui): void {
  for (const op of ops) {
    if (op.type !== 'write' || op.action !== 'conflict' || op.previous === null || op.content === op.previous) continue;
    try {
      recordConflict(root, op.path, {
        base: op.conflictBase,
        ours: op.previous,
        theirs: op.conflictTheirs ?? op.content,
      });
    } catch (e) {
      // The markers are written either way; only git's view of them is missing.
      ui.warn(
        `could not mark ${op.display} as conflicted in git's index (${(e as Error).message.split('\n')[0]}); the markers are in the file`,
      );
    }
  }
}

/**
 * Anonymized agent data and no rules file yet (the caller checks): rules proposed from the parent branch's schema (online, with an API
 * key), which the wizard lets the user trim; undefined when there is nothing to propose (the file then starts empty,
 * and the plan warns that no worktree gets a database until it has rules).
 */
async function proposeRules(
  ctx: InitContext,
  answers: ManifestAnswers,
  apiKey: string | undefined,
): Promise<MaskingRule[] | undefined> {
  if (answers.agentData !== 'anonymized') return undefined;
  const { ui } = ctx;
  if (!ctx.options.verify || !apiKey) {
    ui.info(
      `${MASKING_RULES_PATH} starts without rules: proposing them needs the parent branch's schema, read with an API key${ctx.options.verify ? '' : ' and without --no-verify'}.`,
    );
    return undefined;
  }
  let read: Awaited<ReturnType<typeof readParentSchemas>>;
  try {
    read = await ui.task(`Reading the schema of the parent branch for personal columns`, () =>
      readParentSchemas({
        projectId: answers.projectId,
        apiKey,
        parentBranch: answers.parentBranch,
        databaseName: answers.databaseName,
        env: ctx.env,
      }),
    );
  } catch (e) {
    ui.warn(
      `Could not read the parent branch's schema (${(e as Error).message}): ${MASKING_RULES_PATH} starts without rules.`,
    );
    return undefined;
  }
  const proposed = proposeMaskingRules(read.schemas);
  if (!proposed.length) {
    ui.info(
      `No column of ${read.branch}'s schema looks personal by its name: ${MASKING_RULES_PATH} starts without rules.`,
    );
    return [];
  }
  const chosen = ctx.interactive && ctx.wizard ? await ctx.wizard.chooseMaskingRules(proposed) : proposed;
  ui.info(
    `Masking in anonymized agent branches (${MASKING_RULES_PATH}, yours to edit): ${chosen.map((r) => `${ruleColumn(r)} ← ${r.masking_function ?? r.masking_value}`).join('; ') || 'none'}.`,
  );
  return chosen;
}
