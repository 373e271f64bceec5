import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  BLOCK_END,
  BLOCK_START,
  hookBlock,
  insertBlock,
  managerCommand,
  planGitHook,
  planGitHookOps,
  removeGitHook,
} from '../../src/files/git-hook/index.ts';
import type { WriteOp } from '../../src/plan/ops.ts';
import { hookContext, writes } from '../helpers/git-hook.ts';

const ctx = hookContext;

describe('planGitHook', () => {
  it('writes a plain executable sh hook with LF endings', () => {
    const p = planGitHook(ctx());
    const [w] = writes(p);
    expect(p.manager).toBe('plain');
    expect(w!.path).toBe('/r/.git/hooks/post-checkout');
    expect(w!.display).toBe('$GIT_COMMON_DIR/hooks/post-checkout');
    expect(w!.mode).toBe(0o755);
    expect(w!.content.startsWith('#!/bin/sh\n' + BLOCK_START)).toBe(true);
    expect(w!.content).not.toContain('\r');
  });

  it('inserts after the shebang of a foreign sh hook (git-lfs), and is idempotent', () => {
    const lfs =
      '#!/bin/sh\ncommand -v git-lfs >/dev/null 2>&1 || { echo >&2 "no lfs"; exit 2; }\ngit lfs post-checkout "$@"\n';
    const w = writes(planGitHook(ctx({ postCheckout: lfs })))[0]!;
    expect(w.content).toBe('#!/bin/sh\n' + hookBlock() + lfs.slice('#!/bin/sh\n'.length));
    const again = writes(planGitHook(ctx({ postCheckout: w.content })))[0]!;
    expect(again.content).toBe(w.content);
    expect(again.action).toBe('unchanged');
    expect(removeGitHook(w.content)).toEqual({ content: lfs, restoreChained: false });
  });

  it('renames a non-sh hook and execs it', () => {
    const p = planGitHook(ctx({ postCheckout: '#!/usr/bin/env python3\nprint(1)\n' }));
    expect(p.ops[0]).toMatchObject({
      type: 'rename',
      from: '/r/.git/hooks/post-checkout',
      to: '/r/.git/hooks/post-checkout.neon-agents-prev',
    });
    const w = writes(p)[0]!;
    expect(w.content).toMatch(/exec "\$\(dirname "\$0"\)\/post-checkout\.neon-agents-prev" "\$@"\n$/);
    expect(removeGitHook(w.content)).toEqual({ content: null, restoreChained: true });
  });

  it("keeps neonctl's git-sync hook working", () => {
    const neonHook =
      '#!/usr/bin/env sh\n# neonctl:git-sync (managed — edit `neonctl git` instead)\n[ "$3" = "1" ] || exit 0\ncommand -v neonctl >/dev/null 2>&1 || exit 0\nNEON_GIT_HOOK=1 neonctl git sync --quiet || true\n';
    const p = planGitHook(ctx({ postCheckout: neonHook }));
    expect(p.manager).toBe('neonctl');
    const w = writes(p)[0]!;
    expect(w.content).toContain('# neonctl:git-sync');
    expect(w.content.endsWith(neonHook.slice(neonHook.indexOf('\n') + 1))).toBe(true);
    expect(p.instructions.join(' ')).toMatch(/neon git install/);
  });

  it('uses .husky/post-checkout when husky owns core.hooksPath', () => {
    const p = planGitHook(ctx({ huskyPostCheckout: 'echo hi\n' }, '.husky/_'));
    expect(p.manager).toBe('husky');
    expect(writes(p)[0]!.path).toBe('/r/.husky/post-checkout');
    expect(writes(p)[0]!.content).toBe(hookBlock() + 'echo hi\n');
  });

  it('lefthook: appends a command, or prints instructions when the section exists', () => {
    const p = planGitHook(ctx({ lefthook: { path: '/r/lefthook.yml', text: 'pre-commit:\n  commands: {}\n' } }));
    expect(p.manager).toBe('lefthook');
    expect(writes(p)[0]!.content).toMatch(
      /^pre-commit:\n {2}commands: \{\}\n# >>> create-neon-agents >>>\npost-checkout:\n {2}commands:\n {4}neon-agents:\n {6}run: '/,
    );
    const q = planGitHook(ctx({ lefthook: { path: '/r/lefthook.yml', text: 'post-checkout:\n  commands: {}\n' } }));
    expect(q.ops).toEqual([]);
    expect(q.instructions.join('\n')).toMatch(/run: /);
  });

  it('simple-git-hooks and pre-commit: instructions, no writes', () => {
    expect(planGitHook(ctx({ packageJson: '{"simple-git-hooks":{"pre-commit":"x"}}' }))).toMatchObject({
      manager: 'simple-git-hooks',
      ops: [],
    });
    expect(planGitHook(ctx({ preCommitConfig: 'repos: []\n' }))).toMatchObject({ manager: 'pre-commit', ops: [] });
  });

  it('keeps CRLF of a foreign script', () => {
    const out = insertBlock('#!/bin/sh\r\necho x\r\n', hookBlock());
    expect(
      out
        .split('\n')
        .slice(0, -1)
        .every((l) => l.endsWith('\r')),
    ).toBe(true);
    expect(out).toContain(BLOCK_END + '\r\n');
  });
});

