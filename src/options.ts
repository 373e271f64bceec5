// The command line, declared once: this table drives parseArgs, --help, validation and the
// "equivalent command" we print for CI and agents. A flag's journey: argv → parseOptions() → Options →
// resolveAnswers() (commands/init.ts) → ManifestAnswers → the manifest → the runtime.
import { parseArgs } from 'node:util';
import { PERMISSION_MODES, type PermissionMode } from './shared/manifest.ts';
import { ROLE_NAMES } from './roles.ts';
import { UsageError } from './errors.ts';

export interface Options {
  dir: string | undefined;
  command: 'init' | 'help' | 'version' | 'check' | 'doctor' | 'uninstall';
  projectId?: string;
  apiKey?: string;
  roles?: string[];
  permissionMode?: PermissionMode;
  parentBranch?: string;
  branchTtl?: number;
  envFile?: string;
  /** The variable the app reads its connection URL from. */
  databaseUrlVar?: string;
  /** The direct (unpooled) URL's variable; null = none (`--direct-url-var none`). */
  directUrlVar?: string | null;
  pooled?: boolean;
  gitHook?: boolean;
  claudeHooks?: boolean;
  yes: boolean;
  interactive?: boolean;
  dryRun: boolean;
  force: boolean;
  verify: boolean;
  json: boolean;
  reconfigure: boolean;
  restore: boolean;
  allowDirty: boolean;
}

interface OptionSpec {
  flag: string;
  short?: string;
  value?: string; // placeholder for flags that take a value
  env?: string;
  def?: string; // default, as shown in --help
  help: string;
}

/** The public contract, in --help order. Negatable booleans are listed by their `--no-` form. */
export const OPTION_SPECS: OptionSpec[] = [
  { flag: 'project-id', value: 'id', env: 'NEON_PROJECT_ID', help: 'Neon project that agent branches are created in' },
  {
    flag: 'api-key',
    value: 'key',
    env: 'NEON_API_KEY',
    def: 'the Neon CLI login',
    help: "Neon API key, stored only in the main checkout's env file (never printed)",
  },
  {
    flag: 'roles',
    value: 'list',
    def: 'feature-developer,data-optimizer',
    help: `Agent roles to create: ${ROLE_NAMES.join(', ')}`,
  },
  { flag: 'permission-mode', value: 'mode', def: 'bypassPermissions', help: PERMISSION_MODES.join(' | ') },
  {
    flag: 'parent-branch',
    value: 'name',
    def: "the project's default branch",
    help: 'Neon branch that agent branches are created from',
  },
  { flag: 'branch-ttl', value: 'days', def: '14', help: 'Days until an agent branch expires; 0 = never, at most 30' },
  {
    flag: 'env-file',
    value: 'path',
    def: 'detected (.env, .env.local, apps/web/.env.local…)',
    help: 'Env file your app reads its database URL from (alias --env-path: on Node 20 use it for a file that does not exist yet)',
  },
  {
    flag: 'database-url-var',
    value: 'name',
    def: 'detected (DATABASE_URL, POSTGRES_URL… from drizzle.config, schema.prisma, prisma.config.ts)',
    help: "Variable the app reads its database URL from; each worktree's env file gets its own branch's URL under it",
  },
  {
    flag: 'direct-url-var',
    value: 'name',
    def: 'detected (e.g. DIRECT_URL, DATABASE_URL_UNPOOLED), else none',
    help: "Variable for the direct (unpooled) URL, e.g. Prisma's directUrl; '' or none: no direct URL",
  },
  { flag: 'no-pooled', def: 'pooled', help: 'Write the direct host instead of the pooled (-pooler) one' },
  { flag: 'no-git-hook', def: 'installed', help: 'Do not install the git post-checkout hook' },
  {
    flag: 'no-claude-hooks',
    def: 'added',
    help: 'Do not add WorktreeCreate/WorktreeRemove hooks to .claude/settings.json',
  },
  { flag: 'yes', short: 'y', help: 'Accept defaults for everything not given; never prompt' },
  {
    flag: 'interactive',
    def: 'only when stdin and stdout are terminals and CI is unset',
    help: 'Force the wizard (--no-interactive: never prompt)',
  },
  { flag: 'dry-run', help: 'Print the plan and write nothing' },
  { flag: 'force', help: 'Overwrite files this tool did not write' },
  {
    flag: 'no-verify',
    def: 'verify when the Neon CLI is installed',
    help: 'Skip the online checks of the project and credentials',
  },
  { flag: 'reconfigure', help: 'Re-run: ask the questions again instead of re-using the recorded answers' },
  { flag: 'restore', help: 'Re-run: recreate managed files you deleted' },
  { flag: 'allow-dirty', help: 'Re-run: upgrade even when managed files have uncommitted changes' },
  { flag: 'check', help: 'Exit 0 if everything this tool manages is present and up to date, 1 otherwise (CI gate)' },
  { flag: 'json', help: 'Print one machine-readable summary on stdout' },
  { flag: 'help', short: 'h', help: 'Show this help' },
  { flag: 'version', short: 'v', help: 'Show the version' },
];

