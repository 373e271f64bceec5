// The Neon API v2, called directly (no Neon CLI process on any path that has a token): the few calls the runtime
// needs, written against the shapes of Neon's OpenAPI spec (as typed by `@neon/sdk`), with its documented semantics
// copied rather than its 88 kB bundled: `Authorization: Bearer`, 423/429/5xx retried with full-jitter backoff
// (250 ms·2^n, capped) and `Retry-After` honoured when sent — but well beyond the SDK's two retries, because Neon
// answers 423 to every operation that overlaps another in the same project and eight agents start together; the
// whole call bounded by one deadline; failures classified by HTTP status and Neon's error body, never by wording.
//
// Base URL: NEON_API_HOST (the variable the Neon CLI honours; the SDK reads no environment), else Neon's; it, the
// per-request timeout and the retry pause come from the call's environment when the client is made (makeApi).
import type { IncomingHttpHeaders } from 'node:http';
import { MASKING_RULES_PATH, type MaskingRule } from '../shared/masking.ts';
import { RuntimeError, type RuntimeEnv } from './util.ts';

export const DEFAULT_API_HOST = 'https://console.neon.tech/api/v2';

export interface NeonApi {
  baseUrl: string;
  token: string;
  projectId: string;
  /** Epoch ms after which no request starts and no retry waits: the caller fails closed with the reason. */
  deadline: number;
  budgetSeconds: number;
  /** Longest one request may take (ms). */
  requestTimeoutMs: number;
  /** The first retry pause's scale (ms; full jitter, doubling). */
  retryBaseMs: number;
  /** How long to wait for another process's lock on the same branch. */
  lockWaitMs: number;
  /** Requests sent through this client. */
  sent: number;
  /** How many times the last call was sent (> 1: a create's first answer may have been lost). */
  lastAttempts: number;
  /** Told `METHOD path` before each request is sent (NEON_AGENTS_TRACE), or null. */
  trace: ((request: string) => void) | null;
  /** Told the method once a request has been handed to the operating system in full (a head start waits for it). */
  onSent: ((method: string) => void) | null;
}

export type FailureKind =
  | 'exists'
  | 'auth'
  | 'limit'
  | 'transient'
  | 'timeout'
  | 'notfound'
  | 'masking'
  | 'unexpected'
  | 'other';

export class NeonApiError extends RuntimeError {
  constructor(
    message: string,
    readonly failure: { kind: FailureKind; status: number | null; code?: string },
  ) {
    super(message, failure.kind);
  }
}

export function makeApi(options: {
  token: string;
  projectId: string;
  deadline: number;
  budgetSeconds: number;
  /** NEON_API_HOST, NEON_AGENTS_REQUEST_TIMEOUT_MS (default 30000), NEON_AGENTS_RETRY_BASE_MS (default 250). */
  env: RuntimeEnv;
  trace: NeonApi['trace'];
}): NeonApi {
  return {
    baseUrl: (options.env.NEON_API_HOST || DEFAULT_API_HOST).replace(/\/+$/, ''),
    token: options.token,
    projectId: options.projectId,
    deadline: options.deadline,
    budgetSeconds: options.budgetSeconds,
    requestTimeoutMs: Number(options.env.NEON_AGENTS_REQUEST_TIMEOUT_MS ?? 30_000),
    retryBaseMs: Number(options.env.NEON_AGENTS_RETRY_BASE_MS ?? 250),
    lockWaitMs: Math.max(1000, options.deadline - Date.now()),
    sent: 0,
    lastAttempts: 0,
    trace: options.trace,
    onSent: null,
  };
}

// What the SDK retries (423, 429, 503), plus the gateway answers a proxy gives while Neon restarts (408, 502, 504,
// Cloudflare's 52x). A 500 is Neon's own error: not retried, reported.
const RETRYABLE = new Set([408, 423, 429, 502, 503, 504, 520, 522, 524]);

