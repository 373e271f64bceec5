// Snapshots of what users get, per kind of repository, and Claude Code's own verdict on the agent files.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { cpSync, mkdirSync, writeFileSync } from 'node:fs';
import { execa } from 'execa';
import { cleanupTempDirs, makeRepo, read, runCli, tempDir, ROOT } from '../helpers/repo.ts';
import { validateAgentFile } from '../../src/validate/agent.ts';

afterAll(cleanupTempDirs);

const KINDS: Record<string, Record<string, string>> = {
  drizzle: {
    'package.json': JSON.stringify({
      name: 'app',
      scripts: { test: 'vitest run', 'db:migrate': 'drizzle-kit migrate' },
      dependencies: { 'drizzle-orm': '1' },
    }),
    'package-lock.json': '{}',
  },
  prisma: {
    'package.json': JSON.stringify({
      name: 'app',
      scripts: { test: 'jest', seed: 'tsx prisma/seed.ts' },
      dependencies: { '@prisma/client': '6' },
    }),
    'pnpm-lock.yaml': '',
    'prisma/schema.prisma':
      'datasource db {\n  provider  = "postgresql"\n  url       = env("DATABASE_URL")\n  directUrl = env("DIRECT_URL")\n}\n',
  },
  'next-monorepo': {
    'package.json': JSON.stringify({ name: 'root', workspaces: ['apps/*'] }),
    'bun.lock': '',
    'apps/web/package.json': JSON.stringify({
      name: 'web',
      dependencies: { next: '15', kysely: '0.27' },
      scripts: { test: 'bun test' },
    }),
  },
  plain: {},
};

describe.each(Object.keys(KINDS))('a %s repository', (kind) => {
  it('gets agent files, settings and .env.example tailored to it', async () => {
    const repo = makeRepo(KINDS[kind]);
    const r = await runCli(repo, [
      '--yes',
      '--no-verify',
      '--project-id',
      'winter-sun-12345678',
      '--roles',
      'feature-developer,data-optimizer,migration-reviewer',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const manifest = JSON.parse(read(repo, '.claude/neon-agents.json'));
    const envDir = path.posix.dirname(manifest.answers.envFile);
    const snap = (name: string) => path.join(ROOT, 'test/e2e/__snapshots__', kind, name);
    for (const role of ['feature-developer', 'data-optimizer', 'migration-reviewer']) {
      const text = read(repo, `.claude/agents/${role}.md`);
      expect(validateAgentFile(text).errors).toEqual([]);
      await expect(text).toMatchFileSnapshot(snap(`${role}.md`));
    }
    await expect(read(repo, '.claude/settings.json')).toMatchFileSnapshot(snap('settings.json'));
    await expect(read(repo, envDir === '.' ? '.env.example' : `${envDir}/.env.example`)).toMatchFileSnapshot(
      snap('env.example'),
    );
    await expect(JSON.stringify(manifest.answers, null, 2) + '\n').toMatchFileSnapshot(snap('answers.json'));
    // The rest of what a run writes: the git hook, .gitignore, our block in the clone's info/exclude (git's own
    // template lines around it vary by git version), the env file, and the manifest with the runtime's hashes as a
    // placeholder (they change with every runtime change; the runtime itself is tested where it runs).
    await expect(read(repo, '.git/hooks/post-checkout')).toMatchFileSnapshot(snap('post-checkout'));
    await expect(read(repo, '.gitignore')).toMatchFileSnapshot(snap('gitignore'));
    const exclude = read(repo, '.git/info/exclude');
    await expect(exclude.slice(exclude.indexOf('# >>> create-neon-agents'))).toMatchFileSnapshot(snap('exclude'));
    await expect(read(repo, manifest.answers.envFile)).toMatchFileSnapshot(snap('env'));
    const runtime = manifest.files['.claude/hooks/neon-worktree.mjs'];
    expect(runtime.sha256).toMatch(/^[0-9a-f]{64}$/);
    const stable = {
      ...manifest,
      files: {
        ...manifest.files,
        '.claude/hooks/neon-worktree.mjs': { ...runtime, sha256: '<runtime>', blob: '<runtime>' },
      },
    };
    await expect(JSON.stringify(stable, null, 2) + '\n').toMatchFileSnapshot(snap('manifest.json'));
  });
});

describe('tailoring', () => {
  it('never mentions Prisma in a Drizzle repo, and the reverse', async () => {
    const drizzle = makeRepo(KINDS.drizzle);
    const prisma = makeRepo(KINDS.prisma);
    for (const repo of [drizzle, prisma]) {
      expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    }
    const d = read(drizzle, '.claude/agents/feature-developer.md');
    const p = read(prisma, '.claude/agents/feature-developer.md');
    expect(d).toContain('npm run db:migrate');
    expect(d).not.toMatch(/prisma/i);
    expect(p).toContain('pnpm exec prisma migrate deploy');
    expect(p).toContain('`DIRECT_URL`');
    expect(p).not.toMatch(/drizzle/i);
  });

  it('puts the env file in the app folder of a monorepo, as .env.local for Next.js', async () => {
    const repo = makeRepo(KINDS['next-monorepo']);
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    expect(read(repo, 'apps/web/.env.local')).toContain('NEON_PROJECT_ID=winter-sun-12345678');
    expect(read(repo, 'apps/web/.env.example')).toContain('DATABASE_URL=');
    expect(read(repo, '.claude/agents/feature-developer.md')).toContain('(cd apps/web && bun run test)');
  });
});

describe('Claude Code itself', () => {
  it('accepts the generated agents (`claude plugin validate`)', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, [
      '--yes',
      '--no-verify',
      '--project-id',
      'winter-sun-12345678',
      '--roles',
      'feature-developer,data-optimizer,migration-reviewer',
    ]);
    expect(r.exitCode, r.stderr).toBe(0);
    const claude = path.join(ROOT, 'node_modules/.bin/claude');
    const env = { PATH: process.env.PATH, HOME: tempDir('cna-claude-home-') };
    // The documented directory check.
    const direct = await execa(claude, ['plugin', 'validate', '.claude/agents'], {
      cwd: repo,
      env,
      extendEnv: false,
      reject: false,
    });
    expect(direct.exitCode, direct.stdout + direct.stderr).toBe(0);
    expect(direct.stdout).toContain('Validation passed');
    // Claude Code 2.1.330's directory check lists nothing it loaded, so also load them as a plugin and
    // require every role among the agents Claude Code says the plugin provides.
    const plugin = tempDir('cna-plugin-');
    mkdirSync(path.join(plugin, '.claude-plugin'));
    writeFileSync(
      path.join(plugin, '.claude-plugin/plugin.json'),
      JSON.stringify({ name: 'probe', version: '0.0.0', description: 'probe' }),
    );
    cpSync(path.join(repo, '.claude/agents'), path.join(plugin, 'agents'), { recursive: true });
    const asPlugin = await execa(claude, ['plugin', 'validate', '.', '--json'], {
      cwd: plugin,
      env,
      extendEnv: false,
      reject: false,
    });
    const report = JSON.parse(asPlugin.stdout);
    expect(report.success).toBe(true);
    expect(report.manifest.errors).toEqual([]);
    expect([...report.provides.agents].sort()).toEqual([
      'probe:data-optimizer',
      'probe:feature-developer',
      'probe:migration-reviewer',
    ]);
  });
});
