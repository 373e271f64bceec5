import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, readFileSync, realpathSync, statSync } from 'node:fs';
import { execFileSync } from 'node:child_process';
import { execa } from 'execa';
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
  writeFiles,
  ROOT,
} from '../helpers/repo.ts';
import { validateAgentFile } from '../../src/validate/agent.ts';

afterAll(cleanupTempDirs);

const PROJECT = 'winter-sun-12345678';
const KEY = 'napi_TOPSECRETkey0123456789abcdefghijklmnopqrstuvwxyz';
const ok = ['--yes', '--no-verify', '--project-id', PROJECT];

describe('a fresh repository', () => {
  it('writes the setup, with a 0600 env file that git ignores', async () => {
    const repo = makeRepo({ 'package.json': JSON.stringify({ name: 'app', dependencies: { 'drizzle-orm': '1' } }) });
    const env = baseEnv();
    const r = await runCli(repo, [...ok, '--api-key', KEY], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    for (const f of [
      '.claude/agents/feature-developer.md',
      '.claude/agents/data-optimizer.md',
      '.claude/hooks/neon-worktree.mjs',
      '.claude/settings.json',
      '.claude/neon-agents.json',
      '.env.example',
      '.env',
      '.gitignore',
    ]) {
      expect(existsSync(path.join(repo, f)), f).toBe(true);
    }
    expect(existsSync(path.join(repo, '.claude/agents/migration-reviewer.md'))).toBe(false);
    expect(mode(repo, '.env')).toBe(0o600);
    expect(mode(repo, '.claude/hooks/neon-worktree.mjs')).toBe(0o755);
    expect(read(repo, '.env')).toContain(`NEON_PROJECT_ID=${PROJECT}`);
    // The key: outside the repository by default, 0600 in a 0700 folder, keyed by project; denied to Claude's tools.
    expect(read(repo, '.env')).not.toContain('NEON_API_KEY');
    const store = path.join(env.HOME!, '.config/create-neon-agents');
    expect(JSON.parse(readFileSync(path.join(store, 'credentials.json'), 'utf8'))).toEqual({
      projects: { [PROJECT]: { apiKey: KEY } },
    });
    expect(statSync(path.join(store, 'credentials.json')).mode & 0o777).toBe(0o600);
    expect(statSync(store).mode & 0o777).toBe(0o700);
    expect(JSON.parse(read(repo, '.claude/settings.local.json')).permissions.deny).toEqual([
      `Read(/${path.join(store, 'credentials.json')})`,
    ]);
    // git itself confirms the env file, Claude's local settings and its worktrees are ignored.
    expect(git(repo, 'check-ignore', '.env')).toBe('.env');
    expect(git(repo, 'check-ignore', '.claude/settings.local.json')).toBe('.claude/settings.local.json');
    expect(git(repo, 'check-ignore', '.claude/worktrees/x/file')).toBe('.claude/worktrees/x/file');
    const manifest = JSON.parse(read(repo, '.claude/neon-agents.json'));
    expect(manifest.answers).toMatchObject({
      projectId: PROJECT,
      branchTtlDays: 14,
      permissionMode: 'bypassPermissions',
      envFile: '.env',
    });
    const settings = JSON.parse(read(repo, '.claude/settings.json'));
    expect(settings.hooks.WorktreeCreate[0].hooks[0].command).toContain('neon-worktree.mjs" worktree-create');
    expect(settings.hooks.WorktreeRemove[0].hooks[0].command).toContain('neon-worktree.mjs" worktree-remove');
    for (const f of ['feature-developer', 'data-optimizer']) {
      const check = validateAgentFile(read(repo, `.claude/agents/${f}.md`));
      expect(check.errors).toEqual([]);
      expect(check.frontmatter).toMatchObject({
        name: f,
        isolation: 'worktree',
        background: true,
        permissionMode: 'bypassPermissions',
      });
    }
  });

  it('--key-store env-file keeps the key in the 0600 env file, denies it to Claude, and moving it back leaves one copy', async () => {
    const repo = makeRepo();
    const env = baseEnv();
    const r = await runCli(repo, [...ok, '--api-key', KEY, '--key-store', 'env-file'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.env')).toContain(`NEON_API_KEY=${KEY}`);
    expect(mode(repo, '.env')).toBe(0o600);
    expect(JSON.parse(read(repo, '.claude/settings.local.json')).permissions.deny).toEqual([
      `Read(/${path.join(realpathSync(repo), '.env')})`,
    ]);
    expect(r.stdout).toMatch(/move it out of the repo with --key-store user/);
    // The re-run with --key-store user moves it: out of .env, into the user file, and the rule follows it.
    const moved = await runCli(repo, ['--yes', '--no-verify', '--allow-dirty', '--key-store', 'user'], { env });
    expect(moved.exitCode, moved.stderr).toBe(0);
    expect(read(repo, '.env')).not.toContain('NEON_API_KEY');
    const file = path.join(env.HOME!, '.config/create-neon-agents/credentials.json');
    expect(JSON.parse(readFileSync(file, 'utf8')).projects[PROJECT].apiKey).toBe(KEY);
    expect(JSON.parse(read(repo, '.claude/settings.local.json')).permissions.deny).toEqual([`Read(/${file})`]);
  });

  it('is a no-op the second time', async () => {
    const repo = makeRepo();
    const env = baseEnv(); // one home: the key kept there is found again
    expect((await runCli(repo, [...ok, '--api-key', KEY], { env })).exitCode).toBe(0);
    const before = tree(repo);
    const r = await runCli(repo, ['--yes', '--no-verify'], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toContain('Already up to date');
    expect(tree(repo)).toEqual(before);
  });

  it('never shows or spreads the API key', async () => {
    const repo = makeRepo();
    const env = baseEnv();
    const runs = [
      await runCli(repo, [...ok, '--api-key', KEY, '--dry-run'], { env }),
      await runCli(repo, [...ok, '--api-key', KEY, '--dry-run', '--json'], { env }),
      await runCli(repo, [...ok, '--api-key', KEY], { env }),
      await runCli(repo, [...ok, '--api-key', KEY, '--json'], { env }),
      await runCli(repo, [...ok, '--roles', 'nope', '--api-key', KEY], { env }),
    ];
    for (const r of runs) {
      expect(r.stdout + r.stderr).not.toContain(KEY);
      expect(r.stdout + r.stderr).not.toContain(KEY.slice(5, 25));
    }
    const files = tree(repo);
    const holders = Object.entries(files)
      .filter(([, text]) => text.includes(KEY))
      .map(([f]) => f);
    expect(holders).toEqual([]);
    expect(readFileSync(path.join(env.HOME!, '.config/create-neon-agents/credentials.json'), 'utf8')).toContain(KEY);
    // Nothing tracked or trackable holds it either.
    git(repo, 'add', '-A');
    expect(git(repo, 'diff', '--cached', '--name-only')).not.toContain('.env\n');
    let grepStatus = 0;
    try {
      execFileSync('git', ['grep', '--cached', '-l', KEY], { cwd: repo, stdio: 'ignore' });
    } catch (e) {
      grepStatus = (e as { status: number }).status;
    }
    expect(grepStatus).toBe(1); // 1 = no match in anything git would commit
  }, 90_000);

  it('--dry-run prints the plan and writes nothing', async () => {
    const repo = makeRepo();
    const before = tree(repo);
    const r = await runCli(repo, [...ok, '--dry-run']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/dry run: nothing written/);
    expect(r.stdout).toMatch(/create\s+\.claude\/agents\/feature-developer\.md/);
    expect(tree(repo)).toEqual(before);
  });

  it('--json prints one document and nothing else on stdout', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, [...ok, '--json', '--roles', 'migration-reviewer']);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: true, dryRun: false, answers: { roles: ['migration-reviewer'] } });
    expect(doc.files.find((f: { path: string }) => f.path === '.claude/agents/migration-reviewer.md').action).toBe(
      'create',
    );
  });
});

