"""gen16: linalg (norm, cholesky, lu, solve, solveTriangular, inv, lstsq, qr, svd) against NumPy 1.24 /
SciPy, with dask.array.linalg's result chunks; and user block functions (mapBlocks, blockwise,
mapOverlap, reduction) against Dask 2022.12's map_blocks / blockwise / map_overlap / reduction
(.chunks and computed values) and NumPy over the whole array where the function allows it.
Usage: /usr/bin/python3 gen16.py SEED N [OUT]  (writes cases16.json for run16.mts)."""
import json, random, sys, warnings
import numpy as np
import scipy.linalg as sla
import dask
import dask.array as da
from dask.array.overlap import ensure_minimum_chunksize
from common import enc, chunks_for

warnings.filterwarnings('ignore')
dask.config.set(scheduler='synchronous')
random.seed(int(sys.argv[1])); np.random.seed(int(sys.argv[1]))
NONFINITE = float(__import__('os').environ.get('NONFINITE', '0.06'))
EPS = {'float32': float(np.finfo(np.float32).eps), 'float64': float(np.finfo(np.float64).eps)}


def err(e):
    return {'error': type(e).__name__ + ': ' + str(e).split('\n')[0][:200]}


def chunks_of(x):
    return [list(map(int, c)) for c in x.chunks]


def mat(shape, dt, kind='any'):
    n = int(np.prod(shape))
    if dt in ('int32', 'int64') or (kind == 'int'):
        v = np.array([random.randint(-4, 4) for _ in range(n)], dtype='float64')
    elif random.random() < 0.3:
        v = np.array([random.randint(-4, 4) for _ in range(n)], dtype='float64')
    else:
        v = np.round(np.random.standard_normal(n), random.choice([1, 3, 17]))
    if dt.startswith('float') and n and random.random() < NONFINITE:  # a NaN or an infinity somewhere
        v[random.randrange(n)] = random.choice([np.nan, np.inf, -np.inf])
    return v.reshape(shape).astype(dt)


def result_dtype(*dts):
    """NumPy linalg's result dtype: float32 if every input is float32, else float64."""
    return 'float32' if all(d == 'float32' for d in dts) else 'float64'


def dask_try(f):
    try:
        return f()
    except Exception as e:
        return err(e)


def cond_of(a):
    with np.errstate(all='ignore'):
        try:
            c = float(np.linalg.cond(a.astype('float64')))
        except Exception:
            return 1e300
    return c if np.isfinite(c) else 1e300


# --------------------------------------------------------------------------------------------- linalg
LDT = ['float64', 'float64', 'float32', 'int32', 'int64']


def gen_norm(c):
    nd = random.choice([1, 1, 2, 2, 2, 3])
    shape = [random.randint(1, 5) for _ in range(nd)]
    if random.random() < 0.1: shape[random.randrange(nd)] = 0
    dt = random.choice(LDT + ['bool'])
    a = mat(shape, 'float64').astype(dt) if dt != 'bool' else (np.random.random(shape) < 0.5)
    form = random.choice(['none', 'int', 'int', 'pair', 'pair'])
    axis = None
    if form == 'int': axis = random.randint(-nd, nd - 1)
    elif form == 'pair' and nd >= 2:
        p = random.sample(range(nd), 2); axis = [q - nd if random.random() < 0.3 else q for q in p]
    vec = axis is not None and not isinstance(axis, list) or (axis is None and nd == 1)
    ords = [None, 'fro', 'nuc', np.inf, -np.inf, 1, -1, 2, -2, 0, 3, 0.5, -0.5, 1.5]
    ord_ = random.choice(ords)
    keep = random.random() < 0.4
    c.update(kind='norm', a=enc(a), chunks=[chunks_for(s) for s in shape], axis=axis, keepdims=keep,
             ord=None if ord_ is None else ('inf' if ord_ == np.inf else '-inf' if ord_ == -np.inf else ord_))
    try:
        with np.errstate(all='ignore'):
            r = np.linalg.norm(a, ord=ord_, axis=None if axis is None else (axis if isinstance(axis, int) else tuple(axis)), keepdims=keep)
        c['expect'] = enc(np.asarray(r))
        # SVD ords: tolerance of the singular values (Jacobi against LAPACK)
        c['tol'] = 1e-13 if ord_ not in (2, -2, 'nuc') or vec else 1e-10
        if a.dtype == np.float32: c['tol'] = 1e-5
    except Exception as e:
        c['expect'] = err(e)
    x = da.from_array(a, chunks=tuple(tuple(ch) for ch in c['chunks']))
    def dn():
        y = da.linalg.norm(x, ord=ord_, axis=None if axis is None else (axis if isinstance(axis, int) else tuple(axis)), keepdims=keep)
        return {'chunks': chunks_of(y), 'shape': list(y.shape)}
    c['dask'] = dask_try(dn)


