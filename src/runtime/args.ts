// The options of the runtime commands that take some (`diff`, `list`): each command names the flags it knows, and
// anything else is a usage error (exit 2, like an unknown command), never silently ignored: `diff --exit-cod` must
// not quietly exit 0. Their --json documents (one on stdout, the error one too) are printed from here as well.
import { RuntimeError } from './util.ts';

/** Wrong arguments, or a command run where it cannot apply: exit code 2. */
export class UsageError extends RuntimeError {
  constructor(message: string) {
    super(message, 'usage');
  }
}

export interface Options {
  /** The boolean flags given (`--json`). */
  flags: Set<string>;
  /** The values of the value flags given (`--database neondb` or `--database=neondb`). */
  values: Map<string, string>;
}

export function parseOptions(
  argv: readonly string[],
  known: { flags: readonly string[]; values?: readonly string[] },
): Options {
  const options: Options = { flags: new Set(), values: new Map() };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    const [name, inline] =
      arg.startsWith('--') && arg.includes('=')
        ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)]
        : [arg, undefined];
    if (known.flags.includes(name) && inline === undefined) options.flags.add(name);
    else if (known.values?.includes(name)) {
      const value = inline ?? argv[++i];
      if (value === undefined || value === '' || (inline === undefined && value.startsWith('--')))
        throw new UsageError(`${name} needs a value; see --help`);
      options.values.set(name, value);
    } else
      throw new UsageError(
        `unknown ${arg.startsWith('-') ? 'option' : 'argument'} ${JSON.stringify(arg)}; it takes ${[...known.flags, ...(known.values ?? []).map((v) => `${v} NAME`)].join(', ')} (see --help)`,
      );
  }
  return options;
}

/** One JSON document on stdout (pretty-printed, as the initializer prints its own). */
export const jsonDocument = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

/** The error document of every --json command: `{ok: false, exitCode, error, warnings}`, as the initializer's. */
export const errorDocument = (message: string, exitCode: number) =>
  jsonDocument({ ok: false, exitCode, error: message, warnings: [] });

/** The exit code a failure of these commands gets: 2 for a usage error, 1 for any other. */
export const exitCodeOf = (e: unknown) => (e instanceof UsageError ? 2 : 1);
