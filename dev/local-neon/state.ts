import pg from 'pg';
import { ADMIN_USER, type Cluster } from './postgres.ts';
import { dumpSchema } from './schema-dump.ts';
import { maskDatabase, type Anonymization, type MaskingRule } from './anonymize.ts';
import { neonId, projectId as newProjectId, rolePassword, uuid } from './ids.ts';

/** An error the HTTP layer turns into `{code, message}` with this status. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly code = '',
    /** Extra response headers (e.g. Retry-After). */
    readonly headers?: Record<string, string>,
  ) {
    super(message);
  }
}

// 423 wording Neon uses while another operation runs (quoted verbatim in public client code and runbooks that
// retry on it, e.g. "project already has running conflicting operations, scheduling of new ones is prohibited").
export const MSG_LOCKED = 'project already has running conflicting operations, scheduling of new ones is prohibited';
// 422 + code BRANCHES_LIMIT_EXCEEDED + "branches limit exceeded": the production answer to a create over the plan's
// allowance, as quoted in public CI logs ("[HTTP 422] branches limit exceeded") and client code that checks
// `err.body.code === "BRANCHES_LIMIT_EXCEEDED"` (found with a GitHub code search; Neon does not document the body).
export const LIMIT_STATUS = 422;
export const LIMIT_CODE = 'BRANCHES_LIMIT_EXCEEDED';
export const LIMIT_MESSAGE = 'branches limit exceeded';

export interface Role {
  name: string;
  /** The real PostgreSQL role (the same name unless another project already uses it). */
  pgName: string;
  password: string;
  createdAt: number;
}

export interface BranchDatabase {
  id: number;
  name: string;
  ownerName: string;
  /** The real PostgreSQL database holding this branch's copy. */
  pgName: string;
  createdAt: number;
}

export interface Endpoint {
  id: string;
  projectId: string;
  branchId: string;
  type: 'read_write' | 'read_only';
  createdAt: number;
  minCu: number;
  maxCu: number;
  suspendTimeout: number;
}

export interface Branch {
  id: string;
  projectId: string;
  name: string;
  parentId?: string;
  parentLsn?: string;
  parentTimestamp?: number;
  isDefault: boolean;
  isProtected: boolean;
  state: 'init' | 'ready';
  createdAt: number;
  updatedAt: number;
  expiresAt?: number;
  initSource: 'parent-data' | 'schema-only';
  databases: BranchDatabase[];
  endpoints: Endpoint[];
  seq: number;
  /**
   * Roles whose password on this branch is not the project's (Neon keeps one password per role per branch): a reset
   * here, or one inherited from the parent. Each is its own PostgreSQL login role that inherits the project role's
   * privileges, so the parent's password stops opening this branch and this one never opens the parent.
   */
  rolePasswords?: Map<string, { pgName: string; password: string; own: boolean }>;
  /** An anonymized branch (`POST …/branch_anonymized`): its rules and masking state (anonymize.ts). */
  anonymization?: Anonymization;
}

export interface Operation {
  id: string;
  project_id: string;
  branch_id?: string;
  endpoint_id?: string;
  action: string;
  status: 'finished';
  failures_count: 0;
  created_at: string;
  updated_at: string;
  total_duration_ms: number;
}

export interface Project {
  id: string;
  name: string;
  orgId: string;
  regionId: string;
  createdAt: number;
  updatedAt: number;
  branchLimit: number;
  roles: Map<string, Role>;
  branches: Map<string, Branch>;
  operations: Operation[];
}

export interface ProjectOptions {
  /** Default: a generated `adjective-noun-12345678`. */
  id?: string;
  name?: string;
  /** `main` (projects made through the API/CLI, the default) or `production` (made in the Console), or any name. */
  defaultBranchName?: string;
  /** Role names; default `["neondb_owner"]`. */
  roles?: string[];
  /** Databases (owner defaults to the first role); default `[{ name: "neondb" }]`. */
  databases?: Array<string | { name: string; owner?: string }>;
  /** Branches allowed in the project, the default branch included (Neon Free/Launch: 10). */
  branchLimit?: number;
  regionId?: string;
}

