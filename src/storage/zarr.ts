// Zarr v2 and v3 through zarrita (format, metadata, codecs via numcodecs' wasm builds).
//
// fromZarr: a lazy array whose chunks are the store's; a compute reads (and decodes) only the
// store chunks it touches (src/storage/resolve.ts), local directories or any fetch-able URL.
// toZarr: the array is computed one store chunk at a time (each a plan over the whole pool, two in
// flight per thread) and each chunk is encoded and written to a temp name, then renamed: a failed write
// leaves no half-written chunk, and a write holds O(threads) chunks, not the array. `region` writes into
// part of an existing array (partial edge chunks are read, merged and rewritten); `append` grows
// an existing array along an axis (its metadata is rewritten after the chunks, so an interrupted
// append leaves the old array intact).
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir, readFile, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { NDArray, type Computed } from '../array/ndarray.js';
import type { DenseArray } from '../array/dense.js';
import { blocksFromSize, chunkBounds } from '../array/chunks.js';
import { contiguousStrides, size, typedCtor, type BoxSource, type DType, type TypedData } from '../array/node.js';
import { DTYPES, itemsize as anyItemsize, type DType as AnyDType } from '../array/dtype.js';
import { checkInteger, checkOptions, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { native } from '../native.js';
import { computableDType, storageArray } from './source.js';
import { storageError } from './errors.js';
import { DESCR } from './npy.js';
import { copyBox } from './resolve.js';
import { streamRegions, type Region } from './write.js';
import { codecPool, type CodecName } from './codec-pool.js';
import { chunkError, decodeChunks, encodeChunks, gzipCodec, nativeCodecs, type NativeCodec } from './native-codec.js';

type Zarrita = typeof import('zarrita');
type ZArray = Awaited<ReturnType<Zarrita['open']['v2']>> & { kind: 'array' };
let zarritaModule: Promise<Zarrita> | undefined;
// ESM-only packages: loaded on first use (also from the CommonJS build)
const zarrita = (): Promise<Zarrita> => (zarritaModule ??= import('zarrita'));

const isUrl = (s: string): boolean => /^https?:\/\//i.test(s);

async function openStore(where: string): Promise<unknown> {
  if (isUrl(where)) {
    const z = await zarrita();
    return new z.FetchStore(where);
  }
  const { default: FileSystemStore } = await import('@zarrita/storage/fs');
  return new FileSystemStore(resolve(where));
}

/**
 * Check a blosc frame's 16-byte header against its bytes before numcodecs' WebAssembly decoder
 * sees it: a truncated frame (cbytes past the end) is an error, as in Python's numcodecs. The
 * decoder itself does not say so — after one failed decode it hands back a chunk's worth of stale
 * memory for the next bad frame (a chunk cut to 1 byte read as wrong numbers). `want`: the decoded
 * size the chunk must have, when known.
 */
function checkBloscFrame(label: string, b: Uint8Array, want?: number): void {
  if (b.length < 16) throw new RangeError(`${label}: truncated blosc chunk: ${b.length} bytes (a blosc frame has a 16-byte header)`);
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const nbytes = dv.getUint32(4, true);
  const cbytes = dv.getUint32(12, true);
  if (cbytes > b.length || cbytes < 16) throw new RangeError(`${label}: truncated or corrupted blosc chunk: its header says ${cbytes} bytes, the chunk has ${b.length}`);
  if (want !== undefined && nbytes !== want) throw new RangeError(`${label}: blosc chunk decodes to ${nbytes} bytes, ${want} expected`);
  // the frame's layout (c-blosc 1.x): a copied frame is the header and nbytes raw bytes; any
  // other holds one int32 start per block, each inside the frame after that table. The decoder
  // does not report its own failures (numcodecs' wasm ignores blosc_decompress's return code), so
  // what is checked here is what is caught: a corrupted compressed stream inside a block is not.
  const flags = b[2]!;
  if (flags & 0x02) {
    if (cbytes !== nbytes + 16) throw new RangeError(`${label}: corrupted blosc chunk: a copied frame of ${nbytes} bytes has ${cbytes}`);
    return;
  }
  const blocksize = dv.getUint32(8, true);
  if (nbytes === 0) return;
  if (blocksize === 0) throw new RangeError(`${label}: corrupted blosc chunk: block size 0`);
  const nblocks = Math.ceil(nbytes / blocksize);
  const table = 16 + 4 * nblocks;
  if (table > cbytes) throw new RangeError(`${label}: corrupted blosc chunk: ${nblocks} blocks do not fit in ${cbytes} bytes`);
  for (let j = 0; j < nblocks; j++) {
    const start = dv.getInt32(16 + 4 * j, true);
    if (start < table || start >= cbytes) throw new RangeError(`${label}: corrupted blosc chunk: block ${j} starts at byte ${start}, outside ${table}..${cbytes}`);
  }
}

/** numcodecs' LZ4 frame: a 4-byte little-endian decoded size, then one LZ4 block. */
function checkLz4Frame(label: string, b: Uint8Array, want: number): void {
  if (b.length < 4) throw new RangeError(`${label}: truncated lz4 chunk: ${b.length} bytes (an lz4 chunk has a 4-byte size header)`);
  const nbytes = new DataView(b.buffer, b.byteOffset, b.byteLength).getUint32(0, true);
  if (nbytes !== want) throw new RangeError(`${label}: corrupted lz4 chunk: its header says ${nbytes} bytes, ${want} expected`);
}

/** The blosc check of an array's chunk bytes ({@link checkBloscFrame}) from its metadata, or undefined. */
function bloscGuard(meta: unknown): ((label: string, b: Uint8Array) => void) | undefined {
  const m = meta as { zarr_format?: number; compressor?: { id?: string } | null; filters?: unknown; dtype?: unknown; chunks?: number[]; codecs?: { name?: string }[]; data_type?: unknown; chunk_grid?: { configuration?: { chunk_shape?: number[] } } };
  if (m.zarr_format === 2) {
    if (m.compressor?.id !== 'blosc') return undefined;
    const w = typeof m.dtype === 'string' ? /^[<>|=][biuf](\d+)$/.exec(m.dtype) : null;
    const want = !m.filters && w && Array.isArray(m.chunks) ? m.chunks.reduce((a, c) => a * c, 1) * Number(w[1]) : undefined;
    return (label, b) => checkBloscFrame(label, b, want);
  }
  const cs = m.codecs ?? [];
  if (cs[cs.length - 1]?.name !== 'blosc') return undefined;
  const dt = typeof m.data_type === 'string' && (DTYPES as readonly string[]).includes(m.data_type) ? (m.data_type as AnyDType) : undefined;
  const shape = m.chunk_grid?.configuration?.chunk_shape;
  const want = cs.length === 2 && dt && Array.isArray(shape) ? shape.reduce((a, c) => a * c, 1) * anyItemsize(dt) : undefined;
  return (label, b) => checkBloscFrame(label, b, want);
}

const META_KEY = /(^|\/)(\.zarray|\.zattrs|\.zgroup|\.zmetadata|zarr\.json)$/;

/**
 * The store zarrita reads through: chunk bytes of a blosc array are checked ({@link bloscGuard})
 * before zarrita's pipeline decodes them (the array's metadata, read first, says which).
 */
function guardedStore(inner: { get(key: string, opts?: unknown): Promise<Uint8Array | undefined> }, label: string): unknown {
  let guard: ((label: string, b: Uint8Array) => void) | undefined;
  return new Proxy(inner, {
    get(target, prop, recv) {
      if (prop !== 'get') {
        const v = Reflect.get(target, prop, recv) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      }
      return async (key: string, opts?: unknown) => {
        const b = await target.get(key, opts);
        if (!b) return b;
        if (META_KEY.test(key)) {
          if (/(\.zarray|zarr\.json)$/.test(key)) {
            const text = new TextDecoder().decode(b);
            try {
              guard = bloscGuard(JSON.parse(text));
            } catch {
              guard = undefined;
            }
            // an int64/uint64 fill value beyond 2^53 (Python writes 18446744073709551615 as a JSON
            // integer): JSON.parse rounds it (to 2^64, which BigUint64Array wraps to 0); as a
            // string, zarrita's BigInt() of it is exact
            const exact = text.replace(/("fill_value"\s*:\s*)(-?\d{16,})(?=\s*[,}])/, '$1"$2"');
            if (exact !== text) return new TextEncoder().encode(exact);
          }
        } else if (guard) guard(`${label}${key}`, b);
        return b;
      };
    },
  });
}

