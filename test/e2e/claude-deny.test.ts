// The real Claude Code CLI against the deny rule the initializer writes for an env-file key store: readDenyRule()'s
// rule in the MAIN checkout's .claude/settings.local.json must keep Claude's Read tool off the main checkout's env
// file in a session started in the main checkout, in a worktree under <main>/.claude/worktrees/, and in a worktree
// outside the main folder, even with --permission-mode bypassPermissions (agents run with broad permissions; a deny
// rule is the one thing that still holds there). The model is a local stand-in (test/helpers/fake-anthropic.ts)
// that asks for the reads and records what Claude Code sends back, so the test sees the tool results themselves.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readDenyRule } from '../../src/shared/key-store.ts';
import { startFakeAnthropic, type RecordedToolResult, type ToolStep } from '../helpers/fake-anthropic.ts';
import { cleanupTempDirs, git, makeRepo, ROOT, tempDir } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const CLAUDE = path.join(ROOT, 'node_modules/.bin/claude');
const SECRET = 'NEON_API_KEY=napi_secret_marker_123';
const README = 'README_MARKER_4f1c9a';

interface Session {
  code: number | null;
  stdout: string;
  stderr: string;
  toolResults: RecordedToolResult[];
  /** Everything Claude Code sent the model, as text: the secret must never be in it. */
  sentToModel: string;
}

/**
 * One `claude -p` session in `cwd` whose model makes the planned tool calls. Spawned asynchronously: the fake API
 * runs in this process, so a spawnSync would block it and Claude Code would wait on its first request forever.
 */
async function claude(cwd: string, plan: ToolStep[]): Promise<Session> {
  const fake = await startFakeAnthropic(plan);
  try {
    const env: Record<string, string> = {};
    // Nothing of the developer's Claude setup may leak in (a real key or base URL would send requests elsewhere).
    for (const [k, v] of Object.entries(process.env))
      if (v !== undefined && !/^(ANTHROPIC_|CLAUDE)/.test(k) && k !== 'IS_SANDBOX') env[k] = v;
    Object.assign(env, {
      HOME: tempDir('cna-claude-home-'),
      ANTHROPIC_BASE_URL: fake.url,
      ANTHROPIC_API_KEY: 'sk-ant-test',
      DISABLE_AUTOUPDATER: '1',
      CLAUDE_CODE_DISABLE_NONESSENTIAL_TRAFFIC: '1',
    });
    // Claude Code refuses bypassPermissions as root unless told it runs in a sandbox (CI containers run as root).
    if (process.getuid?.() === 0) env.IS_SANDBOX = '1';
    const args = ['-p', 'go', '--permission-mode', 'bypassPermissions', '--output-format', 'json'];
    const { code, stdout, stderr } = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
      (resolve, reject) => {
        const p = spawn(CLAUDE, args, { cwd, env, timeout: 30_000 });
        let stdout = '';
        let stderr = '';
        p.stdout.on('data', (d) => (stdout += d));
        p.stderr.on('data', (d) => (stderr += d));
        p.on('error', reject);
        p.on('close', (code) => resolve({ code, stdout, stderr }));
        p.stdin.end();
      },
    );
    return { code, stdout, stderr, toolResults: fake.toolResults, sentToModel: JSON.stringify(fake.requests) };
  } finally {
    await fake.close();
  }
}

const read = (file: string): ToolStep => ({ name: 'Read', input: { file_path: file } });
const bash = (command: string): ToolStep => ({ name: 'Bash', input: { command, description: 'run it' } });

/** A main checkout: README.md (committed) and .env with the key (ignored), like an app using the env-file store. */
function mainCheckout(): { main: string; envFile: string } {
  const main = makeRepo({ 'README.md': `# app\n${README}\n`, '.gitignore': '.env\n.claude/\n' });
  const envFile = path.join(main, '.env');
  fs.writeFileSync(envFile, `${SECRET}\n`);
  return { main, envFile };
}

function denyInMain(main: string, envFile: string): string {
  const rule = readDenyRule(envFile);
  expect(rule).not.toBeNull();
  fs.mkdirSync(path.join(main, '.claude'), { recursive: true });
  fs.writeFileSync(path.join(main, '.claude/settings.local.json'), JSON.stringify({ permissions: { deny: [rule] } }));
  return rule!;
}

