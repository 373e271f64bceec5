// What kind of app lives in the repository: which folder holds it (monorepos), its ORM, the env file it
// reads its database URL from (and why), the variables it reads, and the scripts an agent should run.
import path from 'node:path';
import { readdirSync, existsSync } from 'node:fs';
import { readJson } from './fs.ts';
import { commandsFor, type PackageManager } from './package-manager.ts';
import { detectDbVars, describeFinding } from './db-vars.ts';
import { expandScript, scriptEnv, type WrapperTool } from './scripts.ts';

export type OrmName = 'Drizzle' | 'Prisma' | 'Kysely' | 'TypeORM';

export interface OrmCommands {
  name: OrmName | null;
  generate: string | null;
  migrate: string | null;
  push: string | null;
}

export type Purpose = 'generate' | 'migrate' | 'push' | 'seed' | 'test';

/** A package script an agent role would run, and what it brings with it. */
export interface RoleScript {
  purpose: Purpose;
  /** The script's name in package.json, e.g. `push`. */
  script: string;
  /** Its body with local wrappers spelled out, e.g. `dotenv -e ../../.env -- drizzle-kit push`. */
  body: string;
  tool: WrapperTool | null;
  /** A secret manager (doppler, infisical, op, vercel): it supplies its own values whatever the env file says. */
  secret: boolean;
  /** Env files (repo-relative) the script loads itself. */
  loads: string[];
  /** What to run instead, without the wrapper (relative to the app folder), when it can be told; else null. */
  plain: string | null;
}

export interface EnvFileCandidate {
  /** Repo-relative path. */
  file: string;
  /** Why, for the summary and the wizard. */
  reason: string;
  /** 1: a script or the ORM config loads it; 2: the ORM reads it by itself; 3: conventions. */
  strength: 1 | 2 | 3;
}

export interface ProjectInfo {
  /** Folder of the app, relative to the repo root ('' = the root). */
  appDir: string;
  orm: OrmCommands;
  /** Detected default for --env-file, relative to the repo root. */
  envFile: string;
  /** Why that env file (for the summary). */
  envFileReason: string;
  /** Variable for the direct (unpooled) URL, when the app already uses one. */
  directUrlVar: string | null;
  scripts: { test: string | null; seed: string | null };
  /** The variable the app reads its connection URL from (DATABASE_URL when nothing says otherwise). */
  databaseUrlVar?: string;
  /** Where databaseUrlVar / directUrlVar were found (`file:line, how`), or null for the default. */
  databaseUrlFrom?: string | null;
  directUrlFrom?: string | null;
  /** Every env file with evidence, best first (envFile is the first). */
  envFileCandidates?: EnvFileCandidate[];
  /** Problems found while detecting (a hard-coded Prisma URL…). */
  warnings?: string[];
  /** The package scripts the roles call, with what each loads. */
  roleScripts?: RoleScript[];
  /**
   * Other scripts (the app's and the root's: `dev`, `start`…) that run through a secret manager, which supplies
   * its own database URL whatever the worktree's env file says.
   */
  secretScripts?: { dir: string; script: string; tool: WrapperTool }[];
  /** Prisma only: its config file, and the env files that config loads (null: no prisma.config). */
  prisma?: { config: string | null; loads: string[] } | null;
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
  prisma?: { schema?: string };
}

function deps(pkg: PackageJson | null): Set<string> {
  return new Set([...Object.keys(pkg?.dependencies ?? {}), ...Object.keys(pkg?.devDependencies ?? {})]);
}

function ormOf(d: Set<string>): OrmName | null {
  if (d.has('drizzle-orm') || d.has('drizzle-kit')) return 'Drizzle';
  if (d.has('prisma') || d.has('@prisma/client')) return 'Prisma';
  if (d.has('kysely')) return 'Kysely';
  if (d.has('typeorm')) return 'TypeORM';
  return null;
}

/** Candidate app folders: the root, then one level of the usual monorepo folders. */
function candidateDirs(root: string): string[] {
  const out = [''];
  for (const parent of ['apps', 'packages', 'services']) {
    const abs = path.join(root, parent);
    if (!existsSync(abs)) continue;
    let entries: string[] = [];
    try {
      entries = readdirSync(abs).sort();
    } catch {
      continue;
    }
    for (const e of entries) if (existsSync(path.join(abs, e, 'package.json'))) out.push(`${parent}/${e}`);
  }
  return out;
}

