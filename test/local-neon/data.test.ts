// What the local Neon's branches hold, and how clients reach them: copy-on-create data, isolation, TLS + SCRAM
// channel binding through the proxy (node-postgres and libpq/psql), deletion, concurrency, the busy-parent 423.
import { execFile } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { useLocalNeon } from '../fixtures/local-neon.ts';

const run = promisify(execFile);
const ln = useLocalNeon({ branchLimit: 20 });
const P = () => ['--project-id', ln.local.projectId];
let mainUrl = '';
let psqlHome = '';

beforeAll(async () => {
  mainUrl = ln.local.getProject().connectionUri;
  psqlHome = await mkdtemp(path.join(os.tmpdir(), 'local-neon-psql-'));
});
afterAll(async () => {
  if (psqlHome) await rm(psqlHome, { recursive: true, force: true });
});

async function psql(url: string, sql: string) {
  // libpq with sslmode=require encrypts but does not verify the certificate; channel_binding=require then fails
  // unless SCRAM-SHA-256-PLUS completes with the certificate the client actually saw.
  return run('psql', [url, '-XAtq', '-v', 'ON_ERROR_STOP=1', '-c', sql], {
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: psqlHome },
  }).then(
    (r) => ({ code: 0, stdout: r.stdout.trim(), stderr: r.stderr }),
    (e: { code?: number; stdout?: string; stderr?: string }) => ({
      code: e.code ?? 1,
      stdout: e.stdout ?? '',
      stderr: e.stderr ?? '',
    }),
  );
}