def spd(n, dt):
    b = mat([n, n], 'float64')
    a = b @ b.T + (n * 0.5 + random.choice([0, 0.1, 1])) * np.eye(n)
    if dt in ('int32', 'int64'): a = np.round(a)
    return a.astype(dt)


def square(n, dt, singular_p=0.15):
    a = mat([n, n], dt)
    if n > 1 and random.random() < singular_p:  # an exactly singular one: a repeated (scaled) row
        i, j = random.sample(range(n), 2)
        a[i] = a[j] * random.choice([1, 2, -1])
    return a


def gen_chol(c):
    n = random.randint(1, 5); dt = random.choice(LDT)
    a = spd(n, dt) if random.random() < 0.8 else (mat([n, n], dt) if random.random() < 0.5 else mat([n, n + 1], dt))
    if a.shape[0] == a.shape[1] and random.random() < 0.5: a = ((a + a.T) / 2).astype(dt) if dt.startswith('float') else a
    lower = random.choice([True, False, None])
    c.update(kind='cholesky', a=enc(a), chunks=[chunks_for(s) for s in a.shape], lower=lower, cond=cond_of(a) if a.shape[0] == a.shape[1] else 1e300)
    try:
        l = np.linalg.cholesky(a)
        # NumPy reads the lower triangle only: tessera must too (or refuse an asymmetric a)
        c['expect'] = enc(l if lower is not False else l.T.conj())
        c['symmetric'] = bool(np.array_equal(a, a.T))
    except Exception as e:
        c['expect'] = err(e)
    c['rdtype'] = result_dtype(str(a.dtype))
    x = da.from_array(a, chunks=a.shape)
    c['dask'] = dask_try(lambda: {'chunks': chunks_of(da.linalg.cholesky(x, lower=lower is not False))})


def gen_lu(c):
    n = random.randint(1, 5); dt = random.choice(LDT)
    a = square(n, dt) if random.random() < 0.9 else mat([n, n + 1], dt)
    c.update(kind='lu', a=enc(a), chunks=[chunks_for(s) for s in a.shape])
    try:
        p, l, u = sla.lu(a)
        c['expect'] = {'p': enc(p), 'l': enc(l), 'u': enc(u)}
    except Exception as e:
        c['expect'] = err(e)
    c['rdtype'] = result_dtype(str(a.dtype))
    x = da.from_array(a, chunks=a.shape)
    c['dask'] = dask_try(lambda: {'chunks': [chunks_of(y) for y in da.linalg.lu(x)]})


def gen_solve(c, kind):
    n = random.randint(1, 5); dta = random.choice(LDT); dtb = random.choice(LDT)
    a = square(n, dta)
    if kind == 'solveTriangular':
        lower = random.choice([True, False, None])
        if random.random() < 0.2: a[random.randrange(n), :] = 0  # a zero on the diagonal (and around)
        # the unread triangle holds garbage: only one triangle may be read
    bshape = random.choice([[n], [n, random.randint(1, 3)]])
    if random.random() < 0.05: bshape = [n + 1]
    b = mat(bshape, dtb)
    c.update(kind=kind, a=enc(a), b=enc(b), chunks=[chunks_for(s) for s in a.shape], bchunks=[chunks_for(s) for s in b.shape])
    try:
        if kind == 'solve': x = np.linalg.solve(a, b); t = a
        else:
            c['lower'] = lower
            t = np.tril(a) if lower else np.triu(a)
            if b.shape[0] != n: raise ValueError('shapes of a and b do not match')
            if np.any(np.diag(t) == 0): raise np.linalg.LinAlgError('singular matrix: a zero on the diagonal')
            x = sla.solve_triangular(a, b, lower=bool(lower))
        c['expect'] = enc(x); c['cond'] = cond_of(t)
    except Exception as e:
        c['expect'] = err(e); c['cond'] = cond_of(a) if a.shape[0] == a.shape[1] else 1e300
    c['rdtype'] = result_dtype(str(a.dtype), str(b.dtype))
    xa = da.from_array(a, chunks=a.shape); xb = da.from_array(b, chunks=b.shape)
    if kind == 'solve': c['dask'] = dask_try(lambda: {'chunks': chunks_of(da.linalg.solve(xa, xb))})
    else: c['dask'] = dask_try(lambda: {'chunks': chunks_of(da.linalg.solve_triangular(xa, xb, lower=bool(lower)))})


