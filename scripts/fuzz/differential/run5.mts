import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
import { eq, norm } from './common.mts';
const cases = JSON.parse(readFileSync('cases5.json', 'utf8')) as any[];
let bad = 0, skipped = 0;
for (const [ci, c] of cases.entries()) {
  const df = t.readCsv(c.files);
  const k = df.get('k'), i = df.get('i'), f = df.get('f');
  let got: any, err: string | undefined;
  try {
    const s = new Function('k', 'i', 'f', `return ${c.expr};`)(k, i, f);
    if (c.red === 'none') { const tb = await s.compute(); got = { values: tb.column ? tb.column(tb.columns?.[0] ?? s.name) : tb }; }
    else if (['cumsum', 'cummax', 'rank', 'diff', 'shift'].includes(c.red)) { if (typeof s[c.red] !== 'function') { skipped++; continue; } const tb = await s[c.red]().compute(); got = { values: tb.column(tb.columns[0]) }; }
    else if (c.red === 'quantile') got = { value: await s.quantile(0.3).compute() };
    else { if (typeof s[c.red] !== 'function') { skipped++; console.log('MISSING', c.red); continue; } got = { value: await s[c.red]().compute() }; }
  } catch (e) { err = String((e as Error).message); }
  const label = `#${ci} ${c.expr} .${c.red}`;
  if (c.expect.error) { if (!err) { console.log('NO ERROR', label, c.expect.error.slice(0, 100), JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? Number(v) : v).slice(0, 100)); bad++; } continue; }
  if (err) { console.log('ERROR', label, err.slice(0, 200), '| pandas', JSON.stringify(c.expect).slice(0, 100)); bad++; continue; }
  let ok: boolean;
  if ('value' in c.expect) ok = eq(got.value, c.expect.value);
  else ok = got.values.length === c.expect.values.length && got.values.every((v: unknown, j: number) => eq(v, c.expect.values[j]));
  if (!ok) { bad++; console.log('WRONG', label, '\n   pandas', JSON.stringify(c.expect).slice(0, 300), '\n   got   ', JSON.stringify(got, (_k, v) => typeof v === 'bigint' ? Number(v) : v).slice(0, 300)); }
}
console.log(`cases ${cases.length}, bad ${bad}, skipped ${skipped}`);
