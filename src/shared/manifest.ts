// The manifest `.claude/neon-agents.json` is the contract between the initializer (which writes it) and the
// runtime `.claude/hooks/neon-worktree.mjs` (which reads `answers` on every provision). It is committed, so it
// holds no secrets: the API key lives in the user's credentials file, the main checkout's env file or the
// environment (src/shared/key-store.ts).

export const MANIFEST_PATH = '.claude/neon-agents.json';
export const RUNTIME_PATH = '.claude/hooks/neon-worktree.mjs';

export const PERMISSION_MODES = ['default', 'acceptEdits', 'dontAsk', 'bypassPermissions', 'plan'] as const;

/**
 * The tools that start agents in worktrees which this setup wires: Claude Code (its WorktreeCreate/WorktreeRemove
 * hooks, and SessionStart for the desktop app), and the tools whose own setup/teardown hooks call the runtime.
 */
export const TOOLS = ['claude', 'codex', 'conductor', 'worktrunk', 'cursor', 'gtr'] as const;
export type ToolId = (typeof TOOLS)[number];
export type PermissionMode = (typeof PERMISSION_MODES)[number];
/** What data an agent branch starts with: a full copy of the parent's, or one with personal data masked. */
export const AGENT_DATA = ['full', 'anonymized'] as const;
export type AgentData = (typeof AGENT_DATA)[number];
/** Where the initializer keeps the API key (src/shared/key-store.ts). */
export const KEY_STORES = ['user', 'env-file'] as const;
export type KeyStore = (typeof KEY_STORES)[number];
/** The user credentials file, as the documentation names it (the XDG default). */
export const USER_CREDENTIALS_DISPLAY = '~/.config/create-neon-agents/credentials.json';

export interface ManifestAnswers {
  /** Neon project id, e.g. `winter-sun-12345678`. Not a secret. */
  projectId: string;
  /** Agent roles written to `.claude/agents/<role>.md`. */
  roles: string[];
  permissionMode: PermissionMode;
  /** Neon branch that agent branches are created from; null = the project's default branch (asked of the API). */
  parentBranch: string | null;
  /** Days until agent branches expire; 0 = never. At most 30 (Neon's limit). */
  branchTtlDays: number;
  /** Env file the app reads DATABASE_URL from, relative to the repo root (e.g. `.env`, `apps/web/.env.local`). */
  envFile: string;
  /**
   * The variable the app reads its connection URL from (`DATABASE_URL`; `POSTGRES_URL` in create-t3-turbo; whatever
   * `schema.prisma`'s `url`, Prisma 7's `prisma.config.ts` `datasource.url` or `drizzle.config.*` names). Each
   * worktree's env file gets its own branch's URL under this name. Every other value that points at the parent
   * branch is rewritten or removed whatever its name (see src/shared/db-targets.ts).
   */
  databaseUrlVar: string;
  /** Write the pooled (`-pooler`) host into the database URL variable. */
  pooled: boolean;
  /** Also write the direct (unpooled) URL under this name, e.g. `DIRECT_URL` (Prisma) or `DATABASE_URL_UNPOOLED`. */
  directUrlVar: string | null;
  /** Database and role for connection strings; null = the branch's only one (Neon returns connection_uris then). */
  databaseName: string | null;
  roleName: string | null;
  gitHook: boolean;
  claudeHooks: boolean;
  /** What `worktree-create` does when the Neon branch cannot be made: refuse the worktree, or continue without a DB. */
  onProvisionFailure: 'fail' | 'continue';
  /**
   * Longest a provisioning may take (seconds) before it fails closed with the reason. Claude Code kills a
   * WorktreeCreate hook at its `timeout` (we register 120 s), so this stays well under it.
   */
  provisionTimeoutSeconds: number;
  /**
   * Give each agent branch a password of its own (`reset_password` right after it is made): a child branch
   * inherits its parent's passwords, so otherwise a worktree's URL with its host swapped opens the parent.
   */
  ownBranchPassword: boolean;
  /**
   * `anonymized`: each agent branch is a Neon anonymized branch masked by the committed rules file
   * (src/shared/masking.ts), and a worktree gets its URL only once Neon has applied every rule.
   */
  agentData: AgentData;
  /**
   * Where the initializer keeps the Neon API key it is given: `user` (the user credentials file, outside every
   * repository: agents working in the repo never come across it) or `env-file` (the main checkout's env file, whose
   * reading Claude's file tools are then denied). The runtime reads both, whatever this says.
   */
  keyStore: KeyStore;
  /** Tools whose worktrees get a branch through their own setup/teardown hooks (TOOLS); `claude` as claudeHooks. */
  tools: ToolId[];
}

