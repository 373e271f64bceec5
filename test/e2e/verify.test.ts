// The online check against the local Neon: through the Neon API with a key (no CLI process), through the real Neon CLI for its login; what the user is told, and the exit code.
import { afterAll, describe, expect, it } from 'vitest';
import { useLocalNeon } from '../fixtures/local-neon.ts';
import { cleanupTempDirs, makeRepo, read, runCli, tree, withNeonCli, baseEnv } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);
const ln = useLocalNeon();

function env(extra: Record<string, string | undefined> = {}) {
  const { NEON_API_KEY: _k, ...rest } = ln.env;
  return withNeonCli(
    baseEnv({
      NEON_API_HOST: rest.NEON_API_HOST,
      NO_PROXY: rest.NO_PROXY,
      NEON_CONFIG_DIR: rest.NEON_CONFIG_DIR,
      ...extra,
    }),
  );
}

describe('verifying the Neon project online', () => {
  it('accepts a working key and project, and reports the Neon CLI it found', async () => {
    const repo = makeRepo();
    const r = await runCli(
      repo,
      ['--yes', '--json', '--project-id', ln.local.projectId, '--api-key', ln.local.apiKey],
      { env: env() },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.verify).toMatchObject({ ok: true });
    expect(doc.neonCli.version).toBe('6.2.3');
    expect(r.stdout).not.toContain(ln.local.apiKey);
    // The key reached Neon through the environment, never on a command line (argv is public in `ps`).
    expect(ln.local.requests.some((q) => q.path.includes(`/projects/${ln.local.projectId}`) && q.status === 200)).toBe(
      true,
    );
  });

  it('with a key, the check needs no Neon CLI: one API request, and a note about the CLI instead of an error', async () => {
    const repo = makeRepo();
    const { NEON_API_KEY: _k, ...rest } = ln.env;
    const noCli = baseEnv({
      NEON_API_HOST: rest.NEON_API_HOST,
      NO_PROXY: rest.NO_PROXY,
      NEON_CONFIG_DIR: rest.NEON_CONFIG_DIR,
    });
    const before = ln.local.requests.length;
    const r = await runCli(
      repo,
      ['--yes', '--json', '--project-id', ln.local.projectId, '--api-key', ln.local.apiKey],
      { env: noCli },
    );
    expect(r.exitCode, r.stderr).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.verify).toMatchObject({ ok: true });
    expect(doc.neonCli).toBeNull();
    expect(doc.warnings.join('\n')).not.toMatch(/Neon CLI/);
    const sent = ln.local.requests.slice(before);
    expect(sent.map((q) => `${q.method} ${q.path}`)).toEqual([`GET /projects/${ln.local.projectId}`]);
  });

  it('a rejected key: "API key rejected", exit 1, nothing written', async () => {
    const repo = makeRepo();
    const before = tree(repo);
    const r = await runCli(repo, ['--yes', '--project-id', ln.local.projectId, '--api-key', 'napi_wrong_key_000000'], {
      env: env(),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/API key rejected/);
    expect(r.stderr).not.toContain('napi_wrong_key_000000');
    expect(tree(repo)).toEqual(before);
  });

  it('an unknown project: "project not found", exit 1', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--yes', '--project-id', 'no-such-project-000000', '--api-key', ln.local.apiKey], {
      env: env(),
    });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/Neon project not found: no-such-project-000000/);
  });

  it('Neon unreachable: a warning, and the files are still written', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, ['--yes', '--project-id', ln.local.projectId, '--api-key', ln.local.apiKey], {
      env: env({ NEON_API_HOST: 'http://127.0.0.1:9/api/v2' }),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Could not verify the Neon project .*continuing/);
    expect(read(repo, '.env')).toContain(`NEON_PROJECT_ID=${ln.local.projectId}`);
  });

  it('a server error is a warning too, not a failure', async () => {
    const repo = makeRepo();
    ln.local.failNext({ path: `/projects/${ln.local.projectId}`, status: 500, times: 1 });
    const r = await runCli(repo, ['--yes', '--project-id', ln.local.projectId, '--api-key', ln.local.apiKey], {
      env: env(),
    });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/Could not verify the Neon project/);
  });
});
