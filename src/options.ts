// The command line: argv and the environment → Options. The answers' flags come from the question table
// (answers/questions.ts), which this file turns into the parseArgs config and the --help rows; the switches that
// steer a run rather than answer a question (--yes, --dry-run, --json…) are declared once, below.
import { parseArgs } from 'node:util';
import { QUESTION_LIST, isSwitch, type Answer, type AnswerName, type Given } from './answers/questions.ts';
import { UsageError } from './errors.ts';

/** A flag that steers the run. `negation` is accepted too (`--no-interactive`); `listNegation` lists that form. */
interface RunSwitch {
  flag: string;
  short?: string;
  negation?: string;
  listNegation?: boolean;
  /** The value when neither spelling is given; 'unset' keeps "not given" apart from false. */
  unset?: boolean | 'unset';
  def?: string;
  help: string;
}

/** The run's switches, in --help order (after the answers' flags), keyed by their Options field. */
const RUN_SWITCHES = {
  yes: { flag: 'yes', short: 'y', help: 'Accept defaults for everything not given; never prompt' },
  interactive: {
    flag: 'interactive',
    negation: 'no-interactive',
    unset: 'unset',
    def: 'only when stdin and stdout are terminals and CI is unset',
    help: 'Force the wizard (--no-interactive: never prompt)',
  },
  dryRun: { flag: 'dry-run', help: 'Print the plan and write nothing' },
  force: { flag: 'force', help: 'Overwrite files this tool did not write' },
  verify: {
    flag: 'verify',
    negation: 'no-verify',
    listNegation: true,
    unset: true,
    def: 'verify when the Neon CLI is installed',
    help: 'Skip the online checks of the project and credentials',
  },
  reconfigure: {
    flag: 'reconfigure',
    help: 'Re-run: ask the questions again instead of re-using the recorded answers',
  },
  restore: { flag: 'restore', help: 'Re-run: recreate managed files you deleted' },
  allowDirty: { flag: 'allow-dirty', help: 'Re-run: upgrade even when managed files have uncommitted changes' },
  check: {
    flag: 'check',
    help: 'Exit 0 if everything this tool manages is present and up to date, 1 otherwise (CI gate)',
  },
  json: { flag: 'json', help: 'Print one machine-readable summary on stdout' },
  help: { flag: 'help', short: 'h', help: 'Show this help' },
  version: { flag: 'version', short: 'v', help: 'Show the version' },
} satisfies Record<string, RunSwitch>;

type RunSwitches = typeof RUN_SWITCHES;
export type SwitchOptions = {
  [K in keyof RunSwitches]: RunSwitches[K] extends { unset: 'unset' } ? boolean | undefined : boolean;
};

export type Options = SwitchOptions & {
  dir: string | undefined;
  command: 'init' | 'help' | 'version' | 'check' | 'doctor' | 'uninstall';
  /** The answers the command line and the environment gave, each saying which (resolve() fills in the rest). */
  given: Given;
};

export interface OptionSpec {
  flag: string;
  short?: string;
  value?: string; // placeholder for flags that take a value
  env?: string;
  def?: string; // default, as shown in --help
  help: string;
}

/** The public contract, in --help order: the answers' flags, then the run's switches. */
export const OPTION_SPECS: OptionSpec[] = [
  ...QUESTION_LIST.flatMap((q): OptionSpec[] => {
    const f = q.flag;
    if (!f) return [];
    // A switch answer is on by default: it is listed by the form that changes something.
    if (isSwitch(f)) return [{ flag: `no-${f.name}`, def: f.shownDefault, help: f.help }];
    const shown =
      f.shownDefault ?? (q.default === undefined ? undefined : (f.format?.(q.default) ?? String(q.default)));
    return [{ flag: f.name, value: f.value, env: q.env, def: shown ?? undefined, help: f.help }];
  }),
  ...Object.values(RUN_SWITCHES).map((s: RunSwitch) => ({
    flag: s.listNegation ? s.negation! : s.flag,
    short: s.short,
    def: s.def,
    help: s.help,
  })),
];

type ParseArgsOptions = Record<string, { type: 'string' | 'boolean'; short?: string }>;

/** parseArgs' config: every spelling of every flag, answers and switches. */
function parseArgsConfig(): ParseArgsOptions {
  const out: ParseArgsOptions = {};
  for (const q of QUESTION_LIST) {
    const f = q.flag;
    if (!f) continue;
    if (isSwitch(f)) for (const n of [f.name, `no-${f.name}`]) out[n] = { type: 'boolean' };
    else for (const n of [f.name, ...(f.aliases ?? [])]) out[n] = { type: 'string' };
  }
  for (const s of Object.values(RUN_SWITCHES) as RunSwitch[]) {
    out[s.flag] = s.short ? { type: 'boolean', short: s.short } : { type: 'boolean' };
    if (s.negation) out[s.negation] = { type: 'boolean' };
  }
  return out;
}

