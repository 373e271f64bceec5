// Worker-thread side of `isolate: 'thread'`: runs the emulator and answers synchronous calls from the caller's thread
// (see thread.ts). Bundled on the fly by esbuild, because a worker cannot load TypeScript by itself.
import { workerData, type MessagePort } from 'node:worker_threads';
import { setResolveBase } from './postgres.ts';
import { startInProcess, type LocalNeon, type LocalNeonOptions } from './server.ts';

interface Data {
  options: LocalNeonOptions & { forwardRequests?: boolean; forwardPostgresLog?: boolean };
  resolveFrom: string;
  shared: SharedArrayBuffer;
  calls: MessagePort;
  events: MessagePort;
}

const data = workerData as Data;
setResolveBase(data.resolveFrom);
const flag = new Int32Array(data.shared);
const { forwardRequests, forwardPostgresLog, ...options } = data.options;

function reply(message: unknown): void {
  data.calls.postMessage(message);
  Atomics.store(flag, 0, 1);
  Atomics.notify(flag, 0);
}

let neon: LocalNeon;
try {
  neon = await startInProcess({
    ...options,
    isolate: 'none',
    onRequest: forwardRequests ? (entry) => data.events.postMessage({ type: 'request', entry }) : undefined,
    onPostgresLog: forwardPostgresLog ? (line) => data.events.postMessage({ type: 'pglog', line }) : undefined,
  });
} catch (err) {
  data.events.postMessage({ type: 'failed', message: (err as Error)?.stack ?? String(err) });
  throw err;
}

data.events.postMessage({
  type: 'ready',
  info: {
    apiHost: neon.apiHost,
    apiPort: neon.apiPort,
    apiKey: neon.apiKey,
    projectId: neon.projectId,
    orgId: neon.orgId,
    caFile: neon.caFile,
    proxyPort: neon.proxyPort,
    postgresPort: neon.postgresPort,
    postgresPid: neon.postgresPid,
    env: neon.env,
  },
});

data.calls.on('message', async ({ op, args }: { op: string; args: unknown[] }) => {
  try {
    let value: unknown;
    switch (op) {
      case 'requests':
        value = neon.requests;
        break;
      case 'connections':
        value = neon.connections;
        break;
      case 'connectionCount':
        value = neon.connectionCount;
        break;
      case 'projectId':
        value = neon.projectId;
        break;
      case 'createProject':
        value = await neon.createProject(args[0] as never);
        break;
      case 'getProject':
        value = neon.getProject(args[0] as never);
        break;
      case 'postgresLog':
        value = neon.postgresLog();
        break;
      case 'listBranches':
        value = await neon.listBranches(args[0] as never);
        break;
      case 'connectionUri':
        value = neon.connectionUri(args[0] as never);
        break;
      case 'failNext':
        neon.failNext(args[0] as never);
        break;
      case 'clearFailures':
        neon.clearFailures();
        break;
      case 'addApiKey':
        neon.addApiKey(args[0] as string);
        break;
      case 'reset':
        await neon.reset();
        break;
      case 'stop':
        await neon.stop();
        reply({ ok: true });
        data.calls.close();
        data.events.close();
        return;
      default:
        throw new Error(`unknown call ${op}`);
    }
    reply({ ok: true, value });
  } catch (err) {
    reply({ ok: false, message: (err as Error)?.message ?? String(err), stack: (err as Error)?.stack });
  }
});
