// Two schemas as Neon gives them (`GET …/branches/{id}/schema`: `pg_dump --schema-only` text) compared the way a
// reviewer reads them: a unified diff of the SQL, and the objects that differ, by name (`table public.users`).
//
// The diff is computed here from both texts rather than asked of Neon's `compare_schema` because the names need
// the whole dump: pg_dump heads every object with `-- Name: …; Type: …; Schema: …`, and a diff's hunks carry only
// three lines of context, so a column added in the middle of a long table is a hunk with no header in it. With
// both texts, each object is compared whole (see changedObjects) and the diff can leave out what is not schema.
//
// What is not schema (normaliseSchema): `\restrict`/`\unrestrict` lines (pg_dump 17.6+ prints a fresh random token
// in each dump, so two dumps of one schema would always differ), "Dumped from/by" versions, TOC entry numbers,
// "Started/Completed on" times and pg_dump's session SET lines. Each goes with the blank line after it.
import { diffLines, slideRuns, unifiedHunks } from './line-diff.ts';

const SESSION_SETTINGS =
  'statement_timeout|lock_timeout|idle_in_transaction_session_timeout|transaction_timeout|client_encoding|' +
  'standard_conforming_strings|check_function_bodies|xmloption|client_min_messages|row_security|' +
  'default_tablespace|default_table_access_method|default_with_oids';
const NOT_SCHEMA = [
  /^\\(un)?restrict\b/,
  new RegExp(`^SET (${SESSION_SETTINGS}) = .*;$`),
  /^SELECT pg_catalog\.set_config\('search_path', '', false\);$/,
  /^-- Dumped (from database|by pg_dump) version /,
  /^-- (Started|Completed) on /,
  /^-- TOC entry \d+ /,
  /^-- Dependencies: /,
];

/** The dump without what is not schema, with `\n` line ends and one final newline. */
export function normaliseSchema(sql: string): string {
  const lines = sql.replace(/\r\n?/g, '\n').split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!NOT_SCHEMA.some((re) => re.test(lines[i]!))) out.push(lines[i]!);
    else if (lines[i + 1] === '') i++; // and the blank line that follows it
  }
  while (out.length && out.at(-1) === '') out.pop();
  return out.length ? `${out.join('\n')}\n` : '';
}

/** One object's entry in a dump: from its `--` header block to the next entry. */
interface Entry {
  type: string;
  schema: string;
  name: string;
  text: string;
}

const HEADER = /^-- Name: (.+?); Type: ([A-Z][A-Z ]*?); Schema: (.+?); Owner: (.*)$/;

/**
 * The entries of a (normalised) dump, in order. An entry ends where the next `--` comment block starts (the next
 * entry's header, or pg_dump's closing "dump complete"), and without its trailing blank lines: so an object's text
 * is the same wherever it stands in the dump. The text outside entries is no object's.
 */
export function dumpEntries(sql: string): Entry[] {
  const lines = sql.split('\n');
  const entries: Entry[] = [];
  let current: (Entry & { lines: string[] }) | null = null;
  const finish = () => {
    if (!current) return;
    while (current.lines.at(-1) === '') current.lines.pop();
    entries.push({ type: current.type, schema: current.schema, name: current.name, text: current.lines.join('\n') });
    current = null;
  };
  for (let i = 0; i < lines.length; i++) {
    const commentBlock = lines[i] === '--' && lines[i + 1]?.startsWith('-- ');
    if (commentBlock) {
      finish();
      const header = HEADER.exec(lines[i + 1]!);
      if (header) current = { name: header[1]!, type: header[2]!, schema: header[3]!, text: '', lines: [] };
    }
    current?.lines.push(lines[i]!);
  }
  finish();
  return entries;
}

/**
 * The object an entry belongs to, as `kind schema.name`: `table public.users`, `index public.users_email_idx`,
 * `function public.touch()`, `constraint users_pkey on public.users`. A column's default and a comment belong to
 * what they are on; a sequence's OWNED BY to the sequence.
 */
