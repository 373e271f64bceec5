// The plan is pure: answers + detected state + a file snapshot in, file operations out. No disk here.
import { describe, expect, it } from 'vitest';
import { plan, type PlanInput } from '../../src/plan/plan.ts';
import { sha256 } from '../../src/files/engine.ts';
import { TEMPLATES } from '../../src/plan/render.ts';
import { DEFAULT_ANSWERS, type Manifest } from '../../src/shared/manifest.ts';
import { plainPm, plainProject, plainRepo } from '../helpers/detected.ts';
import type { WriteOp } from '../../src/plan/ops.ts';

const ROOT = '/repo';
function input(files: Record<string, string> = {}, over: Partial<PlanInput> = {}): PlanInput {
  return {
    version: '1.0.0',
    answers: { ...DEFAULT_ANSWERS, projectId: 'winter-sun-12345678' },
    apiKey: undefined,
    repo: plainRepo(ROOT),
    project: plainProject(),
    pm: plainPm(),
    manifest: null,
    files: {
      read: (p) => files[p.slice(ROOT.length + 1)] ?? null,
      mode: (p) => (files[p.slice(ROOT.length + 1)] !== undefined ? 0o644 : null),
    },
    ignored: new Set(),
    envFileTracked: false,
    runtimeSource: '#!/usr/bin/env node\n// runtime\n',
    templates: TEMPLATES,
    force: false,
    ...over,
  };
}
const op = (ops: ReturnType<typeof plan>['ops'], display: string) => ops.find((o) => o.display === display) as WriteOp;

describe('plan', () => {
  it('a fresh repo: every file created, with the right modes, the manifest last', () => {
    const p = plan(input());
    expect(p.ops.map((o) => `${o.action} ${o.display}`)).toEqual([
      'create .claude/agents/feature-developer.md',
      'create .claude/agents/data-optimizer.md',
      'create .claude/hooks/neon-worktree.mjs',
      'create .claude/settings.json',
      'create $GIT_COMMON_DIR/hooks/post-checkout',
      'create .env.example',
      'create .env',
      'create .gitignore',
      'create $GIT_COMMON_DIR/info/exclude',
      'create .claude/neon-agents.json',
    ]);
    expect(op(p.ops, '.env').mode).toBe(0o600);
    expect(op(p.ops, '.claude/hooks/neon-worktree.mjs').mode).toBe(0o755);
    expect(op(p.ops, '$GIT_COMMON_DIR/hooks/post-checkout').mode).toBe(0o755);
  });

  it('follows the answers: roles, no hooks, TTL and env file', () => {
    const p = plan(
      input(
        {},
        {
          answers: {
            ...DEFAULT_ANSWERS,
            projectId: 'a-b',
            roles: ['migration-reviewer'],
            gitHook: false,
            claudeHooks: false,
            envFile: 'apps/web/.env.local',
          },
        },
      ),
    );
    const names = p.ops.map((o) => o.display);
    expect(names).toContain('.claude/agents/migration-reviewer.md');
    expect(names).not.toContain('.claude/agents/feature-developer.md');
    expect(names).not.toContain('.claude/settings.json');
    expect(names.some((n) => n.includes('post-checkout'))).toBe(false);
    expect(names).toContain('apps/web/.env.local');
    expect(names).toContain('apps/web/.env.example');
    expect(op(p.ops, '.gitignore').content).toContain('/apps/web/.env.local\n');
  });

  it('the API key goes only into the env file, and the manifest never holds it', () => {
    const key = 'napi_supersecret_123456';
    const p = plan(input({}, { apiKey: key }));
    for (const o of p.ops) {
      if (o.type !== 'write') continue;
      if (o.display === '.env') expect(o.content).toContain(`NEON_API_KEY=${key}`);
      else expect(o.content).not.toContain(key);
    }
    expect(JSON.stringify(p.manifest)).not.toContain(key);
  });

  it('never clobbers a file it did not write, unless forced', () => {
    const mine = '---\nname: feature-developer\ndescription: mine\n---\nmine\n';
    const p = plan(input({ '.claude/agents/feature-developer.md': mine }));
    expect(op(p.ops, '.claude/agents/feature-developer.md')).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/not written by this tool/),
    });
    expect(p.manifest.files['.claude/agents/feature-developer.md']).toBeUndefined();
    const forced = plan(input({ '.claude/agents/feature-developer.md': mine }, { force: true }));
    expect(op(forced.ops, '.claude/agents/feature-developer.md').action).toBe('update');
  });

  it("the second plan over the first one's output changes nothing", () => {
    const first = plan(input());
    const disk: Record<string, string> = {};
    for (const o of first.ops)
      if (o.type === 'write') disk[o.path.slice(ROOT.length + 1).replace(/^\.git\//, '.git/')] = o.content;
    const files = {
      read: (p: string) => disk[p.slice(ROOT.length + 1)] ?? null,
      mode: (p: string) =>
        p.endsWith('.env') ? 0o600 : p.endsWith('.mjs') || p.endsWith('post-checkout') ? 0o755 : 0o644,
    };
    const second = plan(input({}, { files, manifest: first.manifest }));
    expect(second.ops.filter((o) => o.action !== 'unchanged').map((o) => `${o.action} ${o.display}`)).toEqual([]);
  });

  it('records each render as the merge base, and who created the file', () => {
    const p = plan(input());
    const entry = p.manifest.files['.claude/agents/feature-developer.md'];
    const text = op(p.ops, '.claude/agents/feature-developer.md').content;
    expect(entry).toMatchObject({ kind: 'file', sha256: sha256(text), base: text, created: true });
    expect(entry.blob).toMatch(/^[0-9a-f]{40}$/);
    // The big runtime is recorded by blob id only.
    const rt = plan(input({}, { runtimeSource: 'x'.repeat(20_000) })).manifest.files['.claude/hooks/neon-worktree.mjs'];
    expect(rt.base).toBeUndefined();
    expect(rt.blob).toMatch(/^[0-9a-f]{40}$/);
  });

  it('a file the user deleted stays deleted unless --restore', () => {
    const first = plan(input());
    const manifest: Manifest = first.manifest;
    const p = plan(input({}, { manifest }));
    expect(op(p.ops, '.claude/agents/data-optimizer.md')).toMatchObject({
      action: 'skip',
      reason: expect.stringMatching(/you deleted it/),
    });
    expect(op(plan(input({}, { manifest, restore: true })).ops, '.claude/agents/data-optimizer.md').action).toBe(
      'create',
    );
  });

  it('refuses a tracked env file, key or not', () => {
    expect(() => plan(input({}, { apiKey: 'k', envFileTracked: true }))).toThrow(/tracked by git/);
    expect(() => plan(input({}, { envFileTracked: true }))).toThrow(/tracked by git/);
  });
});
