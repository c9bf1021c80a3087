// The distributed client: lowers collections exactly as a local compute does, sends the plan to
// the scheduler, follows progress, and fetches stored output pieces straight from the workers.
import { randomUUID } from 'node:crypto';
import { NDArray, type Computed } from '../array/ndarray.js';
import { DenseArray } from '../array/dense.js';
import { Lowering, type RootRequest } from '../graph/lower.js';
import type { ComputeOptions } from '../graph/types.js';
import { observerFor } from '../scheduler/local.js';
import { abortError } from '../errors.js';
import { native, type NativeBufferArg } from '../native.js';
import { SUBJECTS, pack, unpack, type ClientEvent, type OutputResult, type Piece, type SubmitRequest, type WireBuffer, type WorkerInfo } from './protocol.js';
import type { Auth } from './nats.js';
import type { Transport } from './transport.js';

export interface ClientOptions {
  auth?: Auth;
  tls?: { caFile?: string } | boolean;
  /** Fail a compute when the scheduler has not been heard from for this long (default 5000 ms). */
  schedulerTimeoutMs?: number;
}

/** A module function reference: `{ url, exportName }` or a `delayed.module(url, name)` function. */
export type ModuleFunctionRef = { url: string | URL; exportName: string } | { moduleRef: { url: string; exportName: string } };

/** Output of `client.persist`: chunks stay in the workers' native memory until released. */
export class RemoteArray {
  constructor(
    private readonly client: Client,
    readonly compute: string,
    readonly shape: readonly number[],
    readonly dtype: 'float64' | 'float32',
    private output: OutputResult,
  ) {}

  /** Fetch the data from the workers. */
  async gather(): Promise<Computed> {
    const data = await this.client.fetchOutput(this.compute, this.output, this.shape, this.dtype, (o) => (this.output = o));
    return this.shape.length === 0 ? data[0]! : new DenseArray(data, this.shape);
  }

  /** Where the chunks live. */
  get workers(): string[] {
    return this.output.kind === 'pieces' ? [...new Set(this.output.pieces.map((p) => p.worker))] : [];
  }

  release(): void {
    this.client.release(this.compute);
  }
}

export class Client {
  private schedulerId = '';
  private lastBeat = Date.now();
  /** Connections re-established: events published meanwhile (a compute's 'done') may be lost. */
  private reconnects = 0;
  private closed = false;
  private readonly timeoutMs: number;

  private constructor(private readonly transport: Transport, options: ClientOptions) {
    this.timeoutMs = options.schedulerTimeoutMs ?? 5000;
  }

  /** Connect to a scheduler (`nats://host:8786`). */
  static async connect(address: string, options: ClientOptions = {}): Promise<Client> {
    if (typeof address !== 'string' || !/^(nats|tls):\/\//.test(address)) {
      throw new TypeError(`Client.connect(address): address must be a URL like nats://127.0.0.1:8786, got ${String(address)}`);
    }
    const auth = options.auth ?? (process.env.TESSERA_TOKEN ? { token: process.env.TESSERA_TOKEN } : undefined);
    // Loaded on first use: importing tessera does not load the NATS client.
    const { connectNats } = await import('./nats.js');
    const transport = await connectNats(address, { auth, tls: options.tls, name: 'tessera-client' });
    return Client.withTransport(transport, options).catch(async (err) => {
      await transport.close();
      throw err;
    });
  }

  /** A client on any Transport (e.g. the in-process MemoryBus in tests). */
  static async withTransport(transport: Transport, options: ClientOptions = {}): Promise<Client> {
    const c = new Client(transport, options);
    transport.onReconnect(() => c.reconnects++);
    transport.subscribe(SUBJECTS.heartbeat, (d) => {
      const { id } = unpack<{ id: string }>(d);
      c.lastBeat = Date.now();
      if (!c.schedulerId) c.schedulerId = id;
    });
    let info: { id: string };
    try {
      info = unpack(await transport.request(SUBJECTS.info, new Uint8Array(), c.timeoutMs));
    } catch (err) {
      throw new Error(`tessera: connected, but no scheduler answers (${(err as Error).message}). Is \`tessera scheduler\` running?`, { cause: err });
    }
    c.schedulerId = info.id;
    c.lastBeat = Date.now();
    return c;
  }

