// DataFrames on the cluster (issue 18, item 6): client.compute of a frame, a Series or a lazy
// frame result runs on a worker, which repeats the public calls that made it (its recipe,
// src/dataframe/recipe.ts), and gives exactly what compute() gives locally.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DataFrame, DatetimeFields, GroupBy, Resampler, Series, StringMethods, StringSplit, Table, concat, datasets, delayed, fromArrow, readCsv, toArrowTable, type Describe } from '../src/index.js';
import { computeRecipe, recordedCalls } from '../src/dataframe/recipe.js';
import type { Scheduler } from '../src/distributed/scheduler.js';
import type { Client } from '../src/distributed/client.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

/** Everything a Table holds, raw: names, dtypes, values bit for bit (NaN, -0), dictionaries decoded. */
function raw(t: Table): unknown {
  const names = t.index ? [t.index, ...t.columns] : t.columns;
  return {
    columns: t.columns,
    index: t.index,
    length: t.length,
    dtypes: names.map((n) => t.raw(n)!.dtype),
    cells: names.map((n) => t.column(n).map((v) => (typeof v === 'number' && Object.is(v, -0) ? '-0' : v instanceof Date ? v.getTime() : v))),
  };
}

describe('DataFrames on the cluster', () => {
  let cluster: BusCluster;
  let client: Client;
  let scheduler: Scheduler;
  const started: string[] = [];
  const dir = mkdtempSync(join(tmpdir(), 'tessera-df-cluster-'));
  const ts = () => datasets.timeseries({ start: '2000-01-01', end: '2000-01-03', freq: '60s', partitionFreq: '6h', seed: 5 });

  beforeAll(async () => {
    cluster = await busCluster(['f1', 'f2'], 100);
    ({ client, scheduler } = cluster);
    scheduler.events.on('task-start', (e) => started.push(e.worker));
    writeFileSync(join(dir, 'a.csv'), 'name,v,when,n\nalice,1.5,2000-01-01 10:00:00,1\nbob,,2000-01-02 11:30:00,\nAlice,-0.0,2000-01-03 12:00:00,3\n');
    writeFileSync(join(dir, 'b.csv'), 'name,v,when,n\nbob,2.5,2000-01-04 13:15:00,4\ncarol,inf,,5\nalice,7,2000-01-05 00:00:00,\n');
    writeFileSync(join(dir, 'people.csv'), 'name,age\nalice,30\nbob,41\ndave,22\n');
  });
  afterAll(async () => {
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('groupby-agg, size by two keys, valueCounts, nlargest: the local Tables, bit for bit', async () => {
    const df = ts().resetIndex();
    const x = df.get('x'), y = df.get('y');
    const df2 = df.assign({ z: x.mul(y).add(1), hour: df.get('timestamp').dt.hour });
    const cases = [
      df2.groupby('name').agg({ x: 'mean', y: ['std', 'count'], z: 'max' }),
      df2.groupby(['name', 'hour']).size(),
      df2.groupby(['name', 'hour']).agg({ x: 'sum', y: 'max' }, { splitOut: 3 }),
      df.get('name').valueCounts(),
      df.get('name').valueCounts({ splitOut: 2 }),
      df.nlargest(5, 'x'),
      ts().resample('1h').last(),
      df.filter(x.gt(0.9)),
    ];
    for (const c of cases) {
      const local = await c.compute();
      const remote = await client.compute(c);
      expect(remote).toBeInstanceOf(Table);
      expect(raw(remote as Table)).toEqual(raw(local as Table));
      expect(String(remote)).toBe(String(local));
    }
  });

  it('scalars and records: filter-sum, exact int64 sums and max, mean of every column, describe, nunique of an expression', async () => {
    const df = ts();
    const x = df.get('x');
    const sum = df.filter(x.gt(0.5)).get('y').sum();
    expect(await client.compute(sum)).toBe(await sum.compute());
    const ids = df.get('id').sum();
    const idsLocal = await ids.compute();
    expect(await client.compute(ids)).toBe(idsLocal);
    const means = df.mean();
    expect(await client.compute(means)).toEqual(await means.compute());
    const d = df.describe();
    const [rd, ld] = [(await client.compute(d)) as Describe, await d.compute()];
    expect(String(rd)).toBe(String(ld));
    const n = df.dropna({ subset: ['x'] }).fillna({ y: 0 }).get('name').str.lower().nunique();
    expect(await client.compute(n)).toBe(await n.compute());
    const first = df.get('id').max();
    expect(await client.compute(first)).toEqual(await first.compute());
  });

  it('readCsv with parseDates, merge, concat, setIndex and persist: the calls are repeated on the worker', async () => {
    const df = readCsv(join(dir, '[ab].csv'), { parseDates: ['when'], dtype: { n: 'Int64' } });
    const people = readCsv(join(dir, 'people.csv'));
    const cases = [
      df,
      df.merge(people, { on: 'name', how: 'left' }),
      df.merge(people, { on: 'name', how: 'outer', suffixes: ['_l', '_r'] }),
      concat([df, df.filter(df.get('v').gt(1))]),
      concat([df.select(['name']), df.select(['v', 'when'])], { axis: 1 }),
      df.assign({ day: df.get('when').dt.day, lower: df.get('name').str.lower() }).sortValues(['lower', 'v'], { ascending: [true, false] }),
      (await df.setIndex('n')).resetIndex(),
      (await df.persist()).dropna(),
      df.get('n'),
    ];
    for (const c of cases) expect(raw((await client.compute(c)) as Table)).toEqual(raw(await c.compute()));
    const last = df.get('when').max();
    expect(await client.compute(last)).toEqual(new Date('2000-01-05T00:00:00Z'));
    const nsum = df.get('n').sum();
    expect(await client.compute(nsum)).toBe(await nsum.compute());
    expect(await nsum.compute()).toBe(13);
  });

  it('several frames at once run as one task each, on both workers; arrays and frames together', async () => {
    started.length = 0;
    const frames = Array.from({ length: 6 }, (_, k) => ts().get('x').mul(k).sum());
    const got = await client.compute(frames);
    expect(got).toEqual(await Promise.all(frames.map((f) => f.compute())));
    expect(started.length).toBe(6);
    expect(new Set(started).size).toBe(2);
  });

  it('mapPartitions with a module function runs on the worker; a local function or an in-memory frame is a TypeError', async () => {
    const fn = delayed.module(new URL('./fixtures/rows-partitions.mjs', import.meta.url), 'zAndName');
    const src = readCsv(join(dir, '[ab].csv'));
    const m = src.assign({ x: src.get('v').fillna(1), i: src.get('n').fillna(0).astype('int64') }).mapPartitions(fn, { meta: { z: 'float64', name: 'string' } });
    expect(raw((await client.compute(m)) as Table)).toEqual(raw(await m.compute()));
    const local = src.mapPartitions((cols) => cols, { meta: { name: 'string' } });
    await expect(client.compute(local)).rejects.toThrow(/client\.compute: \.mapPartitions\(\) argument 0 is a local function; on a cluster only module functions run/);
    const mem = fromArrow(await toArrowTable(src));
    await expect(client.compute(mem.get('v').sum())).rejects.toThrow(/cannot be computed on the cluster: a worker rebuilds a frame from the calls that made it/);
  });

  it('an error on the worker reaches the client: a file gone since the frame was made', async () => {
    writeFileSync(join(dir, 'gone.csv'), 'v\n1\n');
    const gone = readCsv(join(dir, 'gone.csv'));
    rmSync(join(dir, 'gone.csv'));
    await expect(client.compute(gone.get('v').sum())).rejects.toThrow(/gone\.csv/);
  });

  it('a worker calls only the recorded public calls: other roots, methods and getters are refused', async () => {
    const resolve = (u: string): string => u;
    await expect(computeRecipe({ nodes: [{ fn: 'readFileSync', args: ['/etc/passwd'] }], root: 0 }, resolve)).rejects.toThrow(TypeError);
    await expect(computeRecipe({ nodes: [{ fn: 'constructor', args: [] }], root: 0 }, resolve)).rejects.toThrow(/refused DataFrame call/);
    const base = { fn: 'readCsv', args: [join(dir, 'a.csv')] };
    await expect(computeRecipe({ nodes: [base, { on: 0, method: 'toCsv', args: [join(dir, 'out-*.csv')] }], root: 1 }, resolve)).rejects.toThrow(/refused DataFrame call \.toCsv on DataFrame/);
    await expect(computeRecipe({ nodes: [base, { on: 0, get: 'state' }], root: 1 }, resolve)).rejects.toThrow(/refused DataFrame call \.state/);
    await expect(computeRecipe({ nodes: [base, { on: 0, method: 'constructor', args: [] }], root: 1 }, resolve)).rejects.toThrow(/refused/);
    // a module function goes through the worker's module roots
    const refuse = (u: string): string => {
      throw new Error(`refused to load module ${u}`);
    };
    const mp = { on: 0, method: 'mapPartitions', args: [{ '$tessera.frame': ['module', { url: 'node:child_process', exportName: 'exec', worker: false }] }, { meta: { v: 'float64' } }] };
    await expect(computeRecipe({ nodes: [base, mp], root: 1 }, refuse)).rejects.toThrow(/refused to load module node:child_process/);
  });

  it('every public method that makes a frame-side object is recorded (a new one must be added to recipe.ts or listed here)', () => {
    // members that compute, draw, describe or are internal: not steps of a recipe
    const notSteps = new Set([
      'constructor', 'columns', 'dtypes', 'npartitions', 'divisions', 'index', 'knownDivisions', 'dtype', 'sourceDtypes', 'frameLayers',
      'reductionLayers', 'graph', 'visualize', 'loadPartitions', 'head', 'tail', 'compute', 'persist', 'stats', 'intReduce', 'toCsv',
      'toString', 'asFrame', 'sizesInOrder', 'sizesSplit',
    ]);
    const recorded = recordedCalls();
    for (const C of [DataFrame, Series, GroupBy, Resampler, StringMethods, StringSplit, DatetimeFields]) {
      const r = recorded.get(C)!;
      const proto = C.prototype as object;
      // TypeScript's private members are on the prototype too: the ones the sources declare private
      const names = Object.getOwnPropertyNames(proto).filter((n) => !notSteps.has(n) && !(PRIVATE[C.name] ?? new Set()).has(n));
      const missing = names.filter((n) => !r.methods.includes(n) && !r.getters.includes(n));
      expect(missing, C.name).toEqual([]);
    }
  });
});

// private members of the recorded classes (src/dataframe/{frame,groupby,resample}.ts)
const PRIVATE: Record<string, Set<string>> = {
  DataFrame: new Set(['withStep', 'ownSeries', 'alignWith', 'topN', 'missingMask', 'checkColumn', 'project', 'numericColumns', 'reduction']),
  Series: new Set(['withOperands', 'derive', 'arith', 'compare', 'logical', 'mappingEntries', 'lookupTable', 'scalar', 'exact', 'dateExtreme', 'truth', 'operandSeries', 'scan', 'periods', 'idx']),
  GroupBy: new Set(['valueColumns', 'checkValue', 'all', 'run', 'aggWith']),
  Resampler: new Set(['agg', 'run', 'binned', 'pick', 'runPick']),
  StringMethods: new Set(['op', 'map']),
  DatetimeFields: new Set(['field', 'rounded']),
};
