// The snippets of docs/embedding.md, runnable: their outputs in the doc come from this file.
//   npx tsx examples/embedding-tour.ts
import { configure, execute, exportPlan, fromArray, fromStdlib, getConfig, random, toStdlib, type DenseArray } from 'tessera';

// 1. Zero-copy in and out.
const data = new Float64Array([1, 2, 3, 4, 5, 6]);
const x = fromArray(data, { shape: [2, 3] });
const y = x.mul(10).add(x.sum()); // lazy
data[0] = 100; // seen: the array reads `data` when it computes
const r = (await y.compute()) as DenseArray;
console.log('1.', r.toArray(), r.data instanceof Float64Array);

// 2. Adapters: a column-major @stdlib/ndarray view in, a stdlib-shaped result out (no copies).
const col = { data: new Float64Array([1, 2, 3, 4, 5, 6]), shape: [2, 3], strides: [1, 2], offset: 0, order: 'column-major' };
const z = (await fromStdlib(col).sqrt().compute()) as DenseArray;
const out = toStdlib(z);
console.log('2.', z.toArray(), out.strides, out.data === z.data);

// 3. Streaming a result larger than the materialization limit.
const saved = getConfig().materializeLimit;
configure({ materializeLimit: 64 * 1024 ** 2 }); // 64 MiB, to make the point
const big = random.random([20000, 5000], { seed: 1, chunks: [1000, 5000] }).mul(2).sub(1); // 800 MB
try {
  await big.compute();
} catch (err) {
  console.log('3.', (err as Error).message.slice(0, 60) + '…');
}
let chunks = 0;
let maximum = -Infinity;
const t0 = performance.now();
for await (const { index, offset, data: chunk } of big.iterChunks()) {
  if (chunks++ < 2) console.log('  ', index, offset, chunk.shape);
  for (const v of chunk.data) if (v > maximum) maximum = v;
}
console.log(`   ${chunks} chunks, max ${maximum}, ${(performance.now() - t0).toFixed(0)} ms, peak RSS ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
configure({ materializeLimit: saved });

// 4. A plan: export, serialize, run elsewhere with the inputs by name.
const a = fromArray(new Float64Array([1, 2, 3, 4]), { shape: [2, 2] });
const { plan, inputs } = exportPlan([a.sub(a.mean()).exp(), a.T.sum({ axis: 1 })], { inputs: { a }, outputs: ['centred', 'colsum'] });
const json = JSON.stringify(plan);
console.log('4.', json.length, 'bytes;', plan.stages.map((s) => s.name).join(', '));
const [centred, colsum] = await execute(JSON.parse(json), inputs);
console.log('  ', (centred as DenseArray).toArray(), (colsum as DenseArray).toArray());
const [again] = await execute(json, { a: new Float64Array([0, 0, 0, 0]) });
console.log('  ', (again as DenseArray).toArray());
try {
  await execute({ ...plan, version: 2 }, inputs);
} catch (err) {
  console.log('  ', String(err));
}
