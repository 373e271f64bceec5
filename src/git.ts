// Small, synchronous wrappers around the git CLI. Synchronous on purpose: detection runs a handful of fast
// plumbing commands before anything is printed, and a sequential flow is easier to reason about.
import { execFileSync } from 'node:child_process';
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
