// Ctrl-C while a clack spinner runs. The spinner puts the terminal in raw mode, so Ctrl-C arrives as a key, and
// clack then calls process.exit(0) itself; as a signal, clack's handler catches it and the process carries on.
// Either way the contract says 130. Spinners only run before anything is written, so leaving at once is safe.
let spinning = 0;

function onExit(): void {
  if (spinning > 0) process.exitCode = 130; // taken over by the exit that is under way
}

export function exitCancelled(): never {
  process.exit(130);
}

/** Run a spinner's work with Ctrl-C mapped to exit 130. */
export async function whileSpinning<T>(fn: () => Promise<T>): Promise<T> {
  if (spinning++ === 0) process.on('exit', onExit);
  try {
    return await fn();
  } finally {
    if (--spinning === 0) process.off('exit', onExit);
  }
}
