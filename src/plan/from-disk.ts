// What every plan of a run reads from the repository, once: the answers, what was detected, a snapshot of the
// files, and which paths git already ignores (so .gitignore gets only what is missing). Shared by a run and --check.
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import type { Detected } from '../detect/index.ts';
import type { ManifestAnswers } from '../shared/manifest.ts';
import { readText } from '../detect/fs.ts';
import { cleanGitEnv } from '../git.ts';
import { EXCLUDE_END, EXCLUDE_START } from '../edits/exclude.ts';
import { WORKTREES_PATTERN } from '../files/gitignore.ts';
import { diskSnapshot } from '../files/snapshot.ts';
import { TEMPLATES } from './render.ts';

/** Which of these repo-relative paths git already ignores (so we add only what is missing). */
function ignoredPaths(root: string, commonDir: string, paths: string[]): Set<string> {
  const out = new Set<string>();
  try {
    // -v names the pattern that decided: a path ignored only by our own block in info/exclude is not "already
    // ignored" for .gitignore (the block protects this clone; the committed .gitignore protects every clone).
    const stdout = execFileSync('git', ['check-ignore', '-v', '--no-index', '--stdin'], {
      cwd: root,
      env: cleanGitEnv(),
      input: paths.map((p) => (p.endsWith('/') ? `${p}x` : p)).join('\n') + '\n',
      encoding: 'utf8',
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const ours = ourExcludeLines(commonDir);
    for (const line of stdout.split('\n').filter(Boolean)) {
      const tab = line.lastIndexOf('\t');
      const [source, lineNo, ...rest] = line.slice(0, tab).split(':');
      const pattern = rest.join(':');
      const file = line.slice(tab + 1);
      // -v also reports a path whose deciding pattern is a negation (`!packages/database/.env`): not ignored.
      if (pattern.startsWith('!')) continue;
      if (/(^|\/)info\/exclude$/.test(source ?? '') && ours.has(Number(lineNo))) continue;
      const orig = paths.find((p) => p === file || `${p}x` === file);
      if (orig) out.add(orig);
    }
  } catch {
    /* exit 1: none ignored */
  }
  return out;
}

/** Line numbers (1-based) of our marked block in the clone's info/exclude. */
function ourExcludeLines(commonDir: string): Set<number> {
  const lines = new Set<number>();
  let inside = false;
  (readText(path.join(commonDir, 'info', 'exclude')) ?? '').split(/\r?\n/).forEach((l, i) => {
    if (l === EXCLUDE_START) inside = true;
    if (inside) lines.add(i + 1);
    if (l === EXCLUDE_END) inside = false;
  });
  return lines;
}

/** What every plan of a run shares: the answers and the repository as detected, read once. */
export function planBase(
  ctx: { version: string; runtimeSource: string },
  detected: Detected,
  answers: ManifestAnswers,
) {
  return {
    version: ctx.version,
    answers,
    repo: detected.repo,
    project: detected.project,
    pm: detected.pm,
    manifest: detected.manifest,
    files: diskSnapshot(detected.repo.root),
    ignored: ignoredPaths(detected.repo.root, detected.repo.commonDir, [answers.envFile, WORKTREES_PATTERN]),
    userCredentialsFile: detected.userCredentials.file,
    runtimeSource: ctx.runtimeSource,
    templates: TEMPLATES,
  };
}
