import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync('cases11.json', 'utf8')) as any[];
let bad = 0;
for (const [i, c] of cases.entries()) {
  let got: any, err: string | undefined;
  try {
    const s = t.readCsv(c.file).get('s');
    const y = new Function('s', `return s.str.${c.op};`)(s);
    const tb = await y.compute(); got = tb.column(tb.columns[0]);
  } catch (e) { err = String((e as Error).message); }
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', i, c.op); } continue; }
  if (err) { bad++; console.log('ERROR', i, c.op, err.slice(0, 150)); continue; }
  const norm = (v: any) => (typeof v === 'bigint' ? Number(v) : v === 'True' ? true : v === 'False' ? false : typeof v === 'number' && Number.isNaN(v) ? null : v);
  const ok = got.length === c.expect.length && got.every((v: any, k: number) => norm(v) === c.expect[k]);
  if (!ok) { bad++; console.log('WRONG', i, c.op, JSON.stringify(c.expect), 'got', JSON.stringify(got.map(norm))); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
