/** The emulator itself, running in the calling thread. index.ts decides whether that is the caller's thread or a worker. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { createApiServer, type ApiContext, type FailRule, type RequestLogEntry } from './api.ts';
import { generateCertificates } from './certs.ts';
import { startCluster, type Cluster } from './postgres.ts';
import { startProxy, ERR_UNKNOWN_ENDPOINT, type PgProxy } from './proxy.ts';
import { Emulator, iso, type Project, type ProjectOptions } from './state.ts';

export type { FailRule, RequestLogEntry, ProjectOptions };

export const DEFAULT_PROJECT_ID = 'local-project-123456';
export const DEFAULT_API_KEY = 'local-neon-api-key';

export interface LocalNeonOptions {
  /**
   * `thread` (default): the emulator runs in a worker thread, so it keeps answering while the caller's thread is
   * blocked, e.g. in spawnSync/execSync of the Neon CLI or of git hooks that call it. `none`: in the caller's thread
   * (then never call anything that reaches the emulator synchronously: it would deadlock).
   */
  isolate?: 'thread' | 'none';
  /** API port (default 0: a free one). Loopback only. */
  port?: number;
  /** Postgres proxy port (default 0: a free one). */
  proxyPort?: number;
  /** Accepted API key (default `local-neon-api-key`); more with `addApiKey`. */
  apiKey?: string;
  /** The project that exists after start (default: id `local-project-123456`, branch `main`, db `neondb`, role `neondb_owner`). `false` for none. */
  defaultProject?: ProjectOptions | false;
  /** Branch allowance per project, default branch included (default 10, Neon Free). */
  branchLimit?: number;
  /**
   * Endpoint `host` style. `options` (default): `127.0.0.1:<port>?options=endpoint%3D<ep-id>`, which works with any
   * resolver. `sni`: `<ep-id>.localhost:<port>`, for machines that resolve *.localhost (routing by TLS SNI).
   */
  hostStyle?: 'options' | 'sni';
  /** How long a branch creation waits for sessions on the parent's databases to end before answering 423 (default 1500 ms). */
  lockWaitMs?: number;
  /** What to do when the parent still has sessions: `locked` → 423 (default), `terminate` → end them. */
  busyParent?: 'locked' | 'terminate';
  /**
   * A latency model for branch creation: answer this many ms after the request arrived, the emulator's own PostgreSQL
   * work included (Neon's own figure for a branch is "about a second"; default 0). With `lockOverlapping`, a
   * creation in a project whose previous one still runs gets Neon's 423 "conflicting operations" answer (with `Retry-After: retryAfterOnLock` when set; Neon documents none).
   */
  createLatencyMs?: number;
  lockOverlapping?: boolean;
  retryAfterOnLock?: string;
  /**
   * How long masking an anonymized branch takes before it runs (default 0; Neon documents no figure, its example took
   * 2 s). The branch refuses database sessions meanwhile, as Neon's does.
   */
  anonymizeLatencyMs?: number;
  /** Furthest allowed `expires_at` (default 30 days, as Neon). */
  maxExpiryDays?: number;
  /** As root, the OS user PostgreSQL runs as (default `postgres`, created with groupadd/useradd if missing). */
  postgresOsUser?: string;
  /** Called after every API response. */
  onRequest?: (entry: RequestLogEntry) => void;
  /** PostgreSQL server log lines. */
  onPostgresLog?: (line: string) => void;
}

export interface BranchInfo {
  id: string;
  name: string;
  parentId?: string;
  default: boolean;
  protected: boolean;
  createdAt: string;
  expiresAt?: string;
  endpointIds: string[];
  databases: Array<{ name: string; owner: string; pgName: string }>;
}

export interface ProjectInfo {
  id: string;
  name: string;
  defaultBranchId: string;
  defaultBranchName: string;
  roles: Array<{ name: string; password: string; pgName: string }>;
  databases: string[];
  /** Direct connection URI of the default branch (first database, its owner), as `neon connection-string` prints it. */
  connectionUri: string;
}

export interface ConnectionLogEntry {
  time: number;
  projectId: string;
  branchId: string;
  endpointId: string;
  pooled: boolean;
  routedBy: 'sni' | 'options';
  database: string;
  user: string;
}

