// .gitignore is edited by lines: we add only the entries that are missing, under one comment, and keep every
// other byte. Whether an entry is "missing" is decided by `git check-ignore` during detection (a pattern like
// `.env*` already covers `.env`), so this function receives just the lines still needed.
export const GITIGNORE_HEADER = '# create-neon-agents: per-worktree env files and Claude Code worktrees';

export function addGitignoreLines(text: string | null, lines: string[]): string {
  const current = text ?? '';
  const existing = new Set(current.split(/\r?\n/).map((l) => l.trim()));
  const missing = lines.filter((l) => !existing.has(l));
  if (missing.length === 0) return current;
  const eol = current.includes('\r\n') ? '\r\n' : '\n';
  let out = current;
  if (out.length && !out.endsWith('\n')) out += eol;
  if (out.length && !/\r?\n\r?\n$/.test(out)) out += eol;
  const block = existing.has(GITIGNORE_HEADER) ? missing : [GITIGNORE_HEADER, ...missing];
  return out + block.join(eol) + eol;
}

/** A repo-relative path as an anchored .gitignore pattern. */
export function anchored(p: string): string {
  return p.startsWith('/') ? p : `/${p}`;
}
