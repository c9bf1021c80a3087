// npm run bench — the array benchmarks of issue #2, side by side in one run:
// tessera on all threads, tessera on 1 thread, and a plain single-threaded JS loop doing the
// same work. Each (case, variant) runs in its own child process so its peak RSS is its own.
// Medians via tinybench. No assertions: read the ratios.
import { spawnSync } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { Bench } from 'tinybench';

type Variant = 'tessera' | 'tessera-1t' | 'js-loop';
interface CaseResult { medianMs: number; runs: number; peakRssMB: number; elements: number; note?: string; value: number }

const CASES: Record<string, { title: string; iterations: number; elements: number }> = {
  a: { title: '(a) exp(random.random([40000, 40000])).sum()', iterations: 5, elements: 1.6e9 },
  b: { title: '(b) ones([50,50],{chunks:[5,5]}) → x.add(x.T).sum()', iterations: 2000, elements: 2500 },
  c: { title: '(c) ones([1000,1000],{chunks:[10,10]}) → x.add(x.T).sum()', iterations: 30, elements: 1e6 },
  d: { title: '(d) x.add(x.T).sum(), x = persisted random.random([8000, 8000])', iterations: 7, elements: 6.4e7 },
  f: { title: "(f) exp(random.random([40000, 40000], { dtype: 'float32' })).sum() (issue 14: goal ≥ 1.6× faster than (a))", iterations: 5, elements: 1.6e9 },
  w: { title: '(w) where(x.gt(0.5), x.sqrt(), x.neg()).sum(), x = random.random([40000, 40000]) (issue 14)', iterations: 5, elements: 1.6e9 },
  'd-read': { title: '    one read pass of the same persisted x: x.sum()', iterations: 7, elements: 6.4e7 },
};

async function child(caseName: string, variant: Variant): Promise<CaseResult> {
  const t = await import('../src/index.js');
  const { elements } = CASES[caseName]!;
  let run: () => Promise<number> | number;
  let scale = 1;
  let note: string | undefined;
  if (variant === 'js-loop') {
    if (caseName === 'a' || caseName === 'w' || caseName === 'f') {
      // Same work on a 1/100 slice (16 M elements), scaled ×100: hash-based uniform → exp → sum.
      scale = 100;
      note = 'measured on a 1/100 slice, scaled ×100';
      const n = elements / scale;
      run = () => {
        let s = 0;
        for (let i = 0; i < n; i++) {
          let h1 = Math.imul(i ^ 0x9e3779b9, 0x85ebca6b);
          h1 ^= h1 >>> 13;
          h1 = Math.imul(h1, 0xc2b2ae35);
          h1 ^= h1 >>> 16;
          let h2 = Math.imul((i + 0x7f4a7c15) ^ h1, 0x85ebca6b);
          h2 ^= h2 >>> 13;
          h2 = Math.imul(h2, 0xc2b2ae35);
          h2 ^= h2 >>> 16;
          const u = ((h1 >>> 5) * 67108864 + (h2 >>> 6)) / 9007199254740992;
          s += caseName === 'w' ? (u > 0.5 ? Math.sqrt(u) : -u) : Math.exp(u);
        }
        return s;
      };
    } else {
      const n = caseName === 'b' ? 50 : caseName === 'c' ? 1000 : 8000;
      const data = new Float64Array(n * n);
      if (caseName === 'd' || caseName === 'd-read') for (let i = 0; i < data.length; i++) data[i] = Math.random();
      const transposed = caseName !== 'd-read';
      run = () => {
        if (caseName === 'b' || caseName === 'c') data.fill(1); // ones() is part of the work
        let s = 0;
        for (let i = 0; i < n; i++) {
          for (let j = 0; j < n; j++) s += transposed ? data[i * n + j]! + data[j * n + i]! : data[i * n + j]!;
        }
        return s;
      };
    }
  } else {
    if (variant === 'tessera-1t') t.configure({ numThreads: 1 });
    if (caseName === 'a') {
      const y = t.exp(t.random.random([40000, 40000], { seed: 42 })).sum();
      run = () => y.compute();
    } else if (caseName === 'f') {
      const y = t.exp(t.random.random([40000, 40000], { seed: 42, dtype: 'float32' })).sum();
      run = () => y.compute();
    } else if (caseName === 'w') {
      const x = t.random.random([40000, 40000], { seed: 42 });
      const y = t.where(x.gt(0.5), x.sqrt(), x.neg()).sum();
      run = () => y.compute();
    } else if (caseName === 'b' || caseName === 'c') {
      const n = caseName === 'b' ? 50 : 1000;
      const c = caseName === 'b' ? 5 : 10;
      run = () => {
        const x = t.ones([n, n], { chunks: [c, c] });
        return x.add(x.T).sum().compute();
      };
    } else {
      const x = await t.random.random([8000, 8000], { seed: 1, chunks: [2000, 2000] }).persist();
      const y = caseName === 'd' ? x.add(x.T).sum() : x.sum();
      run = () => y.compute();
    }
  }
  let value = 0;
  const bench = new Bench({ iterations: CASES[caseName]!.iterations, time: 0, warmupIterations: 1, warmupTime: 0, throws: true });
  bench.add(`${caseName}:${variant}`, async () => {
    value = await run();
  });
  await bench.run();
  const r = bench.tasks[0]!.result as unknown as { latency: { p50: number }; samples?: unknown[]; totalTime: number };
  const medianMs = r.latency.p50 * scale;
  return {
    medianMs,
    runs: CASES[caseName]!.iterations,
    peakRssMB: process.resourceUsage().maxRSS / 1024,
    elements,
    value: value * scale,
    ...(note ? { note } : {}),
  };
}

