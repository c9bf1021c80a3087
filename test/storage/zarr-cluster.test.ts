// fromZarr arrays in cluster computes (client.compute / client.persist): the client sends the
// store's location, each worker opens the store and reads only the boxes its tasks touch
// (src/distributed/stage-tasks.ts inputRegion, worker.ts readZarrRegion), and the results have
// the bits of the same local computes. In-process MemoryBus cluster, like distributed.test.ts.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DenseArray, fromZarr, random, toZarr, type Computed, type NDArray } from '../../src/index.js';
import { busCluster, type BusCluster } from '../helpers/distributed.js';

const same = (a: Computed, b: Computed): boolean =>
  typeof a === 'number' ? Object.is(a, b) : b instanceof DenseArray && a instanceof DenseArray && Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(Buffer.from(b.data.buffer, b.data.byteOffset, b.data.byteLength));

describe('fromZarr on a cluster', () => {
  let cluster: BusCluster;
  let dir: string;
  beforeAll(async () => {
    cluster = await busCluster(['za', 'zb'], 100);
    dir = mkdtempSync(join(tmpdir(), 'tessera-zcluster-'));
  });
  afterAll(() => {
    cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('reductions, elementwise, transposed and sliced reads match local computes bit for bit (zstd and uncompressed, v2 and v3)', async () => {
    const x = random.random([90, 70], { seed: 21, chunks: [30, 25] });
    const sq = random.random([60, 60], { seed: 22, chunks: 25 });
    for (const [name, options] of [['z2', { compressor: 'zstd' as const }], ['n3', { compressor: null, zarrVersion: 3 as const }]] as const) {
      await toZarr(x, join(dir, `${name}.zarr`), options);
      await toZarr(sq, join(dir, `${name}-sq.zarr`), { ...options, chunks: [20, 20] }); // store chunks unlike the array's
      const y = await fromZarr(join(dir, `${name}.zarr`));
      const ys = await fromZarr(join(dir, `${name}-sq.zarr`));
      const cases: NDArray<Computed>[] = [y.sum(), y.mean({ axis: 0 }), y.mul(2).add(1), y.T.sub(1), y.get('5:77, 3:61').sum(), ys.add(ys.T), ys.add(ys.T).std()];
      for (const c of cases) {
        const want = await c.compute();
        expect(same(await cluster.client.compute(c), want), `${name}: ${c.toString()}`).toBe(true);
      }
      // persisted on the workers, then read again there
      const kept = await cluster.client.persist(y.add(1));
      expect(same(await cluster.client.compute(kept.sum()), await y.add(1).sum().compute())).toBe(true);
      kept.release();
    }
  });

  it('a chunk the workers cannot decode fails the compute with the chunk named', async () => {
    const p = join(dir, 'bad.zarr');
    await toZarr(random.random([40, 40], { seed: 3, chunks: 20 }), p, { compressor: 'zstd' });
    const y = await fromZarr(p);
    writeFileSync(join(p, '1.0'), 'not zstd');
    await expect(cluster.client.compute(y.sum())).rejects.toThrow(/bad\.zarr: chunk \(1, 0\): cannot read or decode/);
  });
});
