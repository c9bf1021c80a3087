// mapBlocks & co. on a cluster: the module functions run on the workers (client.map under the
// hood), which import only from their allowed module roots; results equal a local compute.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed, mapBlocks, mapOverlap, random, reduction, type DenseArray } from '../src/index.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

const fns = new URL('./fixtures/blocks/fns.mjs', import.meta.url);
const fn = (name: string) => delayed.module(fns, name);

describe('block functions on a cluster', () => {
  let cluster: BusCluster;
  const started: string[] = [];
  beforeAll(async () => {
    cluster = await busCluster(['b1', 'b2'], 100);
    cluster.scheduler.events.on('task-start', (e) => started.push(e.worker));
  });
  afterAll(() => cluster?.close());

  it('mapBlocks, mapOverlap and reduction give the local bits; calls run on both workers', async () => {
    const a = random.random([12, 10], { seed: 1, chunks: [4, 5] });
    const b = random.random([12, 10], { seed: 2, chunks: [4, 5] });
    const m = mapBlocks(fn('affine'), a.exp(), b);
    started.length = 0;
    const remote = (await cluster.client.compute(m)) as DenseArray;
    expect(Array.from(remote.data)).toEqual(Array.from(((await m.compute()) as DenseArray).data));
    expect(new Set(started)).toEqual(new Set(['b1', 'b2']));
    const o = mapOverlap(fn('smooth'), a, { depth: 1, boundary: 'reflect' });
    expect(Array.from(((await cluster.client.compute(o)) as DenseArray).data)).toEqual(Array.from(((await o.compute()) as DenseArray).data));
    const r = reduction(a, { chunk: fn('sumAxes'), aggregate: fn('sumAxes'), axis: 0, splitEvery: 2 });
    expect(Array.from(((await cluster.client.compute(r)) as DenseArray).data)).toEqual(Array.from(((await r.compute()) as DenseArray).data));
    // a result of a block function feeding an ordinary expression
    const s = m.mul(2).sum();
    expect(await cluster.client.compute(s)).toBe(await s.compute());
  });

  it('more block bytes than one request carries (~4 MiB per client.map request)', async () => {
    const x = random.random([1200, 1000], { seed: 9, chunks: [100, 1000] }); // 9.6 MB of blocks
    const m = mapBlocks(fn('identity'), x.mul(2));
    const remote = (await cluster.client.compute(m)) as DenseArray;
    expect(Buffer.from(remote.data.buffer, remote.data.byteOffset, remote.data.byteLength).equals(Buffer.from(((await x.mul(2).compute()) as DenseArray).data.buffer))).toBe(true);
  });

  it('inline closures and modules outside the workers’ roots are refused', async () => {
    const a = random.random([4, 4], { seed: 1, chunks: 2 });
    await expect(cluster.client.compute(mapBlocks((x: DenseArray) => x.data, a))).rejects.toThrow(/delayed.module/);
    const file = join(mkdtempSync(join(tmpdir(), 'tessera-blocks-')), 'outside.mjs');
    writeFileSync(file, 'export function identity(x) { return x.data; }\n');
    const outside = delayed.module(pathToFileURL(file), 'identity');
    await expect(cluster.client.compute(mapBlocks(outside, a))).rejects.toThrow(/root|allowed|modules/i);
  });
});
