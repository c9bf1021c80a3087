import json, random, sys
import numpy as np
from common import enc
random.seed(int(sys.argv[1]))
DT = ['bool','int8','int32','int64','uint8','uint64','float32','float64']
def arr(shape, dt):
    n = int(np.prod(shape))
    if dt == 'bool': v = [random.random() < 0.5 for _ in range(n)]
    elif dt.startswith('u'): v = [random.randint(0, 5) for _ in range(n)]
    else: v = [random.randint(-4, 4) for _ in range(n)]
    return np.array(v, dtype=dt).reshape(shape)
cases = []
for k in range(int(sys.argv[2])):
    kind = random.choice(['matmul', 'matmul', 'dot', 'tensordot', 'einsum', 'outer', 'inner', 'vdot', 'trace'])
    da, db = random.choice(DT), random.choice(DT)
    c = {'kind': kind}
    try:
        if kind in ('matmul', 'dot'):
            m, kk, n = random.randint(1, 4), random.randint(1, 4), random.randint(1, 4)
            sa = random.choice([[m, kk], [kk], [2, m, kk]]); sb = random.choice([[kk, n], [kk], [2, kk, n]]) if kind == 'matmul' else random.choice([[kk, n], [kk]])
            if kind == 'dot' and len(sa) == 3: sa = [m, kk]
            a, b = arr(sa, da), arr(sb, db); r = getattr(np, kind)(a, b)
        elif kind == 'tensordot':
            a, b = arr([2, 3, 4], da), arr([3, 4, 2], db); ax = random.choice([1, 2, [[1], [0]], [[1, 2], [0, 1]]]); c['axes'] = ax; r = np.tensordot(a, b, ax)
        elif kind == 'einsum':
            sub = random.choice(['ij,jk->ik', 'ij->ji', 'ii->i', 'ij->', 'i,i->', 'ij,ij->ij', 'ij,j->i', 'bij,bjk->bik', 'ij->j']); c['sub'] = sub
            ins = sub.split('->')[0].split(','); sizes = {'i': 3, 'j': 2, 'k': 4, 'b': 2}
            if sub == 'ii->i': sizes['i'] = 3
            ops = [arr([sizes[ch] for ch in s], [da, db][q]) for q, s in enumerate(ins)]
            r = np.einsum(sub, *ops); a = ops[0]; b = ops[1] if len(ops) > 1 else None
        elif kind == 'outer': a, b = arr([3], da), arr([2], db); r = np.outer(a, b)
        elif kind == 'inner': a, b = arr([2, 3], da), arr([4, 3], db); r = np.inner(a, b)
        elif kind == 'vdot': a, b = arr([2, 3], da), arr([2, 3], db); r = np.vdot(a, b)
        elif kind == 'trace': a = arr([3, 4], da); b = None; off = random.randint(-2, 2); c['offset'] = off; r = np.trace(a, off)
        c['a'] = enc(a); c['b'] = enc(b) if b is not None else None
        c['expect'] = enc(r)
    except Exception as e:
        c['a'] = enc(a) if 'a' in dir() else None; c['b'] = None
        c['expect'] = {'error': type(e).__name__ + ': ' + str(e)}
    cases.append(c)
json.dump(cases, open('cases10.json', 'w'))