export interface EmulatorOptions {
  cluster: Cluster;
  proxyPort: () => number;
  hostStyle: 'options' | 'sni';
  orgId: string;
  defaultBranchLimit: number;
  /** How long a branch creation waits for the parent's databases to have no sessions before answering 423. */
  lockWaitMs: number;
  /** `locked` (default): answer 423 while the parent has sessions. `terminate`: end those sessions instead. */
  busyParent: 'locked' | 'terminate';
  maxExpiryDays: number;
}

export function iso(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

const ident = (s: string) => pg.escapeIdentifier(s);
const literal = (s: string) => pg.escapeLiteral(s);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export class Emulator {
  readonly projects = new Map<string, Project>();
  private seq = 0;
  private dbSeq = 0;
  /** PostgreSQL databases being used as a template right now: the proxy holds new sessions to them. */
  private readonly gates = new Map<string, Promise<void>>();

  constructor(readonly opts: EmulatorOptions) {}

  private q(sql: string, params?: unknown[]) {
    return this.opts.cluster.query(sql, params);
  }

  /** The clock every timestamp of the emulator reads (one place, so a test could move it). */
  private now(): number {
    return Date.now();
  }

  project(projectId: string): Project {
    const p = this.projects.get(projectId);
    if (!p) throw new ApiError(404, 'project not found');
    return p;
  }

  branch(project: Project, branchId: string): Branch {
    const b = project.branches.get(branchId);
    if (b?.state !== 'ready') throw new ApiError(404, 'branch not found');
    return b;
  }

  defaultBranch(project: Project): Branch {
    for (const b of project.branches.values()) if (b.isDefault) return b;
    throw new ApiError(500, 'project has no default branch');
  }

  endpointHost(ep: Endpoint): string {
    const port = this.opts.proxyPort();
    // See README: `new URL('postgresql://' + host)` in the CLI keeps this query, so printed URLs carry the route.
    return this.opts.hostStyle === 'sni'
      ? `${ep.id}.localhost:${port}`
      : `127.0.0.1:${port}?options=endpoint%3D${ep.id}`;
  }

  connectionUri(project: Project, branch: Branch, dbName: string, roleName: string, pooled: boolean): string {
    const ep = branch.endpoints.find((e) => e.type === 'read_write') ?? branch.endpoints[0];
    if (!ep) throw new ApiError(404, 'endpoint not found');
    const role = project.roles.get(roleName);
    if (!role) throw new ApiError(404, 'role not found');
    if (!branch.databases.some((d) => d.name === dbName)) throw new ApiError(404, 'database not found');
    const host = pooled ? this.endpointHost(ep).replace(ep.id, `${ep.id}-pooler`) : this.endpointHost(ep);
    // The same construction as the CLI's connection_string.js.
    const url = new URL(`postgresql://${host}`);
    url.pathname = `/${encodeURIComponent(dbName)}`;
    url.username = roleName;
    url.password = this.passwordOf(project, branch, roleName) ?? role.password;
    url.searchParams.set('sslmode', 'require');
    url.searchParams.set('channel_binding', 'require');
    return url.toString();
  }

  /** The password of a role on a branch (its own, inherited or the project's), or undefined for an unknown role. */
  passwordOf(project: Project, branch: Branch, roleName: string): string | undefined {
    return branch.rolePasswords?.get(roleName)?.password ?? project.roles.get(roleName)?.password;
  }

  /** The real PostgreSQL role a login as `roleName` on `branch` uses. */
  pgRoleOf(project: Project, branch: Branch, roleName: string): string | undefined {
    return branch.rolePasswords?.get(roleName)?.pgName ?? project.roles.get(roleName)?.pgName;
  }

  /** `POST …/roles/{role}/reset_password`: a new password for the role on this branch only. */
  async resetRolePassword(
    project: Project,
    branch: Branch,
    roleName: string,
  ): Promise<{ password: string; operations: Operation[] }> {
    const role = project.roles.get(roleName);
    if (!role) throw new ApiError(404, 'role not found');
    const password = rolePassword();
    const mine = branch.rolePasswords?.get(roleName);
    if (mine?.own) {
      await this.q(`ALTER ROLE ${ident(mine.pgName)} PASSWORD ${literal(password)}`);
    } else {
      const pgName = `${role.pgName.slice(0, 30)}__${branch.id.replace(/[^a-z0-9]/g, '').slice(-24)}`;
      await this.q(
        `CREATE ROLE ${ident(pgName)} LOGIN INHERIT PASSWORD ${literal(password)} IN ROLE ${ident(role.pgName)}`,
      );
      branch.rolePasswords ??= new Map();
      branch.rolePasswords.set(roleName, { pgName, password, own: true });
    }
    branch.rolePasswords!.get(roleName)!.password = password;
    branch.updatedAt = this.now();
    return { password, operations: [this.operation(project, 'apply_config', branch.id, branch.endpoints[0]?.id)] };
  }

  // ---------------------------------------------------------------- projects

  async createProject(o: ProjectOptions = {}): Promise<Project> {
    const id = o.id ?? newProjectId();
    if (this.projects.has(id)) throw new ApiError(409, `project already exists; project_id:"${id}"`);
    const roleNames = o.roles?.length ? o.roles : ['neondb_owner'];
    const dbs = (o.databases?.length ? o.databases : ['neondb']).map((d) =>
      typeof d === 'string' ? { name: d, owner: roleNames[0] } : { name: d.name, owner: d.owner ?? roleNames[0] },
    );
    for (const d of dbs)
      if (!roleNames.includes(d.owner)) throw new Error(`database ${d.name}: unknown owner ${d.owner}`);
    const t = this.now();
    const project: Project = {
      id,
      name: o.name ?? id,
      orgId: this.opts.orgId,
      regionId: o.regionId ?? 'aws-us-east-2',
      createdAt: t,
      updatedAt: t,
      branchLimit: o.branchLimit ?? this.opts.defaultBranchLimit,
      roles: new Map(),
      branches: new Map(),
      operations: [],
    };
    this.projects.set(id, project);
    try {
      const taken = new Set((await this.q('SELECT rolname FROM pg_roles')).rows.map((r) => r.rolname as string));
      for (const name of roleNames) {
        // Keep the real name when we can (SQL that says `TO neondb_owner` keeps working); namespace on collision.
        let pgName = name;
        for (let i = 2; taken.has(pgName); i++) pgName = `${name.slice(0, 50)}__p${i}`;
        taken.add(pgName);
        const role: Role = { name, pgName, password: rolePassword(), createdAt: t };
        await this.q(`CREATE ROLE ${ident(pgName)} LOGIN CREATEDB CREATEROLE PASSWORD ${literal(role.password)}`);
        project.roles.set(name, role);
      }
      const branch: Branch = {
        id: neonId('br'),
        projectId: id,
        name: o.defaultBranchName ?? 'main',
        isDefault: true,
        isProtected: false,
        state: 'ready',
        createdAt: t,
        updatedAt: t,
        initSource: 'parent-data',
        databases: [],
        endpoints: [],
        seq: ++this.seq,
      };
      for (const d of dbs) {
        const pgName = this.pgDbName(d.name, branch.id);
        await this.q(
          `CREATE DATABASE ${ident(pgName)} OWNER ${ident(project.roles.get(d.owner)!.pgName)} TEMPLATE template1`,
        );
        branch.databases.push({ id: ++this.dbSeq, name: d.name, ownerName: d.owner, pgName, createdAt: t });
      }
      branch.endpoints.push(this.newEndpoint(project, branch, 'read_write', t));
      project.branches.set(branch.id, branch);
      this.operation(project, 'create_timeline', branch.id);
      this.operation(project, 'start_compute', branch.id, branch.endpoints[0].id);
    } catch (err) {
      await this.dropProject(project).catch(() => undefined);
      throw err;
    }
    return project;
  }

  async dropProject(project: Project): Promise<void> {
    this.projects.delete(project.id);
    for (const b of project.branches.values()) {
      for (const d of b.databases) await this.q(`DROP DATABASE IF EXISTS ${ident(d.pgName)} WITH (FORCE)`);
    }
    for (const r of project.roles.values()) await this.q(`DROP ROLE IF EXISTS ${ident(r.pgName)}`);
  }

  private pgDbName(dbName: string, branchId: string): string {
    return `${dbName.slice(0, 28)}/${branchId}`.slice(0, 63);
  }

  private newEndpoint(project: Project, branch: Branch, type: 'read_write' | 'read_only', t: number): Endpoint {
    return {
      id: neonId('ep'),
      projectId: project.id,
      branchId: branch.id,
      type,
      createdAt: t,
      minCu: 0.25,
      maxCu: 2,
      suspendTimeout: 0,
    };
  }

  operation(project: Project, action: string, branchId?: string, endpointId?: string): Operation {
    const t = iso(Date.now());
    const op: Operation = {
      id: uuid(),
      project_id: project.id,
      ...(branchId ? { branch_id: branchId } : {}),
      ...(endpointId ? { endpoint_id: endpointId } : {}),
      action,
      status: 'finished',
      failures_count: 0,
      created_at: t,
      updated_at: t,
      total_duration_ms: 1,
    };
    project.operations.push(op);
    if (project.operations.length > 500) project.operations.splice(0, project.operations.length - 500);
    return op;
  }

  // ---------------------------------------------------------------- branches

  /** Branches sorted like the real API's default: updated_at descending. */
  listBranches(project: Project): Branch[] {
    return [...project.branches.values()]
      .filter((b) => b.state === 'ready')
      .sort((a, b) => b.updatedAt - a.updatedAt || b.seq - a.seq);
  }

  /** Expired branches go away on the next request that touches their project (Neon deletes them when expiry passes). */
  async sweepExpired(project: Project): Promise<void> {
    const now = Date.now();
    for (;;) {
      const victim = [...project.branches.values()].find(
        (b) => b.state === 'ready' && b.expiresAt !== undefined && b.expiresAt <= now && !this.hasChildren(project, b),
      );
      if (!victim) return;
      await this.deleteBranch(project, victim.id, { expired: true });
    }
  }

  hasChildren(project: Project, branch: Branch): boolean {
    for (const b of project.branches.values()) if (b.parentId === branch.id) return true;
    return false;
  }

  parseExpiry(value: unknown): number | undefined {
    if (value === undefined || value === null) return undefined;
    const t = typeof value === 'string' ? Date.parse(value) : NaN;
    if (Number.isNaN(t)) throw new ApiError(400, 'invalid expires_at');
    if (t <= Date.now()) throw new ApiError(400, 'expires_at must be in the future');
    if (t > Date.now() + this.opts.maxExpiryDays * 86_400_000) {
      throw new ApiError(400, `expires_at must not be more than ${this.opts.maxExpiryDays} days in the future`);
    }
    return t;
  }

  async createBranch(
    project: Project,
    req: {
      name?: string;
      parent_id?: string;
      parent_lsn?: string;
      parent_timestamp?: string;
      expires_at?: string;
      protected?: boolean;
      init_source?: string;
    },
    endpoints: Array<{
      type?: string;
      autoscaling_limit_min_cu?: number;
      autoscaling_limit_max_cu?: number;
      suspend_timeout_seconds?: number;
    }>,
  ): Promise<{ branch: Branch; endpoints: Endpoint[]; operations: Operation[] }> {
    // Everything up to the first await runs atomically: the name and the allowance are reserved synchronously.
    if (req.name !== undefined && (typeof req.name !== 'string' || req.name.length < 1 || req.name.length > 256)) {
      throw new ApiError(400, 'branch name must be between 1 and 256 characters');
    }
    const parent = req.parent_id ? project.branches.get(req.parent_id) : this.defaultBranch(project);
    if (parent?.state !== 'ready') throw new ApiError(404, 'parent branch not found');
    const expiresAt = this.parseExpiry(req.expires_at);
    if (req.name !== undefined) {
      for (const b of project.branches.values()) {
        if (b.name === req.name) throw new ApiError(409, `branch already exists; branch_name:"${req.name}"`);
      }
    }
    if (project.branches.size >= project.branchLimit) throw new ApiError(LIMIT_STATUS, LIMIT_MESSAGE, LIMIT_CODE);
    const t = this.now();
    const id = neonId('br');
    const branch: Branch = {
      id,
      projectId: project.id,
      name: req.name ?? id,
      parentId: parent.id,
      parentLsn: req.parent_lsn ?? `0/${(0x1000000 + this.seq * 0x1000).toString(16).toUpperCase()}`,
      parentTimestamp: req.parent_timestamp ? Date.parse(req.parent_timestamp) : t,
      isDefault: false,
      isProtected: req.protected === true,
      state: 'init',
      createdAt: t,
      updatedAt: t,
      expiresAt,
      initSource: req.init_source === 'schema-only' ? 'schema-only' : 'parent-data',
      databases: [],
      endpoints: [],
      seq: ++this.seq,
      // A child inherits its parent's passwords, the parent's own ones included (same login role until reset).
      rolePasswords: parent.rolePasswords
        ? new Map([...parent.rolePasswords].map(([k, v]) => [k, { ...v, own: false }]))
        : undefined,
    };
    project.branches.set(id, branch);
    try {
      await this.cloneDatabases(project, parent, branch);
    } catch (err) {
      project.branches.delete(id);
      for (const d of branch.databases)
        await this.q(`DROP DATABASE IF EXISTS ${ident(d.pgName)} WITH (FORCE)`).catch(() => undefined);
      throw err;
    }
    for (const e of endpoints) {
      const ep = this.newEndpoint(project, branch, e.type === 'read_only' ? 'read_only' : 'read_write', t);
      if (typeof e.autoscaling_limit_min_cu === 'number') ep.minCu = e.autoscaling_limit_min_cu;
      if (typeof e.autoscaling_limit_max_cu === 'number') ep.maxCu = e.autoscaling_limit_max_cu;
      if (typeof e.suspend_timeout_seconds === 'number') ep.suspendTimeout = e.suspend_timeout_seconds;
      branch.endpoints.push(ep);
    }
    branch.state = 'ready';
    branch.updatedAt = this.now();
    project.updatedAt = branch.updatedAt;
    const ops = [this.operation(project, 'create_branch', id)];
    for (const ep of branch.endpoints) ops.push(this.operation(project, 'start_compute', id, ep.id));
    return { branch, endpoints: branch.endpoints, operations: ops };
  }

  /** Resolves once no template copy of `pgDb` is running (the proxy calls this before opening a session). */
  async waitForGate(pgDb: string): Promise<void> {
    for (let g = this.gates.get(pgDb); g; g = this.gates.get(pgDb)) await g;
  }

  private async cloneDatabases(project: Project, parent: Branch, branch: Branch): Promise<void> {
    for (const src of parent.databases) {
      const pgName = this.pgDbName(src.name, branch.id);
      await this.copyDatabase(project, src, pgName);
      branch.databases.push({
        id: ++this.dbSeq,
        name: src.name,
        ownerName: src.ownerName,
        pgName,
        createdAt: branch.createdAt,
      });
      // init_source 'schema-only' is not emulated: Neon copies the schema only, here the data comes along
      // (documented in the README).
    }
  }

  /** One parent database copied as `pgName` (CREATE DATABASE … TEMPLATE), or 423 while the parent stays busy. */
  private async copyDatabase(project: Project, src: BranchDatabase, pgName: string): Promise<void> {
    await this.waitForGate(src.pgName); // another clone of the same parent database is running
    let release!: () => void;
    this.gates.set(src.pgName, new Promise<void>((r) => (release = r)));
    try {
      // CREATE DATABASE … TEMPLATE refuses while the template has sessions, after waiting 5 s itself. Wait a
      // little here instead (sessions just closed take a moment to leave), then answer 423 as Neon does while
      // an operation holds the project: the CLI retries create/delete on 423.
      const deadline = Date.now() + this.opts.lockWaitMs;
      for (;;) {
        const { rows } = await this.q(
          'SELECT pid FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()',
          [src.pgName],
        );
        if (rows.length === 0) break;
        if (this.opts.busyParent === 'terminate') {
          await this.q('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1', [src.pgName]);
          await sleep(20);
          continue;
        }
        if (Date.now() >= deadline) throw new ApiError(423, MSG_LOCKED, 'LOCKED');
        await sleep(50);
      }
      const owner = project.roles.get(src.ownerName)!.pgName;
      try {
        await this.q(`CREATE DATABASE ${ident(pgName)} OWNER ${ident(owner)} TEMPLATE ${ident(src.pgName)}`);
      } catch (err) {
        if ((err as { code?: string }).code === '55006') throw new ApiError(423, MSG_LOCKED, 'LOCKED'); // object_in_use
        throw err;
      }
    } finally {
      this.gates.delete(src.pgName);
      release();
    }
  }

  /**
   * `POST …/branches/{id}/restore` with `source_branch_id` = its parent (Neon's "reset from parent"): the branch's
   * databases become fresh copies of the parent's current ones, made the way a new branch's are; the branch keeps
   * its id, name and endpoints (so its connection details do not change), and its sessions are ended (Neon: "existing
   * connections will be temporarily interrupted"). Each new copy is made under a temporary name first and swapped in
   * only once every copy succeeded, so a 423 (busy parent) leaves the branch as it was.
   *
   * Role passwords: Neon's docs say a reset keeps a child's own passwords only for children of protected branches,
   * and are silent otherwise; the emulator takes the cautious reading, as the runtime does: the branch gets its
   * parent's passwords back (its own login roles are dropped), so a client must reset them again.
   * Not emulated: `preserve_under_name`, `source_lsn`/`source_timestamp`, restoring from a branch other than the
   * parent (or from itself).
   */
  async restoreBranch(
    project: Project,
    branch: Branch,
    req: {
      source_branch_id?: unknown;
      preserve_under_name?: unknown;
      source_lsn?: unknown;
      source_timestamp?: unknown;
    },
  ): Promise<{ branch: Branch; operations: Operation[] }> {
    if (typeof req.source_branch_id !== 'string' || !req.source_branch_id)
      throw new ApiError(400, 'source_branch_id is required');
    if (req.source_lsn !== undefined || req.source_timestamp !== undefined)
      throw new ApiError(400, 'local-neon: source_lsn and source_timestamp are not supported');
    if (req.preserve_under_name !== undefined)
      throw new ApiError(400, 'local-neon: preserve_under_name is not supported');
    if (!branch.parentId) throw new ApiError(400, 'cannot reset a root branch from parent: it has no parent');
    if (req.source_branch_id !== branch.parentId)
      throw new ApiError(
        400,
        `local-neon: only a reset from the parent is supported (source_branch_id must be ${branch.parentId})`,
      );
    if (branch.isProtected) throw new ApiError(400, 'cannot reset a protected branch');
    // Neon lists `restore` in an anonymized branch's restricted_actions.
    if (branch.anonymization) throw new ApiError(400, 'restore is a restricted action on an anonymized branch');
    if (this.hasChildren(project, branch))
      throw new ApiError(
        400,
        'the branch has children: preserve_under_name is required to restore it (its children move to the preserved branch)',
      );
    const parent = project.branches.get(branch.parentId);
    if (parent?.state !== 'ready') throw new ApiError(404, 'source branch not found');

    const fresh: Array<{ src: BranchDatabase; pgName: string }> = [];
    try {
      for (const src of parent.databases) {
        const pgName = `${src.name.slice(0, 20)}/restore/${branch.id}`.slice(0, 63);
        await this.q(`DROP DATABASE IF EXISTS ${ident(pgName)} WITH (FORCE)`);
        await this.copyDatabase(project, src, pgName);
        fresh.push({ src, pgName });
      }
    } catch (err) {
      for (const f of fresh)
        await this.q(`DROP DATABASE IF EXISTS ${ident(f.pgName)} WITH (FORCE)`).catch(() => undefined);
      throw err;
    }
    // Swap: the proxy holds new sessions to the branch's databases meanwhile; DROP … WITH (FORCE) ends the open ones.
    const old = branch.databases;
    const releases: Array<() => void> = [];
    for (const d of old) this.gates.set(d.pgName, new Promise<void>((r) => releases.push(r)));
    try {
      for (const d of old) await this.q(`DROP DATABASE IF EXISTS ${ident(d.pgName)} WITH (FORCE)`);
      branch.databases = [];
      for (const f of fresh) {
        const kept = old.find((d) => d.name === f.src.name);
        const pgName = this.pgDbName(f.src.name, branch.id);
        await this.q(`ALTER DATABASE ${ident(f.pgName)} RENAME TO ${ident(pgName)}`);
        branch.databases.push({
          id: kept?.id ?? ++this.dbSeq,
          name: f.src.name,
          ownerName: f.src.ownerName,
          pgName,
          createdAt: kept?.createdAt ?? this.now(),
        });
      }
    } finally {
      for (const d of old) this.gates.delete(d.pgName);
      for (const r of releases) r();
    }
    for (const r of branch.rolePasswords?.values() ?? [])
      if (r.own) await this.q(`DROP ROLE IF EXISTS ${ident(r.pgName)}`).catch(() => undefined);
    branch.rolePasswords = parent.rolePasswords
      ? new Map([...parent.rolePasswords].map(([k, v]) => [k, { ...v, own: false }]))
      : undefined;
    branch.parentTimestamp = this.now();
    branch.updatedAt = this.now();
    project.updatedAt = branch.updatedAt;
    const ops = [this.operation(project, 'create_timeline', branch.id)];
    for (const ep of branch.endpoints) ops.push(this.operation(project, 'start_compute', branch.id, ep.id));
    return { branch, operations: ops };
  }

  async deleteBranch(
    project: Project,
    branchId: string,
    o: { expired?: boolean } = {},
  ): Promise<{ branch: Branch; operations: Operation[] } | undefined> {
    const branch = project.branches.get(branchId);
    if (branch?.state !== 'ready') return undefined;
    if (!o.expired) {
      if (branch.isDefault) throw new ApiError(400, 'cannot delete the default branch');
      if (branch.isProtected) throw new ApiError(400, 'cannot delete a protected branch');
      if (this.hasChildren(project, branch)) throw new ApiError(400, 'cannot delete a branch that has child branches');
    }
    project.branches.delete(branchId);
    for (const d of branch.databases) await this.q(`DROP DATABASE IF EXISTS ${ident(d.pgName)} WITH (FORCE)`);
    for (const r of branch.rolePasswords?.values() ?? [])
      if (r.own) await this.q(`DROP ROLE IF EXISTS ${ident(r.pgName)}`).catch(() => undefined);
    const ops = branch.endpoints.map((ep) => this.operation(project, 'suspend_compute', branchId, ep.id));
    ops.push(this.operation(project, 'delete_timeline', branchId));
    project.updatedAt = Date.now();
    return { branch, operations: ops };
  }

  updateBranch(
    project: Project,
    branch: Branch,
    patch: { name?: string; expires_at?: string | null; protected?: boolean },
  ): Operation[] {
    if (patch.name !== undefined && patch.name !== branch.name) {
      if (typeof patch.name !== 'string' || patch.name.length < 1 || patch.name.length > 256) {
        throw new ApiError(400, 'branch name must be between 1 and 256 characters');
      }
      for (const b of project.branches.values()) {
        if (b.name === patch.name) throw new ApiError(409, `branch already exists; branch_name:"${patch.name}"`);
      }
    }
    const expiresAt = patch.expires_at === null ? null : this.parseExpiry(patch.expires_at);
    if (patch.name !== undefined) branch.name = patch.name;
    if (expiresAt === null) delete branch.expiresAt;
    else if (expiresAt !== undefined) branch.expiresAt = expiresAt;
    if (typeof patch.protected === 'boolean') branch.isProtected = patch.protected;
    branch.updatedAt = this.now();
    return [];
  }

  // ---------------------------------------------------------------- anonymized branches

  /** Masking runs still going (awaited by stop(), so no UPDATE outlives the cluster). */
  readonly anonymizing = new Set<Promise<void>>();

  /** Mark a new branch anonymized with these rules (state `initialized`: made, not masked yet). */
  markAnonymized(branch: Branch, rules: MaskingRule[]): void {
    const t = this.now();
    branch.anonymization = { state: 'initialized', rules, createdAt: t, updatedAt: t };
  }

  /**
   * `POST …/anonymize` (and `start_anonymization` on create): mask the branch's copy with its rules, in the
   * background after `delayMs` (how long Neon's masking takes; the proxy refuses the branch's sessions meanwhile).
   * From `initialized`, `error` or `anonymized` only, as Neon's API says.
   */
  startAnonymization(branch: Branch, delayMs = 0): void {
    const a = branch.anonymization;
    if (!a) throw new ApiError(400, 'branch is not an anonymized branch');
    if (!['initialized', 'error', 'anonymized'].includes(a.state))
      throw new ApiError(409, `anonymization cannot start while the branch is ${a.state}`);
    const started = this.now();
    Object.assign(a, { state: 'anonymizing', statusMessage: 'Starting anonymization', updatedAt: started });
    a.lastRun = { startedAt: started, maskedColumns: 0 };
    delete a.failedAt;
    const run = (async () => {
      if (delayMs) await sleep(delayMs);
      try {
        for (const db of new Set(a.rules.map((r) => r.database_name))) {
          const target = branch.databases.find((d) => d.name === db);
          if (!target) throw new Error(`database "${db}" does not exist on branch ${branch.id}`);
          await this.waitForGate(target.pgName);
          const { socketDir, port } = this.opts.cluster;
          const client = new pg.Client({ host: socketDir, port, user: ADMIN_USER, database: target.pgName });
          await client.connect();
          try {
            await maskDatabase(
              client,
              a.rules.filter((r) => r.database_name === db),
              (m) => {
                a.statusMessage = m;
                a.updatedAt = this.now();
              },
            );
          } finally {
            await client.end().catch(() => undefined);
          }
        }
        Object.assign(a, {
          state: 'anonymized',
          statusMessage: `Anonymized ${a.rules.length} columns`,
          updatedAt: this.now(),
        });
        a.lastRun = { startedAt: started, completedAt: this.now(), maskedColumns: a.rules.length };
      } catch (e) {
        const t = this.now();
        Object.assign(a, { state: 'error', statusMessage: (e as Error).message, updatedAt: t, failedAt: t });
      }
    })();
    this.anonymizing.add(run);
    void run.finally(() => this.anonymizing.delete(run));
  }

  // ---------------------------------------------------------------- schema

  /**
   * `GET …/branches/{id}/schema?db_name=…`: the database's schema as pg_dump --schema-only prints it (schema-dump.ts),
   * computed from that branch's own PostgreSQL database. Owners are Neon role names (a role with a password of this
   * branch's own is a PostgreSQL role of its own here; it is reported under the project role's name).
   */
  async branchSchema(project: Project, branch: Branch, dbName: string): Promise<string> {
    const db = branch.databases.find((d) => d.name === dbName);
    if (!db) throw new ApiError(404, `database "${dbName}" not found`);
    const neonName = new Map<string, string>();
    for (const r of project.roles.values()) neonName.set(r.pgName, r.name);
    for (const b of project.branches.values())
      for (const [name, r] of b.rolePasswords ?? []) neonName.set(r.pgName, name);
    await this.waitForGate(db.pgName); // a session now would make a running branch copy of this database fail
    const { socketDir, port } = this.opts.cluster;
    const client = new pg.Client({ host: socketDir, port, user: ADMIN_USER, database: db.pgName });
    await client.connect();
    try {
      return await dumpSchema(client, (pgRole) => neonName.get(pgRole) ?? pgRole);
    } finally {
      await client.end().catch(() => undefined);
    }
  }

  // ---------------------------------------------------------------- proxy routing

  findEndpoint(endpointId: string): { project: Project; branch: Branch; endpoint: Endpoint } | undefined {
    for (const project of this.projects.values()) {
      for (const branch of project.branches.values()) {
        if (branch.state !== 'ready') continue;
        const endpoint = branch.endpoints.find((e) => e.id === endpointId);
        if (endpoint) return { project, branch, endpoint };
      }
    }
    return undefined;
  }
}
