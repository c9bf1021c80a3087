// Spilling persisted chunks to disk under configure({ memoryLimit, spillDirectory }).
//
// With a memory limit, persist() keeps an array chunk by chunk in a ChunkStore instead of one
// native buffer: chunks stay resident (native memory) while all spill-managed chunks fit under the
// limit; past it, the least recently used resident chunks (of any persisted array) are written to
// files in this process's spill directory and their memory freed. A compute reads a chunk from
// memory or from its file (read back transparently, not re-cached); every file carries a CRC-32 of
// its bytes, so a spill file that went missing or was altered is an error naming it, never wrong
// numbers. Files go on dispose(), when the array is garbage collected, and at process exit.
import { mkdirSync, rmSync } from 'node:fs';
import { open, rm, writeFile } from 'node:fs/promises';
import { crc32 } from 'node:zlib';
import { join, resolve } from 'node:path';
import { tmpdir } from 'node:os';
import { NDArray, type Computed } from '../array/ndarray.js';
import type { DenseArray } from '../array/dense.js';
import { chunkBounds } from '../array/chunks.js';
import { contiguousStrides, itemsize, size, typedCtor, type BoxSource, type DType, type TypedData } from '../array/node.js';
import { checkInteger, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { native, type NativeBuffer } from '../native.js';
import { storageArray } from './source.js';
import { storageError } from './errors.js';
import { copyBox } from './resolve.js';
import { streamRegions } from './write.js';
import { chunkRegions } from './store.js';
import { clearBufferCaches } from './buffer-cache.js';

/** The spill settings (configure({ memoryLimit, spillDirectory })). */
export const spillSettings: { memoryLimit: number | null; spillDirectory: string } = {
  memoryLimit: null,
  spillDirectory: join(tmpdir(), 'tessera-spill'),
};

const UNITS: Record<string, number> = { b: 1, kb: 1e3, mb: 1e6, gb: 1e9, tb: 1e12, kib: 1024, mib: 1024 ** 2, gib: 1024 ** 3, tib: 1024 ** 4 };

/** A byte count: a number, or a string like '2GiB', '500 MB' (Dask's spellings). */
export function parseBytes(name: string, value: unknown): number {
  if (typeof value === 'number') return checkInteger(name, value, 0);
  if (typeof value === 'string') {
    const m = /^\s*(\d+(?:\.\d+)?)\s*([a-zA-Z]*)\s*$/.exec(value);
    const unit = m ? UNITS[(m[2] || 'b').toLowerCase()] : undefined;
    if (m && unit !== undefined) return Math.floor(Number(m[1]) * unit);
  }
  throw new TypeError(`${name} must be a number of bytes or a string like '2GiB' or '500MB', got ${describe(value)}`);
}

/** configure()'s storage keys. */
export function configureSpill(o: { memoryLimit?: unknown; spillDirectory?: unknown }): void {
  if (o.memoryLimit !== undefined) spillSettings.memoryLimit = o.memoryLimit === null ? null : parseBytes('configure: memoryLimit', o.memoryLimit);
  if (spillSettings.memoryLimit !== null) clearBufferCaches(); // under a limit only a compute's own memory counts
  if (o.spillDirectory !== undefined) {
    if (typeof o.spillDirectory !== 'string' || o.spillDirectory === '') throw new TypeError(`configure: spillDirectory must be a directory path, got ${describe(o.spillDirectory)}`);
    spillSettings.spillDirectory = resolve(o.spillDirectory);
  }
}

interface Chunk {
  readonly index: number;
  readonly bytes: number;
  /** Resident bytes: a SharedArrayBuffer (V8 counts it; plans read it in place). */
  buffer?: Uint8Array;
  file?: string;
  crc?: number;
  lastUse: number;
  /** a write to disk in progress (its buffer stays until the file is complete) */
  spilling?: Promise<void>;
}

let clock = 0;
let residentBytes = 0;
let spilledBytes = 0;
const stores = new Set<ChunkStore>();
/** This process's spill subdirectory per configured spillDirectory (created on first spill). */
const processDirs = new Map<string, string>();
let exitHook = false;

/** This process's spill directory under the configured one (created on first spill, removed at exit). */
function spillDir(): string {
  const parent = spillSettings.spillDirectory;
  let dir = processDirs.get(parent);
  if (!dir) {
    dir = join(parent, `tessera-${process.pid}-${Date.now().toString(36)}`);
    try {
      mkdirSync(dir, { recursive: true });
    } catch (e) {
      throw storageError(dir, e);
    }
    processDirs.set(parent, dir);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const d of processDirs.values()) rmSync(d, { recursive: true, force: true });
      });
    }
  }
  return dir;
}

