// rechunk's full Dask spec (dict form, null keeps, -1, explicit) against Dask's chunks:
// test/fixtures/numpy/rechunk.json from scripts/fixtures/dask_rechunk.py.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configure, DenseArray, getConfig, random, zeros, type DType } from '../src/index.js';
import type { RechunkSpec } from '../src/array/indexing/rechunk.js';

type Entry = number | null | number[];
const fx = JSON.parse(readFileSync(new URL('./fixtures/numpy/rechunk.json', import.meta.url), 'utf8')) as {
  shape: number[]; chunks: number[][]; rows: { spec: Entry[] | [number, Entry][]; dict: boolean; chunks: number[][] }[];
  auto: { shape: number[]; chunks: number[][]; dtype: DType; limit: number; spec: 'auto' | (Entry | 'auto')[] | [number, Entry | 'auto'][]; dict: boolean; result: number[][] }[];
};

describe('rechunk spec', () => {
  const x = random.random(fx.shape, { seed: 1, chunks: fx.chunks });
  it.each(fx.rows.map((r) => [JSON.stringify(r.spec) + (r.dict ? ' (dict)' : ''), r] as const))('%s', async (_, r) => {
    const spec = (r.dict ? Object.fromEntries(r.spec as [number, Entry][]) : r.spec) as RechunkSpec;
    const y = x.rechunk(spec);
    expect(y.chunks).toEqual(r.chunks);
    expect(Array.from(((await y.compute()) as DenseArray).data)).toEqual(Array.from(((await x.compute()) as DenseArray).data));
  });
  it.each(fx.auto.map((r) => [`${JSON.stringify(r.spec)} of ${r.dtype} [${r.shape}] chunks ${JSON.stringify(r.chunks)} under ${r.limit} B`, r] as const))(
    "'auto' %s: Dask's chunks from the previous ones",
    (_, r) => {
      const spec = (r.dict ? Object.fromEntries(r.spec as [number, Entry][]) : r.spec) as RechunkSpec;
      const old = getConfig().chunkSize;
      configure({ chunkSize: r.limit });
      try {
        expect(zeros(r.shape, { dtype: r.dtype, chunks: r.chunks }).rechunk(spec).chunks).toEqual(r.result);
      } finally {
        configure({ chunkSize: old });
      }
    },
  );
  it('errors', () => {
    expect(() => x.rechunk({ 2: 10 })).toThrow(/out of bounds/);
    expect(() => x.rechunk([[50, 40], 60])).toThrow(/sum to 90/);
  });
});