def gen_inv(c):
    n = random.randint(1, 5); dt = random.choice(LDT)
    a = square(n, dt) if random.random() < 0.95 else mat([n, n + 1], dt)
    c.update(kind='inv', a=enc(a), chunks=[chunks_for(s) for s in a.shape], cond=cond_of(a) if a.shape[0] == a.shape[1] else 1e300)
    try: c['expect'] = enc(np.linalg.inv(a))
    except Exception as e: c['expect'] = err(e)
    c['rdtype'] = result_dtype(str(a.dtype))
    x = da.from_array(a, chunks=a.shape)
    c['dask'] = dask_try(lambda: {'chunks': chunks_of(da.linalg.inv(x))})


def gen_lstsq(c):
    m, n = random.randint(1, 6), random.randint(1, 4)
    dta = random.choice(LDT); dtb = random.choice(LDT)
    a = mat([m, n], dta)
    if n > 1 and random.random() < 0.2: a[:, 0] = a[:, 1]  # rank-deficient
    b = mat(random.choice([[m], [m, random.randint(1, 3)]]), dtb)
    rc = chunks_for(m)
    c.update(kind='lstsq', a=enc(a), b=enc(b), chunks=[rc, [n]], bchunks=[rc] + [[s] for s in b.shape[1:]])
    try:
        # LAPACK's gelsd can loop forever on a NaN/inf in a (seed 9): NumPy's answer there is
        # LinAlgError 'SVD did not converge' when it returns
        if not np.all(np.isfinite(a)): raise np.linalg.LinAlgError('SVD did not converge in Linear Least Squares (not called)')
        x, res, rank, s = np.linalg.lstsq(a, b, rcond=None)
        c['expect'] = {'x': enc(x), 'res': enc(res), 'rank': int(rank), 'rank_dtype': str(np.asarray(rank).dtype), 's': enc(s)}
        c['cond'] = float(s[0] / s[-1]) if len(s) and s[-1] > 0 else 1e300
        # the minimum-norm x of a rank-deficient a: conditioned by the kept singular values
        c['econd'] = float(s[0] / s[int(rank) - 1]) if int(rank) > 0 else 1.0
    except Exception as e:
        c['expect'] = err(e)
    c['rdtype'] = result_dtype(str(a.dtype), str(b.dtype))
    # Dask's lstsq (a QR) needs a tall-and-skinny chunking
    xa = da.from_array(a, chunks=tuple(tuple(ch) for ch in c['chunks'])); xb = da.from_array(b, chunks=tuple(tuple(ch) for ch in c['bchunks']))
    c['dask'] = dask_try(lambda: {'chunks': [chunks_of(y) for y in da.linalg.lstsq(xa, xb)]})


