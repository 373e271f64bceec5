// Reviewing an agent's database: `diff` and `list`, in-process against the local Neon's real PostgreSQL (and once
// through the bundled runtime as a process). A migration run through one worktree's own DATABASE_URL shows in that
// worktree's diff and in no sibling's; `list` shows every branch of the clone; their --json documents validate
// against schema/runtime-*.schema.json; bad input is refused with a message naming the fix and exit 1 or 2.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/runtime/commands/index.ts';
import { parseEnv } from '../../src/shared/env-file.ts';
import { validate } from '../terminal/json-schema.ts';
import { branchRecords, testContext } from './context.ts';
import { git, makeRepo, readEnv, ROOT, sh, tmpdir, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;
const schema = (name: string) => JSON.parse(fs.readFileSync(path.join(ROOT, `schema/${name}.schema.json`), 'utf8'));

/** A worktree made with hooks off, then given its own branch with `ensure`. */
async function provisionedWorktree(repo: string, name: string): Promise<{ wt: string; url: string }> {
  const wt = path.join(repo, '.claude/worktrees', name);
  git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  const ensure = testContext({ cwd: wt, env: suite.env });
  expect(await runCommand(ensure.ctx, 'ensure'), ensure.stderr()).toBe(0);
  return { wt, url: parseEnv(readEnv(path.join(wt, '.env')) ?? '').get('DATABASE_URL')! };
}

/** One runtime command in-process: its exit code and what it printed and said. */
async function run(cwd: string, command: string, argv: string[] = [], env = suite.env) {
  const call = testContext({ cwd, env, argv });
  const code = await runCommand(call.ctx, command);
  return { code, stdout: call.stdout(), stderr: call.stderr() };
}

const MIGRATION = `
  create table invoices (id bigint generated always as identity primary key,
    user_id int not null references users(id), total numeric(10, 2));
  alter table users add column name text;
  create index users_email_idx on users (email);
`;

let repo = '';
let agentA: { wt: string; url: string };
let agentB: { wt: string; url: string };

beforeAll(async () => {
  // The parent (the project's default branch) has a table before the agents branch from it.
  await ln.query(suite.mainUrl, 'create table users (id serial primary key, email text not null)');
  repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, gitHook: false });
  agentA = await provisionedWorktree(repo, 'agent-a');
  agentB = await provisionedWorktree(repo, 'agent-b');
  await ln.query(agentA.url, MIGRATION); // through agent A's own DATABASE_URL
});

