// Matrix products with NumPy's semantics: matmul, dot, tensordot, outer, inner, vdot, trace,
// einsum. Every one becomes one contraction node (MatmulNode) plus, where NumPy's result needs
// it, a transpose or a sum — lowered to a native GEMM stage (./lower-matmul.ts).
// Chunking is Dask's: output chunks come from a's free axes and b's free axes; the contracted
// axes need no common chunks (each task reads the whole contracted extent in place), so nothing
// is rechunked.
import { requireKnownChunks } from '../indexing/gather.js';
import { checkOptions, describe } from '../../errors.js';
import { NDArray, binary, normalizeAxis, type Computed } from '../ndarray.js';
import { promoteTypes } from '../dtype.js';
import { newId, token, type ContractionAxes, type DType, type MatmulNode, type MemoryNode, type Node } from '../node.js';

const FLOATS = new Set<string>(['float64', 'float32']);

/**
 * NumPy's result dtype of a product (np.result_type of the operands; a diagonal keeps its
 * operand's) and the float dtype the GEMM computes it in: integers and bools go through float64
 * (float32 when NumPy's result is float32, e.g. int16 with float32), exact while every partial
 * sum stays below 2^53 — NumPy's integer products wrap beyond int64, these are rounded there.
 */
function productDTypes(op: MatmulNode['op'], a: Node, b: Node): { result: DType; work: DType } {
  const result = op === 'diagonal' ? a.dtype : promoteTypes(a.dtype, b.dtype);
  return { result, work: FLOATS.has(result) ? result : 'float64' };
}

function checkArray(name: string, arg: string, x: unknown): NDArray {
  if (!(x instanceof NDArray)) throw new TypeError(`${name}: ${arg} must be an NDArray, got ${describe(x)}`);
  requireKnownChunks(name, (x as NDArray).node);  // positions along contracted axes
  return x;
}

/** A 0-d one (memory, so the GEMM reads it in place): the second operand of one-operand contractions. */
function one(dtype: DType): MemoryNode {
  return {
    kind: 'memory', id: newId(), name: 'one', shape: [], chunks: [], dtype,
    memory: dtype === 'float64' ? new Float64Array([1]) : new Float32Array([1]),
    strides: [], offset: 0, op: 'array', state: { disposed: false },
  };
}

/** The contraction node; `a`/`b` axes must already be consistent (callers check NumPy's rules). */
function contraction(op: MatmulNode['op'], a: Node, b: Node, aAxes: ContractionAxes, bAxes: ContractionAxes): NDArray {
  const { result, work } = productDTypes(op, a, b);
  const asWork = (n: Node): Node => (FLOATS.has(n.dtype) && (n.dtype === work || work === 'float64') ? n : new NDArray(n).astype(work).node);
  const r = contractionNode(op, asWork(a), asWork(b), work, aAxes, bAxes);
  return result === work ? r : r.astype(result);
}

function contractionNode(op: MatmulNode['op'], a: Node, b: Node, dtype: DType, aAxes: ContractionAxes, bAxes: ContractionAxes): NDArray {
  const ka = aAxes.k.reduce((p, ax) => p * a.shape[ax]!, 1);
  const kb = bAxes.k.reduce((p, ax) => p * b.shape[ax]!, 1);
  if (ka !== kb) throw new RangeError(`${op}: contracted lengths differ (${ka} vs ${kb})`);
  const shape: number[] = [];
  const chunks: number[][] = [];
  aAxes.batch.forEach((la, i) => {
    const lb = bAxes.batch[i]!;
    // a diagonal's length is its shortest axis; a broadcast axis (empty list) has length 1
    const len = (n: Node, l: readonly number[]): number => (l.length ? Math.min(...l.map((ax) => n.shape[ax]!)) : 1);
    const sa = len(a, la);
    const sb = len(b, lb);
    const s = Math.max(sa, sb);
    shape.push(s);
    const [n, l] = la.length && sa === s ? [a, la] : [b, lb];
    const src = l.length ? l.reduce((best, ax) => (n.shape[ax]! < n.shape[best]! ? ax : best), l[0]!) : -1;
    chunks.push(src >= 0 ? trimChunks(n.chunks[src]!, s) : [s]);
  });
  for (const ax of aAxes.free) (shape.push(a.shape[ax]!), chunks.push([...a.chunks[ax]!]));
  for (const ax of bAxes.free) (shape.push(b.shape[ax]!), chunks.push([...b.chunks[ax]!]));
  const node: MatmulNode = {
    kind: 'matmul', id: newId(), op,
    name: `${op}-${token(`${op}:${a.name}:${b.name}:${JSON.stringify([aAxes, bAxes])}`)}`,
    shape, dtype, chunks, a, b, aAxes, bAxes,
  };
  return new NDArray(node);
}

