// Every runtime command called in-process with a test context (cwd, environment, arguments, stdin text, captured
// stderr and stdout) against the local Neon: the behaviour the bundled runtime has, and no state carried from one
// call to the next (the caches live in the context).
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCommand } from '../../src/runtime/commands/index.ts';
import { ensure } from '../../src/runtime/commands/ensure.ts';
import { postCheckout } from '../../src/runtime/commands/post-checkout.ts';
import { prune } from '../../src/runtime/commands/prune.ts';
import { status } from '../../src/runtime/commands/status.ts';
import { worktreeCreate } from '../../src/runtime/commands/worktree-create.ts';
import { worktreeRemove } from '../../src/runtime/commands/worktree-remove.ts';
import type { BranchRecord } from '../../src/runtime/state.ts';
import { parsePgUrl } from '../../src/shared/db-targets.ts';
import { parseEnv } from '../../src/shared/env-file.ts';
import { NULL_SHA } from '../../src/shared/naming.ts';
import { branchRecords, testContext } from './context.ts';
import { git, makeRepo, readEnv, useRuntimeSuite } from './helpers.ts';

const suite = useRuntimeSuite();
const ln = suite.ln;

/** A repository with the setup committed and no hooks at all: every command here is called by the test itself. */
const repoWithMainDb = (envText = `DATABASE_URL=${suite.mainUrl}\n`) => makeRepo({ envText, gitHook: false });

/** A worktree made with hooks off (as Codex or Conductor make them): nothing has provisioned it. */
function plainWorktree(repo: string, name: string): string {
  const wt = path.join(repo, '.claude/worktrees', name);
  git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  return wt;
}

const envUrl = (file: string) => parseEnv(readEnv(file) ?? '').get('DATABASE_URL');
const recordFor = (repo: string, gitBranch: string) => branchRecords(repo).find((r) => r.gitBranch === gitBranch)!;

/** `url` reaches the record's Neon branch (by its endpoint), which is not the project's default branch. */
async function expectOwnBranch(url: string | undefined, rec: BranchRecord): Promise<void> {
  expect(url).toBeDefined();
  expect(url).not.toBe(suite.mainUrl);
  const endpoint = parsePgUrl(url!)?.endpointId;
  expect(endpoint).toBeTruthy();
  expect(endpoint).not.toBe(parsePgUrl(suite.mainUrl)?.endpointId);
  const branch = (await ln.local.listBranches()).find((b) => b.endpointIds.includes(endpoint!));
  expect(branch?.id).toBe(rec.branchId);
  expect(branch?.name).toBe(rec.neonBranch);
  expect(branch?.default).toBe(false);
  expect((await ln.query(url!, 'select 1 as one'))[0].one).toBe(1);
}

const neonBranchExists = async (id: string) => (await ln.local.listBranches()).some((b) => b.id === id);

