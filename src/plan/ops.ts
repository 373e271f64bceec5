// A plan is a list of file operations computed without touching the disk; `apply` performs them.
// Paths are absolute; `display` is what people see (repo-relative, or `$GIT_COMMON_DIR/hooks/…`).

export type Action = 'create' | 'update' | 'unchanged' | 'skip' | 'conflict' | 'delete';

export interface WriteOp {
  type: 'write';
  path: string;
  display: string;
  /** The full new content of the file. */
  content: string;
  /** What is on disk now (null = absent). */
  previous: string | null;
  mode?: number;
  action: Action;
  /** Why this action (shown in --dry-run and on the confirm screen). */
  reason: string;
  /** How we own the file; drives the manifest entry. */
  managed: 'file' | 'block' | 'lines' | 'json';
  /** The part we own, for the manifest (whole content for `file`). */
  owned: string;
  /** Content holds a secret: never print it. */
  secret?: boolean;
  /** Mode of the folders this write creates (0700 for the user credentials file's). */
  dirMode?: number;
  /** Not a file of the repository's (the user credentials file): no manifest entry. */
  unrecorded?: boolean;
  /** For a conflict: this version's clean render (what "take the new version" writes). */
  conflictTheirs?: string;
  /** For a conflict: our earlier render, the merge base (absent when unknown). */
  conflictBase?: string;
}

export interface RenameOp {
  type: 'rename';
  from: string;
  to: string;
  display: string;
  action: 'create' | 'skip';
  reason: string;
}

export interface DeleteOp {
  type: 'delete';
  path: string;
  display: string;
  previous: string;
  action: 'delete' | 'skip';
  reason: string;
}

export type FileOp = WriteOp | RenameOp | DeleteOp;
