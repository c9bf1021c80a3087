// The box of a persisted array a cluster task fetches for a leaf that reads it through a view
// (src/distributed/remote.ts leafRegion): stepped and reversed slices fetch only the rows and
// columns they span, and the re-addressed leaf reads the same elements from the box.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { concatenate, DenseArray, random, type Computed, type NDArray } from '../src/index.js';
import { leafRegion } from '../src/distributed/remote.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

/** The elements (flat array indices) a leaf reads over an iteration box. */
function reads(offset: number, strides: number[], ext: number[]): number[] {
  const out: number[] = [];
  const walk = (k: number, lin: number): void => {
    if (k === ext.length) return void out.push(lin);
    for (let i = 0; i < ext[k]!; i++) walk(k + 1, lin + i * strides[k]!);
  };
  walk(0, offset);
  return out;
}

describe('leafRegion through views', () => {
  const shape = [10, 8];
  const cases: { name: string; offset: number; strides: number[]; start: number[]; ext: number[] }[] = [
    { name: "x.get('::2, ::2')", offset: 0, strides: [16, 2], start: [1, 0], ext: [2, 3] },
    { name: "x.get('::-1, :')", offset: 72, strides: [-8, 1], start: [2, 1], ext: [3, 4] },
    { name: "x.get('8:1:-3, 7:0:-2')", offset: 64 + 7, strides: [-24, -2], start: [0, 1], ext: [3, 3] },
    { name: 'transpose of a stepped slice', offset: 1, strides: [2, 16], start: [0, 0], ext: [4, 5] },
  ];
  it.each(cases.map((c) => [c.name, c] as const))('%s', (_, c) => {
    const leaf = { kind: 3, dtype: 0, offset: c.offset, strides: c.strides, a: 0, b: 0, seed: 0, buffer: 0 } as const;
    const r = leafRegion(leaf, { start: c.start, ext: c.ext }, shape);
    // Base of the task's box in the array, then what the original leaf reads there.
    const base = c.offset + c.strides.reduce((s, st, k) => s + st * c.start[k]!, 0);
    const want = reads(base, c.strides, c.ext);
    // The box is no larger than the span of what is read, and reading it through the new leaf gives the same elements.
    const boxStrides = [r.region.ext[1]!, 1];
    const got = reads(r.offset, r.strides, c.ext).map((lin) => {
      const i = Math.floor(lin / boxStrides[0]!);
      const j = lin - i * boxStrides[0]!;
      return (r.region.start[0]! + i) * shape[1]! + r.region.start[1]! + j;
    });
    expect(got).toEqual(want);
    expect(r.region.ext[0]! * r.region.ext[1]!).toBeLessThan(shape[0]! * shape[1]!);
  });
});

describe('views of persisted arrays on a cluster', () => {
  let cluster: BusCluster;
  beforeAll(async () => {
    cluster = await busCluster(['p', 'q'], 100);
  });
  afterAll(() => cluster?.close());

  it('slices, flips, reshapes and joins of kept arrays give the local bits', async () => {
    const x = random.random([300, 200], { seed: 11, chunks: [70, 64] });
    const kept = await cluster.client.persist(x);
    const cases: [NDArray<Computed>, NDArray<Computed>][] = [
      [kept.get('::-2, 3:150:3'), x.get('::-2, 3:150:3')],
      [kept.get('::2, ::2').sum(), x.get('::2, ::2').sum()],
      [kept.get(7), x.get(7)],
      [kept.flip().exp(), x.flip().exp()],
      [kept.reshape([3, 100, 200]).sum({ axis: 1 }), x.reshape([3, 100, 200]).sum({ axis: 1 })],
      [concatenate([kept.get('0:10'), kept.get('-10:')]), concatenate([x.get('0:10'), x.get('-10:')])],
    ];
    for (const [remote, local] of cases) {
      const want = await local.compute();
      const got = await cluster.client.compute(remote);
      if (typeof want === 'number') expect(got).toBe(want);
      else expect(Buffer.from((got as DenseArray).data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
    }
  });
});
