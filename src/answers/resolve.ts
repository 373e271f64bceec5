// From what was given (flags, the environment), recorded (the manifest), stored (the env file) and detected to every
// answer a run uses, each with its source; and back to the one command line that reproduces them (printed for CI
// and agents, and in --json). Everything here walks the question table (questions.ts): no answer is named.
import type { Detected } from '../detect/index.ts';
import { DEFAULT_ANSWERS, type ManifestAnswers } from '../shared/manifest.ts';
import {
  QUESTION_LIST,
  isSwitch,
  type Answer,
  type AnswerName,
  type AnyQuestion,
  type Given,
  type Pending,
  type RequiredName,
  type Resolved,
  type Source,
} from './questions.ts';

/** The table-walking code sees answers by name with their types erased (see AnyQuestion). */
type AnswerMap = Partial<Record<AnswerName, Answer<unknown>>>;

/** A recorded or stored empty string is no answer (parseManifest fills a missing projectId with ''). */
const present = (v: unknown): boolean => v !== undefined && v !== '';

/** One answer: given (flag, env) › the manifest › the user credentials file › the env file › detection › the default. */
function resolveOne(q: AnyQuestion, given: Given, d: Detected): Answer<unknown> | undefined {
  const givenMap: AnswerMap = given;
  const g = givenMap[q.name];
  if (g) return g;
  // Secrets are never recorded; anything else an earlier run answered is re-used.
  const recorded = q.secret ? undefined : (d.manifest?.answers as Record<string, unknown> | undefined)?.[q.name];
  if (present(recorded)) return { value: recorded, source: 'manifest' };
  const kept = q.userFile?.(d, given);
  if (present(kept)) return { value: kept, source: 'user-file' };
  const stored = q.envFileKey ? d.envValues.get(q.envFileKey) : undefined;
  if (present(stored)) return { value: stored, source: 'env-file' };
  const detected = q.detect?.(d);
  if (detected !== undefined) return { value: detected, source: 'detected' };
  if (q.default !== undefined) return { value: q.default, source: 'default' };
  return undefined; // required, and nothing gave it
}

/** Flags and the environment override recorded answers, which override stored, detected and default ones. */
export function resolve(given: Given, d: Detected): Pending {
  const out: AnswerMap = {};
  for (const q of QUESTION_LIST) {
    const a = resolveOne(q, given, d);
    if (a) out[q.name] = a;
  }
  // Every row without a default is a RequiredName (the table's types say so): the rest are all present.
  return reconcile(out as Pending);
}

/** Settle answers that conflict with each other (QuestionBase.reconcile); also after the wizard changed some. */
export function reconcile<T extends Pending>(a: T): T {
  const out: AnswerMap = { ...a };
  for (const q of QUESTION_LIST) {
    const settled = q.reconcile?.(out as Pending);
    if (settled) out[q.name] = settled;
  }
  return out as T;
}

/** The required answers still missing. */
export function missingAnswers(a: Pending): RequiredName[] {
  const map: AnswerMap = a;
  return QUESTION_LIST.filter((q) => !map[q.name]).map((q) => q.name as RequiredName);
}

/** Every answer is there: the wizard (or the caller) may use them as Resolved. */
export function isComplete(a: Pending): a is Resolved {
  return missingAnswers(a).length === 0;
}

/** One answer by name, its type erased (for code that walks the table). */
export function answerOf(a: Pending, name: AnswerName): Answer<unknown> | undefined {
  const map: AnswerMap = a;
  return map[name];
}

/** Set one answer by name (the wizard's loop, which has the name but not the type). */
export function setAnswer(a: Pending, name: AnswerName, answer: Answer<unknown>): void {
  const map: AnswerMap = a;
  map[name] = answer;
}

/**
 * The answers the manifest records: everything but the secrets. In the manifest's own key order (DEFAULT_ANSWERS',
 * then the required ones), not the table's: the manifest is committed, and a re-run must not reorder its lines.
 */
export function manifestAnswers(r: Resolved): ManifestAnswers {
  const map: AnswerMap = r;
  const recorded = QUESTION_LIST.filter((q) => !q.secret).map((q) => q.name);
  const order = [...Object.keys(DEFAULT_ANSWERS), ...recorded].filter((n) => recorded.includes(n as AnswerName));
  const out: Record<string, unknown> = {};
  for (const name of new Set(order)) out[name] = map[name as AnswerName]!.value;
  // Every row that is not a secret is a ManifestAnswers field (QuestionTable's keys are exactly AnswerName).
  return out as unknown as ManifestAnswers;
}

/** Where each answer came from, for --json. */
export function sourcesOf(r: Resolved): Record<AnswerName, Source> {
  const map: AnswerMap = r;
  return Object.fromEntries(QUESTION_LIST.map((q) => [q.name, map[q.name]!.source])) as Record<AnswerName, Source>;
}

/**
 * The complete non-interactive command equivalent to a run. Secrets are left out (they come from the environment);
 * a missing answer shows as `<flag>`, or as a valid example when the command is offered as one.
 */
export function equivalentCommand(
  a: Pending,
  dir: string | undefined,
  missing: 'placeholder' | 'example' = 'placeholder',
): string {
  const map: AnswerMap = a;
  const parts = ['npx create-neon-agents@latest'];
  if (dir) parts.push(JSON.stringify(dir));
  parts.push('--yes');
  for (const q of QUESTION_LIST) {
    const flag = q.flag;
    if (!flag || q.secret) continue;
    const answer = map[q.name];
    if (isSwitch(flag)) {
      if (answer?.value === false) parts.push(`--no-${flag.name}`);
      continue;
    }
    const name = flag.commandName ?? flag.name;
    if (!answer) {
      parts.push(`--${name} ${missing === 'example' && flag.example ? flag.example : `<${flag.name}>`}`);
      continue;
    }
    const text = flag.format ? flag.format(answer.value) : answer.value === null ? null : String(answer.value);
    if (text !== null) parts.push(`--${name} ${text}`);
  }
  return parts.join(' ');
}

/** The usage error of a run without a terminal that lacks a required answer: which flags, and a complete example. */
export function missingMessage(a: Pending, dir: string | undefined): string {
  const missing = QUESTION_LIST.filter((q) => missingAnswers(a).includes(q.name as RequiredName));
  const flags = missing.map((q) => (q.flag ? `--${q.flag.name}` : q.name));
  const hints = missing.flatMap((q) => (q.hint ? [`${q.hint.charAt(0).toUpperCase()}${q.hint.slice(1)}.`] : []));
  return (
    `Missing ${flags.join(', ')} (needed without a terminal to ask in). ${hints.join(' ')}\n` +
    `Example:\n  ${equivalentCommand(a, dir, 'example')}`
  );
}
