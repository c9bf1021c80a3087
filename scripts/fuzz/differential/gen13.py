"""Differential fuzz 13: x.set / mask / take / get(int list), where / clip / round / floor..rint,
astype over every dtype pair, and chunk layouts (rechunk, reshape, concatenate/stack, slicing)
against NumPy 1.24's values and Dask 2022.12's .chunks; transposes and friends with reductions."""
import json, random, sys, warnings
import numpy as np
import dask, dask.array as da
from common import chunks_for, enc
warnings.filterwarnings('ignore')
random.seed(int(sys.argv[1]))
DT = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64']
INT = [d for d in DT if d[0] in 'iu']

def data(dt, size, full=False, special=True):
    if dt == 'bool': return np.array([random.random() < 0.5 for _ in range(size)], dtype=bool)
    if dt.startswith('float'):
        out = []
        for _ in range(size):
            r = random.random()
            if special and r < 0.04: out.append(float('nan'))
            elif special and r < 0.07: out.append(float('inf') * random.choice([1, -1]))
            elif special and r < 0.09: out.append(-0.0)
            elif r < 0.3: out.append(random.randint(-6, 6) / 2)
            else: out.append(round(random.uniform(-9, 9), random.choice([0, 1, 2, 3])))
        return np.array(out, dtype=dt)
    info = np.iinfo(dt)
    lo, hi = (int(info.min), int(info.max)) if full else (max(int(info.min), -20), min(int(info.max), 20))
    return np.array([random.randint(lo, hi) for _ in range(size)], dtype=dt)

def shape_of(maxnd=4, maxn=6, minnd=1):
    nd = random.randint(minnd, maxnd)
    if nd <= 2 and random.random() < 0.3: maxn = 12  # up to 12 per axis where the size stays small
    return [random.randint(1, maxn) if random.random() > 0.05 else random.randint(0, 2) for _ in range(nd)]

def arr(dt=None, shape=None, **kw):
    dt = dt or random.choice(DT); shape = shape if shape is not None else shape_of()
    return data(dt, int(np.prod(shape)), **kw).reshape(shape)

def xcase(x):
    return {'x': enc(x), 'chunks': [chunks_for(n) for n in x.shape]}

def rand_slice(n):
    st = random.choice([None, 1, 1, 2, 3, -1, -1, -2, -3])
    b = lambda: None if random.random() < 0.3 else random.randint(-n - 1, n + 1)
    return [b(), b(), st]

def py_index(items):
    return tuple(slice(*it['s']) if 's' in it else it['i'] if 'i' in it else np.array(it['l'], dtype=np.intp) for it in items)

def scalar_value(dt):
    """A JS-sendable scalar NumPy casts as tessera's weak scalar: in range for integer arrays."""
    if dt == 'bool': return random.choice([0, 1])
    if dt.startswith('float'): return random.choice([random.randint(-9, 9) / 2, 1e300 if dt == 'float32' else 2.5, float('nan'), float('-inf')])
    info = np.iinfo(dt)
    return random.choice([int(info.min), int(info.max), random.randint(max(int(info.min), -9), 9), random.randint(0, 9) + 0.75 if dt[0] == 'i' else random.randint(0, 9) + 0.5])

def jsval(v):
    if isinstance(v, float):
        if v != v: return 'nan'
        if v in (float('inf'), float('-inf')): return 'inf' if v > 0 else '-inf'
        return v
    return str(v)  # an integer: a bigint on the JS side