function classify(status: number, body: { message?: string; code?: string } | null): FailureKind {
  const code = body?.code ?? '';
  const msg = body?.message ?? '';
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'notfound';
  if (status === 409) return 'exists';
  if (code === 'BRANCHES_LIMIT_EXCEEDED' || (status === 422 && /limit/i.test(msg))) return 'limit';
  if (RETRYABLE.has(status) || (status === 422 && /not ready/i.test(msg))) return 'transient';
  return 'other';
}

/** Seconds or an HTTP date; null when absent or unreadable. */
function retryAfterMs(h: string | undefined): number | null {
  if (!h) return null;
  if (/^\d+(\.\d+)?$/.test(h.trim())) return Number(h) * 1000;
  const t = Date.parse(h);
  return Number.isNaN(t) ? null : Math.max(0, t - Date.now());
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function outOfTime(api: NeonApi, what: string, last: string): never {
  throw new NeonApiError(
    `Neon did not finish ${what} within ${api.budgetSeconds}s${last ? ` (last answer: ${last})` : ''} (provisionTimeoutSeconds in .claude/neon-agents.json), so this checkout gets no database rather than a late one`,
    { kind: 'timeout', status: null },
  );
}

class RequestTimeout extends Error {}

interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
}

const header = (res: HttpAnswer, name: string): string | undefined => {
  const v = res.headers[name];
  return Array.isArray(v) ? v[0] : v;
};

/**
 * One HTTP exchange with node:http(s), not fetch: Node loads its bundled undici on the first fetch (~50 ms of CPU per
 * hook, measured with --cpu-prof), and its idle keep-alive socket held the process open for 70–250 ms after the
 * last answer; node:http's agent releases an idle socket at once. Rejects on a network error, a cut-off answer, or
 * no complete answer within timeoutMs (RequestTimeout).
 */
async function send(
  url: string,
  method: string,
  headers: Record<string, string>,
  body: string | undefined,
  timeoutMs: number,
  onFlushed: () => void,
): Promise<HttpAnswer> {
  const u = new URL(url);
  // https (and TLS) only when talking to a TLS host: the local Neon is plain http.
  const lib = u.protocol === 'https:' ? await import('node:https') : await import('node:http');
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (e: Error | null, answer?: HttpAnswer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (e) {
        req.destroy();
        reject(e);
      } else resolve(answer!);
    };
    const req = lib.request(
      u,
      { method, headers: body === undefined ? headers : { ...headers, 'content-length': Buffer.byteLength(body) } },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('error', (e) => settle(e));
        const text = () => Buffer.concat(chunks).toString('utf8');
        res.on(
          'end',
          () => res.complete && settle(null, { status: res.statusCode ?? 0, headers: res.headers, text: text() }),
        );
        // Closed before the whole answer (after 'end' it changes nothing: settled already).
        res.on('close', () => settle(Object.assign(new Error('connection closed mid-answer'), { code: 'ECONNRESET' })));
      },
    );
    const timer = setTimeout(() => settle(new RequestTimeout('timeout')), timeoutMs);
    req.on('error', (e) => settle(e));
    req.on('finish', onFlushed);
    req.end(body);
  });
}

/**
 * One API call, retried while Neon says "later" (423, 429, 5xx, a dropped connection, a cut-off answer) until the
 * deadline. Returns the parsed JSON body (null for an empty one).
 */
