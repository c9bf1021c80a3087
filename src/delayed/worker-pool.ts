// A lazily created pool of worker_threads for module functions (delayed.module). Workers import
// functions by module URL + export name; arguments and results cross by structured clone.
// Workers are unref'd while idle (the process can exit), and terminated after an idle timeout or
// by shutdownWorkers().
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';

// Plain CommonJS evaluated in the worker: no file to resolve, works from src/ (vitest, tsx) and dist/.
const WORKER_SOURCE = `
const { parentPort, threadId } = require('node:worker_threads');
const modules = new Map();
function plainError(e) {
  if (e instanceof Error) return { name: e.name, message: e.message, stack: e.stack };
  return { name: 'Error', message: String(e) };
}
// Block calls (src/array/blocks/): the blocks are views of SharedArrayBuffers (no copy); each
// result is written into its slot of the shared output buffer.
// one per dtype, as a DenseArray's data (a block of an int32 input is an Int32Array, of int64 a BigInt64Array)
const CTORS = { float64: Float64Array, float32: Float32Array, bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array,
  int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array };
function unpackCalls(p) {
  const f = p.f;
  const calls = [];
  let at = 0;
  const take = (n) => { const v = Array.from(f.subarray(at, at + n)); at += n; return v; };
  const pairs = (n) => { const v = []; for (let k = 0; k < n; k++, at += 2) v.push([f[at], f[at + 1]]); return v; };
  for (let c = 0; c < p.n; c++) {
    const out = [f[at], f[at + 1]];
    at += 2;
    const where = take(f[at++]);
    const outShape = take(f[at++]);
    const args = [];
    for (let a = 0; a < p.nargs; a++) {
      const r = [f[at], f[at + 1], f[at + 2]];
      at += 3;
      r.push(take(f[at++]));
      args.push(r);
    }
    let tail = p.tail;
    if (p.info) {
      const nd = p.info.numChunks.length;
      const chunkLocation = take(nd), arrayLocation = pairs(nd), chunkShape = take(nd);
      const inputs = p.info.inputs.map((x) => {
        const d = x.numChunks.length;
        return { chunkLocation: take(d), arrayLocation: pairs(d), numChunks: x.numChunks, shape: x.shape };
      });
      tail = [{ chunkLocation, arrayLocation, numChunks: p.info.numChunks, shape: p.info.shape, chunkShape, dtype: p.info.dtype, inputs }];
    }
    calls.push({ args, out, tail, where, outShape });
  }
  return calls;
}
async function runBlocks(m, fn, fnName) {
  const ins = m.inputs.map((i) => ({ buffer: i.buffer, C: CTORS[i.dtype] }));
  const out = new CTORS[m.out.dtype](m.out.buffer);
  const view = (r) => Array.isArray(r[0]) ? r.map(view)
    : { data: new ins[r[0]].C(ins[r[0]].buffer, r[1] * ins[r[0]].C.BYTES_PER_ELEMENT, r[2]), shape: r[3] };
  for (const c of m.packed ? unpackCalls(m.packed) : m.calls) {
    let res = fn(...c.args.map(view), ...c.tail);
    if (res !== null && typeof res === 'object' && typeof res.then === 'function') res = await res;
    const data = typeof res === 'number' ? [res] : res !== null && typeof res === 'object' && ArrayBuffer.isView(res.data) ? res.data : res;
    if (data === null || typeof data !== 'object' || typeof data.length !== 'number' || data.length !== c.out[1]) {
      const got = data === null || typeof data !== 'object' ? String(data) : (data.constructor && data.constructor.name) + ' of ' + data.length;
      throw new RangeError(m.name + ': ' + fnName + ' returned ' + got + ' for block [' + c.where.join(', ') + ']; expected ' + c.out[1] +
        ' values (block shape [' + c.outShape.join(', ') + '])');
    }
    if (!(data.buffer === out.buffer && data.byteOffset === c.out[0] * out.BYTES_PER_ELEMENT)) out.set(data, c.out[0]);
  }
}
parentPort.on('message', async (m) => {
  let startNs = process.hrtime.bigint();
  try {
    let mod = modules.get(m.url);
    if (!mod) { mod = import(m.url); modules.set(m.url, mod); }
    const ns = await mod;
    const fn = ns[m.exportName];
    if (typeof fn !== 'function') {
      throw new TypeError('module ' + m.url + ' has no exported function "' + m.exportName +
        '" (exports: ' + Object.keys(ns).join(', ') + ')');
    }
    startNs = process.hrtime.bigint();
    const value = m.blocks ? await runBlocks(m.blocks, fn, m.exportName) : await fn(...m.args);
    const endNs = process.hrtime.bigint();
    try {
      parentPort.postMessage({ id: m.id, ok: true, value, startNs, endNs, threadId });
    } catch (e) {
      parentPort.postMessage({ id: m.id, ok: false, plain: true, startNs, endNs, threadId, error: plainError(
        new TypeError('the result of ' + m.exportName + ' cannot be sent back from the worker (structured clone failed: ' + (e && e.message) + ')')) });
    }
  } catch (error) {
    const endNs = process.hrtime.bigint();
    try {
      parentPort.postMessage({ id: m.id, ok: false, error, startNs, endNs, threadId });
    } catch {
      parentPort.postMessage({ id: m.id, ok: false, plain: true, error: plainError(error), startNs, endNs, threadId });
    }
  }
});
`;

