// Lazy function calls: Dask's `delayed` for TypeScript.
import { TaskGraphBuilder } from '../graph/builder.js';
import type { GraphNode, HasGraph, TaskGraph } from '../graph/types.js';
import { DELAYED_BRAND, identityOf, isDelayedLike, isPlainObject, randomToken, tokenize } from './tokenize.js';
import { computeMany, type DelayedComputeOptions } from './compute.js';
import { collectDelayeds, collectTasks, registerDelayed, type AnyFunction, type Callable, type DelayedNode, type TaskSpec } from './task.js';

export { collectDelayeds, collectTasks, noutMismatch, substitute, type AnyFunction, type Callable, type TaskSpec } from './task.js';
import type { VisualizeOptions } from '../visualize/index.js';

/** A value that may be given lazily: itself, a Delayed of it, or an array/plain object containing Delayeds. */
export type MaybeDelayed<T> =
  | T
  | Delayed<T>
  | (T extends AnyFunction | ArrayBufferView | Date
      ? never
      : T extends object
        ? { [K in keyof T]: MaybeDelayed<T[K]> }
        : never);

/**
 * The arguments of a {@link DelayedFunction}: each parameter of the wrapped function may be passed
 * as its value, as a Delayed of it, or as an array/object containing Delayed values (found and
 * computed first, as Dask's delayed traverses lists and dicts).
 */
export type MaybeDelayedArgs<A extends readonly unknown[]> = { [K in keyof A]: MaybeDelayed<A[K]> };

/** A Delayed with a known number of outputs: indexable (`d[0]`) and iterable (`const [a, b] = d`). */
export type DelayedTuple<T> = T extends readonly unknown[]
  ? Delayed<T> & { readonly [I in keyof T]: Delayed<T[I]> }
  : Delayed<T>;

export type DelayedResult<F extends AnyFunction, N> = [N] extends [number]
  ? DelayedTuple<Awaited<ReturnType<F>>>
  : Delayed<Awaited<ReturnType<F>>>;

/** What `delayed(fn)` returns: call it like `fn` (arguments may be lazy) to get a Delayed. */
export interface DelayedFunction<F extends AnyFunction, N extends number | undefined = undefined> {
  (...args: MaybeDelayedArgs<Parameters<F>>): DelayedResult<F, N>;
  /** Operation name used in keys and graph labels. */
  readonly opName: string;
  /** Whether keys are deterministic (the `pure` option; default false, as Dask's). */
  readonly pure: boolean;
  /** The number of outputs (the `nout` option), or undefined when not given. */
  readonly nout: N;
  /** True when calls run on the worker-thread pool. */
  readonly worker: boolean;
}

/**
 * Options of {@link delayed} (Dask's `delayed(fn, name=, pure=, nout=)` plus `worker`). Unknown
 * keys and values of the wrong type are a TypeError.
 */
export interface DelayedOptions {
  /** Operation name for keys (`${name}-${hash}`) and graph labels. Default: the function's name. */
  name?: string;
  /** Deterministic keys from the function identity and arguments: equal calls share one task. */
  pure?: boolean;
  /** Number of outputs of a function returning an array/tuple, so the result can be destructured. */
  nout?: number;
  /**
   * Run on the worker-thread pool. Only for module functions (`delayed.module`), where it is the
   * default; plain functions (closures) cannot be sent to another thread and get a TypeError.
   */
  worker?: boolean;
}

const GETITEM_CACHE = Symbol('getitem-cache');

export class Delayed<T = unknown> implements HasGraph {
  /** Brand: recognized across module copies without instanceof. */
  readonly [DELAYED_BRAND] = true as const;
  /** The task key, `${name}-${hash}` (Dask's `name-token`). */
  readonly key: string;
  /** Number of outputs when known (set by `nout`); the Delayed is then iterable and indexable. */
  readonly nout: number | undefined;
  /** @internal */
  readonly task: TaskSpec;
  private [GETITEM_CACHE]?: Map<number, Delayed>;

