// The plan is pure: answers + detected state + a file snapshot in, file operations out. No disk here.
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { plan, type PlanInput } from '../../src/plan/plan.ts';
import { sha256 } from '../../src/files/engine.ts';
import { TEMPLATES } from '../../src/plan/render.ts';
import { DEFAULT_ANSWERS, type Manifest } from '../../src/shared/manifest.ts';
import { plainPm, plainProject, plainRepo } from '../helpers/detected.ts';
import type { WriteOp } from '../../src/plan/ops.ts';

const ROOT = '/repo';
const PROJECT = 'winter-sun-12345678';
/** The user credentials file, under this machine's home so the plan names it `~/…` (nothing here touches a disk). */
const USER_FILE = path.join(os.homedir(), '.config/create-neon-agents/credentials.json');
/** `files` by repo-relative path; `outside` by absolute path (the user credentials file). */
function input(
  files: Record<string, string> = {},
  over: Partial<PlanInput> = {},
  outside: Record<string, string> = {},
): PlanInput {
  const text = (p: string) => outside[p] ?? (p.startsWith(`${ROOT}/`) ? files[p.slice(ROOT.length + 1)] : undefined);
  return {
    version: '1.0.0',
    answers: { ...DEFAULT_ANSWERS, projectId: PROJECT },
    apiKey: undefined,
    userCredentialsFile: USER_FILE,
    repo: plainRepo(ROOT),
    project: plainProject(),
    pm: plainPm(),
    manifest: null,
    files: {
      read: (p) => text(p) ?? null,
      mode: (p) => (text(p) !== undefined ? 0o644 : null),
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
const writeAt = (ops: ReturnType<typeof plan>['ops'], abs: string) =>
  ops.find((o) => o.type === 'write' && o.path === abs) as WriteOp;

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

  it('the API key goes only where keyStore says (the user credentials file by default), never into the manifest', () => {
    const key = 'napi_supersecret_123456';
    for (const [keyStore, holder] of [
      ['user', USER_FILE],
      ['env-file', '/repo/.env'],
    ] as const) {
      const p = plan(input({}, { apiKey: key, answers: { ...DEFAULT_ANSWERS, projectId: PROJECT, keyStore } }));
      const holders = p.ops
        .filter((o) => o.type === 'write' && o.content.includes(key))
        .map((o) => (o as WriteOp).path);
      expect(holders, keyStore).toEqual([holder]);
      const written = op(p.ops, holder === USER_FILE ? '~/.config/create-neon-agents/credentials.json' : '.env');
      expect(written).toMatchObject({ secret: true, mode: 0o600 });
      expect(JSON.stringify(p.manifest)).not.toContain(key);
      // The user's own file, shared by all their projects, is no file of the repo's.
      if (holder === USER_FILE) expect(Object.keys(p.manifest.files)).not.toContain(written.display);
      // Claude's file tools are denied the file that holds it, in this clone's own settings (ignored by the clone's
      // info/exclude, and no manifest entry: the rule names a path of this clone).
      const local = op(p.ops, '.claude/settings.local.json');
      expect(JSON.parse(local.content).permissions.deny).toEqual([`Read(/${holder})`]);
      expect(p.manifest.files['.claude/settings.local.json']).toBeUndefined();
      expect(op(p.ops, '$GIT_COMMON_DIR/info/exclude').content).toContain('/.claude/settings.local.json');
    }
  });

  it('moving the key: a copy in the other place goes; a different key there stays, with a warning', () => {
    const key = 'napi_supersecret_123456';
    const envWithKey = `NEON_PROJECT_ID=${PROJECT}\nNEON_API_KEY=${key}\n`;
    const userWithKey = `${JSON.stringify({ projects: { [PROJECT]: { apiKey: key }, other: { apiKey: 'napi_o' } } }, null, 2)}\n`;
    // env file → user file: nothing given this run, the re-run with --key-store user moves it.
    const toUser = plan(
      input({ '.env': envWithKey }, { answers: { ...DEFAULT_ANSWERS, projectId: PROJECT, keyStore: 'user' } }),
    );
    expect(JSON.parse(writeAt(toUser.ops, USER_FILE).content).projects[PROJECT].apiKey).toBe(key);
    expect(op(toUser.ops, '.env').content).not.toContain('NEON_API_KEY');
    expect(toUser.warnings.join('\n')).not.toMatch(/another/);
    // user file → env file: the entry goes, the other project's stays.
    const toEnv = plan(
      input(
        {},
        { answers: { ...DEFAULT_ANSWERS, projectId: PROJECT, keyStore: 'env-file' } },
        { [USER_FILE]: userWithKey },
      ),
    );
    expect(op(toEnv.ops, '.env').content).toContain(`NEON_API_KEY=${key}`);
    expect(JSON.parse(writeAt(toEnv.ops, USER_FILE).content).projects).toEqual({ other: { apiKey: 'napi_o' } });
    // A different key in the env file is the user's: kept, and named.
    const other = plan(
      input(
        { '.env': `NEON_API_KEY=napi_different_key\n` },
        { apiKey: key, answers: { ...DEFAULT_ANSWERS, projectId: PROJECT, keyStore: 'user' } },
      ),
    );
    expect(op(other.ops, '.env').content).toContain('NEON_API_KEY=napi_different_key');
    expect(other.warnings.join('\n')).toMatch(/\.env holds another NEON_API_KEY .*Delete the line/);
    // Both files then hold a key: both are denied.
    expect(JSON.parse(op(other.ops, '.claude/settings.local.json').content).permissions.deny).toEqual([
      'Read(//repo/.env)',
      `Read(/${USER_FILE})`,
    ]);
  });

  it('an unreadable user credentials file is never written over: the plan is refused, naming it', () => {
    expect(() => plan(input({}, { apiKey: 'napi_supersecret_123456' }, { [USER_FILE]: '{"projects": ' }))).toThrow(
      /credentials\.json is not valid JSON .*fix it or delete it/,
    );
  });

  it('with the Neon CLI login (no key anywhere) no deny rules and no credentials file', () => {
    const p = plan(input());
    expect(p.ops.map((o) => o.display)).not.toContain('.claude/settings.local.json');
    expect(p.ops.map((o) => o.display)).not.toContain('~/.config/create-neon-agents/credentials.json');
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
