// x.get(...): index items → a lazy node. Basic indexing (integers, slices, new axes, Ellipsis) is
// an affine view node that lowering folds into the leaves' offsets and strides (no task, no copy);
// output chunks are Dask's (./chunks.ts).
import { newId, token, type Node, type ViewNode } from '../node.js';
import { daskSliceChunks } from './chunks.js';
import { normalizeIndex } from './normalize.js';
import { parseIndex, type IndexInput, type IndexItem } from './parse.js';
import { NDArray } from '../ndarray.js';
import { Slice } from './slice.js';
import { takeKnown } from './take.js';
import { mask, takeLazy } from './gather.js';
import { composeViews } from './view.js';

/** The node of `src.get(...args)`; throws NumPy's errors (RangeError/TypeError) for bad indices. */
export function getItem(src: Node, args: readonly (IndexInput | undefined)[] | { items: readonly IndexItem[] }): Node {
  const items = 'items' in args ? args.items : parseIndex(args);
  const { view, advanced } = normalizeIndex(items, src.shape);
  if (advanced !== null && advanced.kind === 'take' && advanced.positions !== null) {
    // A JS integer list: the basic part as a view, then a take of known positions on its axis,
    // then the result axis where NumPy puts it.
    const basicItems = items.map((it) => (it.kind === 'take' || (it.kind === 'mask' && it.values !== null) ? ({ kind: 'slice', slice: new Slice(null, null, null) } as const) : it));
    const basic = getItem(src, { items: basicItems });
    let out = takeKnown(new NDArray(basic), advanced.positions, advanced.axis);
    if (advanced.resultAxis !== advanced.axis) out = out.moveaxis(advanced.axis, advanced.resultAxis);
    return out.node;
  }
  if (advanced !== null) {
    // A lazy integer array: the basic part as a view, a native take on its axis, the result axis
    // where NumPy puts it. A boolean NDArray over every axis: a mask (1-d, unknown chunk sizes).
    const basicItems = items.map((it) => (it.kind === 'take' || it.kind === 'mask' ? ({ kind: 'slice', slice: new Slice(null, null, null) } as const) : it));
    const basic = new NDArray(getItem(src, { items: basicItems }));
    const array = advanced.array as unknown;
    if (!(array instanceof NDArray)) throw new TypeError('get: an array index must be an NDArray, a JS list or a TypedArray');
    if (advanced.kind === 'take') {
      let out = new NDArray(takeLazy(basic.node, array.node, advanced.axis, 'get: the integer array index'));
      if (advanced.resultAxis !== advanced.axis) out = out.moveaxis(advanced.axis, advanced.resultAxis);
      return out.node;
    }
    if (advanced.ndim !== basic.ndim) {
      throw new TypeError(
        `get: a boolean NDArray index must cover every axis of the array it indexes (its shape [${basic.shape.join(', ')}]); ` +
          `got one over ${advanced.ndim} of ${basic.ndim} axes (mask the whole array, or use a JS boolean list on one axis)`,
      );
    }
    return mask(basic, array).node;
  }
  const shape = view.axes.map((a) => a.length);
  // Dask gives some empty negative-step slices chunks that do not sum to the (0) length, e.g.
  // x[-9:-9:-1] of a 7-long axis: [2, 3, 2]. Chunks must cover the shape, so those become [0].
  const chunks = daskSliceChunks(src.chunks, items).map((c, k) => (c.reduce((a, b) => a + b, 0) === shape[k] ? c : [0]));
  const identity =
    view.fixed.length === 0 &&
    view.axes.length === src.shape.length &&
    view.axes.every((a, k) => a.source === k && a.start === 0 && a.step === 1 && a.length === src.shape[k]) &&
    chunks.every((c, k) => c.length === src.chunks[k]!.length && c.every((n, i) => n === src.chunks[k]![i]));
  if (identity) return src;
  // A view of a view is one view of the inner source: plans and layer names stay as short.
  const inner = src.kind === 'view' ? src : null;
  const composed = inner ? composeViews(inner.view, view) : view;
  const arg = inner ? inner.arg : src;
  const node: ViewNode = {
    kind: 'view',
    op: 'getitem',
    id: newId(),
    name: `getitem-${token(`getitem:${arg.name}:${JSON.stringify(composed)}`)}`,
    shape,
    dtype: src.dtype,
    chunks,
    view: composed,
    arg,
  };
  return node;
}
