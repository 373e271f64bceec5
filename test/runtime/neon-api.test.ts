// The runtime talks to the Neon API itself (issue 14): no Neon CLI process with a key, the CLI login's token used
// as it is (the CLI started once only to refresh it), and every odd answer ends in a working URL or fails closed.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { makeRepo, readEnv, sh, tmpdir, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;

/** A `neon` that records each start (and, for `me`, runs `onMe`): it must never run with a key. */
function recordingNeon(onMe = ''): { bin: string; dir: string; log: string } {
  const dir = tmpdir('na-fakecli-');
  const log = path.join(dir, 'calls.log');
  const bin = path.join(dir, 'neon');
  fs.writeFileSync(bin, `#!/bin/sh\necho "$*" >> '${log}'\nif [ "$1" = me ]; then ${onMe || ':'}; fi\necho '{}'\n`, {
    mode: 0o755,
  });
  return { bin, dir, log };
}

const add = (repo: string, name: string, extra: Record<string, string> = {}) =>
  sh(repo, 'git', ['worktree', 'add', '-q', '-b', name, path.join(repo, `.claude/worktrees/${name}`)], {
    ...suite.env,
    ...extra,
  });
const urlIn = (repo: string, name: string) =>
  parseEnv(readEnv(path.join(repo, `.claude/worktrees/${name}/.env`)) ?? '').get('DATABASE_URL');

