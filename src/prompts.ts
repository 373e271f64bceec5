// The wizard: asks only what flags and the manifest did not answer. Any cancel (Ctrl-C, Esc) becomes a
// CancelledError, so the caller exits 130 before anything is written.
import * as p from '@clack/prompts';
import { exitCancelled, whileSpinning } from './cancel.ts';
import { dim } from 'kolorist';
import type { ManifestAnswers, PermissionMode } from './shared/manifest.ts';
import { PERMISSION_MODES } from './shared/manifest.ts';
import { ROLES, DEFAULT_ROLES } from './roles.ts';
import { diffComm } from 'node-diff3';
import { validateApiKey, validateProjectId, validateEnvVarName, MAX_TTL_DAYS, type Options } from './options.ts';
import { CancelledError } from './errors.ts';
import type { Detected } from './detect/index.ts';
import type { Plan } from './plan/plan.ts';
import type { WriteOp } from './plan/ops.ts';
import { cliLoginWorks, verifyProject, type VerifyResult } from './detect/neon-cli.ts';
import { showPlan, wrap } from './ui.ts';
import { detectionLines } from './present/detection.ts';

export interface AskInput {
  partial: Partial<ManifestAnswers>;
  options: Options;
  detected: Detected;
  apiKey: string | undefined;
  /** Re-run with a manifest: ask only what is still missing (unless --reconfigure). */
  reuse: boolean;
}

export interface Wizard {
  /** `verify`: the online check the wizard ran right after the credentials were entered (undefined: not run). */
  ask(
    input: AskInput,
  ): Promise<{ answers: ManifestAnswers; apiKey: string | undefined; cliLogin: boolean; verify?: VerifyResult }>;
  confirmPlan(plan: Plan): Promise<void>;
  resolveConflicts(plan: Plan): Promise<boolean>;
  /** For each file of the user's a template would replace: overwrite, skip, or look at the difference first. */
  chooseOverwrites(ops: WriteOp[]): Promise<Set<string>>;
}

const PERMISSION_HINTS: Record<PermissionMode, string> = {
  bypassPermissions:
    'no prompts: agents run any command as you (their worktree and branch isolate code and data, not your machine)',
  acceptEdits: 'file edits without asking; shell commands still ask',
  default: 'ask before edits and commands',
  dontAsk: 'never ask; anything not pre-approved is denied',
  plan: 'read-only: the agent plans and proposes, changes nothing',
};

