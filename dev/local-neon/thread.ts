// Caller side of `isolate: 'thread'`: the emulator runs in a worker thread and every method here is a synchronous
// call into it (Atomics.wait + receiveMessageOnPort). So the emulator keeps serving the Neon CLI, git hooks or psql
// while this thread is blocked in spawnSync/execSync, and the LocalNeon object keeps its synchronous getters.
import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, writeFile, rename } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { MessageChannel, Worker, receiveMessageOnPort } from 'node:worker_threads';
import type { ConnectionLogEntry, LocalNeon, LocalNeonOptions } from './server.ts';
import type { RequestLogEntry } from './api.ts';

const here = fileURLToPath(import.meta.url);

function workerSource(): string {
  // Next to this file when run from source; from a bundle in dist/dev/, back in the repository's dev/local-neon/.
  const candidates = [
    path.join(path.dirname(here), 'worker.ts'),
    path.resolve(path.dirname(here), '../../dev/local-neon/worker.ts'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`local-neon: cannot find worker.ts (looked in ${candidates.join(', ')})`);
  return found;
}

/** esbuild bundles worker.ts (with pg) into one ESM file under os.tmpdir(), cached by content (~150 ms when cold). */
async function workerBundle(): Promise<string> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: [workerSource()],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    write: false,
    external: ['pg-native'],
    logLevel: 'silent',
    banner: { js: "import { createRequire as __ln_cr } from 'node:module'; const require = __ln_cr(import.meta.url);" },
  });
  const code = result.outputFiles[0].text;
  const hash = createHash('sha256').update(code).digest('hex').slice(0, 16);
  const file = path.join(os.tmpdir(), `local-neon-worker-${hash}.mjs`);
  if (!existsSync(file) || (await readFile(file, 'utf8').catch(() => '')) !== code) {
    const tmp = `${file}.${process.pid}.tmp`;
    await writeFile(tmp, code);
    await rename(tmp, file);
  }
  return file;
}

export async function startInThread(options: LocalNeonOptions): Promise<LocalNeon> {
  const file = await workerBundle();
  const shared = new SharedArrayBuffer(4);
  const flag = new Int32Array(shared);
  const calls = new MessageChannel();
  const events = new MessageChannel();
  const { onRequest, onPostgresLog, ...rest } = options;
  const worker = new Worker(file, {
    workerData: {
      options: { ...rest, forwardRequests: !!onRequest, forwardPostgresLog: !!onPostgresLog },
      resolveFrom: here,
      shared,
      calls: calls.port2,
      events: events.port2,
    },
    transferList: [calls.port2, events.port2],
  });
  let pgPid = 0;
  const killPg = () => {
    if (pgPid) {
      try {
        process.kill(pgPid, 'SIGQUIT');
      } catch {
        /* gone */
      }
    }
  };

  const info = await new Promise<Record<string, any>>((resolve, reject) => {
    const onExit = (code: number) => reject(new Error(`local-neon worker exited (${code}) before it was ready`));
    worker.once('error', reject);
    worker.once('exit', onExit);
    events.port1.on('message', (m: { type: string; [k: string]: any }) => {
      if (m.type === 'ready') {
        worker.off('error', reject);
        worker.off('exit', onExit);
        resolve(m.info);
      } else if (m.type === 'failed') reject(new Error(m.message));
      else if (m.type === 'request') onRequest?.(m.entry as RequestLogEntry);
      else if (m.type === 'pglog') onPostgresLog?.(m.line as string);
    });
  });
  events.port1.unref();
  pgPid = info.postgresPid;
  // If this process exits without stop(), do not leave the postmaster behind.
  process.on('exit', killPg);
  worker.on('error', () => undefined);

  let stopped = false;
  const call = <T>(op: string, ...args: unknown[]): T => {
    if (stopped) throw new Error('local-neon: already stopped');
    Atomics.store(flag, 0, 0);
    calls.port1.postMessage({ op, args });
    if (Atomics.wait(flag, 0, 0, 120_000) === 'timed-out')
      throw new Error(`local-neon: ${op} did not answer within 120 s`);
    const m = receiveMessageOnPort(calls.port1);
    if (!m) throw new Error(`local-neon: no answer to ${op}`);
    const r = m.message as { ok: boolean; value?: T; message?: string; stack?: string };
    if (!r.ok) {
      const err = new Error(r.message);
      if (r.stack) err.stack = r.stack;
      throw err;
    }
    return r.value as T;
  };
  // Async-looking methods still answer synchronously underneath; wrapping keeps the in-process signatures.
  const later = <T>(fn: () => T): Promise<T> => {
    try {
      return Promise.resolve(fn());
    } catch (err) {
      return Promise.reject(err);
    }
  };

  const neon: LocalNeon = {
    apiHost: info.apiHost,
    apiPort: info.apiPort,
    apiKey: info.apiKey,
    projectId: info.projectId,
    orgId: info.orgId,
    caFile: info.caFile,
    proxyPort: info.proxyPort,
    postgresPort: info.postgresPort,
    postgresPid: info.postgresPid,
    env: info.env,
    get requests() {
      return call<RequestLogEntry[]>('requests');
    },
    get connections() {
      return call<ConnectionLogEntry[]>('connections');
    },
    get connectionCount() {
      return call<number>('connectionCount');
    },
    createProject: (o) => later(() => call('createProject', o)),
    getProject: (id) => call('getProject', id),
    postgresLog: () => call('postgresLog'),
    listBranches: (id) => later(() => call('listBranches', id)),
    connectionUri: (o) => call('connectionUri', o),
    failNext: (rule) => call('failNext', rule),
    clearFailures: () => call('clearFailures'),
    addApiKey: (key) => call('addApiKey', key),
    reset: () => later(() => call('reset')),
    async stop() {
      if (stopped) return;
      try {
        call('stop');
      } finally {
        stopped = true;
        process.off('exit', killPg);
        await worker.terminate();
      }
    },
  };
  return neon;
}
