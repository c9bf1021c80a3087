// Distributed mode on the in-process MemoryBus: scheduler, two workers and a client in one
// process (fast; no nats-server). The NATS end-to-end tests are in distributed-nats.test.ts.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exp, random, ones, arange, fromArray, compute, DenseArray } from '../src/index.js';
import type { MemoryBus } from '../src/distributed/transport.js';
import type { Scheduler } from '../src/distributed/scheduler.js';
import type { Worker } from '../src/distributed/worker.js';
import { Client } from '../src/distributed/client.js';
import { busCluster, type BusCluster } from './helpers/distributed.js';
import { parseBytes, pack, unpack } from '../src/distributed/protocol.js';
import { startNatsServer } from '../src/distributed/server.js';
import { main } from '../src/cli.js';

const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;

describe('distributed (in-process bus)', () => {
  let cluster: BusCluster;
  let bus: MemoryBus;
  let scheduler: Scheduler;
  let workers: Worker[];
  let client: Client;

  beforeAll(async () => {
    cluster = await busCluster(['a', 'b'], 200);
    ({ bus, scheduler, workers, client } = cluster);
  });
  afterAll(() => cluster?.close());

  it('sum of exp(random) is bit-identical to local', async () => {
    const x = exp(random.random([3000, 2000], { seed: 42, chunks: [500, 700] })).sum();
    const local = await x.compute();
    const remote = await client.compute(x);
    expect(remote).toBe(local);
  });

  it('mean and std are bit-identical to local', async () => {
    const r = random.random([1000, 999], { seed: 7, chunks: [300, 250] });
    const [m, s] = (await compute(r.mean(), r.std())) as number[];
    const [rm, rs] = (await client.compute([r.mean(), r.std()])) as number[];
    expect(Object.is(rm, m)).toBe(true);
    expect(Object.is(rs, s)).toBe(true);
  });

  it('elementwise result, multi-stage, float32 and axis reductions match local', async () => {
    const r = random.random([700, 500], { seed: 3, chunks: [200, 128] });
    const cases = [
      exp(r).mul(2).add(1),
      r.sub(r.mean()),
      r.sum({ axis: 0 }),
      ones([50, 40], { chunks: 16, dtype: 'float32' }).mul(arange(40, { chunks: 16, dtype: 'float32' })).sum(),
      fromArray(Float64Array.from({ length: 64 }, (_, i) => i * 0.5), { shape: [8, 8], chunks: 3 }).transpose().add(1),
    ];
    for (const c of cases) {
      const local = await (c as never as { compute(): Promise<unknown> }).compute();
      const remote = await client.compute(c as never);
      if (typeof local === 'number') expect(Object.is(remote, local)).toBe(true);
      else {
        expect(remote).toBeInstanceOf(DenseArray);
        expect((remote as DenseArray).shape).toEqual((local as DenseArray).shape);
        expect(Buffer.from((remote as DenseArray).data.buffer).equals(Buffer.from((local as DenseArray).data.buffer))).toBe(true);
      }
    }
  });

  it('progress reaches total; persist keeps chunks on workers', async () => {
    const seen: [number, number][] = [];
    const x = random.random([400, 400], { seed: 1, chunks: 100 });
    await client.compute(x.sum(), { onProgress: (d, t) => seen.push([d, t]) });
    expect(seen.at(-1)).toEqual([16, 16]);
    const p = await client.persist(x.mul(2));
    expect(p.workers.length).toBeGreaterThan(0);
    const got = (await p.gather()) as DenseArray;
    const want = (await x.mul(2).compute()) as DenseArray;
    expect(Buffer.from(got.data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
    p.release();
  });

  it('submit and map run module functions on workers', async () => {
    expect(await client.submit({ url: fixtures, exportName: 'square' }, 7)).toBe(49);
    expect(await client.map({ url: fixtures, exportName: 'addAsync' }, [[1, 2], [3, 4], [5, 6]])).toEqual([3, 7, 11]);
    await expect(client.submit({ url: fixtures, exportName: 'nope' })).rejects.toThrow(/no exported function "nope"/);
    await expect(client.submit('x' as never)).rejects.toThrow(TypeError);
  });

  it('recomputes persisted chunks whose worker went away', async () => {
    const x = random.random([600, 600], { seed: 9, chunks: 200 }).add(1);
    const p = await client.persist(x);
    const holders = p.workers;
    const victim = workers.find((w) => holders.includes(w.name))!;
    await cluster.lose(victim);
    workers = cluster.workers;
    const got = (await p.gather()) as DenseArray;
    const want = (await x.compute()) as DenseArray;
    expect(Buffer.from(got.data.buffer).equals(Buffer.from(want.data.buffer))).toBe(true);
    expect(p.workers).not.toContain(victim.name);
    p.release();
  });

  it('CLI: usage errors and a missing nats-server are explained', async () => {
    let err = '';
    const io = { stdout: () => {}, stderr: (t: string) => void (err += t) };
    expect(await main(['worker'], io)).toBe(2);
    expect(err).toMatch(/missing the scheduler ADDRESS/);
    err = '';
    expect(await main(['worker', 'localhost:8786'], io)).toBe(2);
    expect(err).toMatch(/ADDRESS must look like nats:\/\/HOST:PORT/);
    expect(await main(['scheduler', '--port', 'x'], io)).toBe(2);
    await expect(startNatsServer({ executable: '/nonexistent/nats-server' })).rejects.toThrow(/apt-get install nats-server.*--nats/s);
  });

  it('helpers: exact packing, sizes', () => {
    const v = unpack<{ a: number[]; f: Float64Array }>(pack({ a: [NaN, -0, Infinity, 1.5], f: Float64Array.of(-0, NaN) }));
    expect(Object.is(v.a[1], -0)).toBe(true);
    expect(v.a[0]).toBeNaN();
    expect(v.f).toBeInstanceOf(Float64Array);
    expect(parseBytes('4GiB')).toBe(4 * 2 ** 30);
    expect(parseBytes('512MB')).toBe(512e6);
    expect(() => parseBytes('lots')).toThrow(RangeError);
  });
});
