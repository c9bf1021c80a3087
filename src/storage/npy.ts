// NumPy's .npy format (numpy/lib/format.py): a magic string, a version, a Python-literal header
// {'descr': '<f8', 'fortran_order': False, 'shape': (3, 4), } padded with spaces to a multiple of
// 64 bytes, then the raw elements. fromNpy reads lazily with positioned reads of only the runs of
// bytes a compute touches; toNpy streams the array in row slabs; every dtype's bytes are read and
// written (the eager loadNpy/saveNpy give TypedArrays of any dtype).
import { open, readFile, rename, rm } from 'node:fs/promises';
import { unzipSync, zipSync } from 'fflate';
import { fromArray } from '../array/creation.js';
import { NDArray, computeArrays } from '../array/ndarray.js';
import { DenseArray } from '../array/dense.js';
import { normalizeChunks, type ChunksSpec } from '../array/chunks.js';
import { scalarData, size, typedCtor, type BoxSource, type DType, type TypedData } from '../array/node.js';
import { DTYPES, itemsize, typedArrayClass, type DType as AnyDType, type DTypeTypedArray } from '../array/dtype.js';
import { checkInteger, checkOptions, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import type { Computed } from '../array/ndarray.js';
import { streamRegions, type Region } from './write.js';
import { computableDType, storageArray } from './source.js';
import { storageError } from './errors.js';

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** NumPy's descr for each dtype, little-endian as NumPy writes on x86/arm. */
export const DESCR: { readonly [D in AnyDType]: string } = {
  bool: '|b1', int8: '|i1', int16: '<i2', int32: '<i4', int64: '<i8',
  uint8: '|u1', uint16: '<u2', uint32: '<u4', uint64: '<u8', float32: '<f4', float64: '<f8',
};

/** A descr string ('<f8', '>i4', '|b1', '=u2') as a dtype and byte order; an error naming `where` otherwise. */
export function parseDescr(where: string, descr: unknown): { dtype: AnyDType; bigEndian: boolean } {
  if (typeof descr !== 'string') {
    throw new TypeError(`${where}: structured dtype ${describe(descr)} is not supported (accepted: ${DTYPES.join(', ')})`);
  }
  const m = /^([<>|=])([a-zA-Z])(\d+)$/.exec(descr);
  const kinds: Record<string, AnyDType> = { b1: 'bool', i1: 'int8', i2: 'int16', i4: 'int32', i8: 'int64', u1: 'uint8', u2: 'uint16', u4: 'uint32', u8: 'uint64', f4: 'float32', f8: 'float64' };
  const dtype = m ? kinds[`${m[2]}${m[3]}`] : undefined;
  if (!m || !dtype) {
    const what = descr.includes('O') ? 'object' : /[US]/.test(descr) ? 'string' : /c/.test(descr) ? 'complex' : descr;
    throw new TypeError(`${where}: dtype ${JSON.stringify(descr)} (${what}) is not supported (accepted: ${DTYPES.join(', ')})`);
  }
  return { dtype, bigEndian: m[1] === '>' && itemsize(dtype) > 1 };
}

export interface NpyHeader {
  dtype: AnyDType;
  bigEndian: boolean;
  fortranOrder: boolean;
  shape: number[];
  /** Byte offset of the first element. */
  dataOffset: number;
}

/** Parse the header at the start of `bytes` (at least the first 10 bytes + header length). */
export function parseNpyHeader(where: string, bytes: Uint8Array): NpyHeader | { needed: number } {
  if (bytes.length < 10) return { needed: 10 };
  for (let i = 0; i < 6; i++) if (bytes[i] !== MAGIC[i]) throw new TypeError(`${where}: not a .npy file (no \\x93NUMPY magic)`);
  const major = bytes[6]!;
  if (major < 1 || major > 3) throw new TypeError(`${where}: .npy format version ${major}.${bytes[7]} is not supported (1.0–3.0)`);
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const start = major === 1 ? 10 : 12;
  if (bytes.length < start) return { needed: start };
  const len = major === 1 ? dv.getUint16(8, true) : dv.getUint32(8, true);
  if (bytes.length < start + len) return { needed: start + len };
  const text = new TextDecoder(major === 3 ? 'utf-8' : 'latin1').decode(bytes.subarray(start, start + len));
  const descrM = /'descr'\s*:\s*('([^']*)'|\[)/.exec(text);
  const fortranM = /'fortran_order'\s*:\s*(True|False)/.exec(text);
  const shapeM = /'shape'\s*:\s*\(([^)]*)\)/.exec(text);
  if (!descrM || !fortranM || !shapeM) throw new TypeError(`${where}: malformed .npy header ${JSON.stringify(text.trim().slice(0, 120))}`);
  if (descrM[2] === undefined) {
    const list = /'descr'\s*:\s*(\[.*?\])\s*,\s*'/.exec(text)?.[1] ?? '[…]';
    throw new TypeError(`${where}: structured dtype ${list} is not supported (accepted: ${DTYPES.join(', ')})`);
  }
  const { dtype, bigEndian } = parseDescr(where, descrM[2]);
  const shape = shapeM[1]!.split(',').map((s) => s.trim()).filter((s) => s.length).map((s) => {
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isSafeInteger(n) || n < 0) throw new TypeError(`${where}: malformed shape in .npy header: ${JSON.stringify(shapeM[0])}`);
    return n;
  });
  return { dtype, bigEndian, fortranOrder: fortranM[1] === 'True', shape, dataOffset: start + len };
}