  /** @internal Use `delayed(...)`. */
  constructor(task: TaskSpec, nout?: number) {
    registerDelayed(this);
    this.key = task.key;
    this.task = task;
    this.nout = nout;
    if (nout !== undefined) {
      for (let i = 0; i < nout; i++) {
        Object.defineProperty(this, i, { get: () => this.get(i), enumerable: true });
      }
      Object.defineProperty(this, 'length', { value: nout, enumerable: false });
    }
  }

  /** The operation name (function name for calls). */
  get name(): string {
    return this.task.name;
  }

  /** A Delayed for item `i` of this value (a `getitem` task). Bounds-checked when `nout` is known. */
  get<I extends number>(i: I): Delayed<T extends readonly unknown[] ? T[I] : unknown> {
    if (!Number.isInteger(i)) throw new TypeError(`Delayed.get(index): index must be an integer, got ${String(i)}`);
    let index: number = i;
    if (this.nout !== undefined) {
      if (index < -this.nout || index >= this.nout)
        throw new RangeError(`Delayed.get(index): index ${i} is out of range for nout=${this.nout}`);
      if (index < 0) index += this.nout;
    }
    const cache = (this[GETITEM_CACHE] ??= new Map());
    let item = cache.get(index);
    if (!item) {
      item = new Delayed({
        key: `getitem-${tokenize(this.key, index)}`,
        name: 'getitem',
        kind: 'getitem',
        index,
        deps: [this],
        label: `${shortKey(this.key)}[${index}]`,
      });
      cache.set(index, item);
    }
    return item as Delayed<T extends readonly unknown[] ? T[I] : unknown>;
  }

  /** Run the graph and resolve with the value. */
  async compute(options: DelayedComputeOptions = {}): Promise<T> {
    const [value] = await computeMany([this], options);
    return value as T;
  }

  /** The task graph (Delayed graphs are already minimal, so `optimize` changes nothing). */
  graph(_options: { optimize?: boolean } = {}): TaskGraph {
    return delayedGraph([this]);
  }

  /** Draw the task graph: returns SVG (or DOT) and writes `options.filename` if given. */
  async visualize(options: VisualizeOptions = {}): Promise<string> {
    const { visualize } = await import('../visualize/index.js');
    return visualize(this, options);
  }

  toString(): string {
    return `Delayed('${this.key}')`;
  }

  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }
}

// Iterable only when the number of outputs is known, as in Dask.
Object.defineProperty(Delayed.prototype, Symbol.iterator, {
  value: function* (this: Delayed): Generator<Delayed> {
    if (this.nout === undefined)
      throw new TypeError(
        `Delayed objects of unspecified length are not iterable: pass { nout: n } to delayed() to destructure ${this.key}`,
      );
    for (let i = 0; i < this.nout; i++) yield this.get(i);
  },
});

/** Whether `x` is a {@link Delayed} made by this tessera (Python's `isinstance(x, dask.delayed.Delayed)`); any other value gives false. */
export function isDelayed(x: unknown): x is Delayed {
  return isDelayedLike(x) && x instanceof Delayed;
}

function shortKey(key: string): string {
  const m = /^(.*)-([0-9a-f]{32})$/.exec(key);
  return m ? `${m[1]}-${m[2]!.slice(0, 7)}` : key;
}

/** Another lazy collection (an NDArray, a DataFrame): has a graph and computes to a value. */
interface Computable extends HasGraph {
  compute(options?: unknown): Promise<unknown>;
}

function isComputable(x: object): x is Computable {
  return typeof (x as Computable).graph === 'function' && typeof (x as Computable).compute === 'function';
}

const collectionDelayeds = new WeakMap<object, Delayed>();

/**
 * A Delayed computing another collection (Dask computes a dask array passed to a delayed function
 * and hands the function the result). One Delayed per collection object, so it is computed once.
 */