  /** Workers the scheduler knows, with their memory use. */
  async workers(): Promise<WorkerInfo[]> {
    return unpack<{ workers: WorkerInfo[] }>(await this.transport.request(SUBJECTS.info, new Uint8Array(), this.timeoutMs)).workers;
  }

  /** Compute one array (→ its value) or several (→ an array of values), like `compute()`. */
  async compute<T extends Computed>(x: NDArray<T>, options?: ComputeOptions): Promise<T>;
  async compute(xs: readonly NDArray<Computed>[], options?: ComputeOptions): Promise<Computed[]>;
  async compute(x: NDArray<Computed> | readonly NDArray<Computed>[], options: ComputeOptions = {}): Promise<Computed | Computed[]> {
    const arrays = this.arrays('compute', x);
    const { compute, outputs, shapes } = await this.run(arrays, options);
    try {
      const values = await Promise.all(outputs.map((o, i) => this.fetchOutput(compute, o, shapes[i]!.shape, shapes[i]!.dtype)));
      const result = values.map((d, i) => (shapes[i]!.shape.length === 0 ? d[0]! : new DenseArray(d, shapes[i]!.shape)));
      return Array.isArray(x) ? result : result[0]!;
    } finally {
      this.release(compute);
    }
  }

  /** Compute and keep the chunks in the workers' memory. */
  async persist(x: NDArray<Computed>, options?: ComputeOptions): Promise<RemoteArray>;
  async persist(xs: readonly NDArray<Computed>[], options?: ComputeOptions): Promise<RemoteArray[]>;
  async persist(x: NDArray<Computed> | readonly NDArray<Computed>[], options: ComputeOptions = {}): Promise<RemoteArray | RemoteArray[]> {
    const arrays = this.arrays('persist', x);
    const { compute, outputs, shapes } = await this.run(arrays, options);
    const remote = outputs.map((o, i) => new RemoteArray(this, compute, shapes[i]!.shape, shapes[i]!.dtype, o));
    return Array.isArray(x) ? remote : remote[0]!;
  }

  /** Run `fn(...args)` on a worker; `fn` is a module function (importable on the workers). */
  async submit(fn: ModuleFunctionRef, ...args: unknown[]): Promise<unknown> {
    return (await this.map(fn, [args]))[0];
  }

  /** Run `fn(...argsList[i])` for every i on the workers, in parallel. */
  async map(fn: ModuleFunctionRef, argsList: readonly unknown[][], options: ComputeOptions = {}): Promise<unknown[]> {
    const ref = moduleRef(fn);
    if (!Array.isArray(argsList) || !argsList.every(Array.isArray)) throw new TypeError('client.map(fn, argsList): argsList must be an array of argument arrays');
    const compute = randomUUID();
    const done = this.follow(compute, options, ref.exportName);
    await this.ask(SUBJECTS.call, { compute, url: ref.url, exportName: ref.exportName, args: argsList });
    const e = await done;
    return e.value as unknown[];
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.transport.close();
  }

  release(compute: string): void {
    this.transport.publish(SUBJECTS.release, pack({ compute }));
  }

  // ---- internals
  private arrays(what: string, x: unknown): NDArray<Computed>[] {
    const list = Array.isArray(x) ? x : [x];
    list.forEach((a, i) => {
      if (!(a instanceof NDArray)) throw new TypeError(`client.${what}: argument ${Array.isArray(x) ? `[${i}] ` : ''}must be an NDArray, got ${typeof a}`);
    });
    if (this.closed) throw new Error(`client.${what}: the client is closed`);
    return list as NDArray<Computed>[];
  }

  private async ask(subject: string, body: unknown): Promise<unknown> {
    let raw: Uint8Array;
    try {
      raw = await this.transport.request(subject, pack(body), this.timeoutMs);
    } catch (err) {
      throw new Error(`tessera: the scheduler did not answer (${(err as Error).message})`, { cause: err });
    }
    const r = unpack<{ ok: boolean; value?: unknown; error?: string }>(raw);
    if (!r.ok) throw new Error(`tessera scheduler: ${r.error}`);
    return r.value;
  }

