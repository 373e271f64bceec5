// The git post-checkout hook as a managed-file unit: which hook manager is in charge (one module each in
// managers/), what it writes, how uninstall takes it back out, and what doctor says about it. Claude Code runs its
// own git commands with hooks disabled, so this hook serves `git worktree add` and other tools; Claude's worktrees
// come in through the WorktreeCreate hook (../claude-settings.ts).
import path from 'node:path';
import type { FileOp, WriteOp } from '../../plan/ops.ts';
import {
  absFor,
  keyFor,
  remove,
  rewrite,
  shellWord,
  type Finding,
  type PlanInput,
  type Unit,
  type UnitPlan,
} from '../engine.ts';
import { CHAINED_SUFFIX, hookBlock, removeGitHook } from './block.ts';
import { noteFinalNewline, restoreFinalNewline } from '../../edits/final-newline.ts';
import { gitHookContext, type GitHookContext } from './context.ts';
import type { HookCheckEnv, HookManager } from './managers/types.ts';
import { husky } from './managers/husky.ts';
import { lefthook } from './managers/lefthook.ts';
import { simpleGitHooks } from './managers/simple-git-hooks.ts';
import { preCommit } from './managers/pre-commit.ts';
import { neonGitSync } from './managers/neon-git-sync.ts';
import { plain, noHook } from './managers/plain.ts';

/** Who is in charge of post-checkout, most specific first: the first that applies writes the hook. */
const PLAN_ORDER: HookManager[] = [husky, lefthook, simpleGitHooks, preCommit, neonGitSync, plain];
/** What git will really run, in the order doctor looks: husky's folder, git's own hook file, then the configs. */
const CHECK_ORDER: HookManager[] = [husky, plain, lefthook, simpleGitHooks, preCommit];
const ALL = [husky, lefthook, simpleGitHooks, preCommit, neonGitSync, plain];

export function managerFor(ctx: GitHookContext): HookManager {
  return PLAN_ORDER.find((m) => m.applies(ctx))!;
}

/** The hook's ops for a context, as the plan records them. */
export function planGitHook(ctx: GitHookContext): {
  manager: HookManager['id'];
  ops: FileOp[];
  instructions: string[];
} {
  const manager = managerFor(ctx);
  return { manager: manager.id, ...manager.plan(ctx) };
}

/** The hook's ops for the plan: the manager's, keyed and owned the same way on every run. */
export function planGitHookOps({
  repo,
  files,
  manifest,
}: Pick<PlanInput, 'repo' | 'files'> & { manifest?: PlanInput['manifest'] }): Required<Omit<UnitPlan, 'blockers'>> {
  const ctx = gitHookContext(repo, files);
  const planned = planGitHook(ctx);
  // Hook files in the common git dir are keyed by it, so the manifest's keys are the same on every machine and
  // in every worktree; every hook file is owned as "our marked block" (whether we created the file, inserted
  // into the user's, or wrapped a non-shell hook), so uninstall takes the block out and deletes a file that held
  // nothing else.
  const ops = planned.ops.map((op): FileOp => {
    if (op.type === 'rename') {
      const shown = keyFor(repo, op.from);
      return { ...op, display: op.display.replace(/^[^ ]*post-checkout/, shown) };
    }
    if (op.type !== 'write') return op;
    const key = keyFor(repo, op.path);
    let write: WriteOp = { ...op, display: key };
    if (write.managed === 'file' && write.content.includes(hookBlock()))
      write = { ...write, managed: 'block', owned: hookBlock() };
    // A block appended to a file without a final newline (lefthook.yml) added one: noted, so uninstall drops it.
    if (write.managed === 'block')
      write = {
        ...write,
        owned: noteFinalNewline(write.owned, write.previous, write.content, manifest?.files[key]?.base),
      };
    // git ignores a hook that is not executable: fix the mode even when the text is right.
    const mode = files.mode(op.path);
    if (write.action === 'unchanged' && write.mode !== undefined && mode !== null && (mode & 0o111) === 0)
      return { ...write, action: 'update', reason: 'make it executable (git ignores it otherwise)' };
    return write.action === 'unchanged' ? { ...write, reason: 'up to date' } : write;
  });
  const warnings: string[] = [];
  const instructions = [...planned.instructions];
  const outside = (dir: string) => path.relative(dir, repo.hooksDir).startsWith('..');
  if (outside(repo.root) && outside(repo.commonDir)) {
    warnings.push(
      `This repository's git hooks live in ${repo.hooksDir} (core.hooksPath), outside it: every repository using that folder shares our post-checkout block, and uninstalling here removes it for them too.`,
    );
  }
  const attributes = files.read(path.join(repo.root, '.gitattributes'));
  if (attributes && /filter=lfs/.test(attributes) && !(ctx.files.postCheckout ?? '').includes('git lfs')) {
    instructions.push(
      'This repository uses Git LFS: if `git lfs install` later says "Hook already exists", run `git lfs update --force`, then create-neon-agents again (it adds its block to the LFS hook).',
    );
  }
  return { ops, warnings, instructions };
}

