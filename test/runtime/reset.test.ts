// `reset`: an agent's worktree gets its parent's current data and schema back on its own Neon branch, in-process
// against the local Neon's real PostgreSQL (and once through the bundled runtime as a process). The URL keeps its
// host and endpoint, the worktree's password is its own again (the parent's does not open the branch), and every
// place it must not reset (the main checkout, a branch with children) or cannot ask is refused, naming the fix.
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/runtime/commands/index.ts';
import { withPassword } from '../../src/runtime/neon-api.ts';
import { parsePgUrl } from '../../src/shared/db-targets.ts';
import { parseEnv } from '../../src/shared/env-file.ts';
import { branchRecords, testContext } from './context.ts';
import { git, makeRepo, readEnv, sh, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;

/** A worktree made with hooks off, then given its own branch with `ensure`. */
async function provisionedWorktree(repo: string, name: string): Promise<string> {
  const wt = path.join(repo, '.claude/worktrees', name);
  git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  const ensure = testContext({ cwd: wt, env: suite.env });
  expect(await runCommand(ensure.ctx, 'ensure'), ensure.stderr()).toBe(0);
  return wt;
}

const urlOf = (wt: string) => parseEnv(readEnv(path.join(wt, '.env')) ?? '').get('DATABASE_URL')!;

/** One runtime command in-process: its exit code and what it printed and said. */
async function run(cwd: string, argv: string[] = [], o: { env?: Record<string, string>; typed?: string } = {}) {
  const call = testContext({ cwd, env: o.env ?? suite.env, argv, typed: o.typed });
  const code = await runCommand(call.ctx, 'reset');
  return { code, stdout: call.stdout(), stderr: call.stderr() };
}

const usersIn = async (url: string) =>
  (await ln.query(url, 'select name from users order by id')).map((r) => r.name as string);
const tablesIn = async (url: string) =>
  (await ln.query(url, "select tablename from pg_tables where schemaname = 'public' order by 1")).map(
    (r) => r.tablename as string,
  );

let repo = '';
let wt = '';

beforeAll(async () => {
  await ln.query(suite.mainUrl, 'create table users (id int primary key, name text)');
  await ln.query(suite.mainUrl, "insert into users values (1, 'ada'), (2, 'grace')");
  await ln.query(suite.mainUrl, 'create table orders (id int primary key)');
  repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, gitHook: false });
  wt = await provisionedWorktree(repo, 'agent-r');
});

/** What an agent did to its own branch, through its own DATABASE_URL. */
async function breakTheAgentsData(url: string) {
  await ln.query(url, "insert into users values (3, 'only-in-the-agent')");
  await ln.query(url, 'drop table orders');
  await ln.query(url, 'create table scratch (x int)');
  expect(await tablesIn(url)).toEqual(['scratch', 'users']);
}