/** Width for wrapped log lines (clack does not wrap them with the guide bar). */
const cols = () => (process.stdout.columns || 80) - 3;

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
              {
                value: false,
                label: 'Upgrade with the recorded settings',
                hint: `${m.answers.roles.join(', ')} · ${m.answers.permissionMode} · ${m.answers.branchTtlDays}d`,
              },
              { value: true, label: 'Change settings', hint: 'ask the questions again' },
            ],
          }),
        );
        if (change) reuse = false;
      }

      const askProjectId = async (initialValue?: string) =>
        must(
          await p.text({
            message: 'Neon project id',
            placeholder: 'winter-sun-12345678',
            initialValue,
            validate: (v) => validateProjectId(v ?? ''),
          }),
        ).trim();
      const askKey = async () => {
        const key = must(
          await p.password({
            message: `Neon API key ${dim(`(saved only in ${a.envFile ?? '.env'}; empty = use the Neon CLI login)`)}`,
            mask: '•',
            validate: (v) => (v?.trim() ? validateApiKey(v.trim(), 'This key') : undefined),
          }),
        );
        return key?.trim() || undefined;
      };

      let askedSomething = false;
      if (!a.projectId) {
        a.projectId = await askProjectId();
        askedSomething = true;
      }

      let useLogin = false;
      if (!apiKey && !reuse) {
        askedSomething = true;
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
                  { value: false, label: "Store an API key in the main checkout's env file" },
                ],
              }),
            );
          }
        }
        if (!useLogin) apiKey = await askKey();
      }

      // Check the project and credentials now, while they can still be fixed (not after every other question).
      let verify: VerifyResult | undefined;
      if (askedSomething && options.verify && (detected.neonCli || (!useLogin && apiKey))) {
        const cli = detected.neonCli;
        for (;;) {
          const title = `Checking Neon project ${a.projectId}`;
          const s = p.spinner({ onCancel: exitCancelled });
          s.start(title);
          const key = useLogin ? undefined : apiKey;
          const r = await whileSpinning(() => verifyProject(cli, a.projectId!, key, env));
          if (r.ok) {
            s.stop(r.projectName ? `${title}: ${r.projectName}` : title);
            verify = r;
            break;
          }
          s.error(`${title}: ${r.message}`);
          if (r.kind === 'rejected') {
            p.log.error(
              wrap(
                'Neon rejected this API key. Create a new one (Console → Account settings → API keys) and paste it again.',
                cols(),
              ),
            );
            useLogin = false;
            apiKey = await askKey();
            continue;
          }
          if (r.kind === 'not-found') {
            p.log.error(
              wrap(
                `Neon has no project ${a.projectId} that ${key ? 'this key' : 'the Neon CLI login'} can see. Check the id (Console → Project settings → General) and that the key belongs to the project's organization.`,
                cols(),
              ),
            );
            a.projectId = await askProjectId(a.projectId);
            continue;
          }
          // Unreachable, no login, anything else: the run goes on and says so (as without the wizard).
          verify = r;
          break;
        }
      }

      // The env file: ask only when the app's files point at several.
      const candidates = detected.project.envFileCandidates ?? [];
      if (!options.envFile && !reuse && candidates.length > 1) {
        a.envFile = must(
          await p.select({
            message: 'Which env file does the app read its database URL from?',
            initialValue: a.envFile ?? candidates[0].file,
            options: candidates.map((c) => ({ value: c.file, label: c.file, hint: c.reason })),
          }),
        );
      }

      // The variables the app reads: show what was found and why; let the user change them.
      if (!reuse) {
        const lines = detectionLines(detected.project, {
          databaseUrlVar: a.databaseUrlVar ?? 'DATABASE_URL',
          directUrlVar: a.directUrlVar ?? null,
          envFile: a.envFile ?? '.env',
        }).slice(0, 2);
        // Ask only when the app names something other than the convention (DATABASE_URL, no direct URL); the
        // convention is shown, and the flags change it.
        const found = (a.databaseUrlVar ?? 'DATABASE_URL') !== 'DATABASE_URL' || Boolean(a.directUrlVar);
        const byFlags = options.databaseUrlVar !== undefined && options.directUrlVar !== undefined;
        if (!found || byFlags) {
          p.log.info(
            wrap(
              `${lines.join('\n')}${byFlags ? '' : '\n(--database-url-var / --direct-url-var change them)'}`,
              cols(),
            ),
          );
        } else {
          p.note(wrap(lines.join('\n'), cols() - 4), 'Database variables');
          const keep = must(await p.confirm({ message: 'Use these variables?', initialValue: true }));
          if (!keep) {
            if (options.databaseUrlVar === undefined) {
              a.databaseUrlVar = must(
                await p.text({
                  message: 'Variable the app reads its database URL from',
                  initialValue: a.databaseUrlVar ?? 'DATABASE_URL',
                  validate: (v) => validateEnvVarName(v ?? '', 'The name'),
                }),
              ).trim();
            }
            if (options.directUrlVar === undefined) {
              const d = must(
                await p.text({
                  message: `Variable for the direct (unpooled) URL ${dim('(empty = none)')}`,
                  initialValue: a.directUrlVar ?? '',
                  validate: (v) => {
                    const t = (v ?? '').trim();
                    if (!t) return undefined;
                    if (t === a.databaseUrlVar)
                      return 'Give the direct URL another name than the database URL (or leave it empty)';
                    return validateEnvVarName(t, 'The name');
                  },
                }),
              ).trim();
              a.directUrlVar = d || null;
            }
          }
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

      return { answers: a as ManifestAnswers, apiKey, cliLogin: useLogin, verify };
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
/**
 * The lines that differ, as `- old` / `+ new`, found by a longest-common-subsequence diff (node-diff3, already
 * bundled for merges): one line inserted at the top shows as one `+`, not as every later line changed.
 */
export function simpleDiff(a: string, b: string, maxLines = 16): string {
  const out: string[] = [];
  let more = 0;
  const push = (l: string) => (out.length < maxLines ? out.push(l) : more++);
  for (const part of diffComm(a.split('\n'), b.split('\n'))) {
    if (part.common) continue;
    for (const l of part.buffer1 ?? []) push(`- ${l}`);
    for (const l of part.buffer2 ?? []) push(`+ ${l}`);
  }
  if (more) out.push(`… ${more} more changed line${more === 1 ? '' : 's'} (compare with git diff after writing)`);
  return out.join('\n') || '(no difference)';
}