export interface WorkerRunResult {
  value: unknown;
  /** process.hrtime.bigint() clock (shared by all threads of the process). */
  startNs: bigint;
  endNs: bigint;
  threadId: number;
}

/** Lets a compute cancel jobs it queued but which have not started. */
export interface CancelFlag {
  cancelled: boolean;
}

interface Job {
  id: number;
  url: string;
  exportName: string;
  args: unknown[];
  /** Block calls over shared memory (src/array/blocks/run.ts) instead of `args`. */
  blocks?: unknown;
  cancel: CancelFlag | undefined;
  resolve: (r: WorkerRunResult) => void;
  reject: (e: unknown) => void;
}

interface Slot {
  worker: Worker;
  job: Job | undefined;
}

/**
 * Options of {@link configureWorkerPool}: the worker-thread pool that runs `delayed.module`
 * functions and module block functions. A size that is not a positive integer, or a negative
 * idle timeout, is a RangeError.
 */
export interface WorkerPoolOptions {
  /** Number of worker threads (default: the number of cores, os.availableParallelism()). */
  size?: number;
  /** Terminate idle workers after this many ms (default 5000). */
  idleTimeoutMs?: number;
}

function rebuildError(msg: { error?: unknown; plain?: boolean }): unknown {
  if (!msg.plain) return msg.error;
  const p = msg.error as { name: string; message: string; stack?: string };
  const e = p.name === 'TypeError' ? new TypeError(p.message) : p.name === 'RangeError' ? new RangeError(p.message) : new Error(p.message);
  if (p.stack) e.stack = p.stack;
  return e;
}

export class WorkerPool {
  size: number;
  idleTimeoutMs: number;
  private slots: Slot[] = [];
  private queue: Job[] = [];
  private nextId = 1;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(options: WorkerPoolOptions = {}) {
    this.size = options.size ?? availableParallelism();
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5000;
  }

  /** Number of live worker threads. */
  get workerCount(): number {
    return this.slots.length;
  }