/** Script names each purpose looks for, per ORM (first found wins), and the ORM's own command otherwise. */
function purposes(orm: OrmName | null, x: string): { purpose: Purpose; names: string[]; fallback: string | null }[] {
  const list: { purpose: Purpose; names: string[]; fallback: string | null }[] = [];
  if (orm === 'Drizzle') {
    list.push(
      { purpose: 'generate', names: ['db:generate', 'generate'], fallback: `${x} drizzle-kit generate` },
      { purpose: 'migrate', names: ['db:migrate', 'migrate'], fallback: `${x} drizzle-kit migrate` },
      { purpose: 'push', names: ['db:push', 'push'], fallback: `${x} drizzle-kit push` },
    );
  } else if (orm === 'Prisma') {
    list.push(
      {
        purpose: 'generate',
        names: ['db:migrate:dev', 'migrate:dev'],
        fallback: `${x} prisma migrate dev --name <change>`,
      },
      { purpose: 'migrate', names: ['db:migrate', 'migrate', 'db:deploy'], fallback: `${x} prisma migrate deploy` },
      { purpose: 'push', names: ['db:push'], fallback: `${x} prisma db push` },
    );
  } else if (orm === 'Kysely') {
    list.push(
      {
        purpose: 'generate',
        names: ['db:migrate:make', 'migrate:make'],
        fallback: `${x} kysely migrate:make <change>`,
      },
      { purpose: 'migrate', names: ['db:migrate', 'migrate'], fallback: `${x} kysely migrate:latest` },
    );
  } else if (orm === 'TypeORM') {
    list.push(
      {
        purpose: 'generate',
        names: ['migration:generate', 'db:generate'],
        fallback: `${x} typeorm migration:generate -d <data-source> <path>`,
      },
      {
        purpose: 'migrate',
        names: ['migration:run', 'db:migrate', 'migrate'],
        fallback: `${x} typeorm migration:run -d <data-source>`,
      },
    );
  }
  list.push(
    { purpose: 'seed', names: ['db:seed', 'seed'], fallback: null },
    { purpose: 'test', names: ['test'], fallback: null },
  );
  return list;
}

const RUNNERS = /^(?:npm|npx|pnpm|yarn|bun|bunx|node|tsx|ts-node|sh|bash|deno|turbo|cd)\b/;

const rel = (root: string, abs: string) => path.relative(root, abs).split(path.sep).join('/');