/**
 * Options of {@link fromZarr} (zarr-python's / Dask's `from_zarr(url, component=)`: `path` is the
 * component). Unknown keys are a TypeError.
 */
export interface FromZarrOptions {
  /** The array inside the store (a group member), e.g. 'group/x'. */
  path?: string;
  /** Store chunks read at once (default 2 per thread). */
  concurrency?: number;
}

const ZARR_DTYPES: Record<string, AnyDType> = Object.fromEntries(DTYPES.map((d) => [d, d]));

/** Open a Zarr array (v2 or v3) with a clear error when `where` is not one. */
async function openArray(where: string, path: string | undefined): Promise<ZArray> {
  const z = await zarrita();
  const store = guardedStore((await openStore(where)) as never, where.replace(/\/+$/, ''));
  const loc = path ? z.root(store as never).resolve(path) : z.root(store as never);
  const label = path ? `${where} (path ${JSON.stringify(path)})` : where;
  if (!isUrl(where) && !existsSync(where)) throw new Error(`${where}: no such file or directory (ENOENT)`);
  try {
    return (await z.open(loc as never, { kind: 'array' })) as unknown as ZArray;
  } catch (e) {
    const err = e as Error;
    // zarrita refuses some dtypes with a message of its own ('dtype.match is not a function' for a
    // structured one, NotFoundError for complex): say which dtype it is
    const why = await unsupportedDType(store as never, path);
    if (why) throw new TypeError(`${label}: Zarr dtype ${why} is not supported (accepted: ${DTYPES.join(', ')})`, { cause: e });
    if (err.name === 'NotFoundError') throw new TypeError(`${label}: not a Zarr array (no .zarray or zarr.json found)`, { cause: e });
    throw new TypeError(`${label}: cannot open as a Zarr array: ${err.message}`, { cause: e });
  }
}