/**
 * The header bytes of a C-order .npy of `dtype` and `shape`, byte for byte as NumPy's np.save
 * writes them (format.py _write_array_header: sorted keys, room for the first axis to grow to 21
 * digits, padded so the data starts on a 64-byte boundary; version 1.0, or 2.0 past 65535 bytes).
 */
export function npyHeader(dtype: AnyDType, shape: readonly number[]): Uint8Array {
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let dict = `{'descr': '${DESCR[dtype]}', 'fortran_order': False, 'shape': ${shapeText}, }`;
  if (shape.length > 0) dict += ' '.repeat(Math.max(0, 21 - String(shape[0]).length));
  for (const major of [1, 2]) {
    const pre = major === 1 ? 10 : 12;
    const hlen = dict.length + 1;
    const padlen = 64 - ((pre + hlen) % 64);
    const len = hlen + padlen;
    if (major === 1 && len > 0xffff) continue;
    const out = new Uint8Array(pre + len);
    out.set(MAGIC);
    out[6] = major;
    out[7] = 0;
    const dv = new DataView(out.buffer);
    if (major === 1) dv.setUint16(8, len, true);
    else dv.setUint32(8, len, true);
    const text = dict + ' '.repeat(padlen) + '\n';
    for (let i = 0; i < text.length; i++) out[pre + i] = text.charCodeAt(i);
    return out;
  }
  throw new RangeError('npy header too long');
}

/** Reverse the byte order of each `width`-byte element in place. */
export function byteswap(bytes: Uint8Array, width: number): void {
  if (width === 1) return;
  for (let i = 0; i + width <= bytes.length; i += width) {
    for (let a = i, b = i + width - 1; a < b; a++, b--) {
      const t = bytes[a]!;
      bytes[a] = bytes[b]!;
      bytes[b] = t;
    }
  }
}

/** What loadNpy returns: the elements row-major (C order), as the dtype's TypedArray. */
export interface NpyData {
  /** The file's dtype, in NumPy's names (see {@link DType}). */
  dtype: AnyDType;
  /** The array's shape (`[]` for a 0-d file). */
  shape: number[];
  /** bool: Uint8Array of 0/1; int64/uint64: BigInt64Array/BigUint64Array. */
  data: DTypeTypedArray;
}

async function readHeader(path: string, fh: import('node:fs/promises').FileHandle): Promise<NpyHeader> {
  let want = 10;
  for (;;) {
    const buf = new Uint8Array(want);
    const { bytesRead } = await fh.read(buf, 0, want, 0);
    const h = parseNpyHeader(path, buf.subarray(0, bytesRead));
    if (!('needed' in h)) return h;
    if (bytesRead < want || h.needed <= want) throw new TypeError(`${path}: truncated .npy header (${bytesRead} bytes)`);
    want = h.needed;
  }
}

async function openFile(path: string, flags: string): Promise<import('node:fs/promises').FileHandle> {
  try {
    return await open(path, flags);
  } catch (e) {
    throw storageError(path, e);
  }
}