export const gitHook: Unit = {
  id: 'git-hook',
  claims: (key) => ALL.some((m) => m.claims(key)),

  plan: (input) => (input.answers.gitHook ? planGitHookOps(input) : { ops: [] }),

  remove(input) {
    const ops: FileOp[] = [];
    const emptyDirs: string[] = [];
    for (const key of Object.keys(input.manifest.files)) {
      if (!gitHook.claims(key, input.manifest.files[key]!, input.manifest)) continue;
      const abs = absFor(input.repo, key);
      const text = input.files.read(abs);
      if (text === null) continue;
      const result = removeGitHook(text);
      if (result.content === null) {
        ops.push(remove(abs, key, text, 'held only our hook'));
        const chained = `${abs}${CHAINED_SUFFIX}`;
        if (result.restoreChained && input.files.read(chained) !== null) {
          ops.push({
            type: 'rename',
            from: chained,
            to: abs,
            display: `post-checkout${CHAINED_SUFFIX} → ${key}`,
            action: 'create',
            reason: 'put your hook back',
          });
        }
        // A husky folder (or .githooks) whose only file was our hook, e.g. a `.husky/` made for a husky not installed yet.
        if (!key.startsWith('$GIT_COMMON_DIR/') && !path.isAbsolute(key) && key.includes('/'))
          emptyDirs.push(path.dirname(abs));
      } else if (result.content !== text) {
        const next = restoreFinalNewline(result.content, input.manifest.files[key]?.base);
        ops.push(rewrite(abs, key, text, next, 'removed our block; the rest is yours'));
      }
    }
    return { ops, emptyDirs };
  },

  check(input) {
    if (!input.manifest.answers.gitHook) return [];
    const { repo } = input;
    const ctx = gitHookContext(repo, input.files);
    const hookPath = path.join(repo.hooksDir, 'post-checkout');
    const shown = path.relative(repo.root, hookPath).startsWith('..') ? hookPath : path.relative(repo.root, hookPath);
    const env: HookCheckEnv = {
      shown,
      install: input.pm.install,
      rerun: input.rerun,
      fileProblem(): Finding | null {
        const text = ctx.files.postCheckout;
        if (text === null) return null;
        if (text.includes('\r'))
          return {
            check: 'git-hook',
            level: 'problem',
            message: `${shown} has CRLF line endings: git fails to run it ("cannot run … No such file or directory")`,
            fix: `convert it to LF: sed -i 's/\\r$//' ${shellWord(shown)}`,
          };
        if (((ctx.postCheckoutMode ?? 0) & 0o111) === 0)
          return {
            check: 'git-hook',
            level: 'problem',
            message: `${shown} is not executable, so git ignores it`,
            fix: `chmod +x ${shellWord(shown)}`,
          };
        return null;
      },
    };
    for (const manager of CHECK_ORDER) {
      const found = manager.check(ctx, env);
      if (found) return [found];
    }
    return [noHook(ctx, env)!];
  },
};

export { gitHookContext, huskyDir, declaredHuskyDir, LEFTHOOK_FILES, type GitHookContext } from './context.ts';
export {
  BLOCK_START,
  BLOCK_END,
  CHAINED_SUFFIX,
  hookBlock,
  insertBlock,
  managerCommand,
  removeGitHook,
} from './block.ts';
