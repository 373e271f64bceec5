// `create-neon-agents [dir]`: options → detect → answers (wizard or flags) → checks → plan → confirm → apply → report.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Options } from '../options.ts';
import { PROJECT_ID_HINT } from '../options.ts';
import { DEFAULT_ANSWERS, MANIFEST_PATH, parseManifest, type Manifest, type ManifestAnswers } from '../shared/manifest.ts';
import { detectRepo, type RepoInfo } from '../detect/repo.ts';
import { detectPackageManager, type PackageManager } from '../detect/package-manager.ts';
import { detectProject, type ProjectInfo } from '../detect/project.ts';
import { findNeonCli, verifyProject, NEON_CLI_INSTALL, type NeonCli, type VerifyResult } from '../detect/neon-cli.ts';
import { readText, fileMode } from '../detect/fs.ts';
import { cleanGitEnv, gitStatus } from '../git.ts';
import { plan as makePlan, isNoop, WORKTREES_DIR, type Plan, type Snapshot } from '../plan/plan.ts';
import { apply } from '../apply.ts';
import { FailureError, UsageError } from '../errors.ts';
import type { Ui } from '../ui.ts';
import type { Wizard } from '../prompts.ts';
import { parseEnv } from '../shared/env-file.ts';

export interface InitContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  cwd: string;
  version: string;
  interactive: boolean;
  ui: Ui;
  wizard: Wizard | null;
  runtimeSource: string;
}

export interface Detected {
  repo: RepoInfo;
  pm: PackageManager;
  project: ProjectInfo;
  manifest: Manifest | null;
  neonCli: NeonCli | null;
  /** Values already in the main checkout's env file (an earlier run, or the user's own). */
  envValues: Map<string, string>;
}

export function detect(dir: string, env: NodeJS.ProcessEnv): Detected {
  const repo = detectRepo(dir);
  const manifestText = readText(path.join(repo.root, MANIFEST_PATH));
  const manifest = manifestText === null ? null : parseManifest(manifestText);
  const pm = detectPackageManager([repo.root, repo.mainRoot], env.npm_config_user_agent);
  const project = detectProject(repo.root, pm);
  const envFile = manifest?.answers.envFile ?? project.envFile;
  const envText = readText(path.join(repo.mainRoot, envFile));
  return {
    repo,
    pm,
    project,
    manifest,
    neonCli: findNeonCli(env),
    envValues: envText ? parseEnv(envText) : new Map(),
  };
}

/** Flags override recorded answers, which override detected defaults. */
export function resolveAnswers(o: Options, d: Detected): { answers: Partial<ManifestAnswers>; missing: string[] } {
  const rec = d.manifest?.answers;
  const answers: Partial<ManifestAnswers> = {
    ...DEFAULT_ANSWERS,
    envFile: d.project.envFile,
    directUrlVar: d.project.directUrlVar,
    ...(rec ?? {}),
  };
  const projectId = o.projectId ?? (rec?.projectId || undefined) ?? d.envValues.get('NEON_PROJECT_ID') ?? undefined;
  if (projectId) answers.projectId = projectId;
  else delete answers.projectId;
  if (o.roles) answers.roles = o.roles;
  if (o.permissionMode) answers.permissionMode = o.permissionMode;
  if (o.parentBranch !== undefined) answers.parentBranch = o.parentBranch || null;
  if (o.branchTtl !== undefined) answers.branchTtlDays = o.branchTtl;
  if (o.envFile) answers.envFile = o.envFile;
  if (o.pooled !== undefined) answers.pooled = o.pooled;
  if (o.gitHook !== undefined) answers.gitHook = o.gitHook;
  if (o.claudeHooks !== undefined) answers.claudeHooks = o.claudeHooks;
  const missing: string[] = [];
  if (!answers.projectId) missing.push('--project-id');
  return { answers, missing };
}

/** The complete non-interactive command equivalent to a run (secrets left out: they come from the env). */
export function equivalentCommand(a: Partial<ManifestAnswers>, dir: string | undefined): string {
  const parts = ['npx create-neon-agents@latest'];
  if (dir) parts.push(JSON.stringify(dir));
  parts.push('--yes', `--project-id ${a.projectId ?? '<project-id>'}`);
  if (a.roles) parts.push(`--roles ${a.roles.join(',')}`);
  if (a.permissionMode) parts.push(`--permission-mode ${a.permissionMode}`);
  if (a.branchTtlDays !== undefined) parts.push(`--branch-ttl ${a.branchTtlDays}`);
  if (a.parentBranch) parts.push(`--parent-branch ${a.parentBranch}`);
  if (a.envFile) parts.push(`--env-file ${a.envFile}`);
  if (a.pooled === false) parts.push('--no-pooled');
  if (a.gitHook === false) parts.push('--no-git-hook');
  if (a.claudeHooks === false) parts.push('--no-claude-hooks');
  return parts.join(' ');
}

function snapshot(): Snapshot {
  return { read: readText, mode: fileMode };
}

