// Every tool the initializer wires, doing what the tool does: its own git commands (hooks off, as they make them),
// then the hook command read from the file we wrote, run the way the tool runs it, with the environment variables
// it sets. Each worktree must reach its own branch of the local Neon (not main's, not a sibling's), and each
// teardown command must delete that branch.
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync, spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { parse as parseToml } from 'smol-toml';
import { parseEnv } from '../../src/shared/env-file.ts';
import { DEFAULT_ANSWERS, type ToolId } from '../../src/shared/manifest.ts';
import { detectRepo } from '../../src/detect/repo.ts';
import { diskSnapshot } from '../../src/files/snapshot.ts';
import { UNITS } from '../../src/files/index.ts';
import type { PlanInput } from '../../src/plan/plan.ts';
import { apply } from '../../src/apply.ts';
import { git, makeRepo, ROOT, sh, tmpdir, useRuntimeSuite } from './helpers.ts';
import { endpointOfUrl, ownBranchOf } from './promise.ts';

const suite = useRuntimeSuite();
const TOOL_UNIT_IDS = ['codex', 'conductor', 'conductor-json', 'worktrunk', 'cursor', 'gtr'];

/** A repository set up for the local Neon, with the given tools' config files written by their units. */
async function wired(tools: ToolId[], files: Record<string, string> = {}): Promise<string> {
  const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, files });
  const input = {
    answers: { ...DEFAULT_ANSWERS, projectId: 'local-project-123456', tools: ['claude', ...tools] },
    repo: detectRepo(repo),
    files: diskSnapshot(repo),
    manifest: null,
  } as unknown as PlanInput;
  for (const unit of UNITS.filter((u) => TOOL_UNIT_IDS.includes(u.id))) apply(unit.plan(input).ops);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '--allow-empty', '-m', `wire ${tools.join(', ')}`);
  return repo;
}

/** The worktree a tool makes: git hooks off (Codex passes core.hooksPath=/dev/null; the others are closed or vary). */
function toolWorktree(repo: string, name: string, detached = false): string {
  const wt = path.join(tmpdir('na-tool-'), name);
  if (detached) {
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', '--no-checkout', wt, 'HEAD');
    git(wt, '-c', 'core.hooksPath=/dev/null', 'reset', '--hard', '-q', 'HEAD');
  } else git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  return wt;
}

/** Run a hook command as the tools do: a shell in the worktree, with the tool's variables. */
function runHook(command: string, cwd: string, vars: Record<string, string>, shell = 'sh') {
  const r = sh(cwd, shell, ['-c', command], { ...suite.env, ...vars });
  expect(r.code, `${command}\n${r.stderr}`).toBe(0);
  return r;
}

/** The worktree reaches its own branch of the local Neon, and not the shared database. */
async function expectOwnBranch(wt: string): Promise<string> {
  const own = await ownBranchOf(suite.ln, wt);
  expect(own, `${wt} has a Neon branch of its own`).not.toBeNull();
  const url = parseEnv(fs.readFileSync(path.join(wt, '.env'), 'utf8')).get('DATABASE_URL')!;
  const endpoint = endpointOfUrl(url);
  expect(own!.endpointIds).toContain(endpoint);
  expect(endpoint).not.toBe(endpointOfUrl(suite.mainUrl));
  return endpoint!;
}

async function expectReleased(wt: string): Promise<void> {
  expect(await ownBranchOf(suite.ln, wt), `${wt}'s branch is released`).toBeNull();
  expect(fs.existsSync(wt), 'release leaves git (and the worktree) alone').toBe(true);
}

const worktreePaths = (repo: string) =>
  git(repo, 'worktree', 'list', '--porcelain')
    .split('\n')
    .filter((l) => l.startsWith('worktree '))
    .map((l) => l.slice('worktree '.length));

const toml = (repo: string, rel: string) => parseToml(fs.readFileSync(path.join(repo, rel), 'utf8')) as any;

