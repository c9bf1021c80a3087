// The indexing foundation's own contracts beyond the NumPy/Dask table (test/indexing.test.ts):
// slice(), the item forms of x.get(...), error messages, views over strided sources, composition.
import { describe, expect, it } from 'vitest';
import { daskSliceChunks } from '../src/array/indexing/chunks.js';
import { normalizeIndex, resolveSlice } from '../src/array/indexing/normalize.js';
import { parseIndex, parseSubscript } from '../src/array/indexing/parse.js';
import { Slice, slice } from '../src/array/indexing/slice.js';
import {
  type AffineView, composeViews, identityView, viewOffsetStrides, viewShape, viewSourceIndices,
} from '../src/array/indexing/view.js';
import { contiguousStrides } from '../src/array/node.js';

const norm = (shape: number[], ...args: Parameters<typeof parseIndex>[0]) => normalizeIndex(parseIndex(args), shape);

describe('slice()', () => {
  it('takes Python\'s argument order: one argument is the stop', () => {
    expect(slice(5)).toEqual(new Slice(null, 5, null));
    expect(slice(1, 5)).toEqual(new Slice(1, 5, null));
    expect(slice(null, null, -2)).toEqual(new Slice(null, null, -2));
    expect(slice()).toEqual(new Slice(null, null, null));
    expect(slice(undefined, 3, undefined)).toEqual(new Slice(null, 3, null));
    expect(String(slice(1, null, -1))).toBe('1::-1');
  });

  it('refuses a zero step and non-integer bounds, naming what is accepted', () => {
    expect(() => slice(0, 5, 0)).toThrow(RangeError);
    expect(() => slice(0, 5, 0)).toThrow(/step cannot be zero/);
    expect(() => slice(1.5)).toThrow(/stop must be a safe integer or null/);
    expect(() => slice('1' as unknown as number)).toThrow(TypeError);
  });

  it('resolves like CPython\'s slice.indices (examples checked with Python)', () => {
    // slice(None, None, -1).indices(5) == (4, -1, -1); slice(-100, 100).indices(5) == (0, 5, 1)
    expect(resolveSlice(slice(null, null, -1), 5)).toEqual({ start: 4, stop: -1, step: -1, length: 5 });
    expect(resolveSlice(slice(-100, 100), 5)).toEqual({ start: 0, stop: 5, step: 1, length: 5 });
    expect(resolveSlice(slice(10, -100, -3), 5)).toEqual({ start: 4, stop: -1, step: -3, length: 2 });
    expect(resolveSlice(slice(3, 1), 5).length).toBe(0);
  });
});

describe('the subscript parser', () => {
  it('reads integers, slices, Ellipsis, None/newaxis, lists, with any whitespace', () => {
    expect(parseSubscript(' 0:10 ,::2,3, ... ,None, newaxis ,-1')).toEqual([
      { kind: 'slice', slice: slice(0, 10) }, { kind: 'slice', slice: slice(null, null, 2) },
      { kind: 'integer', index: 3 }, { kind: 'ellipsis' }, { kind: 'newaxis' }, { kind: 'newaxis' },
      { kind: 'integer', index: -1 },
    ]);
    expect(parseSubscript('::-1')).toEqual([{ kind: 'slice', slice: slice(null, null, -1) }]);
    expect(parseSubscript(':')).toEqual([{ kind: 'slice', slice: slice() }]);
    expect(parseSubscript('1 : - 2 : 3')).toEqual([{ kind: 'slice', slice: slice(1, -2, 3) }]);
    expect(parseSubscript('[3, -1], 0,')).toEqual([
      { kind: 'take', length: 2, values: [3, -1], array: null }, { kind: 'integer', index: 0 },
    ]);
    expect(parseSubscript('')).toEqual([]);
    expect(parseSubscript('()')).toEqual([]);
  });

  it('refuses floats and garbage with a TypeError naming the item and what is accepted', () => {
    for (const bad of ['1.5', 'abc', '1..2', ',', '0,,1', '1:2:3:4', '[1.5]', 'x[0]', '--1']) {
      expect(() => parseSubscript(bad), bad).toThrow(TypeError);
    }
    expect(() => parseSubscript('0, 1.5')).toThrow(/item 1 \("1\.5"\).*only integers, slices/);
    expect(() => parseSubscript('::0')).toThrow(RangeError);
    expect(() => parseSubscript('::0')).toThrow(/item 0 \("::0"\): slice step cannot be zero/);
  });

  it('refuses a second Ellipsis, in strings or items', () => {
    expect(() => parseIndex(['..., ...'])).toThrow(/single ellipsis/);
    expect(() => parseIndex(['...', 0, '...'])).toThrow(TypeError);
  });
});

