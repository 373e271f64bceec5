import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import {
  baseEnv,
  cleanupTempDirs,
  git,
  makeRepo,
  mode,
  read,
  runCli,
  tempDir,
  tree,
  withNeonCli,
  writeFiles,
} from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

// The key in the env file (--key-store env-file): what doctor and uninstall must then protect and keep.
const SETUP = [
  '--yes',
  '--no-verify',
  '--project-id',
  'winter-sun-12345678',
  '--api-key',
  'napi_doctorkey_1234567890',
  '--key-store',
  'env-file',
];

async function setUp(files: Record<string, string> = {}): Promise<string> {
  const repo = makeRepo(files);
  const r = await runCli(repo, SETUP);
  expect(r.exitCode, r.stderr).toBe(0);
  return repo;
}
const doctor = (repo: string, env = withNeonCli(baseEnv())) =>
  runCli(repo, ['doctor', '--no-verify', '--json'], { env });
type Finding = { check: string; level: string; message: string; fix?: string };
const findings = (stdout: string): Finding[] => JSON.parse(stdout).findings;

describe('doctor', () => {
  it('a healthy setup: exit 0, no problems, and the key is never printed', async () => {
    const repo = await setUp();
    const r = await doctor(repo);
    expect(r.exitCode, r.stdout).toBe(0);
    const f = findings(r.stdout);
    expect(f.filter((x) => x.level === 'problem')).toEqual([]);
    for (const check of ['git', 'manifest', 'runtime', 'git-hook', 'claude-hooks', 'agents', 'env-file', 'neon-cli']) {
      expect(
        f.some((x) => x.check === check && x.level === 'ok'),
        check,
      ).toBe(true);
    }
    // The key is in the env file: denied to Claude's file tools, not to an agent's shell commands; the fix moves it.
    expect(f.find((x) => x.check === 'credentials')).toMatchObject({
      level: 'warn',
      message: expect.stringMatching(/API key in the main checkout's \.env .*denied it .*shell commands/),
      fix: expect.stringContaining('--key-store user'),
    });
    expect(r.stdout).not.toContain('napi_doctorkey');
    const human = await runCli(repo, ['doctor', '--no-verify'], { env: withNeonCli(baseEnv()) });
    expect(human.exitCode).toBe(0);
    expect(human.stdout).toMatch(/No problems/);
  });

  it.each([
    [
      'hook not executable',
      (repo: string) => chmodSync(path.join(repo, '.git/hooks/post-checkout'), 0o644),
      'git-hook',
      /not executable/,
      /chmod \+x/,
    ],
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
    [
      'husky core.hooksPath',
      (repo: string) => git(repo, 'config', 'core.hooksPath', '.husky/_'),
      'git-hook',
      /husky is in use .* no create-neon-agents block/,
      /npm create neon-agents/,
    ],
    [
      'bad JSON in settings',
      (repo: string) => writeFiles(repo, { '.claude/settings.json': '{ "hooks": ' }),
      'claude-hooks',
      /not valid JSON/,
      /fix the JSON/,
    ],
    [
      'an invalid agent file',
      (repo: string) => writeFiles(repo, { '.claude/agents/data-optimizer.md': '---\nname: Data Optimizer\n---\n' }),
      'agents',
      /name must be/,
      /frontmatter/,
    ],
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

  it("another tool's WorktreeCreate hook is a warning whose fix can work, not a problem", async () => {
    const repo = await setUp({
      '.claude/settings.json': JSON.stringify({
        hooks: { WorktreeCreate: [{ hooks: [{ type: 'command', command: './wt.sh' }] }] },
      }),
    });
    const r = await doctor(repo);
    const f = findings(r.stdout).find((x) => x.check === 'claude-hooks')!;
    expect(f.level).toBe('warn');
    expect(f.fix).toMatch(/neon-worktree\.mjs ensure/);
  });

  it('a missing Neon CLI is fine with an API key, and a problem without one', async () => {
    const withKey = await setUp();
    const ok = await doctor(withKey, baseEnv()); // no node_modules/.bin on PATH
    const note = findings(ok.stdout).find((x) => x.check === 'neon-cli')!;
    expect(note.level).toBe('ok');
    expect(note.message).toMatch(/not needed: with an API key the runtime calls the Neon API directly/);
    const noKey = makeRepo();
    const fresh = baseEnv({ HOME: tempDir('cna-home-') }); // no key kept for the project there either
    expect(
      (await runCli(noKey, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'], { env: fresh })).exitCode,
    ).toBe(0);
    const r = await doctor(noKey, fresh);
    expect(r.exitCode).toBe(1);
    const p = findings(r.stdout).find((x) => x.check === 'neon-cli')!;
    expect(p.level).toBe('problem');
    expect(p.fix).toContain('npm i -g neonctl');
    expect(p.fix).toContain('--api-key');
  });

  it('says where the key lives and whether an agent could read it: the user file, the shell environment', async () => {
    const repo = makeRepo();
    const env = withNeonCli(baseEnv());
    const setup = SETUP.slice(0, -2); // without --key-store env-file: the default, the user file
    expect((await runCli(repo, setup, { env })).exitCode).toBe(0);
    const file = path.join(env.HOME!, '.config/create-neon-agents/credentials.json');
    const kept = findings((await doctor(repo, env)).stdout).find((x) => x.check === 'credentials')!;
    expect(kept).toMatchObject({ level: 'ok' });
    expect(kept.message).toBe(
      `API key in ${file} (outside the repository; not shown); Claude's file tools are denied it`,
    );
    // Exported in the shell that starts the agents: they inherit it.
    const exported = await doctor(repo, { ...env, NEON_API_KEY: 'napi_doctorkey_1234567890' });
    const warn = findings(exported.stdout).find((x) => x.check === 'credentials')!;
    expect(warn.level).toBe('warn');
    expect(warn.message).toMatch(
      /NEON_API_KEY in this shell's environment .*agents started from this shell inherit it/,
    );
    expect(exported.stdout).not.toContain('napi_doctorkey');
    // A file that cannot be read: a problem naming it (the runtime fails closed on it too).
    writeFileSync(file, '{ nope');
    const broken = findings((await doctor(repo, env)).stdout).find((x) => x.check === 'credentials')!;
    expect(broken.level).toBe('problem');
    expect(broken.message).toContain(`${file} is not valid JSON`);
  });

  it('finds missing credentials and an env file git does not ignore', async () => {
    const repo = makeRepo();
    const fresh = baseEnv({ HOME: tempDir('cna-home-') });
    expect(
      (await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'], { env: fresh })).exitCode,
    ).toBe(0);
    writeFiles(repo, { '.gitignore': 'node_modules\n' });
    const r = await doctor(repo, fresh);
    expect(r.exitCode).toBe(1);
    const f = findings(r.stdout);
    expect(f.find((x) => x.check === 'credentials')?.level).toBe('problem');
    expect(f.find((x) => x.check === 'env-file')).toMatchObject({
      level: 'problem',
      message: expect.stringMatching(/not ignored/),
    });
  });

  describe('the promise itself: no worktree env file reaches the shared database', () => {
    const PASSWORD = 'npg_SharedSecretPassw0rd';
    const SHARED = `postgresql://neondb_owner:${PASSWORD}@ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require`;
    /** A repo set up by the built CLI whose main checkout uses the shared database, and a linked worktree made by a tool that skipped our hooks. */
    async function withSkippedWorktree(): Promise<{ repo: string; wt: string }> {
      const repo = makeRepo();
      writeFiles(repo, { '.env': `DATABASE_URL=${SHARED}\nPGPASSWORD=${PASSWORD}\n` });
      const r = await runCli(repo, SETUP);
      expect(r.exitCode, r.stderr).toBe(0);
      const wt = path.join(tempDir('cna-wt-'), 'skipped');
      execFileSync('git', ['worktree', 'add', '-q', '-b', 'skipped', wt], {
        cwd: repo,
        env: { ...process.env, NEON_AGENTS_SKIP_HOOK: '1' },
        stdio: 'ignore',
      });
      // What a tool that copies the main checkout's env files does.
      copyFileSync(path.join(repo, '.env'), path.join(wt, '.env'));
      writeFiles(wt, { 'apps/web/.env.local': `POSTGRES_URL=${SHARED}\n` });
      return { repo, wt: realpathSync(wt) };
    }
    const noSecret = (out: string) => {
      expect(out).not.toContain(PASSWORD);
      expect(out).not.toContain('napi_doctorkey');
      expect(out).not.toContain('neondb_owner:');
    };

    it('a copied env file: exit 1 naming the worktree, the keys and the fix, never a value', async () => {
      const { repo, wt } = await withSkippedWorktree();
      const r = await doctor(repo);
      expect(r.exitCode, r.stdout).toBe(1);
      noSecret(r.stdout);
      const problems = findings(r.stdout).filter((f) => f.check === 'isolation' && f.level === 'problem');
      const leak = problems.find((f) => f.message.includes(' .env reaches'))!;
      expect(leak, r.stdout).toBeDefined();
      expect(leak.message).toContain(`worktree ${wt}`);
      expect(leak.message).toMatch(/DATABASE_URL, PGPASSWORD/);
      expect(leak.fix).toBe(`cd ${wt} && node ${realpathSync(repo)}/.claude/hooks/neon-worktree.mjs ensure`);
      // Every env file of the worktree counts (here a gitignored one of an app), and the management key is named.
      expect(
        problems.some((f) => /apps\/web\/\.env\.local reaches the shared database: POSTGRES_URL/.test(f.message)),
      ).toBe(true);
      expect(problems.some((f) => /\.env holds NEON_API_KEY/.test(f.message))).toBe(true);
      // Its env file is ignored there although its branch has no .gitignore yet: the clone's info/exclude does it.
      expect(existsSync(path.join(wt, '.gitignore'))).toBe(false);
      expect(problems.some((f) => /not ignored/.test(f.message))).toBe(false);
      const human = await runCli(repo, ['doctor', '--no-verify'], { env: withNeonCli(baseEnv()) });
      expect(human.exitCode).toBe(1);
      noSecret(human.stdout);
      expect(human.stdout).toMatch(/isolation +worktree .* reaches the shared database/);
    });

    it("after the env files point at the worktree's own branch, doctor no longer reports it", async () => {
      const { repo, wt } = await withSkippedWorktree();
      // Its own branch inherited the parent's password; its own endpoint (from the runtime's record) tells them apart.
      const own = `postgresql://neondb_owner:${PASSWORD}@ep-own-branch-654321-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require`;
      writeFiles(wt, { '.env': `DATABASE_URL=${own}\n`, 'apps/web/.env.local': '' });
      const records = path.join(repo, '.git/neon-agents/branches');
      mkdirSync(records, { recursive: true });
      writeFiles(records, {
        'a.json': JSON.stringify({
          neonBranch: 'agents/x/skipped',
          branchId: 'br-x',
          projectId: 'winter-sun-12345678',
          endpointId: 'ep-own-branch-654321',
          gitBranch: 'skipped',
          aliases: [],
          worktreePath: wt,
          baseSha: null,
          createdAt: '',
          expiresAt: null,
        }),
      });
      const r = await doctor(repo);
      noSecret(r.stdout);
      expect(
        findings(r.stdout).filter((f) => f.level === 'problem'),
        r.stdout,
      ).toEqual([]);
      expect(r.exitCode).toBe(0);
      expect(findings(r.stdout).find((f) => f.check === 'isolation')).toMatchObject({
        level: 'ok',
        message: expect.stringMatching(/no env file of the 1 linked worktree/),
      });
      // Without the record the same password is the parent's: a leak again.
      rmSync(records, { recursive: true });
      const again = await doctor(repo);
      expect(again.exitCode).toBe(1);
      expect(findings(again.stdout).find((f) => f.check === 'isolation')!.message).toMatch(
        /DATABASE_URL \(its URL holds the parent's password\)/,
      );
    });

    it('a worktree whose env file git does not ignore there (no .gitignore lines, no info/exclude block) is a problem', async () => {
      const { repo, wt } = await withSkippedWorktree();
      writeFileSync(path.join(repo, '.git/info/exclude'), '');
      const r = await doctor(repo);
      const f = findings(r.stdout);
      expect(f.find((x) => x.check === 'exclude')).toMatchObject({
        level: 'warn',
        fix: expect.stringMatching(/npm create neon-agents@latest -- --yes.*node .*cli\.mjs --yes/),
      });
      expect(f.find((x) => x.check === 'isolation' && /not ignored/.test(x.message))).toMatchObject({
        level: 'problem',
        message: expect.stringContaining(`worktree ${wt}: .env is not ignored`),
      });
      noSecret(r.stdout);
    });
  });

  it('warns about package scripts that bring their own secrets', async () => {
    const repo = await setUp({
      'package.json': JSON.stringify({
        name: 'app',
        scripts: { 'db:migrate': 'doppler run -- drizzle-kit migrate' },
        devDependencies: { 'drizzle-kit': '1' },
      }),
    });
    const r = await doctor(repo);
    const w = findings(r.stdout).find((x) => x.check === 'scripts');
    expect(w, r.stdout).toMatchObject({ level: 'warn', message: expect.stringMatching(/db:migrate.*doppler run/) });
  });

  it('husky declared but not installed: the hook waits in .husky, and doctor says to install', async () => {
    const repo = await setUp({
      'package.json': JSON.stringify({
        name: 'app',
        devDependencies: { husky: '^9.1.7' },
        scripts: { prepare: 'husky' },
      }),
    });
    expect(read(repo, '.husky/post-checkout')).toContain('# >>> create-neon-agents >>>');
    expect(mode(repo, '.husky/post-checkout') & 0o111).not.toBe(0);
    expect(existsSync(path.join(repo, '.git/hooks/post-checkout'))).toBe(false);
    const r = await doctor(repo);
    expect(findings(r.stdout).find((x) => x.check === 'git-hook')).toMatchObject({
      level: 'problem',
      message: expect.stringMatching(/husky is declared .* not installed/),
      fix: expect.stringMatching(/^npm install/),
    });
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
      .map(
        (f) =>
          `${f} ${(statSync(path.join(hooks, f)).mode & 0o777).toString(8)} ${readFileSync(path.join(hooks, f), 'utf8')}`,
      ),
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

  it("round trip when the user's .gitignore already covered .env: no leftover header", async () => {
    const repo = makeRepo({ '.gitignore': 'node_modules\n.env\n' });
    const before = snapshotRepo(repo);
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    const r = await runCli(repo, ['uninstall', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(snapshotRepo(repo).status).toEqual(before.status);
    expect(read(repo, '.gitignore')).toBe('node_modules\n.env\n');
    expect(r.stdout).not.toMatch(/Kept \/\.env in \.gitignore/);
  });

  it("restores a chained foreign hook and a user's files byte for byte, keeping what the user changed", async () => {
    const lfs =
      '#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "no git-lfs"; exit 2; }\ngit lfs post-checkout "$@"\n';
    const settings = '{\n  "permissions": { "allow": ["Bash(npm test)"] }\n}\n';
    const repo = makeRepo({
      '.gitignore': 'node_modules\n',
      '.claude/settings.json': settings,
      '.env.example': 'PORT=3000\n',
    });
    writeFiles(repo, { '.git/hooks/post-checkout': lfs });
    chmodSync(path.join(repo, '.git/hooks/post-checkout'), 0o755);
    const before = snapshotRepo(repo);
    expect((await runCli(repo, SETUP)).exitCode).toBe(0);
    expect(read(repo, '.git/hooks/post-checkout')).toContain('git lfs post-checkout');
    writeFiles(repo, {
      '.claude/agents/data-optimizer.md': read(repo, '.claude/agents/data-optimizer.md') + '\nOur addition.\n',
    });

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

  it.each([
    ["git's own info/exclude", undefined],
    ['no info/exclude at all', null],
    ['an info/exclude without a final newline', '*.log\nbuild'],
    ['an info/exclude that already ignores everything', '.env\n.env.*\n.claude/\n'],
  ])('files without a final newline, and %s, come back byte for byte', async (_what, exclude) => {
    const repo = makeRepo({
      '.gitignore': 'node_modules',
      '.env.example': 'PORT=3000',
      'package.json': JSON.stringify({ name: 'app', devDependencies: { husky: '9' } }),
    });
    const excludeFile = path.join(repo, '.git/info/exclude');
    if (exclude === null) rmSync(excludeFile);
    else if (exclude !== undefined) writeFileSync(excludeFile, exclude);
    const before = snapshotRepo(repo);
    const beforeTree = tree(repo);
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    const written = existsSync(excludeFile) ? readFileSync(excludeFile, 'utf8') : null;
    if (exclude === '.env\n.env.*\n.claude/\n') expect(written).toBe(exclude);
    else
      expect(written).toMatch(
        /^# >>> create-neon-agents >>>\n[\s\S]*\/\.claude\/worktrees\/\n\/\.claude\/settings\.local\.json\n# <<< create-neon-agents <<<\n/,
      );
    expect(read(repo, '.husky/post-checkout')).toContain('create-neon-agents');
    const r = await runCli(repo, ['uninstall', '--yes']);
    expect(r.exitCode, r.stderr).toBe(0);
    const after = snapshotRepo(repo);
    expect(after.status).toEqual(before.status);
    expect(after.hooks).toEqual(before.hooks);
    expect(read(repo, '.env.example')).toBe('PORT=3000');
    expect(read(repo, '.gitignore')).toBe('node_modules');
    if (exclude === null) expect(existsSync(excludeFile)).toBe(false);
    expect(existsSync(path.join(repo, '.husky'))).toBe(false);
    // Every file (hooks, info/exclude, the work tree) as it was, apart from git's own bookkeeping.
    const keep = (t: Record<string, string>) =>
      Object.fromEntries(
        Object.entries(t).filter(([k]) => !/^\.git\/(refs|ORIG_HEAD|FETCH_HEAD|COMMIT_EDITMSG|neon-agents)/.test(k)),
      );
    expect(keep(tree(repo))).toEqual(keep(beforeTree));
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
