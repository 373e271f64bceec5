// Re-running = upgrading: every three-way case across two template versions, the dirty-tree refusal, --check.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, rmSync } from 'node:fs';
import { cleanupTempDirs, git, makeRepo, read, runCli, tree, writeFiles } from '../helpers/repo.ts';
import { installOlderVersion, OLD_VERSION } from '../helpers/old-version.ts';

afterAll(cleanupTempDirs);

const FD = '.claude/agents/feature-developer.md';
const NEW_LINE = '1. Read the code around the feature first and follow the patterns you find';
const OLD_LINE = '1. Read the code first and follow its patterns';

/** A repo with the older release installed and committed. */
function olderSetup(): string {
  const repo = makeRepo();
  installOlderVersion(repo);
  git(repo, 'add', '-A');
  git(repo, 'commit', '-q', '-m', 'older create-neon-agents');
  return repo;
}
const upgrade = (repo: string, ...args: string[]) => runCli(repo, ['--yes', '--no-verify', ...args]);

describe('re-running upgrades what an older version wrote', () => {
  it('re-uses the recorded answers without asking, and replaces a file the user never touched', async () => {
    const repo = olderSetup();
    expect(read(repo, FD)).toContain(OLD_LINE);
    const r = await upgrade(repo);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, FD)).toContain(NEW_LINE);
    expect(r.stdout).toMatch(/update\s+\.claude\/agents\/feature-developer\.md\s+new version/);
    const manifest = JSON.parse(read(repo, '.claude/neon-agents.json'));
    expect(manifest.version).not.toBe(OLD_VERSION);
    expect(manifest.answers.projectId).toBe('winter-sun-12345678');
  });

  it("keeps the user's edits when the template did not change", async () => {
    const repo = olderSetup();
    const edited = read(repo, '.claude/agents/data-optimizer.md').replace(
      'You are a data optimizer.',
      'You are our DBA.',
    );
    writeFiles(repo, { '.claude/agents/data-optimizer.md': edited });
    git(repo, 'commit', '-qam', 'our edits');
    const r = await upgrade(repo);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(read(repo, '.claude/agents/data-optimizer.md')).toBe(edited);
    expect(r.stdout).toMatch(/skip\s+\.claude\/agents\/data-optimizer\.md\s+kept your edits/);
  });

  it('merges edits and template changes that do not overlap', async () => {
    const repo = olderSetup();
    const edited = read(repo, FD).replace('## Your report', '## Your report (keep it short)');
    writeFiles(repo, { [FD]: edited });
    git(repo, 'commit', '-qam', 'our edits');
    const r = await upgrade(repo);
    expect(r.exitCode, r.stderr).toBe(0);
    const merged = read(repo, FD);
    expect(merged).toContain('## Your report (keep it short)');
    expect(merged).toContain(NEW_LINE);
    expect(merged).not.toContain('<<<<<<<');
    expect(r.stdout).toMatch(/update\s+\.claude\/agents\/feature-developer\.md\s+merged your edits/);
    // The next upgrade treats the merged file as edited, and keeps it.
    const again = await upgrade(repo);
    expect(again.exitCode).toBe(0);
    expect(read(repo, FD)).toBe(merged);
  });

  it('writes standard conflict markers when they overlap, lists them, exits 1, and writes everything else', async () => {
    const repo = olderSetup();
    writeFiles(repo, { [FD]: read(repo, FD).replace(OLD_LINE, '1. Read ALL the code first and follow its patterns') });
    git(repo, 'commit', '-qam', 'our edits');
    const r = await upgrade(repo);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Conflicts left with markers in \.claude\/agents\/feature-developer\.md/);
    const text = read(repo, FD);
    expect(text).toMatch(
      /^<<<<<<< yours \(\.claude\/agents\/feature-developer\.md\)\n1\. Read ALL the code first.*\n\|\|\|\|\|\|\| create-neon-agents 0\.0\.9\n1\. Read the code first.*\n=======\n1\. Read the code around the feature first.*\n>>>>>>> create-neon-agents \d/m,
    );
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).version).not.toBe(OLD_VERSION);
    // git sees a real merge conflict: both modified, the three versions in the index, --theirs gives the new one.
    expect(git(repo, 'status', '--porcelain', '--', FD)).toBe(`UU ${FD}`);
    expect(
      git(repo, 'ls-files', '-u', '--', FD)
        .split('\n')
        .map((l) => l.split(/\s+/)[2]),
    ).toEqual(['1', '2', '3']);
    git(repo, 'checkout', '--theirs', '--', FD);
    expect(read(repo, FD)).toContain(NEW_LINE);
    expect(read(repo, FD)).not.toContain('Read ALL the code');
    git(repo, 'checkout', '--ours', '--', FD);
    expect(read(repo, FD)).toContain('Read ALL the code');
  });

  it('unresolved markers keep failing: --check, doctor and the next run all say so', async () => {
    const repo = olderSetup();
    writeFiles(repo, { [FD]: read(repo, FD).replace(OLD_LINE, '1. Read ALL the code first and follow its patterns') });
    git(repo, 'commit', '-qam', 'our edits');
    expect((await upgrade(repo)).exitCode).toBe(1);
    git(repo, 'commit', '-qam', 'committed with the markers still in');
    const check = await runCli(repo, ['--check']);
    expect(check.exitCode).toBe(1);
    expect(check.stdout).toMatch(
      /\.claude\/agents\/feature-developer\.md\s+\(conflict markers from an earlier upgrade are not resolved yet\)/,
    );
    const again = await upgrade(repo);
    expect(again.exitCode).toBe(1);
    expect(again.stdout).toMatch(
      /conflict\s+\.claude\/agents\/feature-developer\.md\s+conflict markers from an earlier upgrade/,
    );
    const doctor = await runCli(repo, ['doctor', '--no-verify', '--json']);
    expect(JSON.parse(doctor.stdout).findings).toContainEqual(
      expect.objectContaining({
        check: 'agents',
        level: 'problem',
        message: expect.stringMatching(/conflict markers/),
      }),
    );
  });

  it('with --json, a conflict is one document: ok false, the files listed, exit 1', async () => {
    const repo = olderSetup();
    writeFiles(repo, { [FD]: read(repo, FD).replace(OLD_LINE, '1. Read ALL the code first and follow its patterns') });
    git(repo, 'commit', '-qam', 'our edits');
    const r = await upgrade(repo, '--json');
    expect(r.exitCode).toBe(1);
    const doc = JSON.parse(r.stdout);
    expect(doc).toMatchObject({ ok: false, conflicts: [FD] });
  });

  it('does not recreate a file the user deleted, unless --restore', async () => {
    const repo = olderSetup();
    git(repo, 'rm', '-q', '.claude/agents/data-optimizer.md');
    git(repo, 'commit', '-qm', 'we do not want it');
    const r = await upgrade(repo);
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(repo, '.claude/agents/data-optimizer.md'))).toBe(false);
    expect(r.stdout).toMatch(
      /skip\s+\.claude\/agents\/data-optimizer\.md\s+you deleted it; kept deleted \(--restore brings it back\)/,
    );
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'upgrade');
    const restored = await upgrade(repo, '--restore');
    expect(restored.exitCode, restored.stderr).toBe(0);
    expect(read(repo, '.claude/agents/data-optimizer.md')).toContain('name: data-optimizer');
  });

  it('refuses to write over uncommitted edits unless --allow-dirty, changing nothing', async () => {
    const repo = olderSetup();
    writeFiles(repo, { [FD]: read(repo, FD).replace('## Your report', '## Report') }); // not committed
    const before = tree(repo);
    const r = await upgrade(repo);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(
      /Uncommitted changes in \.claude\/agents\/feature-developer\.md.*Commit or stash them first.*--allow-dirty/,
    );
    expect(tree(repo)).toEqual(before);
    const forced = await upgrade(repo, '--allow-dirty');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(read(repo, FD)).toContain('## Report');
    expect(read(repo, FD)).toContain(NEW_LINE);
  });

  it('--dry-run shows the upgrade file by file and writes nothing', async () => {
    const repo = olderSetup();
    const before = tree(repo);
    const r = await upgrade(repo, '--dry-run');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/update\s+\.claude\/agents\/feature-developer\.md\s+new version/);
    expect(r.stdout).toMatch(/unchanged\s+\.claude\/agents\/data-optimizer\.md/);
    expect(tree(repo)).toEqual(before);
  });
});

