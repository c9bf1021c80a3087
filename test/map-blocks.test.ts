// mapBlocks with inline closures (issue 16 item 3, first part) against a naive reference.
import { describe, expect, it } from 'vitest';
import { DenseArray, fromArray, mapBlocks, random, type BlockInfo } from '../src/index.js';

describe('mapBlocks (inline closures)', () => {
  it('applies fn per block with block_info, across two aligned arrays', async () => {
    const a = random.random([7, 5], { seed: 1, chunks: [3, 2] });
    const b = random.random([7, 5], { seed: 2, chunks: [3, 2] });
    const seen: BlockInfo[] = [];
    const r = mapBlocks((x: DenseArray, y: DenseArray, info: BlockInfo) => {
      seen.push(info);
      const out = new Float64Array(x.data.length);
      for (let i = 0; i < out.length; i++) out[i] = x.data[i]! * 2 + y.data[i]! + info.chunkLocation[0]!;
      return out;
    }, a, b);
    expect(r.chunks).toEqual(a.chunks);
    // Dask's repr names the block function's array (dask.array<map_blocks-like name, ...>)
    expect(String(r)).toBe('tessera.NDArray<map_blocks, shape=[7, 5], dtype=float64, chunksize=[3, 2]>');
    const got = ((await r.compute()) as DenseArray).data;
    const A = ((await a.compute()) as DenseArray).data;
    const B = ((await b.compute()) as DenseArray).data;
    for (let i = 0; i < 7; i++) for (let j = 0; j < 5; j++) expect(got[i * 5 + j]).toBe(A[i * 5 + j]! * 2 + B[i * 5 + j]! + Math.floor(i / 3));
    expect(seen.length).toBe(9);
    expect(seen.find((s) => s.chunkLocation.join() === '2,1')!.arrayLocation).toEqual([[6, 7], [2, 4]]);
  });

  it('dropAxis and newAxis change the block shape; output dtype', async () => {
    const a = fromArray([[1, 2, 3], [4, 5, 6], [7, 8, 9], [10, 11, 12]], { chunks: [2, 3] });
    const rowSums = mapBlocks((x: DenseArray) => {
      const out = new Float64Array(x.shape[0]!);
      for (let i = 0; i < x.shape[0]!; i++) for (let j = 0; j < x.shape[1]!; j++) out[i]! += x.data[i * x.shape[1]! + j]!;
      return out;
    }, a, { dropAxis: 1 });
    expect(rowSums.shape).toEqual([4]);
    expect(Array.from(((await rowSums.compute()) as DenseArray).data)).toEqual([6, 15, 24, 33]);
    const withAxis = mapBlocks((x: DenseArray) => x.data.map((v) => v * 10), a, { newAxis: 0, dtype: 'float32' });
    expect(withAxis.shape).toEqual([1, 4, 3]);
    expect(withAxis.dtype).toBe('float32');
    expect(((await withAxis.compute()) as DenseArray).data[11]).toBe(120);
  });

  it('errors name the argument', async () => {
    const a = random.random([4, 4], { seed: 1, chunks: 2 });
    expect(() => mapBlocks(42 as never, a)).toThrow(TypeError);
    expect(() => mapBlocks((x: DenseArray) => x, a, random.random([4, 5], { seed: 1, chunks: 4 }))).toThrow(/one shape/);
    expect(() => mapBlocks((x: DenseArray) => x, a, { dropAxis: 2 })).toThrow(/out of range/);
    await expect(mapBlocks(() => new Float64Array(3), a).compute()).rejects.toThrow(/expected 4 values/);
  });
});