// biome-ignore lint/suspicious/noExplicitAny: Neon's JSON; each caller checks the fields it uses
export async function request<T = any>(
  api: NeonApi,
  method: string,
  path: string,
  body?: unknown,
  what = `${method} ${path.split('?')[0]}`,
): Promise<T> {
  const base = api.retryBaseMs;
  let last = '';
  let unreachable = 0;
  for (let attempt = 0; ; attempt++) {
    const left = api.deadline - Date.now();
    if (left < 250) outOfTime(api, what, last);
    let res: HttpAnswer;
    const timeoutMs = Math.min(api.requestTimeoutMs, left);
    try {
      api.sent++;
      api.lastAttempts = attempt + 1;
      api.trace?.(`${method} ${path}`);
      res = await send(
        `${api.baseUrl}${path}`,
        method,
        {
          authorization: `Bearer ${api.token}`,
          accept: 'application/json',
          'user-agent': 'create-neon-agents-runtime',
          ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        },
        body === undefined ? undefined : JSON.stringify(body),
        timeoutMs,
        () => api.onSent?.(method),
      );
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      const timedOut = err instanceof RequestTimeout;
      last = timedOut ? `no answer within ${Math.round(timeoutMs / 1000)}s` : (err.code ?? err.message);
      // No connection at all (offline, a wrong NEON_API_HOST): a few quick tries, not the whole deadline — Neon's
      // own "later" answers (423, 429, 503) are the ones worth waiting for.
      if (!timedOut && ++unreachable >= 4) {
        throw new NeonApiError(
          `could not reach the Neon API at ${api.baseUrl} (${last}); check the network, or NEON_API_HOST`,
          { kind: 'transient', status: null },
        );
      }
      await pause(api, what, last, attempt, base, null);
      continue;
    }
    const text = res.text;
    // biome-ignore lint/suspicious/noExplicitAny: parsed JSON, checked by the caller
    let data: any = null;
    let parsed = true;
    if (text) {
      try {
        data = JSON.parse(text);
      } catch {
        parsed = false;
      }
    }
    if (res.status >= 200 && res.status < 300) {
      if (parsed) return data as T;
      last = `HTTP ${res.status} with a cut-off or non-JSON body`;
      await pause(api, what, last, attempt, base, null);
      continue;
    }
    const info = parsed && data && typeof data === 'object' ? (data as { message?: string; code?: string }) : null;
    const kind = classify(res.status, info);
    last = `HTTP ${res.status}${info?.message ? ` ${info.message}` : ''}`;
    if (kind === 'transient') {
      await pause(api, what, last, attempt, base, retryAfterMs(header(res, 'retry-after')), res.status === 423);
      continue;
    }
    throw new NeonApiError(`Neon API ${what}: ${last}`, { kind, status: res.status, code: info?.code });
  }
}

async function pause(
  api: NeonApi,
  what: string,
  last: string,
  attempt: number,
  base: number,
  retryAfter: number | null,
  locked = false,
): Promise<void> {
  // A 423 means another operation in the project still runs (a creation: about a second), so its end is worth
  // catching soon: pauses up to 2 s keep eight creations that Neon serialises close to back to back. Rate limits and
  // server errors get room to recover (up to 8 s).
  const cap = locked ? 2000 : 8000;
  const wait = retryAfter ?? Math.random() * Math.min(cap, base * 2 ** Math.min(attempt, 10)) + 50;
  if (Date.now() + wait >= api.deadline - 250) outOfTime(api, what, last);
  await sleep(wait);
}

// ---- The calls -------------------------------------------------------------------------------------------------

export interface BranchInfo {
  id: string;
  name: string;
  default?: boolean;
  protected?: boolean;
  parent_id?: string;
  created_at?: string;
  expires_at?: string;
}

interface ConnectionDetails {
  connection_uri: string;
  connection_parameters: { database: string; role: string; password?: string; host: string; pooler_host?: string };
}

export interface BranchUris {
  direct: string;
  pooled: string;
  endpointId: string;
}

export interface CreateResult {
  branch: BranchInfo;
  endpointId: string | null;
  /** From `connection_uris`, when there was exactly one database/role (or the configured one). */
  uris: BranchUris | null;
}

const P = (api: NeonApi) => `/projects/${encodeURIComponent(api.projectId)}`;

/**
 * The pooled URI is the direct one with `host` replaced by `connection_parameters.pooler_host` (as the SDK does):
 * we never build a host name ourselves.
 */
