// Neon's anonymized branches (data masking, beta), on the emulator's real PostgreSQL: the copy is made as any branch's
// is, then each masking rule is applied with an UPDATE on that copy, inside one transaction per database. Neon runs
// PostgreSQL Anonymizer (`anon`) for this; the emulator has no such extension, so it defines, for the length of that
// transaction only, an `anon` schema with stand-ins for the masking functions people use (dummy_*, fake_*, random_*,
// partial): the schema is gone when the transaction ends, so a branch's schema (and `diff`) is its parent's.
// A rule whose function is not among them, or whose table or column is missing, fails like Neon's: state `error`,
// Neon's kind of `status_message`, and the copy as it was (here: rolled back, so unmasked — exactly the branch a
// client must never hand out).
import type pg from 'pg';

export interface MaskingRule {
  database_name: string;
  schema_name: string;
  table_name: string;
  column_name: string;
  masking_function?: string;
  masking_value?: string;
}

export type AnonymizationState =
  | 'created'
  | 'initialized'
  | 'initialization_error'
  | 'anonymizing'
  | 'anonymized'
  | 'error';

export interface Anonymization {
  state: AnonymizationState;
  statusMessage?: string;
  rules: MaskingRule[];
  createdAt: number;
  updatedAt: number;
  failedAt?: number;
  lastRun?: { startedAt: number; completedAt?: number; maskedColumns: number };
}

// Stand-ins for PostgreSQL Anonymizer's masking functions (names as in its docs and Neon's examples). Values are
// plausible and never derived from the original.
const ANON_FUNCTIONS = `
CREATE SCHEMA anon;
CREATE FUNCTION anon.pick(a text[]) RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT a[1 + floor(random() * array_length(a, 1))::int] $$;
CREATE FUNCTION anon.dummy_uuidv4() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT gen_random_uuid()::text $$;
CREATE FUNCTION anon.dummy_first_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.pick(ARRAY['Ada','Alan','Grace','Linus','Margaret','Edsger','Barbara','Dennis','Frances','Ken']) $$;
CREATE FUNCTION anon.dummy_last_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.pick(ARRAY['Lovelace','Turing','Hopper','Torvalds','Hamilton','Dijkstra','Liskov','Ritchie','Allen','Thompson']) $$;
CREATE FUNCTION anon.dummy_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.dummy_first_name() || ' ' || anon.dummy_last_name() $$;
CREATE FUNCTION anon.dummy_free_email() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT 'user' || substr(md5(random()::text), 1, 10) || '@' || anon.pick(ARRAY['gmail.com','yahoo.com','hotmail.com']) $$;
CREATE FUNCTION anon.dummy_safe_email() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT 'user' || substr(md5(random()::text), 1, 10) || '@example.com' $$;
CREATE FUNCTION anon.dummy_phone_number() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT '555-01' || lpad(floor(random() * 100)::int::text, 2, '0') $$;
CREATE FUNCTION anon.dummy_street_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.pick(ARRAY['Elm Street','Oak Avenue','Maple Road','Cedar Lane']) $$;
CREATE FUNCTION anon.dummy_city_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.pick(ARRAY['Springfield','Riverton','Fairview','Lakeside']) $$;
CREATE FUNCTION anon.dummy_zip_code() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT lpad(floor(random() * 100000)::int::text, 5, '0') $$;
CREATE FUNCTION anon.random_date_between(a timestamptz, b timestamptz) RETURNS timestamptz LANGUAGE sql VOLATILE AS $$ SELECT a + random() * (b - a) $$;
CREATE FUNCTION anon.random_date() RETURNS timestamptz LANGUAGE sql VOLATILE AS $$ SELECT anon.random_date_between('1950-01-01', now()) $$;
CREATE FUNCTION anon.partial(v text, prefix int, padding text, suffix int) RETURNS text LANGUAGE sql IMMUTABLE AS $$ SELECT substr(v, 1, prefix) || padding || substr(v, greatest(length(v) - suffix + 1, prefix + 1)) $$;
CREATE FUNCTION anon.fake_email() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.dummy_safe_email() $$;
CREATE FUNCTION anon.fake_first_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.dummy_first_name() $$;
CREATE FUNCTION anon.fake_last_name() RETURNS text LANGUAGE sql VOLATILE AS $$ SELECT anon.dummy_last_name() $$;
`;

const ident = (s: string) => `"${s.replace(/"/g, '""')}"`;

/**
 * Apply the rules to one branch database (a real PostgreSQL database), all or nothing. `progress` is told each
 * table as it starts, for the status message. Throws the PostgreSQL error of the first rule that fails.
 */
export async function maskDatabase(
  client: pg.Client,
  rules: MaskingRule[],
  progress: (message: string) => void,
): Promise<void> {
  await client.query('BEGIN');
  try {
    await client.query(ANON_FUNCTIONS);
    for (const [i, r] of rules.entries()) {
      progress(`Anonymizing table ${r.database_name}.${r.schema_name}.${r.table_name} (${i + 1}/${rules.length})`);
      const expr = r.masking_function ?? r.masking_value!;
      await client.query(`UPDATE ${ident(r.schema_name)}.${ident(r.table_name)} SET ${ident(r.column_name)} = ${expr}`);
    }
    await client.query('DROP SCHEMA anon CASCADE');
    await client.query('COMMIT');
  } catch (e) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw e;
  }
}
