// Apache Arrow adapters: DataFrame ⇄ RecordBatch (one per partition), zero-copy for numeric columns.
import { Field, Int64, Float64, Bool, Dictionary, Int32, RecordBatch, Schema, Struct, Table, TimestampMillisecond, Utf8, makeData, makeVector, tableFromArrays, tableFromIPC, tableToIPC, vectorFromArray } from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { ARROW_INDEX_KEY, datasets, fromArrow, toArrowBatches, toArrowTable } from '../src/index.js';

const small = () => datasets.timeseries({ start: '2000-01-01', end: '2000-01-03', seed: 11 });
const noop = { options: {} };

describe('toArrow / fromArrow', () => {
  it('round-trips timeseries: one batch per partition, same describe()', async () => {
    const df = small();
    const batches = await toArrowBatches(df);
    expect(batches.length).toBe(df.npartitions);
    expect(batches.every((b) => b instanceof RecordBatch)).toBe(true);
    const schema = batches[0]!.schema;
    expect(schema.fields.map((f) => f.name)).toEqual(['timestamp', 'name', 'id', 'x', 'y']);
    expect(schema.metadata.get(ARROW_INDEX_KEY)).toBe('timestamp');
    expect(String(schema.fields[0]!.type)).toBe('Timestamp<MILLISECOND>');
    expect(schema.fields[1]!.type).toBeInstanceOf(Dictionary);
    expect(schema.fields[2]!.type).toBeInstanceOf(Int64);
    expect(schema.fields[3]!.type).toBeInstanceOf(Float64);

    const table = await toArrowTable(df);
    expect(table.numRows).toBe(2 * 86400);
    const head = await df.head(3);
    const rows = head.toJSON();
    for (let i = 0; i < 3; i++) {
      expect(table.getChild('x')!.get(i)).toBe(rows[i]!.x);
      expect(table.getChild('name')!.get(i)).toBe(rows[i]!.name);
      expect(Number(table.getChild('id')!.get(i))).toBe(rows[i]!.id);
      expect(table.getChild('timestamp')!.get(i)).toBe((rows[i]!.timestamp as Date).getTime());
    }

    const back = fromArrow(table);
    expect(back.npartitions).toBe(df.npartitions);
    expect(back.index).toBe('timestamp');
    expect(back.dtypes).toEqual(df.dtypes);
    const [d1, d2] = await Promise.all([df.describe().compute(), back.describe().compute()]);
    expect(d2.toJSON()).toEqual(d1.toJSON());
    expect(String(d2)).toBe(String(d1));
    expect((await back.head(3)).toJSON()).toEqual(rows);
    // fromArrow(batches[]) and index: null
    const noIndex = fromArrow(batches, { index: null });
    expect(noIndex.index).toBeUndefined();
    expect(noIndex.columns).toEqual(['timestamp', 'name', 'id', 'x', 'y']);
    expect(noIndex.dtypes.timestamp).toBe('datetime');
  });

  it('survives Arrow IPC (stream and file formats: batches share the dictionary)', async () => {
    const df = small();
    const t = await toArrowTable(df);
    const want = (await df.describe().compute()).toJSON();
    for (const format of ['stream', 'file'] as const) {
      const back = tableFromIPC(tableToIPC(t, format));
      expect(back.batches.length).toBe(df.npartitions);
      expect(back.getChild('name')!.get(90_000)).toBe(t.getChild('name')!.get(90_000));
      const d = fromArrow(back);
      expect(d.index).toBe('timestamp');
      expect((await d.describe().compute()).toJSON()).toEqual(want);
    }
  });

  it('is zero-copy for float64, int64 and string codes (both directions)', async () => {
    const df = await small().persist();
    const [part] = await df.state.source.load(undefined, [0], noop);
    const [batch] = await toArrowBatches(df);
    const x = batch!.getChild('x')!.data[0]!;
    expect(x.values.buffer).toBe(part!.columns.get('x')!.values.buffer);
    expect(x.values.byteOffset).toBe(part!.columns.get('x')!.values.byteOffset);
    expect(batch!.getChild('id')!.data[0]!.values.buffer).toBe(part!.columns.get('id')!.values.buffer);
    expect(batch!.getChild('name')!.data[0]!.values.buffer).toBe(part!.columns.get('name')!.values.buffer);
    // a write through the Arrow buffer is seen by the DataFrame
    (x.values as Float64Array)[0] = 12345.5;
    expect((await df.head(1)).toJSON()[0]!.x).toBe(12345.5);

    // Arrow → DataFrame: the column wraps the Arrow Float64Array itself
    const data = new Float64Array([1, 2, 3, 4]);
    const ints = new BigInt64Array([10n, 20n, 30n, 40n]);
    const t = tableFromArrays({ v: data, k: ints });
    const f = fromArrow(t);
    const [p] = await f.state.source.load(undefined, undefined, noop);
    expect(p!.columns.get('v')!.values.buffer).toBe(t.getChild('v')!.data[0]!.values.buffer);
    expect(p!.columns.get('k')!.values.buffer).toBe(t.getChild('k')!.data[0]!.values.buffer);
    (t.getChild('v')!.data[0]!.values as Float64Array)[1] = 100;
    expect((await f.compute()).toJSON().map((r) => r.v)).toEqual([1, 100, 3, 4]);
    // a sliced Arrow table: still a view, offsets respected
    const sliced = fromArrow(t.slice(1, 3));
    const [q] = await sliced.state.source.load(undefined, undefined, noop);
    expect(q!.columns.get('v')!.values.buffer).toBe(data.buffer);
    expect((await sliced.compute()).toJSON()).toEqual([{ v: 100, k: 20 }, { v: 3, k: 30 }]);
    // Dictionary<Utf8, Int32> → string column: codes and dictionary bytes are the Arrow buffers
    const names = batch!.getChild('name')!.data[0]!;
    const [r] = await fromArrow(batch!).state.source.load(['name'], undefined, noop);
    expect(r!.columns.get('name')!.values.buffer).toBe(names.values.buffer);
    expect(r!.columns.get('name')!.dict!.bytes.buffer).toBe(names.dictionary!.data[0]!.values.buffer);
  });

  it('reads a hand-made table: strings, int64, float64, nulls, several batches', async () => {
    const schema = new Schema([
      new Field('s', new Utf8(), true),
      new Field('i', new Int64()),
      new Field('f', new Float64(), true),
      new Field('d', new Dictionary(new Utf8(), new Int32()), true),
      new Field('t', new TimestampMillisecond(), true),
    ]);
    const dictVec = vectorFromArray(['red', 'green']);
    const batch = (s: (string | null)[], i: bigint[], f: (number | null)[], codes: number[], nulls: number[], ts: bigint[]) => {
      const n = s.length;
      const bitmap = new Uint8Array(8).fill(0xff);
      for (const k of nulls) bitmap[k >> 3]! &= ~(1 << (k & 7));
      const children = [
        vectorFromArray(s, new Utf8()).data[0]!,
        makeData({ type: new Int64(), length: n, data: new BigInt64Array(i) }),
        vectorFromArray(f, new Float64()).data[0]!,
        makeData({ type: schema.fields[3]!.type as Dictionary<Utf8, Int32>, length: n, nullCount: nulls.length, nullBitmap: nulls.length ? bitmap : undefined, data: new Int32Array(codes), dictionary: dictVec }),
        makeData({ type: new TimestampMillisecond(), length: n, data: new BigInt64Array(ts) }),
      ];
      return new RecordBatch(schema, makeData({ type: new Struct(schema.fields), length: n, nullCount: 0, children }));
    };
    const table = new Table([
      batch(['a', 'b', null], [1n, 2n, -(2n ** 62n)], [0.5, null, 2.5], [0, 1, 0], [2], [0n, 86_400_000n, 1n]),
      batch(['b', 'c'], [3n, 4n], [NaN, 4], [1, 1], [], [2n, 3n]),
    ]);
    const df = fromArrow(table);
    expect(df.npartitions).toBe(2);
    expect(df.index).toBeUndefined();
    expect(df.dtypes).toEqual({ s: 'string', i: 'int64', f: 'float64', d: 'string', t: 'datetime' });
    const rows = (await df.compute()).toJSON();
    expect(rows.map((r) => r.s)).toEqual(['a', 'b', null, 'b', 'c']);
    expect(rows.map((r) => r.i)).toEqual([1, 2, -(2n ** 62n), 3, 4]);
    expect(rows.map((r) => r.f)).toEqual([0.5, null, 2.5, null, 4]);
    expect(rows.map((r) => r.d)).toEqual(['red', 'green', null, 'green', 'green']);
    expect(rows.map((r) => (r.t as Date).getTime())).toEqual([0, 86_400_000, 1, 2, 3]);
    // an int64 sum is exact (the engine's int64 reduction): a bigint beyond 2^53
    expect(await df.get('i').sum().compute()).toBe(1n + 2n - 2n ** 62n + 3n + 4n);

    // int64 with nulls becomes float64 with NaN (as pandas)
    const withNull = fromArrow(tableFromArrays({ k: vectorFromArray([1n, null, 3n], new Int64()) }));
    expect(withNull.dtypes).toEqual({ k: 'float64' });
    expect((await withNull.compute()).toJSON().map((r) => r.k)).toEqual([1, null, 3]);

    // and back to Arrow: string nulls → validity bitmap, NaN stays NaN in Float64
    const out = await toArrowTable(df);
    expect(out.getChild('s')!.toArray().length).toBe(5);
    expect([...Array(5).keys()].map((k) => out.getChild('s')!.get(k))).toEqual(['a', 'b', null, 'b', 'c']);
    expect(out.getChild('s')!.nullCount).toBe(1);
    expect(Number.isNaN(out.getChild('f')!.get(1))).toBe(true);
  });

  it('rejects unsupported Arrow types with a TypeError naming the column and type', () => {
    const t = new Table({ ok: makeVector(new Float64Array([1, 2])), flag: vectorFromArray([true, false], new Bool()) });
    expect(() => fromArrow(t)).toThrow(TypeError);
    expect(() => fromArrow(t)).toThrow(/column "flag" has Arrow type Bool/);
    expect(() => fromArrow([] as never)).toThrow(TypeError);
    const good = tableFromArrays({ v: new Float64Array([1, 2]) });
    expect(() => fromArrow(good, { index: 'nope' })).toThrow(/not a column/);
    expect(() => fromArrow(good, { bogus: 1 } as never)).toThrow(/unknown option/);
  });
});