// `--env-path` is an alias of `--env-file`: Node 20 itself consumes `--env-file` anywhere on its command line
// (a Node bug fixed in 22), and exits 9 when that file does not exist yet.
const STRING_FLAGS = [
  'project-id',
  'api-key',
  'roles',
  'permission-mode',
  'parent-branch',
  'branch-ttl',
  'env-file',
  'env-path',
  'database-url-var',
  'direct-url-var',
];
/** String flags where an empty value means something (`--direct-url-var ''`: none). */
const MAY_BE_EMPTY = new Set(['direct-url-var']);
const BOOLEAN_FLAGS = [
  'no-pooled',
  'no-git-hook',
  'no-claude-hooks',
  'yes',
  'interactive',
  'no-interactive',
  'dry-run',
  'force',
  'no-verify',
  'json',
  'reconfigure',
  'restore',
  'allow-dirty',
  'check',
  'help',
  'version',
  // accepted for symmetry with the --no- forms
  'pooled',
  'git-hook',
  'claude-hooks',
  'verify',
];

export const MAX_TTL_DAYS = 30;
const PROJECT_ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)+$/;

/** What a project id looks like, for messages. */
export const PROJECT_ID_HINT =
  'a Neon project id looks like "winter-sun-12345678" (Console → Project settings → General)';

/**
 * Neon API keys are letters, digits, `_` and `-` (`napi_…`, and older 64-character keys). Anything else — quotes, `\`,
 * `$()`, backticks, spaces — is a paste error, and would be written into an env file that shells source.
 */
export function validateApiKey(value: string, source = '--api-key'): string | undefined {
  if (/^[A-Za-z0-9_-]{16,512}$/.test(value)) return undefined;
  const why =
    value.length < 16
      ? 'is too short'
      : /[^\x21-\x7e]/.test(value)
        ? 'contains spaces or other non-printing characters'
        : 'contains characters no Neon API key has (quotes, $, `, \\, …)';
  return `${source} ${why}: a Neon API key is letters, digits, _ and - only (Console → Account settings → API keys). Copy it again, without quotes.`;
}

export function validateProjectId(value: string): string | undefined {
  if (!value.trim()) return 'A project id is required';
  if (!PROJECT_ID_RE.test(value.trim())) return `"${value}" is not a Neon project id: ${PROJECT_ID_HINT}`;
  return undefined;
}

export function parseRoles(value: string): string[] {
  const roles = [
    ...new Set(
      value
        .split(',')
        .map((r) => r.trim())
        .filter(Boolean),
    ),
  ];
  if (roles.length === 0)
    throw new UsageError(`--roles needs at least one role; valid roles: ${ROLE_NAMES.join(', ')}`);
  const unknown = roles.filter((r) => !ROLE_NAMES.includes(r));
  if (unknown.length) {
    throw new UsageError(
      `Unknown role${unknown.length > 1 ? 's' : ''} ${unknown.map((r) => `"${r}"`).join(', ')}; valid roles: ${ROLE_NAMES.join(', ')}`,
    );
  }
  return roles;
}

export function parseTtl(value: string): number {
  const n = Number(value);
  if (!/^\d+$/.test(value.trim()) || !Number.isInteger(n) || n < 0 || n > MAX_TTL_DAYS) {
    throw new UsageError(
      `--branch-ttl must be a whole number of days from 0 (never expire) to ${MAX_TTL_DAYS} (Neon's limit), got "${value}"`,
    );
  }
  return n;
}

export function parsePermissionMode(value: string): PermissionMode {
  if (!(PERMISSION_MODES as readonly string[]).includes(value)) {
    throw new UsageError(`--permission-mode must be one of ${PERMISSION_MODES.join(', ')}, got "${value}"`);
  }
  return value as PermissionMode;
}

