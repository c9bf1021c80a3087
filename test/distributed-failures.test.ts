// Tasks that kill their workers and clients whose submissions fail, on a real nats-server
// (issue 13, items 9 and 10): the scheduler runs in this process, workers are child processes
// (`tessera worker`, credentials from TESSERA_TOKEN) that a task can end with process.exit().
// Skipped when nats-server is not installed.
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Client } from '../src/distributed/client.js';
import { connectNats } from '../src/distributed/nats.js';
import { Scheduler } from '../src/distributed/scheduler.js';
import { natsServerAvailable, startNatsServer, type NatsServer } from '../src/distributed/server.js';
import { tessera, until, withTimeout, type Proc } from './helpers/distributed.js';

const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;
const TOKEN = 'test-token-' + Math.random().toString(36).slice(2);
const HB = 200;

describe.skipIf(!natsServerAvailable())('tasks that kill their workers, failed submissions', () => {
  let server: NatsServer;
  const procs: Proc[] = [];
  let scheduler: Scheduler | undefined;
  let client: Client | undefined;

  const startWorker = (name: string): Promise<Proc> =>
    tessera(procs, ['worker', server.url, '--nthreads', '1', '--name', name, '--heartbeat-ms', String(HB), '--memory-limit', '1GiB'], /tessera worker/, 30_000, { TESSERA_TOKEN: TOKEN });

  /** A scheduler in this process with these options, `n` fresh workers, and a client. */
  async function cluster(n: number, options: { maxTries: number; noWorkersTimeoutMs?: number }): Promise<Client> {
    const transport = await connectNats(server.url, { auth: { token: TOKEN }, setup: true, ackWaitMs: 4000, name: 'test-scheduler' });
    scheduler = new Scheduler(transport, { heartbeatMs: HB, ...options });
    await scheduler.start();
    const tag = Math.random().toString(36).slice(2, 6);
    await Promise.all(Array.from({ length: n }, (_, i) => startWorker(`k${tag}${i}`)));
    client = await Client.connect(server.url, { auth: { token: TOKEN }, schedulerTimeoutMs: 3000 });
    await until(async () => (await client!.workers()).length === n, 10_000, `${n} workers`);
    return client;
  }

  beforeAll(async () => {
    server = await startNatsServer({ port: -1, auth: { token: TOKEN } });
  }, 30_000);

  afterEach(async () => {
    await client?.close();
    await scheduler?.close();
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    client = scheduler = undefined;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it('a task that exits its workers fails after --max-tries, naming the task', async () => {
    const c = await cluster(3, { maxTries: 2 });
    const err = await withTimeout(c.submit({ url: fixtures, exportName: 'exitNow' }).then(() => undefined, (e: Error) => e), 30_000, 'exitNow');
    expect(err?.message).toMatch(/task exitNow \(\S+\) was (running on|delivered to) 2 workers that died.*giving up after 2 tries/);
  }, 60_000);

  it('with no live workers left, a compute fails after the no-workers timeout instead of waiting forever', async () => {
    const c = await cluster(2, { maxTries: 3, noWorkersTimeoutMs: 1500 });
    const t0 = Date.now();
    const err = await withTimeout(c.submit({ url: fixtures, exportName: 'exitNow' }).then(() => undefined, (e: Error) => e), 30_000, 'exitNow');
    expect(err?.message).toMatch(/no live workers for \d+\.\d s while task exitNow \(\S+\) waits \(it was running on 2 workers that died\).*no-workers timeout \(1500 ms\)/);
    expect(Date.now() - t0).toBeLessThan(15_000);
  }, 60_000);

  it('a submission too large for NATS fails once, clearly; nothing rejects unhandled later', async () => {
    const c = await cluster(1, { maxTries: 3 });
    const unhandled: unknown[] = [];
    const onUnhandled = (e: unknown): void => void unhandled.push(e);
    process.on('unhandledRejection', onUnhandled);
    try {
      const big = new Float64Array((70 * 2 ** 20) / 8); // 70 MiB > max_payload (64 MiB)
      await expect(c.submit({ url: fixtures, exportName: 'total' }, big)).rejects.toThrow(/the request is 70\.0 MiB, more than the NATS server accepts.*max_payload/);
      expect(await c.submit({ url: fixtures, exportName: 'square' }, 4)).toBe(16);
      // The scheduler goes away later: a watch forgotten by the failed submit would now reject
      // ("lost the scheduler") with nobody listening, and crash a plain Node process.
      await scheduler!.close();
      scheduler = undefined;
      await new Promise((r) => setTimeout(r, 5000));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  }, 60_000);
});