function trimChunks(chunks: readonly number[], n: number): number[] {
  const out: number[] = [];
  let left = n;
  for (const c of chunks) {
    if (left <= 0) break;
    out.push(Math.min(c, left));
    left -= c;
  }
  return out.length ? out : [0];
}

/**
 * Matrix product with NumPy's `matmul` semantics: 1-d operands are promoted to a row (a) or a
 * column (b) and that axis is removed from the result; leading axes are batch axes, broadcast.
 */
export function matmul(a: NDArray, b: NDArray): NDArray {
  const x = checkArray('matmul', 'a', a).node;
  const y = checkArray('matmul', 'b', b).node;
  if (x.shape.length === 0 || y.shape.length === 0) {
    throw new RangeError('matmul: operands must have at least 1 dimension (use mul() for a scalar)');
  }
  const av = x.shape.length === 1;
  const bv = y.shape.length === 1;
  const aB = av ? 0 : x.shape.length - 2;
  const bB = bv ? 0 : y.shape.length - 2;
  const ak = av ? 0 : x.shape.length - 1;
  const bk = bv ? 0 : y.shape.length - 2;
  if (x.shape[ak] !== y.shape[bk]) {
    throw new RangeError(
      `matmul: a has shape [${x.shape.join(', ')}] and b [${y.shape.join(', ')}]: the core dimensions do not match (${x.shape[ak]} vs ${y.shape[bk]})`,
    );
  }
  const n = Math.max(aB, bB);
  const batch: [number[], number[]][] = [];
  for (let i = 0; i < n; i++) {
    const ja = i - (n - aB);
    const jb = i - (n - bB);
    const sa = ja >= 0 ? x.shape[ja]! : 1;
    const sb = jb >= 0 ? y.shape[jb]! : 1;
    if (sa !== sb && sa !== 1 && sb !== 1) {
      throw new RangeError(
        `matmul: batch axes of a [${x.shape.join(', ')}] and b [${y.shape.join(', ')}] do not broadcast (${sa} vs ${sb})`,
      );
    }
    const s = Math.max(sa, sb);
    batch.push([ja >= 0 && sa === s ? [ja] : [], jb >= 0 && sb === s ? [jb] : []]);
  }
  return contraction(
    'matmul', x, y,
    { batch: batch.map((p) => p[0]), free: av ? [] : [x.shape.length - 2], k: [ak] },
    { batch: batch.map((p) => p[1]), free: bv ? [] : [y.shape.length - 1], k: [bk] },
  );
}

/**
 * Options of {@link tensordot} (NumPy's `axes=`). Unknown keys are a TypeError; an axes count out of
 * range or axis lists of different lengths a RangeError.
 */
export interface TensordotOptions {
  /** n: the last n axes of a with the first n of b (default 2); or [axesOfA, axesOfB]. */
  axes?: number | readonly [number | readonly number[], number | readonly number[]];
}

