// Dask's to_npy_stack / from_npy_stack: one .npy per chunk along an axis (0.npy, 1.npy, …) and an
// `info` file, a Python pickle of {'chunks': …, 'dtype': numpy.dtype, 'axis': …}. The pickle is
// written (protocol 2) and read (protocols 2–5) by the small codec below, which knows only that
// dict's opcodes — enough for what Dask writes, and an error for anything else.
import { mkdir, readFile, writeFile, rename } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NDArray, type Computed } from '../array/ndarray.js';
import type { DenseArray } from '../array/dense.js';
import { concatenate } from '../array/indexing/join.js';
import type { DType as AnyDType } from '../array/dtype.js';
import { checkInteger, checkOptions, describe } from '../errors.js';
import type { ComputeOptions } from '../graph/types.js';
import { DESCR, fromNpy, parseDescr, toNpy } from './npy.js';
import { storageError } from './errors.js';

type Py = number | string | boolean | null | Py[] | { global: string; args?: Py; state?: Py } | Map<Py, Py>;

/** Pickle {'chunks', 'dtype', 'axis'} as Python's pickle.dumps(meta, 2) does (byte for byte). */
export function pickleInfo(chunks: readonly (readonly number[])[], dtype: AnyDType, axis: number): Uint8Array {
  const out: number[] = [0x80, 2];
  let memo = 0;
  const put = (): void => {
    out.push(0x71, memo++); // BINPUT (fewer than 256 memo entries here)
  };
  const str = (s: string): void => {
    const b = new TextEncoder().encode(s);
    out.push(0x58, b.length & 255, (b.length >> 8) & 255, 0, 0, ...b);
    put();
  };
  const int = (n: number): void => {
    if (n >= 0 && n < 256) out.push(0x4b, n);
    else if (n >= 0 && n < 65536) out.push(0x4d, n & 255, n >> 8);
    else {
      const v = n | 0;
      out.push(0x4a, v & 255, (v >> 8) & 255, (v >> 16) & 255, (v >>> 24) & 255);
    }
  };
  const tuple = (items: readonly (() => void)[]): void => {
    if (items.length === 0) out.push(0x29);
    else if (items.length <= 3) {
      items.forEach((f) => f());
      out.push(0x84 + items.length);
    } else {
      out.push(0x28);
      items.forEach((f) => f());
      out.push(0x74);
    }
    put();
  };
  out.push(0x7d);
  put();
  out.push(0x28);
  str('chunks');
  tuple(chunks.map((c) => () => tuple(c.map((n) => () => int(n)))));
  str('dtype');
  out.push(...new TextEncoder().encode('cnumpy\ndtype\n'));
  put();
  const descr = DESCR[dtype];
  tuple([() => str(descr.slice(1)), () => out.push(0x89), () => out.push(0x88)]);
  out.push(0x52);
  put();
  tuple([() => int(3), () => str(descr[0]!), () => out.push(0x4e), () => out.push(0x4e), () => out.push(0x4e), () => int(-1), () => int(-1), () => int(0)]);
  out.push(0x62);
  str('axis');
  int(axis);
  out.push(0x75, 0x2e);
  return Uint8Array.from(out);
}

