// `tessera worker --spill-directory DIR` (issue 17): a worker started from the command line spills
// past Dask's thresholds of --memory-limit into its NAME-PID subdirectory of DIR, computes over
// the spilled chunks have the local bits, and the subdirectory goes when the worker shuts down.
// On a real nats-server; skipped when it is not installed.
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { random } from '../src/index.js';
import { Client } from '../src/distributed/client.js';
import { workerCommand } from '../src/distributed/cli.js';
import { connectNats } from '../src/distributed/nats.js';
import { Scheduler } from '../src/distributed/scheduler.js';
import { natsServerAvailable, startNatsServer, type NatsServer } from '../src/distributed/server.js';
import { tessera, until, type Proc } from './helpers/distributed.js';

const TOKEN = 'test-token-' + Math.random().toString(36).slice(2);
const chunkFiles = (d: string): string[] => readdirSync(d, { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.chunk'));

describe('tessera worker --spill-directory', () => {
  it('a path that is not a directory is a usage error (exit 2) naming the flag', async () => {
    const err: string[] = [];
    const code = await workerCommand(['nats://127.0.0.1:1', '--spill-directory', '/etc/passwd'], { stdout: () => {}, stderr: (t) => void err.push(t) });
    expect(code).toBe(2);
    expect(err.join('')).toMatch(/--spill-directory must name a directory \(created if missing\), got "\/etc\/passwd"/);
  });
});

describe.skipIf(!natsServerAvailable())('tessera worker --spill-directory on nats-server', () => {
  let server: NatsServer;
  const procs: Proc[] = [];
  beforeAll(async () => {
    server = await startNatsServer({ port: -1, auth: { token: TOKEN } });
  }, 30_000);
  afterAll(async () => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    await server?.stop();
  });

  it('spills into DIR/NAME-PID, computes match local bits, and the files go at shutdown', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-spilldir-'));
    const transport = await connectNats(server.url, { auth: { token: TOKEN }, setup: true, name: 'test-scheduler' });
    const scheduler = new Scheduler(transport, { heartbeatMs: 200 });
    await scheduler.start();
    const w = await tessera(procs, ['worker', server.url, '--nthreads', '1', '--name', 'spillw', '--heartbeat-ms', '200', '--memory-limit', '1200000', '--spill-directory', dir], /tessera worker/, 30_000, { TESSERA_TOKEN: TOKEN });
    const client = await Client.connect(server.url, { auth: { token: TOKEN }, schedulerTimeoutMs: 3000 });
    try {
      await until(async () => (await client.workers()).length === 1, 10_000, 'the worker');
      // 6.3 MB in 12 chunks of 512 KiB against a 1.2 MB limit
      const x = random.random([768, 1024], { seed: 4, chunks: [256, 256] });
      const kept = await client.persist(x);
      const subdirs = readdirSync(dir);
      expect(subdirs).toHaveLength(1);
      expect(subdirs[0]).toMatch(/^spillw-\d+/);
      expect(chunkFiles(dir).length).toBeGreaterThan(0);
      expect(await client.compute(kept.sum())).toBe(await x.sum().compute());
      kept.release();
    } finally {
      await client.close();
      w.child.kill('SIGTERM');
      await new Promise((r) => (w.child.exitCode !== null ? r(undefined) : w.child.once('exit', r)));
      await scheduler.close();
    }
    expect(chunkFiles(dir)).toEqual([]);
  }, 90_000);
});
