// The question table: every answer a run settles is declared here and nowhere else — its flag (spellings, value
// placeholder, help and default as --help shows them, how a value is parsed and how it is written back for the
// equivalent command), its env variable, where its default comes from (the manifest of an earlier run, the main
// checkout's env file, what detection found, a constant), whether it is a secret, and its wizard prompt.
//
// Derived from it: the parseArgs config and the --help rows (options.ts), resolve() and equivalentCommand()
// (resolve.ts), and the wizard's loop (prompts.ts). Adding a setting is one entry here (plus its field in
// ManifestAnswers, which the runtime reads) and its test; the types below refuse a ManifestAnswers field without an
// entry, and a non-required entry without a default.
import { dim } from 'kolorist';
import type { Detected } from '../detect/index.ts';
import {
  AGENT_DATA,
  DEFAULT_ANSWERS,
  KEY_STORES,
  USER_CREDENTIALS_DISPLAY,
  PERMISSION_MODES,
  TOOLS,
  type ManifestAnswers,
  type PermissionMode,
  type ToolId,
} from '../shared/manifest.ts';
import { ROLES, ROLE_NAMES } from '../roles.ts';
import { detectionLines } from '../present/detection.ts';
import { UsageError } from '../errors.ts';
import { MASKING_RULES_PATH } from '../shared/masking.ts';
import {
  MAX_TTL_DAYS,
  PROJECT_ID_HINT,
  parseDatabaseUrlVar,
  parseDirectUrlVar,
  parsePermissionMode,
  parseRoles,
  parseTtl,
  validateApiKey,
  validateEnvFile,
  validateEnvVarName,
  validateProjectId,
} from './validate.ts';

/**
 * Where an answer came from. `env` is the process environment; `env-file` the main checkout's env file; `user-file`
 * the user credentials file outside the repository (src/shared/key-store.ts).
 */
export type Source = 'flag' | 'env' | 'manifest' | 'user-file' | 'env-file' | 'detected' | 'default' | 'asked';

/** Every answer a run settles: the manifest's, and the secrets that never go there. */
export interface AnswerValues extends ManifestAnswers {
  /** The Neon API key; null: none, the runtime authenticates with the Neon CLI's login. */
  apiKey: string | null;
}
export type AnswerName = keyof AnswerValues;
/** Answers kept out of the manifest (and out of every printed command): only the env file holds them. */
export type SecretName = Exclude<AnswerName, keyof ManifestAnswers>;
/** Answers without a default: until given or asked they may be missing (then a run without a terminal exits 2). */
export type RequiredName = 'projectId';

export interface Answer<V> {
  value: V;
  source: Source;
}
/** Every answer, with where it came from. */
export type Resolved = { [K in AnswerName]: Answer<AnswerValues[K]> };
/** Resolved, but before the wizard: a required answer may still be missing. */
export type Pending = Omit<Resolved, RequiredName> & Partial<Pick<Resolved, RequiredName>>;
/** What the command line and the environment gave (parseOptions), each with which of the two. */
export type Given = { [K in AnswerName]?: { value: AnswerValues[K]; source: 'flag' | 'env' } };

/** A flag that takes a value: `--branch-ttl <days>`. */
export interface ValueFlag<V> {
  /** Without the leading `--`. */
  name: string;
  /** Other spellings accepted for it. */
  aliases?: string[];
  /** The value's placeholder in --help: `<days>`. */
  value: string;
  help: string;
  /** The default as --help states it; without it, the constant default, formatted. */
  shownDefault?: string;
  /** `--x ''` means something (`--direct-url-var ''`: none) instead of being a missing value. */
  mayBeEmpty?: boolean;
  /** The flag's (or env variable's) text → the answer; throws a UsageError whose message names `label`. */
  parse(text: string, label: string): V;
  /** The answer → the flag's text in the equivalent command; null leaves the flag out. Default: String(value). */
  format?(value: V): string | null;
  /** The spelling the equivalent command uses, when not `name`. */
  commandName?: string;
  /** A valid value for examples in messages. */
  example?: string;
}

/** A boolean that is on by default: `--no-<name>` turns it off (listed so in --help), `--<name>` is accepted too. */
export interface SwitchFlag {
  name: string;
  help: string;
  shownDefault: string;
}

