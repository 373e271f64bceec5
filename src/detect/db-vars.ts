// Which environment variables the app reads its Postgres URL from: the ORM's config (drizzle.config.*,
// schema.prisma, Prisma 7's prisma.config.ts), the code that opens connections (pg, postgres.js, neon, Kysely,
// TypeORM, PrismaPg), t3's createEnv schemas and, weakest, the env files. Text only: nothing is evaluated.
import path from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import { readText } from './fs.ts';

export const ENV_NAME_RE = /^[A-Za-z_][A-Za-z0-9_]*$/;

export interface VarFinding {
  name: string;
  /** Repo-relative file and 1-based line, e.g. `packages/db/drizzle.config.ts:9`. */
  file: string;
  line: number;
  /** What was found there, for the summary (`dbCredentials.url`, `datasource url = env(…)`). */
  how: string;
}

export interface DbVars {
  databaseUrl: VarFinding | null;
  directUrl: VarFinding | null;
  warnings: string[];
  /** Prisma config file (repo-relative), when there is one: the Prisma CLI then reads env files only if it loads them. */
  prismaConfig: string | null;
  /** Env files (repo-relative) the ORM config loads itself (`import 'dotenv/config'`, `config({ path })`…). */
  configLoads: { file: string; from: string }[];
  /** Env files the app's own code loads with dotenv (weaker: only that code path sees them). */
  codeLoads: { file: string; from: string }[];
}

/** Direct (unpooled) URL names: Prisma's DIRECT_URL, Neon/Vercel's DATABASE_URL_UNPOOLED, POSTGRES_URL_NON_POOLING… */
export const DIRECT_NAME_RE = /DIRECT|UNPOOLED|NON_?POOL|NO_?POOL/i;
const SHADOW_NAME_RE = /SHADOW/i;
/** Names that look like a Postgres connection URL (for evidence found outside the ORM config). */
const URL_NAME =
  /^(?:.*(?:DATABASE|POSTGRES|PG|DB|NEON|SUPABASE).*(?:URL|URI|DSN|CONNECTION(?:_STRING)?)|.*CONNECTION_STRING.*)$/i;
const OTHER_DB = /MONGO|REDIS|MYSQL|MARIA|SQLITE|TURSO|LIBSQL|UPSTASH|^KV_|CLICKHOUSE|^NEXT_PUBLIC_/i;
const URL_NAME_RE = { test: (n: string) => URL_NAME.test(n) && !OTHER_DB.test(n) };

const CONFIG_EXTS = ['ts', 'mts', 'cts', 'js', 'mjs', 'cjs'];

