import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync('cases6.json', 'utf8')) as any[];
const dec = (v: any) => v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : typeof v === 'string' ? Number(v) : v;
let bad = 0;
for (const [i, c] of cases.entries()) {
  let res: any, err: string | undefined;
  try {
    const x = c.shape ? t.arange(c.shape.reduce((a: number, b: number) => a * b, 1), { dtype: 'float64' }).reshape(c.shape).rechunk(c.shape.map((s: number) => Math.max(1, Math.ceil(s / 2)))) : undefined as any;
    const ax = c.axis === null ? undefined : c.axis;
    let y: any;
    switch (c.kind) {
      case 'arange': case 'arangef': y = t.arange(c.args[0], c.args[1], c.args[2]); break;
      case 'linspace': y = t.linspace(c.args[0], c.args[1], c.args[2], { endpoint: c.args[3] }); break;
      case 'eye': y = t.eye(c.args[0], c.args[1], { k: c.args[2] }); break;
      case 'tri': y = t.tri(c.args[0], c.args[1], { k: c.args[2] }); break;
      case 'diag': y = t.diag(x, c.k); break;
      case 'tril': y = t.tril(x, c.k); break;
      case 'triu': y = t.triu(x, c.k); break;
      case 'diagonal': y = t.diagonal(x, { offset: c.k }); break;
      case 'flip': y = t.flip(x, ax); break;
      case 'roll': y = t.roll(x, c.shift, ax === undefined ? undefined : { axis: ax }); break;
      case 'repeat': y = t.repeat(x, c.rep, { axis: ax ?? null }); break;
      case 'tile': y = t.tile(x, c.reps); break;
      case 'pad': y = t.pad(x, c.width, { mode: c.mode }); break;
      case 'split': { const ps = t.arraySplit(x, c.n, { axis: ax }); const outs = await Promise.all(ps.map((p: any) => p.compute())); res = { shape: [outs.reduce((a: number, o: any) => a + o.data.length, 0)], data: outs.flatMap((o: any) => Array.from(o.data)) }; break; }
      case 'take': y = x.take(c.idx, { axis: 0 }); break;
      case 'cumsum2': y = x.add(1).cumprod({ axis: ax }); break;
      case 'diff': y = t.diff(x, { n: c.n, axis: ax }); break;
      case 'concat': y = t.concatenate([x, x.mul(2)], { axis: ax }); break;
      case 'stack': y = t.stack([x, x.mul(2)], { axis: ax }); break;
    }
    if (y) res = await y.compute();
  } catch (e) { err = String((e as Error).message); }
  const label = `#${i} ${JSON.stringify({ ...c, expect: undefined })}`;
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 200)); continue; }
  const ev = c.expect.values.map(dec);
  const gv = Array.from(res.data as ArrayLike<number>, Number);
  const shapeOk = c.kind === 'split' || JSON.stringify(res.shape) === JSON.stringify(c.expect.shape);
  const ok = shapeOk && gv.length === ev.length && gv.every((v, k) => Object.is(v, ev[k]) || v === ev[k] || Math.abs(v - ev[k]) <= 1e-15 * Math.abs(ev[k]));
  if (!ok) { bad++; console.log('WRONG', label, 'numpy', JSON.stringify(c.expect).slice(0, 150), 'got', JSON.stringify(res.shape), JSON.stringify(gv).slice(0, 150)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