describe('local Neon data', () => {
  test('a branch is a copy of its parent at creation time, and branches are isolated', async () => {
    await ln.query(mainUrl, 'create table users (id int primary key, name text)');
    await ln.query(mainUrl, "insert into users values (1, 'ada'), (2, 'grace')");

    const a = await ln.neonJson(['branches', 'create', '--name', 'agent-a', ...P()]);
    const b = await ln.neonJson(['branches', 'create', '--name', 'agent-b', ...P()]);
    const urlA = a.connection_uris[0].connection_uri;
    const urlB = b.connection_uris[0].connection_uri;

    expect(await ln.query(urlA, 'select name from users order by id')).toEqual([{ name: 'ada' }, { name: 'grace' }]);
    await ln.query(urlA, 'create table invoices (id int)');
    await ln.query(urlA, "insert into users values (3, 'only-in-a')");
    await ln.query(urlA, 'delete from users where id = 1');

    const tablesOf = async (url: string) =>
      (await ln.query(url, "select tablename from pg_tables where schemaname = 'public' order by 1")).map(
        (r) => r.tablename,
      );
    expect(await tablesOf(urlA)).toEqual(['invoices', 'users']);
    expect(await tablesOf(mainUrl)).toEqual(['users']);
    expect(await tablesOf(urlB)).toEqual(['users']);
    expect((await ln.query(mainUrl, 'select count(*)::int as n from users'))[0].n).toBe(2);
    expect((await ln.query(urlB, 'select count(*)::int as n from users'))[0].n).toBe(2);
    expect(await ln.query(urlA, 'select id from users order by id')).toEqual([{ id: 2 }, { id: 3 }]);
    expect(await ln.query(mainUrl, 'select id from users order by id')).toEqual([{ id: 1 }, { id: 2 }]);

    // Rows written to the parent after A was made reach a new branch, not A.
    await ln.query(mainUrl, "insert into users values (10, 'later')");
    const c = await ln.neonJson(['branches', 'create', '--name', 'agent-c', ...P()]);
    const urlC = c.connection_uris[0].connection_uri;
    expect((await ln.query(urlC, 'select name from users where id = 10'))[0]?.name).toBe('later');
    expect(await ln.query(urlA, 'select name from users where id = 10')).toEqual([]);

    // A branch of a branch copies that branch.
    const grandchild = await ln.neonJson(['branches', 'create', '--name', 'agent-a-2', '--parent', 'agent-a', ...P()]);
    expect(grandchild.branch.parent_id).toBe(a.branch.id);
    expect(await tablesOf(grandchild.connection_uris[0].connection_uri)).toEqual(['invoices', 'users']);
  });

  test('psql: channel_binding=require connects over TLS; sslmode=disable is refused like Neon', async () => {
    const url = ln.local.connectionUri({ branch: 'agent-b' });
    expect(url).toContain('channel_binding=require');
    const ok = await psql(url, 'select ssl from pg_stat_ssl where pid = pg_backend_pid()');
    expect(ok.stderr).toBe('');
    expect(ok).toMatchObject({ code: 0, stdout: 't' });
    const pooled = await psql(ln.local.connectionUri({ branch: 'agent-b', pooled: true }), 'select current_user');
    expect(pooled).toMatchObject({ code: 0, stdout: 'neondb_owner' });

    const plain = await psql(
      url.replace('sslmode=require', 'sslmode=disable').replace('&channel_binding=require', ''),
      'select 1',
    );
    expect(plain.code).not.toBe(0);
    expect(plain.stderr).toContain('connection is insecure (try using `sslmode=require`)');

    const wrongPw = new URL(url);
    wrongPw.password = 'npg_wrong';
    const denied = await psql(wrongPw.toString(), 'select 1');
    expect(denied.code).not.toBe(0);
    expect(denied.stderr).toMatch(/password authentication failed/);
  });

  test('routing by SNI works too (ep-….localhost), without the options parameter', async () => {
    const [branch] = (await ln.local.listBranches()).filter((b) => b.name === 'agent-b');
    const ep = branch.endpointIds[0];
    const url = ln.local.connectionUri({ branch: 'agent-b' }).replace(/options=[^&]+&/, '');
    const client = await ln.connect(url).catch((e) => e as Error);
    // Without SNI or options the proxy cannot route, as Neon's proxy cannot.
    expect(client).toBeInstanceOf(Error);
    expect((client as Error).message).toContain('The endpoint ID is not specified');

    const { default: pg } = await import('pg');
    const { readFile } = await import('node:fs/promises');
    const u = new URL(url);
    const sni = new pg.Client({
      host: '127.0.0.1',
      port: Number(u.port),
      user: u.username,
      password: decodeURIComponent(u.password),
      database: 'neondb',
      ssl: {
        ca: await readFile(ln.local.caFile),
        servername: `${ep}-pooler.localhost`,
        checkServerIdentity: () => undefined,
      },
    });
    await sni.connect();
    expect((await sni.query('select current_user as u')).rows[0].u).toBe('neondb_owner');
    await sni.end();
    expect(ln.local.connections.at(-1)).toMatchObject({ endpointId: ep, pooled: true, routedBy: 'sni' });
  });

  test('deleting a branch drops its databases', async () => {
    const [a] = (await ln.local.listBranches()).filter((b) => b.name === 'agent-c');
    const pgName = a.databases[0].pgName;
    const exists = async () =>
      (await ln.query(mainUrl, 'select count(*)::int as n from pg_database where datname = $1', [pgName]))[0].n;
    expect(await exists()).toBe(1);
    const r = await ln.neon(['branches', 'delete', 'agent-c', ...P()]);
    expect(r.exitCode).toBe(0);
    expect(await exists()).toBe(0);
  });

  test('a parent with open sessions: the create waits briefly, then answers 423 Locked', async () => {
    const held = await ln.connect(ln.local.connectionUri({ branch: 'agent-b' }));
    try {
      const branchB = (await ln.local.listBranches()).find((b) => b.name === 'agent-b')!;
      const t0 = Date.now();
      const r = await ln.api('POST', `/projects/${ln.local.projectId}/branches`, {
        branch: { name: 'from-busy', parent_id: branchB.id },
        endpoints: [{ type: 'read_write' }],
      });
      expect(r.status).toBe(423);
      expect(r.body.message).toBe(
        'project already has running conflicting operations, scheduling of new ones is prohibited',
      );
      expect(Date.now() - t0).toBeGreaterThanOrEqual(1_000);
      expect((await ln.local.listBranches()).map((b) => b.name)).not.toContain('from-busy');
    } finally {
      await held.end();
    }
    // Once the session is gone the same request succeeds.
    const ok = await ln.api('POST', `/projects/${ln.local.projectId}/branches`, {
      branch: { name: 'from-busy', parent_id: (await ln.local.listBranches()).find((b) => b.name === 'agent-b')!.id },
    });
    expect(ok.status).toBe(201);
  });

  test('eight parallel `neon branches create` give eight distinct, connectable branches', async () => {
    const t0 = Date.now();
    const results = await Promise.all(
      Array.from({ length: 8 }, (_, i) => ln.neonJson(['branches', 'create', '--name', `par-${i}`, ...P()])),
    );
    const elapsed = Date.now() - t0;
    const ids = new Set(results.map((r) => r.branch.id));
    const eps = new Set(results.map((r) => r.endpoints[0].id));
    expect(ids.size).toBe(8);
    expect(eps.size).toBe(8);
    const counts = await Promise.all(
      results.map(
        async (r) => (await ln.query(r.connection_uris[0].connection_uri, 'select count(*)::int as n from users'))[0].n,
      ),
    );
    expect(counts).toEqual(Array(8).fill(3));
    const creates = ln.local.requests.filter((q) => q.method === 'POST' && q.status === 201).slice(-8);
    expect(creates).toHaveLength(8);
    console.log(
      `8 parallel CLI creates: ${elapsed} ms; server-side per create: ${creates.map((q) => q.durationMs).join(', ')} ms`,
    );
  });

  test('a branch creation through the API takes well under two seconds', async () => {
    const t0 = Date.now();
    const r = await ln.api('POST', `/projects/${ln.local.projectId}/branches`, {
      branch: { name: 'timed' },
      endpoints: [{ type: 'read_write' }],
    });
    const ms = Date.now() - t0;
    expect(r.status).toBe(201);
    expect(ms).toBeLessThan(2_000);
    console.log(`startup ${ln.startupMs} ms, API branch create ${ms} ms`);
  });

  test('reset() restores a clean default project', async () => {
    await ln.local.reset();
    const branches = await ln.local.listBranches();
    expect(branches.map((b) => b.name)).toEqual(['main']);
    const url = ln.local.getProject().connectionUri;
    expect(await ln.query(url, "select tablename from pg_tables where schemaname = 'public'")).toEqual([]);
    expect(ln.local.requests).toHaveLength(0);
  });
});
