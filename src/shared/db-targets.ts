// Which env values reach the shared (parent) database, and how to point them at a worktree's own branch instead.
// Pure functions over strings, shared by the runtime (writing a worktree's env files), `status` and `doctor`
// (checking the promise), and the tests.
//
// Apps name their connection settings in many ways: one URL (`DATABASE_URL`, create-t3-turbo's `POSTGRES_URL`),
// the family Neon's Vercel integration writes (`DATABASE_URL_UNPOOLED`, `POSTGRES_PRISMA_URL`, `PGHOST`,
// `PGPASSWORD`, …), or their own (`DATABASE_AUTHENTICATED_URL`). So we do not go by name: a value reaches the shared
// database when it names the parent's endpoint or holds the parent's password.
//
// "The parent" (a Target) is learned from the main checkout's own database variables: their Neon endpoint ids
// (`ep-…`, in the host name or, for clients without SNI, in `options=endpoint%3D…`), their host:port when there is
// no endpoint id (a local PostgreSQL), and their passwords — plus what Neon told us when it made the branch (a child
// branch inherits its parent's passwords).
import { parseEnv, setEnvValues, tokenizeEnv } from './env-file.ts';

export interface Target {
  /** Neon endpoint ids without `-pooler`. */
  endpointIds: Set<string>;
  /** `host:port` (lowercase; port defaults to 5432) of databases without an endpoint id. */
  hostPorts: Set<string>;
  /** Bare host names of the above, and Neon host names (pooled and direct), for `PGHOST`-style variables. */
  hostNames: Set<string>;
  passwords: Set<string>;
}

export interface PgUrl {
  scheme: string;
  /** Raw (still percent-encoded) user and password. */
  rawUser: string;
  rawPassword: string;
  user: string;
  password: string;
  /** Raw `host[:port]` as written. */
  hostPort: string;
  hostName: string;
  port: string;
  /** Raw path (`/neondb`), and query (without `?`), and hash (with `#`). */
  path: string;
  query: string;
  hash: string;
  database: string;
  /** Endpoint id without `-pooler`, from the host name or `options=endpoint=…`. */
  endpointId: string | null;
  /** The host or option names the pooler (`ep-…-pooler`). */
  pooled: boolean;
}

