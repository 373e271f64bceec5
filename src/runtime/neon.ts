// The Neon CLI, which the runtime starts only to refresh an expired CLI login (see config.ts): `neon` (else
// `neonctl`) on PATH, the repo's node_modules/.bin, or $NEON_AGENTS_NEON_BIN. Every API call goes through
// neon-api.ts.
import fs from 'node:fs';
import path from 'node:path';
import { NEON_BIN_ENV } from '../shared/claude-hooks.ts';

export function findNeonBin(searchDirs: string[]): string | null {
  const override = process.env[NEON_BIN_ENV];
  if (override) return override;
  const dirs = [...(process.env.PATH ?? '').split(path.delimiter).filter(Boolean), ...searchDirs.map((d) => path.join(d, 'node_modules', '.bin'))];
  for (const name of ['neon', 'neonctl']) {
    for (const d of dirs) {
      const p = path.join(d, name);
      try {
        fs.accessSync(p, fs.constants.X_OK);
        if (fs.statSync(p).isFile()) return p;
      } catch {
        /* next */
      }
    }
  }
  return null;
}

/**
 * Fallback only (an env file we wrote earlier names one form and the other is needed without asking Neon): pooled
 * and direct URIs from one URI. The pooled one is the CLI's own rule, host.replace(endpointId,
 * endpointId + '-pooler'), applied to the part after the credentials; the endpoint id defaults to the first
 * `ep-…` id in the URI (real hosts start with it; the local emulator carries it in `options=endpoint%3D…`).
 */
export function pooledAndDirect(uri: string, endpointId: string | null): { direct: string; pooled: string; endpointId: string } {
  const at = uri.indexOf('@', uri.indexOf('://') + 3);
  const head = uri.slice(0, at + 1);
  let tail = uri.slice(at + 1);
  let ep = endpointId && tail.includes(endpointId) ? endpointId : /ep-[a-z0-9]+-[a-z0-9]+-[a-z0-9]+/.exec(tail.replace(/-pooler/g, ''))?.[0];
  if (!ep) ep = tail.split(/[.:/?]/)[0]!.replace(/-pooler$/, '');
  tail = tail.replace(`${ep}-pooler`, ep);
  if (!/[?&]sslmode=/.test(tail)) tail += `${tail.includes('?') ? '&' : '?'}sslmode=require`;
  return { direct: head + tail, pooled: head + tail.replace(ep, `${ep}-pooler`), endpointId: ep };
}
