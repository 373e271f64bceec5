import http from 'node:http';
import { ApiError, iso, type Branch, type Emulator, type Endpoint, type Project } from './state.ts';
import { uuid } from './ids.ts';
import type { Anonymization, MaskingRule } from './anonymize.ts';

export interface RequestLogEntry {
  method: string;
  /** Path without the `/api/v2` prefix and without the query string. */
  path: string;
  query: string;
  status: number;
  /** Epoch ms when the request arrived. */
  time: number;
  durationMs: number;
  injected: boolean;
}

export interface FailRule {
  method?: string;
  /** A string matches the path (without `/api/v2` and the query) exactly; a RegExp is tested against it. */
  path: RegExp | string;
  /** Status to answer with. Omit it (with delayMs) to only slow the request down. */
  status?: number;
  /** How many matching requests fail (default 1). */
  times?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** Never answer (the client times out; the socket is closed at stop()). */
  hang?: boolean;
  /** Same as `hang: true`. */
  timeout?: boolean;
  /** Error body; default `{ code: "", message: <Neon-like text for the status> }`. */
  body?: unknown;
  /** Send this text verbatim as the body (e.g. cut-off JSON), with `status` (default 200). */
  rawBody?: string;
  /** A `Retry-After` header on the injected answer. */
  retryAfter?: string;
  /** Carry the request out for real, then cut the connection before answering (a lost answer). */
  dropAnswer?: boolean;
}

const DEFAULT_MESSAGES: Record<number, string> = {
  400: 'bad request',
  401: 'authentication failed',
  403: 'forbidden',
  404: 'not found',
  409: 'conflict',
  422: 'unprocessable entity',
  423: 'project already has running conflicting operations, scheduling of new ones is prohibited',
  429: 'too many requests',
  500: 'internal server error',
  502: 'bad gateway',
  503: 'service unavailable',
  504: 'gateway timeout',
};

export interface ApiContext {
  emulator: Emulator;
  apiKeys: Set<string>;
  user: { id: string; email: string; login: string; name: string };
  org: { id: string; name: string };
  requests: RequestLogEntry[];
  failRules: Array<FailRule & { remaining: number }>;
  onRequest?: (entry: RequestLogEntry) => void;
  /** A latency model: a branch creation's time from arrival to answer, the emulator's work included (0: no wait). */
  createLatencyMs?: number;
  /** While a branch creation runs, answer the next one in the same project 423 (as Neon does for overlapping operations). */
  lockOverlapping?: boolean;
  /** Send `Retry-After: <seconds>` with those 423s (Neon documents none). */
  retryAfterOnLock?: string;
  /** Per project: when its running branch operation ends. */
  busyUntil?: Map<string, number>;
  /** How long masking an anonymized branch takes before it runs (the branch refuses sessions meanwhile). */
  anonymizeLatencyMs?: number;
}

// ------------------------------------------------------------------ serialisers (OpenAPI-required fields)

function branchJson(b: Branch): Record<string, unknown> {
  return {
    id: b.id,
    project_id: b.projectId,
    ...(b.parentId
      ? { parent_id: b.parentId, parent_lsn: b.parentLsn, parent_timestamp: iso(b.parentTimestamp!) }
      : {}),
    name: b.name,
    current_state: 'ready',
    state_changed_at: iso(b.updatedAt),
    creation_source: 'console',
    primary: b.isDefault,
    default: b.isDefault,
    protected: b.isProtected,
    cpu_used_sec: 0,
    compute_time_seconds: 0,
    active_time_seconds: 0,
    written_data_bytes: 0,
    data_transfer_bytes: 0,
    created_at: iso(b.createdAt),
    updated_at: iso(b.updatedAt),
    ...(b.expiresAt !== undefined ? { expires_at: iso(b.expiresAt) } : {}),
    init_source: b.initSource,
    created_by: { name: 'local-neon', image: '' },
    // As in Neon's example answer for an anonymized branch.
    ...(b.anonymization ? { restricted_actions: [{ name: 'restore' }, { name: 'delete-rw-endpoint' }] } : {}),
  };
}

