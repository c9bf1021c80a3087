// Persisted arrays as inputs of later cluster computes. A `client.persist` result stays on the
// workers as pieces (one stored chunk each, contiguous over its box of the array). When a later
// plan reads it, the scheduler works out, for every task, which box of the array each of the
// task's leaves reads and which pieces overlap that box; the task carries that list, and the
// worker assembles the box from its own store and its peers' (tessera.worker.NAME.get), then runs
// the sub-plan with the leaf re-addressed into the assembled box. Pure geometry, no I/O.
import type { NativeLeaf } from '../native.js';
import { contiguousStrides } from '../array/node.js';
import type { FetchPart, FetchSpec, Piece } from './protocol.js';

export type { FetchPart, FetchSpec };

/** A box of an n-d array: start and extent per axis. */
export interface Box {
  start: number[];
  ext: number[];
}

/** The box of the array a stored output piece covers. Output sinks are contiguous over the array. */
export function pieceBox(p: Piece, shape: readonly number[]): Box {
  if (p.whole) return { start: shape.map(() => 0), ext: [...shape] };
  const want = contiguousStrides(shape);
  if (p.offset !== 0 || p.strides.length !== shape.length || p.strides.some((s, k) => s !== want[k] && shape[k]! > 1)) {
    throw new Error(`piece ${p.key} is not laid out contiguously over its array; it cannot be read by another compute`);
  }
  return { start: [...p.start], ext: [...p.ext] };
}

/**
 * The box of an array (shape `shape`, contiguous) that `leaf` reads over the iteration box
 * `iter` of its stage, and the leaf re-addressed into that box stored contiguously. Leaves of
 * persisted arrays address memory through transposes, broadcasts and views: every iteration axis
 * with a non-zero stride steps one array axis by a whole step (negative for a reversed slice).
 * Anything else (two iteration axes on one array axis, as a split reshape) reads the whole array.
 */
export function leafRegion(leaf: NativeLeaf, iter: Box, shape: readonly number[]): { region: Box; offset: number; strides: number[] } {
  const nd = shape.length;
  const A = contiguousStrides(shape);
  const whole = (): { region: Box; offset: number; strides: number[] } => ({
    region: { start: shape.map(() => 0), ext: [...shape] },
    offset: leaf.offset + leaf.strides.reduce((s, st, k) => s + st * iter.start[k]!, 0),
    strides: [...leaf.strides],
  });
  let base = leaf.offset;
  for (let k = 0; k < iter.start.length; k++) base += leaf.strides[k]! * iter.start[k]!;
  // base → array coordinates
  const coord = new Array<number>(nd);
  let rem = base;
  for (let a = 0; a < nd; a++) {
    coord[a] = Math.floor(rem / A[a]!);
    rem -= coord[a]! * A[a]!;
  }
  if (rem !== 0 || coord.some((c, a) => c < 0 || c >= Math.max(shape[a]!, 1))) return whole();
  const ext = shape.map(() => 1);
  const start = [...coord];
  const axisOf = new Array<number>(iter.ext.length).fill(-1);
  const stepOf = new Array<number>(iter.ext.length).fill(1);
  for (let k = 0; k < iter.ext.length; k++) {
    const st = leaf.strides[k]!;
    if (st === 0 || iter.ext[k]! <= 1) continue;
    // The array axis this stride steps: by one (a transpose), else by a whole multiple m, negative
    // for a reversed slice (x.get('::-2')); axes of extent 1 share strides with their neighbours.
    let axis = -1;
    for (let a = 0; a < nd; a++) if (A[a] === st && shape[a]! > 1 && ext[a] === 1) axis = axis < 0 ? a : axis;
    if (axis < 0) for (let a = 0; a < nd; a++) if (A[a] === -st && shape[a]! > 1 && ext[a] === 1) axis = axis < 0 ? a : axis;
    if (axis < 0) for (let a = 0; a < nd && axis < 0; a++) if (shape[a]! > 1 && ext[a] === 1 && st % A[a]! === 0 && Math.abs(st / A[a]!) < shape[a]!) axis = a;
    if (axis < 0) return whole();
    const m = st / A[axis]!;
    const e = iter.ext[k]!;
    const lo = m > 0 ? coord[axis]! : coord[axis]! + m * (e - 1);
    const span = Math.abs(m) * (e - 1) + 1;
    if (lo < 0 || lo + span > shape[axis]!) return whole();
    axisOf[k] = axis;
    stepOf[k] = m;
    ext[axis] = span;
    start[axis] = lo;
  }
  const region: Box = { start, ext };
  const L = contiguousStrides(ext);
  const offset = coord.reduce((o, c, a) => o + (c - start[a]!) * L[a]!, 0);
  const strides = leaf.strides.map((st, k) => (axisOf[k]! >= 0 ? stepOf[k]! * L[axisOf[k]!]! : st === 0 || iter.ext[k]! <= 1 ? 0 : NaN));
  // extent-1 iteration axes never move: their stride does not matter
  return { region, offset, strides: strides.map((s) => (Number.isNaN(s) ? 0 : s)) };
}

