// Detection on small folders shaped like the real apps of issue 10: which variables the app reads its database
// URL from, which env file its scripts and ORM config load, and which scripts bring their own secrets.
import { afterAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  detectProject,
  bypassingScripts,
  roleCommands,
  prismaEnvWarning,
  secretManagerScripts,
} from '../../src/detect/project.ts';
import { detectDbVars } from '../../src/detect/db-vars.ts';
import { scriptEnv, expandScript } from '../../src/detect/scripts.ts';
import { commandsFor } from '../../src/detect/package-manager.ts';

const made: string[] = [];
afterAll(() => {
  for (const d of made) rmSync(d, { recursive: true, force: true });
});

function folder(files: Record<string, string | object>): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'cna-detect-'));
  made.push(dir);
  for (const [rel, content] of Object.entries(files)) {
    const abs = path.join(dir, rel);
    mkdirSync(path.dirname(abs), { recursive: true });
    writeFileSync(abs, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  }
  return dir;
}

const pnpm = { name: 'pnpm' as const, source: 'lockfile' as const, ...commandsFor('pnpm') };
const npm = { name: 'npm' as const, source: 'lockfile' as const, ...commandsFor('npm') };

describe('the database URL variables', () => {
  it('Next.js + Drizzle SaaS template: drizzle.config.ts reads POSTGRES_URL', () => {
    const root = folder({
      'package.json': {
        name: 'saas',
        dependencies: { next: '15', 'drizzle-orm': '0.39', postgres: '3' },
        devDependencies: { 'drizzle-kit': '0.30' },
        scripts: { 'db:migrate': 'npx tsx lib/db/migrate.ts' },
      },
      'drizzle.config.ts':
        "import type { Config } from 'drizzle-kit';\n\nexport default {\n  schema: './lib/db/schema.ts',\n  out: './lib/db/migrations',\n  dialect: 'postgresql',\n  dbCredentials: {\n    url: process.env.POSTGRES_URL!,\n  },\n} satisfies Config;\n",
      'lib/db/drizzle.ts':
        "import postgres from 'postgres';\nimport dotenv from 'dotenv';\ndotenv.config();\nexport const client = postgres(process.env.POSTGRES_URL);\n",
    });
    const p = detectProject(root, pnpm);
    expect(p.databaseUrlVar).toBe('POSTGRES_URL');
    expect(p.databaseUrlFrom).toBe('drizzle.config.ts:8, dbCredentials.url');
    expect(p.directUrlVar).toBeNull();
    // Its database module loads .env with dotenv: stronger than Next.js's .env.local convention.
    expect(p).toMatchObject({ envFile: '.env', envFileReason: 'lib/db/drizzle.ts loads it' });
  });

  it.each([
    ['process.env["NEON_DATABASE_URL"]', 'NEON_DATABASE_URL'],
    ['env.DB_URL', 'DB_URL'],
    ["getEnv('X') ?? process.env.APP_DATABASE_URL", 'APP_DATABASE_URL'],
  ])('drizzle dbCredentials.url = %s', (expr, name) => {
    const root = folder({
      'package.json': { dependencies: { 'drizzle-orm': '1' } },
      'drizzle.config.mjs': `export default { dbCredentials: { url: ${expr} } };\n`,
    });
    expect(detectProject(root, npm).databaseUrlVar).toBe(name);
  });

  it('drizzle connectionString, and a *_UNPOOLED name is the direct URL, the app code names the pooled one', () => {
    const root = folder({
      'package.json': { dependencies: { 'drizzle-orm': '1', '@neondatabase/serverless': '1' } },
      'drizzle.config.ts':
        "export default { dialect: 'postgresql', dbCredentials: { connectionString: process.env.DATABASE_URL_UNPOOLED! } };\n",
      'src/db/index.ts':
        "import { neon } from '@neondatabase/serverless';\nconst sql = neon(process.env.DATABASE_URL!);\n",
    });
    const p = detectProject(root, npm);
    expect(p).toMatchObject({ databaseUrlVar: 'DATABASE_URL', directUrlVar: 'DATABASE_URL_UNPOOLED' });
    expect(p.databaseUrlFrom).toBe('src/db/index.ts:2, neon(…)');
  });

  it('Prisma 5 app: schema.prisma url and directUrl', () => {
    const root = folder({
      'package.json': { dependencies: { next: '14', '@prisma/client': '5' }, devDependencies: { prisma: '5' } },
      'prisma/schema.prisma':
        'generator client {\n  provider = "prisma-client-js"\n}\n\ndatasource db {\n  provider  = "postgresql"\n  url       = env("POSTGRES_PRISMA_URL")\n  directUrl = env("POSTGRES_URL_NON_POOLING")\n}\n',
    });
    const p = detectProject(root, npm);
    expect(p).toMatchObject({
      databaseUrlVar: 'POSTGRES_PRISMA_URL',
      directUrlVar: 'POSTGRES_URL_NON_POOLING',
      envFile: '.env',
      envFileReason: 'Prisma reads only .env',
    });
    expect(p.databaseUrlFrom).toBe('prisma/schema.prisma:7, datasource url = env("POSTGRES_PRISMA_URL")');
    expect(p.directUrlFrom).toBe('prisma/schema.prisma:8, datasource directUrl = env("POSTGRES_URL_NON_POOLING")');
    expect(prismaEnvWarning(p, '.env')).toBeNull();
    expect(prismaEnvWarning(p, '.env.local')).toMatch(/The Prisma CLI reads only \.env, not \.env\.local/);
  });

  it('Prisma multi-file schema (prisma/schema/*.prisma)', () => {
    const root = folder({
      'package.json': { dependencies: { '@prisma/client': '6' } },
      'prisma/schema/models.prisma': 'model User {\n  id Int @id\n}\n',
      'prisma/schema/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url      = env("APP_DB_URL")\n}\n',
    });
    expect(detectProject(root, npm).databaseUrlVar).toBe('APP_DB_URL');
  });

  it('Next.js 16 + Prisma 7: the URL only in prisma.config.ts (the direct one); the adapter reads the pooled one', () => {
    const root = folder({
      'package.json': {
        dependencies: { next: '16', '@prisma/client': '7', '@prisma/adapter-pg': '7' },
        devDependencies: { prisma: '7' },
      },
      'prisma.config.ts':
        "import 'dotenv/config';\nimport { defineConfig, env } from 'prisma/config';\n\nexport default defineConfig({\n  schema: 'prisma/schema.prisma',\n  migrations: { path: 'prisma/migrations' },\n  datasource: {\n    url: env('DATABASE_DIRECT_URL'),\n  },\n});\n",
      'prisma/schema.prisma':
        'generator client {\n  provider = "prisma-client"\n  output   = "../src/generated/prisma"\n}\n\ndatasource db {\n  provider = "postgresql"\n}\n',
      'src/lib/prisma.ts':
        "import { PrismaPg } from '@prisma/adapter-pg';\nconst adapter = new PrismaPg({ connectionString: process.env.DATABASE_URL });\n",
    });
    const p = detectProject(root, npm);
    expect(p).toMatchObject({ databaseUrlVar: 'DATABASE_URL', directUrlVar: 'DATABASE_DIRECT_URL' });
    expect(p.directUrlFrom).toBe('prisma.config.ts:8, datasource.url');
    expect(p.databaseUrlFrom).toBe('src/lib/prisma.ts:2, PrismaPg(…)');
    // prisma.config.ts loads .env (dotenv/config): that is the env file, and the Prisma CLI reads it.
    expect(p).toMatchObject({ envFile: '.env', envFileReason: 'prisma.config.ts loads it' });
    expect(prismaEnvWarning(p, '.env')).toBeNull();
    expect(prismaEnvWarning(p, '.env.local')).toMatch(
      /prisma\.config\.ts loads \.env, so the Prisma CLI will not read \.env\.local/,
    );
  });

  it('Prisma 7 without the adapter in view: the direct URL is still found, the main one is the default', () => {
    const root = folder({
      'package.json': { dependencies: { '@prisma/client': '7' } },
      'prisma.config.ts':
        "import { defineConfig, env } from 'prisma/config';\nexport default defineConfig({ datasource: { url: env('DATABASE_DIRECT_URL'), shadowDatabaseUrl: env('SHADOW_DATABASE_URL') } });\n",
    });
    const p = detectProject(root, npm);
    expect(p).toMatchObject({
      databaseUrlVar: 'DATABASE_URL',
      databaseUrlFrom: null,
      directUrlVar: 'DATABASE_DIRECT_URL',
    });
    // It loads no env file at all: the Prisma CLI would see no URL.
    expect(prismaEnvWarning(p, '.env')).toMatch(/prisma\.config\.ts loads no env file/);
  });

  it('a hard-coded Prisma URL is a warning: agents would use the shared database', () => {
    const root = folder({
      'package.json': { dependencies: { '@prisma/client': '5' } },
      'prisma/schema.prisma':
        'datasource db {\n  provider = "postgresql"\n  url      = "postgresql://u:p@ep-x.neon.tech/db"\n}\n',
    });
    const p = detectProject(root, npm);
    expect(p.warnings).toHaveLength(1);
    expect(p.warnings![0]).toMatch(
      /^prisma\/schema\.prisma:3 hard-codes the database URL .* \(the shared one\).*url = env\("DATABASE_URL"\)/,
    );
    expect(p.databaseUrlVar).toBe('DATABASE_URL');
  });

  it('t3 createEnv schema and pg Pool in a Kysely app', () => {
    const root = folder({
      'package.json': { dependencies: { kysely: '0.27', pg: '8' } },
      'src/env.js':
        "import { createEnv } from '@t3-oss/env-nextjs';\nexport const env = createEnv({\n  server: {\n    SUPABASE_DB_URL: z.string().url(),\n    AUTH_SECRET: z.string(),\n  },\n});\n",
      'src/server/database.ts':
        "import { Pool } from 'pg';\nexport const dialect = new PostgresDialect({ pool: new Pool({ connectionString: env.SUPABASE_DB_URL }) });\n",
    });
    expect(detectProject(root, npm)).toMatchObject({ databaseUrlVar: 'SUPABASE_DB_URL' });
  });
});