function endpointJson(e: ApiContext['emulator'], ep: Endpoint, project: Project): Record<string, unknown> {
  return {
    host: e.endpointHost(ep),
    id: ep.id,
    project_id: ep.projectId,
    branch_id: ep.branchId,
    autoscaling_limit_min_cu: ep.minCu,
    autoscaling_limit_max_cu: ep.maxCu,
    region_id: project.regionId,
    type: ep.type,
    current_state: 'idle',
    settings: {},
    pooler_enabled: false,
    pooler_mode: 'transaction',
    disabled: false,
    passwordless_access: true,
    creation_source: 'console',
    created_at: iso(ep.createdAt),
    updated_at: iso(ep.createdAt),
    proxy_host: '127.0.0.1',
    suspend_timeout_seconds: ep.suspendTimeout,
    provisioner: 'k8s-neonvm',
  };
}

function projectJson(p: Project, ctx: ApiContext): Record<string, unknown> {
  const def = [...p.branches.values()].find((b) => b.isDefault);
  return {
    id: p.id,
    platform_id: 'aws',
    region_id: p.regionId,
    name: p.name,
    provisioner: 'k8s-neonvm',
    default_endpoint_settings: {
      autoscaling_limit_min_cu: 0.25,
      autoscaling_limit_max_cu: 2,
      suspend_timeout_seconds: 0,
    },
    settings: { allowed_ips: { ips: [], protected_branches_only: false }, enable_logical_replication: false },
    pg_version: 18,
    proxy_host: '127.0.0.1',
    branch_logical_size_limit: 512,
    branch_logical_size_limit_bytes: 536870912,
    store_passwords: true,
    active_time: 0,
    cpu_used_sec: 0,
    creation_source: 'console',
    history_retention_seconds: 21600,
    created_at: iso(p.createdAt),
    updated_at: iso(p.updatedAt),
    consumption_period_start: iso(p.createdAt),
    consumption_period_end: iso(p.createdAt + 30 * 86_400_000),
    active_time_seconds: 0,
    compute_time_seconds: 0,
    written_data_bytes: 0,
    data_transfer_bytes: 0,
    data_storage_bytes_hour: 0,
    owner_id: ctx.user.id,
    org_id: p.orgId,
    ...(def ? { default_branch_id: def.id } : {}),
  };
}

function roleJson(branch: Branch, name: string, createdAt: number) {
  return {
    branch_id: branch.id,
    name,
    protected: false,
    authentication_method: 'password',
    created_at: iso(createdAt),
    updated_at: iso(createdAt),
  };
}

function databaseJson(branch: Branch, d: Branch['databases'][number]) {
  return {
    id: d.id,
    branch_id: branch.id,
    name: d.name,
    owner_name: d.ownerName,
    created_at: iso(d.createdAt),
    updated_at: iso(d.createdAt),
  };
}

// ------------------------------------------------------------------ HTTP plumbing

function send(res: http.ServerResponse, status: number, body?: unknown, requestId?: string): void {
  if (requestId) res.setHeader('x-neon-ret-request-id', requestId);
  if (body === undefined) {
    // 204 (and any body-less answer) carries no Content-Type: the CLI would otherwise try to parse it.
    res.writeHead(status);
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: http.IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  if (!chunks.length) return {};
  const text = Buffer.concat(chunks).toString('utf8').trim();
  if (!text) return {};
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError(400, 'request body is not valid JSON');
  }
}

function paginate<T>(items: T[], limitRaw: string | null, cursorRaw: string | null): { page: T[]; next?: string } {
  if (limitRaw === null) return { page: items }; // no limit: everything (the CLI's create sees only one page)
  const limit = Math.max(1, Math.min(10_000, Number.parseInt(limitRaw, 10) || 100));
  let offset = 0;
  if (cursorRaw) {
    try {
      offset = Number(JSON.parse(Buffer.from(cursorRaw, 'base64url').toString('utf8')).o) || 0;
    } catch {
      throw new ApiError(400, 'invalid cursor');
    }
  }
  const page = items.slice(offset, offset + limit);
  const more = offset + limit < items.length;
  return { page, ...(more ? { next: Buffer.from(JSON.stringify({ o: offset + limit })).toString('base64url') } : {}) };
}