  private async run(arrays: NDArray<Computed>[], options: ComputeOptions) {
    const lowering = new Lowering((bytes) => new ArrayBuffer(bytes));
    const lowered = lowering.lower(arrays.map((a): RootRequest => ({ node: a.node, target: 'result' })));
    const written = new Set(lowered.plan.stages.map((s) => s.sink.buffer));
    const buffers: WireBuffer[] = lowered.buffers.map((b, i) =>
      written.has(i) ? { kind: 'out', bytes: byteLength(b) } : { kind: 'data', data: bytesOf(b) },
    );
    const outputs = lowered.outputs.map((o) => lowered.buffers.indexOf(o.memory as NativeBufferArg));
    const compute = randomUUID();
    const req: SubmitRequest = { compute, stages: lowered.plan.stages, stageNames: lowered.stageNames, buffers, outputs };
    const done = this.follow(compute, options, lowered.stageNames.join(', '));
    try {
      await this.ask(SUBJECTS.submit, req);
    } catch (err) {
      done.catch(() => {});
      throw err;
    }
    const e = await done;
    return { compute, outputs: e.outputs, shapes: lowered.outputs.map((o) => ({ shape: o.shape, dtype: o.dtype })) };
  }

  /** Wait for the compute's 'done', reporting progress; fail if the scheduler goes away. */
  private follow(compute: string, options: ComputeOptions, label: string): Promise<Extract<ClientEvent, { type: 'done' }>> {
    const { signal } = options;
    if (signal?.aborted) return Promise.reject(abortError(signal.reason));
    const observer = observerFor(options, label);
    let started = false;
    return new Promise((resolve, reject) => {
      const expected = this.schedulerId;
      const reconnects = this.reconnects;
      const beatSub = this.transport.subscribe(SUBJECTS.heartbeat, (d) => {
        const { id } = unpack<{ id: string }>(d);
        if (id !== expected) end(new Error(`tessera: the scheduler restarted during the compute (was ${expected.slice(0, 8)}, now ${id.slice(0, 8)}); its in-flight work is lost — run the compute again`));
      });
      const sub = this.transport.subscribe(SUBJECTS.client(compute), (d) => {
        const e = unpack<ClientEvent>(d);
        if (e.type === 'progress') {
          if (!started) observer?.start(e.total), (started = true);
          observer?.update(e.done, e.total);
        } else if (e.type === 'done') end(undefined, e);
        else end(new Error(`tessera: compute failed: ${e.message}`));
      });
      const watchdog = setInterval(() => {
        const silent = Date.now() - this.lastBeat;
        if (silent > this.timeoutMs) end(new Error(`tessera: lost the scheduler (no heartbeat for ${silent} ms); the compute is abandoned`));
        else if (this.reconnects !== reconnects) end(new Error('tessera: the connection to the NATS server dropped during the compute (server restarted?); its in-flight work may be lost — run the compute again'));
      }, Math.min(500, this.timeoutMs / 4));
      const onAbort = (): void => {
        this.release(compute);
        end(abortError(signal!.reason));
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      let over = false;
      const end = (err?: Error, e?: Extract<ClientEvent, { type: 'done' }>): void => {
        if (over) return;
        over = true;
        clearInterval(watchdog);
        sub.unsubscribe();
        beatSub.unsubscribe();
        signal?.removeEventListener('abort', onAbort);
        if (started) observer?.finish(err);
        if (err) reject(err);
        else resolve(e!);
      };
    });
  }

  /** Output bytes as a typed array: inline data, or pieces fetched from the workers. */
  async fetchOutput(
    compute: string,
    out: OutputResult,
    shape: readonly number[],
    dtype: 'float64' | 'float32',
    onRelocated?: (o: OutputResult) => void,
  ): Promise<Float64Array | Float32Array> {
    const Ctor = dtype === 'float64' ? Float64Array : Float32Array;
    const n = Math.max(shape.reduce((a, b) => a * b, 1), 1);
    if (out.kind === 'data') {
      const copy = new Uint8Array(n * Ctor.BYTES_PER_ELEMENT);
      copy.set(out.data.subarray(0, copy.length));
      return new Ctor(copy.buffer);
    }
    const result = new Ctor(n);
    let pieces = out.pieces;
    for (let attempt = 0; ; attempt++) {
      const lost: Piece[] = [];
      await Promise.all(
        pieces.map(async (p) => {
          try {
            scatter(result, p, await this.fetchPiece(p));
          } catch (err) {
            if (attempt >= 2) throw err;
            lost.push(p);
          }
        }),
      );
      if (!lost.length) return result;
      // Their worker is gone: have the scheduler recompute them, then fetch the new copies.
      const done = this.follow(compute, {}, 'recompute');
      await this.ask(SUBJECTS.recompute, { compute, tasks: lost.map((p) => p.task) });
      const e = await done;
      const fresh = e.outputs.flatMap((o) => (o.kind === 'pieces' ? o.pieces : []));
      const byKey = new Map(fresh.map((p) => [p.key, p]));
      pieces = lost.map((p) => byKey.get(p.key) ?? p);
      onRelocated?.({ kind: 'pieces', pieces: out.pieces.map((p) => byKey.get(p.key) ?? p) });
    }
  }

  private async fetchPiece(p: Piece): Promise<Uint8Array> {
    const parts: Uint8Array[] = [];
    let offset = 0;
    for (;;) {
      const raw = await this.transport.request(SUBJECTS.workerGet(p.worker), pack({ key: p.key, offset }), this.timeoutMs);
      if (raw[0] !== 0) throw new Error(unpack<{ error: string }>(raw.subarray(1)).error);
      const body = raw.subarray(1);
      parts.push(body);
      offset += body.length;
      const itemsize = p.dtype === 0 ? 8 : 4;
      const total = p.whole ? -1 : p.ext.reduce((a, b) => a * b, 1) * itemsize;
      if (body.length === 0 || (total >= 0 && offset >= total) || body.length < 8 << 20) break;
    }
    if (parts.length === 1) return parts[0]!;
    const all = new Uint8Array(offset);
    let o = 0;
    for (const part of parts) all.set(part, o), (o += part.length);
    return all;
  }
}

function scatter(result: Float64Array | Float32Array, p: Piece, bytes: Uint8Array): void {
  const copy = new Uint8Array(bytes.byteLength);
  copy.set(bytes);
  const src = p.dtype === 0 ? new Float64Array(copy.buffer) : new Float32Array(copy.buffer);
  if (p.whole) {
    result.set(src.subarray(0, result.length));
    return;
  }
  const nd = p.ext.length;
  if (nd === 0) {
    result[p.offset] = src[0]!;
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const inner = p.ext[nd - 1]!;
  const innerStride = p.strides[nd - 1]!;
  let s = 0;
  for (;;) {
    let dst = p.offset;
    for (let k = 0; k < nd; k++) dst += (p.start[k]! + idx[k]!) * p.strides[k]!;
    if (innerStride === 1) result.set(src.subarray(s, s + inner), dst);
    else for (let j = 0; j < inner; j++) result[dst + j * innerStride] = src[s + j]!;
    s += inner;
    let k = nd - 2;
    for (; k >= 0; k--) {
      if (++idx[k]! < p.ext[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

function byteLength(b: NativeBufferArg): number {
  if (b instanceof ArrayBuffer) return b.byteLength;
  if (ArrayBuffer.isView(b)) return b.byteLength;
  return native().bufferView(b).byteLength;
}

function bytesOf(b: NativeBufferArg): Uint8Array {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(native().bufferView(b));
}

function moduleRef(fn: ModuleFunctionRef): { url: string; exportName: string } {
  const r = (fn && typeof fn === 'object') || typeof fn === 'function' ? ('moduleRef' in fn ? fn.moduleRef : fn) : undefined;
  if (!r || typeof r.exportName !== 'string' || !(typeof r.url === 'string' || r.url instanceof URL)) {
    throw new TypeError(
      'client.submit/map(fn): fn must be a module function reference { url, exportName } (url: new URL("./work.js", import.meta.url)) or a delayed.module(url, name) function — no code travels to the workers',
    );
  }
  return { url: String(r.url), exportName: r.exportName };
}

