// Odd files and hostile input never defeat fail-closed (issue 15): files we cannot rewrite, names that collide or
// race, a worktrees folder that leads out of the repository, a copied shared URL, round trips, and Neon hanging.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { git, makeRepo, readEnv, sh, shAsync, tmpdir, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;

const RT = '.claude/hooks/neon-worktree.mjs';
const create = (repo: string, name: string, extra: Record<string, string> = {}) =>
  sh(
    repo,
    'node',
    [path.join(repo, RT), 'worktree-create'],
    { ...suite.env, CLAUDE_PROJECT_DIR: repo, ...extra },
    JSON.stringify({ cwd: repo, name }),
  );
const createAsync = (repo: string, name: string) =>
  shAsync(
    repo,
    'node',
    [path.join(repo, RT), 'worktree-create'],
    { ...suite.env, CLAUDE_PROJECT_DIR: repo },
    JSON.stringify({ cwd: repo, name }),
  );
const endpointOf = (url: string | undefined) => /endpoint%3D(ep-[a-z0-9-]+?)(-pooler)?(&|$)/.exec(url ?? '')?.[1];

// chattr +i makes a file that even root cannot replace or delete: the one way to make a write fail as root.
const immutable: string[] = [];
function chattr(file: string, on: boolean) {
  execFileSync('chattr', [on ? '+i' : '-i', file]);
  if (on) immutable.push(file);
}
afterEach(() => {
  for (const f of immutable.splice(0)) {
    try {
      execFileSync('chattr', ['-i', f]);
    } catch {
      /* gone */
    }
  }
});

