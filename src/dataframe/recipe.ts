// DataFrames on the cluster. A frame, Series or lazy result is a closure over its sources, so it
// cannot travel; what travels is its recipe: the public calls that made it (readCsv(…),
// .filter(…), .groupby(…).agg(…)), recorded as they are made (recipe-store.ts). A worker repeats
// those calls with tessera's own code and computes the result on its native pool; no user code
// runs there except module functions under the worker's module roots (mapPartitions).
//
// The recorded calls are the public methods listed below, patched once on the prototypes: every
// call on a recorded object records its result. The worker accepts only these names on objects
// of these classes, and only the root functions readCsv, timeseries and concat.
import { resolve as resolvePath } from 'node:path';
import { describe as describeValue } from '../errors.js';
import { callableOf, delayed } from '../delayed/delayed.js';
import { type Column, type DType, StringDict } from './column.js';
import { DataFrame, DatetimeFields, Describe, Lazy, Series, StringMethods, StringSplit, Table } from './frame.js';
import { GroupBy } from './groupby.js';
import { Resampler } from './resample.js';
import { readCsv } from './csv.js';
import { timeseries } from './timeseries.js';
import { concat } from './rows.js';
import { type Made, madeBy, record } from './recipe-store.js';

type Ctor = abstract new (...args: never[]) => object;

/** What a worker may call on each class: public methods and getters that return frame-side objects. */
const RECORDED: readonly [Ctor, { methods: readonly string[]; getters: readonly string[] }][] = [
  [DataFrame, {
    methods: [
      'sample', 'dropDuplicates', 'setIndex', 'resetIndex', 'repartition', 'mapPartitions', 'resample', 'get', 'groupby',
      'sortValues', 'nlargest', 'nsmallest', 'merge', 'join', 'filter', 'assign', 'dropna', 'fillna', 'select', 'isna', 'notna',
      'drop', 'rename', 'length', 'sum', 'mean', 'min', 'max', 'count', 'std', 'quantile', 'median', 'var', 'corr', 'cov', 'describe',
      'astype', 'nunique',
    ],
    getters: [],
  }],
  [Series, {
    methods: [
      'length', 'add', 'sub', 'mul', 'div', 'pow', 'mod', 'floordiv', 'eq', 'ne', 'lt', 'le', 'gt', 'ge', 'isin', 'between', 'and',
      'or', 'xor', 'not', 'neg', 'abs', 'round', 'clip', 'isna', 'notna', 'fillna', 'where', 'mask', 'astype', 'map', 'replace',
      'sum', 'mean', 'min', 'max', 'count', 'any', 'all', 'std', 'var', 'quantile', 'median', 'corr', 'cov', 'describe',
      'valueCounts', 'unique', 'shift', 'diff', 'cumsum', 'cumprod', 'cummax', 'cummin', 'dropna', 'sortValues', 'nlargest',
      'nsmallest', 'nunique', 'mode', 'prod', 'idxmax', 'idxmin',
    ],
    getters: ['str', 'dt'],
  }],
  [GroupBy, {
    methods: ['get', 'select', 'agg', 'sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median', 'quantile', 'size'],
    getters: [],
  }],
  [Resampler, { methods: ['mean', 'sum', 'count', 'min', 'max', 'first', 'last', 'median', 'std', 'var'], getters: [] }],
  [StringMethods, {
    methods: ['lower', 'upper', 'len', 'contains', 'startsWith', 'endsWith', 'slice', 'strip', 'lstrip', 'rstrip', 'replace', 'split'],
    getters: [],
  }],
  [StringSplit, { methods: ['get', 'len'], getters: [] }],
  [DatetimeFields, {
    methods: ['floor', 'ceil', 'round', 'totalSeconds'],
    getters: [
      'year', 'month', 'day', 'hour', 'minute', 'second', 'microsecond', 'dayofweek', 'weekday', 'dayofyear', 'quarter', 'daysInMonth',
      'isMonthStart', 'isMonthEnd', 'isQuarterStart', 'isQuarterEnd', 'isYearStart', 'isYearEnd', 'isLeapYear', 'date', 'days',
    ],
  }],
];

