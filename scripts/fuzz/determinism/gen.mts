// The graph generator of the determinism fuzz: build(seed, i, variant) makes graph i of a seed
// from tessera's public API. The graph's structure and its input values come from one random
// stream (seed, i), the chunkings (`chunks`, `rechunk`, `blocksize`) from another (seed, i,
// variant), so every variant is the same computation over the same values, chunked differently.
// Variant 0 chunks every array whole and reads every CSV file as one partition.
import { mkdirSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import * as t from '../../../src/index.ts';

type NDArray = t.NDArray;
export type Rng = () => number;

/** mulberry32 over a 32-bit hash of the parts. */
export function rng(...parts: (string | number)[]): Rng {
  let h = 2166136261;
  for (const ch of parts.join('/')) h = Math.imul(h ^ ch.charCodeAt(0), 16777619);
  let a = h >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let z = Math.imul(a ^ (a >>> 15), 1 | a);
    z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
    return ((z ^ (z >>> 14)) >>> 0) / 4294967296;
  };
}
const int = (r: Rng, lo: number, hi: number) => lo + Math.floor(r() * (hi - lo + 1)); // [lo, hi]
const pick = <T,>(r: Rng, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;

/**
 * One graph. `chunkFree`: the documented promise covers this graph across chunkings (every
 * operation in it is exact or documented chunk-independent); otherwise only across threads and
 * workers. `cluster`: the cluster computes it (cumsum, median/quantile, nanargmin/nanargmax are
 * refused there today). `post` turns the computed value into what is compared.
 */
export interface Graph {
  kind: 'array' | 'frame';
  chunkFree: boolean;
  cluster: boolean;
  desc: string;
  value: any;
  post?: (v: any) => unknown;
}

const FLOATS = ['float64', 'float32'] as const;
const DTYPES = ['float64', 'float64', 'float64', 'float32', 'float32', 'int32', 'int64', 'int16', 'uint8', 'bool'] as const;
const isFloat = (d: string) => d === 'float64' || d === 'float32';
/** Integer dtypes whose sums of ≤ 1e5 values stay below 2^53 when widened to float64 (mean exact). */
const SMALL_INT = new Set(['bool', 'int8', 'uint8', 'int16', 'uint16', 'int32', 'uint32']);

/** One axis of n split as `chunks` may say: whole, a block size, or explicit sizes (a 0 now and then). */
function axisChunks(c: Rng, n: number, allowZero = true): number | number[] {
  const k = c();
  if (n === 0) return k < 0.5 ? -1 : [0];
  if (k < 0.2) return -1;
  if (k < 0.5) return int(c, 1, n);
  const sizes: number[] = [];
  let left = n;
  while (left > 0) {
    const s = Math.min(left, int(c, 1, Math.max(1, Math.ceil(n / int(c, 1, 5)))));
    sizes.push(s);
    left -= s;
    if (allowZero && c() < 0.05) sizes.push(0);
  }
  return sizes;
}
const chunksFor = (c: Rng, v: number, shape: readonly number[], allowZero = true) =>
  v === 0 ? shape.map(() => -1) : shape.map((n) => axisChunks(c, n, allowZero));

function values(r: Rng, dtype: string, size: number): t.TypedData {
  const special = [NaN, Infinity, -Infinity, -0, 0, 1e300, -1e-300, 5e-324, 1e16, 0.1];
  switch (dtype) {
    case 'float64': case 'float32': {
      const a = dtype === 'float64' ? new Float64Array(size) : new Float32Array(size);
      const spice = r() < 0.5 ? 0 : r() * 0.1;
      const scale = pick(r, [1, 1, 1e3, 1e-3, 1e8]);
      const offset = pick(r, [0, 0, 0, 1e6, -3]);
      for (let i = 0; i < size; i++) a[i] = r() < spice ? pick(r, special) : offset + scale * (r() * 2 - 1);
      return a;
    }
    case 'int32': return Int32Array.from({ length: size }, () => int(r, -1000, 1000) * (r() < 0.05 ? 100000 : 1));
    case 'int16': return Int16Array.from({ length: size }, () => int(r, -300, 300));
    case 'uint8': return Uint8Array.from({ length: size }, () => int(r, 0, 255));
    case 'bool': return Uint8Array.from({ length: size }, () => (r() < 0.5 ? 1 : 0));
    default: return BigInt64Array.from({ length: size }, () => BigInt(int(r, -1e6, 1e6)) * (r() < 0.05 ? 1000000000n : 1n));
  }
}

class Builder {
  chunkFree = true;
  cluster = true;
  /** After a mask: chunk sizes unknown (NaN), so no reshape/rechunk/median/new operands of its shape. */
  unknown = false;
  desc: string[] = [];
  leaves = 0;
  constructor(readonly r: Rng, readonly c: Rng, readonly v: number, readonly seed: number, readonly fns: string) {}

  note(s: string) { this.desc.push(s); }
  dep(why: string) { if (this.chunkFree) this.note(`[chunk-dependent: ${why}]`); this.chunkFree = false; }

  shape(maxDims = 3): number[] {
    const nd = pick(this.r, [0, 1, 1, 2, 2, 2, 3].filter((d) => d <= maxDims));
    // now and then a larger array (≤ 1e5 elements): several pairwise blocks per chunk, transposed tiles
    const big = this.r() < 0.12;
    const most = nd === 3 ? (big ? 40 : 9) : nd === 2 ? (big ? 300 : 30) : big ? 100000 : 200;
    return Array.from({ length: nd }, () => (this.r() < 0.03 ? 0 : int(this.r, 1, most)));
  }

  /** A leaf of this shape: fromArray of generated values or a seeded random creator. */
  leaf(shape: readonly number[], dtype?: string): NDArray {
    const r = this.r, id = this.leaves++;
    const chunks = chunksFor(this.c, this.v, shape);
    const size = shape.reduce((a, b) => a * b, 1);
    const opts = shape.length ? { chunks } : {};
    if (!dtype && r() < 0.3) {
      const seed = int(r, 0, 1e6);
      const k = pick(r, ['random', 'normal', 'uniform', 'integers', 'exponential', 'standardNormal']);
      this.note(`L${id}=random.${k}(${JSON.stringify(shape)}, seed ${seed}) chunks ${JSON.stringify(chunks)}`);
      switch (k) {
        case 'random': return t.random.random(shape, { seed, ...opts });
        case 'normal': return t.random.normal(1, 3, shape, { seed, ...opts });
        case 'uniform': return t.random.uniform(-2, 5, shape, { seed, ...opts });
        case 'exponential': return t.random.exponential(2, shape, { seed, ...opts });
        case 'standardNormal': return t.random.standardNormal(shape, { seed, ...opts });
        default: return t.random.integers(-50, 50, shape, { seed, ...opts });
      }
    }
    const d = dtype ?? pick(r, DTYPES);
    this.note(`L${id}=fromArray(${d}${JSON.stringify(shape)}) chunks ${JSON.stringify(chunks)}`);
    return t.fromArray(values(r, d, size), { shape: [...shape], dtype: d as t.DType, ...(shape.length ? { chunks } : {}) } as any) as NDArray;
  }

  /** A shape broadcasting against s: s itself, some axes 1, or a trailing part. */
  bshape(s: readonly number[]): number[] {
    const k = this.r();
    if (k < 0.5) return [...s];
    if (k < 0.8) return s.map((n) => (this.r() < 0.5 ? 1 : n));
    return s.slice(int(this.r, 0, s.length));
  }

  elementwise(x: NDArray): NDArray {
    const r = this.r;
    const k = r();
    if (k < 0.3) {
      const f = pick(r, ['neg', 'abs', 'exp', 'log', 'sqrt', 'sin', 'square', 'floor', 'rint', 'tanh', 'sign', 'reciprocal', 'log1p', 'expm1', 'cbrt', 'isnan', 'isfinite', 'signbit', 'cos', 'arctan']);
      this.note(`${f}`);
      // a NaN's sign is payload: signbit sees x with NaN made 0 (its -0 and +0 still count)
      if (f === 'signbit') return t.signbit(t.where(t.isnan(x), 0, x));
      return (t as any)[f](x);
    }
    if (k < 0.65 || this.unknown) {
      const f = pick(r, ['add', 'sub', 'mul', 'div', 'pow', 'maximum', 'minimum', 'fmax', 'fmin', 'arctan2', 'hypot', 'mod', 'floorDivide', 'copysign', 'gt', 'le', 'eq', 'logicalAnd', 'fmod']);
      let y: NDArray | number;
      if (r() < 0.4 || this.unknown) { y = pick(r, [2, 0.5, 3, 0, 1e-3, 7]); this.note(`${f}(scalar ${y})`); }
      else { const s = this.bshape(x.shape); y = this.leaf(r() < 0.5 ? s : s, r() < 0.5 ? x.dtype : undefined); this.note(`${f}(L${this.leaves - 1})`); }
      const swap = r() < 0.2 && typeof y !== 'number';
      // copysign copies a NaN's sign, payload: the sign operand's NaNs made 1
      if (f === 'copysign') return swap ? t.copysign(y as NDArray, t.where(t.isnan(x), 1, x)) : t.copysign(x, typeof y === 'number' ? y : t.where(t.isnan(y), 1, y));
      return swap ? (t as any)[f](y, x) : (t as any)[f](x, y);
    }
    if (k < 0.75) {
      const y = this.leaf(this.bshape(x.shape), r() < 0.5 ? x.dtype : undefined);
      const cond = r() < 0.5 ? t.gt(x, 0) : t.isnan(x);
      this.note(`where(cond, x, L${this.leaves - 1})`);
      return t.where(cond, x, r() < 0.3 ? pick(r, [0, -1, 2.5]) : y);
    }
    if (k < 0.85) {
      const lo = pick(r, [null, -1, 0, 0.25]), hi = pick(r, [null, 1, 100, 0.75]);
      if (lo === null && hi === null) { this.note('clip(-1, 1)'); return x.clip(-1, 1); }
      this.note(`clip(${lo}, ${hi})`);
      return x.clip(lo, hi);
    }
    const d = pick(r, ['float64', 'float32', 'int32', 'int64', 'bool', 'uint8']);
    this.note(`astype(${d})`);
    return x.astype(d as t.DType);
  }

  view(x: NDArray): NDArray {
    const r = this.r, s = x.shape;
    const k = r();
    if (s.length === 0) return x;
    if (k < 0.2) {
      const parts = s.map((n) => { const a = int(r, -n, n), b = int(r, -n, n), st = pick(r, [1, 1, 2, -1, 3, -2]); return `${r() < 0.3 ? '' : a}:${r() < 0.3 ? '' : b}:${st}`; });
      const sub = parts.join(', ');
      this.note(`get('${sub}')`);
      return x.get(sub);
    }
    if (k < 0.3) { const p = s.map((_, i) => i).sort(() => r() - 0.5); this.note(`transpose(${p})`); return x.transpose(p); }
    if (k < 0.4) {
      const n = x.size, divs = [1, 2, 3, 4, 5, 6, 8, 10].filter((d) => n % d === 0);
      const d = pick(r, divs);
      const shp = r() < 0.5 ? [n] : [d, n / d];
      this.note(`reshape(${shp})`);
      return x.reshape(shp);
    }
    if (k < 0.55) {
      const axis = int(r, 0, s.length - 1), n = s[axis]!;
      if (n === 0) return x;
      const idx = Array.from({ length: int(r, 1, 2 * n) }, () => int(r, -n, n - 1));
      this.note(`take([${idx.length} indices], axis ${axis})`);
      const y = x.take(idx, { axis });
      // Dask's take chunks: one per run of indices in one source chunk, thousands for random
      // indices — a cluster runs each as a task (minutes): rechunked (chunk stream only)
      return y.numblocks.reduce((p, q) => p * q, 1) > 64 ? y.rechunk(chunksFor(this.c, this.v, y.shape, false) as any) : y;
    }
    if (k < 0.65) {
      const th = pick(r, [0, 0.5, -1]);
      this.note(`mask(x > ${th})`);
      this.unknown = true;
      return x.mask(t.gt(x, th));
    }
    if (k < 0.8) {
      const axis = int(r, 0, s.length - 1);
      const other = r() < 0.5 ? x : this.leaf(s.map((n, i) => (i === axis ? int(r, 0, 7) : n)), r() < 0.5 ? x.dtype : undefined);
      this.note(`concatenate(axis ${axis})`);
      return t.concatenate([x, other], { axis });
    }
    if (k < 0.9) { const ch = chunksFor(this.c, this.v, s); this.note(`rechunk(${JSON.stringify(ch)})`); return x.rechunk(ch as any); }
    this.note('flip');
    return t.flip(x);
  }

  reduction(x: NDArray): NDArray {
    const r = this.r, nd = x.ndim, dt = x.dtype;
    const op = pick(r, ['sum', 'mean', 'var', 'std', 'prod', 'min', 'max', 'argmin', 'argmax', 'nansum', 'nanmean', 'nanmax', 'any', 'all', 'cumsum', 'median', 'quantile', 'ptp', 'countNonzero']
      .filter((o) => !(this.unknown && ['cumsum', 'median', 'quantile'].includes(o)) && !(dt === 'bool' && o === 'ptp')));
    let axis: number | number[] | undefined = nd === 0 || r() < 0.3 ? undefined : int(r, 0, nd - 1);
    if (axis !== undefined && nd > 1 && r() < 0.2 && !['argmin', 'argmax', 'cumsum', 'median', 'quantile'].includes(op)) axis = [0, nd - 1];
    const keepdims = r() < 0.3;
    const o: any = {};
    if (axis !== undefined) o.axis = axis;
    if (keepdims && !['cumsum', 'argmin', 'argmax'].includes(op)) o.keepdims = true;
    if (op === 'var' || op === 'std') o.ddof = pick(r, [0, 1]);
    this.note(`${op}(${JSON.stringify(o)})`);
    const summing = ['sum', 'prod', 'nansum', 'cumsum'].includes(op) ? isFloat(dt) : ['mean', 'nanmean'].includes(op) ? !SMALL_INT.has(dt) : ['var', 'std'].includes(op);
    if (summing) this.dep(`${op} of ${dt}`);
    if (['cumsum', 'median', 'quantile'].includes(op)) this.cluster = false;
    this.unknown = false; // a masked array is 1-d: any reduction of it (cumsum excluded above) has a known shape
    if (op === 'cumsum') return x.cumsum(axis === undefined ? {} : { axis: axis as number });
    if (op === 'median') return x.median(o);
    if (op === 'quantile') return x.quantile(pick(r, [0.1, 0.5, 0.75, 1]), o);
    return (x as any)[op](o);
  }

  product(x: NDArray): NDArray {
    const r = this.r;
    const a = x.ndim === 2 ? x : x.ndim === 1 ? x.reshape([1, x.shape[0]!]) : this.leaf([int(r, 1, 20), int(r, 1, 20)], pick(r, FLOATS));
    let a2 = a;
    // a take's Dask chunks can be tiny (one per source-chunk run): a product of hundreds of them
    // is tens of thousands of cluster tasks, so such an operand is rechunked first (chunk stream only)
    if (a.numblocks.reduce((p, q) => p * q, 1) > 16) a2 = a.rechunk(chunksFor(this.c, this.v, a.shape, false) as any);
    const [m, k] = a2.shape as [number, number];
    const n = k > 1000 ? int(r, 1, 2) : int(r, 1, 12); // b of at most ~1e5 elements
    const b = this.leaf([k, n], r() < 0.7 ? pick(r, FLOATS) : undefined);
    const f = pick(r, ['matmul', 'dot', 'einsum', 'einsum2', 'Tmatmul', 'gram']);
    this.note(`${f}(a ${m}x${k}, L${this.leaves - 1})`);
    if (f === 'gram') {
      // a long contraction (≥ 2 × 16384): split into blocks summed in a fixed order (lower-matmul.ts splitContraction)
      const tall = this.leaf([int(r, 32768, 50000), int(r, 1, 2)], pick(r, FLOATS));
      this.note(`gram of L${this.leaves - 1}`);
      return t.matmul(tall.T, tall);
    }
    if (f === 'matmul') return t.matmul(a2, b);
    if (f === 'dot') return t.dot(a2, b);
    if (f === 'einsum') return t.einsum('ij,jk->ik', a2, b);
    if (f === 'einsum2') return t.einsum('ij,ij->i', a2, a2);
    return k * k > 1e5 ? t.matmul(a2, b) : t.matmul(a2.T, a2);
  }

  blocks(x: NDArray): NDArray {
    const r = this.r;
    const which = r() < 0.5 ? 'affine' : 'smooth';
    const y = (isFloat(x.dtype) ? x : x.astype('float64')).astype('float64');
    if (y.ndim === 0 || y.size === 0) return y;
    const ch = chunksFor(this.c, this.v, y.shape, false);
    const z = y.rechunk(ch as any);
    if (which === 'affine') { this.note(`mapBlocks(affine) over ${JSON.stringify(ch)}`); return t.mapBlocks(t.delayed.module(this.fns, 'affine'), z); }
    const boundary = pick(r, ['reflect', 'periodic', 'nearest', 0] as const);
    const last = y.ndim - 1;
    this.note(`mapOverlap(smooth, depth {${last}: 1}, ${boundary}) over ${JSON.stringify(ch)}`);
    return t.mapOverlap(t.delayed.module(this.fns, 'smooth'), z, { depth: { [last]: 1 }, boundary });
  }
}

/** An array graph: a leaf, then 1-4 steps (elementwise, views, reductions, products, block functions). */
function arrayGraph(b: Builder): Graph {
  const r = b.r;
  let x = b.leaf(b.shape());
  const steps = int(r, 1, 4);
  for (let s = 0; s < steps; s++) {
    const k = r();
    if (b.unknown) x = k < 0.5 ? b.elementwise(x) : b.reduction(x);
    else if (k < 0.35) x = b.elementwise(x);
    else if (k < 0.6) x = b.view(x);
    else if (k < 0.85) x = b.reduction(x);
    else if (k < 0.93) x = b.product(x);
    else x = b.blocks(x);
  }
  if (r() < 0.4 && x.ndim > 0) x = b.reduction(x);
  return { kind: 'array', chunkFree: b.chunkFree, cluster: b.cluster, desc: b.desc.join(' → '), value: x };
}

/** Writes `text` to `file` unless it is there (atomically: runners may share the directory). */
function writeOnce(file: string, text: string) {
  if (existsSync(file)) return;
  writeFileSync(file + '.tmp' + process.pid, text);
  renameSync(file + '.tmp' + process.pid, file);
}

/** 1-4 CSV files of k (string), n (int), a (float, missing, -0), b (float): the same for every variant. */
function csvFiles(r: Rng, dir: string, name: string): string[] {
  mkdirSync(dir, { recursive: true });
  const files: string[] = [];
  const nf = int(r, 1, 4), keys = ['x', 'y', 'zz', 'w', 'alpha', 'b2'].slice(0, int(r, 1, 6));
  for (let f = 0; f < nf; f++) {
    const rows = int(r, 0, 400);
    let text = 'k,n,a,b\n';
    for (let i = 0; i < rows; i++) {
      const a = r() < 0.05 ? '' : r() < 0.02 ? '-0.0' : (r() * 200 - 100).toPrecision(int(r, 1, 17));
      text += `${pick(r, keys)},${int(r, -20, 20)},${a},${(r() * 1e6).toFixed(int(r, 0, 6))}\n`;
    }
    const file = join(dir, `${name}${f}.csv`);
    writeOnce(file, text);
    files.push(file);
  }
  return files;
}

/** A frame graph: readCsv of generated files (blocksize varies by variant), then one frame op. */
function frameGraph(b: Builder, dir: string): Graph {
  const r = b.r, c = b.c;
  const files = csvFiles(r, dir, 'l');
  const blocksize = b.v === 0 ? null : pick(c, [null, 64, 100, 300, 1000, 4000]);
  const df = t.readCsv(files, { blocksize } as any);
  const op = pick(r, ['groupby', 'groupby2', 'sum', 'mean', 'std', 'describe', 'describeExact', 'sortValues', 'merge', 'valueCounts', 'seriesExpr', 'groupbyMedian']);
  let value: any, chunkFree = true, post: Graph['post'];
  const desc = `readCsv(${files.length} files, blocksize ${blocksize}) → ${op}`;
  switch (op) {
    case 'groupby': value = df.groupby('k').agg({ a: ['sum', 'mean', 'std', 'min', 'max', 'count'], n: ['sum', 'mean'] } as any); break;
    case 'groupby2': value = df.groupby(['k', 'n']).agg({ b: ['sum', 'var'], a: 'mean' } as any); break;
    case 'groupbyMedian': value = df.groupby('k').agg({ a: ['median', 'first', 'last'], b: 'max' } as any); break;
    case 'sum': value = df.sum(); chunkFree = false; break;
    case 'mean': value = df.mean(); chunkFree = false; break;
    case 'std': value = df.std(); chunkFree = false; break;
    case 'describe': value = df.describe(); chunkFree = false; break;
    case 'describeExact': // count, min, the quantiles and max are exact (histogram and select)
      value = df.describe();
      post = (d: t.Describe) => { const j = d.toJSON(); for (const col of Object.values(j)) { delete col.mean; delete col.std; } return j; };
      break;
    case 'sortValues': value = df.sortValues(pick(r, [['a'], ['k', 'b'], ['n', 'a']]), { ascending: r() < 0.5 }); break;
    case 'merge': {
      const right = t.readCsv(csvFiles(r, dir, 'r'), { blocksize } as any);
      value = df.merge(right.select(['k', 'b']) as any, { on: 'k', how: pick(r, ['inner', 'left', 'outer', 'right']) } as any);
      break;
    }
    case 'valueCounts': value = df.get(pick(r, ['k', 'n'])).valueCounts(); break;
    default: value = df.get('a').mul(df.get('b')).add(df.get('n')).sum(); chunkFree = false;
  }
  return { kind: 'frame', chunkFree, cluster: true, desc: desc + (chunkFree ? '' : ' [chunk-dependent: float sums per partition]'), value, post };
}

/** Graph i of `seed`, chunked as variant v (0: whole). Frames write their CSV files under `dir`. */
export function build(seed: number, i: number, v: number, dir: string, fns: string): Graph {
  const b = new Builder(rng(seed, i, 'structure'), rng(seed, i, v, 'chunks'), v, seed, fns);
  return b.r() < 0.2 ? frameGraph(b, join(dir, `s${seed}`, `g${i}`)) : arrayGraph(b);
}