def gen_set():
    x = arr(); nd = x.ndim
    items = []
    mode = random.random()
    axis_list = random.randrange(nd) if mode < 0.35 else -1
    for ax in range(nd if random.random() < 0.7 else random.randint(1, nd)):  # x.set([], v) is the empty int list (x[[]]), not x[()]
        n = x.shape[ax]
        if ax == axis_list and n > 0:
            items.append({'l': [random.randint(-n, n - 1) for _ in range(random.randint(1, 4))]})
        elif random.random() < 0.25 and n > 0: items.append({'i': random.randint(-n, n - 1)})
        else: items.append({'s': rand_slice(n)})
    y = x.copy(); idx = py_index(items)
    try: sub = y[idx]
    except Exception as e: return {'kind': 'set', **xcase(x), 'items': items, 'value': {'scalar': '0'}, 'expect': {'error': str(e)}}
    if random.random() < 0.5:
        v = scalar_value(str(x.dtype)); val = {'scalar': jsval(v)}
    else:
        vs = list(np.shape(sub)); k = random.randint(0, len(vs)); vs = vs[k:]
        vs = [1 if random.random() < 0.3 else s for s in vs]
        vdt = random.choice(DT) if random.random() < 0.5 else str(x.dtype)
        # NumPy defines the float -> int cast only in range: keep values so (no NaN into ints)
        v = arr(vdt, vs, special=not (x.dtype.kind in 'iub' and vdt.startswith('float')))
        if x.dtype.kind == 'u' and v.dtype.kind == 'f': v = np.abs(v)
        val = {'array': enc(v), 'chunks': [chunks_for(n) for n in v.shape]}
    try:
        y[idx] = v; exp = enc(y)
    except Exception as e: exp = {'error': str(e)}
    return {'kind': 'set', **xcase(x), 'items': items, 'value': val, 'expect': exp}

def gen_set_mask():
    x = arr(); m = arr('bool', list(x.shape))
    v = scalar_value(str(x.dtype)); y = x.copy(); y[m] = v
    return {'kind': 'setmask', **xcase(x), 'm': enc(m), 'mchunks': [chunks_for(n) for n in x.shape], 'value': {'scalar': jsval(v)}, 'expect': enc(y)}

def gen_mask():
    x = arr(); m = arr('bool', list(x.shape))
    return {'kind': 'mask', **xcase(x), 'm': enc(m), 'mchunks': [chunks_for(n) for n in x.shape], 'expect': enc(x[m])}

def gen_take():
    x = arr(); nd = x.ndim
    axis = random.choice([None] + list(range(-nd, nd)))
    n = x.size if axis is None else x.shape[axis]
    idx = [random.randint(-n, n - 1) for _ in range(random.randint(0, 5))] if n else []
    # out of range: an error (not on an empty array: NumPy checks an index only when its loop over
    # the axes before `axis` runs, tessera's JS lists always and its index arrays when computed)
    if random.random() < 0.1 and x.size: idx.append(n + random.randint(0, 2))
    form = random.choice(['list', 'nd'])
    idt = random.choice(['int32', 'int64', 'int16'])
    try: exp = enc(np.take(x, np.array(idx, dtype=np.intp), axis=axis))
    except Exception as e: exp = {'error': str(e)}
    return {'kind': 'take', **xcase(x), 'idx': idx, 'idt': idt, 'form': form, 'axis': axis, 'expect': exp}

def gen_getlist():
    x = arr(); nd = x.ndim; ax = random.randrange(nd); n = x.shape[ax]
    if n == 0: return None
    idx = [random.randint(-n, n - 1) for _ in range(random.randint(1, 5))]
    # the list as a JS list, or as an int NDArray (its chunks: Dask's output chunks are then the index's);
    # JS lists may come with integers and slices on the other axes (NumPy puts the list's axis first
    # when an integer is not adjacent to it)
    nd_idx = random.random() < 0.4
    other = lambda k: {'s': [None, None, None]} if nd_idx or random.random() < 0.5 else {'i': random.randint(-x.shape[k], x.shape[k] - 1)} if x.shape[k] and random.random() < 0.5 else {'s': rand_slice(x.shape[k])}
    items = [other(k) for k in range(ax)] + [{'l': idx}] + ([] if nd_idx else [other(k) for k in range(ax + 1, random.randint(ax + 1, nd))])
    d = da.from_array(x, chunks=tuple(tuple(chunks_for(s)) for s in x.shape))
    ichunks = chunks_for(len(idx))
    dx = (lambda: d[tuple([slice(None)] * ax + [da.from_array(np.array(idx), chunks=(tuple(ichunks),))])]) if nd_idx else (lambda: d[py_index(items)])
    return {'kind': 'getlist', 'ndIndex': nd_idx, 'ichunks': ichunks, 'x': enc(x), 'chunks': dchunks(d), 'items': items, **both(lambda: x[py_index(items)], dx)}

