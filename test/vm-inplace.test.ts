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

// Rows longer than a VM block (1024 elements): elementwise stages and arg reductions end a block
// at its row's end (each block one contiguous run, read in place) — chunk rows of 2600 and 1300
// elements, not multiples of the block, with the extreme, ties and NaN on both sides of a block
// boundary; argmax's one-pass kernel (groups of vectors, lanes' first groups) against the naive scan.
const R2 = 6;
const C2 = 2600;
const lv = new Float64Array(R2 * C2).map((_, i) => ((i * 7919) % 5003) * 0.5 - 1000);
lv[0 * C2 + 1500] = 5000; // row 0: a tie, the first (in the second block) wins
lv[0 * C2 + 2500] = 5000;
lv[1 * C2 + 1023] = -5000; // row 1: argmin at a block's last element
lv[2 * C2 + 1100] = NaN; // row 2: the first NaN, after a larger value
lv[2 * C2 + 10] = 9000;
lv[3 * C2 + 2599] = NaN; // row 3: NaN last
lv[4 * C2 + 1024] = Infinity; // row 4: +inf beside -inf (the NaN probe's false alarm)
lv[4 * C2 + 1025] = -Infinity;
for (let c = 0; c < C2; c++) lv[5 * C2 + c] = c; // row 5: a new maximum in every group
function rowArg(isMax: boolean): number[] {
  const out: number[] = [];
  for (let r = 0; r < R2; r++) {
    let best = 0;
    for (let c = 0; c < C2; c++) {
      const v = lv[r * C2 + c]!;
      if (Number.isNaN(v)) { best = c; break; }
      if (isMax ? v > lv[r * C2 + best]! : v < lv[r * C2 + best]!) best = c;
    }
    out.push(best);
  }
  return out;
}
describe.each([[[R2], [C2]], [[4, 2], [1300, 1300]], [[R2], [1000, 1600]]] as const)('rows longer than a block, chunks %j × %j', (rows, cols) => {
  const a = fromArray(lv, { shape: [R2, C2], chunks: [rows, cols] as never });
  it('argmax/argmin along the rows, astype and add', async () => {
    expect(Array.from((await a.argmax({ axis: 1 }).compute()).data, Number)).toEqual(rowArg(true));
    expect(Array.from((await a.argmin({ axis: 1 }).compute()).data, Number)).toEqual(rowArg(false));
    expect(Array.from((await a.astype('int32').compute()).data)).toEqual(
      Array.from(lv, (x) => (Number.isFinite(x) ? x | 0 : -2147483648)), // in range here: x | 0 truncates (and gives +0)
    );
    expect(Array.from((await a.add(1).compute()).data)).toEqual(Array.from(lv, (x) => x + 1));
  });
});
