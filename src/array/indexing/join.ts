// concatenate / stack / hstack / vstack (issue 15 step 2). A concatenation is a node whose sources
// write their slabs of one buffer, one stage each (src/array/lower.ts materializeConcat): at the
// root they write the output itself; read by a later stage it is one buffer that stage reads.
import { describe } from '../../errors.js';
import { chunkBounds } from '../chunks.js';
import { resultType } from '../dtype.js';
import { requireKnownChunks } from './gather.js';
import { NDArray, type Computed } from '../ndarray.js';
import { newId, token, type ConcatNode, type DType, type Node } from '../node.js';
import { expandDims } from './shape.js';

function arraysArg(what: string, arrays: unknown): Node[] {
  if (!Array.isArray(arrays)) throw new TypeError(`${what}: arrays must be an array of NDArrays, got ${describe(arrays)}`);
  if (arrays.length === 0) throw new RangeError(`${what}: need at least one array to concatenate`);
  return arrays.map((a, i) => {
    if (!(a instanceof NDArray)) throw new TypeError(`${what}: arrays[${i}] must be an NDArray, got ${describe(a)}`);
    requireKnownChunks(what, a.node);
    return a.node;
  });
}

function axisArg(what: string, options: unknown, ndim: number, dflt: number): number {
  if (options !== undefined && (typeof options !== 'object' || options === null)) throw new TypeError(`${what}: options must be an object, got ${describe(options)}`);
  const o = (options ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(o)) if (key !== 'axis') throw new TypeError(`${what}: unknown option ${describe(key)}; accepted: axis`);
  const axis = o.axis === undefined ? dflt : o.axis;
  if (typeof axis !== 'number' || !Number.isInteger(axis)) throw new TypeError(`${what}: axis must be an integer, got ${describe(axis)}`);
  if (axis < -ndim || axis >= ndim) throw new RangeError(`${what}: axis ${axis} is out of bounds for an array of ${ndim} dimensions (accepted: ${-ndim}..${ndim - 1})`);
  return axis < 0 ? axis + ndim : axis;
}

/** The common refinement of several chunkings of one axis (Dask's unify_chunks). */
function refine(chunkings: readonly (readonly number[])[]): number[] {
  const cuts = new Set<number>();
  for (const c of chunkings) for (const b of chunkBounds(c)) cuts.add(b);
  const sorted = [...cuts].sort((a, b) => a - b);
  const out: number[] = [];
  for (let i = 1; i < sorted.length; i++) out.push(sorted[i]! - sorted[i - 1]!);
  return out.length ? out : [0];
}

function concatNodes(what: string, nodes: Node[], axis: number): Node {
  const nd = nodes[0]!.shape.length;
  nodes.forEach((n, i) => {
    if (n.shape.length !== nd) {
      throw new RangeError(`${what}: all the input arrays must have the same number of dimensions, but the array at index 0 has ${nd} and the array at index ${i} has ${n.shape.length}`);
    }
    n.shape.forEach((s, k) => {
      if (k !== axis && s !== nodes[0]!.shape[k]) {
        throw new RangeError(`${what}: all the input array dimensions except for the concatenation axis must match exactly, but along dimension ${k}, the array at index 0 has size ${nodes[0]!.shape[k]} and the array at index ${i} has size ${s}`);
      }
    });
  });
  if (nodes.length === 1) return nodes[0]!;
  // NumPy's result_type of the inputs (np.concatenate([int16, int64]) is int64, [uint8, float32]
  // float32); each source of another dtype is cast first, so every reader sees one dtype
  const dtype: DType = resultType(...nodes.map((n) => n.dtype));
  nodes = nodes.map((n) => (n.dtype === dtype ? n : new NDArray(n).astype(dtype).node));
  // Dask drops empty inputs before unifying chunks (unless all are empty): an empty input's
  // chunks neither split the other axes nor add a 0 chunk; one non-empty input is the result
  const nonEmpty = nodes.filter((n) => n.shape.every((s) => s > 0));
  if (nonEmpty.length === 1) return nonEmpty[0]!;
  if (nonEmpty.length > 0) nodes = nonEmpty;
  const shape = nodes[0]!.shape.map((s, k) => (k === axis ? nodes.reduce((a, n) => a + n.shape[axis]!, 0) : s));
  const chunks = shape.map((_, k) => (k !== axis ? refine(nodes.map((n) => n.chunks[k]!)) : nodes.flatMap((n) => n.chunks[axis]!)));
  const node: ConcatNode = {
    kind: 'concat',
    op: 'concatenate',
    id: newId(),
    name: `concatenate-${token(`concatenate:${axis}:${nodes.map((n) => n.name).join(',')}`)}`,
    shape,
    dtype,
    chunks,
    axis,
    args: nodes,
  };
  return node;
}

/** np.concatenate(arrays, axis=0) (`axis: null` is not supported: ravel first). */
export function concatenate(arrays: readonly NDArray[], options?: { axis?: number }): NDArray {
  const nodes = arraysArg('concatenate', arrays);
  if (nodes[0]!.shape.length === 0) throw new RangeError('concatenate: zero-dimensional arrays cannot be concatenated');
  return new NDArray(concatNodes('concatenate', nodes, axisArg('concatenate', options, nodes[0]!.shape.length, 0)));
}

/** np.stack(arrays, axis=0): a new axis, then a concatenation along it. */
export function stack(arrays: readonly NDArray[], options?: { axis?: number }): NDArray {
  const nodes = arraysArg('stack', arrays);
  const nd = nodes[0]!.shape.length;
  nodes.forEach((n, i) => {
    if (n.shape.length !== nd || n.shape.some((s, k) => s !== nodes[0]!.shape[k])) {
      throw new RangeError(`stack: all input arrays must have the same shape, but the array at index 0 has shape [${nodes[0]!.shape.join(', ')}] and the array at index ${i} has shape [${n.shape.join(', ')}]`);
    }
  });
  const axis = axisArg('stack', options, nd + 1, 0);
  return new NDArray(concatNodes('stack', nodes.map((n) => expandDims(n, axis)), axis));
}

/** np.hstack: along axis 1, or axis 0 for 1-d arrays. */
export function hstack(arrays: readonly NDArray[]): NDArray {
  const nodes = arraysArg('hstack', arrays).map((n) => (n.shape.length === 0 ? expandDims(n, 0) : n));
  return new NDArray(concatNodes('hstack', nodes, nodes[0]!.shape.length === 1 ? 0 : 1));
}

/** np.vstack: along axis 0, after making 0-d and 1-d arrays [1, n] (np.atleast_2d). */
export function vstack(arrays: readonly NDArray[]): NDArray {
  const nodes = arraysArg('vstack', arrays).map((n) => (n.shape.length === 0 ? expandDims(n, [0, 1]) : n.shape.length === 1 ? expandDims(n, 0) : n));
  return new NDArray(concatNodes('vstack', nodes, 0));
}