/** Parse argv (without node and script) and the environment. Throws UsageError on bad input. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let parsed: ReturnType<
    typeof parseArgs<{ args: string[]; allowPositionals: true; strict: true; options: ParseArgsOptions }>
  >;
  try {
    parsed = parseArgs({ args: argv, allowPositionals: true, strict: true, options: parseArgsConfig() });
  } catch (e) {
    const msg = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '');
    throw new UsageError(`${msg}. Run create-neon-agents --help to see the options.`);
  }
  const v = parsed.values as Record<string, string | boolean | undefined>;
  const str = (k: string) => (typeof v[k] === 'string' ? (v[k] as string) : undefined);
  const bool = (pos: string, neg: string): boolean | undefined => {
    if (v[pos] && v[neg]) throw new UsageError(`--${pos} and --${neg} contradict each other; give one`);
    return v[pos] ? true : v[neg] ? false : undefined;
  };
  // Subcommands: `doctor` and `uninstall` (a directory named like one: pass it as ./doctor).
  const positionals = [...parsed.positionals];
  let sub: 'doctor' | 'uninstall' | null = null;
  if (positionals[0] === 'doctor' || positionals[0] === 'uninstall')
    sub = positionals.shift() as 'doctor' | 'uninstall';
  if (positionals.length > 1) {
    throw new UsageError(`Expected at most one directory, got ${positionals.length}: ${positionals.join(' ')}`);
  }
  if (v.yes && v.interactive)
    throw new UsageError('--yes (never prompt) and --interactive (force the wizard) contradict each other; give one');

  // Every value flag's spellings: a missing value is reported before any value is judged.
  for (const q of QUESTION_LIST) {
    const f = q.flag;
    if (!f || isSwitch(f) || f.mayBeEmpty) continue;
    for (const n of [f.name, ...(f.aliases ?? [])])
      if (str(n) !== undefined && str(n)!.trim() === '') throw new UsageError(`--${n} needs a value`);
  }
  // The answers: the flag (its first spelling given), else the env variable (empty counts as unset).
  const given: Partial<Record<AnswerName, Answer<unknown>>> = {};
  for (const q of QUESTION_LIST) {
    const f = q.flag;
    if (f && isSwitch(f)) {
      const on = bool(f.name, `no-${f.name}`);
      if (on !== undefined) given[q.name] = { value: on, source: 'flag' };
      continue;
    }
    const spelling = f && [f.name, ...(f.aliases ?? [])].find((n) => str(n) !== undefined);
    if (f && spelling) given[q.name] = { value: f.parse(str(spelling)!, `--${f.name}`), source: 'flag' };
    else if (f && q.env && env[q.env]) given[q.name] = { value: f.parse(env[q.env]!, q.env), source: 'env' };
  }
  for (const q of QUESTION_LIST) {
    const problem = q.checkGiven?.(given as Given);
    if (problem) throw new UsageError(problem);
  }

  const switches = Object.fromEntries(
    Object.entries(RUN_SWITCHES).map(([key, s]: [string, RunSwitch]) => {
      const on = s.negation ? bool(s.flag, s.negation) : Boolean(v[s.flag]);
      return [key, on ?? (s.unset === 'unset' ? undefined : s.unset)];
    }),
  ) as SwitchOptions;

  return {
    ...switches,
    dir: positionals[0],
    command: v.help ? 'help' : v.version ? 'version' : (sub ?? (v.check ? 'check' : 'init')),
    // parse() is the row's own: each value has its row's type (Given is the table's view of that).
    given: given as Given,
  };
}

export const EXAMPLES = [
  ['Interactive wizard in the current repository', 'npm create neon-agents@latest'],
  [
    'CI / scripts: everything by flags, never prompts',
    'npx create-neon-agents --yes --project-id winter-sun-12345678 --roles feature-developer,data-optimizer',
  ],
  ['See what would change, write nothing', 'npx create-neon-agents --dry-run --yes --project-id winter-sun-12345678'],
  [
    'Upgrade after a new release (re-uses recorded answers, merges your edits)',
    'npm create neon-agents@latest -- --yes',
  ],
  ['CI gate: fail when the setup is missing or stale', 'npx create-neon-agents@latest --check'],
];

export function helpText(version: string): string {
  const lines = [
    `create-neon-agents ${version}`,
    '',
    'Give every parallel Claude Code subagent its own git worktree and its own Neon Postgres branch.',
    '',
    'Usage: create-neon-agents [dir] [options]        set up, or upgrade what an earlier run wrote',
    '       create-neon-agents doctor [dir] [--json]  diagnose a setup, each finding with its fix',
    '       create-neon-agents uninstall [dir]         remove what this tool wrote (your edits are kept)',
    '',
    '  dir                           a directory inside a git work tree (default: the current directory)',
    '',
    'Options:',
  ];
  for (const s of OPTION_SPECS) {
    const name = `${s.short ? `-${s.short}, ` : '    '}--${s.flag}${s.value ? ` <${s.value}>` : ''}`;
    const extra = [s.env ? `env ${s.env}` : '', s.def ? `default: ${s.def}` : ''].filter(Boolean).join('; ');
    lines.push(`  ${name.padEnd(30)}${s.help}${extra ? ` (${extra})` : ''}`);
  }
  lines.push('', 'Examples:');
  for (const [what, cmd] of EXAMPLES) lines.push(`  # ${what}`, `  ${cmd}`, '');
  lines.push('Exit codes: 0 ok, 1 failure, 2 usage error or missing input, 130 cancelled.');
  return lines.join('\n') + '\n';
}
