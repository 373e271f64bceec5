// After a run, "Next steps" says exactly what to do, tailored to the repository and the machine: the package
// manager, the ORM, whether the Neon CLI is installed and whether it can log in. And the steps work when followed.
import { afterAll, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { baseEnv, cleanupTempDirs, git, makeRepo, runCli, withNeonCli, writeFiles } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const PROJECT = 'winter-sun-12345678';

async function steps(repo: string, args: string[], env = baseEnv()): Promise<string[]> {
  const r = await runCli(repo, ['--yes', '--project-id', PROJECT, ...args], { env });
  expect(r.exitCode, r.stderr).toBe(0);
  const at = r.stdout.indexOf('\nNext steps:\n');
  expect(at, r.stdout).toBeGreaterThan(-1);
  return r.stdout
    .slice(at + '\nNext steps:\n'.length)
    .split('\n')
    .filter((l) => /^\s+\d+\. /.test(l))
    .map((l) => l.replace(/^\s+\d+\. /, ''));
}

const commitStep = (s: string[]) => s.find((x) => x.startsWith('Commit the setup'))!;

describe('next steps', () => {
  it('pnpm + Prisma, no Neon CLI, no key: pnpm install line, login line, Prisma migrations', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'app', dependencies: { '@prisma/client': '6' } }),
      'pnpm-lock.yaml': '',
      'prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
    });
    const s = await steps(repo, ['--no-verify']);
    expect(s).toContain(
      'Install the Neon CLI for its login (no API key was given): pnpm add -g neonctl  (or brew install neonctl)',
    );
    expect(s.join('\n')).toMatch(/Log the Neon CLI in once: neon auth {2}\(or run this again with --api-key\)/);
    expect(s.join('\n')).toMatch(/Agents will run Prisma migrations \(pnpm exec prisma migrate \w+\)/);
    expect(s.join('\n')).not.toMatch(/npm i -g/);
  });

  it('plain npm repo with an API key, no Neon CLI: no install line (nothing needs the CLI), no login line, no ORM line', async () => {
    const repo = makeRepo({ 'package.json': JSON.stringify({ name: 'app' }), 'package-lock.json': '{}' });
    const s = await steps(repo, ['--no-verify'], baseEnv({ NEON_API_KEY: 'napi_nextStepsKey' }));
    expect(s.join('\n')).not.toMatch(/Install the Neon CLI|Log the Neon CLI in|migrations|pnpm/);
    expect(s.join('\n')).toContain('Start Claude Code');
  });

  it('Neon CLI installed: no install line; unverified and no key: log in with the CLI found', async () => {
    const repo = makeRepo();
    const s = await steps(repo, ['--no-verify'], withNeonCli(baseEnv()));
    expect(s.join('\n')).not.toContain('Install the Neon CLI');
    expect(s.join('\n')).toContain('Log the Neon CLI in once: neon auth');
  });

  it('the commit step names exactly what was written and works when pasted, even with no .gitignore to add', async () => {
    for (const ignoredBy of ['.gitignore (written by the tool)', '.git/info/exclude (no .gitignore at all)']) {
      const repo = makeRepo();
      if (ignoredBy.startsWith('.git/info')) writeFiles(repo, { '.git/info/exclude': '.env\n.claude/worktrees/\n' });
      const step = commitStep(await steps(repo, ['--no-verify']));
      const cmd = step.replace(/^Commit the setup so every worktree gets it: /, '');
      expect(cmd, ignoredBy).toMatch(/^git add \.claude .*&& git commit -m "Neon branch per agent worktree"$/);
      expect(cmd.includes('.gitignore'), ignoredBy).toBe(ignoredBy.startsWith('.gitignore'));
      const r = await execa('sh', ['-c', cmd], {
        cwd: repo,
        reject: false,
        env: {
          ...baseEnv(),
          GIT_AUTHOR_NAME: 'T',
          GIT_AUTHOR_EMAIL: 't@example.com',
          GIT_COMMITTER_NAME: 'T',
          GIT_COMMITTER_EMAIL: 't@example.com',
        },
      });
      expect(r.exitCode, `${ignoredBy}: ${r.stderr}`).toBe(0);
      // Everything is committed; the secret-bearing env file stays untracked and ignored.
      expect(git(repo, 'status', '--porcelain'), ignoredBy).toBe('');
      expect(git(repo, 'ls-files', '.env')).toBe('');
    }
  });
});
