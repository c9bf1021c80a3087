// Chunk codecs (numcodecs' WebAssembly zstd/blosc/lz4/gzip) on worker threads, one per native
// thread, so encoding and decoding run in parallel beside the main thread's I/O and the pool's
// computes. Bytes are transferred both ways (no copies). Idle workers do not keep the process alive.
import { createRequire } from 'node:module';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { native } from '../native.js';

export type CodecName = 'zstd' | 'blosc' | 'lz4' | 'gzip';

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const codecs = new Map();
function codec(name, config) {
  const key = name + JSON.stringify(config);
  let c = codecs.get(key);
  if (!c) { c = import(workerData.urls[name]).then((m) => m.default.fromConfig(config)); codecs.set(key, c); }
  return c;
}
parentPort.on('message', async (m) => {
  try {
    const c = await codec(m.codec, m.config);
    const out = m.op === 'encode' ? await c.encode(m.bytes) : await c.decode(m.bytes);
    const copy = out.byteOffset === 0 && out.byteLength === out.buffer.byteLength ? out : out.slice();
    parentPort.postMessage({ id: m.id, ok: true, bytes: copy }, [copy.buffer]);
  } catch (e) {
    parentPort.postMessage({ id: m.id, ok: false, message: String(e && e.message || e) });
  }
});
`;

let urls: Record<CodecName, string> | undefined | null;

/** File URLs of numcodecs' codec modules (ESM-only: resolved by path, for the eval'd worker). */
function codecUrls(): Record<CodecName, string> | null {
  if (urls !== undefined) return urls;
  const req = createRequire(typeof __filename === 'string' ? __filename : import.meta.url);
  const dirs = req.resolve.paths('numcodecs') ?? [];
  const dir = dirs.map((d) => join(d, 'numcodecs')).find((d) => existsSync(join(d, 'dist', 'zstd.js')));
  urls = dir
    ? { zstd: pathToFileURL(join(dir, 'dist', 'zstd.js')).href, blosc: pathToFileURL(join(dir, 'dist', 'blosc.js')).href, lz4: pathToFileURL(join(dir, 'dist', 'lz4.js')).href, gzip: pathToFileURL(join(dir, 'dist', 'gzip.js')).href }
    : null;
  return urls;
}

interface Job {
  id: number;
  op: 'encode' | 'decode';
  codec: CodecName;
  config: Record<string, unknown>;
  bytes: Uint8Array;
  resolve(b: Uint8Array): void;
  reject(e: Error): void;
}

class CodecPool {
  private readonly idle: Worker[] = [];
  private readonly all: Worker[] = [];
  private readonly queue: Job[] = [];
  private readonly running = new Map<Worker, Job>();
  private nextId = 1;

  constructor(private readonly urls: Record<CodecName, string>, private readonly size: number) {}

  run(op: Job['op'], codec: CodecName, config: Record<string, unknown>, bytes: Uint8Array): Promise<Uint8Array> {
    return new Promise((resolve, reject) => {
      this.queue.push({ id: this.nextId++, op, codec, config, bytes, resolve, reject });
      this.dispatch();
    });
  }

  private spawn(): Worker {
    const w = new Worker(WORKER_SOURCE, { eval: true, name: 'tessera-codec', workerData: { urls: this.urls } });
    w.on('message', (m: { id: number; ok: boolean; bytes?: Uint8Array; message?: string }) => {
      const job = this.running.get(w);
      this.running.delete(w);
      if (job && job.id === m.id) {
        if (m.ok) job.resolve(m.bytes!);
        else job.reject(new Error(m.message));
      }
      this.idle.push(w);
      w.unref();
      this.dispatch();
    });
    w.on('error', (e) => {
      const job = this.running.get(w);
      this.running.delete(w);
      this.all.splice(this.all.indexOf(w), 1);
      job?.reject(e);
      this.dispatch();
    });
    this.all.push(w);
    return w;
  }

  private dispatch(): void {
    while (this.queue.length) {
      let w = this.idle.pop();
      if (!w) {
        if (this.all.length >= this.size) return;
        w = this.spawn();
      }
      const job = this.queue.shift()!;
      this.running.set(w, job);
      w.ref();
      // transfer when the bytes own their buffer; otherwise copy (the caller keeps its view)
      const bytes = job.bytes.byteOffset === 0 && job.bytes.byteLength === job.bytes.buffer.byteLength && !(job.bytes.buffer instanceof SharedArrayBuffer) ? job.bytes : job.bytes.slice();
      w.postMessage({ id: job.id, op: job.op, codec: job.codec, config: job.config, bytes }, [bytes.buffer as ArrayBuffer]);
    }
  }
}

let pool: CodecPool | undefined | null;

/** The process's codec pool, or null when numcodecs cannot be located for workers (then codecs run inline). */
export function codecPool(): CodecPool | null {
  if (pool !== undefined) return pool;
  const u = codecUrls();
  pool = u ? new CodecPool(u, Math.max(1, native().getNumThreads())) : null;
  return pool;
}
