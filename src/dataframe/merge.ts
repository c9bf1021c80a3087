// merge: a hash join of two frames on key columns, in pandas 1.5's row order (sort=False):
// inner and outer group the rows by key in order of first appearance in the left frame (left rows
// × their right matches, each in order; outer then the right-only keys in order of appearance),
// left keeps the left rows' order, right the right rows'. Missing keys match each other, as
// pandas. The pairs come from the native join (dfJoin, native/dataframe/join.h) on one numeric
// key as it is or on int32 key ids (KeyEncoder / sortedIds below), and the requested columns from
// the native gather (dfTake). A left merge keeps the left frame's partitions (the right side
// loaded whole: a broadcast join); the other results are computed from all rows of both sides and
// split into as many partitions as the left frame. With TESSERA_JOIN_PARTITION_ROWS=n (opt-in:
// it measured no faster than the single table on 2 cores) a hashed key whose sides both have n
// rows or more goes through the hash-partitioned native join (a shuffle join in the process, join.h).
import { type Column, type DType, type Partition, StringDict, emptyColumn, isDict, sliceColumn } from './column.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { dfNative } from './native.js';
import { awaitNative } from './run.js';
import { Table } from './table.js';

/**
 * The join of {@link DataFrame.merge} (pandas' `how=`): `'inner'` (default) keeps keys in both
 * frames, `'left'` / `'right'` every row of that side, `'outer'` every row of either; unmatched
 * columns are missing. Another value is a RangeError.
 */
export type How = 'inner' | 'left' | 'right' | 'outer';

export interface MergeSpec {
  /** The key columns of each side, pair by pair. */
  leftOn: readonly string[];
  rightOn: readonly string[];
  /** Per key pair: one output column (the left's name; the right's key where the left has no row), as pandas does for a key named alike on both sides; else both columns are kept. */
  coalesce: readonly boolean[];
  how: How;
  /** Output name of each left column and each right column but the coalesced keys. */
  leftNames: ReadonlyMap<string, string>;
  rightNames: ReadonlyMap<string, string>;
}

/** One row's key, comparable across int64/float64 (both as numbers) and with missing values equal. */
export function keyReader(c: Column): (i: number) => string {
  switch (c.dtype) {
    case 'string':
    case 'category': {
      const codes = c.values as Int32Array;
      // one key string per dictionary entry (rows share it: no allocation per row)
      const byCode: (string | undefined)[] = new Array(c.dict!.size);
      return (i) => {
        const k = codes[i]!;
        if (k < 0) return '\u0001';
        return (byCode[k] ??= `s${c.dict!.get(k)}`);
      };
    }
    case 'int64': {
      const v = c.values as BigInt64Array;
      return (i) => {
        const x = v[i]!;
        return x >= -9007199254740991n && x <= 9007199254740991n ? `n${Number(x)}` : `n${x}`;
      };
    }
    case 'bool': {
      const v = c.values as Uint8Array;
      return (i) => (v[i] ? 'bT' : 'bF');
    }
    default: {
      const v = c.values as Float64Array;
      return (i) => (Number.isNaN(v[i]!) ? '\u0001' : `n${v[i]! === 0 ? 0 : v[i]!}`);
    }
  }
}

/**
 * Dense ids for join keys: an open-addressing hash table of 64-bit key patterns (two uint32
 * halves) to ids assigned in order of first insertion. A key column becomes one pattern per row
 * (float64 and datetime: the bits of the value with -0 as 0; int64: its bits, or its value as a
 * float64 when the other side's key is float64; bool 0/1; strings: an id per distinct string,
 * shared by both sides, looked up once per dictionary entry); several key columns are combined
 * pairwise through the same table. Missing keys (NaN, a missing string) are one more key that
 * matches itself, as pandas. No string per row: a row costs a hash probe.
 */