/** NumPy's tensordot: the result's axes are a's free axes then b's. */
export function tensordot(a: NDArray, b: NDArray, options?: TensordotOptions): NDArray {
  const x = checkArray('tensordot', 'a', a).node;
  const y = checkArray('tensordot', 'b', b).node;
  const o = checkOptions('tensordot options', options);
  for (const key of Object.keys(o)) if (key !== 'axes') throw new TypeError(`tensordot: unknown option ${key} (accepted: axes)`);
  const spec = o.axes ?? 2;
  let ka: number[];
  let kb: number[];
  if (typeof spec === 'number') {
    if (!Number.isInteger(spec) || spec < 0 || spec > x.shape.length || spec > y.shape.length) {
      throw new RangeError(`tensordot: axes ${spec} must be an integer in 0..${Math.min(x.shape.length, y.shape.length)}`);
    }
    ka = [...Array(spec).keys()].map((i) => x.shape.length - spec + i);
    kb = [...Array(spec).keys()];
  } else if (Array.isArray(spec) && spec.length === 2) {
    const list = (v: unknown, nd: number, arg: string): number[] => {
      const l = typeof v === 'number' ? [v] : Array.isArray(v) ? (v as unknown[]) : null;
      if (!l) throw new TypeError(`tensordot: axes[${arg}] must be an axis or a list of axes, got ${describe(v)}`);
      const out = l.map((ax, i) => normalizeAxis(`tensordot: axes[${arg}][${i}]`, ax, nd));
      if (new Set(out).size !== out.length) throw new RangeError(`tensordot: axes[${arg}] repeats an axis`);
      return out;
    };
    ka = list(spec[0], x.shape.length, '0');
    kb = list(spec[1], y.shape.length, '1');
    if (ka.length !== kb.length) throw new RangeError(`tensordot: axes lists have different lengths (${ka.length} vs ${kb.length})`);
  } else {
    throw new TypeError(`tensordot: axes must be a number or [axesOfA, axesOfB], got ${describe(spec)}`);
  }
  ka.forEach((ax, i) => {
    if (x.shape[ax] !== y.shape[kb[i]!]) {
      throw new RangeError(`tensordot: shape mismatch for sum: a axis ${ax} has length ${x.shape[ax]}, b axis ${kb[i]} has ${y.shape[kb[i]!]}`);
    }
  });
  const fa = x.shape.map((_, i) => i).filter((i) => !ka.includes(i));
  const fb = y.shape.map((_, i) => i).filter((i) => !kb.includes(i));
  return contraction('tensordot', x, y, { batch: [], free: fa, k: ka }, { batch: [], free: fb, k: kb });
}

/** NumPy's dot: a scalar multiplies; otherwise the last axis of a with the second-to-last of b (the only one when 1-d). */
export function dot(a: NDArray | number | bigint, b: NDArray | number | bigint): NDArray {
  if (typeof a === 'number' || typeof b === 'number' || typeof a === 'bigint' || typeof b === 'bigint' || a.ndim === 0 || b.ndim === 0) return binary('mul', a, b);
  checkArray('dot', 'a', a);
  checkArray('dot', 'b', b);
  if (a.ndim <= 2 && b.ndim <= 2) return matmul(a, b);
  return tensordot(a, b, { axes: [[a.ndim - 1], [b.ndim === 1 ? 0 : b.ndim - 2]] });
}

/** NumPy's inner: the last axes of a and b contracted; a scalar multiplies. */
export function inner(a: NDArray | number | bigint, b: NDArray | number | bigint): NDArray {
  if (typeof a === 'number' || typeof b === 'number' || typeof a === 'bigint' || typeof b === 'bigint' || a.ndim === 0 || b.ndim === 0) return binary('mul', a, b);
  return tensordot(a, b, { axes: [[a.ndim - 1], [b.ndim - 1]] });
}

/** NumPy's outer: a and b flattened (row-major), every a[i]·b[j] as a 2-d array. */
export function outer(a: NDArray, b: NDArray): NDArray {
  const x = checkArray('outer', 'a', a);
  const y = checkArray('outer', 'b', b);
  const flat = (v: NDArray): Node => (v.ndim === 1 ? v.node : v.reshape([-1]).node);
  return contraction('outer', flat(x), flat(y), { batch: [], free: [0], k: [] }, { batch: [], free: [0], k: [] });
}

