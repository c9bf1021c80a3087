// npx tsx bench/distributed.bench.ts — distributed mode on this machine (issue #7):
// nats-server + `tessera scheduler` + 2 single-thread `tessera worker`s as child processes, and a
// client here. Measures (1) tiny-task round trips: a compute of many 1-element chunks, and
// client.map over a trivial module function; (2) the 40000² exp-sum, against the local 2-thread
// time measured in this same run; (3) take, a boolean mask and a matrix product, local 2 threads
// vs the cluster (`npx tsx bench/distributed.bench.ts gather` runs only (3)). Prints medians. No
// assertions: read the ratios.
//   BENCH_N=20000 (side of the exp-sum array; default 40000)   BENCH_REPS=3
import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const N = Number(process.env.BENCH_N ?? 40000);
const REPS = Number(process.env.BENCH_REPS ?? 3);
const children: ChildProcess[] = [];

function tessera(args: string[], ready: RegExp): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', ...args], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`tessera ${args[0]} did not start: ${out}`)), 60_000);
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) clearTimeout(timer), resolve(child);
    });
    child.once('exit', (c) => reject(new Error(`tessera ${args[0]} exited ${c}: ${out}`)));
  });
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

async function time(fn: () => Promise<unknown>, reps: number): Promise<{ ms: number; value: unknown }> {
  const ts: number[] = [];
  let value: unknown;
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    value = await fn();
    ts.push(performance.now() - t0);
  }
  return { ms: median(ts), value };
}

async function main(): Promise<void> {
  const t = await import('../src/index.js');
  const { Client } = await import('../src/distributed/client.js');
  const { natsServerAvailable } = await import('../src/distributed/server.js');
  if (!natsServerAvailable()) {
    console.log('distributed bench skipped: nats-server is not installed (apt-get install nats-server)');
    return;
  }
  const sched = spawn(process.execPath, ['--import', 'tsx', 'src/cli.ts', 'scheduler', '--port', '0'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] });
  children.push(sched);
  const address = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`scheduler did not start: ${out}`)), 60_000);
    sched.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /tessera scheduler at: (\S+)/.exec(out);
      if (m) clearTimeout(timer), resolve(m[1]!);
    });
  });
  // workers load task modules only from their roots: the one the map benchmark writes below
  const dir = mkdtempSync(join(tmpdir(), 'tessera-bench-'));
  await Promise.all([1, 2].map((i) => tessera(['worker', address, '--nthreads', '1', '--name', `bench${i}`, '--modules', dir], /tessera worker/)));
  const client = await Client.connect(address);
  for (let i = 0; i < 100 && (await client.workers()).length < 2; i++) await new Promise((r) => setTimeout(r, 100));
  console.log(`scheduler ${address}, workers: ${(await client.workers()).map((w) => `${w.name} (${w.nthreads} thread)`).join(', ')}`);

  if (process.argv[2] === 'gather') {
    await gather(t, client);
    await client.close();
    return;
  }

  // (1) tiny tasks
  const tiny = t.ones([2000], { chunks: 1 }).sum();
  await client.compute(tiny); // warm-up
  const r1 = await time(() => client.compute(tiny), REPS);
  console.log(`tiny tasks, compute of ones([2000], {chunks: 1}).sum() (2000 tasks): median ${r1.ms.toFixed(0)} ms → ${((r1.ms / 2000) * 1000).toFixed(0)} µs/task (${(2000 / (r1.ms / 1000)).toFixed(0)} tasks/s); value ${r1.value}`);
  const mod = join(dir, 'f.mjs');
  writeFileSync(mod, 'export function inc(x) { return x + 1; }\n');
  const args = Array.from({ length: 1000 }, (_, i) => [i]);
  await client.map({ url: `file://${mod}`, exportName: 'inc' }, args.slice(0, 10));
  const r2 = await time(() => client.map({ url: `file://${mod}`, exportName: 'inc' }, args), REPS);
  console.log(`tiny tasks, client.map(inc, 1000 args): median ${r2.ms.toFixed(0)} ms → ${((r2.ms / 1000) * 1000).toFixed(0)} µs/task`);

  // (2) the exp-sum, local 2 threads vs 2 single-thread workers
  const x = t.exp(t.random.random([N, N], { seed: 42 })).sum();
  t.configure({ numThreads: 2 });
  const local = await time(() => x.compute(), REPS);
  const dist = await time(() => client.compute(x), REPS);
  const chunks = x.node.kind === 'reduce' ? x.node.arg.chunks.map((c) => c.length).join('×') : '?';
  console.log(`exp(random.random([${N}, ${N}])).sum() (${chunks} chunks): local 2 threads ${local.ms.toFixed(0)} ms, cluster of 2×1-thread workers ${dist.ms.toFixed(0)} ms → ratio ${(dist.ms / local.ms).toFixed(2)} (goal ≤ 1.3); identical: ${Object.is(local.value, dist.value)}`);
  await client.close();
}

/** (3) take, mask and matmul: local 2 threads vs the cluster of 2 single-thread workers, the same bits. */
async function gather(t: typeof import('../src/index.js'), client: import('../src/distributed/client.js').Client): Promise<void> {
  t.configure({ numThreads: 2 });
  const x = t.random.random([4000, 2000], { seed: 1, chunks: [1000, 1000] });
  const kept = await client.persist(x);
  const idx = Array.from({ length: 2000 }, (_, i) => (i * 7919) % 4000);
  const a = t.random.random([2000, 2000], { seed: 2, chunks: 1000 });
  const b = t.random.random([2000, 2000], { seed: 3, chunks: 1000 });
  const cases: [string, import('../src/index.js').NDArray, import('../src/index.js').NDArray][] = [
    ['take 2000 rows of a persisted 4000×2000, .sum()', kept.take(idx, { axis: 0 }).sum(), x.take(idx, { axis: 0 }).sum()],
    ['mask(x.gt(0.5)).sum() of a persisted 4000×2000', kept.mask(kept.gt(0.5)).sum(), x.mask(x.gt(0.5)).sum()],
    ['matmul of lazy 2000² randoms (chunks 1000), .sum()', t.matmul(a, b).sum(), t.matmul(a, b).sum()],
  ];
  for (const [what, remote, local] of cases) {
    await client.compute(remote); // warm-up
    const l = await time(() => local.compute(), REPS);
    const d = await time(() => client.compute(remote), REPS);
    console.log(`${what}: local 2 threads ${l.ms.toFixed(0)} ms, cluster of 2×1-thread workers ${d.ms.toFixed(0)} ms → ratio ${(d.ms / l.ms).toFixed(2)}; identical: ${Object.is(l.value, d.value)}`);
  }
  kept.release();
}

main()
  .catch((err) => {
    console.error(err);
    process.exitCode = 1;
  })
  .finally(() => {
    for (const c of children) if (c.exitCode === null) c.kill('SIGTERM');
  });