describe('each tool, driven as it drives its hooks', () => {
  it('Codex app: a detached, hookless worktree; [setup] then [cleanup] from environment.toml', async () => {
    const repo = await wired(['codex']);
    const env = toml(repo, '.codex/environments/environment.toml');
    const wt = toolWorktree(repo, 'repo', true);
    const vars = { CODEX_SOURCE_TREE_PATH: repo, CODEX_WORKTREE_PATH: wt };
    runHook(env.setup.script, wt, vars);
    await expectOwnBranch(wt);
    runHook(env.cleanup.script, wt, vars);
    await expectReleased(wt);
  });

  it('the real Codex CLI (npm @openai/codex) makes the worktree; our setup and cleanup give and take its branch', async () => {
    const repo = await wired(['codex']);
    const env = toml(repo, '.codex/environments/environment.toml');
    const before = new Set(worktreePaths(repo));
    // `codex exec --worktree` makes a managed, detached worktree with git hooks off before it asks the model;
    // offline it then waits for the network, so it is stopped once the worktree is there.
    const codexHome = tmpdir('na-codex-home-');
    const codex = spawn(
      path.join(ROOT, 'node_modules/.bin/codex'),
      ['exec', '--worktree', '--skip-git-repo-check', 'hi'],
      {
        cwd: repo,
        env: { ...process.env, CODEX_HOME: codexHome, OPENAI_API_KEY: 'sk-offline-test' },
        stdio: ['ignore', 'ignore', 'ignore'],
        detached: true,
      },
    );
    let wt: string | undefined;
    try {
      for (let i = 0; i < 300 && !wt; i++) {
        await new Promise((r) => setTimeout(r, 100));
        wt = worktreePaths(repo).find((p) => !before.has(p) && fs.existsSync(path.join(p, '.claude')));
      }
    } finally {
      try {
        process.kill(-codex.pid!, 'SIGKILL');
      } catch {
        /* already gone */
      }
    }
    expect(wt, 'Codex made a worktree').toBeDefined();
    expect(git(wt!, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('HEAD'); // detached
    // Hooks were off: without the setup script this worktree would have no database of its own.
    expect(await ownBranchOf(suite.ln, wt!)).toBeNull();
    const vars = { CODEX_SOURCE_TREE_PATH: repo, CODEX_WORKTREE_PATH: wt! };
    runHook(env.setup.script, wt!, vars);
    await expectOwnBranch(wt!);
    runHook(env.cleanup.script, wt!, vars);
    await expectReleased(wt!);
  });

  it('Conductor: settings.toml [scripts] setup and archive, with its workspace variables', async () => {
    const repo = await wired(['conductor']);
    const scripts = toml(repo, '.conductor/settings.toml').scripts;
    const wt = toolWorktree(repo, 'lisbon');
    const vars = { CONDUCTOR_ROOT_PATH: repo, CONDUCTOR_WORKSPACE_PATH: wt, CONDUCTOR_WORKSPACE_NAME: 'lisbon' };
    runHook(scripts.setup, wt, vars);
    await expectOwnBranch(wt);
    runHook(scripts.archive, wt, vars);
    await expectReleased(wt);
  });

  it('Conductor cloud (no CONDUCTOR_ROOT_PATH) and conductor.json: the workspace path is used', async () => {
    const repo = await wired(['conductor'], { 'conductor.json': '{ "scripts": { "run": "npm run dev" } }\n' });
    const scripts = JSON.parse(fs.readFileSync(path.join(repo, 'conductor.json'), 'utf8')).scripts;
    const wt = toolWorktree(repo, 'porto');
    // In the cloud the workspace is a clone with the runtime in it: here, the worktree's own committed copy.
    runHook(scripts.setup, wt, { CONDUCTOR_WORKSPACE_PATH: wt });
    await expectOwnBranch(wt);
  });

  it('worktrunk: pre-start and pre-remove from wt.toml, {{ primary_worktree_path }} shell-escaped as wt does', async () => {
    const repo = await wired(['worktrunk']);
    const config = toml(repo, '.config/wt.toml');
    const wt = toolWorktree(repo, 'feat');
    const render = (cmd: string) => cmd.replace('{{ primary_worktree_path }}', `'${repo.replace(/'/g, `'\\''`)}'`);
    const stdin = JSON.stringify({ worktree_path: wt, primary_worktree_path: repo, branch: 'feat' });
    const start = sh(wt, 'sh', ['-c', render(config['pre-start']['neon-agents'])], suite.env, stdin);
    expect(start.code, start.stderr).toBe(0);
    await expectOwnBranch(wt);
    const stop = sh(wt, 'sh', ['-c', render(config['pre-remove']['neon-agents'])], suite.env, stdin);
    expect(stop.code, stop.stderr).toBe(0);
    await expectReleased(wt);
  });

  it('Cursor: each setup-worktree-unix command in turn, with ROOT_WORKTREE_PATH (after a .env copy of the user’s)', async () => {
    const repo = await wired(['cursor'], {
      '.cursor/worktrees.json': '{\n  "setup-worktree-unix": ["cp $ROOT_WORKTREE_PATH/.env .env"]\n}\n',
    });
    const commands: string[] = JSON.parse(fs.readFileSync(path.join(repo, '.cursor/worktrees.json'), 'utf8'))[
      'setup-worktree-unix'
    ];
    expect(commands).toHaveLength(2);
    const wt = toolWorktree(repo, 'cursor-1');
    for (const command of commands) runHook(command, wt, { ROOT_WORKTREE_PATH: repo });
    // The copied main .env was pointed at the worktree's own branch, not left on the shared database.
    await expectOwnBranch(wt);
  });

  it('gtr: postCreate and preRemove from git config, eval’d by bash in the worktree with REPO_ROOT', async () => {
    const repo = await wired(['gtr']);
    const hook = (key: string) =>
      execFileSync('git', ['config', '--get-all', key], { cwd: repo, encoding: 'utf8' }).trim();
    const wt = toolWorktree(repo, 'gtr-1');
    const vars = { REPO_ROOT: repo, WORKTREE_PATH: wt, BRANCH: 'gtr-1' };
    runHook(`eval "$GTR_HOOK"`, wt, { ...vars, GTR_HOOK: hook('gtr.hook.postCreate') }, 'bash');
    await expectOwnBranch(wt);
    runHook(`eval "$GTR_HOOK"`, wt, { ...vars, GTR_HOOK: hook('gtr.hook.preRemove') }, 'bash');
    await expectReleased(wt);
  });

  it('siblings made by different tools never share a branch', async () => {
    const repo = await wired(['codex', 'cursor', 'gtr']);
    const codexWt = toolWorktree(repo, 'repo', true);
    runHook(toml(repo, '.codex/environments/environment.toml').setup.script, codexWt, { CODEX_SOURCE_TREE_PATH: repo });
    const cursorWt = toolWorktree(repo, 'cursor-2');
    for (const c of JSON.parse(fs.readFileSync(path.join(repo, '.cursor/worktrees.json'), 'utf8'))[
      'setup-worktree-unix'
    ])
      runHook(c, cursorWt, { ROOT_WORKTREE_PATH: repo });
    const endpoints = [await expectOwnBranch(codexWt), await expectOwnBranch(cursorWt)];
    expect(new Set(endpoints).size).toBe(2);
  });
});
