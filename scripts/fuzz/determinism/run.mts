// The determinism fuzz's runner. `npx tsx run.mts SEED COUNT [VARIANTS]` computes graphs
// 0..COUNT-1 of gen.mts in four child processes — local with 1 and 2 native threads, a cluster of
// one worker (2 threads) and of two workers (1 thread each) — each graph in VARIANTS chunkings
// (default 3), and compares the results bit for bit: dtype, shape and bytes (NaN payloads
// aside, -0 ≠ +0). Breaks are printed with the graph, the settings and both results.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const here = fileURLToPath(new URL('.', import.meta.url));
const fnsUrl = pathToFileURL(join(here, 'fns.mjs')).href;
const DIR = process.env.DETFUZZ_DIR ?? '/tmp/detfuzz';

interface Row { i: number; v: number; chunkFree: boolean; cluster: boolean; desc: string; res: string; preview: string }

/** Bits of a float as hex, NaN canonical. */
const fbits = (x: number) => (Number.isNaN(x) ? 'NaN' : Buffer.from(new Float64Array([x]).buffer).toString('hex'));

/** A canonical string of a computed value: dtype, shape and bytes (NaN canonical), Tables cell by cell. */
async function encode(v: any): Promise<string> {
  const t = await import('../../../src/index.ts');
  if (v instanceof t.DenseArray) {
    let d: any = v.data;
    if (d instanceof Float64Array || d instanceof Float32Array) { d = d.slice(); for (let k = 0; k < d.length; k++) if (Number.isNaN(d[k])) d[k] = NaN; }
    return `${v.dtype}|${JSON.stringify(v.shape)}|${Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64')}`;
  }
  if (v instanceof t.Table) {
    const names = v.index ? [v.index, ...v.columns] : v.columns;
    return 'table|' + JSON.stringify({ columns: v.columns, index: v.index, length: v.length, dtypes: names.map((n) => v.raw(n)!.dtype), cells: names.map((n) => v.column(n).map(cell)) });
  }
  if (v instanceof t.Describe) v = v.toJSON();
  return `${typeof v}|${JSON.stringify(v, (_k, x) => cell(x))}`;
}
function cell(x: unknown): unknown {
  if (typeof x === 'number') return Number.isInteger(x) && !Object.is(x, -0) ? x : 'f' + fbits(x);
  if (typeof x === 'bigint') return 'n' + x;
  if (x instanceof Date) return 'd' + x.getTime();
  return x;
}
const digest = (s: string) => (s.startsWith('error|') ? s : createHash('sha1').update(s).digest('hex').slice(0, 16));
const preview = (s: string) => s.slice(0, 160);

async function child(mode: string, seed: number, count: number, variants: number, out: string) {
  const t = await import('../../../src/index.ts');
  const { build } = await import('./gen.mts');
  let client: any, close = async () => {};
  if (mode !== 'local') {
    const { MemoryBus } = await import('../../../src/distributed/transport.ts');
    const { Scheduler } = await import('../../../src/distributed/scheduler.ts');
    const { Worker } = await import('../../../src/distributed/worker.ts');
    const { Client } = await import('../../../src/distributed/client.ts');
    const bus = new MemoryBus({ ackWaitMs: 1000 });
    const scheduler = new Scheduler(bus.connect(), { heartbeatMs: 200 });
    await scheduler.start();
    const nw = mode === 'cluster2' ? 2 : 1;
    const workers = Array.from({ length: nw }, (_, k) => new Worker(bus.connect(), { name: `w${k}`, nthreads: t.getConfig().numThreads, heartbeatMs: 200, modules: [here] }));
    for (const w of workers) await w.start();
    client = await Client.withTransport(bus.connect());
    close = async () => { await client.close(); for (const w of workers) await w.close(); await scheduler.close(); };
  }
  const rows: Row[] = [];
  for (let i = 0; i < count; i++) {
    for (let v = 0; v < variants; v++) {
      let g: any, res: string;
      try {
        g = build(seed, i, v, DIR, fnsUrl);
      } catch (e) {
        rows.push({ i, v, chunkFree: true, cluster: false, desc: 'build', res: `error|build ${(e as Error).name}: ${(e as Error).message}`, preview: `error|build ${(e as Error).message}` });
        continue;
      }
      if (client && !g.cluster) { rows.push({ i, v, chunkFree: g.chunkFree, cluster: false, desc: g.desc, res: 'skip', preview: '' }); continue; }
      try {
        const p = client ? client.compute(g.value) : g.value.compute();
        let val = await Promise.race([p, new Promise((_, rej) => setTimeout(() => rej(new Error('timeout 60 s')), 60_000))]);
        if (g.post) val = g.post(val);
        res = await encode(val);
      } catch (e) {
        res = `error|${(e as Error).name}: ${(e as Error).message}`;
      }
      rows.push({ i, v, chunkFree: g.chunkFree, cluster: g.cluster, desc: g.desc, res: digest(res), preview: preview(res) });
    }
  }
  await close();
  writeFileSync(out, JSON.stringify(rows));
  console.error(`${mode}: ${t.getConfig().numThreads} native threads, ${rows.length} results`);
}

