// A concatenation read where its sources lie (the concat leaf, native/engine/concat_leaf.h), as
// Dask's concatenate re-indexes its inputs' chunks: later work over a concatenation of persisted,
// random or arange arrays (or views of them) creates no copy task. References: the concatenation
// computed as a root (its sources write the output; checked against NumPy in indexing-join.test.ts)
// read from memory with the same chunks gives the same bits; a cluster compute gives the local bits.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { arange, concatenate, configure, fromArray, getConfig, random, toPlan, type Computed, type NDArray } from '../src/index.js';
import { Lowering } from '../src/array/lower.js';
import { LeafKind } from '../src/plan/ops.generated.js';
import { native } from '../src/native.js';
import { onThreads, values } from './helpers/threads.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

const saved = getConfig();
const lower = (x: NDArray<Computed>) => new Lowering((n) => new ArrayBuffer(n)).lower([{ node: x.node, target: 'result' }]);

/** c's values from memory with c's chunks: what a stage over c reads (the reference bits). */
async function fromMemory(c: NDArray<Computed>): Promise<NDArray> {
  const r = await c.compute();
  return fromArray(Float64Array.from(values(r)), { shape: [...c.shape], chunks: c.chunks.map((k) => [...k]) });
}

describe('concatenate read in place (concat leaf)', () => {
  it('task counts: aligned chunks of plain sources add no task (Dask\'s 2 × 4 + 1); an expression source is still copied', () => {
    const x = random.random([4000, 400], { seed: 1, chunks: [1000, 400] });
    expect(concatenate([x, x]).sum().graph({ optimize: true }).taskCount).toBe(9);
    // along axis 1: 4 × 2 partials + 2 aggregates
    expect(concatenate([x, x], { axis: 1 }).mul(2).sum({ axis: 0 }).graph({ optimize: true }).taskCount).toBe(10);
    expect(concatenate([x, x.exp()]).sum().graph({ optimize: true }).taskCount).toBe(17);
    // the plan: one stage, one concat leaf (no copy stage)
    const { plan } = lower(concatenate([x, x]).sum());
    expect(plan.stages.length).toBe(1);
    expect(plan.stages[0]!.leaves.map((l) => l.kind)).toEqual([LeafKind.Concat]);
  });

  it('persisted, random and arange sources along axis 0 and 1: the bits of the concatenation read from memory, 1 and 2 threads', async () => {
    const a = await random.random([30, 20], { seed: 4, chunks: [10, 10] }).persist();
    const b = random.random([15, 20], { seed: 5, chunks: [5, 7] });
    const r = arange(15 * 20, { dtype: 'float64' }).reshape([15, 20]).rechunk([8, 20]);
    const cases: [string, NDArray<Computed>][] = [
      ['axis 0: persisted, random, arange', concatenate([a, b, r])],
      ['axis 1: persisted and a transposed view', concatenate([a, random.random([20, 30], { seed: 6, chunks: [20, 10] }).transpose()], { axis: 1 })],
      ['axis 0: a stepped slice and the same source twice', concatenate([a.get('::2'), a, a.get('::-3')])],
    ];
    for (const [what, c] of cases) {
      const ref = await fromMemory(c);
      const want = {
        sum: await ref.sum().compute(),
        rows: values(await ref.sum({ axis: 1 }).compute()),
        cols: values(await ref.mean({ axis: 0 }).compute()),
        mul: values(await ref.mul(2).add(ref).compute()),
        slice: values(await ref.get('3:40:2, 1:').compute()),
      };
      expect(lower(c.sum()).plan.stages.length, what).toBe(1);
      for (const threads of [1, 2]) {
        await onThreads(threads, async () => {
          expect(await c.sum().compute(), what).toBe(want.sum);
          expect(values(await c.sum({ axis: 1 }).compute()), what).toEqual(want.rows);
          expect(values(await c.mean({ axis: 0 }).compute()), what).toEqual(want.cols);
          expect(values(await c.mul(2).add(c).compute()), what).toEqual(want.mul);
          expect(values(await c.get('3:40:2, 1:').compute()), what).toEqual(want.slice);
          const p = await c.exp().persist();
          expect(values(await p.compute()), what).toEqual(values(await ref.exp().compute()));
          p.dispose();
        });
      }
    }
    a.dispose();
  });

  it('unaligned chunks, mixed dtypes and expression sources fall back to the copy, with the same values', async () => {
    const a = fromArray(Float64Array.from({ length: 12 }, (_, i) => i), { shape: [6, 2], chunks: [4, 2] });
    const b = fromArray(Float64Array.from({ length: 8 }, (_, i) => 100 + i), { shape: [4, 2], chunks: [3, 2] });
    const all = [...Array.from({ length: 12 }, (_, i) => i), ...Array.from({ length: 8 }, (_, i) => 100 + i)];
    const total = all.reduce((x, y) => x + y, 0);
    expect(await concatenate([a, b]).rechunk([7, 2]).sum().compute()).toBe(total);
    expect(lower(concatenate([a, b]).rechunk([7, 2]).sum()).plan.stages.length).toBe(3);  // two copies + the sum
    const ints = fromArray(Int32Array.from({ length: 12 }, (_, i) => i), { shape: [6, 2], chunks: [4, 2] });
    expect(values(await concatenate([ints, b]).mul(1).compute())).toEqual(all);
    expect(values(await concatenate([a, b.add(0)]).mul(1).compute())).toEqual(all);
    // a stage that reads one source only reads it as a view: rows 6.. are b's
    expect(values(await concatenate([a, b.exp()]).get('6:').log().compute()).map((v) => Math.round(v * 1e9) / 1e9)).toEqual(all.slice(12));
  });

  it('caller memory read through a concatenation and beside it (snapshots cut at the front) gives the right values', async () => {
    const d = Float64Array.from({ length: 100 }, (_, i) => i);
    const x = fromArray(d, { shape: [10, 10], chunks: [2, 10] });
    const c = concatenate([x.get('5:'), x.get('1:3')]);
    expect(lower(c.add(x.get('3:')).sum()).plan.stages[0]!.leaves.map((l) => l.kind)).toContain(LeafKind.Concat);
    const rows = [5, 6, 7, 8, 9, 1, 2];
    const want = rows.flatMap((r, k) => Array.from({ length: 10 }, (_, j) => d[r * 10 + j]! + d[(3 + k) * 10 + j]!));
    expect(values(await c.add(x.get('3:')).compute())).toEqual(want);
  });

  it('read in place, a plain concatenation needs no materializeLimit; an expression source still does', async () => {
    const a = random.random([100, 10], { seed: 1, chunks: [50, 10] });
    configure({ materializeLimit: 1000 });
    try {
      const s = await concatenate([a, a]).sum().compute();
      expect(s).toBeCloseTo(2 * ((await a.sum().compute()) as number), 9);
      await expect(concatenate([a, a.exp()]).sum().compute()).rejects.toThrow(/materializeLimit/);
    } finally {
      configure({ materializeLimit: saved.materializeLimit });
    }
  });

  it('the engine refuses a concat leaf whose parts cut a chunk, overlap or read out of range', () => {
    const x = fromArray(Float64Array.from({ length: 20 }, (_, i) => i), { shape: [10, 2], chunks: [5, 2] });
    const bad = (edit: (t: Float64Array) => void): (() => unknown) => () => {
      const { plan, buffers } = lower(concatenate([x, x]).sum());
      const leaf = plan.stages[0]!.leaves[0]!;
      const t = new Float64Array(buffers[leaf.b] as ArrayBuffer);
      edit(t);
      return native().execute(plan, buffers);
    };
    // table: [n, per part: lo, hi, kind, dtype, offset, a, b, seed, buffer, strides × 2]
    expect(bad((t) => ((t[2] = 7), (t[1 + 11] = 7)))).toThrow(/ends at 7, inside a chunk of axis 0/);
    expect(bad((t) => (t[1 + 11] = 9))).toThrow(/parts must tile the axis in order/);
    expect(bad((t) => (t[1 + 11 + 4] = 2))).toThrow(/part 1: addresses element 41 but buffers\[\d+\] holds 20 elements/);
    expect(bad((t) => (t[1 + 2] = LeafKind.Concat))).toThrow(/a part is an arange, random or memory leaf/);
  });

  it('toPlan keeps the portable form (the copy): its plan has no concat leaf', () => {
    const x = fromArray(Float64Array.from({ length: 20 }, (_, i) => i), { shape: [10, 2], chunks: [5, 2] });
    const p = toPlan(concatenate([x, x]).sum(), { inputs: { x } });
    expect(JSON.stringify(p)).not.toMatch(/"concat"/);
  });
});