export function createApiServer(ctx: ApiContext): http.Server {
  const pending = new Set<http.ServerResponse>();
  const server = http.createServer((req, res) => {
    const started = Date.now();
    const url = new URL(req.url ?? '/', 'http://local');
    const path = url.pathname.replace(/\/+$/, '').replace(/^\/api\/v2(?=\/|$)/, '') || '/';
    const method = (req.method ?? 'GET').toUpperCase();
    const requestId = uuid();
    const entry: RequestLogEntry = {
      method,
      path,
      query: url.search,
      status: 0,
      time: started,
      durationMs: 0,
      injected: false,
    };
    ctx.requests.push(entry);
    if (ctx.requests.length > 20_000) ctx.requests.splice(0, 10_000); // a long-running CLI session
    pending.add(res);
    res.on('close', () => pending.delete(res));
    const finish = (status: number, body?: unknown) => {
      entry.status = status;
      entry.durationMs = Date.now() - started;
      send(res, status, body, requestId);
      ctx.onRequest?.(entry);
    };
    (async () => {
      const rule = ctx.failRules.find(
        (r) =>
          r.remaining > 0 &&
          (!r.method || r.method.toUpperCase() === method) &&
          (typeof r.path === 'string' ? r.path === path : r.path.test(path)),
      );
      if (rule) {
        rule.remaining--;
        if (rule.remaining <= 0) ctx.failRules.splice(ctx.failRules.indexOf(rule), 1);
        if (rule.hang || rule.timeout) {
          entry.injected = true;
          return; // never answered; closed at stop()
        }
        if (rule.dropAnswer) {
          entry.injected = true;
          const auth = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '');
          if (auth && ctx.apiKeys.has(auth[1].trim()))
            await route(ctx, method, path, url.searchParams, req).catch(() => undefined);
          entry.status = -1;
          res.destroy();
          return;
        }
        if (rule.rawBody !== undefined) {
          entry.injected = true;
          await readBody(req).catch(() => undefined);
          entry.status = rule.status ?? 200;
          res.setHeader('x-neon-ret-request-id', requestId);
          res.writeHead(entry.status, {
            'Content-Type': 'application/json',
            'Content-Length': Buffer.byteLength(rule.rawBody),
          });
          res.end(rule.rawBody);
          return;
        }
        if (rule.retryAfter) res.setHeader('retry-after', rule.retryAfter);
        if (rule.delayMs) await new Promise((r) => setTimeout(r, rule.delayMs));
        if (rule.status) {
          entry.injected = true;
          // Drain the body so the client sees a clean response.
          await readBody(req).catch(() => undefined);
          const body = rule.body ?? {
            code: '',
            message: DEFAULT_MESSAGES[rule.status] ?? `error ${rule.status}`,
            request_id: requestId,
          };
          finish(rule.status, rule.status === 204 ? undefined : body);
          return;
        }
      }
      const auth = req.headers.authorization ?? '';
      const m = /^Bearer\s+(.+)$/i.exec(auth);
      if (!m || !ctx.apiKeys.has(m[1].trim())) throw new ApiError(401, 'authentication failed');
      const result = await route(ctx, method, path, url.searchParams, req);
      finish(result.status, result.body);
    })().catch((err: unknown) => {
      if (err instanceof ApiError) {
        for (const [k, v] of Object.entries(err.headers ?? {})) res.setHeader(k, v);
        finish(err.status, { code: err.code, message: err.message, request_id: requestId });
      } else {
        finish(500, {
          code: '',
          message: `internal server error: ${(err as Error)?.message ?? err}`,
          request_id: requestId,
        });
      }
    });
  });
  server.on('close', () => {
    for (const r of pending) r.destroy();
  });
  (server as http.Server & { destroyPending?: () => void }).destroyPending = () => {
    for (const r of pending) r.destroy();
  };
  return server;
}

type Result = { status: number; body?: unknown };

