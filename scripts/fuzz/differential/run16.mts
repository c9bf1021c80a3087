// Runner of gen16.py: linalg against NumPy / SciPy (what is unique: reconstructions, singular
// values, |diag R|, residuals; dtypes and shapes; qr/svd chunks against Dask's tsqr), and user block
// functions (fns16.mjs, inline on the main thread and delayed.module on workers) against Dask's
// map_blocks / blockwise / map_overlap / reduction (.chunks and values) and NumPy over the whole array.
import { readFileSync } from 'node:fs';
import * as t from '../../../src/index.ts';
import * as F from './fns16.mjs';
type Enc = { dtype: string; shape: number[]; values: (number | string | null)[] };
const file = process.argv[2] ?? 'cases16.json';
const cases = JSON.parse(readFileSync(file, 'utf8')) as any[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, float32: Float32Array, float64: Float64Array };
const dec = (v: number | string | null): number => v === null ? NaN : v === 'inf' ? Infinity : v === '-inf' ? -Infinity : v === '-0' ? -0 : Number(v);
const arr = (e: Enc, chunks?: number[][]): t.NDArray => {
  const C = CTOR[e.dtype];
  const data = C === BigInt64Array ? C.from(e.values.map((v) => BigInt(v as string))) : C.from(e.values.map(dec));
  return t.fromArray(data, { shape: e.shape, chunks: e.shape.length ? chunks : undefined, dtype: e.dtype } as any) as any;
};
const fnsUrl = new URL('./fns16.mjs', import.meta.url);
const EPS: Record<string, number> = { float32: 1.1920929e-7, float64: 2.220446049250313e-16 };

interface Got { dtype: string; shape: number[]; chunks: number[][]; v: number[] }
async function get(x: t.NDArray): Promise<Got> {
  const r = await x.compute();
  const v = r instanceof t.DenseArray ? Array.from(r.data as ArrayLike<number | bigint>, Number) : [Number(r)];
  return { dtype: x.dtype, shape: [...x.shape], chunks: x.chunks.map((c) => [...c]), v };
}
const J = JSON.stringify;
const close = (a: number, b: number, tol: number, scale = 1): boolean =>
  (Number.isNaN(a) && Number.isNaN(b)) || a === b || Math.abs(a - b) <= tol * Math.max(scale, Math.abs(b));
const allClose = (a: number[], b: number[], tol: number, scale = 1): boolean => a.length === b.length && a.every((x, i) => close(x, b[i]!, tol, scale));
const maxAbs = (a: number[]): number => a.reduce((m, x) => (Number.isFinite(x) ? Math.max(m, Math.abs(x)) : m), 0);
const hasNF = (e?: Enc): boolean => !!e && e.values.some((v) => v === null || v === 'inf' || v === '-inf');
/** Non-finite inputs: non-finite where NumPy's are (NaN and ±inf alike), the finite values close. */
function sameNonFinite(got: number[], exp: number[], tol: number): 'same' | 'kind' | 'differs' {
  if (got.length !== exp.length) return 'differs';
  const scale = Math.max(1, maxAbs(exp));
  let kind = false;
  for (let i = 0; i < got.length; i++) {
    const g = got[i]!, e = exp[i]!;
    if (Number.isFinite(g) !== Number.isFinite(e)) return 'differs';
    if (!Number.isFinite(g)) { if (!(g === e || (Number.isNaN(g) && Number.isNaN(e)))) kind = true; continue; }
    if (!close(g, e, tol, scale)) return 'differs';
  }
  return kind ? 'kind' : 'same';
}
// row-major products of m x k and k x n
const mm = (a: number[], b: number[], m: number, k: number, n: number): number[] => {
  const c = new Array<number>(m * n).fill(0);
  for (let i = 0; i < m; i++) for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) c[i * n + j]! += a[i * k + p]! * b[p * n + j]!;
  return c;
};
const tr = (a: number[], m: number, n: number): number[] => { const o: number[] = []; for (let j = 0; j < n; j++) for (let i = 0; i < m; i++) o.push(a[i * n + j]!); return o; };
const ev = (e: Enc): number[] => e.values.map(dec);

let bad = 0;
const apart = new Map<string, number>();
const count = (k: string) => apart.set(k, (apart.get(k) ?? 0) + 1);
const fail = (what: string, label: string, detail: string) => { bad++; console.log(what, label, detail.slice(0, 400)); };