describe('worktree-create and worktree-remove, in-process', () => {
  it('creates a worktree on its own Neon branch, prints its path, and removes both', async () => {
    const repo = await repoWithMainDb();
    const env = { ...suite.env, CLAUDE_PROJECT_DIR: repo };
    const create = testContext({ cwd: repo, env, stdin: JSON.stringify({ cwd: repo, name: 'in/proc' }) });
    expect(await worktreeCreate(create.ctx), create.stderr()).toBe(0);
    const wt = path.join(repo, '.claude/worktrees/in+proc');
    expect(create.stdout()).toBe(`${wt}\n`);
    expect(git(wt, 'rev-parse', '--abbrev-ref', 'HEAD')).toBe('worktree-in+proc');
    expect(create.stderr()).toMatch(/^neon-agents: created Neon branch agents\/[0-9a-f]{8}\/worktree-in-proc/m);
    expect(create.stdinReads()).toBe(1);
    const rec = recordFor(repo, 'worktree-in+proc');
    expect(rec.worktreePath).toBe(wt);
    await expectOwnBranch(envUrl(path.join(wt, '.env')), rec);
    expect(readEnv(path.join(repo, '.env'))).toBe(`DATABASE_URL=${suite.mainUrl}\n`); // the main checkout keeps its own

    const remove = testContext({ cwd: repo, env, stdin: JSON.stringify({ worktree_path: wt }) });
    expect(await worktreeRemove(remove.ctx)).toBe(0);
    expect(remove.stderr()).toMatch(/removed worktree .*\n.*deleted Neon branch .*no commits beyond its base/);
    expect(remove.stdout()).toBe('');
    expect(fs.existsSync(wt)).toBe(false);
    expect(await neonBranchExists(rec.branchId)).toBe(false);
    expect(branchRecords(repo)).toEqual([]);
  });

  it('malformed stdin: worktree-create fails with one line and makes nothing; worktree-remove removes nothing', async () => {
    const repo = await repoWithMainDb();
    const env = { ...suite.env, CLAUDE_PROJECT_DIR: repo };
    const bad = testContext({ cwd: repo, env, stdin: '{not json' });
    await expect(worktreeCreate(bad.ctx)).rejects.toThrow(/malformed JSON/);
    // Through the command table, as the process runs it: exit 1, the reason in one line, nothing on stdout.
    const viaTable = testContext({ cwd: repo, env, stdin: '{not json' });
    expect(await runCommand(viaTable.ctx, 'worktree-create')).toBe(1);
    expect(viaTable.stderr()).toBe('neon-agents: expected the hook JSON on stdin, got malformed JSON\n');
    expect(viaTable.stdout()).toBe('');
    const notObject = testContext({ cwd: repo, env, stdin: '[1]' });
    expect(await runCommand(notObject.ctx, 'worktree-create')).toBe(1);
    expect(notObject.stderr()).toMatch(/expected a JSON object on stdin/);
    expect(fs.existsSync(path.join(repo, '.claude/worktrees'))).toBe(false);
    const remove = testContext({ cwd: repo, env, stdin: '' });
    expect(await runCommand(remove.ctx, 'worktree-remove')).toBe(0);
    expect(remove.stderr()).toMatch(/^neon-agents: worktree-remove: .*malformed JSON; nothing removed\n$/);
    const unknown = testContext({ cwd: repo, env });
    expect(await runCommand(unknown.ctx, 'worktree-make')).toBe(2);
    expect(unknown.stderr()).toBe('neon-agents: unknown command "worktree-make"; see --help\n');
  });
});

describe('post-checkout, in-process', () => {
  it('a new worktree (null sha) gets its own branch; flag 0 and NEON_AGENTS_SKIP_HOOK do nothing', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'pc-new');
    const head = git(wt, 'rev-parse', 'HEAD');
    const skipped = testContext({
      cwd: wt,
      env: { ...suite.env, NEON_AGENTS_SKIP_HOOK: '1' },
      argv: [NULL_SHA, head, '1'],
    });
    expect(await postCheckout(skipped.ctx)).toBe(0);
    const fileCheckout = testContext({ cwd: wt, env: suite.env, argv: [NULL_SHA, head, '0'] });
    expect(await postCheckout(fileCheckout.ctx)).toBe(0);
    expect(`${skipped.stderr()}${fileCheckout.stderr()}`).toBe('');
    expect(branchRecords(repo)).toEqual([]);

    const hook = testContext({ cwd: wt, env: suite.env, argv: [NULL_SHA, head, '1'] });
    expect(await postCheckout(hook.ctx)).toBe(0);
    expect(hook.stderr()).toMatch(/created Neon branch/);
    const rec = recordFor(repo, 'pc-new');
    expect(rec.baseSha).toBe(head);
    await expectOwnBranch(envUrl(path.join(wt, '.env')), rec);
  });

  it("a branch switch in the main checkout visits an agent branch's database and restores its own file byte for byte", async () => {
    const mainEnv = `# ours\nexport DATABASE_URL="${suite.mainUrl}"\nOTHER=1\n`;
    const repo = await repoWithMainDb(mainEnv);
    const wt = plainWorktree(repo, 'review-me');
    expect(await ensure(testContext({ cwd: wt, env: suite.env }).ctx)).toBe(0);
    const rec = recordFor(repo, 'review-me');
    git(repo, 'worktree', 'remove', wt);
    const before = git(repo, 'rev-parse', 'HEAD');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'review-me');
    const visit = testContext({ cwd: repo, env: suite.env, argv: [before, git(repo, 'rev-parse', 'HEAD'), '1'] });
    expect(await postCheckout(visit.ctx)).toBe(0);
    expect(visit.stderr()).toMatch(/review-me: using Neon branch/);
    const visiting = readEnv(path.join(repo, '.env'))!;
    await expectOwnBranch(parseEnv(visiting).get('DATABASE_URL'), rec);
    expect(visiting).toContain('export DATABASE_URL="');
    git(repo, '-c', 'core.hooksPath=/dev/null', 'checkout', '-q', 'main');
    const back = testContext({ cwd: repo, env: suite.env, argv: [before, before, '1'] });
    expect(await postCheckout(back.ctx)).toBe(0);
    expect(back.stderr()).toMatch(/main: restored the main checkout's own database values/);
    expect(readEnv(path.join(repo, '.env'))).toBe(mainEnv);
  });
});