/**
 * A branch operation (create, restore) holds its project: with `lockOverlapping`, the next one that starts while it
 * runs is answered 423, as Neon does for overlapping operations. `createLatencyMs` is how long each one takes from
 * arrival to answer, the emulator's own PostgreSQL work included: Neon does that work on its servers, so on this
 * machine it is part of the modelled second rather than added to it (eight at once would otherwise also measure the
 * emulator's CPU, which shares the cores with the worktrees being made).
 */
async function projectOperation(
  ctx: ApiContext,
  project: Project,
  req: http.IncomingMessage,
  work: () => Promise<Result>,
): Promise<Result> {
  const started = Date.now();
  const latency = ctx.createLatencyMs ?? 0;
  if (ctx.lockOverlapping) {
    ctx.busyUntil ??= new Map();
    if ((ctx.busyUntil.get(project.id) ?? 0) > started) {
      await readBody(req).catch(() => undefined);
      throw new ApiError(
        423,
        DEFAULT_MESSAGES[423]!,
        '',
        ctx.retryAfterOnLock ? { 'retry-after': ctx.retryAfterOnLock } : undefined,
      );
    }
    ctx.busyUntil.set(project.id, started + latency + 50);
  }
  const out = await work();
  const left = started + latency - Date.now();
  if (left > 0) await new Promise((r) => setTimeout(r, left));
  return out;
}