class KeyTable {
  // one 16-byte slot per entry (lo, hi, id + 1, unused; 0 = empty): a probe touches one cache line
  private slots: Int32Array;
  private mask: number;
  size = 0;

  constructor(expected: number) {
    let cap = 16;
    while (cap < expected * 2) cap *= 2;
    this.slots = new Int32Array(cap * 4);
    this.mask = cap - 1;
  }

  private static hash(lo: number, hi: number): number {
    let h = lo ^ Math.imul(hi, 0x9e3779b1);
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    return h ^ (h >>> 16);
  }

  /** The id of (lo, hi), inserted with the next id when `insert` (else −1 when absent). */
  id(lo: number, hi: number, insert: boolean): number {
    const t = this.slots;
    lo |= 0;
    hi |= 0;
    let s = (KeyTable.hash(lo, hi) & this.mask) << 2;
    for (;;) {
      const id = t[s + 2]!;
      if (id === 0) break;
      if (t[s] === lo && t[s + 1] === hi) return id - 1;
      s = (s + 4) & (this.mask << 2 | 3);
    }
    if (!insert) return -1;
    t[s] = lo;
    t[s + 1] = hi;
    t[s + 2] = ++this.size;
    if (this.size * 2 > this.mask) this.grow();
    return this.size - 1;
  }

  private grow(): void {
    const old = this.slots;
    const cap = (this.mask + 1) * 2;
    const t = (this.slots = new Int32Array(cap * 4));
    this.mask = cap - 1;
    for (let o = 0; o < old.length; o += 4) {
      if (old[o + 2] === 0) continue;
      let s = (KeyTable.hash(old[o]!, old[o + 1]!) & this.mask) << 2;
      while (t[s + 2] !== 0) s = (s + 4) & (this.mask << 2 | 3);
      t[s] = old[o]!;
      t[s + 1] = old[o + 1]!;
      t[s + 2] = old[o + 2]!;
    }
  }
}

const MISSING_HI = 0x7ff80001; // a NaN pattern no normalized value takes (NaN rows are mapped to it)

/**
 * Encodes rows of key columns as dense ids shared by both sides of a join (see KeyTable): ids
 * follow first appearance in the order tables are encoded; with `insert` false a key not seen
 * before is −1 (no match).
 */
export class KeyEncoder {
  private readonly columns: KeyTable[];
  private readonly pairs: KeyTable[];
  private readonly strings: Map<string, number>[];

  /** `asNumber[k]`: the k-th key column's int64 values compare as float64 (the other side's key is float64). */
  constructor(on: number, private readonly asNumber: readonly boolean[], expected: number) {
    this.columns = Array.from({ length: on }, () => new KeyTable(expected));
    this.pairs = Array.from({ length: on - 1 }, () => new KeyTable(expected));
    this.strings = Array.from({ length: on }, () => new Map());
  }

  /** The number of distinct keys encoded so far (ids are 0 … size−1). */
  get size(): number {
    return (this.pairs.length ? this.pairs[this.pairs.length - 1]! : this.columns[0]!).size;
  }

  /** One id per row of `t` (its key columns `on`); −1 for a key not encoded before when `insert` is false. */
  encode(t: Table, on: readonly string[], insert: boolean): Int32Array {
    let ids = this.column(0, t.raw(on[0]!)!, t.length, insert);
    for (let k = 1; k < on.length; k++) {
      const next = this.column(k, t.raw(on[k]!)!, t.length, insert);
      const pairs = this.pairs[k - 1]!;
      for (let i = 0; i < ids.length; i++) ids[i] = ids[i]! < 0 || next[i]! < 0 ? -1 : pairs.id(ids[i]!, next[i]!, insert);
    }
    return ids;
  }