def gen_qr_svd(c, kind):
    dt = random.choice(LDT)
    shape_kind = random.choice(['tall', 'tall', 'tall', 'square', 'fat', 'thin-blocks'])
    n = random.randint(1, 4)
    if shape_kind == 'tall':
        nb = random.randint(1, 4); rows = [random.randint(n, n + 4) for _ in range(nb)]
    elif shape_kind == 'square':
        rows = [n]
    elif shape_kind == 'fat':
        rows = [random.randint(1, max(1, n - 1))]; n = rows[0] + random.randint(1, 3)
    else:  # a block shorter than the width
        n = random.randint(2, 4); rows = [random.randint(n, n + 3), random.randint(1, n - 1), random.randint(n, n + 2)]
    m = sum(rows)
    a = mat([m, n], dt)
    if n > 1 and random.random() < 0.15: a[:, -1] = a[:, 0]  # rank-deficient
    colchunks = chunks_for(n) if (shape_kind == 'fat' and random.random() < 0.6) or random.random() < 0.1 else [n]
    c.update(kind=kind, a=enc(a), chunks=[rows, colchunks], shape_kind=shape_kind)
    try:
        sv = np.linalg.svd(a.astype('float64'), compute_uv=False)
        c['cond'] = float(sv[0] / sv[-1]) if len(sv) and sv[-1] > 0 else 1e300
    except Exception:  # LinAlgError, or LAPACK's DLASCL ValueError on infinities
        c['cond'] = 1e300
    try:
        if kind == 'qr':
            q, r = np.linalg.qr(a)
            c['expect'] = {'q': {'dtype': str(q.dtype), 'shape': list(q.shape)}, 'r': {'dtype': str(r.dtype), 'shape': list(r.shape)}, 'rdiag': enc(np.abs(np.diag(r)))}
        else:
            u, s, vh = np.linalg.svd(a, full_matrices=False)
            c['expect'] = {'u': {'dtype': str(u.dtype), 'shape': list(u.shape)}, 's': enc(s), 'v': {'dtype': str(vh.dtype), 'shape': list(vh.shape)}}
    except Exception as e:
        c['expect'] = err(e)
    x = da.from_array(a, chunks=tuple(tuple(ch) for ch in c['chunks']))
    def dq():
        ys = da.linalg.qr(x) if kind == 'qr' else da.linalg.svd(x)
        vals = dask.compute(*ys)
        out = {'chunks': [chunks_of(y) for y in ys], 'shapes': [list(v.shape) for v in vals]}
        if kind == 'svd': out['s'] = enc(vals[1])
        else: out['rdiag'] = enc(np.abs(np.diag(vals[1])))
        return out
    c['dask'] = dask_try(dq)


# --------------------------------------------------------------------------------------------- blocks
BDT = ['float64', 'float64', 'float64', 'float32', 'float32', 'int32', 'int64', 'int16']
FLOAT = lambda dt: dt if dt in ('float32', 'float64') else 'float64'


def barr(shape, dt):
    n = int(np.prod(shape))
    if random.random() < 0.6: v = np.array([random.randint(-9, 9) for _ in range(n)], dtype='float64')
    else: v = np.round(np.random.standard_normal(n), 3)
    return v.reshape(shape).astype(dt)


def loc_sum(bi):
    return sum(bi[None]['chunk-location'])


PY = {
    'affine1': lambda x, block_info=None: 2 * x + loc_sum(block_info),
    'affine2': lambda x, y, block_info=None: 2 * x + y + block_info[None]['chunk-location'][0],
    'cumsumLast': lambda x: np.cumsum(x, axis=-1),
    'sum0': lambda x: x.sum(axis=0), 'sum1': lambda x: x.sum(axis=1), 'sum2': lambda x: x.sum(axis=2),
    'firstRow': lambda x: x[:1],
    'matmul': lambda a, b: a @ b,
    'matmulList': lambda As, Bs: sum(p @ q for p, q in zip(As, Bs)),
    'addT': lambda a, b: a + b.T,
    'outer': lambda a, b: a[:, None] * b[None, :],
    'repeat3': lambda x: x[..., None] * np.array([1., 2., 3.]),
    'rowSum': lambda x: x.sum(axis=1),
    'transpose': lambda a: a.T,
    'addT3': lambda a, b, c: a + b.T + c[None, :],
    'tag': lambda x, block_info=None: 10 * x + loc_sum(block_info),
}


def stencil_np(x):
    out = x.astype('float64').copy()
    for k in range(x.ndim):
        if x.shape[k] < 2: continue
        lo = [slice(None)] * x.ndim; hi = [slice(None)] * x.ndim
        lo[k] = slice(1, None); hi[k] = slice(None, -1)
        out[tuple(lo)] += x[tuple(hi)]; out[tuple(hi)] += x[tuple(lo)]
    return out.astype(x.dtype)


def box_np(x):
    """The sum over each element's 3^ndim neighbourhood inside the block (corners of halos matter)."""
    p = np.pad(x.astype('float64'), 1)
    out = np.zeros(x.shape)
    for sh in np.ndindex(*([3] * x.ndim)):
        out += p[tuple(slice(k, k + n) for k, n in zip(sh, x.shape))]
    return out.astype(x.dtype)


def refine(lists):
    cuts = sorted(set(int(b) for l in lists for b in np.cumsum((0,) + tuple(l))))
    return [b - a for a, b in zip(cuts, cuts[1:])] or [0]


