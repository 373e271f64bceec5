// What doctor, --check and uninstall say to people, rendered from the results their commands return. No prompts,
// no templates: these commands load only what they need (see `npm run bench`, row 1b).
import { bold, dim, green, red, yellow } from 'kolorist';
import type { DoctorReport } from '../commands/doctor.ts';
import type { CheckResult } from '../commands/check.ts';
import type { UninstallPlan, UninstallResult } from '../commands/uninstall.ts';
import { formatOps } from './ops.ts';

const MARK = { ok: green('✔'), warn: yellow('!'), problem: red('✘') };

export function doctorText(report: DoctorReport): string {
  const lines: string[] = [];
  for (const f of report.findings) {
    lines.push(`${MARK[f.level]} ${bold(f.check.padEnd(12))} ${f.message}`);
    if (f.fix && f.level !== 'ok') lines.push(`  ${' '.repeat(12)} ${dim('fix:')} ${f.fix}`);
  }
  const summary = report.problems ? red(`${report.problems} problem(s)`) : green('No problems');
  lines.push('', `${summary}${report.warnings ? `, ${report.warnings} warning(s)` : ''}.`);
  return `${lines.join('\n')}\n`;
}

/** `self`: the path of the copy that ran (until the package is on the npm registry, `npm create` finds nothing). */
export function checkText(result: CheckResult, version: string, self: string | undefined): string {
  if (result.ok) return `Up to date: everything create-neon-agents manages is present and current for ${version}.\n`;
  const fromHere = self ? ` (or, from this copy: \`node ${JSON.stringify(self)} --yes\`)` : '';
  const lines = [
    `Out of date for create-neon-agents ${version} — run \`npm create neon-agents@latest -- --yes\`${fromHere} to upgrade:`,
    ...result.stale.map((f) => `  ${f.action.padEnd(8)} ${f.path}  (${f.reason})`),
  ];
  return `${lines.join('\n')}\n`;
}

export function uninstallPlanText(plan: UninstallPlan, dryRun: boolean): string {
  const title = dryRun ? 'Plan (dry run: nothing removed)' : 'Uninstall';
  return `${title}:\n${formatOps(plan.ops)
    .map((l) => `  ${l}`)
    .join('\n')}\n`;
}

export function uninstallDoneText(result: UninstallResult): string {
  const lines = [...result.notes.map((n) => `note: ${n}`), `Removed create-neon-agents from ${result.root}.`];
  if (result.branches.length) {
    lines.push(
      'Neon branches this clone created still exist (uninstall does not touch Neon):',
      ...result.branches.map((b) => `  ${b.neonBranch}  ${b.expiresAt ? `expires ${b.expiresAt}` : 'never expires'}`),
      'Delete the ones you no longer need in the Neon Console (or, before uninstalling, with `node .claude/hooks/neon-worktree.mjs prune --yes`).',
    );
  }
  return `${lines.join('\n')}\n`;
}

export function errorText(message: string, exitCode: number): string {
  return `${red(exitCode === 130 ? 'cancelled' : 'error')} ${message}\n`;
}
