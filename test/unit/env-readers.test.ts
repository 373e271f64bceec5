// The env-file editor against the REAL readers of env files: dotenv (v17), Node's util.parseEnv, @next/env
// (dotenv 16 + dotenv-expand, on a temp dir) and sh (dash and bash sourcing the file with `set -a`).
//
// Deliberate exceptions, documented in src/shared/env-file.ts:
//  - Node does not skip a BOM (the first key reads as "\uFEFFKEY"); Node reads the text after the BOM here.
//  - Node 20 glues a line without `=` onto the next key ("junk\nK"); we read its keys as Node 22+ does ("K").
//  - When an edit ends a Node misreading (a `KEY: v` line Node glued to the next line's key), Node's reading of
//    another key may change, but only to what dotenv reads.
//  - setEnvValues may throw: for values no quoting writes faithfully (unwritableReason), and when dotenv and Node
//    already disagree about the input (or Node 20 glues one of its lines onto the next) so much that no edit keeps
//    every other key as both read it.
//  - sh is only asked to read files a shell can source (LF, `KEY=` lines, shell-safe values); on every file it must
//    never execute our payload.
import { afterAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import util from 'node:util';
import dotenv from 'dotenv';
import nextEnv from '@next/env';
import { parseEnv, setEnvValues, unwritableReason } from '../../src/shared/env-file.ts';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'cna-readers-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const MARKER = path.join(tmp, 'pwned');

type Reading = Record<string, string>;

const readDotenv = (t: string): Reading => ({ ...dotenv.parse(t) });
// Node 20 glues a line without `=` onto the next key ("junk\nK"); read its keys as Node 22+ does. When Node 20
// holds both "K" and a glued "junk\nK", which one is K is unknowable: such a K reads as AMBIGUOUS.
const AMBIGUOUS = '\0ambiguous';
const nodeKey = (k: string) =>
  k.includes('\n')
    ? k
        .slice(k.lastIndexOf('\n') + 1)
        .trim()
        .replace(/^export /, '')
        .trim()
    : k;
const readNodeRaw = (t: string): Reading => ({ ...(util.parseEnv(t.replace(/^\uFEFF/, '')) as Reading) });
function readNode(t: string): Reading {
  const out: Reading = {};
  for (const [raw, v] of Object.entries(readNodeRaw(t))) {
    const k = nodeKey(raw);
    if (!k.startsWith('#')) out[k] = k in out ? AMBIGUOUS : v;
  }
  return out;
}
let nextDir = 0;
function readNext(t: string): Reading {
  const dir = path.join(tmp, `next-${nextDir++}`);
  mkdirSync(dir, { recursive: true });
  writeFileSync(path.join(dir, '.env'), t);
  const silent = { info() {}, error() {} } as unknown as Console;
  try {
    const r = nextEnv.loadEnvConfig(dir, true, silent, true);
    return { ...(r.loadedEnvFiles.find((f) => f.path === '.env')?.env ?? {}) } as Reading;
  } finally {
    nextEnv.resetEnv();
  }
}
const SH_NOISE = new Set(['PWD', 'OLDPWD', 'SHLVL', '_']);
function readSh(shell: 'dash' | 'bash', t: string): Reading {
  const f = path.join(tmp, `sh-${shell}.env`);
  writeFileSync(f, t);
  let out = '';
  try {
    out = execFileSync('env', ['-i', `/bin/${shell}`, '-c', 'set -a; . "$0"; env -0', f], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  } catch (e) {
    out = String((e as { stdout?: string }).stdout ?? '');
  }
  const r: Reading = {};
  for (const kv of out.split('\0')) {
    const i = kv.indexOf('=');
    if (i > 0 && !SH_NOISE.has(kv.slice(0, i))) r[kv.slice(0, i)] = kv.slice(i + 1);
  }
  return r;
}

// A line Node 20 glues onto what follows (not blank, not a comment, no `=`): edits after it may be misread by Node 20.
const glues = (t: string) =>
  t
    .replace(/^\uFEFF/, '')
    .split(/\r?\n/)
    .some((l) => l.trim() !== '' && !/^ *#/.test(l) && !l.includes('='));
const disagree = (t: string) =>
  JSON.stringify(Object.entries(readDotenv(t)).sort()) !== JSON.stringify(Object.entries(readNodeRaw(t)).sort());

// ---- generated env files ----

const KEYS = ['A', 'B', 'DATABASE_URL', 'NEON_API_KEY', 'X_1'];
const keyArb = fc.constantFrom(...KEYS);
const innerChars = ['a', 'Z', '0', ' ', '#', '=', ':', '/', 'é', '-', '.', '\n', '\\', "'", '"', '`', '$', '\t', '&'];
const inner = (q: string) => fc.string({ unit: fc.constantFrom(...innerChars.filter((c) => c !== q)), maxLength: 10 });

const assignArb = fc
  .record({
    key: keyArb,
    lead: fc.constantFrom('', '', ' ', '\t'),
    exp: fc.constantFrom('', '', 'export '),
    sep: fc.constantFrom('=', '=', '=', ' = ', '= ', ': '),
    q: fc.constantFrom('', "'", '"', '`'),
    body: fc.string({ unit: fc.constantFrom('a', '0', '/', ':', '@', '?', '&', '.', '-', '%', ' '), maxLength: 12 }),
    quoted: inner('"'),
    comment: fc.constantFrom('', '', ' # note', '\t#x', " # it's"),
  })
  .map(({ key, lead, exp, sep, q, body, quoted, comment }) => {
    const v = q === '' ? body.trim() : `${q}${quoted.split(q).join('')}${q}`;
    return `${lead}${exp}${key}${sep}${v}${v === '' && sep === ': ' ? '' : comment}`;
  });
const otherArb = fc.oneof(
  fc.constant(''),
  fc.string({ unit: fc.constantFrom('a', ' ', '#', '=', "'", 'x'), maxLength: 8 }).map((s) => `# ${s}`),
  fc.constantFrom('not an assignment', '   ', 'export', 'A:b'),
);
const fileArb = fc
  .record({
    bom: fc.boolean(),
    lines: fc.array(fc.oneof({ weight: 3, arbitrary: assignArb }, { weight: 1, arbitrary: otherArb }), {
      maxLength: 10,
    }),
    eol: fc.constantFrom('\n', '\r\n'),
    finalEol: fc.boolean(),
  })
  .map(
    ({ bom, lines, eol, finalEol }) =>
      (bom ? '\uFEFF' : '') + lines.join('\n').replace(/\n/g, eol) + (finalEol && lines.length ? eol : ''),
  );

// Files a shell can source: LF, `KEY=` at line start, shell-safe values.
const shAssignArb = fc
  .record({
    key: keyArb,
    exp: fc.constantFrom('', 'export '),
    form: fc.oneof(
      fc.stringMatching(/^[a-z0-9:/@%+=,.-]{0,10}$/),
      inner("'").map((s) => `'${s.replace(/'/g, '')}'`),
      fc.string({ unit: fc.constantFrom('a', ' ', '#', "'", '\n', '/'), maxLength: 8 }).map((s) => `"${s}"`),
    ),
    comment: fc.constantFrom('', ' # c'),
  })
  .map(({ key, exp, form, comment }) => `${exp}${key}=${form}${comment}`);
const shFileArb = fc
  .array(
    fc.oneof(
      { weight: 3, arbitrary: shAssignArb },
      { weight: 1, arbitrary: fc.constantFrom('', '# comment', '  # x') },
    ),
    { maxLength: 8 },
  )
  .map((ls) => ls.join('\n') + (ls.length ? '\n' : ''));

const hostileArb = fc.oneof(
  fc.constantFrom(
    `$(touch ${MARKER})`,
    `\`touch ${MARKER}\``,
    `a'b; touch ${MARKER}`,
    `x" ; touch ${MARKER} ; "`,
    `& touch ${MARKER} &`,
    '$HOME',
    '${HOME}',
    'a\\$b',
    "a\\'b",
    "it's",
    'back\\slash',
    'trail\\',
    'line1\nline2 # not a comment',
    ' lead and trail ',
    'postgresql://u:p@ep-a-1-pooler.h/db?sslmode=require&channel_binding=require',
    'ünï ✓ 🐘',
    '',
    'a\rb',
  ),
  fc.string({
    unit: fc.constantFrom(
      'a',
      ' ',
      "'",
      '"',
      '\\',
      '$',
      '`',
      '(',
      ')',
      '#',
      '\n',
      '&',
      ';',
      '|',
      '*',
      '~',
      'é',
      '!',
      '{',
    ),
    maxLength: 12,
  }),
);

function expectOthersKept(before: string, after: string, key: string) {
  const [db, da, nb, na] = [readDotenv(before), readDotenv(after), readNode(before), readNode(after)];
  for (const k of new Set([...Object.keys(db), ...Object.keys(da)]))
    if (k !== key) expect(da[k], `dotenv ${k}`).toBe(db[k]);
  for (const k of new Set([...Object.keys(nb), ...Object.keys(na)]))
    if (k !== key && na[k] !== nb[k]) expect(na[k], `node ${k} may only change to dotenv's reading`).toBe(da[k]);
}

/** setEnvValues, or null when it throws for a documented reason (asserted). */
function trySet(text: string, key: string, v: string | null): string | null {
  try {
    return setEnvValues(text, { [key]: v });
  } catch (e) {
    const msg = (e as Error).message;
    expect(msg).toContain(key);
    if (v === null || unwritableReason(v) === null)
      expect(disagree(text) || glues(text), `threw on a file both readers agree on: ${msg}`).toBe(true);
    return null;
  }
}

describe('env files as the real readers read them', () => {
  it('(a) parseEnv agrees with dotenv.parse on every generated file', () => {
    fc.assert(
      fc.property(fileArb, (text) => {
        expect(Object.fromEntries(parseEnv(text))).toEqual(readDotenv(text));
      }),
      { numRuns: 300 },
    );
  });

  it('(a) the lines from the issue', () => {
    for (const t of [
      '\uFEFFNEON_API_KEY=k\n',
      'DATABASE_URL: postgres://a\n',
      'export  A:  b',
      'A=\n"x"',
      'A:\nB=2',
      "A='a' 'b'",
      '#c\u2028B=2',
    ])
      expect(Object.fromEntries(parseEnv(t))).toEqual(readDotenv(t));
  });

  it('(b) after removing K, dotenv and Node no longer see it; everything else reads the same', () => {
    fc.assert(
      fc.property(fileArb, keyArb, (text, key) => {
        const out = trySet(text, key, null);
        if (out === null) return;
        expect(readDotenv(out)).not.toHaveProperty(key);
        expect(readNode(out)).not.toHaveProperty(key);
        expectOthersKept(text, out, key);
      }),
      { numRuns: 300 },
    );
  });

  it('(b) after removing K, neither @next/env nor sh sees it', () => {
    fc.assert(
      fc.property(fc.oneof(fileArb, shFileArb), keyArb, (text, key) => {
        const out = trySet(text, key, null);
        if (out === null) return;
        expect(readNext(out)).not.toHaveProperty(key);
        expect(readSh('dash', out)).not.toHaveProperty(key);
      }),
      { numRuns: 30 },
    );
  });

  it('(b) the probe: `KEY: value` and a BOM no longer hide a key from the editor', () => {
    const colon = setEnvValues('DATABASE_URL: postgres://main\nOTHER=1\n', { DATABASE_URL: null });
    expect(colon).toBe('OTHER=1\n');
    const bom = setEnvValues('\uFEFFNEON_API_KEY=napi_x\nOTHER=1\n', { NEON_API_KEY: null });
    expect(bom).toBe('\uFEFFOTHER=1\n');
    expect(readDotenv(bom)).toEqual({ OTHER: '1' });
  });

  it('(c) a written value reads back byte for byte in dotenv and Node, others unchanged', () => {
    fc.assert(
      fc.property(fileArb, keyArb, hostileArb, (text, key, v) => {
        const out = trySet(text, key, v);
        if (out === null) return;
        expect(readDotenv(out)[key]).toBe(v);
        expect(readNode(out)[key]).toBe(v);
        expectOthersKept(text, out, key);
      }),
      { numRuns: 300 },
    );
  });

  it('(c) … and in @next/env and sh (dash, bash), which never run the payload', () => {
    fc.assert(
      fc.property(shFileArb, keyArb, hostileArb, (text, key, v) => {
        const out = trySet(text, key, v);
        if (out === null) {
          expect(unwritableReason(v)).not.toBeNull();
          return;
        }
        const next = readNext(out);
        expect(next[key]).toBe(v);
        const before = readNext(text);
        for (const k of Object.keys({ ...before, ...next })) if (k !== key) expect(next[k]).toBe(before[k]);
        for (const shell of ['dash', 'bash'] as const) {
          const shBefore = readSh(shell, text);
          const sh = readSh(shell, out);
          expect(sh[key], shell).toBe(v);
          for (const k of Object.keys({ ...shBefore, ...sh }))
            if (k !== key) expect(sh[k], `${shell} ${k}`).toBe(shBefore[k]);
          expect(existsSync(MARKER)).toBe(false);
        }
      }),
      { numRuns: 30 },
    );
  });

  it('(c) sourcing any edited file never runs the payload', () => {
    fc.assert(
      fc.property(fileArb, keyArb, hostileArb, (text, key, v) => {
        const out = trySet(text.replace(/\r/g, ''), key, v);
        if (out === null) return;
        readSh('dash', out);
        expect(existsSync(MARKER)).toBe(false);
      }),
      { numRuns: 30 },
    );
  });

  it('(c) values no quoting can carry are refused, naming the key', () => {
    for (const v of ["a'$HOME", 'it\'s "x"', 'cr\rlf', '$HOME', '${X}', 'a\\$b', "q'`"])
      expect(() => setEnvValues('A=1\n', { NEON_API_KEY: v })).toThrow(/NEON_API_KEY/);
  });

  it('(d) setting a key to the value it already reads as keeps the file byte-identical', () => {
    fc.assert(
      fc.property(fileArb, (text) => {
        const d = readDotenv(text);
        const n = readNode(text);
        for (const k of KEYS) if (k in d && d[k] === n[k]) expect(setEnvValues(text, { [k]: d[k]! })).toBe(text);
      }),
      { numRuns: 300 },
    );
  });
});