def bshapes(k):
    base = shape_of(3, 4)
    out = []
    for _ in range(k):
        s = base[random.randint(0, len(base)):]
        out.append([1 if random.random() < 0.3 else v for v in s])
    return out

def nep50(*arrays):
    """NumPy 2's result dtype (NEP 50: a 0-d array is not weak, unlike 1.24's value-based casting)."""
    return np.result_type(*[np.empty(1, a.dtype) for a in arrays])

def gen_where():
    s = bshapes(3)
    c = arr('bool', s[0]); a = arr(shape=s[1]); b = arr(shape=s[2])
    return {'kind': 'where', 'c': {**xcase(c)}, 'a': xcase(a), 'b': xcase(b), 'expect': enc(np.where(c, a.astype(nep50(a, b)), b.astype(nep50(a, b))))}

def weak_dtype(dt, v):
    """NEP 50: a Python scalar's dtype next to an array of dt (int into int/float keeps dt, float into int is float64, into bool int64/float64)."""
    k = np.dtype(dt).kind
    if isinstance(v, float): return dt if k == 'f' else 'float64'
    return dt if k in 'iuf' else 'int64'

def gen_where_scalar():
    s = bshapes(2)
    c = arr('bool', s[0]); a = arr(shape=s[1])
    dt = str(a.dtype)
    if dt == 'bool' or random.random() < 0.4: v = random.choice([2.5, -0.5, 7.0, float('nan')])
    else:
        info = np.iinfo(dt) if a.dtype.kind in 'iu' else None
        v = random.randint(max(int(info.min), -9), min(int(info.max), 9)) if info else random.choice([3, -4])
    if isinstance(v, float) and v == v and v == int(v): v += 0.25  # a JS number 7.0 is an integer
    rdt = weak_dtype(dt, v)
    flip = random.random() < 0.5
    sv = np.array(v, dtype=rdt)
    exp = np.where(c, sv, a.astype(rdt)) if flip else np.where(c, a.astype(rdt), sv)
    return {'kind': 'wheres', 'c': xcase(c), 'a': xcase(a), 'scalar': jsval(v), 'flip': flip, 'expect': enc(exp)}

def gen_clip():
    x = arr(random.choice(DT[1:]))
    def bound():
        r = random.random()
        if r < 0.2: return None, None
        if r < 0.6:
            if x.dtype.kind == 'f': v = random.randint(-10, 10) / 2
            else:
                info = np.iinfo(x.dtype); v = random.randint(max(int(info.min), -12), min(int(info.max), 12))
            return {'scalar': jsval(v)}, np.array(v, dtype=x.dtype)  # NEP 50: a weak scalar takes x's dtype
        s = list(x.shape)[random.randint(0, x.ndim):]
        b = arr(random.choice([str(x.dtype), random.choice(DT[1:])]), s, special=False)
        return {'array': enc(b), 'chunks': [chunks_for(n) for n in b.shape]}, b
    (lo, lov), (hi, hiv) = bound(), bound()
    if lo is None and hi is None: return None
    dt = nep50(*[v for v in (x, lov, hiv) if v is not None])
    try: exp = enc(np.clip(x.astype(dt), None if lov is None else lov.astype(dt), None if hiv is None else hiv.astype(dt)))
    except Exception as e: exp = {'error': str(e)}
    return {'kind': 'clip', **xcase(x), 'lo': lo, 'hi': hi, 'expect': exp}

