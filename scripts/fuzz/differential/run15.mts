// Runner of gen15.py: storage against zarr 2.13, NumPy 1.24 and Dask 2022.12, bit for bit.
// Reads what Python wrote (fromZarr, fromNpy/loadNpy, fromNpz/loadNpz, fromNpyStack), writes what
// Python will read back (toZarr v2, region, append, toNpy/saveNpy, toNpz, toNpyStack: their list
// goes to checks15.json for check15.py), reads its own v3 stores, checks fromSource's reads and
// store()'s boxes, and that bad input is an error naming the path.
// usage: npx tsx run15.mts [cases15.json] [-v]
import { cpSync, existsSync, readFileSync, writeFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as t from '../../../src/index.ts';
type Enc = { dtype: string; shape: number[]; b64: string };
const file = process.argv.slice(2).find((a) => !a.startsWith('-')) ?? 'cases15.json';
const verbose = process.argv.includes('-v');
const cases = JSON.parse(readFileSync(file, 'utf8')) as any[];
const CTOR: Record<string, any> = { bool: Uint8Array, int8: Int8Array, int16: Int16Array, int32: Int32Array, int64: BigInt64Array, uint8: Uint8Array, uint16: Uint16Array, uint32: Uint32Array, uint64: BigUint64Array, float32: Float32Array, float64: Float64Array };
const size = (s: readonly number[]) => s.reduce((a, b) => a * b, 1);
/** The typed array of an encoded array (a copy, aligned). */
const data = (e: Enc): any => {
  const b = Buffer.from(e.b64, 'base64');
  const C = CTOR[e.dtype];
  const ab = new ArrayBuffer(b.length);
  new Uint8Array(ab).set(b);
  return new C(ab);
};
const arr = (e: Enc, chunks?: number[][]): t.NDArray =>
  t.fromArray(data(e), { shape: e.shape, dtype: e.dtype, chunks: e.shape.length ? chunks : undefined } as any) as any;
/** The same array as a fromSource (its reads checked to stay inside one source chunk). */
const srcArr = (e: Enc, chunks: number[][], problems: string[]): t.NDArray => {
  const full = data(e);
  return t.fromSource({ shape: e.shape, dtype: e.dtype, chunks: e.shape.length ? chunks : [], read: ({ lo, hi }) => {
    if (!inOneChunk(chunks, lo, hi)) problems.push(`read box [${lo}]..[${hi}] spans source chunks ${JSON.stringify(chunks)}`);
    return box(full, e.shape, lo, hi);
  } } as any);
};
const input = (c: any, problems: string[]): t.NDArray => (c.via === 'source' ? srcArr(c.x, c.xchunks, problems) : arr(c.x, c.xchunks));
/** The little-endian bytes of a computed value (a DenseArray or a 0-d scalar) as base64. */
const b64 = (v: unknown, dtype: string): string => {
  if (v instanceof t.DenseArray) { const d = (v as any).data; return Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64'); }
  const C = CTOR[dtype];
  const x = C === BigInt64Array || C === BigUint64Array ? C.from([BigInt(v as any)]) : C.from([Number(v)]);
  return Buffer.from(x.buffer).toString('base64');
};
const blocks = (n: number, c: number): number[] => { if (n === 0) return [0]; const out = []; for (let s = 0; s < n; s += c) out.push(Math.min(c, n - s)); return out; };
// Some of Python's stores are read over HTTP (zarrita's FetchStore; chunks decoded from fetched bytes)
const server = createServer((req, res) => {
  const f = decodeURIComponent((req.url ?? '/').split('?')[0]!);
  if (!f.startsWith('/tmp/dffuzz15/')) { res.statusCode = 403; res.end(); return; }
  try { const b = readFileSync(f); res.setHeader('content-length', b.length); res.end(b); } catch { res.statusCode = 404; res.end(); }
});
await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
// the runner's own choices (HTTP or not, concurrency, read delays, parallel) from a generator seeded by the case index: reruns repeat
let rs = 1;
const rnd = (): number => { rs = (rs + 0x6d2b79f5) | 0; let q = Math.imul(rs ^ (rs >>> 15), 1 | rs); q = (q + Math.imul(q ^ (q >>> 7), 61 | q)) ^ q; return ((q ^ (q >>> 14)) >>> 0) / 4294967296; };
const tally: Record<string, number> = {};
const count = (k: string) => { tally[k] = (tally[k] ?? 0) + 1; };
const checks: any[] = [];
let bad = 0;

/** Compare an NDArray's dtype, shape and bytes with an encoded array; problems appended. */
async function same(what: string, x: t.NDArray, e: Enc, problems: string[]): Promise<void> {
  if (x.dtype !== e.dtype) { problems.push(`${what}: dtype ${x.dtype} vs ${e.dtype}`); return; }
  if (JSON.stringify(x.shape) !== JSON.stringify(e.shape)) { problems.push(`${what}: shape [${x.shape}] vs [${e.shape}]`); return; }
  const got = b64(await x.compute(), e.dtype);
  if (got !== e.b64) {
    const a = data({ ...e, b64: got }), b = data(e);
    let i = 0; while (i < b.length && (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i])))) i++;
    problems.push(`${what}: values differ at flat ${i}: ${a[i]} vs ${b[i]} (${a.length} vs ${b.length} elements${i >= b.length ? '; NaN payloads or -0' : ''})`);
  }
}

