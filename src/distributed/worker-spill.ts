// Spilling a worker's stored chunks to disk, with Dask's thresholds of --memory-limit (fractions
// of distributed.worker.memory): past `spill` (70 %) of stored bytes in memory, least recently used
// chunks that no task is reading are written to files until memory is back at `target` (60 %); a
// task whose output would take memory past `pause` (80 %) even after spilling waits (handed back
// to the queue) instead of running. Only a single chunk larger than the whole limit is refused.
// Files carry a CRC-32; a spilled chunk is read back (and checked) when a task or a peer needs it.
// Files go when the chunk is dropped and when the worker closes.
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32 } from 'node:zlib';
import { native, type NativeBuffer } from '../native.js';

export const THRESHOLDS = { target: 0.6, spill: 0.7, pause: 0.8 } as const;

/** What the worker keeps per stored chunk (worker.ts `Stored`), as far as spilling sees it. */
export interface Spillable {
  buffer: NativeBuffer | undefined;
  bytes: number;
  pins: number;
  dropped: boolean;
  lastUse: number;
  file?: string;
  crc?: number;
}

let clock = 0;
export const touch = (s: Spillable): void => void (s.lastUse = ++clock);

export class WorkerSpill {
  private dir: string | undefined;
  spilledBytes = 0;
  private n = 0;

  constructor(private readonly name: string, private readonly parent: string = join(tmpdir(), 'tessera-worker-spill')) {}

  private directory(): string {
    if (!this.dir) {
      this.dir = join(this.parent, `${this.name}-${process.pid}-${Date.now().toString(36)}`);
      mkdirSync(this.dir, { recursive: true });
    }
    return this.dir;
  }

  /**
   * Spill unpinned chunks, least recently used first, until `memory` ≤ goal; returns the bytes
   * moved out of memory. Synchronous writes: the worker's event loop only serves chunk requests.
   */
  spillDown(chunks: Iterable<Spillable>, memory: number, goal: number): number {
    if (memory <= goal) return 0;
    const candidates = [...chunks].filter((s) => s.buffer && s.pins === 0 && !s.dropped).sort((a, b) => a.lastUse - b.lastUse);
    let freed = 0;
    for (const s of candidates) {
      if (memory - freed <= goal) break;
      const bytes = new Uint8Array(native().bufferView(s.buffer!), 0, s.bytes);
      if (!s.file) {
        const file = join(this.directory(), `${this.n++}.chunk`);
        writeFileSync(file, bytes);
        s.file = file;
        s.crc = crc32(bytes);
      }
      native().freeBuffer(s.buffer!);
      s.buffer = undefined;
      this.spilledBytes += s.bytes;
      freed += s.bytes;
    }
    return freed;
  }

  /** Bring a spilled chunk back into memory (checked); returns the bytes added to memory. */
  unspill(s: Spillable, key: string): number {
    touch(s);
    if (s.buffer) return 0;
    let data: Buffer;
    try {
      data = readFileSync(s.file!);
    } catch (e) {
      throw new Error(`worker ${this.name}: spill file ${s.file} of chunk ${key} is missing or unreadable (${(e as Error).message})`);
    }
    if (data.length !== s.bytes || crc32(data) !== s.crc) throw new Error(`worker ${this.name}: spill file ${s.file} of chunk ${key} is corrupted (checksum mismatch); refusing to use it`);
    const b = native().allocBuffer(Math.max(1, s.bytes));
    new Uint8Array(native().bufferView(b), 0, s.bytes).set(data);
    s.buffer = b;
    this.spilledBytes -= s.bytes;
    return s.bytes;
  }

  /** A dropped chunk's file. */
  forget(s: Spillable): void {
    if (s.file) {
      if (!s.buffer) this.spilledBytes -= s.bytes;
      rmSync(s.file, { force: true });
      s.file = undefined;
    }
  }

  close(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}
