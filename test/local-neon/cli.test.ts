// The real Neon CLI (node_modules/.bin/neon 6.2.3) against the local Neon: every command create-neon-agents uses,
// and the error cases of /work/shared/reference/neon-cli-http-api.md §3.
import { spawnSync } from 'node:child_process';
import { describe, expect, test } from 'vitest';
import { NEON_BIN, useLocalNeon } from '../fixtures/local-neon.ts';
import { looksLikeBranchId } from '../../dev/local-neon/index.ts';

const ln = useLocalNeon();
const P = () => ['--project-id', ln.local.projectId];

describe('local Neon with the real CLI: commands', () => {
  test('starts fast, on loopback', () => {
    expect(ln.startupMs).toBeLessThan(5_000);
    expect(ln.local.apiHost).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v2$/);
  });

  test('me and projects get', async () => {
    const me = await ln.neonJson(['me']);
    expect(me).toMatchObject({ id: expect.any(String), email: expect.stringContaining('@') });
    const project = await ln.neonJson(['projects', 'get', ln.local.projectId]);
    expect(project).toMatchObject({ id: 'local-project-123456', region_id: expect.any(String) });
  });

  test('branches list shows the default branch; a lone project resolves without --project-id', async () => {
    const list = await ln.neonJson<any[]>(['branches', 'list', ...P()]);
    expect(list).toHaveLength(1);
    expect(list[0]).toMatchObject({ name: 'main', default: true });
    expect(looksLikeBranchId(list[0].id)).toBe(true);
    // No --project-id: the CLI asks /users/me/organizations, then /projects?limit=2&org_id=…
    const r = await ln.neon(['branches', 'list', '-o', 'json']);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)[0].id).toBe(list[0].id);
    expect(ln.local.requests.some((q) => q.path === '/users/me/organizations')).toBe(true);
    expect(ln.local.requests.some((q) => q.path === '/projects' && q.query.includes('org_id='))).toBe(true);
  });

  test('create → get (name and id) → connection-string direct and pooled → delete', async () => {
    const created = await ln.neonJson(['branches', 'create', '--name', 'feat-cli', ...P()]);
    const { branch, endpoints, connection_uris } = created;
    expect(looksLikeBranchId(branch.id)).toBe(true);
    expect(branch).toMatchObject({ name: 'feat-cli', default: false, current_state: 'ready' });
    expect(endpoints[0].id).toMatch(/^ep-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+$/);
    expect(endpoints[0].host).toContain(endpoints[0].id);
    expect(connection_uris).toHaveLength(1);

    const byName = await ln.neonJson(['branches', 'get', 'feat-cli', ...P()]);
    const byId = await ln.neonJson(['branches', 'get', branch.id, ...P()]);
    expect(byName.id).toBe(branch.id);
    expect(byId.name).toBe('feat-cli');

    const direct = await ln.neon(['connection-string', 'feat-cli', ...P()]);
    const pooled = await ln.neon(['connection-string', 'feat-cli', '--pooled', ...P()]);
    expect(direct.exitCode).toBe(0);
    const d = direct.stdout.trim();
    const p = pooled.stdout.trim();
    expect(d).toBe(
      `postgresql://neondb_owner:${encodeURIComponent(new URL(d).password)}@127.0.0.1:${ln.local.proxyPort}/neondb` +
        `?options=endpoint%3D${endpoints[0].id}&sslmode=require&channel_binding=require`,
    );
    expect(p).toBe(d.replace(endpoints[0].id, `${endpoints[0].id}-pooler`));
    expect(connection_uris[0].connection_uri).toBe(d);

    // Both really connect, to this branch, and the proxy notes which one was pooled.
    const before = ln.local.connections.length;
    for (const url of [d, p]) {
      const rows = await ln.query(url, 'select current_user as u, inet_server_port() as port');
      expect(rows[0].u).toBe('neondb_owner');
    }
    const log = ln.local.connections.slice(before);
    expect(log.map((c) => [c.branchId, c.pooled])).toEqual([
      [branch.id, false],
      [branch.id, true],
    ]);

    const deleted = await ln.neonJson(['branches', 'delete', 'feat-cli', ...P()]);
    expect(deleted.id).toBe(branch.id);
    const gone = await ln.neon(['branches', 'get', branch.id, ...P()]);
    expect(gone.exitCode).toBe(1);
    expect(gone.stderr).toContain('ERROR: branch not found');
    // Deleting again: 204 with no body and no Content-Type → the CLI prints nothing and exits 0.
    const again = await ln.neon(['branches', 'delete', branch.id, ...P(), '-o', 'json']);
    expect(again).toMatchObject({ exitCode: 0, stdout: '' });
    const last = ln.local.requests.at(-1)!;
    expect([last.method, last.status]).toEqual(['DELETE', 204]);
    // And its data is gone: the old URL no longer reaches anything.
    await expect(ln.query(d, 'select 1')).rejects.toThrow(/endpoint could not be found/);
  });

  test('several databases and roles: no connection_uris; --database-name / --role-name pick them', async () => {
    const proj = await ln.local.createProject({
      name: 'multi',
      defaultBranchName: 'production',
      roles: ['app_owner', 'reporter'],
      databases: [
        { name: 'app', owner: 'app_owner' },
        { name: 'analytics', owner: 'reporter' },
      ],
    });
    const PP = ['--project-id', proj.id];
    const created = await ln.neonJson(['branches', 'create', '--name', 'agent-1', ...PP]);
    expect(created.connection_uris).toBeUndefined(); // the CLI drops an empty array
    expect(created.branch.parent_id).toBe(proj.defaultBranchId);
    const list = (await ln.api('GET', `/projects/${proj.id}/branches`)).body.branches as any[];
    expect(list.find((b) => b.default)?.name).toBe('production');

    const ambiguous = await ln.neon(['connection-string', 'agent-1', ...PP]);
    expect(ambiguous.exitCode).toBe(1);
    expect(ambiguous.stderr).toContain(
      'Multiple roles found for the branch, please provide one with the --role-name option: app_owner, reporter',
    );
    const noDb = await ln.neon(['connection-string', 'agent-1', '--role-name', 'reporter', ...PP]);
    expect(noDb.stderr).toContain(
      'Multiple databases found for the branch, please provide one with the --database-name option: app, analytics',
    );

    const r = await ln.neon([
      'connection-string',
      'agent-1',
      '--role-name',
      'reporter',
      '--database-name',
      'analytics',
      ...PP,
    ]);
    expect(r.exitCode).toBe(0);
    const url = r.stdout.trim();
    expect(url).toMatch(/^postgresql:\/\/reporter:npg_[^@]+@127\.0\.0\.1:\d+\/analytics\?options=endpoint%3Dep-/);
    const rows = await ln.query(url, 'select current_user as u');
    expect(rows[0].u).toBe('reporter');
    // With two projects the CLI can no longer pick one by itself.
    const multi = await ln.neon(['branches', 'list']);
    expect(multi.exitCode).toBe(1);
    expect(multi.stderr).toContain('Multiple projects found, please provide one with the --project-id option');
  });

  test('the emulator runs in a worker thread: a synchronous spawn of the CLI does not deadlock', () => {
    const r = spawnSync(NEON_BIN, ['branches', 'list', ...P(), '-o', 'json', '--no-analytics'], {
      cwd: ln.cwd,
      env: ln.env,
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(r.status, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout).some((b: { default: boolean }) => b.default)).toBe(true);
  });

  test('with analytics on, the CLI probes GET /auth and GET /users/me first', async () => {
    const from = ln.local.requests.length;
    const r = await ln.neon(['me', '-o', 'json'], { analytics: true });
    expect(r.exitCode).toBe(0);
    const seen = ln.local.requests.slice(from).map((q) => `${q.method} ${q.path} ${q.status}`);
    expect(seen.slice(0, 2)).toEqual(['GET /auth 200', 'GET /users/me 200']);
  });
});