export interface LocalNeon {
  /** `http://127.0.0.1:<port>/api/v2`, for NEON_API_HOST / --api-host. */
  apiHost: string;
  apiPort: number;
  apiKey: string;
  /** The default project's id (empty if `defaultProject: false`). */
  projectId: string;
  orgId: string;
  /** CA certificate (PEM file) that signed the proxy's certificate; trust it in clients that verify (node `pg`). */
  caFile: string;
  proxyPort: number;
  /** Port of the PostgreSQL behind the proxy (TLS + SCRAM only; for debugging). */
  postgresPort: number;
  /** Process id of the postmaster. */
  postgresPid: number;
  /** Environment for the real Neon CLI and for clients: NEON_API_HOST, NEON_API_KEY, NO_PROXY, NODE_EXTRA_CA_CERTS, PGSSLROOTCERT… */
  env: Record<string, string>;
  /** Every API request, in arrival order (with isolate: 'thread', a fresh snapshot on every read). */
  readonly requests: RequestLogEntry[];
  /** Every proxied database session, in order (a snapshot with isolate: 'thread'). */
  readonly connections: ConnectionLogEntry[];
  /** Database sessions open through the proxy right now. */
  readonly connectionCount: number;
  createProject(opts?: ProjectOptions): Promise<ProjectInfo>;
  getProject(projectId?: string): ProjectInfo;
  /** The PostgreSQL server log (last 200 lines), for debugging. */
  postgresLog(): string;
  listBranches(projectId?: string): Promise<BranchInfo[]>;
  /** Connection URI for a branch (name or id) as `neon connection-string` would print it. */
  connectionUri(o?: {
    projectId?: string;
    branch?: string;
    database?: string;
    role?: string;
    pooled?: boolean;
  }): string;
  /** Make the next matching request(s) fail, be delayed, or hang. */
  failNext(rule: FailRule): void;
  clearFailures(): void;
  addApiKey(key: string): void;
  /** Back to the state right after start: projects, branches, data, logs and fault rules are reset. */
  reset(): Promise<void>;
  /** Stops the API, the proxy and PostgreSQL, and removes the temporary directory. Idempotent. */
  stop(): Promise<void>;
}

const INSTANCE_PREFIX = 'local-neon-inst-';

/** Remove instance directories left by processes that died without stop(). */
async function sweepStaleInstances(): Promise<void> {
  let names: string[] = [];
  try {
    names = readdirSync(os.tmpdir()).filter((n) => n.startsWith(INSTANCE_PREFIX));
  } catch {
    return;
  }
  for (const n of names) {
    const dir = path.join(os.tmpdir(), n);
    try {
      const pid = Number(readFileSync(path.join(dir, 'owner.pid'), 'utf8'));
      process.kill(pid, 0);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // ESRCH: owner gone. ENOENT: no pid file (half-created): only reap if old.
      if (
        code === 'ESRCH' ||
        (code === 'ENOENT' &&
          // Another worker may reap the same folder meanwhile: one already gone is nothing to do.
          Date.now() - (statSync(dir, { throwIfNoEntry: false })?.mtimeMs ?? Date.now()) > 3_600_000)
      ) {
        const pidFile = path.join(dir, 'pgdata', 'postmaster.pid');
        try {
          const pgPid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
          if (pgPid > 0) process.kill(pgPid, 'SIGQUIT');
        } catch {
          /* no postmaster */
        }
        await rm(dir, { recursive: true, force: true }).catch(() => undefined);
      }
    }
  }
}