describe('the Neon API, directly', () => {
  it('with a key, no Neon CLI process is ever started (a recording neon first on PATH and as NEON_AGENTS_NEON_BIN)', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const fake = recordingNeon();
    const extra = { PATH: `${fake.dir}:${process.env.PATH}`, NEON_AGENTS_NEON_BIN: fake.bin };
    const before = ln.local.requests.length;
    const r = add(repo, 'nocli', extra);
    expect(r.stderr).toMatch(/created Neon branch/);
    const url = urlIn(repo, 'nocli')!;
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
    const wt = path.join(repo, '.claude/worktrees/nocli');
    expect(sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], { ...suite.env, ...extra }).code).toBe(0);
    expect(sh(wt, 'node', ['.claude/hooks/neon-worktree.mjs', 'ensure'], { ...suite.env, ...extra }).code).toBe(0);
    expect(fs.existsSync(fake.log)).toBe(false);
    // A new worktree cost one request: the create (its answer carries the connection URIs).
    const creates = ln.local.requests.slice(before).filter((q) => q.method === 'POST' && /\/branches$/.test(q.path));
    expect(creates).toHaveLength(1);
  });

  it('branch-only credentials: the worktree gets a password of its own; neither password opens the other branch', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${suite.mainUrl}\nPGPASSWORD=${new URL(suite.mainUrl).password}\n`,
    });
    const before = ln.local.requests.length;
    expect(add(repo, 'ownpw').stderr).toMatch(/created Neon branch/);
    const sent = ln.local.requests
      .slice(before)
      .map((q) => `${q.method} ${q.path.replace(ln.local.projectId, ':p').replace(/br-[a-z0-9-]+/, ':b')}`);
    expect(sent).toEqual([
      'POST /projects/:p/branches',
      'POST /projects/:p/branches/:b/roles/neondb_owner/reset_password',
    ]);
    const e = parseEnv(readEnv(path.join(repo, '.claude/worktrees/ownpw/.env'))!);
    const agent = new URL(e.get('DATABASE_URL')!);
    const parent = new URL(suite.mainUrl);
    expect(agent.password).not.toBe(parent.password);
    expect(e.get('PGPASSWORD')).toBe(decodeURIComponent(agent.password)); // the split password follows too
    expect((await ln.query(agent.toString(), 'select 1 as one'))[0].one).toBe(1);
    // The parent's password on the agent's endpoint, and the agent's on the parent's: both refused.
    const parentPwOnAgent = new URL(agent.toString());
    parentPwOnAgent.password = parent.password;
    await expect(ln.query(parentPwOnAgent.toString(), 'select 1')).rejects.toThrow(/password authentication failed/);
    const agentPwOnParent = new URL(suite.mainUrl);
    agentPwOnParent.password = agent.password;
    await expect(ln.query(agentPwOnParent.toString(), 'select 1')).rejects.toThrow(/password authentication failed/);
    expect((await ln.query(suite.mainUrl, 'select 1 as one'))[0].one).toBe(1); // the parent keeps its own
  });

  it('ownBranchPassword: false keeps the inherited password (one request)', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, answers: { ownBranchPassword: false } });
    const before = ln.local.requests.length;
    expect(add(repo, 'inherit').stderr).toMatch(/created Neon branch/);
    expect(ln.local.requests.slice(before).map((q) => q.method + ' ' + q.path.split('/').pop())).toEqual([
      'POST branches',
    ]);
    expect(new URL(urlIn(repo, 'inherit')!).password).toBe(new URL(suite.mainUrl).password);
  });

  it('several databases: no connection_uris in the answer, so the configured database is asked for; unconfigured, a clear failure', async () => {
    const p = await ln.local.createProject({ databases: ['app', 'analytics'] });
    const appUrl = ln.local.connectionUri({ projectId: p.id, database: 'app' });
    const repo = await makeRepo({
      envText: `DATABASE_URL=${appUrl}\n`,
      answers: { projectId: p.id, databaseName: 'app', roleName: 'neondb_owner' },
    });
    const before = ln.local.requests.length;
    expect(add(repo, 'multi').stderr).toMatch(/created Neon branch/);
    const url = urlIn(repo, 'multi')!;
    expect(new URL(url).pathname).toBe('/app');
    expect((await ln.query(url, 'select current_database() as db'))[0].db).toMatch(/^app\//);
    expect(ln.local.requests.slice(before).filter((q) => q.path.endsWith('/connection_uri'))).toHaveLength(2); // direct + pooled
    const vague = await makeRepo({ envText: `DATABASE_URL=${appUrl}\n`, answers: { projectId: p.id } });
    const r = add(vague, 'vague');
    expect(r.stderr).toMatch(
      /FAILED .*the branch has 2 databases \(app, analytics\): set "databaseName" in \.claude\/neon-agents\.json/,
    );
    expect(parseEnv(readEnv(path.join(vague, '.claude/worktrees/vague/.env'))!).has('DATABASE_URL')).toBe(false);
  });

  it("the pooled URL goes through the pooler and the direct one to the endpoint, both from Neon's answer", async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${suite.mainUrl}\n`,
      answers: { directUrlVar: 'DIRECT_URL' },
    });
    add(repo, 'forms');
    const e = parseEnv(readEnv(path.join(repo, '.claude/worktrees/forms/.env'))!);
    expect(e.get('DATABASE_URL')).toMatch(/-pooler/);
    expect(e.get('DIRECT_URL')).not.toMatch(/-pooler/);
    const c0 = ln.local.connections.length;
    await ln.query(e.get('DATABASE_URL')!, 'select 1');
    await ln.query(e.get('DIRECT_URL')!, 'select 1');
    const seen = ln.local.connections.slice(c0);
    expect(seen.map((c: { pooled: boolean }) => c.pooled)).toEqual([true, false]);
  });

  it('423 storms with and without Retry-After, and 429, end in a working URL', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 423, times: 4 });
    expect(add(repo, 'locked').stderr).toMatch(/created Neon branch/);
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 423, times: 2, retryAfter: '1' });
    const t0 = Date.now();
    expect(add(repo, 'later').stderr).toMatch(/created Neon branch/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(2000); // it waited as told
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 429, times: 3 });
    expect(add(repo, 'limited').stderr).toMatch(/created Neon branch/);
    for (const n of ['locked', 'later', 'limited'])
      expect((await ln.query(urlIn(repo, n)!, 'select 1 as one'))[0].one).toBe(1);
  });

  it('a cut-off answer, a lost answer and a hanging request end in a working URL, adopting only our own branch', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    ln.local.failNext({
      method: 'POST',
      path: /\/branches$/,
      status: 201,
      rawBody: '{"branch":{"id":"br-cut',
      times: 1,
    });
    expect(add(repo, 'cut').stderr).toMatch(/created Neon branch/);
    // The create happens, but its answer never arrives: the retry meets "already exists" and adopts it.
    const n0 = (await ln.local.listBranches()).length;
    ln.local.failNext({ method: 'POST', path: /\/branches$/, dropAnswer: true, times: 1 });
    const lost = add(repo, 'lost');
    expect(lost.stderr).toMatch(/adopting Neon branch .*answer was lost/);
    expect((await ln.local.listBranches()).length).toBe(n0 + 1);
    ln.local.failNext({ method: 'POST', path: /\/branches$/, hang: true, times: 1 });
    expect(add(repo, 'hung', { NEON_AGENTS_REQUEST_TIMEOUT_MS: '1500' }).stderr).toMatch(/created Neon branch/);
    for (const n of ['cut', 'lost', 'hung'])
      expect((await ln.query(urlIn(repo, n)!, 'select 1 as one'))[0].one).toBe(1);
  });
});