function runChild(caseName: string, variant: Variant): CaseResult {
  const env = { ...process.env };
  if (variant === 'tessera-1t') env.TESSERA_NUM_THREADS = '1';
  const out = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), '--child', caseName, variant], {
    env,
    encoding: 'utf8',
    maxBuffer: 1 << 20,
  });
  if (out.status !== 0) throw new Error(`bench child ${caseName}/${variant} failed:\n${out.stderr}`);
  const line = out.stdout.trim().split('\n').pop()!;
  return JSON.parse(line) as CaseResult;
}

const fmt = (v: number, d = 2): string => (v >= 100 ? v.toFixed(0) : v >= 10 ? v.toFixed(1) : v.toFixed(d));

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--child') {
    console.log(JSON.stringify(await child(args[1]!, args[2] as Variant)));
    return;
  }
  const only = args.filter((a) => a in CASES);
  const cases = only.length ? only : Object.keys(CASES);
  const t = await import('../src/index.js');
  const { native } = await import('../src/native.js');
  console.log(`tessera array benchmarks — ${availableParallelism()} cores, ISA ${native().isa()}, threads ${t.getConfig().numThreads}, node ${process.version}`);
  console.log('medians (tinybench p50); each row in its own process; peak RSS = that process\'s max RSS\n');
  const all: Record<string, Record<Variant, CaseResult>> = {};
  for (const c of cases) {
    const variants: Variant[] = ['tessera', 'tessera-1t', 'js-loop'];
    const res = Object.fromEntries(variants.map((v) => [v, runChild(c, v)])) as Record<Variant, CaseResult>;
    console.log(CASES[c]!.title);
    for (const v of variants) {
      const r = res[v];
      const row = [c, v, fmt(r.medianMs, 3), fmt((r.medianMs * 1e6) / r.elements, 3), fmt(r.peakRssMB, 0), r.value.toPrecision(8) + (r.note ? `  (${r.note})` : '')];
      console.log(`  ${v.padEnd(11)} ${row[2]!.padStart(9)} ms  ${row[3]!.padStart(7)} ns/elem  ${row[4]!.padStart(5)} MB peak  = ${row[5]}`);
    }
    const speedup = res['js-loop'].medianMs / res.tessera.medianMs;
    const scaling = res['tessera-1t'].medianMs / res.tessera.medianMs;
    console.log(`  → tessera is ${fmt(speedup)}× the JS loop; all threads vs 1 thread: ${fmt(scaling)}×\n`);
    all[c] = res;
  }
  if (all.a && all.f) {
    console.log(`(f) float32 is ${fmt(all.a.tessera.medianMs / all.f.tessera.medianMs)}× as fast as (a) float64 on all threads (goal ≥ 1.6×)`);
  }
  if (all.a && all.w) {
    console.log(`(w) where(...) takes ${fmt(all.w.tessera.medianMs / all.a.tessera.medianMs)}× (a) exp(x).sum() on all threads, ${fmt(all.w['tessera-1t'].medianMs / all.a['tessera-1t'].medianMs)}× on 1 thread (goal ≤ 1.3×)`);
  }
  if (all.d && all['d-read']) {
    console.log(`(d) x.add(x.T).sum() takes ${fmt(all.d.tessera.medianMs / all['d-read'].tessera.medianMs)}× one read pass over x (goal ≤ 2×)`);
  }
}

await main();
