// Anonymized agent branches (agentData "anonymized"), in-process against the local Neon's real PostgreSQL: a new
// worktree's branch is a Neon anonymized branch made with the committed masking rules, and its URL is written only
// once Neon says every rule has been applied. The promise: an agent never receives an unmasked branch by accident —
// not when a rule fails, not when masking outlasts the hook, not when the rules file is missing, empty or broken,
// and not when a worktree's branch was made with full data before the setting changed.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { runCommand } from '../../src/runtime/commands/index.ts';
import { MASKING_RULES_PATH, renderMaskingRules, type MaskingRule } from '../../src/shared/masking.ts';
import { MANIFEST_PATH, type ManifestAnswers } from '../../src/shared/manifest.ts';
import { parseEnv } from '../../src/shared/env-file.ts';
import { branchRecords, testContext } from './context.ts';
import { git, makeRepo, readEnv, useRuntimeSuite } from './helpers.ts';

// Masking takes a moment, as on Neon (its docs' example: 2 s); the branch refuses sessions meanwhile.
const ANONYMIZE_MS = 1200;
const suite = useRuntimeSuite({ anonymizeLatencyMs: ANONYMIZE_MS });
const ln = suite.ln;

const RULES: MaskingRule[] = [
  {
    database_name: 'neondb',
    schema_name: 'public',
    table_name: 'users',
    column_name: 'email',
    masking_function: "pg_catalog.concat(anon.dummy_uuidv4(), '@example.com')",
  },
  {
    database_name: 'neondb',
    schema_name: 'public',
    table_name: 'users',
    column_name: 'full_name',
    masking_function: 'anon.dummy_name()',
  },
  { database_name: 'neondb', schema_name: 'public', table_name: 'users', column_name: 'phone', masking_value: 'NULL' },
  {
    database_name: 'neondb',
    schema_name: 'public',
    table_name: 'users',
    column_name: 'birth_date',
    masking_value: "'1970-01-01'",
  },
];
const MASKED = ['email', 'full_name', 'phone', 'birth_date'] as const;

type UserRow = Record<'id' | 'email' | 'full_name' | 'phone' | 'birth_date' | 'plan', string | null>;
const usersIn = async (url: string) =>
  ln.query<UserRow>(url, 'select id, email, full_name, phone, birth_date::text, plan from users order by id');

const urlOf = (wt: string) => parseEnv(readEnv(path.join(wt, '.env')) ?? '').get('DATABASE_URL');

async function anonymizedRepo(
  rules: MaskingRule[] | string | null,
  answers: Partial<ManifestAnswers> = {},
): Promise<string> {
  const files: Record<string, string> = {};
  if (rules !== null) files[MASKING_RULES_PATH] = typeof rules === 'string' ? rules : renderMaskingRules(rules);
  return makeRepo({
    envText: `DATABASE_URL=${suite.mainUrl}\n`,
    gitHook: false,
    answers: { agentData: 'anonymized', ...answers },
    files,
  });
}