/** Unpickle the subset of opcodes a dict of tuples, ints, strings and a numpy dtype uses. */
export function unpickle(where: string, b: Uint8Array): Py {
  const stack: Py[] = [];
  const marks: number[] = [];
  const memo = new Map<number, Py>();
  const dv = new DataView(b.buffer, b.byteOffset, b.byteLength);
  const text = (s: number, n: number): string => new TextDecoder().decode(b.subarray(s, s + n));
  let i = 0;
  const pop = (): Py => {
    if (!stack.length) throw new TypeError(`${where}: malformed pickle (stack underflow at byte ${i})`);
    return stack.pop()!;
  };
  const popMark = (): Py[] => {
    const m = marks.pop();
    if (m === undefined) throw new TypeError(`${where}: malformed pickle (no mark at byte ${i})`);
    return stack.splice(m);
  };
  while (i < b.length) {
    const op = b[i++]!;
    switch (op) {
      case 0x80: i++; break; // PROTO
      case 0x95: i += 8; break; // FRAME
      case 0x7d: stack.push(new Map()); break; // EMPTY_DICT
      case 0x28: marks.push(stack.length); break; // MARK
      case 0x94: memo.set(memo.size, stack[stack.length - 1]!); break; // MEMOIZE
      case 0x71: memo.set(b[i++]!, stack[stack.length - 1]!); break; // BINPUT
      case 0x72: memo.set(dv.getUint32(i, true), stack[stack.length - 1]!); i += 4; break; // LONG_BINPUT
      case 0x68: stack.push(memo.get(b[i++]!)!); break; // BINGET
      case 0x6a: stack.push(memo.get(dv.getUint32(i, true))!); i += 4; break; // LONG_BINGET
      case 0x8c: { const n = b[i++]!; stack.push(text(i, n)); i += n; break; } // SHORT_BINUNICODE
      case 0x58: { const n = dv.getUint32(i, true); i += 4; stack.push(text(i, n)); i += n; break; } // BINUNICODE
      case 0x4b: stack.push(b[i++]!); break; // BININT1
      case 0x4d: stack.push(dv.getUint16(i, true)); i += 2; break; // BININT2
      case 0x4a: stack.push(dv.getInt32(i, true)); i += 4; break; // BININT
      case 0x8a: { // LONG1
        const n = b[i++]!;
        let v = 0n;
        for (let k = n - 1; k >= 0; k--) v = (v << 8n) | BigInt(b[i + k]!);
        if (n && b[i + n - 1]! & 0x80) v -= 1n << BigInt(8 * n);
        stack.push(Number(v));
        i += n;
        break;
      }
      case 0x4e: stack.push(null); break; // NONE
      case 0x88: stack.push(true); break;
      case 0x89: stack.push(false); break;
      case 0x29: stack.push([]); break; // EMPTY_TUPLE
      case 0x85: stack.push([pop()]); break;
      case 0x86: { const y = pop(); stack.push([pop(), y]); break; }
      case 0x87: { const z = pop(); const y = pop(); stack.push([pop(), y, z]); break; }
      case 0x74: stack.push(popMark()); break; // TUPLE
      case 0x63: { // GLOBAL module\nname\n
        const e1 = b.indexOf(10, i);
        const e2 = b.indexOf(10, e1 + 1);
        stack.push({ global: `${text(i, e1 - i)}.${text(e1 + 1, e2 - e1 - 1)}` });
        i = e2 + 1;
        break;
      }
      case 0x93: { const name = pop(); const mod = pop(); stack.push({ global: `${String(mod)}.${String(name)}` }); break; } // STACK_GLOBAL
      case 0x52: { const args = pop(); const f = pop() as { global: string }; stack.push({ global: f.global, args }); break; } // REDUCE
      case 0x62: { const state = pop(); const o = stack[stack.length - 1] as { state?: Py }; o.state = state; break; } // BUILD
      case 0x73: { const v = pop(); const k = pop(); (stack[stack.length - 1] as Map<Py, Py>).set(k, v); break; } // SETITEM
      case 0x75: { const items = popMark(); const d = stack[stack.length - 1] as Map<Py, Py>; for (let k = 0; k < items.length; k += 2) d.set(items[k]!, items[k + 1]!); break; } // SETITEMS
      case 0x2e: return pop(); // STOP
      default:
        throw new TypeError(`${where}: unsupported pickle opcode 0x${op.toString(16)} at byte ${i - 1} (only Dask's npy-stack info is read)`);
    }
  }
  throw new TypeError(`${where}: truncated pickle`);
}

