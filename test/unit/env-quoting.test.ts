// Values must survive both dotenv readers and a shell that sources the file (`set -a; . ./.env`).
import { describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { formatEnvValue, parseEnv, setEnvValues } from '../../src/shared/env-file.ts';

const URL =
  'postgresql://u:p@127.0.0.1:5432/neondb?options=endpoint%3Dep-a-b-1&sslmode=require&channel_binding=require';

function sourced(text: string, key: string): string {
  const f = path.join(mkdtempSync(path.join(os.tmpdir(), 'cna-env-')), '.env');
  writeFileSync(f, text);
  return execFileSync('sh', ['-c', `set -a; . "$1"; printf %s "$${key}"`, 'sh', f], { encoding: 'utf8' });
}

describe('env values a shell can source too', () => {
  it('quotes a URL with & so `. ./.env` keeps it whole', () => {
    const text = setEnvValues('', { DATABASE_URL: URL });
    expect(parseEnv(text).get('DATABASE_URL')).toBe(URL);
    expect(sourced(text, 'DATABASE_URL')).toBe(URL);
  });
  it('keeps the quotes the line already had', () => {
    const dq = setEnvValues('export DATABASE_URL="postgresql://old?sslmode=require&x=1"\n', { DATABASE_URL: URL });
    expect(dq).toBe(`export DATABASE_URL="${URL}"\n`);
    expect(sourced(dq, 'DATABASE_URL')).toBe(URL);
    const sq = setEnvValues("DATABASE_URL='old'\n", { DATABASE_URL: URL });
    expect(sq).toBe(`DATABASE_URL='${URL}'\n`);
  });
  it.each(['plain-value_1', 'a b', 'semi;colon', 'pipe|x', "it's", 'x$(id)', 'back\\slash', 'hash#tag'])(
    '%j round-trips through dotenv and sh',
    (v) => {
      const text = `K=${formatEnvValue(v)}\n`;
      expect(parseEnv(text).get('K')).toBe(v);
      expect(sourced(text, 'K')).toBe(v);
    },
  );
  // Was expected to round-trip: Next.js (@next/env) expands `$HOME` in any quotes, so it is refused now.
  it('refuses x$HOME', () => {
    expect(() => formatEnvValue('x$HOME')).toThrow(/Next\.js/);
    expect(() => setEnvValues('', { K: 'x$HOME' })).toThrow(/cannot write K/);
  });
});