export interface ManagedFile {
  /** How we own it: the whole file, a marked block inside it, some lines, or some JSON keys. */
  kind: 'file' | 'block' | 'lines' | 'json';
  /** sha256 (hex) of our last render (the whole file for `file`, our part otherwise): the upgrade's merge base. */
  sha256: string;
  /** git blob id of that render, so the base can be recovered from git's object store when not stored here. */
  blob?: string;
  /** The render itself (small files only), so an upgrade can three-way merge against it without git. */
  base?: string;
  /** We created the file (uninstall may delete it once our part is gone). */
  created?: boolean;
}

export interface Manifest {
  tool: 'create-neon-agents';
  /** Version of create-neon-agents that wrote this manifest. */
  version: string;
  answers: ManifestAnswers;
  /** Keyed by path relative to the repo root (hook files outside the work tree use a `$GIT_COMMON_DIR/…` prefix). */
  files: Record<string, ManagedFile>;
}

/** The variable a worktree's own URL goes under: the one the app reads its URL from. */
export function urlVar(a: Pick<ManifestAnswers, 'databaseUrlVar'>): string {
  return a.databaseUrlVar || 'DATABASE_URL';
}

/** The app's database variables: the one it reads its URL from, the direct one, and DATABASE_URL, de-duplicated. */
export function dbVars(a: Pick<ManifestAnswers, 'databaseUrlVar' | 'directUrlVar'>): string[] {
  return [...new Set([urlVar(a), ...(a.directUrlVar ? [a.directUrlVar] : []), 'DATABASE_URL'])];
}

export const DEFAULT_ANSWERS: Omit<ManifestAnswers, 'projectId'> = {
  roles: ['feature-developer', 'data-optimizer'],
  permissionMode: 'bypassPermissions',
  parentBranch: null,
  branchTtlDays: 14,
  envFile: '.env',
  databaseUrlVar: 'DATABASE_URL',
  pooled: true,
  directUrlVar: null,
  databaseName: null,
  roleName: null,
  gitHook: true,
  claudeHooks: true,
  onProvisionFailure: 'fail',
  provisionTimeoutSeconds: 60,
  ownBranchPassword: true,
  agentData: 'full',
  keyStore: 'user',
  tools: ['claude'],
};

/**
 * A manifest that cannot be read. Re-running create-neon-agents would not help (it reads the manifest first), so
 * the message says what does: put it back from git, or delete it to set up afresh.
 */
export class ManifestError extends Error {
  override name = 'ManifestError';
}

const MANIFEST_FIX = `restore it from git (git checkout -- ${MANIFEST_PATH}), or delete it and run create-neon-agents again to set up afresh (your own edits to the files it wrote are then treated as files it did not write)`;

/** Parse and sanity-check a manifest's text; throws a ManifestError whose message names the problem and the fix. */
export function parseManifest(text: string): Manifest {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (e) {
    throw new ManifestError(`${MANIFEST_PATH} is not valid JSON (${(e as Error).message}): ${MANIFEST_FIX}`);
  }
  const m = data as Partial<Manifest>;
  if (!m || typeof m !== 'object' || m.tool !== 'create-neon-agents' || typeof m.answers !== 'object' || !m.answers) {
    throw new ManifestError(`${MANIFEST_PATH} is not a create-neon-agents manifest: ${MANIFEST_FIX}`);
  }
  return {
    files: {},
    ...m,
    // A manifest from before keyStore kept its key in the env file: an upgrade keeps it there (a worktree made
    // from a commit with that release's runtime reads nowhere else); --key-store user moves it.
    answers: { ...DEFAULT_ANSWERS, keyStore: 'env-file', projectId: '', ...(m.answers as Partial<ManifestAnswers>) },
  } as Manifest;
}
