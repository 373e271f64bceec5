// The wizard: asks only what flags and the manifest did not answer. Any cancel (Ctrl-C, Esc) becomes a
// CancelledError, so the caller exits 130 before anything is written.
import * as p from '@clack/prompts';
import { exitCancelled, whileSpinning } from './cancel.ts';
import { dim } from 'kolorist';
import type { ManifestAnswers, PermissionMode } from './shared/manifest.ts';
import { PERMISSION_MODES } from './shared/manifest.ts';
import { ROLES, DEFAULT_ROLES } from './roles.ts';
import { validateProjectId, MAX_TTL_DAYS, type Options } from './options.ts';
import { CancelledError } from './errors.ts';
import type { Detected } from './commands/init.ts';
import type { Plan } from './plan/plan.ts';
import type { WriteOp } from './plan/ops.ts';
import { cliLoginWorks } from './detect/neon-cli.ts';
import { showPlan } from './ui.ts';

export interface AskInput {
  partial: Partial<ManifestAnswers>;
  options: Options;
  detected: Detected;
  apiKey: string | undefined;
  /** Re-run with a manifest: ask only what is still missing (unless --reconfigure). */
  reuse: boolean;
}

export interface Wizard {
  ask(input: AskInput): Promise<{ answers: ManifestAnswers; apiKey: string | undefined; cliLogin: boolean }>;
  confirmPlan(plan: Plan): Promise<void>;
  resolveConflicts(plan: Plan): Promise<boolean>;
  /** For each file of the user's a template would replace: overwrite, skip, or look at the difference first. */
  chooseOverwrites(ops: WriteOp[]): Promise<Set<string>>;
}

const PERMISSION_HINTS: Record<PermissionMode, string> = {
  bypassPermissions: 'no prompts: agents run any command as you (their worktree and branch isolate code and data, not your machine)',
  acceptEdits: 'file edits without asking; shell commands still ask',
  default: 'ask before edits and commands',
  dontAsk: 'never ask; anything not pre-approved is denied',
  plan: 'read-only: the agent plans and proposes, changes nothing',
};

function must<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new CancelledError();
  return value as Exclude<T, symbol>;
}