/** Parse a whole .npy held in memory (an .npz member). */
export function decodeNpy(where: string, bytes: Uint8Array): NpyData {
  const h = parseNpyHeader(where, bytes);
  if ('needed' in h) throw new TypeError(`${where}: truncated .npy header (${bytes.length} bytes)`);
  const n = size(h.shape);
  const width = itemsize(h.dtype);
  if (bytes.length - h.dataOffset < n * width) throw new RangeError(`${where}: truncated .npy data: ${bytes.length - h.dataOffset} bytes for shape [${h.shape}] ${h.dtype} (${n * width} expected)`);
  const raw = bytes.slice(h.dataOffset, h.dataOffset + n * width);
  if (h.bigEndian) byteswap(raw, width);
  const Ctor = typedArrayClass(h.dtype) as unknown as new (b: ArrayBuffer) => DTypeTypedArray;
  const data = new Ctor(raw.buffer);
  return { dtype: h.dtype, shape: h.shape, data: h.fortranOrder ? fortranToC(data, h.shape) : data };
}

/** Fortran-order elements of `shape` → C order. */
function fortranToC(data: DTypeTypedArray, shape: readonly number[]): DTypeTypedArray {
  const Ctor = data.constructor as new (n: number) => DTypeTypedArray;
  const out = new Ctor(data.length);
  const nd = shape.length;
  const idx = new Array<number>(nd).fill(0);
  const fstr: number[] = [];
  let s = 1;
  for (let k = 0; k < nd; k++) {
    fstr.push(s);
    s *= shape[k]!;
  }
  for (let i = 0; i < data.length; i++) {
    let f = 0;
    for (let k = 0; k < nd; k++) f += idx[k]! * fstr[k]!;
    (out as Float64Array)[i] = (data as Float64Array)[f]!;
    for (let k = nd - 1; k >= 0; k--) {
      if (++idx[k]! < shape[k]!) break;
      idx[k] = 0;
    }
  }
  return out;
}

/** Encode elements (C order) as a whole .npy file. */
export function encodeNpy(dtype: AnyDType, shape: readonly number[], data: ArrayBufferView): Uint8Array {
  const header = npyHeader(dtype, shape);
  const body = new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint8Array(header.length + body.length);
  out.set(header);
  out.set(body, header.length);
  return out;
}

/** Read a whole .npy of any dtype into memory (eager; fromNpy is the lazy array). */
export async function loadNpy(path: string): Promise<NpyData> {
  if (typeof path !== 'string') throw new TypeError(`loadNpy: path must be a string, got ${describe(path)}`);
  const fh = await openFile(path, 'r');
  try {
    const { size: bytes } = await fh.stat();
    const buf = new Uint8Array(bytes);
    await fh.read(buf, 0, bytes, 0);
    return decodeNpy(path, buf);
  } finally {
    await fh.close();
  }
}

/** Write elements of any dtype (C order) as a .npy file (through a temp name, then rename). */
export async function saveNpy(path: string, data: { dtype: AnyDType; shape: readonly number[]; data: ArrayBufferView }): Promise<void> {
  await atomicWrite(path, async (fh) => {
    await fh.write(encodeNpy(data.dtype, data.shape, data.data));
  });
}

let tmpCount = 0;
/** Write a file under a temp name in the same directory and rename it into place (no half-written file). */
export async function atomicWrite(path: string, fill: (fh: import('node:fs/promises').FileHandle) => Promise<void>): Promise<void> {
  const tmp = `${path}.${process.pid}.${tmpCount++}.tmp`;
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(tmp, 'w');
  } catch (e) {
    throw storageError(path, e); // the error names the file asked for, not the temp name
  }
  let ok = false;
  try {
    await fill(fh);
    ok = true;
  } finally {
    await fh.close();
    if (!ok) await rm(tmp, { force: true });
  }
  try {
    await rename(tmp, path);
  } catch (e) {
    await rm(tmp, { force: true });
    throw storageError(path, e);
  }
}

/** Options of {@link fromNpy} (the chunking of the lazy array; the file itself has none). Unknown keys are a TypeError. */
export interface FromNpyOptions {
  /** Chunks of the lazy array (Dask's spec; default 'auto', ~128 MiB). */
  chunks?: ChunksSpec;
}

/**
 * A lazy array over a .npy file: a compute reads only the byte runs of the chunks it touches, with
 * positioned reads (no copy of the file in memory). Fortran-order files are the transpose of a
 * C-order read.
 */