async function route(
  ctx: ApiContext,
  method: string,
  path: string,
  q: URLSearchParams,
  req: http.IncomingMessage,
): Promise<Result> {
  const e = ctx.emulator;
  const seg = path.split('/').filter(Boolean).map(decodeURIComponent);

  if (method === 'GET' && path === '/auth') {
    return { status: 200, body: { account_id: ctx.user.id, auth_method: 'api_key_user', auth_data: 'local-neon' } };
  }
  if (method === 'GET' && path === '/users/me') {
    return {
      status: 200,
      body: {
        id: ctx.user.id,
        email: ctx.user.email,
        login: ctx.user.login,
        name: ctx.user.name,
        last_name: '',
        image: '',
        projects_limit: 100,
        branches_limit: e.opts.defaultBranchLimit,
        max_autoscaling_limit: 2,
        active_seconds_limit: 0,
        auth_accounts: [
          { email: ctx.user.email, image: '', login: ctx.user.login, name: ctx.user.name, provider: 'local' },
        ],
        plan: 'free',
      },
    };
  }
  if (method === 'GET' && path === '/users/me/organizations') {
    const t = iso(Date.UTC(2026, 0, 1));
    return {
      status: 200,
      body: {
        organizations: [
          {
            id: ctx.org.id,
            name: ctx.org.name,
            handle: ctx.org.id,
            plan: 'free',
            managed_by: 'console',
            created_at: t,
            updated_at: t,
          },
        ],
      },
    };
  }
  if (seg[0] !== 'projects') throw new ApiError(404, 'not found');

  if (seg.length === 1) {
    if (method !== 'GET') throw new ApiError(405, 'method not allowed');
    const org = q.get('org_id');
    const search = q.get('search');
    let list = [...e.projects.values()].filter(
      (p) => (!org || p.orgId === org) && (!search || p.id.includes(search) || p.name.includes(search)),
    );
    list = list.sort((a, b) => b.createdAt - a.createdAt);
    const { page, next } = paginate(list, q.get('limit'), q.get('cursor'));
    return {
      status: 200,
      body: {
        projects: page.map((p) => projectJson(p, ctx)),
        pagination: { cursor: next ?? '', ...(next ? { next } : {}) },
        applications: {},
        integrations: {},
      },
    };
  }

  const project = e.project(seg[1]);
  await e.sweepExpired(project);

  if (seg.length === 2) {
    if (method !== 'GET') throw new ApiError(405, 'method not allowed');
    return { status: 200, body: { project: projectJson(project, ctx) } };
  }

  if (seg[2] === 'operations') {
    if (seg.length === 3) {
      const ops = [...project.operations].reverse();
      const { page, next } = paginate(ops, q.get('limit'), q.get('cursor'));
      return { status: 200, body: { operations: page, pagination: next ? { cursor: next } : {} } };
    }
    const op = project.operations.find((o) => o.id === seg[3]);
    if (!op) throw new ApiError(404, 'operation not found');
    return { status: 200, body: { operation: op } };
  }

  if (seg[2] === 'endpoints' && seg.length === 3 && method === 'GET') {
    const eps = e.listBranches(project).flatMap((b) => b.endpoints);
    return { status: 200, body: { endpoints: eps.map((ep) => endpointJson(e, ep, project)) } };
  }

  if (seg[2] === 'connection_uri' && seg.length === 3 && method === 'GET') {
    const branch = q.get('branch_id') ? e.branch(project, q.get('branch_id')!) : e.defaultBranch(project);
    const db = q.get('database_name');
    const role = q.get('role_name');
    if (!db || !role) throw new ApiError(400, 'database_name and role_name are required');
    return { status: 200, body: { uri: e.connectionUri(project, branch, db, role, q.get('pooled') === 'true') } };
  }

  if (seg[2] === 'branch_anonymized' && seg.length === 3) {
    // Neon's data masking (beta): a branch made as usual, its copy then masked by the rules (anonymize.ts).
    if (method !== 'POST') throw new ApiError(405, 'method not allowed');
    return projectOperation(ctx, project, req, async () => {
      const body = (await readBody(req)) as {
        branch_create?: { branch?: Record<string, unknown>; endpoints?: unknown };
        masking_rules?: unknown;
        start_anonymization?: unknown;
      };
      const rules = parseRules(body.masking_rules);
      const answer = await createBranchAnswer(ctx, project, body.branch_create ?? {}, (branch) =>
        e.markAnonymized(branch, rules),
      );
      const branch = e.branch(project, (answer.body as { branch: { id: string } }).branch.id);
      if (body.start_anonymization === true) e.startAnonymization(branch, ctx.anonymizeLatencyMs);
      return answer;
    });
  }

  if (seg[2] !== 'branches') throw new ApiError(404, 'not found');

  if (seg.length === 3) {
    if (method === 'GET') {
      let list = e.listBranches(project);
      const search = q.get('search');
      if (search) list = list.filter((b) => b.name.includes(search) || b.id.includes(search));
      const sortBy = q.get('sort_by') ?? 'updated_at';
      const desc = (q.get('sort_order') ?? 'desc').toLowerCase() !== 'asc';
      if (sortBy === 'name') list.sort((a, b) => a.name.localeCompare(b.name));
      else if (sortBy === 'created_at') list.sort((a, b) => a.createdAt - b.createdAt || a.seq - b.seq);
      else list.sort((a, b) => a.updatedAt - b.updatedAt || a.seq - b.seq);
      if (desc) list.reverse();
      const { page, next } = paginate(list, q.get('limit'), q.get('cursor'));
      return {
        status: 200,
        body: {
          branches: page.map(branchJson),
          // The Neon CLI marks a branch [anon] when annotations[id].value.anonymized is set.
          annotations: Object.fromEntries(
            page
              .filter((b) => b.anonymization)
              .map((b) => [b.id, { object: { type: 'console/branch', id: b.id }, value: { anonymized: 'true' } }]),
          ),
          pagination: { ...(next ? { next } : {}), sort_by: sortBy, sort_order: desc ? 'DESC' : 'ASC' },
        },
      };
    }
    if (method === 'POST') {
      return projectOperation(ctx, project, req, async () =>
        createBranchAnswer(
          ctx,
          project,
          (await readBody(req)) as { branch?: Record<string, unknown>; endpoints?: unknown },
        ),
      );
    }
    throw new ApiError(405, 'method not allowed');
  }

  const branchId = seg[3];
  if (seg.length === 4) {
    if (method === 'DELETE') {
      const out = await e.deleteBranch(project, branchId);
      // Unknown or already deleted: 204 without a body or a Content-Type (OpenAPI; see the reference).
      if (!out) return { status: 204 };
      return { status: 200, body: { branch: branchJson(out.branch), operations: out.operations } };
    }
    const branch = e.branch(project, branchId);
    if (method === 'GET') return { status: 200, body: { branch: branchJson(branch) } };
    if (method === 'PATCH') {
      const body = (await readBody(req)) as {
        branch?: { name?: string; expires_at?: string | null; protected?: boolean };
      };
      const operations = e.updateBranch(project, branch, body.branch ?? {});
      return { status: 200, body: { branch: branchJson(branch), operations } };
    }
    throw new ApiError(405, 'method not allowed');
  }

  const branch = e.branch(project, branchId);
  if (method === 'POST' && seg[4] === 'restore' && seg.length === 5) {
    // Reset from parent: the same branch and endpoints, its databases fresh copies of the parent's (state.ts).
    return projectOperation(ctx, project, req, async () => {
      const body = (await readBody(req)) as Parameters<Emulator['restoreBranch']>[2];
      const out = await e.restoreBranch(project, branch, body && typeof body === 'object' ? body : {});
      return { status: 200, body: { branch: branchJson(out.branch), operations: out.operations } };
    });
  }
  if (seg[4] === 'anonymized_status' && seg.length === 5 && method === 'GET') {
    if (!branch.anonymization) throw new ApiError(404, 'branch is not an anonymized branch');
    return { status: 200, body: statusJson(project.id, branch.id, branch.anonymization) };
  }
  if (seg[4] === 'anonymize' && seg.length === 5 && method === 'POST') {
    e.startAnonymization(branch, ctx.anonymizeLatencyMs);
    return { status: 200, body: statusJson(project.id, branch.id, branch.anonymization!) };
  }
  if (seg[4] === 'masking_rules' && seg.length === 5 && (method === 'GET' || method === 'PATCH')) {
    if (!branch.anonymization) throw new ApiError(404, 'branch is not an anonymized branch');
    // PATCH replaces the whole set (Neon: "to add one, send the full set").
    if (method === 'PATCH')
      branch.anonymization.rules = parseRules(
        ((await readBody(req)) as { masking_rules?: unknown }).masking_rules ?? [],
      );
    return { status: 200, body: { masking_rules: branch.anonymization.rules } };
  }
  if (method === 'POST' && seg[4] === 'roles' && seg.length === 7 && seg[6] === 'reset_password') {
    const role = project.roles.get(seg[5]);
    if (!role) throw new ApiError(404, 'role not found');
    const { password, operations } = await e.resetRolePassword(project, branch, role.name);
    return { status: 200, body: { role: { ...roleJson(branch, role.name, role.createdAt), password }, operations } };
  }
  if (method !== 'GET') throw new ApiError(405, 'method not allowed');
  if (seg[4] === 'schema' && seg.length === 5) {
    // Neon's branch schema: `{sql}` (SQL DDL). Point-in-time (lsn, timestamp) and format=json are not emulated.
    const db = q.get('db_name');
    if (!db) throw new ApiError(400, 'db_name is required');
    if (q.get('lsn') || q.get('timestamp')) throw new ApiError(400, 'local-neon: lsn and timestamp are not supported');
    if ((q.get('format') ?? 'sql') !== 'sql') throw new ApiError(400, 'local-neon: only format=sql is supported');
    return { status: 200, body: { sql: await e.branchSchema(project, branch, db) } };
  }
  const roles = [...project.roles.values()];
  if (seg[4] === 'endpoints' && seg.length === 5) {
    return { status: 200, body: { endpoints: branch.endpoints.map((ep) => endpointJson(e, ep, project)) } };
  }
  if (seg[4] === 'roles') {
    if (seg.length === 5)
      return { status: 200, body: { roles: roles.map((r) => roleJson(branch, r.name, r.createdAt)) } };
    const role = project.roles.get(seg[5]);
    if (!role) throw new ApiError(404, 'role not found');
    if (seg.length === 6) return { status: 200, body: { role: roleJson(branch, role.name, role.createdAt) } };
    if (seg.length === 7 && seg[6] === 'reveal_password')
      return { status: 200, body: { password: e.passwordOf(project, branch, role.name) } };
  }
  if (seg[4] === 'databases') {
    if (seg.length === 5)
      return { status: 200, body: { databases: branch.databases.map((d) => databaseJson(branch, d)) } };
    const db = branch.databases.find((d) => d.name === seg[5]);
    if (!db) throw new ApiError(404, 'database not found');
    if (seg.length === 6) return { status: 200, body: { database: databaseJson(branch, db) } };
  }
  throw new ApiError(404, 'not found');
}