def dvals(y, dt):
    v = np.asarray(y.compute())
    return enc(v.astype(dt) if v.dtype != np.dtype(dt) else v)


def gen_mapblocks(c):
    nd = random.randint(1, 3)
    shape = [random.randint(1, 6) for _ in range(nd)]
    dt = random.choice(BDT)
    x = barr(shape, dt); ch = [chunks_for(s) for s in shape]
    X = da.from_array(x, chunks=tuple(map(tuple, ch)))
    form = random.choice(['affine1', 'affine2', 'cumsumLast', 'drop', 'newaxis', 'chunks', 'dtype', 'broadcast'])
    c.update(kind='mapBlocks', form=form, x=enc(x), chunks=ch, opts={})
    outdt = FLOAT(dt)
    if outdt != dt: c['opts']['dtype'] = outdt
    if form == 'affine1': fn = 'affine1'; args = [X]
    elif form in ('affine2', 'broadcast'):
        fn = 'affine2' if form == 'affine2' else 'affineB'
        yshape = shape if form == 'affine2' else [1 if random.random() < 0.5 else s for s in shape][random.randint(0, nd - 1):]
        if form == 'broadcast' and yshape == shape: form = c['form'] = 'affine2'; fn = 'affine2'
        y = barr(yshape, random.choice(BDT)); ych = [chunks_for(s) for s in yshape]
        c.update(y=enc(y), ychunks=ych); args = [X, da.from_array(y, chunks=tuple(map(tuple, ych)))]
    elif form == 'cumsumLast': fn = 'cumsumLast'; args = [X]
    elif form == 'drop':
        ax = random.randrange(nd); fn = 'sum%d' % ax; args = [X]
        c['opts']['dropAxis'] = ax if random.random() < 0.5 else ax - nd
    elif form == 'newaxis':
        fn = 'plus1'; args = [X]; ax = random.randint(0, nd); c['opts']['newAxis'] = ax
    elif form == 'chunks':
        fn = 'firstRow'; args = [X]
        c['opts']['chunks'] = [[1] * len(ch[0])] + [list(cc) for cc in ch[1:]]
    else:
        fn = 'affine1'; args = [X]; outdt = 'float64' if dt == 'float32' else 'float32'; c['opts']['dtype'] = outdt
    c['fn'] = fn
    kw = {}
    if fn == 'plus1': f = lambda b: (b + 1)[(slice(None),) * c['opts']['newAxis'] + (None,)]; kw['new_axis'] = c['opts']['newAxis']
    else: f = PY['affine2' if fn == 'affineB' else fn]
    if 'dropAxis' in c['opts']: kw['drop_axis'] = c['opts']['dropAxis']
    if 'chunks' in c['opts']: kw['chunks'] = tuple(map(tuple, c['opts']['chunks']))
    kw['dtype'] = outdt
    # numpy over the whole array (where the function does not see the chunking)
    whole = None
    if fn == 'cumsumLast' and len(ch[-1]) == 1: whole = np.cumsum(x, axis=-1)
    if fn.startswith('sum'): whole = x.sum(axis=int(fn[3]))
    if fn in ('affine1', 'affine2', 'affineB', 'cumsumLast'):
        # the blocks of the common refinement of the arrays spanning each axis (Dask's
        # unify_chunks; a broadcast length-1 or missing axis of y is its one block), one call each
        ins = [x] + ([y] if fn in ('affine2', 'affineB') else [])
        span = lambda v, k: k - (nd - v.ndim) >= 0 and v.shape[k - (nd - v.ndim)] == x.shape[k]
        uni = [refine([a.chunks[k - (nd - a.ndim)] for a, v in zip(args, ins) if span(v, k)]) for k in range(nd)]
        whole = np.zeros(x.shape, dtype=outdt)
        bounds = [np.cumsum([0] + u) for u in uni]
        for idx in np.ndindex(*[len(u) for u in uni]):
            sl = tuple(slice(bounds[k][i], bounds[k][i + 1]) for k, i in enumerate(idx))
            bi = {None: {'chunk-location': idx}}
            blocks = [v[tuple(sl[k + nd - v.ndim] if span(v, k + nd - v.ndim) else slice(None) for k in range(v.ndim))] for v in ins]
            whole[sl] = PY['affine2' if fn == 'affineB' else fn](*blocks, **({} if fn == 'cumsumLast' else {'block_info': bi}))
        c['wholechunks'] = uni
    if fn == 'plus1': whole = np.expand_dims(x + 1, c['opts']['newAxis'])
    if whole is not None: c['whole'] = enc(whole.astype(outdt))
    c['outdtype'] = outdt
    def run():
        y = da.map_blocks(f, *args, **kw)
        return {'chunks': chunks_of(y), 'shape': list(y.shape), 'values': dvals(y, outdt)}
    c['dask'] = dask_try(run)


