// Other tools' setup and teardown, with real git against the local Neon: `release` (Codex's cleanup script,
// Conductor's archive script, worktrunk's remove hooks), `session-start` (Claude Code's SessionStart hook), and
// worktree directories that another session uses again (Claude Code desktop's pool, Codex's reused paths).
// In-process through testContext, and through the bundled runtime where the hook wiring (stdin, stdout) matters.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensure } from '../../src/runtime/commands/ensure.ts';
import { prune } from '../../src/runtime/commands/prune.ts';
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

  it('the earlier session committed: its branch is kept for review, and prune offers it once its git branch is gone', async () => {
    const repo = await makeRepo({ envText: `DATABASE_URL=${suite.mainUrl}\n` }); // with the git hook, as the CLI has
    const dir = path.join(repo, '.claude/worktrees/pooled');
    const withHook = (cwd: string, ...args: string[]) => expect(sh(cwd, 'git', args, suite.env).code).toBe(0);
    withHook(repo, 'worktree', 'add', '-q', '-b', 'first', dir); // our post-checkout provisions it
    const recA = recordOf(repo, (r) => r.gitBranch === 'first')!;
    const hook = (id: string) =>
      sessionStartHook(repo, { session_id: id, cwd: dir, hook_event_name: 'SessionStart', source: 'startup' });
    expect(hook('A').code).toBe(0);
    commit(dir, 'a.txt');
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
      /kept the earlier session's Neon branch \S+\/first for review \(1 commit\(s\) on first\); `prune` offers it once first, second are gone/,
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