describe('the env file the scripts load', () => {
  const t3 = () =>
    folder({
      'package.json': {
        name: 'create-t3-turbo',
        private: true,
        devDependencies: { 'dotenv-cli': '10', turbo: '2' },
        scripts: { 'db:push': 'turbo -F @acme/db push' },
      },
      'pnpm-workspace.yaml': 'packages:\n  - apps/*\n  - packages/*\n',
      '.env.example':
        'POSTGRES_URL="postgres://postgres.[USERNAME]:[PASSWORD]@aws-0-eu-central-1.pooler.supabase.com:6543/postgres"\n',
      'apps/nextjs/package.json': {
        name: '@acme/nextjs',
        dependencies: { next: '16' },
        scripts: { dev: 'pnpm with-env next dev', 'with-env': 'dotenv -e ../../.env --' },
      },
      'apps/nextjs/src/env.ts': 'export const env = createEnv({ server: { POSTGRES_URL: z.url() } });\n',
      'packages/db/package.json': {
        name: '@acme/db',
        dependencies: { '@vercel/postgres': '0.10', 'drizzle-orm': '0.44' },
        devDependencies: { 'drizzle-kit': '0.31' },
        scripts: {
          push: 'pnpm with-env drizzle-kit push',
          studio: 'pnpm with-env drizzle-kit studio',
          'with-env': 'dotenv -e ../../.env --',
        },
      },
      'packages/db/drizzle.config.ts':
        'import type { Config } from "drizzle-kit";\n\nif (!process.env.POSTGRES_URL) {\n  throw new Error("Missing POSTGRES_URL");\n}\n\nconst nonPoolingUrl = process.env.POSTGRES_URL.replace(":6543", ":5432");\n\nexport default {\n  schema: "./src/schema.ts",\n  dialect: "postgresql",\n  dbCredentials: { url: nonPoolingUrl },\n} satisfies Config;\n',
      'packages/db/src/client.ts':
        'import { sql } from "@vercel/postgres";\nimport { drizzle } from "drizzle-orm/vercel-postgres";\nexport const db = drizzle({ client: sql });\n',
    });

  it('create-t3-turbo: the root .env (what dotenv -e ../../.env loads), POSTGRES_URL, and the push script kept', () => {
    const root = t3();
    const p = detectProject(root, pnpm);
    expect(p).toMatchObject({
      appDir: 'packages/db',
      envFile: '.env',
      databaseUrlVar: 'POSTGRES_URL',
      directUrlVar: null,
    });
    expect(p.envFileReason).toBe(`packages/db's "push" script loads it (dotenv -e ../../.env --)`);
    expect(p.databaseUrlFrom).toBe('packages/db/drizzle.config.ts:12, dbCredentials.url');
    expect(p.envFileCandidates!.map((c) => c.file)).toEqual(['.env']);
    expect(p.orm.push).toBe('(cd packages/db && pnpm push)');
    // The script loads the worktree's own .env: nothing to work around.
    expect(bypassingScripts(p, '.env')).toEqual([]);
    // But with packages/db/.env (what the initializer used to pick), push would read another file.
    const other = roleCommands(p, 'packages/db/.env', 'POSTGRES_URL');
    expect(other.orm.push).toBe(
      '(set -a && . ./packages/db/.env && set +a && cd packages/db && pnpm exec drizzle-kit push)',
    );
    expect(other.notes).toEqual([
      "The package script `push` is not used: it loads .env (`dotenv`), not the worktree's packages/db/.env.",
    ]);
  });

  it('several candidates with different evidence are all listed, the strongest first', () => {
    const root = folder({
      'package.json': { dependencies: { next: '15', 'drizzle-orm': '1' }, scripts: { 'db:push': 'drizzle-kit push' } },
      '.env.local': 'X=1\n',
      'drizzle.config.ts':
        "import { config } from 'dotenv';\nconfig({ path: '.env.development' });\nexport default { dbCredentials: { url: process.env.DATABASE_URL! } };\n",
    });
    const p = detectProject(root, npm);
    expect(p.envFileCandidates).toEqual([
      { file: '.env.development', reason: 'drizzle.config.ts loads it', strength: 1 },
      { file: '.env.local', reason: 'Next.js reads .env.local first', strength: 3 },
    ]);
    expect(p.envFile).toBe('.env.development');
  });

  it.each([
    ['dotenv -e ../../.env -- drizzle-kit push', 'dotenv-cli', ['/r/.env'], 'drizzle-kit push'],
    [
      'dotenv -e .env.local -e .env -- prisma migrate dev',
      'dotenv-cli',
      ['/r/a/b/.env.local', '/r/a/b/.env'],
      'prisma migrate dev',
    ],
    ['env-cmd -f ./config/.env.test vitest', 'env-cmd', ['/r/a/b/config/.env.test'], 'vitest'],
    ['node --env-file=.env.local --import tsx src/seed.ts', 'node --env-file', ['/r/a/b/.env.local'], null],
    ['doppler run -- prisma migrate deploy', 'doppler', [], 'prisma migrate deploy'],
    ['infisical run --env=dev -- npm test', 'infisical', [], 'npm test'],
    ['op run --env-file=.env.tpl -- drizzle-kit migrate', '1password', [], 'drizzle-kit migrate'],
    ['drizzle-kit push', null, [], null],
  ])('scriptEnv(%j)', (body, tool, files, rest) => {
    const e = scriptEnv(body, '/r/a/b');
    expect(e.tool).toBe(tool);
    expect(e.files).toEqual(files);
    expect(e.rest).toBe(rest);
  });

  it('expands local wrapper scripts', () => {
    expect(
      expandScript({ push: 'pnpm with-env drizzle-kit push', 'with-env': 'dotenv -e ../../.env --' }, 'push'),
    ).toBe('dotenv -e ../../.env -- drizzle-kit push');
    expect(expandScript({ push: 'npm run build && drizzle-kit push', build: 'tsc' }, 'push')).toBe(
      'npm run build && drizzle-kit push',
    );
  });
});

