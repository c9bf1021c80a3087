// On a cluster, scans, quantiles and nanargmin/nanargmax refuse with a clear error (no silent
// wrong numbers); ordinary reductions still run. In-process MemoryBus cluster.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fromArray } from '../src/index.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

describe('scan/select stages on a cluster', () => {
  let cluster: BusCluster;
  beforeAll(async () => {
    cluster = await busCluster(['s1'], 100);
  });
  afterAll(async () => {
    await cluster.close();
  });

  it('refuses cumsum, median and nanargmin; a sum still runs', async () => {
    const x = fromArray(Float64Array.of(1, 2, NaN, 4), { chunks: [[2, 2]] });
    await expect(cluster.client.compute(x.cumsum())).rejects.toThrow(/cannot run on a cluster yet/);
    await expect(cluster.client.compute(x.median())).rejects.toThrow(/cannot run on a cluster yet/);
    await expect(cluster.client.compute(x.nanargmin())).rejects.toThrow(/cannot run on a cluster yet/);
    expect(await cluster.client.compute(x.nansum())).toBe(7);
  });
});
