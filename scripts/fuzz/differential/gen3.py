import json, random, sys
import numpy as np
from common import chunks_for
random.seed(int(sys.argv[1]))
def sl(n):
    def b():
        r = random.random()
        if r < 0.3: return ''
        return str(random.randint(-n - 2, n + 2))
    s = b() + ':' + b()
    if random.random() < 0.5:
        st = random.choice(['', '1', '2', '3', '-1', '-2', '-3'])
        s += ':' + st
    return s
cases = []
for k in range(int(sys.argv[2])):
    nd = random.randint(1, 4)
    shape = [random.randint(0, 6) if random.random() < 0.1 else random.randint(1, 6) for _ in range(nd)]
    x = np.arange(int(np.prod(shape)), dtype=np.float64).reshape(shape)
    items = []
    used = 0
    ell = random.random() < 0.3
    nidx = random.randint(0, nd + 1)
    for i in range(nidx):
        r = random.random()
        if ell and i == random.randint(0, nidx) and '...' not in items: items.append('...'); continue
        ax = min(used, nd - 1)
        n = shape[ax]
        if r < 0.15: items.append('None')
        elif r < 0.4: items.append(str(random.randint(-n - 1, n))); used += 1
        else: items.append(sl(n)); used += 1
    sub = ', '.join(items)
    pyitems = [('None' if it == 'None' else 'Ellipsis' if it == '...' else it) for it in items]
    try:
        r = eval('x[' + (', '.join(pyitems) if pyitems else '()') + ']')
        exp = {'shape': list(np.shape(r)), 'values': np.asarray(r).ravel().tolist()}
    except Exception as e:
        exp = {'error': type(e).__name__ + ': ' + str(e)}
    cases.append({'shape': shape, 'chunks': [chunks_for(s) for s in shape], 'sub': sub, 'expect': exp})
json.dump(cases, open('cases3.json', 'w'))
