// The distributed client: lowers collections exactly as a local compute does, sends the plan to
// the scheduler, follows progress, and fetches stored output pieces straight from the workers.
import { dtypeBytes } from '../plan/split.js';
import { DTYPES } from '../plan/ops.generated.js';
import { typedArrayClass } from '../array/dtype.js';
import { randomUUID } from 'node:crypto';
import { NDArray, type Computed } from '../array/ndarray.js';
import type { DType as ArrayDType } from '../array/dtype.js';
import type { ComputeResult } from '../array/types.js';
import { DenseArray } from '../array/dense.js';
import { contiguousStrides, itemsize, newId, scalarData, size, topoOrder, token as contentHash, type DType, type MaskNode, type MemoryNode, type Node, type RemoteMemory, type TypedData } from '../array/node.js';
import { rebuild } from '../storage/resolve.js';
import { Lowering, type Lowered, type Materialized, type RootRequest } from '../array/lower.js';
import { run } from '../array/emit.js';
import { resolveBlocksOnCluster } from '../array/blocks/run.js';
import type { ComputeOptions } from '../graph/types.js';
import { abortError } from '../errors.js';
import { native, type NativeBufferArg } from '../native.js';
import { ReduceCode, StageKind } from '../plan/types.js';
import { addMaskCounts, chunkCounts, resolveUnknownChunks } from '../array/indexing/gather.js';
import { Delayed, collectTasks, isDelayed, substitute, type AnyFunction, type DelayedFunction } from '../delayed/delayed.js';
import { GRAPH_REF, SUBJECTS, WIRE_TYPES, pack, unpack, wireProblem, type GraphRequest, type GraphTask, type OutputResult, type Piece, type SubmitRequest, type WireBuffer, type WorkerInfo } from './protocol.js';
import type { Auth } from './credentials.js'; // not ./nats.js: its .d.ts would pull @nats-io's types into the public API
import type { Subscription, Transport } from './transport.js';
import { watchCompute, type DoneEvent, type Watch, type WatchHost } from './follow.js';
import { fetchChunk } from './dataplane.js';
import { FRAME_TASK_URL, decodeFrameValue, isFrameLike, recipeOf } from '../dataframe/recipe.js';
import type { DataFrame, Lazy, Series, Table } from '../dataframe/frame.js';

/** Options of {@link Client.connect}. */
export interface ClientOptions {
  /** Credentials (a token, or a user and password); default: TESSERA_TOKEN, else the token file a local scheduler on that port wrote. */
  auth?: Auth;
  /** TLS: true to trust the system CAs, or `{ caFile }` to trust one CA (the scheduler's). */
  tls?: {
    /** Path of a PEM file with the CA certificate to trust (the CA that signed the scheduler's `--tlscert`). */
    caFile?: string;
  } | boolean;
  /** Fail a compute when the scheduler has not been heard from for this long (default 5000 ms). */
  schedulerTimeoutMs?: number;
}

/**
 * A module function reference: `{ url, exportName }`. `F` (the function's type, given by the
 * caller: `client.submit<typeof score>({ url, exportName: 'score' }, 21)`) types the arguments
 * and the result; `delayed.module<typeof score>(url, 'score')` is accepted too and carries it.
 */
export type ModuleFunctionRef<F extends AnyFunction = AnyFunction> = (
  | {
      /** The ES module's URL (`file:` for a path, e.g. `new URL('./score.js', import.meta.url)`); every worker must be able to import it. */
      url: string | URL;
      /** The name of the module's export to call. */
      exportName: string;
    }
  | {
      /** The reference a `delayed.module(url, exportName)` function carries. */
      moduleRef: {
        /** The module's URL, as a string. */
        url: string;
        /** The name of the export to call. */
        exportName: string;
      };
    }
) & {
  /** Type only: the function behind the reference. */
  readonly __function?: F;
};

/** What a task's function returns, once awaited, as `client.submit` resolves to it. */
export type Result<F extends AnyFunction> = Awaited<ReturnType<F>>;

/**
 * Output of `client.persist`: an NDArray whose chunks stay in the workers' native memory until
 * released. Build on it like any array and run the result with `client.compute` / `client.persist`:
 * the workers read the kept chunks in place or from each other. `compute()` / `gather()` fetch it.
 */
export class RemoteArray<D extends ArrayDType = ArrayDType, R extends number = number> extends NDArray<D, R> {
  private released = false;

  constructor(
    private readonly client: Client,
    /** The scheduler's id of the compute that made it. */
    readonly key: string,
    private output: OutputResult,
    node: Node,
  ) {
    super(node);
  }