const ROOTS: Record<string, (...args: never[]) => unknown> = { readCsv, timeseries, concat };

// ---- recording (patched once, when the dataframe module loads)
let patched = false;
// Only the user's own calls are recorded: a call made while another recorded call runs is the
// implementation's (its arguments may be internal values), and the outer call records the result.
let depth = 0;
function patch(): void {
  if (patched) return;
  patched = true;
  for (const [C, { methods, getters }] of RECORDED) {
    const proto = C.prototype as Record<string, unknown>;
    for (const name of methods) {
      const orig = proto[name] as (...a: unknown[]) => unknown;
      const wrapped = function (this: object, ...args: unknown[]): unknown {
        if (depth > 0 || !madeBy(this)) return orig.apply(this, args);
        depth++;
        let r: unknown;
        try {
          r = orig.apply(this, args);
        } finally {
          depth--;
        }
        const how: Made = { kind: 'method', on: this, name, args };
        return r instanceof Promise ? r.then((v: unknown) => record(v, how)) : record(r, how);
      };
      Object.defineProperty(wrapped, 'name', { value: name });
      Object.defineProperty(proto, name, { value: wrapped, writable: true, configurable: true, enumerable: false });
    }
    for (const name of getters) {
      const d = Object.getOwnPropertyDescriptor(proto, name)!;
      const get = d.get!;
      Object.defineProperty(proto, name, {
        ...d,
        get(this: object): unknown {
          if (depth > 0 || !madeBy(this)) return get.call(this);
          depth++;
          let r: unknown;
          try {
            r = get.call(this);
          } finally {
            depth--;
          }
          return record(r, { kind: 'get', on: this, name });
        },
      });
    }
  }
  // a persisted frame holds the same rows as the frame it was made from: a worker recomputes them
  const persist = DataFrame.prototype.persist;
  DataFrame.prototype.persist = async function (this: DataFrame, ...args: Parameters<DataFrame['persist']>): Promise<DataFrame> {
    const r = await persist.apply(this, args);
    return madeBy(this) ? record(r, { kind: 'alias', of: this }) : r;
  };
}
patch();

// ---- the wire form
/** One recorded call; `on` and object arguments refer to earlier nodes by number. */
export type RecipeNode = { fn: string; args: unknown[] } | { on: number; method: string; args: unknown[] } | { on: number; get: string };
/** A recipe as it travels: its calls in order (each refers only to earlier ones) and the one to compute. */
export interface Recipe {
  nodes: RecipeNode[];
  root: number;
}
// One tag key for every non-JSON value (refs, dates, bigints, undefined, module functions, tables).
const TAG = '$tessera.frame';
const tag = (type: string, v: unknown): Record<string, unknown> => ({ [TAG]: [type, v] });
function untag(v: unknown): [string, unknown] | undefined {
  if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v)) return undefined;
  const keys = Object.keys(v);
  return keys.length === 1 && keys[0] === TAG ? ((v as Record<string, unknown>)[TAG] as [string, unknown]) : undefined;
}

/** Whether `x` is a DataFrame, Series or lazy result that client.compute sends as a recipe. */
export function isFrameLike(x: unknown): x is DataFrame | Series | Lazy<unknown> {
  return x instanceof DataFrame || x instanceof Series || x instanceof Lazy;
}

/**
 * The recipe of `x` (client side). A TypeError names what cannot travel: an object made
 * otherwise than by the recorded calls (fromArrow, in-memory data), a local function.
 */
