// Masking rules proposed for anonymized agent branches: the parent branch's schema (Neon's `pg_dump --schema-only`
// text, GET …/branches/{id}/schema) read for columns whose names look personal — email, names, phone, address,
// birth date, national ids, IP addresses — each given a masking expression that fits its type. The user reviews
// them (the wizard lists them; the file is theirs to edit). Key columns are never proposed: Neon cannot mask a
// foreign-key column, and masking a primary key would break every reference to it.
import { dumpEntries, normaliseSchema } from '../runtime/schema-diff.ts';
import type { MaskingRule } from '../shared/masking.ts';
import { branchSchema, listBranches, listDatabases, makeApi } from '../runtime/neon-api.ts';

interface Column {
  schema: string;
  table: string;
  name: string;
  type: string;
}

/** `public."User"` / `public.users` → schema and table names as PostgreSQL stores them. */
function splitQualified(q: string): [string, string] | null {
  const m = /^("(?:[^"]|"")+"|[^."]+)\.("(?:[^"]|"")+"|[^."]+)$/.exec(q.trim());
  if (!m) return null;
  const un = (s: string) => (s.startsWith('"') ? s.slice(1, -1).replace(/""/g, '"') : s);
  return [un(m[1]!), un(m[2]!)];
}

/** The columns of every `CREATE TABLE` in a dump, and the key columns (primary keys, foreign keys). */
export function tablesOf(sql: string): { columns: Column[]; keys: Set<string> } {
  const columns: Column[] = [];
  const keys = new Set<string>();
  for (const e of dumpEntries(normaliseSchema(sql))) {
    if (e.type === 'TABLE') {
      const m = /CREATE (?:UNLOGGED )?TABLE ([^\s(]+) \(\n([\s\S]*?)\n\)/.exec(e.text);
      const names = m && splitQualified(m[1]!);
      if (!names) continue;
      for (const line of m[2]!.split('\n')) {
        const c = /^ {4}("(?:[^"]|"")+"|[a-z_][a-z0-9_$]*) (.+?),?$/.exec(line);
        if (!c || /^CONSTRAINT /.test(line.trim())) continue;
        const name = c[1]!.startsWith('"') ? c[1]!.slice(1, -1).replace(/""/g, '"') : c[1]!;
        columns.push({
          schema: names[0],
          table: names[1],
          name,
          type: c[2]!.replace(/ (NOT NULL|DEFAULT .*|GENERATED .*)$/, ''),
        });
      }
    }
    if (e.type === 'CONSTRAINT' || e.type === 'FK CONSTRAINT') {
      const m = /ALTER TABLE (?:ONLY )?([^\s]+)\s+ADD CONSTRAINT \S+ (PRIMARY KEY|FOREIGN KEY) \(([^)]*)\)/.exec(
        e.text,
      );
      const names = m && splitQualified(m[1]!);
      if (!names) continue;
      for (const col of m[3]!.split(',')) keys.add(`${names[0]}.${names[1]}.${col.trim().replace(/^"|"$/g, '')}`);
    }
  }
  return { columns, keys };
}

/** `firstName`, `FirstName`, `first-name` → `first_name`. */
const snake = (s: string) =>
  s
    .replace(/([a-z0-9])([A-Z])/g, '$1_$2')
    .replace(/[^A-Za-z0-9]+/g, '_')
    .toLowerCase();

const PERSON_TABLE =
  /(^|_)(users?|customers?|clients?|persons?|people|members?|contacts?|employees?|profiles?|authors?|accounts?|patients?|students?|subscribers?|leads?|guests?|applicants?|candidates?)$/;

type Kind = 'email' | 'first' | 'last' | 'name' | 'phone' | 'address' | 'birth' | 'national' | 'ip';

