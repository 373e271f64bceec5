// Claude Code's WorktreeCreate / WorktreeRemove hooks, driven with real stdin JSON and by the real Claude Code CLI.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { git, makeRepo, readEnv, ROOT, sh, tmpdir, useRuntimeNeon } from './helpers.ts';

const neon = useRuntimeNeon();
const ln = neon.ln;
let env: Record<string, string>;
let mainUrl: string;
beforeAll(() => {
  env = neon.env();
  mainUrl = neon.mainUrl();
});

const RT = '.claude/hooks/neon-worktree.mjs';
const create = (repo: string, input: string, extra: Record<string, string> = {}) =>
  sh(repo, 'node', [path.join(repo, RT), 'worktree-create'], { ...env, CLAUDE_PROJECT_DIR: repo, ...extra }, input);
const remove = (repo: string, input: string) =>
  sh(repo, 'node', [path.join(repo, RT), 'worktree-remove'], { ...env, CLAUDE_PROJECT_DIR: repo }, input);

describe('worktree-create / worktree-remove', () => {
  it('creates, provisions (after .worktreeinclude), prints only the path, and removes', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${mainUrl}\nSECRET=s\n`,
      files: {
        '.worktreeinclude': '.env\n.env.secret\n',
        '.claude/settings.json': JSON.stringify({
          worktree: { baseRef: 'head', symlinkDirectories: ['node_modules'] },
        }),
      },
    });
    fs.writeFileSync(path.join(repo, '.env.secret'), 'TOKEN=1\n');
    fs.mkdirSync(path.join(repo, 'node_modules/x'), { recursive: true });
    fs.writeFileSync(path.join(repo, '.claude/settings.local.json'), '{"permissions":{}}');
    const r = create(
      repo,
      JSON.stringify({ session_id: 's', cwd: repo, hook_event_name: 'WorktreeCreate', name: 'feature/auth' }),
    );
    expect(r.code, r.stderr).toBe(0);
    const wt = path.join(repo, '.claude/worktrees/feature+auth');
    expect(r.stdout).toBe(`${wt}\n`);
    expect(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('worktree-feature+auth');
    const url = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!;
    expect(url).not.toBe(mainUrl); // .worktreeinclude copied .env first; our write won
    expect(url).toMatch(/pooler/);
    expect(readEnv(path.join(wt, '.env.secret'))).toBe('TOKEN=1\n');
    expect(fs.existsSync(path.join(wt, '.claude/settings.local.json'))).toBe(true);
    expect(fs.lstatSync(path.join(wt, 'node_modules')).isSymbolicLink()).toBe(true);
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
    // Reuse: same path, no second branch.
    const n = (await ln.local.listBranches()).length;
    const again = create(repo, JSON.stringify({ cwd: repo, name: 'feature/auth' }));
    expect(again.stdout).toBe(`${wt}\n`);
    expect((await ln.local.listBranches()).length).toBe(n);
    // Remove: no commits beyond base → Neon branch deleted.
    fs.rmSync(path.join(wt, 'node_modules')); // an untracked symlink would keep the worktree (git refuses)
    const rm = remove(repo, JSON.stringify({ worktree_path: wt }));
    expect(rm.code).toBe(0);
    expect(rm.stderr).toMatch(/deleted Neon branch/);
    expect(fs.existsSync(wt)).toBe(false);
    expect((await ln.local.listBranches()).length).toBe(n - 1);
  });

  it('a .env copied by .worktreeinclude next to the configured .env.local never keeps the shared URL', async () => {
    const repo = await makeRepo({
      answers: { envFile: '.env.local' },
      envText: `DATABASE_URL=${mainUrl}\n`,
      files: { '.worktreeinclude': '.env\n.env.local\n' },
    });
    fs.writeFileSync(path.join(repo, '.env'), `# read by Prisma\nDATABASE_URL=${mainUrl}\nOTHER=1\n`);
    const r = create(repo, JSON.stringify({ cwd: repo, name: 'prisma-reads-dotenv' }));
    expect(r.code, r.stderr).toBe(0);
    const wt = r.stdout.trim();
    const own = parseEnv(readEnv(path.join(wt, '.env.local'))!).get('DATABASE_URL');
    expect(own).toBeDefined();
    expect(own).not.toBe(mainUrl);
    const copied = readEnv(path.join(wt, '.env'))!;
    expect(parseEnv(copied).get('DATABASE_URL')).toBe(own);
    expect(copied).toMatch(/^# read by Prisma\n/);
    expect(copied).toMatch(/^OTHER=1$/m);
    expect(r.stderr).toMatch(/\.env: DATABASE_URL pointed at it/);
    // Later, the branch expires; `ensure` makes a new one and keeps both files in step.
    const rec = JSON.parse(
      fs.readFileSync(
        path.join(repo, '.git/neon-agents/branches', fs.readdirSync(path.join(repo, '.git/neon-agents/branches'))[0]),
        'utf8',
      ),
    );
    expect((await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${rec.branchId}`)).status).toBe(200);
    const e = sh(wt, 'node', [path.join(repo, RT), 'ensure'], env);
    expect(e.code, e.stderr).toBe(0);
    const fresh = parseEnv(readEnv(path.join(wt, '.env.local'))!).get('DATABASE_URL');
    expect(fresh).not.toBe(own);
    expect(parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')).toBe(fresh);
  });

  it('keeps the Neon branch when the worktree has commits and a changed schema, and a dirty worktree entirely', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const wt = create(repo, JSON.stringify({ name: 'work' })).stdout.trim();
    await ln.query(parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!, 'create table reviewed (id int)');
    fs.writeFileSync(path.join(wt, 'file.txt'), 'x');
    const dirty = remove(repo, JSON.stringify({ worktree_path: wt }));
    expect(dirty.code).toBe(0);
    expect(dirty.stderr).toMatch(/kept worktree/);
    expect(fs.existsSync(wt)).toBe(true);
    git(wt, 'add', 'file.txt');
    git(wt, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'work');
    const n = (await ln.local.listBranches()).length;
    const r = remove(repo, JSON.stringify({ worktree_path: wt }));
    expect(r.stderr).toMatch(/kept Neon branch .*1 commit/);
    expect(fs.existsSync(wt)).toBe(false);
    expect((await ln.local.listBranches()).length).toBe(n);
    // prune lists it apart, kept for review, and does not delete it (its git branch is still there).
    const p = sh(repo, 'node', [path.join(repo, RT), 'prune', '--yes'], env);
    expect(p.code, p.stderr).toBe(0);
    expect(p.stderr).toMatch(
      /kept for review: \S+ \(git branch worktree-work still exists.*\); prune deletes it once that git branch is deleted/,
    );
    expect((await ln.local.listBranches()).length).toBe(n);
  });

  it('deletes the Neon branch when the commits touched only code (its schema is its parent’s)', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const wt = create(repo, JSON.stringify({ name: 'code-only' })).stdout.trim();
    fs.writeFileSync(path.join(wt, 'file.txt'), 'x');
    git(wt, 'add', 'file.txt');
    git(wt, '-c', 'user.name=t', '-c', 'user.email=t@e', 'commit', '-q', '-m', 'code only');
    const n = (await ln.local.listBranches()).length;
    const r = remove(repo, JSON.stringify({ worktree_path: wt }));
    expect(r.stderr).toMatch(
      /deleted Neon branch .*1 commit\(s\) on worktree-code-only to review, but its schema is its parent's/,
    );
    expect((await ln.local.listBranches()).length).toBe(n - 1);
  });

  it('rejects hostile input with one line and never touches the main checkout', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    for (const [input, msg] of [
      ['{not json', /malformed JSON/],
      [JSON.stringify({ name: '../../etc' }), /"\."|\.\./],
      [JSON.stringify({ name: '/abs' }), /absolute/],
      [JSON.stringify({ name: 'a\u0007b' }), /control/],
      [JSON.stringify({ name: 42 }), /string/],
    ] as const) {
      const r = create(repo, input);
      expect(r.code).not.toBe(0);
      expect(r.stdout).toBe('');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).toMatch(msg);
    }
    const long = create(repo, JSON.stringify({ name: 'Ünïcödé name with spaces ' + 'x'.repeat(300) }));
    expect(long.code, long.stderr).toBe(0);
    expect(path.basename(long.stdout.trim())).toMatch(/^[A-Za-z0-9._+-]{1,64}$/);
    for (const p of [repo, path.join(repo, '..'), '/tmp', 'relative/path']) {
      const r = remove(repo, JSON.stringify({ worktree_path: p }));
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/nothing removed/);
    }
    expect(fs.existsSync(path.join(repo, 'README.md'))).toBe(true);
  });

  it('refuses the worktree when provisioning fails, unless onProvisionFailure is continue', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 500, times: 10 });
    const r = create(repo, JSON.stringify({ name: 'broken' }));
    ln.local.clearFailures();
    expect(r.code).not.toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/worktree not created: no Neon branch/);
    expect(fs.existsSync(path.join(repo, '.claude/worktrees/broken'))).toBe(false);
    expect(sh(repo, 'git', ['show-ref', '--verify', 'refs/heads/worktree-broken']).code).not.toBe(0);
    const cont = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n`, answers: { onProvisionFailure: 'continue' } });
    const c = create(cont, JSON.stringify({ name: 'broken' }), { NEON_API_KEY: 'wrong-key' });
    expect(c.code).toBe(0);
    expect(parseEnv(readEnv(path.join(cont, '.claude/worktrees/broken/.env'))!).has('DATABASE_URL')).toBe(false);
  });

  it('a teammate without credentials gets the worktree, no DATABASE_URL and one setup line', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const { NEON_API_KEY: _k, ...noKey } = env;
    const r = sh(
      repo,
      'node',
      [path.join(repo, RT), 'worktree-create'],
      { ...noKey, CLAUDE_PROJECT_DIR: repo },
      JSON.stringify({ name: 'mate' }),
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no Neon credentials/);
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/mate/.env'))!).has('DATABASE_URL')).toBe(false);
  });
});

describe('real Claude Code CLI', () => {
  it('claude -p --worktree NAME creates the worktree through our WorktreeCreate hook', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n`, gitHook: false });
    const home = tmpdir('na-home-');
    const claude = path.join(ROOT, 'node_modules/.bin/claude');
    const clean: Record<string, string> = { ...env, HOME: home };
    for (const k of Object.keys(clean)) if (/^(ANTHROPIC_|CLAUDE)/.test(k)) delete clean[k];
    const r = sh(repo, claude, ['-p', '--worktree', 'agent-x', 'hi'], clean);
    expect(`${r.stdout}${r.stderr}`).toMatch(/Not logged in|login/i);
    const wt = path.join(repo, '.claude/worktrees/agent-x');
    expect(fs.existsSync(wt)).toBe(true);
    expect(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('worktree-agent-x');
    const url = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!;
    expect(url).toMatch(/pooler/);
    expect(url).not.toBe(mainUrl);
    expect((await ln.local.listBranches()).some((b) => /^agents\/[0-9a-f]{8}\/worktree-agent-x$/.test(b.name))).toBe(
      true,
    );
  });
});
