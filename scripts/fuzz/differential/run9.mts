import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync('cases9.json', 'utf8')) as any[];
const norm = (v: unknown): unknown => (v === undefined ? null : typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isNaN(v) ? null : v);
const eq = (a: unknown, b: unknown) => { a = norm(a); b = norm(b); return a === b; };
let bad = 0;
for (const [ci, c] of cases.entries()) {
  let got: any, err: string | undefined;
  try {
    const opts: any = { on: c.on.length === 1 ? c.on[0] : c.on, how: c.how };
    if (c.suffixes) opts.suffixes = c.suffixes;
    const tb = await t.readCsv(c.files).merge(t.readCsv(c.right), opts).compute();
    got = { cols: tb.columns, rows: tb.toRecords().map((r: any) => tb.columns.map((k: string) => r[k])) };
  } catch (e) { err = String((e as Error).message); }
  const label = `#${ci} ${JSON.stringify({ on: c.on, how: c.how, sfx: c.suffixes })}`;
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error.slice(0, 100)); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 200)); continue; }
  const [ecols, erows] = c.expect;
  const ok = JSON.stringify(got.cols) === JSON.stringify(ecols) && got.rows.length === erows.length && got.rows.every((r: any, i: number) => r.every((v: any, j: number) => eq(v, erows[i][j])));
  if (!ok) { bad++; console.log('WRONG', label, c.files.length, '\n  pandas', JSON.stringify(c.expect).slice(0, 400), '\n  got   ', JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? Number(v) : v).slice(0, 400)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