describe('local Neon with the real CLI: errors', () => {
  test('duplicate name → 409 with Neon wording', async () => {
    const first = await ln.api('POST', `/projects/${ln.local.projectId}/branches`, { branch: { name: 'dup' } });
    expect(first.status).toBe(201);
    const r = await ln.neon(['branches', 'create', '--name', 'dup', ...P()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ERROR: branch already exists; branch_name:"dup"');
    expect(ln.local.requests.at(-1)).toMatchObject({ method: 'POST', status: 409 });
    await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${first.body.branch.id}`);
  });

  test('unknown branch by name (resolved locally) and by id (404); unknown project (404)', async () => {
    const byName = await ln.neon(['branches', 'get', 'nope', ...P()]);
    expect(byName.exitCode).toBe(1);
    expect(byName.stderr).toMatch(/ERROR: Branch nope not found\.\s+Available branches: .*main/);
    const byId = await ln.neon(['branches', 'get', 'br-no-such-00000000', ...P()]);
    expect(byId.exitCode).toBe(1);
    expect(byId.stderr).toContain('ERROR: branch not found');
    const proj = await ln.neon(['projects', 'get', 'no-such-project-1']);
    expect(proj.exitCode).toBe(1);
    expect(proj.stderr).toContain('ERROR: project not found');
  });

  test('bad API key → 401 and the CLI’s authentication message', async () => {
    const r = await ln.neon(['branches', 'list', ...P()], { env: { NEON_API_KEY: 'wrong-key' } });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('Authentication failed: the Neon API rejected the API key');
    expect(ln.local.requests.at(-1)).toMatchObject({ status: 401 });
  });

  test('500 with a message', async () => {
    ln.local.failNext({ method: 'GET', path: /\/branches$/, status: 500 });
    const r = await ln.neon(['branches', 'list', ...P()]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ERROR: internal server error');
    // Only once: the next call works.
    expect((await ln.neon(['branches', 'list', ...P()])).exitCode).toBe(0);
  });

  test('423 Locked, then success: the CLI retries the create', async () => {
    ln.local.failNext({ method: 'POST', path: `/projects/${ln.local.projectId}/branches`, status: 423 });
    const r = await ln.neon(['branches', 'create', '--name', 'after-lock', ...P(), '-o', 'json']);
    expect(r.exitCode).toBe(0);
    expect(r.stderr).toContain('Resource is locked');
    const posts = ln.local.requests.filter((q) => q.method === 'POST' && q.path.endsWith('/branches')).slice(-2);
    expect(posts.map((q) => q.status)).toEqual([423, 201]);
    const made = JSON.parse(r.stdout).branch;
    expect(made.name).toBe('after-lock');
    await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${made.id}`);
  });

  test('branch allowance exceeded → 422 BRANCHES_LIMIT_EXCEEDED', async () => {
    const proj = await ln.local.createProject({ branchLimit: 2 });
    const PP = ['--project-id', proj.id];
    const one = await ln.api('POST', `/projects/${proj.id}/branches`, { branch: { name: 'one' } });
    expect(one.status).toBe(201);
    const r = await ln.neon(['branches', 'create', '--name', 'two', ...PP]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('ERROR: branches limit exceeded');
    expect(ln.local.requests.at(-1)).toMatchObject({ method: 'POST', status: 422 });
    expect(ln.local.requests.at(-1)).toMatchObject({ path: `/projects/${proj.id}/branches` });
    const body = await ln.api('POST', `/projects/${proj.id}/branches`, { branch: { name: 'two' } });
    expect(body).toEqual({
      status: 422,
      body: expect.objectContaining({ code: 'BRANCHES_LIMIT_EXCEEDED', message: 'branches limit exceeded' }),
    });
    // Freeing a slot makes room again.
    expect((await ln.api('DELETE', `/projects/${proj.id}/branches/${one.body.branch.id}`)).status).toBe(200);
    expect((await ln.api('POST', `/projects/${proj.id}/branches`, { branch: { name: 'two' } })).status).toBe(201);
  });

  test('expiry: a past expires_at is refused; a passed one deletes the branch on the next request', async () => {
    const past = await ln.neon(['branches', 'create', '--name', 'old', '--expires-at', '2001-01-01T00:00:00Z', ...P()]);
    expect(past.exitCode).toBe(1);
    expect(past.stderr).toContain('ERROR: expires_at must be in the future');

    // Far enough ahead that a CLI start on a loaded 2-core CI machine cannot outlive it before the POST arrives.
    const soon = new Date(Date.now() + 8_000).toISOString();
    const made = await ln.neonJson(['branches', 'create', '--name', 'ephemeral', '--expires-at', soon, ...P()]);
    expect(made.branch.expires_at).toBe(soon.replace(/\.\d{3}Z$/, 'Z'));
    const url = made.connection_uris[0].connection_uri;
    expect((await ln.query(url, 'select 1 as one'))[0].one).toBe(1);
    await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(soon) - Date.now() + 100)));
    const list = await ln.neonJson<any[]>(['branches', 'list', ...P()]);
    expect(list.map((b) => b.name)).not.toContain('ephemeral');
    await expect(ln.query(url, 'select 1')).rejects.toThrow(/endpoint could not be found/);
  });
});