export function validateEnvFile(value: string): string {
  const v = value.replace(/\\/g, '/').replace(/^\.\//, '');
  if (!v || v.startsWith('/') || /^[a-zA-Z]:/.test(v) || v.split('/').includes('..') || /[\0-\x1f]/.test(v)) {
    throw new UsageError(
      `--env-file must be a path inside the repository, relative to its root (e.g. .env or apps/web/.env.local), got "${value}"`,
    );
  }
  return v;
}

const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** An env variable name for --database-url-var / --direct-url-var (the wizard uses it too). */
export function validateEnvVarName(value: string, flag = '--database-url-var'): string | undefined {
  const v = value.trim();
  if (!v) return `${flag} needs a variable name, e.g. DATABASE_URL`;
  if (!ENV_NAME_RE.test(v))
    return `${flag} must be an environment variable name (letters, digits and _, not starting with a digit), e.g. DATABASE_URL or POSTGRES_URL; got "${value}"`;
  return undefined;
}

export function parseDirectUrlVar(value: string): string | null {
  const v = value.trim();
  if (v === '' || v.toLowerCase() === 'none') return null;
  const err = validateEnvVarName(v, '--direct-url-var');
  if (err) throw new UsageError(`${err} (or '' / none for no direct URL)`);
  return v;
}

function parseDatabaseUrlVar(value: string): string {
  const err = validateEnvVarName(value);
  if (err) throw new UsageError(err);
  return value.trim();
}

function pick<T>(a: T | undefined, b: T | undefined): T | undefined {
  return a !== undefined ? a : b;
}

/** Parse argv (without node and script) and the environment. Throws UsageError on bad input. */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Options {
  let parsed: ReturnType<
    typeof parseArgs<{
      args: string[];
      allowPositionals: true;
      strict: true;
      options: Record<string, { type: 'string' | 'boolean'; short?: string }>;
    }>
  >;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      strict: true,
      options: {
        ...Object.fromEntries(STRING_FLAGS.map((f) => [f, { type: 'string' as const }])),
        ...Object.fromEntries(
          BOOLEAN_FLAGS.map((f) => {
            const spec = OPTION_SPECS.find((s) => s.flag === f);
            return [f, spec?.short ? { type: 'boolean' as const, short: spec.short } : { type: 'boolean' as const }];
          }),
        ),
      },
    });
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
  for (const k of STRING_FLAGS) {
    if (!MAY_BE_EMPTY.has(k) && str(k) !== undefined && str(k)!.trim() === '')
      throw new UsageError(`--${k} needs a value`);
  }

  const projectId = pick(str('project-id'), env.NEON_PROJECT_ID || undefined)?.trim();
  if (projectId !== undefined) {
    const err = validateProjectId(projectId);
    if (err) throw new UsageError(err);
  }
  if (
    str('database-url-var') !== undefined &&
    str('direct-url-var') !== undefined &&
    str('database-url-var')!.trim() === str('direct-url-var')!.trim()
  ) {
    throw new UsageError(
      `--database-url-var and --direct-url-var name the same variable (${str('direct-url-var')!.trim()}); give the direct URL another name, or --direct-url-var none`,
    );
  }
  const apiKey = pick(str('api-key'), env.NEON_API_KEY || undefined)?.trim();
  if (apiKey !== undefined) {
    const err = validateApiKey(apiKey, str('api-key') !== undefined ? '--api-key' : 'NEON_API_KEY');
    if (err) throw new UsageError(err);
  }

  return {
    dir: positionals[0],
    command: v.help ? 'help' : v.version ? 'version' : (sub ?? (v.check ? 'check' : 'init')),
    projectId,
    apiKey,
    roles: str('roles') !== undefined ? parseRoles(str('roles')!) : undefined,
    permissionMode: str('permission-mode') !== undefined ? parsePermissionMode(str('permission-mode')!) : undefined,
    parentBranch: str('parent-branch')?.trim(),
    branchTtl: str('branch-ttl') !== undefined ? parseTtl(str('branch-ttl')!) : undefined,
    envFile:
      (str('env-file') ?? str('env-path')) !== undefined
        ? validateEnvFile((str('env-file') ?? str('env-path'))!)
        : undefined,
    databaseUrlVar: str('database-url-var') !== undefined ? parseDatabaseUrlVar(str('database-url-var')!) : undefined,
    directUrlVar: str('direct-url-var') !== undefined ? parseDirectUrlVar(str('direct-url-var')!) : undefined,
    pooled: bool('pooled', 'no-pooled'),
    gitHook: bool('git-hook', 'no-git-hook'),
    claudeHooks: bool('claude-hooks', 'no-claude-hooks'),
    yes: Boolean(v.yes),
    interactive: bool('interactive', 'no-interactive'),
    dryRun: Boolean(v['dry-run']),
    force: Boolean(v.force),
    verify: bool('verify', 'no-verify') ?? true,
    json: Boolean(v.json),
    reconfigure: Boolean(v.reconfigure),
    restore: Boolean(v.restore),
    allowDirty: Boolean(v['allow-dirty']),
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
