// Frames derived from a source by row and column steps (filter, assign, dropna, fillna): a
// PartitionSource that loads the base columns the steps need and applies the steps to the batch
// of partitions, each expression step as one engine plan over every partition (src/dataframe/expr.ts).
import { type Column, type DType, type Partition, StringDict } from './column.js';
import { type Expr, evaluate, exprColumns, exprDtype } from './expr.js';
import { dfNative } from './native.js';
import { awaitNative } from './run.js';
import { type LoadContext, type PartitionSource, layerId } from './source.js';

export type Step =
  | { readonly kind: 'assign'; readonly columns: readonly (readonly [string, Expr])[] }
  | { readonly kind: 'filter'; readonly mask: Expr }
  /** fillna of a string column with a string (a dictionary entry, no engine work). */
  | { readonly kind: 'fillString'; readonly column: string; readonly value: string };

/** The dtypes after each step (schema level: from the source's declared dtypes). */
function applySchema(schema: ReadonlyArray<readonly [string, DType]>, steps: readonly Step[]): [string, DType][] {
  const out = new Map<string, DType>(schema.map(([n, d]) => [n, d]));
  for (const s of steps) {
    if (s.kind === 'assign') {
      const types = s.columns.map(([n, e]) => [n, exprDtype(e, out)] as const);
      for (const [n, d] of types) out.set(n, d);
    } else if (s.kind === 'filter') {
      const d = exprDtype(s.mask, out);
      if (d !== 'bool') throw new TypeError(`filter(mask): mask must be a bool Series, got dtype ${d}`);
    }
  }
  return [...out];
}

/**
 * Keeps the rows where each part's mask (0/1 bytes: the array engine's bool result, or a
 * row operation's own) is 1, compacting the columns `keep` of every part in one native job
 * (dfFilter: each (part, column) its own task); a part whose rows are all kept is returned as it is.
 */
export async function compactRows(masks: readonly Uint8Array[], parts: readonly Partition[], keep: (name: string) => boolean, signal: AbortSignal | undefined): Promise<Partition[]> {
  const live = parts.flatMap((p, i) => (p.length > 0 ? [{ p, mask: masks[i]! }] : []));
  if (!live.length) return [...parts];
  const names = [...live[0]!.p.columns.keys()].filter(keep);
  // a nullable column's validity mask is compacted as one more column
  const masked = names.filter((n) => live[0]!.p.columns.get(n)!.valid);
  const res = await awaitNative(
    (onProgress) =>
      dfNative().dfFilter(
        {
          rows: live.map(({ p }) => p.length),
          masks: live.map(({ mask }) => mask),
          keep: [...names.map((n) => live.map(({ p }) => p.columns.get(n)!.values)), ...masked.map((n) => live.map(({ p }) => p.columns.get(n)!.valid!))],
        },
        onProgress,
      ),
    { options: { signal } },
  );
  const out = new Map<Partition, Partition>();
  live.forEach(({ p }, i) => {
    const count = res.counts[i]!;
    if (count === p.length) return out.set(p, p); // (columns not read later are dropped at the end)
    const m = new Map<string, Column>();
    names.forEach((n, k) => {
      const c = p.columns.get(n)!;
      const Ctor = c.values.constructor as new (buffer: ArrayBuffer, offset: number, length: number) => Column['values'];
      const v = masked.indexOf(n);
      const valid = v < 0 ? undefined : new Uint8Array(res.columns[names.length + v]![i]!, 0, count);
      m.set(n, { dtype: c.dtype, values: new Ctor(res.columns[k]![i]!, 0, count), dict: c.dict, valid });
    });
    return out.set(p, { length: count, columns: m });
  });
  return parts.map((p) => out.get(p) ?? p);
}

export class DerivedSource implements PartitionSource {
  readonly name: string;
  readonly npartitions: number;
  readonly schema: [string, DType][];
  readonly index?: string;
  readonly divisions?: readonly (Date | number | string)[];
  readonly lengths?: readonly number[];

  constructor(
    readonly base: PartitionSource,
    readonly steps: readonly Step[],
    readonly op: string,
  ) {
    this.name = `${op}-${layerId()}`;
    this.npartitions = base.npartitions;
    this.schema = applySchema(base.schema, steps);
    this.index = base.index;
    this.divisions = base.divisions;
    this.lengths = steps.some((s) => s.kind === 'filter') ? undefined : base.lengths;
  }