  run(url: string, exportName: string, args: unknown[], cancel?: CancelFlag): Promise<WorkerRunResult> {
    return new Promise<WorkerRunResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, url, exportName, args, cancel, resolve, reject });
      this.dispatch();
    });
  }

  /** Run `exportName` over blocks of shared buffers (the worker source's runBlocks); resolves when all are written. */
  runBlocks(url: string, exportName: string, blocks: unknown, cancel?: CancelFlag): Promise<WorkerRunResult> {
    return new Promise<WorkerRunResult>((resolve, reject) => {
      this.queue.push({ id: this.nextId++, url, exportName, args: [], blocks, cancel, resolve, reject });
      this.dispatch();
    });
  }

  private dispatch(): void {
    if (this.idleTimer) {
      clearTimeout(this.idleTimer);
      this.idleTimer = undefined;
    }
    while (this.queue.length) {
      const job = this.queue[0]!;
      if (job.cancel?.cancelled) {
        this.queue.shift();
        job.reject(new Error('cancelled'));
        continue;
      }
      let slot = this.slots.find((s) => !s.job);
      if (!slot) {
        if (this.slots.length >= this.size) break;
        slot = this.spawn();
      }
      this.queue.shift();
      slot.job = job;
      slot.worker.ref();
      try {
        slot.worker.postMessage({ id: job.id, url: job.url, exportName: job.exportName, args: job.args, blocks: job.blocks });
      } catch (e) {
        // Arguments that cannot be structured-cloned (functions, class instances with private state…).
        slot.job = undefined;
        slot.worker.unref();
        job.reject(
          new TypeError(`arguments of ${job.exportName} cannot be sent to a worker thread (structured clone failed: ${(e as Error).message})`, {
            cause: e,
          }),
        );
      }
    }
    if (this.slots.every((s) => !s.job) && this.queue.length === 0 && this.slots.length > 0) {
      this.idleTimer = setTimeout(() => void this.shutdown(), this.idleTimeoutMs);
      this.idleTimer.unref();
    }
  }

  private spawn(): Slot {
    const worker = new Worker(WORKER_SOURCE, { eval: true, name: 'tessera-delayed' });
    const slot: Slot = { worker, job: undefined };
    worker.on('message', (msg: { id: number; ok: boolean; value?: unknown; error?: unknown; plain?: boolean; startNs: bigint; endNs: bigint; threadId: number }) => {
      const job = slot.job;
      if (!job || job.id !== msg.id) return;
      slot.job = undefined;
      worker.unref();
      if (msg.ok) job.resolve({ value: msg.value, startNs: msg.startNs, endNs: msg.endNs, threadId: msg.threadId });
      else job.reject(rebuildError(msg));
      this.dispatch();
    });
    const lost = (error: unknown): void => {
      const i = this.slots.indexOf(slot);
      if (i >= 0) this.slots.splice(i, 1);
      const job = slot.job;
      slot.job = undefined;
      if (job) job.reject(error);
      this.dispatch();
    };
    worker.on('error', (e) => lost(e));
    worker.on('exit', (code) => lost(new Error(`worker thread exited unexpectedly with code ${code}`)));
    worker.unref();
    this.slots.push(slot);
    return slot;
  }

  /** Terminate all workers; queued jobs are rejected. The pool restarts lazily on the next run. */
  async shutdown(): Promise<void> {
    if (this.idleTimer) clearTimeout(this.idleTimer);
    this.idleTimer = undefined;
    const slots = this.slots;
    this.slots = [];
    const queued = this.queue;
    this.queue = [];
    for (const j of queued) j.reject(new Error('the worker pool was shut down'));
    await Promise.all(
      slots.map((s) => {
        s.worker.removeAllListeners('exit');
        s.worker.removeAllListeners('error');
        s.job?.reject(new Error('the worker pool was shut down'));
        return s.worker.terminate();
      }),
    );
  }
}

let pool: WorkerPool | undefined;

/** The shared pool used by delayed.module functions. */
export function workerPool(): WorkerPool {
  return (pool ??= new WorkerPool());
}

/** What configureWorkerPool returns: `await using pool = configureWorkerPool(…)` terminates the workers at the end of the scope. */
export interface WorkerPoolHandle extends AsyncDisposable {
  /** The same as shutdownWorkers(). */
  shutdown(): Promise<void>;
}

/** Resize the pool or change its idle timeout (takes effect for new workers / next idle period). */
export function configureWorkerPool(options: WorkerPoolOptions): WorkerPoolHandle {
  if (options.size !== undefined && (!Number.isInteger(options.size) || options.size < 1))
    throw new RangeError(`configureWorkerPool: options.size must be a positive integer, got ${String(options.size)}`);
  if (options.idleTimeoutMs !== undefined && !(options.idleTimeoutMs >= 0))
    throw new RangeError(`configureWorkerPool: options.idleTimeoutMs must be a non-negative number, got ${String(options.idleTimeoutMs)}`);
  const p = workerPool();
  if (options.size !== undefined) p.size = options.size;
  if (options.idleTimeoutMs !== undefined) p.idleTimeoutMs = options.idleTimeoutMs;
  return { shutdown: shutdownWorkers, [Symbol.asyncDispose]: shutdownWorkers };
}

/** Terminate the worker threads now (they also stop by themselves when idle). */
export async function shutdownWorkers(): Promise<void> {
  await pool?.shutdown();
}