/** sum() and mean() against NumPy's (dtype exactly; integers exactly; floats to 1e-12 of the sum of |x|, float32 1e-5). */
async function reductions(x: t.NDArray, red: any, problems: string[]): Promise<void> {
  const n = size(x.shape);
  for (const k of ['sum', 'mean'] as const) {
    const e = red[k];
    const y = k === 'sum' ? x.sum() : x.mean();
    if (y.dtype !== e.dtype) { problems.push(`${k}: dtype ${y.dtype} vs NumPy ${e.dtype}`); continue; }
    const v = await y.compute();
    if (/int|bool/.test(e.dtype)) { if (String(BigInt(v as any)) !== e.value) problems.push(`${k}: ${v} vs ${e.value}`); continue; }
    const a = Number(v), b = Number(e.value);
    if (Object.is(a, b) || a === b || (Number.isNaN(a) && Number.isNaN(b))) continue;
    const abssum = Number(red.abssum);
    const scale = k === 'sum' ? abssum : abssum / Math.max(1, n);
    const big = e.dtype === 'float32' ? 3e38 : 1.7e308;
    if ((!Number.isFinite(a) || !Number.isFinite(b)) && abssum > big / 4) { count(`${k}: float overflow in one summation order only`); continue; }
    if (Math.abs(a - b) <= (e.dtype === 'float32' ? 1e-5 : 1e-12) * scale) continue;
    problems.push(`${k}: ${a} vs NumPy ${b}`);
  }
}

/** gen15's ops over a storage array: values bit for bit, sums along an axis of floats to 1e-12 (float32 1e-5) of the sum of |x|. */
async function ops(y: t.NDArray, list: any[] | undefined, problems: string[]): Promise<void> {
  for (const o of list ?? []) {
    let z: t.NDArray;
    switch (o.op) {
      case 'T': z = y.T; break;
      case 'perm': z = y.transpose(o.perm).get(o.sub); break;
      case 'flip': z = y.flip(o.axis); break;
      case 'flipadd': z = y.add(y.flip(o.axis)) as t.NDArray; break;
      case 'sumaxis': z = y.sum({ axis: o.axis }) as t.NDArray; break;
      case 'maxaxis': z = y.max({ axis: o.axis }) as t.NDArray; break;
      case 'reshape': z = y.reshape(o.shape); break;
      case 'astype': z = y.astype('float64'); break;
      case 'cumsum': z = y.cumsum({ axis: o.axis }) as t.NDArray; break;
      case 'argmax': z = y.argmax({ axis: o.axis }) as t.NDArray; break;
      case 'meanaxis': z = y.mean({ axis: o.axis }) as t.NDArray; break;
      case 'concat': z = t.concatenate([y, y.flip(o.axis)], { axis: o.axis }); break;
      case 'bcast': z = y.add(y.get('..., 0:1')) as t.NDArray; break;
      case 'addT': z = y.add(y.T) as t.NDArray; break;
      default: throw new Error(`op ${o.op}`);
    }
    count('ops compared');
    const what = `${o.op}${o.axis !== undefined ? `(axis ${o.axis})` : o.perm ? `(${o.perm}; ${o.sub})` : ''}`;
    if (o.op === 'maxaxis' && o.expect.dtype.startsWith('float')) {
      // max of 0 and -0: NumPy's SIMD loop returns either sign (np.max([[0, 0, -0]], 1) is -0)
      const p: string[] = [];
      await same(what, z, o.expect, p);
      if (p.length && p[0]!.endsWith('NaN payloads or -0)')) { count('max of 0 and -0: the sign NumPy picks'); continue; }
      problems.push(...p);
      continue;
    }
    if (!o.tol || !o.expect.dtype.startsWith('float')) { await same(what, z, o.expect, problems); continue; }
    if (z.dtype !== o.expect.dtype || JSON.stringify(z.shape) !== JSON.stringify(o.expect.shape)) { problems.push(`${what}: ${z.dtype} [${z.shape}] vs ${o.expect.dtype} [${o.expect.shape}]`); continue; }
    const a = data({ ...o.expect, b64: b64(await z.compute(), o.expect.dtype) }), b = data(o.expect), tol = data(o.tol);
    const big = o.expect.dtype === 'float32' ? 3e38 : 1.7e308;
    for (let i = 0; i < b.length; i++) {
      if (a[i] === b[i] || (Number.isNaN(a[i]) && Number.isNaN(b[i]))) continue;
      if ((!Number.isFinite(a[i]) || !Number.isFinite(b[i])) && tol[i] > big / 4) { count(`${o.op}: float overflow in one summation order only`); continue; }
      if (Math.abs(a[i] - b[i]) <= (o.expect.dtype === 'float32' ? 1e-5 : 1e-12) * tol[i]) continue;
      problems.push(`${what}: [${i}] ${a[i]} vs NumPy ${b[i]}`);
      break;
    }
  }
}

