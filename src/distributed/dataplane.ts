// Chunk bytes between workers and clients over plain TCP. NATS carries tasks, results, heartbeats
// and events; bulk chunk data through NATS request-reply moved only ~40–160 MB/s here (every byte
// is parsed by the client library and relayed by nats-server), so each worker also serves its
// stored chunks on a TCP port it advertises in its heartbeat. One request per connection:
//   request  = u32 LE length, JSON { token?, key, box? }
//   response = u8 status (0 ok, 1 error), u64 LE length, bytes (the chunk, or the packed box; an
//              error's bytes are its UTF-8 message)
// The cluster's token (or password) guards it like the NATS server; with TLS on NATS the data
// plane is off and chunks travel through NATS (see docs/distributed.md).
import { createServer, connect, type Server, type Socket } from 'node:net';
import { timingSafeEqual } from 'node:crypto';
import { SUBJECTS, pack, unpack, type DataAddress } from './protocol.js';
import type { Transport } from './transport.js';

export type { DataAddress };

export interface DataRequest {
  key: string;
  /** A box of the stored chunk (row-major, `shape`), packed; default: the whole chunk. */
  box?: { shape: number[]; start: number[]; ext: number[]; itemsize: number };
}

/** What the server sends for a request: bytes, or an error message. */
export type DataLookup = (req: DataRequest) => Uint8Array | { error: string };

const MAX_REQUEST = 1 << 20;

export class DataServer {
  private server: Server | undefined;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly lookup: DataLookup,
    private readonly secret?: string,
  ) {}

  /** Listen on `bind` (an ephemeral port); advertise `advertise` (default: `bind`). */
  async listen(bind: string, advertise = bind): Promise<DataAddress> {
    const server = createServer((socket) => this.serve(socket));
    this.server = server;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, bind, () => resolve());
    });
    const addr = server.address();
    if (!addr || typeof addr === 'string') throw new Error('data server: no port');
    return { host: advertise, port: addr.port };
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => socket.destroy());
    socket.setNoDelay(true);
    let buf = Buffer.alloc(0);
    const onData = (d: Buffer): void => {
      buf = Buffer.concat([buf, d]);
      if (buf.length < 4) return;
      const len = buf.readUInt32LE(0);
      if (len > MAX_REQUEST) return void socket.destroy();
      if (buf.length < 4 + len) return;
      socket.off('data', onData);
      let req: DataRequest & { token?: string };
      try {
        req = JSON.parse(buf.subarray(4, 4 + len).toString('utf8')) as DataRequest & { token?: string };
      } catch {
        return this.reply(socket, { error: 'bad request' });
      }
      if (this.secret !== undefined && !sameSecret(req.token, this.secret)) return this.reply(socket, { error: 'refused: wrong or missing cluster token' });
      let out: Uint8Array | { error: string };
      try {
        out = this.lookup(req);
      } catch (err) {
        out = { error: (err as Error).message };
      }
      this.reply(socket, out);
    };
    socket.on('data', onData);
  }

  private reply(socket: Socket, out: Uint8Array | { error: string }): void {
    const body = out instanceof Uint8Array ? out : Buffer.from(out.error, 'utf8');
    const head = Buffer.alloc(9);
    head[0] = out instanceof Uint8Array ? 0 : 1;
    head.writeBigUInt64LE(BigInt(body.byteLength), 1);
    socket.write(head);
    socket.end(body);
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((r) => (this.server ? this.server.close(() => r()) : r()));
  }
}