  private column(k: number, c: Column, n: number, insert: boolean): Int32Array {
    const table = this.columns[k]!;
    const out = new Int32Array(n);
    switch (c.dtype) {
      case 'string':
      case 'category': {
        const codes = c.values as Int32Array;
        const strings = this.strings[k]!;
        // a string's id: its number among the distinct strings, looked up once per dictionary entry
        const byCode = new Int32Array(c.dict!.size).fill(-2);
        let missing = -2;
        for (let i = 0; i < n; i++) {
          const code = codes[i]!;
          if (code < 0) {
            out[i] = missing === -2 ? (missing = table.id(0, MISSING_HI, insert)) : missing;
            continue;
          }
          let id = byCode[code]!;
          if (id === -2) {
            const s = c.dict!.get(code);
            let sid = strings.get(s);
            if (sid === undefined && insert) strings.set(s, (sid = strings.size));
            id = byCode[code] = sid === undefined ? -1 : table.id(sid, 0, insert);
          }
          out[i] = id;
        }
        return out;
      }
      case 'bool': {
        const v = c.values as Uint8Array;
        for (let i = 0; i < n; i++) out[i] = table.id(v[i]! ? 1 : 0, 0, insert);
        return out;
      }
      case 'int64': {
        if (!this.asNumber[k]) {
          const w = new Uint32Array(c.values.buffer, c.values.byteOffset, n * 2);
          for (let i = 0; i < n; i++) out[i] = table.id(w[2 * i]!, w[2 * i + 1]!, insert);
          return out;
        }
        const v = c.values as BigInt64Array;
        const f = new Float64Array(1);
        const w = new Uint32Array(f.buffer);
        for (let i = 0; i < n; i++) {
          f[0] = Number(v[i]!);
          out[i] = table.id(w[0]!, w[1]!, insert);
        }
        return out;
      }
      default: {
        // float64, datetime, timedelta: the value's bits; NaN one missing key, -0 as 0
        const v = c.values as Float64Array;
        const f = new Float64Array(1);
        const w = new Uint32Array(f.buffer);
        for (let i = 0; i < n; i++) {
          const x = v[i]!;
          if (x !== x) out[i] = table.id(0, MISSING_HI, insert);
          else {
            f[0] = x === 0 ? 0 : x;
            out[i] = table.id(w[0]!, w[1]!, insert);
          }
        }
        return out;
      }
    }
  }
}

/** A key column as sort keys: float64 (NaN missing) or exact int64; strings as their number among the distinct strings `sids` (shared by both sides). */
function numericKey(c: Column, asNumber: boolean, sids: Map<string, number>): Float64Array | BigInt64Array {
  switch (c.dtype) {
    case 'Int64':
      return c.values as BigInt64Array;
    case 'int64':
      return asNumber ? Float64Array.from(c.values as BigInt64Array, (v) => Number(v)) : (c.values as BigInt64Array);
    case 'bool':
      return Float64Array.from(c.values as Uint8Array);
    case 'string':
    case 'category': {
      const codes = c.values as Int32Array;
      const byCode = new Float64Array(c.dict!.size).fill(-1);
      const out = new Float64Array(codes.length);
      for (let i = 0; i < codes.length; i++) {
        const code = codes[i]!;
        if (code < 0) {
          out[i] = NaN;
          continue;
        }
        if (byCode[code] === -1) {
          const str = c.dict!.get(code);
          let id = sids.get(str);
          if (id === undefined) sids.set(str, (id = sids.size));
          byCode[code] = id;
        }
        out[i] = byCode[code]!;
      }
      return out;
    }
    default:
      return c.values as Float64Array;
  }
}

/**
 * Dense ids for the rows of tables (in order, as one sequence) by their numeric keys, through the
 * native parallel radix sort of dfSort: the rows are sorted by the keys, and a new id starts where
 * a key changes (NaN equal to NaN, -0 to 0, as the sort already ties them). Cheaper than a hash
 * table once rows are many and keys are numbers: the sort streams through memory where the hash
 * probes at random. The ids follow key order, not appearance (the native join does not need it).
 * `keys[k][t]`: key column k of table t as float64 (NaN = missing) or int64 values.
 */