  /** Fetch the data from the workers. */
  async gather(): Promise<ComputeResult<D, R>> {
    if (this.released) throw new Error(`${this.name}: released; persist it again`);
    const data = await this.client.fetchOutput(this.key, this.output, this.shape, this.node.dtype, (o) => (this.output = o));
    return (this.shape.length === 0 ? scalarOf(data, this.node.dtype) : new DenseArray(data, this.shape, this.node.dtype)) as ComputeResult<D, R>;
  }

  /** Same as gather(): the values are on the cluster already. */
  override async compute<Rk extends number = R>(this: RemoteArray<D, Rk>): Promise<ComputeResult<D, Rk>> {
    return this.gather();
  }

  /** Already persisted (on the cluster). */
  override async persist(): Promise<NDArray<D, R>> {
    return this;
  }

  /** Where the chunks live. */
  get workers(): string[] {
    return this.output.kind === 'pieces' ? [...new Set(this.output.pieces.map((p) => p.worker))] : [];
  }

  /** Free the chunks on the workers (every output of the same persist call). */
  release(): void {
    this.released = true;
    this.client.release(this.key);
  }

  override dispose(): void {
    this.release();
  }
}

/**
 * A connection to a tessera cluster (dask.distributed's Client): `await Client.connect('nats://host:8786')`.
 * `client.compute(x)` runs an array's plan or a Delayed graph on the workers, `client.persist(x)`
 * keeps the chunks there (a {@link RemoteArray}), `submit`/`map` call module functions. An
 * AsyncDisposable: `await using client = await Client.connect(…)` closes it at the end of the scope.
 */
export class Client {
  /** The scheduler last heard from (a restarted one has a new id). */
  private schedulerId = '';
  private lastBeat = Date.now();
  /** Connections re-established: events published meanwhile (a compute's 'done') may be lost. */
  private reconnects = 0;
  private closed = false;
  private readonly timeoutMs: number;
  /** The cluster token (or password): workers' chunk ports ask for it. */
  private readonly secret: string | undefined;
  /** Computes being followed; close() ends them. */
  private readonly watches = new Set<Watch>();
  private heartbeats: Subscription | undefined;
  private readonly watchHost: WatchHost;

  private constructor(private readonly transport: Transport, options: ClientOptions) {
    this.timeoutMs = options.schedulerTimeoutMs ?? 5000;
    this.watchHost = {
      transport,
      timeoutMs: this.timeoutMs,
      lastBeat: () => this.lastBeat,
      reconnects: () => this.reconnects,
      release: (compute) => this.release(compute),
    };
    const auth = options.auth ?? (process.env.TESSERA_TOKEN ? { token: process.env.TESSERA_TOKEN } : undefined);
    this.secret = auth?.token ?? auth?.pass;
  }

  /** Connect to a scheduler (`nats://host:8786`). */
  static async connect(address: string, options: ClientOptions = {}): Promise<Client> {
    if (typeof address !== 'string' || !/^(nats|tls):\/\//.test(address)) {
      throw new TypeError(`Client.connect(address): address must be a URL like nats://127.0.0.1:8786, got ${String(address)}`);
    }
    // Loaded on first use: importing tessera does not load the NATS client.
    const [{ connectNats }, { discoverAuth }] = await Promise.all([import('./nats.js'), import('./credentials.js')]);
    // No auth given: TESSERA_TOKEN, else the token file a local scheduler on that port wrote.
    const auth = options.auth ?? discoverAuth(address);
    const transport = await connectNats(address, { auth, tls: options.tls, name: 'tessera-client' });
    return Client.withTransport(transport, { ...options, auth }).catch(async (err) => {
      await transport.close();
      throw err;
    });
  }

  /** A client on any Transport (e.g. the in-process MemoryBus in tests). */
  static async withTransport(transport: Transport, options: ClientOptions = {}): Promise<Client> {
    const c = new Client(transport, options);
    transport.onReconnect(() => c.reconnects++);
    // Follow whichever scheduler beats now: after a restart, new computes go to the new one.
    c.heartbeats = transport.subscribe(SUBJECTS.heartbeat, (d) => {
      c.lastBeat = Date.now();
      c.schedulerId = unpack<{ id: string }>(d).id;
    });
    let info: { id: string };
    try {
      info = unpack(await transport.request(SUBJECTS.info, new Uint8Array(), c.timeoutMs));
    } catch (err) {
      throw new Error(`tessera: connected, but no scheduler answers (${(err as Error).message}). Is \`tessera scheduler\` running?`, { cause: err });
    }
    c.schedulerId = info.id;
    c.lastBeat = Date.now();
    return c;
  }

