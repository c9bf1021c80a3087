// A tessera worker: pulls tasks from the work queue, runs plan pieces on the native engine (its
// own thread pool, `nthreads` threads), keeps stored chunks in native memory and serves them to
// clients and peers by request-reply, heartbeats into the KV bucket, spills stored chunks to disk
// past Dask's thresholds of its memory limit (worker-spill.ts), and imports module functions for `client.submit` / `client.map`.
import { hostname } from 'node:os';
import { configure } from '../config.js';
import { native, type NativeBuffer, type NativeBufferArg } from '../native.js';
import { SUBJECTS, errorName, pack, unpack, type ResultMsg, type StartedMsg, type TaskMsg, type WorkerInfo, type ZarrInput } from './protocol.js';
import type { Subscription, Transport, QueuedTask } from './transport.js';
import { enc } from './transport.js';
import { copyBox, packBoxWindow, type FetchPart, type FetchSpec } from './remote.js';
import { DataServer, fetchChunk, type DataAddress, type DataRequest } from './dataplane.js';
import { ModuleRoots } from './module-roots.js';
import { importExport } from '../delayed/modules.js';
import { THRESHOLDS, WorkerSpill, touch } from './worker-spill.js';
import { FRAME_TASK_URL, computeRecipe, type Recipe } from '../dataframe/recipe.js';

export interface WorkerOptions {
  name?: string;
  nthreads?: number;
  /** Bytes of stored chunks this worker may hold in memory (default: 4 GiB); past Dask's thresholds of it chunks spill to disk (worker-spill.ts). */
  memoryLimit?: number;
  /** Where spilled chunks go (default: the OS temp dir). */
  spillDirectory?: string;
  heartbeatMs?: number;
  log?: (line: string, level?: 'debug' | 'info' | 'warn' | 'error') => void;
  /** Serve stored chunks on a TCP port (dataplane.ts): bind address, advertised host, cluster secret. */
  data?: { bind: string; advertise: string; secret?: string };
  /** Directories whose modules tasks may import (default: the working directory); see module-roots.ts. */
  modules?: readonly string[];
}

export function defaultWorkerName(): string {
  return sanitizeName(`${hostname()}-${process.pid}`);
}

export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

interface Stored {
  /** undefined while spilled to disk (worker-spill.ts) */
  buffer: NativeBuffer | undefined;
  bytes: number;
  lastUse: number;
  file?: string;
  crc?: number;
  compute: string;
  /** Tasks reading this buffer in place right now: freeing waits for them. */
  pins: number;
  dropped: boolean;
}

const GET_LIMIT = 8 << 20;
const STARTED_DELAY_MS = 50;

