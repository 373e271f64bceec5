// The local Neon's `GET …/branches/{id}/schema?db_name=…`: each branch's schema as pg_dump --schema-only prints it,
// computed from that branch's own PostgreSQL database, deterministic, and free of what is not schema.
import { describe, expect, test } from 'vitest';
import { useLocalNeon } from '../fixtures/local-neon.ts';

const ln = useLocalNeon({ branchLimit: 20 });
const branchesPath = () => `/projects/${ln.local.projectId}/branches`;

async function schemaOf(branchId: string, db = 'neondb'): Promise<string> {
  const r = await ln.api('GET', `${branchesPath()}/${branchId}/schema?db_name=${encodeURIComponent(db)}`);
  expect(r.status, JSON.stringify(r.body)).toBe(200);
  return r.body.sql;
}

const MIGRATION = `
  create schema app;
  create type public.mood as enum ('sad', 'ok', 'happy');
  create table users (id serial primary key, email text not null unique, created_at timestamptz not null default now(),
    mood public.mood, qty int check (qty > 0));
  comment on table users is 'people';
  comment on column users.email is 'login';
  create table posts (id bigint generated always as identity primary key, user_id int not null references users(id),
    title text, slug text generated always as (lower(title)) stored);
  create index posts_title_idx on posts (title) where title is not null;
  create view app.user_emails as select id, email from users;
  create function app.touch() returns trigger language plpgsql as $$ begin return new; end $$;
  create trigger posts_touch before update on posts for each row execute function app.touch();
`;

describe('local Neon branch schema', () => {
  test('pg_dump layout, every kind of object, owners as Neon roles, and nothing that is not schema', async () => {
    const main = ln.local.getProject();
    const created = await ln.api('POST', branchesPath(), {
      branch: { name: 'schema-a' },
      endpoints: [{ type: 'read_write' }],
    });
    const branch = created.body.branch;
    // A password of the branch's own: objects it creates belong to a PostgreSQL role of its own here.
    const reset = await ln.api('POST', `${branchesPath()}/${branch.id}/roles/neondb_owner/reset_password`);
    expect(reset.status).toBe(200);
    const url = ln.local.connectionUri({ branch: branch.id });
    const before = await schemaOf(branch.id);
    expect(before).toBe('--\n-- PostgreSQL database dump\n--\n\n--\n-- PostgreSQL database dump complete\n--\n\n');
    const client = await ln.connect(url);
    try {
      await client.query(MIGRATION);
    } finally {
      await client.end();
    }
    const sql = await schemaOf(branch.id);
    expect(await schemaOf(branch.id)).toBe(sql); // deterministic
    expect(sql).not.toMatch(/^SET |\\restrict|Dumped (from|by)|TOC entry|__br/m);
    expect(sql).toContain(
      [
        '--',
        '-- Name: users; Type: TABLE; Schema: public; Owner: neondb_owner',
        '--',
        '',
        'CREATE TABLE public.users (',
        '    id integer NOT NULL,',
        '    email text NOT NULL,',
        '    created_at timestamp with time zone DEFAULT now() NOT NULL,',
        '    mood public.mood,',
        '    qty integer,',
        '    CONSTRAINT users_qty_check CHECK ((qty > 0))',
        ');',
        '',
        '',
        'ALTER TABLE public.users OWNER TO neondb_owner;',
        '',
        '--',
      ].join('\n'),
    );
    for (const header of [
      'Name: app; Type: SCHEMA; Schema: -',
      'Name: mood; Type: TYPE; Schema: public',
      'Name: touch(); Type: FUNCTION; Schema: app',
      'Name: TABLE users; Type: COMMENT; Schema: public',
      'Name: COLUMN users.email; Type: COMMENT; Schema: public',
      'Name: users_id_seq; Type: SEQUENCE; Schema: public',
      'Name: users_id_seq; Type: SEQUENCE OWNED BY; Schema: public',
      'Name: posts_id_seq; Type: SEQUENCE; Schema: public',
      'Name: user_emails; Type: VIEW; Schema: app',
      'Name: users id; Type: DEFAULT; Schema: public',
      'Name: users users_pkey; Type: CONSTRAINT; Schema: public',
      'Name: users users_email_key; Type: CONSTRAINT; Schema: public',
      'Name: posts_title_idx; Type: INDEX; Schema: public',
      'Name: posts posts_touch; Type: TRIGGER; Schema: public',
      'Name: posts posts_user_id_fkey; Type: FK CONSTRAINT; Schema: public',
    ])
      expect(sql).toContain(`-- ${header}; Owner: `);
    expect(sql).toContain(
      "ALTER TABLE ONLY public.users ALTER COLUMN id SET DEFAULT nextval('public.users_id_seq'::regclass);",
    );
    expect(sql).toContain(
      'ALTER TABLE public.posts ALTER COLUMN id ADD GENERATED ALWAYS AS IDENTITY (\n    SEQUENCE NAME public.posts_id_seq\n',
    );
    expect(sql).toContain('    slug text GENERATED ALWAYS AS (lower(title)) STORED');
    expect(sql).toContain(
      'CREATE INDEX posts_title_idx ON public.posts USING btree (title) WHERE (title IS NOT NULL);',
    );
    expect(sql).toContain(
      'ALTER TABLE ONLY public.posts\n    ADD CONSTRAINT posts_user_id_fkey FOREIGN KEY (user_id) REFERENCES public.users(id);',
    );
    // pg_dump's order of kinds: pre-data (schemas, types, functions, relations), then defaults, constraints,
    // indexes, triggers, foreign keys.
    const at = (s: string) => sql.indexOf(s);
    const order = [
      'Type: SCHEMA',
      'Type: TYPE',
      'Type: FUNCTION',
      'Type: TABLE',
      'Type: DEFAULT',
      'Type: CONSTRAINT',
      'Type: INDEX',
      'Type: TRIGGER',
      'Type: FK CONSTRAINT',
    ].map(at);
    expect(order).toEqual([...order].sort((a, b) => a - b));
    expect(at('Name: user_emails; Type: VIEW')).toBeGreaterThan(at('Name: users; Type: TABLE')); // after what it reads
    // The parent is untouched, and the same migration on it gives the same text.
    expect(await schemaOf(main.defaultBranchId)).toBe(before);
  });

  test('errors: an unknown database is 404, no db_name is 400, an unknown branch is 404', async () => {
    const main = ln.local.getProject().defaultBranchId;
    expect((await ln.api('GET', `${branchesPath()}/${main}/schema?db_name=nope`)).status).toBe(404);
    expect((await ln.api('GET', `${branchesPath()}/${main}/schema`)).status).toBe(400);
    expect((await ln.api('GET', `${branchesPath()}/br-missing-00000000/schema?db_name=neondb`)).status).toBe(404);
  });
});
