// The local Neon's reset from parent (`POST …/branches/{id}/restore` with `source_branch_id` = the parent): the
// branch's data and schema become the parent's current ones, on the same branch and endpoint; its open sessions end;
// its passwords are the parent's again (see the README); what Neon refuses or the emulator does not do is a 400;
// a busy parent is a 423 that leaves the branch as it was.
import { beforeAll, describe, expect, test } from 'vitest';
import { useLocalNeon } from '../fixtures/local-neon.ts';

const ln = useLocalNeon({ branchLimit: 20 });
const B = () => `/projects/${ln.local.projectId}/branches`;
let mainUrl = '';
let mainId = '';

beforeAll(async () => {
  mainUrl = ln.local.getProject().connectionUri;
  mainId = ln.local.getProject().defaultBranchId;
  await ln.query(mainUrl, 'create table users (id int primary key, name text)');
  await ln.query(mainUrl, "insert into users values (1, 'ada')");
});

async function createBranch(name: string, parentId = mainId) {
  const r = await ln.api('POST', B(), { branch: { name, parent_id: parentId }, endpoints: [{ type: 'read_write' }] });
  expect(r.status).toBe(201);
  return { id: r.body.branch.id as string, endpointId: r.body.endpoints[0].id as string };
}
const tables = async (url: string) =>
  (await ln.query(url, "select tablename from pg_tables where schemaname = 'public' order by 1")).map(
    (r) => r.tablename,
  );
const uriOf = async (branchId: string) =>
  (
    await ln.api(
      'GET',
      `/projects/${ln.local.projectId}/connection_uri?branch_id=${branchId}&database_name=neondb&role_name=neondb_owner`,
    )
  ).body.uri as string;

describe('local Neon restore (reset from parent)', () => {
  test("the branch gets the parent's current data on the same endpoint; its sessions end; the parent's password is back", async () => {
    const br = await createBranch('agent-x');
    const reset = await ln.api('POST', `${B()}/${br.id}/roles/neondb_owner/reset_password`);
    expect(reset.status).toBe(200);
    const ownUrl = await uriOf(br.id);
    await ln.query(ownUrl, 'drop table users');
    await ln.query(ownUrl, 'create table scratch (x int)');
    await ln.query(mainUrl, "insert into users values (2, 'grace')");
    const held = await ln.connect(ownUrl);
    const ended = new Promise<void>((resolve) => held.on('end', () => resolve()));

    const r = await ln.api('POST', `${B()}/${br.id}/restore`, { source_branch_id: mainId });
    expect(r.status).toBe(200);
    expect(r.body.branch).toMatchObject({ id: br.id, name: 'agent-x', parent_id: mainId });
    expect(r.body.operations.length).toBeGreaterThan(0);
    for (const op of r.body.operations) expect(op).toMatchObject({ branch_id: br.id, status: 'finished' });
    await ended; // the open session was interrupted

    const after = await uriOf(br.id);
    expect(after).toContain(`endpoint%3D${br.endpointId}`);
    const endpoints = await ln.api('GET', `${B()}/${br.id}/endpoints`);
    expect(endpoints.body.endpoints.map((e: { id: string }) => e.id)).toEqual([br.endpointId]);
    expect(await tables(after)).toEqual(['users']);
    expect((await ln.query(after, 'select name from users order by id')).map((x) => x.name)).toEqual(['ada', 'grace']);
    // The parent's password again: the branch's own one no longer opens it, the parent's does.
    expect(new URL(after).password).toBe(new URL(mainUrl).password);
    await expect(ln.query(ownUrl, 'select 1')).rejects.toThrow(/password/);
    expect(await tables(mainUrl)).toEqual(['users']);
  });

  test('refused with a 400: no source, a source that is not the parent, a root branch, a branch with children', async () => {
    const a = await createBranch('agent-y');
    const other = await createBranch('agent-z');
    const post = (id: string, body: unknown) => ln.api('POST', `${B()}/${id}/restore`, body);
    expect((await post(a.id, {})).status).toBe(400);
    const notParent = await post(a.id, { source_branch_id: other.id });
    expect(notParent.status).toBe(400);
    expect(notParent.body.message).toMatch(/only a reset from the parent/);
    const root = await post(mainId, { source_branch_id: mainId });
    expect(root.status).toBe(400);
    expect(root.body.message).toMatch(/root branch/);
    await createBranch('child-of-y', a.id);
    const withChild = await post(a.id, { source_branch_id: mainId });
    expect(withChild.status).toBe(400);
    expect(withChild.body.message).toMatch(/has children: preserve_under_name is required/);
    expect((await ln.api('POST', `${B()}/br-nope/restore`, { source_branch_id: mainId })).status).toBe(404);
  });

  test('a parent with open sessions: 423 after a short wait, and the branch keeps its data', async () => {
    const br = await createBranch('agent-w');
    const url = await uriOf(br.id);
    await ln.query(url, 'create table mine (x int)');
    const held = await ln.connect(mainUrl);
    try {
      const r = await ln.api('POST', `${B()}/${br.id}/restore`, { source_branch_id: mainId });
      expect(r.status).toBe(423);
      expect(r.body.message).toBe(
        'project already has running conflicting operations, scheduling of new ones is prohibited',
      );
    } finally {
      await held.end();
    }
    expect(await tables(url)).toEqual(['mine', 'users']);
    expect((await ln.api('POST', `${B()}/${br.id}/restore`, { source_branch_id: mainId })).status).toBe(200);
    expect(await tables(url)).toEqual(['users']);
  });
});
