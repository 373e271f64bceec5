// "Use my Neon CLI login": the real Neon CLI on PATH, logged in through a stored credentials file, talking to the
// local Neon. The wizard checks the login with NEON_API_KEY removed, so only the stored login can make it work.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { useLocalNeon } from '../fixtures/local-neon.ts';
import { cleanupTempDirs, makeRepo, read, tempDir, withNeonCli } from '../helpers/repo.ts';
import { active, termEnv, Terminal } from './tmux.ts';

afterAll(cleanupTempDirs);
const ln = useLocalNeon();
const sessions: Terminal[] = [];
afterEach(() => {
  for (const t of sessions.splice(0)) t.kill();
});

/** A terminal environment with the Neon CLI on PATH and pointed at the local Neon, with or without a stored login. */
function env(loggedIn: boolean) {
  const configDir = path.join(tempDir('cna-neon-config-'), 'neon');
  mkdirSync(configDir, { recursive: true });
  // The format `neon profile create --api-key` stores (node_modules/neon/dist/_chunks/credential_io-*.js).
  if (loggedIn)
    writeFileSync(
      path.join(configDir, 'credentials.json'),
      JSON.stringify({ type: 'api_key', api_key: ln.local.apiKey }),
      { mode: 0o600 },
    );
  return withNeonCli(
    termEnv({
      NEON_API_HOST: ln.env.NEON_API_HOST,
      NO_PROXY: ln.env.NO_PROXY,
      NEON_CONFIG_DIR: configDir,
      NO_UPDATE_NOTIFIER: '1',
    }),
  );
}

describe('the wizard with the Neon CLI installed', () => {
  it('logged in: offers the login, stores no key, verifies the project, and the next steps ask for nothing more', async () => {
    const repo = makeRepo();
    const t = await Terminal.start({ cwd: repo, args: [], env: env(true), cols: 100, rows: 80 });
    sessions.push(t);
    await t.waitFor(active('Neon project id'));
    t.type(ln.local.projectId);
    t.keys('Enter');
    const s = await t.waitFor(active('How should agents authenticate to Neon?'), 15_000);
    expect(s).toContain('The Neon CLI is logged in');
    expect(s).toMatch(/● Use my Neon CLI login/);
    t.keys('Enter');
    for (const prompt of [
      'Which agent roles?',
      'Permission mode for the agents',
      'Delete agent branches after how many days?',
      'What data do agent branches start with?',
      'Write these files?',
    ]) {
      await t.waitFor(active(prompt), 15_000);
      t.keys('Enter');
    }
    expect(await t.exitCode(15_000)).toBe(0);
    const final = await t.waitFor('Each agent now gets its own worktree');
    expect(final).toContain(`Checking Neon project ${ln.local.projectId}`);
    expect(final).not.toContain('Install the Neon CLI');
    expect(final).not.toContain('Log the Neon CLI in');
    expect(final).not.toContain('Neon API key');
    expect(read(repo, '.env')).not.toContain('NEON_API_KEY');
    expect(read(repo, '.env')).toContain(`NEON_PROJECT_ID=${ln.local.projectId}`);
  });

  it('not logged in: says so and asks for a key', async () => {
    const repo = makeRepo();
    const t = await Terminal.start({ cwd: repo, args: ['--no-verify'], env: env(false), cols: 100, rows: 40 });
    sessions.push(t);
    await t.waitFor(active('Neon project id'));
    t.type(ln.local.projectId);
    t.keys('Enter');
    const s = await t.waitFor(active('Neon API key'), 15_000);
    expect(s).toContain('The Neon CLI is not logged in');
    expect(s).not.toContain('How should agents authenticate');
  });
});
