import { describe, expect, test } from 'vitest';
import { parseEnv } from '../../src/shared/env-file.ts';
import { findLeaks, parsePgUrl, retargetEnv, targetFromEnv } from '../../src/shared/db-targets.ts';

// The variable family Neon's Vercel integration writes, for the parent branch (endpoint ep-cool-darkness-123456).
const PW = 'npg_ParentSecret99';
const HOST = 'ep-cool-darkness-123456.us-east-2.aws.neon.tech';
const POOLED = 'ep-cool-darkness-123456-pooler.us-east-2.aws.neon.tech';
const VERCEL = `# Neon (Vercel integration)
DATABASE_URL=postgresql://neondb_owner:${PW}@${POOLED}/neondb?sslmode=require
DATABASE_URL_UNPOOLED=postgresql://neondb_owner:${PW}@${HOST}/neondb?sslmode=require
PGHOST=${POOLED}
PGHOST_UNPOOLED=${HOST}
PGUSER=neondb_owner
PGDATABASE=neondb
PGPASSWORD=${PW}
POSTGRES_URL=postgres://neondb_owner:${PW}@${POOLED}/neondb?sslmode=require
POSTGRES_URL_NON_POOLING=postgres://neondb_owner:${PW}@${HOST}/neondb?sslmode=require
POSTGRES_USER=neondb_owner
POSTGRES_HOST=${POOLED}
POSTGRES_PASSWORD=${PW}
POSTGRES_DATABASE=neondb
POSTGRES_URL_NO_SSL=postgres://neondb_owner:${PW}@${POOLED}/neondb
POSTGRES_PRISMA_URL=postgres://neondb_owner:${PW}@${POOLED}/neondb?pgbouncer=true&connect_timeout=15&sslmode=require
DATABASE_AUTHENTICATED_URL=postgresql://authenticated:other_pw_123@${POOLED}/neondb?sslmode=require
REDIS_URL=redis://default:abc@cache.example.com:6379
ANALYTICS_URL=postgresql://ro:xyz12345@ep-other-thing-999999.eu-central-1.aws.neon.tech/analytics
NEON_API_KEY=napi_secret
`;
const OWN_PW = 'npg_ChildOwn77';
const own = {
  pooledUrl: `postgresql://neondb_owner:${OWN_PW}@ep-agent-branch-777777-pooler.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require`,
  directUrl: `postgresql://neondb_owner:${OWN_PW}@ep-agent-branch-777777.us-east-2.aws.neon.tech/neondb?sslmode=require&channel_binding=require`,
};

