// The runtime's line diff (Myers) and its reading of pg_dump text: what is not schema is dropped, each object is
// named once, and the unified diff is laid out as `git diff` does.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { diffLines, slideRuns, unifiedHunks } from '../../src/runtime/line-diff.ts';
import { changedObjects, compareSchemas, normaliseSchema, objectName } from '../../src/runtime/schema-diff.ts';

/** The length of a longest common subsequence, by the textbook table (the reference for minimality). */
function lcsLength(a: string[], b: string[]): number {
  const row = new Array(b.length + 1).fill(0);
  for (const x of a) {
    let diag = 0;
    for (let j = 1; j <= b.length; j++) {
      const up = row[j];
      row[j] = x === b[j - 1] ? diag + 1 : Math.max(row[j], row[j - 1]);
      diag = up;
    }
  }
  return row[b.length];
}

const lines = fc.array(fc.constantFrom('a', 'b', 'c', 'd', ''), { maxLength: 40 });

describe('diffLines', () => {
  test('its edits turn one side into the other, with as few changes as possible', () => {
    fc.assert(
      fc.property(lines, lines, (a, b) => {
        const edits = diffLines(a, b);
        expect(edits.filter((e) => e.kind !== 'added').map((e) => e.line)).toEqual(a);
        expect(edits.filter((e) => e.kind !== 'removed').map((e) => e.line)).toEqual(b);
        expect(edits.filter((e) => e.kind !== 'same').length).toBe(a.length + b.length - 2 * lcsLength(a, b));
      }),
      { numRuns: 1500 },
    );
  });

  test('past its edit limit it is still a correct diff (all removed, then all added)', () => {
    const a = Array.from({ length: 50 }, (_, i) => `a${i}`);
    const b = Array.from({ length: 50 }, (_, i) => `b${i}`);
    const edits = diffLines(['same', ...a, 'end'], ['same', ...b, 'end'], 10);
    expect(edits.map((e) => e.kind)).toEqual(['same', ...a.map(() => 'removed'), ...b.map(() => 'added'), 'same']);
  });

  test('two 3000-line dumps with scattered changes diff quickly', () => {
    const a = Array.from({ length: 3000 }, (_, i) => `line ${i}`);
    const b = a.map((l, i) => (i % 300 === 7 ? `${l} changed` : l));
    const t0 = performance.now();
    const edits = diffLines(a, b);
    expect(performance.now() - t0).toBeLessThan(500);
    expect(edits.filter((e) => e.kind === 'added')).toHaveLength(10);
  });
});

describe('slideRuns', () => {
  test('moving runs keeps the same diff: both sides and the number of changes', () => {
    fc.assert(
      fc.property(lines, lines, fc.constantFrom('a', 'b', ''), (a, b, first) => {
        const edits = diffLines(a, b);
        const slid = slideRuns(edits, (run) => run[0] === first);
        expect(slid.filter((e) => e.kind !== 'added').map((e) => e.line)).toEqual(a);
        expect(slid.filter((e) => e.kind !== 'removed').map((e) => e.line)).toEqual(b);
        expect(slid.filter((e) => e.kind !== 'same').length).toBe(edits.filter((e) => e.kind !== 'same').length);
      }),
      { numRuns: 1500 },
    );
  });

  test('an entry added between two that end alike is shown from its own header', () => {
    const entry = (name: string) => [
      '--',
      `-- Name: ${name}; Type: TABLE; Schema: public; Owner: o`,
      '--',
      '',
      `${name};`,
      '',
    ];
    const before = [...entry('a'), ...entry('c')];
    const after = [...entry('a'), ...entry('b'), ...entry('c')];
    const added = (edits: ReturnType<typeof diffLines>) => edits.filter((e) => e.kind === 'added').map((e) => e.line);
    const slid = slideRuns(diffLines(before, after), (run) => run[0] === '--' && /^-- Name: /.test(run[1] ?? ''));
    expect(added(slid)).toEqual(entry('b'));
  });
});

