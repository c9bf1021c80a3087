import json, random, sys, os, math, io
import numpy as np, pandas as pd
from common import cell
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
EXPRS = [
  ("i.add(f)", lambda d: d.i + d.f), ("i.mul(2).sub(f)", lambda d: d.i * 2 - d.f), ("f.div(i)", lambda d: d.f / d.i),
  ("i.floordiv(2)", lambda d: d.i // 2), ("i.mod(3)", lambda d: d.i % 3), ("f.floordiv(0.7)", lambda d: d.f // 0.7), ("f.mod(-1.3)", lambda d: d.f % -1.3),
  ("i.floordiv(i)", lambda d: d.i // d.i), ("i.mod(i)", lambda d: d.i % d.i),
  ("f.gt(0)", lambda d: d.f > 0), ("i.le(f)", lambda d: d.i <= d.f), ("f.ne(f)", lambda d: d.f != d.f),
  ("f.isna()", lambda d: d.f.isna()), ("f.fillna(9)", lambda d: d.f.fillna(9)), ("f.abs()", lambda d: d.f.abs()),
  ("f.round(1)", lambda d: d.f.round(1)), ("f.clip(-1, 1)", lambda d: d.f.clip(-1, 1)), ("i.clip(-1, 2)", lambda d: d.i.clip(-1, 2)),
  ("f.where(f.gt(0))", lambda d: d.f.where(d.f > 0)), ("i.where(i.gt(0), 7)", lambda d: d.i.where(d.i > 0, 7)),
  ("f.gt(0).and(i.lt(2))", lambda d: (d.f > 0) & (d.i < 2)), ("f.gt(0).or(i.lt(2))", lambda d: (d.f > 0) | (d.i < 2)),
  ("i.astype('float64')", lambda d: d.i.astype('float64')), ("f.notna()", lambda d: d.f.notna()),
  ("k.str.upper()", lambda d: d.k.str.upper()), ("k.str.len()", lambda d: d.k.str.len()), ("k.str.contains('b')", lambda d: d.k.str.contains('b')),
  ("k.str.startsWith('d')", lambda d: d.k.str.startswith('d')), ("k.str.slice(0, 1)", lambda d: d.k.str.slice(0, 1)), ("k.str.replace('d', 'X')", lambda d: d.k.str.replace('d', 'X', regex=False)),
  ("k.eq('a')", lambda d: d.k == 'a'), ("k.isin(['a', 'B'])", lambda d: d.k.isin(['a', 'B'])), ("i.isin([1, 2])", lambda d: d.i.isin([1, 2])),
  ("i.pow(2)", lambda d: d.i ** 2), ("f.pow(2)", lambda d: d.f ** 2), ("i.neg()", lambda d: -d.i), ("f.between(-1, 1)", lambda d: d.f.between(-1, 1)),
]
RED = ['sum', 'mean', 'min', 'max', 'count', 'std', 'var', 'median', 'nunique', 'any', 'all', 'prod', 'idxmax', 'idxmin', 'cumsum', 'cummax', 'rank', 'diff', 'shift', 'quantile', 'sem', 'skew']
out = []
for case in range(N):
    d = f'/tmp/dffuzz/e{case}'; os.makedirs(d, exist_ok=True)
    for f in os.listdir(d): os.remove(os.path.join(d, f))
    n = random.randint(1, 25)
    keys = random.sample(['a', 'b', 'c', 'dd', 'e', 'B', 'ab'], random.randint(1, 5))
    rows = []
    for r in range(n):
        k = random.choice(keys) if random.random() > 0.1 else ''
        i = random.randint(-3, 3)
        fv = '' if random.random() < 0.15 else repr(round(random.uniform(-3, 3), random.choice([0, 1, 2])))
        rows.append(f'{k},{i},{fv}')
    nparts = random.randint(1, 3)
    cuts = sorted(random.randint(0, n) for _ in range(nparts - 1)); bounds = [0] + cuts + [n]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        open(fn, 'w').write('k,i,f\n' + ''.join(r + '\n' for r in rows[bounds[p]:bounds[p+1]]))
    df = pd.read_csv(io.StringIO('k,i,f\n' + ''.join(r + '\n' for r in rows)))
    e, fn_ = random.choice(EXPRS)
    red = random.choice(RED + ['none', 'none'])
    spec = {'files': files, 'expr': e, 'red': red}
    try:
        s = fn_(df)
        if red == 'none': spec['expect'] = {'values': [cell(v) for v in s], 'dtype': str(s.dtype)}
        elif red in ('cumsum', 'cummax', 'rank', 'diff', 'shift'): r = getattr(s, red)(); spec['expect'] = {'values': [cell(v) for v in r], 'dtype': str(r.dtype)}
        elif red == 'quantile': spec['expect'] = {'value': cell(s.quantile(0.3))}
        else: spec['expect'] = {'value': cell(getattr(s, red)())}
    except Exception as ex:
        spec['expect'] = {'error': type(ex).__name__ + ': ' + str(ex)}
    out.append(spec)
json.dump(out, open('cases5.json', 'w'))
