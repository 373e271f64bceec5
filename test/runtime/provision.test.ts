// Real git + the real Neon CLI + the local Neon emulator: post-checkout provisioning, isolation, concurrency,
// fail-closed, branch switches, detached HEAD, foreign hooks, prune, expiry.
import { GIT_WORKTREE_RACE } from '../../src/runtime/git.ts';
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { git, installGitHook, makeRepo, readEnv, sh, shAsync, useRuntimeNeon } from './helpers.ts';

const neon = useRuntimeNeon();
const ln = neon.ln;
let env: Record<string, string>;
let mainUrl: string;
beforeAll(() => {
  env = neon.env();
  mainUrl = neon.mainUrl();
});

const mainEnvText = () =>
  `# app settings\r\nAPP_NAME=demo\r\nexport DATABASE_URL="${mainUrl}" # shared\r\nNEON_API_KEY=${ln.local.apiKey}\r\n`;

function records(repo: string) {
  const dir = path.join(repo, '.git/neon-agents/branches');
  return fs.existsSync(dir)
    ? fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')))
    : [];
}

describe('post-checkout on git worktree add', () => {
  it('gives a new worktree its own connectable branch, isolated from others and from main', async () => {
    const repo = await makeRepo({ envText: mainEnvText(), answers: { branchTtlDays: 7 } });
    const { NEON_API_KEY: _k, ...noKeyEnv } = env; // the key comes from the main checkout's env file
    const a = sh(
      repo,
      'git',
      ['worktree', 'add', '-q', '-b', 'feat/a', path.join(repo, '../wt-a-' + path.basename(repo))],
      noKeyEnv,
    );
    expect(a.code, a.stderr).toBe(0);
    expect(a.stderr).toMatch(/created Neon branch agents\/[0-9a-f]{8}\/feat-a-[0-9a-f]{8}/);
    const b = sh(
      repo,
      'git',
      ['worktree', 'add', '-q', '-b', 'feat-b', path.join(repo, '../wt-b-' + path.basename(repo))],
      noKeyEnv,
    );
    expect(b.code, b.stderr).toBe(0);
    const wtA = path.join(repo, '../wt-a-' + path.basename(repo));
    const wtB = path.join(repo, '../wt-b-' + path.basename(repo));
    const textA = readEnv(path.join(wtA, '.env'))!;
    // Edited, not regenerated: comments, CRLF, `export` and the trailing comment survive; the key does not.
    expect(textA).toMatch(/^# app settings\r\nAPP_NAME=demo\r\nexport DATABASE_URL=\S+ # shared\r\n$/);
    expect(textA).not.toContain('NEON_API_KEY');
    expect(fs.statSync(path.join(wtA, '.env')).mode & 0o777).toBe(0o600);
    const urlA = parseEnv(textA).get('DATABASE_URL')!;
    const urlB = parseEnv(readEnv(path.join(wtB, '.env'))!).get('DATABASE_URL')!;
    expect(urlA).toContain('-pooler');
    expect(new Set([urlA, urlB, mainUrl]).size).toBe(3);

    await ln.query(urlA, 'create table only_in_a (id int)');
    const has = async (url: string) => (await ln.query(url, "select to_regclass('public.only_in_a') as t"))[0].t;
    expect(await has(urlA)).toBe('only_in_a');
    expect(await has(urlB)).toBeNull();
    expect(await has(mainUrl)).toBeNull();

    // Expiry is set (7 days) and the parent is the project's default branch.
    const branches = await ln.local.listBranches();
    const recs = records(repo);
    expect(recs).toHaveLength(2);
    const brA = branches.find((x) => x.name === recs.find((r: any) => r.gitBranch === 'feat/a').neonBranch)!;
    const days = (Date.parse(brA.expiresAt!) - Date.now()) / 86_400_000;
    expect(days).toBeGreaterThan(6.9);
    expect(days).toBeLessThan(7.01);
    expect(brA.parentId).toBe(ln.local.getProject().defaultBranchId);

    // ensure is idempotent: no new branch, same URL.
    const e = sh(wtA, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], noKeyEnv);
    expect(e.code, e.stderr).toBe(0);
    expect((await ln.local.listBranches()).length).toBe(branches.length);
    expect(parseEnv(readEnv(path.join(wtA, '.env'))!).get('DATABASE_URL')).toBe(urlA);
    const st = sh(wtA, 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], noKeyEnv);
    expect(st.stdout).toMatch(/points at it/);
  });

  it('eight parallel worktrees get eight distinct branches and env files, and one for the same worktree twice', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const before = (await ln.local.listBranches()).length;
    const t0 = Date.now();
    const runs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        shAsync(repo, 'git', ['worktree', 'add', '-q', '-b', `p${i}`, path.join(repo, `.claude/worktrees/p${i}`)], env),
      ),
    );
    const ms = Date.now() - t0;
    for (const [i, r] of runs.entries()) {
      if (r.code !== 0 && GIT_WORKTREE_RACE.test(r.stderr)) {
        // git's own race between concurrent `worktree add`s (see GIT_WORKTREE_RACE): the worktree is usually
        // complete; what matters here is that our hook then gives it its own branch, as `ensure` does for retries.
        const wt = path.join(repo, `.claude/worktrees/p${i}`);
        const again = fs.existsSync(path.join(wt, '.git'))
          ? await shAsync(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], env)
          : await shAsync(
              repo,
              'git',
              ['worktree', 'add', '-q', path.join(repo, `.claude/worktrees/p${i}`), `p${i}`],
              env,
            );
        expect(again.code, again.stderr).toBe(0);
        continue;
      }
      expect(r.code, r.stderr).toBe(0);
    }
    const urls = Array.from({ length: 8 }, (_, i) =>
      parseEnv(readEnv(path.join(repo, `.claude/worktrees/p${i}/.env`))!).get('DATABASE_URL'),
    );
    expect(new Set(urls).size).toBe(8);
    for (const u of urls) expect(u).not.toBe(mainUrl);
    expect((await ln.local.listBranches()).length).toBe(before + 8);
    // Two concurrent ensures of one worktree: still one branch.
    const wt = path.join(repo, '.claude/worktrees/p0');
    fs.rmSync(path.join(wt, '.env'));
    const two = await Promise.all(
      [0, 1].map(() => shAsync(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], env)),
    );
    for (const r of two) expect(r.code, r.stderr).toBe(0);
    expect((await ln.local.listBranches()).length).toBe(before + 8);
    expect(parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')).toBe(urls[0]);
    const locked = ln.local.requests.filter((q) => q.status === 423).length;
    console.log(`8 parallel git worktree add with provisioning: ${ms} ms (${locked} API answers were 423 Locked)`);
  });

  it('fails closed on API 500 and 401, and git still succeeds; a 503 once is retried', async () => {
    const repo = await makeRepo({ envText: `A=1\nDATABASE_URL=${mainUrl}\n` });
    const check = (name: string, extra: Record<string, string>, pattern: RegExp) => {
      const r = sh(repo, 'git', ['worktree', 'add', '-q', '-b', name, path.join(repo, `.claude/worktrees/${name}`)], {
        ...env,
        ...extra,
      });
      expect(r.code).toBe(0);
      expect(r.stderr).toMatch(/FAILED/);
      expect(r.stderr).toMatch(pattern);
      const text = readEnv(path.join(repo, `.claude/worktrees/${name}/.env`))!;
      expect(parseEnv(text).has('DATABASE_URL')).toBe(false);
      expect(text).toMatch(/^A=1\n/);
      expect(text).toMatch(/# neon-agents: .*ensure/);
      return r;
    };
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 500, times: 10 });
    check('f500', {}, /HTTP 500 internal server error/);
    ln.local.clearFailures();
    check('f401', { NEON_API_KEY: 'wrong-key' }, /HTTP 401 authentication failed/);
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 503, times: 1 });
    const ok = sh(
      path.join(repo, '.claude/worktrees/f500'),
      'node',
      ['.claude/hooks/neon-worktree.mjs', 'ensure'],
      env,
    );
    expect(ok.code, ok.stderr).toBe(0);
    const text = readEnv(path.join(repo, '.claude/worktrees/f500/.env'))!;
    expect(parseEnv(text).get('DATABASE_URL')).toMatch(/pooler/);
    expect(text).not.toMatch(/# neon-agents:/);
  });

  it('refuses to attach to an existing Neon branch it did not create', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    git(repo, 'worktree', 'add', '-q', '-b', 'x1', path.join(repo, '.claude/worktrees/x1')); // no env: no provisioning
    const wt = path.join(repo, '.claude/worktrees/x1');
    const status = sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], env);
    const name = /would be (\S+)\)/.exec(status.stdout)![1]!;
    await ln.neonJson(['branches', 'create', '--name', name, '--project-id', ln.local.projectId]);
    const r = sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/already exists .*refusing to attach/);
    expect(parseEnv(readEnv(path.join(wt, '.env'))!).has('DATABASE_URL')).toBe(false);
  });

  it('branch allowance: says so, counts branches, names prune; default branch may be "production"', async () => {
    const p = await ln.local.createProject({ branchLimit: 2, defaultBranchName: 'production' });
    const repo = await makeRepo({ envText: `DATABASE_URL=${p.connectionUri}\n`, answers: { projectId: p.id } });
    const ok = sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'l1', path.join(repo, '.claude/worktrees/l1')], env);
    expect(ok.stderr).toMatch(/created Neon branch/);
    expect((await ln.local.listBranches(p.id)).find((b) => b.name.startsWith('agents/'))!.parentId).toBe(
      p.defaultBranchId,
    );
    const r = sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'l2', path.join(repo, '.claude/worktrees/l2')], env);
    expect(r.stderr).toMatch(
      /branch allowance is used up.*2 branches: 1 agent branches.*1 of them from this clone.*prune/,
    );
    // Full of branches this clone did not make: pruning would not help, so it says what would.
    const q = await ln.local.createProject({ branchLimit: 2 });
    expect((await ln.api('POST', `/projects/${q.id}/branches`, { branch: { name: 'staging' } })).status).toBe(201);
    const other = await makeRepo({ envText: `DATABASE_URL=${q.connectionUri}\n`, answers: { projectId: q.id } });
    const full = sh(other, 'git', ['worktree', 'add', '-q', '-b', 'l3', path.join(other, '.claude/worktrees/l3')], env);
    expect(full.stderr).toMatch(
      /branch allowance is used up.*0 of them from this clone.*no agent branches of its own to prune: delete branches you no longer need in the Neon Console/,
    );
    expect(full.stderr).not.toMatch(/neon-worktree\.mjs prune/);
  });
});