def gen_blockwise(c):
    form = random.choice(['matmul', 'matmulList', 'addT', 'outer', 'repeat3', 'rowSum', 'transpose', 'addT3'])
    dt = random.choice(BDT)
    m, k, n = random.randint(1, 5), random.randint(1, 5), random.randint(1, 5)
    if form in ('matmul', 'matmulList'): shapes = [[m, k], [k, n]]; ix = ['ij', 'jk']; out = 'ik'
    elif form == 'addT': shapes = [[m, n], [n, m]]; ix = ['ij', 'ji']; out = 'ij'
    elif form == 'outer': shapes = [[m], [n]]; ix = ['i', 'j']; out = 'ij'
    elif form == 'repeat3': shapes = [[m, n]]; ix = ['ij']; out = 'ijk'
    elif form == 'transpose': shapes = [[m, n]]; ix = ['ij']; out = 'ji'
    elif form == 'addT3': shapes = [[m, n], [n, m], [n]]; ix = ['ij', 'ji', 'j']; out = 'ij'
    else: shapes = [[m, n]]; ix = ['ij']; out = 'i'
    xs = [barr(s, random.choice([dt, dt, 'float32', 'float64'])) for s in shapes]
    chs = [[chunks_for(s) for s in sh] for sh in shapes]
    concat = form in ('matmul', 'rowSum') or (form != 'matmulList' and random.random() < 0.3)
    c.update(kind='blockwise', fn=form, out=out, ix=ix, xs=[enc(v) for v in xs], chunks=chs, concatenate=concat)
    if form == 'repeat3': c['newAxes'] = {'k': 3}
    args = []
    for v, cc, i in zip(xs, chs, ix): args += [da.from_array(v, chunks=tuple(map(tuple, cc))), i]
    outdt = FLOAT(str(xs[0].dtype))
    whole = {'matmul': lambda: xs[0] @ xs[1], 'matmulList': lambda: xs[0] @ xs[1], 'addT': lambda: xs[0] + xs[1].T,
             'outer': lambda: np.outer(xs[0], xs[1]), 'transpose': lambda: xs[0].T, 'addT3': lambda: xs[0] + xs[1].T + xs[2][None, :], 'repeat3': lambda: xs[0][..., None] * np.array([1., 2., 3.]), 'rowSum': lambda: xs[0].sum(1)}[form]()
    c['whole'] = enc(whole.astype(outdt)); c['outdtype'] = outdt
    def run():
        kw = {'dtype': outdt, 'concatenate': concat}
        if form == 'repeat3': kw['new_axes'] = {'k': 3}
        y = da.blockwise(PY[form], out, *args, **kw)
        return {'chunks': chunks_of(y), 'shape': list(y.shape), 'values': dvals(y, outdt)}
    c['dask'] = dask_try(run)


MODES = ['reflect', 'periodic', 'nearest', 'none', 'const']


