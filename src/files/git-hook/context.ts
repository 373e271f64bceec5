// What every hook manager decides on: where git looks for hooks, and the current text of the files that say which
// manager is in charge. Built from a Snapshot, so plan, check and the tests' wiring all see the same thing.
import path from 'node:path';
import type { RepoInfo } from '../../detect/repo.ts';
import type { WriteOp } from '../../plan/ops.ts';
import type { Snapshot } from '../engine.ts';
import { CHAINED_SUFFIX } from './block.ts';

/** lefthook's config file names, in the order lefthook looks for them. */
export const LEFTHOOK_FILES = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml'];

export interface GitHookContext {
  /** Absolute repo root (the work tree we run in). */
  repoRoot: string;
  /** Absolute hooks dir: `git rev-parse --path-format=absolute --git-path hooks` (honours core.hooksPath). */
  hooksDir: string;
  /** `git config core.hooksPath`, or null. */
  coreHooksPath: string | null;
  /** Current text of the files that matter (null = absent). */
  files: {
    /** `<hooksDir>/post-checkout` */
    postCheckout: string | null;
    /** `<hooksDir>/post-checkout.neon-agents-prev` (a foreign hook we chained earlier) */
    chainedPrev?: string | null;
    /** `<hooksDir>/post-checkout.legacy` (pre-commit's migration mode keeps running the previous hook) */
    legacy?: string | null;
    /** `<husky folder>/post-checkout`: the folder core.hooksPath points into, else the one package.json declares. */
    huskyPostCheckout: string | null;
    /** husky's runner `<core.hooksPath>/h` (present when core.hooksPath is a husky 9 `_` folder, whatever its name). */
    huskyRunner?: string | null;
    /** The first lefthook config that exists, with its path. */
    lefthook: { path: string; text: string } | null;
    /** `<repoRoot>/package.json` */
    packageJson: string | null;
    /** `<repoRoot>/.pre-commit-config.yaml` */
    preCommitConfig: string | null;
  };
  /** Mode of `<hooksDir>/post-checkout` (null = absent or unknown). */
  postCheckoutMode?: number | null;
}

/**
 * The husky folder (the parent of its `_` runner folder) when core.hooksPath points into husky, else null.
 * `hasRunner`: husky 9's runner `<core.hooksPath>/h` exists (so any folder name counts, e.g. `.config/husky/_`).
 */
export function huskyDir(repoRoot: string, coreHooksPath: string | null, hasRunner: boolean): string | null {
  if (coreHooksPath === null) return null;
  const hp = coreHooksPath.replace(/\\/g, '/').replace(/\/+$/, '');
  const abs = path.resolve(repoRoot, hp);
  if (path.basename(abs) === '_' && (hasRunner || /(^|\/)\.husky\/_$/.test(hp))) return path.dirname(abs);
  if (/(^|\/)\.husky$/.test(hp)) return abs; // husky 4-8 style: core.hooksPath=.husky
  return null;
}

/**
 * The husky folder package.json declares when git does not use husky yet (core.hooksPath unset: no install ran in
 * this clone), else null. husky counts as declared when it is a dependency or dev dependency, or the `prepare`
 * script runs it; the folder is the one `prepare` names (`husky app/.husky`, husky 8's `husky install .config/husky`),
 * else husky's default `.husky`. Once `npm install` runs husky, core.hooksPath becomes `<folder>/_` and git runs
 * `<folder>/post-checkout`; a hook in .git/hooks would silently stop running then.
 */
