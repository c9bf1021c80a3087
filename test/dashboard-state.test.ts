// Dashboard states (issue 19 item 9): a finished reduction is "done", a persist "in memory" until
// dispose() releases it, one progress row per compute, worker CPU from the cluster, and the local
// engine's task records arriving while the plan runs.
import { EventEmitter } from 'node:events';
import { afterEach, describe, expect, it } from 'vitest';
import { arange, random, exp } from '../src/index.js';
import { DashboardState, schedulerEventSource, startDashboard, summarizeCompute, type Dashboard, type DashboardEvent } from '../src/dashboard/index.js';
import { native } from '../src/native.js';
import { Lowering } from '../src/array/lower.js';

const open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function start(): Promise<Dashboard> {
  const d = await startDashboard({ port: 0 });
  open.push(d);
  return d;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 5));
  }
}

const counts = (memory: number, done: number, extra: Partial<Record<'waiting' | 'processing' | 'erred', number>> = {}) => ({
  waiting: 0,
  processing: 0,
  erred: 0,
  ...extra,
  memory,
  done,
});

describe('DashboardState transitions', () => {
  it('a compute goes running → in memory → done when its results are released', () => {
    const s = new DashboardState();
    const apply = (e: DashboardEvent): void => s.apply(e);
    apply({ type: 'compute-start', id: 'c1', label: 'exp', groups: [{ name: 'exp', tasks: 4 }], bytes: 4096, time: 1000 });
    let row = summarizeCompute(s.computes.get('c1')!, 1500);
    expect(row).toMatchObject({ state: 'running', tasks: 4, waiting: 4, done: 0, memory: 0, bytes: 4096, elapsed: 500 });
    apply({ type: 'progress', compute: 'c1', groups: { exp: counts(0, 1, { processing: 2, waiting: 1 }) } });
    row = summarizeCompute(s.computes.get('c1')!, 1600);
    expect(row).toMatchObject({ state: 'running', done: 1, processing: 2, waiting: 1 });
    apply({ type: 'progress', compute: 'c1', groups: { exp: counts(4, 0) } });
    apply({ type: 'compute-end', id: 'c1', time: 2000 });
    row = summarizeCompute(s.computes.get('c1')!, 9999);
    expect(row).toMatchObject({ state: 'memory', status: 'done', memory: 4, done: 0, elapsed: 1000 });
    expect(row.released).toBeUndefined();
    apply({ type: 'release', compute: 'c1' });
    row = summarizeCompute(s.computes.get('c1')!);
    expect(row).toMatchObject({ state: 'done', memory: 0, done: 4, released: true });
    expect(s.snapshot().totals).toMatchObject({ memory: 0, done: 4, total: 4 });
    // a release of an unknown compute changes nothing
    apply({ type: 'release', compute: 'nope' });
    expect(s.snapshot().totals).toMatchObject({ memory: 0, done: 4 });
  });

  it('a release naming groups moves only those groups', () => {
    const s = new DashboardState();
    s.apply({ type: 'compute-start', id: 'c', label: 'a, b', groups: [{ name: 'a', tasks: 2 }, { name: 'b', tasks: 3 }] });
    s.apply({ type: 'progress', compute: 'c', groups: { a: counts(2, 0), b: counts(3, 0) } });
    s.apply({ type: 'compute-end', id: 'c' });
    s.apply({ type: 'release', compute: 'c', groups: ['a'] });
    const c = s.computes.get('c')!;
    expect(c.groups['a']).toMatchObject({ memory: 0, done: 2 });
    expect(c.groups['b']).toMatchObject({ memory: 3, done: 0 });
    expect(summarizeCompute(c).state).toBe('memory');
    expect(c.released).toBeUndefined();
    s.apply({ type: 'release', compute: 'c', groups: ['b'] });
    expect(summarizeCompute(c)).toMatchObject({ state: 'done', done: 5, released: true });
  });

  it('errors and progress bytes show in the compute rows of the snapshot', () => {
    const s = new DashboardState();
    s.apply({ type: 'compute-start', id: 'e', label: 'f', groups: [{ name: 'f', tasks: 3 }], time: 10 });
    s.apply({ type: 'progress', compute: 'e', groups: { f: counts(1, 0, { erred: 1, waiting: 1 }) }, bytes: 800 });
    s.apply({ type: 'compute-end', id: 'e', error: 'Error: boom', time: 30 });
    const [row] = s.snapshot().computes;
    expect(row).toMatchObject({ id: 'e', state: 'error', tasks: 3, memory: 1, erred: 1, waiting: 1, bytes: 800, elapsed: 20, error: 'Error: boom' });
  });
});

