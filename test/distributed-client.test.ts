// The distributed client as a user meets it (issue 13, items 7–9 and 11): submit/map with
// delayed.module functions and typed results, arguments that are not plain data refused with a
// TypeError naming them, no crash after a failed submit and nothing left watching after close(),
// and a client that follows a restarted scheduler.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest';
import { delayed, type Delayed } from '../src/index.js';
import { Scheduler } from '../src/distributed/scheduler.js';
import { busCluster, until, type BusCluster } from './helpers/distributed.js';

const url = new URL('./fixtures/distributed-functions.mjs', import.meta.url);
// the fixture's functions, typed (the module is plain JS)
declare function squareFn(x: number): number;
declare function addAsyncFn(a: number, b: number): Promise<number>;
declare function sleepMsFn(ms: number): Promise<number>;

describe('client.submit / client.map', () => {
  let cluster: BusCluster;
  beforeAll(async () => {
    cluster = await busCluster(['c1', 'c2'], 100);
  });
  afterAll(() => cluster?.close());

  it('take delayed.module functions, as the docs show, with typed results', async () => {
    const square = delayed.module<typeof squareFn>(url, 'square');
    const p = cluster.client.submit(square, 21);
    expectTypeOf(p).toEqualTypeOf<Promise<number>>();
    expect(await p).toBe(441);
    const addAsync = delayed.module<typeof addAsyncFn>(url, 'addAsync');
    const m = cluster.client.map(addAsync, [[1, 2], [3, 4]]);
    expectTypeOf(m).toEqualTypeOf<Promise<number[]>>();
    expect(await m).toEqual([3, 7]);
    // a { url, exportName } reference typed by the caller
    const q = cluster.client.submit<typeof squareFn>({ url, exportName: 'square' }, 5);
    expectTypeOf(q).toEqualTypeOf<Promise<number>>();
    expect(await q).toBe(25);
    // @ts-expect-error square takes a number
    await expect(cluster.client.submit(square, 'x')).resolves.toBeNaN();
    // a delayed local function cannot run on a cluster: said so, by name
    const local = delayed((x: number) => x + 1, { name: 'inc' });
    await expect(cluster.client.submit(local as never, 1)).rejects.toThrow(/delayed\(\) of a local function/);
    await expect(cluster.client.submit({ url } as never, 1)).rejects.toThrow(TypeError);
  });

  it('refuse arguments that are not plain data, naming them', async () => {
    const ref = { url, exportName: 'square' };
    class Point {
      x = 1;
    }
    const bad: [unknown, RegExp][] = [
      [() => 1, /argument 0 is a function/],
      [new Map([[1, 2]]), /argument 0 is a Map/],
      [new Date(0), /argument 0 is a Date/],
      [10n, /argument 0 is a BigInt/],
      [Symbol('s'), /argument 0 is a symbol/],
      [new Point(), /argument 0 is a Point/],
      [new ArrayBuffer(8), /argument 0 is a ArrayBuffer/],
    ];
    for (const [arg, msg] of bad) {
      const err = await cluster.client.submit(ref, arg as never).then(() => undefined, (e: Error) => e);
      expect(err).toBeInstanceOf(TypeError);
      expect(err!.message).toMatch(msg);
      expect(err!.message).toMatch(/client\.submit\(fn, \.\.\.args\).*only plain data/);
    }
    await expect(cluster.client.submit(ref, 1, { when: new Date(0) } as never)).rejects.toThrow(/argument 1\.when is a Date/);
    await expect(cluster.client.map(ref, [[1], [new Set([1])]] as never)).rejects.toThrow(/client\.map\(fn, argsList\): argsList\[1\]\[0\] is a Set/);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    await expect(cluster.client.submit(ref, cyclic as never)).rejects.toThrow(/argument 0\.self is a cycle/);
    // Delayed graphs: arguments and literals too
    const square = delayed.module(url, 'square') as (x: unknown) => Delayed<number>;
    await expect(cluster.client.compute(square(new Map()))).rejects.toThrow(/client\.compute: argument 0 of task square-\S+ is a Map/);
    await expect(cluster.client.compute(delayed(new Date(0)))).rejects.toThrow(/client\.compute: the value of \S+ is a Date/);
    // plain data still goes: nested arrays, objects, typed arrays, non-finite numbers
    expect(await cluster.client.submit({ url, exportName: 'total' }, [1, 2, Infinity])).toBe(Infinity);
    expect(await cluster.client.submit({ url, exportName: 'scale' }, Float64Array.of(1, 2), 3)).toEqual(Float64Array.of(3, 6));
  });
});

describe('client lifetime', () => {
  it('a failed submit does not crash the process later; after close() nothing is watching', () => {
    const script = fileURLToPath(new URL('./fixtures/client-after-failure.ts', import.meta.url));
    const root = fileURLToPath(new URL('..', import.meta.url));
    // The child must exit by itself: a timer or subscription left behind would keep it alive.
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', timeout: 20_000 });
    expect(r.signal, `killed: still running after 20 s\n${r.stdout}\n${r.stderr}`).toBeNull();
    expect(r.status, r.stderr).toBe(0);
    const seen = JSON.parse(r.stdout.trim().split('\n').pop()!) as { failed: string; after: string; unhandled: string[]; subscriptions: number };
    expect(seen.failed).toMatch(/the scheduler did not answer/);
    expect(seen.after).toMatch(/closed|did not answer/);
    expect(seen.unhandled).toEqual([]);
    expect(seen.subscriptions).toBe(0);
  }, 30_000);

  it('follows a restarted scheduler: an in-flight compute fails once, later ones run', async () => {
    const cluster = await busCluster(['r1'], 100);
    try {
      const sleepMs = { url, exportName: 'sleepMs' };
      expect(await cluster.client.submit<typeof sleepMsFn>(sleepMs, 10)).toBe(10);
      const inflight = cluster.client.submit<typeof sleepMsFn>(sleepMs, 1500).then(() => undefined, (e: Error) => e);
      await new Promise((r) => setTimeout(r, 200));
      await cluster.scheduler.close();
      cluster.scheduler = new Scheduler(cluster.bus.connect(), { heartbeatMs: 100 });
      await cluster.scheduler.start();
      expect((await inflight)?.message).toMatch(/scheduler restarted during the compute|lost the scheduler/);
      await until(async () => (await cluster.client.workers()).length === 1, 5000, 'worker seen by the new scheduler');
      // longer than a heartbeat: the client now follows the new scheduler's heartbeats
      expect(await cluster.client.submit<typeof sleepMsFn>(sleepMs, 700)).toBe(700);
      expect(await cluster.client.map<typeof squareFn>({ url, exportName: 'square' }, [[2], [3]])).toEqual([4, 9]);
    } finally {
      await cluster.close();
    }
  }, 30_000);
});
