// The VM reads contiguous runs of memory leaves in place (no copy into the register) and writes an
// elementwise sink's last instruction straight into the result (issue 14's NumPy table). Both
// paths and their fallbacks (strided pieces, pieces of rows in one block, where's merge form over
// a register read in place) against naive answers computed here.
import { describe, expect, it } from 'vitest';
import { fromArray, where } from '../src/index.js';

const R = 40;
const C = 300;
const av = new Float64Array(R * C).map((_, i) => ((i * 7919) % 1000) * 0.25 - 100); // ties: values repeat
const bv = new Float64Array(R * C).map((_, i) => Math.sin(i) * 120);
av[5 * C + 17] = NaN; // row 5: the first NaN wins argmax
av[5 * C + 250] = NaN;
av[9 * C + 299] = NaN; // last element of row 9
// full rows (blocks of several contiguous rows: in place), half rows (strided pieces: copied)
const chunkings = [[[17, 23], [C]], [[R], [150, 150]], [[7, 33], [101, 199]]] as const;

const naive = (f: (a: number, b: number) => number): number[] => Array.from(av, (a, i) => f(a, bv[i]!));
function rowArgmax(): number[] {
  const out: number[] = [];
  for (let r = 0; r < R; r++) {
    let best = 0;
    for (let c = 0; c < C; c++) {
      const v = av[r * C + c]!;
      if (Number.isNaN(v)) { best = c; break; }
      if (v > av[r * C + best]!) best = c;
    }
    out.push(best);
  }
  return out;
}

describe.each(chunkings)('in-place loads and direct stores, chunks %j', (rows, cols) => {
  const a = fromArray(av, { shape: [R, C], chunks: [rows, cols] as never });
  const b = fromArray(bv, { shape: [R, C], chunks: [rows, cols] as never });
  it('elementwise results written straight into the output', async () => {
    expect(Array.from((await a.add(b).compute()).data)).toEqual(naive((x, y) => x + y));
    expect(Array.from((await a.neg().compute()).data)).toEqual(naive((x) => -x));
    // NaN to int32: INT32_MIN (NumPy on x86-64: np.array([np.nan]).astype('int32') is [-2147483648])
    expect(Array.from((await a.mul(4).astype('int32').compute()).data)).toEqual(naive((x) => (Number.isNaN(x) ? -2147483648 : Math.trunc(x * 4))));
  });
  it("where's merge form over registers read in place", async () => {
    expect(Array.from((await where(a.gt(b), a, b).compute()).data)).toEqual(naive((x, y) => (x > y ? x : y)));
    expect(Array.from((await where(a.gt(0), 1, b).compute()).data)).toEqual(naive((x, y) => (x > 0 ? 1 : y)));
  });
  it('reductions read the memory in place: argmax (first NaN, first of ties), sums', async () => {
    expect(Array.from((await a.argmax({ axis: 1 }).compute()).data, Number)).toEqual(rowArgmax());
    const ints = a.mul(3).astype('int32');
    let s = 0n;
    for (let i = 0; i < av.length; i++) s += Number.isNaN(av[i]!) ? 0n : BigInt(Math.trunc(av[i]! * 3));
    expect(await where(a.ne(a), 0, ints).astype('int32').sum().compute()).toBe(s);
    expect(await b.sum().compute()).toBeCloseTo(bv.reduce((p, q) => p + q, 0), 9);
  });
});
