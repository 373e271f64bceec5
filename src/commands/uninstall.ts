// `create-neon-agents uninstall [dir] [--yes] [--force] [--dry-run]`: remove what this tool wrote, as recorded in
// the manifest. Files the user changed are kept (unless --force); our hook block comes out of a shared hook and a
// foreign hook we chained is put back; only our entries leave settings, .gitignore and env files; a secret the
// user may still need (NEON_API_KEY) is never deleted silently. Planned first, then applied all-or-nothing.
import path from 'node:path';
import { existsSync, readdirSync, rmdirSync } from 'node:fs';
import * as p from '@clack/prompts';
import type { Options } from '../options.ts';
import { detect } from '../detect/index.ts';
import { MANIFEST_PATH, type Manifest } from '../shared/manifest.ts';
import type { RepoInfo } from '../detect/repo.ts';
import { readText } from '../detect/fs.ts';
import { readBranchRecords } from '../detect/branch-records.ts';
import { removeOurHooks, parseSettings } from '../edits/settings.ts';
import { GITIGNORE_HEADER, anchored } from '../edits/gitignore.ts';
import { restoreFinalNewline } from '../edits/final-newline.ts';
import { EXCLUDE_DISPLAY, removeExcludeBlock } from '../edits/exclude.ts';
import { removeGitHook, CHAINED_SUFFIX } from '../hooks/git-hook.ts';
import { setEnvValues, parseEnv } from '../shared/env-file.ts';
import { sha256 } from '../plan/plan.ts';
import type { FileOp } from '../plan/ops.ts';
import { apply } from '../apply.ts';
import { formatOps } from '../ui.ts';
import { CancelledError, FailureError, UsageError } from '../errors.ts';

export interface UninstallContext {
  options: Options;
  env: NodeJS.ProcessEnv;
  cwd: string;
  interactive: boolean;
}

const ENV_HEADERS = [
  /^# Neon \(create-neon-agents\).*$/m,
  /^# Neon database branches per git worktree \(create-neon-agents\).*$/m,
];

function absPath(repo: RepoInfo, display: string): string {
  if (display.startsWith('$GIT_COMMON_DIR/'))
    return path.join(repo.commonDir, display.slice('$GIT_COMMON_DIR/'.length));
  return path.isAbsolute(display) ? display : path.join(repo.root, display);
}

function write(abs: string, display: string, previous: string, content: string, reason: string): FileOp {
  return { type: 'write', path: abs, display, content, previous, action: 'update', reason, managed: 'file', owned: '' };
}
function del(abs: string, display: string, previous: string, reason: string): FileOp {
  return { type: 'delete', path: abs, display, previous, action: 'delete', reason };
}
function keep(abs: string, display: string, previous: string, reason: string): FileOp {
  return { type: 'delete', path: abs, display, previous, action: 'skip', reason };
}

function stripEnvHeaders(text: string): string {
  let t = text;
  for (const h of ENV_HEADERS) t = t.replace(new RegExp(h.source + '\\r?\\n?', 'm'), '');
  return t;
}