describe('run from inside a linked worktree, in a subdirectory', () => {
  it('writes the env file in the main checkout and records only portable paths', async () => {
    const repo = makeRepo();
    const wt = path.join(tempDir('cna-wt-'), 'feat');
    git(repo, 'worktree', 'add', '-q', '-b', 'feat', wt);
    writeFiles(wt, { 'src/.keep': '' });
    const r = await runCli(path.join(wt, 'src'), [...ok, '--api-key', KEY, '--key-store', 'env-file']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.env')).toContain(`NEON_API_KEY=${KEY}`);
    expect(existsSync(path.join(wt, '.env'))).toBe(false);
    expect(existsSync(path.join(wt, '.claude/agents/feature-developer.md'))).toBe(true);
    const keys = Object.keys(JSON.parse(read(wt, '.claude/neon-agents.json')).files);
    expect(keys.filter((k) => path.isAbsolute(k))).toEqual([]);
    expect(keys).toContain('$GIT_COMMON_DIR/hooks/post-checkout');
    const commit = r.stdout.split('\n').find((l) => l.includes('git add'))!;
    expect(commit).not.toMatch(/\s\//); // no absolute path to git add
    expect(commit).not.toContain('.env ');
    // And uninstall from there takes it all back out.
    const u = await runCli(wt, ['uninstall', '--yes']);
    expect(u.exitCode, u.stderr).toBe(0);
    expect(existsSync(path.join(repo, '.git/hooks/post-checkout'))).toBe(false);
    expect(read(repo, '.env')).not.toContain('NEON_PROJECT_ID');
  });
});

describe('a repository that already has files of its own', () => {
  const userSettings = `{
  // the team's settings
  "permissions": { "allow": ["Bash(npm test)"] },
  "hooks": {
    "PostToolUse": [ { "matcher": "Edit", "hooks": [ { "type": "command", "command": "npx prettier --write" } ] } ]
  }
}
`;
  const userEnv =
    '# local secrets\r\nexport SESSION_SECRET="s3cr3t with spaces"\r\nDATABASE_URL=postgres://localhost/dev\r\n';
  const userAgent = "---\nname: feature-developer\ndescription: the team's own\n---\nOur own instructions.\n";

  function setup() {
    return makeRepo({
      '.gitignore': 'node_modules\n.env*\n!.env.example\n',
      '.env.example': 'DATABASE_URL=postgres://localhost/dev\nSESSION_SECRET=\n',
      '.claude/settings.json': userSettings,
      '.claude/agents/feature-developer.md': userAgent,
    });
  }

  it('keeps every byte it does not own', async () => {
    const repo = setup();
    writeFiles(repo, { '.env': userEnv });
    const r = await runCli(repo, [...ok, '--api-key', KEY]);
    expect(r.exitCode, r.stderr).toBe(0);
    // The user's agent is theirs: skipped, not clobbered.
    expect(read(repo, '.claude/agents/feature-developer.md')).toBe(userAgent);
    expect(r.stdout).toMatch(
      /skip\s+\.claude\/agents\/feature-developer\.md\s+exists and was not written by this tool/,
    );
    // Settings: the user's text is still there, our hooks were added.
    const settings = read(repo, '.claude/settings.json');
    expect(settings).toContain("// the team's settings");
    expect(settings).toContain('"permissions": { "allow": ["Bash(npm test)"] }');
    expect(settings).toContain(
      '"PostToolUse": [ { "matcher": "Edit", "hooks": [ { "type": "command", "command": "npx prettier --write" } ] } ]',
    );
    expect(settings).toContain('worktree-create');
    // .env: the user's lines, byte for byte (CRLF included), then ours.
    const env = read(repo, '.env');
    expect(env.startsWith(userEnv)).toBe(true);
    expect(env).toContain(`NEON_PROJECT_ID=${PROJECT}\r\n`);
    // .env.example: keys added, nothing replaced.
    const example = read(repo, '.env.example');
    expect(example.startsWith('DATABASE_URL=postgres://localhost/dev\nSESSION_SECRET=\n')).toBe(true);
    expect(example).toMatch(/^NEON_PROJECT_ID=$/m);
    expect(example).not.toContain(KEY);
    // .gitignore already covers .env (via .env*): nothing duplicated for it.
    expect(read(repo, '.gitignore')).toBe(
      'node_modules\n.env*\n!.env.example\n\n# create-neon-agents: per-worktree env files and Claude Code worktrees\n/.claude/worktrees/\n',
    );
  });

  it("--force overwrites the user's agent file", async () => {
    const repo = setup();
    const r = await runCli(repo, [...ok, '--force']);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.claude/agents/feature-developer.md')).toContain('isolation: worktree');
  });

  it('does not add a second worktree creator', async () => {
    const repo = makeRepo({
      '.claude/settings.json': JSON.stringify(
        { hooks: { WorktreeCreate: [{ hooks: [{ type: 'command', command: './scripts/wt.sh' }] }] } },
        null,
        2,
      ),
    });
    const before = read(repo, '.claude/settings.json');
    const r = await runCli(repo, ok);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.claude/settings.json')).toBe(before);
    expect(r.stderr).toMatch(/already has a WorktreeCreate hook \(\.\/scripts\/wt\.sh\)/);
  });

  it('refuses invalid settings JSON, writing nothing', async () => {
    const repo = makeRepo({ '.claude/settings.json': '{ "hooks": [ }' });
    const before = tree(repo);
    const r = await runCli(repo, ok);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/\.claude\/settings\.json is not valid JSON \(.* at line 1\); fix it/);
    expect(tree(repo)).toEqual(before);
  });
});

describe('the variables the app reads its database URL from', () => {
  // create-t3-turbo's shape: the db package reads POSTGRES_URL, and its scripts load the root .env.
  const t3 = {
    'package.json': JSON.stringify({ name: 'root', private: true, devDependencies: { 'dotenv-cli': '10' } }),
    'pnpm-lock.yaml': '',
    'packages/db/package.json': JSON.stringify({
      name: '@acme/db',
      dependencies: { 'drizzle-orm': '0.44' },
      devDependencies: { 'drizzle-kit': '0.31' },
      scripts: { push: 'pnpm with-env drizzle-kit push', 'with-env': 'dotenv -e ../../.env --' },
    }),
    'packages/db/drizzle.config.ts':
      'const url = process.env.POSTGRES_URL!;\nexport default { dialect: "postgresql", dbCredentials: { url } };\n',
  };

  it('records the detected variables and env file, and says where they came from', async () => {
    const repo = makeRepo(t3);
    const r = await runCli(repo, ok);
    expect(r.exitCode, r.stderr).toBe(0);
    const { answers } = JSON.parse(read(repo, '.claude/neon-agents.json'));
    expect(answers).toMatchObject({ databaseUrlVar: 'POSTGRES_URL', directUrlVar: null, envFile: '.env' });
    expect(r.stdout).toContain(
      'Database URL variable: POSTGRES_URL (packages/db/drizzle.config.ts:1, read in the drizzle config)',
    );
    expect(r.stdout).toContain(`Env file: .env (packages/db's "push" script loads it (dotenv -e ../../.env --))`);
    expect(read(repo, '.env.example')).toMatch(/^POSTGRES_URL=postgresql:/m);
    expect(read(repo, '.env.example')).not.toMatch(/^DATABASE_URL=/m);
    const agent = read(repo, '.claude/agents/feature-developer.md');
    expect(agent).toContain('`POSTGRES_URL` in `.env`');
    expect(agent).toContain('(cd packages/db && pnpm push)');
    expect(agent).toContain(
      'node "$(git worktree list --porcelain | head -n 1 | cut -c 10-)/.claude/hooks/neon-worktree.mjs" status',
    );
    expect(agent).not.toContain('DATABASE_URL');
  });

  it('flags override what was detected, are recorded, and a re-run keeps them', async () => {
    const repo = makeRepo(t3);
    const r = await runCli(repo, [
      ...ok,
      '--database-url-var',
      'APP_DB_URL',
      '--direct-url-var',
      'APP_DB_URL_UNPOOLED',
      '--json',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.answers).toMatchObject({ databaseUrlVar: 'APP_DB_URL', directUrlVar: 'APP_DB_URL_UNPOOLED' });
    expect(doc.detected).toMatchObject({ databaseUrlVar: 'POSTGRES_URL', envFile: '.env' });
    expect(doc.command).toContain('--database-url-var APP_DB_URL --direct-url-var APP_DB_URL_UNPOOLED');
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers).toMatchObject({
      databaseUrlVar: 'APP_DB_URL',
      directUrlVar: 'APP_DB_URL_UNPOOLED',
    });
    expect(read(repo, '.env.example')).toMatch(/^APP_DB_URL_UNPOOLED=postgresql:/m);
    // A re-run without flags keeps the recorded answers; --direct-url-var none clears the direct one.
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.databaseUrlVar).toBe('APP_DB_URL');
    const again = await runCli(repo, ['--yes', '--no-verify', '--allow-dirty', '--direct-url-var', 'none', '--json']);
    expect(again.exitCode, again.stdout).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers).toMatchObject({
      databaseUrlVar: 'APP_DB_URL',
      directUrlVar: null,
    });
  });

  it('Prisma: detected directUrl; a hard-coded URL and a doppler script are warned about once, and the roles work around the script', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({
        name: 'app',
        dependencies: { '@prisma/client': '5' },
        scripts: { 'db:migrate': 'doppler run -- prisma migrate deploy' },
      }),
      'prisma/schema.prisma':
        'datasource db {\n  provider  = "postgresql"\n  url       = "postgresql://u:p@ep-x.neon.tech/db"\n  directUrl = env("DIRECT_URL")\n}\n',
    });
    const r = await runCli(repo, ok);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers).toMatchObject({
      databaseUrlVar: 'DATABASE_URL',
      directUrlVar: 'DIRECT_URL',
    });
    expect(r.stderr.match(/hard-codes the database URL/g)).toHaveLength(1);
    expect(r.stderr.match(/doppler run/g)).toHaveLength(1);
    const agent = read(repo, '.claude/agents/feature-developer.md');
    expect(agent).toContain('(set -a && . ./.env && set +a && npx prisma migrate deploy)');
    expect(agent).toContain('The package script `db:migrate` is not used: it runs through `doppler run`');
  });

  it.each([
    [['--database-url-var', 'my-url'], /--database-url-var must be an environment variable name/],
    [['--direct-url-var', '9X'], /--direct-url-var must be an environment variable name/],
  ])('%j → exit 2', async (args, message) => {
    const repo = makeRepo();
    const r = await runCli(repo, [...ok, ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
  });
});

