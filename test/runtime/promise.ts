// The product's one promise, checked from the outside: a worktree's env files never reach the parent (shared)
// database. Independent of the code under test on purpose: env files are read with `dotenv` (what the apps
// themselves use), URLs are judged by connecting to them, and the worktree's own branch is looked up in the local
// Neon, not taken from the runtime's word.
import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import dotenv from 'dotenv';
import type { LocalNeonFixture } from '../fixtures/local-neon.ts';

/** The parent branch as the fixtures' env templates spell it, and how to recognise it. */
export interface Parent {
  branchId: string;
  endpointId: string;
  /** PostgreSQL database names (the local Neon names a branch's database `<db>/<branch-id>`). */
  pgNames: Set<string>;
  user: string;
  password: string;
  database: string;
  /** Template placeholders → values. */
  vars: Record<string, string>;
}

export async function parentOf(ln: LocalNeonFixture): Promise<Parent> {
  const project = ln.local.getProject();
  const direct = project.connectionUri;
  const pooled = ln.local.connectionUri({ pooled: true });
  const branch = (await ln.local.listBranches()).find((b) => b.id === project.defaultBranchId)!;
  const u = new URL(direct);
  const endpointId = /endpoint=([a-z0-9-]+)/
    .exec(decodeURIComponent(u.searchParams.get('options') ?? ''))![1]!
    .replace(/-pooler$/, '');
  const user = decodeURIComponent(u.username);
  const password = decodeURIComponent(u.password);
  const database = decodeURIComponent(u.pathname.slice(1));
  const noSsl = new URL(pooled);
  noSsl.searchParams.delete('sslmode');
  noSsl.searchParams.delete('channel_binding');
  const authenticated = new URL(pooled);
  authenticated.username = 'authenticated';
  authenticated.password = '';
  authenticated.searchParams.delete('channel_binding');
  return {
    branchId: branch.id,
    endpointId,
    pgNames: new Set(branch.databases.map((d) => d.pgName)),
    user,
    password,
    database,
    vars: {
      PARENT_URL: direct,
      PARENT_POOLED_URL: pooled,
      PARENT_POOLED_URL_NO_SSL: noSsl.toString(),
      // Neon RLS: the `authenticated` role, no password (the JWT is the password), on the parent's pooler.
      PARENT_AUTHENTICATED_URL: authenticated.toString(),
      // The local Neon's hosts are 127.0.0.1 (it routes by `options=endpoint=…`), so a bare host variable could not
      // name a branch at all. Real Neon's PGHOST / POSTGRES_HOST are the endpoint's host names, which carry the
      // endpoint id: write those, with the parent's real endpoint id (they name the parent; they cannot connect here).
      PARENT_HOST: `${endpointId}.us-east-2.aws.neon.tech`,
      PARENT_POOLED_HOST: `${endpointId}-pooler.us-east-2.aws.neon.tech`,
      PARENT_USER: user,
      PARENT_PASSWORD: password,
      PARENT_DATABASE: database,
    },
  };
}

export function fillTemplate(text: string, vars: Record<string, string>): string {
  return text.replace(/\{\{([A-Z_]+)\}\}/g, (m, k: string) => {
    if (!(k in vars)) throw new Error(`unknown template placeholder ${m}`);
    return vars[k]!;
  });
}

/** Every `.env*` file under `dir` that git does not track (node_modules and .git skipped), repo-relative. */
export function untrackedEnvFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const e of fs.readdirSync(d, { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === '.git') continue;
      const abs = path.join(d, e.name);
      // Nested worktrees (.claude/worktrees/*) are checkouts of their own.
      if (e.isDirectory()) {
        if (fs.existsSync(path.join(abs, '.git')) && abs !== dir) continue;
        walk(abs);
      } else if (e.name.startsWith('.env')) out.push(path.relative(dir, abs));
    }
  };
  walk(dir);
  return out
    .filter(
      (rel) => spawnSync('git', ['ls-files', '--error-unmatch', '--', rel], { cwd: dir, stdio: 'ignore' }).status !== 0,
    )
    .sort();
}

export function isIgnored(dir: string, rel: string): boolean {
  return spawnSync('git', ['check-ignore', '-q', '--', rel], { cwd: dir, stdio: 'ignore' }).status === 0;
}

/** The worktree's own Neon branch: the runtime's record for this worktree path, confirmed in the local Neon. */
export interface Own {
  branchId: string;
  name: string;
  endpointIds: string[];
  pgNames: Set<string>;
  /** The password its URLs carry (today: inherited from the parent). */
  passwords: Set<string>;
}

