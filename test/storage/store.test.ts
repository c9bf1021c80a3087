// store(sources, targets) and the HDF5 worked example of docs/storage.md (h5wasm: a dataset read
// through fromSource, results written back with store()).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import h5wasm from 'h5wasm/node';
import { DenseArray, arange, fromSource, random, store, type SourceBox } from '../../src/index.js';
// float64 data, as these tests were written for (arange of integers is int64, as NumPy's)
const farange = (start: number, stop: number) => arange(start, stop).astype('float64');

describe('store', () => {
  it('writes every chunk of every source once, at its region offset, holding a few chunks', async () => {
    const a = farange(0, 30).reshape([5, 6]).rechunk([2, 4]);
    const b = random.random([7], { seed: 1, chunks: 3 });
    const outA = new Float64Array(8 * 10);
    const outB = new Float64Array(7);
    const boxes: string[] = [];
    let inFlight = 0;
    let most = 0;
    await store([a, b], [
      { write: async (box: SourceBox, d) => {
        inFlight++;
        most = Math.max(most, inFlight);
        boxes.push(`${box.lo}-${box.hi}`);
        for (let i = 0; i < box.shape[0]!; i++) for (let j = 0; j < box.shape[1]!; j++) outA[(box.lo[0]! + i) * 10 + box.lo[1]! + j] = d[i * box.shape[1]! + j]!;
        await new Promise((r) => setTimeout(r, 1));
        inFlight--;
      } },
      { write: (box, d) => outB.set(d as Float64Array, box.lo[0]) },
    ], { regions: [[3, 2], undefined] });
    expect(boxes.sort()).toEqual(['3,2-5,6', '3,6-5,8', '5,2-7,6', '5,6-7,8', '7,2-8,6', '7,6-8,8']);
    expect(most).toBeLessThanOrEqual(2);
    for (let i = 0; i < 5; i++) for (let j = 0; j < 6; j++) expect(outA[(i + 3) * 10 + j + 2]).toBe(i * 6 + j);
    expect(Array.from(outB)).toEqual(Array.from(((await b.compute()) as DenseArray).data));
  });

  it('bad input', async () => {
    const a = farange(0, 4);
    await expect(store([a], [])).rejects.toThrow(/1 sources but 0 targets/);
    await expect(store(a, {} as never)).rejects.toThrow(/targets\[0\] must be an object with write\(box, data\)/);
    await expect(store(a, { write: () => { throw new Error('target full'); } })).rejects.toThrow(/target full/);
    await expect(store(a, { write: () => {} }, { regions: [[1, 2]] })).rejects.toThrow(/regions\[0\] must have one offset per axis \(1\)/);
  });
});

describe('HDF5 through h5wasm (the docs/storage.md example)', () => {
  it('a dataset becomes a lazy array; store() writes results back into another dataset', async () => {
    await h5wasm.ready;
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-h5-')), 'data.h5');
    const x = random.random([50, 40], { seed: 1, chunks: [20, 20] });
    const values = ((await x.compute()) as DenseArray).data as Float64Array;
    const f = new h5wasm.File(file, 'w');
    f.create_dataset({ name: 'x', data: values, shape: [50, 40], dtype: '<d', chunks: [20, 20] });
    f.create_dataset({ name: 'y', data: new Float64Array(2000), shape: [50, 40], dtype: '<d' });
    const ds = f.get('x') as InstanceType<typeof h5wasm.Dataset>;
    let reads = 0;
    const a = fromSource({
      shape: ds.shape!,
      chunks: ds.metadata.chunks ?? 'auto', // the dataset's own chunking
      concurrency: 1, // h5wasm is synchronous and not reentrant
      read: ({ lo, hi }) => {
        reads++;
        return ds.slice(lo.map((l, k) => [l, hi[k]!])) as Float64Array;
      },
    });
    expect(a.chunks).toEqual([[20, 20, 10], [20, 20]]);
    expect(await a.get('0:10, 0:10').sum().compute()).toBe(await x.get('0:10, 0:10').sum().compute());
    expect(reads).toBe(1);
    expect(await a.std().compute()).toBe(await x.std().compute());
    const y = f.get('y') as InstanceType<typeof h5wasm.Dataset>;
    await store(a.mul(2).sub(1), { write: (box, d) => y.write_slice(box.lo.map((l, k) => [l, box.hi[k]!]), d) });
    const back = y.value as Float64Array;
    expect(Array.from(back)).toEqual(Array.from(values, (v) => v * 2 - 1));
    f.close();
  });
});