  /** Workers the scheduler knows, with their memory use. */
  async workers(): Promise<WorkerInfo[]> {
    return unpack<{ workers: WorkerInfo[] }>(await this.transport.request(SUBJECTS.info, new Uint8Array(), this.timeoutMs)).workers;
  }

  /** Compute one array (→ its value) or several (→ an array of values), like `compute()`. */
  async compute<D extends ArrayDType, R extends number>(x: NDArray<D, R>, options?: ComputeOptions): Promise<ComputeResult<D, R>>;
  async compute<T>(x: Delayed<T>, options?: ComputeOptions): Promise<T>;
  async compute(xs: readonly NDArray[], options?: ComputeOptions): Promise<Computed[]>;
  /**
   * A DataFrame or Series (→ its Table) or a lazy frame result (`df.groupby('name').agg(…)`,
   * `s.sum()` → its value), computed on a worker: the worker repeats the calls that made it,
   * from `readCsv` (the files must be readable at the same paths there), `datasets.timeseries`
   * or `concat`, and computes it on its native pool. Several frames in one call run on several
   * workers at once. A local function in the recipe (mapPartitions) is a TypeError: pass a
   * `delayed.module(url, name)` function, which the worker imports from its module roots.
   */
  async compute(x: DataFrame | Series, options?: ComputeOptions): Promise<Table>;
  async compute<T>(x: Lazy<T>, options?: ComputeOptions): Promise<T>;
  async compute(xs: readonly (NDArray | Delayed | DataFrame | Series | Lazy<unknown>)[], options?: ComputeOptions): Promise<unknown[]>;
  async compute(x: NDArray | Delayed | DataFrame | Series | Lazy<unknown> | readonly (NDArray | Delayed | DataFrame | Series | Lazy<unknown>)[], options: ComputeOptions = {}): Promise<unknown> {
    const list = Array.isArray(x) ? (x as readonly unknown[]) : [x];
    if (list.some((v) => isDelayed(v) || isFrameLike(v))) {
      // Delayeds go as one graph, frames as one call per frame, arrays as one plan, all at once.
      const at = list.map((v, i) => i);
      const dIdx = at.filter((i) => isDelayed(list[i]));
      const fIdx = at.filter((i) => isFrameLike(list[i]));
      const aIdx = at.filter((i) => !isDelayed(list[i]) && !isFrameLike(list[i]));
      const [dv, fv, av] = await Promise.all([
        dIdx.length ? this.computeGraph(dIdx.map((i) => list[i] as Delayed), options) : Promise.resolve([]),
        fIdx.length ? this.computeFrames(fIdx.map((i) => list[i] as DataFrame | Series | Lazy<unknown>), Array.isArray(x) ? fIdx : undefined, options) : Promise.resolve([]),
        aIdx.length ? this.compute(aIdx.map((i) => list[i]) as NDArray[], options) : Promise.resolve([]),
      ]);
      const out = new Array<unknown>(list.length);
      dIdx.forEach((i, j) => (out[i] = dv[j]));
      fIdx.forEach((i, j) => (out[i] = fv[j]));
      aIdx.forEach((i, j) => (out[i] = av[j]));
      return Array.isArray(x) ? out : out[0];
    }
    const arrays = this.arrays('compute', x);
    const { compute, outputs, shapes } = await this.run(arrays, options);
    try {
      const values = await Promise.all(outputs.map((o, i) => this.fetchOutput(compute, o, shapes[i]!.shape, shapes[i]!.dtype)));
      const result = values.map((d, i) => (shapes[i]!.shape.length === 0 ? scalarOf(d, shapes[i]!.dtype) : new DenseArray(d, shapes[i]!.shape, shapes[i]!.dtype)));
      return Array.isArray(x) ? result : result[0]!;
    } finally {
      this.release(compute);
    }
  }

  /**
   * Compute and keep the chunks in the workers' memory. The result is an NDArray: further
   * computes on the cluster read it where it lives.
   */
  async persist<D extends ArrayDType, R extends number>(x: NDArray<D, R>, options?: ComputeOptions): Promise<RemoteArray<D, R>>;
  async persist(xs: readonly NDArray[], options?: ComputeOptions): Promise<RemoteArray[]>;
  async persist(x: NDArray | readonly NDArray[], options: ComputeOptions = {}): Promise<RemoteArray | RemoteArray[]> {
    const arrays = this.arrays('persist', x);
    const { compute, outputs, shapes } = await this.run(arrays, options, 'persist');
    const remote = outputs.map((o, i) => {
      const { shape, dtype, chunks } = shapes[i]!;
      const node: MemoryNode = {
        kind: 'memory',
        id: newId(),
        name: `persisted-${contentHash(`remote:${compute}:${i}`)}`,
        shape,
        dtype,
        chunks,
        memory: { remote: { compute, output: i, bytes: shape.reduce((a, b) => a * b, 1) * itemsize(dtype), owner: this } },
        strides: contiguousStrides(shape),
        offset: 0,
        op: 'persisted',
        state: { disposed: false },
      };
      return new RemoteArray(this, compute, o, node);
    });
    return Array.isArray(x) ? remote : remote[0]!;
  }

