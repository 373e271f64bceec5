// Wiring the git `post-checkout` hook: pure functions over the current text of the relevant files. The
// initializer's plan calls planGitHook() and applies the FileOps; removeGitHook() is the inverse for uninstall.
import path from 'node:path';
import type { FileOp, RenameOp, WriteOp } from '../plan/ops.ts';
import { RUNTIME_PATH } from '../shared/manifest.ts';

export const BLOCK_START = '# >>> create-neon-agents >>>';
export const BLOCK_END = '# <<< create-neon-agents <<<';
/** The Neon CLI's managed-hook marker: `# neonctl:git-sync` in older releases, `# neon:git-sync` in neon 6. */
export const NEON_GIT_SYNC = /# neon(ctl)?:git-sync/;
/** lefthook's config file names, in the order lefthook looks for them. */
export const LEFTHOOK_FILES = ['lefthook.yml', '.lefthook.yml', 'lefthook.yaml', '.lefthook.yaml'];
/** Name a non-sh foreign hook is moved to, and exec'd from ours. */
export const CHAINED_SUFFIX = '.neon-agents-prev';

export interface GitHookContext {
  /** Absolute repo root (main checkout). */
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
    /** `<husky folder>/post-checkout`: the folder core.hooksPath points into, else the one package.json declares (see declaredHuskyDir). */
    huskyPostCheckout: string | null;
    /** husky's runner `<core.hooksPath>/h` (present when core.hooksPath is a husky 9 `_` folder, whatever its name). */
    huskyRunner?: string | null;
    /** `<repoRoot>/lefthook.yml` (or `.lefthook.yml`, `lefthook.yaml`: give its path) */
    lefthook: { path: string; text: string } | null;
    /** `<repoRoot>/package.json` */
    packageJson: string | null;
    /** `<repoRoot>/.pre-commit-config.yaml` */
    preCommitConfig: string | null;
  };
}

export type HookManager = 'plain' | 'husky' | 'lefthook' | 'simple-git-hooks' | 'pre-commit' | 'neonctl';

export interface GitHookPlan {
  manager: HookManager;
  ops: FileOp[];
  /** Lines to print after applying (manual steps, warnings). */
  instructions: string[];
}

/** The marked block: POSIX sh, never fails the checkout, honours NEON_AGENTS_SKIP_HOOK. */
export function hookBlock(): string {
  return `${BLOCK_START}
# Gives each new git worktree its own Neon branch (settings: .claude/neon-agents.json). Never fails the checkout.
if [ "\${NEON_AGENTS_SKIP_HOOK:-}" != "1" ] && [ "\${3:-}" = "1" ]; then
  neon_agents_rt=${RUNTIME_PATH}
  if [ ! -f "$neon_agents_rt" ]; then
    # Not committed in this checkout yet: use the main checkout's copy (first non-bare worktree).
    # shellcheck disable=SC2046
    neon_agents_main=$( (unset $(git rev-parse --local-env-vars 2>/dev/null); git worktree list --porcelain 2>/dev/null) | awk '/^worktree /{p=substr($0,10);b=0;next} /^bare$/{b=1;next} /^$/{if(p!=""&&!b&&!d){print p;d=1} p=""} END{if(p!=""&&!b&&!d)print p}' || true)
    neon_agents_rt="$neon_agents_main/${RUNTIME_PATH}"
  fi
  if [ -f "$neon_agents_rt" ]; then
    if command -v node >/dev/null 2>&1; then
      node "$neon_agents_rt" post-checkout "$1" "$2" "$3" </dev/null >&2 || echo "create-neon-agents: post-checkout failed; git is unaffected. Retry: node $neon_agents_rt ensure" >&2
    else
      echo "create-neon-agents: node not found on PATH, so this worktree has no Neon branch. Retry: node $neon_agents_rt ensure" >&2
    fi
  fi
fi
${BLOCK_END}
`;
}