type FlagFor<V> = [V] extends [boolean] ? SwitchFlag : ValueFlag<V>;

/** The wizard's sections, in the order it asks them; within a section, questions come in table order. */
export const STAGES = [
  // First, so the online check runs right after the credentials are entered, while they can still be fixed.
  'credentials',
  // Where the app reads its database from.
  'app',
  // What the agents get.
  'agents',
] as const;
export type Stage = (typeof STAGES)[number];

/** What a prompt sees: the answers so far (the project id may still be missing) and the repository. */
export interface AskContext {
  answers: Pending;
  detected: Detected;
}

export interface Choice<V> {
  value: V;
  label: string;
  hint?: string;
}

interface PromptBase {
  stage: Stage;
  message(c: AskContext): string;
  /** Ask only when this holds, besides: not given by a flag or the environment, not re-used from the manifest. */
  when?(c: AskContext): boolean;
  /** Asked only while nothing gave a value (a stored project id or key is not asked for again; --reconfigure too). */
  onlyWhenUnset?: boolean;
  /** Asked together behind one "keep these?" question (PROMPT_GROUPS). */
  group?: GroupName;
}

/** A line of text; `password` masks it and never pre-fills it. */
export interface TextPrompt<V> extends PromptBase {
  type: 'text' | 'password';
  placeholder?: string;
  /** The current answer as the prompt's initial text. Default: String(value). */
  toText?(value: V): string;
  validate(text: string, c: AskContext): string | undefined;
  parse(text: string): V;
}

export interface SelectPrompt<V> extends PromptBase {
  type: 'select';
  choices(c: AskContext): Choice<V>[];
}

export interface MultiSelectPrompt<V> extends PromptBase {
  type: 'multiselect';
  choices(c: AskContext): Choice<string>[];
  toPicked(value: V): string[];
  parse(picked: string[]): V;
}

export type PromptSpec<V> = TextPrompt<V> | SelectPrompt<V> | MultiSelectPrompt<V>;

export type GroupName = 'databaseVariables';

/** Questions asked as one: what was found is shown, and they are asked only if the user does not keep it. */
export interface PromptGroup {
  title: string;
  describe(c: AskContext): string[];
  confirm: string;
}

export const PROMPT_GROUPS: Record<GroupName, PromptGroup> = {
  databaseVariables: {
    title: 'Database variables',
    // The variable lines only: the env file was settled (and shown) by its own question.
    describe: ({ answers: a, detected }) =>
      detectionLines(detected.project, {
        databaseUrlVar: a.databaseUrlVar.value,
        directUrlVar: a.directUrlVar.value,
        envFile: a.envFile.value,
      }).slice(0, 2),
    confirm: 'Use these variables?',
  },
};

interface QuestionBase<V> {
  /** The process environment variable that gives it when the flag does not. */
  env?: string;
  /** The key in the main checkout's env file that holds it (an earlier run's, or the user's own). */
  envFileKey?: string;
  /** A value kept outside the repository (the user credentials file), looked at before the env file. */
  userFile?(d: Detected, given: Given): V | undefined;
  /** What detection found in the repository; undefined: nothing. */
  detect?(d: Detected): V | undefined;
  /** What a valid value looks like, for the message when a required answer is missing. */
  hint?: string;
  /** A combination of given answers that makes no sense: the usage error's message. */
  checkGiven?(given: Given): string | undefined;
  /** Once every answer is known: a value that conflicts with another answer gives way (undefined: no conflict). */
  reconcile?(a: Pending): Answer<V> | undefined;
  prompt?: PromptSpec<V>;
}

export interface Question<V> extends QuestionBase<V> {
  flag?: FlagFor<V>;
  /** Used when nothing else gives a value. */
  default?: V;
}

/** One table row: the constraints a row's key puts on it (a default unless required; `secret` iff not recorded). */
type Row<K extends AnswerName> = Question<AnswerValues[K]> &
  (K extends RequiredName ? { default?: undefined } : { default: AnswerValues[K] }) &
  (K extends SecretName ? { secret: true } : { secret?: false });

export type QuestionTable = { [K in AnswerName]: Row<K> };

const EXAMPLE_PROJECT_ID = 'winter-sun-12345678';
const CONVENTIONAL_URL_VAR = 'DATABASE_URL';

