// `$(git rev-parse --git-common-dir)/info/exclude`: ignore patterns local to this clone, shared by all its
// worktrees, never committed. Claude Code makes its worktrees from origin/HEAD, so until the setup is pushed they lack
// the committed .gitignore lines: there the worktree's env file (with its branch's password) would be untracked and
// not ignored, an agent's `git add -A` would commit it, and WorktreeRemove would keep every such "dirty" worktree.
// Our lines live in one marked block; everything else in the file keeps its bytes, and removing the block gives
// back exactly the file as it was (with or without a final newline).
//
// Pure functions over the file's text, like src/edits/gitignore.ts.
import { anchored } from './gitignore.ts';

/** The manifest key (and display name) of the file: in the common git dir, whichever worktree we run in. */
export const EXCLUDE_DISPLAY = '$GIT_COMMON_DIR/info/exclude';
export const EXCLUDE_START = '# >>> create-neon-agents >>>';
export const EXCLUDE_END = '# <<< create-neon-agents <<<';
export const EXCLUDE_NOTE =
  '# Env files of worktrees hold database passwords; local to this clone (the committed .gitignore may not be in every worktree yet).';

interface Pattern {
  re: RegExp;
  negate: boolean;
  dirOnly: boolean;
}

/** One gitignore line as a matcher over repo-relative paths (`a/b/c`), or null for blanks and comments. */
export function compilePattern(line: string): Pattern | null {
  let p = line.replace(/\r$/, '');
  if (!p || p.startsWith('#')) return null;
  p = p.replace(/(?<!\\)[ \t]+$/, '');
  let negate = false;
  if (p.startsWith('!')) {
    negate = true;
    p = p.slice(1);
  } else if (p.startsWith('\\!') || p.startsWith('\\#')) p = p.slice(1);
  const dirOnly = p.endsWith('/');
  if (dirOnly) p = p.replace(/\/+$/, '');
  if (!p) return null;
  const isAnchored = p.includes('/');
  if (p.startsWith('/')) p = p.slice(1);
  let re = '';
  for (let i = 0; i < p.length; i++) {
    const c = p[i]!;
    if (c === '*' && p[i + 1] === '*' && (i === 0 || p[i - 1] === '/') && (i + 2 === p.length || p[i + 2] === '/')) {
      if (i + 2 === p.length)
        re += '.*'; // trailing `**`: everything inside
      else re += '(?:[^/]*/)*'; // `**/`: zero or more folders
      i += 2;
      continue;
    }
    if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '[') {
      const close = p.indexOf(']', i + 2);
      if (close === -1) re += '\\[';
      else {
        let body = p.slice(i + 1, close);
        if (body.startsWith('!')) body = `^${body.slice(1)}`;
        re += `[${body.replace(/\\/g, '\\\\')}]`;
        i = close;
      }
    } else if (c === '\\' && i + 1 < p.length) re += p[++i]!.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    else re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
  }
  return { re: new RegExp(isAnchored ? `^${re}$` : `^(?:.*/)?${re}$`), negate, dirOnly };
}

/**
 * Whether gitignore `lines` (one file's, in order) ignore the repo-relative path `rel` (a folder when it ends in
 * `/`). The last matching line wins, and nothing inside an ignored folder can be re-included (git's rules).
 */
export function ignoredBy(lines: string[], rel: string): boolean {
  const patterns = lines.map(compilePattern).filter((x): x is Pattern => x !== null);
  const isDir = rel.endsWith('/');
  const parts = rel.replace(/\/+$/, '').split('/').filter(Boolean);
  const judge = (p: string, dir: boolean): boolean => {
    let out = false;
    for (const pat of patterns) if ((!pat.dirOnly || dir) && pat.re.test(p)) out = !pat.negate;
    return out;
  };
  for (let i = 1; i < parts.length; i++) if (judge(parts.slice(0, i).join('/'), true)) return true;
  return judge(parts.join('/'), isDir);
}

function blockRange(text: string): { start: number; end: number } | null {
  const start = text.search(/^# >>> create-neon-agents >>>[^\S\r\n]*\r?$/m);
  if (start === -1) return null;
  const endMarker = text.indexOf(EXCLUDE_END, start);
  if (endMarker === -1) return null;
  let end = endMarker + EXCLUDE_END.length;
  if (text[end] === '\r') end++;
  if (text[end] === '\n') end++;
  return { start, end };
}

/** The file's text without our block: exactly what it was before we added it. */
export function removeExcludeBlock(text: string): string {
  const r = blockRange(text);
  return r ? text.slice(0, r.start) + text.slice(r.end) : text;
}

export function hasExcludeBlock(text: string | null): boolean {
  return text !== null && blockRange(text) !== null;
}

/**
 * The lines this clone needs, given the file's current text: each one only when the file's own lines (outside our
 * block) do not ignore that path already. `.env` and `.env.*` are the env files the runtime writes in a worktree
 * (the configured one, and the copies it retargets); `.env*.example`/`.sample`/`.template` stay committable (the
 * setup's own `.env.example` must be).
 */
export function excludeLines(
  text: string | null,
  envFile: string,
  worktreesDir: string,
  extra: string[] = [],
): string[] {
  const user = removeExcludeBlock(text ?? '').split(/\r?\n/);
  const out: string[] = [];
  if (!ignoredBy(user, '.env')) out.push('.env');
  if (!ignoredBy(user, '.env.local') || !ignoredBy(user, '.env.development'))
    out.push('.env.*', '!.env*.example', '!.env*.sample', '!.env*.template');
  if (!ignoredBy(user, envFile)) out.push(anchored(envFile));
  const dir = worktreesDir.endsWith('/') ? worktreesDir : `${worktreesDir}/`;
  if (!ignoredBy(user, dir)) out.push(anchored(dir));
  for (const rel of extra) if (!ignoredBy(user, rel)) out.push(anchored(rel));
  return out;
}

/** Our marked block holding `lines`, in the file's line endings. */
export function excludeBlock(lines: string[], eol = '\n'): string {
  return [EXCLUDE_START, EXCLUDE_NOTE, ...lines, EXCLUDE_END, ''].join(eol);
}

/**
 * The file with our block holding `lines`: replaced in place when it is there, else put first (so the file's own
 * lines, read after ours, still win, and taking the block out gives back every byte). No lines: no block.
 */
export function upsertExcludeBlock(text: string | null, lines: string[]): string {
  const current = text ?? '';
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  const block = lines.length ? excludeBlock(lines, eol) : '';
  const r = blockRange(current);
  if (r) return current.slice(0, r.start) + block + current.slice(r.end);
  return block + current;
}
