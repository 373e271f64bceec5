// The command table: a command name and a context in, an exit code out. What each command may not do to its caller
// (fail a checkout, fail a worktree removal) is decided here, as is what any other error becomes: one line, exit 1.
import type { RuntimeContext } from '../context.ts';
import { diff } from './diff.ts';
import { ensure } from './ensure.ts';
import { list } from './list.ts';
import { postCheckout } from './post-checkout.ts';
import { prune } from './prune.ts';
import { release } from './release.ts';
import { reset } from './reset.ts';
import { sessionStart } from './session-start.ts';
import { status } from './status.ts';
import { worktreeCreate } from './worktree-create.ts';
import { worktreeRemove } from './worktree-remove.ts';

export const HELP = `neon-worktree — gives each git worktree its own Neon branch (create-neon-agents)

Usage: node .claude/hooks/neon-worktree.mjs <command>

  post-checkout <prev> <new> <flag>  from the git hook: provision a new worktree; on a branch switch point the
                                     env file at the Neon branch mapped to that git branch
  worktree-create                    Claude Code WorktreeCreate hook (JSON on stdin; prints the path)
  worktree-remove                    Claude Code WorktreeRemove hook (JSON on stdin; never fails)
  ensure                             provision this worktree now (idempotent; for tools that skip git hooks)
  session-start                      Claude Code SessionStart hook (JSON on stdin): what ensure does, in linked
                                     worktrees only; nothing on stdout; on resume/clear/compact only a local check
  release [--path <dir>] [--force]   before a tool removes a worktree: delete its Neon branch (kept when its git
                                     branch has commits beyond its base, unless --force); never touches git; exit 0
  status [--offline]                 which Neon branch this checkout uses, and why (asks Neon whether it still exists;
                                     exit 1 when this worktree has no database of its own, or any of its env
                                     files still reaches the main checkout's database)
  prune [--yes]                      list (delete with --yes) Neon branches this clone made whose git branch
                                     and worktree are both gone
  diff [options]                     in an agent's worktree: its schema changes against its parent branch, as a
                                     unified SQL diff; --exit-code (1 when any), --json, --name-only, --database NAME
  list [--json] [--schema]           this clone's agent branches (worktree, git and Neon branch, created, expires,
                                     state: active, kept, orphaned, gone); --schema: whether each schema changed
  reset [--yes]                      in an agent's worktree: its Neon branch gets a fresh copy of its parent's
                                     data and schema; same URL (a new password of its own); asks first unless --yes
  --help                             this text

Credentials: NEON_API_KEY in the environment, else in the main checkout's env file, else the Neon CLI's login
(its credentials file; the CLI is started only to refresh an expired login).
Environment: NEON_API_KEY, NEON_PROJECT_ID, NEON_API_HOST (the Neon API's base URL), NEON_AGENTS_SKIP_HOOK=1 (do
nothing in post-checkout), NEON_AGENTS_NEON_BIN (Neon CLI for that refresh), NEON_AGENTS_REQUEST_TIMEOUT_MS (per
request, default 30000),
NEON_AGENTS_PROVISION_TIMEOUT (seconds for all of a call's Neon work; default provisionTimeoutSeconds in
.claude/neon-agents.json, 60).
`;

async function dispatch(ctx: RuntimeContext, command: string | undefined): Promise<number> {
  switch (command) {
    case 'post-checkout':
      try {
        return await postCheckout(ctx);
      } catch (e) {
        ctx.say(`post-checkout: ${(e as Error).message}`);
        return 0; // never fail the checkout
      }
    case 'worktree-create':
      return await worktreeCreate(ctx);
    case 'worktree-remove':
      try {
        return await worktreeRemove(ctx);
      } catch (e) {
        ctx.say(`worktree-remove: ${(e as Error).message}`);
        return 0;
      }
    case 'ensure':
      return await ensure(ctx);
    case 'session-start':
      return await sessionStart(ctx);
    case 'release':
      return await release(ctx); // never fails: a teardown must not block its tool
    case 'status':
      return await status(ctx);
    case 'prune':
      return await prune(ctx);
    case 'diff':
      return await diff(ctx);
    case 'list':
      return await list(ctx);
    case 'reset':
      return await reset(ctx);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      ctx.print(HELP);
      return command === undefined ? 2 : 0; // no command is a usage error, like an unknown one
    default:
      ctx.say(`unknown command ${JSON.stringify(command)}; see --help`);
      return 2;
  }
}

/** Run one command; never rejects: an error is said in one line (its first) and is exit code 1. */
export async function runCommand(ctx: RuntimeContext, command: string | undefined): Promise<number> {
  try {
    return await dispatch(ctx, command);
  } catch (e) {
    ctx.say(`${(e as Error).message.split('\n')[0]}`);
    return 1;
  }
}