async function sortedIds(keys: (Float64Array | BigInt64Array)[][], ctx: LoadContext): Promise<KeyIds> {
  const rows = keys[0]!.map((a) => a.length);
  const n = rows.reduce((a, b) => a + b, 0);
  if (!n) return { ids: new Int32Array(0), size: 0 };
  if (keys.length === 1) {
    // one key: the sort itself ranks the rows (a serial pass over its sorted key bits)
    const live = rows.map((r, t) => ({ r, t })).filter(({ r }) => r > 0);
    const res = await awaitNative(
      (p) => dfNative().dfSort({ rows: live.map(({ r }) => r), keys: [{ parts: live.map(({ t }) => keys[0]![t]!), ascending: true }], naFirst: false, gather: [], ranks: true }, p),
      { options: ctx.options },
    );
    const ranks = new Int32Array(res[0]!, 0, n + 1);
    return { ids: ranks.subarray(0, n), size: ranks[n]! };
  }
  const ids = new Int32Array(n);
  const rowNumbers: Int32Array[] = [];
  let at = 0;
  for (const r of rows) {
    const numbers = new Int32Array(r);
    for (let i = 0; i < r; i++) numbers[i] = at + i;
    rowNumbers.push(numbers);
    at += r;
  }
  const parts = rows.map((r, t) => ({ r, t })).filter(({ r }) => r > 0);
  const res = await awaitNative(
    (p) =>
      dfNative().dfSort(
        {
          rows: parts.map(({ r }) => r),
          keys: keys.map((k) => ({ parts: parts.map(({ t }) => k[t]!), ascending: true })),
          naFirst: false,
          gather: [{ parts: parts.map(({ t }) => rowNumbers[t]!), shift: undefined }, ...keys.map((k) => ({ parts: parts.map(({ t }) => k[t]!), shift: undefined }))],
        },
        p,
      ),
    { options: ctx.options },
  );
  const order = new Int32Array(res[0]!, 0, n);
  // a key changes between sorted neighbours: as 64-bit patterns, but every NaN is one key and -0 is 0
  const changed = keys.map((k, j) => {
    if (k.some((a) => a.length > 0 && a instanceof BigInt64Array)) {
      const w = new Int32Array(res[j + 1]!, 0, 2 * n);
      return (i: number): boolean => w[2 * i] !== w[2 * i - 2] || w[2 * i + 1] !== w[2 * i - 1];
    }
    const v = new Float64Array(res[j + 1]!, 0, n);
    return (i: number): boolean => v[i] !== v[i - 1] && (v[i] === v[i] || v[i - 1] === v[i - 1]);
  });
  // one pass over the sorted rows: a new id where a key changes, each row's id
  // (one key never comes here: the sort ranks it itself, above)
  let q = 0;
  for (let i = 0; i < n; i++) {
    if (i > 0) {
      let d = false;
      for (let k = 0; k < changed.length && !d; k++) d = changed[k]!(i);
      if (d) q++;
    }
    ids[order[i]!] = q;
  }
  return { ids, size: q + 1 };
}

/** Key ids of one sequence of tables (ids 0 … size − 1). */
interface KeyIds {
  ids: Int32Array;
  size: number;
}

export class MergeSource implements PartitionSource {
  readonly name: string;
  readonly op = 'merge';
  readonly npartitions: number;
  readonly schema: [string, DType][];

