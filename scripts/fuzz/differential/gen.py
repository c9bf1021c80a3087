import json, random, sys, warnings
import numpy as np
from common import chunks_for, enc
warnings.filterwarnings('ignore')
random.seed(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
DT = ['bool','int8','int16','int32','int64','uint8','uint16','uint32','uint64','float32','float64']
RED = ['sum','prod','min','max','mean','var','std','argmin','argmax','any','all','nansum','nanprod','nanmean','nanvar','nanstd','nanmin','nanmax','nanargmin','nanargmax','ptp','countNonzero','cumsum','cumprod','nancumsum','nancumprod','median','quantile']
def data(dt, size):
    if dt == 'bool': return [random.random() < 0.5 for _ in range(size)]
    if dt.startswith('float'):
        out = []
        for _ in range(size):
            r = random.random()
            if r < 0.05: out.append(float('nan'))
            elif r < 0.08: out.append(float('inf') * random.choice([1,-1]))
            elif r < 0.11: out.append(-0.0)
            else: out.append(round(random.uniform(-5, 5), 2))
        return out
    info = np.iinfo(dt)
    lo, hi = max(int(info.min), -9), min(int(info.max), 9)
    return [random.randint(lo, hi) for _ in range(size)]
cases = []
for k in range(int(sys.argv[2]) if len(sys.argv) > 2 else 300):
    nd = random.randint(0, 3)
    shape = [random.choice([0,1,2,3,4,5,7]) if random.random() < 0.15 else random.randint(1, 6) for _ in range(nd)]
    dt = random.choice(DT)
    size = int(np.prod(shape)) if nd else 1
    vals = data(dt, size)
    x = np.array(vals, dtype=dt).reshape(shape)
    op = random.choice(RED)
    axis = None
    if nd and random.random() < 0.7:
        axis = random.randint(-nd, nd - 1)
    if op in ('cumsum','cumprod','nancumsum','nancumprod','median','quantile') and axis is None and nd > 1 and random.random() < 0.5:
        axis = random.randint(-nd, nd-1)
    keep = random.random() < 0.3 and op not in ('cumsum','cumprod','nancumsum','nancumprod','argmin','argmax','nanargmin','nanargmax')
    q = random.choice([0, 0.1, 0.5, 0.9, 1])
    kw = {}
    if axis is not None: kw['axis'] = axis
    if keep: kw['keepdims'] = True
    try:
        if op == 'countNonzero':
            r = np.count_nonzero(x, axis=axis, keepdims=keep) if axis is not None else np.count_nonzero(x)
        elif op == 'quantile':
            if x.dtype == bool: continue
            r = np.quantile(x, q, **kw)
        elif op == 'ptp':
            if x.dtype == bool: continue
            r = np.ptp(x, **kw)
        elif op in ('median',) and x.dtype == bool: continue
        elif op in ('cumsum','cumprod','nancumsum','nancumprod'):
            r = getattr(np, op)(x, axis=axis)
        elif op in ('var','std','nanvar','nanstd','mean','nanmean') and x.dtype == bool: 
            r = getattr(np, op)(x, **kw)
        else:
            r = getattr(np, op)(x, **kw)
        res = enc(r)
    except Exception as e:
        res = {'error': type(e).__name__ + ': ' + str(e)}
    chunks = [chunks_for(n) for n in shape]
    cases.append({'x': enc(x), 'chunks': chunks, 'op': op, 'axis': axis, 'keepdims': keep, 'q': q, 'expect': res})
json.dump(cases, open('cases.json', 'w'))
print(len(cases))