  /**
   * Run `fn(...args)` on a worker; `fn` is a module function importable on the workers
   * (`{ url, exportName }` or `delayed.module(url, name)`). Arguments must be plain data.
   */
  submit<F extends AnyFunction, N extends number | undefined>(fn: DelayedFunction<F, N>, ...args: Parameters<F>): Promise<Result<F>>;
  submit<F extends AnyFunction = AnyFunction>(fn: ModuleFunctionRef<F>, ...args: Parameters<F>): Promise<Result<F>>;
  async submit(fn: ModuleFunctionRef | DelayedFunction<AnyFunction, number | undefined>, ...args: unknown[]): Promise<unknown> {
    // argument paths start at the argument: `[1].when` is argument 1's `when`
    return (await this.call('client.submit(fn, ...args)', fn, [args], {}, (path) => `argument ${path.replace(/^\[0\]\[(\d+)\]/, '$1')}`))[0];
  }

  /** Run `fn(...argsList[i])` for every i on the workers, in parallel. */
  map<F extends AnyFunction, N extends number | undefined>(fn: DelayedFunction<F, N>, argsList: readonly Parameters<F>[], options?: ComputeOptions): Promise<Result<F>[]>;
  map<F extends AnyFunction = AnyFunction>(fn: ModuleFunctionRef<F>, argsList: readonly Parameters<F>[], options?: ComputeOptions): Promise<Result<F>[]>;
  async map(fn: ModuleFunctionRef | DelayedFunction<AnyFunction, number | undefined>, argsList: readonly unknown[][], options: ComputeOptions = {}): Promise<unknown[]> {
    if (!Array.isArray(argsList) || !argsList.every(Array.isArray)) throw new TypeError('client.map(fn, argsList): argsList must be an array of argument arrays');
    return this.call('client.map(fn, argsList)', fn, argsList, options, (path) => `argsList${path}`);
  }

  /** `await using client = await Client.connect(…)`: close() at the end of the scope. */
  [Symbol.asyncDispose](): Promise<void> {
    return this.close();
  }

  /** console.log(client): the scheduler it follows and whether it is open, not its internals. */
  [Symbol.for('nodejs.util.inspect.custom')](): string {
    return this.toString();
  }

  /** A one-line description: `tessera.Client<scheduler=ID, open|closed, computes=N>` (N: computes being followed). */
  toString(): string {
    return `tessera.Client<scheduler=${this.schedulerId || '?'}, ${this.closed ? 'closed' : 'open'}, computes=${this.watches.size}>`;
  }

  /** Stop following computes (they fail with "the client was closed") and disconnect. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const err = new Error('tessera: the client was closed during the compute');
    for (const w of [...this.watches]) w.cancel(err);
    this.heartbeats?.unsubscribe();
    await this.transport.close();
  }

  /** @internal Free a compute's persisted chunks (RemoteArray.release calls it). */
  release(compute: string): void {
    this.transport.publish(SUBJECTS.release, pack({ compute }));
  }

  // ---- internals
  /**
   * Run Delayed graphs on the workers. Calls must be module functions (`delayed.module(url,
   * name)`) importable on the workers: no code travels. Values travel through the scheduler.
   */
  private async computeGraph(roots: readonly Delayed[], options: ComputeOptions): Promise<unknown[]> {
    if (this.closed) throw new Error('client.compute: the client is closed');
    const tasks: GraphTask[] = [];
    for (const t of collectTasks(roots).values()) {
      const ref = (v: unknown): unknown => substitute(v, (key) => ({ [GRAPH_REF]: key }));
      if (t.kind === 'build') {
        tasks.push({ key: t.key, name: t.name, kind: 'build', args: (t.args ?? []).map(ref), deps: t.deps.map((d) => d.key) });
      } else if (t.kind === 'call') {
        const c = t.callable!;
        if (c.kind !== 'module') {
          throw new TypeError(
            `client.compute: task ${t.key} calls a local function (${t.name}); on a cluster only module functions run — wrap it with delayed.module(new URL('./file.js', import.meta.url), '${t.name}') so the workers can import it (no code travels on the bus)`,
          );
        }
        const args = (t.args ?? []).map(ref);
        args.forEach((a, i) => wireCheck(a, (path) => `client.compute: argument ${i}${path} of task ${t.key}`));
        tasks.push({ key: t.key, name: t.name, kind: 'call', url: c.url, exportName: c.exportName, args, deps: t.deps.map((d) => d.key) });
      } else if (t.kind === 'getitem') {
        tasks.push({ key: t.key, name: t.name, kind: 'getitem', index: t.index, deps: t.deps.map((d) => d.key) });
      } else {
        wireCheck(t.value, (path) => `client.compute: the value${path} of ${t.key}`);
        tasks.push({ key: t.key, name: t.name, kind: 'literal', value: t.value, deps: [] });
      }
    }
    const compute = randomUUID();
    const req: GraphRequest = { compute, tasks, outputs: roots.map((r) => r.key) };
    return (await this.submitAndWait(SUBJECTS.graph, req, compute, options, [...new Set(roots.map((r) => r.name))].join(', '))).value as unknown[];
  }