  constructor(
    private readonly left: PartitionSource,
    private readonly leftColumns: readonly string[],
    private readonly right: PartitionSource,
    private readonly rightColumns: readonly string[],
    private readonly spec: MergeSpec,
  ) {
    this.name = `merge-${layerId()}`;
    this.npartitions = Math.max(1, left.npartitions);
    const ld = new Map(left.schema);
    const rd = new Map(right.schema);
    // declared dtypes; a side without a match for some row turns int64 into float64, which only the data says
    const promote = (d: DType): DType => (spec.how === 'inner' ? d : d === 'int64' ? 'float64' : d === 'bool' ? 'string' : d);
    const leftKey = new Set(spec.leftOn.filter((_, k) => spec.coalesce[k]));
    this.rightKey = new Map(spec.rightOn.flatMap((c, k) => (spec.coalesce[k] ? [[spec.leftOn[k]!, c] as const] : [])));
    const rightKept = new Set(this.rightKey.values());
    this.schema = [
      ...leftColumns.map((c): [string, DType] => [spec.leftNames.get(c)!, leftKey.has(c) ? ld.get(c)! : spec.how === 'right' || spec.how === 'outer' ? promote(ld.get(c)!) : ld.get(c)!]),
      ...rightColumns.filter((c) => !rightKept.has(c)).map((c): [string, DType] => [spec.rightNames.get(c)!, spec.how === 'left' || spec.how === 'outer' ? promote(rd.get(c)!) : rd.get(c)!]),
    ];
  }

  /** Coalesced keys: left key column → its right key column. */
  private readonly rightKey: Map<string, string>;
  readonly allToAll = true;
  get inputs(): readonly PartitionSource[] {
    return [this.left, this.right];
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.schema.map(([c]) => c);
    const { leftOn, rightOn, how } = this.spec;
    // only the keys and the columns asked for are read and gathered
    const lcols = this.leftColumns.filter((c) => leftOn.includes(c) || want.includes(this.spec.leftNames.get(c)!));
    const rcols = this.rightColumns.filter((c) => rightOn.includes(c) || want.includes(this.spec.rightNames.get(c)!));
    // a left merge keeps the left rows' order: only the requested left partitions are read, and
    // its result keeps their partitions; the others are split evenly
    const [lp, rp] = await Promise.all([this.left.load(lcols, how === 'left' ? parts : undefined, ctx), this.right.load(rcols, undefined, { options: ctx.options })]);
    const rt = Table.concat(rcols, rp);
    // the left partitions are not concatenated for the join (only when a left column is gathered)
    const live = lp.filter((p) => p.length > 0);
    const keys = await this.joinKeys(live.map((p) => Table.concat(lcols, [p])), rt, ctx);
    const res = await awaitNative(
      (p) => dfNative().dfJoin({ left: { rows: live.map((x) => x.length), parts: keys.left }, right: { rows: rt.length ? [rt.length] : [], parts: rt.length ? [keys.right] : [] }, how, ...partitionFrom() }, p),
      { options: ctx.options },
    );
    const li = res.left && new Int32Array(res.left, 0, res.size);
    const ri = res.right && new Int32Array(res.right, 0, res.size);
    const n = res.size;
    let whole: Table | undefined;
    const lt = (): Table => (whole ??= Table.concat(lcols, lp));
    const dtypes = new Map(this.schema);
    const out = new Map<string, Column>();
    const leftTakes: [string, Column][] = [];
    const rightTakes: [string, Column][] = [];
    const passed = new Set<string>(); // left columns passed through per partition (every left row once, in order)
    for (const c of lcols) {
      const name = this.spec.leftNames.get(c)!;
      if (!want.includes(name)) continue; // a key read only to join on
      const rk = this.rightKey.get(c);
      if (!li) {
        if (how === 'left') passed.add(c);
        else out.set(name, lt().raw(c) ?? emptyColumn(dtypes.get(name)!));
        continue;
      }
      const lc = lt().raw(c) ?? emptyColumn(dtypes.get(name)!);
      const rc = rk === undefined ? undefined : (rt.raw(rk) ?? emptyColumn(lc.dtype));
      // the key: the left row's, or the right row's where there is no left row (with every left
      // row there and one dtype, the left rows')
      if (rc && how !== 'left' && (res.leftMissing || rc.dtype !== lc.dtype)) out.set(name, coalesce(lc, rc, li, ri ?? Int32Array.from({ length: n }, (_, i) => i)));
      else leftTakes.push([name, lc]);
    }
    for (const c of rcols) {
      const name = this.spec.rightNames.get(c);
      if (name === undefined || !want.includes(name)) continue; // a coalesced key, or a key read only to join on
      const rc = rt.raw(c) ?? emptyColumn(dtypes.get(name)!);
      if (!ri) out.set(name, rc);
      else rightTakes.push([name, rc]);
    }
    const [lg, rg] = await Promise.all([take(leftTakes, li, res.leftMissing, ctx), take(rightTakes, ri, res.rightMissing, ctx)]);
    for (const [name, col] of [...lg, ...rg]) out.set(name, col);
    if (how === 'left') {
      // output rows of each left partition: its rows (in order), each with its right rows
      const bounds = [0];
      let at = 0;
      for (const p of lp) {
        at += p.length;
        bounds.push(li ? lowerBound(li, at) : at);
      }
      const outs = lp.map((p, k) => ({
        length: bounds[k + 1]! - bounds[k]!,
        columns: new Map(
          want.map((name) => {
            const c = [...passed].find((x) => this.spec.leftNames.get(x) === name);
            return [name, c !== undefined ? (p.columns.get(c) ?? emptyColumn(dtypes.get(name)!)) : sliceColumn(out.get(name)!, bounds[k]!, bounds[k + 1]!)] as [string, Column];
          }),
        ),
      }));
      return unifyPartitions(outs);
    }
    const P = this.npartitions;
    return (parts ?? Array.from({ length: P }, (_, i) => i)).map((p) => {
      const start = Math.floor((n * p) / P);
      const end = Math.floor((n * (p + 1)) / P);
      return { length: end - start, columns: new Map(want.map((c) => [c, sliceColumn(out.get(c)!, start, end)] as [string, Column])) };
    });
  }

