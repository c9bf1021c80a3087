// Memory lent by the caller (fromArray, the ndarray adapters, execute()'s inputs, a fromDelayed
// function's own TypedArray) at the native boundary. N-API cannot pin a V8 backing store: while
// native threads read an ArrayBuffer, JS can free it under them — `buf.transfer()` (Node >= 21),
// `structuredClone(buf, { transfer })`, `postMessage(…, [buf])`, `rab.resize(8)` — a segfault,
// or garbage read silently once the pages are reused. So a compute reads every non-shared JS
// buffer that its plan only reads from a snapshot in native memory taken when it starts, and
// frees the snapshot when the compute settles. A SharedArrayBuffer cannot be detached or shrunk
// (a growable one only grows): it is read in place, zero-copy. Buffers a plan writes (results,
// intermediates) are tessera's own and never reach the caller before the compute settles;
// NativeBuffers (persisted chunks) are kept alive by the addon itself.
import { types } from 'node:util';
import { native, type NativeBuffer, type NativeBufferArg, type NativePlan } from '../native.js';
import { LeafKind, StageKind, type NativeLeaf } from '../plan/types.js';
import { DTYPES } from '../plan/ops.generated.js';
import { concatParts, concatTable } from '../plan/split.js';

export interface Snapshot {
  /** The plan to execute: `plan` itself, or a copy whose leaves address the snapshots. */
  plan: NativePlan;
  buffers: NativeBufferArg[];
  /** Free the snapshots; call once the compute has settled (the addon holds them until then). */
  release(): void;
}

/** The non-shared JS memory of a buffer argument, or undefined for SharedArrayBuffers and NativeBuffers. */
function lentBytes(b: NativeBufferArg): { buffer: ArrayBuffer; byteOffset: number; byteLength: number } | undefined {
  // node:util's checks work across realms, where `instanceof` would miss a buffer.
  if (types.isArrayBuffer(b)) return { buffer: b, byteOffset: 0, byteLength: b.byteLength };
  if (ArrayBuffer.isView(b) && types.isArrayBuffer(b.buffer)) return { buffer: b.buffer, byteOffset: b.byteOffset, byteLength: b.byteLength };
  return undefined;
}

// each dtype's item size (a bool leaf is 1 byte: sizing it as 8 shifted offset slices of bool data)
const ITEM_BYTES = new Map<number, number>(DTYPES.map((d) => [d.code, d.size]));
const elementBytes = (leaf: NativeLeaf): number => ITEM_BYTES.get(leaf.dtype) ?? 8;

/** Bytes [lo, hi) a leaf reads over `shape`, as the engine's plan check computes them (validate.cc). */
function leafSpan(leaf: NativeLeaf, shape: readonly number[]): [number, number] {
  let lo = leaf.offset;
  let hi = leaf.offset;
  shape.forEach((n, k) => {
    const span = (leaf.strides[k] ?? 0) * (n - 1);
    if (span < 0) lo += span;
    else hi += span;
  });
  const e = elementBytes(leaf);
  return [lo * e, (hi + 1) * e];
}

/**
 * Copy what `plan` reads of each lent input into native memory. Only the bytes read are copied
 * (a computeBlock or an iterChunks chunk copies its chunk, not the whole input). A plan that reads
 * outside a buffer is left as is: the engine rejects it before any thread starts.
 */