/** A branch creation's 201 (POST …/branches, and the branch part of POST …/branch_anonymized). */
async function createBranchAnswer(
  ctx: ApiContext,
  project: Project,
  body: { branch?: Record<string, unknown>; endpoints?: unknown },
  beforeAnswer?: (branch: Branch) => void,
): Promise<Result> {
  const e = ctx.emulator;
  const b = (body.branch ?? {}) as Parameters<Emulator['createBranch']>[1];
  const eps = Array.isArray(body.endpoints) ? (body.endpoints as Parameters<Emulator['createBranch']>[2]) : [];
  const { branch, endpoints, operations } = await e.createBranch(project, b, eps);
  beforeAnswer?.(branch);
  const roles = [...project.roles.values()];
  const rw = endpoints.find((ep) => ep.type === 'read_write');
  // connection_uris only when the branch has exactly one database and one role (Neon changelog 2023-02-24).
  const uris =
    rw && branch.databases.length === 1 && roles.length === 1
      ? [
          {
            connection_uri: e.connectionUri(project, branch, branch.databases[0].name, roles[0].name, false),
            connection_parameters: {
              database: branch.databases[0].name,
              password: e.passwordOf(project, branch, roles[0].name),
              role: roles[0].name,
              host: e.endpointHost(rw),
              pooler_host: e.endpointHost(rw).replace(rw.id, `${rw.id}-pooler`),
            },
          },
        ]
      : [];
  return {
    status: 201,
    body: {
      branch: branchJson(branch),
      endpoints: endpoints.map((ep) => endpointJson(e, ep, project)),
      operations,
      roles: roles.map((r) => roleJson(branch, r.name, r.createdAt)),
      databases: branch.databases.map((d) => databaseJson(branch, d)),
      connection_uris: uris,
    },
  };
}