/** The app names its own database variables (not just DATABASE_URL and no direct URL): worth a question. */
const appNamesItsOwnVariables = ({ answers: a }: AskContext) =>
  a.databaseUrlVar.value !== CONVENTIONAL_URL_VAR || Boolean(a.directUrlVar.value);

/**
 * A Postgres database or role name as Neon's API takes it (the runtime URL-encodes it): 1 to 63 bytes (Postgres'
 * NAMEDATALEN), no control characters. Neon accepts anything else, so nothing else is checked.
 */
function parsePostgresName(text: string, flag: string): string {
  const v = text.trim();
  if (!v || Buffer.byteLength(v) > 63 || /[\0-\x1f\x7f]/.test(v)) {
    throw new UsageError(
      `${flag} must be a Postgres name of 1 to 63 bytes without control characters (Console → Branches → Roles & Databases), got "${text}"`,
    );
  }
  return v;
}

const TOOL_LABELS: Record<ToolId, { label: string; hint: string }> = {
  claude: { label: 'Claude Code', hint: 'WorktreeCreate/WorktreeRemove, and SessionStart for the desktop app' },
  codex: { label: 'Codex app', hint: '.codex/environments/environment.toml setup and cleanup' },
  conductor: { label: 'Conductor', hint: '.conductor/settings.toml (or conductor.json) setup and archive' },
  worktrunk: { label: 'worktrunk (wt)', hint: '.config/wt.toml pre-start and pre-remove' },
  cursor: { label: 'Cursor', hint: '.cursor/worktrees.json setup (Cursor has no teardown hook)' },
  gtr: { label: 'gtr (git worktree runner)', hint: 'git config gtr.hook.postCreate / preRemove' },
};

function parseTools(text: string, label: string): ToolId[] {
  const names = [
    ...new Set(
      text
        .split(',')
        .map((t) => t.trim().toLowerCase())
        .filter(Boolean),
    ),
  ];
  const unknown = names.filter((n) => !(TOOLS as readonly string[]).includes(n));
  if (!names.length || unknown.length)
    throw new UsageError(
      `${label} takes a comma-separated list of ${TOOLS.join(', ')}${unknown.length ? `; unknown: ${unknown.join(', ')}` : ''}`,
    );
  return TOOLS.filter((t) => names.includes(t));
}

/** A flag's parser that takes one of `choices` (case-insensitive). */
function oneOf<T extends string>(choices: readonly T[]): (text: string, label: string) => T {
  return (text, label) => {
    const v = text.trim().toLowerCase();
    if (!(choices as readonly string[]).includes(v))
      throw new UsageError(`${label} takes ${choices.join(' or ')}, got "${text}"`);
    return v as T;
  };
}

/** A UsageError from a validator that returns a message. */
function orThrow(message: string | undefined): void {
  if (message) throw new UsageError(message);
}

const PERMISSION_HINTS: Record<PermissionMode, string> = {
  bypassPermissions:
    'no prompts: agents run any command as you (their worktree and branch isolate code and data, not your machine)',
  acceptEdits: 'file edits without asking; shell commands still ask',
  default: 'ask before edits and commands',
  dontAsk: 'never ask; anything not pre-approved is denied',
  plan: 'read-only: the agent plans and proposes, changes nothing',
};

/**
 * The table, in --help order (which is also the equivalent command's order, and the wizard's within a stage).
 * Values without a flag are still answers: recorded in the manifest, honoured by the runtime, defaulted here.
 */
