// Eight agents start together against a Neon that behaves like Neon under load: a branch creation takes a while,
// and while it runs the next one in the same project is answered 423 "conflicting operations" (issue 14).
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { useLocalNeon } from '../fixtures/local-neon.ts';
import { makeRepo, readEnv, shAsync } from './helpers.ts';

const ln = useLocalNeon({ branchLimit: 100, createLatencyMs: 300, lockOverlapping: true });
const RT = '.claude/hooks/neon-worktree.mjs';

describe('a 423 storm', () => {
  it("eight WorktreeCreate calls at once all get their own branch, retrying Neon's 423s within the deadline", async () => {
    const env = { ...ln.env, NEON_AGENTS_RETRY_BASE_MS: '100' };
    const repo = await makeRepo({ envText: `DATABASE_URL=${ln.local.getProject().connectionUri}\n` });
    const before = ln.local.requests.length;
    const rs = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        shAsync(
          repo,
          'node',
          [path.join(repo, RT), 'worktree-create'],
          { ...env, CLAUDE_PROJECT_DIR: repo },
          JSON.stringify({ cwd: repo, name: `agent-${i}` }),
        ),
      ),
    );
    for (const r of rs) expect(r.code, r.stderr).toBe(0);
    const urls = rs.map((r) => parseEnv(readEnv(path.join(r.stdout.trim(), '.env'))!).get('DATABASE_URL'));
    expect(new Set(urls).size).toBe(8);
    const locked = ln.local.requests.slice(before).filter((q) => q.status === 423).length;
    expect(locked).toBeGreaterThan(0); // the storm really happened
    for (const u of urls) expect((await ln.query(u!, 'select 1 as one'))[0].one).toBe(1);
  });
});