/** NumPy's vdot for real arrays: both flattened (row-major), then the inner product; a 0-d result. */
export function vdot(a: NDArray, b: NDArray): NDArray<DType, 0> {
  const x = checkArray('vdot', 'a', a).node;
  const y = checkArray('vdot', 'b', b).node;
  if (a.size !== b.size) throw new RangeError(`vdot: a and b must have the same size (${a.size} vs ${b.size})`);
  // the contracted axes merge row-major, which is exactly the flattened order
  return contraction('matmul', x, y, { batch: [], free: [], k: x.shape.map((_, i) => i) }, { batch: [], free: [], k: y.shape.map((_, i) => i) }) as NDArray<DType, 0>;
}

/** The diagonal of axes axis1/axis2 as the last axis (NumPy's diagonal, offset 0). */
export function diagonalOf(name: string, a: NDArray, axis1 = 0, axis2 = 1): NDArray {
  const x = checkArray(name, 'a', a).node;
  if (x.shape.length < 2) throw new RangeError(`${name}: a must have at least 2 dimensions (got ${x.shape.length})`);
  const i1 = normalizeAxis(`${name}: axis1`, axis1, x.shape.length);
  const i2 = normalizeAxis(`${name}: axis2`, axis2, x.shape.length);
  if (i1 === i2) throw new RangeError(`${name}: axis1 and axis2 cannot be the same`);
  const rest = x.shape.map((_, i) => i).filter((i) => i !== i1 && i !== i2);
  const u = one(FLOATS.has(x.dtype) ? x.dtype : 'float64');
  const batch = [...rest.map((i) => [i]), [i1, i2]];
  return contraction('diagonal', x, u, { batch, free: [], k: [] }, { batch: batch.map(() => []), free: [], k: [] });
}

/**
 * Options of {@link trace} / {@link NDArray.trace} (NumPy's `offset=`, `axis1=`, `axis2=`). Unknown
 * keys are a TypeError.
 */
export interface TraceOptions {
  /** The diagonal's offset from the main one (NumPy's `offset`): > 0 above it, < 0 below. Default 0. */
  offset?: number;
  /** The first axis of the 2-d sub-arrays whose diagonal is summed (default 0; negative counts from the end). */
  axis1?: number;
  /** The second axis (default 1); the same axis as axis1 is a RangeError. */
  axis2?: number;
}

/** NumPy's trace: the sum along the diagonal (at `offset`) of axes axis1/axis2 (default 0 and 1). */
export function trace(a: NDArray, options?: TraceOptions): NDArray {
  const o = checkOptions('trace options', options);
  for (const key of Object.keys(o)) if (!['offset', 'axis1', 'axis2'].includes(key)) throw new TypeError(`trace: unknown option ${key} (accepted: offset, axis1, axis2)`);
  const offset = o.offset ?? 0;
  if (typeof offset !== 'number' || !Number.isInteger(offset)) throw new TypeError(`trace: offset must be an integer, got ${describe(offset)}`);
  const x = checkArray('trace', 'a', a);
  if (x.ndim < 2) throw new RangeError(`trace: a must have at least 2 dimensions (got ${x.ndim})`);
  const ax1 = normalizeAxis('trace: axis1', (o.axis1 as number | undefined) ?? 0, x.ndim);
  const ax2 = normalizeAxis('trace: axis2', (o.axis2 as number | undefined) ?? 1, x.ndim);
  // an offset diagonal is the main diagonal of a view that starts `offset` columns (rows) in
  const [cut, by] = offset >= 0 ? [ax2, offset] : [ax1, -offset];
  const start = Math.min(by, x.shape[cut]!);
  const view = start === 0 ? x : x.get(x.shape.map((_, k) => (k === cut ? `${start}:` : ':')).join(', '));
  return diagonalOf('trace', view, ax1, ax2).sum({ axis: -1 });
}