export interface ToNpyStackOptions extends ComputeOptions {
  /** The stacking axis (default 0): one file per chunk along it. */
  axis?: number;
}

/** Dask's to_npy_stack: `dir/i.npy` per chunk of x along `axis` and the `info` pickle. */
export async function toNpyStack(dir: string, x: NDArray, options?: ToNpyStackOptions): Promise<void> {
  if (typeof dir !== 'string') throw new TypeError(`toNpyStack: dirname must be a string, got ${describe(dir)}`);
  if (!(x instanceof NDArray)) throw new TypeError(`toNpyStack: x must be an NDArray, got ${describe(x)}`);
  const { axis: ax, ...compute } = checkOptions('toNpyStack options', options) as ToNpyStackOptions;
  if (x.ndim === 0) throw new RangeError('toNpyStack: x must have at least one axis');
  const axis = ax === undefined ? 0 : checkInteger('toNpyStack: options.axis', ax, 0, x.ndim - 1);
  try {
    await mkdir(dir, { recursive: true });
  } catch (e) {
    throw storageError(dir, e);
  }
  const chunks = x.chunks.map((c, k) => (k === axis ? [...c] : [x.shape[k]!]));
  let start = 0;
  for (const [i, n] of chunks[axis]!.entries()) {
    const index = x.shape.map((_, k) => (k === axis ? `${start}:${start + n}` : ':')).join(', ');
    await toNpy(x.get(index), join(dir, `${i}.npy`), compute);
    start += n;
  }
  const tmp = join(dir, `info.${process.pid}.tmp`);
  try {
    await writeFile(tmp, pickleInfo(chunks, x.dtype, axis));
    await rename(tmp, join(dir, 'info'));
  } catch (e) {
    throw storageError(join(dir, 'info'), e);
  }
}

/** Dask's from_npy_stack: the stack's files as one lazy array (each file read lazily, by chunk). */
export async function fromNpyStack(dir: string): Promise<NDArray> {
  if (typeof dir !== 'string') throw new TypeError(`fromNpyStack: dirname must be a string, got ${describe(dir)}`);
  const infoPath = join(dir, 'info');
  let bytes: Uint8Array;
  try {
    bytes = await readFile(infoPath);
  } catch (e) {
    throw storageError(infoPath, e);
  }
  const info = unpickle(infoPath, bytes);
  if (!(info instanceof Map)) throw new TypeError(`${infoPath}: not an npy-stack info pickle (a dict expected)`);
  const chunks = info.get('chunks');
  const axis = info.get('axis');
  const dt = info.get('dtype') as { global?: string; args?: Py[]; state?: Py[] } | undefined;
  if (!Array.isArray(chunks) || typeof axis !== 'number' || !dt || dt.global !== 'numpy.dtype' || !Array.isArray(dt.args)) {
    throw new TypeError(`${infoPath}: not an npy-stack info pickle (chunks, dtype and axis expected)`);
  }
  const order = Array.isArray(dt.state) && typeof dt.state[1] === 'string' ? dt.state[1] : '<';
  const { dtype } = parseDescr(infoPath, `${order === '|' ? '|' : order}${String(dt.args[0])}`);
  const along = chunks[axis] as number[];
  const parts: NDArray[] = [];
  for (let i = 0; i < along.length; i++) {
    const f = join(dir, `${i}.npy`);
    if (!existsSync(f)) throw new Error(`${f}: no such file or directory (ENOENT); the stack's info lists ${along.length} files`);
    const part = await fromNpy(f, { chunks: (chunks as number[][]).map((c, k) => (k === axis ? -1 : c.length === 1 ? -1 : c)) as never });
    if (part.dtype !== dtype) throw new TypeError(`${f}: dtype ${part.dtype} differs from the stack's ${dtype}`);
    parts.push(part);
  }
  return parts.length === 1 ? parts[0]! : (concatenate(parts, { axis }) as NDArray);
}
