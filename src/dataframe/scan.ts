// Series operations whose value at a row depends on the rows before (or after) it, across
// partitions in order: shift, diff and the cumulative sum / product / max / min (pandas'
// semantics: skipna, a missing value stays missing at its place and is skipped). A ScanSource
// partition t reads the base partitions 0..t (n ≥ 0) or t..end (shift/diff by a negative n), so
// one load computes the op once over the contiguous run of partitions it needs, in JS.
import { type Column, type DType, type Partition, StringDict } from './column.js';
import { type Expr, evaluate, exprColumns, exprDtype } from './expr.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';

/** The operation of a ScanSource. */
export type ScanOp =
  | { readonly op: 'shift' | 'diff'; readonly periods: number }
  | { readonly op: 'cumsum' | 'cumprod' | 'cummax' | 'cummin' };

/** A value of the run: a number (float64, datetime, timedelta ms), a bigint (int64), a string, or null (missing). */
type Cell = number | bigint | string | null;

/** The result dtype of `s` over a column of dtype `d`, as pandas 1.5 (a TypeError for what it refuses). */
export function scanDtype(s: ScanOp, d: DType): DType {
  const name = `${s.op}()`;
  switch (s.op) {
    case 'shift':
      // missing values come in: int64 becomes float64, bool pandas' object (True/False/NaN)
      if (s.periods === 0) return d;
      return d === 'int64' ? 'float64' : d === 'bool' ? 'string' : d;
    case 'diff':
      if (d === 'string' || d === 'category') throw new TypeError(`${name}: a ${d} column has no differences (accepted: int64, Int64, float64, bool, datetime, timedelta)`);
      return d === 'int64' ? 'float64' : d === 'bool' ? 'string' : d === 'datetime' ? 'timedelta' : d;
    default:
      if (d === 'string' || d === 'category') throw new TypeError(`${name}: a ${d} column is not accepted (accepted: int64, Int64, float64, bool${s.op === 'cummax' || s.op === 'cummin' ? ', datetime, timedelta' : ''})`);
      if ((d === 'datetime' || d === 'timedelta') && (s.op === 'cumsum' || s.op === 'cumprod'))
        throw new TypeError(`${name}: a ${d} column is not accepted (accepted: int64, Int64, float64, bool; cummax/cummin take datetimes)`);
      if (d === 'bool' && (s.op === 'cumsum' || s.op === 'cumprod')) return 'int64';
      return d;
  }
}

/** The values of a column as cells (strings decoded, bool 0/1 as int64, <NA> and NaN as null). */
function cellsOf(c: Column, out: Cell[]): void {
  const n = c.values.length;
  if (c.dtype === 'string' || c.dtype === 'category') {
    const codes = c.values as Int32Array;
    for (let i = 0; i < n; i++) out.push(codes[i]! < 0 ? null : c.dict!.get(codes[i]!));
  } else if (c.values instanceof BigInt64Array) {
    for (let i = 0; i < n; i++) out.push(c.valid && !c.valid[i] ? null : c.values[i]!);
  } else if (c.values instanceof Uint8Array) {
    for (let i = 0; i < n; i++) out.push(BigInt(c.values[i]!));
  } else {
    const v = c.values as Float64Array;
    for (let i = 0; i < n; i++) out.push(Number.isNaN(v[i]!) ? null : v[i]!);
  }
}

/** The one dtype of the run: partitions of a CSV column may have unified differently (int64 with float64 → float64, bool with string → string). */
function runDtype(cols: readonly Column[], fallback: DType): DType {
  const types = new Set(cols.filter((c) => c.values.length > 0).map((c) => c.dtype));
  if (types.size === 0) return fallback;
  if (types.size === 1) return types.values().next().value!;
  if (types.has('string') || types.has('category')) return 'string';
  if (types.has('float64')) return 'float64';
  return [...types][0]!;
}

const wrap = (v: bigint): bigint => BigInt.asIntN(64, v);