def gen_round():
    dt = random.choice(DT[1:]); d = random.randint(-2, 3)
    shape = shape_of(3, 5)
    if dt.startswith('float'):
        x = np.array([random.randint(-400, 400) / 2 * 10.0 ** (-max(d, 0)) if random.random() < 0.6 else random.uniform(-300, 300) for _ in range(int(np.prod(shape)))], dtype=dt).reshape(shape)
    else: x = arr(dt, shape, full=random.random() < 0.3)
    if dt.startswith('float') and random.random() < 0.2: x.ravel()[0:1] = np.nan
    return {'kind': 'round', **xcase(x), 'd': d, 'expect': enc(np.round(x, d))}

def gen_unary():
    op = random.choice(['floor', 'ceil', 'trunc', 'rint'])
    x = arr(random.choice(INT + ['bool'] * (op == 'rint')), full=random.random() < 0.4)
    # tessera documents NumPy 2's floor/ceil/trunc of integers and bools: the identity, same dtype
    r = x.copy() if op != 'rint' else getattr(np, op)(x)
    return {'kind': 'unary', 'op': op, **xcase(x), 'expect': enc(r)}

def gen_astype():
    src, dst = random.choice(DT), random.choice(DT)
    shape = shape_of(3, 5); n = int(np.prod(shape))
    if src.startswith('float') and dst[0] in 'iu':
        info = np.iinfo(dst)
        lo, hi = (0 if dst[0] == 'u' else max(float(info.min), -2.0 ** 62)), min(float(info.max), 2.0 ** 62)
        def one():
            r = random.random()
            if r < 0.08: return random.choice([float('nan'), float('inf'), float('-inf')])  # tessera documents NumPy's x86 answer
            if r < 0.3: return float(random.randint(int(max(lo, -30)), int(min(hi, 30)))) + random.choice([0, 0.25, 0.5, 0.75]) * (1 if dst[0] == 'u' else random.choice([1, -1]))
            return random.uniform(lo, hi) if hi - lo < 2 ** 30 else random.uniform(max(lo, -1e6), 1e6) * random.choice([1, 1e6 if hi > 1e13 else 1])
        vals = [one() for _ in range(n)]
        # NumPy 1.24 casts NaN and -inf to uint32 as 2^31 in its SIMD loop but 0 in the scalar tail
        # (np.full(3, np.nan).astype('uint32') is 0, np.full(4, ...) 2^31): undefined, left out
        if dst == 'uint32': vals = [0.0 if v != v or v == float('-inf') else v for v in vals]
        vals = [v if v != v or abs(v) == float('inf') or (lo <= v <= hi and (dst[0] != 'u' or v >= 0)) else 0.0 for v in vals]
        x = np.array(vals, dtype=src).reshape(shape)
        if src == 'float32':  # float32 rounding may carry a value out of range
            x[(x > np.float32(hi)) | ((x < np.float32(lo)) & np.isfinite(x))] = 0
    else:
        x = arr(src, shape, full=random.random() < 0.6)
        if src == 'float64' and x.size and random.random() < 0.5:  # overflow, subnormals and ties of float32
            ex = [1e300, -1e300, 1e-310, 5e-324, 3.4028235677973366e38, 3.4028234663852886e38, 1.0000000596046448, 16777217.0, -2.0 ** 70]
            x.ravel()[:len(ex)] = np.array(ex)[:x.size]
        if src in ('int64', 'uint64') and x.size and random.random() < 0.5:
            ex = [2 ** 24 + 1, 2 ** 53 + 1, 2 ** 62 + 2 ** 38 + 1] if src == 'int64' else [2 ** 64 - 1, 2 ** 63 + 2 ** 39 + 1, 2 ** 24 + 3]
            x.ravel()[:len(ex)] = np.array(ex, dtype=src)[:x.size]
    return {'kind': 'astype', **xcase(x), 'dst': dst, 'expect': enc(x.astype(dst))}

