// The example from README: blocked arrays, fused native kernels, streamed reductions.
import { exp, getConfig, ones, random } from 'tessera';

const x = ones([50, 50], { chunks: [5, 5] });
const y = x.add(x.T);
console.log(String(y));
console.log('y.sum() =', await y.sum().compute());

const r = random.random([40000, 40000], { seed: 42 }); // chunks default to 'auto'
console.log(String(r), `— ${(r.nbytes / 1e9).toFixed(1)} GB if materialized`);
const t0 = performance.now();
const s = await exp(r).sum().compute();
const ms = performance.now() - t0;
console.log(`exp(r).sum() = ${s} (1.6e9·(e−1) = ${1.6e9 * (Math.E - 1)})`);
console.log(`in ${ms.toFixed(0)} ms on ${getConfig().numThreads} threads, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