export function declaredHuskyDir(repoRoot: string, packageJson: string | null): string | null {
  if (!packageJson) return null;
  let pkg: {
    dependencies?: Record<string, string>;
    devDependencies?: Record<string, string>;
    scripts?: Record<string, string>;
  };
  try {
    pkg = JSON.parse(packageJson);
  } catch {
    return null;
  }
  if (!pkg || typeof pkg !== 'object') return null;
  const prepare = typeof pkg.scripts?.prepare === 'string' ? pkg.scripts.prepare : '';
  const runs = /(?:^|[\s;&|(])husky\b(?!-)/.test(prepare);
  const dep = Boolean(pkg.dependencies?.husky || pkg.devDependencies?.husky);
  if (!runs && !dep) return null;
  // `cd sub && husky …` runs elsewhere: its folder is relative to that place, so only a plain call names ours.
  const m = /(?:^|[;&|(]\s*)husky(?:\s+install)?(?:\s+(?!-)([^\s&;|)]+))?\s*(?:$|[;&|)])/.exec(prepare);
  const dir = runs && m && !/\bcd\s/.test(prepare) && m[1] ? m[1].replace(/^['"]|['"]$/g, '') : '.husky';
  return path.resolve(repoRoot, dir);
}

/** husky's folder for this repository: where core.hooksPath points into it, else (not installed yet) the declared one. */
export function huskyFolder(ctx: GitHookContext): { dir: string; declared: boolean } | null {
  const installed = huskyDir(ctx.repoRoot, ctx.coreHooksPath, ctx.files.huskyRunner != null);
  if (installed) return { dir: installed, declared: false };
  const declared = ctx.coreHooksPath !== null ? null : declaredHuskyDir(ctx.repoRoot, ctx.files.packageJson);
  return declared ? { dir: declared, declared: true } : null;
}

export function gitHookContext(
  repo: Pick<RepoInfo, 'root' | 'hooksDir' | 'coreHooksPath'>,
  files: Snapshot,
): GitHookContext {
  const hookPath = path.join(repo.hooksDir, 'post-checkout');
  const lefthook =
    LEFTHOOK_FILES.map((f) => path.join(repo.root, f))
      .map((p) => ({ path: p, text: files.read(p) }))
      .find((f): f is { path: string; text: string } => f.text !== null) ?? null;
  const huskyRunner = repo.coreHooksPath ? files.read(path.resolve(repo.root, repo.coreHooksPath, 'h')) : null;
  const packageJson = files.read(path.join(repo.root, 'package.json'));
  const ctx: GitHookContext = {
    repoRoot: repo.root,
    hooksDir: repo.hooksDir,
    coreHooksPath: repo.coreHooksPath,
    files: {
      postCheckout: files.read(hookPath),
      chainedPrev: files.read(`${hookPath}${CHAINED_SUFFIX}`),
      legacy: files.read(`${hookPath}.legacy`),
      huskyRunner,
      huskyPostCheckout: null,
      lefthook,
      packageJson,
      preCommitConfig: files.read(path.join(repo.root, '.pre-commit-config.yaml')),
    },
    postCheckoutMode: files.mode(hookPath),
  };
  const husky = huskyFolder(ctx);
  ctx.files.huskyPostCheckout = husky ? files.read(path.join(husky.dir, 'post-checkout')) : null;
  return ctx;
}

/** A write of a hook file, its action from what is there now. */
export function hookWrite(
  p: string,
  display: string,
  content: string,
  previous: string | null,
  reason: string,
  managed: WriteOp['managed'],
  owned: string,
  mode?: number,
): WriteOp {
  return {
    type: 'write',
    path: p,
    display,
    content,
    previous,
    mode,
    action: previous === null ? 'create' : previous === content ? 'unchanged' : 'update',
    reason,
    managed,
    owned,
  };
}

/** How a hook file is named on screen: repo-relative, `$GIT_COMMON_DIR/hooks/…`, or absolute outside both. */
export function hookDisplay(ctx: GitHookContext, name: string): string {
  const rel = path.relative(ctx.repoRoot, path.join(ctx.hooksDir, name));
  if (rel.startsWith('..') || path.isAbsolute(rel)) return path.join(ctx.hooksDir, name);
  return rel.startsWith('.git/') ? `$GIT_COMMON_DIR/${rel.slice(5)}` : rel;
}
