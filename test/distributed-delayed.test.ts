// Delayed graphs on the cluster: client.compute(delayed) runs module-function calls on the
// workers as their dependencies finish, and gives what a local compute gives.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { delayed, compute, random, type Delayed } from '../src/index.js';
import type { MemoryBus } from '../src/distributed/transport.js';
import type { Scheduler } from '../src/distributed/scheduler.js';
import type { Worker } from '../src/distributed/worker.js';
import { Client } from '../src/distributed/client.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';

const url = new URL('./fixtures/distributed-functions.mjs', import.meta.url);
const square = delayed.module(url, 'square') as (x: unknown) => Delayed<number>;
const addAsync = delayed.module(url, 'addAsync') as (a: unknown, b: unknown) => Delayed<number>;
const pair = delayed.module(url, 'pair', { nout: 2 }) as (x: unknown) => Delayed<[number, number]>;
const total = delayed.module(url, 'total') as (xs: unknown) => Delayed<number>;
const scale = delayed.module(url, 'scale') as (v: unknown, by: unknown) => Delayed<Float64Array>;
const fail = delayed.module(url, 'fail') as (m: string) => Delayed<never>;

describe('Delayed graphs on the cluster', () => {
  let cluster: BusCluster;
  let bus: MemoryBus;
  let scheduler: Scheduler;
  let workers: Worker[];
  let client: Client;
  const started: string[] = [];

  beforeAll(async () => {
    cluster = await busCluster(['d1', 'd2'], 100);
    ({ bus, scheduler, workers, client } = cluster);
    scheduler.events.on('task-start', (e) => started.push(e.worker));
  });
  afterAll(() => cluster?.close());

  it('a tree of module calls gives the local answer', async () => {
    const squares = Array.from({ length: 20 }, (_, i) => square(i));
    const sum = total(squares);
    const [a, b] = pair(sum) as unknown as [Delayed<number>, Delayed<number>];
    const graph = addAsync(a, square(b));
    const [local] = await compute(graph);
    started.length = 0;
    expect(await client.compute(graph)).toBe(local);
    expect(local).toBe(2470 + 2471 * 2471);
    // 20 squares, total, pair, square(b), addAsync — the item lookups run at the scheduler
    expect(started.length).toBe(24);
    expect(new Set(started).size).toBe(2);
  });

  it('nested arguments, typed arrays, literals; arrays and Delayeds together', async () => {
    const v = scale(Float64Array.of(1, 2, 3), square(2));
    const lit = delayed({ a: 1, b: [2, 3] });
    const x = random.random([100, 100], { seed: 1, chunks: 50 }).sum();
    const [rv, rl, rx] = (await client.compute([v, lit, x])) as [Float64Array, unknown, number];
    expect(rv).toEqual(Float64Array.of(4, 8, 12));
    expect(rl).toEqual({ a: 1, b: [2, 3] });
    expect(rx).toBe(await x.compute());
    // Delayeds nested in arrays and objects are replaced by their values
    expect(await client.compute(total([square(3), square(4)]))).toBe(25);
    expect(await client.compute(total(delayed([square(2), 6]) as never))).toBe(10);
    expect(await client.compute(pair(square(3)).get(1))).toBe(10);
  });

  it('errors: a local function is refused, a failing task fails the compute', async () => {
    const local = delayed((x: number) => x + 1)(1);
    await expect(client.compute(local)).rejects.toThrow(/local function.*delayed\.module/);
    await expect(client.compute(addAsync(1, fail('boom')))).rejects.toThrow(/boom/);
    // neither an NDArray nor a Delayed; persist takes arrays only
    await expect(client.compute(42 as never)).rejects.toThrow(TypeError);
    await expect(client.compute([random.random([2]), 'x'] as never)).rejects.toThrow(/argument \[1\] must be an NDArray or a Delayed, got string/);
    await expect(client.persist(square(2) as never)).rejects.toThrow(/client\.persist: argument must be an NDArray, got object/);
  });
});