export function urisFrom(c: ConnectionDetails, endpointId: string): BranchUris {
  const direct = c.connection_uri;
  const host = c.connection_parameters?.host;
  const poolerHost = c.connection_parameters?.pooler_host;
  let pooled = direct;
  if (host && poolerHost) {
    if (direct.includes(`@${host}`)) pooled = direct.replace(`@${host}`, `@${poolerHost}`);
    else if (host.includes('?')) {
      // A host that carries routing options (`127.0.0.1:5432?options=endpoint%3Dep-…`, for clients without SNI):
      // swap the host:port and those options.
      const h = new URL(`postgresql://${host}`);
      const ph = new URL(`postgresql://${poolerHost}`);
      const u = new URL(direct);
      if (u.host === h.host) {
        u.host = ph.host;
        for (const [k, v] of ph.searchParams) u.searchParams.set(k, v);
        pooled = u.toString();
      }
    }
  }
  return { direct: withSsl(direct), pooled: withSsl(pooled), endpointId };
}

function withSsl(uri: string): string {
  return /[?&]sslmode=/.test(uri) ? uri : `${uri}${uri.includes('?') ? '&' : '?'}sslmode=require`;
}

function unexpected(what: string, data: unknown): never {
  throw new NeonApiError(`unexpected answer from the Neon API to ${what}: ${JSON.stringify(data)?.slice(0, 160)}`, {
    kind: 'unexpected',
    status: null,
  });
}

