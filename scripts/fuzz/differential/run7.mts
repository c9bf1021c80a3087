import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
import { eq, norm } from './common.mts';
const cases = JSON.parse(readFileSync('cases7.json', 'utf8')) as any[];
let bad = 0;
for (const [ci, c] of cases.entries()) {
  let got: any, err: string | undefined;
  try {
    const tb = await t.readCsv(c.files).groupby(c.keys).agg(c.spec).compute();
    got = { cols: tb.index ? [tb.index, ...tb.columns] : tb.columns, rows: tb.toRecords().map((r: any) => Object.values(r)) };
  } catch (e) { err = String((e as Error).message); }
  const label = `#${ci} groupby(${JSON.stringify(c.keys)}).agg(${JSON.stringify(c.spec)})`;
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error.slice(0, 120)); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 200)); continue; }
  const [ecols, erows] = c.expect;
  const ok = JSON.stringify(got.cols) === JSON.stringify(ecols) && got.rows.length === erows.length && got.rows.every((r: any, i: number) => r.every((v: any, j: number) => eq(v, erows[i][j])));
  if (!ok) { bad++; console.log('WRONG', label, '\n  pandas', JSON.stringify(c.expect).slice(0, 300), '\n  got   ', JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? Number(v) : v).slice(0, 300)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