describe('branch switches, detached HEAD, foreign hooks, prune', () => {
  it('a branch switch in the main checkout follows the mapped Neon branch and restores its own value', async () => {
    // The key lives in the main checkout's .env (not the environment), and the user quotes their URL.
    const mainEnv = `# ours\nexport DATABASE_URL="${mainUrl}"\nNEON_API_KEY=${ln.local.apiKey}\n`;
    const { NEON_API_KEY: _key, ...envNoKey } = env;
    const repo = await makeRepo({ envText: mainEnv });
    const wt = path.join(repo, '.claude/worktrees/rev');
    expect(sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'review-me', wt], envNoKey).code).toBe(0);
    const wtUrl = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL');
    expect(parseEnv(readEnv(path.join(wt, '.env'))!).has('NEON_API_KEY')).toBe(false);
    sh(repo, 'git', ['worktree', 'remove', wt], envNoKey);
    const sw = sh(repo, 'git', ['checkout', '-q', 'review-me'], envNoKey);
    expect(sw.code).toBe(0);
    const visiting = readEnv(path.join(repo, '.env'))!;
    expect(parseEnv(visiting).get('DATABASE_URL')).toBe(wtUrl);
    expect(parseEnv(visiting).get('NEON_API_KEY')).toBe(ln.local.apiKey); // the management key stays
    expect(visiting).toContain('export DATABASE_URL="'); // and so do the user's quotes
    sh(repo, 'git', ['checkout', '-q', '-b', 'unrelated'], envNoKey); // no mapping, no branch created
    expect(readEnv(path.join(repo, '.env'))).toBe(mainEnv); // back, byte for byte
    expect(records(repo)).toHaveLength(1);
    // File checkouts (flag 0) do nothing.
    fs.writeFileSync(path.join(repo, 'README.md'), 'changed');
    expect(sh(repo, 'git', ['checkout', '--', 'README.md'], env).stderr).toBe('');
  });

  it('a detached-HEAD worktree gets its own branch', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const r = sh(repo, 'git', ['worktree', 'add', '-q', '--detach', path.join(repo, '.claude/worktrees/det')], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/created Neon branch agents\/[0-9a-f]{8}\/detached-det/);
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/det/.env'))!).get('DATABASE_URL')).toMatch(/pooler/);
  });

  it('ensure replaces a branch that expired (or was deleted) with a fresh one, never leaving the stale URL', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    const wt = path.join(repo, '.claude/worktrees/old');
    expect(sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'old', wt], env).code).toBe(0);
    const before = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!;
    const rec = records(repo).find((r: any) => r.gitBranch === 'old');
    // What Neon does when the TTL passes: the branch is gone.
    expect((await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${rec.branchId}`)).status).toBe(200);
    const st = sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], env);
    expect(st.code).toBe(1); // the agents' pre-flight check sees it
    expect(st.stdout).toMatch(/in Neon: +MISSING \(expired or deleted\)/);
    const r = sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], env);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/no longer exists \(expired or deleted\); creating a new one/);
    const st2 = sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], env);
    expect(st2.code, st2.stdout).toBe(0);
    expect(st2.stdout).toMatch(/in Neon: +the branch exists/);
    const after = parseEnv(readEnv(path.join(wt, '.env'))!).get('DATABASE_URL')!;
    expect(after).not.toBe(before);
    expect(after).not.toBe(mainUrl);
    expect((await ln.query(after, 'select 1 as one'))[0].one).toBe(1);
    expect(records(repo).find((x: any) => x.gitBranch === 'old').branchId).not.toBe(rec.branchId);
  });

  it('a git-lfs style foreign hook keeps running, and so does ours', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${mainUrl}\n`,
      gitHook: false,
    });
    const hook = path.join(repo, '.git/hooks/post-checkout');
    fs.writeFileSync(
      hook,
      '#!/bin/sh\ncommand -v git >/dev/null 2>&1 || exit 2\necho "lfs-ran $3" >> "$(git rev-parse --git-common-dir)/lfs.log"\n',
      { mode: 0o755 },
    );
    installGitHook(repo);
    expect(
      sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'lfs1', path.join(repo, '.claude/worktrees/lfs1')], env).code,
    ).toBe(0);
    expect(fs.readFileSync(path.join(repo, '.git/lfs.log'), 'utf8')).toBe('lfs-ran 1\n');
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/lfs1/.env'))!).get('DATABASE_URL')).toMatch(/pooler/);
  });

  it("a non-sh foreign hook is chained (renamed and exec'd)", async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n`, gitHook: false });
    const hook = path.join(repo, '.git/hooks/post-checkout');
    fs.writeFileSync(
      hook,
      `#!/usr/bin/env node\nrequire('fs').appendFileSync(require('path').join(process.cwd(), '..', 'node-hook.log'), process.argv.slice(2).join(' ') + '\\n');\n`,
      { mode: 0o755 },
    );
    installGitHook(repo);
    expect(fs.existsSync(hook + '.neon-agents-prev')).toBe(true);
    expect(
      sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'nh', path.join(repo, '.claude/worktrees/nh')], env).code,
    ).toBe(0);
    expect(fs.readFileSync(path.join(repo, '.claude/worktrees/node-hook.log'), 'utf8')).toMatch(
      /^0{40} [0-9a-f]{40} 1\n$/,
    );
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/nh/.env'))!).get('DATABASE_URL')).toMatch(/pooler/);
  });

  it('works in a husky repo (core.hooksPath=.husky/_, user script run with sh -e)', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${mainUrl}\n`,
      beforeHook: (r) => {
        // The layout `npx husky` 9 writes (see git-hooks-worktrees.md §B5.1).
        fs.mkdirSync(path.join(r, '.husky/_'), { recursive: true });
        fs.writeFileSync(path.join(r, '.husky/_/.gitignore'), '*\n');
        fs.writeFileSync(
          path.join(r, '.husky/_/h'),
          `#!/usr/bin/env sh\nn=$(basename "$0")\ns=$(dirname "$(dirname "$0")")/$n\n[ ! -f "$s" ] && exit 0\n[ "\${HUSKY-}" = "0" ] && exit 0\nexport PATH="node_modules/.bin:$PATH"\nsh -e "$s" "$@"\nc=$?\n[ $c != 0 ] && echo "husky - $n script failed (code $c)"\nexit $c\n`,
        );
        fs.writeFileSync(path.join(r, '.husky/_/post-checkout'), '#!/usr/bin/env sh\n. "$(dirname "$0")/h"\n', {
          mode: 0o755,
        });
        fs.writeFileSync(path.join(r, '.husky/post-checkout'), 'echo "user husky script ran" >&2\n');
        git(r, 'config', 'core.hooksPath', '.husky/_');
      },
    });
    expect(fs.readFileSync(path.join(repo, '.husky/post-checkout'), 'utf8')).toMatch(
      /create-neon-agents[\s\S]*user husky script ran/,
    );
    expect(fs.existsSync(path.join(repo, '.git/hooks/post-checkout'))).toBe(false);
    const r = sh(repo, 'git', ['worktree', 'add', '-q', '-b', 'hk', path.join(repo, '.claude/worktrees/hk')], env);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/user husky script ran/);
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/hk/.env'))!).get('DATABASE_URL')).toMatch(/pooler/);
  });

  it('prune deletes only our orphans', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${mainUrl}\n` });
    for (const n of ['keep', 'gone', 'reviewed'])
      sh(repo, 'git', ['worktree', 'add', '-q', '-b', n, path.join(repo, `.claude/worktrees/${n}`)], env);
    // gone: worktree and git branch removed. reviewed: worktree removed, branch kept. keep: untouched.
    sh(repo, 'git', ['worktree', 'remove', path.join(repo, '.claude/worktrees/gone')]);
    git(repo, 'branch', '-D', 'gone');
    sh(repo, 'git', ['worktree', 'remove', path.join(repo, '.claude/worktrees/reviewed')]);
    // Not ours: a teammate-style branch with our prefix but no record, and an unrelated branch.
    await ln.neonJson([
      'branches',
      'create',
      '--name',
      'agents/abcd1234/someone-else',
      '--project-id',
      ln.local.projectId,
    ]);
    const names = () => ln.local.listBranches().then((bs) => bs.map((b) => b.name));
    const recs = records(repo);
    const gone = recs.find((r: any) => r.gitBranch === 'gone').neonBranch;
    const list = sh(repo, 'node', ['.claude/hooks/neon-worktree.mjs', 'prune'], env);
    expect(list.code).toBe(0);
    expect(list.stdout.trim().split('\n')).toEqual([expect.stringContaining(`orphan ${gone} `)]);
    expect(await names()).toContain(gone);
    const del = sh(repo, 'node', ['.claude/hooks/neon-worktree.mjs', 'prune', '--yes'], env);
    expect(del.code, del.stderr).toBe(0);
    const after = await names();
    expect(after).not.toContain(gone);
    for (const r of recs.filter((x: any) => x.gitBranch !== 'gone')) expect(after).toContain(r.neonBranch);
    expect(after).toContain('agents/abcd1234/someone-else');
    expect(after).toContain(ln.local.getProject().defaultBranchName);
  });
});
