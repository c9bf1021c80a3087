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
  });
  afterAll(async () => {
    await browser?.close();
    await dash?.close();
  });

  async function openPage(path: string, colorScheme: 'dark' | 'light' = 'dark'): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1440, height: 1000 }, colorScheme });
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

    // Freeing the chunks shows up as fewer bytes stored.
    persisted.dispose();
    await page.waitForFunction(() => Number(document.querySelector('#memory .bar-row')?.getAttribute('data-bytes')) < 128e6);

    const workers = await openPage('/workers');
    await workers.waitForSelector('#workers-table tr[data-worker="local"]');
    expect(await workers.textContent('#workers-table tbody td:nth-child(3)')).toBe('2');
    await workers.screenshot({ path: join(ARTIFACTS, 'dashboard-workers.png'), fullPage: true });

    const graph = await openPage('/graph', 'light');
    await graph.waitForSelector('#graph svg');
    expect(await graph.textContent('#graph-label')).toMatch(/^sum-persisted · 64 tasks in 2 stage\(s\)$/);
    await graph.screenshot({ path: join(ARTIFACTS, 'dashboard-graph.png'), fullPage: true });

    expect(errors).toEqual([]);
  });

  it('shows progress live during a long compute', async () => {
    const page = await openPage('/status');
    const seen = new Set<string>();
    const poll = setInterval(() => {
      page.textContent('#total-progress').then((t) => t && seen.add(t), () => {});
    }, 50);
    const big = exp(random.random([12000, 12000], { seed: 7, chunks: [1000, 1000] })).sum();
    await big.compute();
    await page.waitForFunction(() => document.getElementById('total-progress')?.textContent === '100%');
    clearInterval(poll);
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-status-after-long.png'), fullPage: true });
    // 128 earlier tasks + 144 new ones: the overall figure passed through intermediate values.
    expect([...seen].some((t) => t !== '100%' && t !== '–')).toBe(true);
    expect(errors).toEqual([]);
  });
});
