// WorktreeCreate sends the Neon branch creation first and checks the worktree out while Neon makes the branch (issue
// 14): what was sent for a worktree that then does not come about is deleted again, a head start made with settings
// the worktree does not have is not used, and a name someone else holds is still refused, never adopted.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { git, makeRepo, readEnv, sh, tmpdir, useRuntimeSuite } from './helpers.ts';

// A creation takes 600 ms from arrival to answer, as Neon's take about a second: long enough to see what git did meanwhile.
const suite = useRuntimeSuite({ createLatencyMs: 600 });
const { ln } = suite;
const RT = '.claude/hooks/neon-worktree.mjs';
const create = (repo: string, name: string) =>
  sh(
    repo,
    'node',
    [path.join(repo, RT), 'worktree-create'],
    { ...suite.env, CLAUDE_PROJECT_DIR: repo },
    JSON.stringify({ hook_event_name: 'WorktreeCreate', session_id: 's', cwd: repo, name }),
  );
const isCreate = (q: { method: string; path: string }) => q.method === 'POST' && /\/branches$/.test(q.path);
const agentBranches = async (suffix: string) =>
  (await ln.local.listBranches()).filter((b) => b.name.startsWith('agents/') && b.name.endsWith(`/${suffix}`));

describe('the branch creation goes out before the checkout', () => {
  it('git checks the worktree out while Neon makes its branch, and the worktree gets that branch', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const before = ln.local.requests.length;
    const r = create(repo, 'early');
    expect(r.code, r.stderr).toBe(0);
    const wt = r.stdout.trim();
    const posts = ln.local.requests.slice(before).filter(isCreate);
    expect(posts).toHaveLength(1);
    const post = posts[0]!;
    // README.md is written by the checkout: after Neon had the request, before it answered.
    const checkedOut = fs.statSync(path.join(wt, 'README.md')).mtimeMs;
    expect(checkedOut).toBeGreaterThan(post.time);
    expect(checkedOut).toBeLessThan(post.time + post.durationMs);
    const url = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!;
    expect(url).not.toBe(suite.mainUrl);
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
    expect(await agentBranches('worktree-early')).toHaveLength(1);
  });

  it('a worktree git cannot make: the branch already sent for it is deleted, and a later try starts clean', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    // The git branch is checked out elsewhere (no provisioning there), so `git worktree add` of it fails.
    const elsewhere = path.join(tmpdir('na-elsewhere-'), 'wt');
    const held = sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'worktree-taken', elsewhere], {
      NEON_AGENTS_SKIP_HOOK: '1',
    });
    expect(held.code, held.stderr).toBe(0);
    const before = ln.local.requests.length;
    const r = create(repo, 'taken');
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/git worktree add failed/);
    const sent = ln.local.requests.slice(before);
    expect(sent.filter(isCreate)).toHaveLength(1); // it did go out first
    expect(sent.some((q) => q.method === 'DELETE' && q.status === 200)).toBe(true);
    expect(await agentBranches('worktree-taken')).toHaveLength(0);
    expect(fs.existsSync(path.join(repo, '.claude/worktrees/taken'))).toBe(false);
    // Once the git branch is free, the worktree is made with a branch of its own: nothing left over to adopt.
    git(repo, 'worktree', 'remove', '--force', elsewhere);
    const again = create(repo, 'taken');
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/created Neon branch/);
    expect(again.stderr).not.toMatch(/adopting/);
    expect(await agentBranches('worktree-taken')).toHaveLength(1);
  });

  it("the worktree's own settings win: a head start sent with the main checkout's uncommitted ones is replaced", async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, answers: { branchTtlDays: 7 } });
    // Edited in the main checkout, not committed: the new worktree has the committed manifest (7 days).
    const manifestPath = path.join(repo, '.claude/neon-agents.json');
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.answers.branchTtlDays = 2;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest, null, 2));
    const before = ln.local.requests.length;
    const r = create(repo, 'settings');
    expect(r.code, r.stderr).toBe(0);
    expect(ln.local.requests.slice(before).filter(isCreate)).toHaveLength(2);
    const [branch, ...more] = await agentBranches('worktree-settings');
    expect(more).toHaveLength(0);
    const days = (Date.parse(branch!.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThanOrEqual(7);
    const url = parseEnv(readEnv(path.join(r.stdout.trim(), '.env'))!).get('DATABASE_URL')!;
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
  });

  it('a Neon branch of that name that this clone did not make is refused, not adopted', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const probe = create(repo, 'probe');
    expect(probe.code, probe.stderr).toBe(0);
    const cloneId = /agents\/([a-z0-9]+)\/worktree-probe/.exec(probe.stderr)![1]!;
    const name = `agents/${cloneId}/worktree-stranger`;
    await ln.neonJson(['branches', 'create', '--name', name, '--project-id', ln.local.projectId]);
    const r = create(repo, 'stranger');
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/already exists .*refusing to attach/);
    expect(r.stderr).not.toMatch(/adopting/);
    expect(fs.existsSync(path.join(repo, '.claude/worktrees/stranger'))).toBe(false);
    expect((await ln.local.listBranches()).filter((b) => b.name === name)).toHaveLength(1); // theirs, untouched
  });
});

describe('killed between the send and the checkout', () => {
  it('the branch Neon made for it is adopted by the next try, not leaked and not duplicated', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const before = ln.local.requests.length;
    const child = spawn('node', [path.join(repo, RT), 'worktree-create'], {
      cwd: repo,
      env: { ...process.env, ...suite.env, CLAUDE_PROJECT_DIR: repo },
      stdio: ['pipe', 'ignore', 'ignore'],
    });
    child.stdin.end(JSON.stringify({ cwd: repo, name: 'killed' }));
    const exited = new Promise((resolve) => child.on('exit', resolve));
    // SIGKILL (nothing runs after it) as soon as Neon has the request: its answer comes 600 ms later, to no one.
    for (let i = 0; i < 400 && !ln.local.requests.slice(before).some(isCreate); i++)
      await new Promise((r) => setTimeout(r, 10));
    expect(ln.local.requests.slice(before).some(isCreate)).toBe(true);
    child.kill('SIGKILL');
    await exited;
    await new Promise((r) => setTimeout(r, 800)); // Neon finishes the creation meanwhile
    expect(await agentBranches('worktree-killed')).toHaveLength(1);
    // Killed this early, git has not started the checkout; should a slow machine land the kill inside it, the
    // half-made directory goes first (as a user would remove it): what is tested is the Neon side.
    git(repo, 'worktree', 'prune');
    if (fs.existsSync(path.join(repo, '.claude/worktrees/killed')))
      sh(repo, 'git', ['worktree', 'remove', '--force', path.join(repo, '.claude/worktrees/killed')]);
    fs.rmSync(path.join(repo, '.claude/worktrees/killed'), { recursive: true, force: true });
    const r = create(repo, 'killed');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/adopting Neon branch .*worktree-killed/);
    expect(await agentBranches('worktree-killed')).toHaveLength(1);
    const url = parseEnv(readEnv(path.join(r.stdout.trim(), '.env'))!).get('DATABASE_URL')!;
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
  });
});
