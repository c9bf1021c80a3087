// Prints, as one JSON line, results the per-ISA kernels produce, for comparison across
// TESSERA_ISA=baseline|avx2|avx512 (test/packaging-isa.test.ts runs it once per ISA):
//   node node_modules/tsx/dist/cli.mjs scripts/isa-probe.ts
// Elementwise outputs (base64 of the raw float64/float32 data) over wide input ranges, and full
// reductions of fused expressions over 4 M random elements.
import { abs, cos, exp, log, pow, random, sin, sqrt, type DenseArray, type NDArray } from '../src/index.js';
import { native } from '../src/native.js';

const n = 50_000;
const chunks = { chunks: [8192] };
const u = (lo: number, hi: number, seed: number, dtype: 'float64' | 'float32' = 'float64'): NDArray<DenseArray> =>
  random.uniform(lo, hi, [n], { ...chunks, seed, dtype });

const elementwise: Record<string, NDArray<DenseArray>> = {
  'exp(u(-700,700))': exp(u(-700, 700, 1)),
  'exp(u(-5,5))': exp(u(-5, 5, 2)),
  'log(u(1e-300,1e300))': log(u(1e-300, 1e300, 3)),
  'log(u(0.5,2))': log(u(0.5, 2, 4)),
  'sin(u(-100,100))': sin(u(-100, 100, 5)),
  'cos(u(-100,100))': cos(u(-100, 100, 6)),
  'sqrt(u(0,1e6))': sqrt(u(0, 1e6, 7)),
  'pow(u(0,10),2.5)': pow(u(0, 10, 8), 2.5),
  'exp(sin(x))*log(1+abs(x))': exp(sin(u(-20, 20, 9))).mul(log(abs(u(-20, 20, 9)).add(1))),
  'f32 exp(u(-80,80))': exp(u(-80, 80, 10, 'float32')),
  'f32 log(u(1e-30,1e30))': log(u(1e-30, 1e30, 11, 'float32')),
  'f32 sin(u(-100,100))': sin(u(-100, 100, 12, 'float32')),
};
// The float64 inputs (same seeds: counter-based, so identical to those above) for a JS Math.* reference.
const inputs: Record<string, NDArray<DenseArray>> = {
  'exp(u(-700,700))': u(-700, 700, 1),
  'exp(u(-5,5))': u(-5, 5, 2),
  'log(u(1e-300,1e300))': u(1e-300, 1e300, 3),
  'log(u(0.5,2))': u(0.5, 2, 4),
  'sin(u(-100,100))': u(-100, 100, 5),
  'cos(u(-100,100))': u(-100, 100, 6),
  'sqrt(u(0,1e6))': u(0, 1e6, 7),
  'pow(u(0,10),2.5)': u(0, 10, 8),
};

const big = random.random([4_000_000], { chunks: [500_000], seed: 42 });
const reductions: Record<string, NDArray<number>> = {
  'exp(r).sum()': exp(big).sum(),
  'sin(r).mean()': sin(big).mean(),
  'log(r+1).sum()': log(big.add(1)).sum(),
  'sqrt(r).std()': sqrt(big).std(),
  'r.max()': big.max(),
};

const out: {
  isa: string;
  elementwise: Record<string, { dtype: string; data: string }>;
  inputs: Record<string, { dtype: string; data: string }>;
  reductions: Record<string, number>;
} = {
  isa: native().isa(),
  elementwise: {},
  inputs: {},
  reductions: {},
};
for (const [k, a] of Object.entries(elementwise)) {
  const d = await a.compute();
  out.elementwise[k] = { dtype: d.dtype, data: Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength).toString('base64') };
}
for (const [k, a] of Object.entries(inputs)) {
  const d = await a.compute();
  out.inputs[k] = { dtype: d.dtype, data: Buffer.from(d.data.buffer, d.data.byteOffset, d.data.byteLength).toString('base64') };
}
for (const [k, a] of Object.entries(reductions)) out.reductions[k] = await a.compute();
console.log(JSON.stringify(out));
