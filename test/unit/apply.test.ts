// apply() is all-or-nothing: a failure part-way puts every file back as it was.
import { afterAll, describe, expect, it } from 'vitest';
import path from 'node:path';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { apply, atomicWrite } from '../../src/apply.ts';
import type { FileOp } from '../../src/plan/ops.ts';
import { cleanupTempDirs, tempDir, tree } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);

const write = (p: string, content: string, previous: string | null, mode?: number): FileOp => ({
  type: 'write',
  path: p,
  display: path.basename(p),
  content,
  previous,
  mode,
  action: previous === null ? 'create' : 'update',
  reason: '',
  managed: 'file',
  owned: content,
});

describe('apply', () => {
  it('restores every file when a later write fails, and removes folders it created', () => {
    const dir = tempDir('cna-apply-');
    writeFileSync(path.join(dir, 'kept.txt'), 'original\n', { mode: 0o640 });
    mkdirSync(path.join(dir, 'blocker')); // a directory where the last op wants a file: rename fails
    const before = tree(dir);
    const ops = [
      write(path.join(dir, 'kept.txt'), 'changed\n', 'original\n'),
      write(path.join(dir, 'new/deep/file.txt'), 'x', null),
      write(path.join(dir, 'blocker'), 'cannot be written', null),
    ];
    expect(() => apply(ops)).toThrow();
    expect(tree(dir)).toEqual(before);
    expect(existsSync(path.join(dir, 'new'))).toBe(false);
    expect(statSync(path.join(dir, 'kept.txt')).mode & 0o777).toBe(0o640);
  });

  it("writes atomically with the requested mode, and keeps an existing file's mode otherwise", () => {
    const dir = tempDir('cna-apply-');
    const env = path.join(dir, '.env');
    atomicWrite(env, 'A=1\n', 0o600);
    expect(statSync(env).mode & 0o777).toBe(0o600);
    const f = path.join(dir, 'script.sh');
    writeFileSync(f, 'old', { mode: 0o755 });
    atomicWrite(f, 'new');
    expect(readFileSync(f, 'utf8')).toBe('new');
    expect(statSync(f).mode & 0o777).toBe(0o755);
    expect(Object.keys(tree(dir)).sort()).toEqual(['.env', 'script.sh']); // no temp files left
  });
});
