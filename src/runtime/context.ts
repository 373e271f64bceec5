// The one place the runtime meets its process. createContext(process, args) takes the environment, the working
// directory, the home directory and (lazily, once) stdin, and writes stderr and stdout; every command and helper
// gets them from the RuntimeContext instead, so a test runs a command in-process with its own (makeContext). What
// several steps of one call need (the checkout, the main checkout, the manifest's answers, the credentials, the
// branch records, git's worktree list) is computed once per context and kept there, never in a module: two calls
// never share state.
import fs from 'node:fs';
import os from 'node:os';
import readline from 'node:readline';
import type { ManifestAnswers } from '../shared/manifest.ts';
import { findCredentials, loadAnswers, type Credentials } from './config.ts';
import { Git, type Checkout } from './git.ts';
import { BranchRecords } from './state.ts';
import { TAG, type RuntimeEnv } from './util.ts';

/** What a context is made from: createContext() takes these from the process, a test gives its own. */
export interface ContextInput {
  env: RuntimeEnv;
  /** The command's own arguments (those after its name). */
  argv: readonly string[];
  cwd: string;
  /** Where ~/.claude/settings.json and the Neon CLI's ~/.config/neon are. */
  home: string;
  /** All of stdin; called at most once, and only by a command that reads its input. */
  readStdin: () => string;
  /**
   * What is piped to stdin, for a command that may or may not be given input: null at once when stdin is a terminal,
   * and never waiting long on a pipe nobody writes to or closes (see createContext). Default: readStdin's text.
   */
  readPipedStdin?: () => Promise<string | null>;
  stderr: (text: string) => void;
  stdout: (text: string) => void;
  /**
   * A question answered on a terminal (`reset`'s confirmation): the line typed (null: none, e.g. Ctrl-D). Absent when
   * stdin is no terminal: nobody to ask.
   */
  ask?: (question: string) => Promise<string | null>;
  /** When the call started (epoch ms; default now): its Neon work is bounded from here (provisionTimeoutSeconds). */
  startedAt?: number;
}

export interface RuntimeContext {
  readonly env: RuntimeEnv;
  readonly argv: readonly string[];
  readonly cwd: string;
  readonly home: string;
  readonly startedAt: number;
  /** git with this call's environment, and the repository's worktree list (shared by at()). */
  readonly git: Git;
  /** stdin's text, read on the first call. */
  stdin(): string;
  /** What a tool piped to stdin (its JSON), or null: nothing, or a terminal. Read on the first call. */
  pipedStdin(): Promise<string | null>;
  /** One human-readable line on stderr (stdout is reserved for WorktreeCreate's path and the reports). */
  say(msg: string): void;
  /** Text on stdout, as given. */
  print(text: string): void;
  /** Whether stdin is a terminal, so that ask() can ask someone. */
  readonly canAsk: boolean;
  /** Ask a question on the terminal (stderr), and read the line typed; null: no answer, or nobody to ask. */
  ask(question: string): Promise<string | null>;
  /** The checkout `cwd` is in. */
  checkout(): Checkout;
  /** The repository's main checkout (first non-bare entry of `git worktree list`). */
  mainRoot(): string;
  /** The manifest's answers for this checkout (its own manifest, else the main checkout's); null: not set up. */
  answers(): ManifestAnswers | null;
  /** NEON_API_KEY (environment, user credentials file, main checkout's env file), else the Neon CLI's login; null: none. Throws (fails closed) on an unreadable credentials file. */
  credentials(): Credentials | null;
  /** The branch records of this clone. */
  records(): BranchRecords;
  /**
   * The same call working on another checkout of the same repository (the main checkout, a worktree it just made):
   * env, argv, stdin, output, git and records are shared; checkout, answers and credentials are its own.
   */
  at(dir: string, known?: { mainRoot?: string }): RuntimeContext;
}

/** The value of `compute()`, computed on the first call (a throw is not kept: the next call tries again). */
function once<T>(compute: () => T): () => T {
  let computed = false;
  let value: T;
  return () => {
    if (!computed) {
      value = compute();
      computed = true;
    }
    return value;
  };
}

/** What every context of one call shares. */
interface Call {
  input: ContextInput;
  startedAt: number;
  git: Git;
  stdin: () => string;
  pipedStdin: () => Promise<string | null>;
  records: Map<string, BranchRecords>;
}

