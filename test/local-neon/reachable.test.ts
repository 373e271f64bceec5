// PostgreSQL runs as another OS user when we are root: it must be able to reach its binaries, or the local Neon
// copies them somewhere it can. The check mirrors the kernel's: search permission on every folder on the way.
import { describe, expect, it } from 'vitest';
import { chmodSync, mkdtempSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { reachable } from '../../dev/local-neon/postgres.ts';

describe('reachable', () => {
  it('is false behind a 0700 folder for another user, true once the folder is searchable', () => {
    const priv = mkdtempSync(path.join(os.tmpdir(), 'cna-reach-'));
    const bin = path.join(priv, 'native', 'bin', 'postgres');
    mkdirSync(path.dirname(bin), { recursive: true, mode: 0o755 });
    writeFileSync(bin, '#!/bin/sh\n', { mode: 0o755 });
    chmodSync(priv, 0o700);
    const owner = statSync(priv);
    const other = { uid: owner.uid + 4242, gid: owner.gid + 4242 };
    expect(reachable(bin, other)).toBe(false);
    expect(reachable(bin, { uid: owner.uid, gid: owner.gid })).toBe(true);
    chmodSync(priv, 0o711);
    expect(reachable(bin, other)).toBe(true);
    chmodSync(bin, 0o700);
    expect(reachable(bin, other)).toBe(false);
  });
});
