// What a call needs to know besides git: the manifest's answers, where the env file is, the Neon credentials (and
// the CLI login's token), the deadline of the call's Neon work, and the Neon API client made from them. The
// environment and the home directory come in as arguments (from the RuntimeContext), never from the process.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { MANIFEST_PATH, parseManifest, type ManifestAnswers } from '../shared/manifest.ts';
import { WORKTREE_CREATE_TIMEOUT } from '../shared/claude-hooks.ts';
import { findNeonBin, NEON_CLI_INSTALL } from '../shared/neon-cli.ts';
import { CredentialsFileError, parseUserCredentials, userCredentialsPath } from '../shared/key-store.ts';
import type { RuntimeContext } from './context.ts';
import { makeApi, type NeonApi } from './neon-api.ts';
import { readIfExists, run, RuntimeError, type RuntimeEnv } from './util.ts';

/** The manifest of a checkout (its own, else the main checkout's); null: create-neon-agents is not set up. */
export function loadAnswers(checkoutRoot: string, mainRoot: string): ManifestAnswers | null {
  const read = (root: string) => {
    const t = readIfExists(path.join(root, MANIFEST_PATH));
    return t === null ? null : parseManifest(t).answers;
  };
  const own = read(checkoutRoot);
  if (checkoutRoot === mainRoot) return own;
  if (!own) return read(mainRoot);
  // The checkout's own manifest describes its code (env file, variable names), but data protection is the main
  // checkout's call: a worktree of a commit from before "anonymized" was chosen still gets a masked branch.
  if (own.agentData === 'anonymized') return own;
  let main: ManifestAnswers | null = null;
  try {
    main = read(mainRoot);
  } catch {
    /* the main checkout's own runs report it */
  }
  return main?.agentData === 'anonymized' ? { ...own, agentData: 'anonymized' } : own;
}

export function envFilePath(root: string, answers: ManifestAnswers): string {
  const rel = answers.envFile || '.env';
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..'))
    throw new RuntimeError(`manifest envFile must be a path inside the repo, got ${JSON.stringify(rel)}`);
  return path.join(root, rel);
}

/**
 * The Neon CLI's credentials files, in the order the CLI itself looks (neon 6: --config-dir, NEON_CONFIG_DIR,
 * NEONCTL_CONFIG_DIR, $XDG_CONFIG_HOME/neon, ~/.config/neon; the legacy ~/.config/neonctl is still read in place).
 */
export function neonCredentialFiles(env: RuntimeEnv, home: string): string[] {
  const dirs = [
    env.NEON_CONFIG_DIR,
    env.NEONCTL_CONFIG_DIR,
    env.XDG_CONFIG_HOME ? path.join(env.XDG_CONFIG_HOME, 'neon') : undefined,
    path.join(home, '.config', 'neon'),
    path.join(home, '.config', 'neonctl'),
  ].filter((d): d is string => Boolean(d));
  return [...new Set(dirs)].map((d) => path.join(d, 'credentials.json'));
}

export interface Credentials {
  /** Where the key came from, for `status` (never the key itself). */
  source: 'env' | 'user-file' | 'env-file' | 'cli-login';
  apiKey: string | null;
  projectId: string | null;
  projectSource: string;
  /** The Neon CLI's credentials file (cli-login), or the user credentials file (user-file). */
  loginFile?: string;
}

/**
 * The key the user credentials file holds for a project, or null (no file, no entry). A file that cannot be read
 * fails closed: falling through to another key (one the user meant to retire from the env file) would be a guess.
 */
export function userFileKey(env: RuntimeEnv, home: string, projectId: string): { key: string; file: string } | null {
  const file = userCredentialsPath(env, home);
  const text = readIfExists(file);
  if (text === null) return null;
  try {
    const key = parseUserCredentials(text, file).projects[projectId]?.apiKey;
    return key ? { key, file } : null;
  } catch (e) {
    if (e instanceof CredentialsFileError) throw new RuntimeError(e.message, 'auth');
    throw e;
  }
}

/**
 * Credentials, in this order: NEON_API_KEY in the environment, else the user credentials file's key for the project
 * (outside every repository), else NEON_API_KEY in the main checkout's env file, else the Neon CLI's own login (its
 * credentials file). null = none at all.
 */
export function findCredentials(
  mainRoot: string,
  answers: ManifestAnswers,
  { env, home }: { env: RuntimeEnv; home: string },
): Credentials | null {
  let mainEnv = new Map<string, string>();
  try {
    const t = readIfExists(envFilePath(mainRoot, answers));
    if (t) mainEnv = parseEnv(t);
  } catch {
    /* bad envFile: reported by the provision itself */
  }
  let projectId: string | null = null;
  let projectSource = '';
  if (env.NEON_PROJECT_ID) [projectId, projectSource] = [env.NEON_PROJECT_ID, 'NEON_PROJECT_ID in the environment'];
  else if (mainEnv.get('NEON_PROJECT_ID'))
    [projectId, projectSource] = [
      mainEnv.get('NEON_PROJECT_ID')!,
      `NEON_PROJECT_ID in the main checkout's ${answers.envFile}`,
    ];
  else if (answers.projectId) [projectId, projectSource] = [answers.projectId, MANIFEST_PATH];
  if (env.NEON_API_KEY) return { source: 'env', apiKey: env.NEON_API_KEY, projectId, projectSource };
  const stored = projectId ? userFileKey(env, home, projectId) : null;
  if (stored) return { source: 'user-file', apiKey: stored.key, projectId, projectSource, loginFile: stored.file };
  if (mainEnv.get('NEON_API_KEY'))
    return { source: 'env-file', apiKey: mainEnv.get('NEON_API_KEY')!, projectId, projectSource };
  const loginFile = neonCredentialFiles(env, home).find((f) => fs.existsSync(f));
  if (loginFile) return { source: 'cli-login', apiKey: null, projectId, projectSource, loginFile };
  return null;
}

