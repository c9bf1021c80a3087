// where() beside the other node kinds: a reduction nested under where is computed first, and
// views/reshapes fold through where like through any elementwise op (naive answers by hand).
import { describe, expect, it } from 'vitest';
import { fromArray, where } from '../src/index.js';

describe('where with nested reductions, views and reshapes', () => {
  const x = fromArray(new Float64Array([1, 5, 2, 8, 3, 9]), { chunks: 2 });
  it('computes a reduction nested under where first', async () => {
    expect(await where(x.gt(x.mean()), x, 0).sum().compute()).toBe(5 + 8 + 9);
  });
  it('slices through where', async () => {
    expect(Array.from((await where(x.gt(4), x, x.neg()).get('1:5').compute()).data)).toEqual([5, -2, 8, -3]);
  });
  it('reshapes through where', async () => {
    expect(Array.from((await where(x.gt(4), x, 0).reshape([2, 3]).sum({ axis: 1 }).compute()).data)).toEqual([5, 17]);
  });
});
