import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { chmodSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { baseEnv, cleanupTempDirs, git, makeRepo, read, runCli, tree, withNeonCli, writeFiles } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const SETUP = ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678', '--api-key', 'napi_doctorkey_1234567890'];

async function setUp(files: Record<string, string> = {}): Promise<string> {
  const repo = makeRepo(files);
  const r = await runCli(repo, SETUP);
  expect(r.exitCode, r.stderr).toBe(0);
  return repo;
}
const doctor = (repo: string, env = withNeonCli(baseEnv())) => runCli(repo, ['doctor', '--no-verify', '--json'], { env });
type Finding = { check: string; level: string; message: string; fix?: string };
const findings = (stdout: string): Finding[] => JSON.parse(stdout).findings;

describe('doctor', () => {
  it('a healthy setup: exit 0, no problems, and the key is never printed', async () => {
    const repo = await setUp();
    const r = await doctor(repo);
    expect(r.exitCode, r.stdout).toBe(0);
    const f = findings(r.stdout);
    expect(f.filter((x) => x.level === 'problem')).toEqual([]);
    for (const check of ['git', 'manifest', 'runtime', 'git-hook', 'claude-hooks', 'agents', 'env-file', 'neon-cli', 'credentials']) {
      expect(f.some((x) => x.check === check && x.level === 'ok'), check).toBe(true);
    }
    expect(r.stdout).not.toContain('napi_doctorkey');
    const human = await runCli(repo, ['doctor', '--no-verify'], { env: withNeonCli(baseEnv()) });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/No problems/);
  });

  it.each([
    ['hook not executable', (repo: string) => chmodSync(path.join(repo, '.git/hooks/post-checkout'), 0o644), 'git-hook', /not executable/, /chmod \+x/],
    [
      'CRLF hook',
      (repo: string) => {
        const f = path.join(repo, '.git/hooks/post-checkout');
        writeFileSync(f, readFileSync(f, 'utf8').replace(/\n/g, '\r\n'));
      },
      'git-hook',
      /CRLF line endings/,
      /convert it to LF/,
    ],
    ['husky core.hooksPath', (repo: string) => git(repo, 'config', 'core.hooksPath', '.husky/_'), 'git-hook', /husky is in use .* no create-neon-agents block/, /npm create neon-agents/],
    ['bad JSON in settings', (repo: string) => writeFiles(repo, { '.claude/settings.json': '{ "hooks": ' }), 'claude-hooks', /not valid JSON/, /fix the JSON/],
    ['an invalid agent file', (repo: string) => writeFiles(repo, { '.claude/agents/data-optimizer.md': '---\nname: Data Optimizer\n---\n' }), 'agents', /name must be/, /frontmatter/],
  ])('finds %s, with its fix, and exits 1', async (_what, breakIt, check, message, fix) => {
    const repo = await setUp();
    breakIt(repo);
    const r = await doctor(repo);
    expect(r.exitCode).toBe(1);
    const problem = findings(r.stdout).find((x) => x.check === check && x.level === 'problem');
    expect(problem, r.stdout).toBeDefined();
    expect(problem!.message).toMatch(message);
    expect(problem!.fix).toMatch(fix);
  });

  it('another tool\'s WorktreeCreate hook is a warning whose fix can work, not a problem', async () => {
    const repo = await setUp({ '.claude/settings.json': JSON.stringify({ hooks: { WorktreeCreate: [{ hooks: [{ type: 'command', command: './wt.sh' }] }] } }) });
    const r = await doctor(repo);
    const f = findings(r.stdout).find((x) => x.check === 'claude-hooks')!;
    expect(f.level).toBe('warn');
    expect(f.fix).toMatch(/neon-worktree\.mjs ensure/);
  });

  it('finds a missing Neon CLI', async () => {
    const repo = await setUp();
    const r = await doctor(repo, baseEnv()); // no node_modules/.bin on PATH
    expect(r.exitCode).toBe(1);
    const p = findings(r.stdout).find((x) => x.check === 'neon-cli')!;
    expect(p.level).toBe('problem');
    expect(p.fix).toContain('npm i -g neonctl');
  });

  it('finds missing credentials and an env file git does not ignore', async () => {
    const repo = makeRepo();
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    writeFiles(repo, { '.gitignore': 'node_modules\n' });
    const r = await doctor(repo);
    expect(r.exitCode).toBe(1);
    const f = findings(r.stdout);
    expect(f.find((x) => x.check === 'credentials')?.level).toBe('problem');
    expect(f.find((x) => x.check === 'env-file')).toMatchObject({ level: 'problem', message: expect.stringMatching(/not ignored/) });
  });

  it('not set up: exit 1 naming the fix; not a repo: exit 1 suggesting git init', async () => {
    const r = await doctor(makeRepo());
    expect(r.exitCode).toBe(1);
    expect(findings(r.stdout).find((x) => x.check === 'manifest')?.fix).toMatch(/npm create neon-agents/);
  });
});