export function planUninstall(repo: RepoInfo, manifest: Manifest, force: boolean): { ops: FileOp[]; notes: string[] } {
  const ops: FileOp[] = [];
  const notes: string[] = [];
  const a = manifest.answers;
  let envFileStays = false;

  for (const [display, entry] of Object.entries(manifest.files)) {
    if (display === MANIFEST_PATH) continue;
    // The env file lives in the main checkout, whichever worktree we run in.
    const abs = display === a.envFile ? path.join(repo.mainRoot, display) : absPath(repo, display);
    const text = readText(abs);
    if (text === null) continue;

    // The clone's own ignore file: exactly our block comes out (the file goes only when we created it).
    if (display === EXCLUDE_DISPLAY) {
      const next = removeExcludeBlock(text);
      if (next === '' && entry.created) ops.push(del(abs, display, text, 'held only our block'));
      else if (next !== text) ops.push(write(abs, display, text, next, 'removed our block; the rest is yours'));
      continue;
    }

    if (
      display.endsWith('/post-checkout') ||
      display === '.husky/post-checkout' ||
      /(^|\/)\.?lefthook\.ya?ml$/.test(display)
    ) {
      const r = removeGitHook(text);
      const chained = `${abs}${CHAINED_SUFFIX}`;
      if (r.content === null) {
        ops.push(del(abs, display, text, 'held only our hook'));
        if (r.restoreChained && existsSync(chained)) {
          ops.push({
            type: 'rename',
            from: chained,
            to: abs,
            display: `post-checkout${CHAINED_SUFFIX} → ${display}`,
            action: 'create',
            reason: 'put your hook back',
          });
        }
      } else if (r.content !== text)
        ops.push(write(abs, display, text, r.content, 'removed our block; the rest is yours'));
      continue;
    }

    if (entry.kind === 'file') {
      if (sha256(text) === entry.sha256 || force)
        ops.push(
          del(
            abs,
            display,
            text,
            sha256(text) === entry.sha256 ? 'written by create-neon-agents' : 'you changed it; removed (--force)',
          ),
        );
      else ops.push(keep(abs, display, text, 'you changed it; kept (--force removes it)'));
      continue;
    }

    if (entry.kind === 'json') {
      const next = removeOurHooks(text, ['WorktreeCreate', 'WorktreeRemove']);
      const empty = JSON.stringify(parseSettings(next)) === '{}';
      if (empty && entry.created) ops.push(del(abs, display, text, 'held only our hooks'));
      else if (next !== text)
        ops.push(write(abs, display, text, next, 'removed our two hooks; your settings are kept'));
      continue;
    }

    // kind 'lines': env files, .env.example, .gitignore
    if (display === '.gitignore') continue; // after the env file: its line may have to stay
    if (display.endsWith('.env.example')) {
      if (entry.created && (text === entry.base || force))
        ops.push(del(abs, display, text, 'written by create-neon-agents'));
      else if (entry.created) ops.push(keep(abs, display, text, 'you changed it; kept (--force removes it)'));
      else {
        const ours = parseEnv(entry.base ?? '');
        const values: Record<string, null> = {};
        for (const k of ours.keys()) values[k] = null;
        const stripped = stripEnvHeaders(setEnvValues(text, values));
        // Our keys went at the end: when adding them also added the file's final newline, that goes too.
        const next = stripped !== text ? restoreFinalNewline(stripped, entry.base) : text;
        if (next !== text)
          ops.push(write(abs, display, text, next, `removed the keys we added (${[...ours.keys()].join(', ')})`));
      }
      continue;
    }
    // The env file with the credentials.
    const values: Record<string, null> = { NEON_PROJECT_ID: null };
    const hasKey = parseEnv(text).has('NEON_API_KEY');
    if (force) values.NEON_API_KEY = null;
    else if (hasKey)
      notes.push(
        `Kept NEON_API_KEY in ${display}: it is a secret you may still need (delete the line yourself, or re-run with --force).`,
      );
    const next = stripEnvHeaders(setEnvValues(text, values));
    if (next.trim() === '' && entry.created)
      ops.push(del(abs, display, text, 'held only what create-neon-agents wrote'));
    else {
      envFileStays = true;
      if (next !== text) ops.push(write(abs, display, text, next, 'removed NEON_PROJECT_ID; your lines are kept'));
    }
  }

  // .gitignore: our lines go, except the env file's while that file still exists (it may hold a secret).
  const gi = manifest.files['.gitignore'];
  const giText = readText(path.join(repo.root, '.gitignore'));
  if (gi && giText !== null) {
    const ours = new Set((gi.base ?? '').split('\n').filter(Boolean));
    // Our env-file line stays while that file (with its secret) does; a line of the user's was never ours.
    const keepEnvLine = envFileStays && ours.has(anchored(a.envFile));
    if (keepEnvLine) ours.delete(anchored(a.envFile));
    const eol = giText.includes('\r\n') ? '\r\n' : '\n';
    const lines = giText.split(/\r?\n/);
    let out = lines.filter((l) => !ours.has(l));
    if (!keepEnvLine) out = out.filter((l) => l !== GITIGNORE_HEADER);
    // Drop the blank separator we added before our block.
    while (out.length > 1 && out[out.length - 1] === '' && out[out.length - 2] === '') out = out.slice(0, -1);
    let next = out.join(eol);
    if (gi.created && next.trim() === '')
      ops.push(del(path.join(repo.root, '.gitignore'), '.gitignore', giText, 'held only our lines'));
    else {
      if (!giText.endsWith('\n')) next = next.replace(/\r?\n$/, '');
      else if (next !== giText && !keepEnvLine) next = restoreFinalNewline(next, gi.base);
      if (next !== giText)
        ops.push(
          write(path.join(repo.root, '.gitignore'), '.gitignore', giText, next, 'removed our lines; yours are kept'),
        );
    }
    if (keepEnvLine) notes.push(`Kept /${a.envFile} in .gitignore because ${a.envFile} still exists.`);
  }

  const manifestText = readText(path.join(repo.root, MANIFEST_PATH));
  if (manifestText !== null)
    ops.push(del(path.join(repo.root, MANIFEST_PATH), MANIFEST_PATH, manifestText, 'the record of this setup'));
  return { ops, notes };
}

