// Claude Code's hook input: one JSON object on stdin, and the project directory the hook works on.
import type { RuntimeContext } from './context.ts';
import { isDir } from './git.ts';
import { RuntimeError } from './util.ts';

export type HookInput = Record<string, unknown>;

export function readHookInput(ctx: RuntimeContext): HookInput {
  let data: unknown;
  try {
    data = JSON.parse(ctx.stdin());
  } catch {
    throw new RuntimeError('expected the hook JSON on stdin, got malformed JSON', 'input');
  }
  if (!data || typeof data !== 'object' || Array.isArray(data))
    throw new RuntimeError('expected a JSON object on stdin', 'input');
  return data as HookInput;
}

/** CLAUDE_PROJECT_DIR, else the input's `cwd`, else our working directory; it must exist. */
export function projectDir(ctx: RuntimeContext, input: HookInput): string {
  const d = ctx.env.CLAUDE_PROJECT_DIR || (typeof input.cwd === 'string' ? input.cwd : '') || ctx.cwd;
  if (!isDir(d)) throw new RuntimeError(`project directory ${d} does not exist`, 'input');
  return d;
}
