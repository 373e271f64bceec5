// Which untracked files of a checkout are env files: one `git ls-files` pathspec and one filter, shared by the
// runtime (which points them at the worktree's branch) and doctor (which checks that none reaches the shared
// database). Without --exclude-standard git lists ignored and not-ignored files alike, in one process; by name, so
// an env file inside a wholly untracked folder counts too; never node_modules or nested agent worktrees.
import path from 'node:path';
import { WORKTREES_DIR } from './naming.ts';

export const ENV_FILES_LS_ARGS = [
  'ls-files',
  '-z',
  '--others',
  '--',
  ':(glob)**/.env*',
  ':(glob)**/.dev.vars',
  ':(glob,exclude)**/node_modules/**',
];

/** The env files (repo-relative, `/`-separated) in `git ls-files -z` output of ENV_FILES_LS_ARGS; examples and templates are not. */
export function envFilesFrom(lsFilesOutput: string): string[] {
  const found = new Set<string>();
  for (const rel of lsFilesOutput.split('\0')) {
    if (!rel || rel.endsWith('/')) continue;
    const base = path.posix.basename(rel);
    if (!/^\.env/.test(base) && base !== '.dev.vars') continue;
    if (/\.(example|sample|template)$/.test(base)) continue;
    if (rel.split('/').includes('node_modules') || rel.startsWith(`${WORKTREES_DIR}/`)) continue;
    found.add(rel);
  }
  return [...found];
}