describe('diff', () => {
  it("shows a worktree's migration as a unified SQL diff against its parent, and names what changed", async () => {
    const rec = branchRecords(repo).find((r) => r.gitBranch === 'agent-a')!;
    const main = ln.local.getProject();
    const text = await run(agentA.wt, 'diff');
    expect(text.code, text.stderr).toBe(0);
    expect(text.stderr).toBe('');
    const lines = text.stdout.split('\n');
    expect(lines.slice(0, 3)).toEqual([
      'diff --neon database neondb',
      `--- ${main.defaultBranchName} (${main.defaultBranchId})`,
      `+++ ${rec.neonBranch} (${rec.branchId})`,
    ]);
    expect(lines[3]).toMatch(/^@@ -\d+(,\d+)? \+\d+(,\d+)? @@$/);
    expect(lines).toContain('+CREATE TABLE public.invoices (');
    expect(lines).toContain('-    email text NOT NULL');
    expect(lines).toContain('+    email text NOT NULL,');
    expect(lines).toContain('+    name text');
    expect(lines).toContain('+CREATE INDEX users_email_idx ON public.users USING btree (email);');
    expect(lines).toContain(
      '+    ADD CONSTRAINT invoices_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);',
    );
    expect(text.stdout).not.toMatch(/^[-+ ](SET |\\restrict)/m);

    const names = await run(agentA.wt, 'diff', ['--name-only']);
    expect(names.code).toBe(0);
    expect(names.stdout).toBe(
      [
        'table public.invoices',
        'sequence public.invoices_id_seq',
        'table public.users',
        'constraint invoices_pkey on public.invoices',
        'index public.users_email_idx',
        'foreign key invoices_user_id_fkey on public.invoices',
        '',
      ].join('\n'),
    );

    const json = await run(agentA.wt, 'diff', ['--json']);
    expect(json.code).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(validate(schema('runtime-diff'), doc)).toEqual([]);
    expect(doc).toMatchObject({
      ok: true,
      database: 'neondb',
      branch: { name: rec.neonBranch, id: rec.branchId, gitBranch: 'agent-a', worktreePath: agentA.wt },
      parent: { name: main.defaultBranchName, id: main.defaultBranchId },
      changed: true,
      diff: text.stdout,
    });
    expect(doc.objects).toContainEqual({ name: 'table public.invoices', change: 'added' });
    expect(doc.objects).toContainEqual({ name: 'table public.users', change: 'changed' });
    expect(doc.objects.map((o: { name: string }) => `${o.name}\n`).join('')).toBe(names.stdout);

    const exit = await run(agentA.wt, 'diff', ['--exit-code', '--name-only']);
    expect(exit.code).toBe(1);
    expect(exit.stdout).toBe(names.stdout);
  });

  it("shows nothing in a sibling worktree: its own branch has the parent's schema", async () => {
    const quiet = await run(agentB.wt, 'diff', ['--exit-code']);
    expect(quiet.code).toBe(0);
    expect(quiet.stdout).toBe('');
    expect(quiet.stderr).toMatch(
      /^neon-agents: no schema changes: agents\/\S+ has the schema of its parent main \(database neondb\)\n$/,
    );
    const json = JSON.parse((await run(agentB.wt, 'diff', ['--json', '--exit-code'])).stdout);
    expect(validate(schema('runtime-diff'), json)).toEqual([]);
    expect(json).toMatchObject({ ok: true, changed: false, objects: [], diff: '' });
    expect((await run(agentB.wt, 'diff', ['--name-only'])).stdout).toBe('');
  });

  it('asks Neon four times, in two round trips: the branch, then both schemas and the parent', async () => {
    const before = ln.local.requests.length;
    expect((await run(agentA.wt, 'diff')).code).toBe(0);
    const sent = ln.local.requests
      .slice(before)
      .map((r) => `${r.method} ${r.path}${r.query}`.replace(/br-[a-z0-9-]+/g, 'br-…'));
    const branch = `GET /projects/${ln.local.projectId}/branches/br-…`;
    expect(sent[0]).toBe(branch);
    expect(sent.slice(1).sort()).toEqual([
      branch,
      `${branch}/schema?db_name=neondb`,
      `${branch}/schema?db_name=neondb`,
    ]);
  });

  it('the bundled runtime, as a process: exit 1 with --exit-code when changed, 0 when not', () => {
    const rt = path.join(repo, '.claude/hooks/neon-worktree.mjs');
    const changed = sh(agentA.wt, 'node', [rt, 'diff', '--exit-code', '--name-only'], suite.env);
    expect(changed.code, changed.stderr).toBe(1);
    expect(changed.stdout).toContain('index public.users_email_idx\n');
    const same = sh(agentB.wt, 'node', [rt, 'diff', '--exit-code'], suite.env);
    expect(same.code, same.stderr).toBe(0);
    expect(same.stdout).toBe('');
  });

  it('refuses, naming the fix: main checkout, outside a repository, no credentials, no branch, unknown option', async () => {
    const inMain = await run(repo, 'diff');
    expect(inMain.code).toBe(2);
    expect(inMain.stderr).toMatch(
      /diff: this is the main checkout, which has no Neon branch of its own: run diff inside an agent's worktree \(node \S+ list shows them\)/,
    );
    expect(inMain.stdout).toBe('');
    const mainJson = await run(repo, 'diff', ['--json']);
    expect(mainJson.code).toBe(2);
    const errorDoc = JSON.parse(mainJson.stdout);
    expect(validate(schema('runtime-diff'), errorDoc)).toEqual([]);
    expect(errorDoc).toMatchObject({ ok: false, exitCode: 2, error: expect.stringMatching(/main checkout/) });

    const outside = await run(tmpdir('na-nogit-'), 'diff');
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/diff: not inside a git repository .*: run diff inside an agent's worktree/);

    const { NEON_API_KEY: _key, ...noKey } = suite.env;
    const noCreds = await run(agentA.wt, 'diff', [], noKey);
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr).toMatch(/diff: no Neon credentials: set NEON_API_KEY, or log in with `neon auth`/);

    const bare = path.join(repo, '.claude/worktrees/not-provisioned');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', 'not-provisioned', bare);
    const noRecord = await run(bare, 'diff');
    expect(noRecord.code).toBe(1);
    expect(noRecord.stderr).toMatch(
      /diff: this worktree has no Neon branch made by this clone .*: run node \S+ ensure to give it one/,
    );

    for (const argv of [['--exit-cod'], ['main'], ['--database'], ['--json', '--name-only']]) {
      const bad = await run(agentA.wt, 'diff', argv);
      expect(bad.code, argv.join(' ')).toBe(2);
      expect(bad.stderr, argv.join(' ')).toMatch(
        /^neon-agents: diff: (unknown (option|argument) |--database needs a value|--json and --name-only are two formats)/,
      );
    }
    expect((await run(agentA.wt, 'diff', ['--database', 'nope'])).stderr).toMatch(/has no database "nope"/);
  });
});