function kindOf(column: string, table: string): Kind | null {
  const c = snake(column);
  if (/(^|_)e_?mail(_address)?$/.test(c)) return 'email';
  if (/(^|_)(first|given|fore)_?name$/.test(c)) return 'first';
  if (/(^|_)(last|family|sur)_?name$/.test(c)) return 'last';
  if (/(^|_)(full|display|legal|real|contact|maiden)_?name$/.test(c)) return 'name';
  if (c === 'name' && PERSON_TABLE.test(snake(table))) return 'name';
  if (/(^|_)(phone|mobile|telephone|tel|cell)(_?(number|no|num))?$/.test(c)) return 'phone';
  if (/(^|_)(address(_?line_?\d)?|street(_address)?|postal_?code|zip(_?code)?)$/.test(c)) return 'address';
  if (/(^|_)(birth_?date|date_of_birth|dob|birthday|born_(at|on))$/.test(c)) return 'birth';
  if (/(^|_)(ssn|social_security(_number)?|tax_?id|national_?id|passport(_number)?)$/.test(c)) return 'national';
  if (/(^|_)(ip|ip_?address|last_ip|remote_addr)$/.test(c)) return 'ip';
  return null;
}

const TEXT = /^(text|character varying|varchar|character|char|citext|bpchar)\b/;
const DATE = /^(date|timestamp)/;

/** A masking expression that fits the column's kind and type; null: none we would trust (left to the user). */
function maskFor(kind: Kind, type: string): Pick<MaskingRule, 'masking_function' | 'masking_value'> | null {
  const text = TEXT.test(type);
  switch (kind) {
    // Unique per row (email columns usually are unique), as in Neon's own example.
    case 'email':
      return text ? { masking_function: "pg_catalog.concat(anon.dummy_uuidv4(), '@example.com')" } : null;
    case 'first':
      return text ? { masking_function: 'anon.dummy_first_name()' } : null;
    case 'last':
      return text ? { masking_function: 'anon.dummy_last_name()' } : null;
    case 'name':
      return text ? { masking_function: 'anon.dummy_name()' } : null;
    case 'phone':
      return text ? { masking_function: 'anon.dummy_phone_number()' } : null;
    case 'address':
    case 'national':
      return text ? { masking_value: "'REDACTED'" } : null;
    case 'birth':
      return DATE.test(type) || text ? { masking_value: "'1970-01-01'" } : null;
    case 'ip':
      return text || /^(inet|cidr)\b/.test(type) ? { masking_value: "'192.0.2.1'" } : null; // TEST-NET-1
  }
}

/** Rules for the personal-looking columns of these databases' schemas, in schema order. */
export function proposeMaskingRules(schemas: { database: string; sql: string }[]): MaskingRule[] {
  const rules: MaskingRule[] = [];
  for (const { database, sql } of schemas) {
    const { columns, keys } = tablesOf(sql);
    for (const col of columns) {
      if (keys.has(`${col.schema}.${col.table}.${col.name}`)) continue;
      const kind = kindOf(col.name, col.table);
      const mask = kind && maskFor(kind, col.type);
      if (!mask) continue;
      rules.push({
        database_name: database,
        schema_name: col.schema,
        table_name: col.table,
        column_name: col.name,
        ...mask,
      });
    }
  }
  return rules;
}

/**
 * The parent branch's schemas, asked of Neon with the API key (the list of branches, its databases unless one is
 * configured, then one schema per database): what proposeMaskingRules reads. Throws with Neon's answer.
 */
export async function readParentSchemas(o: {
  projectId: string;
  apiKey: string;
  parentBranch: string | null;
  databaseName: string | null;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}): Promise<{ branch: string; schemas: { database: string; sql: string }[] }> {
  const budget = o.timeoutMs ?? 20_000;
  const api = makeApi({
    token: o.apiKey,
    projectId: o.projectId,
    deadline: Date.now() + budget,
    budgetSeconds: Math.round(budget / 1000),
    env: o.env,
    trace: null,
  });
  const branches = await listBranches(api);
  const parent = o.parentBranch
    ? branches.find((b) => b.id === o.parentBranch || b.name === o.parentBranch)
    : branches.find((b) => b.default);
  if (!parent) throw new Error(`the parent branch ${o.parentBranch ?? '(default)'} was not found in ${o.projectId}`);
  const databases = o.databaseName ? [o.databaseName] : await listDatabases(api, parent.id);
  const schemas: { database: string; sql: string }[] = [];
  for (const database of databases) {
    const sql = await branchSchema(api, parent.id, database);
    if (sql !== null) schemas.push({ database, sql });
  }
  return { branch: parent.name, schemas };
}
