import path from 'node:path';
import { existsSync, readFileSync } from 'node:fs';

export type PackageManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManager {
  name: PackageManagerName;
  /** How it was decided, for the summary. */
  source: 'lockfile' | 'package.json' | 'user-agent' | 'default';
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

/**
 * The repository's lockfile decides; else what its package.json declares (corepack's `packageManager`, or a
 * pnpm workspace file — a fresh clone has no lockfile when it is not committed); else the package manager that
 * launched us; else npm.
 */
export function detectPackageManager(dirs: string[], userAgent: string | undefined): PackageManager {
  for (const dir of dirs) {
    for (const [file, name] of LOCKFILES) {
      if (existsSync(path.join(dir, file))) return { name, source: 'lockfile', ...commandsFor(name) };
    }
  }
  for (const dir of dirs) {
    let declared: string | undefined;
    try {
      declared = (JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8')) as { packageManager?: string })
        .packageManager;
    } catch {
      /* none or unreadable */
    }
    const name = /^(npm|pnpm|yarn|bun)@/.exec(declared ?? '')?.[1] as PackageManagerName | undefined;
    if (name) return { name, source: 'package.json', ...commandsFor(name) };
    if (existsSync(path.join(dir, 'pnpm-workspace.yaml')))
      return { name: 'pnpm', source: 'package.json', ...commandsFor('pnpm') };
  }
  const ua = (userAgent ?? '').split(' ')[0]?.split('/')[0];
  if (ua === 'pnpm' || ua === 'yarn' || ua === 'bun' || ua === 'npm') {
    return { name: ua, source: 'user-agent', ...commandsFor(ua) };
  }
  return { name: 'npm', source: 'default', ...commandsFor('npm') };
}