export function recipeOf(x: object, where: string): Recipe {
  const ids = new Map<object, number>();
  const nodes: RecipeNode[] = [];
  const visit = (o: object, path: string): number => {
    let m = madeBy(o);
    while (m?.kind === 'alias') {
      o = m.of;
      m = madeBy(o);
    }
    const seen = ids.get(o);
    if (seen !== undefined) return seen;
    if (!m) {
      throw new TypeError(
        `${where}: ${path} (${describeValue(o)}) cannot be computed on the cluster: a worker rebuilds a frame from the calls that made it, starting at readCsv, datasets.timeseries or concat, and this one was not made that way (fromArrow or another in-memory frame); compute it locally`,
      );
    }
    const value = (v: unknown, p: string): unknown => {
      if (v === undefined) return tag('undefined', 0);
      if (typeof v === 'bigint') return tag('bigint', v.toString());
      if (typeof v === 'function') {
        const c = callableOf(v);
        if (c?.kind === 'module') return tag('module', { url: c.url, exportName: c.exportName, worker: c.worker });
        throw new TypeError(
          `${where}: ${p} is a local function; on a cluster only module functions run — pass delayed.module(new URL('./file.js', import.meta.url), 'name') so the workers can import it (no code travels on the bus)`,
        );
      }
      if (typeof v !== 'object' || v === null || ArrayBuffer.isView(v)) return v;
      if (v instanceof Date) return tag('date', v.getTime());
      if (madeBy(v) || isFrameLike(v) || v instanceof GroupBy) return tag('ref', visit(v, p));
      if (Array.isArray(v)) return v.map((e, i) => value(e, `${p}[${i}]`));
      const proto = Object.getPrototypeOf(v) as object | null;
      if (proto !== Object.prototype && proto !== null) {
        throw new TypeError(`${where}: ${p} is a ${(v as object).constructor?.name ?? 'object'}; only plain data, Dates, frames and Series travel to the workers`);
      }
      return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, value(e, `${p}.${k}`)]));
    };
    let node: RecipeNode;
    if (m.kind === 'root') {
      const args = m.fn === 'readCsv' ? absolutePaths(m.args) : m.args;
      node = { fn: m.fn, args: args.map((a, i) => value(a, `${m.fn}() argument ${i}`)) };
    } else if (m.kind === 'method') {
      const on = visit(m.on, path);
      node = { on, method: m.name, args: m.args.map((a, i) => value(a, `.${m.name}() argument ${i}`)) };
    } else {
      node = { on: visit(m.on, path), get: m.name };
    }
    nodes.push(node);
    ids.set(o, nodes.length - 1);
    return nodes.length - 1;
  };
  const root = visit(x, 'the value');
  return { nodes, root };
}

/** readCsv's paths as the client sees them: a worker resolves nothing against its own directory. */
function absolutePaths(args: readonly unknown[]): unknown[] {
  const [p, ...rest] = args;
  const abs = (s: unknown): unknown => (typeof s === 'string' && !/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? resolvePath(s) : s);
  return [Array.isArray(p) ? p.map(abs) : abs(p), ...rest];
}

/**
 * Worker side: repeat the recipe's calls and compute its root; the value comes back in wire
 * form (decodeFrameValue turns it back). Only the recorded methods and root functions are
 * called; module functions are resolved by `resolveModule` (the worker's module roots).
 */
export async function computeRecipe(recipe: Recipe, resolveModule: (url: string) => string): Promise<unknown> {
  if (typeof recipe !== 'object' || recipe === null || !Array.isArray(recipe.nodes) || !Number.isInteger(recipe.root)) {
    throw new TypeError('a DataFrame task must carry a recipe { nodes, root }');
  }
  const values: object[] = [];
  const arg = (v: unknown): unknown => {
    const t = untag(v);
    if (t) {
      const [type, x] = t;
      switch (type) {
        case 'undefined': return undefined;
        case 'bigint': return BigInt(x as string);
        case 'date': return new Date(x as number);
        case 'ref': {
          const o = values[x as number];
          if (!o) throw new RangeError(`a DataFrame recipe refers to call ${String(x)} before it is made`);
          return o;
        }
        case 'module': {
          const { url, exportName, worker } = x as { url: string; exportName: string; worker: boolean };
          return delayed.module(resolveModule(url), exportName, { worker });
        }
        default: throw new TypeError(`a DataFrame recipe carries an unknown value type ${JSON.stringify(type)}`);
      }
    }
    if (Array.isArray(v)) return v.map(arg);
    if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, arg(e)]));
    return v;
  };
  for (const node of recipe.nodes) {
    let out: unknown;
    if ('fn' in node) {
      const f = Object.hasOwn(ROOTS, node.fn) ? ROOTS[node.fn] : undefined;
      if (!f) throw new TypeError(`refused DataFrame call ${JSON.stringify(node.fn)}: a worker starts frames only with ${Object.keys(ROOTS).join(', ')}`);
      out = (f as (...a: unknown[]) => unknown)(...node.args.map(arg));
    } else {
      const on = values[node.on];
      if (!on) throw new RangeError(`a DataFrame recipe calls on ${String(node.on)} before it is made`);
      const spec = RECORDED.find(([C]) => Object.getPrototypeOf(on) === C.prototype)?.[1];
      const name = 'method' in node ? node.method : node.get;
      const allowed = 'method' in node ? spec?.methods : spec?.getters;
      if (!allowed?.includes(name)) throw new TypeError(`refused DataFrame call .${String(name)} on ${on.constructor.name}: not one a worker runs`);
      const target = on as Record<string, unknown>;
      out = 'method' in node ? await (target[name] as (...a: unknown[]) => unknown)(...node.args.map(arg)) : target[name];
    }
    if (typeof out !== 'object' || out === null) throw new TypeError('a DataFrame recipe call gave no frame-side object');
    values.push(out);
  }
  const root = values[recipe.root];
  if (!isFrameLike(root)) throw new TypeError('a DataFrame recipe must end at a DataFrame, Series or lazy result');
  return encodeValue(await root.compute());
}