/**
 * The span of elements [lo, hi] a leaf reads over the iteration box `iter` (any strides, even
 * negative), and the leaf's offset re-based to `lo`: how inline inputs are cut per task.
 */
export function leafSpan(leaf: NativeLeaf, iter: Box): { lo: number; hi: number; offset: number } {
  let base = leaf.offset;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < iter.start.length; k++) {
    base += leaf.strides[k]! * iter.start[k]!;
    const reach = leaf.strides[k]! * (iter.ext[k]! - 1);
    if (reach < 0) lo += reach;
    else hi += reach;
  }
  return { lo: base + lo, hi: base + hi, offset: -lo };
}

/**
 * The box of the array a piece's values are for: its pieceBox, but for a `slab` (a whole stored
 * buffer of which the stage wrote one slab along axis 0, a concatenation's source) that slab.
 */
export function pieceCover(p: Piece, shape: readonly number[]): Box {
  if (!p.slab) return pieceBox(p, shape);
  return pieceBox({ ...p, whole: false }, shape);
}

/** The copies that assemble `region` of an array from its stored pieces. */
export function fetchSpec(compute: string, pieces: readonly Piece[], shape: readonly number[], region: Box, itemsize: number): FetchSpec {
  const parts: FetchPart[] = [];
  let covered = 0;
  for (const p of pieces) {
    const box = pieceBox(p, shape);
    const cover = pieceCover(p, shape);
    const lo = region.start.map((s, a) => Math.max(s, cover.start[a]!));
    const hi = region.start.map((s, a) => Math.min(s + region.ext[a]!, cover.start[a]! + cover.ext[a]!));
    if (hi.some((h, a) => h <= lo[a]!)) continue;
    const ext = hi.map((h, a) => h - lo[a]!);
    covered += ext.reduce((n, e) => n * e, 1);
    parts.push({
      compute,
      task: p.task,
      key: p.key,
      worker: p.worker,
      data: p.data,
      shape: box.ext,
      src: lo.map((l, a) => l - box.start[a]!),
      dst: lo.map((l, a) => l - region.start[a]!),
      ext,
    });
  }
  const need = region.ext.reduce((n, e) => n * e, 1);
  if (covered !== need) throw new Error(`the stored pieces cover ${covered} of the ${need} elements a task reads`);
  return { shape: [...region.ext], itemsize, parts };
}

/**
 * Copy the box (`start`, `ext`) of a row-major array of shape `shape` from `src` into `dst`
 * (shape `dstShape`, box starting at `at`). Byte arrays; `itemsize` bytes per element.
 */
export function copyBox(
  src: Uint8Array,
  shape: readonly number[],
  start: readonly number[],
  ext: readonly number[],
  dst: Uint8Array,
  dstShape: readonly number[],
  at: readonly number[],
  itemsize: number,
): void {
  const nd = shape.length;
  if (nd === 0) {
    dst.set(src.subarray(0, itemsize), 0);
    return;
  }
  const S = contiguousStrides(shape);
  const D = contiguousStrides(dstShape);
  const rowBytes = ext[nd - 1]! * itemsize;
  const idx = new Array<number>(nd).fill(0);
  if (ext.some((e) => e === 0)) return;
  for (;;) {
    let s = 0;
    let d = 0;
    for (let a = 0; a < nd; a++) {
      s += (start[a]! + idx[a]!) * S[a]!;
      d += (at[a]! + idx[a]!) * D[a]!;
    }
    dst.set(src.subarray(s * itemsize, s * itemsize + rowBytes), d * itemsize);
    let a = nd - 2;
    for (; a >= 0; a--) {
      if (++idx[a]! < ext[a]!) break;
      idx[a] = 0;
    }
    if (a < 0) return;
  }
}

/** Bytes [offset, offset + length) of the packed box (`start`, `ext`) of a row-major array. */
export function packBoxWindow(
  src: Uint8Array,
  shape: readonly number[],
  start: readonly number[],
  ext: readonly number[],
  itemsize: number,
  offset: number,
  length: number,
): Uint8Array {
  const total = ext.reduce((n, e) => n * e, 1) * itemsize;
  const end = Math.min(total, offset + length);
  const out = new Uint8Array(Math.max(end - offset, 0));
  const nd = shape.length;
  if (out.length === 0) return out;
  if (nd === 0) return src.slice(offset, end);
  const S = contiguousStrides(shape);
  const rowBytes = ext[nd - 1]! * itemsize;
  // rows [r0, r1) of the packed box overlap the window
  const r0 = Math.floor(offset / rowBytes);
  const r1 = Math.ceil(end / rowBytes);
  for (let r = r0; r < r1; r++) {
    let rem = r;
    let s = 0;
    for (let a = nd - 2; a >= 0; a--) {
      const i = rem % ext[a]!;
      rem = Math.floor(rem / ext[a]!);
      s += (start[a]! + i) * S[a]!;
    }
    s += start[nd - 1]!;
    const rowStart = r * rowBytes;
    const from = Math.max(offset, rowStart);
    const to = Math.min(end, rowStart + rowBytes);
    const srcAt = s * itemsize + (from - rowStart);
    out.set(src.subarray(srcAt, srcAt + (to - from)), from - offset);
  }
  return out;
}
