import json, random, sys, os, math, io
import numpy as np, pandas as pd
from common import cell
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
out = []
AGG = {'i': ['sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median', 'size'],
       'f': ['sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median', 'size'],
       'k': ['count', 'first', 'last', 'nunique', 'size', 'min', 'max'],
       'b': ['sum', 'mean', 'count', 'first', 'last', 'nunique', 'size', 'min', 'max']}
for case in range(N):
    d = f'/tmp/dffuzz/g{case}'; os.makedirs(d, exist_ok=True)
    for f in os.listdir(d): os.remove(os.path.join(d, f))
    n = random.randint(1, 30)
    keys = random.sample(['a', 'b', 'c', 'dd', 'e', 'B', 'ab', 'A'], random.randint(1, 6))
    rows = []
    for r in range(n):
        k = random.choice(keys) if random.random() > 0.1 else ''
        i = random.randint(-3, 3)
        fv = '' if random.random() < 0.15 else repr(round(random.uniform(-3, 3), random.choice([0, 1])))
        b = random.choice(['True', 'False'])
        rows.append(f'{k},{i},{fv},{b}')
    nparts = random.randint(1, 4)
    cuts = sorted(random.randint(0, n) for _ in range(nparts - 1)); bounds = [0] + cuts + [n]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        open(fn, 'w').write('k,i,f,b\n' + ''.join(r + '\n' for r in rows[bounds[p]:bounds[p+1]]))
    df = pd.read_csv(io.StringIO('k,i,f,b\n' + ''.join(r + '\n' for r in rows)))
    ks = random.choice([['k'], ['i'], ['f'], ['b'], ['k', 'i'], ['b', 'k'], ['i', 'f']])
    vals = [c for c in ['i', 'f', 'k', 'b'] if c not in ks]
    spec = {}
    for c in random.sample(vals, random.randint(1, len(vals))):
        spec[c] = random.sample(AGG[c], random.randint(1, 3))
    sort = random.random() < 0.7
    e = {'files': files, 'keys': ks, 'spec': spec}
    try:
        g = df.groupby(ks).agg(spec)
        g.columns = [f'{c}_{a}' for c, a in g.columns]
        g = g.reset_index()
        e['expect'] = [[str(c) for c in g.columns], [[cell(v) for v in row] for row in g.itertuples(index=False, name=None)]]
    except Exception as ex:
        e['expect'] = {'error': type(ex).__name__ + ': ' + str(ex)}
    out.append(e)
json.dump(out, open('cases7.json', 'w'))