/** Which of these repo-relative paths git already ignores (so we add only what is missing). */
function ignoredPaths(root: string, paths: string[]): Set<string> {
  const out = new Set<string>();
  try {
    const stdout = execFileSync('git', ['check-ignore', '--no-index', '--stdin'], {
      cwd: root,
      env: cleanGitEnv(),
      input: paths.map((p) => (p.endsWith('/') ? `${p}x` : p)).join('\n') + '\n',
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    for (const line of stdout.split('\n').filter(Boolean)) {
      const orig = paths.find((p) => p === line || `${p}x` === line);
      if (orig) out.add(orig);
    }
  } catch {
    /* exit 1: none ignored */
  }
  return out;
}

export interface InitResult {
  plan: Plan;
  detected: Detected;
  answers: ManifestAnswers;
  apiKeyGiven: boolean;
  neonCli: NeonCli | null;
  verify: VerifyResult | null;
  written: string[];
  dryRun: boolean;
}

export async function runInit(ctx: InitContext): Promise<InitResult> {
  const { options: o, ui } = ctx;
  const dir = o.dir ?? ctx.cwd;
  const detected = detect(path.resolve(ctx.cwd, dir), ctx.env);
  const { answers: partial, missing } = resolveAnswers(o, detected);
  let apiKey = o.apiKey ?? detected.envValues.get('NEON_API_KEY') ?? undefined;
  const apiKeyFromFlag = o.apiKey !== undefined;

  ui.intro(detected);

  let answers: ManifestAnswers;
  if (ctx.interactive && ctx.wizard) {
    const got = await ctx.wizard.ask({ partial, options: o, detected, apiKey });
    answers = got.answers;
    apiKey = got.apiKey;
  } else {
    if (missing.length) {
      throw new UsageError(
        `Missing ${missing.join(', ')} (needed without a terminal to ask in). ${PROJECT_ID_HINT}.\n` +
          `Example:\n  ${equivalentCommand({ ...partial, projectId: partial.projectId ?? 'winter-sun-12345678' }, o.dir)}`,
      );
    }
    answers = partial as ManifestAnswers;
  }

  // Checks: the Neon CLI (never fatal: the files are useful before it is installed) and, online, the project.
  const neonCli = detected.neonCli;
  if (!neonCli) {
    ui.warn(`The Neon CLI (neon or neonctl) is not on PATH; the runtime needs it to create branches. Install it: ${NEON_CLI_INSTALL.join('  or  ')}`);
  }
  let verify: VerifyResult | null = null;
  if (o.verify && neonCli) {
    verify = await ui.task(`Checking Neon project ${answers.projectId}`, () =>
      verifyProject(neonCli, answers.projectId, apiKey, ctx.env),
    );
    if (!verify.ok) {
      if (verify.kind === 'rejected') {
        throw new FailureError(`API key rejected by Neon. Create a new key (Console → Account settings → API keys) and pass it with --api-key or NEON_API_KEY; or use --no-verify to skip this check.`);
      }
      if (verify.kind === 'not-found') {
        throw new FailureError(`Neon project not found: ${answers.projectId}. Check the id (Console → Project settings → General) and that the key belongs to its organization; or use --no-verify.`);
      }
      ui.warn(`Could not verify the Neon project (${verify.message}); continuing. Re-run with a working connection to check, or pass --no-verify to skip.`);
    }
  }

  const ignoreCandidates = [answers.envFile, WORKTREES_DIR];
  const p = makePlan({
    version: ctx.version,
    answers,
    apiKey: apiKeyFromFlag || (apiKey && apiKey !== detected.envValues.get('NEON_API_KEY')) ? apiKey : undefined,
    repo: detected.repo,
    project: detected.project,
    pm: detected.pm,
    manifest: detected.manifest,
    files: snapshot(),
    ignored: ignoredPaths(detected.repo.root, ignoreCandidates),
    envFileTracked: gitStatus(detected.repo.mainRoot, ['ls-files', '--error-unmatch', '--', answers.envFile]) === 0,
    runtimeSource: ctx.runtimeSource,
    force: o.force,
  });

  for (const w of p.warnings) ui.warn(w);

  const result: InitResult = {
    plan: p,
    detected,
    answers,
    apiKeyGiven: Boolean(apiKey),
    neonCli,
    verify,
    written: [],
    dryRun: o.dryRun,
  };

  if (o.dryRun) return result;

  if (p.conflicts.length) {
    const resolved = ctx.interactive && ctx.wizard ? await ctx.wizard.resolveConflicts(p) : false;
    if (!resolved) {
      throw new FailureError(
        `Not written: ${p.conflicts.map((c) => c.display).join(', ')} changed both in your copy and in this version's template. ` +
          `Review them, then re-run with --force to take the new version (your copy is in git).`,
      );
    }
  }

  if (isNoop(p)) return result;
  if (ctx.interactive && ctx.wizard) await ctx.wizard.confirmPlan(p);
  result.written = apply(p.ops).written;
  return result;
}
