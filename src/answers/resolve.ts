// From flags, the recorded answers and what was detected to the answers a run uses, and back to the one command
// line that reproduces them (printed for CI and agents, and in --json).
import type { Options } from '../options.ts';
import { DEFAULT_ANSWERS, type ManifestAnswers } from '../shared/manifest.ts';
import type { Detected } from '../detect/index.ts';

/** Flags override recorded answers, which override detected defaults. */
export function resolveAnswers(o: Options, d: Detected): { answers: Partial<ManifestAnswers>; missing: string[] } {
  const rec = d.manifest?.answers;
  const answers: Partial<ManifestAnswers> = {
    ...DEFAULT_ANSWERS,
    envFile: d.project.envFile,
    databaseUrlVar: d.project.databaseUrlVar ?? DEFAULT_ANSWERS.databaseUrlVar,
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
  if (o.databaseUrlVar) answers.databaseUrlVar = o.databaseUrlVar;
  if (o.directUrlVar !== undefined) answers.directUrlVar = o.directUrlVar;
  // The same name for both would make the runtime write two URLs into one variable: the direct one goes.
  if (answers.directUrlVar && answers.directUrlVar === answers.databaseUrlVar) answers.directUrlVar = null;
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
  // --env-path, not --env-file: Node 20 itself consumes --env-file anywhere on its command line.
  if (a.envFile) parts.push(`--env-path ${a.envFile}`);
  if (a.databaseUrlVar) parts.push(`--database-url-var ${a.databaseUrlVar}`);
  if (a.directUrlVar !== undefined) parts.push(`--direct-url-var ${a.directUrlVar ?? 'none'}`);
  if (a.pooled === false) parts.push('--no-pooled');
  if (a.gitHook === false) parts.push('--no-git-hook');
  if (a.claudeHooks === false) parts.push('--no-claude-hooks');
  return parts.join(' ');
}
