// df.rename(columns) and df.drop(columns), as pandas: the values are the original columns' under
// their new names (a swap included), in the original order; missing names are RangeErrors.
import { describe, expect, it } from 'vitest';
import { datasets } from '../src/index.js';

const df = datasets.timeseries({ seed: 7, end: '2000-01-03', partitionFreq: '12h' });

describe('rename / drop', () => {
  it('renames in place and keeps the values', async () => {
    const r = df.rename({ x: 'x0', nope: 'ignored' });
    expect(r.columns).toEqual(['name', 'id', 'x0', 'y']);
    expect(r.index).toBe('timestamp');
    const [a, b] = [await df.compute(), await r.compute()];
    expect(b.column('x0')).toEqual(a.column('x'));
    expect(b.column('timestamp')).toEqual(a.column('timestamp'));
  });
  it('swaps two names', async () => {
    const r = df.rename({ x: 'y', y: 'x' });
    expect(r.columns).toEqual(['name', 'id', 'y', 'x']);
    const [a, b] = [await df.compute(), await r.compute()];
    expect(b.column('y')).toEqual(a.column('x'));
    expect(b.column('x')).toEqual(a.column('y'));
    expect(r.dtypes).toEqual({ name: 'string', id: 'int64', y: 'float64', x: 'float64' });
  });
  it('takes a function; renamed columns feed groupby', async () => {
    const r = df.rename((n) => n.toUpperCase());
    expect(r.columns).toEqual(['NAME', 'ID', 'X', 'Y']);
    const g = await r.groupby('NAME').agg({ X: 'sum' }).compute();
    const h = await df.groupby('name').agg({ x: 'sum' }).compute();
    expect(g.column('X')).toEqual(h.column('x'));
  });
  it('drops columns', async () => {
    expect(df.drop('x').columns).toEqual(['name', 'id', 'y']);
    expect(df.drop(['x', 'name']).columns).toEqual(['id', 'y']);
    expect((await df.drop(['x']).compute()).column('y')).toEqual((await df.compute()).column('y'));
  });
  it('bad input', () => {
    expect(() => df.drop('nope')).toThrow(RangeError);
    expect(() => df.drop('nope')).toThrow(/drop\(columns\): no column "nope"/);
    expect(() => df.rename({ x: 'y' })).toThrow(/two columns would be named alike/);
    expect(() => df.rename({ x: 'timestamp' })).toThrow(/index's name/);
    expect(() => df.rename(null as never)).toThrow(TypeError);
    expect(() => df.rename(() => 3 as never)).toThrow(/must be a non-empty string/);
  });
});
