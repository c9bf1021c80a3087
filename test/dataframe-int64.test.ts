// int64 columns exact in the column expression path (issue 18): values near ±2^63 and beyond
// 2^53 against pandas 1.5 (scripts/fixtures/pandas_int64.py → test/fixtures/pandas/int64.{csv,json}),
// read as one partition and as several. int64 values compare as exact decimal strings.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type DataFrame, type Series, readCsv } from '../src/index.js';
import { type Typed, expectTypedExprs, typedCells } from './helpers/typed-exprs.js';

const fixture = JSON.parse(readFileSync(new URL('./fixtures/pandas/int64.json', import.meta.url), 'utf8')) as {
  exprs: Record<string, Typed>;
  'filter(i>C)': Record<string, Typed>;
  reductions: Record<string, string>;
};
const csv = fileURLToPath(new URL('./fixtures/pandas/int64.csv', import.meta.url));
const C = 2n ** 62n + 7n;
const BIG = 2n ** 63n;

function expressions(df: DataFrame): Record<string, Series> {
  const [i, j, k, x] = ['i', 'j', 'k', 'x'].map((c) => df.get(c)) as [Series, Series, Series, Series];
  return {
    'i+1': i.add(1), 'i-1': i.sub(1n), 'i+j': i.add(j), 'i-j': i.sub(j), 'i*2': i.mul(2), 'i*k': i.mul(k),
    'i//3': i.floordiv(3), 'i%3': i.mod(3), 'i//k': i.floordiv(k), 'i%k': i.mod(k), 'i//j': i.floordiv(j), 'i%j': i.mod(j),
    '-i': i.neg(), 'abs(i)': i.abs(), 'i+x': i.add(x), 'i/k': i.div(k),
    'i>C': i.gt(C), 'i==C': i.eq(C), 'i<=-2^63+3': i.le(-BIG + 3n), 'i>=j': i.ge(j), 'i!=2^53+1': i.ne(2n ** 53n + 1n),
    'i.where(i>0,0)': i.where(i.gt(0), 0), 'i.where(j>0)': i.where(j.gt(0)), 'i.clip(-10,10)': i.clip(-10, 10),
    'i.astype(float)': i.astype('float64'), 'i.astype(bool)': i.astype('bool'), '(i>0)+i': i.gt(0).add(i),
    'k**2': k.pow(2),
  };
}

for (const [label, make] of [
  ['one partition', () => readCsv(csv)],
  ['several partitions', () => readCsv(csv, { blocksize: 90 })],
] as const) {
  describe(`int64 expressions against pandas (${label})`, () => {
    it('give pandas dtypes and exact values', async () => {
      const df = make();
      await expectTypedExprs(df, expressions(df), fixture.exprs);
    });

    it('filter by a comparison beyond 2^53 keeps exact rows', async () => {
      const df = make();
      const t = await df.filter(df.get('i').gt(C)).compute();
      for (const [c, want] of Object.entries(fixture['filter(i>C)'])) expect(typedCells(t, c), c).toEqual(want.values);
    });

    it('sum, min and max are exact int64 (the sum wraps as pandas)', async () => {
      const df = make();
      const i = df.get('i');
      const got: Record<string, number | bigint> = {
        'i.sum()': await i.sum().compute(),
        '(i+1).sum()': await i.add(1).sum().compute(),
        'k.sum()': await df.get('k').sum().compute(),
        'i.min()': await i.min().compute(),
        'i.max()': await i.max().compute(),
        '(i//k).max()': await i.floordiv(df.get('k')).max().compute(),
        'i[i>C].sum()': await df.filter(i.gt(C)).get('i').sum().compute(),
        // a zero divisor makes the expression float64 (pandas' nan for 0 // 0): the float statistics
        '(j//j).sum()': await df.get('j').floordiv(df.get('j')).sum().compute(),
      };
      for (const [name, want] of Object.entries(fixture.reductions)) expect(String(got[name]), name).toBe(String(want));
      // a safe integer comes back as a number
      expect(typeof got['k.sum()']).toBe('number');
    });
  });
}

describe('int64 expression errors', () => {
  it('integers to negative integer powers are a RangeError (NumPy, pandas)', async () => {
    const df = readCsv(csv);
    expect(() => df.get('j').pow(-1)).toThrow(/negative integer powers/);
    await expect(df.get('i').pow(df.get('j')).compute()).rejects.toThrow(/negative integer powers/);
    expect(() => df.get('i').add(2n ** 63n)).toThrow(/outside the int64 range/);
  });
});