  /** Frames on the workers: one call task per frame, carrying its recipe (src/dataframe/recipe.ts). */
  private async computeFrames(frames: readonly (DataFrame | Series | Lazy<unknown>)[], at: readonly number[] | undefined, options: ComputeOptions): Promise<unknown[]> {
    const recipes = frames.map((f, j) => recipeOf(f, `client.compute${at ? `: [${at[j]}]` : ''}`));
    if (this.closed) throw new Error('client.compute: the client is closed');
    const compute = randomUUID();
    const e = await this.submitAndWait(SUBJECTS.call, { compute, url: FRAME_TASK_URL, exportName: 'dataframe', args: recipes.map((r) => [r]) }, compute, options, 'dataframe');
    return (e.value as unknown[]).map(decodeFrameValue);
  }

  /** Module-function calls on the workers, one per argument list. */
  private async call(where: string, fn: unknown, argsList: readonly unknown[][], options: ComputeOptions, name: (path: string) => string): Promise<unknown[]> {
    const ref = moduleRef(fn, where);
    wireCheck(argsList, (path) => `${where}: ${name(path)}`);
    if (this.closed) throw new Error(`${where}: the client is closed`);
    const compute = randomUUID();
    const e = await this.submitAndWait(SUBJECTS.call, { compute, url: ref.url, exportName: ref.exportName, args: argsList }, compute, options, ref.exportName);
    return e.value as unknown[];
  }

  /** Follow compute `compute`, submit it, and wait for its end; a refused submission stops the watch. */
  private async submitAndWait(subject: string, body: unknown, compute: string, options: ComputeOptions, label: string): Promise<DoneEvent> {
    if (options.signal?.aborted) throw abortError(options.signal.reason); // not submitted at all
    const watch = watchCompute(this.watchHost, compute, options, label);
    this.watches.add(watch);
    void watch.done.finally(() => this.watches.delete(watch)).catch(() => {});
    try {
      const { scheduler } = await this.ask(subject, body);
      watch.accepted(scheduler ?? this.schedulerId);
    } catch (err) {
      watch.cancel(err as Error);
      throw err;
    }
    return watch.done;
  }

  private arrays(what: string, x: unknown): NDArray[] {
    const list = Array.isArray(x) ? x : [x];
    list.forEach((a, i) => {
      if (!(a instanceof NDArray)) {
        throw new TypeError(`client.${what}: argument ${Array.isArray(x) ? `[${i}] ` : ''}must be an NDArray${what === 'compute' ? ' or a Delayed' : ''}, got ${typeof a}`);
      }
    });
    if (this.closed) throw new Error(`client.${what}: the client is closed`);
    return list as NDArray[];
  }

  /** A request to the scheduler; its answer, and which scheduler gave it. */
  private async ask(subject: string, body: unknown): Promise<{ value: unknown; scheduler?: string }> {
    let raw: Uint8Array;
    const data = pack(body);
    try {
      raw = await this.transport.request(subject, data, this.timeoutMs);
    } catch (err) {
      const why = (err as Error).message;
      if (/max_payload/i.test(why)) {
        throw new Error(
          `tessera: the request is ${(data.byteLength / 2 ** 20).toFixed(1)} MiB, more than the NATS server accepts (${why}); it was not sent — build data that large on the workers (a module function that reads or makes it) instead of sending it`,
          { cause: err },
        );
      }
      throw new Error(`tessera: the scheduler did not answer (${why})`, { cause: err });
    }
    const r = unpack<{ ok: boolean; value?: unknown; error?: string; scheduler?: string }>(raw);
    if (!r.ok) throw new Error(`tessera scheduler: ${r.error}`);
    return { value: r.value, scheduler: r.scheduler };
  }

