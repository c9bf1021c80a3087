// One graph of gen.mts, locally and on a cluster of `WORKERS` (default 1) in-process workers,
// printed value by value: `npx tsx one.mts SEED I [VARIANT]` (for a break the runner reported).
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import * as t from '../../../src/index.ts';
import { build } from './gen.mts';
import { MemoryBus } from '../../../src/distributed/transport.ts';
import { Scheduler } from '../../../src/distributed/scheduler.ts';
import { Worker } from '../../../src/distributed/worker.ts';
import { Client } from '../../../src/distributed/client.ts';

const here = fileURLToPath(new URL('.', import.meta.url));
const [seed, i, v] = process.argv.slice(2).map(Number);
const g = build(seed!, i!, v ?? 0, process.env.DETFUZZ_DIR ?? '/tmp/detfuzz', pathToFileURL(join(here, 'fns.mjs')).href);
console.log(g.desc);
const show = (x: any) => (x instanceof t.DenseArray ? `${x.dtype} [${x.shape}] ${JSON.stringify(Array.from(x.data as ArrayLike<unknown>, (q) => (typeof q === 'bigint' ? String(q) : Object.is(q, -0) ? '-0' : q)))}` : typeof x === 'object' ? JSON.stringify(x) : String(x));
console.log('local  ', show(g.post ? g.post(await g.value.compute()) : await g.value.compute()));
const bus = new MemoryBus({ ackWaitMs: 1000 });
const scheduler = new Scheduler(bus.connect(), { heartbeatMs: 200 });
await scheduler.start();
const workers = Array.from({ length: Number(process.env.WORKERS ?? 1) }, (_, k) => new Worker(bus.connect(), { name: `w${k}`, nthreads: 1, heartbeatMs: 200, modules: [here] }));
for (const w of workers) await w.start();
const client = await Client.withTransport(bus.connect());
try {
  const r = await client.compute(g.value);
  console.log('cluster', show(g.post ? g.post(r) : r));
} catch (e) { console.log('cluster error', (e as Error).message); }
await client.close();
for (const w of workers) await w.close();
await scheduler.close();