export function createWizard(env: NodeJS.ProcessEnv): Wizard {
  return {
    async ask({ partial, options, detected, apiKey, reuse }) {
      const a = { ...partial };

      if (reuse && detected.manifest) {
        // A re-run upgrades with the recorded answers; offer to revisit them (what --reconfigure does).
        const m = detected.manifest;
        const change = must(
          await p.select({
            message: `Set up before by create-neon-agents ${m.version}`,
            initialValue: false,
            options: [
              { value: false, label: 'Upgrade with the recorded settings', hint: `${m.answers.roles.join(', ')} · ${m.answers.permissionMode} · ${m.answers.branchTtlDays}d` },
              { value: true, label: 'Change settings', hint: 'ask the questions again' },
            ],
          }),
        );
        if (change) reuse = false;
      }

      if (!a.projectId) {
        a.projectId = must(
          await p.text({
            message: 'Neon project id',
            placeholder: 'winter-sun-12345678',
            validate: (v) => validateProjectId(v ?? ''),
          }),
        ).trim();
      }

      let useLogin = false;
      if (!apiKey && !reuse) {
        if (detected.neonCli) {
          const cli = detected.neonCli;
          const s = p.spinner({ onCancel: exitCancelled });
          s.start('Checking for a Neon CLI login');
          const works = await whileSpinning(() => cliLoginWorks(cli, env)).catch(() => false);
          s.stop(works ? 'The Neon CLI is logged in' : 'The Neon CLI is not logged in');
          if (works) {
            useLogin = must(
              await p.select({
                message: 'How should agents authenticate to Neon?',
                options: [
                  { value: true, label: 'Use my Neon CLI login', hint: 'nothing stored in the repo' },
                  { value: false, label: 'Store an API key in the main checkout\'s env file' },
                ],
              }),
            );
          }
        }
        if (!useLogin) {
          const key = must(
            await p.password({
              message: `Neon API key ${dim(`(saved only in ${a.envFile ?? '.env'}; empty = use the Neon CLI login)`)}`,
              mask: '•',
            }),
          );
          apiKey = key?.trim() || undefined;
        }
      }

      if (!options.roles && !reuse) {
        a.roles = must(
          await p.multiselect({
            message: 'Which agent roles?',
            options: ROLES.map((r) => ({ value: r.name, label: r.name, hint: r.hint })),
            initialValues: a.roles ?? DEFAULT_ROLES,
            required: true,
          }),
        );
      }

      if (!options.permissionMode && !reuse) {
        a.permissionMode = must(
          await p.select({
            message: 'Permission mode for the agents',
            initialValue: a.permissionMode ?? 'bypassPermissions',
            options: PERMISSION_MODES.map((m) => ({ value: m, label: m, hint: PERMISSION_HINTS[m] })),
          }),
        );
      }

      if (options.branchTtl === undefined && !reuse) {
        const ttl = must(
          await p.text({
            message: `Delete agent branches after how many days? ${dim(`(0 = never, at most ${MAX_TTL_DAYS})`)}`,
            initialValue: String(a.branchTtlDays ?? 14),
            validate: (v) => {
              const s = (v ?? '').trim();
              if (!/^\d+$/.test(s) || Number(s) > MAX_TTL_DAYS) return `A whole number from 0 to ${MAX_TTL_DAYS}`;
              return undefined;
            },
          }),
        );
        a.branchTtlDays = Number(ttl.trim());
      }

      return { answers: a as ManifestAnswers, apiKey, cliLogin: useLogin };
    },

    async confirmPlan(plan) {
      showPlan(plan.ops, 'Plan');
      const ok = must(await p.confirm({ message: 'Write these files?', initialValue: true }));
      if (!ok) throw new CancelledError('Cancelled: nothing was written');
    },

    async chooseOverwrites(ops) {
      const chosen = new Set<string>();
      for (const op of ops) {
        for (;;) {
          const choice = must(
            await p.select({
              message: `Replace your ${op.display}? (not written by create-neon-agents)`,
              initialValue: 'skip',
              options: [
                { value: 'skip', label: 'Keep yours', hint: 'skip this file' },
                { value: 'overwrite', label: 'Overwrite it', hint: 'your copy stays in git if you committed it' },
                { value: 'diff', label: 'Show the difference' },
              ],
            }),
          );
          if (choice === 'diff') {
            p.note(simpleDiff(op.previous ?? '', op.owned), op.display);
            continue;
          }
          if (choice === 'overwrite') chosen.add(op.display);
          break;
        }
      }
      return chosen;
    },

    async resolveConflicts(plan) {
      for (const c of plan.conflicts) {
        for (;;) {
          const choice = must(
            await p.select({
              message: `${c.display}: your edits and the new version overlap`,
              options: [
                { value: 'mine', label: 'Keep mine' },
                { value: 'theirs', label: 'Take the new version', hint: 'your copy stays in git' },
                { value: 'diff', label: 'Show the difference' },
                { value: 'markers', label: 'Write conflict markers', hint: 'resolve them in your editor' },
              ],
            }),
          );
          if (choice === 'diff') {
            p.note(simpleDiff(c.previous ?? '', c.conflictTheirs ?? c.content), c.display);
            continue;
          }
          if (choice === 'mine') {
            c.content = c.previous ?? c.content;
            c.action = 'skip';
            c.reason = 'kept your version (you chose it)';
          } else if (choice === 'theirs') {
            c.content = c.conflictTheirs ?? c.content;
            c.action = 'update';
            c.reason = 'new version (you chose it)';
          } else {
            c.reason = 'conflict markers written (you chose it)';
          }
          break;
        }
      }
      plan.conflicts.splice(0, plan.conflicts.length, ...plan.conflicts.filter((c) => c.action === 'conflict'));
      return true;
    },
  };
}

/** A short line diff for the prompt screens (the full diff belongs to git): what would go, what would come. */
export function simpleDiff(a: string, b: string, maxLines = 16): string {
  const x = a.split('\n');
  const y = b.split('\n');
  const out: string[] = [];
  const max = Math.max(x.length, y.length);
  let more = 0;
  for (let i = 0; i < max; i++) {
    if (x[i] === y[i]) continue;
    const lines = [...(x[i] !== undefined ? [`- ${x[i]}`] : []), ...(y[i] !== undefined ? [`+ ${y[i]}`] : [])];
    for (const l of lines) {
      if (out.length < maxLines) out.push(l);
      else more++;
    }
  }
  if (more) out.push(`… ${more} more changed line${more === 1 ? '' : 's'} (compare with git diff after writing)`);
  return out.join('\n') || '(no difference)';
}
