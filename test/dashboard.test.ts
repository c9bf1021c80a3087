// Dashboard server without a browser: routes, JSON, Prometheus text, SSE batching and history,
// credentials, and the event interface a distributed scheduler feeds.
import { request } from 'node:http';
import { afterEach, describe, expect, it } from 'vitest';
import { random, exp } from '../src/index.js';
import { startDashboard, DashboardEventHub, type Dashboard, type DashboardEvent } from '../src/dashboard/index.js';
import { native } from '../src/native.js';

const open: Dashboard[] = [];
afterEach(async () => {
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function start(options: Parameters<typeof startDashboard>[0] = {}): Promise<Dashboard> {
  const d = await startDashboard({ port: 0, ...options });
  open.push(d);
  return d;
}

async function until(cond: () => boolean, ms = 10_000): Promise<void> {
  const t = Date.now();
  while (!cond()) {
    if (Date.now() - t > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 10));
  }
}

function base(d: Dashboard): string {
  return d.url.replace(/\/status$/, '');
}

/** Read SSE messages for `ms` milliseconds. */
function readEvents(url: string, ms: number): Promise<{ event: string; data: any }[]> {
  return new Promise((resolve, reject) => {
    const out: { event: string; data: any }[] = [];
    const req = request(url, (res) => {
      let buf = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buf += chunk;
        let i;
        while ((i = buf.indexOf('\n\n')) >= 0) {
          const block = buf.slice(0, i);
          buf = buf.slice(i + 2);
          const event = /^event: (.*)$/m.exec(block)?.[1] ?? 'message';
          const data = /^data: (.*)$/m.exec(block)?.[1];
          if (data) out.push({ event, data: JSON.parse(data) });
        }
      });
    });
    req.on('error', reject);
    req.end();
    setTimeout(() => {
      req.destroy();
      resolve(out);
    }, ms);
  });
}

