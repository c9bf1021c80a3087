// The partial-combining algebra of a reduction stage cut into chunk tasks (./split.ts): the
// per-chunk float64 partials are combined exactly as the engine's PlanJob::finishStage does
// (native/engine/reduce.cc: a fixed binary tree over the chunk index, Chan's combine for var/std).
import { ReduceCode, type NativeStage } from './types.js';
import { isReduced } from './split.js';

const nanMin = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a < b ? a : b);
const nanMax = (a: number, b: number): number => (Number.isNaN(a) || Number.isNaN(b) ? NaN : a > b ? a : b);

/** A var/std partial: Chan's moments. Every other reduction's partial is one number. */
interface Moments {
  count: number;
  mean: number;
  m2: number;
  /** the low part of the double-double mean */
  meanLo: number;
}

/** Chan's parallel combine with double-double means, as the engine's (reduce.h combine). */
function combineMoments(x: Moments, y: Moments): Moments {
  if (x.count === 0) return y;
  if (y.count === 0) return x;
  const n = x.count + y.count;
  const delta = y.mean - x.mean + (y.meanLo - x.meanLo);
  const step = delta * (y.count / n);
  const hi = x.mean + step;
  const bb = hi - x.mean;
  const err = x.mean - (hi - bb) + (step - bb);
  return { count: n, mean: hi, meanLo: x.meanLo + err, m2: x.m2 + y.m2 + delta * delta * ((x.count * y.count) / n) };
}

const f64b = new Float64Array(1);
const u32b = new Uint32Array(f64b.buffer);
/** C's frexp: v = m * 2^e with |m| in [0.5, 1); 0, inf and NaN give (v, 0) as glibc's. */
function frexp(v: number): [number, number] {
  if (v === 0 || !Number.isFinite(v)) return [v, 0];
  let e = 0;
  if (Math.abs(v) < 2 ** -1022) {
    v *= 2 ** 64; // subnormal: exact
    e = -64;
  }
  f64b[0] = v;
  const hi = u32b[1]!;
  e += ((hi >>> 20) & 0x7ff) - 1022;
  u32b[1] = (hi & 0x800fffff) | (1022 << 20);
  return [f64b[0]!, e];
}
/** C's ldexp with one rounding (the engine's prodValue: exponent clamped to +-4096). */
function ldexp(m: number, e: number): number {
  if (m === 0 || !Number.isFinite(m)) return m; // 0 * 2^big must stay 0, not 0 * inf
  e = Math.min(Math.max(e, -4096), 4096);
  if (e > 1023) return m * 2 ** 1023 * 2 ** (e - 1023);
  if (e >= -1022) return m * 2 ** e;
  const k = e + 1074; // |m| < 1: m * 2^k is exact for 0 <= k, then one subnormal rounding
  if (k < 0) return m * 0;
  return m * 2 ** k * 2 ** -1074;
}
/** A prod partial: mantissa and exponent, combined as the engine's prodCombine. */
interface Scaled {
  m: number;
  e: number;
}
function combineScaled(x: Scaled, y: Scaled): Scaled {
  const [m, e] = frexp(x.m * y.m);
  return { m, e: x.e + y.e + e };
}

function scalarCombine(op: ReduceCode): (x: number, y: number) => number {
  switch (op) {
    case ReduceCode.Prod:
    case ReduceCode.NanProd: return (x, y) => x * y;
    case ReduceCode.Min: return nanMin;
    case ReduceCode.Max: return nanMax;
    case ReduceCode.Any: return Math.max;
    case ReduceCode.All: return Math.min;
    default: return (x, y) => x + y;
  }
}

/** The engine's fixed binary tree over slots[lo, hi): split at lo + floor((hi - lo) / 2). */
function tree<P>(slots: readonly P[], combine: (x: P, y: P) => P, lo: number, hi: number): P {
  if (hi - lo === 1) return slots[lo]!;
  const mid = lo + Math.floor((hi - lo) / 2);
  return combine(tree(slots, combine, lo, mid), tree(slots, combine, mid, hi));
}

/**
 * Combine the per-chunk partial buffers of a reduction stage run as 'chunks' (`parts[t]`: the
 * float64 partials chunkStage's sink wrote for chunk t, row-major chunk order) into the stage's
 * output, exactly as PlanJob::finishStage does: per kept output element, its chunks' partials in
 * row-major order over the reduced axes' chunk grid, combined in the fixed binary tree (split at
 * lo + floor((hi - lo) / 2)) with the engine's combine (Chan's for var/std), then finalized
 * (mean: / count; var: M2 / max(count - ddof, 0); std: sqrt) and written through the original
 * sink's offset and strides into `out` (the sink buffer's bytes), rounded to float32 for F32.
 */