/** Every env-variable reference in an expression: process.env.X, process.env["X"], env.X, env('X'), Bun.env.X. */
const ENV_REF_RE =
  /(?:process\.env|import\.meta\.env|Bun\.env|\benv)\s*(?:!\s*)?(?:\.\s*([A-Za-z_][A-Za-z0-9_]*)|\[\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\])|\benv\(\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\)|Deno\.env\.get\(\s*['"`]([A-Za-z_][A-Za-z0-9_]*)['"`]\s*\)/g;

function envRefs(expr: string): string[] {
  const out: string[] = [];
  for (const m of expr.matchAll(ENV_REF_RE)) {
    const name = m[1] ?? m[2] ?? m[3] ?? m[4];
    if (name && !out.includes(name)) out.push(name);
  }
  return out;
}

export function lineOf(text: string, index: number): number {
  let n = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

/** The expression after `key:` up to the next `,` `}` or newline at depth 0 (good enough for config objects). */
function exprAt(text: string, from: number): string {
  let depth = 0;
  let i = from;
  for (; i < text.length; i++) {
    const c = text[i];
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if ((c === ',' || c === '\n' || c === ';') && depth === 0) break;
  }
  return text.slice(from, i);
}

/** The variables an expression reads, following one `const x = …` indirection (create-t3-turbo's `nonPoolingUrl`). */
function resolveExpr(text: string, expr: string): string[] {
  const direct = envRefs(expr);
  if (direct.length) return direct;
  const id = /^\s*([A-Za-z_$][\w$]*)\s*!?\s*$/.exec(expr)?.[1];
  if (!id) return [];
  const decl = new RegExp(`(?:const|let|var)\\s+${id.replace(/\$/g, '\\$')}\\s*(?::[^=]+)?=\\s*`).exec(text);
  return decl ? envRefs(exprAt(text, decl.index + decl[0].length)) : [];
}

interface Ref extends VarFinding {
  /** From the ORM config itself (strong), or from code, schemas or env files (weaker). */
  strong: boolean;
  /** The config says this is the direct URL (Prisma `directUrl`). */
  directRole?: boolean;
}

function rel(root: string, abs: string): string {
  return path.relative(root, abs).split(path.sep).join('/');
}

function firstExisting(dir: string, base: string): string | null {
  for (const ext of CONFIG_EXTS) {
    const f = path.join(dir, `${base}.${ext}`);
    if (readText(f) !== null) return f;
  }
  return null;
}

/** Env files an ORM config loads itself, resolved relative to `pkgDir` (where its CLI runs) or the file's folder. */
export function configEnvLoads(text: string, file: string, pkgDir: string): string[] {
  const out: string[] = [];
  const add = (p: string, base: string) => {
    const abs = path.resolve(base, p);
    if (!out.includes(abs)) out.push(abs);
  };
  if (
    /(?:import\s+['"]dotenv\/config['"]|require\(\s*['"]dotenv\/config['"]\s*\)|import\s+['"]dotenv-flow\/config['"])/.test(
      text,
    )
  )
    add('.env', pkgDir);
  // dotenv's config({ path }) / loadEnv({ path }) / dotenv.config({ path: [...] }), and Node's process.loadEnvFile(p).
  for (const m of text.matchAll(/\b(?:config|loadEnv|dotenvConfig|configDotenv)\s*\(\s*(\{[^)]*\})?\s*\)/g)) {
    const args = m[1] ?? '';
    // Only calls that belong to dotenv: the file imports it.
    if (!/['"]dotenv['"]/.test(text)) continue;
    const base = /__dirname|import\.meta/.test(args) ? path.dirname(file) : pkgDir;
    const pathArg = /\bpath\s*:\s*([^}]*)/.exec(args)?.[1] ?? '';
    const lits = [...pathArg.matchAll(/['"`]([^'"`]*\.env[^'"`]*)['"`]/g)].map((x) => x[1]);
    if (!/\bpath\s*:/.test(args)) add('.env', pkgDir);
    for (const l of lits) add(l, base);
  }
  for (const m of text.matchAll(/process\.loadEnvFile\(\s*(?:['"`]([^'"`]+)['"`])?\s*\)/g)) add(m[1] ?? '.env', pkgDir);
  // Next.js's own loader (@next/env) in drizzle configs of Next apps: .env.local first, then .env.
  if (/\bloadEnvConfig\s*\(/.test(text) && /@next\/env/.test(text)) {
    add('.env.local', pkgDir);
    add('.env', pkgDir);
  }
  return out;
}

/** Prisma schema files: the configured path (file or folder), else prisma/schema.prisma, schema.prisma, prisma/schema/*.prisma. */
function prismaSchemaFiles(appAbs: string, configured: string | null): string[] {
  const files: string[] = [];
  const addDir = (d: string) => {
    try {
      for (const e of readdirSync(d).sort()) if (e.endsWith('.prisma')) files.push(path.join(d, e));
    } catch {
      /* none */
    }
  };
  if (configured) {
    const abs = path.resolve(appAbs, configured);
    try {
      if (statSync(abs).isDirectory()) addDir(abs);
      else files.push(abs);
    } catch {
      /* missing */
    }
  }
  if (!files.length) {
    for (const f of [path.join(appAbs, 'prisma', 'schema.prisma'), path.join(appAbs, 'schema.prisma')])
      if (readText(f) !== null) files.push(f);
  }
  if (!files.length) addDir(path.join(appAbs, 'prisma', 'schema'));
  return files.filter((f) => readText(f) !== null);
}

const SKIP_DIRS = new Set([
  'node_modules',
  '.git',
  'dist',
  'build',
  '.next',
  '.turbo',
  '.vercel',
  'coverage',
  'out',
  '.claude',
  'public',
  '.output',
  '.svelte-kit',
  '.nuxt',
  'generated',
  '.cache',
  'migrations',
]);
const CODE_EXT = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;

/** Source files of the app worth reading for connection code (bounded: big repos must not slow the initializer). */
function codeFiles(appAbs: string, limit = 1500): string[] {
  const out: string[] = [];
  const walk = (dir: string, depth: number) => {
    if (depth > 6 || out.length >= limit) return;
    let entries: import('node:fs').Dirent[] = [];
    try {
      entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name));
    } catch {
      return;
    }
    for (const e of entries) {
      if (out.length >= limit) return;
      if (e.isDirectory()) {
        if (!SKIP_DIRS.has(e.name) && !e.name.startsWith('.')) walk(path.join(dir, e.name), depth + 1);
      } else if (
        e.isFile() &&
        CODE_EXT.test(e.name) &&
        !/\.(?:d|test|spec)\.[cm]?[jt]sx?$/.test(e.name) &&
        !/^(?:drizzle|prisma)\.config\./.test(e.name)
      ) {
        out.push(path.join(dir, e.name));
      }
    }
  };
  walk(appAbs, 0);
  // Files named like the database module first (db.ts, client.ts, prisma.ts…), so their variable wins.
  const rank = (f: string) =>
    /(?:^|[/\\])(?:db|database|client|prisma|drizzle|postgres|pg|kysely|data-source|datasource|env)(?:\/index)?\.[cm]?[jt]sx?$/i.test(
      f,
    )
      ? 0
      : 1;
  return out.sort((a, b) => rank(a) - rank(b));
}

/** Where code opens a connection with an env variable: `connectionString: process.env.X`, `postgres(process.env.X)`… */
const CONNECT_RE =
  /(?:\b(?:connectionString|connection|datasourceUrl|databaseUrl|url)\s*:\s*|\b(?:postgres|neon|drizzle|createPool|createClient|Pool|Client|Sql|SQL|PrismaPg|PrismaNeon|NeonDialect|PostgresDialect)\s*\(\s*)/g;

export function detectDbVars(
  root: string,
  appDir: string,
  opts: { deps: Set<string>; packageJson?: { prisma?: { schema?: string } } | null },
): DbVars {
  const appAbs = path.join(root, appDir);
  const refs: Ref[] = [];
  const warnings: string[] = [];
  const configLoads: DbVars['configLoads'] = [];
  let prismaConfig: string | null = null;

  // 1. Prisma 7 (and 6) prisma.config.ts: datasource.url / directUrl / shadowDatabaseUrl.
  const pcfg = firstExisting(appAbs, 'prisma.config') ?? firstExisting(path.join(appAbs, '.config'), 'prisma');
  let schemaPath: string | null = opts.packageJson?.prisma?.schema ?? null;
  if (pcfg) {
    const text = readText(pcfg)!;
    const r = rel(root, pcfg);
    prismaConfig = r;
    for (const f of configEnvLoads(text, pcfg, appAbs)) configLoads.push({ file: rel(root, f), from: r });
    const s = /\bschema\s*:\s*['"`]([^'"`]+)['"`]/.exec(text);
    if (s) schemaPath = path.relative(appAbs, path.resolve(path.dirname(pcfg), s[1]));
    const ds = /\bdatasource\s*:\s*\{/.exec(text);
    if (ds) {
      const open = ds.index + ds[0].length - 1;
      const body = text.slice(open, open + exprAt(text, open).length);
      for (const key of ['url', 'directUrl'] as const) {
        const m = new RegExp(`\\b${key}\\s*:\\s*`).exec(body);
        if (!m) continue;
        const at = open + m.index + m[0].length;
        const names = resolveExpr(text, exprAt(text, at));
        if (names.length)
          refs.push({
            name: names[0],
            file: r,
            line: lineOf(text, at),
            how: `datasource.${key}`,
            strong: true,
            directRole: key === 'directUrl',
          });
      }
    }
  }

  // 2. schema.prisma (also multi-file prisma/schema/*.prisma): datasource url / directUrl.
  for (const f of prismaSchemaFiles(appAbs, schemaPath)) {
    const text = readText(f)!;
    const r = rel(root, f);
    const block = /datasource\s+\w+\s*\{([^}]*)\}/.exec(text);
    if (!block) continue;
    const start = block.index + block[0].indexOf('{') + 1;
    for (const m of block[1].matchAll(
      /^\s*(url|directUrl)\s*=\s*(?:env\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)|"([^"]*)")/gm,
    )) {
      const line = lineOf(text, start + m.index! + m[0].length);
      if (m[2])
        refs.push({
          name: m[2],
          file: r,
          line,
          how: `datasource ${m[1]} = env("${m[2]}")`,
          strong: true,
          directRole: m[1] === 'directUrl',
        });
      else if (m[3] !== undefined) {
        warnings.push(
          `${r}:${line} hard-codes the database URL (${m[1]} = "…"), so every agent's worktree would use that database (the shared one), not its own branch. Read it from the environment instead: ${m[1]} = env("${m[1] === 'url' ? 'DATABASE_URL' : 'DIRECT_URL'}").`,
        );
      }
    }
  }

  // 3. drizzle.config.*: dbCredentials.url / connectionString (following one `const` indirection), else any URL-ish env read.
  const dcfg = firstExisting(appAbs, 'drizzle.config');
  if (dcfg) {
    const text = readText(dcfg)!;
    const r = rel(root, dcfg);
    for (const f of configEnvLoads(text, dcfg, appAbs)) configLoads.push({ file: rel(root, f), from: r });
    const cred = /\bdbCredentials\s*:\s*/.exec(text);
    const scope = cred ? cred.index : 0;
    let found = false;
    for (const m of text.slice(scope).matchAll(/\b(url|connectionString)\s*:\s*/g)) {
      const at = scope + m.index! + m[0].length;
      const names = resolveExpr(text, exprAt(text, at));
      if (names.length) {
        refs.push({ name: names[0], file: r, line: lineOf(text, at), how: `dbCredentials.${m[1]}`, strong: true });
        found = true;
        break;
      }
    }
    if (!found) {
      for (const m of text.matchAll(ENV_REF_RE)) {
        const name = m[1] ?? m[2] ?? m[3] ?? m[4];
        if (name && URL_NAME_RE.test(name)) {
          refs.push({ name, file: r, line: lineOf(text, m.index!), how: 'read in the drizzle config', strong: true });
          break;
        }
      }
    }
  }

  // 4. Code that opens connections, and t3's createEnv schemas.
  const codeRefs: Ref[] = [];
  const codeLoads: DbVars['codeLoads'] = [];
  const schemaRefs: Ref[] = [];
  for (const f of codeFiles(appAbs)) {
    const text = readText(f);
    if (!text || text.length > 256 * 1024) continue;
    const r = rel(root, f);
    if (/['"]dotenv(?:\/config)?['"]/.test(text))
      for (const l of configEnvLoads(text, f, appAbs)) codeLoads.push({ file: rel(root, l), from: r });
    for (const m of text.matchAll(CONNECT_RE)) {
      const at = m.index! + m[0].length;
      const names = resolveExpr(text, exprAt(text, at)).filter((n) => URL_NAME_RE.test(n));
      if (names.length)
        codeRefs.push({
          name: names[0],
          file: r,
          line: lineOf(text, at),
          how: m[0].replace(/\s+/g, '').replace(/\($/, '(…)'),
          strong: false,
        });
    }
    if (/\bcreateEnv\s*\(/.test(text)) {
      for (const m of text.matchAll(/^\s*([A-Z][A-Z0-9_]*)\s*:\s*z\s*\./gm)) {
        if (URL_NAME_RE.test(m[1]))
          schemaRefs.push({
            name: m[1],
            file: r,
            line: lineOf(text, m.index! + m[0].indexOf(m[1])),
            how: 'createEnv schema',
            strong: false,
          });
      }
    }
    if (codeRefs.length > 20) break;
  }
  refs.push(...codeRefs);
  // @vercel/postgres (create-t3-turbo's client) reads POSTGRES_URL by itself.
  if (opts.deps.has('@vercel/postgres') && !refs.some((x) => x.name === 'POSTGRES_URL')) {
    refs.push({
      name: 'POSTGRES_URL',
      file: rel(root, path.join(appAbs, 'package.json')),
      line: 1,
      how: '@vercel/postgres reads it',
      strong: false,
    });
  }
  refs.push(...schemaRefs);

  // 5. Env files: keys holding a postgres:// URL (or named like a direct URL), weakest evidence.
  for (const dir of [...new Set([appAbs, root])]) {
    for (const name of ['.env.example', '.env', '.env.local', '.env.development', '.env.sample', '.env.template']) {
      const text = readText(path.join(dir, name));
      if (!text) continue;
      for (const m of text.matchAll(
        /^[ \t]*(?:export[ \t]+)?([A-Za-z_][A-Za-z0-9_]*)[ \t]*=[ \t]*['"]?([^\r\n'"#]*)/gm,
      )) {
        const [, key, value] = m;
        if (
          /^postgres(?:ql)?:\/\//.test(value.trim()) ||
          (DIRECT_NAME_RE.test(key) && URL_NAME_RE.test(key)) ||
          key === 'DATABASE_URL'
        ) {
          refs.push({
            name: key,
            file: rel(root, path.join(dir, name)),
            line: lineOf(text, m.index!),
            how: 'in the env file',
            strong: false,
          });
        }
      }
    }
  }

  const usable = refs.filter((x) => !SHADOW_NAME_RE.test(x.name));
  const isDirect = (x: Ref) => x.directRole || DIRECT_NAME_RE.test(x.name);
  const strip = ({ strong: _s, directRole: _d, ...v }: Ref): VarFinding => v;
  const main = usable.find((x) => !isDirect(x) && x.strong) ?? usable.find((x) => !isDirect(x));
  const direct =
    usable.find((x) => isDirect(x) && x.strong && x.name !== main?.name) ??
    usable.find((x) => isDirect(x) && x.name !== main?.name);
  return {
    databaseUrl: main ? strip(main) : null,
    directUrl: direct ? strip(direct) : null,
    warnings,
    prismaConfig,
    configLoads,
    codeLoads,
  };
}

/** How a finding reads in the summary: `POSTGRES_URL (packages/db/drizzle.config.ts:9, dbCredentials.url)`. */
export function describeFinding(f: VarFinding | null, fallback = 'the default'): string {
  return f ? `${f.file}:${f.line}, ${f.how}` : fallback;
}