  private async run(arrays: NDArray[], options: ComputeOptions, target: 'result' | 'persist' = 'result') {
    // fromZarr arrays: the workers open the store and read the boxes their tasks touch
    arrays = zarrOnWorkers(arrays.map((a) => a.node)).map((n) => new NDArray(n));
    // mapBlocks/blockwise/mapOverlap/reduction results: their module functions run on the workers
    await resolveBlocksOnCluster(arrays.map((a) => a.node), {
      computeNode: async (node) => {
        const v = await this.compute(new NDArray(node), options);
        return (v instanceof DenseArray ? v.data : scalarData(node.dtype, v as number | bigint | boolean)) as Float64Array | Float32Array | Uint8Array;
      },
      map: (url, exportName, argsList) => this.map({ url, exportName }, argsList, options),
    });
    // boolean masks: their per-chunk counts (a small plan of count tasks on the workers), so the
    // cluster's plan knows every chunk size; the plan computes the conditions again
    const { roots } = await resolveUnknownChunks(arrays.map((a) => a.node), false, (masks) => this.countMasks(masks, options));
    const lowering = new Lowering((bytes) => new ArrayBuffer(bytes), { remote: true });
    const lowered = lowering.lower(roots.map((node): RootRequest => ({ node, target })));
    const outputs = lowered.outputs.map((o) => lowered.buffers.indexOf(o.memory as NativeBufferArg));
    const { compute, outputs: results } = await this.submitPlan(lowered, outputs, options);
    // (a mask's chunks are known only now: its counts)
    return { compute, outputs: results, shapes: lowered.outputs.map((o, i) => ({ shape: o.shape, dtype: o.dtype, chunks: roots[i]!.chunks })) };
  }

  /** Each mask's count per chunk, by count tasks on the workers over the conditions (computed there). */
  private async countMasks(masks: readonly MaskNode[], options: ComputeOptions): Promise<number[][]> {
    const lowering = new Lowering((bytes) => new ArrayBuffer(bytes), { remote: true });
    const countBufs = addMaskCounts(lowering, masks, (m) => run(lowering.materializeInput(m.cond)) as Materialized);
    const lowered = lowering.lower([]);
    const at = countBufs.map((b) => lowered.buffers.indexOf(b));
    const written = at.filter((b) => b >= 0);
    if (!written.length) return masks.map((m, i) => chunkCounts(m, countBufs[i]!));
    const { compute, outputs } = await this.submitPlan(lowered, written, { signal: options.signal });
    try {
      return await Promise.all(
        masks.map(async (m, i) => {
          if (at[i]! < 0) return chunkCounts(m, countBufs[i]!);
          const data = await this.fetchOutput(compute, outputs[written.indexOf(at[i]!)]!, [countBufs[i]!.byteLength / 8], 'float64');
          return chunkCounts(m, data as Float64Array);
        }),
      );
    } finally {
      this.release(compute);
    }
  }

  /** Send a lowered plan to the scheduler (its `outputs`: buffer indices) and wait for its end. */
  private async submitPlan(lowered: Lowered, outputs: number[], options: ComputeOptions): Promise<{ compute: string; outputs: OutputResult[] }> {
    // Scan/Select stages (cumsum & co., median/quantile) write a second buffer and read whole
    // lanes: the scheduler's per-chunk tasks cannot run them yet. Take stages and a mask's
    // compaction run as one whole task each, its counts and products as chunk tasks (split.ts splitMode).
    // nanargmin/nanargmax: the all-NaN check runs after a local plan only (Lowered.verify).
    const special = lowered.plan.stages.findIndex(
      (s) => s.kind === StageKind.Scan || s.kind === StageKind.Select || s.sink.reduce === ReduceCode.NanArgMin || s.sink.reduce === ReduceCode.NanArgMax,
    );
    if (special >= 0) {
      throw new Error(
        `tessera: ${lowered.stageNames[special]} (cumsum/cumprod/nancumsum/nancumprod, median/quantile/percentile, nanargmin/nanargmax) cannot run on a cluster yet; compute it locally (gather() or compute() its input first)`,
      );
    }
    const written = new Set(lowered.plan.stages.map((s) => s.sink.buffer));
    const buffers: WireBuffer[] = lowered.buffers.map((b, i): WireBuffer => {
      const zarr = lowered.remote.get(i)?.zarr;
      if (zarr) return { kind: 'zarr', zarr: { where: zarr.where, ...(zarr.path === undefined ? {} : { path: zarr.path }), shape: [...zarr.shape], itemsize: zarr.itemsize } };
      const remote = lowered.remote.get(i)?.remote;
      if (remote) return { kind: 'remote', compute: remote.compute, output: remote.output, bytes: remote.bytes };
      return written.has(i) ? { kind: 'out', bytes: byteLength(b) } : { kind: 'data', data: bytesOf(b) };
    });
    const compute = randomUUID();
    const req: SubmitRequest = { compute, stages: lowered.plan.stages, stageNames: lowered.stageNames, buffers, outputs };
    const e = await this.submitAndWait(SUBJECTS.submit, req, compute, options, lowered.stageNames.join(', '));
    return { compute, outputs: e.outputs };
  }

