// The question table and what is derived from it: resolve()'s order of sources, the equivalent command (which must
// reproduce the answers when run), the manifest's answers (no secrets), and the JSON schema kept in step with it.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import {
  equivalentCommand,
  isComplete,
  manifestAnswers,
  missingMessage,
  resolve,
  sourcesOf,
} from '../../src/answers/resolve.ts';
import { QUESTION_LIST, QUESTIONS } from '../../src/answers/questions.ts';
import { parseOptions } from '../../src/options.ts';
import { DEFAULT_ANSWERS, type Manifest } from '../../src/shared/manifest.ts';
import { plainDetected } from '../helpers/detected.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const PROJECT = 'winter-sun-12345678';
const KEY = 'napi_questionTableKey0123456789';

const detected = plainDetected;

const manifest = (answers: Partial<Manifest['answers']>): Manifest => ({
  tool: 'create-neon-agents',
  version: '0.0.9',
  answers: { ...DEFAULT_ANSWERS, projectId: '', ...answers },
  files: {},
});

const given = (argv: string[], env: NodeJS.ProcessEnv = {}) => parseOptions(argv, env).given;

describe('resolve: every answer with its source', () => {
  it('flag › env › manifest › env file › detected › default', () => {
    const d = detected(
      {
        manifest: manifest({ projectId: 'from-manifest-1', roles: ['migration-reviewer'] }),
        envValues: new Map([
          ['NEON_PROJECT_ID', 'from-env-file-1'],
          ['NEON_API_KEY', KEY],
        ]),
      },
      { databaseUrlVar: 'POSTGRES_URL', databaseUrlFrom: 'drizzle.config.ts:1, dbCredentials.url' },
    );
    // The manifest above records DEFAULT_ANSWERS for the rest, so they come from it, not from detection.
    const fromEverything = resolve(given(['--branch-ttl', '3'], { NEON_PROJECT_ID: 'from-env-1' }), d);
    expect(fromEverything).toMatchObject({
      projectId: { value: 'from-env-1', source: 'env' },
      branchTtlDays: { value: 3, source: 'flag' },
      roles: { value: ['migration-reviewer'], source: 'manifest' },
      apiKey: { value: KEY, source: 'env-file' },
      databaseUrlVar: { value: 'DATABASE_URL', source: 'manifest' },
    });
    expect(resolve(given(['--project-id', 'from-flag-1'], { NEON_PROJECT_ID: 'from-env-1' }), d).projectId).toEqual({
      value: 'from-flag-1',
      source: 'flag',
    });
    expect(resolve({}, d).projectId).toEqual({ value: 'from-manifest-1', source: 'manifest' });
    // A manifest without a project id ('' after parseManifest) falls through to the env file.
    const noId = detected({ ...d, manifest: manifest({}) });
    expect(resolve({}, noId).projectId).toEqual({ value: 'from-env-file-1', source: 'env-file' });
    // No manifest: detection, then the defaults.
    const fresh = resolve({}, detected({}, d.project));
    expect(fresh).toMatchObject({
      databaseUrlVar: { value: 'POSTGRES_URL', source: 'detected' },
      envFile: { value: '.env', source: 'detected' },
      roles: { value: DEFAULT_ANSWERS.roles, source: 'default' },
      apiKey: { value: null, source: 'default' },
    });
    expect(fresh.projectId).toBeUndefined();
    expect(isComplete(fresh)).toBe(false);
  });

  it('a detected direct URL named like the database URL given by flag gives way', () => {
    const d = detected({}, { directUrlVar: 'APP_URL', directUrlFrom: 'schema.prisma:3, directUrl' });
    const a = resolve(given(['--project-id', PROJECT, '--database-url-var', 'APP_URL']), d);
    expect(a.directUrlVar).toEqual({ value: null, source: 'default' });
    expect(resolve(given(['--project-id', PROJECT]), d).directUrlVar).toEqual({ value: 'APP_URL', source: 'detected' });
  });
});