export function snapshotInputs(plan: NativePlan, buffers: NativeBufferArg[]): Snapshot {
  let written: Set<number> | undefined;
  const spans = new Map<number, [number, number]>();
  for (const stage of plan.stages) {
    if (stage.shape.some((n) => n === 0)) continue; // an empty stage reads nothing
    // a matmul stage's leaves have one more axis, the contracted one (plan.h)
    const shape = stage.kind === StageKind.Matmul ? [...stage.shape, stage.contract ?? 0] : stage.shape;
    if (shape.some((n) => n === 0)) continue;
    for (const [i, leaf] of stage.leaves.entries()) {
      written ??= new Set(plan.stages.map((s) => s.sink.buffer));
      if (leaf.kind === LeafKind.Compress) {
        // a mask read in place (engine/compress_leaf.h) scans its data and bool condition from
        // element 0 up to the input length, the table's inStart[n]
        const table = buffers[leaf.b];
        const t = table !== undefined && types.isArrayBuffer(table) ? new Float64Array(table) : undefined;
        const len = t && t.length >= 2 && t.length >= 2 + t[0]! ? t[1 + t[0]!]! : NaN;
        if (!Number.isSafeInteger(len)) continue;  // the engine rejects the leaf
        for (const [b, bytes] of [[leaf.buffer, len * elementBytes(leaf)], [leaf.a, len]] as const) {
          if (written.has(b) || bytes === 0) continue;
          const known = spans.get(b);
          spans.set(b, known ? [0, Math.max(known[1], bytes)] : [0, bytes]);
        }
        continue;
      }
      if (leaf.kind === LeafKind.Take) {
        // a take read in place (engine/gather.h TakeLeaf) reads its source and its index array
        // from element 0: table [axis, outer, m, n, inner, index dtype]
        const t = tableOf(buffers[leaf.b]);
        if (!t || t.length < 6) continue;  // the engine rejects the leaf
        const [, outer, m, n, inner, idx] = t as unknown as number[];
        for (const [b, bytes] of [[leaf.buffer, outer! * n! * inner! * elementBytes(leaf)], [leaf.a, m! * (ITEM_BYTES.get(idx!) ?? 8)]] as const) {
          if (written.has(b) || !(bytes > 0) || !Number.isSafeInteger(bytes)) continue;
          const known = spans.get(b);
          spans.set(b, known ? [0, Math.max(known[1], bytes)] : [0, bytes]);
        }
        continue;
      }
      if (leaf.kind === LeafKind.Concat) {
        // a concatenation read in place (engine/concat_leaf.h): each memory part over its region
        for (const { leaf: part, shape: region } of concatRegions(leaf, buffers, shape)) {
          if (written.has(part.buffer)) continue;
          const [lo, hi] = leafSpan(part, region);
          const known = spans.get(part.buffer);
          spans.set(part.buffer, known ? [Math.min(known[0], lo), Math.max(known[1], hi)] : [lo, hi]);
        }
        continue;
      }
      if (leaf.kind !== LeafKind.Memory) continue;
      if (written.has(leaf.buffer)) continue;
      // a take stage's data leaf spans the source length on the take axis (imms [axis, length])
      const take = stage.kind === StageKind.Take && i === 0 && stage.imms;
      const [lo, hi] = leafSpan(leaf, take ? shape.map((n, k) => (k === stage.imms![0] ? stage.imms![1]! : n)) : shape);
      const known = spans.get(leaf.buffer);
      spans.set(leaf.buffer, known ? [Math.min(known[0], lo), Math.max(known[1], hi)] : [lo, hi]);
    }
  }
  if (spans.size === 0) return { plan, buffers, release: () => {} }; // generated inputs only: nothing lent
  const shifts = new Map<number, number>(); // buffer index → bytes cut from the front
  const snapshots: NativeBuffer[] = [];
  const out = [...buffers];
  const release = (): void => {
    for (const s of snapshots.splice(0)) native().freeBuffer(s);
  };
  try {
    for (const [index, [lo, hi]] of spans) {
      const b = buffers[index];
      const mem = b === undefined ? undefined : lentBytes(b);
      if (!mem || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi) || lo < 0 || hi > mem.byteLength) continue;
      const start = lo - (lo % 8); // leaf offsets stay whole elements of 4 and 8 bytes
      const snapshot = native().allocBuffer(hi - start);
      snapshots.push(snapshot);
      new Uint8Array(native().bufferView(snapshot)).set(new Uint8Array(mem.buffer, mem.byteOffset + start, hi - start));
      out[index] = snapshot;
      shifts.set(index, start);
    }
  } catch (err) {
    release();
    throw err;
  }
  if (shifts.size === 0) return { plan, buffers: out, release };
  const shifted = (l: NativeLeaf): NativeLeaf => (l.kind === LeafKind.Memory && shifts.has(l.buffer) ? { ...l, offset: l.offset - shifts.get(l.buffer)! / elementBytes(l) } : l);
  for (const stage of plan.stages) {
    for (const l of stage.leaves) {
      // a concat leaf's memory parts are re-addressed in a copy of its table
      const t = l.kind === LeafKind.Concat ? tableOf(buffers[l.b]) : undefined;
      if (!t) continue;
      const parts = concatParts(t, stage.shape.length);
      if (parts.some((p) => p.leaf.kind === LeafKind.Memory && shifts.has(p.leaf.buffer))) {
        out[l.b] = concatTable(parts.map((p) => ({ ...p, leaf: shifted(p.leaf) })), stage.shape.length).buffer as ArrayBuffer;
      }
    }
  }
  const stages = plan.stages.map((stage) =>
    stage.leaves.some((l) => l.kind === LeafKind.Memory && shifts.has(l.buffer)) ? { ...stage, leaves: stage.leaves.map(shifted) } : stage,
  );
  return { plan: { ...plan, stages }, buffers: out, release };
}

/** A table buffer (an engine leaf's float64 table) as float64s, if it is one. */
function tableOf(b: NativeBufferArg | undefined): Float64Array | undefined {
  return b !== undefined && types.isArrayBuffer(b) && b.byteLength % 8 === 0 ? new Float64Array(b) : undefined;
}

/** A concat leaf's memory parts, each with the region of the stage shape it reads. */
function concatRegions(leaf: NativeLeaf, buffers: NativeBufferArg[], shape: readonly number[]): { leaf: NativeLeaf; shape: number[] }[] {
  const t = tableOf(buffers[leaf.b]);
  if (!t || !(t[0]! >= 1) || t.length < 1 + t[0]! * (9 + shape.length)) return [];  // the engine rejects the leaf
  return concatParts(t, shape.length)
    .filter((p) => p.leaf.kind === LeafKind.Memory)
    .map((p) => ({
      leaf: { ...p.leaf, offset: p.leaf.offset + p.lo * (p.leaf.strides[leaf.a] ?? 0) },
      shape: shape.map((n, k) => (k === leaf.a ? p.hi - p.lo : n)),
    }));
}