describe('no Neon API at all', () => {
  it('offline (nothing listens): a few quick tries, then no database and the cause — not the whole deadline', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const t0 = Date.now();
    const r = add(repo, 'offline', { NEON_API_HOST: 'http://127.0.0.1:9/api/v2' });
    expect(r.stderr).toMatch(/FAILED .*could not reach the Neon API at http:\/\/127\.0\.0\.1:9\/api\/v2/);
    expect(Date.now() - t0).toBeLessThan(30_000); // the deadline is 60 s
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/offline/.env'))!).has('DATABASE_URL')).toBe(false);
  });
});

describe('the Neon CLI login', () => {
  // No key anywhere (an empty NEON_API_KEY counts as none): only the login.
  const loginEnv = (home: string, fake: { bin: string; dir: string }) => ({
    NEON_API_KEY: '',
    NEON_CONFIG_DIR: path.join(home, 'neon'),
    NEON_AGENTS_NEON_BIN: fake.bin,
    PATH: `${fake.dir}:${process.env.PATH}`,
  });
  const writeLogin = (home: string, expiresAt: number) => {
    fs.mkdirSync(path.join(home, 'neon'), { recursive: true });
    fs.writeFileSync(
      path.join(home, 'neon', 'credentials.json'),
      JSON.stringify({
        access_token: ln.local.apiKey,
        refresh_token: 'r',
        token_type: 'bearer',
        expires_at: expiresAt,
        type: 'oauth',
      }),
      { mode: 0o600 },
    );
  };

  it('a stored token works without a key, and no CLI is started', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const home = tmpdir('na-login-');
    writeLogin(home, Date.now() + 3_600_000);
    const fake = recordingNeon();
    const r = add(repo, 'login', loginEnv(home, fake));
    expect(r.stderr).toMatch(/created Neon branch/);
    const st = sh(path.join(repo, '.claude/worktrees/login'), 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], {
      ...suite.env,
      ...loginEnv(home, fake),
    });
    expect(st.stdout).toMatch(/credentials: +cli-login/);
    expect(fs.existsSync(fake.log)).toBe(false);
  });

  it('a credentials file that is not JSON fails closed, naming the file and `neon auth`, and starts no CLI', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const home = tmpdir('na-login-');
    fs.mkdirSync(path.join(home, 'neon'), { recursive: true });
    fs.writeFileSync(path.join(home, 'neon', 'credentials.json'), '{"access_token": ', { mode: 0o600 });
    const fake = recordingNeon();
    const r = add(repo, 'garbled', loginEnv(home, fake));
    expect(r.stderr).toMatch(/FAILED .*credentials file .*credentials\.json is not valid JSON: run `neon auth` again/);
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/garbled/.env'))!).has('DATABASE_URL')).toBe(false);
    expect(fs.existsSync(fake.log)).toBe(false);
  });

  it('an expired token is refreshed through exactly one CLI run, then read again; a failed refresh fails closed', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const home = tmpdir('na-login-');
    writeLogin(home, Date.now() - 1000);
    const file = path.join(home, 'neon', 'credentials.json');
    // The fake CLI "refreshes" the way the real one does: a new expires_at in the same file.
    const fake = recordingNeon(
      `node -e "const f='${file}';const j=require(f);j.expires_at=Date.now()+3600000;require('fs').writeFileSync(f,JSON.stringify(j))"`,
    );
    const r = add(repo, 'refresh', loginEnv(home, fake));
    expect(r.stderr).toMatch(/created Neon branch/);
    expect(fs.readFileSync(fake.log, 'utf8').trim().split('\n')).toEqual(['me --output json --no-analytics']);
    writeLogin(home, Date.now() - 1000);
    const dead = recordingNeon('exit 1');
    const f = add(repo, 'dead', loginEnv(home, dead));
    expect(f.stderr).toMatch(/FAILED .*Neon CLI login has expired .*neon auth/);
    expect(parseEnv(readEnv(path.join(repo, '.claude/worktrees/dead/.env'))!).has('DATABASE_URL')).toBe(false);
  });

  it('WorktreeCreate with a login that cannot be refreshed: refused, and nothing half-made waits for the next try', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const home = tmpdir('na-login-');
    writeLogin(home, Date.now() - 1000);
    const create = (env: Record<string, string>) =>
      sh(
        repo,
        'node',
        ['.claude/hooks/neon-worktree.mjs', 'worktree-create'],
        { ...suite.env, ...env, CLAUDE_PROJECT_DIR: repo },
        JSON.stringify({ cwd: repo, name: 'relogin' }),
      );
    const dead = recordingNeon('exit 1');
    const before = ln.local.requests.length;
    const r = create(loginEnv(home, dead));
    expect(r.code).not.toBe(0);
    // The refusal that names the fix, as for any provisioning failure (not a bare error from before the checkout).
    expect(r.stderr).toMatch(/worktree not created: no Neon branch for it \(.*Neon CLI login has expired .*neon auth/);
    expect(ln.local.requests.length).toBe(before); // nothing was sent without a token
    expect(fs.existsSync(path.join(repo, '.claude/worktrees/relogin'))).toBe(false);
    writeLogin(home, Date.now() + 3_600_000); // `neon auth` again
    const ok = create(loginEnv(home, recordingNeon()));
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/created Neon branch/);
    expect(ok.stderr).not.toMatch(/adopting/);
  });
});

