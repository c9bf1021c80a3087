import json, random, sys
import numpy as np
from common import enc
random.seed(int(sys.argv[1]))
cases = []
for k in range(int(sys.argv[2])):
    kind = random.choice(['arange', 'arangef', 'linspace', 'eye', 'tri', 'diag', 'repeat', 'tile', 'pad', 'roll', 'flip', 'tril', 'triu', 'diagonal', 'split', 'concat', 'stack', 'take', 'cumsum2', 'diff'])
    c = {'kind': kind}
    try:
        if kind == 'arange':
            a, b, s = random.randint(-5, 5), random.randint(-5, 10), random.choice([1, 2, 3, -1, -2])
            c['args'] = [a, b, s]; r = np.arange(a, b, s)
        elif kind == 'arangef':
            a, b, s = round(random.uniform(-2, 2), 1), round(random.uniform(-2, 3), 1), random.choice([0.1, 0.3, 0.25, -0.1, -0.7, 0.7])
            c['args'] = [a, b, s]; r = np.arange(a, b, s)
        elif kind == 'linspace':
            a, b, n, ep = round(random.uniform(-2, 2), 2), round(random.uniform(-2, 3), 2), random.randint(0, 7), random.random() < 0.7
            c['args'] = [a, b, n, ep]; r = np.linspace(a, b, n, endpoint=ep)
        elif kind == 'eye':
            n, m, kk = random.randint(0, 4), random.randint(0, 5), random.randint(-3, 3)
            c['args'] = [n, m, kk]; r = np.eye(n, m, kk)
        elif kind == 'tri':
            n, m, kk = random.randint(0, 4), random.randint(0, 5), random.randint(-3, 3)
            c['args'] = [n, m, kk]; r = np.tri(n, m, kk)
        elif kind in ('diag', 'tril', 'triu', 'diagonal', 'flip', 'roll', 'repeat', 'tile', 'pad', 'split', 'take', 'cumsum2', 'diff', 'concat', 'stack'):
            nd = 1 if kind == 'diag' and random.random() < 0.5 else 2
            shape = [random.randint(1, 5) for _ in range(nd)]
            x = np.arange(int(np.prod(shape)), dtype=float).reshape(shape)
            c['shape'] = shape
            if kind == 'diag': kk = random.randint(-3, 3); c['k'] = kk; r = np.diag(x, kk)
            elif kind == 'tril': kk = random.randint(-3, 3); c['k'] = kk; r = np.tril(x, kk)
            elif kind == 'triu': kk = random.randint(-3, 3); c['k'] = kk; r = np.triu(x, kk)
            elif kind == 'diagonal': kk = random.randint(-3, 3); c['k'] = kk; r = np.diagonal(x, kk)
            elif kind == 'flip': ax = random.choice([None, 0, 1, -1]); c['axis'] = ax; r = np.flip(x, ax)
            elif kind == 'roll': sh = random.randint(-7, 7); ax = random.choice([None, 0, 1]); c['shift'] = sh; c['axis'] = ax; r = np.roll(x, sh, ax)
            elif kind == 'repeat': rep = random.randint(0, 3); ax = random.choice([None, 0, 1]); c['rep'] = rep; c['axis'] = ax; r = np.repeat(x, rep, ax)
            elif kind == 'tile': reps = [random.randint(1, 3) for _ in range(random.randint(1, 3))]; c['reps'] = reps; r = np.tile(x, reps)
            elif kind == 'pad': w = [[random.randint(0, 2), random.randint(0, 2)] for _ in shape]; mode = random.choice(['constant', 'edge']); c['width'] = w; c['mode'] = mode; r = np.pad(x, w, mode=mode)
            elif kind == 'split': n = random.randint(1, 4); ax = random.choice([0, 1]); c['n'] = n; c['axis'] = ax; r = np.concatenate([np.asarray(p).ravel() for p in np.array_split(x, n, ax)]); c['sizes'] = [list(p.shape) for p in np.array_split(x, n, ax)]
            elif kind == 'take': idx = [random.randint(-shape[0], shape[0]-1) for _ in range(random.randint(0, 5))]; c['idx'] = idx; r = np.take(x, idx, 0)
            elif kind == 'cumsum2': ax = random.choice([0, 1, -1]); c['axis'] = ax; r = np.cumprod(x + 1, ax)
            elif kind == 'diff': n = random.randint(0, 3); ax = random.choice([0, 1, -1]); c['n'] = n; c['axis'] = ax; r = np.diff(x, n, ax)
            elif kind == 'concat': ax = random.choice([0, 1, -1]); c['axis'] = ax; r = np.concatenate([x, x * 2], ax)
            elif kind == 'stack': ax = random.choice([0, 1, 2, -1]); c['axis'] = ax; r = np.stack([x, x * 2], ax)
        c['expect'] = enc(r)
    except Exception as e:
        c['expect'] = {'error': type(e).__name__ + ': ' + str(e)}
    cases.append(c)
json.dump(cases, open('cases6.json', 'w'))