const ENDPOINT = /\bep-[a-z0-9]+(?:-[a-z0-9]+)*?(?=-pooler\b|[.:/?&%,\s'"]|$)/;

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** Parse a `postgres://` / `postgresql://` URL (also `postgres+…` variants such as Prisma's). null for anything else. */
export function parsePgUrl(value: string): PgUrl | null {
  const m = /^(postgres(?:ql)?(?:\+[a-z]+)?):\/\/([^/?#]*)([^?#]*)(?:\?([^#]*))?(#.*)?$/i.exec(value.trim());
  if (!m) return null;
  const [, scheme, authority, pathPart, query = '', hash = ''] = m;
  const at = authority!.lastIndexOf('@');
  const userinfo = at === -1 ? '' : authority!.slice(0, at);
  const hostPort = at === -1 ? authority! : authority!.slice(at + 1);
  const colon = userinfo.indexOf(':');
  const rawUser = colon === -1 ? userinfo : userinfo.slice(0, colon);
  const rawPassword = colon === -1 ? '' : userinfo.slice(colon + 1);
  const hp = /^(\[[^\]]*\]|[^:]*)(?::(\d*))?$/.exec(hostPort);
  const hostName = (hp?.[1] ?? hostPort).toLowerCase();
  const port = hp?.[2] || '5432';
  const optionEndpoint = /(?:^|&)options=([^&]*)/.exec(query);
  const fromOptions = optionEndpoint ? (/endpoint=([a-z0-9-]+)/.exec(decode(optionEndpoint[1]!))?.[1] ?? null) : null;
  const raw = fromOptions ?? ENDPOINT.exec(hostName)?.[0] ?? null;
  const pooled = /-pooler\b/.test(fromOptions ?? hostName);
  const endpointId = raw ? raw.replace(/-pooler$/, '') : null;
  return {
    scheme: scheme!,
    rawUser,
    rawPassword,
    user: decode(rawUser),
    password: decode(rawPassword),
    hostPort,
    hostName,
    port,
    path: pathPart!,
    query,
    hash,
    database: decode(pathPart!.replace(/^\//, '')),
    endpointId,
    pooled,
  };
}

/** The endpoint id in a bare host name (`ep-x-y-pooler.region.aws.neon.tech` → `ep-x-y`), or null. */
export function endpointIdOfHost(host: string): string | null {
  const m = ENDPOINT.exec(host.toLowerCase());
  return m ? m[0].replace(/-pooler$/, '') : null;
}

export function emptyTarget(): Target {
  return { endpointIds: new Set(), hostPorts: new Set(), hostNames: new Set(), passwords: new Set() };
}

/** Add one connection URL's identity to a target. */
export function addUrlToTarget(t: Target, url: string): boolean {
  const u = parsePgUrl(url);
  if (!u) return false;
  if (u.endpointId) {
    t.endpointIds.add(u.endpointId);
    // Real Neon host names carry the endpoint id; the pooled and direct names are both the parent's.
    if (u.hostName.includes(u.endpointId)) {
      t.hostNames.add(u.hostName);
      t.hostNames.add(u.hostName.replace(`${u.endpointId}-pooler`, u.endpointId));
      t.hostNames.add(u.hostName.replace(new RegExp(`${u.endpointId}(?!-pooler)`), `${u.endpointId}-pooler`));
    }
  } else {
    t.hostPorts.add(`${u.hostName}:${u.port}`);
    t.hostNames.add(u.hostName);
  }
  if (u.password) t.passwords.add(u.password);
  return true;
}

/**
 * The shared database as the main checkout's env text names it: the URLs under `vars` (the app's database variables),
 * plus `known` (e.g. the parent's password from Neon's answer). Then every other URL in the file that holds one of
 * those passwords is the parent too (another name for the same database).
 */
export function targetFromEnv(
  text: string,
  vars: string[],
  known: { passwords?: string[]; endpointIds?: string[] } = {},
): Target {
  const t = emptyTarget();
  const env = parseEnv(text);
  for (const v of vars) {
    const value = env.get(v);
    if (value) addUrlToTarget(t, value);
  }
  for (const p of known.passwords ?? []) if (p) t.passwords.add(p);
  for (const e of known.endpointIds ?? []) if (e) t.endpointIds.add(e);
  for (const value of env.values()) {
    const u = parsePgUrl(value);
    if (u?.password && t.passwords.has(u.password)) addUrlToTarget(t, value);
  }
  return t;
}

export function mergeTargets(a: Target, b: Target): Target {
  const out = emptyTarget();
  for (const k of ['endpointIds', 'hostPorts', 'hostNames', 'passwords'] as const)
    for (const x of [...a[k], ...b[k]]) out[k].add(x);
  return out;
}

/** The worktree's own branch: its pooled and direct URLs (same role and password). */
export interface OwnBranch {
  pooledUrl: string;
  directUrl: string;
}

const HOST_KEY = /(^|_)(PG)?HOST(NAME)?(_|$)/;
const PASSWORD_KEY = /(^|_)(PG)?PASS(WORD)?(_|$)/;

/** Why a value reaches the target, or null when it does not. `ownEndpointId`'s URLs never do. */
export function reachesTarget(
  key: string,
  value: string,
  t: Target,
  ownEndpointId: string | null = null,
): string | null {
  const u = parsePgUrl(value);
  if (u) {
    if (u.endpointId) {
      if (u.endpointId === ownEndpointId) return null;
      if (t.endpointIds.has(u.endpointId)) return `its URL names the parent's endpoint ${u.endpointId}`;
    } else if (t.hostPorts.has(`${u.hostName}:${u.port}`))
      return `its URL names the shared database at ${u.hostName}:${u.port}`;
    if (u.password && t.passwords.has(u.password)) return "its URL holds the parent's password";
    return null;
  }
  const v = value.trim();
  if (!v) return null;
  const k = key.toUpperCase();
  if (HOST_KEY.test(k)) {
    const ep = endpointIdOfHost(v);
    if (ep && ep !== ownEndpointId && t.endpointIds.has(ep)) return `it names the parent's endpoint ${ep}`;
    if (!ep && t.hostNames.has(v.toLowerCase())) return `it names the shared database host ${v}`;
  }
  if (t.passwords.has(v)) return "it is the parent's password";
  for (const ep of t.endpointIds)
    if (ep !== ownEndpointId && v.includes(ep)) return `it names the parent's endpoint ${ep}`;
  for (const p of t.passwords) if (p.length >= 8 && v.includes(p)) return "it holds the parent's password";
  return null;
}

/** Replace the identity parts of `from` (user, password, host, endpoint option) with `own`'s; keep its form. */
function retarget(from: PgUrl, own: PgUrl): string {
  const params = from.query ? from.query.split('&') : [];
  const ownOptions = /(?:^|&)(options=[^&]*)/.exec(own.query)?.[1] ?? null;
  const out: string[] = [];
  let hadOptions = false;
  for (const p of params) {
    if (/^options=/.test(p)) {
      hadOptions = true;
      if (/endpoint(%3D|=)/i.test(p)) {
        if (ownOptions) out.push(ownOptions);
        continue;
      }
    }
    out.push(p);
  }
  if (ownOptions && !hadOptions) out.push(ownOptions);
  const query = out.length ? `?${out.join('&')}` : '';
  const userinfo = own.rawPassword ? `${own.rawUser}:${own.rawPassword}` : own.rawUser;
  return `${from.scheme}://${userinfo}@${own.hostPort}${from.path}${query}${from.hash}`;
}

export interface RetargetResult {
  text: string;
  /** Keys now pointing at the worktree's branch. */
  rewritten: string[];
  /** Keys removed (no branch of its own yet, or a role we do not provision), with why. */
  removed: { key: string; why: string }[];
}

/**
 * Point every value of `text` that reaches `t` at `own` in the same form (pooled stays pooled, a split host stays a
 * host, a URL keeps its database, parameters and scheme), or remove it when it cannot be (no branch of our own yet:
 * `own` null; a URL for another role, whose password on our branch we do not know). `pinned` values are set as given
 * (null removes) whatever they held. Every other byte of the file is kept.
 */
export function retargetEnv(
  text: string,
  t: Target,
  own: OwnBranch | null,
  pinned: Record<string, string | null> = {},
  header?: string,
): RetargetResult {
  const ownPooled = own ? parsePgUrl(own.pooledUrl) : null;
  const ownDirect = own ? parsePgUrl(own.directUrl) : null;
  const ownEndpoint = ownDirect?.endpointId ?? ownPooled?.endpointId ?? null;
  const values: Record<string, string | null> = { ...pinned };
  const rewritten: string[] = [];
  const removed: { key: string; why: string }[] = [];
  // Every assignment counts (a key assigned twice: either line may be the one a reader keeps).
  const seen = new Set<string>();
  for (const e of tokenizeEnv(text)) {
    if (e.key === undefined || e.value === undefined || Object.hasOwn(pinned, e.key)) continue;
    const key = e.key;
    const value = e.value;
    const why = reachesTarget(key, value, t, ownEndpoint);
    if (!why) continue;
    if (seen.has(key)) {
      // A second assignment of a key we already handle: setEnvValues writes one value for the key (first wins).
      continue;
    }
    seen.add(key);
    const u = parsePgUrl(value);
    // Pooled stays pooled, direct stays direct; a URL of a database without a pooler (local PostgreSQL) gets the direct one.
    const mine = u ? (u.pooled && ownPooled ? ownPooled : ownDirect) : null;
    if (u && mine) {
      if (u.user && u.user !== mine.user) {
        values[key] = null;
        removed.push({ key, why: `${why}, for role ${u.user}, which this worktree's branch was not set up for` });
      } else {
        values[key] = retarget(u, mine);
        rewritten.push(key);
      }
      continue;
    }
    if (!u && own && ownDirect) {
      const k = key.toUpperCase();
      if (HOST_KEY.test(k)) {
        const host = (/-pooler\b/.test(value) && ownPooled ? ownPooled : ownDirect).hostName;
        // A split host without an endpoint in its name (the local Neon routes by options) cannot be retargeted.
        if (host && (endpointIdOfHost(host) || !ownDirect.endpointId)) {
          values[key] = host;
          rewritten.push(key);
          continue;
        }
      }
      if (PASSWORD_KEY.test(k) && t.passwords.has(value.trim())) {
        values[key] = ownDirect.password;
        rewritten.push(key);
        continue;
      }
    }
    values[key] = null;
    removed.push({ key, why: own ? `${why}, and it cannot be pointed at this worktree's branch` : why });
  }
  return { text: setEnvValues(text, values, header ? { header } : {}), rewritten, removed };
}

/** Keys of `text` whose values reach the target (for `status` and `doctor`). */
export function findLeaks(
  text: string,
  t: Target,
  ownEndpointId: string | null = null,
): { key: string; why: string }[] {
  const out: { key: string; why: string }[] = [];
  for (const e of tokenizeEnv(text)) {
    if (e.key === undefined || e.value === undefined) continue;
    const why = reachesTarget(e.key, e.value, t, ownEndpointId);
    if (why && !out.some((o) => o.key === e.key)) out.push({ key: e.key, why });
  }
  return out;
}

/**
 * A new branch inherits its parent's role passwords, so until a branch's password is reset the worktree's own
 * password IS the parent's: a `PGPASSWORD` holding it, next to URLs that all name the worktree's own endpoint, is the
 * worktree's own. Returns the target without the passwords found on `ownEndpointId`'s URLs in `texts`.
 */
export function withoutOwnPasswords(t: Target, texts: string[], ownEndpointId: string | null): Target {
  if (!ownEndpointId) return t;
  const own = new Set<string>();
  for (const text of texts) {
    for (const e of tokenizeEnv(text)) {
      const u = e.value === undefined ? null : parsePgUrl(e.value);
      if (u?.endpointId === ownEndpointId && u.password) own.add(u.password);
    }
  }
  if (!own.size) return t;
  return { ...t, passwords: new Set([...t.passwords].filter((p) => !own.has(p))) };
}