export function detectProject(root: string, pm: PackageManager): ProjectInfo {
  const dirs = candidateDirs(root);
  const pkgs = dirs.map((d) => ({ dir: d, pkg: readJson<PackageJson>(path.join(root, d, 'package.json')) }));
  // The app is the folder whose package.json uses an ORM and holds its schema or config (a turborepo root lists
  // prisma too, but its db:* scripts run in packages/database, where Prisma reads the .env); else the first folder
  // that uses an ORM (root first); else the root.
  const withOrm = pkgs.filter((p) => ormOf(deps(p.pkg)));
  const ownsOrmFiles = (dir: string) =>
    [
      'prisma/schema.prisma',
      'schema.prisma',
      'prisma/schema',
      'prisma.config.ts',
      'prisma.config.js',
      'prisma.config.mjs',
      'drizzle.config.ts',
      'drizzle.config.js',
      'drizzle.config.mjs',
      'drizzle.config.cjs',
    ].some((f) => existsSync(path.join(root, dir, f)));
  const app = withOrm.find((p) => ownsOrmFiles(p.dir)) ?? withOrm[0] ?? pkgs[0];
  const appDeps = deps(app.pkg);
  const orm = ormOf(appDeps);
  const scripts = app.pkg?.scripts ?? {};
  const appAbs = path.join(root, app.dir);
  const inApp = (cmd: string) => (app.dir ? `(cd ${app.dir} && ${cmd})` : cmd);
  const x = pm.exec;

  // Scripts the roles call (and the ORM's own commands where there is no script).
  const roleScripts: RoleScript[] = [];
  const chosen: Partial<Record<Purpose, string | null>> = {};
  for (const { purpose, names, fallback } of purposes(orm, x)) {
    const name = names.find((n) => scripts[n]);
    if (!name) {
      chosen[purpose] = fallback ? inApp(fallback) : null;
      continue;
    }
    chosen[purpose] = inApp(`${pm.run} ${name}`);
    const body = expandScript(scripts, name)!;
    const env = scriptEnv(body, appAbs);
    if (!env.tool) continue;
    const rest = env.rest ? (RUNNERS.test(env.rest) ? env.rest : `${x} ${env.rest}`) : fallback;
    roleScripts.push({
      purpose,
      script: name,
      body,
      tool: env.tool,
      secret: env.secret,
      loads: env.files.map((f) => rel(root, f)),
      plain: rest,
    });
  }
  const ormCommands: OrmCommands = {
    name: orm,
    generate: chosen.generate ?? null,
    migrate: chosen.migrate ?? null,
    push: chosen.push ?? null,
  };
  const secretScripts: { dir: string; script: string; tool: WrapperTool }[] = [];
  for (const p of pkgs.filter((q) => q.dir === '' || q.dir === app.dir)) {
    for (const name of Object.keys(p.pkg?.scripts ?? {})) {
      if (p.dir === app.dir && roleScripts.some((r) => r.script === name)) continue;
      const env = scriptEnv(expandScript(p.pkg!.scripts!, name) ?? '', path.join(root, p.dir));
      if (env.secret && env.tool) secretScripts.push({ dir: p.dir, script: name, tool: env.tool });
    }
  }

  // Variables the app reads.
  const vars = detectDbVars(root, app.dir, { deps: appDeps, packageJson: app.pkg });

  // Env file candidates, strongest evidence first.
  const candidates: EnvFileCandidate[] = [];
  const add = (file: string, reason: string, strength: EnvFileCandidate['strength']) => {
    const prev = candidates.find((c) => c.file === file);
    if (!prev) candidates.push({ file, reason, strength });
    else if (strength < prev.strength) Object.assign(prev, { reason, strength });
  };
  const where = app.dir || 'the root package';
  // 1. What the scripts load: the role scripts first, then any other script of the app (with-env wrappers), then the root's.
  for (const s of roleScripts)
    for (const f of s.loads)
      add(f, `${where}'s "${s.script}" script loads it (${scriptEnv(s.body, appAbs).snippet})`, 1);
  for (const p of [app, ...(app.dir ? [pkgs[0]] : [])]) {
    const abs = path.join(root, p.dir);
    for (const [name, body] of Object.entries(p.pkg?.scripts ?? {})) {
      const env = scriptEnv(body, abs);
      for (const f of env.files)
        add(rel(root, f), `${p.dir || 'the root package'}'s "${name}" script loads it (${env.snippet})`, 1);
    }
  }
  // 2. What the ORM config loads (dotenv), or what the ORM reads by itself.
  for (const l of vars.configLoads) add(l.file, `${l.from} loads it`, 1);
  for (const l of vars.codeLoads) add(l.file, `${l.from} loads it`, 2);
  const inAppDir = (f: string) => (app.dir ? `${app.dir}/${f}` : f);
  const has = (f: string) => existsSync(path.join(appAbs, f));
  if (orm === 'Prisma' && !vars.prismaConfig) add(inAppDir('.env'), 'Prisma reads only .env', 2);
  // 3. Conventions: Next.js (and Vite) apps keep local secrets in `.env.local`.
  const usesLocal = appDeps.has('next') || appDeps.has('vite') || appDeps.has('@sveltejs/kit') || appDeps.has('nuxt');
  if (usesLocal && (has('.env.local') || !has('.env')))
    add(inAppDir('.env.local'), appDeps.has('next') ? 'Next.js reads .env.local first' : 'the app loads .env.local', 3);
  else if (has('.env')) add(inAppDir('.env'), 'it already exists', 3);
  if (!candidates.length) add(inAppDir('.env'), 'the default', 3);
  candidates.sort((a, b) => a.strength - b.strength);
  // Conventions count only when nothing stronger says otherwise, or when they name a file that exists.
  const strongest = candidates[0];
  const shown = candidates.filter((c) => c === strongest || c.strength < 3 || existsSync(path.join(root, c.file)));

  const direct = vars.directUrl?.name ?? null;
  return {
    appDir: app.dir,
    orm: ormCommands,
    envFile: strongest.file,
    envFileReason: strongest.reason,
    directUrlVar: direct,
    scripts: { test: chosen.test ?? null, seed: chosen.seed ?? null },
    databaseUrlVar: vars.databaseUrl?.name ?? 'DATABASE_URL',
    databaseUrlFrom: vars.databaseUrl ? describeFinding(vars.databaseUrl) : null,
    directUrlFrom: vars.directUrl ? describeFinding(vars.directUrl) : null,
    envFileCandidates: shown,
    warnings: vars.warnings,
    roleScripts,
    secretScripts,
    prisma:
      orm === 'Prisma'
        ? {
            config: vars.prismaConfig,
            loads: vars.configLoads.filter((l) => l.from === vars.prismaConfig).map((l) => l.file),
          }
        : null,
  };
}