export async function ownBranchOf(ln: LocalNeonFixture, worktree: string): Promise<Own | null> {
  const common = execFileSync('git', ['rev-parse', '--path-format=absolute', '--git-common-dir'], {
    cwd: worktree,
    encoding: 'utf8',
  }).trim();
  const dir = path.join(common, 'neon-agents/branches');
  if (!fs.existsSync(dir)) return null;
  const real = fs.realpathSync(worktree);
  const recs = fs
    .readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .map((f) => {
      try {
        return JSON.parse(fs.readFileSync(path.join(dir, f), 'utf8'));
      } catch {
        return null;
      }
    })
    .filter((r) => r && typeof r.worktreePath === 'string' && (r.worktreePath === worktree || r.worktreePath === real));
  const branches = await ln.local.listBranches();
  for (const r of recs) {
    const b = branches.find((x) => x.id === r.branchId);
    if (!b) continue;
    const passwords = new Set<string>();
    for (const d of b.databases) {
      const uri = ln.local.connectionUri({ branch: b.id, database: d.name, role: d.owner });
      passwords.add(decodeURIComponent(new URL(uri).password));
    }
    return {
      branchId: b.id,
      name: b.name,
      endpointIds: b.endpointIds,
      pgNames: new Set(b.databases.map((d) => d.pgName)),
      passwords,
    };
  }
  return null;
}

const PG_URL = /^postgres(?:ql)?(?:\+[a-z]+)?:\/\//i;