describe('unifiedHunks', () => {
  test("git's layout: three lines of context, counts of 1 left out, hunks that meet merged", () => {
    const before = ['a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n'];
    const after = ['a', 'b', 'c', 'D', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o'];
    expect(unifiedHunks(diffLines(before, after))).toEqual([
      '@@ -1,7 +1,7 @@',
      ' a',
      ' b',
      ' c',
      '-d',
      '+D',
      ' e',
      ' f',
      ' g',
      '@@ -12,3 +12,4 @@',
      ' l',
      ' m',
      ' n',
      '+o',
    ]);
    expect(unifiedHunks(diffLines([], ['x', 'y']))).toEqual(['@@ -0,0 +1,2 @@', '+x', '+y']);
    expect(unifiedHunks(diffLines(['x'], ['y']))).toEqual(['@@ -1 +1 @@', '-x', '+y']);
    expect(unifiedHunks(diffLines(['x'], ['x']))).toEqual([]);
  });
});

// What pg_dump 18 prints for a small schema (its layout, checked against dumps of Neon databases): the \restrict
// token is random per dump, the versions and SET lines are not schema, TOC lines come with --verbose.
const pgDump18 = (token: string, extra = '') => `--
-- PostgreSQL database dump
--

\\restrict ${token}

-- Dumped from database version 18.1
-- Dumped by pg_dump version 18.1

SET statement_timeout = 0;
SET lock_timeout = 0;
SET idle_in_transaction_session_timeout = 0;
SET transaction_timeout = 0;
SET client_encoding = 'UTF8';
SET standard_conforming_strings = on;
SELECT pg_catalog.set_config('search_path', '', false);
SET check_function_bodies = false;
SET xmloption = content;
SET client_min_messages = warning;
SET row_security = off;

SET default_tablespace = '';

SET default_table_access_method = heap;

--
-- TOC entry 216 (class 1259 OID 16390)
-- Name: users; Type: TABLE; Schema: public; Owner: neondb_owner
--

CREATE TABLE public.users (
    id integer NOT NULL,
    email text NOT NULL${extra}
);


ALTER TABLE public.users OWNER TO neondb_owner;

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: neondb_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--

\\unrestrict ${token}

`;

describe('reading pg_dump text', () => {
  test('what is not schema is dropped with the blank line after it; the rest is kept byte for byte', () => {
    expect(normaliseSchema(pgDump18('AbC123'))).toBe(`--
-- PostgreSQL database dump
--

--
-- Name: users; Type: TABLE; Schema: public; Owner: neondb_owner
--

CREATE TABLE public.users (
    id integer NOT NULL,
    email text NOT NULL
);


ALTER TABLE public.users OWNER TO neondb_owner;

--
-- Name: users users_pkey; Type: CONSTRAINT; Schema: public; Owner: neondb_owner
--

ALTER TABLE ONLY public.users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);


--
-- PostgreSQL database dump complete
--
`);
    expect(normaliseSchema(pgDump18('x').replace(/\n/g, '\r\n'))).toBe(normaliseSchema(pgDump18('y')));
    expect(normaliseSchema('')).toBe('');
  });

  test('two dumps of one schema are no change, whatever their \\restrict tokens', () => {
    const same = compareSchemas(
      'neondb',
      { label: 'main', sql: pgDump18('one') },
      { label: 'b', sql: pgDump18('two') },
    );
    expect(same).toEqual({ changed: false, objects: [], diff: '' });
    const added = compareSchemas(
      'neondb',
      { label: 'main (br-1)', sql: pgDump18('one') },
      { label: 'agents/x/y (br-2)', sql: pgDump18('two', ',\n    name text') },
    );
    expect(added.changed).toBe(true);
    expect(added.objects).toEqual([{ name: 'table public.users', change: 'changed' }]);
    expect(added.diff).toBe(
      [
        'diff --neon database neondb',
        '--- main (br-1)',
        '+++ agents/x/y (br-2)',
        '@@ -8,7 +8,8 @@',
        ' ',
        ' CREATE TABLE public.users (',
        '     id integer NOT NULL,',
        '-    email text NOT NULL',
        '+    email text NOT NULL,',
        '+    name text',
        ' );',
        ' ',
        ' ',
        '',
      ].join('\n'),
    );
  });

  test('objects are named once each, by what they belong to, with how they changed', () => {
    const entry = (name: string, type: string, schema = 'public', body = 'x;') =>
      `--\n-- Name: ${name}; Type: ${type}; Schema: ${schema}; Owner: o\n--\n\n${body}\n\n\n`;
    const before = [entry('users', 'TABLE'), entry('old_idx', 'INDEX'), entry('touch()', 'FUNCTION')].join('');
    const after = [
      entry('app', 'SCHEMA', '-'),
      entry('users', 'TABLE', 'public', 'y;'),
      entry('users id', 'DEFAULT'),
      entry('users_id_seq', 'SEQUENCE'),
      entry('users_id_seq', 'SEQUENCE OWNED BY'),
      entry('COLUMN users.email', 'COMMENT'),
      entry('touch()', 'FUNCTION'),
      entry('users users_email_key', 'CONSTRAINT'),
      entry('users_email_idx', 'INDEX'),
      entry('posts posts_user_id_fkey', 'FK CONSTRAINT'),
      entry('posts posts_touch', 'TRIGGER'),
    ].join('');
    expect(changedObjects(before, after)).toEqual([
      { name: 'schema app', change: 'added' },
      { name: 'table public.users', change: 'changed' },
      { name: 'sequence public.users_id_seq', change: 'added' },
      { name: 'constraint users_email_key on public.users', change: 'added' },
      { name: 'index public.users_email_idx', change: 'added' },
      { name: 'foreign key posts_user_id_fkey on public.posts', change: 'added' },
      { name: 'trigger posts_touch on public.posts', change: 'added' },
      { name: 'index public.old_idx', change: 'removed' },
    ]);
    expect(objectName({ type: 'MATERIALIZED VIEW', schema: 'app', name: 'stats' })).toBe('materialized view app.stats');
    expect(objectName({ type: 'EXTENSION', schema: '-', name: 'pgcrypto' })).toBe('extension pgcrypto');
    expect(objectName({ type: 'DEFAULT ACL', schema: 'public', name: 'DEFAULT PRIVILEGES FOR TABLES' })).toBe(
      'default acl public.DEFAULT PRIVILEGES FOR TABLES',
    );
  });
});
