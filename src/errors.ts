// Errors carry their exit code, so cli.ts maps any failure to the documented contract in one place:
// 0 ok, 1 failure, 2 usage error or missing input, 130 cancelled.
export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: number,
  ) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bad flags, a missing required value, a directory that is not a git work tree: exit 2. */
export class UsageError extends CliError {
  constructor(message: string) {
    super(message, 2);
  }
}

/** Ctrl-C or an answered "no": exit 130, nothing written. */
export class CancelledError extends CliError {
  constructor(message = 'Cancelled') {
    super(message, 130);
  }
}

/** Something went wrong doing the work (conflicts, a failed write, rejected credentials): exit 1. */
export class FailureError extends CliError {
  constructor(message: string) {
    super(message, 1);
  }
}
