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

Credentials: NEON_API_KEY in the environment, else in the main checkout's env file, else the Neon CLI's login
(its credentials file; the CLI is started only to refresh an expired login).
Environment: NEON_API_KEY, NEON_PROJECT_ID, NEON_API_HOST (the Neon API's base URL), NEON_AGENTS_SKIP_HOOK=1 (do
nothing in post-checkout), NEON_AGENTS_NEON_BIN (Neon CLI for that refresh), NEON_AGENTS_REQUEST_TIMEOUT_MS (per
request, default 30000),
NEON_AGENTS_PROVISION_TIMEOUT (seconds for all of a call's Neon work; default provisionTimeoutSeconds in
.claude/neon-agents.json, 60).
`;

async function main(argv: string[]): Promise<number> {
  const [cmd, ...rest] = argv;
  switch (cmd) {
    case 'post-checkout':
      try {
        return await postCheckout(rest);
      } catch (e) {
        say(`post-checkout: ${(e as Error).message}`);
        return 0; // never fail the checkout
      }
    case 'worktree-create':
      return await worktreeCreate();
    case 'worktree-remove':
      try {
        return await worktreeRemove();
      } catch (e) {
        say(`worktree-remove: ${(e as Error).message}`);
        return 0;
      }
    case 'ensure':
      return await ensure();
    case 'status':
      return await status();
    case 'prune':
      return await prune(rest);
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (e: unknown) => {
    say(`${(e as Error).message.split('\n')[0]}`);
    process.exitCode = 1;
  },
);
