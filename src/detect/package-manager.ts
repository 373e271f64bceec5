import path from 'node:path';
import { existsSync } from 'node:fs';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManager {
  name: PackageManagerName;
  /** How it was decided, for the summary. */
  source: 'lockfile' | 'user-agent' | 'default';
  install: string;
  /** `npm run`, `pnpm`, `yarn`, `bun run` — prefix for package.json scripts. */
  run: string;
  /** `npx`, `pnpm exec`, `yarn`, `bunx` — prefix for a local binary. */
  exec: string;
}

const LOCKFILES: [string, PackageManagerName][] = [
  ['pnpm-lock.yaml', 'pnpm'],
  ['yarn.lock', 'yarn'],
  ['bun.lock', 'bun'],
  ['bun.lockb', 'bun'],
  ['package-lock.json', 'npm'],
  ['npm-shrinkwrap.json', 'npm'],
];

export function commandsFor(name: PackageManagerName): Omit<PackageManager, 'name' | 'source'> {
  switch (name) {
    case 'pnpm':
      return { install: 'pnpm install', run: 'pnpm', exec: 'pnpm exec' };
    case 'yarn':
      return { install: 'yarn install', run: 'yarn', exec: 'yarn' };
    case 'bun':
      return { install: 'bun install', run: 'bun run', exec: 'bunx' };
    default:
      return { install: 'npm install', run: 'npm run', exec: 'npx' };
  }
}

/** The repository's lockfile decides; else the package manager that launched us; else npm. */
export function detectPackageManager(dirs: string[], userAgent: string | undefined): PackageManager {
  for (const dir of dirs) {
    for (const [file, name] of LOCKFILES) {
      if (existsSync(path.join(dir, file))) return { name, source: 'lockfile', ...commandsFor(name) };
    }
  }
  const ua = (userAgent ?? '').split(' ')[0]?.split('/')[0];
  if (ua === 'pnpm' || ua === 'yarn' || ua === 'bun' || ua === 'npm') {
    return { name: ua, source: 'user-agent', ...commandsFor(ua) };
  }
  return { name: 'npm', source: 'default', ...commandsFor('npm') };
}
