import net from 'node:net';
import tls from 'node:tls';
import type { Duplex } from 'node:stream';

// PostgreSQL wire-protocol codes (https://www.postgresql.org/docs/current/protocol-message-formats.html).
const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;

// Neon's proxy wording (neondatabase/neon proxy source: ERR_INSECURE_CONNECTION; docs "Connection errors").
export const ERR_INSECURE = 'connection is insecure (try using `sslmode=require`)';
export const ERR_NO_ENDPOINT =
  "The endpoint ID is not specified. Either upgrade the Postgres client library (libpq) for SNI support or pass the endpoint ID (the first part of the domain name) as a parameter: '&options=endpoint%3D<endpoint-id>'. See https://neon.tech/sni for more information.";
export const ERR_UNKNOWN_ENDPOINT =
  "The requested endpoint could not be found, or you don't have access to it. Please check the provided ID and try again.";

export interface RouteRequest {
  endpointId: string;
  pooled: boolean;
  routedBy: 'sni' | 'options';
  database: string;
  user: string;
}

export type RouteResult =
  | { ok: true; pgDatabase: string; pgUser: string; projectId: string; branchId: string }
  | { ok: false; code: string; message: string };

export interface ProxyOptions {
  cert: Buffer;
  key: Buffer;
  ca: Buffer;
  pgPort: () => number;
  /** Maps an endpoint + database + role to the real PostgreSQL names; may wait (e.g. while a branch is being cloned). */
  route(req: RouteRequest): Promise<RouteResult>;
  onConnect?(entry: RouteRequest & { projectId: string; branchId: string }): void;
  onClose?(): void;
}

export interface PgProxy {
  port: number;
  activeConnections(): number;
  close(): Promise<void>;
}

/** Buffered reads of whole protocol messages from a stream, then hand the stream back. */
class Reader {
  private buf: Buffer = Buffer.alloc(0);
  private want: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private failed: Error | undefined;
  private readonly onData = (d: Buffer) => {
    this.buf = this.buf.length ? Buffer.concat([this.buf, d]) : d;
    this.pump();
  };
  private readonly onEnd = () => this.fail(new Error('client closed the connection'));
  private readonly onError = (e: Error) => this.fail(e);

  constructor(private readonly stream: Duplex) {
    stream.on('data', this.onData);
    stream.on('end', this.onEnd);
    stream.on('error', this.onError);
  }

  private fail(e: Error) {
    this.failed = e;
    if (this.want) {
      this.want.reject(e);
      this.want = undefined;
    }
  }

  private pump() {
    if (this.want && this.buf.length >= this.want.n) {
      const out = this.buf.subarray(0, this.want.n);
      this.buf = this.buf.subarray(this.want.n);
      const w = this.want;
      this.want = undefined;
      w.resolve(out);
    }
  }

  read(n: number): Promise<Buffer> {
    if (this.failed) return Promise.reject(this.failed);
    return new Promise((resolve, reject) => {
      this.want = { n, resolve, reject };
      this.pump();
    });
  }

  /** Startup-phase message: int32 length (including itself) + body. */
  async readStartup(): Promise<Buffer> {
    const head = await this.read(4);
    const len = head.readInt32BE(0);
    if (len < 8 || len > 10_000) throw new Error('protocol violation');
    const rest = await this.read(len - 4);
    return Buffer.concat([head, rest]);
  }

  /** Stop reading; returns bytes already buffered. */
  detach(): Buffer {
    this.stream.off('data', this.onData);
    this.stream.off('end', this.onEnd);
    this.stream.off('error', this.onError);
    this.stream.pause();
    const rest = this.buf;
    this.buf = Buffer.alloc(0);
    return rest;
  }
}

function errorResponse(message: string, code: string, severity = 'ERROR'): Buffer {
  const field = (t: string, v: string) => Buffer.concat([Buffer.from(t), Buffer.from(v, 'utf8'), Buffer.from([0])]);
  const body = Buffer.concat([
    field('S', severity),
    field('V', severity),
    field('C', code),
    field('M', message),
    Buffer.from([0]),
  ]);
  const head = Buffer.alloc(5);
  head.write('E', 0);
  head.writeInt32BE(body.length + 4, 1);
  return Buffer.concat([head, body]);
}

function parseStartup(msg: Buffer): { version: number; params: Map<string, string> } {
  const version = msg.readInt32BE(4);
  const params = new Map<string, string>();
  const parts = msg.subarray(8).toString('utf8').split('\0');
  for (let i = 0; i + 1 < parts.length && parts[i] !== ''; i += 2) params.set(parts[i], parts[i + 1]);
  return { version, params };
}

function buildStartup(version: number, params: Map<string, string>): Buffer {
  const chunks: Buffer[] = [];
  for (const [k, v] of params) chunks.push(Buffer.from(`${k}\0${v}\0`, 'utf8'));
  chunks.push(Buffer.from([0]));
  const body = Buffer.concat(chunks);
  const head = Buffer.alloc(8);
  head.writeInt32BE(body.length + 8, 0);
  head.writeInt32BE(version, 4);
  return Buffer.concat([head, body]);
}

/** Split libpq `options` on unescaped whitespace, pull out `endpoint=` (or Neon's older `project=`). */
export function takeEndpointOption(options: string | undefined): { endpoint?: string; rest: string } {
  if (!options) return { rest: '' };
  const tokens = options.match(/(?:\\.|[^\s\\])+/g) ?? [];
  let endpoint: string | undefined;
  const rest: string[] = [];
  for (const t of tokens) {
    const m = /^(?:--)?(?:endpoint|project)=(.+)$/.exec(t);
    if (m && endpoint === undefined) endpoint = m[1];
    else rest.push(t);
  }
  return { endpoint, rest: rest.join(' ') };
}

