import json, random, sys, os, math, io
import numpy as np, pandas as pd
from common import cell
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
out = []
def mk(n, keys, miss):
    rows = []
    for r in range(n):
        k = random.choice(keys) if random.random() > miss else ''
        i = random.randint(0, 3)
        f = '' if random.random() < miss else str(random.choice([0.5, 1.0, 2.0, -1.0]))
        v = random.randint(-9, 9)
        rows.append(f'{k},{i},{f},{v}')
    return rows
for case in range(N):
    d = f'/tmp/dffuzz/m{case}'; os.makedirs(d, exist_ok=True)
    for f in os.listdir(d): os.remove(os.path.join(d, f))
    keys = random.sample(['a', 'b', 'c', 'dd'], random.randint(1, 4))
    L = mk(random.randint(0, 12), keys, 0.15); R = mk(random.randint(0, 8), keys + ['z'], 0.15)
    hdr = 'k,i,f,v\n'
    nparts = random.randint(1, 3)
    cuts = sorted(random.randint(0, len(L)) for _ in range(nparts - 1)); bounds = [0] + cuts + [len(L)]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        open(fn, 'w').write(hdr + ''.join(r + '\n' for r in L[bounds[p]:bounds[p+1]]))
    rf = os.path.join(d, 'r.csv'); open(rf, 'w').write(hdr + ''.join(r + '\n' for r in R))
    if not L or not R: continue
    left = pd.read_csv(io.StringIO(hdr + ''.join(r + '\n' for r in L))); right = pd.read_csv(rf)
    on = random.choice([['k'], ['i'], ['k', 'i'], ['f'], ['i', 'f']])
    how = random.choice(['inner', 'left', 'right', 'outer'])
    sfx = random.choice([None, ['_l', '_r']])
    e = {'files': files, 'right': rf, 'on': on, 'how': how, 'suffixes': sfx}
    try:
        m = left.merge(right, on=on, how=how, suffixes=tuple(sfx) if sfx else ('_x', '_y'))
        e['expect'] = [[str(c) for c in m.columns], [[cell(v) for v in row] for row in m.itertuples(index=False, name=None)]]
    except Exception as ex:
        e['expect'] = {'error': type(ex).__name__ + ': ' + str(ex)}
    out.append(e)
json.dump(out, open('cases9.json', 'w'))