def dchunks(d): return [list(map(int, c)) for c in d.chunks]

def both(numpy_fn, dask_fn):
    """NumPy's values (or its error) and Dask's chunks (None and Dask's error when Dask raises)."""
    try: exp = enc(numpy_fn())
    except Exception as e: return {'expect': {'error': str(e)}, 'expectChunks': None}
    try:
        r = dask_fn(); v = r.compute()
        if tuple(r.shape) != np.shape(v): return {'expect': exp, 'expectChunks': None, 'daskError': f'Dask\'s shape {r.shape} is not its computed {np.shape(v)}'}
        if enc(v) != exp: return {'expect': exp, 'expectChunks': None, 'daskError': f'Dask computes shape {list(np.shape(v))} {enc(v)["values"][:8]}, not NumPy\'s'}
        return {'expect': exp, 'expectChunks': dchunks(r)}
    except Exception as e: return {'expect': exp, 'expectChunks': None, 'daskError': type(e).__name__ + ': ' + next((l.strip() for l in str(e).splitlines() if l.strip()), '')}

def gen_rechunk():
    x = arr(random.choice(DT), shape_of(3, 8)); nd = x.ndim
    chunks = [chunks_for(n) for n in x.shape]
    form = random.choice(['dict', 'list', 'auto', 'int'])
    def entry(k):
        r = random.random()
        if r < 0.2: return -1
        if r < 0.35: return None
        if r < 0.5: return 'auto'
        if r < 0.75: return random.randint(1, max(1, x.shape[k]))
        return chunks_for(x.shape[k])
    limit = random.choice([8, 16, 32, 64, 100])
    if form == 'dict': spec = {str(k - nd if random.random() < 0.3 else k): entry(k) for k in random.sample(range(nd), random.randint(1, nd))}
    elif form == 'list': spec = [entry(k) for k in range(nd)]
    elif form == 'auto': spec = 'auto'
    else: spec = random.randint(1, 5)
    tup = lambda v: tuple(v) if isinstance(v, list) else v
    pyspec = {int(k): tup(v) for k, v in spec.items()} if isinstance(spec, dict) else tuple(tuple(v) if isinstance(v, list) else v for v in spec) if isinstance(spec, list) else spec
    with dask.config.set({'array.chunk-size': f'{limit}B'}):
        d = da.from_array(x, chunks=tuple(map(tuple, chunks)))
        r = both(lambda: x, lambda: d.rechunk(pyspec))
    return {'kind': 'rechunk', 'x': enc(x), 'chunks': chunks, 'spec': spec, 'limit': limit, **r}

def factor_shape(n):
    out = []
    while n > 1 and len(out) < 3:
        ds = [d for d in range(2, n + 1) if n % d == 0]
        d = random.choice(ds); out.append(d); n //= d
    if n > 1: out.append(n)
    random.shuffle(out)
    if random.random() < 0.3: out.insert(random.randint(0, len(out)), 1)
    return out or [1]

def gen_reshape():
    x = arr(random.choice(DT), shape_of(3, 6))
    if x.size == 0: return None
    new = factor_shape(x.size)
    if random.random() < 0.3: new[random.randrange(len(new))] = -1
    chunks = [chunks_for(n) for n in x.shape]
    d = da.from_array(x, chunks=tuple(map(tuple, chunks)))
    return {'kind': 'reshape', 'x': enc(x), 'chunks': chunks, 'new': new, **both(lambda: x.reshape(new), lambda: d.reshape(new))}

