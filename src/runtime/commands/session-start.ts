// Claude Code's SessionStart hook (JSON on stdin: session_id, cwd, hook_event_name, source). Claude Code desktop does
// not reliably call WorktreeCreate, and its git worktrees skip our git hook, but SessionStart runs in the session's
// worktree: there this does what `ensure` does. Claude Code adds a SessionStart hook's stdout to the model's context,
// so nothing is ever printed there; what is said goes to stderr.
//
// In the main checkout, or any checkout that is not a linked worktree, or a repository without our setup: nothing,
// silently (exit 0). A new session (`source: startup`) asks Neon whether its branch still exists, as ensure does; a
// resumed, cleared or compacted one only checks locally that its env file still names its own branch (no Neon
// request when it does). The session id is recorded: a new session in a directory whose branch an earlier session
// made, now on another git branch, gets a fresh branch (Claude desktop's worktree pool; see reuse.ts). On failure
// the env files are left with no URL of another database and the reason is said in one line, exit 1: Claude Code
// shows the stderr of a SessionStart hook that exits non-zero, and a non-zero exit does not stop the session.
import type { RuntimeContext } from '../context.ts';
import { isDir } from '../git.ts';
import { readHookInput } from '../hook-input.ts';
import { provision } from '../provision.ts';
import { RuntimeError } from '../util.ts';

/** SessionStart's `source` values that continue a session rather than start one. */
const CONTINUED = new Set(['resume', 'clear', 'compact']);

export async function sessionStart(ctx: RuntimeContext): Promise<number> {
  const input = readHookInput(ctx);
  // The session's own directory: the input's cwd (CLAUDE_PROJECT_DIR may name the repository the session came from).
  const dir = typeof input.cwd === 'string' && input.cwd ? input.cwd : ctx.cwd;
  if (!isDir(dir)) throw new RuntimeError(`the session's directory ${dir} does not exist`, 'input');
  const wt = ctx.at(dir);
  try {
    if (!wt.checkout().isLinked || !wt.answers()) return 0;
  } catch (e) {
    // Not in a git work tree at all: nothing of ours. Any other failure is said (exit 1).
    if (/not a git repository|must be run in a work tree/.test((e as Error).message)) return 0;
    throw e;
  }
  const source = typeof input.source === 'string' ? input.source : 'startup';
  const continued = CONTINUED.has(source);
  const id = typeof input.session_id === 'string' && input.session_id ? input.session_id : null;
  const out = await provision(wt, {
    recheck: !continued,
    session: id ? { id, isNew: !continued } : undefined,
  });
  return out.status === 'failed' ? 1 : 0;
}
