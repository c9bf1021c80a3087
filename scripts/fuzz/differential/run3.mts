import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync('cases3.json', 'utf8')) as { shape: number[]; chunks: number[][]; sub: string; expect: { shape: number[]; values: number[] } | { error: string } }[];
let bad = 0;
for (const [i, c] of cases.entries()) {
  const n = c.shape.reduce((a, b) => a * b, 1);
  let res: any, err: string | undefined;
  try {
    const x = t.arange(n, { dtype: 'float64' }).reshape(c.shape).rechunk(c.chunks);
    res = await x.get(c.sub).compute();
  } catch (e) { err = String((e as Error).message); }
  const label = `#${i} shape=${JSON.stringify(c.shape)} chunks=${JSON.stringify(c.chunks)} get('${c.sub}')`;
  if ('error' in c.expect) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 150)); continue; }
  const got = typeof res === 'number' ? { shape: [], values: [res] } : { shape: res.shape, values: Array.from(res.data as Float64Array) };
  if (JSON.stringify(got) !== JSON.stringify({ shape: c.expect.shape, values: c.expect.values })) { bad++; console.log('WRONG', label, JSON.stringify(c.expect).slice(0, 100), 'got', JSON.stringify(got).slice(0, 100)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
