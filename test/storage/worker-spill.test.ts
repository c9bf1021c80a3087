// Workers spill stored chunks past Dask's thresholds of --memory-limit instead of refusing work:
// a persist larger than every worker's limit completes, later computes read the spilled chunks
// back (checked) with bits identical to local computes, and closing a worker removes its files.
import { mkdtempSync, readdirSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DenseArray, random } from '../../src/index.js';
import { MemoryBus } from '../../src/distributed/transport.js';
import { Scheduler } from '../../src/distributed/scheduler.js';
import { Worker } from '../../src/distributed/worker.js';
import { Client } from '../../src/distributed/client.js';
import { DashboardState } from '../../src/dashboard/state.js';

const files = (d: string): string[] => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.chunk'));

describe('worker spilling (Dask thresholds)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-wspill-'));
  const bus = new MemoryBus({ ackWaitMs: 1000 });
  let scheduler: Scheduler;
  let workers: Worker[] = [];
  let client: Client;
  afterAll(async () => {
    await client?.close();
    for (const w of workers) await w.close();
    await scheduler?.close();
  });

  it('a persist of 3× the workers\' memory completes and computes over it match local bits', async () => {
    scheduler = new Scheduler(bus.connect(), { heartbeatMs: 100 });
    await scheduler.start();
    // two workers of 1.2 MB each; the array is 6.3 MB in 12 chunks of 512 kiB (big enough not to be batched)
    workers = ['s1', 's2'].map((name) => new Worker(bus.connect(), { name, nthreads: 1, heartbeatMs: 100, memoryLimit: 1_200_000, spillDirectory: dir }));
    for (const w of workers) await w.start();
    client = await Client.withTransport(bus.connect());
    const x = random.random([768, 1024], { seed: 4, chunks: [256, 256] });
    const kept = await client.persist(x);
    const infos = workers.map((w) => w.info());
    for (const i of infos) expect(i.memory).toBeLessThanOrEqual(0.8 * 1_200_000);
    expect(infos.reduce((a, i) => a + (i.spilled ?? 0), 0) + infos.reduce((a, i) => a + i.memory, 0)).toBe(768 * 1024 * 8);
    expect(files(dir).length).toBeGreaterThan(0);
    const got = await client.compute(kept.sum());
    expect(got).toBe(await x.sum().compute());
    const t = (await client.compute(kept.T.mul(2))) as DenseArray;
    expect(Buffer.from(t.data.buffer).equals(Buffer.from(((await x.T.mul(2).compute()) as DenseArray).data.buffer))).toBe(true);
    // a corrupted spill file is an error, never a number
    const f = join(dir, files(dir)[0]!);
    const b = readFileSync(f);
    b[7] ^= 0xff;
    writeFileSync(f, b);
    await expect(client.compute(kept.sum())).rejects.toThrow(/is corrupted \(checksum mismatch\)|could not fetch/);
    kept.release();
  });

  it('the dashboard state carries each worker\'s spilled bytes', () => {
    const st = new DashboardState();
    st.apply({ type: 'worker', id: 'w', threads: 1, bytes: 10, memoryLimit: 100, spilled: 2048 });
    st.apply({ type: 'worker', id: 'v', threads: 1, bytes: 10, memoryLimit: 100 });
    const ws = st.snapshot().workers;
    expect(ws.find((w) => w.id === 'w')!.spilled).toBe(2048);
    expect(ws.find((w) => w.id === 'v')!.spilled).toBeUndefined();
  });

  it('closing the workers removes their spill files', async () => {
    for (const w of workers) await w.close();
    workers = [];
    expect(files(dir)).toEqual([]);
  });
});
