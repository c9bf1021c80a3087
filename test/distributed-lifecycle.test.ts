// Start order and shutdown, as dask-worker does it: a worker started before its scheduler waits
// for it (retrying with backoff) instead of exiting; a worker whose scheduler dies logs the loss
// and exits after --death-timeout; a second scheduler on a taken port says so in one line; a
// dashboard whose default port is taken moves to a free one with a warning.
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { Client } from '../src/distributed/client.js';
import { natsServerAvailable } from '../src/distributed/server.js';
import { startDashboard, DEFAULT_DASHBOARD_PORT } from '../src/dashboard/index.js';
import { tessera, until, withTimeout, type Proc } from './helpers/distributed.js';

const haveNats = natsServerAvailable();
const fixtures = new URL('./fixtures/distributed-functions.mjs', import.meta.url).href;
const runtime = mkdtempSync(join(tmpdir(), 'tessera-xdg-'));
process.env.XDG_RUNTIME_DIR = runtime; // token files of this file's schedulers
delete process.env.TESSERA_TOKEN;

function listen(port: number): Promise<Server | undefined> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(undefined)); // taken already: just as good
    s.listen(port, '127.0.0.1', () => resolve(s));
  });
}

async function freePort(): Promise<number> {
  const s = (await listen(0))!;
  const port = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return port;
}

const exitOf = (p: Proc): Promise<number | null> =>
  p.child.exitCode !== null ? Promise.resolve(p.child.exitCode) : new Promise((r) => p.child.once('exit', (code) => r(code)));

describe.skipIf(!haveNats)('cluster start order and shutdown', () => {
  const procs: Proc[] = [];
  afterAll(() => {
    for (const p of procs) if (p.child.exitCode === null) p.child.kill('SIGKILL');
    rmSync(runtime, { recursive: true, force: true });
  });

  it('a worker started first waits for the scheduler, and exits after --death-timeout once it dies', async () => {
    const port = await freePort();
    const url = `nats://127.0.0.1:${port}`;
    // the worker first: it must not exit, but retry until the scheduler (and its token file) exists
    const worker = tessera(procs, ['worker', url, '--name', 'early', '--heartbeat-ms', '300', '--death-timeout', '6'], /tessera worker early/, 40_000);
    const w = procs[procs.length - 1]!;
    await until(() => /no scheduler at nats:\/\/127\.0\.0\.1:\d+ yet .*retrying in/.test(w.err), 15_000, 'worker retrying');
    expect(w.child.exitCode).toBe(null);
    // the dashboard's default port (NATS port + 1) is taken: it moves, with a warning
    const blocker = await listen(port + 1);
    const sched = await tessera(procs, ['scheduler', '--port', String(port), '--heartbeat-ms', '300'], /tessera scheduler at:/);
    await blocker?.close();
    expect(sched.err).toContain(`dashboard port ${port + 1} is already in use; serving the dashboard on another port`);
    const dash = Number(/dashboard: http:\/\/127\.0\.0\.1:(\d+)\/status/.exec(sched.out)![1]);
    expect(dash).not.toBe(port + 1);
    await withTimeout(worker, 30_000, 'worker connected');
    const client = await Client.connect(url);
    try {
      await until(async () => (await client.workers()).length === 1, 10_000, 'worker registered');
      expect(await withTimeout(client.submit({ url: fixtures, exportName: 'square' }, 5), 10_000, 'submit')).toBe(25);

      // a second scheduler on the same port: one line naming the port and --port
      const second = await tessera(procs, ['scheduler', '--port', String(port)], /tessera scheduler at:/).then(() => undefined, (e: Error) => e);
      expect(second?.message).toMatch(/exited with 1/);
      const s2 = procs[procs.length - 1]!;
      expect(s2.err.trim().split('\n')).toEqual([
        `tessera scheduler: port ${port} on 127.0.0.1 is already in use (another tessera scheduler?); choose another with --port N (--port 0 picks a free one)`,
      ]);
    } finally {
      await client.close();
    }

    // the scheduler dies: the worker logs the loss, keeps trying, then exits (code 1)
    const t0 = Date.now();
    sched.child.kill('SIGKILL');
    const code = await withTimeout(exitOf(w), 30_000, 'worker exit');
    expect(code).toBe(1);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThan(5_000);
    expect(w.err).toMatch(/lost the scheduler at nats:\/\/127\.0\.0\.1:\d+ \(silent for [\d.]+ s\); reconnecting, exiting after 6 s without it \(--death-timeout\)/);
    expect(w.err).toMatch(/no scheduler for 6 s \(--death-timeout\); exiting/);
  }, 90_000);

  it('a worker whose scheduler never comes exits after --death-timeout', async () => {
    const port = await freePort();
    const p = tessera(procs, ['worker', `nats://127.0.0.1:${port}`, '--death-timeout', '2'], /tessera worker/, 30_000).catch(() => undefined);
    const w = procs[procs.length - 1]!;
    expect(await withTimeout(exitOf(w), 30_000, 'worker exit')).toBe(1);
    await p;
    expect(w.err).toMatch(/no scheduler at nats:\/\/127\.0\.0\.1:\d+ within the death timeout \(2 s, --death-timeout\); exiting/);
  }, 40_000);
});

describe('dashboard default port', () => {
  it(`falls back to a free port with a warning when ${DEFAULT_DASHBOARD_PORT} is taken; an explicit port is an error`, async () => {
    const blocker = await listen(DEFAULT_DASHBOARD_PORT);
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {});
    try {
      const d = await startDashboard();
      try {
        expect(d.port).not.toBe(DEFAULT_DASHBOARD_PORT);
        expect(warn).toHaveBeenCalledWith(`tessera dashboard: port ${DEFAULT_DASHBOARD_PORT} is already in use; serving the dashboard on port ${d.port} instead`);
        expect((await fetch(`http://127.0.0.1:${d.port}/health`)).status).toBe(200);
      } finally {
        await d.close();
      }
      await expect(startDashboard({ port: DEFAULT_DASHBOARD_PORT })).rejects.toThrow(/in use/);
    } finally {
      warn.mockRestore();
      await new Promise((r) => (blocker ? blocker.close(r) : r(undefined)));
    }
  });
});