export function collectionToDelayed<T>(x: { compute(): Promise<T> } & HasGraph): Delayed<T> {
  let d = collectionDelayeds.get(x);
  if (!d) {
    const name = (x.constructor?.name ?? 'collection').toLowerCase();
    const key = `${name}-${tokenize(`collection:${identityOf(x)}`)}`;
    d = new Delayed({
      key,
      name,
      kind: 'call',
      callable: { kind: 'local', fn: () => x.compute() },
      args: [],
      argHasDelayed: [],
      deps: [],
      label: shortKey(key),
    });
    collectionDelayeds.set(x, d);
  }
  return d as Delayed<T>;
}

/** Replace other lazy collections inside arguments by Delayeds computing them (copying containers only when needed). */
function liftCollections(x: unknown): unknown {
  // Post-order with an explicit stack (arguments can nest deeply): a container is copied only
  // when one of its items changed; each container is visited once.
  type Step =
    | { v: unknown; put: (w: unknown) => void }
    | { done: unknown[]; from: unknown[]; put: (w: unknown) => void }
    | { done: Record<string, unknown>; from: Record<string, unknown>; keys: string[]; put: (w: unknown) => void };
  const seen = new Set<object>();
  let result: unknown;
  const stack: Step[] = [{ v: x, put: (w) => (result = w) }];
  while (stack.length) {
    const step = stack.pop()!;
    if ('done' in step) {
      if (Array.isArray(step.done)) {
        const from = step.from as unknown[];
        let changed = false;
        for (let i = 0; i < from.length; i++) if (i in from && step.done[i] !== from[i]) changed = true;
        step.put(changed ? step.done : from);
      } else {
        const { done, from, keys } = step as Extract<Step, { keys: string[] }>;
        step.put(keys.some((k) => done[k] !== from[k]) ? done : from);
      }
      continue;
    }
    const { v, put } = step;
    if (typeof v !== 'object' || v === null || isDelayed(v) || seen.has(v)) put(v);
    else if (isComputable(v)) put(collectionToDelayed(v));
    else if (Array.isArray(v)) {
      seen.add(v);
      const done = new Array<unknown>(v.length);
      stack.push({ done, from: v, put });
      for (let i = v.length - 1; i >= 0; i--) if (i in v) stack.push({ v: v[i], put: (w) => (done[i] = w) });
    } else if (isPlainObject(v)) {
      seen.add(v);
      const done: Record<string, unknown> = Object.getPrototypeOf(v) === null ? Object.create(null) : {};
      const keys = Object.keys(v);
      stack.push({ done, from: v, keys, put });
      for (let k = keys.length - 1; k >= 0; k--) stack.push({ v: v[keys[k]!], put: (w) => (done[keys[k]!] = w) });
    } else put(v);
  }
  return result;
}

function uniqueByKey(ds: DelayedNode[]): DelayedNode[] {
  const seen = new Set<string>();
  return ds.filter((d) => (seen.has(d.key) ? false : (seen.add(d.key), true)));
}

function checkName(name: unknown, where: string): string {
  if (typeof name !== 'string' || name.length === 0 || /\s/.test(name))
    throw new TypeError(`${where}: options.name must be a non-empty string without spaces, got ${JSON.stringify(name)}`);
  return name;
}

const DELAYED_OPTION_KEYS = ['name', 'pure', 'nout', 'worker'];

function checkOptions(options: unknown, where: string): DelayedOptions {
  if (options === undefined || options === null) return {};
  if (typeof options !== 'object' || options === null)
    throw new TypeError(`${where}: options must be an object like { name, pure, nout, worker }, got ${String(options)}`);
  for (const key of Object.keys(options)) {
    if (!DELAYED_OPTION_KEYS.includes(key)) throw new TypeError(`${where}: unknown option ${JSON.stringify(key)}; accepted: ${DELAYED_OPTION_KEYS.join(', ')}`);
  }
  const o = options as DelayedOptions;
  if (o.name !== undefined) checkName(o.name, where);
  if (o.pure !== undefined && typeof o.pure !== 'boolean')
    throw new TypeError(`${where}: options.pure must be a boolean, got ${String(o.pure)}`);
  if (o.nout !== undefined && (typeof o.nout !== 'number' || !Number.isInteger(o.nout) || o.nout < 1))
    throw new RangeError(`${where}: options.nout must be a positive integer, got ${String(o.nout)}`);
  if (o.worker !== undefined && typeof o.worker !== 'boolean')
    throw new TypeError(`${where}: options.worker must be a boolean, got ${String(o.worker)}`);
  return o;
}

