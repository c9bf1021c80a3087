// Indexing foundation (issue 15) against NumPy's and Dask's own answers:
// test/fixtures/numpy/indexing.json from scripts/fixtures/numpy_indexing.py (Debian's NumPy 1.24 and
// Dask 2022.12). Each row indexes arange(size).reshape(shape), so NumPy's values are the flat source
// indices; the normalized view is walked over the source and must produce exactly those elements.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { daskSliceChunks } from '../src/array/indexing/chunks.js';
import { type NormalizedIndex, normalizeIndex } from '../src/array/indexing/normalize.js';
import { type IndexInput, type IndexItem, parseIndex, parseSubscript } from '../src/array/indexing/parse.js';
import { viewShape, viewSourceIndices } from '../src/array/indexing/view.js';

interface Row {
  shape: number[];
  chunks: number[][];
  items: string[];
  mask?: { shape: number[]; values: number[] };
  numpy: { shape: number[]; values: number[] } | { error: string; message: string; jsError: 'TypeError' | 'RangeError' };
  dask?: { chunks: number[][] };
}
const fixture = JSON.parse(readFileSync(new URL('./fixtures/numpy/indexing.json', import.meta.url), 'utf8')) as {
  numpy: string; dask: string; rows: Row[];
};

const prod = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

/** Collapse axes [axis, axis+width) of a C-order array into one and keep `picks` of it. */
function gather(values: number[], shape: number[], axis: number, width: number, picks: number[]): { values: number[]; shape: number[] } {
  const outer = prod(shape.slice(0, axis));
  const mid = prod(shape.slice(axis, axis + width));
  const inner = prod(shape.slice(axis + width));
  const out: number[] = [];
  for (let o = 0; o < outer; o++) for (const p of picks) for (let i = 0; i < inner; i++) out.push(values[(o * mid + p) * inner + i]!);
  return { values: out, shape: [...shape.slice(0, axis), picks.length, ...shape.slice(axis + width)] };
}

/** np.moveaxis(a, from, to) of a C-order array. */
function moveAxis(values: number[], shape: number[], from: number, to: number): { values: number[]; shape: number[] } {
  const order = shape.map((_, k) => k).filter((k) => k !== from);
  order.splice(to, 0, from);
  const outShape = order.map((k) => shape[k]!);
  const strides = shape.map((_, k) => prod(shape.slice(k + 1)));
  const out: number[] = [];
  const walk = (d: number, lin: number): void => {
    if (d === order.length) return void out.push(values[lin]!);
    for (let i = 0; i < outShape[d]!; i++) walk(d + 1, lin + i * strides[order[d]!]!);
  };
  if (prod(outShape) > 0) walk(0, 0);
  return { values: out, shape: outShape };
}

/** The elements of x[index] for x = arange over the source: the view walked, then the advanced step. */
function evaluate(n: NormalizedIndex, mask: Row['mask']): { values: number[]; shape: number[] } {
  let r = { values: viewSourceIndices(n.view), shape: viewShape(n.view) };
  const adv = n.advanced;
  if (adv === null) return r;
  if (adv.kind === 'take') r = gather(r.values, r.shape, adv.axis, 1, [...adv.positions!]);
  else r = gather(r.values, r.shape, adv.axis, adv.ndim, mask!.values.flatMap((b, i) => (b ? [i] : [])));
  return moveAxis(r.values, r.shape, adv.axis, adv.resultAxis);
}

const inputs = (row: Row): IndexInput[] =>
  row.items.map((s) => (s === 'M' ? { shape: row.mask!.shape, dtype: 'bool' as const } : s));
const label = (row: Row): string => `[${row.shape}] chunks ${JSON.stringify(row.chunks)} x[${row.items.join(', ')}]`;

describe('the fixture', () => {
  it('comes from NumPy 1.24 and Dask, with errors, masks, takes and every shape', () => {
    expect(fixture.numpy).toMatch(/^1\.24\./);
    expect(fixture.dask).toMatch(/^2022\./);
    expect(fixture.rows.length).toBeGreaterThan(600);
    expect(fixture.rows.filter((r) => 'error' in r.numpy).length).toBeGreaterThan(50);
    expect(fixture.rows.filter((r) => r.mask).length).toBeGreaterThan(5);
    expect(fixture.rows.filter((r) => r.dask).length).toBeGreaterThan(400);
  });
});

describe('every fixture row', () => {
  it('normalizes to exactly NumPy\'s elements and shape, or throws the mapped error', () => {
    for (const row of fixture.rows) {
      const run = (): NormalizedIndex => normalizeIndex(parseIndex(inputs(row)), row.shape);
      if ('error' in row.numpy) {
        expect(run, `${label(row)}: NumPy ${row.numpy.error}: ${row.numpy.message}`).toThrow(
          row.numpy.jsError === 'TypeError' ? TypeError : RangeError,
        );
        continue;
      }
      const n = run();
      const got = evaluate(n, row.mask);
      expect(got, label(row)).toEqual({ values: row.numpy.values, shape: row.numpy.shape });
      // The declared result shape: NumPy's, with a mask's axis unknown (NaN) as in Dask.
      const declared = n.shape.map((d) => (Number.isNaN(d) ? -1 : d));
      const expected = row.numpy.shape.map((d, k) => (n.advanced?.kind === 'mask' && k === n.advanced.resultAxis ? -1 : d));
      expect(declared, label(row)).toEqual(expected);
    }
  });

  it('parses the same items from one subscript string as from the separate items', () => {
    for (const row of fixture.rows) {
      if (row.items.includes('M') || 'error' in row.numpy) continue;
      expect(parseSubscript(row.items.join(', ')), label(row)).toEqual(parseIndex(row.items));
    }
  });

  it('gives Dask\'s chunks for every basic slice (but where Dask\'s do not add up to NumPy\'s shape)', () => {
    const sums = (chunks: number[][]) => chunks.map((c) => c.reduce((a, b) => a + b, 0));
    const daskWrong: string[] = [];
    for (const row of fixture.rows) {
      if (!row.dask) continue;
      const got = daskSliceChunks(row.chunks, parseIndex(row.items));
      // Dask 2022.12 over a zero-size block with a negative step starting right after it: x[3::-2]
      // of chunks (3, 0, 4) is ((0,),) and computes an empty array; tessera's chunks add up to
      // NumPy's shape (the compute refused them before: found by scripts/fuzz/determinism)
      if (JSON.stringify(got) !== JSON.stringify(row.dask.chunks) && 'shape' in row.numpy && row.chunks.some((c) => c.includes(0)) && JSON.stringify(sums(row.dask.chunks)) !== JSON.stringify(row.numpy.shape)) {
        expect(sums(got), label(row)).toEqual(row.numpy.shape);
        daskWrong.push(label(row));
        continue;
      }
      expect(got, label(row)).toEqual(row.dask.chunks);
    }
    expect(daskWrong).toEqual(['[7] chunks [[3,0,4]] x[3::-2]', '[7] chunks [[3,0,4]] x[-4:-7:-8]', '[7] chunks [[3,0,4]] x[-4:1:-3]']);
  });
});