/** The box [lo, hi) of a decoded chunk (data with `stride`) as row-major elements. */
function chunkPart(chunk: { data: ArrayLike<unknown>; shape: number[]; stride: number[] }, box: readonly number[], Ctor: ReturnType<typeof typedCtor>, raw: ArrayLike<number>): TypedData {
  const n = size(box);
  const out = new Ctor(n);
  const nd = box.length;
  const contiguous = chunk.stride.every((s, k) => s === contiguousStrides(chunk.shape)[k]);
  if (contiguous && box.every((b, k) => b === chunk.shape[k]) && raw.length === n) {
    if (raw instanceof Ctor) return raw as TypedData; // a decoded chunk of its own: no copy
    (out as Float64Array).set(raw as Float64Array); // the same dtype's elements (a type-level view)
    return out;
  }
  const idx = new Array<number>(nd).fill(0);
  for (let i = 0; i < n; i++) {
    let o = 0;
    for (let k = 0; k < nd; k++) o += idx[k]! * chunk.stride[k]!;
    out[i] = raw[o]!;
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k]! < box[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** The raw elements of a decoded chunk (a BoolArray's bytes for bool). */
function rawElements(where: string, data: unknown, want: number): ArrayLike<number> {
  const d = data as { buffer?: ArrayBufferLike; byteOffset?: number; length?: number; byteLength?: number };
  let raw: ArrayLike<number>;
  if (ArrayBuffer.isView(data)) raw = data as unknown as ArrayLike<number>;
  else if (d.buffer && typeof d.byteOffset === 'number' && typeof d.byteLength === 'number') raw = new Uint8Array(d.buffer, d.byteOffset, d.byteLength);
  else throw new TypeError(`${where}: chunk data of an unsupported kind`);
  if (raw.length < want) throw new RangeError(`${where}: truncated chunk: ${raw.length} elements decoded, ${want} expected`);
  return raw;
}

/** The array's dtype and what kind it is, when its metadata names one tessera does not compute. */
async function unsupportedDType(store: { get(key: string): Promise<Uint8Array | undefined> }, path: string | undefined): Promise<string | undefined> {
  const base = path ? `/${path.replace(/^\/+|\/+$/g, '')}` : '';
  for (const name of ['.zarray', 'zarr.json']) {
    let m: { dtype?: unknown; data_type?: unknown };
    try {
      const b = await store.get(`${base}/${name}`);
      if (!b) continue;
      m = JSON.parse(new TextDecoder().decode(b)) as typeof m;
    } catch {
      continue;
    }
    const d = name === '.zarray' ? m.dtype : m.data_type;
    if (typeof d === 'string' && (DTYPES as readonly string[]).includes(d)) return undefined;
    if (typeof d === 'string' && name === '.zarray' && /^[<>|=][biuf]\d+$/.test(d) && ZARR_V2_NAMES[d.slice(1)]) return undefined;
    if (typeof d !== 'string') return `${JSON.stringify(d)} (structured)`;
    const kind = /O/.test(d) ? 'object' : /[USa]/.test(d) ? 'string' : /c/.test(d) ? 'complex' : /[mM]/.test(d) ? 'datetime/timedelta' : /f2|float16/.test(d) ? 'float16' : /V/.test(d) ? 'void' : 'unknown';
    return `${JSON.stringify(d)} (${kind})`;
  }
  return undefined;
}
const ZARR_V2_NAMES: Record<string, AnyDType> = { b1: 'bool', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', f4: 'float32', f8: 'float64' };

/**
 * A lazy array over a Zarr array (v2 or v3; a local directory or an http(s) URL). Its chunks are
 * the store's; a compute reads only the store chunks it touches.
 */
export async function fromZarr(where: string, options?: FromZarrOptions): Promise<NDArray> {
  if (typeof where !== 'string') throw new TypeError(`fromZarr: pathOrUrl must be a string (a directory or an http(s) URL), got ${describe(where)}`);
  const o = checkOptions('fromZarr options', options);
  for (const key of Object.keys(o)) if (!['path', 'concurrency'].includes(key)) throw new TypeError(`fromZarr: unknown option ${describe(key)}; accepted: path, concurrency`);
  if (o.path !== undefined && typeof o.path !== 'string') throw new TypeError(`fromZarr: options.path must be a string, got ${describe(o.path)}`);
  const concurrency = o.concurrency === undefined ? undefined : checkInteger('fromZarr: options.concurrency', o.concurrency, 1, 1024);
  const arr = await openArray(where, o.path as string | undefined);
  const zdtype = ZARR_DTYPES[arr.dtype as string];
  if (!zdtype) throw new TypeError(`${where}: Zarr dtype ${JSON.stringify(arr.dtype)} is not supported (accepted: ${DTYPES.join(', ')}; object, string and structured dtypes are not)`);
  const dtype = computableDType(where, zdtype);
  const shape = [...arr.shape];
  const chunkShape = [...arr.chunks];
  const chunks = shape.map((n, k) => blocksFromSize(n, Math.max(1, chunkShape[k]!)));
  const Ctor = typedCtor(dtype);
  const fast = process.env.TESSERA_ZARR_INLINE === '1' ? undefined : await fastReader(await storeBytes(where, o.path as string | undefined), chunkShape, Ctor);
  // Box [lo, hi) of chunk `coords` decoded into dst; false: the chunk is missing (the caller then
  // reads it through zarrita, which fills it with the fill value).
  const intoBox = async (coords: number[], lo: readonly number[], hi: readonly number[], dst: TypedData, dstStrides: readonly number[], dstOffset: number, label: string, signal?: AbortSignal): Promise<boolean> => {
    const origin = coords.map((c, k) => c * chunkShape[k]!);
    try {
      return await fast!.readInto!(coords, lo.map((l, k) => l - origin[k]!), hi.map((h, k) => h - origin[k]!), dst, dstStrides, dstOffset, signal);
    } catch (e) {
      if ((e as Error).name === 'AbortError') throw e;
      throw new Error(`${label}: cannot read or decode: ${(e as Error).message}`, { cause: e });
    }
  };
  const boxes: BoxSource = {
    chunks,
    // cluster computes: the workers open the store themselves (a directory by its absolute path)
    zarr: { where: isUrl(where) ? where : resolve(where), ...(o.path === undefined ? {} : { path: o.path as string }) },
    concurrency: concurrency ?? 2 * native().getNumThreads(),
    // resolve.ts's boxes of several chunks: each chunk's part decoded on the pool into its place
    readInto: fast?.readInto
      ? async (lo, hi, dst, dstStrides, dstOffset, signal) => {
          const coords = lo.map((l, k) => Math.floor(l / chunkShape[k]!));
          const inOne = lo.every((l, k) => hi[k]! <= (coords[k]! + 1) * chunkShape[k]!);
          if (inOne && (await intoBox(coords, lo, hi, dst, dstStrides, dstOffset, `${where}: chunk (${coords.join(', ')})`, signal))) return;
          copyBox(await boxes.read(lo, hi, signal), hi.map((h, k) => h - lo[k]!), dst, dstStrides, dstOffset);
        }
      : undefined,
    async read(lo, hi, signal) {
      const box = hi.map((h, k) => h - lo[k]!);
      const coords = lo.map((l, k) => Math.floor(l / chunkShape[k]!));
      // a read inside one chunk (what resolve.ts asks for); a larger box is assembled chunk by chunk
      const inOne = lo.every((l, k) => hi[k]! <= (coords[k]! + 1) * chunkShape[k]!);
      const label = `${where}: chunk (${coords.join(', ')})`;
      if (inOne) {
        if (fast?.readInto) {
          // decoded on the pool straight into the box (the chunk's own buffer when it is all of it);
          // shared memory, so a plan reads it in place (a plain ArrayBuffer would be snapshotted)
          const out = new Ctor(new SharedArrayBuffer(Math.max(8, size(box) * Ctor.BYTES_PER_ELEMENT)) as unknown as ArrayBuffer, 0, size(box));
          if (await intoBox(coords, lo, hi, out, contiguousStrides(box), 0, label, signal)) return out;
        }
        let chunk: { data: unknown; shape: number[]; stride: number[] };
        try {
          chunk = (fast && (await fast.read(coords))) || (await arr.getChunk(coords, signal ? { signal } : undefined));
        } catch (e) {
          if ((e as Error).name === 'AbortError') throw e;
          throw new Error(`${label}: cannot read or decode: ${(e as Error).message}`, { cause: e });
        }
        const raw = rawElements(label, chunk.data, size(chunk.shape));
        const off = lo.reduce((a, l, k) => a + (l - coords[k]! * chunkShape[k]!) * chunk.stride[k]!, 0);
        const sub = off === 0 ? raw : (raw as Float64Array).subarray(off);
        return chunkPart(chunk as never, box, Ctor, sub);
      }
      const out = new Ctor(size(box));
      const strides = contiguousStrides(box);
      const parts: Region[] = [];
      const walk = (k: number, l: number[], h: number[]): void => {
        if (k === shape.length) return void parts.push({ lo: [...l], hi: [...h] });
        for (let c = Math.floor(lo[k]! / chunkShape[k]!); c * chunkShape[k]! < hi[k]!; c++) {
          walk(k + 1, [...l, Math.max(lo[k]!, c * chunkShape[k]!)], [...h, Math.min(hi[k]!, (c + 1) * chunkShape[k]!)]);
        }
      };
      walk(0, [], []);
      for (const p of parts) {
        const d = await boxes.read(p.lo, p.hi, signal);
        copyBox(d, p.hi.map((x, k) => x - p.lo[k]!), out, strides, p.lo.reduce((a, x, k) => a + (x - lo[k]!) * strides[k]!, 0));
      }
      return out;
    },
  };
  return storageArray('from_zarr', `${where}:${o.path ?? ''}`, shape, dtype, chunks, boxes);
}

/** Byte access to a store: a local directory, or an http(s) URL through zarrita's FetchStore. */
interface Bytes {
  get(key: string): Promise<Uint8Array | undefined>;
  label(key: string): string;
  /** A local store: the file holding `key` (the native decoder reads it itself). */
  file?(key: string): string;
}

async function storeBytes(where: string, inner: string | undefined): Promise<Bytes> {
  const prefix = inner ? inner.replace(/^\/+|\/+$/g, '') + '/' : '';
  if (isUrl(where)) {
    const store = (await openStore(where)) as { get(key: string): Promise<Uint8Array | undefined> };
    return { get: (key) => store.get(`/${prefix}${key}`), label: (key) => `${where.replace(/\/+$/, '')}/${prefix}${key}` };
  }
  const dir = join(where, prefix);
  return {
    async get(key) {
      try {
        return await readFile(join(dir, key));
      } catch (e) {
        if ((e as { code?: string }).code === 'ENOENT') return undefined;
        throw storageError(join(dir, key), e);
      }
    },
    label: (key) => join(dir, key),
    file: (key) => join(dir, key),
  };
}

/** A chunk decoded whole ({ data, shape, stride }), or undefined when the chunk is missing. */
type ChunkRead = (coords: number[]) => Promise<{ data: unknown; shape: number[]; stride: number[] } | undefined>;

interface FastReader {
  read: ChunkRead;
  /**
   * Box [lo, hi) (chunk-local) of chunk `coords` decoded on the native pool into `dst` at
   * `dstOffset` with `dstStrides` (elements); false when the chunk is missing. Only for zstd and
   * uncompressed chunks, with an addon that has the codecs.
   */
  readInto?(coords: number[], lo: readonly number[], hi: readonly number[], dst: TypedData, dstStrides: readonly number[], dstOffset: number, signal?: AbortSignal): Promise<boolean>;
}

/**
 * Reading chunks off the JS thread, for the layouts toZarr writes (C order, little-endian, no
 * filters; one zstd/blosc/lz4/gzip compressor or none; v3 blosc excepted), from a local directory
 * or a URL: zstd and uncompressed chunks on the native pool (a local file is read there too),
 * gzip through node:zlib, blosc and lz4 on the codec pool's workers. undefined: use zarrita's
 * getChunk. A missing chunk reads as undefined/false too (zarrita fills it with the fill value).
 */
async function fastReader(bytesOf: Bytes, chunkShape: readonly number[], Ctor: ReturnType<typeof typedCtor>): Promise<FastReader | undefined> {
  const pool = codecPool();
  let codec: { name: CodecName; config: Record<string, unknown> } | null = null;
  let key: (coords: number[]) => string;
  const json = async (name: string): Promise<unknown> => {
    const b = await bytesOf.get(name).catch(() => undefined);
    return b ? JSON.parse(new TextDecoder().decode(b)) : undefined;
  };
  try {
    const v2 = (await json('.zarray')) as { filters?: unknown; order?: string; dtype?: string; compressor?: ({ id: string } & Record<string, unknown>) | null; dimension_separator?: string } | undefined;
    const v3 = v2 ? undefined : ((await json('zarr.json')) as { codecs?: { name: string; configuration?: Record<string, unknown> }[]; chunk_key_encoding?: { name?: string; configuration?: { separator?: string } } } | undefined);
    if (v2) {
      const m = v2;
      if (m.filters || m.order !== 'C' || typeof m.dtype !== 'string' || m.dtype.startsWith('>')) return undefined;
      if (m.compressor) {
        if (!['zstd', 'blosc', 'lz4', 'gzip'].includes(m.compressor.id)) return undefined;
        codec = { name: m.compressor.id as CodecName, config: m.compressor };
      }
      const sep = m.dimension_separator ?? '.';
      key = (c) => (c.length ? c.join(sep) : '0');
    } else if (v3) {
      const m = v3;
      const cs = m.codecs ?? [];
      if (cs[0]?.name !== 'bytes' || ((cs[0].configuration?.endian as string | undefined) ?? 'little') !== 'little' || cs.length > 2) return undefined;
      if (cs.length === 2) {
        const names: Record<string, CodecName> = { zstd: 'zstd', gzip: 'gzip', 'numcodecs.lz4': 'lz4', 'numcodecs.zstd': 'zstd', 'numcodecs.gzip': 'gzip' };
        const n = names[cs[1]!.name];
        if (!n) return undefined;
        codec = { name: n, config: { id: n, ...(cs[1]!.configuration ?? {}) } };
      }
      const enc = m.chunk_key_encoding ?? { name: 'default' };
      const sep = enc.configuration?.separator ?? (enc.name === 'v2' ? '.' : '/');
      key = enc.name === 'v2' ? (c) => (c.length ? c.join(sep) : '0') : (c) => ['c', ...c.map(String)].join(sep);
    } else return undefined;
  } catch {
    return undefined;
  }
  const n = chunkShape.reduce((a, b) => a * b, 1);
  const want = n * Ctor.BYTES_PER_ELEMENT;
  const stride = contiguousStrides(chunkShape);
  const nativeCodec: NativeCodec | undefined = !codec ? 'none' : codec.name === 'zstd' ? 'zstd' : undefined;
  if (nativeCodec && nativeCodecs()) {
    const readInto: NonNullable<FastReader['readInto']> = async (coords, lo, hi, dst, dstStrides, dstOffset, signal) => {
      const k = key(coords);
      const item = { codec: nativeCodec, itemsize: Ctor.BYTES_PER_ELEMENT, chunkShape, lo, hi, dst, dstOffset, dstStrides };
      let r;
      if (bytesOf.file) {
        [r] = await decodeChunks([{ ...item, path: bytesOf.file(k) }], signal);
      } else {
        const bytes = await bytesOf.get(k);
        if (!bytes) return false;
        [r] = await decodeChunks([{ ...item, bytes }], signal);
      }
      if (r!.status === 'missing') return false;
      if (r!.status === 'error') throw chunkError(r!);
      return true;
    };
    return {
      readInto,
      read: async (coords) => {
        const data = new Ctor(n);
        return (await readInto(coords, chunkShape.map(() => 0), chunkShape, data, stride, 0)) ? { data, shape: [...chunkShape], stride } : undefined;
      },
    };
  }
  if (codec && codec.name !== 'gzip' && !pool) return undefined;
  return {
    read: async (coords) => {
      const k = key(coords);
      const bytes = await bytesOf.get(k);
      if (!bytes) return undefined;
      if (codec?.name === 'blosc') checkBloscFrame(bytesOf.label(k), bytes, want);
      if (codec?.name === 'lz4') checkLz4Frame(bytesOf.label(k), bytes, want);
      const raw = !codec
        ? bytes
        : codec.name === 'gzip'
          ? await gzipCodec.decode(bytes)
          : await pool!.run('decode', codec.name, codec.config, bytes).catch((e: unknown) => {
              // numcodecs' lz4 turns LZ4's negative error code into a typed array length
              if (codec.name === 'lz4' && e instanceof Error && /Invalid typed array length/.test(e.message)) throw new RangeError(`${bytesOf.label(k)}: corrupted lz4 chunk: its compressed stream does not decode`);
              throw e;
            });
      if (raw.byteLength !== want) throw new RangeError(`truncated chunk ${bytesOf.label(k)}: ${raw.byteLength} bytes decoded, ${want} expected`);
      const data = raw.byteOffset % Ctor.BYTES_PER_ELEMENT === 0 ? new Ctor(raw.buffer as ArrayBuffer, raw.byteOffset, n) : new Ctor(raw.slice().buffer);
      return { data, shape: [...chunkShape], stride };
    },
  };
}

// ---- writing ----

/**
 * The compressor {@link toZarr} writes with: `'zstd'` (default, level 1), `'blosc'` (lz4 inside,
 * byte shuffle), `'lz4'`, `'gzip'` (level 1) or `null` (uncompressed). All are read back by
 * zarr-python and by {@link fromZarr}.
 */
export type ZarrCompressor = 'zstd' | 'blosc' | 'lz4' | 'gzip' | null;

export interface ToZarrOptions extends ComputeOptions {
  /** Default 'zstd' (level 1). blosc: lz4 inside, byte shuffle; gzip: level 1. */
  compressor?: ZarrCompressor;
  /** Store chunk shape (one entry per axis; default: the array's largest chunk). */
  chunks?: readonly number[];
  /** 2 (default, what Python's zarr 2 reads) or 3. */
  zarrVersion?: 2 | 3;
  /** The array inside the store, e.g. 'group/x' (parents get group metadata). */
  path?: string;
  /** Write into this box of an existing array: [start, stop] per axis (null: the whole axis). */
  region?: readonly (readonly [number, number] | null)[];
  /** Append along `axis` of an existing array. */
  append?: {
    /** The axis to grow, in 0..ndim-1; the other axes must match the existing array (else a RangeError). */
    axis: number;
  };
  /** Replace an existing array (default: an existing array is an error). */
  overwrite?: boolean;
  /** Chunks computed, encoded and written at once (default 2 per thread). */
  parallel?: number;
}

interface Meta {
  version: 2 | 3;
  shape: number[];
  chunks: number[];
  dtype: AnyDType;
  compressor: ZarrCompressor;
}

const V3_NAMES: Record<AnyDType, string> = Object.fromEntries(DTYPES.map((d) => [d, d])) as Record<AnyDType, string>;

function compressorV2(c: ZarrCompressor): unknown {
  switch (c) {
    case 'zstd': return { id: 'zstd', level: 1 };
    case 'blosc': return { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0 };
    case 'lz4': return { id: 'lz4', acceleration: 1 };
    case 'gzip': return { id: 'gzip', level: 1 };
    case null: return null;
  }
}

function codecsV3(c: ZarrCompressor, dtype: AnyDType): unknown[] {
  const bytes = { name: 'bytes', configuration: { endian: 'little' } };
  switch (c) {
    case 'zstd': return [bytes, { name: 'zstd', configuration: { level: 1, checksum: false } }];
    case 'blosc': return [bytes, { name: 'blosc', configuration: { cname: 'lz4', clevel: 5, shuffle: 'shuffle', typesize: anyItemsize(dtype), blocksize: 0 } }];
    case 'lz4': return [bytes, { name: 'numcodecs.lz4', configuration: { acceleration: 1 } }];
    case 'gzip': return [bytes, { name: 'gzip', configuration: { level: 1 } }];
    case null: return [bytes];
  }
}

function metadataFile(m: Meta): { name: string; text: string } {
  const fill = m.dtype === 'bool' ? false : m.dtype.startsWith('float') ? 0.0 : 0;
  if (m.version === 2) {
    return {
      name: '.zarray',
      text: JSON.stringify({ chunks: m.chunks, compressor: compressorV2(m.compressor), dimension_separator: '.', dtype: DESCR[m.dtype], fill_value: fill, filters: null, order: 'C', shape: m.shape, zarr_format: 2 }, null, 4),
    };
  }
  return {
    name: 'zarr.json',
    text: JSON.stringify({
      zarr_format: 3, node_type: 'array', shape: m.shape, data_type: V3_NAMES[m.dtype],
      chunk_grid: { name: 'regular', configuration: { chunk_shape: m.chunks } },
      chunk_key_encoding: { name: 'default', configuration: { separator: '/' } },
      fill_value: fill, codecs: codecsV3(m.compressor, m.dtype), attributes: {},
    }, null, 2),
  };
}

function chunkKey(version: 2 | 3, coords: readonly number[]): string {
  if (version === 2) return coords.length ? coords.join('.') : '0';
  return ['c', ...coords.map(String)].join('/');
}

/**
 * The chunk keys of an existing store array (region/append): its own separator — Python's zarr 2
 * writes `dimension_separator: '/'` stores as nested directories, and a v3 array may use the 'v2'
 * key encoding. Writing '0.0' into a '/' store was ignored by every reader (the old chunk stayed).
 */
function storeChunkKey(dir: string, version: 2 | 3): (coords: readonly number[]) => string {
  const m = JSON.parse(readFileSync(join(dir, version === 2 ? '.zarray' : 'zarr.json'), 'utf8')) as { dimension_separator?: string; chunk_key_encoding?: { name?: string; configuration?: { separator?: string } } };
  if (version === 2) {
    const sep = m.dimension_separator ?? '.';
    return (c) => (c.length ? c.join(sep) : '0');
  }
  const enc = m.chunk_key_encoding ?? { name: 'default' };
  const sep = enc.configuration?.separator ?? (enc.name === 'v2' ? '.' : '/');
  return enc.name === 'v2' ? (c) => (c.length ? c.join(sep) : '0') : (c) => ['c', ...c.map(String)].join(sep);
}

type Encoder = (bytes: Uint8Array) => Promise<Uint8Array>;

async function encoder(c: ZarrCompressor, dtype: AnyDType): Promise<Encoder> {
  if (c === null) return async (b) => b;
  if (c === 'gzip') return (b) => gzipCodec.encode(b, 1);
  const pool = codecPool();
  if (pool) {
    const cfg = c === 'zstd' ? { id: 'zstd', level: 1 } : c === 'blosc' ? { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0, typesize: anyItemsize(dtype) } : c === 'lz4' ? { id: 'lz4', acceleration: 1 } : { id: 'gzip', level: 1 };
    return (b) => pool.run('encode', c, cfg, b);
  }
  const mod = c === 'zstd' ? await import('numcodecs/zstd') : c === 'blosc' ? await import('numcodecs/blosc') : c === 'lz4' ? await import('numcodecs/lz4') : await import('numcodecs/gzip');
  const config = c === 'zstd' ? { id: 'zstd', level: 1 } : c === 'blosc' ? { id: 'blosc', cname: 'lz4', clevel: 5, shuffle: 1, blocksize: 0, typesize: anyItemsize(dtype) } : c === 'lz4' ? { id: 'lz4', acceleration: 1 } : { id: 'gzip', level: 1 };
  const codec = mod.default.fromConfig(config as never);
  return async (b) => await codec.encode(b);
}

/** Writes one raw chunk (C-order bytes) encoded to `file`, through a temp name and a rename. */
type ChunkWriter = (file: string, chunk: Uint8Array) => Promise<void>;

async function chunkWriter(c: ZarrCompressor, dtype: AnyDType): Promise<ChunkWriter> {
  if ((c === 'zstd' || c === null) && nativeCodecs()) {
    // encoded and written on the native pool: no copy of the chunk into JS, no JS-thread work
    return async (file, chunk) => {
      const [r] = await encodeChunks([{ src: chunk, codec: c ?? 'none', level: 1, path: file, tmpPath: tmpName(file) }]);
      if (r!.status === 'error') throw chunkError(r!);
    };
  }
  const encode = await encoder(c, dtype);
  return async (file, chunk) => writeAtomic(file, await encode(chunk));
}

let tmpCount = 0;
const tmpName = (file: string): string => `${file}.${process.pid}.${tmpCount++}.partial`;
async function writeAtomic(file: string, bytes: Uint8Array): Promise<void> {
  const tmp = tmpName(file);
  try {
    await writeFile(tmp, bytes);
    await rename(tmp, file);
  } catch (e) {
    await rm(tmp, { force: true }).catch(() => {});
    throw storageError(e && (e as { path?: string }).path === tmp ? tmp : file, e);
  }
}

async function ensureDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw storageError(dir, e);
  }
}

const isZarrDir = (dir: string): boolean => ['.zarray', '.zgroup', 'zarr.json'].some((f) => existsSync(join(dir, f)));

function checkRegion(where: string, region: unknown, shape: readonly number[]): { lo: number[]; hi: number[] } {
  if (!Array.isArray(region) || region.length !== shape.length) {
    throw new TypeError(`${where}: options.region must have one [start, stop] (or null) per axis of the store array (shape [${shape}]), got ${describe(region)}`);
  }
  const lo: number[] = [];
  const hi: number[] = [];
  region.forEach((r, k) => {
    if (r === null) {
      lo.push(0);
      hi.push(shape[k]!);
      return;
    }
    if (!Array.isArray(r) || r.length !== 2) throw new TypeError(`${where}: options.region[${k}] must be [start, stop] or null, got ${describe(r)}`);
    const a = checkInteger(`${where}: options.region[${k}][0]`, r[0], 0, shape[k]!);
    const b = checkInteger(`${where}: options.region[${k}][1]`, r[1], a, shape[k]!);
    lo.push(a);
    hi.push(b);
  });
  return { lo, hi };
}

/**
 * Write `x` to a Zarr store (a directory), chunk-parallel; Python's zarr reads what v2 writes
 * bit-identically. Returns when every chunk file and the metadata are in place.
 */
export async function toZarr(x: NDArray, where: string, options?: ToZarrOptions): Promise<void> {
  if (!(x instanceof NDArray)) throw new TypeError(`toZarr: x must be an NDArray, got ${describe(x)}`);
  if (typeof where !== 'string') throw new TypeError(`toZarr: path must be a string (a directory), got ${describe(where)}`);
  if (isUrl(where)) throw new TypeError(`toZarr: ${where}: writing over HTTP is not supported (write to a local directory)`);
  const o = checkOptions('toZarr options', options) as ToZarrOptions & Record<string, unknown>;
  const known = ['compressor', 'chunks', 'zarrVersion', 'path', 'region', 'append', 'overwrite', 'parallel', 'progress', 'onProgress', 'signal', 'profiler'];
  for (const key of Object.keys(o)) if (!known.includes(key)) throw new TypeError(`toZarr: unknown option ${describe(key)}; accepted: ${known.join(', ')}`);
  const { compressor: comp, chunks: chunkOpt, zarrVersion, path: inner, region, append, overwrite, parallel, ...compute } = o;
  const compressor: ZarrCompressor = comp === undefined ? 'zstd' : comp;
  if (!['zstd', 'blosc', 'lz4', 'gzip', null].includes(compressor)) throw new TypeError(`toZarr: options.compressor must be 'zstd', 'blosc', 'lz4', 'gzip' or null, got ${describe(comp)}`);
  if (zarrVersion !== undefined && zarrVersion !== 2 && zarrVersion !== 3) throw new TypeError(`toZarr: options.zarrVersion must be 2 or 3, got ${describe(zarrVersion)}`);
  if (inner !== undefined && (typeof inner !== 'string' || inner.split('/').some((p) => p === '..'))) throw new TypeError(`toZarr: options.path must be a relative path inside the store, got ${describe(inner)}`);
  if (overwrite !== undefined && typeof overwrite !== 'boolean') throw new TypeError(`toZarr: options.overwrite must be a boolean, got ${describe(overwrite)}`);
  if (region !== undefined && append !== undefined) throw new TypeError('toZarr: options.region and options.append cannot be combined');
  // two chunks per thread: encoding on the codec workers overlaps the next computes and writes
  const inflight = parallel === undefined ? 2 * native().getNumThreads() : checkInteger('toZarr: options.parallel', parallel, 1, 64);
  const dir = inner ? join(where, inner) : where;

  let meta: Meta;
  let offset = x.shape.map(() => 0); // where x goes in the store array
  let finalShape: number[] | undefined; // append: the shape written after the chunks
  if (region !== undefined || append !== undefined) {
    if (!isZarrDir(dir)) throw new TypeError(`toZarr: ${dir}: ${region !== undefined ? 'region' : 'append'} needs an existing Zarr array there`);
    const arr = await openArray(where, inner);
    const dtype = ZARR_DTYPES[arr.dtype as string];
    if (dtype !== x.dtype) throw new TypeError(`toZarr: ${dir}: the store's dtype ${String(arr.dtype)} differs from the array's ${x.dtype}`);
    const version: 2 | 3 = existsSync(join(dir, 'zarr.json')) ? 3 : 2;
    meta = { version, shape: [...arr.shape], chunks: [...arr.chunks], dtype, compressor: storeCompressor(dir, version) };
    if (region !== undefined) {
      const r = checkRegion(`toZarr: ${dir}`, region, meta.shape);
      const rshape = r.hi.map((h, k) => h - r.lo[k]!);
      if (rshape.length !== x.ndim || rshape.some((n, k) => n !== x.shape[k])) {
        throw new RangeError(`toZarr: ${dir}: options.region has shape [${rshape}] but the array has shape [${x.shape}]`);
      }
      offset = r.lo;
    } else {
      const a = append as { axis?: unknown };
      if (typeof a !== 'object' || a === null) throw new TypeError(`toZarr: options.append must be { axis }, got ${describe(append)}`);
      const axis = checkInteger('toZarr: options.append.axis', a.axis, 0, Math.max(0, meta.shape.length - 1));
      if (x.ndim !== meta.shape.length || x.shape.some((n, k) => k !== axis && n !== meta.shape[k])) {
        throw new RangeError(`toZarr: ${dir}: cannot append shape [${x.shape}] along axis ${axis} to shape [${meta.shape}] (the other axes must match)`);
      }
      offset = meta.shape.map((n, k) => (k === axis ? n : 0));
      finalShape = meta.shape.map((n, k) => (k === axis ? n + x.shape[k]! : n));
    }
  } else {
    if (existsSync(dir)) {
      if (!statSync(dir).isDirectory()) throw new TypeError(`toZarr: ${dir}: exists and is not a directory`);
      const entries = await readdir(dir);
      if (entries.length) {
        if (!isZarrDir(dir)) throw new TypeError(`toZarr: ${dir}: exists, is not empty and is not a Zarr store; refusing to write into it`);
        if (!overwrite) throw new TypeError(`toZarr: ${dir}: a Zarr store exists there; pass { overwrite: true } to replace it, or region/append to write into it`);
        await rm(dir, { recursive: true, force: true });
      }
    }
    const chunks = chunkOpt === undefined ? x.chunksize.map((c) => Math.max(1, c)) : checkChunkShape(chunkOpt, x.shape);
    meta = { version: zarrVersion ?? 2, shape: [...x.shape], chunks, dtype: x.dtype, compressor };
    await ensureDir(dir);
    if (inner) await writeGroups(where, inner, meta.version);
  }
  const storeShape = finalShape ?? meta.shape;
  if (finalShape) meta = { ...meta, shape: finalShape };

  // The store chunks x covers, each written once: a region of x and where it lands in the chunk.
  const lo = offset;
  const hi = offset.map((l, k) => l + x.shape[k]!);
  const tasks: { coords: number[]; xRegion: Region; full: boolean }[] = [];
  if (x.shape.every((n) => n > 0)) {
    const first = lo.map((l, k) => Math.floor(l / meta.chunks[k]!));
    const last = hi.map((h, k) => Math.ceil(h / meta.chunks[k]!));
    const walk = (k: number, coords: number[]): void => {
      if (k === meta.shape.length) {
        const clo = coords.map((c, j) => c * meta.chunks[j]!);
        const chi = coords.map((c, j) => Math.min(storeShape[j]!, (c + 1) * meta.chunks[j]!));
        const wlo = clo.map((c, j) => Math.max(c, lo[j]!));
        const whi = chi.map((c, j) => Math.min(c, hi[j]!));
        const full = wlo.every((w, j) => w === clo[j] && whi[j] === chi[j]);
        tasks.push({ coords, xRegion: { lo: wlo.map((w, j) => w - lo[j]!), hi: whi.map((w, j) => w - lo[j]!) }, full });
        return;
      }
      for (let c = first[k]!; c < last[k]!; c++) walk(k + 1, [...coords, c]);
    };
    walk(0, []);
  }
  const writeChunk = await chunkWriter(meta.compressor, meta.dtype);
  const existing = tasks.some((t) => !t.full) && (region !== undefined || append !== undefined) ? await openArray(where, inner) : undefined;
  const Ctor = typedCtor(meta.dtype as DType);
  const chunkCount = size(meta.chunks);
  const cstrides = contiguousStrides(meta.chunks);
  const made = new Set<string>();
  const keyOf = region !== undefined || append !== undefined ? storeChunkKey(dir, meta.version) : (c: readonly number[]) => chunkKey(meta.version, c);
  await streamRegions('toZarr', x, tasks.map((t) => t.xRegion), inflight, async (r, data, i) => {
    const t = tasks[i]!;
    // A stored chunk is always the full chunk shape (edge chunks padded with the fill value, 0).
    let buf: TypedData;
    const origin = t.coords.map((c, k) => c * meta.chunks[k]!);
    const rshape = r.hi.map((h, k) => h - r.lo[k]!);
    if (rshape.every((n, k) => n === meta.chunks[k]) && !existing) {
      buf = data.data; // the computed box is the whole chunk: written as it is
    } else {
      buf = new Ctor(chunkCount);
      if (!t.full && existing) {
        // merge with what the store holds there (region/append into a partial chunk)
        const old = await existing.getChunk(t.coords);
        (buf as Float64Array).set(rawElements(`${dir}: chunk (${t.coords})`, old.data, chunkCount) as Float64Array);
      }
      copyBox(data.data, rshape, buf, cstrides, r.lo.reduce((a, l, k) => a + (l + lo[k]! - origin[k]!) * cstrides[k]!, 0));
    }
    const key = keyOf(t.coords);
    const file = join(dir, key);
    const parent = dirname(file);
    if (key.includes('/') && !made.has(parent)) {
      await ensureDir(parent);
      made.add(parent);
    }
    await writeChunk(file, new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength));
  }, compute, true); // the chunk is written (or copied) before the sink settles: its buffer is recycled
  if (append !== undefined) {
    // the store's own metadata with the new shape (codec settings, attributes and all kept)
    const f = join(dir, meta.version === 2 ? '.zarray' : 'zarr.json');
    // an int64/uint64 fill value beyond 2^53 kept digit for digit (JSON.parse would round
    // 9223372036854775807 to 9223372036854775808, which Python's zarr then refuses to decode)
    const text = readFileSync(f, 'utf8').replace(/("fill_value"\s*:\s*)(-?\d{16,})(?=\s*[,}])/, '$1"@@int:$2"');
    const j = JSON.parse(text) as { shape: number[] };
    j.shape = meta.shape;
    const out = JSON.stringify(j, null, 4).replace(/"@@int:(-?\d+)"/, '$1');
    await writeAtomic(f, new TextEncoder().encode(out));
  } else if (region === undefined) {
    const m = metadataFile(meta);
    await writeAtomic(join(dir, m.name), new TextEncoder().encode(m.text));
  }
  if (meta.version === 2 && region === undefined && append === undefined && !existsSync(join(dir, '.zattrs'))) await writeAtomic(join(dir, '.zattrs'), new TextEncoder().encode('{}'));
}

