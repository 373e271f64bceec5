// Other tools' setup and teardown, with real git against the local Neon: `release` (Codex's cleanup script,
// Conductor's archive script, worktrunk's remove hooks), `session-start` (Claude Code's SessionStart hook), and
// worktree directories that another session uses again (Claude Code desktop's pool, Codex's reused paths).
// In-process through testContext, and through the bundled runtime where the hook wiring (stdin, stdout) matters.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensure } from '../../src/runtime/commands/ensure.ts';
import { prune } from '../../src/runtime/commands/prune.ts';
import { release } from '../../src/runtime/commands/release.ts';
import { sessionStart } from '../../src/runtime/commands/session-start.ts';
import type { BranchRecord } from '../../src/runtime/state.ts';
import { parsePgUrl } from '../../src/shared/db-targets.ts';
import { parseEnv } from '../../src/shared/env-file.ts';
import { branchRecords, testContext } from './context.ts';
import { git, makeRepo, readEnv, sh, tmpdir, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;
const RT = '.claude/hooks/neon-worktree.mjs';

/** A repository with the setup committed and no git hook: each test calls the runtime itself. */
const repoWithMainDb = () => makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n`, gitHook: false });

/** A worktree made with hooks off (as Codex, Conductor and Claude desktop make them): nothing provisioned it. */
function plainWorktree(repo: string, name: string): string {
  const wt = path.join(repo, '.claude/worktrees', name);
  git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  return wt;
}

const envUrl = (dir: string) => parseEnv(readEnv(path.join(dir, '.env')) ?? '').get('DATABASE_URL');
const recordOf = (repo: string, pred: (r: BranchRecord) => boolean) => branchRecords(repo).find(pred);
const neonBranchExists = async (id: string) => (await ln.local.listBranches()).some((b) => b.id === id);
/** The Neon branch a URL reaches (by its endpoint). */
const branchOfUrl = async (url: string | undefined) =>
  (await ln.local.listBranches()).find((b) => url && b.endpointIds.includes(parsePgUrl(url)?.endpointId ?? '-'));
/** How many Neon API requests the local Neon has answered so far. */
const requestCount = () => ln.local.requests.length;
/** The branch creations among the requests since `from` (requestCount()). */
const createsSince = (from: number) =>
  ln.local.requests.slice(from).filter((q) => q.method === 'POST' && /\/branches$/.test(q.path)).length;
const commit = (dir: string, file: string) => {
  fs.writeFileSync(path.join(dir, file), file);
  git(dir, 'add', file);
  git(dir, 'commit', '-q', '-m', file);
};
const inGitWorktreeList = (repo: string, wt: string) =>
  git(repo, 'worktree', 'list', '--porcelain').split('\n').includes(`worktree ${wt}`);

async function ensured(wt: string): Promise<BranchRecord> {
  const call = testContext({ cwd: wt, env: suite.env });
  expect(await ensure(call.ctx), call.stderr()).toBe(0);
  const rec = call.ctx.records().ofWorktree(wt);
  expect(rec).not.toBeNull();
  return rec!;
}

/** The SessionStart hook through the bundled runtime, as Claude Code runs it (JSON on stdin). */
function sessionStartHook(repo: string, input: Record<string, unknown>) {
  return sh(
    String(input.cwd ?? repo),
    'node',
    [path.join(repo, RT), 'session-start'],
    suite.env,
    JSON.stringify(input),
  );
}

describe('release', () => {
  it("deletes this worktree's Neon branch and record, leaves git alone, and then has nothing to release", async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'rel');
    const rec = await ensured(wt);
    const call = testContext({ cwd: wt, env: suite.env });
    expect(await release(call.ctx)).toBe(0);
    expect(call.stderr()).toMatch(
      new RegExp(`^neon-agents: released Neon branch ${rec.neonBranch} of ${wt} \\(no commits beyond its base\\)`),
    );
    expect(call.stderr().split('\n')).toHaveLength(2); // one line
    expect(call.stdout()).toBe('');
    expect(await neonBranchExists(rec.branchId)).toBe(false);
    expect(branchRecords(repo)).toEqual([]);
    // git is untouched: the worktree, its branch and its files are there; only its database values are gone.
    expect(inGitWorktreeList(repo, wt)).toBe(true);
    expect(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('rel');
    expect(fs.existsSync(path.join(wt, 'README.md'))).toBe(true);
    expect(envUrl(wt)).toBeUndefined();
    expect(readEnv(path.join(wt, '.env'))).toMatch(/# neon-agents: .*was released.* ensure/);

    const again = testContext({ cwd: wt, env: suite.env });
    expect(await release(again.ctx)).toBe(0);
    expect(again.stderr()).toBe(
      `neon-agents: nothing to release: this clone made no Neon branch for the worktree at ${wt}\n`,
    );
    const inMain = testContext({ cwd: repo, env: suite.env });
    expect(await release(inMain.ctx)).toBe(0);
    expect(inMain.stderr()).toMatch(
      /^neon-agents: nothing to release: .* is the main checkout, which keeps its own database\n$/,
    );
  });

  it('keeps a branch whose git branch has commits and whose schema changed, says how to delete it, and --force deletes it', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'worked');
    const rec = await ensured(wt);
    commit(wt, 'work.txt');
    await suite.ln.query(envUrl(wt)!, 'create table reviewed (id int)');
    const keep = testContext({ cwd: wt, env: suite.env });
    expect(await release(keep.ctx)).toBe(0);
    expect(keep.stderr()).toMatch(
      new RegExp(
        `^neon-agents: kept Neon branch ${rec.neonBranch}: 1 commit\\(s\\) on worked to review and a changed schema; delete it later with: node ${repo}/${RT} release --force --path ${wt} .*\n$`,
      ),
    );
    expect(await neonBranchExists(rec.branchId)).toBe(true);
    expect(envUrl(wt)).toBeDefined();
    const force = testContext({ cwd: repo, env: suite.env, argv: ['--force', '--path', wt] });
    expect(await release(force.ctx)).toBe(0);
    expect(force.stderr()).toMatch(/released Neon branch .* \(--force\)/);
    expect(await neonBranchExists(rec.branchId)).toBe(false);
  });

  it('--path, and the JSON a tool pipes (worktrunk), also for a worktree the tool already removed', async () => {
    const repo = await repoWithMainDb();
    const [byPath, byJson, removed] = ['by-path', 'by-json', 'removed'].map((n) => plainWorktree(repo, n));
    const recs = [];
    for (const wt of [byPath, byJson, removed]) recs.push(await ensured(wt));
    const call1 = testContext({ cwd: repo, env: suite.env, argv: [`--path=${path.relative(repo, byPath)}`] });
    expect(await release(call1.ctx)).toBe(0);
    expect(call1.stderr()).toMatch(/released Neon branch/);
    // worktrunk: its hook variables as JSON on stdin, run from the primary worktree.
    const wtJson = JSON.stringify({ worktree_path: byJson, branch: 'by-json', hook_type: 'pre-remove' });
    const call2 = testContext({ cwd: repo, env: suite.env, stdin: wtJson });
    expect(await release(call2.ctx)).toBe(0);
    expect(call2.stderr()).toMatch(new RegExp(`released Neon branch ${recs[1]!.neonBranch} of ${byJson} `));
    // post-remove: the worktree is gone by now; its record is found by the path it had.
    git(repo, 'worktree', 'remove', '--force', removed);
    const r = sh(repo, 'node', [RT, 'release'], suite.env, JSON.stringify({ worktree_path: removed }));
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(new RegExp(`released Neon branch ${recs[2]!.neonBranch} of ${removed} `));
    for (const rec of recs) expect(await neonBranchExists(rec.branchId)).toBe(false);
    expect(branchRecords(repo)).toEqual([]);
    for (const wt of [byPath, byJson]) expect(inGitWorktreeList(repo, wt)).toBe(true);
    // worktrunk's post-remove after `wt remove` also deleted the merged git branch: nothing is left to review.
    const merged = plainWorktree(repo, 'merged');
    const mergedRec = await ensured(merged);
    git(repo, 'worktree', 'remove', '--force', merged);
    git(repo, 'branch', '-D', 'merged');
    const post = testContext({ cwd: repo, env: suite.env, stdin: JSON.stringify({ worktree_path: merged }) });
    expect(await release(post.ctx)).toBe(0);
    expect(post.stderr()).toMatch(/released Neon branch .* \(its worktree and git branch are gone\)\n$/);
    expect(await neonBranchExists(mergedRec.branchId)).toBe(false);
  });

  it('a stdin pipe nobody writes to or closes does not hold it up: it releases the worktree it runs in', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'open-stdin');
    const rec = await ensured(wt);
    const t0 = Date.now();
    const child = spawn('node', [path.join(repo, RT), 'release'], { cwd: wt, env: { ...process.env, ...suite.env } });
    let stderr = '';
    child.stderr.on('data', (d) => (stderr += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve)); // stdin never ended
    expect(code).toBe(0);
    expect(Date.now() - t0).toBeLessThan(15_000);
    expect(stderr).toMatch(/released Neon branch/);
    expect(await neonBranchExists(rec.branchId)).toBe(false);
  });

  it("never deletes what is not this worktree's, and a Neon failure is one line and exit 0", async () => {
    const repo = await repoWithMainDb();
    const own = plainWorktree(repo, 'has-one');
    const none = plainWorktree(repo, 'has-none');
    const rec = await ensured(own);
    const call = testContext({ cwd: none, env: suite.env });
    expect(await release(call.ctx)).toBe(0);
    expect(call.stderr()).toMatch(/nothing to release: this clone made no Neon branch for the worktree at .*has-none/);
    // A record another clone wrote (copied over, or a teammate's name): not this clone's to delete.
    const foreign = path.join(repo, '.git/neon-agents/branches/foreign.json');
    fs.writeFileSync(
      foreign,
      JSON.stringify({ ...rec, neonBranch: 'agents/abcd1234/has-none', gitBranch: 'has-none', worktreePath: none }),
    );
    const call2 = testContext({ cwd: none, env: suite.env, argv: ['--force'] });
    expect(await release(call2.ctx)).toBe(0);
    expect(call2.stderr()).toMatch(/nothing to release/);
    fs.rmSync(foreign);
    expect(await neonBranchExists(rec.branchId)).toBe(true);
    const outside = testContext({ cwd: tmpdir(), env: suite.env, argv: ['--path', path.join(tmpdir(), 'gone')] });
    expect(await release(outside.ctx)).toBe(0);
    expect(outside.stderr()).toMatch(/^neon-agents: nothing to release: .*gone does not exist/);

    ln.local.failNext({ method: 'DELETE', path: /\/branches\//, status: 500, times: 5 });
    const failing = testContext({ cwd: own, env: suite.env });
    expect(await release(failing.ctx)).toBe(0);
    ln.local.clearFailures();
    expect(failing.stderr()).toMatch(
      new RegExp(
        `^neon-agents: could not delete Neon branch ${rec.neonBranch} \\(.*HTTP 500.*\\); it expires .*prune.*\n$`,
      ),
    );
    expect(await neonBranchExists(rec.branchId)).toBe(true);
    expect(recordOf(repo, (r) => r.branchId === rec.branchId)).toBeDefined();
    expect(envUrl(own)).toBeDefined(); // its branch still exists, so its URL stays
  });
});

describe('session-start', () => {
  it('in the main checkout and outside any repository: nothing at all, and no Neon request', async () => {
    const repo = await repoWithMainDb();
    const before = requestCount();
    for (const dir of [repo, tmpdir()]) {
      const r = sessionStartHook(repo, {
        session_id: 's1',
        cwd: dir,
        hook_event_name: 'SessionStart',
        source: 'startup',
      });
      expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    }
    expect(requestCount()).toBe(before);
    expect(readEnv(path.join(repo, '.env'))).toBe(`DATABASE_URL=${suite.mainUrl}\n`);
  });

  it('provisions a fresh linked worktree; resumed, cleared or compacted it makes no Neon request; stdout stays empty', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'desk');
    fs.copyFileSync(path.join(repo, '.env'), path.join(wt, '.env')); // what .worktreeinclude would copy
    const start = { session_id: 'sess-1', cwd: wt, hook_event_name: 'SessionStart', source: 'startup' };
    const r = sessionStartHook(repo, start);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/created Neon branch agents\/[0-9a-f]{8}\/desk/);
    const rec = recordOf(repo, (x) => x.gitBranch === 'desk')!;
    expect(rec.sessionId).toBe('sess-1');
    expect(rec.baseSha).toBe(git(wt, 'rev-parse', 'HEAD'));
    expect((await branchOfUrl(envUrl(wt)))?.id).toBe(rec.branchId);
    const before = requestCount();
    for (const source of ['resume', 'clear', 'compact']) {
      const again = sessionStartHook(repo, { ...start, source });
      expect(again.code, again.stderr).toBe(0);
      expect(again.stdout).toBe('');
    }
    expect(requestCount()).toBe(before);
    // A new session on the same git branch (the CLI started again there): the same branch, which Neon is asked about.
    const restart = sessionStartHook(repo, { ...start, session_id: 'sess-2' });
    expect(restart.code, restart.stderr).toBe(0);
    expect(restart.stdout).toBe('');
    expect(requestCount()).toBeGreaterThan(before);
    expect(createsSince(before)).toBe(0);
    expect(recordOf(repo, (x) => x.gitBranch === 'desk')).toMatchObject({
      branchId: rec.branchId,
      sessionId: 'sess-2',
    });
  });

  it('fails closed: no URL of the shared database, the reason in one line on stderr, exit 1', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'broken');
    fs.copyFileSync(path.join(repo, '.env'), path.join(wt, '.env'));
    ln.local.failNext({ method: 'POST', path: /\/branches$/, status: 500, times: 10 });
    const r = sessionStartHook(repo, { session_id: 's', cwd: wt, hook_event_name: 'SessionStart', source: 'startup' });
    ln.local.clearFailures();
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toMatch(/^neon-agents: FAILED to give this worktree its own Neon branch: .*HTTP 500.*ensure\n$/);
    expect(envUrl(wt)).toBeUndefined();
    const bad = sh(wt, 'node', [path.join(repo, RT), 'session-start'], suite.env, '{not json');
    expect(bad).toMatchObject({ code: 1, stdout: '' });
    expect(bad.stderr).toMatch(/^neon-agents: expected the hook JSON on stdin, got malformed JSON\n$/);
  });
});

describe('a directory that another session uses again', () => {
  it("Claude desktop's pool: a new session on another git branch gets a fresh branch, never the earlier one's data", async () => {
    const repo = await repoWithMainDb();
    const dir = plainWorktree(repo, 'session-a');
    const startA = testContext({
      cwd: dir,
      env: suite.env,
      stdin: JSON.stringify({ session_id: 'A', cwd: dir, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    expect(await sessionStart(startA.ctx), startA.stderr()).toBe(0);
    const recA = recordOf(repo, (r) => r.gitBranch === 'session-a')!;
    await ln.query(envUrl(dir)!, 'create table from_session_a (id int); insert into from_session_a values (1)');
    // The pool leases the directory to the next session, which checks out its own branch there.
    git(dir, 'checkout', '-q', '-b', 'session-b', 'main');
    const startB = testContext({
      cwd: dir,
      env: suite.env,
      stdin: JSON.stringify({ session_id: 'B', cwd: dir, hook_event_name: 'SessionStart', source: 'startup' }),
    });
    expect(await sessionStart(startB.ctx), startB.stderr()).toBe(0);
    expect(startB.stdout()).toBe('');
    expect(startB.stderr()).toMatch(
      /this directory now holds another session \(session B started here, on another git branch\): deleted the earlier session's Neon branch .*session-a \(no commits beyond its base\)/,
    );
    const recB = recordOf(repo, (r) => r.gitBranch === 'session-b')!;
    expect(recB.sessionId).toBe('B');
    expect(recB.branchId).not.toBe(recA.branchId);
    const url = envUrl(dir);
    expect((await branchOfUrl(url))?.id).toBe(recB.branchId);
    expect((await ln.query(url!, "select to_regclass('public.from_session_a') as t"))[0].t).toBeNull();
    expect(await neonBranchExists(recA.branchId)).toBe(false);
  });

  it('without a session id (ensure): a HEAD on another line of history, on another git branch, is another session', async () => {
    const repo = await repoWithMainDb();
    const dir = plainWorktree(repo, 'line-a');
    const recA = await ensured(dir);
    git(dir, 'checkout', '-q', '--orphan', 'line-b');
    commit(dir, 'unrelated.txt'); // a root commit: HEAD no longer descends from where line-a's branch was made
    const call = testContext({ cwd: dir, env: suite.env });
    expect(await ensure(call.ctx), call.stderr()).toBe(0);
    expect(call.stderr()).toMatch(
      new RegExp(
        `another session \\(HEAD no longer descends from ${recA.baseSha!.slice(0, 12)}, where that branch was made\\): deleted`,
      ),
    );
    const recB = recordOf(repo, (r) => r.gitBranch === 'line-b')!;
    expect((await branchOfUrl(envUrl(dir)))?.id).toBe(recB.branchId);
    expect(await neonBranchExists(recA.branchId)).toBe(false);
  });

  it('the earlier session committed and changed its schema: its branch is kept for review, and prune offers it once its git branch is gone', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` }); // with the git hook, as the CLI has
    const dir = path.join(repo, '.claude/worktrees/pooled');
    const withHook = (cwd: string, ...args: string[]) => expect(sh(cwd, 'git', args, suite.env).code).toBe(0);
    withHook(repo, 'worktree', 'add', '-q', '-b', 'first', dir); // our post-checkout provisions it
    const recA = recordOf(repo, (r) => r.gitBranch === 'first')!;
    const hook = (id: string) =>
      sessionStartHook(repo, { session_id: id, cwd: dir, hook_event_name: 'SessionStart', source: 'startup' });
    expect(hook('A').code).toBe(0);
    commit(dir, 'a.txt');
    await suite.ln.query(envUrl(dir)!, 'create table reviewed (id int)'); // work with a schema change to review
    // The git hook makes the next session's branch an alias of the directory's branch (a branch switch keeps the
    // worktree's database); the new session still gets its own.
    withHook(dir, 'checkout', '-q', '-b', 'second', 'main');
    expect(recordOf(repo, (r) => r.gitBranch === 'first')?.aliases).toEqual(['second']);
    const b = hook('B');
    expect(b.code, b.stderr).toBe(0);
    expect(b.stdout).toBe('');
    const recB = recordOf(repo, (r) => r.gitBranch === 'second')!;
    expect(recB.branchId).not.toBe(recA.branchId);
    expect((await branchOfUrl(envUrl(dir)))?.id).toBe(recB.branchId);
    expect(await neonBranchExists(recA.branchId)).toBe(true);

    // Without an alias (Claude desktop runs no git hooks), both earlier records are left: the second session's is
    // deleted (no commits on its branch), the first one's kept (it has work), until prune may take it.
    git(dir, '-c', 'core.hooksPath=/dev/null', 'checkout', '-q', '-b', 'third', 'main');
    const c = hook('C');
    expect(c.code, c.stderr).toBe(0);
    expect(c.stdout).toBe('');
    expect(c.stderr).toMatch(/deleted the earlier session's Neon branch \S+\/second \(no commits beyond its base\)/);
    expect(c.stderr).toMatch(
      /kept the earlier session's Neon branch \S+\/first for review \(1 commit\(s\) on first and a changed schema\); `prune` offers it once first, second are gone/,
    );
    expect(await neonBranchExists(recB.branchId)).toBe(false);
    expect(await neonBranchExists(recA.branchId)).toBe(true);
    expect((await branchOfUrl(envUrl(dir)))?.id).toBe(recordOf(repo, (r) => r.gitBranch === 'third')!.branchId);
    git(repo, 'branch', '-D', 'first', 'second');
    const list = testContext({ cwd: repo, env: suite.env });
    expect(await prune(list.ctx)).toBe(0);
    expect(list.stdout()).toMatch(new RegExp(`^orphan ${recA.neonBranch} .*holds another session\\)\n$`));
  });

  it("Codex: a detached worktree gets its own branch; made again at the same path, a fresh one, never the old one's", async () => {
    const repo = await repoWithMainDb();
    const codexHome = tmpdir('na-codex-');
    const at = path.join(codexHome, 'worktrees/3fb1', path.basename(repo));
    const codexAdd = () => {
      // What Codex runs (its hooks off twice), then the setup script of .codex/environments/environment.toml.
      git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '--detach', '--no-checkout', at);
      git(at, 'reset', '-q', '--hard');
      return sh(at, 'sh', ['-c', `node "$CODEX_SOURCE_TREE_PATH/${RT}" ensure`], {
        ...suite.env,
        CODEX_SOURCE_TREE_PATH: repo,
        CODEX_WORKTREE_PATH: at,
      });
    };
    const first = codexAdd();
    expect(first.code, first.stderr).toBe(0);
    const old = recordOf(repo, (r) => r.worktreePath === at)!;
    expect(old.gitBranch).toMatch(new RegExp(`^detached-${path.basename(repo)}-[0-9a-f]{8}$`));
    expect((await branchOfUrl(envUrl(at)))?.id).toBe(old.branchId);
    await ln.query(envUrl(at)!, 'create table from_first_thread (id int)');

    git(repo, 'worktree', 'remove', '--force', at);
    git(repo, 'worktree', 'prune');
    const second = codexAdd();
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toMatch(
      /its worktree was removed and a new one made here.*kept the earlier session's Neon branch/,
    );
    const fresh = recordOf(repo, (r) => r.worktreePath === at && !r.vacatedAt)!;
    expect(fresh.branchId).not.toBe(old.branchId);
    const url = envUrl(at);
    expect((await branchOfUrl(url))?.id).toBe(fresh.branchId);
    expect((await ln.query(url!, "select to_regclass('public.from_first_thread') as t"))[0].t).toBeNull();
    // The old one waits for prune (its worktree is gone, and a detached HEAD has no git branch to keep it).
    const list = testContext({ cwd: repo, env: suite.env });
    expect(await prune(list.ctx)).toBe(0);
    expect(list.stdout()).toBe(
      `orphan ${old.neonBranch} (${old.branchId}; git branch ${old.gitBranch} is gone, and ${at} holds another session)\n`,
    );
    // A second Codex worktree, whose admin dir git names after the same repository: its own branch again.
    const other = path.join(codexHome, 'worktrees/9c2e', path.basename(repo));
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '--detach', other);
    expect(await ensure(testContext({ cwd: other, env: suite.env }).ctx)).toBe(0);
    const third = recordOf(repo, (r) => r.worktreePath === other)!;
    expect(new Set([old.branchId, fresh.branchId, third.branchId]).size).toBe(3);
  });

  it('records from an older runtime (no worktree id, no session, the old detached name) are kept', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'legacy');
    const rec = await ensured(wt);
    const file = path.join(
      repo,
      '.git/neon-agents/branches',
      fs.readdirSync(path.join(repo, '.git/neon-agents/branches'))[0]!,
    );
    const { worktreeId: _id, sessionId: _s, ...older } = JSON.parse(fs.readFileSync(file, 'utf8')) as BranchRecord;
    fs.writeFileSync(file, JSON.stringify({ ...older, baseSha: null }));
    const start = testContext({
      cwd: wt,
      env: suite.env,
      stdin: JSON.stringify({ session_id: 'new', cwd: wt, source: 'startup' }),
    });
    expect(await sessionStart(start.ctx), start.stderr()).toBe(0);
    expect(recordOf(repo, () => true)).toMatchObject({ branchId: rec.branchId, sessionId: 'new' });
    // A detached worktree provisioned by an older runtime, named after its admin dir: still its branch.
    const det = path.join(repo, '.claude/worktrees/det');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '--detach', det);
    const detRec = await ensured(det);
    fs.rmSync(path.join(repo, '.git/worktrees/det/neon-agents-worktree-id'));
    const recFile = fs
      .readdirSync(path.join(repo, '.git/neon-agents/branches'))
      .map((f) => path.join(repo, '.git/neon-agents/branches', f))
      .find((f) => JSON.parse(fs.readFileSync(f, 'utf8')).branchId === detRec.branchId)!;
    const { worktreeId: _w, ...detOlder } = JSON.parse(fs.readFileSync(recFile, 'utf8')) as BranchRecord;
    fs.writeFileSync(recFile, JSON.stringify({ ...detOlder, gitBranch: 'detached-det' })); // its admin dir's name
    const before = requestCount();
    expect(await ensure(testContext({ cwd: det, env: suite.env }).ctx)).toBe(0);
    expect(createsSince(before)).toBe(0);
    expect((await branchOfUrl(envUrl(det)))?.id).toBe(detRec.branchId);
  });
});