describe('ensure, status and prune, in-process', () => {
  it('ensure provisions a worktree made without hooks; in the main checkout it only says what it is for', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'tool');
    const call = testContext({ cwd: wt, env: suite.env });
    expect(await ensure(call.ctx)).toBe(0);
    await expectOwnBranch(envUrl(path.join(wt, '.env')), recordFor(repo, 'tool'));
    const n = (await ln.local.listBranches()).length;
    expect(await ensure(testContext({ cwd: wt, env: suite.env }).ctx)).toBe(0); // idempotent
    expect((await ln.local.listBranches()).length).toBe(n);
    const inMain = testContext({ cwd: repo, env: suite.env });
    expect(await ensure(inMain.ctx)).toBe(0);
    expect(inMain.stderr()).toMatch(/this is the main checkout: .*`ensure` is for linked worktrees/);
  });

  it('status reports the branch the worktree uses, asks Neon unless --offline, and fails where there is none', async () => {
    const repo = await repoWithMainDb();
    const wt = plainWorktree(repo, 'st');
    const before = testContext({ cwd: wt, env: suite.env });
    expect(await status(before.ctx)).toBe(1); // no database of its own yet
    expect(before.stdout()).toMatch(/neon branch: +none yet \(would be agents\/[0-9a-f]{8}\/st\)/);
    expect(await ensure(testContext({ cwd: wt, env: suite.env }).ctx)).toBe(0);
    const rec = recordFor(repo, 'st');
    const online = testContext({ cwd: wt, env: suite.env });
    expect(await status(online.ctx), online.stdout()).toBe(0);
    expect(online.stdout()).toContain(`neon branch:  ${rec.neonBranch} (${rec.branchId}`);
    expect(online.stdout()).toMatch(/created for this worktree; env file points at it/);
    expect(online.stdout()).toMatch(/shared db: +no env value of this worktree reaches the main checkout's database/);
    expect(online.stdout()).toMatch(/in Neon: +the branch exists/);
    const offline = testContext({ cwd: wt, env: suite.env, argv: ['--offline'] });
    expect(await status(offline.ctx)).toBe(0);
    expect(offline.stdout()).not.toMatch(/in Neon:/);
    expect((await ln.api('DELETE', `/projects/${ln.local.projectId}/branches/${rec.branchId}`)).status).toBe(200);
    const missing = testContext({ cwd: wt, env: suite.env });
    expect(await status(missing.ctx)).toBe(1);
    expect(missing.stdout()).toMatch(/in Neon: +MISSING \(expired or deleted\)/);
  });

  it('prune lists an orphan (git branch and worktree gone), then deletes it with --yes', async () => {
    const repo = await repoWithMainDb();
    const keep = plainWorktree(repo, 'keep');
    const gone = plainWorktree(repo, 'gone');
    for (const wt of [keep, gone]) expect(await ensure(testContext({ cwd: wt, env: suite.env }).ctx)).toBe(0);
    const orphan = recordFor(repo, 'gone');
    git(repo, 'worktree', 'remove', '--force', gone);
    git(repo, 'branch', '-D', 'gone');
    const list = testContext({ cwd: repo, env: suite.env });
    expect(await prune(list.ctx)).toBe(0);
    expect(list.stdout()).toBe(
      `orphan ${orphan.neonBranch} (${orphan.branchId}; git branch gone and worktree ${gone} are gone)\n`,
    );
    expect(list.stderr()).toMatch(/1 orphaned Neon branch\(es\); delete them with: .* prune --yes/);
    expect(await neonBranchExists(orphan.branchId)).toBe(true);
    const del = testContext({ cwd: repo, env: suite.env, argv: ['--yes'] });
    expect(await prune(del.ctx), del.stderr()).toBe(0);
    expect(del.stdout()).toMatch(/^deleting /);
    expect(del.stderr()).toMatch(/deleted 1 Neon branch\(es\)/);
    expect(await neonBranchExists(orphan.branchId)).toBe(false);
    expect(await neonBranchExists(recordFor(repo, 'keep').branchId)).toBe(true);
    const none = testContext({ cwd: repo, env: suite.env });
    expect(await prune(none.ctx)).toBe(0);
    expect(none.stderr()).toBe('neon-agents: no orphaned Neon branches from this clone\n');
  });
});