/** A worktree made with hooks off, then `ensure` in it: its exit code and what it said. */
async function ensureIn(repo: string, name: string, env: Record<string, string> = suite.env) {
  const wt = path.join(repo, '.claude/worktrees', name);
  if (!fs.existsSync(wt)) git(repo, '-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '-q', '-b', name, wt);
  const call = testContext({ cwd: wt, env });
  const code = await runCommand(call.ctx, 'ensure');
  return { wt, code, stderr: call.stderr() };
}

let parentRows: UserRow[] = [];

beforeAll(async () => {
  await ln.query(
    suite.mainUrl,
    'create table users (id int primary key, email text unique not null, full_name text, phone text, birth_date date, plan text)',
  );
  // Names no stand-in masking function can produce (they pick from a short list of computing pioneers).
  await ln.query(
    suite.mainUrl,
    `insert into users values
      (1, 'jane@roe.example', 'Jane Roe', '+44 20 7946 0018', '1815-12-10', 'pro'),
      (2, 'john@doe.example', 'John Doe', '+1 202 555 0147', '1906-12-09', 'free'),
      (3, 'erika@mustermann.example', 'Erika Mustermann', '+44 161 496 0733', '1912-06-23', 'pro')`,
  );
  await ln.query(
    suite.mainUrl,
    'create table orders (id int primary key, user_id int references users(id), total int)',
  );
  await ln.query(suite.mainUrl, 'insert into orders values (10, 1, 99), (11, 3, 5)');
  parentRows = await usersIn(suite.mainUrl);
});

describe('anonymized agent branches', () => {
  it('gives the worktree a masked copy: no masked column holds any original value, the rest is the parent’s', async () => {
    const repo = await anonymizedRepo(RULES);
    const before = ln.local.requests.length;
    const { wt, code, stderr } = await ensureIn(repo, 'agent-anon');
    expect(code, stderr).toBe(0);
    const url = urlOf(wt)!;
    expect(url).toBeTruthy();
    expect(url).not.toBe(suite.mainUrl);

    const rows = await usersIn(url);
    expect(rows.map((r) => r.id)).toEqual(parentRows.map((r) => r.id));
    for (const [i, row] of rows.entries()) {
      const original = parentRows[i]!;
      expect(row.plan).toBe(original.plan); // not masked: kept
      for (const col of MASKED) {
        // Row by row, and against every original value of the column (a shuffle would pass the first check).
        expect(row[col]).not.toBe(original[col]);
        expect(parentRows.map((r) => r[col])).not.toContain(row[col]);
      }
      expect(row.email).toMatch(/^[0-9a-f-]{36}@example\.com$/);
      expect(row.phone).toBeNull();
      expect(row.birth_date).toBe('1970-01-01');
    }
    // Untouched tables and the parent itself.
    expect(await ln.query(url, 'select id, user_id, total from orders order by id')).toEqual([
      { id: 10, user_id: 1, total: 99 },
      { id: 11, user_id: 3, total: 5 },
    ]);
    expect(await usersIn(suite.mainUrl)).toEqual(parentRows);
    // No stand-in of the masking functions is left in the branch's schema.
    expect(await ln.query(url, "select nspname from pg_namespace where nspname = 'anon'")).toEqual([]);

    // One anonymized create, then only status polls until Neon said "anonymized"; never a plain branch create.
    const sent = ln.local.requests.slice(before);
    expect(sent.filter((r) => r.method === 'POST' && r.path.endsWith('/branch_anonymized'))).toHaveLength(1);
    expect(sent.filter((r) => r.method === 'POST' && r.path.endsWith('/branches'))).toHaveLength(0);
    expect(sent.some((r) => r.path.endsWith('/anonymized_status'))).toBe(true);
    const rec = branchRecords(repo).find((r) => r.gitBranch === 'agent-anon')!;
    expect(rec).toMatchObject({ anonymized: true, masked: true, ownPassword: true });
    const listed = (await ln.local.listBranches()).find((b) => b.id === rec.branchId);
    expect(listed).toBeTruthy();
  });

  it('a failing masking rule leaves the worktree with no URL, and the half-masked branch is deleted', async () => {
    const broken = [...RULES.slice(0, 1), { ...RULES[1]!, masking_function: 'anon.no_such_function()' }];
    const repo = await anonymizedRepo(broken);
    const { wt, code, stderr } = await ensureIn(repo, 'agent-broken');
    expect(code).toBe(1);
    expect(stderr).toContain('Neon could not anonymize the branch (error: ');
    expect(stderr).toContain('anon.no_such_function');
    expect(stderr).toContain(MASKING_RULES_PATH);
    expect(urlOf(wt)).toBeUndefined();
    expect(readEnv(path.join(wt, '.env')) ?? '').not.toContain(suite.mainUrl);
    expect(branchRecords(repo).filter((r) => r.gitBranch === 'agent-broken')).toEqual([]);
    const names = (await ln.local.listBranches()).map((b) => b.name);
    expect(names.some((n) => n.endsWith('/agent-broken'))).toBe(false);
  });

  it('masking that outlasts the deadline fails closed; the next ensure waits for it and then hands out the URL', async () => {
    const repo = await anonymizedRepo(RULES, { provisionTimeoutSeconds: 1 });
    const first = await ensureIn(repo, 'agent-slow');
    expect(first.code).toBe(1);
    expect(first.stderr).toContain('Neon did not finish anonymizing the branch within 1s');
    expect(urlOf(first.wt)).toBeUndefined();
    const rec = branchRecords(repo).find((r) => r.gitBranch === 'agent-slow')!;
    expect(rec).toMatchObject({ anonymized: true });
    expect(rec.masked).toBeUndefined();
    // Neon's branch refuses sessions while it is being masked (the emulator's too).
    const direct = ln.local.connectionUri({ branch: rec.branchId });
    await expect(ln.query(direct, 'select 1')).rejects.toThrow(/anonymization is in progress/);

    // The worktree's own manifest (its commit's) sets its deadline.
    const manifestPath = path.join(first.wt, MANIFEST_PATH);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.answers.provisionTimeoutSeconds = 60;
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    const second = await ensureIn(repo, 'agent-slow');
    expect(second.code, second.stderr).toBe(0);
    expect(second.stderr).toContain('reusing Neon branch');
    const rows = await usersIn(urlOf(second.wt)!);
    for (const [i, row] of rows.entries()) expect(row.email).not.toBe(parentRows[i]!.email);
    expect(branchRecords(repo).find((r) => r.gitBranch === 'agent-slow')).toMatchObject({ masked: true });
  });

  it('refuses without usable rules: missing, empty or broken file — no branch made, no URL', async () => {
    const cases: Array<[string | null, RegExp]> = [
      [null, /neon-masking-rules\.json is missing: re-run create-neon-agents/],
      [renderMaskingRules([]), /has no rules, so a branch would hold every personal value of its parent/],
      ['{"masking_rules": [', /is not valid JSON/],
      [
        JSON.stringify({ masking_rules: [{ ...RULES[0], masking_value: "'x'" }] }),
        /rule 1 \(neondb\.public\.users\.email\) needs exactly one of "masking_function"/,
      ],
    ];
    for (const [i, [text, message]] of cases.entries()) {
      const repo = await anonymizedRepo(text);
      const before = ln.local.requests.length;
      const { wt, code, stderr } = await ensureIn(repo, `agent-norules-${i}`);
      expect(code, stderr).toBe(1);
      expect(stderr).toMatch(message);
      expect(urlOf(wt)).toBeUndefined();
      const creates = ln.local.requests.slice(before).filter((r) => r.method === 'POST');
      expect(creates).toEqual([]);
    }
  });

  it('a branch made with full data is not handed out once agent data is "anonymized"', async () => {
    const repo = await makeRepo({
      envText: `DATABASE_URL=${suite.mainUrl}\n`,
      gitHook: false,
      files: { [MASKING_RULES_PATH]: renderMaskingRules(RULES) },
    });
    const full = await ensureIn(repo, 'agent-full');
    expect(full.code, full.stderr).toBe(0);
    expect((await usersIn(urlOf(full.wt)!))[0]!.email).toBe('jane@roe.example');

    const manifestPath = path.join(repo, MANIFEST_PATH);
    const manifest = JSON.parse(fs.readFileSync(manifestPath, 'utf8'));
    manifest.answers.agentData = 'anonymized';
    // Only the main checkout's manifest changes (a re-run there): the worktree's, from its commit, still says full.
    fs.writeFileSync(manifestPath, JSON.stringify(manifest));
    expect(fs.readFileSync(path.join(full.wt, MANIFEST_PATH), 'utf8')).not.toContain('anonymized');
    const again = await ensureIn(repo, 'agent-full');
    expect(again.code).toBe(1);
    expect(again.stderr).toContain(
      'holds a full copy of its parent\'s data (it was made before agent data became "anonymized")',
    );
    expect(again.stderr).toContain('release');
    expect(urlOf(again.wt)).toBeUndefined();
  });

  it('reset refuses an anonymized branch (Neon cannot restore one), naming how to get a fresh masked copy', async () => {
    const repo = await anonymizedRepo(RULES);
    const { wt, code, stderr } = await ensureIn(repo, 'agent-noreset');
    expect(code, stderr).toBe(0);
    const url = urlOf(wt);
    const call = testContext({ cwd: wt, env: suite.env, argv: ['--yes'] });
    expect(await runCommand(call.ctx, 'reset')).toBe(1);
    expect(call.stderr()).toContain('is an anonymized branch, which Neon cannot reset from its parent');
    expect(call.stderr()).toContain('release');
    expect(urlOf(wt)).toBe(url);
  });
});
