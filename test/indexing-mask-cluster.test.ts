// A boolean mask on a cluster: the per-chunk counts come from count tasks on the workers, the cluster's
// plan computes the data and condition in chunk tasks, compacts them in one whole task (the
// Compress stage) and reduces the compacted array by chunks. The local compute reads the mask in
// place (the compress leaf) with the same chunks: the results must be the same bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromArray, random } from '../src/index.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';
import { values } from './helpers/threads.js';

describe('mask on a cluster', () => {
  let cluster: BusCluster;
  beforeAll(async () => {
    cluster = await busCluster(['p', 'q'], 100);
  });
  afterAll(() => cluster?.close());

  it('x.mask(x.gt(0.5)).sum() and friends give the local bits', async () => {
    const x = random.random([400, 300], { seed: 3, chunks: [100, 150] });
    const m = x.mask(x.gt(0.5));
    const local = (await m.sum().compute()) as number;
    expect(await cluster.client.compute(m.sum())).toBe(local);
    expect(await cluster.client.compute(x.mask(x.gt(0.5)).mean())).toBe(await x.mask(x.gt(0.5)).mean().compute());
    expect(await cluster.client.compute(x.mask(x.lt(0.1)).std())).toBe(await x.mask(x.lt(0.1)).std().compute());
    // the compacted values themselves, and an expression of them
    expect(values(await cluster.client.compute(x.mask(x.gt(0.9))))).toEqual(values(await x.mask(x.gt(0.9)).compute()));
    expect(values(await cluster.client.compute(x.mask(x.gt(0.9)).mul(2)))).toEqual(values(await x.mask(x.gt(0.9)).mul(2).compute()));
    // caller memory, nothing selected, everything selected
    const d = fromArray(Float64Array.from({ length: 5000 }, (_, i) => ((i * 7919) % 97) / 97), { chunks: [999] });
    for (const t of [0.5, 2, -1]) expect(await cluster.client.compute(d.mask(d.gt(t)).sum())).toBe(await d.mask(d.gt(t)).sum().compute());
    // a mask whose sizes are known (computeChunkSizes) is not counted again
    const known = await x.mask(x.gt(0.25)).computeChunkSizes();
    expect(await cluster.client.compute(known.sum())).toBe(await known.sum().compute());
  });
});