  /**
   * The join key of each left table and of the right one for dfJoin: one numeric key as its
   * values (float64 with NaN missing, or exact int64), else ids shared by the sides (keyIds).
   */
  private async joinKeys(lts: Table[], rt: Table, ctx: LoadContext): Promise<{ left: (Float64Array | BigInt64Array | Int32Array)[]; right: Float64Array | BigInt64Array | Int32Array }> {
    const { leftOn, rightOn } = this.spec;
    const [ld, rd] = [new Map(this.left.schema).get(leftOn[0]!)!, new Map(this.right.schema).get(rightOn[0]!)!];
    const encoded = (d: DType): boolean => d === 'string' || d === 'category' || d === 'Int64';
    if (leftOn.length === 1 && !encoded(ld) && !encoded(rd)) {
      const sids = new Map<string, number>();
      const key = (t: Table, c: string): Float64Array | BigInt64Array => (t.length ? numericKey(t.raw(c)!, ld !== rd, sids) : new Float64Array(0));
      let left = lts.map((t) => key(t, leftOn[0]!));
      let right = key(rt, rightOn[0]!);
      // partitions read with other dtypes (int64 in one, float64 in another) compare as numbers
      const all = [...left, right].filter((a) => a.length);
      if (all.some((a) => a instanceof BigInt64Array) && all.some((a) => a instanceof Float64Array)) {
        const num = (a: Float64Array | BigInt64Array): Float64Array => (a instanceof BigInt64Array ? Float64Array.from(a, (v) => Number(v)) : a);
        left = left.map(num);
        right = num(right);
      }
      return { left, right };
    }
    const { ids } = await this.keyIds([rt, ...lts], ctx);
    return { left: ids.slice(1), right: ids[0]! };
  }