async function linalgCase(i: number, c: any): Promise<void> {
  const label = `#${i} ${c.kind} ${c.a.dtype}${J(c.a.shape)}${c.b ? ` b ${c.b.dtype}${J(c.b.shape)}` : ''} chunks ${J(c.chunks)}${c.ord !== undefined ? ` ord ${c.ord} axis ${J(c.axis)} keepdims ${c.keepdims}` : ''}${c.lower !== undefined ? ` lower ${c.lower}` : ''}${c.shape_kind ? ` ${c.shape_kind}` : ''}`;
  const a = arr(c.a, c.chunks);
  const b = c.b ? arr(c.b, c.bchunks) : undefined;
  const expErr: string | undefined = c.expect.error;
  const nf = hasNF(c.a) || hasNF(c.b);
  const cond: number = c.cond ?? 1;
  const dt = c.rdtype ?? (c.a.dtype === 'float32' ? 'float32' : 'float64');
  const eps = EPS[dt]!;
  let outs: t.NDArray[];
  let got: Got[];
  try {
    switch (c.kind) {
      case 'norm': {
        const o: any = { keepdims: c.keepdims };
        if (c.ord !== null) o.ord = c.ord === 'inf' ? Infinity : c.ord === '-inf' ? -Infinity : c.ord;
        if (c.axis !== null) o.axis = c.axis;
        outs = [t.linalg.norm(a, o)]; break;
      }
      case 'cholesky': outs = [t.linalg.cholesky(a, c.lower === null ? undefined : { lower: c.lower })]; break;
      case 'lu': outs = t.linalg.lu(a); break;
      case 'solve': outs = [t.linalg.solve(a, b!)]; break;
      case 'solveTriangular': outs = [t.linalg.solveTriangular(a, b!, c.lower === null ? undefined : { lower: c.lower })]; break;
      case 'inv': outs = [t.linalg.inv(a)]; break;
      case 'lstsq': outs = t.linalg.lstsq(a, b!); break;
      case 'qr': outs = t.linalg.qr(a); break;
      case 'svd': outs = t.linalg.svd(a); break;
      default: throw new Error('kind ' + c.kind);
    }
    got = [];
    for (const o of outs) got.push(await get(o));
  } catch (e) {
    const msg = String((e as Error).message);
    const isClear = e instanceof RangeError || e instanceof TypeError;
    if (expErr) { if (!isClear) fail('UNCLEAR ERROR', label, msg); return; }
    const dErr: string | undefined = c.dask?.error;
    if (c.kind === 'norm' && dErr?.startsWith('NotImplementedError') && isClear) return void count('norm 2/-2/nuc of n-d x refused (Dask NotImplementedError too)');
    if ((c.kind === 'qr' || c.kind === 'svd') && isClear) {
      if (/one chunk along its columns/.test(msg)) return void count(`${c.kind} ${c.shape_kind}${c.chunks[1].length > 1 ? ' (column chunks)' : ''} refused${dErr ? ' (Dask raises too)' : ' (Dask computes)'}`);
    }
    if ((c.kind === 'solve' || c.kind === 'inv') && isClear && cond > 1e12) return void count('near-singular: tessera raises, NumPy computes');
    if (c.kind === 'lu' && c.a.shape[0] !== c.a.shape[1] && isClear) return void count(`lu of a non-square a refused (SciPy computes${dErr ? ', Dask raises too' : ''})`);
    if (nf && isClear) { return void count(`non-finite input: tessera raises, NumPy computes (${c.kind})`); }
    fail('ERROR', label, msg + (expErr ? '' : ` (numpy ok${dErr ? `, dask ${dErr.slice(0, 80)}` : ''})`));
    return;
  }
  if (expErr && nf && /infs or NaNs/.test(expErr)) return void count(`non-finite input: SciPy's check_finite raises, tessera computes (${c.kind}; solveTriangular reads one triangle)`);
  if (expErr && nf) {
    if (got.some((g) => g.v.some((v) => !Number.isFinite(v)))) return void count(`non-finite input: ${expErr.split(':')[0]} raises, tessera gives NaN/inf (${c.kind})`);
    return void fail('NO ERROR', label, `non-finite input; numpy ${expErr}; got finite ${J(got.map((g) => g.v.slice(0, 6)))}`);
  }
  if (expErr) {
    if ((c.kind === 'solve' || c.kind === 'inv' || c.kind === 'lstsq') && cond > 1e12 && got.every((g) => g.v.every(Number.isFinite))) return void count('near-singular: NumPy raises, tessera computes');
    fail('NO ERROR', label, `numpy ${expErr}; got ${J(got.map((g) => g.v.slice(0, 6)))}`);
    return;
  }
  const E = c.expect;
  if (nf) {
    // the reconstructions mean nothing here: NumPy's outputs, non-finite where NumPy's are
    const pairs: [number[], Enc][] = c.kind === 'lu' ? [[got[0]!.v, E.p], [got[1]!.v, E.l], [got[2]!.v, E.u]] : c.kind === 'lstsq' ? [[got[0]!.v, E.x], [got[3]!.v, E.s]]
      : c.kind === 'qr' ? [[got[1]!.v.filter((_, i) => i % (c.a.shape[1] + 1) === 0).map(Math.abs).slice(0, E.rdiag.values.length), E.rdiag]] : c.kind === 'svd' ? [[got[1]!.v, E.s]] : [[got[0]!.v, E as Enc]];
    const r = pairs.map(([g, e]) => sameNonFinite(g, ev(e), 1e-6));
    if (r.includes('differs')) return void count(`non-finite input: NaN/inf elsewhere than NumPy's (${c.kind})`);
    return void count(r.includes('kind') ? `non-finite input: inf where NumPy NaN or back (${c.kind})` : `non-finite input: as NumPy (${c.kind})`);
  }
  const chk = (ok: boolean, what: string, detail: string) => { if (!ok) throw new Error(`${what}: ${detail}`); };
  try {
    switch (c.kind) {
      case 'norm': {
        const g = got[0]!;
        chk(g.dtype === E.dtype && J(g.shape) === J(E.shape), 'dtype/shape', `numpy ${E.dtype}${J(E.shape)} got ${g.dtype}${J(g.shape)}`);
        chk(allClose(g.v, ev(E), c.tol), 'values', `numpy ${J(ev(E))} got ${J(g.v)}`);
        if (c.dask && !c.dask.error && J(c.dask.chunks) !== J(g.chunks)) count('norm chunks differ from Dask');
        break;
      }
      case 'cholesky': {
        const g = got[0]!;
        const n = c.a.shape[0];
        chk(g.dtype === dt && J(g.shape) === J(E.shape), 'dtype/shape', `numpy ${dt}${J(E.shape)} got ${g.dtype}${J(g.shape)}`);
        chk(allClose(g.v, ev(E), 100 * n * eps * Math.max(1, cond), maxAbs(ev(E))), 'values', `numpy ${J(ev(E))} got ${J(g.v)}`);
        if (c.dask && !c.dask.error) chk(J(c.dask.chunks) === J(g.chunks), 'chunks', `dask ${J(c.dask.chunks)} got ${J(g.chunks)}`);
        break;
      }
      case 'lu': {
        const [p, l, u] = got as [Got, Got, Got];
        const n = c.a.shape[0];
        const A = ev(c.a);
        for (const g of got) chk(g.dtype === dt && J(g.shape) === J([n, n]), 'dtype/shape', `${dt}[${n},${n}] got ${g.dtype}${J(g.shape)}`);
        chk(allClose(mm(mm(p.v, l.v, n, n, n), u.v, n, n, n), A, 100 * n * EPS.float64 + (dt === 'float32' ? 4 * eps : 0), maxAbs(A)), 'p@l@u', `a ${J(A)} got ${J(mm(mm(p.v, l.v, n, n, n), u.v, n, n, n))}`);
        for (let r = 0; r < n; r++) for (let q = 0; q < n; q++) {
          if (q > r) chk(l.v[r * n + q] === 0, 'l', 'not lower');
          if (q === r) chk(l.v[r * n + q] === 1, 'l', 'diag not 1');
          if (q < r) chk(u.v[r * n + q] === 0, 'u', 'not upper');
        }
        if (!allClose(p.v, ev(E.p), 0) || !allClose(l.v, ev(E.l), 1e3 * n * eps * Math.max(1, cond), 1) || !allClose(u.v, ev(E.u), 1e3 * n * eps * Math.max(1, cond), maxAbs(A))) count('lu factors differ from SciPy (pivot choice), p@l@u = a');
        if (c.dask && !c.dask.error) chk(J(c.dask.chunks) === J(got.map((g) => g.chunks)), 'chunks', `dask ${J(c.dask.chunks)} got ${J(got.map((g) => g.chunks))}`);
        break;
      }
      case 'solve': case 'solveTriangular': case 'inv': {
        const g = got[0]!;
        const n = c.a.shape[0];
        chk(g.dtype === dt && J(g.shape) === J(E.shape), 'dtype/shape', `numpy ${dt}${J(E.shape)} got ${g.dtype}${J(g.shape)}`);
        const tol = 100 * n * eps * Math.max(1, cond);
        if (cond > 1e12 && !allClose(g.v, ev(E), tol, maxAbs(ev(E)))) { count('ill-conditioned (cond > 1e12): x differs, not compared'); break; }
        chk(allClose(g.v, ev(E), tol, maxAbs(ev(E))), 'values', `cond ${cond.toExponential(2)} numpy ${J(ev(E))} got ${J(g.v)}`);
        if (c.dask && !c.dask.error) chk(J(c.dask.chunks) === J(g.chunks), 'chunks', `dask ${J(c.dask.chunks)} got ${J(g.chunks)}`);
        break;
      }
      case 'lstsq': {
        const [x, res, rank, s] = got as [Got, Got, Got, Got];
        chk(x.dtype === dt && J(x.shape) === J(E.x.shape), 'x dtype/shape', `numpy ${dt}${J(E.x.shape)} got ${x.dtype}${J(x.shape)}`);
        chk(J(s.shape) === J(E.s.shape) && s.dtype === dt, 's dtype/shape', `numpy ${dt}${J(E.s.shape)} got ${s.dtype}${J(s.shape)}`);
        const [m, n] = c.a.shape;
        const A = ev(c.a), S = ev(E.s);
        chk(allClose(s.v, S, 1e3 * Math.max(m, n) * eps, S[0] ?? 1), 's', `numpy ${J(S)} got ${J(s.v)}`);
        chk(rank.v[0] === E.rank, 'rank', `numpy ${E.rank} got ${rank.v[0]}`);
        if (rank.dtype !== E.rank_dtype) count(`lstsq rank dtype ${rank.dtype} (NumPy ${E.rank_dtype})`);
        const ec = cond < 1e10 ? cond : c.econd;
        // x's scale: |b| / the smallest kept singular value (an x near 0 is not compared relatively)
        const xScale = Math.max(maxAbs(ev(E.x)), maxAbs(ev(c.b)) / (S[Math.max(0, E.rank - 1)] || 1));
        if (ec < 1e6) chk(allClose(x.v, ev(E.x), 100 * Math.max(m, n) * eps * ec * ec, xScale), 'x', `cond ${ec.toExponential(2)} numpy ${J(ev(E.x))} got ${J(x.v)}`);
        else count('lstsq ill-conditioned kept singular values: x not compared');
        if (cond >= 1e10) count('lstsq rank-deficient: minimum-norm x compared');
        if (J(res.shape) !== J(E.res.shape)) {
          chk(E.res.shape[0] === 0 && res.v.every(Number.isNaN), 'residuals shape', `numpy ${J(E.res.shape)} got ${J(res.shape)} ${J(res.v)}`);
          count('lstsq residuals: NaN where NumPy gives none (rank-deficient, m > n)');
        } else chk(allClose(res.v, ev(E.res), 1e3 * m * eps * Math.max(1, cond), Math.max(1, maxAbs(ev(c.b)) ** 2)), 'residuals', `numpy ${J(ev(E.res))} got ${J(res.v)}`);
        break;
      }
      case 'qr': case 'svd': {
        const [m, n] = c.a.shape;
        const A = ev(c.a);
        const fro = Math.sqrt(A.reduce((p, q) => p + q * q, 0)) || 1;
        const ndt = c.a.dtype === 'float32' ? 'float32' : 'float64';
        const e2 = EPS[ndt]!;
        const tol = 1e3 * m * e2;
        const d = c.dask && !c.dask.error ? c.dask : undefined;
        if (c.kind === 'qr') {
          const [q, r] = got as [Got, Got];
          chk(q.dtype === E.q.dtype && J(q.shape) === J(E.q.shape) && r.dtype === E.r.dtype && J(r.shape) === J(E.r.shape), 'dtype/shape', `numpy ${J(E.q)} ${J(E.r)} got ${q.dtype}${J(q.shape)} ${r.dtype}${J(r.shape)}`);
          const k = Math.min(m, n);
          chk(allClose(mm(q.v, r.v, m, k, n), A, tol, fro), 'q@r', `a ${J(A)} got ${J(mm(q.v, r.v, m, k, n))}`);
          chk(allClose(mm(tr(q.v, m, k), q.v, k, m, k), Array.from({ length: k * k }, (_, p) => (p % (k + 1) === 0 ? 1 : 0)), tol), 'qᵀq = I', J(mm(tr(q.v, m, k), q.v, k, m, k)));
          for (let r0 = 0; r0 < k; r0++) for (let q0 = 0; q0 < Math.min(r0, n); q0++) chk(r.v[r0 * n + q0] === 0, 'r', 'not upper');
          chk(allClose(Array.from({ length: k }, (_, p) => Math.abs(r.v[p * n + p]!)), ev(E.rdiag), tol, fro), '|diag r|', `numpy ${J(ev(E.rdiag))} got ${J(r.v)}`);
          if (d) chk(J(d.chunks) === J([q.chunks, r.chunks]), 'chunks', `dask ${J(d.chunks)} got ${J([q.chunks, r.chunks])}`);
        } else {
          const [u, s, v] = got as [Got, Got, Got];
          const k = Math.min(m, n);
          chk(u.dtype === E.u.dtype && J(u.shape) === J(E.u.shape) && s.dtype === E.s.dtype && J(s.shape) === J(E.s.shape) && v.dtype === E.v.dtype && J(v.shape) === J(E.v.shape), 'dtype/shape', `numpy ${J(E.u)} ${E.s.dtype}${J(E.s.shape)} ${J(E.v)} got ${u.dtype}${J(u.shape)} ${s.dtype}${J(s.shape)} ${v.dtype}${J(v.shape)}`);
          chk(allClose(s.v, ev(E.s), tol, fro), 's', `numpy ${J(ev(E.s))} got ${J(s.v)}`);
          const us = u.v.map((x, idx) => x * s.v[idx % k]!);
          chk(allClose(mm(us, v.v, m, k, n), A, tol, fro), 'u*s@v', `a ${J(A)} got ${J(mm(us, v.v, m, k, n))}`);
          if (d) chk(J(d.chunks) === J([u.chunks, s.chunks, v.chunks]), 'chunks', `dask ${J(d.chunks)} got ${J([u.chunks, s.chunks, v.chunks])}`);
        }
        if (!d) count(`${c.kind} ${c.shape_kind}: Dask raises, tessera computes (NumPy's values match): ${String(c.dask?.error).slice(0, 50)}`);
        break;
      }
    }
  } catch (e) {
    fail('WRONG', label, String((e as Error).message));
  }
}