describe('changing the answers on a re-run', () => {
  it('dropping roles removes their untouched files and keeps an edited one, saying so', async () => {
    const repo = makeRepo();
    expect((await runCli(repo, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    writeFiles(repo, {
      '.claude/agents/data-optimizer.md': read(repo, '.claude/agents/data-optimizer.md') + '\nOurs.\n',
    });
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'setup');
    const r = await upgrade(repo, '--roles', 'migration-reviewer', '--permission-mode', 'acceptEdits');
    expect(r.exitCode, r.stderr).toBe(0);
    expect(existsSync(path.join(repo, FD))).toBe(false);
    expect(r.stdout).toMatch(
      /delete\s+\.claude\/agents\/feature-developer\.md\s+role feature-developer is no longer selected/,
    );
    expect(read(repo, '.claude/agents/data-optimizer.md')).toContain('Ours.');
    expect(r.stdout).toMatch(
      /skip\s+\.claude\/agents\/data-optimizer\.md\s+role data-optimizer is no longer selected, but you edited it/,
    );
    expect(read(repo, '.claude/agents/migration-reviewer.md')).toContain('permissionMode: acceptEdits');
    const files = JSON.parse(read(repo, '.claude/neon-agents.json')).files;
    expect(files[FD]).toBeUndefined();
    expect(files['.claude/agents/data-optimizer.md']).toBeDefined();
    expect(r.stdout).toContain('"use migration-reviewer to add API keys"');
  });
});

describe('--check', () => {
  it('exits 0 when current, 1 listing what is stale or missing', async () => {
    const fresh = makeRepo();
    expect((await runCli(fresh, ['--yes', '--no-verify', '--project-id', 'winter-sun-12345678'])).exitCode).toBe(0);
    const ok = await runCli(fresh, ['--check']);
    expect(ok.exitCode, ok.stdout + ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/Up to date/);
    // In CI the env file and the git hook do not exist: still up to date.
    rmSync(path.join(fresh, '.env'));
    rmSync(path.join(fresh, '.git/hooks/post-checkout'));
    expect((await runCli(fresh, ['--check'])).exitCode).toBe(0);
    // The runtime is called by the hooks: deleting it is never "on purpose". --check fails, a plain re-run restores it.
    git(fresh, 'add', '-A');
    git(fresh, 'commit', '-qm', 'setup');
    rmSync(path.join(fresh, '.claude/hooks/neon-worktree.mjs'));
    const gone = await runCli(fresh, ['--check']);
    expect(gone.exitCode).toBe(1);
    expect(gone.stdout).toMatch(/\.claude\/hooks\/neon-worktree\.mjs/);
    const back = await runCli(fresh, ['--yes', '--no-verify', '--allow-dirty']);
    expect(back.exitCode, back.stderr).toBe(0);
    expect(back.stdout).toMatch(/create\s+\.claude\/hooks\/neon-worktree\.mjs\s+restored: the hooks call it/);
    expect(existsSync(path.join(fresh, '.claude/hooks/neon-worktree.mjs'))).toBe(true);

    const old = olderSetup();
    const stale = await runCli(old, ['--check']);
    expect(stale.exitCode).toBe(1);
    expect(stale.stdout).toMatch(/stale\s+\.claude\/agents\/feature-developer\.md/);
    expect(stale.stdout).toMatch(/from this copy: `node ".*cli\.mjs" --yes`/); // works before the package is published
    rmSync(path.join(old, '.claude/hooks/neon-worktree.mjs'));
    const json = await runCli(old, ['--check', '--json']);
    expect(json.exitCode).toBe(1);
    expect(JSON.parse(json.stdout).stale).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ path: '.claude/agents/feature-developer.md', action: 'stale' }),
      ]),
    );

    const none = makeRepo();
    const r = await runCli(none, ['--check']);
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Not set up here/);
  });
});
