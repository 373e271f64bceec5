// `npm run demo` is the README's first command: it must keep telling the true story.
import { expect, it } from 'vitest';
import path from 'node:path';
import { execa } from 'execa';
import { ROOT } from '../helpers/repo.ts';

it('the demo shows isolation end to end, offline', async () => {
  const r = await execa('node', [path.join(ROOT, 'dist/dev/demo.mjs')], {
    cwd: ROOT,
    reject: false,
    timeout: 120_000,
    env: { NO_COLOR: '1' },
  });
  expect(r.exitCode, r.stdout + r.stderr).toBe(0);
  expect(r.stdout).toMatch(/A {2}exit 0, stdout \(the path Claude reads\): \/.*\/\.claude\/worktrees\/api-keys/);
  expect(r.stdout).toMatch(/table api_keys\s+absent\s+present \(3 rows\)\s+absent/);
  expect(r.stdout).toMatch(/password\s+its own\s+its own \(not main's\)\s+its own \(not main's\)/);
  expect(r.stdout).toContain("The migration exists only in A's branch");
  expect(r.stdout).toMatch(/deleted Neon branch agents\/\w+\/worktree-api-keys/);
  expect(r.stdout).not.toContain('local-neon-api-key');
}, 150_000);
