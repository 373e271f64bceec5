// `--agent-data anonymized` end to end through the built CLI, against the local Neon: the rules file is written
// once, with rules proposed from the parent branch's real schema, and is the user's from then on (a re-run keeps
// their edits, uninstall takes back only an untouched copy); `--check` and doctor say when the runtime would refuse
// (no rules). Offline there is nothing to propose: the file starts empty and every run says what that means.
import { existsSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASKING_RULES_PATH, parseMaskingRules } from '../../src/shared/masking.ts';
import { useLocalNeon } from '../fixtures/local-neon.ts';
import { baseEnv, cleanupTempDirs, git, makeRepo, read, runCli } from '../helpers/repo.ts';

afterAll(cleanupTempDirs);
const ln = useLocalNeon();

beforeAll(async () => {
  const main = ln.local.getProject().connectionUri;
  await ln.query(
    main,
    'create table customers (id serial primary key, email text unique not null, first_name text, last_name text, phone_number varchar(32), notes text)',
  );
  await ln.query(
    main,
    'create table orders (id serial primary key, customer_id int references customers(id), total int)',
  );
});

const env = () =>
  baseEnv({ NEON_API_HOST: ln.env.NEON_API_HOST, NO_PROXY: ln.env.NO_PROXY, NEON_API_KEY: ln.local.apiKey });
const args = (...extra: string[]) => ['--yes', '--json', '--project-id', ln.local.projectId, ...extra];

describe('--agent-data anonymized', () => {
  it('writes the rules file with rules proposed from the parent branch schema, and records the choice', async () => {
    const repo = makeRepo();
    const before = ln.local.requests.length;
    const r = await runCli(repo, args('--agent-data', 'anonymized'), { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    const rules = parseMaskingRules(read(repo, MASKING_RULES_PATH));
    expect(rules.map((x) => `${x.table_name}.${x.column_name}`)).toEqual([
      'customers.email',
      'customers.first_name',
      'customers.last_name',
      'customers.phone_number',
    ]);
    expect(rules.every((x) => x.database_name === 'neondb' && x.schema_name === 'public')).toBe(true);
    const doc = JSON.parse(r.stdout);
    expect(doc.answers.agentData).toBe('anonymized');
    expect(doc.sources.agentData).toBe('flag');
    expect(JSON.parse(read(repo, '.claude/neon-agents.json')).answers.agentData).toBe('anonymized');
    // Read with the key: the project, the branch list, its databases and one schema; no Neon CLI.
    const sent = ln.local.requests
      .slice(before)
      .map((q) => `${q.method} ${q.path.replace(/br-[a-z0-9-]+/, ':branch')}`);
    expect(sent).toEqual([
      `GET /projects/${ln.local.projectId}`,
      `GET /projects/${ln.local.projectId}/branches`,
      `GET /projects/${ln.local.projectId}/branches/:branch/databases`,
      `GET /projects/${ln.local.projectId}/branches/:branch/schema`,
    ]);

    // --check: up to date; the user's edit survives a re-run; doctor counts the rules.
    git(repo, 'add', '-A');
    git(repo, 'commit', '-qm', 'setup');
    const check = await runCli(repo, ['--check', '--project-id', ln.local.projectId, '--no-verify'], { env: env() });
    expect(check.exitCode, check.stdout + check.stderr).toBe(0);
    const edited = read(repo, MASKING_RULES_PATH).replace("'@example.com'", "'@masked.test'");
    writeFileSync(path.join(repo, MASKING_RULES_PATH), edited);
    const again = await runCli(repo, [...args('--no-verify'), '--allow-dirty'], { env: env() });
    expect(again.exitCode, again.stderr).toBe(0);
    expect(read(repo, MASKING_RULES_PATH)).toBe(edited);
    const doctor = await runCli(repo, ['doctor', '--no-verify', '--json'], { env: env() });
    const findings = JSON.parse(doctor.stdout).findings as { check: string; level: string; message: string }[];
    expect(findings.filter((f) => f.check === 'masking-rules')).toEqual([
      expect.objectContaining({ level: 'ok', message: expect.stringContaining('4 masking rules') }),
    ]);

    // Uninstall keeps the edited rules (they are the user's now).
    const un = await runCli(repo, ['uninstall', '--yes'], { env: env() });
    expect(un.exitCode, un.stderr).toBe(0);
    expect(read(repo, MASKING_RULES_PATH)).toBe(edited);
  });

  it('offline, the file starts without rules; --check and doctor say no worktree gets a database until it has some', async () => {
    const repo = makeRepo();
    const r = await runCli(repo, args('--agent-data', 'anonymized', '--no-verify'), { env: env() });
    expect(r.exitCode, r.stderr).toBe(0);
    expect(parseMaskingRules(read(repo, MASKING_RULES_PATH))).toEqual([]);
    const doc = JSON.parse(r.stdout);
    expect(doc.warnings.join('\n')).toContain(
      `${MASKING_RULES_PATH} has no masking rules yet, so no worktree gets a database`,
    );

    const doctor = await runCli(repo, ['doctor', '--no-verify', '--json'], { env: env() });
    expect(doctor.exitCode).toBe(1);
    const findings = JSON.parse(doctor.stdout).findings as { check: string; level: string; fix?: string }[];
    expect(findings.filter((f) => f.check === 'masking-rules')).toEqual([
      expect.objectContaining({ level: 'problem', fix: `edit ${MASKING_RULES_PATH}` }),
    ]);

    // An untouched file of ours goes with uninstall.
    const un = await runCli(repo, ['uninstall', '--yes'], { env: env() });
    expect(un.exitCode, un.stderr).toBe(0);
    expect(existsSync(path.join(repo, MASKING_RULES_PATH))).toBe(false);
  });

  it('refuses an unknown kind of agent data, naming both', async () => {
    const repo = makeRepo();
    const r = await runCli(
      repo,
      ['--yes', '--project-id', ln.local.projectId, '--agent-data', 'masked', '--no-verify'],
      { env: env() },
    );
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('--agent-data takes full or anonymized, got "masked"');
    expect(existsSync(path.join(repo, '.claude'))).toBe(false);
  });
});