/** Fetch a chunk (or a box of it) from a worker's data server. Rejects on any failure. */
export function fetchData(addr: DataAddress, req: DataRequest, secret: string | undefined, timeoutMs: number, into?: Uint8Array): Promise<Uint8Array> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: addr.host, port: addr.port });
    socket.setNoDelay(true);
    const timer = setTimeout(() => fail(new Error(`data fetch from ${addr.host}:${addr.port} timed out after ${timeoutMs} ms`)), timeoutMs);
    let head: Buffer | undefined;
    let out: Uint8Array | undefined;
    let got = 0;
    let pending = Buffer.alloc(0);
    const fail = (err: Error): void => {
      clearTimeout(timer);
      socket.destroy();
      reject(err);
    };
    socket.on('error', fail);
    socket.on('connect', () => {
      const json = Buffer.from(JSON.stringify({ ...req, token: secret }), 'utf8');
      const len = Buffer.alloc(4);
      len.writeUInt32LE(json.length, 0);
      socket.write(Buffer.concat([len, json]));
    });
    socket.on('data', (d: Buffer) => {
      if (!head) {
        pending = Buffer.concat([pending, d]);
        if (pending.length < 9) return;
        head = pending.subarray(0, 9);
        const n = Number(head.readBigUInt64LE(1));
        if (head[0] === 0 && into && into.length !== n) return fail(new Error(`data fetch: expected ${into.length} bytes, the server has ${n}`));
        out = head[0] === 0 && into ? into : new Uint8Array(n);
        d = pending.subarray(9);
      }
      if (got + d.length > out!.length) return fail(new Error('data fetch: the server sent too many bytes'));
      out!.set(d, got);
      got += d.length;
      if (got === out!.length) {
        clearTimeout(timer);
        socket.destroy();
        if (head[0] === 0) resolve(out!);
        else reject(new Error(Buffer.from(out!).toString('utf8')));
      }
    });
    socket.on('end', () => {
      if (!out || got < out.length) fail(new Error(`data fetch from ${addr.host}:${addr.port}: connection closed early`));
    });
  });
}

/**
 * A stored chunk (or a box of it) from the worker holding it, into `into`: its chunk port, else
 * NATS request-reply (`tessera.worker.NAME.get`, TLS clusters and unreachable ports). Used by
 * clients gathering results and by workers reading their peers' pieces.
 */
export async function fetchChunk(
  transport: Transport,
  src: { worker: string; key: string; data?: DataAddress; box?: DataRequest['box'] },
  into: Uint8Array,
  secret: string | undefined,
  timeoutMs: number,
): Promise<void> {
  const { worker, key, data, box } = src;
  if (data) {
    try {
      await fetchData(data, { key, box }, secret, Math.max(timeoutMs, 60_000), into);
      return;
    } catch {
      // the chunk port is unreachable (firewall?): NATS below, which also says if the chunk is gone
    }
  }
  await fetchWindows(
    into.length,
    async (offset, length) => {
      const raw = await transport.request(SUBJECTS.workerGet(worker), pack({ key, offset, length, box }), timeoutMs);
      if (raw[0] !== 0) throw new Error(unpack<{ error: string }>(raw.subarray(1)).error);
      return raw.subarray(1);
    },
    into,
  );
}

/**
 * Read `total` bytes as windows of `window` bytes with `parallel` requests in flight: one NATS
 * request-reply at a time moved ~50 MB/s here, 16 × 256 KiB in flight ~160 MB/s.
 */
export async function fetchWindows(
  total: number,
  get: (offset: number, length: number) => Promise<Uint8Array>,
  into?: Uint8Array,
  window = 256 << 10,
  parallel = 16,
): Promise<Uint8Array> {
  const out = into ?? new Uint8Array(total);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < total) {
      const offset = next;
      const length = Math.min(window, total - offset);
      next += length;
      const body = await get(offset, length);
      if (body.length !== length) throw new Error(`expected ${length} bytes at ${offset}, got ${body.length}`);
      out.set(body, offset);
    }
  };
  await Promise.all(Array.from({ length: Math.min(parallel, Math.ceil(total / window)) }, lane));
  return out;
}

function sameSecret(given: unknown, secret: string): boolean {
  if (typeof given !== 'string') return false;
  const a = Buffer.from(given);
  const b = Buffer.from(secret);
  return a.length === b.length && timingSafeEqual(a, b);
}