/** Expect an error naming `path`; problems appended otherwise. */
async function fails(what: string, f: () => Promise<unknown>, path: string, problems: string[]): Promise<string | undefined> {
  try { await f(); } catch (e) {
    const m = String((e as Error).message);
    if (!m.includes(path)) problems.push(`${what}: error does not name ${path}: ${m.slice(0, 200)}`);
    else if (!(e instanceof TypeError || e instanceof RangeError || e instanceof Error)) problems.push(`${what}: odd error ${e}`);
    return m;
  }
  return undefined;
}

/** The box [lo, hi) of row-major `d` of `shape` as a new typed array. */
function box(d: any, shape: number[], lo: readonly number[], hi: readonly number[]): any {
  const bs = hi.map((h, k) => h - lo[k]!);
  const out = new d.constructor(size(bs));
  const st = shape.map((_, k) => size(shape.slice(k + 1)));
  const idx = bs.map(() => 0);
  for (let i = 0; i < out.length; i++) {
    let o = 0; for (let k = 0; k < shape.length; k++) o += (lo[k]! + idx[k]!) * st[k]!;
    out[i] = d[o];
    for (let k = bs.length - 1; k >= 0; k--) { if (++idx[k]! < bs[k]!) break; idx[k] = 0; }
  }
  return out;
}
const inOneChunk = (chunks: number[][], lo: readonly number[], hi: readonly number[]): boolean => chunks.every((c, k) => {
  let b = 0; for (const n of c) { if (lo[k]! >= b && hi[k]! <= b + n) return true; b += n; } return hi[k] === lo[k];
});