export async function fromNpy(path: string, options?: FromNpyOptions): Promise<NDArray> {
  if (typeof path !== 'string') throw new TypeError(`fromNpy: path must be a string, got ${describe(path)}`);
  const o = checkOptions('fromNpy options', options);
  for (const key of Object.keys(o)) if (key !== 'chunks') throw new TypeError(`fromNpy: unknown option ${describe(key)}; accepted: chunks`);
  const fh = await openFile(path, 'r');
  let h: NpyHeader;
  let fileBytes: number;
  try {
    h = await readHeader(path, fh);
    fileBytes = (await fh.stat()).size;
  } finally {
    await fh.close();
  }
  const dtype = computableDType(path, h.dtype);
  const width = itemsize(h.dtype);
  const need = h.dataOffset + size(h.shape) * width;
  if (fileBytes < need) throw new RangeError(`${path}: truncated .npy file: ${fileBytes} bytes, shape [${h.shape}] ${h.dtype} needs ${need}`);
  // Fortran order: the bytes are a C-order array of the reversed shape.
  const cshape = h.fortranOrder ? [...h.shape].reverse() : h.shape;
  const chunksSpec = o.chunks as ChunksSpec | undefined;
  const chunks = normalizeChunks(chunksSpec, h.shape, width);
  const cchunks = h.fortranOrder ? [...chunks].reverse() : chunks;
  const arr = storageArray('from_npy', `${path}:${fileBytes}`, cshape, dtype, cchunks, npyBoxes(path, h, cshape, dtype, cchunks));
  return h.fortranOrder && cshape.length > 1 ? arr.transpose() : arr;
}

/** Positioned reads of boxes of a C-order .npy. */
function npyBoxes(path: string, h: NpyHeader, shape: readonly number[], dtype: DType, chunks: number[][]): BoxSource {
  const width = itemsize(h.dtype);
  const strides: number[] = [];
  let s = 1;
  for (let k = shape.length - 1; k >= 0; k--) {
    strides[k] = s;
    s *= shape[k]!;
  }
  return {
    chunks,
    async read(lo, hi) {
      const box = hi.map((x, k) => x - lo[k]!);
      const n = size(box);
      const out = new (typedCtor(dtype))(n);
      const bytes = new Uint8Array(out.buffer);
      if (n === 0) return out;
      // The innermost run: trailing axes the box covers fully merge with the first partial one.
      let k0 = shape.length - 1;
      while (k0 > 0 && lo[k0] === 0 && hi[k0] === shape[k0]) k0--;
      const run = box.slice(k0).reduce((a, b) => a * b, 1);
      const outer = box.slice(0, k0);
      const count = outer.reduce((a, b) => a * b, 1);
      const fh = await openFile(path, 'r');
      try {
        const idx = outer.map(() => 0);
        for (let r = 0; r < count; r++) {
          let e = 0;
          for (let k = 0; k < shape.length; k++) e += (lo[k]! + (k < k0 ? idx[k]! : 0)) * strides[k]!;
          const want = run * width;
          const { bytesRead } = await fh.read(bytes, r * want, want, h.dataOffset + e * width);
          if (bytesRead !== want) throw new RangeError(`${path}: truncated .npy file (short read at byte ${h.dataOffset + e * width})`);
          for (let k = k0 - 1; k >= 0; k--) {
            if (++idx[k]! < outer[k]!) break;
            idx[k] = 0;
          }
        }
      } finally {
        await fh.close();
      }
      if (h.bigEndian) byteswap(bytes, width);
      return out as TypedData;
    },
  };
}

export interface ToNpyOptions extends ComputeOptions {
  /** Rows per written slab (default: about one chunk's bytes). */
  slabRows?: number;
}

/** Row slabs [lo, hi) along axis 0 of about `bytes` each (at least one row). */
export function rowSlabs(shape: readonly number[], rowBytes: number, bytes: number): Region[] {
  if (shape.length === 0) return [{ lo: [], hi: [] }];
  const rows = Math.max(1, Math.floor(bytes / Math.max(1, rowBytes)));
  const out: Region[] = [];
  for (let r = 0; r < shape[0]!; r += rows) out.push({ lo: [r, ...shape.slice(1).map(() => 0)], hi: [Math.min(shape[0]!, r + rows), ...shape.slice(1)] });
  return out;
}

/**
 * Write `x` as a C-order .npy file, streaming: the array is computed in row slabs (about one chunk's
 * bytes each, two in flight) written at their offsets, so it holds O(1) slabs, not the array. The
 * file appears under `path` only when complete (temp name, then rename).
 */