def sim_overlap(x, ch, dfull, bfull, f, trim, dt):
    """map_overlap in NumPy: pad x axis after axis (np.pad, a constant cast to x's dtype), cut each
    block with its halos (none beyond a 'none' edge), call f, trim, and put the blocks together."""
    nd = x.ndim
    lohi = [(d, d) if not isinstance(d, tuple) else d for d in dfull]
    npmode = {'reflect': 'symmetric', 'periodic': 'wrap', 'nearest': 'edge'}
    p = x.copy()
    for k in range(nd):
        b = bfull[k]
        if b == 'none' or lohi[k] == (0, 0): continue
        w = [(0, 0)] * nd; w[k] = lohi[k]
        p = np.pad(p, w, mode='constant', constant_values=b) if isinstance(b, (int, float)) else np.pad(p, w, mode=npmode[b])
    off = [lohi[k][0] if bfull[k] != 'none' else 0 for k in range(nd)]
    bounds = [np.cumsum([0] + list(cc)) for cc in ch]
    out_blocks = {}
    for idx in np.ndindex(*[len(cc) for cc in ch]):
        sl, keep = [], []
        for k, i in enumerate(idx):
            lo, hi = lohi[k]
            first, last = i == 0, i == len(ch[k]) - 1
            l = lo if (not first or bfull[k] != 'none') else 0
            r = hi if (not last or bfull[k] != 'none') else 0
            a0 = bounds[k][i] - l + off[k]; a1 = bounds[k][i + 1] + r + off[k]
            sl.append(slice(a0, a1)); keep.append(slice(l, l + ch[k][i]) if trim else slice(None))
        blk = p[tuple(sl)]
        bi = {None: {'chunk-location': idx}}
        try: res = f(blk, block_info=bi)
        except TypeError: res = f(blk)
        out_blocks[idx] = np.asarray(res)[tuple(keep)]
    # np.block of the nested grid
    def nest(prefix):
        if len(prefix) == nd: return out_blocks[tuple(prefix)]
        return [nest(prefix + [i]) for i in range(len(ch[len(prefix)]))]
    v = np.block(nest([])) if nd else out_blocks[()]
    chunks = [[int(out_blocks[tuple(i if q == k else 0 for q in range(nd))].shape[k]) for i in range(len(ch[k]))] for k in range(nd)]
    return {'chunks': chunks, 'shape': list(v.shape), 'values': enc(v.astype(dt))}


def gen_overlap(c):
    nd = random.randint(1, 3)
    shape = [random.randint(1, 7) for _ in range(nd)]
    dt = random.choice(BDT)
    x = barr(shape, dt); ch = [chunks_for(s) for s in shape]
    small = [min(cc) for cc in ch]
    dform = random.choice(['int', 'list', 'dict', 'tuple'])
    big = random.random() < 0.08
    dep = [random.randint(0, s + (1 if big else 0)) for s in small]
    if dform == 'int': depth = min(dep); ddask = depth
    elif dform == 'list': depth = dep; ddask = tuple(dep)
    elif dform == 'dict': depth = {str(k): d for k, d in enumerate(dep) if random.random() < 0.7}; ddask = {int(k): d for k, d in depth.items()}
    else:  # asymmetric (before, after) on some axes, Dask's tuple form; tessera's [before, after]
        pairs = [[random.randint(0, s), random.randint(0, s)] if random.random() < 0.6 else random.randint(0, s) for s in small]
        if random.random() < 0.5: depth = pairs; ddask = tuple(tuple(q) if isinstance(q, list) else q for q in pairs)
        else: depth = {str(k): q for k, q in enumerate(pairs) if random.random() < 0.8}; ddask = {int(k): tuple(q) if isinstance(q, list) else q for k, q in depth.items()}
    def mode():
        m = random.choice(MODES)
        return round(random.uniform(-5, 5), 1) if m == 'const' else m
    bform = random.choice(['one', 'one', 'dict', 'list'])
    if bform == 'one': boundary = mode(); bdask = boundary
    elif bform == 'list': boundary = [mode() for _ in range(nd)]; bdask = {k: b for k, b in enumerate(boundary)}
    else: boundary = {str(k): mode() for k in range(nd) if random.random() < 0.7}; bdask = {int(k): b for k, b in boundary.items()}
    if dform == 'tuple' and random.random() < 0.5: boundary = 'none'; bdask = 'none'
    trim = random.random() < 0.75
    fn = random.choice(['stencil', 'box']) if trim else 'tag'
    dt = FLOAT(dt)
    c.update(kind='mapOverlap', fn=fn, x=enc(x), chunks=ch, depth=depth, boundary=boundary, trim=trim, outdtype=dt)
    f = {'stencil': stencil_np, 'box': box_np, 'tag': PY['tag']}[fn]
    # Dask's missing keys: depth 0, boundary 'none'
    bfull = [bdask if not isinstance(bdask, dict) else bdask.get(k, 'none') for k in range(nd)]
    dfull = [ddask if not isinstance(ddask, dict) else ddask.get(k, 0) for k in range(nd)] if not isinstance(ddask, tuple) else list(ddask)
    if trim and dform != 'tuple' and all(d >= 1 for d in dfull) and all(b != 'none' for b in bfull):
        npmode = {'reflect': 'symmetric', 'periodic': 'wrap', 'nearest': 'edge'}
        p = x.copy()  # a constant is cast to x's dtype, as Dask's (and np.pad's) padding
        for k in range(nd):
            w = [(0, 0)] * nd; w[k] = (1, 1)
            b = bfull[k]
            p = np.pad(p, w, mode='constant', constant_values=b) if isinstance(b, float) else np.pad(p, w, mode=npmode[b])
        full = f(p)[tuple(slice(1, -1) for _ in range(nd))]
        c['whole'] = enc(full.astype(dt))
    dmax = [max(d) if isinstance(d, tuple) else d for d in dfull]
    if all(d <= n for d, n in zip(dmax, shape)):
        # chunks smaller than the depth merged first, as Dask's overlap
        ch2 = [list(ensure_minimum_chunksize(d, tuple(cc))) if d > 0 else cc for d, cc in zip(dmax, ch)]
        c['sim'] = sim_overlap(x, ch2, dfull, bfull, f, trim, dt)
    X = da.from_array(x, chunks=tuple(map(tuple, ch)))
    def run():
        y = da.map_overlap(f, X, depth=ddask, boundary=bdask, trim=trim, dtype=dt)
        v = np.asarray(y.compute())
        return {'chunks': chunks_of(y), 'shape': list(v.shape), 'values': enc(v.astype(dt))}
    c['dask'] = dask_try(run)