async function run(c: any, problems: string[]): Promise<void> {
  switch (c.kind) {
    case 'zread': {
      const http = rnd() < 0.25;
      if (http) count('zread over HTTP');
      const y = await t.fromZarr(http ? base + c.path : c.path, { ...(c.inner ? { path: c.inner } : {}), ...(rnd() < 0.3 ? { concurrency: 1 } : {}) });
      const want = c.shape.map((n: number, k: number) => blocks(n, c.chunks[k]));
      if (JSON.stringify(y.chunks) !== JSON.stringify(want)) problems.push(`chunks ${JSON.stringify(y.chunks)} vs ${JSON.stringify(want)}`);
      await same('fromZarr', y, c.expect, problems);
      if (c.shape.length) await same(`get(${c.sub})`, y.get(c.sub), c.subexpect, problems);
      await reductions(y, c.red, problems);
      await ops(y, c.ops, problems);
      return;
    }
    case 'zwrite': {
      let x = input(c, problems);
      if (c.via === 'zarr') {
        // a storage array as the input: tessera's own store of x in x's chunks, read back
        rmSync(`${c.path}.in`, { recursive: true, force: true });
        await t.toZarr(x, `${c.path}.in`, { zarrVersion: 3 });
        x = await t.fromZarr(`${c.path}.in`);
      }
      if (c.xform === 'T') x = x.T;
      else if (c.xform === 'flip') x = x.flip(0);
      const e: Enc = c.out ?? c.x;
      rmSync(c.path, { recursive: true, force: true }); // a second run of the same cases
      const chunks = c.chunks ?? c.defchunks;
      await t.toZarr(x, c.path, { compressor: c.compressor, zarrVersion: c.version, ...(c.chunks ? { chunks: c.chunks } : {}), ...(c.parallel ? { parallel: c.parallel } : {}), ...(c.inner ? { path: c.inner } : {}) });
      const y = await t.fromZarr(c.path, c.inner ? { path: c.inner } : undefined);
      const want = e.shape.map((n: number, k: number) => blocks(n, chunks[k]));
      if (JSON.stringify(y.chunks) !== JSON.stringify(want)) problems.push(`read back chunks ${JSON.stringify(y.chunks)} vs ${JSON.stringify(want)}`);
      await same('read back', y, e, problems);
      if (c.version === 2) checks.push({ kind: 'zarr', path: c.path, inner: c.inner, expect: e, chunks, label: c.desc });
      return;
    }
    case 'zregion': case 'zappend': {
      // written into a copy of Python's store, so the cases can be run again
      rmSync(`${c.path}.w`, { recursive: true, force: true });
      if (c.version === 2) cpSync(c.path, `${c.path}.w`, { recursive: true });
      c = { ...c, path: `${c.path}.w` };
      if (c.version === 3) await t.toZarr(arr(c.base, c.base.shape.map((n: number) => [n || 0])), c.path, { zarrVersion: 3, compressor: c.compressor, chunks: c.chunks, overwrite: true });
      const x = arr(c.x, c.xchunks);
      const opts = c.kind === 'zregion' ? { region: c.region } : { append: { axis: c.axis } };
      if (c.wrong) {
        const m = await fails('region of the wrong shape', () => t.toZarr(x, c.path, opts as any), c.path, problems);
        if (m === undefined) problems.push('a region of the wrong shape was written');
        else count('wrong-shape region refused');
        return;
      }
      await t.toZarr(x, c.path, opts as any);
      await same('read back', await t.fromZarr(c.path), c.expect, problems);
      if (c.version === 2) checks.push({ kind: 'zarr', path: c.path, expect: c.expect, label: c.desc });
      return;
    }
    case 'npyread': {
      const y = await t.fromNpy(c.path, c.chunks.length ? { chunks: c.chunks } : undefined);
      await same('fromNpy', y, c.expect, problems);
      if (c.expect.shape.length) await same(`get(${c.sub})`, y.get(c.sub), c.subexpect, problems);
      await reductions(y, c.red, problems);
      await ops(y, c.ops, problems);
      const l = await t.loadNpy(c.path);
      if (l.dtype !== c.expect.dtype || JSON.stringify(l.shape) !== JSON.stringify(c.expect.shape)) problems.push(`loadNpy: ${l.dtype} [${l.shape}]`);
      else if (Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength).toString('base64') !== c.expect.b64) problems.push('loadNpy: values differ');
      return;
    }
    case 'npywrite': {
      if (c.how === 'toNpy') await t.toNpy(input(c, problems), c.path, c.slabRows ? { slabRows: c.slabRows } : undefined);
      else await t.saveNpy(c.path, { dtype: c.x.dtype, shape: c.x.shape, data: data(c.x) });
      if (!readFileSync(c.path).equals(readFileSync(c.ref))) problems.push(`${c.how}: file bytes differ from np.save's`);
      checks.push({ kind: 'npy', path: c.path, expect: c.x, label: c.desc });
      return;
    }
    case 'npz': {
      const lazy = await t.fromNpz(c.path);
      const eager = await t.loadNpz(c.path);
      const names = Object.keys(c.members);
      if (JSON.stringify(Object.keys(lazy).sort()) !== JSON.stringify([...names].sort())) problems.push(`fromNpz members ${Object.keys(lazy)} vs ${names}`);
      for (const k of names) {
        if (lazy[k]) await same(`fromNpz ${k}`, lazy[k]!, c.members[k], problems);
        const l = eager[k];
        if (!l || Buffer.from(l.data.buffer, l.data.byteOffset, l.data.byteLength).toString('base64') !== c.members[k].b64 || l.dtype !== c.members[k].dtype) problems.push(`loadNpz ${k} differs`);
      }
      await t.toNpz(c.out, Object.fromEntries(names.map((k) => [k, arr(c.members[k])])), { compressed: c.compressed });
      checks.push({ kind: 'npz', path: c.out, members: c.members, label: c.desc });
      return;
    }
    case 'stackread': {
      const y = await t.fromNpyStack(c.path);
      await same('fromNpyStack', y, c.expect, problems);
      await reductions(y, c.red, problems);
      await ops(y, c.ops, problems);
      return;
    }
    case 'stackwrite': {
      rmSync(c.path, { recursive: true, force: true });
      await t.toNpyStack(c.path, input(c, problems), { axis: c.axis });
      await same('fromNpyStack of toNpyStack', await t.fromNpyStack(c.path), c.x, problems);
      checks.push({ kind: 'stack', path: c.path, expect: c.x, xchunks: c.xchunks, axis: c.axis, label: c.desc });
      return;
    }
    case 'source': {
      const full = data(c.x);
      const shape = c.x.shape;
      const reads: { lo: number[]; hi: number[] }[] = [];
      const src = () => t.fromSource({
        shape, dtype: c.x.dtype, chunks: shape.length ? c.chunks : [], ...(c.concurrency ? { concurrency: c.concurrency } : {}),
        read: async ({ lo, hi, shape: bs }) => {
          reads.push({ lo: [...lo], hi: [...hi] });
          if (bs.some((n, k) => n !== hi[k]! - lo[k]!) || lo.some((l, k) => l < 0 || hi[k]! > shape[k] || hi[k]! < l)) problems.push(`read box [${lo}]..[${hi}] shape [${bs}] outside [${shape}]`);
          if (!inOneChunk(c.chunks, lo, hi)) problems.push(`read box [${lo}]..[${hi}] spans source chunks ${JSON.stringify(c.chunks)}`);
          await new Promise((r) => setTimeout(r, rnd() < 0.3 ? 1 : 0));
          return box(full, shape, lo, hi);
        },
      } as any);
      const x = src();
      if (JSON.stringify(x.chunks) !== JSON.stringify(shape.length ? c.chunks : [])) problems.push(`chunks ${JSON.stringify(x.chunks)} vs ${JSON.stringify(c.chunks)}`);
      reads.length = 0;
      await same('compute', x, c.x, problems);
      const readElems = reads.reduce((a, r) => a + size(r.hi.map((h, k) => h - r.lo[k]!)), 0);
      if (readElems > size(shape)) count('compute(): some elements read more than once');
      if (shape.length) await same(`get(${c.sub})`, src().get(c.sub), c.subexpect, problems);
      await reductions(src(), c.red, problems);
      await ops(src(), c.ops, problems);
      // store(): the boxes written cover [off, off + shape) exactly once, with the right values —
      // each source alone, then both in one call (regions [off, none], `parallel` at random)
      const pairs = [['x', src(), c.x, true], ['get', shape.length ? src().get(c.sub) : src(), shape.length ? c.subexpect : c.x, true]] as const;
      const targets: t.ArrayTarget[] = [];
      const finals: (() => void)[] = [];
      for (const [what, y, e, withOff] of [...pairs, ['x (together)', src(), c.x, true], ['get (together)', shape.length ? src().get(c.sub) : src(), shape.length ? c.subexpect : c.x, false]] as const) {
        const yshape = e.shape as number[];
        const off = yshape.map((_: number, k: number) => (withOff ? c.off[k] ?? 0 : 0));
        const seen = new Uint8Array(size(yshape));
        const ed = data(e);
        const got = new ed.constructor(ed.length);
        const st = yshape.map((_, k) => size(yshape.slice(k + 1)));
        const target: t.ArrayTarget = { write: async (b, d) => {
          const lo = b.lo.map((l, k) => l - off[k]!), hi = b.hi.map((h, k) => h - off[k]!);
          if (lo.some((l, k) => l < 0 || hi[k]! > yshape[k]! || hi[k]! <= l) && size(yshape) > 0) { problems.push(`store ${what}: box [${b.lo}]..[${b.hi}] outside [${off}]+[${yshape}]`); return; }
          if (d.length !== size(b.shape)) problems.push(`store ${what}: ${d.length} elements for box [${b.shape}]`);
          const idx = b.shape.map(() => 0);
          for (let i = 0; i < d.length; i++) {
            let o = 0; for (let k = 0; k < yshape.length; k++) o += (lo[k]! + idx[k]!) * st[k]!;
            seen[o]++; got[o] = d[i];
            for (let k = idx.length - 1; k >= 0; k--) { if (++idx[k]! < b.shape[k]!) break; idx[k] = 0; }
          }
        } };
        const check = () => {
          if (seen.some((v) => v !== 1)) problems.push(`store ${what}: elements written ${[...new Set(seen)].join('/')} times`);
          else if (Buffer.from(got.buffer).toString('base64') !== e.b64) problems.push(`store ${what}: values differ`);
        };
        if (what.includes('together')) { targets.push(target); finals.push(check); continue; }
        await t.store(y as t.NDArray, target, { regions: [off] });
        check();
      }
      const together = [src(), shape.length ? src().get(c.sub) : src()];
      await t.store(together, targets, { regions: [shape.map((_: number, k: number) => c.off[k] ?? 0), undefined], ...(rnd() < 0.5 ? { parallel: 1 + Math.floor(rnd() * 4) } : {}) });
      finals.forEach((f) => f());
      return;
    }
    case 'bad': {
      if (c.what === 'trunc_chunk') {
        let values: string | undefined;
        const http = rnd() < 0.3;
        const m = await fails('truncated chunk', async () => {
          const y = await t.fromZarr(http ? base + c.path : c.path);
          values = b64(await y.compute(), c.expect.dtype);
        }, c.path, problems);
        if (m === undefined) {
          if (values === c.expect.b64) count('truncated chunk: read, values right (python: ' + c.desc.split('(python: ')[1]);
          else problems.push('truncated chunk: read without error, WRONG values');
        } else {
          count('truncated chunk: error');
          const m2 = await fails('truncated chunk sum', async () => (await t.fromZarr(c.path)).sum().compute(), c.path, problems);
          if (m2 === undefined) problems.push('truncated chunk: sum() without error');
        }
        return;
      }
      if (c.what === 'corrupt_blosc') {
        let values: string | undefined;
        const m = await fails('corrupted blosc chunk', async () => { values = b64(await (await t.fromZarr(c.path)).compute(), c.expect.dtype); }, c.path, problems);
        if (m !== undefined) count(`corrupted blosc chunk (${c.mode}): error`);
        else if (values === c.expect.b64) count(`corrupted blosc chunk (${c.mode}): values right (python: ${c.python})`);
        else if (c.python === 'reads other values') count(`corrupted blosc chunk (${c.mode}): other values, as Python`);
        else if (c.mode === 'some') count(`corrupted blosc chunk (some): WRONG values, Python ${c.python} (numcodecs' wasm blosc reports no decode error)`);
        else problems.push(`corrupted blosc chunk: read without error, WRONG values (python: ${c.python})`);
        return;
      }
      const m = await fails(c.what, async () => {
        if (c.what === 'zdtype') await (await t.fromZarr(c.path)).compute();
        else if (c.what === 'trunc_npz') await (c.how === 'fromNpz' ? t.fromNpz(c.path) : t.loadNpz(c.path));
        else if (c.what === 'stack_missing') await (await t.fromNpyStack(c.path)).compute();
        else if (c.what === 'region_dtype') await t.toZarr(arr(c.x), c.path, { region: c.region });
        else if (c.what === 'append_shape') await t.toZarr(arr(c.x), c.path, { append: { axis: c.axis } });
        else if (c.how === 'loadNpy') await t.loadNpy(c.path);
        else await (await t.fromNpy(c.path)).compute();
      }, c.path, problems);
      if (m === undefined) problems.push(`${c.what}: no error`);
      else { count(`${c.what}: error`); if (verbose) console.log('   ', m.slice(0, 160)); }
      return;
    }
  }
}

const byKind: Record<string, [number, number]> = {};
for (const [ci, c] of cases.entries()) {
  const problems: string[] = [];
  rs = ci + 1;
  try { await run(c, problems); } catch (e) { problems.push(`ERROR ${String((e as Error).stack ?? e).split('\n').slice(0, 3).join(' | ').slice(0, 400)}`); }
  const k = c.kind === 'bad' ? `bad:${c.what}` : c.kind;
  byKind[k] ??= [0, 0];
  byKind[k]![0]++;
  if (problems.length) { bad++; byKind[k]![1]++; console.log(`BAD #${ci} ${c.kind} ${c.desc}\n   ${problems.slice(0, 4).join('\n   ')}`); }
  else if (verbose) console.log(`ok #${ci} ${c.kind} ${c.desc}`);
}
writeFileSync(file.replace(/cases15/, 'checks15').replace(/\.json$/, '') + (file.includes('cases15') ? '.json' : '.checks.json'), JSON.stringify(checks));
console.log(`${cases.length} cases, ${bad} bad`, JSON.stringify(byKind), JSON.stringify(tally));
server.close();
process.exit(0);