describe('concatenate on a cluster', () => {
  let cluster: BusCluster;
  beforeAll(async () => {
    cluster = await busCluster(['p', 'q'], 100);
  });
  afterAll(() => cluster?.close());

  it('a cluster compute of a concatenation read by later work gives the local bits (chunk tasks and whole stages)', async () => {
    const x = random.random([300, 40], { seed: 9, chunks: [70, 40] });
    const y = await x.persist();
    const kept = await cluster.client.persist(x);
    const cases: [NDArray<Computed>, NDArray<Computed>][] = [
      [concatenate([x, x]), concatenate([x, x])],
      [concatenate([y, x.get('::-1')], { axis: 1 }), concatenate([y, x.get('::-1')], { axis: 1 })],
      [concatenate([kept, x, kept.get('::2')]), concatenate([x, x, x.get('::2')])],
    ];
    for (const [c, l] of cases) {
      // per-chunk tasks: each reads its chunk's source
      expect(values(await cluster.client.compute(c.sum({ axis: 0 })))).toEqual(values(await l.sum({ axis: 0 }).compute()));
      expect(await cluster.client.compute(c.mean())).toBe(await l.mean().compute());
      expect(values(await cluster.client.compute(c.mul(2)))).toEqual(values(await l.mul(2).compute()));
      // nanmean has no chunk partials: one task runs the whole stage, its concat leaf re-addressed
      expect(await cluster.client.compute(c.nanmean())).toBe(await l.nanmean().compute());
    }
    y.dispose();
  });
});