// ---- results
function encodeColumn(c: Column): Record<string, unknown> {
  return {
    dtype: c.dtype,
    values: c.values,
    ...(c.dict ? { dictBytes: c.dict.bytes, dictOffsets: c.dict.offsets } : {}),
    ...(c.valid ? { valid: c.valid } : {}),
  };
}

function encodeValue(v: unknown): unknown {
  if (v instanceof Table) {
    return tag('table', { columns: v.columns, length: v.length, index: v.index ?? null, data: [...v.data].map(([n, c]) => [n, encodeColumn(c)]) });
  }
  if (v instanceof Describe) {
    const d = v as unknown as { index: string[]; columns: string[]; data: unknown };
    return tag('describe', { index: d.index, columns: d.columns, data: d.data });
  }
  if (v instanceof Date) return tag('date', v.getTime());
  if (typeof v === 'bigint') return tag('bigint', v.toString());
  if (v === undefined) return tag('undefined', 0);
  if (Array.isArray(v)) return v.map(encodeValue);
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, encodeValue(e)]));
  return v;
}

/** Client side: a worker's computed value (Table, Describe, numbers, bigints, Dates, records of them) as compute() gives it locally. */
export function decodeFrameValue(v: unknown): unknown {
  const t = untag(v);
  if (t) {
    const [type, x] = t;
    switch (type) {
      case 'table': {
        const { columns, length, index, data } = x as { columns: string[]; length: number; index: string | null; data: [string, Record<string, unknown>][] };
        const cols = new Map<string, Column>(
          data.map(([n, c]) => {
            const col: Column = { dtype: c.dtype as DType, values: c.values as Column['values'] };
            if (c.dictBytes) col.dict = new StringDict(c.dictBytes as Uint8Array, c.dictOffsets as Int32Array);
            if (c.valid) col.valid = c.valid as Uint8Array;
            return [n, col];
          }),
        );
        return new Table(columns, cols, length, index ?? undefined);
      }
      case 'describe': {
        const { index, columns, data } = x as { index: string[]; columns: string[]; data: Record<string, Record<string, number | string | boolean | null>> };
        return new Describe(index, columns, data);
      }
      case 'date': return new Date(x as number);
      case 'bigint': return BigInt(x as string);
      case 'undefined': return undefined;
      default: throw new TypeError(`a worker's DataFrame result carries an unknown value type ${JSON.stringify(type)}`);
    }
  }
  if (Array.isArray(v)) return v.map(decodeFrameValue);
  if (typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) return Object.fromEntries(Object.entries(v).map(([k, e]) => [k, decodeFrameValue(e)]));
  return v;
}

/** The call task's URL a worker answers with computeRecipe (tessera's own code, not a module import). */
export const FRAME_TASK_URL = 'tessera:dataframe';

/** @internal The recorded method and getter names per class (tests check they cover the public API). */
export function recordedCalls(): Map<Ctor, { methods: readonly string[]; getters: readonly string[] }> {
  return new Map(RECORDED);
}