export class Worker {
  readonly name: string;
  readonly nthreads: number;
  readonly memoryLimit: number;
  private readonly stored = new Map<string, Stored>();
  private memory = 0;
  private readonly spill: WorkerSpill;
  /** Computes finished, failed or abandoned: their queued tasks are dropped unrun. */
  private readonly released = new Set<string>();
  /** Computes the scheduler confirmed it still runs (asked once per compute). */
  private readonly live = new Map<string, Promise<'live' | 'dead' | 'unknown'>>();
  private running = 0;
  /** Process CPU between heartbeats (process.cpuUsage deltas), percent of one core. */
  private cpuPercent: number | undefined;
  private cpuMark = { usage: process.cpuUsage(), at: performance.now() };
  private readonly subs: Subscription[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly log: (line: string, level?: 'debug' | 'info' | 'warn' | 'error') => void;
  private readonly heartbeatMs: number;
  private readonly dataOptions: WorkerOptions['data'];
  private dataServer: DataServer | undefined;
  private dataAddress: DataAddress | undefined;
  private readonly moduleRoots: ModuleRoots;

  constructor(private readonly transport: Transport, options: WorkerOptions = {}) {
    this.name = sanitizeName(options.name ?? defaultWorkerName());
    this.nthreads = options.nthreads ?? 1;
    this.memoryLimit = options.memoryLimit ?? 4 * 2 ** 30;
    this.spill = new WorkerSpill(this.name, options.spillDirectory);
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.log = options.log ?? (() => {});
    this.dataOptions = options.data;
    this.moduleRoots = new ModuleRoots(options.modules ?? [process.cwd()]);
  }

  async start(): Promise<void> {
    configure({ numThreads: this.nthreads });
    if (this.dataOptions) {
      const { bind, advertise, secret } = this.dataOptions;
      this.dataServer = new DataServer((req) => this.chunkBytes(req), secret);
      this.dataAddress = await this.dataServer.listen(bind, advertise);
    }
    const t = this.transport;
    this.subs.push(t.subscribe(SUBJECTS.workerGet(this.name), (data, reply) => reply && reply(this.get(data))));
    // Tasks the scheduler routes here because this worker holds their inputs. Handing one back
    // (over the memory limit, no scheduler answer) puts it on the shared queue.
    this.subs.push(t.subscribe(SUBJECTS.workerTask(this.name), (data) => {
      const none = (): void => {};
      void this.run({ data, deliveries: 1, ack: none, term: none, working: none, nak: () => void t.enqueue(data).catch(none) });
    }));
    // A second copy of a task this worker stored finished first elsewhere: the scheduler does not
    // track this copy, so it must not hold memory.
    this.subs.push(t.subscribe(SUBJECTS.workerDrop(this.name), (data) => {
      for (const key of unpack<{ keys: string[] }>(data).keys) this.drop(key);
    }));
    this.subs.push(
      t.subscribe(SUBJECTS.workerRelease, (data) => {
        const { compute } = unpack<{ compute: string }>(data);
        this.released.add(compute);
        this.live.delete(compute);
        if (this.released.size > 10_000) this.released.delete(this.released.values().next().value!);
        for (const [key, s] of this.stored) if (s.compute === compute || compute === '*') this.drop(key);
      }),
    );
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), this.heartbeatMs);
    this.timer.unref?.();
    // Backpressure: a bounded number of tasks held at once — one per thread plus one ready, so
    // the next task's round trip overlaps the current one. More prefetch left chunks queued on a
    // busy worker while another sat idle at the end of a stage (40000² exp-sum: 1.36× local with
    // 4 held per 1-thread worker, 1.24–1.29× with 2). Tiny tasks are batched into one message.
    this.subs.push(t.pull(this.nthreads + 1, (task) => this.run(task)));
    t.onReconnect(() => {
      this.log(`worker ${this.name}: reconnected`);
      void this.heartbeat().catch(() => {});
    });
  }

  info(): WorkerInfo {
    return {
      name: this.name,
      nthreads: this.nthreads,
      memoryLimit: this.memoryLimit,
      memory: this.memory,
      spilled: this.spill.spilledBytes,
      ...(this.cpuPercent === undefined ? {} : { cpu: this.cpuPercent }),
      running: this.running,
      stored: this.stored.size,
      t: Date.now(),
      pid: process.pid,
      host: hostname(),
      data: this.dataAddress,
    };
  }

  private async heartbeat(): Promise<void> {
    this.sampleCpu();
    await this.transport.kvPut(this.name, enc(this.info()));
  }

  /** CPU used by this process since the last sample, in percent of one core (may exceed 100). */
  private sampleCpu(): void {
    const at = performance.now();
    const elapsedUs = (at - this.cpuMark.at) * 1000;
    // Heartbeats come every heartbeatMs; a sample closer than 50 ms to the last one is too noisy.
    if (elapsedUs < 50_000) return;
    const d = process.cpuUsage(this.cpuMark.usage);
    this.cpuPercent = Math.round(((d.user + d.system) / elapsedUs) * 1000) / 10;
    this.cpuMark = { usage: process.cpuUsage(), at };
  }

  /**
   * Serve a stored chunk to a client or a peer, at most GET_LIMIT bytes per request: the whole
   * chunk from `offset`, or, with `box`, bytes from `offset` of that box packed row-major.
   */
  private get(data: Uint8Array): Uint8Array {
    let req: { key: string; offset?: number; length?: number; box?: DataRequest['box'] };
    try {
      req = unpack(data);
    } catch {
      return errorReply('bad request');
    }
    const body = this.chunkBytes(req, req.offset ?? 0, Math.min(req.length ?? GET_LIMIT, GET_LIMIT));
    if (!(body instanceof Uint8Array)) return errorReply(body.error);
    const out = new Uint8Array(body.length + 1);
    out[0] = 0;
    out.set(body, 1);
    return out;
  }

  /**
   * Bytes [offset, offset + length) of a stored chunk, or of a box of it packed row-major: what
   * the chunk port (whole) and NATS `get` (windows) serve.
   */
  private chunkBytes(req: DataRequest, offset = 0, length = Infinity): Uint8Array | { error: string } {
    const s = this.stored.get(req.key);
    if (!s) return { error: `worker ${this.name} holds no chunk ${req.key}` };
    try {
      this.resident(s, req.key);
    } catch (e) {
      return { error: (e as Error).message };
    }
    // a view of native memory: keeps the chunk alive while a socket writes it, even if dropped
    const all = new Uint8Array(native().bufferView(s.buffer!), 0, s.bytes);
    const box = req.box;
    if (!box || (box.start.every((x) => x === 0) && box.ext.every((e, a) => e === box.shape[a]))) {
      return all.subarray(offset, Math.min(s.bytes, offset + length));
    }
    return packBoxWindow(all, box.shape, box.start, box.ext, box.itemsize, offset, length);
  }

  /**
   * Assemble a box of a persisted array from stored pieces: this worker's own, or its peers'.
   * Boxes live in native memory freed when the task ends (`temps`): tens of MB per task in JS
   * ArrayBuffers, freed only by GC, made V8 run full collections back to back.
   */
  private async fetchRegion(spec: FetchSpec, pinned: Stored[], temps: NativeBuffer[]): Promise<NativeBufferArg> {
    const n = native();
    const bytes = spec.shape.reduce((a, e) => a * e, 1) * spec.itemsize;
    const whole = (p: FetchPart): boolean => p.src.every((x) => x === 0) && p.ext.every((e, a) => e === p.shape[a]) && p.dst.every((x) => x === 0);
    // One local piece that is exactly the region: read it in place, no copy.
    if (spec.parts.length === 1) {
      const p = spec.parts[0]!;
      const s = this.stored.get(p.key);
      if (s && whole(p) && p.ext.every((e, a) => e === spec.shape[a])) {
        this.resident(s, p.key);
        s.pins++;
        pinned.push(s);
        return s.buffer!;
      }
    }
    const alloc = (size: number): [NativeBuffer, Uint8Array] => {
      const b = n.allocBuffer(size);
      temps.push(b);
      return [b, new Uint8Array(n.bufferView(b))];
    };
    const temp = (size: number): Uint8Array => alloc(size)[1];
    const [regionBuffer, region] = alloc(bytes);
    const missing: { compute: string; task: string; worker: string }[] = [];
    await Promise.all(
      spec.parts.map(async (p) => {
        const local = this.stored.get(p.key);
        if (local) {
          this.resident(local, p.key);
          copyBox(new Uint8Array(n.bufferView(local.buffer!)), p.shape, p.src, p.ext, region, spec.shape, p.dst, spec.itemsize);
          return;
        }
        try {
          // a part that is the whole region lands in it directly
          const inPlace = spec.parts.length === 1 && p.dst.every((x) => x === 0) && p.ext.every((e, a) => e === spec.shape[a]);
          const into = inPlace ? region : temp(p.ext.reduce((a, e) => a * e, 1) * spec.itemsize);
          const box = { shape: p.shape, start: p.src, ext: p.ext, itemsize: spec.itemsize };
          await fetchChunk(this.transport, { worker: p.worker, key: p.key, data: p.data, box }, into, this.dataOptions?.secret, 10_000);
          if (!inPlace) copyBox(into, p.ext, p.ext.map(() => 0), p.ext, region, spec.shape, p.dst, spec.itemsize);
        } catch {
          missing.push({ compute: p.compute, task: p.task, worker: p.worker });
        }
      }),
    );
    if (missing.length) throw new MissingInputs(missing);
    return regionBuffer;
  }

  /** Forget a stored chunk; its native buffer is freed now, or by the last unpin if a read holds it. */
  private drop(key: string): void {
    const s = this.stored.get(key);
    if (!s) return;
    this.stored.delete(key);
    if (s.buffer) this.memory -= s.bytes;
    s.dropped = true;
    this.spill.forget(s);
    if (s.pins === 0 && s.buffer) native().freeBuffer(s.buffer);
  }

  private unpin(s: Stored): void {
    if (--s.pins === 0 && s.dropped && s.buffer) native().freeBuffer(s.buffer);
  }

  /** A stored chunk in memory (read back from its spill file if needed). */
  private resident(s: Stored, key: string): void {
    touch(s);
    if (!s.buffer) this.memory += this.spill.unspill(s, key);
    s.pins++; // not this one
    try {
      this.spillIfOver();
    } finally {
      s.pins--;
    }
  }

  /** Dask's spill threshold: past 70 % of the limit in memory, spill LRU chunks down to 60 %. */
  private spillIfOver(): void {
    if (this.memory > THRESHOLDS.spill * this.memoryLimit) {
      this.memory -= this.spill.spillDown(this.stored.values(), this.memory, THRESHOLDS.target * this.memoryLimit);
    }
  }

  private async run(task: QueuedTask): Promise<void> {
    let msg: TaskMsg;
    try {
      msg = unpack<TaskMsg>(task.data);
    } catch {
      task.term();
      return;
    }
    const t = this.transport;
    // Tell the scheduler that this worker holds the task: if it dies from then on, the scheduler
    // queues the task again without waiting for JetStream's ack_wait. Module calls say so at once;
    // chunk tasks only once they have held it STARTED_DELAY_MS, because on a small machine every
    // message costs the compute threads CPU, and most chunk tasks are done by then (the result
    // says when it started). A worker dying sooner is recovered by the scheduler's limbo rescue.
    const startedAt = Date.now();
    const started: StartedMsg = { id: msg.id, compute: msg.compute, worker: this.name, deliveries: task.deliveries };
    let startedTimer: ReturnType<typeof setTimeout> | undefined;
    if (msg.kind === 'call') t.publish(SUBJECTS.started, pack(started));
    else startedTimer = setTimeout(() => t.publish(SUBJECTS.started, pack(started)), STARTED_DELAY_MS);
    try {
      await this.runHeld(task, msg, startedAt);
    } finally {
      clearTimeout(startedTimer);
    }
  }

  private async runHeld(task: QueuedTask, msg: TaskMsg, startedAt: number): Promise<void> {
    const t = this.transport;
    const live = await this.isLive(msg.compute);
    if (live === 'unknown') {
      // No scheduler answers (restarting?): hand the task back rather than run it blind.
      task.nak();
      await new Promise((r) => setTimeout(r, 500));
      return;
    }
    if (live === 'dead') {
      task.term();
      return;
    }
    if (task.deliveries > msg.maxTries) {
      task.term();
      this.reply({ id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: `task ${msg.name} (${msg.id}) was delivered ${task.deliveries} times; the workers running it died; giving up after ${msg.maxTries} tries` });
      return;
    }
    // Memory: a stored chunk must fit in what is left of the limit.
    if (msg.kind === 'plan' && msg.mode === 'keep') {
      const need = msg.buffers.reduce((n, b) => n + ('alloc' in b ? b.alloc : 0), 0);
      if (need > this.memoryLimit) {
        task.term();
        this.reply({ id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: `task ${msg.name} needs ${need} bytes, over the memory limit of worker ${this.name} (${this.memoryLimit} bytes); use smaller chunks or a larger --memory-limit` });
        return;
      }
      // Dask's pause threshold: spill first; while the output still would not fit under 80 %
      // (chunks pinned by running tasks), hold the task and wait for them, up to 5 s, before
      // handing it back (a hand-back counts as a delivery).
      const fits = (): boolean => {
        if (this.memory + need > THRESHOLDS.pause * this.memoryLimit) {
          this.memory -= this.spill.spillDown(this.stored.values(), this.memory, Math.max(0, THRESHOLDS.target * this.memoryLimit - need));
        }
        // a chunk above the pause share of the limit still runs once nothing else is in memory
        return this.memory + need <= THRESHOLDS.pause * this.memoryLimit || this.memory === 0;
      };
      for (let i = 0; i < 50 && !fits(); i++) {
        task.working();
        await new Promise((r) => setTimeout(r, 100));
      }
      if (!fits()) {
        task.nak();
        t.publish(SUBJECTS.events('refused'), pack({ worker: this.name, task: msg.id, need, memory: this.memory, limit: this.memoryLimit }));
        await new Promise((r) => setTimeout(r, 200));
        return;
      }
    }
    this.running++;
    const keepAlive = setInterval(() => task.working(), 500);
    const t0 = performance.now();
    try {
      const result = msg.kind === 'plan' ? await this.runPlan(msg) : await this.runCall(msg);
      task.ack();
      this.reply({ ...result, ms: performance.now() - t0, startedAt });
    } catch (err) {
      task.ack();
      const missing = err instanceof MissingInputs ? err.missing : undefined;
      this.reply({ id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: (err as Error)?.message ?? String(err), errorName: errorName(err), missing });
    } finally {
      clearInterval(keepAlive);
      this.running--;
    }
  }

  /**
   * Whether the scheduler still wants tasks of this compute: a task of a failed, finished or
   * forgotten compute (e.g. redelivered after it killed other workers, or from before a scheduler
   * restart) is dropped unrun. Asked once per compute.
   */
  private isLive(compute: string): Promise<'live' | 'dead' | 'unknown'> {
    if (this.released.has(compute)) return Promise.resolve('dead');
    let p = this.live.get(compute);
    if (!p) {
      p = this.transport
        .request(SUBJECTS.live, pack({ compute }), 2000)
        .then((d): 'live' | 'dead' => (unpack<{ live: boolean }>(d).live ? 'live' : 'dead'), () => 'unknown' as const);
      this.live.set(compute, p);
      void p.then((v) => v === 'unknown' && this.live.delete(compute));
      if (this.live.size > 10_000) this.live.delete(this.live.keys().next().value!);
    }
    return p;
  }

  private reply(r: ResultMsg): void {
    this.transport.publish(SUBJECTS.result, pack(r));
  }

  private async runPlan(msg: Extract<TaskMsg, { kind: 'plan' }>): Promise<ResultMsg> {
    const n = native();
    const pinned: Stored[] = [];
    const temps: NativeBuffer[] = [];
    const allocated: NativeBuffer[] = [];
    const alloc = (bytes: number): NativeBuffer => {
      const b = n.allocBuffer(bytes);
      allocated.push(b);
      return b;
    };
    let buffers: NativeBufferArg[];
    try {
      buffers = await Promise.all(
        msg.buffers.map((b) =>
          'data' in b ? b.data : 'fetch' in b ? this.fetchRegion(b.fetch, pinned, temps) : 'zarr' in b ? readZarrRegion(b.zarr) : msg.mode === 'keep' ? alloc(b.alloc) : new ArrayBuffer(b.alloc),
        ),
      );
      await n.execute({ stages: msg.stages }, buffers).promise;
    } catch (err) {
      for (const b of allocated) n.freeBuffer(b); // outputs never stored: free them now, not at GC
      throw err;
    } finally {
      for (const s of pinned) this.unpin(s);
      for (const b of temps) n.freeBuffer(b);
    }
    if (msg.mode === 'return') {
      return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, data: msg.outs.map((o) => new Uint8Array(buffers[o] as ArrayBuffer)) };
    }
    if (this.released.has(msg.compute)) {
      // released (cancelled, failed) while it ran: nothing would ever read or drop these chunks
      for (const b of allocated) n.freeBuffer(b);
      return { id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: `compute ${msg.compute} was released while task ${msg.id} ran` };
    }
    const stored = msg.outs.map((o, i) => {
      const bytes = (msg.buffers[o] as { alloc: number }).alloc;
      const key = `${msg.id}/${i}`;
      this.drop(key);
      this.stored.set(key, { buffer: buffers[o] as NativeBuffer, bytes, compute: msg.compute, pins: 0, dropped: false, lastUse: 0 });
      touch(this.stored.get(key)!);
      this.memory += bytes;
      return { key, bytes };
    });
    this.spillIfOver();
    return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, stored };
  }

  private async runCall(msg: Extract<TaskMsg, { kind: 'call' }>): Promise<ResultMsg> {
    if (msg.url === FRAME_TASK_URL) {
      // a DataFrame: tessera's own calls, repeated from the recipe (only module functions under the roots are imported)
      const value = await computeRecipe(msg.args[0] as Recipe, (u) => this.moduleRoots.resolve(u));
      return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, value };
    }
    const url = this.moduleRoots.resolve(msg.url);
    const fn = await importExport(url, msg.exportName, msg.url);
    const value = await fn(...msg.args);
    return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, value };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
    for (const key of [...this.stored.keys()]) this.drop(key);
    this.spill.close();
    await this.dataServer?.close();
    await this.transport.close();
  }
}