describe('db-targets', () => {
  test('parsePgUrl finds the endpoint in the host or in options=endpoint', () => {
    expect(parsePgUrl(`postgres://u:p@${POOLED}/db`)).toMatchObject({
      endpointId: 'ep-cool-darkness-123456',
      pooled: true,
      database: 'db',
    });
    expect(
      parsePgUrl('postgresql://u:p%40x@127.0.0.1:5555/neondb?options=endpoint%3Dep-a-b-c-pooler&sslmode=require'),
    ).toMatchObject({
      endpointId: 'ep-a-b-c',
      pooled: true,
      password: 'p@x',
      port: '5555',
    });
    expect(parsePgUrl('redis://x@y')).toBeNull();
  });

  test('every value of the Vercel family that names the parent is pointed at the own branch, in the same form', () => {
    const t = targetFromEnv(VERCEL, ['DATABASE_URL']);
    const r = retargetEnv(VERCEL, t, own, { DATABASE_URL: own.pooledUrl, NEON_API_KEY: null });
    const env = parseEnv(r.text);
    expect(env.has('NEON_API_KEY')).toBe(false);
    expect(env.get('DATABASE_URL')).toBe(own.pooledUrl);
    expect(env.get('DATABASE_URL_UNPOOLED')).toBe(
      `postgresql://neondb_owner:${OWN_PW}@ep-agent-branch-777777.us-east-2.aws.neon.tech/neondb?sslmode=require`,
    );
    expect(env.get('PGHOST')).toBe('ep-agent-branch-777777-pooler.us-east-2.aws.neon.tech');
    expect(env.get('PGHOST_UNPOOLED')).toBe('ep-agent-branch-777777.us-east-2.aws.neon.tech');
    expect(env.get('PGPASSWORD')).toBe(OWN_PW);
    expect(env.get('POSTGRES_PASSWORD')).toBe(OWN_PW);
    expect(env.get('POSTGRES_HOST')).toBe('ep-agent-branch-777777-pooler.us-east-2.aws.neon.tech');
    expect(env.get('POSTGRES_URL_NO_SSL')).toBe(
      `postgres://neondb_owner:${OWN_PW}@ep-agent-branch-777777-pooler.us-east-2.aws.neon.tech/neondb`,
    );
    expect(env.get('POSTGRES_PRISMA_URL')).toBe(
      `postgres://neondb_owner:${OWN_PW}@ep-agent-branch-777777-pooler.us-east-2.aws.neon.tech/neondb?pgbouncer=true&connect_timeout=15&sslmode=require`,
    );
    // Another role: we do not know its password on the agent branch, so it goes.
    expect(env.has('DATABASE_AUTHENTICATED_URL')).toBe(false);
    expect(r.removed.map((x) => x.key)).toEqual(['DATABASE_AUTHENTICATED_URL']);
    // Elsewhere: left alone.
    expect(env.get('REDIS_URL')).toBe('redis://default:abc@cache.example.com:6379');
    expect(env.get('ANALYTICS_URL')).toContain('ep-other-thing-999999');
    expect(env.get('PGUSER')).toBe('neondb_owner');
    // Nothing that names the parent survives.
    expect(r.text).not.toContain('cool-darkness');
    expect(r.text).not.toContain(PW);
    expect(findLeaks(r.text, t)).toEqual([]);
  });

  test('without a branch of its own, every value naming the parent is removed', () => {
    const t = targetFromEnv(VERCEL, ['DATABASE_URL']);
    const r = retargetEnv(VERCEL, t, null, { DATABASE_URL: null, NEON_API_KEY: null });
    expect(r.text).not.toContain('cool-darkness');
    expect(r.text).not.toContain(PW);
    expect(parseEnv(r.text).get('REDIS_URL')).toBeDefined();
    expect(parseEnv(r.text).get('PGUSER')).toBe('neondb_owner');
  });

  test('the parent is found by password too, when the app variable holds something else', () => {
    const text = `DATABASE_URL=postgres://app:pw@localhost:5432/app\nPOSTGRES_URL=postgres://neondb_owner:${PW}@${POOLED}/neondb\n`;
    const t = targetFromEnv(text, ['DATABASE_URL'], { passwords: [PW] });
    expect(findLeaks(text, t).map((l) => l.key)).toEqual(['DATABASE_URL', 'POSTGRES_URL']);
    const r = retargetEnv(text, t, own, { DATABASE_URL: own.pooledUrl });
    expect(findLeaks(r.text, t)).toEqual([]);
    // A local PostgreSQL on another port (a cache, another app) is not the shared database.
    expect(findLeaks('X=postgres://app:other@localhost:6543/x\n', t)).toEqual([]);
  });

  test('the local Neon style (endpoint in options) keeps its routing option', () => {
    const parent =
      'postgresql://neondb_owner:npg_x12345678@127.0.0.1:5555/neondb?options=endpoint%3Dep-main-aaa-111&sslmode=require';
    const mine =
      'postgresql://neondb_owner:npg_x12345678@127.0.0.1:5555/neondb?options=endpoint%3Dep-kid-bbb-222&sslmode=require&channel_binding=require';
    const text = `DATABASE_URL=${parent}\nPOSTGRES_URL_NO_SSL=postgresql://neondb_owner:npg_x12345678@127.0.0.1:5555/neondb?options=endpoint%3Dep-main-aaa-111-pooler\n`;
    const t = targetFromEnv(text, ['DATABASE_URL']);
    const r = retargetEnv(
      text,
      t,
      { pooledUrl: mine.replace('ep-kid-bbb-222', 'ep-kid-bbb-222-pooler'), directUrl: mine },
      { DATABASE_URL: mine },
    );
    expect(parseEnv(r.text).get('POSTGRES_URL_NO_SSL')).toBe(
      'postgresql://neondb_owner:npg_x12345678@127.0.0.1:5555/neondb?options=endpoint%3Dep-kid-bbb-222-pooler',
    );
    expect(findLeaks(r.text, t, 'ep-kid-bbb-222')).toEqual([]);
    expect(r.text).not.toContain('ep-main-aaa-111');
  });
});
