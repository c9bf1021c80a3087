// tessera as the compute backend under scijs `ndarray` (https://github.com/scijs/ndarray):
// a library that speaks scijs ndarrays (views with shape/stride/offset) hands them to tessera
// without copying, gets fused, multi-threaded kernels, and receives scijs ndarrays back — again
// without copying. ndarray-ops, the scijs elementwise library, is the reference.
//
//   npx tsx examples/scijs-ndarray.ts
import { createRequire } from 'node:module';
import { fromNdarray, getConfig, toNdarray, type DenseArray } from 'tessera';

const require = createRequire(import.meta.url);
const ndarray = require('ndarray') as typeof import('ndarray');
const ops = require('ndarray-ops') as Record<string, (...args: unknown[]) => unknown>;

/**
 * What a scijs-based library would export: `gaussianBump(img)` = exp(-((img - mean) / std)^2 / 2),
 * computed by tessera in one fused pass after one reduction pass, for any scijs view.
 */
async function gaussianBump(img: import('ndarray').NdArray<Float64Array>): Promise<import('ndarray').NdArray<Float64Array>> {
  const x = fromNdarray(img, { chunks: [500, 4000] }); // zero-copy: reads img.data through its strides
  const z = x.sub(x.mean()).div(x.std());
  const result = (await z.mul(z).mul(-0.5).exp().compute()) as DenseArray;
  return toNdarray(result, ndarray) as import('ndarray').NdArray<Float64Array>; // zero-copy: a view of result.data
}

// A 4000 × 4000 "image", and a view of it that is transposed and flipped (negative stride).
const n = 4000;
const data = new Float64Array(n * n);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 1e-3) + (i % 977) * 1e-3;
const img = ndarray(data, [n, n]);
const view = img.transpose(1, 0).step(-1, 1);
console.log(`view: shape [${view.shape}], stride [${view.stride}], offset ${view.offset} — no copy is made`);

let t0 = performance.now();
const out = await gaussianBump(view);
const tTessera = performance.now() - t0;
console.log(`tessera:     out.get(0, 0) = ${out.get(0, 0)}, shape [${out.shape}] in ${tTessera.toFixed(0)} ms on ${getConfig().numThreads} threads`);

// The same with ndarray-ops (single-threaded JS loops, one temporary per step).
t0 = performance.now();
const mean = (ops.sum!(view) as number) / view.size;
const tmp = ndarray(new Float64Array(n * n), [n, n]);
ops.subs!(tmp, view, mean);
const sq = ndarray(new Float64Array(n * n), [n, n]);
ops.mul!(sq, tmp, tmp);
const std = Math.sqrt((ops.sum!(sq) as number) / view.size);
ops.divseq!(tmp, std);
ops.mul!(tmp, tmp, tmp);
ops.mulseq!(tmp, -0.5);
ops.expeq!(tmp);
const tOps = performance.now() - t0;
console.log(`ndarray-ops: out.get(0, 0) = ${tmp.get(0, 0)} in ${tOps.toFixed(0)} ms`);

// Results agree to rounding (tessera's sums are pairwise, ndarray-ops' sequential).
let maxDiff = 0;
for (let i = 0; i < n; i += 7) for (let j = 0; j < n; j += 11) maxDiff = Math.max(maxDiff, Math.abs(out.get(i, j) - tmp.get(i, j)));
console.log(`max |difference| on a sample: ${maxDiff.toExponential(2)}`);

// Zero-copy in: writes through the original buffer are seen by the next compute.
data[view.index(0, 0)] = mean; // exp(-0) = 1 at that pixel (mean and std barely move)
const again = await gaussianBump(view);
console.log(`after writing img.data: out.get(0, 0) = ${again.get(0, 0)}`);

// And results are plain scijs ndarrays: ndarray-ops works on them in place.
const before = again.get(1, 1);
ops.mulseq!(again, 2);
console.log(`ndarray-ops on the result (in place, x2): ${before} -> ${again.get(1, 1)}`);