/** Everything git and the hooks dir show: what uninstall must restore exactly. */
function snapshotRepo(repo: string) {
  const hooks = path.join(repo, '.git/hooks');
  return {
    status: git(repo, 'status', '--porcelain', '--ignored', '--untracked-files=all'),
    hooks: readdirSync(hooks)
      .sort()
      .map((f) => `${f} ${(statSync(path.join(hooks, f)).mode & 0o777).toString(8)} ${readFileSync(path.join(hooks, f), 'utf8')}`),
    files: tree(repo),
  };
}

describe('uninstall', () => {
  it('install → uninstall on a clean repo leaves git status and the hooks directory exactly as before', async () => {
    const repo = makeRepo();
    const before = snapshotRepo(repo);
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    const r = await runCli(repo, ['uninstall', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = snapshotRepo(repo);
    expect(after.status).toEqual(before.status);
    expect(after.hooks).toEqual(before.hooks);
  });

  it('round trip when the user\'s .gitignore already covered .env: no leftover header', async () => {
    const repo = makeRepo({ '.gitignore': 'node_modules\n.env\n' });
    const before = snapshotRepo(repo);
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    const r = await runCli(repo, ['uninstall', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(snapshotRepo(repo).status).toEqual(before.status);
    expect(read(repo, '.gitignore')).toBe('node_modules\n.env\n');
    expect(r.stdout).not.toMatch(/Kept \/\.env in \.gitignore/);
  });

  it('restores a chained foreign hook and a user\'s files byte for byte, keeping what the user changed', async () => {
    const lfs = '#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "no git-lfs"; exit 2; }\ngit lfs post-checkout "$@"\n';
    const settings = '{\n  "permissions": { "allow": ["Bash(npm test)"] }\n}\n';
    const repo = makeRepo({ '.gitignore': 'node_modules\n', '.claude/settings.json': settings, '.env.example': 'PORT=3000\n' });
    writeFiles(repo, { '.git/hooks/post-checkout': lfs });
    chmodSync(path.join(repo, '.git/hooks/post-checkout'), 0o755);
    const before = snapshotRepo(repo);
    expect((await runCli(repo, SETUP)).exitCode).toBe(0);
    expect(read(repo, '.git/hooks/post-checkout')).toContain('git lfs post-checkout');
    writeFiles(repo, { '.claude/agents/data-optimizer.md': read(repo, '.claude/agents/data-optimizer.md') + '\nOur addition.\n' });

    const r = await runCli(repo, ['uninstall', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.git/hooks/post-checkout')).toBe(lfs);
    expect(read(repo, '.claude/settings.json')).toBe(settings);
    expect(read(repo, '.env.example')).toBe('PORT=3000\n');
    // Edited by the user: kept. The API key: kept (never deleted silently), and so is its .gitignore line.
    expect(read(repo, '.claude/agents/data-optimizer.md')).toContain('Our addition.');
    expect(r.stdout).toMatch(/you changed it; kept/);
    expect(read(repo, '.env')).toContain('NEON_API_KEY=');
    expect(read(repo, '.env')).not.toContain('NEON_PROJECT_ID');
    expect(r.stdout).toMatch(/Kept NEON_API_KEY in \.env/);
    expect(git(repo, 'check-ignore', '.env')).toBe('.env');
    expect(snapshotRepo(repo).hooks).toEqual(before.hooks);
  });

  it('without --yes and without a terminal: exit 2, nothing removed', async () => {
    const repo = await setUp();
    const before = tree(repo);
    const r = await runCli(repo, ['uninstall']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/--yes/);
    expect(tree(repo)).toEqual(before);
  });
});
