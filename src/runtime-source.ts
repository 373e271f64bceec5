// The runtime file the initializer writes into `.claude/hooks/neon-worktree.mjs`: the bundled output of
// src/runtime, embedded as text at build time (scripts/build.mjs builds the runtime first).
import source from '../dist/runtime/neon-worktree.mjs?raw';

export const RUNTIME_SOURCE: string = source;