export function objectName(entry: Pick<Entry, 'type' | 'schema' | 'name'>): string {
  const { type, schema, name } = entry;
  const inSchema = (n: string) => (schema === '-' ? n : `${schema}.${n}`);
  const firstWord = (n: string) => {
    const space = n.indexOf(' ');
    return space === -1 ? [n, ''] : [n.slice(0, space), n.slice(space + 1)];
  };
  switch (type) {
    case 'TABLE':
    case 'VIEW':
    case 'MATERIALIZED VIEW':
    case 'SEQUENCE':
    case 'INDEX':
    case 'TYPE':
    case 'DOMAIN':
    case 'FUNCTION':
    case 'PROCEDURE':
    case 'AGGREGATE':
      return `${type.toLowerCase()} ${inSchema(name)}`;
    case 'SEQUENCE OWNED BY':
    case 'SEQUENCE SET':
      return `sequence ${inSchema(name)}`;
    case 'SCHEMA':
    case 'EXTENSION':
      return `${type.toLowerCase()} ${name}`;
    case 'DEFAULT': // `users id`: the default of column id, part of table users
      return `table ${inSchema(firstWord(name)[0]!)}`;
    case 'CONSTRAINT':
    case 'CHECK CONSTRAINT':
    case 'FK CONSTRAINT':
    case 'TRIGGER':
    case 'POLICY':
    case 'RULE': {
      // `users users_pkey`: the table, then the object on it.
      const [table, own] = firstWord(name);
      const kind =
        type === 'FK CONSTRAINT' ? 'foreign key' : type === 'CHECK CONSTRAINT' ? 'constraint' : type.toLowerCase();
      return `${kind} ${own} on ${inSchema(table!)}`;
    }
    case 'COMMENT':
    case 'ACL':
    case 'SECURITY LABEL': {
      // `TABLE users`, `COLUMN users.email`, `FUNCTION touch()`: the object the comment or grant is on.
      const on =
        /^(TABLE|VIEW|MATERIALIZED VIEW|SEQUENCE|INDEX|TYPE|DOMAIN|FUNCTION|PROCEDURE|COLUMN|SCHEMA|EXTENSION) (.+)$/.exec(
          name,
        );
      if (!on) break;
      if (on[1] === 'COLUMN') return `table ${inSchema(on[2]!.replace(/\.[^.]*$/, ''))}`;
      if (on[1] === 'SCHEMA' || on[1] === 'EXTENSION') return `${on[1].toLowerCase()} ${on[2]}`;
      return `${on[1]!.toLowerCase()} ${inSchema(on[2]!)}`;
    }
  }
  return `${type.toLowerCase()} ${inSchema(name)}`;
}

export type Change = 'added' | 'removed' | 'changed';

export interface ChangedObject {
  /** `table public.users` */
  name: string;
  change: Change;
}

/**
 * The objects whose entries differ between the two dumps, each once, in the order of the newer dump (then those
 * only in the older one): `added` when it has no entry before, `removed` when none after, else `changed`.
 */
export function changedObjects(before: string, after: string): ChangedObject[] {
  const keyOf = (e: Entry) => `${e.type}\n${e.schema}\n${e.name}`;
  const textsOf = (entries: Entry[]) => {
    const texts = new Map<string, string>();
    for (const e of entries) texts.set(keyOf(e), (texts.has(keyOf(e)) ? `${texts.get(keyOf(e))}\n` : '') + e.text);
    return texts;
  };
  const beforeEntries = dumpEntries(before);
  const afterEntries = dumpEntries(after);
  const beforeTexts = textsOf(beforeEntries);
  const afterTexts = textsOf(afterEntries);
  const objects = new Map<string, { before: boolean; after: boolean; differs: boolean }>();
  for (const e of [...afterEntries, ...beforeEntries]) {
    const name = objectName(e);
    const o = objects.get(name) ?? { before: false, after: false, differs: false };
    o.before ||= beforeTexts.has(keyOf(e));
    o.after ||= afterTexts.has(keyOf(e));
    o.differs ||= beforeTexts.get(keyOf(e)) !== afterTexts.get(keyOf(e));
    objects.set(name, o);
  }
  return [...objects]
    .filter(([, o]) => o.differs)
    .map(([name, o]) => ({ name, change: !o.before ? 'added' : !o.after ? 'removed' : 'changed' }));
}

export interface SchemaSide {
  /** What the `---`/`+++` line names, e.g. `main (br-…)`. */
  label: string;
  sql: string;
}

export interface SchemaComparison {
  changed: boolean;
  objects: ChangedObject[];
  /** The unified diff, `diff --neon database <db>` first, as `neon diff` lays it out; empty when nothing changed. */
  diff: string;
}

/** The parent's schema (`before`) against the branch's (`after`), both normalised first. */
export function compareSchemas(database: string, before: SchemaSide, after: SchemaSide): SchemaComparison {
  const oldText = normaliseSchema(before.sql);
  const newText = normaliseSchema(after.sql);
  if (oldText === newText) return { changed: false, objects: [], diff: '' };
  const lines = (t: string) => (t ? t.replace(/\n$/, '').split('\n') : []);
  // An added or removed object reads best as its whole entry, from the `--` that opens its header.
  const startsAnEntry = (run: readonly string[]) => run[0] === '--' && HEADER.test(run[1] ?? '');
  const hunks = unifiedHunks(slideRuns(diffLines(lines(oldText), lines(newText)), startsAnEntry));
  const diff = [`diff --neon database ${database}`, `--- ${before.label}`, `+++ ${after.label}`, ...hunks, ''].join(
    '\n',
  );
  return { changed: true, objects: changedObjects(oldText, newText), diff };
}
