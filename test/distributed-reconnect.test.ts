// Issue: "`tessera worker ADDRESS` ... reconnects if the connection drops". A real nats-server
// (token, loopback, its own JetStream store dir) under `tessera scheduler --nats` and two
// `tessera worker`s; the server is SIGKILLed and started again on the same port with the same
// store dir. Scheduler, workers and client reconnect by themselves (the scheduler creates the
// memory-storage task queue and heartbeat bucket again); a compute in flight during the restart
// fails with a clear error instead of hanging. Skipped only when nats-server is not installed.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exp, random, compute, DenseArray } from '../src/index.js';
import { Client } from '../src/distributed/client.js';
import { natsServerAvailable } from '../src/distributed/server.js';
import { RestartableNats, tessera, until, withTimeout, sleep, type Proc, tokenFile } from './helpers/distributed.js';

const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;
const haveNats = natsServerAvailable();
if (!haveNats) console.warn('distributed-reconnect tests SKIPPED: nats-server is not installed (apt-get install nats-server)');

const TOKEN = 'test-token-' + Math.random().toString(36).slice(2);
const HB = 300;

describe.skipIf(!haveNats)('distributed: nats-server restarts', () => {
  const procs: Proc[] = [];
  const nats = new RestartableNats(TOKEN);
  let client: Client;

  /** Both workers heartbeat after `since` and the scheduler lists them. */
  const workersBack = (since: number): Promise<void> =>
    until(async () => {
      const ws = await withTimeout(client.workers(), 1000, 'workers()'); // a request sent mid-restart may be lost

      return ws.length === 2 && ws.every((w) => w.t > since);
    }, 15_000, 'workers heartbeating again');

  const check = async (seed: number): Promise<void> => {
    const r = random.random([600, 500], { seed, chunks: [200, 250] });
    const s = exp(r).sum();
    const e = exp(r).mul(3).sub(r);
    const [ls, le] = (await compute(s, e)) as [number, DenseArray];
    const [rs, re] = (await withTimeout(client.compute([s, e]), 20_000, 'compute')) as [number, DenseArray];
    expect(Object.is(rs, ls)).toBe(true);
    expect(Buffer.from(re.data.buffer).equals(Buffer.from(le.data.buffer))).toBe(true);
  };

  beforeAll(async () => {
    await nats.start();
    const url = nats.url;
    await tessera(procs, ['scheduler', '--nats', url, '--token-file', tokenFile(TOKEN), '--heartbeat-ms', String(HB), '--ack-wait-ms', '4000', '--no-dashboard'], /tessera scheduler at:/);
    const worker = (name: string): Promise<Proc> =>
      tessera(procs, ['worker', url, '--nthreads', '1', '--name', name, '--token-file', tokenFile(TOKEN), '--heartbeat-ms', String(HB)], /tessera worker/);
    await Promise.all([worker('r1'), worker('r2')]);
    client = await Client.connect(url, { auth: { token: TOKEN }, schedulerTimeoutMs: 3000 });
    await workersBack(0);
  }, 60_000);

  afterAll(async () => {
    if (process.env.DEBUG_DIST) for (const p of procs) console.log(p.child.pid, p.out, p.err);
    await client?.close().catch(() => {});
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await nats.stop();
  });

  it('scheduler, workers and client reconnect by themselves; computes stay bit-identical', async () => {
    await check(1);
    const port = nats.port;
    const t0 = Date.now();
    await nats.restart();
    expect(nats.port).toBe(port);
    await workersBack(Date.now());
    const t1 = Date.now();
    await check(2);
    // The same client still works, and so does a new one.
    const fresh = await Client.connect(nats.url, { auth: { token: TOKEN } });
    try {
      expect((await fresh.workers()).map((w) => w.name).sort()).toEqual(['r1', 'r2']);
      expect(await withTimeout(fresh.submit({ url: fixtures, exportName: 'square' }, 7), 10_000, 'submit')).toBe(49);
    } finally {
      await fresh.close();
    }
    const [sched, w1] = procs;
    expect(sched!.err).toMatch(/reconnected to NATS \(the server restarted/);
    expect(w1!.err).toMatch(/worker r1: reconnected/);
    for (const p of procs) expect(p.child.exitCode).toBe(null);
    console.log(`reconnect test: workers heartbeating again ${t1 - t0} ms after the nats-server SIGKILL (restart included)`);
  });

  it('a compute in flight while the server restarts fails with a clear error, never hangs', async () => {
    const pending = client.submit({ url: fixtures, exportName: 'sleepMs' }, 20_000).then(() => undefined, (e: Error) => e);
    await sleep(500);
    const t0 = Date.now();
    await nats.restart();
    const err = await withTimeout(pending, 10_000, 'in-flight compute after the server restart');
    expect(err?.message).toMatch(/connection to the NATS server dropped|NATS server restarted|lost the scheduler/);
    console.log(`reconnect test: in-flight compute failed ${Date.now() - t0} ms after the restart began: ${err?.message}`);
    await workersBack(Date.now());
    await check(3);
  });
});
