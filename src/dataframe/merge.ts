// merge: a hash join of two frames on key columns, in pandas 1.5's row order (sort=False):
// inner and outer group the rows by key in order of first appearance in the left frame (left rows
// × their right matches, each in order; outer then the right-only keys in order of appearance),
// left keeps the left rows' order, right the right rows'. Missing keys match each other, as
// pandas. The result is computed from all rows of both sides and split into as many partitions
// as the left frame (a broadcast or shuffle join per partition is not built yet).
import { type Column, type DType, type Partition, StringDict, emptyColumn, sliceColumn } from './column.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';
import { Table } from './table.js';

/**
 * The join of {@link DataFrame.merge} (pandas' `how=`): `'inner'` (default) keeps keys in both
 * frames, `'left'` / `'right'` every row of that side, `'outer'` every row of either; unmatched
 * columns are missing. Another value is a RangeError.
 */
export type How = 'inner' | 'left' | 'right' | 'outer';

export interface MergeSpec {
  on: readonly string[];
  how: How;
  /** Output name of each left column and right non-key column. */
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

function rowKeys(t: Table, on: readonly string[]): string[] {
  const readers = on.map((k) => keyReader(t.raw(k)!));
  return Array.from({ length: t.length }, (_, i) => (readers.length === 1 ? readers[0]!(i) : readers.map((r) => r(i)).join('\u0000')));
}

/** Rows `idx` of `c`; −1 = no row: int64 becomes float64 and bool a string column (pandas: object) when any is missing. */
function gather(c: Column, idx: Int32Array): Column {
  const n = idx.length;
  let missing = false;
  for (let i = 0; i < n; i++) if (idx[i]! < 0) missing = true;
  switch (c.dtype) {
    case 'string':
    case 'category': {
      const src = c.values as Int32Array;
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? -1 : src[idx[i]!]!;
      return { dtype: c.dtype, values: out, dict: c.dict };
    }
    case 'int64': {
      const src = c.values as BigInt64Array;
      if (missing) {
        const out = new Float64Array(n);
        for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? NaN : Number(src[idx[i]!]!);
        return { dtype: 'float64', values: out };
      }
      const out = new BigInt64Array(n);
      for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { dtype: 'int64', values: out };
    }
    case 'bool': {
      const src = c.values as Uint8Array;
      if (missing) {
        const out = new Int32Array(n);
        for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? -1 : src[idx[i]!]! ? 1 : 0;
        return { dtype: 'string', values: out, dict: StringDict.fromStrings(['False', 'True']) };
      }
      const out = new Uint8Array(n);
      for (let i = 0; i < n; i++) out[i] = src[idx[i]!]!;
      return { dtype: 'bool', values: out };
    }
    default: {
      const src = c.values as Float64Array;
      const out = new Float64Array(n);
      for (let i = 0; i < n; i++) out[i] = idx[i]! < 0 ? NaN : src[idx[i]!]!;
      return { dtype: c.dtype, values: out };
    }
  }
}

/** Row numbers by key, in row order. */
function indexKeys(keys: readonly string[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  keys.forEach((k, r) => {
    const l = m.get(k);
    if (l) l.push(r);
    else m.set(k, [r]);
  });
  return m;
}

/**
 * A left merge on one string key without a string per row: the right matches are looked up once
 * per dictionary entry of the left partition, then read by code. Undefined for other keys.
 */
function leftPairsByCode(lt: Table, on: readonly string[], index: Map<string, number[]>): [Int32Array, Int32Array] | undefined {
  if (on.length !== 1) return undefined;
  const c = lt.raw(on[0]!);
  if (!c || c.dtype !== 'string') return undefined;
  const codes = c.values as Int32Array;
  const read = keyReader(c);
  const byCode: (number[] | undefined)[] = new Array(c.dict!.size);
  const missing = index.get('\u0001');
  let total = 0;
  const matches = (i: number): number[] | undefined => {
    const k = codes[i]!;
    if (k < 0) return missing;
    if (!(k in byCode)) byCode[k] = index.get(read(i));
    return byCode[k];
  };
  for (let i = 0; i < codes.length; i++) total += matches(i)?.length || 1;
  const li = new Int32Array(total);
  const ri = new Int32Array(total);
  let at = 0;
  for (let i = 0; i < codes.length; i++) {
    const m = matches(i);
    if (!m) {
      li[at] = i;
      ri[at++] = -1;
    } else
      for (const r of m) {
        li[at] = i;
        ri[at++] = r;
      }
  }
  return [li, ri];
}

/** The (left row, right row) pairs of a merge, −1 where a side has no row. */
export function joinPairs(lk: readonly string[], rk: readonly string[], how: How, index?: Map<string, number[]>): [Int32Array, Int32Array] {
  const right = index ?? indexKeys(rk);
  const L: number[] = [];
  const R: number[] = [];
  const emit = (l: number, r: number): void => {
    L.push(l);
    R.push(r);
  };
  if (how === 'left') {
    lk.forEach((k, l) => {
      const m = right.get(k);
      if (m) for (const r of m) emit(l, r);
      else emit(l, -1);
    });
  } else if (how === 'right') {
    const left = new Map<string, number[]>();
    lk.forEach((k, l) => {
      const g = left.get(k);
      if (g) g.push(l);
      else left.set(k, [l]);
    });
    rk.forEach((k, r) => {
      const m = left.get(k);
      if (m) for (const l of m) emit(l, r);
      else emit(-1, r);
    });
  } else {
    const groups = new Map<string, number[]>();
    lk.forEach((k, l) => {
      const g = groups.get(k);
      if (g) g.push(l);
      else groups.set(k, [l]);
    });
    for (const [k, ls] of groups) {
      const m = right.get(k);
      if (m) for (const l of ls) for (const r of m) emit(l, r);
      else if (how === 'outer') for (const l of ls) emit(l, -1);
    }
    if (how === 'outer') for (const [k, rs] of right) if (!groups.has(k)) for (const r of rs) emit(-1, r);
  }
  return [Int32Array.from(L), Int32Array.from(R)];
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
    this.schema = [
      ...leftColumns.map((c): [string, DType] => [spec.leftNames.get(c)!, spec.on.includes(c) ? ld.get(c)! : spec.how === 'right' || spec.how === 'outer' ? promote(ld.get(c)!) : ld.get(c)!]),
      ...rightColumns.filter((c) => !spec.on.includes(c)).map((c): [string, DType] => [spec.rightNames.get(c)!, spec.how === 'left' || spec.how === 'outer' ? promote(rd.get(c)!) : rd.get(c)!]),
    ];
  }

  readonly allToAll = true;
  get inputs(): readonly PartitionSource[] {
    return [this.left, this.right];
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.schema.map(([c]) => c);
    const keys = (t: Table): string[] => (t.length ? rowKeys(t, this.spec.on) : []);
    // only the keys and the columns asked for are read and gathered
    const lcols = this.leftColumns.filter((c) => this.spec.on.includes(c) || want.includes(this.spec.leftNames.get(c)!));
    const rcols = this.rightColumns.filter((c) => this.spec.on.includes(c) || want.includes(this.spec.rightNames.get(c)!));
    if (this.spec.how === 'left') {
      // a left merge keeps the left rows' order: partition by partition, the right side
      // broadcast (indexed once); only the requested left partitions are read
      const [lp, rp] = await Promise.all([this.left.load(lcols, parts, ctx), this.right.load(rcols, undefined, { options: ctx.options })]);
      const rt = Table.concat(rcols, rp);
      const rk = keys(rt);
      const index = indexKeys(rk);
      const outs = lp.map((part) => {
        const lt = Table.concat(lcols, [part]);
        const [li, ri] = leftPairsByCode(lt, this.spec.on, index) ?? joinPairs(keys(lt), rk, 'left', index);
        const cols = this.assemble(lcols, rcols, lt, rt, li, ri);
        return { length: li.length, columns: new Map(want.map((c) => [c, cols.get(c)!] as [string, Column])) };
      });
      return unifyPartitions(outs);
    }
    const [lp, rp] = await Promise.all([this.left.load(lcols, undefined, ctx), this.right.load(rcols, undefined, { options: ctx.options })]);
    const lt = Table.concat(lcols, lp);
    const rt = Table.concat(rcols, rp);
    const [li, ri] = joinPairs(keys(lt), keys(rt), this.spec.how);
    const out = this.assemble(lcols, rcols, lt, rt, li, ri);
    const n = li.length;
    const P = this.npartitions;
    return (parts ?? Array.from({ length: P }, (_, i) => i)).map((p) => {
      const start = Math.floor((n * p) / P);
      const end = Math.floor((n * (p + 1)) / P);
      return { length: end - start, columns: new Map(want.map((c) => [c, sliceColumn(out.get(c)!, start, end)] as [string, Column])) };
    });
  }

  /** The output columns for the row pairs (li, ri). */
  private assemble(lcols: readonly string[], rcols: readonly string[], lt: Table, rt: Table, li: Int32Array, ri: Int32Array): Map<string, Column> {
    const out = new Map<string, Column>();
    const dtypes = new Map(this.schema);
    for (const c of lcols) {
      const name = this.spec.leftNames.get(c)!;
      const lc = lt.raw(c) ?? emptyColumn(dtypes.get(name)!);
      if (this.spec.on.includes(c) && this.spec.how !== 'left') {
        // the key: the left row's, or the right row's where there is no left row
        out.set(name, coalesce(lc, rt.raw(c) ?? emptyColumn(lc.dtype), li, ri));
      } else out.set(name, gather(lc, li));
    }
    for (const c of rcols) {
      if (this.spec.on.includes(c)) continue;
      const name = this.spec.rightNames.get(c)!;
      out.set(name, gather(rt.raw(c) ?? emptyColumn(dtypes.get(name)!), ri));
    }
    return out;
  }
}

/** One dtype per column over partitions joined separately: a partition with an unmatched row made int64 float64 and bool a string column (as pandas does for the whole result). */
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

/** The key column of a merge: the left row's key, or the right row's where there is no left row. */
function coalesce(lc: Column, rc: Column, li: Int32Array, ri: Int32Array): Column {
  const n = li.length;
  if (lc.dtype === 'string') {
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
    return { dtype: 'string', values: out, dict: StringDict.fromStrings(strings) };
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