/** One-line command for hook managers that run a command string with the git arguments. */
export function managerCommand(args = '"$1" "$2" "$3"'): string {
  return `[ "\${NEON_AGENTS_SKIP_HOOK:-}" = "1" ] || [ ! -f ${RUNTIME_PATH} ] || node ${RUNTIME_PATH} post-checkout ${args} || true`;
}

const SH_SHEBANG = /^#!\s*(\/usr\/bin\/env\s+(-S\s+)?)?(\/\S*\/)?(sh|bash|dash|ksh|zsh)\b/;

export function isShellScript(text: string): boolean {
  if (!text.startsWith('#!')) return !text.includes('\0'); // git runs shebang-less hooks with /bin/sh
  return SH_SHEBANG.test(text);
}

function hasBlock(text: string): boolean {
  return text.includes(BLOCK_START) && text.includes(BLOCK_END);
}

function replaceBlock(text: string, block: string): string {
  const s = text.indexOf(BLOCK_START);
  const e = text.indexOf(BLOCK_END, s);
  let end = e + BLOCK_END.length;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return text.slice(0, s) + block + text.slice(end);
}

/** Insert the block after the shebang (and after a `set -e`-free header comment is not attempted: right after line 1). */
export function insertBlock(text: string, block: string): string {
  if (hasBlock(text)) return replaceBlock(text, block);
  const crlf = /\r\n/.test(text);
  const b = crlf ? block.replace(/\n/g, '\r\n') : block;
  if (text.startsWith('#!')) {
    const nl = text.indexOf('\n');
    if (nl === -1) return `${text}${crlf ? '\r\n' : '\n'}${b}`;
    return text.slice(0, nl + 1) + b + text.slice(nl + 1);
  }
  return b + text;
}

export function removeBlock(text: string): string {
  if (!hasBlock(text)) return text;
  return replaceBlock(text, '');
}

