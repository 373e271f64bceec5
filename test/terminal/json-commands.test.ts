// doctor, --check and uninstall with --json: one document on stdout, valid against its schema in schema/, for a
// success, a failure the command reports (a problem, a stale file) and an error (nothing set up).
import { afterAll, describe, expect, it } from 'vitest';
import { readFileSync, rmSync } from 'node:fs';
import path from 'node:path';
import { ROOT, cleanupTempDirs, makeRepo, runCli, tree } from '../helpers/repo.ts';
import { validate } from './json-schema.ts';

afterAll(cleanupTempDirs);

const schema = (name: string) => JSON.parse(readFileSync(path.join(ROOT, `schema/${name}.schema.json`), 'utf8'));
const PROJECT = 'winter-sun-12345678';

async function setUp(): Promise<string> {
  const repo = makeRepo();
  const r = await runCli(repo, ['--yes', '--no-verify', '--project-id', PROJECT]);
  expect(r.exitCode, r.stderr).toBe(0);
  return repo;
}

function one(stdout: string): Record<string, unknown> {
  expect(stdout.trimStart().startsWith('{'), stdout).toBe(true);
  return JSON.parse(stdout);
}

describe('--json documents of doctor, --check and uninstall', () => {
  it('doctor: findings validate; a deleted runtime is a problem with its fix, exit 1', async () => {
    const repo = await setUp();
    const ok = await runCli(repo, ['doctor', '--no-verify', '--json']);
    const doc = one(ok.stdout);
    expect(validate(schema('doctor'), doc)).toEqual([]);
    expect(doc.findings).toContainEqual(expect.objectContaining({ check: 'runtime', level: 'ok' }));
    rmSync(path.join(repo, '.claude/hooks/neon-worktree.mjs'));
    const bad = await runCli(repo, ['doctor', '--no-verify', '--json']);
    expect(bad.exitCode).toBe(1);
    const badDoc = one(bad.stdout);
    expect(validate(schema('doctor'), badDoc)).toEqual([]);
    expect(badDoc).toMatchObject({ ok: false });
    expect(badDoc.findings).toContainEqual(
      expect.objectContaining({ check: 'runtime', level: 'problem', fix: expect.stringContaining('--restore') }),
    );
  });

  it('--check: up to date, then stale after an edit, each a valid document', async () => {
    const repo = await setUp();
    const current = await runCli(repo, ['--check', '--json']);
    expect(current.exitCode).toBe(0);
    expect(validate(schema('check'), one(current.stdout))).toEqual([]);
    rmSync(path.join(repo, '.claude/settings.json'));
    const stale = await runCli(repo, ['--check', '--json']);
    expect(stale.exitCode).toBe(1);
    const doc = one(stale.stdout);
    expect(validate(schema('check'), doc)).toEqual([]);
    expect(doc.stale).toContainEqual(expect.objectContaining({ path: '.claude/settings.json', action: 'missing' }));
  });

  it('uninstall: the dry run and the real one are valid documents; the dry run changes nothing', async () => {
    const repo = await setUp();
    const before = tree(repo);
    const dry = await runCli(repo, ['uninstall', '--dry-run', '--json']);
    expect(dry.exitCode, dry.stderr).toBe(0);
    const dryDoc = one(dry.stdout);
    expect(validate(schema('uninstall'), dryDoc)).toEqual([]);
    expect(dryDoc.changed).toEqual([]);
    expect(tree(repo)).toEqual(before);
    const real = await runCli(repo, ['uninstall', '--yes', '--json']);
    expect(real.exitCode, real.stderr).toBe(0);
    const doc = one(real.stdout);
    expect(validate(schema('uninstall'), doc)).toEqual([]);
    expect((doc.changed as string[]).length).toBeGreaterThan(0);
  });

  it('errors are the error document of each schema, with the exit code', async () => {
    const repo = makeRepo();
    for (const [name, args] of [
      ['check', ['--check', '--json']],
      ['uninstall', ['uninstall', '--yes', '--json']],
    ] as const) {
      const r = await runCli(repo, [...args]);
      expect(r.exitCode, name).toBe(1);
      const doc = one(r.stdout);
      expect(validate(schema(name), doc), name).toEqual([]);
      expect(doc).toMatchObject({
        ok: false,
        exitCode: 1,
        error: expect.stringMatching(/no \.claude\/neon-agents\.json/),
      });
    }
    // Set up, but no --yes (and no terminal to ask in): a usage error, nothing removed.
    const setUpRepo = await setUp();
    const usage = await runCli(setUpRepo, ['uninstall', '--json']);
    expect(usage.exitCode).toBe(2);
    expect(validate(schema('uninstall'), one(usage.stdout))).toEqual([]);
  });

  it('the schemas reject what they should', () => {
    expect(
      validate(schema('doctor'), {
        ok: true,
        problems: 0,
        warnings: 0,
        findings: [{ check: 'x', level: 'bad', message: 'm' }],
      }),
    ).not.toEqual([]);
    expect(validate(schema('check'), { ok: true, stale: [], extra: 1 })).not.toEqual([]);
    expect(validate(schema('uninstall'), { ok: false, files: [], changed: [], notes: [] })).not.toEqual([]);
  });
});