const SETTINGS = [
  { name: 'local-1t', mode: 'local', threads: '1' },
  { name: 'local-2t', mode: 'local', threads: '2' },
  { name: 'cluster-1w', mode: 'cluster1', threads: '2' },
  { name: 'cluster-2w', mode: 'cluster2', threads: '1' },
];

async function main() {
  const [seedArg, countArg, varArg] = process.argv.slice(2);
  const seed = Number(seedArg ?? 1), count = Number(countArg ?? 100), variants = Number(varArg ?? 3);
  const outDir = join(DIR, `out-s${seed}`);
  mkdirSync(outDir, { recursive: true });
  const only = process.env.DETFUZZ_SETTINGS?.split(',');
  const res = new Map<string, Row[]>();
  for (const s of SETTINGS) {
    if (only && !only.includes(s.name)) continue;
    const out = join(outDir, `${s.name}.json`);
    const t0 = Date.now();
    execFileSync(process.execPath, ['--import', 'tsx', fileURLToPath(import.meta.url), '--child', s.mode, String(seed), String(count), String(variants), out], {
      env: { ...process.env, TESSERA_NUM_THREADS: s.threads }, stdio: ['ignore', 'inherit', 'inherit'],
    });
    res.set(s.name, JSON.parse(readFileSync(out, 'utf8')));
    console.error(`${s.name}: ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  }
  const base = res.get('local-1t')!;
  const key = (r: Row) => `${r.i}/${r.v}`;
  const counts: Record<string, { compared: number; breaks: number }> = {};
  const bump = (k: string, broke: boolean) => { (counts[k] ??= { compared: 0, breaks: 0 }).compared++; if (broke) counts[k].breaks++; };
  const report = (what: string, a: Row, b: Row, an: string, bn: string) =>
    console.log(`BREAK ${what} graph ${a.i} (seed ${seed}) ${an} v${a.v} vs ${bn} v${b.v}\n  ${a.desc}${b.desc !== a.desc ? `\n  v${b.v}: ${b.desc}` : ''}\n  ${an}: ${a.preview}\n  ${bn}: ${b.preview}`);
  // threads and workers: the same graph, the same chunking
  for (const [name, rows] of res) {
    if (name === 'local-1t') continue;
    const m = new Map(rows.map((r) => [key(r), r]));
    for (const a of base) {
      const b = m.get(key(a));
      if (!b || b.res === 'skip') continue;
      const refused = name.startsWith('cluster') && b.res.startsWith('error|') && !a.res.startsWith('error|');
      const broke = a.res !== b.res && !(refused && /cluster|not supported|refuse/i.test(b.res));
      // the in-process cluster shares one event loop: a plan of tens of thousands of tasks can
      // starve the heartbeats and the client gives up — a failure, not other bits: counted apart
      if (broke && refused && /lost the scheduler|timeout 60 s/.test(b.res)) {
        (counts[`${name} gave up (no heartbeat / timeout)`] ??= { compared: 0, breaks: 0 }).breaks++;
        console.log(`GAVE UP ${name} graph ${a.i} v${a.v}: ${b.res.slice(0, 120)}\n  ${a.desc}`);
        continue;
      }
      bump(name, broke);
      if (broke) report(name, a, b, 'local-1t', name);
    }
  }
  // chunkings: every variant against variant 0, where the promise covers the graph
  const byGraph = new Map<number, Row[]>();
  for (const r of base) byGraph.set(r.i, [...(byGraph.get(r.i) ?? []), r]);
  let graphs = 0, free = 0, depDiffer = 0, errors = 0, refusedReshape = 0;
  for (const [, rows] of byGraph) {
    graphs++;
    const r0 = rows[0]!;
    if (r0.res.startsWith('error|')) errors++;
    if (!r0.chunkFree) { if (rows.some((r) => r.res !== r0.res)) depDiffer++; continue; }
    free++;
    for (const r of rows.slice(1)) {
      // Dask's reshape rule: a reshape that neither merges nor splits axes evenly works on one
      // chunk only (NumPy's copy), a TypeError for other chunkings: documented, not a break
      if ([r0, r].some((x) => /does not merge or split existing axes evenly/.test(x.res))) { refusedReshape++; continue; }
      const broke = r.res !== r0.res;
      bump('chunkings', broke);
      if (broke) report('chunkings', r0, r, 'local-1t', 'local-1t');
    }
  }
  console.log(`seed ${seed}: graphs ${graphs} (chunk-free ${free}, errors in variant 0: ${errors}; chunk-dependent graphs whose variants differ: ${depDiffer}; reshape refused for a chunking (Dask's rule): ${refusedReshape})`);
  for (const [k, c] of Object.entries(counts)) console.log(`  ${k}: compared ${c.compared}, breaks ${c.breaks}`);
}

if (process.argv[2] === '--child') {
  const [, mode, seed, count, variants, out] = process.argv.slice(2);
  await child(mode!, Number(seed), Number(count), Number(variants), out!);
  process.exit(0);
} else await main();
