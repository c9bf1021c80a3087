// Zarr chunk codecs in the native addon (native/storage/chunk_codec.cc, the vendored zstd): each
// call is one job on the engine's thread pool with one task per chunk, so decodes and encodes run
// in parallel off the JS thread. A decode reads the chunk file itself (or takes fetched bytes) and
// writes the box a compute reads straight into the buffer the plan reads; an encode compresses a
// chunk and writes it to a temp name, then renames it. gzip goes through node:zlib (libuv's
// threads), which is already native; blosc and lz4 stay on numcodecs' WebAssembly workers
// (src/storage/codec-pool.ts).
import { gunzip, gzip } from 'node:zlib';
import { promisify } from 'node:util';
import { native } from '../native.js';
import { abortError } from '../errors.js';
import { storageError } from './errors.js';

/** The codecs the addon runs. */
export type NativeCodec = 'zstd' | 'none';

export interface DecodeItem {
  /** The chunk file; without it, `bytes` holds the encoded chunk. */
  path?: string;
  bytes?: Uint8Array;
  codec: NativeCodec;
  itemsize: number;
  /** The stored chunk's full shape (edge chunks are stored padded). */
  chunkShape: readonly number[];
  /** The box of the chunk to copy, chunk-local [lo, hi) (default: all of it). */
  lo?: readonly number[];
  hi?: readonly number[];
  dst: ArrayBufferView;
  /** Elements: where the box's first element lands in dst (default 0). */
  dstOffset?: number;
  /** Elements per axis in dst (default: the box's own C-order strides). */
  dstStrides?: readonly number[];
}

export interface EncodeItem {
  src: ArrayBufferView;
  codec: NativeCodec;
  level?: number;
  /** Final file name (written as tmpPath, then renamed); without it the result carries `bytes`. */
  path?: string;
  tmpPath?: string;
}

export interface ChunkResult {
  status: 'ok' | 'missing' | 'error';
  message?: string;
  /** errno name of a failed system call (ENOENT, EACCES, …). */
  code?: string;
  path?: string;
  bytes?: Uint8Array;
}

interface Handle {
  promise: Promise<ChunkResult[]>;
  cancel(): void;
}

interface CodecAddon {
  codecDecode(items: DecodeItem[]): Handle;
  codecEncode(items: EncodeItem[]): Handle;
  zstdVersion: string;
}

let addon: CodecAddon | null | undefined;

/** The addon's codec entry points, or null for an addon built before them (then wasm codecs run). */
export function nativeCodecs(): CodecAddon | null {
  if (addon !== undefined) return addon;
  const a = native() as unknown as Partial<CodecAddon>;
  addon = typeof a.codecDecode === 'function' && typeof a.codecEncode === 'function' ? (a as CodecAddon) : null;
  return addon;
}

async function run(h: Handle, signal?: AbortSignal): Promise<ChunkResult[]> {
  if (!signal) return h.promise;
  if (signal.aborted) {
    h.cancel();
    h.promise.catch(() => {}); // it rejects with the engine's AbortError; the caller gets signal's
    throw abortError(signal.reason);
  }
  const onAbort = (): void => h.cancel();
  signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await h.promise;
  } catch (e) {
    if (signal.aborted) throw abortError(signal.reason);
    throw e;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

/** Decode chunks on the pool; one result per item ('missing': the file does not exist). */
export function decodeChunks(items: DecodeItem[], signal?: AbortSignal): Promise<ChunkResult[]> {
  return run(nativeCodecs()!.codecDecode(items), signal);
}

/** Encode (and, with a path, write) chunks on the pool; one result per item. */
export function encodeChunks(items: EncodeItem[], signal?: AbortSignal): Promise<ChunkResult[]> {
  return run(nativeCodecs()!.codecEncode(items), signal);
}

/** A failed item as an Error: a system call's failure names the file ("…: permission denied (EACCES)"). */
export function chunkError(r: ChunkResult): Error {
  if (r.code) return storageError(r.path ?? '', Object.assign(new Error(r.message), { code: r.code }));
  return new Error(r.message ?? 'chunk codec failed');
}

const gunzipAsync = promisify(gunzip);
const gzipAsync = promisify(gzip);

/** gzip (numcodecs' GZip, Zarr v3's gzip) through node:zlib, on libuv's threads. */
export const gzipCodec = {
  decode: async (bytes: Uint8Array): Promise<Uint8Array> => new Uint8Array(await gunzipAsync(bytes)),
  encode: async (bytes: Uint8Array, level = 1): Promise<Uint8Array> => new Uint8Array(await gzipAsync(bytes, { level })),
};