describe('list', () => {
  it("shows both worktrees' branches, a table for people and a document for tools, with --schema", async () => {
    const recs = branchRecords(repo);
    const a = recs.find((r) => r.gitBranch === 'agent-a')!;
    const b = recs.find((r) => r.gitBranch === 'agent-b')!;
    const before = ln.local.requests.length;
    const table = await run(repo, 'list');
    expect(table.code, table.stderr).toBe(0);
    expect(ln.local.requests.length - before).toBe(1); // one request: the branch list
    const rows = table.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^WORKTREE +GIT BRANCH +NEON BRANCH +CREATED \(UTC\) +EXPIRES \(UTC\) +STATE$/);
    expect(rows.find((r) => r.includes(a.neonBranch))).toMatch(
      /^\.claude\/worktrees\/agent-a +agent-a +agents\/\S+ +\d{4}-\d\d-\d\d \d\d:\d\d +\d{4}-\d\d-\d\d \d\d:\d\d +active$/,
    );
    expect(rows.find((r) => r.includes(b.neonBranch))).toMatch(/ active$/);

    const json = await run(agentB.wt, 'list', ['--json', '--schema']); // from any checkout of the clone
    expect(json.code, json.stderr).toBe(0);
    const doc = JSON.parse(json.stdout);
    expect(validate(schema('runtime-list'), doc)).toEqual([]);
    expect(doc).toMatchObject({ ok: true, project: ln.local.projectId, schema: true });
    const byGit = (g: string) => doc.branches.find((x: { gitBranch: string }) => x.gitBranch === g);
    expect(byGit('agent-a')).toMatchObject({
      neonBranch: a.neonBranch,
      branchId: a.branchId,
      worktreePath: agentA.wt,
      worktreeExists: true,
      gitBranchExists: true,
      inNeon: true,
      state: 'active',
      schemaChanged: true,
    });
    expect(byGit('agent-b')).toMatchObject({ state: 'active', schemaChanged: false });
    expect(byGit('agent-a').expiresAt).toMatch(/^\d{4}-\d\d-\d\dT/);

    const withSchema = await run(repo, 'list', ['--schema']);
    expect(withSchema.stdout.split('\n')[0]).toMatch(/ STATE +SCHEMA$/);
    expect(withSchema.stdout).toMatch(new RegExp(`${a.neonBranch.replace(/[/.]/g, '\\$&')} .* active +changed\\n`));
    expect(withSchema.stdout).toMatch(new RegExp(`${b.neonBranch.replace(/[/.]/g, '\\$&')} .* active +same\\n`));
  });

  it('a worktree and git branch both gone is orphaned, one whose git branch lives is kept, one Neon dropped is gone', async () => {
    const other = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, gitHook: false });
    const kept = await provisionedWorktree(other, 'kept');
    const orphan = await provisionedWorktree(other, 'orphan');
    await provisionedWorktree(other, 'gone');
    git(other, 'worktree', 'remove', '--force', kept.wt);
    git(other, 'worktree', 'remove', '--force', orphan.wt);
    git(other, 'branch', '-D', 'orphan');
    const goneRec = branchRecords(other).find((r) => r.gitBranch === 'gone')!;
    expect((await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${goneRec.branchId}`)).status).toBe(200);
    const doc = JSON.parse((await run(other, 'list', ['--json'])).stdout);
    expect(validate(schema('runtime-list'), doc)).toEqual([]);
    const state = Object.fromEntries(
      doc.branches.map((x: { gitBranch: string; state: string }) => [x.gitBranch, x.state]),
    );
    expect(state).toEqual({ kept: 'kept', orphan: 'orphaned', gone: 'gone' });
    expect(doc.branches.every((x: { schemaChanged: null }) => x.schemaChanged === null)).toBe(true);
    const table = (await run(other, 'list')).stdout;
    expect(table).toMatch(/\.claude\/worktrees\/orphan \(gone\) +orphan \(deleted\) +agents\/\S+ .* orphaned\n/);
  });

  it('refuses, naming the fix: unknown option, no credentials', async () => {
    const bad = await run(repo, 'list', ['--yes']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/list: unknown option "--yes"; it takes --json, --schema/);
    const badJson = await run(repo, 'list', ['--json', '--all']);
    expect(badJson.code).toBe(2);
    expect(validate(schema('runtime-list'), JSON.parse(badJson.stdout))).toEqual([]);
    const { NEON_API_KEY: _key, ...noKey } = suite.env;
    const noCreds = await run(repo, 'list', [], noKey);
    expect(noCreds.code).toBe(1);
    expect(noCreds.stderr).toMatch(/list: no Neon credentials/);
  });
});
