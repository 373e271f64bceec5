// neon-worktree: the per-worktree runtime of create-neon-agents (bundled to .claude/hooks/neon-worktree.mjs).
// The entry point: the command line and this process become one RuntimeContext (context.ts), the command runs with
// it (commands/), and its result is the exit code. No other module reads the environment, the arguments, the
// working directory or stdin.
import { runCommand } from './commands/index.ts';
import { createContext } from './context.ts';

const [command, ...args] = process.argv.slice(2);
runCommand(createContext(process, args), command).then((code) => {
  process.exitCode = code;
});
