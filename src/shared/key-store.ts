// Where the Neon management key (NEON_API_KEY) may live, read by the runtime and written by the initializer:
//   user      a credentials file of the user's, outside every repository ($XDG_CONFIG_HOME/create-neon-agents/
//             credentials.json, else ~/.config/…), mode 0600 in a 0700 folder, keyed by Neon project id. Agents work
//             inside the main checkout's folder tree with broad permissions; a key there can be read by any of
//             their shell commands, whatever a permission rule says. The recommended place.
//   env-file  the main checkout's env file, next to the app's own settings (the only place before 0.2): Claude's
//             file tools are then denied it by a rule in the main checkout's .claude/settings.local.json.
// Node built-ins only: the runtime bundles this.
import path from 'node:path';

// The choices and the file's display name live with the manifest (in the small chunk --help loads).
export { KEY_STORES, USER_CREDENTIALS_DISPLAY, type KeyStore } from './manifest.ts';

/** Claude Code's settings of this clone alone (never committed: Claude Code has git ignore it), in the main checkout. */
export const LOCAL_SETTINGS_PATH = '.claude/settings.local.json';

/** The user credentials file: $XDG_CONFIG_HOME/create-neon-agents/credentials.json, else under ~/.config. */
export function userCredentialsPath(env: NodeJS.ProcessEnv, home: string): string {
  const base =
    env.XDG_CONFIG_HOME && path.isAbsolute(env.XDG_CONFIG_HOME) ? env.XDG_CONFIG_HOME : path.join(home, '.config');
  return path.join(base, 'create-neon-agents', 'credentials.json');
}

/** The file's shape: `{ "projects": { "<project id>": { "apiKey": "…" } } }` (other fields are kept as they are). */
export interface UserCredentials {
  projects: Record<string, { apiKey: string; [k: string]: unknown }>;
  [k: string]: unknown;
}

export class CredentialsFileError extends Error {
  override name = 'CredentialsFileError';
}

/**
 * Parse the credentials file strictly: anything unexpected is an error (the runtime then fails closed rather than
 * fall back to another key the user meant to retire, and the initializer refuses to write over it).
 */
export function parseUserCredentials(text: string, file: string): UserCredentials {
  const fix = `fix it or delete it (it holds only create-neon-agents' API keys), then run create-neon-agents again to store the key`;
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new CredentialsFileError(`${file} is not valid JSON (${(e as Error).message}): ${fix}`);
  }
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(data) || !isObject(data.projects ?? {}))
    throw new CredentialsFileError(`${file} must hold {"projects": {"<project id>": {"apiKey": "…"}}}: ${fix}`);
  const projects = (data.projects ?? {}) as Record<string, unknown>;
  for (const [id, entry] of Object.entries(projects)) {
    if (!isObject(entry) || typeof entry.apiKey !== 'string' || !entry.apiKey)
      throw new CredentialsFileError(`${file}: project ${id} has no "apiKey" string: ${fix}`);
  }
  return { ...data, projects } as UserCredentials;
}

/** The file's text with `projectId`'s key set (or removed, `apiKey` null); null when nothing would be left. */
export function withProjectKey(
  text: string | null,
  file: string,
  projectId: string,
  apiKey: string | null,
): string | null {
  const data = text === null ? { projects: {} } : parseUserCredentials(text, file);
  const projects = { ...data.projects };
  if (apiKey === null) delete projects[projectId];
  else projects[projectId] = { ...projects[projectId], apiKey };
  const next = { ...data, projects };
  if (!Object.keys(projects).length && Object.keys(next).length === 1) return null;
  return `${JSON.stringify(next, null, 2)}\n`;
}

/**
 * Characters Claude Code reads as pattern syntax in a permission rule's path (its Read/Edit rules follow gitignore
 * patterns), and the rule's own parentheses: a path holding one would match something else, so no rule is written
 * for it (the caller warns instead).
 */
const PATTERN_CHARACTERS = /[*?[\]{}()!\\#]/;

/**
 * The permission rule that denies Claude Code's Read tool (and its shell commands that name the file, in 2.1.330)
 * one file, by absolute path: `Read(//abs/path)` (`//` starts an absolute path; `/x` would be relative
 * to the settings file, so in a worktree it would name the worktree's own copy). Windows paths become `//c/…`, as
 * Claude Code writes them. null: the path cannot be written as a rule.
 */
export function readDenyRule(abs: string): string | null {
  const posix = abs.replace(/^([A-Za-z]):[\\/]/, (_, d: string) => `/${d.toLowerCase()}/`).replace(/\\/g, '/');
  if (!posix.startsWith('/') || PATTERN_CHARACTERS.test(posix)) return null;
  return `Read(/${posix})`;
}
