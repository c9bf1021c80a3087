import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
type Enc = { dtype: string; shape: number[]; values: (number | string | null)[] };
const cases = JSON.parse(readFileSync(process.argv[2] ?? 'cases.json', 'utf8')) as { x: Enc; chunks: number[][]; op: string; axis: number | null; keepdims: boolean; q: number; expect: Enc | { error: string } }[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array };
const dec = (v: number | string | null): number | bigint => v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : typeof v === 'string' ? BigInt(v) : v;
let bad = 0, errs = 0;
for (const [i, c] of cases.entries()) {
  const vals = c.x.values.map(dec);
  const C = CTOR[c.x.dtype];
  const data = C === BigInt64Array || C === BigUint64Array ? C.from(vals.map((v: any) => BigInt(v))) : C.from(vals.map(Number));
  let res: any; let err: string | undefined;
  try {
    const x = t.fromArray(data, { shape: c.x.shape, chunks: c.x.shape.length ? c.chunks : undefined, dtype: c.x.dtype as t.DType } as any) as any;
    const o: any = {};
    if (c.axis !== null) o.axis = c.axis;
    if (c.keepdims) o.keepdims = true;
    let y: any;
    if (c.op === 'quantile') y = x.quantile(c.q, o);
    else if (c.op === 'median') y = x.median(o);
    else y = x[c.op](o);
    res = await y.compute();
  } catch (e) { err = String((e as Error).message ?? e); }
  const label = `#${i} ${c.op} ${c.x.dtype}${JSON.stringify(c.x.shape)} chunks=${JSON.stringify(c.chunks)} axis=${c.axis} keep=${c.keepdims}${c.op === 'quantile' ? ' q=' + c.q : ''}`;
  if ('error' in c.expect) {
    if (!err) { console.log('NO ERROR (numpy:', c.expect.error, ')', label, '->', String(res?.data ?? res).slice(0, 80)); errs++; }
    continue;
  }
  if (err) { console.log('ERROR', label, err.slice(0, 200)); errs++; continue; }
  const exp = c.expect as Enc;
  const got = typeof res === 'object' && res !== null && 'data' in res ? { dtype: res.dtype, shape: res.shape, values: Array.from(res.data as ArrayLike<unknown>) } : { dtype: 'scalar', shape: [], values: [res] };
  const ev = exp.values.map(dec);
  let ok = got.values.length === ev.length && (got.dtype === 'scalar' || JSON.stringify(got.shape) === JSON.stringify(exp.shape));
  const dtypeOk = got.dtype === 'scalar' || got.dtype === exp.dtype;
  if (ok) for (let k = 0; k < ev.length; k++) {
    const a = got.values[k] as any, b = ev[k] as any;
    const an = typeof a === 'bigint' ? Number(a) : typeof a === 'boolean' ? +a : Number(a), bn = typeof b === 'bigint' ? Number(b) : Number(b);
    if (Number.isNaN(an) && Number.isNaN(bn)) continue;
    if (an === bn && (an !== 0 || Object.is(an, bn) || !exp.dtype.startsWith('float'))) continue;
    if (Math.abs(an - bn) <= 1e-5 * Math.max(1, Math.abs(bn)) && exp.dtype.startsWith('float')) continue;
    if (an === bn) continue; // ±0 mismatch reported separately
    ok = false; break;
  }
  if (!ok || !dtypeOk) { bad++; console.log(ok ? 'DTYPE' : 'WRONG', label, 'numpy', exp.dtype, JSON.stringify(exp.shape), JSON.stringify(exp.values).slice(0, 120), 'got', got.dtype, JSON.stringify(got.shape), JSON.stringify(got.values, (_k, v) => typeof v === 'bigint' ? String(v) : v).slice(0, 120), 'x=', JSON.stringify(c.x.values).slice(0, 100)); }
}
console.log(`cases ${cases.length}, wrong ${bad}, error mismatches ${errs}`);