function write(
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

function hookDisplay(ctx: GitHookContext, name: string): string {
  const rel = path.relative(ctx.repoRoot, path.join(ctx.hooksDir, name));
  return rel.startsWith('..') || path.isAbsolute(rel)
    ? path.join(ctx.hooksDir, name)
    : rel.startsWith('.git/')
      ? `$GIT_COMMON_DIR/${rel.slice(5)}`
      : rel;
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

export function planGitHook(ctx: GitHookContext): GitHookPlan {
  const block = hookBlock();
  const f = ctx.files;
  const instructions: string[] = [];
  const hookPath = path.join(ctx.hooksDir, 'post-checkout');

  // husky 9: core.hooksPath=<dir>/_ (`.husky/_`, `app/.husky/_`, `.config/husky/_`…); the user scripts live in
  // <dir>/<hook> and run with `sh -e`. Writing into `_` would be wiped by the next `husky` run.
  // husky declared in package.json but not installed in this clone yet (no `npm install` ran): git would run a hook
  // in .git/hooks only until husky's install switches core.hooksPath, so ours goes where husky will look.
  const installed = huskyDir(ctx.repoRoot, ctx.coreHooksPath, ctx.files.huskyRunner != null);
  const declared = installed || ctx.coreHooksPath !== null ? null : declaredHuskyDir(ctx.repoRoot, f.packageJson);
  const husky = installed ?? declared;
  if (husky) {
    const prev = f.huskyPostCheckout;
    const content = prev === null ? block : insertBlock(prev, block);
    const rel = path.relative(ctx.repoRoot, path.join(husky, 'post-checkout')).split(path.sep).join('/');
    if (declared) {
      instructions.push(
        `husky is declared in package.json but not installed in this clone yet, so our block went into ${rel}: it takes effect after \`npm install\` (husky's prepare script points git at it). Until then \`git worktree add\` gets no Neon branch here; worktrees made by Claude Code use the WorktreeCreate hook instead.`,
      );
    } else {
      instructions.push(
        `husky runs ${rel} only where \`npm install\` has run (its _ folder is gitignored); worktrees made by Claude Code use the WorktreeCreate hook instead.`,
      );
    }
    return {
      manager: 'husky',
      ops: [
        write(
          path.join(husky, 'post-checkout'),
          rel,
          content,
          prev,
          prev === null
            ? declared
              ? 'husky hook for new worktrees (runs once husky is installed)'
              : 'husky hook for new worktrees'
            : 'add our block to your husky hook',
          'block',
          block,
          declared ? 0o755 : undefined,
        ),
      ],
      instructions,
    };
  }

  const existing = f.postCheckout;
  const lefthookOwned = existing !== null && /lefthook/i.test(existing) && !hasBlock(existing);
  if (f.lefthook && (lefthookOwned || existing === null)) {
    const text = f.lefthook.text;
    if (text.includes(BLOCK_START)) return { manager: 'lefthook', ops: [], instructions };
    if (/^post-checkout\s*:/m.test(text)) {
      instructions.push(
        `lefthook.yml already has a post-checkout section: add this under its \`commands:\`, commit, and run \`npx lefthook install\`:\n` +
          `    neon-agents:\n` +
          `      run: '${managerCommand('{1} {2} {3}').replace(/'/g, "''")}'`,
      );
      return { manager: 'lefthook', ops: [], instructions };
    }
    const eol = text.includes('\r\n') ? '\r\n' : '\n';
    const add = [
      BLOCK_START,
      'post-checkout:',
      '  commands:',
      '    neon-agents:',
      `      run: '${managerCommand('{1} {2} {3}').replace(/'/g, "''")}'`,
      BLOCK_END,
      '',
    ].join(eol);
    const content = text + (text && !text.endsWith('\n') ? eol : '') + add;
    instructions.push(
      'Commit lefthook.yml and run `npx lefthook install` (lefthook reads the config from each new worktree).',
    );
    return {
      manager: 'lefthook',
      ops: [
        write(
          f.lefthook.path,
          path.relative(ctx.repoRoot, f.lefthook.path),
          content,
          text,
          'lefthook post-checkout command',
          'block',
          add,
        ),
      ],
      instructions,
    };
  }

  let sgh = false;
  if (f.packageJson) {
    try {
      sgh = !!JSON.parse(f.packageJson)['simple-git-hooks'];
    } catch {
      /* not our problem here */
    }
  }
  if (sgh) {
    instructions.push(
      'simple-git-hooks deletes hooks it does not manage. Add to "simple-git-hooks" in package.json, then run `npx simple-git-hooks`:\n' +
        `    "post-checkout": ${JSON.stringify(managerCommand('"$@"').replace('"$@"', '$1 $2 $3'))}`,
    );
    return { manager: 'simple-git-hooks', ops: [], instructions };
  }

  if (f.preCommitConfig !== null && (existing === null || /pre-commit/.test(existing))) {
    // Match the file's own list style (pre-commit's sample config writes `-   repo:` at column 0).
    const m = /^([ \t]*)-([ \t]+)repo:/m.exec(f.preCommitConfig);
    const dash = m ? `${m[1]}-${m[2]}` : '-   ';
    const pad = ' '.repeat(dash.length);
    const entry = managerCommand('"$PRE_COMMIT_FROM_REF" "$PRE_COMMIT_TO_REF" "$PRE_COMMIT_CHECKOUT_TYPE"');
    instructions.push(
      'pre-commit manages git hooks here. Add this item to `repos:` in .pre-commit-config.yaml, commit, and run `pre-commit install -t post-checkout`:\n' +
        [
          `${dash}repo: local`,
          `${pad}hooks:`,
          `${pad}-   id: neon-agents`,
          `${pad}    name: neon branch per worktree`,
          `${pad}    entry: sh -c '${entry.replace(/'/g, "'\\''")}'`,
          `${pad}    language: system`,
          `${pad}    stages: [post-checkout]`,
          `${pad}    always_run: true`,
          `${pad}    pass_filenames: false`,
        ].join('\n'),
    );
    return { manager: 'pre-commit', ops: [], instructions };
  }

  // Plain hook file in the hooks dir.
  const display = hookDisplay(ctx, 'post-checkout');
  if (existing === null) {
    const content = `#!/bin/sh\n${block}`;
    return {
      manager: 'plain',
      ops: [write(hookPath, display, content, null, 'git hook for new worktrees', 'file', content, 0o755)],
      instructions,
    };
  }
  if (hasBlock(existing)) {
    const content = replaceBlock(existing, block);
    return {
      manager: NEON_GIT_SYNC.test(existing) ? 'neonctl' : 'plain',
      ops: [write(hookPath, display, content, existing, 'update our block', 'block', block, 0o755)],
      instructions,
    };
  }
  if (NEON_GIT_SYNC.test(existing)) {
    instructions.push(
      '`neon git install` owns this hook: our block runs before its `neon git sync`. Running `neon git install` again rewrites the file and drops our block; re-run create-neon-agents then.',
      'Note: `neon git sync` pulls env vars on branch switches and may rewrite DATABASE_URL in the main checkout.',
    );
    return {
      manager: 'neonctl',
      ops: [
        write(
          hookPath,
          display,
          insertBlock(existing, block),
          existing,
          'chain with neonctl git-sync hook',
          'block',
          block,
          0o755,
        ),
      ],
      instructions,
    };
  }
  if (isShellScript(existing)) {
    if (/git lfs post-checkout/.test(existing))
      instructions.push(
        'git-lfs: its post-checkout lines still run after ours; `git lfs install` will now report "Hook already exists" (use `git lfs update --manual`).',
      );
    return {
      manager: 'plain',
      ops: [
        write(
          hookPath,
          display,
          insertBlock(existing, block),
          existing,
          'add our block to your post-checkout hook (it keeps running)',
          'block',
          block,
          0o755,
        ),
      ],
      instructions,
    };
  }
  // A foreign non-sh hook: move it aside and exec it from ours.
  const chained = path.join(ctx.hooksDir, `post-checkout${CHAINED_SUFFIX}`);
  if (f.chainedPrev != null) {
    instructions.push(
      `${display} is not a shell script and ${hookDisplay(ctx, `post-checkout${CHAINED_SUFFIX}`)} already exists; add this block to your hook by hand:`,
      block,
    );
    return { manager: 'plain', ops: [], instructions };
  }
  const content = `#!/bin/sh\n${block}exec "$(dirname "$0")/post-checkout${CHAINED_SUFFIX}" "$@"\n`;
  const rename: RenameOp = {
    type: 'rename',
    from: hookPath,
    to: chained,
    display: `${display} → post-checkout${CHAINED_SUFFIX}`,
    action: 'create',
    reason: 'keep your hook running: ours execs it',
  };
  return {
    manager: 'plain',
    ops: [rename, write(hookPath, display, content, null, 'our hook, chaining yours', 'file', content, 0o755)],
    instructions,
  };
}

/**
 * Inverse of the hook wiring for one file's text: the content to write back, or null to delete the file (it held
 * only our hook). `chainedPrev` given (our file exec'd a moved foreign hook) → its text should be renamed back.
 */
export function removeGitHook(text: string): { content: string | null; restoreChained: boolean } {
  if (!hasBlock(text)) return { content: text, restoreChained: false };
  const without = removeBlock(text);
  const chainedExec = `exec "$(dirname "$0")/post-checkout${CHAINED_SUFFIX}" "$@"\n`;
  if (without === `#!/bin/sh\n${chainedExec}`) return { content: null, restoreChained: true };
  if (without === '#!/bin/sh\n' || without.trim() === '') return { content: null, restoreChained: false };
  return { content: without, restoreChained: false };
}
