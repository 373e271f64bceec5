// Where the Neon CLI is, and what we say about installing it: one answer for the initializer, doctor and the runtime
// (which starts it only to refresh an expired CLI login). Node built-ins only: the runtime bundles this.
import fs from 'node:fs';
import path from 'node:path';

/** Overrides the search (tests, and people with the CLI somewhere odd). */
export const NEON_BIN_ENV = 'NEON_AGENTS_NEON_BIN';
/** `neon` is the CLI's current name; `neonctl` the older one, still installed by many. */
export const NEON_CLI_NAMES = ['neon', 'neonctl'] as const;
export type NeonCliName = (typeof NEON_CLI_NAMES)[number];
/** The oldest release whose `neon auth` login and `neon me` (the refresh we run) behave as we rely on. */
export const NEON_CLI_MIN_VERSION = '2.0.0';
/** How to install it, first the npm way (any package manager's global install of `neonctl` works too). */
export const NEON_CLI_INSTALL = ['npm i -g neonctl', 'brew install neonctl'];

/**
 * The Neon CLI binary: $NEON_AGENTS_NEON_BIN, else `neon` then `neonctl` on PATH, then in each search dir's
 * node_modules/.bin (a repo with the CLI as a devDependency needs no global install).
 */
export function findNeonBin(
  searchDirs: string[],
  env: NodeJS.ProcessEnv = process.env,
): { bin: string; name: NeonCliName } | null {
  const override = env[NEON_BIN_ENV];
  if (override) return { bin: override, name: path.basename(override) === 'neonctl' ? 'neonctl' : 'neon' };
  const dirs = [
    ...(env.PATH ?? '').split(path.delimiter).filter(Boolean),
    ...searchDirs.map((d) => path.join(d, 'node_modules', '.bin')),
  ];
  for (const name of NEON_CLI_NAMES) {
    for (const d of dirs) {
      const p = path.join(d, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return { bin: p, name };
      } catch {
        /* next */
      }
    }
  }
  return null;
}

/** `version` is at least `min` (dotted numbers; a pre-release counts as its release). */
export function versionAtLeast(version: string, min: string): boolean {
  const parts = version.split(/[.-]/).map((x) => Number.parseInt(x, 10) || 0);
  const want = min.split('.').map(Number);
  for (let i = 0; i < want.length; i++) {
    if ((parts[i] ?? 0) !== want[i]) return (parts[i] ?? 0) > want[i]!;
  }
  return true;
}