/**
 * Remove folders we emptied (.claude/agents, .claude/hooks, .claude, and a husky folder whose only file was our
 * hook, e.g. a `.husky/` made for a husky not installed yet), never one that still holds anything.
 */
function removeEmptyDirs(repo: RepoInfo, ops: FileOp[]): void {
  const hookDirs = ops
    .filter(
      (o) =>
        o.type === 'delete' &&
        o.action === 'delete' &&
        o.display.endsWith('/post-checkout') &&
        !o.display.startsWith('$GIT_COMMON_DIR/') &&
        !path.isAbsolute(o.display),
    )
    .map((o) => path.posix.dirname(o.display));
  for (const rel of [...hookDirs, '.claude/agents', '.claude/hooks', '.claude']) {
    const abs = path.join(repo.root, rel);
    try {
      if (readdirSync(abs).length === 0) rmdirSync(abs);
    } catch {
      /* absent or not empty */
    }
  }
}

export async function runUninstall(ctx: UninstallContext): Promise<number> {
  const d = detect(path.resolve(ctx.cwd, ctx.options.dir ?? '.'), ctx.env);
  if (!d.manifest) throw new FailureError(`Nothing to uninstall: no ${MANIFEST_PATH} here.`);
  const branches = readBranchRecords(d.repo.commonDir);
  const { ops, notes } = planUninstall(d.repo, d.manifest, ctx.options.force);
  const lines = formatOps(ops);
  if (ctx.options.json) {
    // reported after applying (below)
  } else
    process.stdout.write(
      `${ctx.options.dryRun ? 'Plan (dry run: nothing removed)' : 'Uninstall'}:\n${lines.map((l) => `  ${l}`).join('\n')}\n`,
    );
  if (ctx.options.dryRun) return 0;
  if (ctx.interactive) {
    const ok = await p.confirm({ message: 'Remove these?', initialValue: false });
    if (p.isCancel(ok) || !ok) throw new CancelledError('Cancelled: nothing was removed');
  } else if (!ctx.options.yes) {
    throw new UsageError('uninstall changes files: re-run with --yes to confirm (or --dry-run to see the plan)');
  }
  const { written } = apply(ops);
  removeEmptyDirs(d.repo, ops);
  if (ctx.options.json) {
    process.stdout.write(
      JSON.stringify(
        {
          ok: true,
          files: ops.map((o) => ({ path: o.display, action: o.action, reason: o.reason })),
          changed: written,
          notes,
        },
        null,
        2,
      ) + '\n',
    );
  } else {
    for (const n of notes) process.stdout.write(`note: ${n}\n`);
    process.stdout.write(`Removed create-neon-agents from ${d.repo.root}.\n`);
    if (branches.length) {
      process.stdout.write(
        `Neon branches this clone created still exist (uninstall does not touch Neon):\n${branches
          .map((b) => `  ${b.neonBranch}  ${b.expiresAt ? `expires ${b.expiresAt}` : 'never expires'}`)
          .join(
            '\n',
          )}\nDelete the ones you no longer need in the Neon Console (or, before uninstalling, with \`node .claude/hooks/neon-worktree.mjs prune --yes\`).\n`,
      );
    }
  }
  return 0;
}
