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

  it('broadcasts the arrays as Dask\'s map_blocks: right-aligned, length-1 axes pass as their one block (fuzz16)', async () => {
    const x = fromArray(Float64Array.from({ length: 12 }, (_, i) => i), { shape: [3, 4], chunks: [[2, 1], [3, 1]] });
    const row = fromArray([10, 20, 30, 40], { chunks: [[1, 3]] });
    const col = fromArray([[100], [200], [300]], { chunks: [[3], [1]] });
    const shapes: string[] = [];
    const r = mapBlocks((a: DenseArray, b: DenseArray, c: DenseArray, info: BlockInfo) => {
      shapes.push(`${info.chunkLocation}:${b.shape}|${c.shape}|${info.inputs[1]!.chunkLocation}|${info.inputs[2]!.chunkLocation}`);
      const [m, n] = a.shape as [number, number];
      const out = new Float64Array(m * n);
      for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) out[i * n + j] = a.data[i * n + j]! + b.data[j]! + c.data[i]!;
      return out;
    }, x, row, col);
    // the columns are unified over x and row ([3, 1] and [1, 3] → [1, 2, 1]); col's one column (length 1)
    // reaches every block; its rows are unified with x's ([3] and [2, 1] → [2, 1])
    expect(r.shape).toEqual([3, 4]);
    expect(r.chunks).toEqual([[2, 1], [1, 2, 1]]);
    const got = Array.from(((await r.compute()) as DenseArray).data);
    expect(shapes.sort()).toEqual(['0,0:1|2,1|0|0,0', '0,1:2|2,1|1|0,0', '0,2:1|2,1|2|0,0', '1,0:1|1,1|0|1,0', '1,1:2|1,1|1|1,0', '1,2:1|1,1|2|1,0']);
    const want = [];
    for (let i = 0; i < 3; i++) for (let j = 0; j < 4; j++) want.push(i * 4 + j + [10, 20, 30, 40][j]! + [100, 200, 300][i]!);
    expect(got).toEqual(want);
  });

  it('errors name the argument', async () => {
    const a = random.random([4, 4], { seed: 1, chunks: 2 });
    expect(() => mapBlocks(42 as never, a)).toThrow(TypeError);
    expect(() => mapBlocks((x: DenseArray) => x, a, random.random([4, 5], { seed: 1, chunks: 4 }))).toThrow(/does not broadcast/);
    expect(() => mapBlocks((x: DenseArray) => x, a, { dropAxis: 2 })).toThrow(/out of range/);
    await expect(mapBlocks(() => new Float64Array(3), a).compute()).rejects.toThrow(/expected 4 values/);
  });
});