  /** @internal Output bytes as a typed array: inline data, or pieces fetched from the workers. */
  async fetchOutput(
    compute: string,
    out: OutputResult,
    shape: readonly number[],
    dtype: DType,
    onRelocated?: (o: OutputResult) => void,
  ): Promise<TypedData> {
    // pieces of any dtype (typed registers): bytes scattered through views of the dtype's TypedArray
    const Ctor = typedArrayClass(dtype) as unknown as { new (n: number): TypedData; new (b: ArrayBufferLike): TypedData; BYTES_PER_ELEMENT: number };
    const n = shape.reduce((a, b) => a * b, 1);
    // an empty result has no element to fetch (its data is empty, as compute() gives it)
    if (n === 0) return new Ctor(0);
    if (out.kind === 'data') {
      const copy = new Uint8Array(n * Ctor.BYTES_PER_ELEMENT);
      copy.set(out.data.subarray(0, copy.length));
      return new Ctor(copy.buffer);
    }
    const result = new Ctor(n);
    let pieces = out.pieces;
    for (let attempt = 0; ; attempt++) {
      const lost: Piece[] = [];
      // a few pieces at a time: each is fetched into a temporary buffer of its size
      await inParallel(pieces, 4, async (p) => {
        // into native memory freed at once: tens of MB per piece in JS ArrayBuffers, freed only
        // by GC, made V8 run full collections back to back
        const n = native();
        const temp = n.allocBuffer(Math.max(this.pieceBytes(p), 1));
        try {
          const into = new Uint8Array(n.bufferView(temp), 0, this.pieceBytes(p));
          await fetchChunk(this.transport, p, into, this.secret, this.timeoutMs);
          scatter(result, p, into);
        } catch (err) {
          if (attempt >= 2) throw err;
          lost.push(p);
        } finally {
          n.freeBuffer(temp);
        }
      });
      if (!lost.length) return result;
      // Their worker is gone: have the scheduler recompute them, then fetch the new copies.
      const e = await this.submitAndWait(SUBJECTS.recompute, { compute, tasks: lost.map((p) => p.task), workers: lost.map((p) => p.worker) }, compute, {}, 'recompute');
      const fresh = e.outputs.flatMap((o) => (o.kind === 'pieces' ? o.pieces : []));
      const byKey = new Map(fresh.map((p) => [p.key, p]));
      pieces = lost.map((p) => byKey.get(p.key) ?? p);
      onRelocated?.({ kind: 'pieces', pieces: out.pieces.map((p) => byKey.get(p.key) ?? p) });
    }
  }

  private pieceBytes(p: Piece): number {
    return p.bytes ?? p.ext.reduce((a, b) => a * b, 1) * dtypeBytes(p.dtype);
  }
}

/** A 0-d result as compute() gives it locally: a number, a bigint (64-bit integers) or a boolean. */
const scalarOf = (d: TypedData, dtype: DType): number | bigint | boolean => (dtype === 'bool' ? d[0] !== 0 : d[0]!);

async function inParallel<T>(items: readonly T[], lanes: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(lanes, items.length) }, lane));
}

