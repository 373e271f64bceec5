// The only code that writes to the user's repository. Every write is atomic (temp file in the same folder, then
// rename), and the whole plan is all-or-nothing: if any step fails, or Ctrl-C arrives, the files already changed
// are restored from the plan's `previous` text before we exit.
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import {
  chmodSync,
  closeSync,
  fsyncSync,
  mkdirSync,
  openSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
  existsSync,
  rmdirSync,
} from 'node:fs';
import type { FileOp } from './plan/ops.ts';
import { CancelledError } from './errors.ts';

export function atomicWrite(file: string, content: string, mode?: number, dirMode?: number): void {
  const dir = path.dirname(file);
  mkdirSync(dir, { recursive: true, ...(dirMode === undefined ? {} : { mode: dirMode }) });
  const tmp = path.join(dir, `.${path.basename(file)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  // A file that exists keeps its mode unless the plan asks for one (e.g. 0600 for env files).
  let finalMode = mode;
  if (finalMode === undefined) {
    try {
      finalMode = statSync(file).mode & 0o777;
    } catch {
      finalMode = 0o644;
    }
  }
  const fd = openSync(tmp, 'wx', finalMode);
  try {
    writeSync(fd, content);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    chmodSync(tmp, finalMode); // umask may have narrowed it
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}

interface Undo {
  run(): void;
}

export interface ApplyResult {
  written: string[];
}

/** Directories we create, so a rollback can remove them again (only if still empty). */
function missingDirs(file: string): string[] {
  const out: string[] = [];
  let d = path.dirname(file);
  while (!existsSync(d)) {
    out.push(d);
    const parent = path.dirname(d);
    if (parent === d) break;
    d = parent;
  }
  return out;
}

export function apply(ops: FileOp[]): ApplyResult {
  const undo: Undo[] = [];
  const written: string[] = [];
  // Ctrl-C during apply must not leave half a plan: hold SIGINT/SIGTERM until we finish or roll back.
  let interrupted: NodeJS.Signals | null = null;
  const hold = (sig: NodeJS.Signals) => () => {
    interrupted = sig;
  };
  const onInt = hold('SIGINT');
  const onTerm = hold('SIGTERM');
  process.on('SIGINT', onInt);
  process.on('SIGTERM', onTerm);
  try {
    for (const op of ops) {
      if (interrupted) throw new Error('interrupted');
      if (op.type === 'delete') {
        if (op.action !== 'delete') continue;
        const prevMode = statSync(op.path).mode & 0o777;
        rmSync(op.path);
        written.push(op.display);
        undo.push({ run: () => atomicWrite(op.path, op.previous, prevMode) });
        continue;
      }
      if (op.action !== 'create' && op.action !== 'update' && op.action !== 'conflict') continue;
      if (op.type === 'write') {
        const dirs = missingDirs(op.path);
        const prevMode = existsSync(op.path) ? statSync(op.path).mode & 0o777 : undefined;
        atomicWrite(op.path, op.content, op.mode, op.dirMode);
        written.push(op.display);
        undo.push({
          run() {
            if (op.previous === null) {
              rmSync(op.path, { force: true });
              for (const d of dirs) {
                try {
                  rmdirSync(d);
                } catch {
                  /* not empty: leave it */
                }
              }
            } else atomicWrite(op.path, op.previous, prevMode);
          },
        });
      } else {
        renameSync(op.from, op.to);
        written.push(op.display);
        undo.push({ run: () => renameSync(op.to, op.from) });
      }
    }
    if (interrupted) throw new Error('interrupted');
    return { written };
  } catch (e) {
    for (const u of undo.reverse()) {
      try {
        u.run();
      } catch {
        /* best effort: keep restoring the rest */
      }
    }
    if (interrupted) throw new CancelledError('Cancelled: every file was restored; nothing was changed');
    throw e;
  } finally {
    process.off('SIGINT', onInt);
    process.off('SIGTERM', onTerm);
  }
}