describe('hook scripts', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'na-hook-'));
  const hook = path.join(dir, 'post-checkout');
  fs.writeFileSync(hook, writes(planGitHook(ctx()))[0]!.content, { mode: 0o755 });
  const mgr = path.join(dir, 'manager.sh');
  fs.writeFileSync(mgr, `#!/bin/sh\n${managerCommand()}\n`);

  it('pass shellcheck', () => {
    for (const f of [hook, mgr]) {
      const r = spawnSync('shellcheck', ['-s', 'sh', f], { encoding: 'utf8' });
      expect(r.error, 'shellcheck must be installed (apt-get install -y shellcheck)').toBeUndefined();
      expect(r.stdout + r.stderr).toBe('');
      expect(r.status).toBe(0);
    }
  });

  it('run under dash and bash, never fail, and honour NEON_AGENTS_SKIP_HOOK', () => {
    // A fake worktree with a fake runtime that records its arguments.
    const wt = fs.mkdtempSync(path.join(os.tmpdir(), 'na-hookwt-'));
    execFileSync('git', ['init', '-q'], { cwd: wt });
    fs.mkdirSync(path.join(wt, '.claude/hooks'), { recursive: true });
    fs.writeFileSync(
      path.join(wt, '.claude/hooks/neon-worktree.mjs'),
      `require('fs').appendFileSync('ran.log', process.argv.slice(2).join(' ') + '\\n'); process.exit(3);\n`.replace(
        "require('fs')",
        "(await import('node:fs')).default",
      ),
    );
    for (const shell of ['dash', 'bash', 'sh']) {
      fs.rmSync(path.join(wt, 'ran.log'), { force: true });
      const r = spawnSync(shell, [hook, 'a', 'b', '1'], { cwd: wt, encoding: 'utf8' });
      expect(r.status, shell).toBe(0);
      expect(fs.readFileSync(path.join(wt, 'ran.log'), 'utf8')).toBe('post-checkout a b 1\n');
      expect(r.stderr).toMatch(/post-checkout failed; git is unaffected/);
      fs.rmSync(path.join(wt, 'ran.log'));
      expect(
        spawnSync(shell, [hook, 'a', 'b', '1'], { cwd: wt, env: { ...process.env, NEON_AGENTS_SKIP_HOOK: '1' } })
          .status,
      ).toBe(0);
      expect(spawnSync(shell, [hook, 'a', 'b', '0'], { cwd: wt }).status).toBe(0);
      expect(fs.existsSync(path.join(wt, 'ran.log'))).toBe(false);
      // Under `sh -e` (husky) too.
      expect(spawnSync(shell, ['-e', hook, 'a', 'b', '1'], { cwd: wt }).status).toBe(0);
    }
    // No runtime in this checkout or in the main one: silently nothing.
    fs.rmSync(path.join(wt, '.claude'), { recursive: true });
    expect(spawnSync('dash', [hook, 'a', 'b', '1'], { cwd: wt, encoding: 'utf8' })).toMatchObject({
      status: 0,
      stderr: '',
    });
  });
});

describe("planGitHookOps (the plan's adapter) with husky declared but not installed", () => {
  const repo = {
    root: '/r',
    mainRoot: '/r',
    isLinkedWorktree: false,
    commonDir: '/r/.git',
    hooksDir: '/r/.git/hooks',
    coreHooksPath: null,
    hasCommits: true,
  };
  const snap = (files: Record<string, string>, modes: Record<string, number> = {}) => ({
    read: (p: string) => files[p] ?? null,
    mode: (p: string) => (files[p] !== undefined ? (modes[p] ?? 0o644) : null),
  });
  it("reads and writes the declared folder's script, owned as our block, made executable when it is not", () => {
    const pkg = JSON.stringify({ devDependencies: { husky: '^9' }, scripts: { prepare: 'husky' } });
    const first = planGitHookOps({ repo, files: snap({ '/r/package.json': pkg }) });
    const w = first.ops[0] as WriteOp;
    expect([w.path, w.display, w.action, w.managed, w.owned, w.mode]).toEqual([
      '/r/.husky/post-checkout',
      '.husky/post-checkout',
      'create',
      'block',
      hookBlock(),
      0o755,
    ]);
    expect(first.instructions.join('\n')).toMatch(/after `npm install`/);
    // Written, but not executable (e.g. checked out on a filesystem without modes): fixed.
    const again = planGitHookOps({
      repo,
      files: snap({ '/r/package.json': pkg, '/r/.husky/post-checkout': w.content }),
    });
    expect((again.ops[0] as WriteOp).action).toBe('update');
    const done = planGitHookOps({
      repo,
      files: snap(
        { '/r/package.json': pkg, '/r/.husky/post-checkout': w.content },
        { '/r/.husky/post-checkout': 0o755 },
      ),
    });
    expect((done.ops[0] as WriteOp).action).toBe('unchanged');
  });
});