/**
 * NumPy's einsum, explicit (`'ij,jk->ik'`) or implicit (`'ij,jk'`: the indices seen once,
 * sorted) output: products, transposes, traces, diagonals, sums over an index, batched products,
 * `...` for the leading (broadcast-equal) axes, and any number of operands, contracted left to
 * right (each intermediate keeps the indices a later operand or the output needs).
 */
export function einsum(subscripts: string, ...operands: NDArray[]): NDArray {
  if (typeof subscripts !== 'string') throw new TypeError(`einsum: subscripts must be a string, got ${describe(subscripts)}`);
  const spec = subscripts.replace(/\s+/g, '');
  const [lhs, rhs0] = spec.includes('->') ? (spec.split('->') as [string, string]) : [spec, undefined];
  const raw = lhs.split(',');
  if (raw.length !== operands.length) throw new RangeError(`einsum: ${raw.length} operand subscripts for ${operands.length} operands`);
  if (raw.length < 1) throw new RangeError('einsum: at least one operand is needed');
  for (const s of [...raw, rhs0 ?? '']) {
    if (!/^[a-zA-Z]*(\.\.\.)?[a-zA-Z]*$/.test(s)) throw new RangeError(`einsum: subscripts ${describe(subscripts)} may hold only letters, one '...' per operand, ',' and '->'`);
  }
  operands.forEach((x, i) => checkArray('einsum', `operands[${i}]`, x));
  const { inputs, rhs } = expandEllipsis(subscripts, raw, rhs0, operands);
  operands.forEach((x, i) => {
    if (inputs[i]!.length !== x.ndim) throw new RangeError(`einsum: operand ${i} has ${x.ndim} dimensions but subscripts '${raw[i]}' name ${inputs[i]!.length}`);
  });
  const count = new Map<string, number>();
  for (const s of inputs) for (const c of s) count.set(c, (count.get(c) ?? 0) + 1);
  const out = rhs ?? [...count.keys()].filter((c) => count.get(c) === 1).sort().join('');
  if (new Set(out).size !== out.length) throw new RangeError(`einsum: output subscripts '${out}' repeat an index`);
  for (const c of out) if (!count.has(c)) throw new RangeError(`einsum: output index '${c}' is not in any operand`);
  const sizes = new Map<string, number>();
  inputs.forEach((s, i) => [...s].forEach((c, k) => {
    const n = operands[i]!.shape[k]!;
    const known = sizes.get(c);
    if (known !== undefined && known !== n) throw new RangeError(`einsum: index '${c}' has lengths ${known} and ${n}`);
    sizes.set(c, n);
  }));
  if (operands.length === 1) return single(operands[0]!, inputs[0]!, out);
  let acc = operands[0]!;
  let accSpec = inputs[0]!;
  for (let i = 1; i < operands.length; i++) {
    const later = inputs.slice(i + 1).join('') + out;
    const keep = i === operands.length - 1 ? out : uniq([...accSpec, ...inputs[i]!].filter((c) => later.includes(c)));
    acc = pair(acc, accSpec, operands[i]!, inputs[i]!, keep);
    accSpec = keep;
  }
  return acc;
}