/** The op over the whole run of cells (dtype `d`, bools as 0n/1n). */
function run(s: ScanOp, d: DType, v: readonly Cell[]): Cell[] {
  const n = v.length;
  const out: Cell[] = new Array(n);
  if (s.op === 'shift' || s.op === 'diff') {
    const k = s.periods;
    for (let i = 0; i < n; i++) {
      const j = i - k;
      const prev = j >= 0 && j < n ? v[j]! : null;
      if (s.op === 'shift') out[i] = prev;
      else {
        const cur = v[i]!;
        if (cur === null || prev === null) out[i] = null;
        else if (d === 'bool') out[i] = cur !== prev ? 1n : 0n; // pandas: xor of bools
        else if (typeof cur === 'bigint') out[i] = wrap(cur - (prev as bigint));
        else out[i] = (cur as number) - (prev as number);
      }
    }
    return out;
  }
  let acc: Cell = null;
  for (let i = 0; i < n; i++) {
    const x = v[i]!;
    if (x === null) {
      out[i] = null; // skipna: missing stays missing, the accumulator goes on
      continue;
    }
    if (acc === null) acc = x;
    else if (typeof x === 'bigint') {
      const a = acc as bigint;
      acc = s.op === 'cumsum' ? wrap(a + x) : s.op === 'cumprod' ? wrap(a * x) : s.op === 'cummax' ? (x > a ? x : a) : x < a ? x : a;
    } else {
      const a = acc as number;
      const y = x as number;
      acc = s.op === 'cumsum' ? a + y : s.op === 'cumprod' ? a * y : s.op === 'cummax' ? (y > a ? y : a) : y < a ? y : a;
    }
    out[i] = acc;
  }
  return out;
}

/** Cells [start, end) of the run as a column of dtype `d` (the op's result dtype). */
function toColumn(cells: readonly Cell[], start: number, end: number, d: DType): Column {
  const m = end - start;
  const at = (i: number): Cell => cells[start + i]!;
  switch (d) {
    case 'string':
    case 'category': {
      const strings: string[] = [];
      const code = new Map<string, number>();
      const values = Int32Array.from({ length: m }, (_, i) => {
        const x = at(i);
        if (x === null) return -1;
        // a bool run (shift/diff of bools): pandas' object True/False
        const s = typeof x === 'string' ? x : x ? 'True' : 'False';
        let k = code.get(s);
        if (k === undefined) code.set(s, (k = strings.push(s) - 1));
        return k;
      });
      return { dtype: d, values, dict: StringDict.fromStrings(strings) };
    }
    case 'int64':
      return { dtype: d, values: BigInt64Array.from({ length: m }, (_, i) => at(i) as bigint) };
    case 'Int64':
      return { dtype: d, values: BigInt64Array.from({ length: m }, (_, i) => (at(i) ?? 0n) as bigint), valid: Uint8Array.from({ length: m }, (_, i) => (at(i) === null ? 0 : 1)) };
    case 'bool':
      return { dtype: d, values: Uint8Array.from({ length: m }, (_, i) => (at(i) ? 1 : 0)) };
    default:
      return { dtype: d, values: Float64Array.from({ length: m }, (_, i) => (at(i) === null ? NaN : Number(at(i)))) };
  }
}

/**
 * A base source with one more column: an expression of the base's columns with a ScanOp applied
 * across its partitions in order (every base column passes through, row for row, so Series of the
 * base and of the scan combine: see {@link alignedSource}).
 */
