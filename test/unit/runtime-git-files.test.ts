// The runtime reads a checkout's git files (.git, commondir, HEAD, a loose ref) instead of starting `git rev-parse`
// and `git worktree list` for every hook call. Whatever it reads must be what git itself answers, and every shape it
// does not read must go to git: each case here compares the runtime's answer with git's own, in real repositories.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Git } from '../../src/runtime/git.ts';
import { cleanupTempDirs, git, makeRepo, tempDir } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const real = (p: string) => fs.realpathSync(p);

/** git's own answers, as the runtime asked for them before it read files. */
function fromGit(dir: string) {
  const [root, gitDir, commonDir, head] = git(
    dir,
    'rev-parse',
    '--path-format=absolute',
    '--show-toplevel',
    '--git-dir',
    '--git-common-dir',
    '--symbolic-full-name',
    'HEAD',
  ).split('\n');
  return {
    root: real(root!),
    gitDir: real(gitDir!),
    commonDir: real(commonDir!),
    branch: head!.startsWith('refs/heads/') ? head!.slice('refs/heads/'.length) : null,
    isLinked: real(gitDir!) !== real(commonDir!),
  };
}

const firstNonBare = (dir: string) =>
  real(
    git(dir, 'worktree', 'list', '--porcelain')
      .split('\n\n')
      .find((e) => !/^bare$/m.test(e))!
      .split('\n')[0]!
      .slice('worktree '.length),
  );

describe('the checkout and the main checkout, read from git files, are what git says', () => {
  const env = { ...process.env };
  const cases: [string, () => string][] = [
    ['a main checkout on a branch', () => makeRepo()],
    [
      'a linked worktree on a new branch',
      () => {
        const repo = makeRepo();
        const wt = path.join(tempDir(), 'wt');
        git(repo, 'worktree', 'add', '-q', '-b', 'feature', wt);
        return wt;
      },
    ],
    [
      'a linked worktree at a detached HEAD',
      () => {
        const repo = makeRepo();
        const wt = path.join(tempDir(), 'wt');
        git(repo, 'worktree', 'add', '-q', '--detach', wt);
        return wt;
      },
    ],
    [
      'a branch whose ref is packed',
      () => {
        const repo = makeRepo();
        git(repo, 'pack-refs', '--all');
        expect(fs.existsSync(path.join(repo, '.git/refs/heads/main'))).toBe(false);
        return repo;
      },
    ],
    [
      'a separate git dir (core.worktree)',
      () => {
        const dir = tempDir();
        const work = path.join(dir, 'work');
        git(dir, 'init', '-q', '-b', 'main', `--separate-git-dir=${path.join(dir, 'store.git')}`, work);
        fs.writeFileSync(path.join(work, 'a'), 'a\n');
        git(work, 'add', '-A');
        git(work, '-c', 'user.email=t@e', '-c', 'user.name=T', 'commit', '-q', '-m', 'one');
        return work;
      },
    ],
  ];
  it.each(cases)('%s', (_what, make) => {
    const dir = make();
    const g = new Git(env);
    expect(g.checkoutAt(dir)).toEqual(fromGit(dir));
    expect(g.mainCheckout(dir)).toBe(firstNonBare(dir));
    expect(g.headSha(dir)).toBe(git(dir, 'rev-parse', 'HEAD'));
  });

  it('a repository without a commit is left to git, which refuses it as before', () => {
    const repo = makeRepo({}, { commit: false });
    expect(() => new Git(env).checkoutAt(repo)).toThrow(/git rev-parse failed/);
  });

  it('a subdirectory is not a top level: git finds the checkout', () => {
    const repo = makeRepo({ 'src/a.ts': '' });
    expect(new Git(env).checkoutAt(path.join(repo, 'src'))).toEqual(fromGit(repo));
  });
});