describe('startDashboard (local scheduler)', () => {
  it('serves pages, health, JSON state and Prometheus metrics for a local compute', async () => {
    const d = await start();
    expect(d.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/status$/);
    const health = await fetch(`${base(d)}/health`);
    expect(health.status).toBe(200);
    for (const p of ['/status', '/workers', '/graph']) {
      const r = await fetch(base(d) + p);
      expect(r.status).toBe(200);
      expect(r.headers.get('content-type')).toMatch(/text\/html/);
      const html = await r.text();
      expect(html).toContain('/static/dashboard.js');
      expect(html).not.toMatch(/https?:\/\/(?!127)/); // every asset local
    }
    expect((await fetch(`${base(d)}/static/dashboard.js`)).status).toBe(200);
    expect((await fetch(`${base(d)}/nope`)).status).toBe(404);

    const x = random.random([2000, 2000], { seed: 3, chunks: [500, 500] });
    const p = await exp(x).persist();
    const total = await p.sum().compute();
    expect(Number.isFinite(total)).toBe(true);
    // Task records are turned into events just after a compute returns (setImmediate).
    await until(() => [...d.state.computes.values()].filter((c) => c.status === 'done').length === 2);

    const state = (await (await fetch(`${base(d)}/api/state`)).json()) as any;
    expect(state.totals.total).toBe(32);
    expect(state.totals.memory + state.totals.done).toBe(32);
    expect(state.workers).toHaveLength(1);
    expect(state.workers[0].threads).toBe(native().getNumThreads());
    expect(state.computes.map((c: any) => c.status)).toEqual(['done', 'done']);
    const tasks = (await (await fetch(`${base(d)}/api/tasks?limit=100`)).json()) as any[];
    expect(tasks).toHaveLength(32);
    for (const t of tasks) expect(t.end).toBeGreaterThanOrEqual(t.start);
    expect(new Set(tasks.map((t) => t.group))).toEqual(new Set(['exp-random_sample', 'sum-persisted']));

    // /metrics in Prometheus text format.
    const m = await fetch(`${base(d)}/metrics`);
    expect(m.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const text = await m.text();
    expect(text).toMatch(/^# TYPE tessera_tasks gauge$/m);
    expect(text).toMatch(/^tessera_tasks\{state="memory"\} 16$/m);
    expect(text).toMatch(/^tessera_tasks\{state="done"\} 16$/m);
    expect(text).toMatch(/^# TYPE tessera_task_duration_seconds histogram$/m);
    expect(text).toMatch(/^tessera_task_duration_seconds_count\{group="exp-random_sample"\} 16$/m);
    expect(text).toMatch(/^tessera_task_duration_seconds_bucket\{group="sum-persisted",le="\+Inf"\} 16$/m);
    const bytes = Number(/^tessera_worker_bytes_stored\{worker="local"\} (\d+)$/m.exec(text)?.[1]);
    expect(bytes).toBeGreaterThanOrEqual(2000 * 2000 * 8); // the persisted chunks
    // Every sample line is `name{labels} value`.
    for (const line of text.split('\n').filter((l) => l && !l.startsWith('#')))
      expect(line).toMatch(/^[a-z_]+(\{[^}]*\})? [-+0-9.eInfNa]+$/);

    // /graph: the plan drawn by the visualize renderer (SVG).
    const g = (await (await fetch(`${base(d)}/api/graph`)).json()) as any;
    expect(g.label).toBe('sum-persisted');
    expect(g.layers.map((l: any) => l.op)).toEqual(['persisted', 'sum-persisted']);
    const svg = await fetch(`${base(d)}/api/graph.svg`);
    expect(svg.headers.get('content-type')).toBe('image/svg+xml');
    expect(await svg.text()).toContain('<svg');
    p.dispose();
  });

  it('stops profiling computes after close()', async () => {
    const d = await startDashboard({ port: 0 });
    await d.close();
    await exp(random.random([100], { seed: 1 })).sum().compute();
    expect(d.state.computes.size).toBe(0);
  });

  it('validates its options with clear errors', async () => {
    await expect(startDashboard({ port: -1 })).rejects.toThrow(RangeError);
    await expect(startDashboard({ port: 1.5 })).rejects.toThrow(/options\.port/);
    await expect(startDashboard({ port: 0, host: '0.0.0.0' })).rejects.toThrow(/requires credentials/);
    await expect(startDashboard({ port: 0, flushMs: 0 })).rejects.toThrow(/flushMs/);
    await expect(startDashboard({ port: 0, auth: { password: '' } })).rejects.toThrow(/auth/);
    const d = await start();
    await expect(startDashboard({ port: d.port })).rejects.toThrow(/in use/);
  });

  it('requires credentials when given (except /health)', async () => {
    const d = await start({ auth: { username: 'ada', password: 's3cret' } });
    expect((await fetch(`${base(d)}/health`)).status).toBe(200);
    const denied = await fetch(`${base(d)}/api/state`);
    expect(denied.status).toBe(401);
    expect(denied.headers.get('www-authenticate')).toMatch(/^Basic/);
    const wrong = await fetch(`${base(d)}/api/state`, { headers: { authorization: `Basic ${Buffer.from('ada:nope').toString('base64')}` } });
    expect(wrong.status).toBe(401);
    const ok = await fetch(`${base(d)}/api/state`, { headers: { authorization: `Basic ${Buffer.from('ada:s3cret').toString('base64')}` } });
    expect(ok.status).toBe(200);
  });

  it('accepts the scheduler token as Bearer or as a Basic password', async () => {
    const d = await start({ host: '127.0.0.1', auth: { token: 'tok123' } });
    expect((await fetch(`${base(d)}/metrics`)).status).toBe(401);
    expect((await fetch(`${base(d)}/metrics`, { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await fetch(`${base(d)}/metrics`, { headers: { authorization: 'Bearer tok123' } })).status).toBe(200);
    const basic = `Basic ${Buffer.from('anyone:tok123').toString('base64')}`;
    expect((await fetch(`${base(d)}/metrics`, { headers: { authorization: basic } })).status).toBe(200);
    await expect(startDashboard({ port: 0, auth: { token: '' } })).rejects.toThrow(/token/);
  });
});

describe('dashboard event interface (as the distributed scheduler feeds it)', () => {
  function cluster(hub: DashboardEventHub): void {
    const now = Date.now();
    for (const id of ['w1', 'w2'])
      hub.emit({ type: 'worker', id, name: `worker-${id}`, address: `10.0.0.${id.slice(1)}:1`, threads: 2, bytes: 0, memoryLimit: 4 * 2 ** 30, heartbeat: now });
    hub.emit({ type: 'compute-start', id: 'c1', label: 'sum-exp', groups: [{ name: 'exp', tasks: 4 }, { name: 'sum', tasks: 1 }], time: now });
    hub.emit({ type: 'progress', compute: 'c1', groups: { exp: { waiting: 2, processing: 2, memory: 0, done: 0, erred: 0 } } });
  }

  it('draws tasks, transfers and errors per worker thread and batches live updates', async () => {
    const hub = new DashboardEventHub();
    const d = await start({ source: hub, flushMs: 200 });
    cluster(hub);
    // A late joiner gets the recent history in its init message.
    const t = Date.now();
    const tasks = Array.from({ length: 5000 }, (_x, i) => ({
      worker: i % 2 ? 'w2' : 'w1',
      thread: (i >> 1) % 2,
      group: 'exp',
      start: t + i * 0.01,
      end: t + i * 0.01 + 0.008,
    }));
    hub.emit({ type: 'tasks', tasks: tasks.slice(0, 100) });
    await new Promise((r) => setTimeout(r, 250)); // flushed to nobody: history only
    const reading = readEvents(`${base(d)}/events`, 900);
    await new Promise((r) => setTimeout(r, 100));
    // 4900 more tasks, one event each: the browser must get a handful of batches, not thousands of messages.
    for (const task of tasks.slice(100)) hub.emit({ type: 'tasks', tasks: [task] });
    hub.emit({ type: 'tasks', tasks: [{ worker: 'w1', thread: 0, group: 'transfer-exp', start: t, end: t + 1, kind: 'transfer', bytes: 8000 }] });
    hub.emit({ type: 'tasks', tasks: [{ worker: 'w2', thread: 1, group: 'sum', start: t, end: t + 1, kind: 'error' }] });
    hub.emit({ type: 'progress', compute: 'c1', groups: { exp: { waiting: 0, processing: 0, memory: 4, done: 0, erred: 0 }, sum: { waiting: 0, processing: 0, memory: 0, done: 0, erred: 1 } } });
    hub.emit({ type: 'worker', id: 'w1', name: 'worker-w1', threads: 2, bytes: 123456, memoryLimit: 4 * 2 ** 30, processing: 1 });
    hub.emit({ type: 'compute-end', id: 'c1', error: 'TaskError: boom' });
    const msgs = await reading;
    expect(msgs[0]!.event).toBe('init');
    expect(msgs[0]!.data.tasks).toHaveLength(100);
    expect(msgs[0]!.data.rows).toEqual(['w1#0', 'w1#1', 'w2#0', 'w2#1']);
    const updates = msgs.filter((m) => m.event === 'update');
    expect(updates.length).toBeGreaterThanOrEqual(1);
    expect(updates.length).toBeLessThanOrEqual(6);
    const received = updates.flatMap((u) => u.data.tasks);
    expect(received).toHaveLength(4902);
    expect(new Set(received.map((w: number[]) => w[4]))).toEqual(new Set([0, 1, 2]));
    const last = updates[updates.length - 1]!.data.snapshot;
    expect(last.workers.find((w: any) => w.id === 'w1').bytes).toBe(123456);
    expect(last.computes[0].status).toBe('error');
    expect(last.totals).toMatchObject({ memory: 4, erred: 1 });

    const text = await (await fetch(`${base(d)}/metrics`)).text();
    expect(text).toMatch(/^tessera_workers 2$/m);
    expect(text).toMatch(/^tessera_worker_bytes_stored\{worker="worker-w1"\} 123456$/m);
    expect(text).toMatch(/^tessera_tasks_completed_total\{group="transfer-exp",kind="transfer"\} 1$/m);
    expect(text).toMatch(/^tessera_computes_total\{status="error"\} 1$/m);
  });

  it('marks removed workers', async () => {
    const hub = new DashboardEventHub();
    const d = await start({ source: hub });
    cluster(hub);
    hub.emit({ type: 'worker-removed', id: 'w2' } satisfies DashboardEvent);
    const s = (await (await fetch(`${base(d)}/api/workers`)).json()) as any[];
    expect(s.map((w) => [w.id, w.status])).toEqual([
      ['w1', 'running'],
      ['w2', 'removed'],
    ]);
  });
});

describe('schedulerEventSource (distributed scheduler events → dashboard)', () => {
  it('packs tasks into worker thread lanes, tracks group progress, errors and lost workers', async () => {
    const { EventEmitter } = await import('node:events');
    const { schedulerEventSource } = await import('../src/dashboard/index.js');
    const ev = new EventEmitter();
    const d = await start({ source: schedulerEventSource(ev) });
    const t = Date.now();
    const info = (name: string, memory: number) => ({ name, nthreads: 2, memoryLimit: 2 ** 30, memory, running: 0, stored: 1, t, pid: 1, host: 'h' });
    ev.emit('workers', [info('a', 100), info('b', 200)]);
    ev.emit('compute-start', { compute: 'c', groups: ['exp', 'sum'], total: 5, t });
    for (const [task, w] of [['1', 'a'], ['2', 'a'], ['3', 'b']] as const) ev.emit('task-start', { compute: 'c', task, group: 'exp', worker: w, attempt: 1, t });
    let s = d.state.snapshot();
    expect(s.groups.find((g) => g.name === 'exp')).toMatchObject({ processing: 3, waiting: 2, total: 5 });
    // Two overlapping tasks on worker a go to its two lanes (threads).
    ev.emit('task-finish', { compute: 'c', task: '1', group: 'exp', worker: 'a', ok: true, ms: 10, t: t + 10 });
    ev.emit('task-finish', { compute: 'c', task: '2', group: 'exp', worker: 'a', ok: true, ms: 8, t: t + 9 });
    ev.emit('task-finish', { compute: 'c', task: '2', group: 'exp', worker: 'a', ok: true, ms: 8, t: t + 9 }); // redelivered duplicate
    ev.emit('task-finish', { compute: 'c', task: '3', group: 'exp', worker: 'b', ok: false, ms: 1, t: t + 2 });
    ev.emit('transfer', { worker: 'b', bytes: 800, ms: 1, t: t + 3 });
    ev.emit('worker-lost', { worker: 'b', tasks: ['3'], t: t + 4 });
    ev.emit('compute-finish', { compute: 'c', ok: false, error: 'task exp failed', t: t + 5 });
    s = d.state.snapshot();
    expect(s.computes[0]).toMatchObject({ status: 'error', error: 'task exp failed' });
    expect(s.groups.find((g) => g.name === 'exp')).toMatchObject({ processing: 0, waiting: 0, done: 2, erred: 1 });
    expect(s.workers.find((w) => w.id === 'b')!.status).toBe('removed');
    const tasks = d.state.history().map(([r, g, , , k]) => [d.state.rows[r], d.state.groupNames[g], k]);
    expect(tasks).toEqual([
      ['a#0', 'exp', 0],
      ['a#1', 'exp', 0],
      ['a#1', 'exp', 0], // the redelivered duplicate ran too: drawn, counted once
      ['b#0', 'exp', 2],
      ['b#0', 'transfer', 1], // lane 0 of b is free again when the transfer starts
      ['b#0', 'worker-lost', 2],
    ]);
  });

  // A NATS compute left "4 / 1" on one worker's processing bar while the header said 0 running:
  // the bar showed the heartbeat's `running` (tasks held, one ready beyond the threads), which the
  // scheduler forwards only now and then. Now it counts started, unfinished tasks of running
  // computes, so tasks started twice, handed to another worker, or dropped unrun never leave a count.
  it('per-worker processing returns to 0 when computes end, whatever task-start/finish pairs arrive', async () => {
    const { EventEmitter } = await import('node:events');
    const { schedulerEventSource } = await import('../src/dashboard/index.js');
    const ev = new EventEmitter();
    const d = await start({ source: schedulerEventSource(ev) });
    const t = Date.now();
    const info = (name: string, running: number, dt = 0) => ({ name, nthreads: 1, memoryLimit: 2 ** 30, memory: 0, running, stored: 0, t: t + dt, pid: 1, host: 'h' });
    const processing = () => Object.fromEntries(d.state.snapshot().workers.map((w) => [w.id, w.processing]));
    const start_ = (task: string, worker: string, group = 'exp') => ev.emit('task-start', { compute: 'c', task, group, worker, attempt: 1, t });
    const finish = (task: string, worker: string, group = 'exp') => ev.emit('task-finish', { compute: 'c', task, group, worker, ok: true, ms: 1, t: t + 1 });
    ev.emit('workers', [info('a', 4), info('b', 0)]); // a heartbeat from the middle of an earlier compute
    expect(processing()).toEqual({ a: 0, b: 0 });
    ev.emit('compute-start', { compute: 'c', groups: ['exp', 'sum'], total: 6, t });
    start_('1', 'a');
    start_('2', 'a'); // held, ready to run: a 1-thread worker still shows 1 / 1
    start_('2', 'a'); // the same task started twice (redelivered)
    start_('3', 'b');
    start_('4', 'a');
    start_('4', 'b'); // handed back (memory limit) and taken by b
    expect(processing()).toEqual({ a: 1, b: 1 });
    expect(d.state.snapshot().totals.processing).toBe(4);
    finish('1', 'a');
    finish('3', 'b');
    start_('5', 'b', 'sum');
    finish('5', 'b', 'sum');
    finish('5', 'b', 'sum'); // a duplicate finish
    expect(d.state.snapshot().groups.find((g) => g.name === 'exp')).toMatchObject({ processing: 2, memory: 2 });
    // Tasks 2 and 4 never finish: the compute ended, the workers drop them unrun (task.term()).
    ev.emit('compute-finish', { compute: 'c', ok: true, t: t + 2 });
    ev.emit('task-start', { compute: 'c', task: '6', group: 'sum', worker: 'a', attempt: 2, t: t + 3 }); // a late start
    ev.emit('workers', [info('a', 4, 1), info('b', 1, 1)]); // stale heartbeats after the compute
    const s = d.state.snapshot();
    expect(processing()).toEqual({ a: 0, b: 0 });
    expect(s.totals.processing).toBe(0);
    expect(s.groups.map((g) => g.processing)).toEqual([0, 0]);
  });
});
