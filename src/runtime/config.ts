// What a provision needs to know: the manifest's answers, the main checkout, credentials and the Neon CLI.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseEnv } from '../shared/env-file.ts';
import { MANIFEST_PATH, parseManifest, type ManifestAnswers } from '../shared/manifest.ts';
import { findNeonBin, type NeonCli } from './neon.ts';
import { readIfExists, RuntimeError } from './util.ts';

export function loadAnswers(checkoutRoot: string, mainRoot: string): ManifestAnswers | null {
  for (const root of [checkoutRoot, mainRoot]) {
    const t = readIfExists(path.join(root, MANIFEST_PATH));
    if (t !== null) return parseManifest(t).answers;
  }
  return null;
}

export function envFilePath(root: string, answers: ManifestAnswers): string {
  const rel = answers.envFile || '.env';
  if (path.isAbsolute(rel) || rel.split(/[\\/]/).includes('..')) throw new RuntimeError(`manifest envFile must be a path inside the repo, got ${JSON.stringify(rel)}`);
  return path.join(root, rel);
}

export function neonConfigDir(): string {
  return process.env.NEON_CONFIG_DIR || path.join(os.homedir(), '.config', 'neon');
}

export interface Credentials {
  /** Where the key came from, for `status` (never the key itself). */
  source: 'env' | 'env-file' | 'cli-login';
  apiKey: string | null;
  projectId: string | null;
  projectSource: string;
}

/** NEON_API_KEY: environment, else the main checkout's env file, else the Neon CLI's own login. null = none at all. */
export function findCredentials(mainRoot: string, answers: ManifestAnswers): Credentials | null {
  let mainEnv = new Map<string, string>();
  try {
    const t = readIfExists(envFilePath(mainRoot, answers));
    if (t) mainEnv = parseEnv(t);
  } catch {
    /* bad envFile: reported by the provision itself */
  }
  let projectId: string | null = null;
  let projectSource = '';
  if (process.env.NEON_PROJECT_ID) [projectId, projectSource] = [process.env.NEON_PROJECT_ID, 'NEON_PROJECT_ID in the environment'];
  else if (mainEnv.get('NEON_PROJECT_ID')) [projectId, projectSource] = [mainEnv.get('NEON_PROJECT_ID')!, `NEON_PROJECT_ID in the main checkout's ${answers.envFile}`];
  else if (answers.projectId) [projectId, projectSource] = [answers.projectId, MANIFEST_PATH];
  if (process.env.NEON_API_KEY) return { source: 'env', apiKey: process.env.NEON_API_KEY, projectId, projectSource };
  if (mainEnv.get('NEON_API_KEY')) return { source: 'env-file', apiKey: mainEnv.get('NEON_API_KEY')!, projectId, projectSource };
  if (fs.existsSync(path.join(neonConfigDir(), 'credentials.json'))) return { source: 'cli-login', apiKey: null, projectId, projectSource };
  return null;
}

/** When this process started: every hook call's Neon work is bounded from here (provisionTimeoutSeconds). */
const STARTED = Date.now();

/** The deadline (epoch ms) of this hook call's Neon work, and its budget in ms. */
export function deadlineFor(answers?: ManifestAnswers | null): { deadline: number; budget: number } {
  const seconds = Number(process.env.NEON_AGENTS_PROVISION_TIMEOUT ?? answers?.provisionTimeoutSeconds ?? 60);
  const budget = (Number.isFinite(seconds) && seconds > 0 ? seconds : 60) * 1000;
  return { deadline: STARTED + budget, budget };
}

export function neonCli(mainRoot: string, checkoutRoot: string, creds: Credentials, answers?: ManifestAnswers | null): NeonCli {
  if (!creds.projectId) throw new RuntimeError(`no Neon project id: set NEON_PROJECT_ID or "projectId" in ${MANIFEST_PATH}`, 'config');
  const bin = findNeonBin([checkoutRoot, mainRoot]);
  if (!bin) throw new RuntimeError('the Neon CLI was not found (looked for `neon` and `neonctl` on PATH and in node_modules/.bin); install it: npm i -g neon', 'missing');
  const env: NodeJS.ProcessEnv = { ...process.env, NO_UPDATE_NOTIFIER: '1' };
  if (creds.apiKey) env.NEON_API_KEY = creds.apiKey;
  else delete env.NEON_API_KEY;
  const { deadline, budget } = deadlineFor(answers);
  return {
    bin,
    env,
    projectId: creds.projectId,
    timeoutMs: Number(process.env.NEON_AGENTS_CLI_TIMEOUT_MS ?? 45_000),
    deadline,
    budgetSeconds: budget / 1000,
    lockWaitMs: Math.max(1000, deadline - Date.now()),
  };
}