/** Bytes of spill-managed chunks in memory and on disk (what the dashboard shows). */
export function spillStats(): { residentBytes: number; spilledBytes: number; stores: number } {
  return { residentBytes, spilledBytes, stores: stores.size };
}

let storeCount = 0;

/** The chunks of one persisted array: resident or in a spill file. */
export class ChunkStore {
  readonly chunks: Chunk[] = [];
  readonly id = storeCount++;
  disposed = false;
  constructor(readonly label: string, readonly dtype: DType, readonly grid: readonly (readonly number[])[]) {
    stores.add(this);
  }

  /** Keep chunk `index` (its row-major values), spilling others (LRU) to stay under the limit. */
  async put(index: number, data: TypedData): Promise<void> {
    const bytes = data.byteLength;
    const c: Chunk = { index, bytes, lastUse: ++clock };
    this.chunks[index] = c;
    const limit = residentLimit();
    await makeRoom(bytes, limit);
    if (residentBytes + bytes > limit) {
      await this.writeFile(c, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
      return;
    }
    // a SharedArrayBuffer: plans read resident chunks in place (no per-compute snapshot copy)
    c.buffer = new Uint8Array(new SharedArrayBuffer(Math.max(1, bytes)), 0, bytes);
    c.buffer.set(new Uint8Array(data.buffer, data.byteOffset, bytes));
    residentBytes += bytes;
  }

  private async writeFile(c: Chunk, bytes: Uint8Array): Promise<void> {
    const file = join(spillDir(), `${this.id}-${c.index}.chunk`);
    c.crc = crc32(bytes);
    try {
      await writeFile(file, bytes);
    } catch (e) {
      throw storageError(file, e);
    }
    c.file = file;
    spilledBytes += c.bytes;
  }

  /** Move a resident chunk to its spill file and free its memory. */
  async spill(c: Chunk): Promise<void> {
    if (!c.buffer || c.spilling) return c.spilling;
    const buffer = c.buffer;
    c.spilling = (async () => {
      await this.writeFile(c, buffer);
      if (c.buffer === buffer) {
        c.buffer = undefined;
        residentBytes -= c.bytes;
      }
    })();
    try {
      await c.spilling;
    } finally {
      c.spilling = undefined;
    }
  }

  /** Chunk `index`'s values (read-only), from memory or from its checksummed file. */
  async get(index: number): Promise<TypedData> {
    if (this.disposed) throw new Error(`${this.label}: this persisted array was disposed; persist() it again to use it`);
    const c = this.chunks[index];
    if (!c) throw new Error(`${this.label}: chunk ${index} was never stored`);
    c.lastUse = ++clock;
    const Ctor = typedCtor(this.dtype);
    if (c.buffer) {
      // a view, not a copy: readers only copy out of it (a later spill just drops the reference)
      return new Ctor(c.buffer.buffer as ArrayBuffer, c.buffer.byteOffset, c.bytes / itemsize(this.dtype));
    }
    const file = c.file!;
    const out = new Ctor(new SharedArrayBuffer(Math.max(8, c.bytes)) as unknown as ArrayBuffer, 0, c.bytes / itemsize(this.dtype));
    const bytes = new Uint8Array(out.buffer, 0, c.bytes);
    let got = 0;
    try {
      const fh = await open(file, 'r');
      try {
        got = (await fh.read(bytes, 0, c.bytes, 0)).bytesRead;
        const extra = (await fh.read(new Uint8Array(1), 0, 1, c.bytes)).bytesRead;
        if (extra) got = -1;
      } finally {
        await fh.close();
      }
    } catch (e) {
      if ((e as { code?: string }).code === 'ENOENT') throw new Error(`${this.label}: spill file ${file} (chunk ${index}) is missing; the persisted data is lost — persist() again`, { cause: e });
      throw storageError(file, e);
    }
    if (got !== c.bytes || crc32(bytes) !== c.crc) {
      throw new Error(`${this.label}: spill file ${file} (chunk ${index}) is corrupted (${got === c.bytes ? 'checksum mismatch' : `${got < 0 ? 'longer' : 'shorter'} than the ${c.bytes} bytes written`}); refusing to read it — persist() again`);
    }
    return out;
  }

  /** Free memory and remove spill files. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    stores.delete(this);
    for (const c of this.chunks) {
      if (!c) continue;
      if (c.buffer) {
        residentBytes -= c.bytes;
        c.buffer = undefined;
      }
      if (c.file) {
        rmSync(c.file, { force: true });
        spilledBytes -= c.bytes;
        c.file = undefined;
      }
    }
  }
}

/**
 * Bytes of chunks kept in memory: 80 % of memoryLimit — the rest is room for what computes read
 * (chunk boxes, spilled chunks read back), so the process stays near the limit, not above it.
 */
export const RESIDENT_FRACTION = 0.8;
const residentLimit = (): number => (spillSettings.memoryLimit === null ? Infinity : Math.floor(RESIDENT_FRACTION * spillSettings.memoryLimit));

/** Spill least-recently-used resident chunks until `bytes` more fit under `limit`. */
async function makeRoom(bytes: number, limit: number): Promise<void> {
  if (residentBytes + bytes <= limit) return;
  const resident: [ChunkStore, Chunk][] = [];
  for (const s of stores) for (const c of s.chunks) if (c?.buffer && !c.spilling) resident.push([s, c]);
  resident.sort((a, b) => a[1].lastUse - b[1].lastUse);
  for (const [s, c] of resident) {
    if (residentBytes + bytes <= limit) break;
    await s.spill(c);
  }
}

const registry = new FinalizationRegistry<ChunkStore>((s) => s.dispose());

/**
 * persist() under a memory limit: computes x chunk by chunk (two in flight) into a ChunkStore and
 * returns an array reading from it. Used by persistArrays when configure({ memoryLimit }) is set.
 */
export async function persistSpilled(x: NDArray, options: ComputeOptions = {}): Promise<NDArray> {
  const grid = x.chunks.map((c) => [...c]);
  const regions = chunkRegions(grid);
  const bounds = grid.map(chunkBounds);
  const label = `persisted-${x.name}`;
  const store = new ChunkStore(label, x.node.dtype, grid);
  // region index -> row-major chunk index (zero-size chunks have no region)
  const nb = grid.map((c) => c.length);
  const flat = (lo: readonly number[]): number => lo.reduce((a, l, k) => a * nb[k]! + bounds[k]!.indexOf(l), 0);
  try {
    await streamRegions('persist', x, regions, 2, async (r, data) => store.put(flat(r.lo), data.data), options);
  } catch (e) {
    store.dispose();
    throw e;
  }
  const boxes: BoxSource & { dispose(): void } = {
    chunks: grid,
    concurrency: 2 * native().getNumThreads(),
    async read(lo, hi) {
      // resolve.ts asks for whole chunks; a larger box (compute() outside a plan) is assembled
      const box = hi.map((h, k) => h - lo[k]!);
      const out = new (typedCtor(x.node.dtype))(size(box));
      const strides = contiguousStrides(box);
      const parts = chunkRegions(grid).filter((p) => p.lo.every((l, k) => l < hi[k]! && p.hi[k]! > lo[k]!));
      for (const p of parts) {
        const data = await store.get(flat(p.lo));
        const pshape = p.hi.map((h, k) => h - p.lo[k]!);
        if (p.lo.every((l, k) => l === lo[k]) && p.hi.every((h, k) => h === hi[k])) return data;
        // the overlap of chunk p and the box
        const olo = p.lo.map((l, k) => Math.max(l, lo[k]!));
        const ohi = p.hi.map((h, k) => Math.min(h, hi[k]!));
        const oshape = ohi.map((h, k) => h - olo[k]!);
        const sub = new (typedCtor(x.node.dtype))(size(oshape));
        const ps = contiguousStrides(pshape);
        copyOut(data, ps, olo.map((l, k) => l - p.lo[k]!), oshape, sub);
        copyBox(sub, oshape, out, strides, olo.reduce((a, l, k) => a + (l - lo[k]!) * strides[k]!, 0));
      }
      return out;
    },
    dispose: () => store.dispose(),
  };
  const arr = storageArray('from_source', `${label}:${store.id}`, x.shape, x.node.dtype, grid, boxes);
  // on the node, not the NDArray: expressions built on the array hold the node
  registry.register(arr.node, store, store);
  return arr;
}

/** The box at `start` of `shape` out of row-major `src` with strides `srcStrides`, into `dst`. */
function copyOut(src: TypedData, srcStrides: readonly number[], start: readonly number[], shape: readonly number[], dst: TypedData): void {
  const n = size(shape);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let k = 0; k < nd; k++) o += (start[k]! + idx[k]!) * srcStrides[k]!;
    dst[i] = src[o]!;
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
}

/** Remove every spill file of this process now (also done at exit). */
export async function removeSpillFiles(): Promise<void> {
  for (const s of [...stores]) s.dispose();
  for (const d of processDirs.values()) await rm(d, { recursive: true, force: true });
  processDirs.clear();
}

