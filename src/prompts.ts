// The wizard: one loop over the question table (answers/questions.ts), asking what flags, the environment and the
// manifest did not answer, with the current answer as each prompt's initial value. Its own steps: the re-run's
// "upgrade with the recorded settings / change settings", the Neon CLI login offered before a key, the online check
// of the credentials right after they are entered, and the plan, overwrite and conflict screens. Any cancel (Ctrl-C,
// Esc) becomes a CancelledError, so the caller exits 130 before anything is written. Every clack call gets the same
// input and output streams, so the wizard can be driven in-process (test/unit/wizard.test.ts).
import type { Readable, Writable } from 'node:stream';
import * as p from '@clack/prompts';
import { dim } from 'kolorist';
import { exitCancelled, whileSpinning } from './cancel.ts';
import { diffComm } from 'node-diff3';
import { CancelledError } from './errors.ts';
import type { Detected } from './detect/index.ts';
import type { Plan, Resolution } from './plan/plan.ts';
import type { WriteOp } from './plan/ops.ts';
import { ruleColumn, type MaskingRule } from './shared/masking.ts';
import { cliLoginWorks, verifyProject, type VerifyResult } from './detect/neon-cli.ts';
import { showPlan, wrap } from './ui.ts';
import {
  PROMPT_GROUPS,
  QUESTION_LIST,
  STAGES,
  type AnyQuestion,
  type AskContext,
  type GroupName,
  type Pending,
  type Resolved,
} from './answers/questions.ts';
import { answerOf, isComplete, reconcile, setAnswer } from './answers/resolve.ts';

export interface AskInput {
  /** Every answer resolved so far (resolve()), with its source; the project id may be missing. */
  answers: Pending;
  detected: Detected;
  /** Re-run with a manifest: re-use the recorded answers, asking only what is missing (unless --reconfigure). */
  reuse: boolean;
  /** Check the project and credentials online once they are entered (false: --no-verify). */
  verify: boolean;
}

export interface Asked {
  /** Every answer; those the user gave have source 'asked'. */
  answers: Resolved;
  /** The user chose a Neon CLI login the wizard found working. */
  cliLogin: boolean;
  /** The online check the wizard ran right after the credentials were entered (undefined: not run). */
  verify?: VerifyResult;
}

export interface Wizard {
  ask(input: AskInput): Promise<Asked>;
  confirmPlan(plan: Plan): Promise<void>;
  /** How to settle each conflict (keep mine, take the new version, write markers): the plan is made again with it. */
  resolveConflicts(conflicts: WriteOp[]): Promise<Map<string, Resolution>>;
  /** For each file of the user's a template would replace: overwrite, skip, or look at the difference first. */
  chooseOverwrites(ops: WriteOp[]): Promise<Set<string>>;
  /** Which of the masking rules proposed from the schema to keep (all are picked to begin with). */
  chooseMaskingRules(proposed: MaskingRule[]): Promise<MaskingRule[]>;
}

export interface WizardOptions {
  env: NodeJS.ProcessEnv;
  /** Where keys come from and prompts go (default: the process's stdin and stdout). */
  input?: Readable;
  output?: Writable;
}

function must<T>(value: T): Exclude<T, symbol> {
  if (p.isCancel(value)) throw new CancelledError();
  return value as Exclude<T, symbol>;
}

const projectIdQuestion = QUESTION_LIST.find((q) => q.name === 'projectId')!;
const apiKeyQuestion = QUESTION_LIST.find((q) => q.name === 'apiKey')!;

/** A flag or the environment answered it: never asked. */
const givenOnTheCommandLine = (source: string) => source === 'flag' || source === 'env';

