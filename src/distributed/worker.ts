// A tessera worker: pulls tasks from the work queue, runs plan pieces on the native engine (its
// own thread pool, `nthreads` threads), keeps stored chunks in native memory and serves them to
// clients and peers by request-reply, heartbeats into the KV bucket, refuses work over its memory
// limit, and imports module functions for `client.submit` / `client.map`.
import { hostname } from 'node:os';
import { configure } from '../config.js';
import { native, type NativeBuffer, type NativeBufferArg } from '../native.js';
import { SUBJECTS, pack, unpack, type ResultMsg, type StartedMsg, type TaskMsg, type WorkerInfo } from './protocol.js';
import type { Subscription, Transport, QueuedTask } from './transport.js';
import { enc } from './transport.js';

export interface WorkerOptions {
  name?: string;
  nthreads?: number;
  /** Bytes of stored chunks this worker may hold (default: 4 GiB). */
  memoryLimit?: number;
  heartbeatMs?: number;
  log?: (line: string) => void;
}

export function defaultWorkerName(): string {
  return sanitizeName(`${hostname()}-${process.pid}`);
}

export function sanitizeName(name: string): string {
  return name.replace(/[^A-Za-z0-9_-]/g, '_');
}

interface Stored {
  buffer: NativeBuffer;
  bytes: number;
  compute: string;
}

const GET_LIMIT = 8 << 20;

export class Worker {
  readonly name: string;
  readonly nthreads: number;
  readonly memoryLimit: number;
  private readonly stored = new Map<string, Stored>();
  private memory = 0;
  private running = 0;
  private readonly subs: Subscription[] = [];
  private timer: ReturnType<typeof setInterval> | undefined;
  private readonly modules = new Map<string, Promise<Record<string, unknown>>>();
  private readonly log: (line: string) => void;
  private readonly heartbeatMs: number;

  constructor(private readonly transport: Transport, options: WorkerOptions = {}) {
    this.name = sanitizeName(options.name ?? defaultWorkerName());
    this.nthreads = options.nthreads ?? 1;
    this.memoryLimit = options.memoryLimit ?? 4 * 2 ** 30;
    this.heartbeatMs = options.heartbeatMs ?? 1000;
    this.log = options.log ?? (() => {});
  }

  async start(): Promise<void> {
    configure({ numThreads: this.nthreads });
    const t = this.transport;
    this.subs.push(t.subscribe(SUBJECTS.workerGet(this.name), (data, reply) => reply && reply(this.get(data))));
    this.subs.push(
      t.subscribe(SUBJECTS.workerRelease, (data) => {
        const { compute } = unpack<{ compute: string }>(data);
        for (const [key, s] of this.stored) if (s.compute === compute || compute === '*') this.drop(key);
      }),
    );
    await this.heartbeat();
    this.timer = setInterval(() => void this.heartbeat().catch(() => {}), this.heartbeatMs);
    this.timer.unref?.();
    // Backpressure: at most two tasks per thread held at once (one running, one ready).
    this.subs.push(t.pull(this.nthreads * 2, (task) => this.run(task)));
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
      running: this.running,
      stored: this.stored.size,
      t: Date.now(),
      pid: process.pid,
      host: hostname(),
    };
  }

  private async heartbeat(): Promise<void> {
    await this.transport.kvPut(this.name, enc(this.info()));
  }

  private get(data: Uint8Array): Uint8Array {
    let req: { key: string; offset?: number; length?: number };
    try {
      req = unpack(data);
    } catch {
      return errorReply('bad request');
    }
    const s = this.stored.get(req.key);
    if (!s) return errorReply(`worker ${this.name} holds no chunk ${req.key}`);
    const offset = req.offset ?? 0;
    const length = Math.min(req.length ?? s.bytes, s.bytes - offset, GET_LIMIT);
    const view = new Uint8Array(native().bufferView(s.buffer), offset, length);
    const out = new Uint8Array(length + 1);
    out[0] = 0;
    out.set(view, 1);
    return out;
  }

  private drop(key: string): void {
    const s = this.stored.get(key);
    if (!s) return;
    this.stored.delete(key);
    this.memory -= s.bytes;
    native().freeBuffer(s.buffer);
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
    // Memory: a stored chunk must fit in what is left of the limit.
    if (msg.kind === 'plan' && msg.mode === 'keep') {
      const need = msg.buffers.reduce((n, b) => n + ('alloc' in b ? b.alloc : 0), 0);
      if (need > this.memoryLimit) {
        task.term();
        this.reply({ id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: `task ${msg.name} needs ${need} bytes, over the memory limit of worker ${this.name} (${this.memoryLimit} bytes); use smaller chunks or a larger --memory-limit` });
        return;
      }
      if (this.memory + need > this.memoryLimit) {
        task.nak();
        t.publish(SUBJECTS.events('refused'), pack({ worker: this.name, task: msg.id, need, memory: this.memory, limit: this.memoryLimit }));
        await new Promise((r) => setTimeout(r, 200));
        return;
      }
    }
    const started: StartedMsg = { id: msg.id, compute: msg.compute, worker: this.name, deliveries: task.deliveries };
    t.publish(SUBJECTS.started, pack(started));
    this.running++;
    const keepAlive = setInterval(() => task.working(), 500);
    const t0 = performance.now();
    try {
      const result = msg.kind === 'plan' ? await this.runPlan(msg) : await this.runCall(msg);
      task.ack();
      this.reply({ ...result, ms: performance.now() - t0 });
    } catch (err) {
      task.ack();
      this.reply({ id: msg.id, compute: msg.compute, worker: this.name, ok: false, error: (err as Error)?.message ?? String(err) });
    } finally {
      clearInterval(keepAlive);
      this.running--;
    }
  }

  private reply(r: ResultMsg): void {
    this.transport.publish(SUBJECTS.result, pack(r));
  }

  private async runPlan(msg: Extract<TaskMsg, { kind: 'plan' }>): Promise<ResultMsg> {
    const n = native();
    const buffers: NativeBufferArg[] = msg.buffers.map((b) => ('data' in b ? b.data : msg.mode === 'keep' ? n.allocBuffer(b.alloc) : new ArrayBuffer(b.alloc)));
    await n.execute({ stages: [msg.stage] }, buffers).promise;
    const out = buffers[msg.out]!;
    if (msg.mode === 'return') {
      return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, data: new Uint8Array(out as ArrayBuffer) };
    }
    const bytes = (msg.buffers[msg.out] as { alloc: number }).alloc;
    const key = msg.id;
    this.drop(key);
    this.stored.set(key, { buffer: out as NativeBuffer, bytes, compute: msg.compute });
    this.memory += bytes;
    return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, stored: { key, bytes } };
  }

  private async runCall(msg: Extract<TaskMsg, { kind: 'call' }>): Promise<ResultMsg> {
    let mod = this.modules.get(msg.url);
    if (!mod) this.modules.set(msg.url, (mod = import(msg.url) as Promise<Record<string, unknown>>));
    const fn = (await mod)[msg.exportName];
    if (typeof fn !== 'function') throw new TypeError(`module ${msg.url} has no exported function "${msg.exportName}"`);
    const value = await (fn as (...a: unknown[]) => unknown)(...msg.args);
    return { id: msg.id, compute: msg.compute, worker: this.name, ok: true, value };
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    for (const s of this.subs) s.unsubscribe();
    for (const key of [...this.stored.keys()]) this.drop(key);
    await this.transport.close();
  }
}

function errorReply(message: string): Uint8Array {
  const body = pack({ error: message });
  const out = new Uint8Array(body.length + 1);
  out[0] = 1;
  out.set(body, 1);
  return out;
}
