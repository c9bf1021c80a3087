// The README's "Distributed" section: run against `tessera scheduler` and some `tessera worker`s.
//   npx tessera scheduler &  npx tessera worker nats://127.0.0.1:8786 --nthreads 1 &  (twice)
//   npx tsx examples/distributed.ts [nats://127.0.0.1:8786]
import { Client, datasets, delayed, random, exp, type DenseArray } from 'tessera';

const address = process.argv[2] ?? process.env.TESSERA_SCHEDULER ?? 'nats://127.0.0.1:8786';
const client = await Client.connect(address);
console.log('workers:', (await client.workers()).map((w) => `${w.name} (${w.nthreads} thread)`).join(', '));

// 1. The same graph as locally, on the cluster: bit-identical.
const x = exp(random.random([20000, 20000], { seed: 42 })).sum();
let t = performance.now();
const remote = await client.compute(x);
const tr = performance.now() - t;
t = performance.now();
const local = await x.compute();
console.log(`cluster: ${remote} ${tr.toFixed(0)} ms`);
console.log(`local:   ${local} ${(performance.now() - t).toFixed(0)} ms identical: ${Object.is(remote, local)}`);

// 2. persist: chunks stay in the workers' memory; later computes read them where they live.
const r = random.random([8000, 8000], { seed: 1, chunks: 2000 });
const kept = await client.persist(r);
console.log('persisted on:', kept.workers.join(', '));
const sym = (await client.compute(kept.add(kept.T).mean({ axis: 0 }))) as DenseArray; // x + x.T: chunks move between workers
console.log('mean of (r + r.T) over axis 0, first values:', Array.from(sym.data.subarray(0, 3), (v) => v.toFixed(6)).join(' '));
console.log('std of r on the cluster:', await client.compute(kept.std()), 'locally:', await r.std().compute());
kept.release();

// 3. delayed module functions run on the workers, in parallel where independent.
const url = new URL('./distributed-work.mjs', import.meta.url);
const score = delayed.module(url, 'score');
const mean = delayed.module(url, 'mean');
t = performance.now();
const m = await client.compute(mean(Array.from({ length: 8 }, (_, i) => score(i))));
console.log(`mean of 8 scores: ${(m as number).toFixed(6)} in ${(performance.now() - t).toFixed(0)} ms`);

// 4. DataFrames: a worker repeats the calls that made the frame (its recipe) and computes there.
const df = datasets.timeseries({ seed: 1 });
const agg = df.filter(df.get('x').gt(0)).groupby('name').agg({ y: ['mean', 'count'] });
t = performance.now();
const onCluster = await client.compute(agg);
const tc = performance.now() - t;
const onHere = await agg.compute();
console.log(`groupby on the cluster in ${tc.toFixed(0)} ms, same table as locally: ${String(onCluster) === String(onHere)}`);
console.log(String(onCluster).split('\n').slice(0, 3).join('\n'));
await client.close();