describe('x.get items', () => {
  it('objects and strings mean the same thing and may be mixed', () => {
    expect(parseIndex([slice(0, 10), 5])).toEqual(parseIndex(['0:10, 5']));
    expect(parseIndex([null, '...', slice(null, null, -1)])).toEqual(parseIndex(['None, ..., ::-1']));
    expect(parseIndex([2n])).toEqual(parseIndex(['2']));
  });

  it('integer lists and TypedArrays are takes; boolean lists masks; lazy arrays keep their reference', () => {
    const n = norm([4, 5], slice(null, null, 2), new Int32Array([3, -1, 4]));
    expect(n.advanced).toMatchObject({ kind: 'take', axis: 1, resultAxis: 1, positions: [3, 4, 4] });
    expect(n.shape).toEqual([2, 3]);
    expect(norm([4], new BigInt64Array([1n, -4n])).advanced).toMatchObject({ positions: [1, 0] });
    expect(norm([3], [true, false, true]).advanced).toMatchObject({ kind: 'take', positions: [0, 2] });
    const lazy = { shape: [2], dtype: 'int64' as const };
    // NumPy: a[0, :, idx] puts the index's axis first (the integer and the array are not adjacent).
    const n3 = norm([4, 5, 6], 0, ':', lazy);
    expect(n3.advanced).toMatchObject({ kind: 'take', axis: 1, resultAxis: 0, positions: null, array: lazy, length: 2 });
    expect(n3.shape).toEqual([2, 5]);
    const mask = { shape: [4, 5], dtype: 'bool' as const };
    expect(norm([4, 5, 6], mask).shape).toEqual([NaN, 6]);
  });

  it('refuses what is not an index, and several arrays (NumPy broadcasts them; tessera does not)', () => {
    expect(() => parseIndex([1.5])).toThrow(TypeError);
    expect(() => parseIndex([undefined])).toThrow(/use null for a new axis/);
    expect(() => parseIndex([NaN])).toThrow(/only integers/);
    expect(() => parseIndex([2 ** 60])).toThrow(RangeError);
    expect(() => parseIndex([{ shape: [3], dtype: 'float64' }])).toThrow(/dtype float64/);
    expect(() => parseIndex([{ shape: [2, 2], dtype: 'int32' }])).toThrow(/only a 1-d integer array/);
    expect(() => parseIndex([new Float64Array(2) as unknown as Int32Array])).toThrow(TypeError);
    expect(() => parseIndex([[1, true] as unknown as number[]])).toThrow(/only integers \(a take\) or only booleans/);
    expect(() => norm([3, 3], [0], [1])).toThrow(/at most one integer or boolean array/);
  });

  it('errors name the axis and its size', () => {
    expect(() => norm([3, 4], 0, 4)).toThrow('index 4 is out of bounds for axis 1 with size 4');
    expect(() => norm([3, 4], -4)).toThrow(RangeError);
    expect(() => norm([3, 4], ':', [0, 9])).toThrow('index 9 is out of bounds for axis 1 with size 4');
    expect(() => norm([3], 0, 0)).toThrow('too many indices for array: array is 1-dimensional, but 2 were indexed');
    expect(() => norm([3, 4], { shape: [3, 5], dtype: 'bool' })).toThrow(/axis 1; the axis has size 4 but the boolean index has 5/);
  });
});

describe('affine views', () => {
  it('are offset and strides over any source layout (Fortran order, an offset source)', () => {
    const { view } = norm([3, 4, 5], '1, ::-2, None, 1:4');
    expect(viewShape(view)).toEqual([2, 1, 3]);
    expect(viewOffsetStrides(view, contiguousStrides([3, 4, 5]))).toEqual({ offset: 20 + 15 + 1, strides: [-10, 0, 1] });
    // Fortran strides [1, 3, 12] from offset 100: 100 + 1·1 + 3·3 + 1·12
    expect(viewOffsetStrides(view, [1, 3, 12], 100)).toEqual({ offset: 122, strides: [-6, 0, 12] });
    expect(() => viewOffsetStrides(view, [1, 3])).toThrow(RangeError);
  });

  it('compose: a view of a view is one view with the same elements', () => {
    const firsts = ['::-1, 1:', '1, ::2', 'None, ..., ::-2', ':, 2:0:-1, None', '0:0', '..., 3::-3'];
    const seconds = ['0', '::-1', '..., 0:1', 'None, ...', '-1, ...', '1:', '...'];
    let checked = 0;
    for (const shape of [[5, 6], [3, 4, 5]]) {
      for (const f of firsts) {
        const inner = normalizeIndex(parseSubscript(f), shape).view;
        const innerValues = viewSourceIndices(inner);
        for (const s of seconds) {
          let outer: AffineView;
          try {
            outer = normalizeIndex(parseSubscript(s), viewShape(inner)).view;
          } catch {
            continue; // e.g. an integer into an empty axis
          }
          const composed = composeViews(inner, outer);
          expect(viewShape(composed), `${f} then ${s}`).toEqual(viewShape(outer));
          expect(viewSourceIndices(composed), `${f} then ${s}`).toEqual(viewSourceIndices(outer).map((i) => innerValues[i]));
          checked++;
        }
      }
    }
    expect(checked).toBeGreaterThan(60);
    expect(composeViews(identityView([2, 3]), identityView([2, 3]))).toEqual(identityView([2, 3]));
    expect(() => composeViews(identityView([2, 3]), identityView([3, 2]))).toThrow(/cannot compose/);
  });
});

describe('Dask chunks', () => {
  it('match dask\'s own docstring examples of _slice_1d / new_blockdim', () => {
    expect(daskSliceChunks([[20, 10, 20, 10, 40]], parseSubscript('0:90:2'))).toEqual([[10, 5, 10, 5, 15]]);
    expect(daskSliceChunks([[20, 10, 20, 10, 40]], parseSubscript('90:10:-2'))).toEqual([[16, 5, 10, 5, 4]]);
    expect(daskSliceChunks([[20, 20, 20, 20, 20]], parseSubscript('0:100:40'))).toEqual([[20, 20, 20].map(() => 1)]);
    expect(daskSliceChunks([[20, 20], [5, 5]], parseSubscript('None, 25, ..., None'))).toEqual([[1], [5, 5], [1]]);
  });

  it('refuses take and mask indices (their chunking is not modelled here)', () => {
    expect(() => daskSliceChunks([[3]], parseSubscript('[0]'))).toThrow(TypeError);
  });
});