export async function toNpy(x: NDArray, path: string, options?: ToNpyOptions): Promise<void> {
  if (!(x instanceof NDArray)) throw new TypeError(`toNpy: x must be an NDArray, got ${describe(x)}`);
  if (typeof path !== 'string') throw new TypeError(`toNpy: path must be a string, got ${describe(path)}`);
  const { slabRows, ...compute } = checkOptions('toNpy options', options) as ToNpyOptions;
  const width = itemsize(x.dtype);
  const rowBytes = x.shape.slice(1).reduce((a, b) => a * b, 1) * width;
  const chunkBytes = x.chunksize.reduce((a, b) => a * b, 1) * width;
  const regions = slabRows === undefined ? rowSlabs(x.shape, rowBytes, Math.max(chunkBytes, 1 << 20)) : rowSlabs(x.shape, rowBytes, checkInteger('toNpy: slabRows', slabRows, 1) * rowBytes);
  const header = npyHeader(x.dtype, x.shape);
  await atomicWrite(path, async (fh) => {
    await fh.write(header, 0, header.length, 0);
    await streamRegions('toNpy', x, regions, 2, async (r, data) => {
      const d = data.data;
      const at = header.length + (r.lo[0] ?? 0) * rowBytes;
      await fh.write(new Uint8Array(d.buffer, d.byteOffset, d.byteLength), 0, d.byteLength, at);
    }, compute, true); // written before the sink settles: the slab buffers are recycled
  });
}

// ---- .npz: a zip of .npy members (np.savez / np.savez_compressed), through fflate ----

export interface ToNpzOptions extends ComputeOptions {
  /** Deflate the members (np.savez_compressed); default false (stored, as np.savez). */
  compressed?: boolean;
}

/**
 * Write arrays as an .npz archive (member `name.npy` per entry). Each array is computed whole
 * (an archive member is one compressed stream), so each must fit under the materialization limit.
 */
export async function toNpz(path: string, arrays: Readonly<Record<string, NDArray>>, options?: ToNpzOptions): Promise<void> {
  if (typeof path !== 'string') throw new TypeError(`toNpz: path must be a string, got ${describe(path)}`);
  const o = checkOptions('toNpz arrays', arrays);
  const { compressed, ...compute } = checkOptions('toNpz options', options) as ToNpzOptions;
  if (compressed !== undefined && typeof compressed !== 'boolean') throw new TypeError(`toNpz: options.compressed must be a boolean, got ${describe(compressed)}`);
  const names = Object.keys(o);
  for (const name of names) if (!(o[name] instanceof NDArray)) throw new TypeError(`toNpz: arrays.${name} must be an NDArray, got ${describe(o[name])}`);
  const xs = names.map((n) => o[n] as NDArray);
  const values = xs.length ? await computeArrays(xs, compute) : [];
  const members: Record<string, Uint8Array> = {};
  names.forEach((name, i) => {
    const v = values[i]!;
    const x = xs[i]!;
    const data = v instanceof DenseArray ? v.data : scalarData(x.node.dtype, v);
    members[`${name}.npy`] = encodeNpy(x.dtype, x.shape, data);
  });
  const zipped = zipSync(members, { level: compressed ? 6 : 0 });
  await atomicWrite(path, async (fh) => {
    await fh.write(zipped);
  });
}

async function readNpzMembers(path: string): Promise<Record<string, Uint8Array>> {
  if (typeof path !== 'string') throw new TypeError(`npz: path must be a string, got ${describe(path)}`);
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
  } catch (e) {
    throw storageError(path, e);
  }
  try {
    return unzipSync(bytes, { filter: (f) => f.name.endsWith('.npy') });
  } catch (e) {
    throw new TypeError(`${path}: not a readable .npz (zip) archive: ${(e as Error).message}`);
  }
}

/** Every member of an .npz archive, any dtype, by name (without `.npy`). Eager. */
export async function loadNpz(path: string): Promise<Record<string, NpyData>> {
  const members = await readNpzMembers(path);
  const out: Record<string, NpyData> = {};
  for (const [name, bytes] of Object.entries(members)) out[name.slice(0, -4)] = decodeNpy(`${path}:${name}`, bytes);
  return out;
}

/** The arrays of an .npz archive by name (the archive is read and inflated when called). */
export async function fromNpz(path: string, options?: { chunks?: ChunksSpec }): Promise<Record<string, NDArray>> {
  const o = checkOptions('fromNpz options', options);
  for (const key of Object.keys(o)) if (key !== 'chunks') throw new TypeError(`fromNpz: unknown option ${describe(key)}; accepted: chunks`);
  const loaded = await loadNpz(path);
  const out: Record<string, NDArray> = {};
  for (const [name, v] of Object.entries(loaded)) {
    const dtype = computableDType(`${path}:${name}.npy`, v.dtype);
    out[name] = fromArray(v.data as TypedData, { shape: v.shape, dtype, chunks: o.chunks as ChunksSpec | undefined }) as NDArray;
  }
  return out;
}
