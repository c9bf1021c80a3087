// A mask result read in place (the compress leaf, native/engine/compress_leaf.h): x.mask(c).sum()
// and other forward 1-d walks of a mask read the selected elements where they lie instead of a
// compacted copy. They must give the same bits as the compacted array read with the same chunks
// (the mask's per-chunk counts), on any thread count, with every walk that falls back to the
// compacted array (reversed, rechunked) still right, and a mask whose data changed after its
// sizes were computed must fail, not return a wrong number.
import { describe, expect, it } from 'vitest';
import { DenseArray, arange, configure, execute, exportPlan, fromArray, getConfig, type NDArray } from '../src/index.js';

const saved = getConfig().numThreads;
async function onThreads<T>(n: number, f: () => Promise<T>): Promise<T> {
  configure({ numThreads: n });
  try {
    return await f();
  } finally {
    configure({ numThreads: saved });
  }
}
const values = (v: unknown): number[] => (v instanceof DenseArray ? Array.from(v.data as ArrayLike<number>, Number) : [Number(v)]);

/** Deterministic data in [0, 1): a multiplicative hash of the position (no RNG to trust). */
function hashedData(n: number): Float64Array {
  const d = new Float64Array(n);
  for (let i = 0; i < n; i++) d[i] = ((Math.imul(i + 1, 0x9e3779b1) >>> 0) % 1000003) / 1000003;
  return d;
}

/** The compacted values (the Compress stage's output) and the mask's per-chunk counts. */
async function compacted(m: NDArray): Promise<{ vals: Float64Array; counts: number[] }> {
  await m.computeChunkSizes();
  const r = await m.compute();
  return { vals: Float64Array.from(values(r)), counts: [...m.chunks[0]!] };
}

describe('mask read in place (compress leaf)', () => {
  const cases = [
    { n: 50_000, chunks: 7919, t: 0.5 },
    { n: 50_000, chunks: 7919, t: 0.01 },
    { n: 50_000, chunks: 7919, t: 0.99 },
    { n: 30_000, chunks: 30_000, t: 0.3 },
    { n: 5_000, chunks: 333, t: 2 },  // nothing selected
    { n: 4_097, chunks: 1024, t: -1 },  // everything selected
  ];
  for (const c of cases) {
    it(`n ${c.n} chunks ${c.chunks} x > ${c.t}: the bits of the compacted array's reductions, on 1 and 2 threads`, async () => {
      const data = hashedData(c.n);
      const x = fromArray(data, { chunks: [c.chunks] });
      const naive = Array.from(data).filter((v) => v > c.t);
      const { vals, counts } = await compacted(x.mask(x.gt(c.t)));
      expect(Array.from(vals)).toEqual(naive);
      // the same values with the same chunks, read from memory: the reference bits
      const ref = fromArray(vals.length ? vals : new Float64Array(0), { chunks: [counts] });
      const want = {
        sum: await ref.sum().compute(),
        mean: vals.length ? await ref.mean().compute() : NaN,
        std: vals.length ? await ref.std().compute() : NaN,
        sq: await ref.mul(ref).sum().compute(),
        exp: values(await ref.exp().compute()),
      };
      expect(want.sum).toBeCloseTo(naive.reduce((a, b) => a + b, 0), 8);
      for (const threads of [1, 2]) {
        await onThreads(threads, async () => {
          // sizes unknown (counted first) and known (computeChunkSizes) alike
          const fresh = x.mask(x.gt(c.t));
          expect(await fresh.sum().compute()).toBe(want.sum);
          const known = x.mask(x.gt(c.t));
          await known.computeChunkSizes();
          expect(await known.sum().compute()).toBe(want.sum);
          if (vals.length) {
            expect(await known.mean().compute()).toBe(want.mean);
            expect(await known.std().compute()).toBe(want.std);
            expect(await known.max().compute()).toBe(Math.max(...naive));
          }
          expect(await known.mul(known).sum().compute()).toBe(want.sq);
          expect(values(await known.exp().compute())).toEqual(want.exp);
        });
      }
    });
  }

  it('walks that are not a forward 1-d read (reversed, strided, rechunked) give the compacted array\'s values', async () => {
    const data = hashedData(20_000);
    const x = fromArray(data, { chunks: [3001] });
    const m = x.mask(x.gt(0.4));
    const { vals, counts } = await compacted(m);
    const ref = fromArray(vals, { chunks: [counts] });
    expect(values(await m.get('::-1').compute())).toEqual(Array.from(vals).reverse());
    expect(await m.get('::-1').sum().compute()).toBe(await ref.get('::-1').sum().compute());
    expect(await m.get('::3').sum().compute()).toBe(await ref.get('::3').sum().compute());
    expect(await m.get('17:').sum().compute()).toBe(await ref.get('17:').sum().compute());
    // other chunks than the mask's counts: tasks start inside a mask chunk (the leaf seeks)
    expect(await m.rechunk(1000).sum().compute()).toBe(await ref.rechunk(1000).sum().compute());
    expect(values(await m.rechunk(777).add(1).compute())).toEqual(Array.from(vals, (v) => v + 1));
  });

  it('integer and bool data keep their dtype and exact values', async () => {
    const x = arange(10_000).rechunk(999);
    const m = x.mask(x.mod(3).eq(0));
    expect(await m.sum().compute()).toBe(BigInt(3 * (3333 * 3334) / 2));
    const b = x.mod(5).eq(0);
    const mb = b.mask(x.mod(2).eq(0));
    expect(await mb.sum().compute()).toBe(1000n);  // even multiples of 5 below 10 000
  });

  it('the plan reads the mask in place; toPlan (no compress leaf in the plan format) exports the compaction, same bits', async () => {
    const x = fromArray(hashedData(1000), { chunks: [300] });
    const m = x.mask(x.gt(0.5));
    await m.computeChunkSizes();
    const { plan, inputs } = exportPlan(m.sum());
    expect(plan.stages.map((s) => s.kind ?? 'kernel')).toEqual(['kernel', 'compress', 'kernel']);
    expect(JSON.stringify(plan)).not.toMatch(/"compress","dtype"/); // no compress leaf
    expect(await execute(JSON.stringify(plan), inputs)).toEqual([await m.sum().compute()]);
  });

  it('a mask whose data changed after its sizes were computed fails instead of summing the wrong elements', async () => {
    const data = hashedData(10_000);
    const x = fromArray(data, { chunks: [2500] });
    const m = x.mask(x.gt(0.5));
    await m.computeChunkSizes();
    for (let i = 0; i < 2500; i++) data[i] = 1;  // chunk 0 now selects all of its elements
    await expect(m.sum().compute()).rejects.toThrow(/mask: chunk 0 selects more elements than its chunk size/);
    data.fill(0);  // and now none
    await expect(m.sum().compute()).rejects.toThrow(/selects fewer elements/);
  });
});
