// What a valid answer looks like, and the message that says so when it is not. Shared by the flags (which throw a
// UsageError: exit 2), the environment and the wizard's prompts (which show the message and ask again), so a rule is
// written once. The messages are part of the contract: tests and users match on them.
import { PERMISSION_MODES, type PermissionMode } from '../shared/manifest.ts';
import { ROLE_NAMES } from '../roles.ts';
import { UsageError } from '../errors.ts';

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

export function parseDatabaseUrlVar(value: string): string {
  const err = validateEnvVarName(value);
  if (err) throw new UsageError(err);
  return value.trim();
}