describe('local dashboard states', () => {
  it('a reduction and a compute() are done; a persist is in memory until dispose()', async () => {
    const d = await start();
    const x = random.random([400, 400], { seed: 5, chunks: [100, 100] });
    await exp(x).sum().compute();
    await exp(x).compute();
    const p = await exp(x).persist();
    await until(() => [...d.state.computes.values()].filter((c) => c.status !== 'running').length === 3);
    const rows = d.state.snapshot().computes;
    expect(rows.map((r) => r.label)).toEqual(['sum-exp-random_sample', 'exp-random_sample', 'exp-random_sample']);
    // the reduction: 16 chunk tasks, done (nothing held), 8 result bytes
    expect(rows[0]).toMatchObject({ state: 'done', tasks: 16, done: 16, memory: 0, bytes: 8 });
    // compute() hands its 400×400 float64 result to the caller: done
    expect(rows[1]).toMatchObject({ state: 'done', tasks: 16, done: 16, memory: 0, bytes: 400 * 400 * 8 });
    // persist() keeps its chunks in native memory
    expect(rows[2]).toMatchObject({ state: 'memory', tasks: 16, done: 0, memory: 16, bytes: 400 * 400 * 8 });
    p.dispose();
    const after = d.state.snapshot().computes[2]!;
    expect(after).toMatchObject({ state: 'done', done: 16, memory: 0, released: true });
    expect(d.state.snapshot().totals.memory).toBe(0);
    // /api/computes: the same rows with their groups
    const api = (await (await fetch(d.url.replace(/\/status$/, '/api/computes'))).json()) as { state: string; groups: Record<string, { done: number }> }[];
    expect(api.map((c) => c.state)).toEqual(['done', 'done', 'done']);
    expect(api[2]!.groups['exp-random_sample']!.done).toBe(16);
  });

  it('task records reach the task stream while the compute runs, each task once', async () => {
    const d = await start();
    // 256 chunks of 500×500 exp(random): long enough (hundreds of ms) for several progress ticks
    const x = exp(random.random([8000, 8000], { seed: 2, chunks: [500, 500] })).sum();
    let settled = false;
    const pending = x.compute().then((v) => ((settled = true), v));
    let seenWhileRunning = 0;
    await until(() => {
      if (!settled && d.state.historyLength > 0) seenWhileRunning = d.state.historyLength;
      return seenWhileRunning > 0 || settled;
    });
    const total = await pending;
    expect(Number.isFinite(total)).toBe(true);
    expect(seenWhileRunning).toBeGreaterThan(0);
    expect(seenWhileRunning).toBeLessThan(256);
    await until(() => [...d.state.computes.values()].some((c) => c.status === 'done'));
    // no duplicates: the end of the plan does not hand the records over a second time
    expect(d.state.historyLength).toBe(256);
    const keys = new Set(d.state.history().map((t) => `${t[2]}-${t[3]}-${t[0]}`));
    expect(keys.size).toBe(256);
  });
});

describe('native execute with profileLive', () => {
  it('progress callbacks carry every task record once; the result still has the whole profile', async () => {
    // exp(arange) in 16×16 = 256 chunk tasks, lowered as compute() would
    const n = 64;
    const node = exp(arange(n * n).reshape([n, n]).rechunk([4, 4])).node;
    const lowered = new Lowering((bytes) => native().allocBuffer(bytes)).lower([{ node, target: 'result' }]);
    const plan = { ...lowered.plan, profile: true, profileLive: true };
    const live: number[] = [];
    const handle = native().execute(plan, lowered.buffers, (_done, _total, records) => {
      if (records) live.push(...records);
    });
    const result = await handle.promise;
    expect(result.profile).toBeDefined();
    const tasksOf = (p: ArrayLike<number>): number[] => {
      const t: number[] = [];
      for (let k = 0; k < p.length; k += 5) t.push(p[k + 1]!);
      return t.sort((a, b) => a - b);
    };
    expect(live.length).toBe(256 * 5);
    expect(tasksOf(live)).toEqual(tasksOf(result.profile!));
    expect(tasksOf(live)).toEqual(Array.from({ length: 256 }, (_x, i) => i));
    const out = new Float64Array(lowered.outputs[0]!.memory as ArrayBuffer);
    expect(out[5]).toBe(Math.exp(5));
  });

  it('rejects a profileLive that is not a boolean', () => {
    expect(() => native().execute({ stages: [], profileLive: 1 } as never, [], () => {})).toThrow(/plan\.profileLive: expected a boolean/);
  });
});

describe('cluster dashboard: release and CPU', () => {
  it('compute-release moves the last group to done; worker CPU comes from the heartbeat', async () => {
    const events = new EventEmitter();
    const s = new DashboardState();
    const src = schedulerEventSource(events);
    const off = src.subscribe((e) => s.apply(e));
    const t = Date.now();
    events.emit('workers', [{ name: 'w1', nthreads: 2, memoryLimit: 2 ** 30, memory: 100, running: 0, stored: 1, t, pid: 1, host: 'h', cpu: 137.5 }]);
    expect(s.workers.get('w1')!.cpu).toBe(137.5);
    events.emit('compute-start', { compute: 'k', groups: ['sum-part', 'sum-agg'], total: 3, t });
    for (const [task, group] of [['a', 'sum-part'], ['b', 'sum-part'], ['c', 'sum-agg']] as const) {
      events.emit('task-start', { compute: 'k', task, group, worker: 'w1', attempt: 1, t });
      events.emit('task-finish', { compute: 'k', task, group, worker: 'w1', ok: true, ms: 1, t: t + 1, bytes: 8 });
    }
    events.emit('compute-finish', { compute: 'k', ok: true, t: t + 2 });
    let row = s.snapshot().computes[0]!;
    // the final aggregate is held on a worker until the client fetched it
    expect(row).toMatchObject({ state: 'memory', done: 2, memory: 1, bytes: 24 });
    events.emit('compute-release', { compute: 'k', t: t + 3 });
    row = s.snapshot().computes[0]!;
    expect(row).toMatchObject({ state: 'done', done: 3, memory: 0, released: true });
    // a worker without the figure keeps its last one
    events.emit('workers', [{ name: 'w1', nthreads: 2, memoryLimit: 2 ** 30, memory: 100, running: 0, stored: 1, t: t + 5, pid: 1, host: 'h' }]);
    expect(s.workers.get('w1')!.cpu).toBe(137.5);
    off();
  });
});