/**
 * The deadline (epoch ms) of a hook call's Neon work, and its budget in ms: NEON_AGENTS_PROVISION_TIMEOUT, else
 * provisionTimeoutSeconds, counted from when the call started (`startedAt`).
 */
export function deadlineFor(
  answers: ManifestAnswers | null | undefined,
  env: RuntimeEnv,
  startedAt = Date.now(),
): { deadline: number; budget: number } {
  const seconds = Number(env.NEON_AGENTS_PROVISION_TIMEOUT ?? answers?.provisionTimeoutSeconds ?? 60);
  // Never past Claude Code's timeout for our WorktreeCreate hook (it kills the hook there, leaving an orphan
  // worktree): 10 s before it, for git and the clean-up after a failure.
  const budget = Math.min(Number.isFinite(seconds) && seconds > 0 ? seconds : 60, WORKTREE_CREATE_TIMEOUT - 10) * 1000;
  return { deadline: startedAt + budget, budget };
}

/** A usable token from the CLI's credentials file, or null when it has expired (or is about to). */
function tokenIn(file: string): string | null {
  const t = readIfExists(file);
  if (!t) return null;
  let data: Record<string, unknown>;
  try {
    data = JSON.parse(t);
  } catch {
    throw new RuntimeError(
      `the Neon CLI's credentials file ${file} is not valid JSON: run \`neon auth\` again`,
      'auth',
    );
  }
  if (data.type === 'api_key' && typeof data.api_key === 'string') return data.api_key;
  if (typeof data.access_token !== 'string')
    throw new RuntimeError(`the Neon CLI's credentials file ${file} holds no token: run \`neon auth\` again`, 'auth');
  const exp = typeof data.expires_at === 'number' ? data.expires_at : null;
  return exp === null || exp > Date.now() + 60_000 ? data.access_token : null;
}

/**
 * The bearer token of the Neon CLI's login. Its refresh tokens are single-use and the CLI refreshes under a lock,
 * so we never refresh one ourselves: when the access token has expired, one cheap CLI command refreshes it (never
 * a prompt: stdin is closed), then the file is read again.
 */
function cliLoginToken(creds: Credentials, searchDirs: string[], deadline: number, callEnv: RuntimeEnv): string {
  const file = creds.loginFile!;
  const now = tokenIn(file);
  if (now) return now;
  const bin = findNeonBin(searchDirs, callEnv)?.bin;
  if (!bin)
    throw new RuntimeError(
      `the Neon CLI login has expired and the Neon CLI is not installed to refresh it: install it (${NEON_CLI_INSTALL[0]}) and run \`neon auth\`, or set NEON_API_KEY`,
      'auth',
    );
  const env: NodeJS.ProcessEnv = { ...callEnv, NO_UPDATE_NOTIFIER: '1' };
  delete env.NEON_API_KEY; // the login is what must be refreshed
  const r = run(bin, ['me', '--output', 'json', '--no-analytics'], {
    env,
    timeout: Math.max(1000, Math.min(30_000, deadline - Date.now())),
    cwd: os.tmpdir(),
    killSignal: 'SIGKILL',
  });
  const fresh = tokenIn(file);
  if (fresh) return fresh;
  throw new RuntimeError(
    `the Neon CLI login has expired and \`neon me\` could not refresh it (${(r.stderr || r.stdout).trim().split('\n').pop() || `exit ${r.code}`}): run \`neon auth\`, or set NEON_API_KEY`,
    'auth',
  );
}

/** The Neon project the credentials name; throws when none does. */
export function projectIdOf(creds: Credentials): string {
  if (!creds.projectId)
    throw new RuntimeError(`no Neon project id: set NEON_PROJECT_ID or "projectId" in ${MANIFEST_PATH}`, 'config');
  return creds.projectId;
}

/**
 * The Neon API client for a context's checkout (token, project, the call's deadline; base URL and timeouts from its
 * environment). Starts no process when a key is given; with NEON_AGENTS_TRACE set, says each request.
 */
export function neonApi(ctx: RuntimeContext, creds: Credentials): NeonApi {
  const projectId = projectIdOf(creds);
  const { deadline, budget } = deadlineFor(ctx.answers(), ctx.env, ctx.startedAt);
  const token = creds.apiKey ?? cliLoginToken(creds, [ctx.checkout().root, ctx.mainRoot()], deadline, ctx.env);
  return makeApi({
    token,
    projectId,
    deadline,
    budgetSeconds: budget / 1000,
    env: ctx.env,
    trace: ctx.env.NEON_AGENTS_TRACE ? (request) => ctx.say(`trace ${request}`) : null,
  });
}