const fnOf = (name: string, onWorker: boolean): any => (onWorker ? t.delayed.module(fnsUrl, name) : (F as any)[name]);

async function blocksCase(i: number, c: any): Promise<void> {
  const onWorker = i % 3 === 0;
  const label = `#${i} ${c.kind} ${c.fn}${c.form ? `/${c.form}` : ''} ${onWorker ? 'worker' : 'inline'} ${(c.x ?? c.xs[0]).dtype}${J((c.x ?? c.xs[0]).shape)} chunks ${J(c.chunks)}${c.y ? ` y ${c.y.dtype}${J(c.y.shape)} ${J(c.ychunks)}` : ''}${c.opts ? ` ${J(c.opts)}` : ''}${c.depth !== undefined ? ` depth ${J(c.depth)} boundary ${J(c.boundary)} trim ${c.trim}` : ''}${c.axis !== undefined ? ` axis ${J(c.axis)} keepdims ${c.keepdims} splitEvery ${c.splitEvery} dtype ${c.outdtype}` : ''}${c.ix ? ` ${c.out}<-${c.ix.join(',')} concatenate ${c.concatenate}` : ''}`;
  const dErr: string | undefined = c.dask?.error;
  let y: t.NDArray;
  let g: Got;
  try {
    switch (c.kind) {
      case 'mapBlocks': {
        const x = arr(c.x, c.chunks);
        const args = c.y ? [x, arr(c.y, c.ychunks)] : [x];
        const name = c.fn === 'affine1' || c.fn === 'affine2' ? 'affine' : c.fn;
        y = t.mapBlocks(fnOf(name, onWorker), ...args, c.opts);
        break;
      }
      case 'blockwise': {
        const args: any[] = [];
        c.xs.forEach((e: Enc, k: number) => args.push(arr(e, c.chunks[k]), c.ix[k]));
        const o: any = { concatenate: c.concatenate, dtype: c.outdtype };
        if (c.newAxes) o.newAxes = c.newAxes;
        y = t.blockwise(fnOf(c.fn, onWorker), c.out, ...args, o);
        break;
      }
      case 'mapOverlap': {
        const x = arr(c.x, c.chunks);
        y = t.mapOverlap(fnOf(c.fn, onWorker), x, { depth: c.depth, boundary: c.boundary, trim: c.trim, dtype: c.outdtype });
        break;
      }
      case 'reduction': {
        const x = arr(c.x, c.chunks);
        const o: any = { chunk: fnOf(c.fn, onWorker), aggregate: fnOf(c.fn === 'countPos' ? 'sumAxes' : c.fn, onWorker), keepdims: c.keepdims, dtype: c.outdtype };
        if (c.axis !== null) o.axis = c.axis;
        if (c.splitEvery !== null) o.splitEvery = c.splitEvery;
        y = t.reduction(x, o);
        break;
      }
      default: throw new Error('kind ' + c.kind);
    }
    g = await get(y);
  } catch (e) {
    const msg = String((e as Error).message);
    const clear = e instanceof RangeError || e instanceof TypeError;
    if (c.kind === 'mapBlocks' && c.form === 'broadcast' && clear && /does not broadcast/.test(msg) && dErr) return void count('mapBlocks shapes that do not broadcast: both raise');
    if (c.kind === 'mapOverlap' && clear && /smallest chunk/.test(msg)) return void count(`mapOverlap depth > a chunk refused${dErr ? ' (Dask raises too)' : ' (Dask rechunks)'}`);
    if (dErr && clear) return void count('both raise');
    fail('ERROR', label, msg + (dErr ? ` (dask ${dErr})` : ''));
    return;
  }
  if (c.sim) {
    // mapOverlap in NumPy (gen16's sim_overlap): its blocks' shapes and the values decide
    const S = c.sim;
    const p: string[] = [];
    if (J(g.shape) !== J(S.shape)) p.push(`shape numpy ${J(S.shape)} got ${J(g.shape)}`);
    if (J(g.chunks) !== J(S.chunks)) p.push(`chunks numpy ${J(S.chunks)} got ${J(g.chunks)}`);
    const f32in = c.x.dtype === 'float32';
    if (!allClose(g.v, ev(S.values), c.outdtype === 'float32' || f32in ? 1e-5 : 1e-12, 1)) p.push(`values numpy ${J(ev(S.values).slice(0, 24))} got ${J(g.v.slice(0, 24))}`);
    if (p.length) return void fail('WRONG (numpy sim)', label, p.join('; '));
    if (dErr) return void count(`mapOverlap: Dask raises, tessera = NumPy: ${dErr.slice(0, 70)}`);
  }
  if (dErr) {
    // Dask raises: NumPy's values over the whole array decide
    const f32any = c.outdtype === 'float32' || [c.x, c.y, ...(c.xs ?? [])].some((e) => e?.dtype === 'float32');
    if (c.whole && J(g.shape) === J(c.whole.shape) && (!c.wholechunks || J(g.chunks) === J(c.wholechunks)) && allClose(g.v, ev(c.whole), f32any ? 1e-5 : 1e-12, 1)) return void count(`DASK RAISES (NumPy's values match): ${dErr.slice(0, 60)}`);
    fail('DASK RAISES', label, `${dErr}; got ${g.dtype}${J(g.shape)} ${J(g.v.slice(0, 12))}`);
    return;
  }
  const D = c.dask;
  const f32in = [c.x, c.y, ...(c.xs ?? [])].some((e) => e?.dtype === 'float32');
  const tol = c.outdtype === 'float32' || f32in ? 1e-5 : 1e-12;
  let expChunks = D.chunks;
  if (c.kind === 'mapOverlap' && !c.trim) {
    // Dask 2022.12 reports the unhaloed chunks for trim=False; the blocks it computes are haloed
    const nd = c.x.shape.length;
    const depAt = (k: number): number | number[] => typeof c.depth === 'number' ? c.depth : Array.isArray(c.depth) ? c.depth[k] : (c.depth[String(k)] ?? 0);
    const dep = (k: number, side: 0 | 1): number => { const d = depAt(k); return typeof d === 'number' ? d : d[side]!; };
    const bnd = (k: number): any => typeof c.boundary === 'string' || typeof c.boundary === 'number' ? c.boundary : Array.isArray(c.boundary) ? c.boundary[k] : (c.boundary[String(k)] ?? 'none');
    expChunks = c.chunks.map((ch: number[], k: number) => ch.map((len, j) => len + (j > 0 || bnd(k) !== 'none' ? dep(k, 0) : 0) + (j < ch.length - 1 || bnd(k) !== 'none' ? dep(k, 1) : 0)));
    if (J(expChunks) !== J(D.chunks)) count('mapOverlap trim false: Dask reports unhaloed chunks');
    void nd;
  }
  const probs: string[] = [];
  const daskWrong = c.whole && (J(D.shape) !== J(c.whole.shape) || !allClose(ev(D.values), ev(c.whole), tol, 1) || (c.wholechunks && J(D.chunks) !== J(c.wholechunks)));
  if (daskWrong) expChunks = c.wholechunks ?? expChunks;
  if (g.dtype !== c.outdtype) probs.push(`dtype ${g.dtype} expected ${c.outdtype}`);
  if (J(g.shape) !== J(daskWrong ? c.whole.shape : D.shape)) probs.push(`shape ${daskWrong ? 'numpy' : 'dask'} ${J(daskWrong ? c.whole.shape : D.shape)} got ${J(g.shape)}`);
  if (J(g.chunks) !== J(expChunks)) probs.push(`chunks ${daskWrong ? 'unified' : 'dask'} ${J(expChunks)} got ${J(g.chunks)}`);
  const ref = daskWrong ? ev(c.whole) : ev(D.values);
  if (!allClose(g.v, ref, tol, 1)) {
    // a float32 block into a float64 result: the JS function computes in float64, Dask's in float32
    const f32 = (c.x ?? c.xs[0]).dtype === 'float32' && c.outdtype === 'float64' && allClose(g.v, ref, 1e-6, 1);
    if (f32) count('float32 blocks, float64 result: the function computes in float64 (Dask in float32)');
    else probs.push(`values ${daskWrong ? 'numpy' : 'dask'} ${J(ref.slice(0, 24))} got ${J(g.v.slice(0, 24))}`);
  }
  if (!daskWrong && c.whole && !allClose(g.v, ev(c.whole), c.outdtype === 'float32' || f32in ? 1e-5 : 1e-12, 1)) probs.push(`whole-array numpy ${J(ev(c.whole).slice(0, 24))} got ${J(g.v.slice(0, 24))}`);
  if (daskWrong && !probs.length && process.env.V16) console.log("DASKWRONG", label, J(D.shape), J(D.chunks), J(ev(D.values).slice(0, 12)), J(ev(c.whole).slice(0, 12)));
  if (daskWrong && !probs.length) count(`DASK WRONG (tessera = NumPy): ${c.kind} ${c.form ?? c.fn}${J(D.shape) !== J(c.whole.shape) ? ' shape' : ''}${c.wholechunks && J(D.chunks) !== J(c.wholechunks) ? ' chunks' : ''}`);
  if (probs.length) fail('WRONG', label, probs.join('; '));
}

for (const [i, c] of cases.entries()) {
  if (['mapBlocks', 'blockwise', 'mapOverlap', 'reduction'].includes(c.kind)) await blocksCase(i, c);
  else await linalgCase(i, c);
}
console.log(`${file}: cases ${cases.length}, bad ${bad}`);
for (const [k, n] of [...apart].sort()) console.log(`  ${n}\t${k}`);
process.exit(0);
