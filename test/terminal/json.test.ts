// `--json` is a contract: schema/summary.schema.json describes the one document on stdout. Real runs of the built
// CLI (success, dry run, errors) must validate against it, and the schema must reject what it should.
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { ROOT, baseEnv, cleanupTempDirs, makeRepo, runCli, tempDir, tree, withNeonCli } from '../helpers/repo.ts';
import { validate } from './json-schema.ts';

afterAll(cleanupTempDirs);

const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/summary.schema.json'), 'utf8'));
const PROJECT = 'winter-sun-12345678';
const KEY = 'napi_jsonTestKey0123456789abcdefXq';

/** stdout must be exactly one JSON document. */
function parseOne(stdout: string): Record<string, unknown> {
  expect(stdout.trimStart().startsWith('{'), `stdout starts with the document:\n${stdout}`).toBe(true);
  return JSON.parse(stdout);
}

describe('--json output validates against schema/summary.schema.json', () => {
  it('the schema is draft 2020-12 and uses only keywords the validator checks', () => {
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
    expect(() => validate(schema, {})).not.toThrow();
  });

  it('success: files written, the key reported as set but never printed', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'app', dependencies: { 'drizzle-orm': '1' } }),
      'pnpm-lock.yaml': '',
    });
    const r = await runCli(repo, ['--json', '--yes', '--no-verify', '--project-id', PROJECT, '--api-key', KEY], {
      env: baseEnv({ CI: '1' }),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = parseOne(r.stdout);
    expect(validate(schema, doc)).toEqual([]);
    expect(doc).toMatchObject({
      ok: true,
      dryRun: false,
      packageManager: 'pnpm',
      orm: 'Drizzle',
      apiKey: 'set (hidden)',
      neonCli: null,
      verify: null,
    });
    expect((doc.written as string[]).length).toBeGreaterThan(0);
    expect(r.stdout).not.toContain(KEY);
    expect(r.stdout).not.toContain('Non-interactive equivalent');
  });

  it('dry run: the plan, nothing written; with a Neon CLI whose API is unreachable (verify reported, not fatal)', async () => {
    const repo = makeRepo();
    const before = tree(repo);
    const env = withNeonCli(baseEnv({ NEON_API_HOST: 'http://127.0.0.1:9/api/v2', NEON_API_KEY: KEY }));
    const r = await runCli(repo, ['--json', '--dry-run', '--yes', '--project-id', PROJECT], { env });
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = parseOne(r.stdout);
    expect(validate(schema, doc)).toEqual([]);
    expect(doc).toMatchObject({ ok: true, dryRun: true, written: [], verify: { ok: false, kind: 'unreachable' } });
    expect(doc.neonCli).toMatchObject({ path: expect.stringContaining('neon') });
    // Every file is new, but git init's own info/exclude, which gets our block.
    const files = doc.files as { path: string; action: string }[];
    expect(files.filter((f) => f.action !== 'create')).toEqual([
      expect.objectContaining({ path: '$GIT_COMMON_DIR/info/exclude', action: 'update' }),
    ]);
    expect(tree(repo)).toEqual(before);
    expect(r.stdout).not.toContain(KEY);
  });

  it('sources: every answer says where it came from, first run and re-run', async () => {
    const repo = makeRepo({
      'package.json': JSON.stringify({ name: 'app', dependencies: { 'drizzle-orm': '1' } }),
      'package-lock.json': '{}',
      'drizzle.config.ts':
        'export default { dialect: "postgresql", dbCredentials: { url: process.env.POSTGRES_URL! } };\n',
    });
    const home = tempDir('cna-home-'); // both runs: the key kept there is found again
    const first = await runCli(repo, ['--json', '--yes', '--no-verify', '--api-key', KEY, '--branch-ttl', '3'], {
      env: baseEnv({ CI: '1', NEON_PROJECT_ID: PROJECT, HOME: home }),
    });
    expect(first.exitCode, first.stderr).toBe(0);
    const doc = parseOne(first.stdout);
    expect(validate(schema, doc)).toEqual([]);
    expect(doc.sources).toMatchObject({
      projectId: 'env',
      apiKey: 'flag',
      branchTtlDays: 'flag',
      databaseUrlVar: 'detected',
      envFile: 'detected',
      roles: 'default',
      directUrlVar: 'default',
      pooled: 'default',
    });
    expect(Object.keys(doc.sources as object).sort()).toEqual([...Object.keys(doc.answers as object), 'apiKey'].sort());

    // The re-run re-uses what the first recorded (the key from the user credentials file it was kept in).
    const again = await runCli(repo, ['--json', '--yes', '--no-verify'], { env: baseEnv({ CI: '1', HOME: home }) });
    expect(again.exitCode, again.stderr).toBe(0);
    const redo = parseOne(again.stdout);
    expect(validate(schema, redo)).toEqual([]);
    expect(redo.sources).toMatchObject({
      projectId: 'manifest',
      apiKey: 'user-file',
      keyStore: 'manifest',
      branchTtlDays: 'manifest',
      databaseUrlVar: 'manifest',
      roles: 'manifest',
    });
    expect(again.stdout).not.toContain(KEY);
  });

  it.each([
    ['a missing project id', [] as string[], 2, /Missing --project-id/],
    ['an unknown flag', ['--frobnicate'], 2, /frobnicate/],
    ['a bad --branch-ttl', ['--project-id', PROJECT, '--branch-ttl', '99'], 2, /--branch-ttl/],
    ['a directory outside git', ['/'], 2, /git/i],
  ])('error: %s', async (_what, args, code, message) => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--json', '--yes', '--no-verify', ...args], { env: baseEnv({ CI: '1' }) });
    expect(r.exitCode).toBe(code);
    const doc = parseOne(r.stdout);
    expect(validate(schema, doc)).toEqual([]);
    expect(doc).toMatchObject({ ok: false, exitCode: code });
    expect(doc.error).toMatch(message);
  });

  it('the schema rejects documents that break the contract', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--json', '--dry-run', '--yes', '--no-verify', '--project-id', PROJECT]);
    const good = parseOne(r.stdout);
    expect(validate(schema, good)).toEqual([]);
    const broken: [string, (d: any) => void][] = [
      ['the key itself in apiKey', (d) => (d.apiKey = KEY)],
      ['a missing field', (d) => delete d.files],
      ['an undocumented field', (d) => (d.secret = 'x')],
      ['an unknown action', (d) => (d.files[0].action = 'delete')],
      ['a bad project id', (d) => (d.answers.projectId = 'My Project')],
      ['a ttl above Neon’s limit', (d) => (d.answers.branchTtlDays = 31)],
      ['an unknown role', (d) => (d.answers.roles = ['dba'])],
      ['ok: false on a summary without conflicts', (d) => (d.ok = false)],
      ['conflicts on a summary that says ok', (d) => (d.conflicts = ['.claude/agents/x.md'])],
      ['a verify result of the wrong shape', (d) => (d.verify = { ok: true })],
      ['an unknown source', (d) => (d.sources.roles = 'guessed')],
      ['an answer without its source', (d) => delete d.sources.apiKey],
    ];
    for (const [what, mutate] of broken) {
      const d = structuredClone(good);
      mutate(d);
      expect(validate(schema, d), what).not.toEqual([]);
    }
    expect(
      validate(schema, { ok: false, exitCode: 3, error: 'x', warnings: [] }),
      'undocumented exit code',
    ).not.toEqual([]);
  });
});