function contextAt(call: Call, cwd: string, knownMainRoot: string | undefined): RuntimeContext {
  const { input, git } = call;
  const ctx: RuntimeContext = {
    env: input.env,
    argv: input.argv,
    cwd,
    home: input.home,
    startedAt: call.startedAt,
    git,
    stdin: call.stdin,
    pipedStdin: call.pipedStdin,
    say: (msg) => input.stderr(`${TAG}: ${msg}\n`),
    print: (text) => input.stdout(text),
    canAsk: Boolean(input.ask),
    ask: (question) => (input.ask ? input.ask(`${TAG}: ${question}`) : Promise.resolve(null)),
    checkout: once(() => git.checkoutAt(cwd)),
    mainRoot: once(() => knownMainRoot ?? git.mainCheckout(ctx.checkout().root)),
    answers: once(() => loadAnswers(ctx.checkout().root, ctx.mainRoot())),
    credentials: once(() => {
      const answers = ctx.answers();
      return answers && findCredentials(ctx.mainRoot(), answers, { env: input.env, home: input.home });
    }),
    records: once(() => {
      const { commonDir } = ctx.checkout();
      let records = call.records.get(commonDir);
      if (!records) {
        records = new BranchRecords(commonDir, () => git.forgetWorktrees());
        call.records.set(commonDir, records);
      }
      return records;
    }),
    at: (dir, known) => contextAt(call, dir, known?.mainRoot),
  };
  return ctx;
}

/** A context from its parts (tests build theirs with this). */
export function makeContext(input: ContextInput): RuntimeContext {
  const call: Call = {
    input,
    startedAt: input.startedAt ?? Date.now(),
    git: new Git(input.env),
    stdin: once(input.readStdin),
    pipedStdin: once(input.readPipedStdin ?? (async () => input.readStdin() || null)),
    records: new Map(),
  };
  return contextAt(call, input.cwd, undefined);
}

/** The context of this process's call (main.ts): `argv` is the command's own arguments. */
export function createContext(proc: NodeJS.Process, argv: readonly string[]): RuntimeContext {
  return makeContext({
    env: proc.env,
    argv,
    cwd: proc.cwd(),
    home: os.homedir(),
    readStdin: () => {
      try {
        return fs.readFileSync(0, 'utf8');
      } catch {
        return ''; // no stdin
      }
    },
    readPipedStdin: () => readPiped(proc.stdin),
    ask: proc.stdin.isTTY ? (question) => askOnTerminal(proc, question) : undefined,
    stderr: (text) => proc.stderr.write(text),
    stdout: (text) => proc.stdout.write(text),
  });
}

/** How long a piped stdin may stay silent before we stop waiting for it. */
const PIPED_STDIN_IDLE_MS = 500;

/**
 * Piped stdin's text: until it ends, or until it has been silent for PIPED_STDIN_IDLE_MS. A teardown must never
 * block its tool, and an app may start our command with a stdin pipe it never writes to or closes; worktrunk writes
 * its JSON at once and closes. null: a terminal, or nothing came.
 */
function readPiped(stdin: NodeJS.ReadStream): Promise<string | null> {
  if (stdin.isTTY) return Promise.resolve(null);
  return new Promise((resolve) => {
    let text = '';
    let timer: NodeJS.Timeout | undefined;
    const finish = () => {
      clearTimeout(timer);
      stdin.removeAllListeners();
      stdin.destroy(); // else an open pipe keeps the process alive
      resolve(text || null);
    };
    const wait = () => {
      clearTimeout(timer);
      timer = setTimeout(finish, PIPED_STDIN_IDLE_MS);
    };
    stdin.setEncoding('utf8');
    stdin.on('data', (chunk: string) => {
      text += chunk;
      wait();
    });
    stdin.on('end', finish);
    stdin.on('error', finish);
    wait();
  });
}

/** One line typed on the terminal after `question` (on stderr: stdout stays for the reports); null: none. */
function askOnTerminal(proc: NodeJS.Process, question: string): Promise<string | null> {
  const rl = readline.createInterface({ input: proc.stdin, output: proc.stderr, terminal: true });
  return new Promise((resolve) => {
    rl.once('close', () => resolve(null)); // Ctrl-D or Ctrl-C: no answer
    rl.question(question, (line) => {
      resolve(line);
      rl.close();
    });
  });
}