describe('scripts that bring their own secrets', () => {
  it('doppler: the roles run the plain ORM command with the worktree env file, and say why', () => {
    const root = folder({
      'package.json': {
        dependencies: { '@prisma/client': '5' },
        scripts: {
          'db:migrate': 'doppler run -- prisma migrate deploy',
          test: 'doppler run -- vitest run',
          'db:seed': 'tsx prisma/seed.ts',
        },
      },
      'prisma/schema.prisma': 'datasource db {\n  provider = "postgresql"\n  url = env("DATABASE_URL")\n}\n',
    });
    const p = detectProject(root, pnpm);
    expect(bypassingScripts(p, '.env').map((s) => [s.script, s.tool])).toEqual([
      ['db:migrate', 'doppler'],
      ['test', 'doppler'],
    ]);
    const r = roleCommands(p, '.env');
    expect(r.orm.migrate).toBe('(set -a && . ./.env && set +a && pnpm exec prisma migrate deploy)');
    expect(r.commands.test).toBe('(set -a && . ./.env && set +a && pnpm exec vitest run)');
    expect(r.commands.seed).toBe('pnpm db:seed');
    expect(r.notes[0]).toBe(
      "The package script `db:migrate` is not used: it runs through `doppler run`, which supplies its own DATABASE_URL (the shared database) over the worktree's .env.",
    );
    expect(secretManagerScripts(root)).toEqual([
      {
        script: 'db:migrate',
        command: 'doppler run -- prisma migrate deploy',
        tool: 'doppler',
        reason: expect.stringContaining('doppler run'),
      },
      {
        script: 'test',
        command: 'doppler run -- vitest run',
        tool: 'doppler',
        reason: expect.stringContaining('doppler run'),
      },
    ]);
  });

  it('an app without wrappers has none', () => {
    const root = folder({
      'package.json': {
        dependencies: { 'drizzle-orm': '1' },
        scripts: { 'db:push': 'drizzle-kit push', test: 'vitest' },
      },
    });
    expect(secretManagerScripts(root)).toEqual([]);
  });
});

describe('detectDbVars', () => {
  it('ignores other databases and shadow URLs', () => {
    const root = folder({
      'src/cache.ts': 'const redis = createClient({ url: process.env.REDIS_URL });\n',
      '.env.example': 'SHADOW_DATABASE_URL=postgres://x\nMONGODB_URI=mongodb://x\n',
    });
    const v = detectDbVars(root, '', { deps: new Set() });
    expect(v.databaseUrl).toBeNull();
    expect(v.directUrl).toBeNull();
  });
});