/** The compressor of an existing store array, if it is one toZarr encodes with (region/append). */
function storeCompressor(dir: string, version: 2 | 3): ZarrCompressor {
  const file = join(dir, version === 2 ? '.zarray' : 'zarr.json');
  const m = JSON.parse(readFileSync(file, 'utf8')) as { compressor?: { id?: string } | null; filters?: unknown; order?: string; codecs?: { name: string; configuration?: { endian?: string } }[]; dtype?: string };
  const refuse = (why: string): never => {
    throw new TypeError(`toZarr: ${dir}: cannot write a region into this array: ${why} (toZarr writes zstd, blosc, lz4, gzip or uncompressed, C order, little-endian)`);
  };
  const names: Record<string, ZarrCompressor> = { zstd: 'zstd', blosc: 'blosc', lz4: 'lz4', gzip: 'gzip', 'numcodecs.lz4': 'lz4', 'numcodecs.zstd': 'zstd', 'numcodecs.blosc': 'blosc', 'numcodecs.gzip': 'gzip' };
  if (version === 2) {
    if (m.filters) refuse('it has filters');
    if (m.order && m.order !== 'C') refuse(`order ${m.order}`);
    if (m.dtype && m.dtype.startsWith('>')) refuse('big-endian data');
    if (!m.compressor) return null;
    const c = names[m.compressor.id ?? ''];
    return c === undefined ? refuse(`compressor ${JSON.stringify(m.compressor.id)}`) : c;
  }
  const codecs = m.codecs ?? [];
  if (codecs[0]?.name !== 'bytes' || (codecs[0].configuration?.endian ?? 'little') !== 'little' || codecs.length > 2) refuse(`codecs ${JSON.stringify(codecs.map((c) => c.name))}`);
  if (codecs.length === 1) return null;
  const c = names[codecs[1]!.name];
  return c === undefined ? refuse(`codec ${JSON.stringify(codecs[1]!.name)}`) : c;
}

function checkChunkShape(chunks: unknown, shape: readonly number[]): number[] {
  if (!Array.isArray(chunks) || chunks.length !== shape.length) throw new TypeError(`toZarr: options.chunks must be one positive integer per axis (${shape.length}), got ${describe(chunks)}`);
  return chunks.map((c, k) => checkInteger(`toZarr: options.chunks[${k}]`, c, 1));
}

async function writeGroups(where: string, inner: string, version: 2 | 3): Promise<void> {
  const parts = inner.split('/').filter(Boolean);
  for (let i = 0; i < parts.length; i++) {
    const g = join(where, ...parts.slice(0, i));
    await ensureDir(g);
    if (version === 2 && !existsSync(join(g, '.zgroup'))) await writeAtomic(join(g, '.zgroup'), new TextEncoder().encode(JSON.stringify({ zarr_format: 2 })));
    if (version === 3 && !existsSync(join(g, 'zarr.json'))) await writeAtomic(join(g, 'zarr.json'), new TextEncoder().encode(JSON.stringify({ zarr_format: 3, node_type: 'group', attributes: {} })));
  }
}