describe('bad input', () => {
  it('refuses a tracked env file (credentials would be committed), with or without a key, writing nothing', async () => {
    const repo = makeRepo({ '.env': 'PORT=3000\n' });
    const before = tree(repo);
    for (const args of [[...ok, '--api-key', KEY], ok]) {
      const r = await runCli(repo, args);
      expect(r.exitCode).toBe(1);
      expect(r.stderr).toMatch(
        /\.env is tracked by git, so the credentials written there .* would be committed\. Untrack it .*git rm --cached \.env/,
      );
      expect(r.stderr).not.toContain(KEY);
      expect(tree(repo)).toEqual(before);
    }
  });

  it('a directory that is not a git work tree: exit 2, suggests git init, writes nothing', async () => {
    const dir = tempDir('cna-nogit-');
    const r = await runCli(dir, ok);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/not inside a git work tree.*git init/s);
    expect(tree(dir)).toEqual({});
  });

  it('a repository without commits: set up, with a warning that worktrees need one', async () => {
    const repo = makeRepo({}, { commit: false });
    const r = await runCli(repo, ok);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no commit yet, and git can only make worktrees from one/);
  });

  it('missing project id without a terminal: exit 2, names the flag, prints a complete example', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--no-verify']);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(/Missing --project-id/);
    expect(r.stderr).toMatch(
      /npx create-neon-agents@latest --yes --project-id winter-sun-12345678 --key-store user --roles feature-developer,data-optimizer/,
    );
    expect(existsSync(path.join(repo, '.claude'))).toBe(false);
  });

  it('NEON_PROJECT_ID from the environment is enough', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--yes', '--no-verify'], { env: baseEnv({ NEON_PROJECT_ID: PROJECT }) });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.env')).toContain(`NEON_PROJECT_ID=${PROJECT}`);
  });

  it.each([
    [
      ['--roles', 'feature-developer,wizard'],
      /Unknown role "wizard"; valid roles: feature-developer, data-optimizer, migration-reviewer/,
    ],
    [['--branch-ttl', '31'], /--branch-ttl must be a whole number of days from 0 .* to 30/],
    [['--branch-ttl', '-1'], /--branch-ttl/],
    [
      ['--permission-mode', 'yolo'],
      /--permission-mode must be one of default, acceptEdits, dontAsk, bypassPermissions, plan/,
    ],
    [['--project-id', 'not a project'], /is not a Neon project id/],
    [['--env-path', '../outside/.env'], /--env-file must be a path inside the repository/],
    [['--frobnicate'], /Unknown option '--frobnicate'.*--help/],
    [['--pooled', '--no-pooled'], /contradict/],
    [['--interactive'], /--yes \(never prompt\) and --interactive \(force the wizard\) contradict/],
    [['a', 'b'], /at most one directory/],
  ])('%j → exit 2 with a message naming the fix', async (args, message) => {
    const repo = makeRepo();
    const before = tree(repo);
    const r = await runCli(repo, [...ok, ...args]);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(tree(repo)).toEqual(before);
  });

  it('the runtime: no command or an unknown one is a usage error (exit 2) that points at --help', async () => {
    const rt = path.join(ROOT, 'dist/runtime/neon-worktree.mjs');
    for (const args of [[], ['frobnicate']]) {
      const r = await execa('node', [rt, ...args], {
        reject: false,
        env: baseEnv() as NodeJS.ProcessEnv,
        extendEnv: false,
      });
      expect(r.exitCode, JSON.stringify(args)).toBe(2);
      expect(r.stdout + r.stderr).toMatch(/--help|Usage|usage/);
    }
  });

  it('--help and --version exit 0', async () => {
    const help = await runCli(ROOT, ['--help']);
    expect(help.exitCode).toBe(0);
    for (const flag of [
      '--project-id',
      '--api-key',
      '--roles',
      '--permission-mode',
      '--parent-branch',
      '--branch-ttl',
      '--env-file',
      '--no-pooled',
      '--no-git-hook',
      '--no-claude-hooks',
      '--yes',
      '--interactive',
      '--dry-run',
      '--force',
      '--no-verify',
      '--json',
    ]) {
      expect(help.stdout).toContain(flag);
    }
    const version = await runCli(ROOT, ['-v']);
    expect(version.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});

describe('a corrupt manifest', () => {
  it.each([
    ['not JSON', '{"tool": "create-neon-agents", '],
    ['not ours', '{"name": "something else"}'],
  ])(
    '(%s): init, --check and doctor say what to do — restore it or delete it — with no stack trace, and write nothing',
    async (_what, text) => {
      const repo = makeRepo();
      expect((await runCli(repo, ok)).exitCode).toBe(0);
      writeFiles(repo, { '.claude/neon-agents.json': text });
      const before = tree(repo);
      for (const args of [ok, ['--check'], ['doctor', '--no-verify']]) {
        const r = await runCli(repo, args);
        expect(r.exitCode, `${args.join(' ')}\n${r.stdout}${r.stderr}`).toBe(1);
        const out = `${r.stdout}${r.stderr}`;
        expect(out).toMatch(/\.claude\/neon-agents\.json is not (valid JSON|a create-neon-agents manifest)/);
        expect(out).toMatch(/restore it from git \(git checkout -- \.claude\/neon-agents\.json\), or delete it/);
        expect(out).not.toMatch(/^\s+at /m); // no stack
        expect(out).not.toMatch(/unexpected:/);
      }
      expect(tree(repo)).toEqual(before);
    },
  );
});

describe(".gitignore and the clone's info/exclude", () => {
  it("a re-run puts the env file's .gitignore line back even though our info/exclude block still ignores it", async () => {
    const repo = makeRepo();
    expect((await runCli(repo, ok)).exitCode).toBe(0);
    expect(read(repo, '.gitignore')).toMatch(/^\/\.env$/m);
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'setup');
    writeFiles(repo, { '.gitignore': read(repo, '.gitignore').replace(/^\/\.env\n/m, '') });
    git(repo, 'commit', '-qam', 'oops');
    const r = await runCli(repo, ok);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.gitignore')).toMatch(/^\/\.env$/m); // every clone needs it, not only this one
  });
});
