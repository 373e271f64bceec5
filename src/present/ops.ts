// A plan's file operations as aligned lines for people: action, path, reason. Shared by every command that shows a
// plan (init's report and confirm screen, uninstall), with no prompt library attached.
import { cyan, dim, green, red, yellow } from 'kolorist';
import type { FileOp } from '../plan/ops.ts';

export const ACTION_STYLE: Record<string, (s: string) => string> = {
  create: green,
  update: cyan,
  unchanged: dim,
  skip: yellow,
  conflict: red,
};

export function formatOps(ops: FileOp[]): string[] {
  const width = Math.max(...ops.map((o) => o.display.length), 10);
  return ops.map((o) => {
    const style = ACTION_STYLE[o.action] ?? ((s: string) => s);
    return `${style(o.action.padEnd(9))} ${o.display.padEnd(width)}  ${dim(o.reason)}`;
  });
}
