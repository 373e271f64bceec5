// neon-worktree: the per-worktree runtime of create-neon-agents (bundled to .claude/hooks/neon-worktree.mjs).
import { ensure, postCheckout, prune, status, worktreeCreate, worktreeRemove } from './commands.ts';
import { say } from './util.ts';

const HELP = `neon-worktree — gives each git worktree its own Neon branch (create-neon-agents)

Usage: node .claude/hooks/neon-worktree.mjs <command>

  post-checkout <prev> <new> <flag>  from the git hook: provision a new worktree; on a branch switch point the
                                     env file at the Neon branch mapped to that git branch
  worktree-create                    Claude Code WorktreeCreate hook (JSON on stdin; prints the path)
  worktree-remove                    Claude Code WorktreeRemove hook (JSON on stdin; never fails)
  ensure                             provision this worktree now (idempotent; for tools that skip git hooks)
  status [--offline]                 which Neon branch this checkout uses, and why (asks Neon whether it still exists;
                                     exit 1 when this worktree has no database of its own, or any of its env
                                     files still reaches the main checkout's database)
  prune [--yes]                      list (delete with --yes) Neon branches this clone made whose git branch
                                     and worktree are both gone
  --help                             this text

Environment: NEON_API_KEY, NEON_PROJECT_ID, NEON_AGENTS_SKIP_HOOK=1 (do nothing in post-checkout),
NEON_AGENTS_NEON_BIN (Neon CLI to use), NEON_AGENTS_CLI_TIMEOUT_MS (per CLI call, default 45000),
NEON_AGENTS_PROVISION_TIMEOUT (seconds for all of a call's Neon work; default provisionTimeoutSeconds in
.claude/neon-agents.json, 60).
`;

function main(argv: string[]): number {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'post-checkout':
      try {
        return postCheckout(rest);
      } catch (e) {
        say(`post-checkout: ${(e as Error).message}`);
        return 0; // never fail the checkout
      }
    case 'worktree-create':
      return worktreeCreate();
    case 'worktree-remove':
      try {
        return worktreeRemove();
      } catch (e) {
        say(`worktree-remove: ${(e as Error).message}`);
        return 0;
      }
    case 'ensure':
      return ensure();
    case 'status':
      return status();
    case 'prune':
      return prune(rest);
    case undefined:
    case '--help':
    case '-h':
    case 'help':
      process.stdout.write(HELP);
      return cmd === undefined ? 2 : 0; // no command is a usage error, like an unknown one
    default:
      say(`unknown command ${JSON.stringify(cmd)}; see --help`);
      return 2;
  }
}

let code: number;
try {
  code = main(process.argv.slice(2));
} catch (e) {
  say(`${(e as Error).message.split('\n')[0]}`);
  code = 1;
}
process.exitCode = code;
