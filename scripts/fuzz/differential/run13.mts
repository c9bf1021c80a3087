// Runner of gen13.py: set / mask / take / get(list), where / clip / round / floor..rint, astype,
// and chunk layouts (values against NumPy, .chunks against Dask), transposes with reductions.
import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
type Enc = { dtype: string; shape: number[]; values: (number | string | null)[] };
const cases = JSON.parse(readFileSync(process.argv[2] ?? 'cases13.json', 'utf8')) as any[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array };
const dec = (v: number | string | null): number | bigint => v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : typeof v === 'string' ? BigInt(v) : v;
const arr = (e: Enc, chunks?: number[][]): t.NDArray => {
  const C = CTOR[e.dtype], vals = e.values.map(dec);
  const data = C === BigInt64Array || C === BigUint64Array ? C.from(vals.map((v: any) => BigInt(v))) : C.from(vals.map(Number));
  return t.fromArray(data, { shape: e.shape, chunks: e.shape.length ? chunks : undefined, dtype: e.dtype } as any) as any;
};
/** A JSON scalar of gen13's jsval: an integer string is a number when safe, else a bigint. */
const scalar = (v: string | number): number | bigint => {
  if (typeof v === 'number') return v;
  if (v === 'nan') return NaN; if (v === 'inf') return Infinity; if (v === '-inf') return -Infinity;
  const b = BigInt(v); return b >= -(2n ** 53n) && b <= 2n ** 53n ? Number(b) : b;
};
const operand = (o: any): any => o === null ? null : 'scalar' in o ? scalar(o.scalar) : arr(o.array, o.chunks);
const item = (it: any): any => 's' in it ? t.slice(it.s[0], it.s[1], it.s[2]) : 'i' in it ? it.i : it.l;
async function run(c: any): Promise<t.NDArray | any> {
  const x = c.x ? arr(c.x, c.chunks) : undefined as any;
  switch (c.kind) {
    // a list of numbers is one integer list (x[[1, 2]]): integers alone go as a subscript string
    case 'set': return x.set(c.items.every((it: any) => 'i' in it) ? c.items.map((it: any) => it.i).join(', ') : c.items.map(item), operand(c.value));
    case 'setmask': return x.set(arr(c.m, c.mchunks), operand(c.value));
    case 'mask': return x.mask(arr(c.m, c.mchunks));
    case 'take': {
      const idx = c.form === 'list' ? c.idx : arr({ dtype: c.idt, shape: [c.idx.length], values: c.idx.map(String) }, [[c.idx.length || 0]]);
      return x.take(idx, { axis: c.axis });
    }
    case 'getlist': if (c.ndIndex) {
      const l = c.items[c.items.length - 1].l;  // the NDArray index is the last item
      return x.get(...c.items.slice(0, -1).map(item), arr({ dtype: 'int64', shape: [l.length], values: l.map(String) }, [c.ichunks]));
    } // fallthrough
    case 'slice': return x.get(...c.items.map(item));
    case 'where': return t.where(arr(c.c.x, c.c.chunks), arr(c.a.x, c.a.chunks), arr(c.b.x, c.b.chunks));
    case 'wheres': { const v = scalar(c.scalar), a = arr(c.a.x, c.a.chunks); return c.flip ? t.where(arr(c.c.x, c.c.chunks), v, a) : t.where(arr(c.c.x, c.c.chunks), a, v); }
    case 'clip': return x.clip(operand(c.lo), operand(c.hi));
    case 'round': return x.round(c.d);
    case 'unary': return x[c.op]();
    case 'astype': return x.astype(c.dst);
    case 'rechunk': {
      const spec = typeof c.spec === 'object' && c.spec !== null && !Array.isArray(c.spec) ? Object.fromEntries(Object.entries(c.spec).map(([k, v]) => [Number(k), v])) : c.spec;
      const old = t.getConfig().chunkSize;
      t.configure({ chunkSize: c.limit });
      try { return x.rechunk(spec); } finally { t.configure({ chunkSize: old }); }
    }
    case 'reshape': return x.reshape(c.new);
    case 'join': return (t as any)[c.op](c.xs.map((a: any) => arr(a.x, a.chunks)), { axis: c.axis });
    case 'compose': {
      let y = x;
      for (const [op, ...args] of c.steps) y = op === 'squeeze' ? y.squeeze() : y[op](...args);
      return c.red === 'none' ? y : y[c.red](c.axis === null ? {} : { axis: c.axis });
    }
  }
  throw new Error('unknown kind ' + c.kind);
}
/** Float32 sums and products of a few elements (NumPy's pairwise float32 order vs tessera's): 16 ulps of max(1, |b|). */
const sameValue = (a: number | bigint, b: number | bigint, dtype: string, reduced = false): boolean => {
  if (typeof a === 'bigint' && typeof b === 'bigint') return a === b;
  if (typeof a === 'bigint' || typeof b === 'bigint') return Number(a) === Number(b);
  if (Number.isNaN(a) && Number.isNaN(b)) return true;
  if (a === b) return a !== 0 || !dtype.startsWith('float') || Object.is(a, b);
  const tol = dtype === 'float32' || dtype === 'float16' ? 2 ** -23 : 1e-12;
  return dtype.startsWith('float') && Math.abs(a - b) <= (reduced && tol > 1e-12 ? 16 * tol * Math.max(1, Math.abs(b)) : tol * Math.abs(b));
};
const tally: Record<string, [number, number, number]> = {};
let bad = 0;
for (const [i, c] of cases.entries()) {
  const key = c.kind + (c.op ? ':' + c.op : '');
  tally[key] ??= [0, 0, 0]; tally[key][0]++;
  let res: any, err: string | undefined, chunks: number[][] | undefined;
  try {
    const y = await run(c);
    chunks = y.chunks?.map((a: number[]) => [...a]);
    res = await y.compute();
  } catch (e) { err = String((e as Error).message ?? e); }
  const label = `#${i} ${JSON.stringify({ ...c, expect: undefined, expectChunks: undefined })}`.slice(0, 900);
  const fail = (what: string) => { bad++; tally[key]![1]++; console.log(what, label); };
  if ('error' in c.expect) { if (!err) fail(`NO ERROR (numpy: ${c.expect.error})`); continue; }
  if (err) { fail(`ERROR ${err.slice(0, 200)}`); continue; }
  const exp = c.expect as Enc;
  const got = res !== null && typeof res === 'object' && 'data' in res ? { dtype: res.dtype as string, shape: res.shape as number[], values: Array.from(res.data as ArrayLike<number | bigint>) }
    : { dtype: typeof res === 'bigint' ? 'int' : 'scalar', shape: [], values: [typeof res === 'boolean' ? +res : res] };
  const ev = exp.values.map(dec);
  const gotD = got.dtype === 'scalar' || got.dtype === 'int' ? exp.dtype : got.dtype;
  const dtypeOk = gotD === exp.dtype || (exp.dtype === 'float16' && gotD === 'float32');
  const shapeOk = JSON.stringify(got.shape) === JSON.stringify(exp.shape);
  const valsOk = got.values.length === ev.length && got.values.every((v, k) => sameValue(v as any, ev[k]!, exp.dtype, c.kind === 'compose' && ['sum', 'prod', 'mean', 'cumsum'].includes(c.red)));
  if (!dtypeOk || !shapeOk || !valsOk) { fail(`WRONG numpy ${exp.dtype} ${JSON.stringify(exp.shape)} ${JSON.stringify(exp.values).slice(0, 200)} got ${got.dtype} ${JSON.stringify(got.shape)} ${JSON.stringify(got.values, (_k, v) => typeof v === 'bigint' ? String(v) : typeof v === 'number' && !Number.isFinite(v) ? String(v) : v).slice(0, 200)}`); continue; }
  if (c.daskError) { tally[key]![2]++; console.log(`DASK RAISES (${c.daskError.slice(0, 80)}); tessera gives NumPy's values`, label.slice(0, 300)); continue; }
  if (c.expectChunks && JSON.stringify(chunks) !== JSON.stringify(c.expectChunks)) fail(`CHUNKS dask ${JSON.stringify(c.expectChunks)} got ${JSON.stringify(chunks)}`);
}
console.log('kind cases bad dask-raises');
for (const [k, [n, b, d]] of Object.entries(tally).sort()) console.log(k, n, b, d);
console.log(`cases ${cases.length}, bad ${bad}`);