/** Role scripts that would not read `envFile` (repo-relative): secret managers, or loaders of another file. */
export function bypassingScripts(project: ProjectInfo, envFile: string): RoleScript[] {
  return (project.roleScripts ?? []).filter((s) => s.secret || (s.loads.length > 0 && !s.loads.includes(envFile)));
}

const TOOL_NAMES: Record<WrapperTool, string> = {
  doppler: 'doppler run',
  infisical: 'infisical run',
  '1password': 'op run',
  vercel: 'vercel env run',
  dotenvx: 'dotenvx run',
  'dotenv-cli': 'dotenv',
  'env-cmd': 'env-cmd',
  'node --env-file': '--env-file',
};

/** Why a script is not used, for the role text and the summary. */
export function bypassReason(s: RoleScript, envFile: string, dbVar = 'DATABASE_URL'): string {
  return s.secret
    ? `it runs through \`${TOOL_NAMES[s.tool!]}\`, which supplies its own ${dbVar} (the shared database) over the worktree's ${envFile}`
    : `it loads ${s.loads.join(', ')} (\`${TOOL_NAMES[s.tool!]}\`), not the worktree's ${envFile}`;
}

/** A command run with the worktree's env file loaded first (paths relative to the worktree root). */
export function withEnvFile(envFile: string, appDir: string, cmd: string): string {
  return `(set -a && . ./${envFile} && set +a${appDir ? ` && cd ${appDir}` : ''} && ${cmd})`;
}

/**
 * The commands the roles get for this env file: a script that brings its own secrets or loads another env file
 * is replaced by its plain command run with the worktree's env file; `notes` says why, once per script.
 */
export function roleCommands(project: ProjectInfo, envFile: string, dbVar = 'DATABASE_URL') {
  const orm: OrmCommands = { ...project.orm };
  const commands = { ...project.scripts };
  const notes: string[] = [];
  for (const s of bypassingScripts(project, envFile)) {
    if (!s.plain) continue;
    const cmd = withEnvFile(envFile, project.appDir, s.plain);
    if (s.purpose === 'seed' || s.purpose === 'test') commands[s.purpose] = cmd;
    else orm[s.purpose] = cmd;
    notes.push(`The package script \`${s.script}\` is not used: ${bypassReason(s, envFile, dbVar)}.`);
  }
  return { orm, commands, notes };
}

/**
 * Prisma's CLI reads only `.env` (next to package.json or the schema), and nothing at all once a prisma.config
 * exists unless that config loads a file itself. Null when it will read `envFile`.
 */
export function prismaEnvWarning(project: ProjectInfo, envFile: string): string | null {
  if (project.orm.name !== 'Prisma' || !project.prisma) return null;
  const { config, loads } = project.prisma;
  if (config) {
    if (loads.includes(envFile)) return null;
    return `${config} loads ${loads.length ? loads.join(', ') : 'no env file'}, so the Prisma CLI will not read ${envFile} (where each worktree's database URL goes): add \`import { config } from 'dotenv'; config({ path: '${path.posix.relative(project.appDir || '.', envFile) || envFile}' })\` to it${loads.length ? '' : " (or `import 'dotenv/config'` for .env)"}, or choose --env-file ${loads[0] ?? (project.appDir ? `${project.appDir}/.env` : '.env')}.`;
  }
  const dotEnv = project.appDir ? `${project.appDir}/.env` : '.env';
  if (envFile === dotEnv) return null;
  return `The Prisma CLI reads only ${dotEnv}, not ${envFile}: its migrations would not see each worktree's own database URL. Use --env-file ${dotEnv}, or load ${envFile} in a prisma.config.ts (import { config } from 'dotenv').`;
}

/**
 * For doctor: the scripts the roles call that bring their own secrets or load another env file than `envFile`
 * (default: the detected one). `command` is the script's body.
 */
export function secretManagerScripts(
  root: string,
  envFile?: string,
): { script: string; command: string; tool: WrapperTool; reason: string }[] {
  const project = detectProject(root, { name: 'npm', source: 'default', ...commandsFor('npm') });
  const file = envFile ?? project.envFile;
  const roles = bypassingScripts(project, file).map((s) => ({
    script: s.script,
    command: s.body,
    tool: s.tool!,
    reason: bypassReason(s, file, project.databaseUrlVar),
  }));
  const others = (project.secretScripts ?? []).map((s) => ({
    script: s.dir ? `${s.dir}: ${s.script}` : s.script,
    command: s.script,
    tool: s.tool,
    reason: `it runs through ${TOOL_NAMES[s.tool]}, which supplies its own ${project.databaseUrlVar} (the shared database) over the worktree's ${file}`,
  }));
  return [...roles, ...others];
}