def gen_join():
    op = random.choice(['concatenate', 'stack'])
    base = shape_of(3, 5); nd = len(base)
    k = random.randint(1, 3); axis = random.randint(-nd, nd - 1) if op == 'concatenate' else random.randint(-nd - 1, nd)
    xs = []
    for _ in range(k):
        s = list(base)
        if op == 'concatenate': s[axis] = random.randint(0, 4)
        xs.append(arr(random.choice(DT), s))
    ds = [da.from_array(a, chunks=tuple(tuple(chunks_for(n)) for n in a.shape)) for a in xs]
    return {'kind': 'join', 'op': op, 'axis': axis, 'xs': [{'x': enc(a), 'chunks': dchunks(d)} for a, d in zip(xs, ds)], **both(lambda: getattr(np, op)(xs, axis=axis), lambda: getattr(da, op)(ds, axis=axis))}

def gen_slice():
    x = arr(random.choice(DT), shape_of(4, 10))
    items = []
    for ax in range(random.randint(0, x.ndim)):
        n = x.shape[ax]
        if random.random() < 0.2 and n: items.append({'i': random.randint(-n, n - 1)})
        else: items.append({'s': rand_slice(n)})
    chunks = [chunks_for(n) for n in x.shape]
    d = da.from_array(x, chunks=tuple(map(tuple, chunks)))
    return {'kind': 'slice', 'x': enc(x), 'chunks': chunks, 'items': items, **both(lambda: x[py_index(items)], lambda: d[py_index(items)])}

def gen_compose():
    x = arr(random.choice(DT), shape_of(3, 5)); y = x; steps = []
    for _ in range(random.randint(1, 3)):
        nd = y.ndim; op = random.choice(['transpose', 'moveaxis', 'swapaxes', 'broadcastTo', 'squeeze', 'expandDims'])
        if op == 'transpose': p = list(range(nd)); random.shuffle(p); st = [op, p]; y = np.transpose(y, p)
        elif op == 'moveaxis' and nd: s, t_ = random.randint(-nd, nd - 1), random.randint(-nd, nd - 1); st = [op, s, t_]; y = np.moveaxis(y, s, t_)
        elif op == 'swapaxes' and nd: s, t_ = random.randint(-nd, nd - 1), random.randint(-nd, nd - 1); st = [op, s, t_]; y = np.swapaxes(y, s, t_)
        elif op == 'broadcastTo' and nd < 4: sh = [random.randint(1, 3)] * random.randint(0, 1) + [random.choice([1, 2, 3]) if v == 1 else v for v in y.shape]; st = [op, sh]; y = np.broadcast_to(y, sh)
        elif op == 'squeeze': st = [op]; y = np.squeeze(y)
        elif op == 'expandDims' and nd < 4: a = random.randint(-nd - 1, nd); st = [op, a]; y = np.expand_dims(y, a)
        else: continue
        steps.append(st)
    red = random.choice(['sum', 'max', 'min', 'any', 'prod', 'mean', 'argmax', 'cumsum', 'none'])
    axis = random.randint(-y.ndim, y.ndim - 1) if y.ndim and random.random() < 0.7 else None
    if red in ('argmax', 'cumsum') and axis is None: red = 'sum'
    if red == 'argmax' and y.shape[axis] == 0: red = 'sum'
    if red in ('max', 'min') and (y.size == 0 or (axis is not None and y.shape[axis] == 0)): red = 'sum'
    r = y if red == 'none' else getattr(np, red)(y, axis=axis)
    return {'kind': 'compose', **xcase(x), 'steps': steps, 'red': red, 'axis': axis, 'expect': enc(r)}

GENS = [gen_set, gen_set, gen_set_mask, gen_mask, gen_take, gen_getlist, gen_where, gen_where_scalar, gen_clip, gen_round, gen_unary, gen_astype, gen_astype,
        gen_rechunk, gen_reshape, gen_join, gen_slice, gen_compose]
cases = []
while len(cases) < int(sys.argv[2]):
    c = random.choice(GENS)()
    if c is not None: cases.append(c)
json.dump(cases, open('cases13.json', 'w'))
print(len(cases))