export class ScanSource implements PartitionSource {
  readonly name: string;
  readonly op: string;
  readonly npartitions: number;
  readonly schema: ReadonlyArray<readonly [string, DType]>;
  readonly index?: string;
  readonly divisions?: readonly (Date | number | string)[];
  readonly lengths?: readonly number[];
  constructor(
    readonly base: PartitionSource,
    /** What the op runs over: an expression of the base's columns. */
    readonly input: Expr,
    readonly scan: ScanOp,
    /** The result's column name (hidden: not among a frame's selected columns). */
    readonly out: string,
  ) {
    this.op = scan.op;
    this.name = `${scan.op}-${layerId()}`;
    this.npartitions = base.npartitions;
    this.index = base.index;
    this.schema = [...base.schema, [out, scanDtype(scan, exprDtype(input, new Map(base.schema)))]];
    this.divisions = base.divisions;
    this.lengths = base.lengths;
  }
  /** This scan over another source that has the columns its input reads (row for row the same rows). */
  rebase(base: PartitionSource): ScanSource {
    return new ScanSource(base, this.input, this.scan, this.out);
  }
  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }
  /** Reads backwards (shift/diff by a negative n: the rows after). */
  private get backwards(): boolean {
    return 'periods' in this.scan && this.scan.periods < 0;
  }
  private get own(): boolean {
    return 'periods' in this.scan && this.scan.periods === 0;
  }
  taskInputs(t: number): [number, number][] {
    if (this.own) return [[0, t]];
    const [lo, hi] = this.backwards ? [t, this.npartitions - 1] : [0, t];
    return Array.from({ length: hi - lo + 1 }, (_, k) => [0, lo + k] as [number, number]);
  }
  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = (columns ?? this.schema.map(([n]) => n)).filter((n) => n !== this.index);
    const baseWant = want.filter((n) => n !== this.out);
    if (baseWant.length === want.length) return this.base.load(baseWant, parts, ctx);
    const idx = parts ?? Array.from({ length: this.npartitions }, (_, i) => i);
    if (!idx.length) return [];
    // the contiguous run of base partitions every asked one needs
    const lo = this.backwards || this.own ? Math.min(...idx) : 0;
    const hi = this.backwards && !this.own ? this.npartitions - 1 : Math.max(...idx);
    const range = Array.from({ length: hi - lo + 1 }, (_, k) => lo + k);
    const loaded = await this.base.load([...new Set([...baseWant, ...exprColumns(this.input)])], range, ctx);
    let cols: Column[];
    if (this.input.kind === 'col') {
      const name = this.input.name;
      cols = loaded.map((p) => p.columns.get(name)!);
    } else {
      // dtypes as read (a CSV column may have unified to another dtype than the sample's)
      const dtypes = new Map<string, DType>(this.base.schema);
      const first = loaded.find((p) => p.length > 0) ?? loaded[0];
      if (first) for (const [n, c] of first.columns) dtypes.set(n, c.dtype);
      [cols] = (await evaluate([this.input], loaded, dtypes, { signal: ctx.options.signal })) as [Column[]];
    }
    const d = runDtype(cols, exprDtype(this.input, new Map(this.base.schema)));
    const out = scanDtype(this.scan, d);
    const cells: Cell[] = [];
    for (const c of cols) cellsOf(c, cells);
    const result = run(this.scan, d, cells);
    const starts: number[] = [];
    let at = 0;
    for (const p of loaded) {
      starts.push(at);
      at += p.length;
    }
    const keep = this.index ? [this.index, ...baseWant] : baseWant;
    return idx.map((t) => {
      const k = t - lo;
      const p = loaded[k]!;
      const m = new Map<string, Column>(keep.filter((n) => p.columns.has(n)).map((n) => [n, p.columns.get(n)!]));
      m.set(this.out, toColumn(result, starts[k]!, starts[k]! + p.length, out));
      return { length: p.length, columns: m };
    });
  }
}

/** A source and the scans it is built by, outermost first, down to the first source that is not a scan. */
function scanChain(s: PartitionSource): PartitionSource[] {
  const out = [s];
  while (s instanceof ScanSource) {
    s = s.base;
    out.push(s);
  }
  return out;
}

/**
 * One source holding every column of each of `sources` row for row, when they are scans over one
 * common source (x, x.shift(), x.cumsum() of one frame): the scans of each stacked over the
 * others'; undefined when the rows do not align (frames of other sources).
 */
export function alignedSource(sources: readonly PartitionSource[]): PartitionSource | undefined {
  let acc = sources[0]!;
  for (const b of sources.slice(1)) {
    if (acc === b) continue;
    const ca = scanChain(acc);
    const cb = scanChain(b);
    if (cb.includes(acc)) {
      acc = b;
      continue;
    }
    if (ca.includes(b)) continue;
    const common = ca.find((s) => cb.includes(s));
    if (!common) return undefined;
    const have = new Set(ca.filter((s): s is ScanSource => s instanceof ScanSource).map((s) => s.out));
    for (const s of (cb.slice(0, cb.indexOf(common)) as ScanSource[]).reverse()) if (!have.has(s.out)) acc = s.rebase(acc);
  }
  return acc;
}
