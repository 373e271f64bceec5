// What kind of app lives in the repository: which folder holds it (monorepos), its ORM, the env file it
// reads DATABASE_URL from, and the scripts an agent should run.
import path from 'node:path';
import { readdirSync, existsSync } from 'node:fs';
import { readJson, readText } from './fs.ts';
import type { PackageManager } from './package-manager.ts';

export type OrmName = 'Drizzle' | 'Prisma' | 'Kysely' | 'TypeORM';

export interface OrmCommands {
  name: OrmName | null;
  generate: string | null;
  migrate: string | null;
  push: string | null;
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
}

interface PackageJson {
  name?: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  workspaces?: string[] | { packages?: string[] };
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

function scriptCommand(pm: PackageManager, scripts: Record<string, string>, names: string[]): string | null {
  const found = names.find((n) => scripts[n]);
  return found ? `${pm.run} ${found}` : null;
}

export function detectProject(root: string, pm: PackageManager): ProjectInfo {
  const dirs = candidateDirs(root);
  const pkgs = dirs.map((d) => ({ dir: d, pkg: readJson<PackageJson>(path.join(root, d, 'package.json')) }));
  // The app is the folder whose package.json uses an ORM (root first), else the root.
  const app = pkgs.find((p) => ormOf(deps(p.pkg))) ?? pkgs[0];
  const appDeps = deps(app.pkg);
  const orm = ormOf(appDeps);
  const scripts = app.pkg?.scripts ?? {};
  const inApp = (cmd: string) => (app.dir ? `(cd ${app.dir} && ${cmd})` : cmd);
  const x = pm.exec;

  const pick = (names: string[], fallback: string | null) => {
    const s = scriptCommand(pm, scripts, names);
    return s ? inApp(s) : fallback ? inApp(fallback) : null;
  };
  let ormCommands: OrmCommands = { name: null, generate: null, migrate: null, push: null };
  if (orm === 'Drizzle') {
    ormCommands = {
      name: orm,
      generate: pick(['db:generate', 'generate'], `${x} drizzle-kit generate`),
      migrate: pick(['db:migrate', 'migrate'], `${x} drizzle-kit migrate`),
      push: pick(['db:push', 'push'], `${x} drizzle-kit push`),
    };
  } else if (orm === 'Prisma') {
    ormCommands = {
      name: orm,
      generate: pick(['db:migrate:dev', 'migrate:dev'], `${x} prisma migrate dev --name <change>`),
      migrate: pick(['db:migrate', 'migrate', 'db:deploy'], `${x} prisma migrate deploy`),
      push: pick(['db:push'], `${x} prisma db push`),
    };
  } else if (orm === 'Kysely') {
    ormCommands = {
      name: orm,
      generate: pick(['db:migrate:make', 'migrate:make'], `${x} kysely migrate:make <change>`),
      migrate: pick(['db:migrate', 'migrate'], `${x} kysely migrate:latest`),
      push: null,
    };
  } else if (orm === 'TypeORM') {
    ormCommands = {
      name: orm,
      generate: pick(['migration:generate', 'db:generate'], `${x} typeorm migration:generate -d <data-source> <path>`),
      migrate: pick(['migration:run', 'db:migrate', 'migrate'], `${x} typeorm migration:run -d <data-source>`),
      push: null,
    };
  }

  // Env file: Prisma's CLI reads only `.env`; Next.js (and Vite) apps keep local secrets in `.env.local`.
  const appAbs = path.join(root, app.dir);
  const has = (f: string) => existsSync(path.join(appAbs, f));
  const usesLocal = appDeps.has('next') || appDeps.has('vite') || appDeps.has('@sveltejs/kit') || appDeps.has('nuxt');
  let file = '.env';
  let reason = 'the default';
  if (orm === 'Prisma') {
    reason = 'Prisma reads only .env';
  } else if (usesLocal && (has('.env.local') || !has('.env'))) {
    file = '.env.local';
    reason = appDeps.has('next') ? 'Next.js reads .env.local first' : 'the app loads .env.local';
  } else if (has('.env')) {
    reason = 'it already exists';
  }
  const envFile = app.dir ? `${app.dir}/${file}` : file;

  // Direct URL: what the app already names (Prisma directUrl, or a *_UNPOOLED variable in its env files).
  let directUrlVar: string | null = null;
  const schema = readText(path.join(appAbs, 'prisma', 'schema.prisma')) ?? readText(path.join(appAbs, 'schema.prisma'));
  const m = schema?.match(/directUrl\s*=\s*env\(\s*"([A-Za-z_][A-Za-z0-9_]*)"\s*\)/);
  if (m) directUrlVar = m[1];
  if (!directUrlVar) {
    for (const f of ['.env.example', '.env', '.env.local']) {
      const t = readText(path.join(appAbs, f));
      const u = t?.match(/^\s*(?:export\s+)?(DATABASE_URL_UNPOOLED|DIRECT_URL|DIRECT_DATABASE_URL)\s*=/m);
      if (u) {
        directUrlVar = u[1];
        break;
      }
    }
  }

  return {
    appDir: app.dir,
    orm: ormCommands,
    envFile,
    envFileReason: reason,
    directUrlVar,
    scripts: {
      test: scriptCommand(pm, scripts, ['test']) ? inApp(scriptCommand(pm, scripts, ['test'])!) : null,
      seed: scriptCommand(pm, scripts, ['db:seed', 'seed']) ? inApp(scriptCommand(pm, scripts, ['db:seed', 'seed'])!) : null,
    },
  };
}
