// Everything a command needs to know about the repository before it decides anything: the repo, package manager,
// app (ORM, env file, database variables), the manifest of an earlier run, the Neon CLI and the env file's values.
// Read once per command; doctor, uninstall, --check and init all start here.
import os from 'node:os';
import path from 'node:path';
import { MANIFEST_PATH, parseManifest, type Manifest, type ToolId } from '../shared/manifest.ts';
import { parseEnv } from '../shared/env-file.ts';
import { detectRepo, type RepoInfo } from './repo.ts';
import { detectPackageManager, type PackageManager } from './package-manager.ts';
import { detectProject, type ProjectInfo } from './project.ts';
import { findNeonCli, type NeonCli } from './neon-cli.ts';
import { readText } from './fs.ts';
import { detectTools } from './tools.ts';
import { parseUserCredentials, userCredentialsPath } from '../shared/key-store.ts';

export interface Detected {
  repo: RepoInfo;
  pm: PackageManager;
  project: ProjectInfo;
  manifest: Manifest | null;
  neonCli: NeonCli | null;
  /** Values already in the main checkout's env file (an earlier run, or the user's own). */
  envValues: Map<string, string>;
  /** The parallel-agent tools the repository already uses (claude always). */
  tools: ToolId[];
  /** The user credentials file (src/shared/key-store.ts), and the keys it holds by project (none: unreadable). */
  userCredentials: { file: string; keys: Map<string, string>; error: string | null };
}

export function detect(dir: string, env: NodeJS.ProcessEnv): Detected {
  const repo = detectRepo(dir);
  const manifestText = readText(path.join(repo.root, MANIFEST_PATH));
  const manifest = manifestText === null ? null : parseManifest(manifestText);
  const pm = detectPackageManager([repo.root, repo.mainRoot], env.npm_config_user_agent);
  const project = detectProject(repo.root, pm);
  const envFile = manifest?.answers.envFile ?? project.envFile;
  const envText = readText(path.join(repo.mainRoot, envFile));
  return {
    repo,
    pm,
    project,
    manifest,
    neonCli: findNeonCli(env, [...new Set([repo.root, repo.mainRoot])]),
    envValues: envText ? parseEnv(envText) : new Map(),
    tools: detectTools(repo.root, repo.commonDir),
    userCredentials: readUserCredentials(env),
  };
}

function readUserCredentials(env: NodeJS.ProcessEnv): Detected['userCredentials'] {
  const file = userCredentialsPath(env, env.HOME || os.homedir());
  const text = readText(file);
  if (text === null) return { file, keys: new Map(), error: null };
  try {
    const { projects } = parseUserCredentials(text, file);
    return { file, keys: new Map(Object.entries(projects).map(([id, p]) => [id, p.apiKey])), error: null };
  } catch (e) {
    return { file, keys: new Map(), error: (e as Error).message };
  }
}