class MissingInputs extends Error {
  constructor(readonly missing: { compute: string; task: string; worker: string }[]) {
    super(`could not fetch ${missing.length} stored input piece(s) from their workers`);
  }
}

function errorReply(message: string): Uint8Array {
  const body = pack({ error: message });
  const out = new Uint8Array(body.length + 1);
  out[0] = 1;
  out.set(body, 1);
  return out;
}

/**
 * Box `region` of a Zarr array a task reads, read on this worker from the store itself (the
 * client sends the store's location, never its bytes): the store's metadata is opened per task
 * (a store rewritten between computes is read as it is now), and only the chunks the box
 * overlaps are read, decoded on this worker's pool (src/storage/resolve.ts).
 */
async function readZarrRegion(spec: ZarrInput & { region: { start: number[]; ext: number[] } }): Promise<Uint8Array> {
  const { fromZarr } = await import('../storage/zarr.js');
  const { computeRegion } = await import('../array/stream.js');
  const x = await fromZarr(spec.where, spec.path === undefined ? {} : { path: spec.path });
  if (x.shape.length !== spec.shape.length || x.shape.some((n, k) => n !== spec.shape[k]) || x.itemsize !== spec.itemsize) {
    throw new Error(`${spec.where}: the store's array is now [${x.shape}] of ${x.dtype}, not the [${spec.shape}] (${spec.itemsize}-byte items) the compute was planned for`);
  }
  const lo = spec.region.start;
  const d = await computeRegion(x.node, [...lo], lo.map((l, k) => l + spec.region.ext[k]!), new AbortController().signal);
  return new Uint8Array(d.data.buffer, d.data.byteOffset, d.data.byteLength);
}
