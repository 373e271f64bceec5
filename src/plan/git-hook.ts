// Adapter between the plan and the git-hook wiring in src/hooks (which knows husky, lefthook, chaining…):
// gathers the texts it needs from the snapshot and normalises its ops for the manifest.
import path from 'node:path';
import type { RepoInfo } from '../detect/repo.ts';
import type { FileOp } from './ops.ts';
import type { Snapshot } from './plan.ts';
import {
  planGitHook,
  hookBlock,
  huskyDir,
  declaredHuskyDir,
  CHAINED_SUFFIX,
  LEFTHOOK_FILES,
} from '../hooks/git-hook.ts';

export interface GitHookPlanInput {
  repo: RepoInfo;
  files: Snapshot;
}

export interface GitHookPlan {
  ops: FileOp[];
  warnings: string[];
  instructions: string[];
}

export function planGitHookOps({ repo, files }: GitHookPlanInput): GitHookPlan {
  const hookPath = path.join(repo.hooksDir, 'post-checkout');
  const lefthook =
    LEFTHOOK_FILES.map((f) => path.join(repo.root, f))
      .map((p) => ({ path: p, text: files.read(p) }))
      .find((f): f is { path: string; text: string } => f.text !== null) ?? null;
  const huskyRunner = repo.coreHooksPath ? files.read(path.resolve(repo.root, repo.coreHooksPath, 'h')) : null;
  const packageJson = files.read(path.join(repo.root, 'package.json'));
  // Where husky's user scripts are: the folder core.hooksPath points into, or (not installed yet) the declared one.
  const husky =
    huskyDir(repo.root, repo.coreHooksPath, huskyRunner !== null) ??
    (repo.coreHooksPath ? null : declaredHuskyDir(repo.root, packageJson));
  const plan = planGitHook({
    repoRoot: repo.root,
    hooksDir: repo.hooksDir,
    coreHooksPath: repo.coreHooksPath,
    files: {
      postCheckout: files.read(hookPath),
      chainedPrev: files.read(`${hookPath}${CHAINED_SUFFIX}`),
      huskyRunner,
      huskyPostCheckout: husky ? files.read(path.join(husky, 'post-checkout')) : null,
      lefthook,
      packageJson,
      preCommitConfig: files.read(path.join(repo.root, '.pre-commit-config.yaml')),
    },
  });
  // Hook files live in the common git dir, whichever worktree we run in: name them by it, so the manifest's keys
  // are the same on every machine and in every worktree.
  const inCommon = (abs: string) => {
    const rel = path.relative(repo.commonDir, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel)
      ? `$GIT_COMMON_DIR/${rel.split(path.sep).join('/')}`
      : null;
  };
  const ops = plan.ops.map((op) => {
    if (op.type === 'rename')
      return { ...op, display: op.display.replace(/^[^ ]*post-checkout/, inCommon(op.from) ?? op.from) };
    if (op.type !== 'write') return op;
    const display = inCommon(op.path);
    if (display) op = { ...op, display };
    // Hook files are always owned as "our marked block", whether we created the file, inserted into the user's,
    // or wrapped a non-shell hook, so the manifest entry is the same on every run (uninstall takes the block out
    // and deletes a file that held nothing else).
    const normalised =
      op.managed === 'file' && op.content.includes(hookBlock())
        ? { ...op, managed: 'block' as const, owned: hookBlock() }
        : op;
    // git ignores a hook that is not executable: fix the mode even when the text is right.
    const mode = files.mode(op.path);
    if (normalised.action === 'unchanged' && normalised.mode !== undefined && mode !== null && (mode & 0o111) === 0) {
      return { ...normalised, action: 'update' as const, reason: 'make it executable (git ignores it otherwise)' };
    }
    return normalised.action === 'unchanged' ? { ...normalised, reason: 'up to date' } : normalised;
  });
  const warnings: string[] = [];
  const instructions = [...plan.instructions];
  const outside = (dir: string) => path.relative(dir, repo.hooksDir).startsWith('..');
  if (outside(repo.root) && outside(repo.commonDir)) {
    warnings.push(
      `This repository's git hooks live in ${repo.hooksDir} (core.hooksPath), outside it: every repository using that folder shares our post-checkout block, and uninstalling here removes it for them too.`,
    );
  }
  const attributes = files.read(path.join(repo.root, '.gitattributes'));
  const current = files.read(hookPath);
  if (attributes && /filter=lfs/.test(attributes) && !(current ?? '').includes('git lfs')) {
    instructions.push(
      'This repository uses Git LFS: if `git lfs install` later says "Hook already exists", run `git lfs update --force`, then create-neon-agents again (it adds its block to the LFS hook).',
    );
  }
  return { ops, warnings, instructions };
}