/** `'...'` replaced by letters no subscript uses, right-aligned as NumPy broadcasts. */
function expandEllipsis(subscripts: string, raw: string[], rhs: string | undefined, operands: NDArray[]): { inputs: string[]; rhs: string | undefined } {
  if (!subscripts.includes('...')) return { inputs: raw, rhs };
  const used = new Set(subscripts.replace(/[^a-zA-Z]/g, ''));
  const free = [...'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz'].filter((c) => !used.has(c));
  const dims = raw.map((s, i) => (s.includes('...') ? operands[i]!.ndim - (s.length - 3) : 0));
  dims.forEach((d, i) => {
    if (d < 0) throw new RangeError(`einsum: operand ${i} has ${operands[i]!.ndim} dimensions, fewer than subscripts '${raw[i]}' name`);
  });
  const nd = Math.max(...dims);
  if (nd > free.length) throw new RangeError(`einsum: '...' covers ${nd} axes, more than the unused letters`);
  const letters = free.slice(0, nd);
  const lengths = new Map<string, number>();
  const inputs = raw.map((s, i) => {
    if (!s.includes('...')) return s;
    const mine = letters.slice(nd - dims[i]!);
    const at = s.indexOf('...');
    mine.forEach((c, k) => {
      const n = operands[i]!.shape[at + k]!;
      const known = lengths.get(c);
      if (known !== undefined && known !== n) {
        throw new RangeError(`einsum: the axes under '...' must have equal lengths (${known} vs ${n}; broadcasting a length-1 axis there is not supported)`);
      }
      lengths.set(c, n);
    });
    return s.replace('...', mine.join(''));
  });
  // implicit output: the '...' axes first, then the indices seen once, sorted (NumPy's order)
  if (rhs === undefined) {
    const count = new Map<string, number>();
    for (const s of raw) for (const c of s.replace('...', '')) count.set(c, (count.get(c) ?? 0) + 1);
    return { inputs, rhs: letters.join('') + [...count.keys()].filter((c) => count.get(c) === 1).sort().join('') };
  }
  return { inputs, rhs: rhs.replace('...', letters.join('')) };
}

/**
 * Two operands: each first loses its repeated indices (diagonals) and the indices no one else
 * needs (summed), then the rest is one contraction and a transpose into `out`'s order.
 */
function pair(a: NDArray, sa: string, b: NDArray, sb: string, out: string): NDArray {
  const keepA = uniq([...sa].filter((c) => out.includes(c) || sb.includes(c)));
  const keepB = uniq([...sb].filter((c) => out.includes(c) || sa.includes(c)));
  const x = single(a, sa, keepA);
  const y = single(b, sb, keepB);
  const batch = out.split('').filter((c) => keepA.includes(c) && keepB.includes(c));
  const ks = keepA.split('').filter((c) => keepB.includes(c) && !out.includes(c));
  const fa = out.split('').filter((c) => keepA.includes(c) && !keepB.includes(c));
  const fb = out.split('').filter((c) => keepB.includes(c) && !keepA.includes(c));
  const ax = (s: string, cs: string[]): number[] => cs.map((c) => s.indexOf(c));
  const r = contraction(
    'einsum', x.node, y.node,
    { batch: batch.map((c) => [keepA.indexOf(c)]), free: ax(keepA, fa), k: ax(keepA, ks) },
    { batch: batch.map((c) => [keepB.indexOf(c)]), free: ax(keepB, fb), k: ax(keepB, ks) },
  );
  const have = [...batch, ...fa, ...fb].join('');
  return have === out ? r : r.transpose([...out].map((c) => have.indexOf(c)));
}

function uniq(cs: string[]): string {
  return [...new Set(cs)].join('');
}

/** One operand: out's indices in out's order; repeated ones are diagonals, missing ones summed. */
function single(x: NDArray, s: string, out: string): NDArray {
  const summed = uniq([...s].filter((c) => !out.includes(c)));
  const order = out + summed;
  let r: NDArray;
  if (new Set(s).size === s.length) {
    const perm = [...order].map((c) => s.indexOf(c));
    r = perm.every((p, i) => p === i) ? x : x.transpose(perm);
  } else {
    const u = one(FLOATS.has(x.node.dtype) ? x.node.dtype : 'float64');
    const batch = [...order].map((c) => [...s].flatMap((d, k) => (d === c ? [k] : [])));
    r = contraction('diagonal', x.node, u, { batch, free: [], k: [] }, { batch: batch.map(() => []), free: [], k: [] });
  }
  if (!summed.length) return r;
  const total = r.sum({ axis: [...summed].map((_, i) => out.length + i) });
  // einsum keeps its operand's dtype (an int32 sum wraps in int32, a bool one is a logical or)
  return total.dtype === r.dtype ? total : total.astype(r.dtype);
}
