// End to end: a real compute on the local native scheduler, watched by headless Chromium
// (Debian's `chromium`, driven by playwright-core). Screenshots go to test-artifacts/.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { random, exp } from '../src/index.js';
import { startDashboard, type Dashboard } from '../src/dashboard/index.js';
import { native } from '../src/native.js';

function findChromium(): string | undefined {
  const env = process.env.TESSERA_CHROMIUM;
  if (env && existsSync(env)) return env;
  for (const name of ['chromium', 'chromium-browser']) {
    try {
      const p = execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim();
      if (p) return p;
    } catch {
      /* not installed */
    }
  }
  return undefined;
}

const chromiumPath = findChromium();
if (!chromiumPath)
  console.warn('dashboard e2e: skipped — no chromium found (apt-get install -y chromium; .ci/run installs it, or set TESSERA_CHROMIUM)');

const ARTIFACTS = join(import.meta.dirname ?? __dirname, '..', 'test-artifacts');
const ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update',
  '--disable-sync', '--no-first-run', '--disable-quic',
];

describe.skipIf(!chromiumPath)('dashboard in headless Chromium', () => {
  let browser: Browser;
  let dash: Dashboard;
  const errors: string[] = [];

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    native().setNumThreads(2);
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ARGS });
    dash = await startDashboard({ port: 0, memoryLimit: 2 * 2 ** 30 });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await dash?.close();
  });

  async function openPage(path: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme });
    page.setDefaultTimeout(120_000); // the machine may be shared and loaded
    page.on('pageerror', (e) => errors.push(`${path}: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`${path}: ${m.text()}`);
    });
    await page.goto(dash.url.replace(/\/status$/, path));
    await page.waitForSelector('#conn.live');
    return page;
  }

  it('shows the task stream on both threads, progress to 100% and bytes stored while chunks are persisted', async () => {
    const page = await openPage('/status');
    // A real compute: persist exp(random) in 64 chunks (native memory), then reduce it.
    const x = random.random([4000, 4000], { seed: 42, chunks: [500, 500] });
    const persisted = await exp(x).persist();
    const total = await persisted.sum().compute();
    expect(total).toBeGreaterThan(0);

    await page.waitForFunction(() => document.getElementById('total-progress')?.textContent === '100%');
    await page.waitForFunction(() => Number((document.getElementById('stream') as HTMLCanvasElement).dataset.rowsWithTasks) >= 2);
    const stream = await page.$eval('#stream', (c) => ({ ...(c as HTMLCanvasElement).dataset }));
    expect(Number(stream.rows)).toBe(2);
    expect(Number(stream.rowsWithTasks)).toBe(2); // rectangles on both native threads
    expect(Number(stream.rects)).toBe(64); // the last compute: sum over the 64 persisted chunks
    expect(await page.textContent('#k-tasks')).toBe('128 / 128 tasks');

    // Bytes stored: the persisted chunks (16e6 elements × 8 B) in native memory.
    await page.waitForFunction(() => Number(document.querySelector('#memory .bar-row')?.getAttribute('data-bytes')) >= 128e6);
    const shown = await page.textContent('#k-bytes');
    expect(shown).toMatch(/^1\d\d(\.\d+)? MiB$/);
    const legend = await page.$$eval('#legend span', (s) => s.map((e) => e.textContent));
    expect(legend).toEqual(expect.arrayContaining(['exp-random_sample', 'sum-persisted', 'transfer', 'error']));
    const groups = await page.$$eval('#progress .bar-row', (rows) => rows.map((r) => [r.getAttribute('data-group'), r.querySelector('.num')?.textContent]));
    expect(groups).toEqual([
      ['sum-persisted', '64 / 64'],
      ['exp-random_sample', '64 / 64'],
    ]);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-status-dark.png'), fullPage: true });

    // A page opened afterwards catches up from the server's history of recent tasks.
    const late = await openPage('/status', 'light');
    await late.waitForFunction(() => Number((document.getElementById('stream') as HTMLCanvasElement).dataset.rowsWithTasks) >= 2);
    await late.click('#window button[data-w="60000"]');
    await late.waitForFunction(() => Number((document.getElementById('stream') as HTMLCanvasElement).dataset.rects) === 128);
    await late.screenshot({ path: join(ARTIFACTS, 'dashboard-status-light.png'), fullPage: true });

    // Per-compute progress: the persist holds its 64 chunks ("in memory", 128 MB of results),
    // the reduction is done.
    const computeRows = () =>
      page.$$eval('#computes tbody tr', (rs) => rs.map((r) => [r.getAttribute('data-state'), r.getAttribute('data-done'), r.getAttribute('data-tasks'), r.children[3]?.textContent]));
    expect(await computeRows()).toEqual([
      ['done', '64', '64', '8 B'],
      ['memory', '64', '64', '122 MiB'],
    ]);
    // Freeing the chunks shows up as fewer bytes stored, and the persist leaves "in memory".
    persisted.dispose();
    await page.waitForFunction(() => Number(document.querySelector('#memory .bar-row')?.getAttribute('data-bytes')) < 128e6);
    await page.waitForFunction(() => document.querySelectorAll('#computes tbody tr[data-state="done"]').length === 2);
    await page.waitForFunction(() => document.querySelector('#progress .bar-row[data-group="exp-random_sample"] .st-memory')?.getAttribute('style') === 'width:0%');

    const workers = await openPage('/workers');
    await workers.waitForSelector('#workers-table tr[data-worker="local"]');
    expect(await workers.textContent('#workers-table tbody td:nth-child(3)')).toBe('2');
    await workers.screenshot({ path: join(ARTIFACTS, 'dashboard-workers.png'), fullPage: true });

    const graph = await openPage('/graph', 'light');
    await graph.waitForSelector('#graph svg');
    expect(await graph.textContent('#graph-label')).toBe('sum-persisted · 64 tasks in 2 layers');
    await graph.screenshot({ path: join(ARTIFACTS, 'dashboard-graph.png'), fullPage: true });

    expect(errors).toEqual([]);
  }, 300_000);

  it('shows progress live during a long compute', async () => {
    const page = await openPage('/status');
    // Record every value the progress card and the last-compute card take (batched SSE updates).
    await page.evaluate(() => {
      const seen: string[] = ((window as unknown as { seen: string[] }).seen = []);
      for (const id of ['total-progress', 'k-last-label'])
        new MutationObserver(() => seen.push(`${id}=${document.getElementById(id)!.textContent}`)).observe(document.getElementById(id)!, {
          childList: true,
          characterData: true,
          subtree: true,
        });
    });
    // 40000² exp-sum: 1.6e9 elements in 400 chunks, well over one 200 ms update interval.
    const big = exp(random.random([40000, 40000], { seed: 7, chunks: [2000, 2000] })).sum();
    let resolved = false;
    const running = big.compute().then((v) => ((resolved = true), v));
    // The task stream fills while the plan runs (the engine's records come with its progress
    // ticks), and the compute's progress row counts up: seen before the compute resolves.
    const midway = await Promise.race([
      page
        .waitForFunction(() => {
          const rects = Number((document.getElementById('stream') as HTMLCanvasElement).dataset.rects);
          const row = document.querySelector('#computes tbody tr[data-state="running"]');
          const done = Number(row?.getAttribute('data-done'));
          return /^running/.test(document.getElementById('k-last-label')?.textContent ?? '') && rects > 0 && done > 0 && done < 400
            ? { rects, done, tasks: Number(row?.getAttribute('data-tasks')) }
            : false;
        })
        .then((h) => h.jsonValue()),
      running.then(() => undefined),
    ]);
    expect(resolved).toBe(false);
    expect(midway).toBeDefined();
    expect(midway!.tasks).toBe(400);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-status-running.png'), fullPage: true });
    await running;
    await page.waitForFunction(() => document.getElementById('total-progress')?.textContent === '100%');
    await page.waitForFunction(() => document.getElementById('k-last-label')?.textContent === 'sum-exp-random_sample');
    const seen = await page.evaluate(() => (window as unknown as { seen: string[] }).seen);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-status-after-long.png'), fullPage: true });
    // While it ran, the page said so: "running · …" and a figure below 100%.
    expect(seen.some((v) => v.startsWith('k-last-label=running · '))).toBe(true);
    expect(seen.some((v) => /^total-progress=\d+%$/.test(v) && v !== 'total-progress=100%')).toBe(true);
    expect(errors).toEqual([]);
  }, 300_000);
});

describe.skipIf(!chromiumPath)('dashboard in headless Chromium, fed by a distributed scheduler with two workers', () => {
  // The in-process bus of the distributed tests: real Scheduler, two real Workers (each its own
  // native task slot), a Client; the dashboard consumes `scheduler.events` like `tessera scheduler` does.
  let browser: Browser;
  let dash: Dashboard;
  let bus: import('../src/distributed/transport.js').MemoryBus;
  let scheduler: import('../src/distributed/scheduler.js').Scheduler;
  let workers: import('../src/distributed/worker.js').Worker[] = [];
  let client: import('../src/distributed/client.js').Client;

  beforeAll(async () => {
    mkdirSync(ARTIFACTS, { recursive: true });
    const { MemoryBus } = await import('../src/distributed/transport.js');
    const { Scheduler } = await import('../src/distributed/scheduler.js');
    const { Worker } = await import('../src/distributed/worker.js');
    const { Client } = await import('../src/distributed/client.js');
    const { schedulerEventSource } = await import('../src/dashboard/index.js');
    bus = new MemoryBus({ ackWaitMs: 5000 });
    scheduler = new Scheduler(bus.connect(), { heartbeatMs: 200 });
    dash = await startDashboard({ port: 0, source: schedulerEventSource(scheduler.events) });
    await scheduler.start();
    workers = [
      new Worker(bus.connect(), { name: 'worker-a', nthreads: 1, heartbeatMs: 200, memoryLimit: 512 * 2 ** 20 }),
      new Worker(bus.connect(), { name: 'worker-b', nthreads: 1, heartbeatMs: 200, memoryLimit: 512 * 2 ** 20 }),
    ];
    for (const w of workers) await w.start();
    client = await Client.withTransport(bus.connect());
    const { chromium } = await import('playwright-core');
    browser = await chromium.launch({ executablePath: chromiumPath, args: ARGS });
  }, 120_000);
  afterAll(async () => {
    await browser?.close();
    await client?.close();
    for (const w of workers) await w.close();
    await scheduler?.close();
    await dash?.close();
  });

  it('shows rectangles for both workers, progress to 100% and bytes stored per worker', async () => {
    const errors: string[] = [];
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme: 'dark' });
    page.setDefaultTimeout(120_000);
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(dash.url);
    await page.waitForSelector('#conn.live');
    await page.waitForFunction(() => document.querySelectorAll('#memory .bar-row').length === 2);

    const x = exp(random.random([3000, 2000], { seed: 42, chunks: [250, 500] }));
    const kept = await client.persist(x); // 48 chunks held by the workers
    const s = await client.compute(x.sum());
    expect(s).toBe(await x.sum().compute());

    await page.waitForFunction(() => document.getElementById('total-progress')?.textContent === '100%');
    await page.click('#window button[data-w="60000"]');
    await page.waitForFunction(() => Number((document.getElementById('stream') as HTMLCanvasElement).dataset.rowsWithTasks) === 2);
    const rows = await page.$eval('#stream', (c) => Number((c as HTMLCanvasElement).dataset.rows));
    expect(rows).toBe(2); // worker-a · thread 0, worker-b · thread 0
    // Both workers hold persisted chunks: bytes stored are non-zero on each.
    // (workers report their bytes with their heartbeats: wait for the figures to settle)
    await page.waitForFunction(() => {
      const b = [...document.querySelectorAll('#memory .bar-row')].map((r) => Number(r.getAttribute('data-bytes')));
      return b.length === 2 && b.every((x) => x > 0) && b[0]! + b[1]! === 3000 * 2000 * 8;
    });
    // Worker CPU: each worker's process.cpuUsage between heartbeats, shown per worker.
    await page.waitForFunction(() => {
      const c = [...document.querySelectorAll('#cpu .bar-row')].map((r) => r.getAttribute('data-cpu'));
      return c.length === 2 && c.every((x) => x !== '' && Number(x) >= 0);
    });
    const cpuText = await page.$$eval('#workers-table tbody td:nth-child(4)', (tds) => tds.map((t) => t.textContent));
    for (const t of cpuText) expect(t).toMatch(/^\d+%$/);
    // The sum's result was fetched and released: done; the persist holds its 48 chunks.
    await page.waitForFunction(() => document.querySelectorAll('#computes tbody tr').length === 2);
    expect(await page.$$eval('#computes tbody tr', (rs) => rs.map((r) => r.getAttribute('data-state')))).toEqual(['done', 'memory']);
    await page.click('#window button[data-w="compute"]');
    await page.waitForTimeout(300);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-distributed.png'), fullPage: true });
    kept.release();
    await page.waitForFunction(() => [...document.querySelectorAll('#computes tbody tr')].every((r) => r.getAttribute('data-state') === 'done'));
    expect(errors).toEqual([]);
  }, 300_000);
});
