// Callers without a person at a terminal — pipes, CI, coding agents — are never prompted, and the first line they
// read is the complete non-interactive command (as create-vite does), so an agent can copy it.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { execa } from 'execa';
import { CLI, baseEnv, cleanupTempDirs, makeRepo, read, runCli, tree } from '../helpers/repo.ts';
import { Terminal, termEnv } from './tmux.ts';

afterAll(cleanupTempDirs);
const sessions: Terminal[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

const PROJECT = 'winter-sun-12345678';
const EQUIVALENT = /^Non-interactive equivalent: npx create-neon-agents@latest --yes --project-id /;

describe('no TTY: never prompts', () => {
  it('stdin a pipe with an answer waiting, stdout a pipe: exit 2 naming the missing flag, nothing written, no hang', async () => {
    const repo = makeRepo();
    const before = tree(repo);
    const started = Date.now();
    // `--interactive` asks for the wizard explicitly; without a terminal it still must not read stdin.
    const r = await execa('node', [CLI, '--interactive'], {
      cwd: repo,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      input: `${PROJECT}\n`,
      timeout: 10_000,
    });
    expect(r.timedOut).toBe(false);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--interactive needs a terminal');
    expect(r.stderr).toContain('Missing --project-id');
    expect(r.stderr).toMatch(/Example:\n\s+npx create-neon-agents@latest --yes --project-id winter-sun-12345678/);
    expect(r.stdout.split('\n')[0]).toMatch(EQUIVALENT);
    expect(r.stdout + r.stderr).not.toMatch(/[◆◇▲]/); // no clack prompt was drawn
    expect(tree(repo)).toEqual(before);
  });
});

describe('the first line names the fully non-interactive command', () => {
  it.each([
    ['CI=1', { CI: '1' }],
    ['CLAUDECODE=1', { CLAUDECODE: '1' }],
  ])('%s (piped): first stdout line is the command, and that command reproduces the run', async (_name, extra) => {
    const repo = makeRepo({ 'package.json': JSON.stringify({ name: 'app' }), 'pnpm-lock.yaml': '' });
    const r = await runCli(
      repo,
      ['--no-verify', '--project-id', PROJECT, '--roles', 'migration-reviewer', '--branch-ttl', '3', '--no-pooled'],
      {
        env: baseEnv({ ...extra, NEON_API_KEY: 'napi_firstLineKeyQq' }),
      },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const first = r.stdout.split('\n')[0]!;
    expect(first).toMatch(EQUIVALENT);
    expect(first).not.toContain('napi_'); // secrets come from the environment, never the command line
    // Run exactly that command (npx → the built CLI) in a fresh copy: the same answers are recorded.
    const command = first.replace(/^Non-interactive equivalent: npx create-neon-agents@latest /, '');
    const twin = makeRepo({ 'package.json': JSON.stringify({ name: 'app' }), 'pnpm-lock.yaml': '' });
    const again = await execa('sh', ['-c', `node "${CLI}" --no-verify ${command}`], {
      cwd: twin,
      env: baseEnv(),
      extendEnv: false,
      reject: false,
      stdin: 'ignore',
    });
    // Node 20 itself consumes `--env-file <path>` anywhere on its command line and exits 9 when the file does not
    // exist yet, so a printed command must use the `--env-path` alias (or leave the detected default out).
    expect(again.exitCode, `${again.stderr}\n(the printed command: ${first})`).toBe(0);
    const answers = (dir: string) => JSON.parse(read(dir, '.claude/neon-agents.json')).answers;
    expect(answers(twin)).toEqual(answers(repo));
    expect(answers(repo)).toMatchObject({ roles: ['migration-reviewer'], branchTtlDays: 3, pooled: false });
  });

  it('CLAUDECODE=1 in a terminal with --yes: the command comes first; a person typing --yes gets the normal header', async () => {
    const firstLine = async (env: Record<string, string | undefined>) => {
      const repo = makeRepo();
      const t = await Terminal.start({
        cwd: repo,
        args: ['--yes', '--no-verify', '--project-id', PROJECT],
        env,
        cols: 200,
        rows: 40,
      });
      sessions.push(t);
      expect(await t.exitCode()).toBe(0);
      return t.capture().split('\n')[0]!;
    };
    expect(await firstLine(termEnv({ CLAUDECODE: '1' }))).toMatch(EQUIVALENT);
    expect(await firstLine(termEnv())).toMatch(/^create-neon-agents {2}repo /);
  });

  it('--json stays one document even for agents (no extra first line)', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--json', '--yes', '--no-verify', '--project-id', PROJECT], {
      env: baseEnv({ CLAUDECODE: '1', CI: '1' }),
    });
    expect(r.exitCode).toBe(0);
    expect(() => JSON.parse(r.stdout)).not.toThrow();
  });
});
