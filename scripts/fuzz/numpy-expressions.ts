// Random expression DAGs (shared subexpressions, casts, where, broadcasting-free binary ops, transposes
// of transposes, irregular chunks) over every dtype, computed by tessera and checked against NumPy 2
// (the python3 on PATH must have NumPy >= 2: NEP 50 scalars). Not a test (it needs NumPy 2, which CI's
// Debian python3 lacks): run `npx tsx scripts/fuzz/numpy-expressions.ts SEED` after compiler changes.
// Without the astype register fix of lower.ts (a cast read twice lost its register) seed 1 gives
// 43 bad of 399; with it, 0.
import * as t from '../../src/index.js';
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
let seed = Number(process.argv[2] ?? 1);
const rnd = () => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed / 2147483648; };
const pick = <T,>(xs: T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const DT = ['int8', 'int16', 'int32', 'int64', 'uint8', 'uint32', 'float32', 'float64', 'bool'] as const;
type E = { js: t.NDArray; py: string; dt: string };
const cases: { py: string; got: any }[] = [];
for (let k = 0; k < 400; k++) {
  const base: number[] = Array.from({ length: 30 }, (_, i) => ((i * 13 + k) % 17) - 6);
  const leaves: E[] = [];
  for (let j = 0; j < 2; j++) {
    const d = pick([...DT]);
    const py = `np.array(${JSON.stringify(base)}, dtype=np.float64).reshape(5,6).astype('${d}')`;
    let js = t.fromArray(new Float64Array(base)).reshape([5, 6]).rechunk([pick([2, 3, 5]), pick([2, 4, 6])]).astype(d);
    leaves.push({ js, py, dt: d });
  }
  const pool: E[] = [...leaves];
  const depth = 2 + Math.floor(rnd() * 5);
  for (let s = 0; s < depth; s++) {
    const a = pick(pool), b = pick(pool);
    const op = pick(['add', 'sub', 'mul', 'maximum', 'minimum', 'where', 'astype', 'abs', 'neg', 'T', 'gtsum', 'square', 'scalar']);
    try {
      let e: E | undefined;
      if (op === 'add' || op === 'sub' || op === 'mul' || op === 'maximum' || op === 'minimum') {
        if ((op === 'sub') && (a.dt === 'bool' || b.dt === 'bool')) continue;
        const pyop = { add: 'np.add', sub: 'np.subtract', mul: 'np.multiply', maximum: 'np.maximum', minimum: 'np.minimum' }[op];
        e = { js: (a.js as any)[op](b.js), py: `${pyop}(${a.py}, ${b.py})`, dt: '' };
      } else if (op === 'where') {
        e = { js: t.where(a.js.gt(1), a.js, b.js), py: `np.where(${a.py} > 1, ${a.py}, ${b.py})`, dt: '' };
      } else if (op === 'astype') {
        const d = pick([...DT]);
        e = { js: a.js.astype(d), py: `(${a.py}).astype('${d}')`, dt: d };
      } else if (op === 'abs') e = { js: a.js.abs(), py: `np.abs(${a.py})`, dt: '' };
      else if (op === 'neg') { if (a.dt === 'bool') continue; e = { js: a.js.neg(), py: `np.negative(${a.py})`, dt: '' }; }
      else if (op === 'T') e = { js: a.js.T.T, py: `(${a.py}).T.T`, dt: '' };
      else if (op === 'square') e = { js: a.js.square(), py: `np.square(${a.py})`, dt: '' };
      else if (op === 'scalar') { const v = pick([2, 3, 0.5]); if (a.dt === 'bool') continue; e = { js: a.js.mul(v), py: `np.multiply(${a.py}, ${v})`, dt: '' }; }
      else if (op === 'gtsum') e = { js: a.js.gt(b.js).astype('int32').add(a.js.lt(0)), py: `np.add(np.greater(${a.py}, ${b.py}).astype('int32'), np.less(${a.py}, 0))`, dt: '' };
      if (!e) continue;
      e.dt = e.js.dtype;
      pool.push(e);
    } catch { /* refused combos */ }
  }
  const root = pool[pool.length - 1]!;
  if (root === leaves[1] || root === leaves[0]) continue;
  // avoid float overflow ambiguity: compare dtype + values with tolerance
  try {
    const r = await root.js.compute() as any;
    cases.push({ py: root.py, got: { dtype: r.dtype, data: Array.from(r.data as ArrayLike<number | bigint>, (v) => Number(v)) } });
  } catch (e) { cases.push({ py: root.py, got: { error: (e as Error).message.slice(0, 150) } }); }
}
writeFileSync('/tmp/fuzz/cases.json', JSON.stringify(cases));
const py = `
import json, numpy as np, warnings
warnings.simplefilter('ignore')
cs = json.load(open('/tmp/fuzz/cases.json')); bad = 0
for c in cs:
    try:
        with np.errstate(all='ignore'): r = np.asarray(eval(c['py']))
    except Exception as ex:
        if 'error' not in c['got']: print('NPERR', type(ex).__name__, c['py'][:200]); bad += 1
        continue
    g = c['got']
    if 'error' in g: print('OURERR', g['error'], '|', r.dtype); bad += 1; continue
    d = r.astype(np.float64).ravel(); o = np.array(g['data'], dtype=np.float64)
    ok = str(r.dtype) == g['dtype'] and d.shape == o.shape and np.allclose(o, d, rtol=1e-6, atol=1e-6, equal_nan=True)
    if not ok: bad += 1; print('DIFF', str(r.dtype), g['dtype'], c['py'][:300]); print('   np', d[:8], 'ours', o[:8])
print('cases', len(cs), 'bad', bad)
`;
console.log(execFileSync('python3', ['-c', py], { encoding: 'utf8', maxBuffer: 1 << 26 }));