export async function listBranches(api: NeonApi): Promise<BranchInfo[]> {
  const out: BranchInfo[] = [];
  let cursor = '';
  for (let page = 0; page < 100; page++) {
    const data = await request<{ branches?: BranchInfo[]; pagination?: { next?: string } }>(
      api,
      'GET',
      `${P(api)}/branches?limit=400${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
      undefined,
      'list branches',
    );
    if (!data || !Array.isArray(data.branches)) unexpected('list branches', data);
    out.push(...data.branches);
    cursor = data.pagination?.next ?? '';
    if (!cursor) break;
  }
  return out;
}

export async function getBranch(api: NeonApi, branchId: string): Promise<BranchInfo> {
  const data = await request<{ branch?: BranchInfo }>(
    api,
    'GET',
    `${P(api)}/branches/${encodeURIComponent(branchId)}`,
    undefined,
    'get branch',
  );
  if (!data?.branch?.id) unexpected('get branch', data);
  return data.branch;
}

export async function deleteBranch(api: NeonApi, branchId: string): Promise<void> {
  // 204 when it is already gone: fine.
  await request(api, 'DELETE', `${P(api)}/branches/${encodeURIComponent(branchId)}`, undefined, 'delete branch');
}

/** The names of a branch's databases. */
export async function listDatabases(api: NeonApi, branchId: string): Promise<string[]> {
  const data = await request<{ databases?: { name: string }[] }>(
    api,
    'GET',
    `${P(api)}/branches/${encodeURIComponent(branchId)}/databases`,
    undefined,
    'list databases',
  );
  if (!Array.isArray(data?.databases)) unexpected('list databases', data);
  return data.databases.map((d) => d.name);
}

/**
 * A branch database's schema as SQL DDL (`GET …/schema`: Neon's `pg_dump --schema-only` text; the Neon CLI's
 * `diff` asks the same). null when the branch has no such database.
 */
export async function branchSchema(api: NeonApi, branchId: string, database: string): Promise<string | null> {
  try {
    const data = await request<{ sql?: string }>(
      api,
      'GET',
      `${P(api)}/branches/${encodeURIComponent(branchId)}/schema?db_name=${encodeURIComponent(database)}`,
      undefined,
      'get the branch schema',
    );
    if (typeof data?.sql !== 'string' && data?.sql !== undefined) unexpected('get the branch schema', data);
    return data?.sql ?? '';
  } catch (e) {
    // 404: no such database on this branch (an unknown branch, too: the caller has just looked it up).
    if (e instanceof NeonApiError && e.failure.kind === 'notfound') return null;
    throw e;
  }
}

/** A parent given by name is looked up (one request); an id (`br-…`) or the default (omitted) costs nothing. */
async function parentId(api: NeonApi, parent: string | null): Promise<string | null> {
  if (!parent) return null;
  if (/^br-[a-z0-9-]+$/.test(parent)) return parent;
  const found = (await listBranches(api)).find((b) => b.name === parent);
  if (!found)
    throw new NeonApiError(
      `the parent branch ${JSON.stringify(parent)} does not exist in project ${api.projectId} (parentBranch in .claude/neon-agents.json)`,
      { kind: 'notfound', status: 404 },
    );
  return found.id;
}

/**
 * Create a branch with a read-write endpoint and an expiry: one request (two with a parent given by name). With
 * masking rules it is an anonymized branch (`POST …/branch_anonymized`, Neon's data masking, beta): the same branch
 * request inside `branch_create`, with the rules and `start_anonymization`, so Neon masks the copy right after making
 * it. That branch refuses connections until its anonymization has finished: the caller waits (waitForAnonymized)
 * before it hands out a URL.
 */
export async function createBranch(
  api: NeonApi,
  name: string,
  parent: string | null,
  expiresAt: string | null,
  db: string | null,
  role: string | null,
  rules: MaskingRule[] | null = null,
): Promise<CreateResult> {
  const pid = await parentId(api, parent);
  const branch: Record<string, unknown> = { name };
  if (pid) branch.parent_id = pid;
  if (expiresAt) branch.expires_at = expiresAt;
  const branchCreate = { branch, endpoints: [{ type: 'read_write' }] };
  // biome-ignore lint/suspicious/noExplicitAny: checked field by field in created()
  const data = await request<Record<string, any>>(
    api,
    'POST',
    rules ? `${P(api)}/branch_anonymized` : `${P(api)}/branches`,
    rules ? { branch_create: branchCreate, masking_rules: rules, start_anonymization: true } : branchCreate,
    rules ? 'create an anonymized branch' : 'create branch',
  );
  return created(data, name, db, role);
}

/** A create's answer: the branch, its read-write endpoint and, when they fit the configured names, its URIs. */
// biome-ignore lint/suspicious/noExplicitAny: Neon's JSON, checked here
function created(data: Record<string, any>, name: string, db: string | null, role: string | null): CreateResult {
  const b = data?.branch as BranchInfo | undefined;
  if (!b || typeof b.id !== 'string' || typeof b.name !== 'string') unexpected('create branch', data);
  if (b.name !== name) unexpected('create branch (it returned another branch)', data);
  const endpoints = Array.isArray(data.endpoints) ? (data.endpoints as { id: string; type: string }[]) : [];
  const ep = endpoints.find((e) => e.type === 'read_write') ?? endpoints[0];
  const list = Array.isArray(data.connection_uris) ? (data.connection_uris as ConnectionDetails[]) : [];
  const fit = list.filter(
    (u) => (!db || u.connection_parameters?.database === db) && (!role || u.connection_parameters?.role === role),
  );
  const uris = fit.length === 1 && typeof fit[0]!.connection_uri === 'string' && ep ? urisFrom(fit[0]!, ep.id) : null;
  return { branch: b, endpointId: ep?.id ?? null, uris };
}

/** An anonymized branch's masking state (`GET …/anonymized_status`). */
export interface AnonymizedStatus {
  state: 'created' | 'initialized' | 'initialization_error' | 'anonymizing' | 'anonymized' | 'error' | string;
  status_message?: string;
}

export async function anonymizedStatus(api: NeonApi, branchId: string): Promise<AnonymizedStatus> {
  const data = await request<AnonymizedStatus>(
    api,
    'GET',
    `${P(api)}/branches/${encodeURIComponent(branchId)}/anonymized_status`,
    undefined,
    'get the anonymization status',
  );
  if (typeof data?.state !== 'string') unexpected('anonymized_status', data);
  return data;
}

/**
 * Wait until Neon has masked the branch (`state: anonymized`). The create's operations finishing is not enough:
 * the branch refuses connections, and holds unmasked rows, until anonymization has run. `error` and
 * `initialization_error` end the wait with Neon's message (kind `masking`: the caller fails closed).
 */
export async function waitForAnonymized(api: NeonApi, branchId: string): Promise<void> {
  for (let round = 0; ; round++) {
    const s = await anonymizedStatus(api, branchId);
    if (s.state === 'anonymized') return;
    if (s.state === 'error' || s.state === 'initialization_error')
      throw new NeonApiError(
        `Neon could not anonymize the branch (${s.state}${s.status_message ? `: ${s.status_message}` : ''}); check the rules in ${MASKING_RULES_PATH}`,
        { kind: 'masking', status: null },
      );
    const wait = Math.min(2000, 200 * 2 ** round);
    if (Date.now() + wait >= api.deadline - 250)
      outOfTime(api, 'anonymizing the branch', `${s.state}${s.status_message ? ` (${s.status_message})` : ''}`);
    await sleep(wait);
  }
}

/** The branch's read-write endpoint id. */
export async function endpointOfBranch(api: NeonApi, branchId: string): Promise<string | null> {
  const data = await request<{ endpoints?: { id: string; type: string }[] }>(
    api,
    'GET',
    `${P(api)}/branches/${encodeURIComponent(branchId)}/endpoints`,
    undefined,
    'list endpoints',
  );
  const eps = Array.isArray(data?.endpoints) ? data.endpoints : [];
  return (eps.find((e) => e.type === 'read_write') ?? eps[0])?.id ?? null;
}

/** Database and role names: the configured ones, else the branch's only ones. */
async function dbAndRole(
  api: NeonApi,
  branchId: string,
  db: string | null,
  role: string | null,
): Promise<[string, string]> {
  const b = `${P(api)}/branches/${encodeURIComponent(branchId)}`;
  const [dbs, roles] = await Promise.all([
    db ? null : request<{ databases?: { name: string }[] }>(api, 'GET', `${b}/databases`, undefined, 'list databases'),
    role ? null : request<{ roles?: { name: string }[] }>(api, 'GET', `${b}/roles`, undefined, 'list roles'),
  ]);
  const pick = (given: string | null, list: { name: string }[] | undefined, what: string, key: string): string => {
    if (given) return given;
    const names = (list ?? []).map((x) => x.name).filter((n) => n !== 'cloud_admin');
    if (names.length === 1) return names[0]!;
    throw new NeonApiError(
      `the branch has ${names.length} ${what}s (${names.join(', ')}): set "${key}" in .claude/neon-agents.json (re-run create-neon-agents) to pick one`,
      { kind: 'other', status: null },
    );
  };
  return [pick(db, dbs?.databases, 'database', 'databaseName'), pick(role, roles?.roles, 'role', 'roleName')];
}

/** Direct and pooled URIs of an existing branch (`connection_uri`, both forms at once). */
export async function branchUris(
  api: NeonApi,
  branchId: string,
  endpointId: string | null,
  db: string | null,
  role: string | null,
): Promise<BranchUris> {
  const [d, r] = await dbAndRole(api, branchId, db, role);
  const q = (pooled: boolean) =>
    `${P(api)}/connection_uri?branch_id=${encodeURIComponent(branchId)}&database_name=${encodeURIComponent(d)}&role_name=${encodeURIComponent(r)}&pooled=${pooled}${endpointId ? `&endpoint_id=${encodeURIComponent(endpointId)}` : ''}`;
  const [direct, pooled] = await Promise.all([
    request<{ uri?: string }>(api, 'GET', q(false), undefined, 'connection_uri'),
    request<{ uri?: string }>(api, 'GET', q(true), undefined, 'connection_uri'),
  ]);
  if (typeof direct?.uri !== 'string' || !/^postgres(ql)?:\/\//.test(direct.uri)) unexpected('connection_uri', direct);
  if (typeof pooled?.uri !== 'string' || !/^postgres(ql)?:\/\//.test(pooled.uri)) unexpected('connection_uri', pooled);
  const ep = endpointId ?? (await endpointOfBranch(api, branchId)) ?? '';
  return { direct: withSsl(direct.uri), pooled: withSsl(pooled.uri), endpointId: ep };
}

interface OperationInfo {
  id: string;
  status: string;
  action?: string;
}

/**
 * Wait until Neon has carried out these operations (a password is usable when the last one has finished). `failed`
 * is not final on Neon (it retries it; docs: operations); `error` and `cancelled` are.
 */
export async function waitForOperations(api: NeonApi, ops: OperationInfo[] | undefined, what: string): Promise<void> {
  let pending = (ops ?? []).filter(
    (o) => o && typeof o.id === 'string' && o.status !== 'finished' && o.status !== 'skipped',
  );
  for (let round = 0; pending.length; round++) {
    const wait = Math.min(2000, 300 * 2 ** round);
    if (Date.now() + wait >= api.deadline - 250)
      outOfTime(api, what, `operations ${pending.map((o) => `${o.action ?? o.id} ${o.status}`).join(', ')}`);
    await sleep(wait);
    const now = await Promise.all(
      pending.map((o) =>
        request<{ operation?: OperationInfo }>(
          api,
          'GET',
          `${P(api)}/operations/${encodeURIComponent(o.id)}`,
          undefined,
          'get operation',
        ),
      ),
    );
    const bad = now.find((r) => r?.operation && (r.operation.status === 'error' || r.operation.status === 'cancelled'));
    if (bad)
      throw new NeonApiError(
        `Neon could not ${what}: operation ${bad.operation!.action ?? bad.operation!.id} ended ${bad.operation!.status}`,
        { kind: 'other', status: null },
      );
    pending = now
      .map((r) => r?.operation)
      .filter((o): o is OperationInfo => Boolean(o) && o!.status !== 'finished' && o!.status !== 'skipped');
  }
}

/**
 * A new password for a role on this branch only (`reset_password`; the parent keeps its own). A child branch
 * inherits its parent's role passwords, so without this a worktree's URL with its host swapped opens the parent.
 * Returns the new password once Neon's operations for it have finished.
 */
export async function resetRolePassword(api: NeonApi, branchId: string, roleName: string): Promise<string> {
  const data = await request<{ role?: { password?: string }; operations?: OperationInfo[] }>(
    api,
    'POST',
    `${P(api)}/branches/${encodeURIComponent(branchId)}/roles/${encodeURIComponent(roleName)}/reset_password`,
    undefined,
    'reset the role password',
  );
  const pw = data?.role?.password;
  if (typeof pw !== 'string' || !pw) unexpected('reset_password', data);
  await waitForOperations(api, data.operations, 'reset the role password');
  return pw;
}

/**
 * Reset a branch from its parent (`POST …/restore` with `source_branch_id`: Neon's "reset from parent"): the branch
 * gets a fresh copy of the parent's current data and schema, and keeps its id, endpoint and connection details; open
 * connections are interrupted. Neon answers 423 while another operation holds the project (retried by request()).
 * Returns once Neon's operations for it have finished, as the SDK's `waitForReadiness` would.
 */
export async function resetFromParent(api: NeonApi, branchId: string, parentId: string): Promise<void> {
  const data = await request<{ branch?: BranchInfo; operations?: OperationInfo[] }>(
    api,
    'POST',
    `${P(api)}/branches/${encodeURIComponent(branchId)}/restore`,
    { source_branch_id: parentId },
    'reset the branch from its parent',
  );
  if (data?.branch?.id !== branchId) unexpected('restore', data);
  await waitForOperations(api, data.operations, 'reset the branch from its parent');
}

/** The same URI with another password (the host, database and parameters are Neon's, untouched). */
export function withPassword(uri: string, password: string): string {
  return uri.replace(/^([a-z][a-z0-9+.-]*:\/\/[^:@/?#]*:)[^@/?#]*@/i, `$1${encodeURIComponent(password)}@`);
}
