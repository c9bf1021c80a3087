import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync(process.argv[2] ?? 'cases8.json', 'utf8')) as any[];
const norm = (v: unknown): unknown => (v instanceof Date ? (Number.isNaN(v.getTime()) ? null : v.getTime()) : v === undefined ? null : typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isNaN(v) ? null : typeof v === 'boolean' ? +v : v);
const eq = (a: unknown, b: unknown) => { a = norm(a); b = norm(typeof b === 'boolean' ? +b : b); return a === b || (typeof a === 'number' && typeof b === 'number' && Math.abs(a - b) < 1e-9 * Math.max(1, Math.abs(b))); };
let bad = 0;
for (const [ci, c] of cases.entries()) {
  let got: unknown[] | undefined, err: string | undefined;
  try {
    const df = t.readCsv(c.files, { parseDates: ['t'] });
    const ts = df.get('t');
    if (c.kind === 'field') { const s = (ts.dt as any)[c.field]; const tb = await s.compute(); got = tb.column(tb.columns[0]); }
    else if (c.kind === 'resample') { const ix = await df.dropna({ subset: ['t'] }).setIndex('t'); const tb = await (ix.resample(c.rule) as any)[c.agg]().compute(); const recs = tb.toRecords(); got = recs.map((r: any) => [r.t, r.v]); }
    else { const tb = await (ts.dt as any)[c.kind](c.freq).compute(); got = tb.column(tb.columns[0]); }
  } catch (e) { err = String((e as Error).message); }
  const label = `#${ci} ${JSON.stringify({ ...c, files: undefined, expect: undefined })}`;
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error.slice(0, 100)); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 200)); continue; }
  const ok = got!.length === c.expect.length && got!.every((v: any, i: number) => Array.isArray(v) ? eq(v[0], c.expect[i][0]) && eq(v[1], c.expect[i][1]) : eq(v, c.expect[i]));
  if (!ok) { bad++; console.log('WRONG', label, '\n  pandas', JSON.stringify(c.expect).slice(0, 250), '\n  got   ', JSON.stringify(got!.map((v: any) => Array.isArray(v) ? v.map(norm) : norm(v))).slice(0, 250)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
