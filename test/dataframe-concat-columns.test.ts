// concat(frames, { axis: 1 }): columns side by side, row for row (pandas' concat(axis=1) of frames
// with the same RangeIndex; Dask's concat(axis=1) of frames with unknown divisions). The reference
// is the frame the pieces were cut from: pandas puts row i next to row i, so concatenating
// column selections of one file gives that file's frame back.
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type Table, concat, datasets, readCsv } from '../src/index.js';

const csv = fileURLToPath(new URL('./fixtures/pandas/frame-ops.csv', import.meta.url));
const cells = (t: Table): unknown => ({ columns: t.columns, index: t.index, rows: t.toRecords() });

describe('concat(frames, { axis: 1 })', () => {
  for (const blocksize of [null, 200]) {
    it(`column selections of one file, side by side, are the file's frame (blocksize ${blocksize})`, async () => {
      const df = readCsv(csv, { blocksize });
      const [a, b, ...rest] = df.columns;
      const side = concat([df.select([a!, b!]), df.select(rest), df.assign({ twice: df.get(rest.find((c) => df.dtypes[c] === 'float64')!).mul(2) }).select(['twice'])], { axis: 1 });
      expect(side.columns).toEqual([...df.columns, 'twice']);
      expect(side.npartitions).toBe(df.npartitions);
      const want = await df.assign({ twice: df.get(rest.find((c) => df.dtypes[c] === 'float64')!).mul(2) }).compute();
      expect(cells(await side.compute())).toEqual(cells(want));
      // only the wanted columns are read, expressions of the result work
      expect(cells(await side.select(['twice', a!]).compute())).toEqual(cells(await df.assign({ twice: df.get(rest.find((c) => df.dtypes[c] === 'float64')!).mul(2) }).select(['twice', a!]).compute()));
    });
  }

  it('frames with an index: the index once, divisions kept', async () => {
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '10min', partitionFreq: '6h', seed: 3 });
    const side = concat([ts.select(['x']), ts.select(['name', 'y'])], { axis: 1 });
    expect(side.index).toBe('timestamp');
    expect(side.divisions).toEqual(ts.divisions);
    expect(cells(await side.compute())).toEqual(cells(await ts.select(['x', 'name', 'y']).compute()));
    expect(await side.get('x').sum().compute()).toBe(await ts.get('x').sum().compute());
  });

  it('errors: other partitions, other rows, another index, a column twice', async () => {
    const df = readCsv(csv, { blocksize: 200 });
    const one = readCsv(csv);
    expect(() => concat([df.select([df.columns[0]!]), one.select([df.columns[1]!])], { axis: 1 })).toThrow(/partitions/);
    const filtered = df.filter(df.get(df.columns.find((c) => df.dtypes[c] === 'float64')!).gt(0));
    await expect(concat([df.select([df.columns[0]!]), filtered.select([df.columns[1]!])], { axis: 1 }).compute()).rejects.toThrow(/partition \d+ has \d+ rows in frames\[0\] and \d+ in frames\[1\]/);
    expect(() => concat([df, df.select([df.columns[0]!])], { axis: 1 })).toThrow(/column .* is in frames\[0\] and frames\[1\]; rename one/);
    const ts = datasets.timeseries({ start: '2000-01-01', end: '2000-01-02', freq: '1h', partitionFreq: '1D', seed: 1 });
    expect(() => concat([ts.select(['x']), df.select([df.columns[0]!])], { axis: 1 })).toThrow(/index/);
    expect(() => concat([df], { axis: 2 as never })).toThrow(/axis must be 0 \(rows after rows\) or 1/);
  });
});