function makeDelayedFunction(callable: Callable, name: string, options: DelayedOptions): AnyFunction {
  const pure = options.pure ?? false;
  const nout = options.nout;
  const call = (...rawArgs: unknown[]): Delayed => {
    const args = rawArgs.map((a) => liftCollections(a));
    const deps: DelayedNode[] = [];
    const argHasDelayed = args.map((a) => collectDelayeds(a, deps));
    const hash = pure
      ? tokenize(callable.kind === 'local' ? `f:${identityOf(callable.fn)}` : `M:${callable.url}#${callable.exportName}`, args)
      : randomToken();
    const key = `${name}-${hash}`;
    return new Delayed(
      { key, name, kind: 'call', callable, args, argHasDelayed, nout, deps: uniqueByKey(deps), label: shortKey(key) },
      nout,
    );
  };
  Object.defineProperties(call, {
    opName: { value: name, enumerable: true },
    pure: { value: pure, enumerable: true },
    nout: { value: nout, enumerable: true },
    worker: { value: callable.kind === 'module' && callable.worker, enumerable: true },
    name: { value: name },
    // how the function is reached (array block functions read a module's url and export from it)
    [CALLABLE]: { value: callable },
  });
  return call;
}

const CALLABLE = Symbol.for('tessera.delayed.callable');

/** @internal The Callable behind a function made by `delayed(fn)` or `delayed.module(url, name)`, else undefined. */
export function callableOf(fn: unknown): Callable | undefined {
  return typeof fn === 'function' ? ((fn as unknown as Record<symbol, Callable | undefined>)[CALLABLE]) : undefined;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  return (value as object).constructor?.name ?? 'Object';
}

function closureError(fnName: string): TypeError {
  return new TypeError(
    `delayed(${fnName}, { worker: true }): closures can't travel to worker threads — a worker can only ` +
      `import a function by module URL and export name. Move ${fnName} into a module, export it, and use ` +
      `delayed.module(new URL('./my-module.js', import.meta.url), '${fnName}') instead.`,
  );
}

interface DelayedApi {
  /** Wrap a function: calls return lazy Delayeds. */
  <F extends AnyFunction, const N extends number>(fn: F, options: DelayedOptions & { nout: N }): DelayedFunction<F, N>;
  <F extends AnyFunction>(fn: F, options?: DelayedOptions): DelayedFunction<F>;
  /** Wrap a plain value (arrays/objects containing Delayeds become a task that assembles them). */
  <T>(value: T, options?: { name?: string; pure?: boolean }): Delayed<Awaited<T>>;
  /**
   * A function exported by a module, run on the worker-thread pool (CPU-bound work in parallel).
   * `url` is a module URL (`new URL('./work.js', import.meta.url)`) or an absolute path; `exportName`
   * names the export. Arguments and results cross threads by structured clone.
   * Pass `{ worker: false }` to import and run it on the main thread instead.
   */
  module<F extends AnyFunction = AnyFunction, const N extends number | undefined = undefined>(
    url: URL | string,
    exportName: string,
    options?: DelayedOptions & { nout?: N },
  ): DelayedFunction<F, N>;
}