describe('one process, several calls', () => {
  it('each context finds its own repository, its own records and its own deadline', async () => {
    const repoA = await repoWithMainDb();
    const repoB = await repoWithMainDb();
    const wtA = plainWorktree(repoA, 'same-name');
    const wtB = plainWorktree(repoB, 'same-name');
    // status reads the worktree list and takes no lock: a list kept in a module would hand B repository A's.
    for (const [wt, repo] of [
      [wtA, repoA],
      [wtB, repoB],
    ]) {
      const st = testContext({ cwd: wt, env: suite.env, argv: ['--offline'] });
      expect(await status(st.ctx)).toBe(1);
      expect(st.stdout()).toContain(`checkout:     ${wt} (linked worktree)`);
      expect(st.stdout()).toContain(`run: node ${repo}/.claude/hooks/neon-worktree.mjs ensure`);
      expect(st.ctx.mainRoot()).toBe(repo);
    }
    const a = testContext({ cwd: wtA, env: suite.env });
    expect(await ensure(a.ctx)).toBe(0);
    const b = testContext({ cwd: wtB, env: suite.env });
    expect(await ensure(b.ctx)).toBe(0);
    const recA = recordFor(repoA, 'same-name');
    const recB = recordFor(repoB, 'same-name');
    expect(recB.branchId).not.toBe(recA.branchId);
    expect(
      b.ctx
        .records()
        .all()
        .map((r) => r.branchId),
    ).toEqual([recB.branchId]);
    await expectOwnBranch(envUrl(path.join(wtA, '.env')), recA);
    await expectOwnBranch(envUrl(path.join(wtB, '.env')), recB);
    // The deadline counts from the context's start, not the module's: one started long ago is out of time at once.
    const wtC = plainWorktree(repoA, 'late');
    const late = testContext({ cwd: wtC, env: suite.env, startedAt: Date.now() - 3_600_000 });
    expect(await ensure(late.ctx)).toBe(1);
    expect(late.stderr()).toMatch(
      /FAILED to give this worktree its own Neon branch: Neon did not finish .* within 60s/,
    );
    expect(envUrl(path.join(wtC, '.env'))).toBeUndefined();
    const fresh = testContext({ cwd: wtC, env: suite.env });
    expect(await ensure(fresh.ctx)).toBe(0);
    await expectOwnBranch(envUrl(path.join(wtC, '.env')), recordFor(repoA, 'late'));
  });

  it('stdin is read once, lazily, and the context caches what it computed', async () => {
    const repo = await repoWithMainDb();
    const call = testContext({ cwd: repo, env: suite.env, stdin: '{"name":"x"}' });
    expect(call.stdinReads()).toBe(0);
    expect(call.ctx.stdin()).toBe('{"name":"x"}');
    expect(call.ctx.stdin()).toBe('{"name":"x"}');
    expect(call.stdinReads()).toBe(1);
    expect(call.ctx.checkout()).toBe(call.ctx.checkout());
    expect(call.ctx.answers()).toBe(call.ctx.answers());
    expect(call.ctx.answers()?.envFile).toBe('.env');
    expect(call.ctx.records()).toBe(call.ctx.at(repo).records()); // one clone, one store
  });
});
