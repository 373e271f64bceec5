// Adapter between the plan and the git-hook wiring in src/hooks (which knows husky, lefthook, chaining…):
// gathers the texts it needs from the snapshot and normalises its ops for the manifest.
import path from 'node:path';
import type { RepoInfo } from '../detect/repo.ts';
import type { FileOp } from './ops.ts';
import type { Snapshot } from './plan.ts';
import { planGitHook, hookBlock, CHAINED_SUFFIX } from '../hooks/git-hook.ts';

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
  const lefthookPath = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml']
    .map((f) => path.join(repo.root, f))
    .find((f) => files.read(f) !== null);
  const plan = planGitHook({
    repoRoot: repo.root,
    hooksDir: repo.hooksDir,
    coreHooksPath: repo.coreHooksPath,
    files: {
      postCheckout: files.read(hookPath),
      chainedPrev: files.read(`${hookPath}${CHAINED_SUFFIX}`),
      huskyPostCheckout: files.read(path.join(repo.root, '.husky', 'post-checkout')),
      lefthook: lefthookPath ? { path: lefthookPath, text: files.read(lefthookPath)! } : null,
      packageJson: files.read(path.join(repo.root, 'package.json')),
      preCommitConfig: files.read(path.join(repo.root, '.pre-commit-config.yaml')),
    },
  });
  const whole = `#!/bin/sh\n${hookBlock()}`;
  // Hook files live in the common git dir, whichever worktree we run in: name them by it, so the manifest's keys
  // are the same on every machine and in every worktree.
  const inCommon = (abs: string) => {
    const rel = path.relative(repo.commonDir, abs);
    return rel && !rel.startsWith('..') && !path.isAbsolute(rel) ? `$GIT_COMMON_DIR/${rel.split(path.sep).join('/')}` : null;
  };
  const ops = plan.ops.map((op) => {
    if (op.type === 'rename') return { ...op, display: op.display.replace(/^[^ ]*post-checkout/, inCommon(op.from) ?? op.from) };
    if (op.type !== 'write') return op;
    const display = inCommon(op.path);
    if (display) op = { ...op, display };
    // A hook file that is nothing but ours is owned whole, on the first run and every later one.
    const normalised = op.content === whole ? { ...op, managed: 'file' as const, owned: whole } : op;
    // git ignores a hook that is not executable: fix the mode even when the text is right.
    const mode = files.mode(op.path);
    if (normalised.action === 'unchanged' && normalised.mode !== undefined && mode !== null && (mode & 0o111) === 0) {
      return { ...normalised, action: 'update' as const, reason: 'make it executable (git ignores it otherwise)' };
    }
    return normalised.action === 'unchanged' ? { ...normalised, reason: 'up to date' } : normalised;
  });
  return { ops, warnings: [], instructions: plan.instructions };
}