// ------------------------------------------------------------------ anonymized branches

/** The request's `masking_rules`, checked as Neon's API does (400 for a malformed rule). */
export function parseRules(raw: unknown): MaskingRule[] {
  if (raw === undefined) return [];
  if (!Array.isArray(raw)) throw new ApiError(400, 'masking_rules must be an array');
  return raw.map((r, i) => {
    const rule = (r ?? {}) as Record<string, unknown>;
    for (const k of ['database_name', 'schema_name', 'table_name', 'column_name'])
      if (typeof rule[k] !== 'string' || !rule[k]) throw new ApiError(400, `masking_rules[${i}].${k} is required`);
    const hasFn = typeof rule.masking_function === 'string' && rule.masking_function !== '';
    const hasValue = typeof rule.masking_value === 'string';
    if (hasFn === hasValue)
      throw new ApiError(400, `masking_rules[${i}]: exactly one of masking_function and masking_value is required`);
    return {
      database_name: rule.database_name as string,
      schema_name: rule.schema_name as string,
      table_name: rule.table_name as string,
      column_name: rule.column_name as string,
      ...(hasFn
        ? { masking_function: rule.masking_function as string }
        : { masking_value: rule.masking_value as string }),
    };
  });
}

/** `GET …/anonymized_status`. */
export function statusJson(projectId: string, branchId: string, a: Anonymization): Record<string, unknown> {
  return {
    project_id: projectId,
    branch_id: branchId,
    state: a.state,
    ...(a.statusMessage ? { status_message: a.statusMessage } : {}),
    created_at: iso(a.createdAt),
    updated_at: iso(a.updatedAt),
    ...(a.failedAt ? { failed_at: iso(a.failedAt) } : {}),
    ...(a.lastRun
      ? {
          last_run: {
            started_at: iso(a.lastRun.startedAt),
            ...(a.lastRun.completedAt ? { completed_at: iso(a.lastRun.completedAt) } : {}),
            triggered_by: 'local-user-0000',
            triggered_by_username: 'local-dev',
            masked_columns: a.lastRun.maskedColumns,
          },
        }
      : {}),
  };
}
