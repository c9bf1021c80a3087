// A cluster cannot yet read an elementwise stage's output in a later stage, so an expression
// that needs a split stage is refused there with advice instead of failing mid-compute.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { random, type NDArray, type Computed } from '../../src/index.js';
import { busCluster, type BusCluster } from '../helpers/distributed.js';

let cluster: BusCluster;
beforeAll(async () => {
  cluster = await busCluster(['a'], 200);
});
afterAll(() => cluster?.close());

it('an expression over the register file is refused on a cluster, naming the limit', async () => {
  const inputs = Array.from({ length: 80 }, (_, i) => random.random([20, 3], { seed: i + 1 }));
  let acc: NDArray<Computed> = inputs[0]!;
  for (const r of inputs.slice(1)) acc = r.mul(acc).add(r);
  await expect(cluster.client.compute(acc)).rejects.toThrow(/too large to fuse into one kernel on a cluster \(80 registers > 64\); persist\(\) part of it first/);
  // The same expression in the fused order fits one kernel and runs.
  let fused: NDArray<Computed> = inputs[0]!;
  for (const r of inputs.slice(1)) fused = fused.mul(r).add(r);
  expect(await cluster.client.compute(fused.sum())).toBe(await fused.sum().compute());
});
