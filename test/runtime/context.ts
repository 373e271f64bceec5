// A RuntimeContext for running a runtime command in the test's own process: the cwd, environment, arguments and
// stdin are the test's, and what the command says (stderr) and prints (stdout) is captured.
import fs from 'node:fs';
import path from 'node:path';
import { makeContext, type RuntimeContext } from '../../src/runtime/context.ts';
import type { BranchRecord } from '../../src/runtime/state.ts';

export interface TestCall {
  ctx: RuntimeContext;
  /** Everything said on stderr so far. */
  stderr: () => string;
  /** Everything printed on stdout so far. */
  stdout: () => string;
  /** How many times stdin was read from its source. */
  stdinReads: () => number;
}

export function testContext(options: {
  cwd: string;
  env: Record<string, string>;
  argv?: string[];
  stdin?: string;
  /** What is typed on the terminal when the command asks (default: no terminal, so it cannot ask). */
  typed?: string;
  startedAt?: number;
}): TestCall {
  let stderr = '';
  let stdout = '';
  let reads = 0;
  const ctx = makeContext({
    env: options.env,
    argv: options.argv ?? [],
    cwd: options.cwd,
    home: options.env.HOME ?? path.join(options.cwd, '.no-home'),
    readStdin: () => {
      reads++;
      return options.stdin ?? '';
    },
    stderr: (text) => {
      stderr += text;
    },
    stdout: (text) => {
      stdout += text;
    },
    ask:
      options.typed === undefined
        ? undefined
        : async (question) => {
            stderr += question;
            return options.typed!;
          },
    startedAt: options.startedAt,
  });
  return { ctx, stderr: () => stderr, stdout: () => stdout, stdinReads: () => reads };
}

/** The branch records the runtime keeps in a repository's common git dir. */
export function branchRecords(repo: string): BranchRecord[] {
  const dir = path.join(repo, '.git/neon-agents/branches');
  return fs.existsSync(dir)
    ? fs.readdirSync(dir).map((f) => JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8')) as BranchRecord)
    : [];
}
