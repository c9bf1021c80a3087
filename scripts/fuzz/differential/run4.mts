import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
import { eq, norm } from './common.mts';
const cases = JSON.parse(readFileSync('cases4.json', 'utf8')) as any[];
const rowsEq = (got: unknown[][], exp: unknown[][]) => got.length === exp.length && got.every((r, i) => r.length === exp[i]!.length && r.every((v, j) => eq(v, exp[i]![j])));
let bad = 0;
for (const [ci, c] of cases.entries()) {
  const df = t.readCsv(c.files);
  let got: any, err: string | undefined;
  try {
    const tab = async (l: any) => { const tb = await l.compute(); const recs = tb.toRecords(); return { cols: tb.index ? [tb.index, ...tb.columns] : tb.columns, rows: recs.map((r: any) => Object.values(r)) }; };
    switch (c.op) {
      case 'sort': got = await tab(df.sortValues(c.by, { ascending: c.asc, naPosition: c.na })); break;
      case 'groupby': case 'groupby2': { const spec: any = { f: c.aggs }; got = await tab(df.groupby(c.keys).agg(spec)); break; }
      case 'vc': { const r = await df.get(c.col).valueCounts().compute(); const recs = r.toRecords(); got = { rows: recs.map((x: any) => Object.values(x)) }; break; }
      case 'merge': got = await tab(df.merge(t.readCsv(c.right), { on: 'k', how: c.how })); break;
      case 'dedup': got = await tab(df.dropDuplicates({ subset: c.subset, keep: c.keep })); break;
      case 'nlargest': got = await tab(df.nlargest(c.n, c.col)); break;
      case 'nsmallest': got = await tab(df.nsmallest(c.n, c.col)); break;
      case 'stats': { const s = df.get(c.col); got = { vals: await Promise.all([s.sum(), s.mean(), s.std(), s.var(), s.min(), s.max(), s.median(), s.quantile(0.3), s.count(), s.nunique(), s.prod()].map((l: any) => l.compute())) }; break; }
      case 'dropna': got = await tab(df.dropna()); break;
      case 'fillna': got = await tab(df.fillna({ f: 0.5, k: 'zz' })); break;
    }
  } catch (e) { err = String((e as Error).message); }
  const label = `#${ci} ${c.op} ${JSON.stringify({ ...c, files: undefined, expect: undefined, right: undefined })}`;
  if (c.expect && c.expect.error) { if (!err) { console.log('NO ERROR', label, c.expect.error); bad++; } continue; }
  if (err) { console.log('ERROR', label, err.slice(0, 200)); bad++; continue; }
  let ok: boolean;
  if (c.op === 'stats') ok = got.vals.every((v: unknown, i: number) => eq(v, c.expect[i]));
  else if (c.op === 'vc') {
    const m = new Map(c.expect.map(([k, v]: any) => [JSON.stringify(norm(k)), v]));
    ok = got.rows.length === c.expect.length && got.rows.every((r: any) => m.get(JSON.stringify(norm(r[0]))) === Number(r[1]));
    // order: counts descending
    ok &&= got.rows.every((r: any, i: number) => i === 0 || Number(got.rows[i - 1][1]) >= Number(r[1]));
  } else ok = rowsEq(got.rows, c.expect[0]) && JSON.stringify(got.cols) === JSON.stringify(c.expect[1]);
  if (!ok) { bad++; console.log('WRONG', label, '\n   pandas', JSON.stringify(c.expect).slice(0, 400), '\n   got   ', JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? Number(v) : v).slice(0, 400)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
