import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
type Enc = { dtype: string; shape: number[]; values: (number | string | null)[] };
const cases = JSON.parse(readFileSync('cases2.json', 'utf8')) as { op: string; args: Enc[]; chunks: any[]; expect: Enc | { error: string } }[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array };
const dec = (v: number | string | null): number | bigint => v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : typeof v === 'string' ? BigInt(v) : v;
const mk = (e: Enc, chunks: any) => { const C = CTOR[e.dtype]; const vals = e.values.map(dec); const data = C === BigInt64Array || C === BigUint64Array ? C.from(vals.map((v: any) => BigInt(v))) : C.from(vals.map(Number)); return t.fromArray(data, { shape: e.shape, chunks, dtype: e.dtype as t.DType } as any) as any; };
let bad = 0, errs = 0;
for (const [i, c] of cases.entries()) {
  let res: any; let err: string | undefined;
  try {
    const xs = c.args.map((a, k) => mk(a, c.chunks[k]));
    // methods, or the module function where NumPy has no method either (fmax, fmin)
    const fn = (...a: any[]) => (typeof xs[0][c.op] === 'function' ? xs[0][c.op](...a.slice(1)) : (t as any)[c.op](...a));
    res = await fn(...xs).compute();
  } catch (e) { err = String((e as Error).message ?? e); }
  const label = `#${i} ${c.op} ${c.args.map((a) => a.dtype + JSON.stringify(a.values)).join(' , ')}`;
  if ('error' in c.expect) { if (!err) { console.log('NO ERROR (numpy:', c.expect.error.slice(0, 60), ')', label); errs++; } continue; }
  if (err) { console.log('ERROR', label, '|', err.slice(0, 160), '| numpy', JSON.stringify(c.expect).slice(0, 100)); errs++; continue; }
  const exp = c.expect as Enc;
  const got = { dtype: res.dtype, shape: res.shape, values: Array.from(res.data as ArrayLike<unknown>) };
  const ev = exp.values.map(dec);
  let ok = got.values.length === ev.length && JSON.stringify(got.shape) === JSON.stringify(exp.shape);
  let where = -1;
  if (ok) for (let k = 0; k < ev.length; k++) {
    const a = got.values[k] as any, b = ev[k] as any;
    if (typeof a === 'bigint' || typeof b === 'bigint') { if (BigInt(a) === BigInt(b)) continue; ok = false; where = k; break; }
    if (Number.isNaN(a) && Number.isNaN(b)) continue;
    if (Object.is(a, b)) continue;
    const f32 = exp.dtype === 'float32';
    if (exp.dtype.startsWith('float') && Number.isFinite(b) && Math.abs(a - b) <= (f32 ? 2e-7 : 4e-16) * Math.abs(b)) continue;
    ok = false; where = k; break;
  }
  if (!ok || got.dtype !== exp.dtype) { bad++; console.log(ok ? 'DTYPE' : 'WRONG', label, '| numpy', exp.dtype, JSON.stringify(exp.values).slice(0, 100), '| got', got.dtype, JSON.stringify(got.values, (_k, v) => typeof v === 'bigint' ? String(v) : Object.is(v, -0) ? '-0' : v).slice(0, 100), 'at', where); }
}
console.log(`cases ${cases.length}, wrong ${bad}, error mismatches ${errs}`);