describe('files we cannot rewrite', () => {
  it('ensure in a worktree whose copied env file is immutable fails, says the file still holds main values, and status fails', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\nNEON_API_KEY=${suite.env.NEON_API_KEY}\n` });
    const wt = path.join(repo, '.claude/worktrees/tool');
    // A tool that skips git hooks and copies the main .env (Codex, Conductor…).
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', 'tool', wt);
    fs.copyFileSync(path.join(repo, '.env'), path.join(wt, '.env'));
    chattr(path.join(wt, '.env'), true);
    const e = sh(wt, 'node', [path.join(repo, RT), 'ensure'], suite.env);
    expect(e.code).toBe(1);
    expect(e.stderr).toMatch(/could not rewrite or delete \.env .*STILL HOLDS the main checkout's values/);
    expect(e.stderr).not.toMatch(/holds no URL of the shared database/);
    expect(e.stderr).not.toContain(suite.env.NEON_API_KEY);
    const st = sh(wt, 'node', [path.join(repo, RT), 'status', '--offline'], suite.env);
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/LEAK: +\.env DATABASE_URL/);
    expect(st.stdout).toMatch(/LEAK: +\.env NEON_API_KEY/);
    // Once writable again, ensure fixes it.
    chattr(path.join(wt, '.env'), false);
    const again = sh(wt, 'node', [path.join(repo, RT), 'ensure'], suite.env);
    expect(again.code, again.stderr).toBe(0);
    const fixed = parseEnv(readEnv(path.join(wt, '.env'))!);
    expect(fixed.get('DATABASE_URL')).not.toBe(suite.mainUrl);
    expect(fixed.has('NEON_API_KEY')).toBe(false);
    expect(sh(wt, 'node', [path.join(repo, RT), 'status', '--offline'], suite.env).code).toBe(0);
  });

  it('worktree-create refuses a reused worktree whose env file cannot be made safe, even with onProvisionFailure continue', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${suite.mainUrl}\n`,
      answers: { onProvisionFailure: 'continue' },
    });
    const first = create(repo, 'pool-1');
    expect(first.code, first.stderr).toBe(0);
    const wt = first.stdout.trim();
    // The worktree's file now holds the main URL again (someone copied it) and cannot be changed.
    fs.writeFileSync(path.join(wt, '.env'), `DATABASE_URL=${suite.mainUrl}\n`);
    const rec = JSON.parse(
      fs.readFileSync(
        path.join(repo, '.git/neon-agents/branches', fs.readdirSync(path.join(repo, '.git/neon-agents/branches'))[0]!),
        'utf8',
      ),
    );
    // Its branch is gone too, so the reuse must write the file.
    expect((await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${rec.branchId}`)).status).toBe(200);
    chattr(path.join(wt, '.env'), true);
    const r = create(repo, 'pool-1');
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/STILL HOLDS/);
  });
});

describe('names', () => {
  it('a/b/c and a+b+c get distinct worktrees and distinct Neon branches', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const a = create(repo, 'a/b/c');
    const b = create(repo, 'a+b+c');
    expect(a.code, a.stderr).toBe(0);
    expect(b.code, b.stderr).toBe(0);
    expect(a.stdout.trim()).toBe(path.join(repo, '.claude/worktrees/a+b+c')); // Claude Code's own directory for a/b/c
    expect(b.stdout.trim()).not.toBe(a.stdout.trim());
    const ua = parseEnv(readEnv(path.join(a.stdout.trim(), '.env'))!).get('DATABASE_URL');
    const ub = parseEnv(readEnv(path.join(b.stdout.trim(), '.env'))!).get('DATABASE_URL');
    expect(endpointOf(ua)).toBeDefined();
    expect(endpointOf(ua)).not.toBe(endpointOf(ub));
  });

  it('two calls with the same name at once both succeed, on one worktree and one branch', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    for (const name of ['race-1', 'race-2', 'race-3']) {
      const before = (await ln.local.listBranches()).length;
      const [x, y] = await Promise.all([createAsync(repo, name), createAsync(repo, name)]);
      expect(x.code, x.stderr).toBe(0);
      expect(y.code, y.stderr).toBe(0);
      expect(x.stdout).toBe(y.stdout);
      expect(x.stdout.trim()).toBe(path.join(repo, '.claude/worktrees', name));
      expect((await ln.local.listBranches()).length).toBe(before + 1);
    }
  });

  it('a .claude/worktrees that is a symlink out of the repository is refused before anything is made', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const outside = tmpdir('na-outside-');
    fs.symlinkSync(outside, path.join(repo, '.claude/worktrees'));
    const before = (await ln.local.listBranches()).length;
    const r = create(repo, 'escape');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\.claude\/worktrees is a symbolic link .*no worktree was created/);
    expect(fs.readdirSync(outside)).toEqual([]);
    expect(git(repo, 'branch', '--list', 'worktree-escape')).toBe('');
    expect(git(repo, 'worktree', 'list').split('\n')).toHaveLength(1);
    expect((await ln.local.listBranches()).length).toBe(before);
  });
});

describe('the promise, checked', () => {
  it("status fails in a worktree whose env file is the main checkout's copy, naming ensure as the fix", async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\nPOSTGRES_URL=${suite.mainUrl}\n` });
    const wt = path.join(repo, '.claude/worktrees/copied');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', 'copied', wt);
    fs.copyFileSync(path.join(repo, '.env'), path.join(wt, '.env'));
    const st = sh(wt, 'node', [path.join(repo, RT), 'status', '--offline'], suite.env);
    expect(st.code).toBe(1);
    expect(st.stdout).toMatch(/LEAK: +\.env DATABASE_URL/);
    expect(st.stdout).toMatch(/LEAK: +\.env POSTGRES_URL/);
    expect(st.stdout).toMatch(/fix: +node \S+neon-worktree\.mjs ensure/);
    expect(st.stdout).not.toMatch(/npg_/); // no password printed
    expect(sh(wt, 'node', [path.join(repo, RT), 'ensure'], suite.env).code).toBe(0);
    const fixed = sh(wt, 'node', [path.join(repo, RT), 'status'], suite.env);
    expect(fixed.code, fixed.stdout).toBe(0);
    const e = parseEnv(readEnv(path.join(wt, '.env'))!);
    expect(endpointOf(e.get('POSTGRES_URL'))).toBe(endpointOf(e.get('DATABASE_URL')));
  });

  it('an env file in a wholly untracked folder of a worktree (a tool copied apps/web/) is pointed at its branch too', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const wt = path.join(repo, '.claude/worktrees/mono');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', 'mono', wt);
    fs.mkdirSync(path.join(wt, 'apps/web'), { recursive: true });
    fs.writeFileSync(
      path.join(wt, 'apps/web/.env.local'),
      `# the app's own\nPOSTGRES_URL=${suite.mainUrl}\nNEXT_PUBLIC_X=1\n`,
    );
    const e = sh(wt, 'node', [path.join(repo, RT), 'ensure'], suite.env);
    expect(e.code, e.stderr).toBe(0);
    const own = endpointOf(parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL'));
    const app = parseEnv(readEnv(path.join(wt, 'apps/web/.env.local'))!);
    expect(endpointOf(app.get('POSTGRES_URL'))).toBe(own);
    expect(app.get('NEXT_PUBLIC_X')).toBe('1');
    expect(e.stderr).toMatch(/apps\/web\/\.env\.local: POSTGRES_URL pointed at it/);
  });

  it("the main checkout's env file is byte-identical after a visit to an agent's git branch and back", async () => {
    const text = `# app\r\nexport APP="x y" # comment\r\nDATABASE_URL="${suite.mainUrl}"\r\nPOSTGRES_URL='${suite.mainUrl}'\r\nNEON_API_KEY=${suite.env.NEON_API_KEY}\r\nLAST=1`;
    const repo = await makeRepo({ envText: text });
    const wt = path.join(repo, '.claude/worktrees/visit');
    const add = sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'visit', wt], suite.env);
    expect(add.code, add.stderr).toBe(0);
    sh(wt, 'git', ['checkout', '-q', '--detach'], suite.env); // free the branch for the main checkout
    const agentUrl = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL');
    const there = sh(repo, 'git', ['checkout', '-q', 'visit'], suite.env);
    expect(there.code, there.stderr).toBe(0);
    const visiting = parseEnv(readEnv(path.join(repo, '.env'))!);
    expect(endpointOf(visiting.get('DATABASE_URL'))).toBe(endpointOf(agentUrl));
    expect(endpointOf(visiting.get('POSTGRES_URL'))).toBe(endpointOf(agentUrl));
    expect(visiting.get('NEON_API_KEY')).toBe(suite.env.NEON_API_KEY); // the main checkout keeps its key
    const back = sh(repo, 'git', ['checkout', '-q', 'main'], suite.env);
    expect(back.code, back.stderr).toBe(0);
    expect(readEnv(path.join(repo, '.env'))).toBe(text);
  });
});

describe('hook time', () => {
  it('worktree-create fails closed within provisionTimeoutSeconds when Neon hangs, with the reason', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${suite.mainUrl}\n`,
      answers: { provisionTimeoutSeconds: 6 },
    });
    ln.local.failNext({ method: 'POST', path: /\/branches$/, hang: true, times: 5 });
    const t0 = Date.now();
    const r = create(repo, 'slow');
    const took = Date.now() - t0;
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/did not finish create branch within 6s .*\(provisionTimeoutSeconds/);
    expect(took).toBeLessThan(20_000);
    expect(fs.existsSync(path.join(repo, '.claude/worktrees/slow'))).toBe(false);
  });
});