  /** This source with one more step (steps of a chain run in one load). */
  with(step: Step, op: string): DerivedSource {
    return new DerivedSource(this.base, [...this.steps, step], op);
  }

  get inputs(): readonly PartitionSource[] {
    return [this.base];
  }

  async load(columns: readonly string[] | undefined, parts: readonly number[] | undefined, ctx: LoadContext): Promise<Partition[]> {
    const want = columns ?? this.schema.map(([n]) => n).filter((n) => n !== this.index);
    // walk the steps backwards: which columns each needs, and which assigned columns are used
    const need = new Set(want);
    const used: Set<string>[] = [];
    // per filter step: the columns read after it (the only ones to compact)
    const after: Set<string>[] = [];
    for (let k = this.steps.length - 1; k >= 0; k--) {
      const s = this.steps[k]!;
      if (s.kind === 'assign') {
        const keep = new Set<string>();
        for (const [n] of s.columns) if (need.has(n)) keep.add(n);
        for (const [n] of s.columns) need.delete(n);
        for (const [n, e] of s.columns) if (keep.has(n)) exprColumns(e, need);
        used[k] = keep;
      } else if (s.kind === 'filter') {
        after[k] = new Set(need);
        exprColumns(s.mask, need);
      } else {
        need.add(s.column);
      }
    }
    const baseNames = new Set(this.base.schema.map(([n]) => n));
    const loadCols = [...need].filter((n) => baseNames.has(n) && n !== this.base.index);
    let cur = await this.base.load(loadCols, parts, ctx);
    const engineOptions = { signal: ctx.options.signal };
    for (let k = 0; k < this.steps.length; k++) {
      const s = this.steps[k]!;
      // dtypes as read (a CSV column may have unified to another dtype than the sample's)
      const dtypes = new Map<string, DType>(this.base.schema.map(([n, d]) => [n, d]));
      const first = cur.find((p) => p.length > 0) ?? cur[0];
      if (first) for (const [n, c] of first.columns) dtypes.set(n, c.dtype);
      if (s.kind === 'assign') {
        const todo = s.columns.filter(([n]) => used[k]!.has(n));
        if (!todo.length) continue;
        const cols = await evaluate(todo.map(([, e]) => e), cur, dtypes, engineOptions);
        cur = cur.map((p, i) => {
          const m = new Map(p.columns);
          todo.forEach(([n], j) => m.set(n, cols[j]![i]!));
          return { length: p.length, columns: m };
        });
      } else if (s.kind === 'filter') {
        const keep = (n: string): boolean => after[k]!.has(n) || n === this.index;
        const [masks] = await evaluate([s.mask], cur, dtypes, engineOptions);
        if (masks!.some((m, i) => cur[i]!.length > 0 && m.dtype !== 'bool'))
          throw new TypeError('filter(mask): the mask has missing values (pandas: an object column; .str predicates take { na: false })');
        cur = await compactRows(masks!.map((m) => m.values as Uint8Array), cur, keep, ctx.options.signal);
      } else {
        cur = cur.map((p) => {
          const c = p.columns.get(s.column);
          if (!c || (c.dtype !== 'string' && c.dtype !== 'category')) return p;
          const codes = c.values as Int32Array;
          if (!codes.some((k) => k < 0)) return p;
          // the value as one more dictionary entry
          const dict = c.dict!;
          const strings = Array.from({ length: dict.size }, (_, k) => dict.get(k));
          const code = strings.push(s.value) - 1;
          const out = codes.map((k) => (k < 0 ? code : k));
          const m = new Map(p.columns);
          m.set(s.column, { dtype: c.dtype, values: out, dict: StringDict.fromStrings(strings) });
          return { length: p.length, columns: m };
        });
      }
    }
    const names = this.index ? [this.index, ...want] : want;
    return cur.map((p) => ({ length: p.length, columns: new Map(names.filter((n) => p.columns.has(n)).map((n) => [n, p.columns.get(n)!] as [string, Column])) }));
  }
}