  /**
   * Key ids shared by the tables (the right one first, then left ones): equal keys, equal ids.
   * String keys go through a hash of the distinct strings (a lookup per dictionary entry, not per
   * row); numeric keys (and several keys with strings among them) through the native sort.
   */
  private async keyIds(tables: Table[], ctx: LoadContext): Promise<{ ids: Int32Array[]; size: number }> {
    const { leftOn, rightOn } = this.spec;
    const on = (t: number): readonly string[] => (t === 0 ? rightOn : leftOn);
    const ld = new Map(this.left.schema);
    const rd = new Map(this.right.schema);
    // int64 keys compare as numbers with a float64 key on the other side (the one dtype mix allowed)
    const asNumber = leftOn.map((c, k) => ld.get(c) !== rd.get(rightOn[k]!));
    const strings = leftOn.every((c) => ld.get(c) === 'string' || ld.get(c) === 'category');
    if (strings) {
      const enc = new KeyEncoder(leftOn.length, asNumber, 1024);
      return { ids: tables.map((t, k) => (t.length ? enc.encode(t, on(k), true) : new Int32Array(0))), size: enc.size };
    }
    const sids = leftOn.map(() => new Map<string, number>());
    const column = (t: number, k: number): Column | undefined => (tables[t]!.length ? tables[t]!.raw(on(t)[k]!) : undefined);
    // an Int64 key is two: whether the row is <NA> (so <NA> matches <NA> only), then its values
    const keys = leftOn.flatMap((c, k) => {
      const values = tables.map((_, t) => {
        const col = column(t, k);
        return col ? numericKey(col, asNumber[k]!, sids[k]!) : new Float64Array(0);
      });
      if (ld.get(c) !== 'Int64') return [values];
      return [tables.map((_, t) => Float64Array.from(column(t, k)?.valid ?? [])), values];
    });
    const { ids, size } = await sortedIds(keys, ctx);
    let at = 0;
    return {
      ids: tables.map((t) => {
        const part = ids.subarray(at, at + t.length);
        at += t.length;
        return part;
      }),
      size,
    };
  }

}

/** One dtype per column over partitions joined separately: a partition with an unmatched row made int64 float64 and bool a string column (as pandas does for the whole result). */
// The partitioned join's threshold from TESSERA_JOIN_PARTITION_ROWS (internal, opt-in): a
// positive integer, or nothing (the native default: not partitioned).
function partitionFrom(): { partitionFrom?: number } {
  const v = process.env.TESSERA_JOIN_PARTITION_ROWS;
  if (v === undefined || v === '') return {};
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new RangeError(`TESSERA_JOIN_PARTITION_ROWS: expected a positive integer, got '${v}'`);
  return { partitionFrom: n };
}

function unifyPartitions(parts: Partition[]): Partition[] {
  if (parts.length < 2) return parts;
  const names = [...parts[0]!.columns.keys()];
  for (const n of names) {
    const types = new Set(parts.filter((p) => p.length).map((p) => p.columns.get(n)!.dtype));
    if (types.size < 2) continue;
    for (const p of parts) {
      const c = p.columns.get(n)!;
      if (types.has('string') && c.dtype === 'bool')
        p.columns.set(n, { dtype: 'string', values: Int32Array.from(c.values as Uint8Array), dict: StringDict.fromStrings(['False', 'True']) });
      else if (types.has('float64') && c.dtype === 'int64') p.columns.set(n, { dtype: 'float64', values: Float64Array.from(c.values as BigInt64Array, (v) => Number(v)) });
      else if (c.values.length === 0) p.columns.set(n, emptyColumn(types.has('string') ? 'string' : 'float64'));
    }
  }
  return parts;
}