describe('the user credentials file (--key-store user)', () => {
  // No key in the environment or the repo: only ~/.config/create-neon-agents/credentials.json (under XDG_CONFIG_HOME).
  const userEnv = (config: string, fake: { bin: string; dir: string }) => ({
    NEON_API_KEY: '',
    XDG_CONFIG_HOME: config,
    NEON_CONFIG_DIR: path.join(config, 'no-neon-login'),
    NEON_AGENTS_NEON_BIN: fake.bin,
    PATH: `${fake.dir}:${process.env.PATH}`,
  });
  const writeKeys = (config: string, text: string) => {
    fs.mkdirSync(path.join(config, 'create-neon-agents'), { recursive: true, mode: 0o700 });
    fs.writeFileSync(path.join(config, 'create-neon-agents', 'credentials.json'), text, { mode: 0o600 });
  };

  it("the project's key there works, status names the file, and no CLI is started", async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const config = tmpdir('na-xdg-');
    writeKeys(
      config,
      JSON.stringify({
        projects: { 'other-project-1': { apiKey: 'napi_wrong' }, [ln.local.projectId]: { apiKey: ln.local.apiKey } },
      }),
    );
    const fake = recordingNeon();
    const r = add(repo, 'userkey', userEnv(config, fake));
    expect(r.stderr).toMatch(/created Neon branch/);
    expect(urlIn(repo, 'userkey')).toMatch(/^postgres/);
    const st = sh(path.join(repo, '.claude/worktrees/userkey'), 'node', ['.claude/hooks/neon-worktree.mjs', 'status'], {
      ...suite.env,
      ...userEnv(config, fake),
    });
    expect(st.stdout).toContain(
      `credentials:  user-file ${path.join(config, 'create-neon-agents', 'credentials.json')}`,
    );
    expect(fs.existsSync(fake.log)).toBe(false);
  });

  it("another project's key is never used: no credentials, no database", async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const config = tmpdir('na-xdg-');
    writeKeys(config, JSON.stringify({ projects: { 'other-project-1': { apiKey: ln.local.apiKey } } }));
    const before = ln.local.requests.length;
    const r = add(repo, 'foreign', userEnv(config, recordingNeon()));
    expect(r.stderr).toMatch(/no Neon credentials/);
    expect(ln.local.requests.length).toBe(before);
    expect(urlIn(repo, 'foreign')).toBeUndefined();
  });

  it('a file that cannot be read fails closed, naming it, even with a key in the main env file', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\nNEON_API_KEY=${ln.local.apiKey}\n` });
    const config = tmpdir('na-xdg-');
    for (const [name, text] of [
      ['garbled', '{"projects": '],
      ['wrong-shape', JSON.stringify({ projects: { [ln.local.projectId]: 'napi_x' } })],
    ]) {
      writeKeys(config, text);
      const before = ln.local.requests.length;
      const r = add(repo, name, userEnv(config, recordingNeon()));
      expect(r.stderr).toMatch(
        /FAILED .*create-neon-agents[/\\]credentials\.json(?: is not valid JSON|: project \S+ has no "apiKey")/,
      );
      expect(r.stderr).toMatch(/fix it or delete it/);
      expect(ln.local.requests.length).toBe(before);
      expect(urlIn(repo, name)).toBeUndefined();
    }
  });

  it('NEON_API_KEY in the environment still comes first', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` });
    const config = tmpdir('na-xdg-');
    writeKeys(config, '{ not json');
    const r = add(repo, 'envfirst', { ...userEnv(config, recordingNeon()), NEON_API_KEY: ln.local.apiKey });
    expect(r.stderr).toMatch(/created Neon branch/);
  });
});