export async function startInProcess(options: LocalNeonOptions = {}): Promise<LocalNeon> {
  const started = Date.now();
  await sweepStaleInstances();
  const baseDir = await mkdtemp(path.join(os.tmpdir(), INSTANCE_PREFIX));
  await writeFile(path.join(baseDir, 'owner.pid'), String(process.pid));
  let cluster: Cluster | undefined;
  let proxy: PgProxy | undefined;
  let server: http.Server | undefined;
  try {
    const certs = await generateCertificates(baseDir);
    cluster = await startCluster({
      baseDir,
      certFile: certs.certFile,
      keyFile: certs.keyFile,
      onLog: options.onPostgresLog,
      osUser: options.postgresOsUser,
    });
    const c = cluster;
    let proxyPortValue = 0;
    const orgId = 'org-local-neon-12345678';
    const emulator = new Emulator({
      cluster: c,
      proxyPort: () => proxyPortValue,
      hostStyle: options.hostStyle ?? 'options',
      orgId,
      defaultBranchLimit: options.branchLimit ?? 10,
      lockWaitMs: options.lockWaitMs ?? 1500,
      busyParent: options.busyParent ?? 'locked',
      maxExpiryDays: options.maxExpiryDays ?? 30,
    });
    const connections: ConnectionLogEntry[] = [];
    proxy = await startProxy(
      {
        cert: certs.cert,
        key: certs.key,
        ca: certs.ca,
        pgPort: () => c.port,
        async route(r) {
          const found = emulator.findEndpoint(r.endpointId);
          if (found && found.branch.expiresAt !== undefined && found.branch.expiresAt <= Date.now()) {
            await emulator.sweepExpired(found.project).catch(() => undefined);
            return { ok: false, code: 'XX000', message: ERR_UNKNOWN_ENDPOINT };
          }
          if (!found) return { ok: false, code: 'XX000', message: ERR_UNKNOWN_ENDPOINT };
          // Neon: "The branch is unavailable for connections while anonymization is in progress".
          if (found.branch.anonymization?.state === 'anonymizing')
            return {
              ok: false,
              code: '57P03',
              message: 'the branch is unavailable while anonymization is in progress',
            };
          const db = found.branch.databases.find((d) => d.name === r.database);
          if (!db) return { ok: false, code: '3D000', message: `database "${r.database}" does not exist` };
          const role = found.project.roles.get(r.user);
          if (!role)
            return { ok: false, code: '28P01', message: `password authentication failed for user '${r.user}'` };
          await emulator.waitForGate(db.pgName); // the parent is being copied right now: hold this session a moment
          // A role with a password of this branch's own logs in as its per-branch PostgreSQL role.
          const pgUser = emulator.pgRoleOf(found.project, found.branch, r.user) ?? role.pgName;
          return { ok: true, pgDatabase: db.pgName, pgUser, projectId: found.project.id, branchId: found.branch.id };
        },
        onConnect(entry) {
          connections.push({
            time: Date.now(),
            projectId: entry.projectId,
            branchId: entry.branchId,
            endpointId: entry.endpointId,
            pooled: entry.pooled,
            routedBy: entry.routedBy,
            database: entry.database,
            user: entry.user,
          });
        },
      },
      options.proxyPort ?? 0,
    );
    proxyPortValue = proxy.port;

    const apiKey = options.apiKey ?? DEFAULT_API_KEY;
    const ctx: ApiContext = {
      emulator,
      apiKeys: new Set([apiKey]),
      user: { id: 'local-user-0000', email: 'dev@local-neon.test', login: 'local-dev', name: 'Local Dev' },
      org: { id: orgId, name: 'Local Neon' },
      requests: [],
      failRules: [],
      onRequest: options.onRequest,
      createLatencyMs: options.createLatencyMs,
      lockOverlapping: options.lockOverlapping,
      retryAfterOnLock: options.retryAfterOnLock,
      anonymizeLatencyMs: options.anonymizeLatencyMs,
    };
    const srv = createApiServer(ctx);
    server = srv;
    await new Promise<void>((resolve, reject) => {
      srv.once('error', reject);
      srv.listen(options.port ?? 0, '127.0.0.1', () => resolve());
    });
    const apiPort = (srv.address() as { port: number }).port;

    const defaultProjectOpts: ProjectOptions | false =
      options.defaultProject === false
        ? false
        : { id: DEFAULT_PROJECT_ID, name: 'local-project', ...(options.defaultProject ?? {}) };
    const defaultProject = defaultProjectOpts ? await emulator.createProject(defaultProjectOpts) : undefined;

    const projectInfo = (p: Project): ProjectInfo => {
      const def = emulator.defaultBranch(p);
      const firstDb = def.databases[0];
      return {
        id: p.id,
        name: p.name,
        defaultBranchId: def.id,
        defaultBranchName: def.name,
        roles: [...p.roles.values()].map((r) => ({ name: r.name, password: r.password, pgName: r.pgName })),
        databases: def.databases.map((d) => d.name),
        connectionUri: emulator.connectionUri(p, def, firstDb.name, firstDb.ownerName, false),
      };
    };
    const findProject = (id?: string) => emulator.project(id ?? defaultProject?.id ?? '');

    const apiHost = `http://127.0.0.1:${apiPort}/api/v2`;
    const env: Record<string, string> = {
      NEON_API_HOST: apiHost,
      NEON_API_KEY: apiKey,
      NO_PROXY: '127.0.0.1,localhost',
      no_proxy: '127.0.0.1,localhost',
      NODE_EXTRA_CA_CERTS: certs.caFile,
      PGSSLROOTCERT: certs.caFile,
      NO_UPDATE_NOTIFIER: '1',
    };
    let stopped = false;
    const neon: LocalNeon = {
      apiHost,
      apiPort,
      apiKey,
      projectId: defaultProject?.id ?? '',
      orgId,
      caFile: certs.caFile,
      proxyPort: proxy.port,
      postgresPort: c.port,
      postgresPid: c.pid,
      env,
      requests: ctx.requests,
      connections,
      get connectionCount() {
        return proxy!.activeConnections();
      },
      async createProject(o) {
        return projectInfo(await emulator.createProject(o));
      },
      getProject(id) {
        return projectInfo(findProject(id));
      },
      postgresLog() {
        return c.logTail();
      },
      async listBranches(id) {
        const p = findProject(id);
        await emulator.sweepExpired(p);
        return emulator.listBranches(p).map((b) => ({
          id: b.id,
          name: b.name,
          ...(b.parentId ? { parentId: b.parentId } : {}),
          default: b.isDefault,
          protected: b.isProtected,
          createdAt: iso(b.createdAt),
          ...(b.expiresAt !== undefined ? { expiresAt: iso(b.expiresAt) } : {}),
          endpointIds: b.endpoints.map((e) => e.id),
          databases: b.databases.map((d) => ({ name: d.name, owner: d.ownerName, pgName: d.pgName })),
        }));
      },
      connectionUri(o = {}) {
        const p = findProject(o.projectId);
        const b = o.branch
          ? emulator.listBranches(p).find((x) => x.id === o.branch || x.name === o.branch)
          : emulator.defaultBranch(p);
        if (!b) throw new Error(`branch ${o.branch} not found`);
        const db = o.database ?? b.databases[0].name;
        const role = o.role ?? b.databases.find((d) => d.name === db)?.ownerName ?? [...p.roles.keys()][0];
        return emulator.connectionUri(p, b, db, role, o.pooled ?? false);
      },
      failNext(rule) {
        ctx.failRules.push({ ...rule, remaining: rule.times ?? 1 });
      },
      clearFailures() {
        ctx.failRules.length = 0;
      },
      addApiKey(key) {
        ctx.apiKeys.add(key);
      },
      async reset() {
        ctx.failRules.length = 0;
        await Promise.all(emulator.anonymizing);
        for (const p of [...emulator.projects.values()]) await emulator.dropProject(p);
        ctx.requests.length = 0;
        connections.length = 0;
        ctx.apiKeys.clear();
        ctx.apiKeys.add(apiKey);
        if (defaultProjectOpts) {
          const p = await emulator.createProject(defaultProjectOpts);
          neon.projectId = p.id;
        }
      },
      async stop() {
        if (stopped) return;
        stopped = true;
        (srv as http.Server & { destroyPending?: () => void }).destroyPending?.();
        srv.closeAllConnections?.();
        await new Promise<void>((r) => srv.close(() => r()));
        await Promise.all(emulator.anonymizing);
        await proxy!.close();
        await c.stop();
        await rm(baseDir, { recursive: true, force: true });
      },
    };
    if (process.env.LOCAL_NEON_DEBUG) console.error(`[local-neon] started in ${Date.now() - started} ms`);
    return neon;
  } catch (err) {
    server?.close();
    await proxy?.close().catch(() => undefined);
    await cluster?.stop().catch(() => undefined);
    await rm(baseDir, { recursive: true, force: true }).catch(() => undefined);
    throw err;
  }
}