RED = {'sumAxes': np.sum, 'maxAxes': np.max, 'minAxes': np.min}


def gen_reduction(c):
    nd = random.randint(1, 3)
    shape = [random.randint(1, 7) for _ in range(nd)]
    dt = random.choice(BDT)
    x = barr(shape, dt); ch = [chunks_for(s) for s in shape]
    form = random.choice(['sumAxes', 'maxAxes', 'minAxes', 'countPos'])
    af = random.choice([None, 'int', 'list'])
    axis = None if af is None else (random.randint(-nd, nd - 1) if af == 'int' else sorted(random.sample(range(nd), random.randint(1, nd))))
    keep = random.random() < 0.5
    se = random.choice([None, 2, 3, 4])
    outdt = random.choice([FLOAT(dt), FLOAT(dt), 'float32' if dt == 'float64' else 'float64'])
    c.update(kind='reduction', fn=form, x=enc(x), chunks=ch, axis=axis, keepdims=keep, splitEvery=se, outdtype=outdt)
    ax = None if axis is None else (axis if isinstance(axis, int) else tuple(axis))
    if form == 'countPos':
        whole = (x > 0).sum(axis=ax, keepdims=keep)
        chunk = lambda b, axis=None, keepdims=False: (b > 0).sum(axis=axis, keepdims=keepdims).astype('float64')
        agg = np.sum
    else:
        whole = RED[form](x, axis=ax, keepdims=keep); chunk = agg = RED[form]
    c['whole'] = enc(np.asarray(whole).astype(outdt))
    X = da.from_array(x, chunks=tuple(map(tuple, ch)))
    def run():
        y = da.reduction(X, chunk, agg, axis=ax, keepdims=keep, dtype=outdt, split_every=se)
        return {'chunks': chunks_of(y), 'shape': list(y.shape), 'values': dvals(y, outdt)}
    c['dask'] = dask_try(run)


KINDS = ['norm'] * 6 + ['cholesky', 'lu', 'solve', 'solveTriangular', 'inv', 'lstsq', 'qr', 'qr', 'svd', 'svd'] + ['mapBlocks'] * 4 + ['blockwise'] * 3 + ['mapOverlap'] * 5 + ['reduction'] * 3
cases = []
for i in range(int(sys.argv[2])):
    k = random.choice(KINDS); c = {}
    if k == 'norm': gen_norm(c)
    elif k == 'cholesky': gen_chol(c)
    elif k == 'lu': gen_lu(c)
    elif k in ('solve', 'solveTriangular'): gen_solve(c, k)
    elif k == 'inv': gen_inv(c)
    elif k == 'lstsq': gen_lstsq(c)
    elif k in ('qr', 'svd'): gen_qr_svd(c, k)
    elif k == 'mapBlocks': gen_mapblocks(c)
    elif k == 'blockwise': gen_blockwise(c)
    elif k == 'mapOverlap': gen_overlap(c)
    else: gen_reduction(c)
    cases.append(c)
json.dump(cases, open(sys.argv[3] if len(sys.argv) > 3 else 'cases16.json', 'w'))
print(len(cases), 'cases')