/** The first position of sorted `a` with a value ≥ `x`. */
function lowerBound(a: Int32Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * Rows `idx` of each column (−1 = no row) through the native gather: a missing row is NaN / NaT,
 * a missing string, <NA> for Int64; with `missing` (some row is −1), int64 becomes float64 and
 * bool a string column (pandas: object).
 */
async function take(cols: [string, Column][], idx: Int32Array | null, missing: boolean, ctx: LoadContext): Promise<[string, Column][]> {
  if (!cols.length || !idx) return [];
  const specs: { data: ArrayBufferView; as?: 'float64' | 'code' }[] = [];
  for (const [, c] of cols) {
    specs.push({ data: c.values, as: missing && c.dtype === 'int64' ? 'float64' : missing && c.dtype === 'bool' ? 'code' : undefined });
    if (c.dtype === 'Int64') specs.push({ data: c.valid! });
  }
  const bufs = await awaitNative((p) => dfNative().dfTake({ index: idx, columns: specs }, p), { options: ctx.options });
  const n = idx.length;
  let k = 0;
  return cols.map(([name, c]): [string, Column] => {
    const b = bufs[k++]!;
    switch (c.dtype) {
      case 'string':
      case 'category':
        return [name, { dtype: c.dtype, values: new Int32Array(b, 0, n), dict: c.dict }];
      case 'Int64':
        // stays Int64: a row without a match is <NA> (pandas keeps the nullable dtype)
        return [name, { dtype: 'Int64', values: new BigInt64Array(b, 0, n), valid: new Uint8Array(bufs[k++]!, 0, n) }];
      case 'int64':
        return [name, missing ? { dtype: 'float64', values: new Float64Array(b, 0, n) } : { dtype: 'int64', values: new BigInt64Array(b, 0, n) }];
      case 'bool':
        return [name, missing ? { dtype: 'string', values: new Int32Array(b, 0, n), dict: StringDict.fromStrings(['False', 'True']) } : { dtype: 'bool', values: new Uint8Array(b, 0, n) }];
      default:
        return [name, { dtype: c.dtype, values: new Float64Array(b, 0, n) }];
    }
  });
}

/** The key column of a merge: the left row's key, or the right row's where there is no left row. */
function coalesce(lc: Column, rc: Column, li: Int32Array, ri: Int32Array): Column {
  const n = li.length;
  if (isDict(lc.dtype)) {
    // strings or categories: codes into each side's own dictionary, so by their strings
    const strings: string[] = [];
    const codeOf = new Map<string, number>();
    const out = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      const [src, row] = li[i]! >= 0 ? [lc, li[i]!] : [rc, ri[i]!];
      const k = (src.values as Int32Array)[row]!;
      if (k < 0) {
        out[i] = -1;
        continue;
      }
      const s = src.dict!.get(k);
      let g = codeOf.get(s);
      if (g === undefined) {
        g = strings.push(s) - 1;
        codeOf.set(s, g);
      }
      out[i] = g;
    }
    return { dtype: lc.dtype, values: out, dict: StringDict.fromStrings(strings) };
  }
  if (lc.dtype === 'Int64') {
    const out = new BigInt64Array(n);
    const valid = new Uint8Array(n);
    for (let i = 0; i < n; i++) {
      const [src, r] = li[i]! >= 0 ? [lc, li[i]!] : [rc, ri[i]!];
      if (src.valid![r]) (out[i] = (src.values as BigInt64Array)[r]!), (valid[i] = 1);
    }
    return { dtype: 'Int64', values: out, valid };
  }
  if (lc.dtype === rc.dtype && lc.dtype !== 'float64') {
    // int64, bool, datetime: the same storage on both sides
    const out = new (lc.values.constructor as { new (n: number): typeof lc.values })(n);
    for (let i = 0; i < n; i++) (out as Float64Array)[i] = li[i]! >= 0 ? (lc.values as Float64Array)[li[i]!]! : (rc.values as Float64Array)[ri[i]!]!;
    return { dtype: lc.dtype, values: out };
  }
  // int64 with float64: numbers
  const num = (c: Column, r: number): number => Number((c.values as Float64Array | BigInt64Array)[r]!);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = li[i]! >= 0 ? num(lc, li[i]!) : num(rc, ri[i]!);
  return { dtype: 'float64', values: out };
}
