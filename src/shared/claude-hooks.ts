// The Claude Code hooks the initializer registers in `.claude/settings.json`, and the runtime's commands.
// Shared so the initializer, the runtime's docs and the tests use the same strings.
import { RUNTIME_PATH } from './manifest.ts';

export const WORKTREE_CREATE_COMMAND = `node "$CLAUDE_PROJECT_DIR/${RUNTIME_PATH}" worktree-create`;
export const WORKTREE_REMOVE_COMMAND = `node "$CLAUDE_PROJECT_DIR/${RUNTIME_PATH}" worktree-remove`;
export const WORKTREE_CREATE_TIMEOUT = 120;
export const WORKTREE_REMOVE_TIMEOUT = 60;

/**
 * SessionStart: Claude Code desktop does not reliably call WorktreeCreate for its sessions' worktrees (it leases
 * them from a pool), but runs SessionStart in each; the runtime's session-start provisions a worktree that lacks its
 * branch and does nothing in the main checkout. The timeout leaves room for the provisioning deadline.
 */
export const SESSION_START_COMMAND = `node "$CLAUDE_PROJECT_DIR/${RUNTIME_PATH}" session-start`;
export const SESSION_START_TIMEOUT = 120;

/** Our hook per Claude Code event, as each goes into `.claude/settings.json` (one group of ours per event). */
export const CLAUDE_HOOKS = {
  WorktreeCreate: { type: 'command', command: WORKTREE_CREATE_COMMAND, timeout: WORKTREE_CREATE_TIMEOUT },
  WorktreeRemove: { type: 'command', command: WORKTREE_REMOVE_COMMAND, timeout: WORKTREE_REMOVE_TIMEOUT },
  SessionStart: { type: 'command', command: SESSION_START_COMMAND, timeout: SESSION_START_TIMEOUT },
} as const;

/** The `hooks` object to merge into `.claude/settings.json`. */
export function claudeSettingsHooks() {
  return Object.fromEntries(Object.entries(CLAUDE_HOOKS).map(([event, hook]) => [event, [{ hooks: [{ ...hook }] }]]));
}

/** Env var that makes our git hook (and the runtime's post-checkout) do nothing; set around our own `git worktree add`. */
export const SKIP_HOOK_ENV = 'NEON_AGENTS_SKIP_HOOK';

/**
 * The runtime as a shell word that works from any worktree, also one whose base commit predates the setup (Claude's
 * "fresh" worktrees start from origin/HEAD, which may not hold `.claude/hooks/` yet): the main checkout's copy,
 * found through git (the first entry of `git worktree list` is the main checkout). For instructions that agents
 * and people paste into a shell: `node ${RUNTIME_ANYWHERE} status`.
 */
export const RUNTIME_ANYWHERE = `"$(git worktree list --porcelain | head -n 1 | cut -c 10-)/${RUNTIME_PATH}"`;