/** `ep-x-y-z.localhost`, `ep-x-y-z-pooler.us-east-2.aws.neon.tech` → the endpoint id (with -pooler). */
export function endpointFromSni(servername: string | false | undefined | null): string | undefined {
  if (!servername) return undefined;
  const first = servername.split('.')[0];
  return /^ep-[a-z0-9-]+$/.test(first) ? first : undefined;
}

function connectUpstream(port: number, ca: Buffer): Promise<tls.TLSSocket> {
  return new Promise((resolve, reject) => {
    const raw = net.connect(port, '127.0.0.1');
    raw.once('error', reject);
    raw.once('connect', () => {
      const req = Buffer.alloc(8);
      req.writeInt32BE(8, 0);
      req.writeInt32BE(SSL_REQUEST, 4);
      raw.write(req);
    });
    raw.once('data', (d: Buffer) => {
      if (d[0] !== 0x53 /* S */) {
        raw.destroy();
        reject(new Error('PostgreSQL refused TLS'));
        return;
      }
      raw.off('error', reject);
      raw.pause();
      const sock = tls.connect({ socket: raw, ca: [ca], servername: 'localhost' });
      sock.once('secureConnect', () => {
        sock.off('error', reject);
        resolve(sock);
      });
      sock.once('error', reject);
    });
  });
}

export function startProxy(opts: ProxyOptions, port = 0): Promise<PgProxy> {
  const secureContext = tls.createSecureContext({ cert: opts.cert, key: opts.key });
  const sockets = new Set<Duplex>();
  let active = 0;

  const forwardCancel = (msg: Buffer) => {
    // Cancel requests carry no credentials; PostgreSQL matches the backend key itself.
    const up = net.connect(opts.pgPort(), '127.0.0.1', () => up.end(msg));
    up.on('error', () => undefined);
  };

  async function handle(raw: net.Socket): Promise<void> {
    sockets.add(raw);
    raw.on('close', () => sockets.delete(raw));
    raw.on('error', () => undefined);
    let reader = new Reader(raw);
    let first = await reader.readStartup();
    let code = first.readInt32BE(4);
    if (code === GSSENC_REQUEST) {
      raw.write('N');
      first = await reader.readStartup();
      code = first.readInt32BE(4);
    }
    if (code === CANCEL_REQUEST) {
      forwardCancel(first);
      raw.end();
      return;
    }
    if (code !== SSL_REQUEST) {
      // Like Neon: plaintext is refused before anything else happens.
      raw.end(errorResponse(ERR_INSECURE, '28000'));
      return;
    }
    reader.detach();
    raw.write('S');
    const client = new tls.TLSSocket(raw, { isServer: true, secureContext });
    sockets.add(client);
    client.on('error', () => undefined);
    await new Promise<void>((resolve, reject) => {
      client.once('secure', resolve);
      client.once('error', reject);
      client.once('close', () => reject(new Error('closed during TLS handshake')));
    });
    reader = new Reader(client);
    client.resume();
    const startup = await reader.readStartup();
    const version = startup.readInt32BE(4);
    if (version === CANCEL_REQUEST) {
      forwardCancel(startup);
      client.end();
      return;
    }
    if (version >> 16 !== 3) {
      client.end(errorResponse('unsupported frontend protocol', '0A000'));
      return;
    }
    const { params } = parseStartup(startup);
    const sni = endpointFromSni((client as tls.TLSSocket & { servername?: string | false }).servername);
    const fromOptions = takeEndpointOption(params.get('options'));
    const rawEndpoint = sni ?? fromOptions.endpoint;
    if (!rawEndpoint) {
      client.end(errorResponse(ERR_NO_ENDPOINT, '08004'));
      return;
    }
    const pooled = rawEndpoint.endsWith('-pooler');
    const endpointId = pooled ? rawEndpoint.slice(0, -'-pooler'.length) : rawEndpoint;
    const user = params.get('user') ?? '';
    const request: RouteRequest = {
      endpointId,
      pooled,
      routedBy: sni ? 'sni' : 'options',
      database: params.get('database') ?? user,
      user,
    };
    const route = await opts.route(request);
    if (!route.ok) {
      client.end(errorResponse(route.message, route.code));
      return;
    }
    params.set('user', route.pgUser);
    params.set('database', route.pgDatabase);
    if (fromOptions.rest) params.set('options', fromOptions.rest);
    else params.delete('options');

    let upstream: tls.TLSSocket;
    try {
      upstream = await connectUpstream(opts.pgPort(), opts.ca);
    } catch (err) {
      client.end(errorResponse(`could not reach the compute: ${(err as Error).message}`, '08006'));
      return;
    }
    sockets.add(upstream);
    const leftover = reader.detach();
    upstream.write(buildStartup(version, params));
    if (leftover.length) upstream.write(leftover);
    active++;
    opts.onConnect?.({ ...request, projectId: route.projectId, branchId: route.branchId });
    let closed = false;
    const done = () => {
      if (closed) return;
      closed = true;
      active--;
      sockets.delete(upstream);
      client.destroy();
      upstream.destroy();
      opts.onClose?.();
    };
    upstream.on('error', done);
    upstream.on('close', done);
    client.on('close', done);
    client.on('error', done);
    client.pipe(upstream);
    upstream.pipe(client);
    client.resume();
  }

  const server = net.createServer((raw) => {
    handle(raw).catch(() => raw.destroy());
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => {
      const addr = server.address() as net.AddressInfo;
      resolve({
        port: addr.port,
        activeConnections: () => active,
        close: () =>
          new Promise<void>((res) => {
            for (const s of sockets) s.destroy();
            server.close(() => res());
          }),
      });
    });
  });
}
