// Small, synchronous wrappers around the git CLI. Synchronous on purpose: detection runs a handful of fast
// plumbing commands before anything is printed, and a sequential flow is easier to reason about.
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { cleanGitEnv } from './shared/git-env.ts';

export { cleanGitEnv };

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    env: cleanGitEnv(),
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).replace(/\n$/, '');
}

export function tryGit(cwd: string, args: string[]): string | null {
  try {
    return git(cwd, args);
  } catch {
    return null;
  }
}

/** Exit status of a git command that answers by status (check-ignore, diff --quiet). */
export function gitStatus(cwd: string, args: string[]): number {
  try {
    execFileSync('git', args, { cwd, env: cleanGitEnv(), stdio: 'ignore' });
    return 0;
  } catch (e) {
    return typeof (e as { status?: number }).status === 'number' ? (e as { status: number }).status : 128;
  }
}

/**
 * Tell git's index that `file` (in the work tree at `root`) is in conflict, as git's own merges and copier do: the
 * base, ours and theirs as stages 1-3, so `git status` says "both modified", `git checkout --ours/--theirs` and
 * `git mergetool` work, and a commit waits until the file is resolved (`git add`). Only for a file git tracks.
 */
export function recordConflict(
  root: string,
  file: string,
  texts: { base?: string; ours: string; theirs: string },
): void {
  const rel = path.relative(root, file).split(path.sep).join('/');
  const entry = tryGit(root, ['ls-files', '-s', '--', rel]);
  const mode = /^(\d{6}) [0-9a-f]{40} 0\t/.exec(entry ?? '')?.[1];
  if (!mode) return; // untracked, or already unmerged
  const hash = (text: string) =>
    execFileSync('git', ['hash-object', '-w', '--stdin'], {
      cwd: root,
      env: cleanGitEnv(),
      input: text,
      encoding: 'utf8',
    }).trim();
  const stages = [
    `0 ${'0'.repeat(40)}\t${rel}`,
    ...(texts.base !== undefined ? [`${mode} ${hash(texts.base)} 1\t${rel}`] : []),
    `${mode} ${hash(texts.ours)} 2\t${rel}`,
    `${mode} ${hash(texts.theirs)} 3\t${rel}`,
  ];
  execFileSync('git', ['update-index', '--index-info'], {
    cwd: root,
    env: cleanGitEnv(),
    input: `${stages.join('\n')}\n`,
  });
}
