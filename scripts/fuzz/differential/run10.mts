import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
const cases = JSON.parse(readFileSync('cases10.json', 'utf8')) as any[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array };
const mk = (e: any) => { const C = CTOR[e.dtype]; const data = C === BigInt64Array || C === BigUint64Array ? C.from(e.values.map((v: string) => BigInt(v))) : C.from(e.values.map(Number)); return t.fromArray(data, { shape: e.shape, dtype: e.dtype } as any) as any; };
let bad = 0;
for (const [i, c] of cases.entries()) {
  let res: any, err: string | undefined;
  try {
    const a = mk(c.a), b = c.b ? mk(c.b) : undefined;
    let y: any;
    switch (c.kind) {
      case 'matmul': y = t.matmul(a, b); break;
      case 'dot': y = t.dot(a, b); break;
      case 'tensordot': y = t.tensordot(a, b, { axes: c.axes }); break;
      case 'einsum': y = b ? t.einsum(c.sub, a, b) : t.einsum(c.sub, a); break;
      case 'outer': y = t.outer(a, b); break;
      case 'inner': y = t.inner(a, b); break;
      case 'vdot': y = t.vdot(a, b); break;
      case 'trace': y = t.trace(a, { offset: c.offset }); break;
    }
    res = await y.compute();
  } catch (e) { err = String((e as Error).message); }
  const label = `#${i} ${c.kind} ${c.a?.dtype}${JSON.stringify(c.a?.shape)} ${c.b?.dtype ?? ''}${JSON.stringify(c.b?.shape ?? '')} ${c.sub ?? ''}${JSON.stringify(c.axes ?? '')}`;
  if (c.expect.error) { if (!err) { bad++; console.log('NO ERROR', label, c.expect.error.slice(0, 100)); } continue; }
  if (err) { bad++; console.log('ERROR', label, err.slice(0, 200)); continue; }
  const got = typeof res === 'object' && res && 'data' in res ? { dtype: res.dtype, shape: res.shape, values: Array.from(res.data as ArrayLike<any>, (v) => String(Number(v))) } : { dtype: 'scalar', shape: [], values: [String(Number(res))] };
  const ev = c.expect.values.map((v: any) => String(Number(v)));
  const ok = JSON.stringify(got.values) === JSON.stringify(ev) && (got.dtype === 'scalar' || (got.dtype === c.expect.dtype && JSON.stringify(got.shape) === JSON.stringify(c.expect.shape)));
  if (!ok) { bad++; console.log('WRONG', label, 'numpy', c.expect.dtype, JSON.stringify(c.expect.shape), JSON.stringify(ev).slice(0, 80), 'got', got.dtype, JSON.stringify(got.shape), JSON.stringify(got.values).slice(0, 80)); }
}
console.log(`cases ${cases.length}, bad ${bad}`);