describe('reset', () => {
  it("gives the worktree's branch its parent's data and schema back, on the same endpoint with its own password", async () => {
    const before = urlOf(wt);
    await breakTheAgentsData(before);
    // The parent moves on meanwhile: the reset copies its current data.
    await ln.query(suite.mainUrl, "insert into users values (4, 'katherine')");
    const rec = branchRecords(repo).find((r) => r.gitBranch === 'agent-r')!;

    const out = await run(wt, ['--yes']);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stderr).toBe(
      `neon-agents: reset Neon branch ${rec.neonBranch} to the data and schema of main; same endpoint, new password of its own in .env DATABASE_URL (open connections were interrupted)\n`,
    );
    expect(out.stdout).toBe('');

    const after = urlOf(wt);
    expect(withPassword(after, 'x')).toBe(withPassword(before, 'x')); // host, endpoint, database, role, options
    expect(parsePgUrl(after)!.endpointId).toBe(rec.endpointId);
    expect(parsePgUrl(after)!.password).not.toBe(parsePgUrl(before)!.password);
    expect(await usersIn(after)).toEqual(['ada', 'grace', 'katherine']);
    expect(await tablesIn(after)).toEqual(['orders', 'users']);
    // The parent is untouched, and its password does not open the branch (nor the branch's old one).
    expect(await usersIn(suite.mainUrl)).toEqual(['ada', 'grace', 'katherine']);
    await expect(ln.query(withPassword(after, parsePgUrl(suite.mainUrl)!.password!), 'select 1')).rejects.toThrow(
      /password/,
    );
    await expect(ln.query(before, 'select 1')).rejects.toThrow(/password/);
    expect(branchRecords(repo).find((r) => r.gitBranch === 'agent-r')).toMatchObject({
      branchId: rec.branchId,
      ownPassword: true,
    });
    // The same branch in Neon: no new one was made.
    const listed = await ln.api('GET', `/projects/${ln.local.projectId}/branches`);
    expect(listed.body.branches.map((b: { id: string }) => b.id)).toContain(rec.branchId);
    expect(listed.body.branches).toHaveLength(2);
  });

  it('asks first: without --yes and without a terminal exit 2; "n" keeps the data; "y" resets', async () => {
    const url = urlOf(wt);
    await ln.query(url, "insert into users values (5, 'kept')");
    const noTty = await run(wt);
    expect(noTty.code).toBe(2);
    expect(noTty.stderr).toMatch(
      /^neon-agents: reset: nobody to ask on a terminal: pass --yes to reset Neon branch agents\/\S+\n$/,
    );

    const no = await run(wt, [], { typed: 'n' });
    expect(no.code).toBe(0);
    expect(no.stderr).toMatch(
      /Reset agents\/\S+ to main's data\? \[y\/N\] neon-agents: reset: not resetting agents\/\S+\n$/,
    );
    expect(await usersIn(urlOf(wt))).toContain('kept');

    const yes = await run(wt, [], { typed: 'y' });
    expect(yes.code, yes.stderr).toBe(0);
    expect(await usersIn(urlOf(wt))).not.toContain('kept');
  });

  it('refuses, naming the fix: the main checkout, unknown option, no credentials, a branch with children', async () => {
    const mainRows = await usersIn(suite.mainUrl);
    const inMain = await run(repo, ['--yes']);
    expect(inMain.code).toBe(2);
    expect(inMain.stderr).toMatch(
      /reset: this is the main checkout, whose database is the parent of every agent branch and is never reset: run reset inside an agent's worktree/,
    );
    expect(await usersIn(suite.mainUrl)).toEqual(mainRows);
    expect(await tablesIn(suite.mainUrl)).toEqual(['orders', 'users']);

    const bad = await run(wt, ['--force']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/reset: unknown option "--force"; it takes --yes/);

    const { NEON_API_KEY: _key, ...noKey } = suite.env;
    const noCreds = await run(wt, ['--yes'], { env: noKey });
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr).toMatch(/reset: no Neon credentials: set NEON_API_KEY, or log in with `neon auth`/);

    const rec = branchRecords(repo).find((r) => r.gitBranch === 'agent-r')!;
    await ln.query(urlOf(wt), "insert into users values (6, 'under-a-child')");
    const child = await ln.api('POST', `/projects/${ln.local.projectId}/branches`, {
      branch: { name: 'child-of-agent', parent_id: rec.branchId },
    });
    expect(child.status).toBe(201);
    const withChild = await run(wt, ['--yes']);
    expect(withChild.code).toBe(1);
    expect(withChild.stderr).toMatch(
      /reset: Neon branch agents\/\S+ has child branches \(child-of-agent\): delete them first/,
    );
    expect(await usersIn(urlOf(wt))).toContain('under-a-child');
    await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${child.body.branch.id}`);
  });

  it('a password reset that fails after the restore: exit 1 saying to run ensure, and ensure makes it whole', async () => {
    await ln.query(urlOf(wt), "insert into users values (8, 'before-a-failed-reset')");
    ln.local.failNext({ method: 'POST', path: /\/reset_password$/, status: 500 });
    const failed = await run(wt, ['--yes']);
    expect(failed.code).toBe(1);
    expect(failed.stderr).toMatch(
      /reset: Neon branch agents\/\S+ was reset to main, but giving it its own password again failed \(.*HTTP 500.*\): run node \S+ ensure\n$/,
    );
    expect(branchRecords(repo).find((r) => r.gitBranch === 'agent-r')!.ownPassword).toBe(false);
    const ensure = testContext({ cwd: wt, env: suite.env });
    expect(await runCommand(ensure.ctx, 'ensure'), ensure.stderr()).toBe(0);
    expect(await usersIn(urlOf(wt))).not.toContain('before-a-failed-reset');
    await expect(ln.query(withPassword(urlOf(wt), parsePgUrl(suite.mainUrl)!.password!), 'select 1')).rejects.toThrow(
      /password/,
    );
  });

  it('the bundled runtime, as a process: no terminal and no --yes is exit 2; --yes resets', async () => {
    const rt = path.join(repo, '.claude/hooks/neon-worktree.mjs');
    await ln.query(urlOf(wt), "insert into users values (7, 'from-a-process')");
    const refused = sh(wt, 'node', [rt, 'reset'], suite.env);
    expect(refused.code, refused.stderr).toBe(2);
    expect(refused.stderr).toMatch(/pass --yes/);
    const done = sh(wt, 'node', [rt, 'reset', '--yes'], suite.env);
    expect(done.code, done.stderr).toBe(0);
    expect(await usersIn(urlOf(wt))).not.toContain('from-a-process');
  });
});
