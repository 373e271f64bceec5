// What detection says about a plain repository (no ORM, .env, npm), for tests of the plan, the answers and the
// wizard that run without a disk: one place, so a new field of RepoInfo or ProjectInfo is added once.
import type { Detected } from '../../src/detect/index.ts';
import type { RepoInfo } from '../../src/detect/repo.ts';
import type { ProjectInfo } from '../../src/detect/project.ts';
import { commandsFor } from '../../src/detect/package-manager.ts';

export function plainRepo(root = '/repo', over: Partial<RepoInfo> = {}): RepoInfo {
  return {
    root,
    mainRoot: root,
    isLinkedWorktree: false,
    commonDir: `${root}/.git`,
    hooksDir: `${root}/.git/hooks`,
    coreHooksPath: null,
    hasCommits: true,
    ...over,
  };
}

export function plainProject(over: Partial<ProjectInfo> = {}): ProjectInfo {
  return {
    appDir: '',
    orm: { name: null, generate: null, migrate: null, push: null },
    envFile: '.env',
    envFileReason: 'the default',
    directUrlVar: null,
    scripts: { test: null, seed: null },
    databaseUrlVar: 'DATABASE_URL',
    databaseUrlFrom: null,
    directUrlFrom: null,
    ...over,
  };
}

export const plainPm = () => ({ name: 'npm' as const, source: 'default' as const, ...commandsFor('npm') });

export function plainDetected(over: Partial<Detected> = {}, project: Partial<ProjectInfo> = {}): Detected {
  return {
    repo: plainRepo(),
    pm: plainPm(),
    project: plainProject(project),
    manifest: null,
    neonCli: null,
    envValues: new Map(),
    tools: ['claude'],
    userCredentials: { file: '/home/user/.config/create-neon-agents/credentials.json', keys: new Map(), error: null },
    ...over,
  };
}
