// The masking rules file (src/shared/masking.ts) and the rules the wizard proposes from a schema
// (src/answers/masking-proposals.ts): strict parsing with messages that name the rule and the fix, and proposals
// that fit each column's type and never touch a key column.
import { describe, expect, it } from 'vitest';
import { proposeMaskingRules, tablesOf } from '../../src/answers/masking-proposals.ts';
import { parseMaskingRules, renderMaskingRules, type MaskingRule } from '../../src/shared/masking.ts';

// pg_dump --schema-only as Neon returns it, for a Prisma app (quoted PascalCase tables, camelCase columns).
const PRISMA_DUMP = `--
-- PostgreSQL database dump
--

SET statement_timeout = 0;

--
-- Name: User; Type: TABLE; Schema: public; Owner: neondb_owner
--

CREATE TABLE public."User" (
    id text NOT NULL,
    email text NOT NULL,
    "firstName" text,
    "lastName" character varying(100),
    name text,
    "phoneNumber" text,
    "birthDate" timestamp(3) without time zone,
    "lastIp" inet,
    "createdAt" timestamp(3) without time zone DEFAULT CURRENT_TIMESTAMP NOT NULL,
    settings jsonb
);

--
-- Name: Post; Type: TABLE; Schema: public; Owner: neondb_owner
--

CREATE TABLE public."Post" (
    id integer NOT NULL,
    name text NOT NULL,
    "authorEmail" text NOT NULL,
    "authorId" text NOT NULL
);

--
-- Name: Profile; Type: TABLE; Schema: billing; Owner: neondb_owner
--

CREATE TABLE billing."Profile" (
    email text NOT NULL,
    street_address text,
    zip integer
);

--
-- Name: User User_pkey; Type: CONSTRAINT; Schema: public; Owner: neondb_owner
--

ALTER TABLE ONLY public."User"
    ADD CONSTRAINT "User_pkey" PRIMARY KEY (id);

--
-- Name: Profile Profile_pkey; Type: CONSTRAINT; Schema: billing; Owner: neondb_owner
--

ALTER TABLE ONLY billing."Profile"
    ADD CONSTRAINT "Profile_pkey" PRIMARY KEY (email);

--
-- Name: Post Post_authorEmail_fkey; Type: FK CONSTRAINT; Schema: public; Owner: neondb_owner
--

ALTER TABLE ONLY public."Post"
    ADD CONSTRAINT "Post_authorEmail_fkey" FOREIGN KEY ("authorEmail") REFERENCES public."User"(email);

--
-- PostgreSQL database dump complete
--
`;

const col = (r: MaskingRule) => `${r.schema_name}.${r.table_name}.${r.column_name}`;

describe('proposed masking rules', () => {
  it('reads tables, columns and key columns from a pg_dump schema', () => {
    const { columns, keys } = tablesOf(PRISMA_DUMP);
    expect(columns.filter((c) => c.table === 'User').map((c) => [c.name, c.type])).toEqual([
      ['id', 'text'],
      ['email', 'text'],
      ['firstName', 'text'],
      ['lastName', 'character varying(100)'],
      ['name', 'text'],
      ['phoneNumber', 'text'],
      ['birthDate', 'timestamp(3) without time zone'],
      ['lastIp', 'inet'],
      ['createdAt', 'timestamp(3) without time zone'],
      ['settings', 'jsonb'],
    ]);
    expect([...keys].sort()).toEqual(['billing.Profile.email', 'public.Post.authorEmail', 'public.User.id']);
  });

  it('proposes a rule that fits the type for each personal column, and none for keys or other columns', () => {
    const rules = proposeMaskingRules([{ database: 'neondb', sql: PRISMA_DUMP }]);
    expect(rules.map((r) => [col(r), r.masking_function ?? r.masking_value])).toEqual([
      ['public.User.email', "pg_catalog.concat(anon.dummy_uuidv4(), '@example.com')"],
      ['public.User.firstName', 'anon.dummy_first_name()'],
      ['public.User.lastName', 'anon.dummy_last_name()'],
      ['public.User.name', 'anon.dummy_name()'], // a person table's "name"
      ['public.User.phoneNumber', 'anon.dummy_phone_number()'],
      ['public.User.birthDate', "'1970-01-01'"],
      ['public.User.lastIp', "'192.0.2.1'"],
      // Post.name is not a person's; Post.authorEmail is a foreign key (Neon cannot mask it); Profile.email is its
      // primary key; Profile.zip is an integer, for which no text value fits.
      ['billing.Profile.street_address', "'REDACTED'"],
    ]);
    expect(rules.every((r) => r.database_name === 'neondb')).toBe(true);
    // What we propose, the runtime accepts.
    expect(parseMaskingRules(renderMaskingRules(rules))).toEqual(rules);
  });

  it('proposes nothing for a schema without personal columns, or an empty one', () => {
    expect(proposeMaskingRules([{ database: 'neondb', sql: '' }])).toEqual([]);
    const dump = PRISMA_DUMP.replace(
      /CREATE TABLE public."User" \([\s\S]*?\n\);/,
      'CREATE TABLE public."User" (\n    id text NOT NULL\n);',
    );
    expect(proposeMaskingRules([{ database: 'neondb', sql: dump }]).map(col)).toEqual([
      'billing.Profile.street_address',
    ]);
  });
});

describe('the masking rules file', () => {
  const rule: MaskingRule = {
    database_name: 'neondb',
    schema_name: 'public',
    table_name: 'users',
    column_name: 'email',
    masking_function: 'anon.dummy_free_email()',
  };
  const text = (rules: unknown) => JSON.stringify({ masking_rules: rules });

  it("reads Neon's own MaskingRule shape, with a literal value or a function", () => {
    const valueRule = { ...rule, column_name: 'ssn', masking_function: undefined, masking_value: "'CONFIDENTIAL'" };
    expect(parseMaskingRules(text([rule, valueRule]))).toEqual([
      rule,
      {
        database_name: 'neondb',
        schema_name: 'public',
        table_name: 'users',
        column_name: 'ssn',
        masking_value: "'CONFIDENTIAL'",
      },
    ]);
    expect(parseMaskingRules(renderMaskingRules([]))).toEqual([]);
  });

  it.each([
    ['{', /is not valid JSON .*: fix it or delete it and re-run create-neon-agents/],
    ['[]', /must be an object with a "masking_rules" list/],
    [text('x'), /must be an object with a "masking_rules" list/],
    [text([1]), /rule 1 is not an object/],
    [text([{ ...rule, table_name: '' }]), /rule 1 needs "table_name" \(a non-empty string\)/],
    [
      text([{ ...rule, masking_value: "'x'" }]),
      /rule 1 \(neondb\.public\.users\.email\) needs exactly one of "masking_function"/,
    ],
    [text([{ ...rule, masking_function: undefined }]), /needs exactly one of/],
    [text([{ ...rule, masking_function: 42 }]), /must be a string/],
    [text([{ ...rule, colour: 'red' }]), /rule 1 has unknown field "colour"/],
    [text([rule, rule]), /rule 2 masks neondb\.public\.users\.email a second time/],
  ])('refuses %s, naming the problem', (input, message) => {
    expect(() => parseMaskingRules(input)).toThrow(message);
  });
});
