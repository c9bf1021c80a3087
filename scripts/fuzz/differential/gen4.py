import json, random, sys, os, math
import numpy as np, pandas as pd
from common import cell
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
out = []
def recs(df):
    return [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)], [str(c) for c in df.columns]
for case in range(N):
    d = f'/tmp/dffuzz/c{case}'; os.makedirs(d, exist_ok=True)
    for f in os.listdir(d): os.remove(os.path.join(d, f))
    n = random.randint(1, 30)
    keys = random.sample(['a', 'b', 'c', 'dd', 'e', 'B'], random.randint(1, 5))
    rows = []
    for r in range(n):
        k = random.choice(keys) if random.random() > 0.1 else ''
        i = random.randint(-3, 3)
        fv = '' if random.random() < 0.15 else repr(round(random.uniform(-3, 3), random.choice([0, 1, 2])))
        rows.append(f'{k},{i},{fv}')
    nparts = random.randint(1, 4)
    cuts = sorted(random.randint(0, n) for _ in range(nparts - 1))
    bounds = [0] + cuts + [n]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        open(fn, 'w').write('k,i,f\n' + ''.join(r + '\n' for r in rows[bounds[p]:bounds[p+1]]))
    import io
    df = pd.read_csv(io.StringIO('k,i,f\n' + ''.join(r + '\n' for r in rows)))
    op = random.choice(['sort', 'groupby', 'groupby2', 'vc', 'merge', 'dedup', 'nlargest', 'nsmallest', 'stats', 'dropna', 'fillna'])
    spec = {'op': op, 'files': files}
    try:
        if op == 'sort':
            by = random.sample(['k', 'i', 'f'], random.randint(1, 3)); asc = [random.random() < 0.5 for _ in by]; na = random.choice(['last', 'first'])
            spec.update(by=by, asc=asc, na=na)
            r = df.sort_values(by, ascending=asc, na_position=na, kind='mergesort')
            spec['expect'] = recs(r)
        elif op in ('groupby', 'groupby2'):
            ks = ['k'] if op == 'groupby' else ['k', 'i']
            aggs = random.sample(['sum', 'mean', 'count', 'min', 'max', 'std', 'var', 'first', 'last', 'nunique', 'median', 'size'], random.randint(1, 3))
            spec.update(keys=ks, aggs=aggs)
            g = df.groupby(ks).agg({'f': [a for a in aggs]})
            g.columns = ['f_' + a for a in aggs]
            spec['expect'] = recs(g.reset_index())
        elif op == 'vc':
            c = random.choice(['k', 'i', 'f']); spec['col'] = c
            vc = df[c].value_counts()
            spec['expect'] = [[cell(k), int(v)] for k, v in vc.items()]
        elif op == 'merge':
            m = random.randint(0, 8)
            rk = [random.choice(keys + ['zz']) for _ in range(m)]
            rv = [random.randint(0, 9) for _ in range(m)]
            fn = os.path.join(d, 'right.csv'); open(fn, 'w').write('k,v\n' + ''.join(f'{a},{b}\n' for a, b in zip(rk, rv)))
            right = pd.read_csv(fn)
            how = random.choice(['inner', 'left', 'right', 'outer']); spec.update(right=fn, how=how)
            spec['expect'] = recs(df.merge(right, on='k', how=how))
        elif op == 'dedup':
            sub = random.sample(['k', 'i', 'f'], random.randint(1, 2)); keep = random.choice(['first', 'last']); spec.update(subset=sub, keep=keep)
            spec['expect'] = recs(df.drop_duplicates(subset=sub, keep=keep))
        elif op in ('nlargest', 'nsmallest'):
            k = random.randint(1, 6); c = random.choice(['i', 'f']); spec.update(n=k, col=c)
            spec['expect'] = recs(getattr(df, op)(k, c))
        elif op == 'stats':
            c = random.choice(['i', 'f']); spec['col'] = c
            s = df[c]
            spec['expect'] = [cell(v) for v in [s.sum(), s.mean(), s.std(), s.var(), s.min(), s.max(), s.median(), s.quantile(0.3), s.count(), s.nunique(), s.prod()]]
        elif op == 'dropna':
            spec['expect'] = recs(df.dropna())
        elif op == 'fillna':
            spec['expect'] = recs(df.fillna({'f': 0.5, 'k': 'zz'}))
    except Exception as e:
        spec['expect'] = {'error': type(e).__name__ + ': ' + str(e)}
    out.append(spec)
json.dump(out, open('cases4.json', 'w'))