export function combineChunkPartials(stage: NativeStage, parts: readonly Uint8Array[], out: Uint8Array): void {
  const sink = stage.sink;
  const op = sink.reduce;
  const nd = stage.shape.length;
  const varLike = op === ReduceCode.Var || op === ReduceCode.Std;
  const prodLike = op === ReduceCode.Prod || op === ReduceCode.NanProd;
  const scaled: Scaled[] = prodLike ? new Array<Scaled>(0) : [];
  const nchunks = stage.chunks.map((c) => c.length);
  const cstart = stage.chunks.map((c) => {
    const s = [0];
    for (const e of c) s.push(s[s.length - 1]! + e);
    return s;
  });
  const kept: number[] = [];
  const red: number[] = [];
  let count = 1;
  for (let k = 0; k < nd; k++) {
    if (isReduced(stage, k)) {
      red.push(k);
      count *= stage.shape[k]!;
    } else kept.push(k);
  }
  const nRed = red.reduce((a, k) => a * nchunks[k]!, 1);
  const f64 = (u: Uint8Array): Float64Array => {
    const v = u.byteOffset % 8 === 0 ? u : u.slice();
    return new Float64Array(v.buffer, v.byteOffset, Math.floor(v.byteLength / 8));
  };
  const data = parts.map(f64);
  const o64 = sink.dtype === 0 ? new Float64Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 8)) : undefined;
  const o32 = sink.dtype === 0 ? undefined : new Float32Array(out.buffer, out.byteOffset, Math.floor(out.byteLength / 4));
  const combine = scalarCombine(op);
  const moments: Moments[] = varLike ? new Array(nRed) : [];
  const scalars: number[] = varLike ? [] : new Array(nRed);
  const finalizeMoments = (r: Moments): number => {
    const v = r.m2 / Math.max(count - sink.ddof, 0);
    return op === ReduceCode.Std ? Math.sqrt(v) : v;
  };
  // chunk strides over the full grid (row-major) and over the reduced axes' grid
  const taskStride: number[] = new Array(nd);
  let ts = 1;
  for (let k = nd - 1; k >= 0; k--) {
    taskStride[k] = ts;
    ts *= nchunks[k]!;
  }
  const redTask: number[] = new Array(nRed); // reduced-chunk index -> task offset
  for (let r = 0; r < nRed; r++) {
    let rem = r;
    let t = 0;
    for (let q = red.length - 1; q >= 0; q--) {
      const k = red[q]!;
      t += (rem % nchunks[k]!) * taskStride[k]!;
      rem = Math.floor(rem / nchunks[k]!);
    }
    redTask[r] = t;
  }
  // every cell of the kept axes' chunk grid, then every output element inside it
  const nKeptCells = kept.reduce((a, k) => a * nchunks[k]!, 1);
  const ci: number[] = new Array(kept.length).fill(0);
  for (let cell = 0; cell < nKeptCells; cell++) {
    let rem = cell;
    for (let q = kept.length - 1; q >= 0; q--) {
      ci[q] = rem % nchunks[kept[q]!]!;
      rem = Math.floor(rem / nchunks[kept[q]!]!);
    }
    let base = 0;
    let addr0 = sink.offset;
    const ext: number[] = new Array(kept.length);
    let P = 1;
    for (let q = 0; q < kept.length; q++) {
      const k = kept[q]!;
      base += ci[q]! * taskStride[k]!;
      addr0 += cstart[k]![ci[q]!]! * sink.strides[k]!;
      ext[q] = stage.chunks[k]![ci[q]!]!;
      P *= ext[q]!;
    }
    const local: number[] = new Array(kept.length).fill(0);
    let addr = addr0;
    for (let j = 0; j < P; j++) {
      let v: number;
      if (varLike) {
        for (let r = 0; r < nRed; r++) {
          const d = data[base + redTask[r]!]!;
          moments[r] = { count: d[j]!, mean: d[j + P]!, m2: d[j + 2 * P]!, meanLo: d[j + 3 * P]! };
        }
        v = finalizeMoments(tree(moments, combineMoments, 0, nRed));
      } else if (prodLike) {
        for (let r = 0; r < nRed; r++) {
          const d = data[base + redTask[r]!]!;
          scaled[r] = { m: d[j]!, e: d[j + P]! };
        }
        const s = tree(scaled, combineScaled, 0, nRed);
        v = ldexp(s.m, s.e);
      } else {
        for (let r = 0; r < nRed; r++) scalars[r] = data[base + redTask[r]!]![j]!;
        const total = tree(scalars, combine, 0, nRed);
        v = op === ReduceCode.Mean ? total / count : total;
      }
      if (o64) o64[addr] = v;
      else o32![addr] = v; // a Float32Array store rounds to nearest, as static_cast<float>
      for (let q = kept.length - 1; q >= 0; q--) {
        const k = kept[q]!;
        local[q]!++;
        addr += sink.strides[k]!;
        if (local[q]! < ext[q]!) break;
        addr -= local[q]! * sink.strides[k]!;
        local[q] = 0;
      }
    }
  }
}
