// Other tools' setup and teardown, with real git against the local Neon: `release` (Codex's cleanup script,
// Conductor's archive script, worktrunk's remove hooks), `session-start` (Claude Code's SessionStart hook), and
// worktree directories that another session uses again (Claude Code desktop's pool, Codex's reused paths).
// In-process through testContext, and through the bundled runtime where the hook wiring (stdin, stdout) matters.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ensure } from '../../src/runtime/commands/ensure.ts';
import { prune } from '../../src/runtime/commands/prune.ts';
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

describe('a directory that another session uses again', () => {
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
});