/** The endpoint id a URL names (host name or `options=endpoint=…`), without `-pooler`. */
export function endpointOfUrl(url: string): string | null {
  const opt = /[?&]options=([^&#]*)/.exec(url);
  const fromOpt = opt ? /endpoint=([a-z0-9-]+)/.exec(decodeURIComponent(opt[1]!))?.[1] : undefined;
  const host = url
    .replace(/^[^:]+:\/\/(?:[^@/?#]*@)?/, '')
    .split(/[/?#]/)[0]!
    .toLowerCase();
  const fromHost = /^(ep-[a-z0-9-]+?)(?:-pooler)?(?:\.|:|$)/.exec(host)?.[1];
  return (fromOpt ?? fromHost ?? null)?.replace(/-pooler$/, '') ?? null;
}

/** `select current_database()` through the URL, or the error (bounded: a value may point anywhere). */
export async function databaseOf(ln: LocalNeonFixture, url: string): Promise<{ db: string } | { error: string }> {
  let timer: NodeJS.Timeout | undefined;
  try {
    const rows = await Promise.race([
      ln.query(url, 'select current_database() as db'),
      new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error('no answer within 10 s')), 10_000))),
    ]);
    return { db: String(rows[0].db) };
  } catch (e) {
    return { error: (e as Error).message.split('\n')[0]! };
  } finally {
    clearTimeout(timer);
  }
}

/** Never print a password: URL userinfo passwords and every known secret become ***. */
export function redactor(secrets: Iterable<string>) {
  const list = [...secrets].filter((s) => s && s.length >= 4).sort((a, b) => b.length - a.length);
  return (s: string) => {
    let out = s.replace(/(postgres(?:ql)?(?:\+[a-z]+)?:\/\/[^:@/\s]*:)[^@\s]*@/gi, '$1***@');
    for (const x of list) out = out.split(x).join('***');
    return out;
  };
}

export interface ConfigVar {
  var: string;
  /** Where the app reads it from, relative to the checkout root, first wins (Next.js: .env.local before .env). */
  envFiles: string[];
  readBy: string;
}

export interface PromiseCheck {
  ln: LocalNeonFixture;
  fixture: string;
  /** A short label for the worktree ("git worktree add", "WorktreeCreate agent-a1", …). */
  label: string;
  /** Skip (c): the worktree is expected to have no database yet (a hook that is not active); (a), (b), (d) still hold. */
  noDatabaseYet?: boolean;
  worktree: string;
  parent: Parent;
  configVars: ConfigVar[];
  redact: (s: string) => string;
}

export interface PromiseResult {
  violations: string[];
  own: Own | null;
  files: string[];
}

/**
 * (a) every postgres URL in every untracked env file, connected to, is not on the parent branch (one that cannot
 * connect is fine only if it does not name the parent, which (b) checks); (b) no value names the parent's endpoint
 * id or holds its password; (c) the variables the app's config reads are there and connect to this worktree's own
 * branch; (d) every env file is ignored by git in this worktree.
 */
export async function checkPromise(c: PromiseCheck): Promise<PromiseResult> {
  const { ln, parent, worktree, redact } = c;
  const violations: string[] = [];
  const where = (file: string, key?: string) => `${c.fixture} · ${c.label} · ${file}${key ? ` · ${key}` : ''}`;
  const own = await ownBranchOf(ln, worktree);
  if (c.noDatabaseYet) {
    if (own)
      violations.push(
        `${c.fixture} · ${c.label}: expected no Neon branch yet (the hook is not active), found ${own.name}`,
      );
  } else if (!own)
    violations.push(
      `${c.fixture} · ${c.label}: (c) no Neon branch of its own (no record for ${worktree} whose branch exists in Neon)`,
    );
  else if (own.branchId === parent.branchId)
    violations.push(`${c.fixture} · ${c.label}: (c) its recorded branch IS the parent branch`);
  const files = untrackedEnvFiles(worktree);
  // NOTE (password): a new Neon branch inherits its parent's role passwords today, so the worktree's own URLs and a
  // PGPASSWORD rewritten to the own branch legitimately hold the parent's password. Another issue will reset the
  // password on branch creation; until then the password check applies only to values that are not on this
  // worktree's own endpoint (a bare password is exempt only while the own branch's password still equals the
  // parent's — the moment it differs, this check bites on every value).
  const inherited = own ? own.passwords.has(parent.password) : false;
  for (const rel of files) {
    const text = fs.readFileSync(path.join(worktree, rel), 'utf8');
    const env = dotenv.parse(text);
    if (!isIgnored(worktree, rel))
      violations.push(
        `${where(rel)}: (d) not ignored by git in this worktree (git check-ignore fails): one \`git add -A\` commits it`,
      );
    for (const [key, value] of Object.entries(env)) {
      if (!value) continue;
      const isUrl = PG_URL.test(value.trim());
      const ep = isUrl ? endpointOfUrl(value) : null;
      const onOwn = ep && own?.endpointIds.includes(ep);
      if (isUrl) {
        const r = await databaseOf(ln, value.trim());
        if ('db' in r && parent.pgNames.has(r.db))
          violations.push(
            `${where(rel, key)}: (a) connects to the PARENT branch (current_database() = ${r.db}): ${redact(value)}`,
          );
      }
      if (value.includes(parent.endpointId))
        violations.push(`${where(rel, key)}: (b) names the parent's endpoint ${parent.endpointId}: ${redact(value)}`);
      if (value.includes(parent.password)) {
        const exempt = isUrl ? onOwn : inherited && value.trim() === parent.password;
        if (!exempt)
          violations.push(
            `${where(rel, key)}: (b) holds the parent's password${isUrl ? ` and is not on this worktree's endpoint (${ep ?? 'no endpoint'})` : ''}`,
          );
      }
    }
  }
  for (const cv of c.noDatabaseYet ? [] : c.configVars) {
    // The value the app gets: from the first of its files that sets the variable.
    const present = cv.envFiles.filter((f) => fs.existsSync(path.join(worktree, f)));
    const from = present.find((f) => dotenv.parse(fs.readFileSync(path.join(worktree, f), 'utf8'))[cv.var]);
    const label = cv.envFiles.join(' | ');
    if (!present.length) {
      violations.push(
        `${where(label, cv.var)}: (c) no such file, and ${cv.readBy} reads ${cv.var} from it (env files here: ${files.join(', ') || 'none'})`,
      );
      continue;
    }
    if (!from) {
      violations.push(
        `${where(label, cv.var)}: (c) ${cv.var} is not set in ${present.join(', ')}, and ${cv.readBy} reads it`,
      );
      continue;
    }
    const value = dotenv.parse(fs.readFileSync(path.join(worktree, from), 'utf8'))[cv.var]!;
    const r = await databaseOf(ln, value.trim());
    if ('error' in r)
      violations.push(`${where(from, cv.var)}: (c) does not connect (${redact(r.error)}): ${redact(value)}`);
    else if (!own)
      violations.push(`${where(from, cv.var)}: (c) connects to ${r.db}, but this worktree has no branch of its own`);
    else if (!own.pgNames.has(r.db))
      violations.push(
        `${where(from, cv.var)}: (c) connects to ${r.db}, not to this worktree's own branch ${own.name} (${[...own.pgNames].join(', ')})`,
      );
    if (!files.includes(from) && !isIgnored(worktree, from))
      violations.push(`${where(from)}: (d) not ignored by git in this worktree`);
  }
  return { violations, own, files };
}