function scatter(resultData: TypedData, p: Piece, bytes: Uint8Array): void {
  const item = dtypeBytes(p.dtype);
  const aligned = bytes.byteOffset % item === 0 ? bytes : bytes.slice();
  const View = typedArrayClass(DTYPES.find((d) => d.code === p.dtype)!.name as DType) as unknown as new (b: ArrayBufferLike, o: number, n: number) => TypedData;
  const src = new View(aligned.buffer, aligned.byteOffset, aligned.byteLength / item) as unknown as { [i: number]: number | bigint; length: number; subarray(a: number, b: number): ArrayLike<number | bigint> };
  const result = resultData as unknown as { [i: number]: number | bigint; length: number; set(a: ArrayLike<number | bigint>, at?: number): void };
  if (p.whole && !p.slab) {
    result.set(src.subarray(0, result.length));
    return;
  }
  const nd = p.ext.length;
  if (p.whole) {
    // a slab of the buffer laid out in place: copy its box, element at its own place
    if (p.ext.some((e) => e === 0)) return;
    const idx = new Array<number>(nd).fill(0);
    for (;;) {
      let dst = p.offset;
      for (let k = 0; k < nd; k++) dst += (p.start[k]! + idx[k]!) * p.strides[k]!;
      result[dst] = src[dst]!;
      let k = nd - 1;
      for (; k >= 0; k--) {
        if (++idx[k]! < p.ext[k]!) break;
        idx[k] = 0;
      }
      if (k < 0) return;
    }
  }
  if (nd === 0) {
    result[p.offset] = src[0]!;
    return;
  }
  const idx = new Array<number>(nd).fill(0);
  const inner = p.ext[nd - 1]!;
  const innerStride = p.strides[nd - 1]!;
  let s = 0;
  for (;;) {
    let dst = p.offset;
    for (let k = 0; k < nd; k++) dst += (p.start[k]! + idx[k]!) * p.strides[k]!;
    if (innerStride === 1) result.set(src.subarray(s, s + inner), dst);
    else for (let j = 0; j < inner; j++) result[dst + j * innerStride] = src[s + j]!;
    s += inner;
    let k = nd - 2;
    for (; k >= 0; k--) {
      if (++idx[k]! < p.ext[k]!) break;
      idx[k] = 0;
    }
    if (k < 0) return;
  }
}

function byteLength(b: NativeBufferArg): number {
  if (b instanceof ArrayBuffer) return b.byteLength;
  if (ArrayBuffer.isView(b)) return b.byteLength;
  return native().bufferView(b).byteLength;
}

function bytesOf(b: NativeBufferArg): Uint8Array {
  if (b instanceof ArrayBuffer) return new Uint8Array(b);
  if (ArrayBuffer.isView(b)) return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
  return new Uint8Array(native().bufferView(b));
}

/** Refuse a value the wire would mangle; `where(path)` names the place of the offending part. */
function wireCheck(value: unknown, where: (path: string) => string): void {
  const problem = wireProblem(value);
  if (problem) throw new TypeError(`${where(problem.path)} is ${problem.is}; only ${WIRE_TYPES} travels to the workers`);
}

/** The module and export a function reference names (a `delayed.module` function names its own). */
function moduleRef(fn: unknown, where: string): { url: string; exportName: string } {
  if (typeof fn === 'function' && 'opName' in fn) {
    // A DelayedFunction: calling it only builds a task (nothing runs); its callable says what it names.
    const callable = (fn as unknown as () => Delayed)().task.callable;
    if (callable?.kind === 'module') return { url: callable.url, exportName: callable.exportName };
    throw new TypeError(`${where}: fn is delayed() of a local function; on a cluster only module functions run — use delayed.module(new URL('./file.js', import.meta.url), name) or { url, exportName }`);
  }
  const r = fn !== null && typeof fn === 'object' ? ('moduleRef' in fn ? (fn as { moduleRef: unknown }).moduleRef : fn) as { url?: unknown; exportName?: unknown } : undefined;
  if (!r || typeof r.exportName !== 'string' || !(typeof r.url === 'string' || r.url instanceof URL)) {
    throw new TypeError(
      `${where}: fn must be a module function reference { url, exportName } (url: new URL("./work.js", import.meta.url)) or a delayed.module(url, name) function, got ${fn === null ? 'null' : typeof fn}`,
    );
  }
  return { url: String(r.url), exportName: r.exportName };
}

/**
 * The graph with every fromZarr array replaced by memory the workers fill themselves: a buffer
 * marked with the store's location (RemoteMemory.zarr), read per task region on the workers
 * (stage-tasks.ts inputRegion, worker.ts readZarrRegion). Other storage arrays are left as they
 * are (the lowering refuses them with its own message).
 */
function zarrOnWorkers(roots: readonly Node[]): Node[] {
  const replaced = new Map<number, Node>();
  for (const n of topoOrder(roots)) {
    const loc = n.kind === 'delayed' ? n.source.boxes?.zarr : undefined;
    if (!loc || n.kind !== 'delayed') continue;
    const bytes = size(n.shape) * itemsize(n.dtype);
    const memory: RemoteMemory = { remote: { compute: '', output: -1, bytes, owner: loc }, zarr: { ...loc, shape: [...n.shape], itemsize: itemsize(n.dtype) } };
    replaced.set(n.id, { kind: 'memory', id: newId(), name: n.name, shape: n.shape, dtype: n.dtype, chunks: n.chunks, memory, strides: contiguousStrides(n.shape), offset: 0, op: 'array', state: { disposed: false } });
  }
  return replaced.size ? rebuild(roots, replaced) : [...roots];
}
