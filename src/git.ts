// Small, synchronous wrappers around the git CLI. Synchronous on purpose: detection runs a handful of fast
// plumbing commands before anything is printed, and a sequential flow is easier to reason about.
import { execFileSync } from 'node:child_process';

/** The environment for git calls: without git's local variables, so a hook's GIT_DIR cannot redirect us. */
export function cleanGitEnv(env: NodeJS.ProcessEnv = process.env): NodeJS.ProcessEnv {
  const out = { ...env };
  for (const k of Object.keys(out)) {
    if (/^GIT_(DIR|WORK_TREE|INDEX_FILE|COMMON_DIR|PREFIX|OBJECT_DIRECTORY|ALTERNATE_OBJECT_DIRECTORIES|CONFIG_PARAMETERS|CONFIG_COUNT|NAMESPACE|IMPLICIT_WORK_TREE)$/.test(k)) delete out[k];
  }
  return out;
}

export function git(cwd: string, args: string[]): string {
  return execFileSync('git', args, { cwd, env: cleanGitEnv(), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).replace(/\n$/, '');
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