/** The session read README.md and was refused the env file, and the key never reached the model. */
function expectDeniedButReadmeRead(s: Session): void {
  expect(s.code, `${s.stdout}\n${s.stderr}`).toBe(0);
  expect(s.toolResults.map((r) => r.step.input.file_path)).toHaveLength(2);
  const [env, readme] = s.toolResults;
  expect(env.isError, env.text).toBe(true);
  expect(env.text).toMatch(/denied by your permission settings/);
  expect(env.text).not.toContain('napi_secret');
  // The control: the same session's Read of a file no rule names works, so the refusal above is the rule's doing.
  expect(readme.isError, readme.text).toBe(false);
  expect(readme.text).toContain(README);
  expect(s.sentToModel).not.toContain('napi_secret');
  expect(JSON.parse(s.stdout).permission_denials).toEqual([
    expect.objectContaining({ tool_name: 'Read', tool_input: { file_path: env.step.input.file_path } }),
  ]);
}

describe('real Claude Code CLI: the env-file deny rule', () => {
  let main: string;
  let envFile: string;
  beforeAll(() => {
    ({ main, envFile } = mainCheckout());
  });

  it('without the rule, Read returns the key (the fake model and the reads work; the rule is what refuses)', async () => {
    const s = await claude(main, [read(envFile), read(path.join(main, 'README.md'))]);
    expect(s.code, `${s.stdout}\n${s.stderr}`).toBe(0);
    expect(s.toolResults.map((r) => [r.isError, r.text.includes('napi_secret_marker_123')])).toEqual([
      [false, true],
      [false, false],
    ]);
  });

  describe('with readDenyRule() in the main checkout’s .claude/settings.local.json', () => {
    beforeAll(() => {
      expect(denyInMain(main, envFile)).toBe(`Read(/${envFile})`);
    });

    it('refuses Read of the env file in a session in the main checkout, under bypassPermissions', async () => {
      expectDeniedButReadmeRead(await claude(main, [read(envFile), read(path.join(main, 'README.md'))]));
    });

    it('refuses it in a worktree at <main>/.claude/worktrees/<name> (git worktree add)', async () => {
      const wt = path.join(main, '.claude/worktrees/inside');
      git(main, 'worktree', 'add', '-q', '-b', 'inside', wt);
      // The worktree has no settings.local.json of its own (the file is untracked): the main checkout's must apply.
      expect(fs.existsSync(path.join(wt, '.claude/settings.local.json'))).toBe(false);
      expectDeniedButReadmeRead(await claude(wt, [read(envFile), read(path.join(wt, 'README.md'))]));
    });

    it('refuses it in a worktree outside the main folder', async () => {
      const wt = path.join(tempDir('cna-sibling-'), 'outside');
      git(main, 'worktree', 'add', '-q', '-b', 'outside', wt);
      expectDeniedButReadmeRead(await claude(wt, [read(envFile), read(path.join(wt, 'README.md'))]));
    });

    // Not a guarantee the rule makes, but what this CLI does with it: it also refuses a shell command that names the
    // file, yet one that reaches it without naming it (a glob) still prints the key. That is why key-store.ts
    // recommends the user store and calls the rule a guard for the file tools only; if this ever stops leaking, the
    // documentation can say more. (Claude's shell `grep` is its own ugrep with --ignore-files: `grep -r` over the
    // folder skips the git-ignored .env, so it is no test of the rule either way.)
    it('Bash: `cat` of the file is refused, but `cat` of a glob matching it still prints the key', async () => {
      const s = await claude(main, [bash(`cat ${envFile}`), bash(`cat ${main}/.e?v`)]);
      expect(s.code, `${s.stdout}\n${s.stderr}`).toBe(0);
      const [named, glob] = s.toolResults;
      expect(named.isError, named.text).toBe(true);
      expect(named.text).toMatch(/Permission to use Bash .* has been denied/);
      expect(named.text).not.toContain('napi_secret');
      expect(glob.isError, glob.text).toBe(false);
      expect(glob.text).toContain(SECRET);
    });
  });
});