function delayedImpl(fnOrValue: unknown, options?: DelayedOptions): unknown {
  if (typeof fnOrValue === 'function') {
    const opts = checkOptions(options, 'delayed(fn, options)');
    const name = opts.name ?? (fnOrValue.name || 'anonymous');
    if (opts.worker) throw closureError(fnOrValue.name || 'fn');
    return makeDelayedFunction({ kind: 'local', fn: fnOrValue as AnyFunction }, name, opts);
  }
  if (isDelayed(fnOrValue)) return fnOrValue;
  const opts = checkOptions(options, 'delayed(value, options)');
  if (typeof fnOrValue === 'object' && fnOrValue !== null && isComputable(fnOrValue) && opts.name === undefined)
    return collectionToDelayed(fnOrValue);
  fnOrValue = liftCollections(fnOrValue);
  if (opts.nout !== undefined || opts.worker !== undefined)
    throw new TypeError('delayed(value, options): nout and worker apply to functions only; the first argument is not a function');
  const deps: DelayedNode[] = [];
  const hasDelayed = collectDelayeds(fnOrValue, deps);
  const name = opts.name ?? typeName(fnOrValue);
  const hash = opts.pure === false ? randomToken() : tokenize(fnOrValue);
  const key = `${name}-${hash}`;
  if (!hasDelayed) return new Delayed({ key, name, kind: 'literal', value: fnOrValue, deps: [], label: shortKey(key) });
  // A container holding Delayeds: a task that rebuilds it with their values (Dask's "finalize").
  return new Delayed({
    key,
    name,
    kind: 'build',
    args: [fnOrValue],
    argHasDelayed: [true],
    deps: uniqueByKey(deps),
    label: shortKey(key),
  });
}

function moduleUrl(url: unknown): string {
  if (url instanceof URL) return url.href;
  if (typeof url === 'string') {
    if (/^(file|data|node):/.test(url)) return url;
    if (url.startsWith('/')) return new URL(`file://${url}`).href;
  }
  throw new TypeError(
    `delayed.module(url, exportName): url must be a URL (e.g. new URL('./work.js', import.meta.url)) or an absolute path, got ${String(url)}`,
  );
}

function moduleImpl(url: URL | string, exportName: string, options?: DelayedOptions): unknown {
  const href = moduleUrl(url);
  if (typeof exportName !== 'string' || exportName.length === 0)
    throw new TypeError(`delayed.module(url, exportName): exportName must be a non-empty string, got ${String(exportName)}`);
  const opts = checkOptions(options, 'delayed.module(url, exportName, options)');
  return makeDelayedFunction({ kind: 'module', url: href, exportName, worker: opts.worker ?? true }, opts.name ?? exportName, opts);
}

/**
 * Dask's `delayed`: wrap a function so calls build a lazy task graph, or wrap a value.
 *
 * ```ts
 * const inc = delayed((x: number) => x + 1, { name: 'inc' });
 * await inc(inc(1)).compute(); // 3
 * ```
 */
export const delayed: DelayedApi = Object.assign(delayedImpl, { module: moduleImpl }) as unknown as DelayedApi;

/** Key of the task (ellipse) node producing data node `key` in a materialized graph. */
export function taskNodeKey(key: string): string {
  return `${key}:task`;
}

/** The TaskGraph of some Delayeds: one layer per operation name. */
export function delayedGraph(roots: readonly Delayed[]): TaskGraph {
  const tasks = collectTasks(roots);
  const builder = new TaskGraphBuilder();
  for (const t of tasks.values()) {
    builder.layer(t.name);
    if (t.kind !== 'literal') builder.addTasks(t.name);
    for (const d of t.deps) builder.addDependency(t.name, d.task.name);
  }
  return builder
    .addNodes(function* (): Iterable<GraphNode> {
      for (const t of tasks.values()) {
        if (t.kind === 'literal') {
          yield { key: t.key, label: t.label, kind: 'data', deps: [], layer: t.name };
          continue;
        }
        yield { key: taskNodeKey(t.key), label: t.name, kind: 'task', deps: t.deps.map((d) => d.key), layer: t.name };
        yield { key: t.key, label: t.label, kind: 'data', deps: [taskNodeKey(t.key)], layer: t.name };
      }
    })
    .build();
}