export function createWizard({ env, input, output }: WizardOptions): Wizard {
  const io = { input, output };
  /** Width for wrapped log lines (clack does not wrap them with the guide bar). */
  const cols = () => ((output as { columns?: number } | undefined)?.columns ?? process.stdout.columns ?? 80) - 3;

  /** One question, by its row's prompt; returns the answer's value. */
  async function askOne(q: AnyQuestion, c: AskContext): Promise<unknown> {
    const prompt = q.prompt;
    if (!prompt) throw new Error(`${q.name} has no prompt`);
    const current = answerOf(c.answers, q.name)?.value;
    const message = prompt.message(c);
    switch (prompt.type) {
      case 'password': {
        // A secret is never pre-filled, and never shown: one bullet per character.
        const text = must(
          await p.password({ ...io, message, mask: '•', validate: (v) => prompt.validate(v ?? '', c) }),
        );
        return prompt.parse(text);
      }
      case 'text': {
        const initialValue =
          current === undefined ? undefined : prompt.toText ? prompt.toText(current) : String(current);
        const text = must(
          await p.text({
            ...io,
            message,
            placeholder: prompt.placeholder,
            initialValue,
            validate: (v) => prompt.validate(v ?? '', c),
          }),
        );
        return prompt.parse(text);
      }
      case 'select':
        return must(await p.select({ ...io, message, initialValue: current, options: prompt.choices(c) }));
      case 'multiselect': {
        const picked = must(
          await p.multiselect({
            ...io,
            message,
            options: prompt.choices(c),
            initialValues: prompt.toPicked(current),
            required: true,
          }),
        );
        return prompt.parse(picked);
      }
    }
  }

  return {
    async ask({ answers, detected, reuse, verify: verifyOnline }) {
      if (reuse && detected.manifest) {
        // A re-run upgrades with the recorded answers; offer to revisit them (what --reconfigure does).
        const m = detected.manifest;
        const change = must(
          await p.select({
            ...io,
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

      const c: AskContext = { answers: { ...answers }, detected };
      const current = (q: AnyQuestion) => answerOf(c.answers, q.name);
      const ask = async (q: AnyQuestion) =>
        setAnswer(c.answers, q.name, { value: await askOne(q, c), source: 'asked' });

      /** Whether the wizard asks this question, its group aside. */
      const shouldAsk = (q: AnyQuestion): boolean => {
        const a = current(q);
        if (!q.prompt) return false;
        if (!a) return true; // required, and nothing gave it: asked even on an upgrade
        if (givenOnTheCommandLine(a.source) || reuse) return false;
        if (q.prompt.onlyWhenUnset && a.source !== 'default') return false;
        return q.prompt.when?.(c) ?? true;
      };

      // The credentials: a working Neon CLI login is offered before a key.
      let cliLogin = false;
      const askCredentials = async () => {
        const cli = detected.neonCli;
        if (cli) {
          const s = p.spinner({ onCancel: exitCancelled, output });
          s.start('Checking for a Neon CLI login');
          const works = await whileSpinning(() => cliLoginWorks(cli, env)).catch(() => false);
          s.stop(works ? 'The Neon CLI is logged in' : 'The Neon CLI is not logged in');
          if (works) {
            cliLogin = must(
              await p.select({
                ...io,
                message: 'How should agents authenticate to Neon?',
                options: [
                  { value: true, label: 'Use my Neon CLI login', hint: 'nothing stored in the repo' },
                  { value: false, label: 'Use an API key', hint: 'kept outside the repo by default' },
                ],
              }),
            );
          }
        }
        if (cliLogin) setAnswer(c.answers, 'apiKey', { value: null, source: 'asked' });
        else await ask(apiKeyQuestion);
      };

      // A group: what was found is shown; its questions are asked only if the user does not keep it. Its members
      // are decided together, when the first comes up, so answering one does not hide the next.
      const askGroup = async (name: GroupName) => {
        if (reuse) return;
        const group = PROMPT_GROUPS[name];
        const members = QUESTION_LIST.filter((q) => q.prompt?.group === name);
        const wanted = members.filter(shouldAsk);
        const lines = group.describe(c).join('\n');
        if (!wanted.length) {
          const allGiven = members.every((q) => givenOnTheCommandLine(current(q)?.source ?? ''));
          const flags = members.flatMap((q) => (q.flag ? [`--${q.flag.name}`] : [])).join(' / ');
          p.log.info(wrap(`${lines}${allGiven ? '' : `\n(${flags} change them)`}`, cols()), io);
          return;
        }
        p.note(wrap(lines, cols() - 4), group.title, io);
        if (must(await p.confirm({ ...io, message: group.confirm, initialValue: true }))) return;
        for (const q of wanted) await ask(q);
      };

      // Check the project and credentials now, while they can still be fixed (not after every other question): a
      // rejected key or an unknown project is asked again; anything else (offline, no login) is reported later.
      const checkCredentials = async (): Promise<VerifyResult | undefined> => {
        const cli = detected.neonCli;
        if (!cli && (cliLogin || !c.answers.apiKey.value)) return undefined; // nothing to check with
        for (;;) {
          const projectId = c.answers.projectId?.value ?? '';
          const key = cliLogin ? undefined : (c.answers.apiKey.value ?? undefined);
          const title = `Checking Neon project ${projectId}`;
          const s = p.spinner({ onCancel: exitCancelled, output });
          s.start(title);
          const r = await whileSpinning(() => verifyProject(cli, projectId, key, env));
          if (r.ok) {
            s.stop(r.projectName ? `${title}: ${r.projectName}` : title);
            return r;
          }
          s.error(`${title}: ${r.message}`);
          if (r.kind === 'rejected') {
            p.log.error(
              wrap(
                'Neon rejected this API key. Create a new one (Console → Account settings → API keys) and paste it again.',
                cols(),
              ),
              io,
            );
            cliLogin = false;
            await ask(apiKeyQuestion);
            continue;
          }
          if (r.kind === 'not-found') {
            p.log.error(
              wrap(
                `Neon has no project ${projectId} that ${key ? 'this key' : 'the Neon CLI login'} can see. Check the id (Console → Project settings → General) and that the key belongs to the project's organization.`,
                cols(),
              ),
              io,
            );
            await ask(projectIdQuestion);
            continue;
          }
          // Unreachable, no login, anything else: the run goes on and says so (as without the wizard).
          return r;
        }
      };

      let askedCredentials = false;
      let verify: VerifyResult | undefined;
      for (const stage of STAGES) {
        const groupsDone = new Set<GroupName>();
        for (const q of QUESTION_LIST) {
          if (q.prompt?.stage !== stage) continue;
          const group = q.prompt.group;
          if (group) {
            if (!groupsDone.has(group)) await askGroup(group);
            groupsDone.add(group);
            continue;
          }
          if (!shouldAsk(q)) continue;
          if (q === apiKeyQuestion) await askCredentials();
          else await ask(q);
          if (stage === 'credentials') askedCredentials = true;
        }
        if (stage === 'credentials' && askedCredentials && verifyOnline) verify = await checkCredentials();
      }

      if (!isComplete(c.answers)) throw new Error('the wizard ended without a required answer'); // asked until valid
      return { answers: reconcile(c.answers), cliLogin, verify };
    },

    async confirmPlan(plan) {
      showPlan(plan.ops, 'Plan');
      const ok = must(await p.confirm({ ...io, message: 'Write these files?', initialValue: true }));
      if (!ok) throw new CancelledError('Cancelled: nothing was written');
    },

    async chooseMaskingRules(proposed) {
      const picked = must(
        await p.multiselect({
          ...io,
          message: `Mask these columns in agent branches? ${dim('(proposed from their names; the file stays yours to edit)')}`,
          options: proposed.map((r, i) => ({
            value: String(i),
            label: ruleColumn(r),
            hint: r.masking_function ?? r.masking_value,
          })),
          initialValues: proposed.map((_, i) => String(i)),
          required: false,
        }),
      );
      return proposed.filter((_, i) => picked.includes(String(i)));
    },
    async chooseOverwrites(ops) {
      const chosen = new Set<string>();
      for (const op of ops) {
        for (;;) {
          const choice = must(
            await p.select({
              ...io,
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
            p.note(simpleDiff(op.previous ?? '', op.owned), op.display, io);
            continue;
          }
          if (choice === 'overwrite') chosen.add(op.display);
          break;
        }
      }
      return chosen;
    },

    async resolveConflicts(conflicts) {
      const resolutions = new Map<string, Resolution>();
      for (const c of conflicts) {
        for (;;) {
          const choice = must(
            await p.select({
              ...io,
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
            p.note(simpleDiff(c.previous ?? '', c.conflictTheirs ?? c.content), c.display, io);
            continue;
          }
          resolutions.set(c.display, choice as Resolution);
          break;
        }
      }
      return resolutions;
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
