// --tools with the built CLI: the tools a repository already uses are detected and wired, each config file keeps
// every byte of the user's, --check and doctor see each hook, and uninstall gives the files back byte for byte.
import { writeFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { cleanupTempDirs, git, makeRepo, read, runCli, tree } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const SETUP = ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'];
const USERS = {
  '.config/wt.toml': '[pre-start]\ndeps = "npm ci"\n',
  'conductor.json': '{\n  "scripts": {\n    "run": "npm run dev"\n  }\n}\n',
  '.cursor/worktrees.json': '{\n  "setup-worktree-unix": ["npm ci"]\n}\n',
};

describe('--tools', () => {
  it('wires the detected tools, keeps the user’s lines, passes --check and doctor, and uninstalls byte for byte', async () => {
    const repo = makeRepo(USERS);
    const before = tree(repo);
    const r = await runCli(repo, SETUP);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.tools).toEqual([
      'claude',
      'conductor',
      'worktrunk',
      'cursor',
    ]);
    expect(read(repo, '.config/wt.toml')).toContain('deps = "npm ci"');
    expect(read(repo, '.config/wt.toml')).toMatch(/neon-agents = "node \{\{ primary_worktree_path \}\}.* ensure"/);
    expect(JSON.parse(read(repo, 'conductor.json')).scripts).toMatchObject({
      run: 'npm run dev',
      setup: expect.stringContaining('ensure'),
    });
    expect(JSON.parse(read(repo, '.cursor/worktrees.json'))['setup-worktree-unix']).toEqual([
      'npm ci',
      expect.stringContaining('ensure'),
    ]);
    // conductor.json stays the file Conductor reads: no settings.toml beside it.
    expect(() => read(repo, '.conductor/settings.toml')).toThrow();
    expect(r.stdout).toMatch(/wt config approvals add/);
    expect(r.stdout).toMatch(/Cursor has no teardown hook/);

    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'setup');
    expect((await runCli(repo, ['--check'])).exitCode).toBe(0);
    const doctor = JSON.parse((await runCli(repo, ['doctor', '--no-verify', '--json'])).stdout);
    for (const check of ['conductor', 'worktrunk', 'cursor'])
      expect(doctor.findings).toContainEqual(expect.objectContaining({ check, level: 'ok' }));

    // A hook taken out by hand: doctor and --check say so.
    const wt = read(repo, '.config/wt.toml');
    writeFileSync(`${repo}/.config/wt.toml`, wt.replace(/neon-agents = .*ensure"\n/, ''));
    const broken = JSON.parse((await runCli(repo, ['doctor', '--no-verify', '--json'])).stdout);
    expect(broken.findings).toContainEqual(expect.objectContaining({ check: 'worktrunk', level: 'problem' }));
    git(repo, 'checkout', '-q', '--', '.config/wt.toml');

    const u = await runCli(repo, ['uninstall', '--yes']);
    expect(u.exitCode, u.stderr).toBe(0);
    for (const file of Object.keys(USERS)) expect(tree(repo)[file], file).toBe(before[file]);
  });

  it('--tools codex,gtr writes the Codex environment and this clone’s gtr hooks; an unknown tool is a usage error', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, [...SETUP, '--tools', 'claude,codex,gtr']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.codex/environments/environment.toml')).toMatch(
      /\[setup\]\nscript = "node \\"\$CODEX_SOURCE_TREE_PATH/,
    );
    expect(git(repo, 'config', '--get-all', 'gtr.hook.postCreate')).toBe(
      'node "$REPO_ROOT/.claude/hooks/neon-worktree.mjs" ensure',
    );
    expect(r.stdout).toMatch(/select this local environment once/);
    const bad = await runCli(repo, [...SETUP, '--tools', 'claude,vscode']);
    expect(bad.exitCode).toBe(2);
    expect(bad.stderr).toMatch(
      /--tools takes a comma-separated list of claude, codex, conductor, worktrunk, cursor, gtr; unknown: vscode/,
    );
    const u = await runCli(repo, ['uninstall', '--yes']);
    expect(u.exitCode, u.stderr).toBe(0);
    expect(() => git(repo, 'config', '--get-all', 'gtr.hook.postCreate')).toThrow();
  });
});