export const QUESTIONS: QuestionTable = {
  projectId: {
    flag: {
      name: 'project-id',
      value: 'id',
      help: 'Neon project that agent branches are created in',
      example: EXAMPLE_PROJECT_ID,
      parse: (text) => {
        const v = text.trim();
        orThrow(validateProjectId(v));
        return v;
      },
    },
    env: 'NEON_PROJECT_ID',
    envFileKey: 'NEON_PROJECT_ID',
    hint: PROJECT_ID_HINT,
    prompt: {
      stage: 'credentials',
      type: 'text',
      message: () => 'Neon project id',
      placeholder: EXAMPLE_PROJECT_ID,
      onlyWhenUnset: true,
      validate: (text) => validateProjectId(text),
      parse: (text) => text.trim(),
    },
  },
  apiKey: {
    secret: true,
    flag: {
      name: 'api-key',
      value: 'key',
      shownDefault: 'the Neon CLI login',
      help: `Neon API key (never printed), kept where --key-store says`,
      parse: (text, label) => {
        const v = text.trim();
        orThrow(validateApiKey(v, label));
        return v;
      },
    },
    env: 'NEON_API_KEY',
    // The runtime's order: the user credentials file's key for this project, then the env file's.
    userFile: (d, given) => {
      const project = given.projectId?.value ?? (d.manifest?.answers.projectId || d.envValues.get('NEON_PROJECT_ID'));
      return project ? d.userCredentials.keys.get(project) : undefined;
    },
    envFileKey: 'NEON_API_KEY',
    default: null,
    // The wizard first offers a working Neon CLI login instead (prompts.ts); this is the key itself.
    prompt: {
      stage: 'credentials',
      type: 'password',
      message: () => `Neon API key ${dim('(never printed or committed; empty = use the Neon CLI login)')}`,
      onlyWhenUnset: true,
      validate: (text) => (text.trim() ? validateApiKey(text.trim(), 'This key') : undefined),
      parse: (text) => text.trim() || null,
    },
  },
  keyStore: {
    flag: {
      name: 'key-store',
      value: 'where',
      help: `Where the API key is kept: user (${USER_CREDENTIALS_DISPLAY}, outside the repo, keyed by project) | env-file (the main checkout's env file)`,
      parse: oneOf(KEY_STORES),
    },
    default: DEFAULT_ANSWERS.keyStore,
    prompt: {
      stage: 'credentials',
      type: 'select',
      message: () => 'Where should the API key be kept?',
      // Only when there is a key to keep (not with the Neon CLI login).
      when: ({ answers }) => Boolean(answers.apiKey.value),
      choices: ({ answers }) => [
        {
          value: 'user',
          label: `${USER_CREDENTIALS_DISPLAY} (recommended)`,
          hint: 'outside the repo, mode 0600: agents working in it never come across the key',
        },
        {
          value: 'env-file',
          label: `${answers.envFile.value} in the main checkout`,
          hint: "next to the app's settings; Claude's file tools are denied it, but an agent's shell commands could read it",
        },
      ],
    },
  },
  roles: {
    flag: {
      name: 'roles',
      value: 'list',
      help: `Agent roles to create: ${ROLE_NAMES.join(', ')}`,
      parse: (text) => parseRoles(text),
      format: (roles) => roles.join(','),
    },
    default: DEFAULT_ANSWERS.roles,
    prompt: {
      stage: 'agents',
      type: 'multiselect',
      message: () => 'Which agent roles?',
      choices: () => ROLES.map((r) => ({ value: r.name, label: r.name, hint: r.hint })),
      toPicked: (roles) => roles,
      parse: (picked) => picked,
    },
  },
  permissionMode: {
    flag: {
      name: 'permission-mode',
      value: 'mode',
      help: PERMISSION_MODES.join(' | '),
      parse: (text) => parsePermissionMode(text),
    },
    default: DEFAULT_ANSWERS.permissionMode,
    prompt: {
      stage: 'agents',
      type: 'select',
      message: () => 'Permission mode for the agents',
      choices: () => PERMISSION_MODES.map((m) => ({ value: m, label: m, hint: PERMISSION_HINTS[m] })),
    },
  },
  parentBranch: {
    flag: {
      name: 'parent-branch',
      value: 'name',
      shownDefault: "the project's default branch",
      help: 'Neon branch that agent branches are created from',
      parse: (text) => text.trim(),
    },
    default: DEFAULT_ANSWERS.parentBranch,
  },
  branchTtlDays: {
    flag: {
      name: 'branch-ttl',
      value: 'days',
      help: `Days until an agent branch expires; 0 = never, at most ${MAX_TTL_DAYS}`,
      parse: (text) => parseTtl(text),
    },
    default: DEFAULT_ANSWERS.branchTtlDays,
    prompt: {
      stage: 'agents',
      type: 'text',
      message: () => `Delete agent branches after how many days? ${dim(`(0 = never, at most ${MAX_TTL_DAYS})`)}`,
      validate: (text) => {
        const s = text.trim();
        if (!/^\d+$/.test(s) || Number(s) > MAX_TTL_DAYS) return `A whole number from 0 to ${MAX_TTL_DAYS}`;
        return undefined;
      },
      parse: (text) => Number(text.trim()),
    },
  },
  agentData: {
    flag: {
      name: 'agent-data',
      value: 'kind',
      help: `What data agent branches get: full (a copy of the parent's) | anonymized (personal data masked by the rules in ${MASKING_RULES_PATH})`,
      parse: oneOf(AGENT_DATA),
    },
    default: DEFAULT_ANSWERS.agentData,
    prompt: {
      stage: 'agents',
      type: 'select',
      message: () => 'What data do agent branches start with?',
      choices: () => [
        { value: 'full', label: 'full', hint: "a copy of the parent branch's data, as it is" },
        {
          value: 'anonymized',
          label: 'anonymized',
          hint: `personal data masked (Neon data masking, beta): rules in ${MASKING_RULES_PATH}, proposed from your schema`,
        },
      ],
    },
  },
  envFile: {
    // `--env-path` is an alias: Node 20 itself consumes `--env-file` anywhere on its command line (a Node bug fixed
    // in 22), and exits 9 when that file does not exist yet. So the printed command uses the alias.
    flag: {
      name: 'env-file',
      aliases: ['env-path'],
      commandName: 'env-path',
      value: 'path',
      shownDefault: 'detected (.env, .env.local, apps/web/.env.local…)',
      help: 'Env file your app reads its database URL from (alias --env-path: on Node 20 use it for a file that does not exist yet)',
      parse: (text) => validateEnvFile(text),
    },
    detect: (d) => d.project.envFile,
    default: DEFAULT_ANSWERS.envFile,
    prompt: {
      stage: 'app',
      type: 'select',
      message: () => 'Which env file does the app read its database URL from?',
      // Only when the app's files point at several; one candidate is simply shown.
      when: ({ detected }) => (detected.project.envFileCandidates ?? []).length > 1,
      choices: ({ detected }) =>
        (detected.project.envFileCandidates ?? []).map((c) => ({ value: c.file, label: c.file, hint: c.reason })),
    },
  },
  databaseUrlVar: {
    flag: {
      name: 'database-url-var',
      value: 'name',
      shownDefault: 'detected (DATABASE_URL, POSTGRES_URL… from drizzle.config, schema.prisma, prisma.config.ts)',
      help: "Variable the app reads its database URL from; each worktree's env file gets its own branch's URL under it",
      parse: (text) => parseDatabaseUrlVar(text),
    },
    detect: (d) => (d.project.databaseUrlFrom ? d.project.databaseUrlVar : undefined),
    default: DEFAULT_ANSWERS.databaseUrlVar,
    prompt: {
      stage: 'app',
      type: 'text',
      group: 'databaseVariables',
      message: () => 'Variable the app reads its database URL from',
      // The convention (DATABASE_URL, no direct URL) is shown, not asked: the flags change it.
      when: appNamesItsOwnVariables,
      validate: (text) => validateEnvVarName(text, 'The name'),
      parse: (text) => text.trim(),
    },
  },
  directUrlVar: {
    flag: {
      name: 'direct-url-var',
      value: 'name',
      mayBeEmpty: true,
      shownDefault: 'detected (e.g. DIRECT_URL, DATABASE_URL_UNPOOLED), else none',
      help: "Variable for the direct (unpooled) URL, e.g. Prisma's directUrl; '' or none: no direct URL",
      parse: (text) => parseDirectUrlVar(text),
      format: (name) => name ?? 'none',
    },
    detect: (d) => d.project.directUrlVar ?? undefined,
    default: DEFAULT_ANSWERS.directUrlVar,
    checkGiven: ({ databaseUrlVar: url, directUrlVar: direct }) =>
      url && direct?.value && url.value === direct.value
        ? `--database-url-var and --direct-url-var name the same variable (${direct.value}); give the direct URL another name, or --direct-url-var none`
        : undefined,
    // The same name for both would make the runtime write two URLs into one variable: the direct one goes.
    reconcile: (a) =>
      a.directUrlVar.value && a.directUrlVar.value === a.databaseUrlVar.value
        ? { value: null, source: 'default' }
        : undefined,
    prompt: {
      stage: 'app',
      type: 'text',
      group: 'databaseVariables',
      message: () => `Variable for the direct (unpooled) URL ${dim('(empty = none)')}`,
      when: appNamesItsOwnVariables,
      toText: (name) => name ?? '',
      validate: (text, { answers }) => {
        const t = text.trim();
        if (!t) return undefined;
        if (t === answers.databaseUrlVar.value)
          return 'Give the direct URL another name than the database URL (or leave it empty)';
        return validateEnvVarName(t, 'The name');
      },
      parse: (text) => text.trim() || null,
    },
  },
  pooled: {
    flag: { name: 'pooled', shownDefault: 'pooled', help: 'Write the direct host instead of the pooled (-pooler) one' },
    default: DEFAULT_ANSWERS.pooled,
  },
  gitHook: {
    flag: { name: 'git-hook', shownDefault: 'installed', help: 'Do not install the git post-checkout hook' },
    default: DEFAULT_ANSWERS.gitHook,
  },
  claudeHooks: {
    flag: {
      name: 'claude-hooks',
      shownDefault: 'added',
      help: 'Do not add WorktreeCreate/WorktreeRemove hooks to .claude/settings.json',
    },
    default: DEFAULT_ANSWERS.claudeHooks,
  },
  databaseName: {
    flag: {
      name: 'database-name',
      value: 'name',
      shownDefault: "the branch's only database",
      help: "Database the worktrees' URLs connect to; needed when the parent branch has several",
      parse: (text, label) => parsePostgresName(text, label),
    },
    default: DEFAULT_ANSWERS.databaseName,
  },
  roleName: {
    flag: {
      name: 'role-name',
      value: 'name',
      shownDefault: "the branch's only role",
      help: "Postgres role the worktrees' URLs log in as; needed when the parent branch has several",
      parse: (text, label) => parsePostgresName(text, label),
    },
    default: DEFAULT_ANSWERS.roleName,
  },
  tools: {
    flag: {
      name: 'tools',
      value: 'list',
      shownDefault: 'claude, and the tools whose config files the repository has',
      help: `Tools that start agents in worktrees, each wired through its own setup/teardown hooks: ${TOOLS.join(', ')}`,
      parse: (text, label) => parseTools(text, label),
      // No tools at all only by --no-claude-hooks, which the command already says.
      format: (tools) => (tools.length ? tools.join(',') : null),
    },
    detect: (d) => d.tools,
    default: DEFAULT_ANSWERS.tools,
    // --no-claude-hooks (the older switch) and `claude` in the list say the same thing: the switch wins when given.
    reconcile: (a) =>
      !a.claudeHooks.value && a.tools.value.includes('claude')
        ? { value: a.tools.value.filter((t) => t !== 'claude'), source: a.claudeHooks.source }
        : undefined,
    prompt: {
      stage: 'agents',
      type: 'multiselect',
      message: () => 'Which tools start agents in worktrees here? (each gets its own Neon branch)',
      // Asked when the repository shows another tool's config; otherwise Claude Code alone (--tools adds others).
      when: ({ detected }) => detected.tools.some((t) => t !== 'claude'),
      choices: () => TOOLS.map((t) => ({ value: t, label: TOOL_LABELS[t].label, hint: TOOL_LABELS[t].hint })),
      toPicked: (tools) => tools,
      parse: (picked) => TOOLS.filter((t) => picked.includes(t)),
    },
  },
  onProvisionFailure: { default: DEFAULT_ANSWERS.onProvisionFailure },
  provisionTimeoutSeconds: { default: DEFAULT_ANSWERS.provisionTimeoutSeconds },
  ownBranchPassword: { default: DEFAULT_ANSWERS.ownBranchPassword },
};

/**
 * A table row for code that handles every row alike (parsing, resolving, asking): the value's type is erased to
 * unknown there. Each row's own type (Question<V>) is what keeps its parse, default and prompt consistent.
 */
export interface AnyQuestion extends QuestionBase<unknown> {
  name: AnswerName;
  flag?: ValueFlag<unknown> | SwitchFlag;
  default?: unknown;
  secret?: boolean;
}

/** The rows in table order. */
export const QUESTION_LIST: readonly AnyQuestion[] = (Object.keys(QUESTIONS) as AnswerName[]).map(
  (name): AnyQuestion => ({ name, ...QUESTIONS[name] }),
);

export function isSwitch(flag: ValueFlag<unknown> | SwitchFlag): flag is SwitchFlag {
  return !('value' in flag);
}