describe('what is derived from the resolved answers', () => {
  const argv = [
    '--project-id',
    PROJECT,
    '--api-key',
    KEY,
    '--roles',
    'migration-reviewer,feature-developer',
    '--permission-mode',
    'plan',
    '--parent-branch',
    'staging',
    '--branch-ttl',
    '0',
    '--env-file',
    'apps/web/.env.local',
    '--database-url-var',
    'POSTGRES_URL',
    '--direct-url-var',
    'none',
    '--no-pooled',
    '--no-git-hook',
    '--no-claude-hooks',
    '--database-name',
    'app',
    '--role-name',
    'app_owner',
  ];

  it('the equivalent command reproduces the answers when parsed again, and never names a secret', () => {
    const a = resolve(given(argv), detected());
    if (!isComplete(a)) throw new Error('complete: every flag was given');
    const cmd = equivalentCommand(a, 'my app');
    expect(cmd).toMatch(/^npx create-neon-agents@latest "my app" --yes --project-id winter-sun-12345678 /);
    expect(cmd).toContain('--env-path apps/web/.env.local'); // Node 20 consumes --env-file itself
    expect(cmd).not.toContain(KEY);
    expect(cmd).not.toContain('--api-key');
    expect(cmd).toContain('--database-name app --role-name app_owner');
    // Left at their defaults (the branch's only database and role), they are left out.
    expect(equivalentCommand(resolve(given(['--project-id', PROJECT]), detected()), undefined)).not.toMatch(
      /--database-name|--role-name/,
    );
    const again = resolve(parseOptions(cmd.split(' ').slice(3), {}).given, detected());
    if (!isComplete(again)) throw new Error('the printed command lacks the project id');
    expect(manifestAnswers(again)).toEqual(manifestAnswers(a));
  });

  it('a missing project id: a placeholder in the announced command, a valid example in the usage error', () => {
    const a = resolve({}, detected());
    expect(equivalentCommand(a, undefined)).toMatch(/--yes --project-id <project-id> --key-store user --roles /);
    const message = missingMessage(a, undefined);
    expect(message).toMatch(/^Missing --project-id \(needed without a terminal to ask in\)\. A Neon project id looks/);
    expect(message).toContain(
      `Example:\n  npx create-neon-agents@latest --yes --project-id ${PROJECT} --key-store user --roles feature-developer,data-optimizer`,
    );
  });

  it('the manifest gets every answer but the secrets; the sources name them all', () => {
    const a = resolve(given(argv), detected());
    if (!isComplete(a)) throw new Error('complete');
    const recorded = manifestAnswers(a);
    // In the manifest's key order, not the table's: a re-run must not reorder a committed file's lines.
    expect(Object.keys(recorded)).toEqual([...Object.keys(DEFAULT_ANSWERS), 'projectId']);
    expect(JSON.stringify(recorded)).not.toContain(KEY);
    expect(Object.keys(sourcesOf(a)).sort()).toEqual(QUESTION_LIST.map((q) => q.name).sort());
    expect(sourcesOf(a)).toMatchObject({ apiKey: 'flag', pooled: 'flag', onProvisionFailure: 'default' });
  });

  it('schema/summary.schema.json names exactly the table: answers (no secrets) and sources (all)', () => {
    const schema = JSON.parse(readFileSync(path.join(ROOT, 'schema/summary.schema.json'), 'utf8'));
    const names = QUESTION_LIST.map((q) => q.name);
    const recorded = QUESTION_LIST.filter((q) => !q.secret).map((q) => q.name);
    expect([...schema.$defs.answers.required].sort()).toEqual([...recorded].sort());
    expect(Object.keys(schema.$defs.answers.properties).sort()).toEqual([...recorded].sort());
    expect([...schema.$defs.sources.required].sort()).toEqual([...names].sort());
    expect(Object.keys(schema.$defs.sources.properties).sort()).toEqual([...names].sort());
    expect(QUESTIONS.apiKey.secret).toBe(true);
  });
});
