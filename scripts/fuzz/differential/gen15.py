"""Storage against Python's zarr 2.13 / numcodecs 0.11, NumPy 1.24 and Dask 2022.12 (Debian's):
random small arrays of every dtype (0-d, empty axes, sizes not multiples of the chunks), written
by Python as Zarr v2 stores (compressors None/Zstd/Blosc(lz4, zstd; shuffle 0-2)/GZip, order C/F,
dimension_separator '.'/'/', big-endian dtypes, fill values NaN/0/ints/None, missing chunks), .npy
(C/F order, big-endian, 0-d, empty), .npz (savez, savez_compressed) and npy stacks
(dask.array.to_npy_stack); the arrays tessera is to write (toZarr v2/v3, region, append, toNpy,
saveNpy, toNpz, toNpyStack; store/fromSource); and bad input (truncated chunk or .npy files,
object/structured/string/complex dtypes, a region of the wrong shape). Values travel as base64 of
the little-endian C-order bytes, so every comparison is bit for bit.

usage: /usr/bin/python3 gen15.py SEED N   (files under /tmp/dffuzz15/sSEED, cases15.json here)
"""
import base64, json, os, random, shutil, sys, warnings
import numpy as np
import numcodecs, zarr
import dask.array as da
from numpy.lib import format as npformat
warnings.simplefilter('ignore')
from common import chunks_for

seed = int(sys.argv[1]); N = int(sys.argv[2])
random.seed(seed); rng = np.random.default_rng(seed)
ROOT = f'/tmp/dffuzz15/s{seed}'
shutil.rmtree(ROOT, ignore_errors=True); os.makedirs(ROOT)
DTYPES = ['bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64', 'float32', 'float64']


def b64(a):
    """Little-endian C-order bytes of a (bools 0/1) as base64."""
    a = np.asarray(a)
    a = np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<')))
    return base64.b64encode(a.tobytes()).decode()


def earr(a):
    a = np.asarray(a)
    return {'dtype': str(a.dtype.newbyteorder('=')), 'shape': list(a.shape), 'b64': b64(a)}


def rshape():
    nd = random.choice([0, 1, 1, 2, 2, 2, 3, 3, 4])
    shp = [random.choice([0, 1, 2, 3, 5, 7, 8, 11]) if random.random() < 0.9 else random.randint(0, 3) for _ in range(nd)]
    while int(np.prod(shp)) > 400: shp[shp.index(max(shp))] //= 2
    return shp


def values(dtype, shape):
    n = int(np.prod(shape)) if shape else 1
    dt = np.dtype(dtype)
    if dt.kind == 'b': v = rng.random(n) < 0.5
    elif dt.kind in 'iu':
        info = np.iinfo(dt)
        mode = random.random()
        if mode < 0.4: v = rng.integers(max(info.min, -9), min(info.max, 9), n, endpoint=True)
        else: v = rng.integers(info.min, info.max, n, endpoint=True, dtype=dt)
        v = v.astype(dt)
        if n and random.random() < 0.3: v[rng.integers(0, n)] = random.choice([info.min, info.max])
    else:
        big = 1e30 if dt == np.float32 else 1e100
        v = (rng.standard_normal(n) * random.choice([1, 1e3, 1e-3, big])).astype(dt)
        if dt == np.float64 and random.random() < 0.3: v = np.round(v, random.randint(0, 3))
        specials = [np.nan, np.inf, -np.inf, -0.0, 0.0, np.finfo(dt).tiny / 4, np.finfo(dt).max, 1.0]
        for _ in range(random.choice([0, 0, 1, 3])):
            if n: v[rng.integers(0, n)] = random.choice(specials)
    return v.reshape(shape)


def rchunks(shape):
    """A store chunk shape: mostly not dividing the axis, sometimes larger than it."""
    return [random.choice([1, 2, 3, 4, max(1, n), max(1, n) + random.randint(1, 3), max(1, (n + 1) // 2)]) for n in shape]


def rslice(shape):
    """A random subscript (start:stop:step per axis, or an integer) and its text."""
    items, text = [], []
    for n in shape:
        r = random.random()
        if r < 0.2 and n > 0:
            i = random.randint(-n, n - 1); items.append(i); text.append(str(i)); continue
        if r < 0.35: items.append(slice(None)); text.append(':'); continue
        step = random.choice([1, 1, 1, 2, 3, -1, -2])
        a = random.choice([None, random.randint(-n - 1, n + 1)])
        b = random.choice([None, random.randint(-n - 1, n + 1)])
        items.append(slice(a, b, step))
        text.append(f"{'' if a is None else a}:{'' if b is None else b}{'' if step == 1 else ':' + str(step)}")
    return tuple(items), ', '.join(text)


def red(a):
    """np.sum and np.mean of the whole array: {dtype, value} (integers as strings, floats repr)."""
    out = {}
    s = np.sum(a); m = np.mean(a)
    for k, v in (('sum', s), ('mean', m)):
        v = np.asarray(v)
        out[k] = {'dtype': str(v.dtype), 'value': (str(int(v)) if v.dtype.kind in 'iub' else repr(float(v)))}
    t = float(np.nansum(np.abs(a.astype('f8'))))
    out['abssum'] = 'Infinity' if np.isinf(t) else t
    return out


def ops(a):
    """Expressions over the storage array (what src/storage/resolve.ts maps boxes through): a
    transpose, a permutation then a slice, a flip, x + flip(x), sum/max along an axis, a reshape
    that splits axis 0, astype('float64'); each with NumPy's answer."""
    out = []; nd = a.ndim
    if nd >= 2: out.append({'op': 'T', 'expect': earr(a.T)})
    if nd >= 1:
        perm = list(range(nd)); random.shuffle(perm)
        idx, text = rslice([a.shape[p] for p in perm])
        out.append({'op': 'perm', 'perm': perm, 'sub': text, 'expect': earr(np.asarray(np.transpose(a, perm)[idx]))})
        k = random.randrange(nd)
        out.append({'op': 'flip', 'axis': k, 'expect': earr(np.flip(a, k))})
        if a.dtype != bool: out.append({'op': 'flipadd', 'axis': k, 'expect': earr(a + np.flip(a, k))})
        out.append({'op': 'sumaxis', 'axis': k, 'expect': earr(np.sum(a, axis=k)), 'tol': earr(np.nansum(np.abs(a.astype('f8')), axis=k))})
        if a.shape[k]: out.append({'op': 'maxaxis', 'axis': k, 'expect': earr(np.max(a, axis=k))})
        if a.shape[0] and a.shape[0] % 2 == 0:
            sh = [2, a.shape[0] // 2] + list(a.shape[1:]); out.append({'op': 'reshape', 'shape': sh, 'expect': earr(a.reshape(sh))})
        out.append({'op': 'cumsum', 'axis': k, 'expect': earr(np.cumsum(a, axis=k)), 'tol': earr(np.nancumsum(np.abs(a.astype('f8')), axis=k))})
        if a.shape[k]: out.append({'op': 'argmax', 'axis': k, 'expect': earr(np.argmax(a, axis=k))})
        out.append({'op': 'meanaxis', 'axis': k, 'expect': earr(np.mean(a, axis=k)), 'tol': earr(np.nansum(np.abs(a.astype('f8')), axis=k) / max(1, a.shape[k]))})
        out.append({'op': 'concat', 'axis': k, 'expect': earr(np.concatenate([a, np.flip(a, k)], axis=k))})
        if a.dtype != bool:
            out.append({'op': 'bcast', 'expect': earr(a + a[..., 0:1])})
        if nd == 2 and a.shape[0] == a.shape[1] and a.dtype != bool:
            out.append({'op': 'addT', 'expect': earr(a + a.T)})
    out.append({'op': 'astype', 'expect': earr(a.astype('f8'))})
    return out


def compressor():
    c = random.choice(['none', 'zstd', 'blosc', 'blosc', 'gzip', 'lz4'])
    if c == 'none': return None, 'none'
    if c == 'lz4':
        acc = random.choice([1, 5]); return numcodecs.LZ4(acceleration=acc), f'lz4({acc})'
    if c == 'zstd':
        lv = random.choice([1, 3, 9, 19]); return numcodecs.Zstd(level=lv), f'zstd({lv})'
    if c == 'gzip':
        lv = random.choice([1, 5, 9]); return numcodecs.GZip(level=lv), f'gzip({lv})'
    cname = random.choice(['lz4', 'zstd', 'lz4hc', 'zlib']); sh = random.choice([0, 1, 2]); bs = random.choice([0, 0, 16])
    return numcodecs.Blosc(cname=cname, clevel=random.choice([1, 5, 9]), shuffle=sh, blocksize=bs), f'blosc({cname},{sh},{bs})'


def fill_for(dtype):
    dt = np.dtype(dtype)
    if dt.kind == 'b': return random.choice([False, True, None])
    if dt.kind in 'iu':
        info = np.iinfo(dt)
        return random.choice([0, 0, None, random.randint(-5 if dt.kind == 'i' else 0, 5), int(info.max), int(info.min)])
    return random.choice([0.0, 0.0, float('nan'), None, 2.5, -1e-300 if dt == np.float64 else -1.5, float('inf'), float('-inf')])


def chunk_keys(shape, chunks, sep):
    if not shape: return ['0']
    grid = [max(1, -(-n // c)) if n else 0 for n, c in zip(shape, chunks)]
    keys = []
    for idx in np.ndindex(*grid): keys.append(sep.join(str(i) for i in idx))
    return keys


def py_store(path, a, dtype_str, chunks, comp, fill, order, sep, drop, filters=None, inner=None):
    if inner:
        g = zarr.open_group(path, mode='w')
        z = g.create_dataset(inner, shape=a.shape, chunks=chunks, dtype=dtype_str, compressor=comp, fill_value=fill,
                             order=order, dimension_separator=sep, filters=filters)
        path = os.path.join(path, inner)
    else:
        z = zarr.open_array(path, mode='w', shape=a.shape, chunks=chunks, dtype=dtype_str, compressor=comp,
                            fill_value=fill, order=order, dimension_separator=sep, filters=filters)
    z[...] = a
    dropped = []
    if drop and fill is not None:
        for k in chunk_keys(a.shape, chunks, sep):
            f = os.path.join(path, k)
            if os.path.exists(f) and random.random() < 0.3: os.remove(f); dropped.append(k)
    return z, dropped


cases = []
KINDS = ['zread'] * 30 + ['zwrite'] * 18 + ['zregion'] * 10 + ['zappend'] * 6 + ['npyread'] * 10 + ['npywrite'] * 8 + \
        ['npz'] * 5 + ['stackread'] * 4 + ['stackwrite'] * 3 + ['source'] * 8 + ['bad'] * 8
if os.environ.get('GEN15_KINDS'): KINDS = os.environ['GEN15_KINDS'].split(',')  # a focused run, e.g. GEN15_KINDS=bad GEN15_BAD=corrupt_blosc
for ci in range(N):
    kind = random.choice(KINDS)
    d = f'{ROOT}/c{ci}'
    dtype = random.choice(DTYPES)
    shape = rshape()
    c = {'kind': kind, 'dir': d}
    if kind == 'zread':
        a = values(dtype, shape)
        big = random.random() < 0.3 and np.dtype(dtype).itemsize > 1
        dstr = np.dtype(dtype).newbyteorder('>').str if big else np.dtype(dtype).str
        chunks = rchunks(shape)
        comp, cname = compressor()
        fill = fill_for(dtype)
        order = random.choice(['C', 'C', 'F'])
        sep = random.choice(['.', '/'])
        filters, fname = None, ''
        if random.random() < 0.1 and dtype != 'bool':
            filters = [random.choice([numcodecs.Delta(dtype=dstr), numcodecs.Shuffle(elementsize=np.dtype(dtype).itemsize)])]
            fname = f' filters {filters[0].codec_id}'
        inner = random.choice([None] * 4 + ['sub/x'])
        z, dropped = py_store(d + '.zarr', a, dstr, chunks, comp, fill, order, sep, True, filters, inner)
        full = z[...]
        idx, text = rslice(shape)
        c.update(path=d + '.zarr', inner=inner, filtered=filters is not None, desc=f'{dstr} {shape} chunks {chunks} {cname} fill {fill} {order} sep {sep!r} dropped {len(dropped)}{fname} inner {inner}',
                 dtype=dtype, shape=shape, chunks=list(z.chunks), expect=earr(full), sub=text, subexpect=earr(np.asarray(full[idx])),
                 red=red(np.asarray(full)), ops=ops(np.asarray(full)))
    elif kind == 'zwrite':
        a = values(dtype, shape)
        xch = [chunks_for(n) for n in shape]
        c.update(x=earr(a), xchunks=xch, chunks=rchunks(shape) if random.random() < 0.8 else None, defchunks=[max(1, max(ch)) for ch in xch],
                 compressor=random.choice(['zstd', 'blosc', 'lz4', 'gzip', None]), version=random.choice([2, 2, 3]),
                 path=d + '.zarr', inner=random.choice([None, None, 'g/x']), via=random.choice(['array', 'array', 'source', 'zarr']), parallel=random.choice([None, None, 1, 3]))
        # the written array: x itself, its transpose or x[::-1] (a write's boxes mapped through a view)
        xform = random.choice([None, None, 'T', 'flip'])
        out = a.T if xform == 'T' else np.flip(a, 0) if xform == 'flip' and a.ndim else a
        if xform and a.ndim:
            c.update(xform=xform, out=earr(out), chunks=rchunks(list(out.shape)) if c['chunks'] is not None else None,
                     defchunks=[max(1, max(ch)) for ch in (xch[::-1] if xform == 'T' else xch)])
        c['desc'] = f"{dtype} {shape} v{c['version']} {c['compressor']} chunks {c['chunks']} inner {c['inner']} via {c['via']} xform {c.get('xform')}"
    elif kind in ('zregion', 'zappend'):
        if kind == 'zappend' and not shape: shape = [random.randint(0, 4)]
        a = values(dtype, shape)
        chunks = rchunks(shape)
        version = random.choice([2, 2, 3])
        comp = random.choice(['zstd', 'blosc', 'lz4', 'gzip', None])
        c.update(path=d + '.zarr', version=version, compressor=comp, chunks=chunks, dtype=dtype)
        if version == 2:
            # Python writes the store (the layouts tessera can write into), with its own fill value
            sep = random.choice(['.', '/'])
            pc = {'zstd': numcodecs.Zstd(3), 'blosc': numcodecs.Blosc('zstd', 3, random.choice([0, 1, 2])), 'lz4': numcodecs.LZ4(), 'gzip': numcodecs.GZip(5), None: None}[comp]
            fill = fill_for(dtype)
            if fill is None: fill = 0
            z, dropped = py_store(d + '.zarr', a, np.dtype(dtype).str, chunks, pc, fill, 'C', sep, True)
            base = z[...]
            c['desc'] = f'{dtype} {shape} v2 {comp} sep {sep!r} fill {fill} chunks {chunks} dropped {len(dropped)}'
        else:
            c['base'] = earr(a)  # tessera writes the v3 store first
            base = a
            c['desc'] = f'{dtype} {shape} v3 {comp} chunks {chunks}'
        if kind == 'zregion':
            region, rs = [], []
            for n in shape:
                if random.random() < 0.2: region.append(None); rs.append(n); continue
                lo = random.randint(0, n); hi = random.randint(lo, n); region.append([lo, hi]); rs.append(hi - lo)
            wrong = random.random() < 0.1 and shape
            x = values(dtype, rs)
            if wrong:
                k = random.randrange(len(shape)); rs2 = list(rs); rs2[k] += 1; x = values(dtype, rs2)
                c['wrong'] = True
            else:
                exp = np.array(base)
                exp[tuple(slice(0, n) if r is None else slice(r[0], r[1]) for r, n in zip(region, shape))] = x
                c['expect'] = earr(exp)
            c.update(region=region, x=earr(x), xchunks=[chunks_for(n) for n in x.shape])
            c['desc'] += f' region {region}'
        else:
            axis = random.randrange(len(shape))
            ash = list(shape); ash[axis] = random.choice([0, 1, 2, 3, 5])
            x = values(dtype, ash)
            c.update(axis=axis, x=earr(x), xchunks=[chunks_for(n) for n in ash], expect=earr(np.concatenate([base, x], axis=axis)))
            c['desc'] += f' append {ash} axis {axis}'
    elif kind == 'npyread':
        a = values(dtype, shape)
        big = random.random() < 0.3 and np.dtype(dtype).itemsize > 1
        order = random.choice(['C', 'F'])
        b = a.astype(np.dtype(dtype).newbyteorder('>')) if big else a
        b = np.array(b, order=order)  # (np.asfortranarray / ascontiguousarray make a 0-d array 1-d)
        version = random.choice([None, None, (1, 0), (2, 0), (3, 0)])
        if version is None: np.save(d + '.npy', b)
        else:
            with open(d + '.npy', 'wb') as f: npformat.write_array(f, b, version=version)
        order += f' v{version}'
        idx, text = rslice(shape)
        c.update(path=d + '.npy', desc=f'{b.dtype.str} {shape} {order}', expect=earr(a), chunks=[random.choice([1, 2, 3, max(1, n)]) for n in shape],
                 sub=text, subexpect=earr(np.asarray(a[idx])), red=red(a), ops=ops(a))
    elif kind == 'npywrite':
        a = values(dtype, shape)
        np.save(d + '.ref.npy', a)  # NumPy's own file: tessera's must be the same bytes
        c.update(path=d + '.npy', ref=d + '.ref.npy', x=earr(a), xchunks=[chunks_for(n) for n in shape], how=random.choice(['toNpy', 'saveNpy']), via=random.choice(['array', 'source']),
                 slabRows=random.choice([None, 1, 2, 5]), desc=f'{dtype} {shape}')
    elif kind == 'npz':
        members = {}
        for j in range(random.randint(1, 3)):
            dt = random.choice(DTYPES); sh = rshape()
            big = random.random() < 0.25 and np.dtype(dt).itemsize > 1
            v = values(dt, sh)
            w = v.astype(np.dtype(dt).newbyteorder('>')) if big else v
            if random.random() < 0.3: w = np.array(w, order='F')
            members[random.choice(['a', 'b', 'x', 'arr_', 'y1', 'g/h', 'é', 'a.npy'])+str(j)] = (w, v)
        comp = random.random() < 0.5
        (np.savez_compressed if comp else np.savez)(d + '.npz', **{k: w for k, (w, _) in members.items()})
        c.update(path=d + '.npz', out=d + '.t.npz', compressed=random.random() < 0.5, members={k: earr(v) for k, (_, v) in members.items()},
                 desc=f"{'savez_compressed' if comp else 'savez'} {[(k, str(w.dtype), list(w.shape)) for k, (w, _) in members.items()]}")
    elif kind == 'stackread':
        if not shape: shape = [random.randint(0, 6)]
        a = values(dtype, shape)
        axis = random.randrange(len(shape))
        xchunks = tuple(tuple(chunks_for(n)) for n in shape)
        os.makedirs(os.path.dirname(d), exist_ok=True)
        da.to_npy_stack(d + '.stack', da.from_array(a, chunks=xchunks), axis=axis)
        c.update(path=d + '.stack', expect=earr(a), desc=f'{dtype} {shape} chunks {xchunks} axis {axis}', red=red(a), ops=ops(a))
    elif kind == 'stackwrite':
        if not shape: shape = [random.randint(0, 6)]
        a = values(dtype, shape)
        axis = random.randrange(len(shape))
        c.update(path=d + '.stack', x=earr(a), xchunks=[chunks_for(n) for n in shape], axis=axis, desc=f'{dtype} {shape} axis {axis}', via=random.choice(['array', 'source']))
    elif kind == 'source':
        a = values(dtype, shape)
        idx, text = rslice(shape)
        off = [random.randint(0, 3) for _ in shape]
        c.update(x=earr(a), chunks=[chunks_for(n) for n in shape], sub=text, subexpect=earr(np.asarray(a[idx])), off=off,
                 concurrency=random.choice([None, 1, 3]), desc=f'{dtype} {shape} sub [{text}] off {off}', red=red(a), ops=ops(a))
    else:  # bad input: an error naming the path, never values
        what = random.choice(['trunc_chunk', 'trunc_chunk', 'corrupt_blosc', 'zdtype', 'npydtype', 'trunc_npy', 'trunc_npy', 'trunc_npz', 'stack_missing', 'region_dtype', 'append_shape'])
        if os.environ.get('GEN15_BAD'): what = random.choice(os.environ['GEN15_BAD'].split(','))
        c['what'] = what
        if what == 'trunc_chunk':
            if not shape or 0 in shape: shape = [random.randint(1, 6), random.randint(1, 6)]
            a = values(dtype, shape)
            comp, cname = compressor()
            order = random.choice(['C', 'F']); sep = random.choice(['.', '/'])
            big = random.random() < 0.3 and np.dtype(dtype).itemsize > 1
            dstr = np.dtype(dtype).newbyteorder('>').str if big else np.dtype(dtype).str
            chunks = rchunks(shape)
            z, _ = py_store(d + '.zarr', a, dstr, chunks, comp, 0, order, sep, False)
            keys = chunk_keys(shape, chunks, sep); k = random.choice(keys); f = os.path.join(d + '.zarr', k)
            n = os.path.getsize(f); cut = random.choice([0, 1, n // 2, n - 1]) if n > 1 else 0
            with open(f, 'r+b') as fh: fh.truncate(cut)
            try:
                z2 = zarr.open_array(d + '.zarr', mode='r'); z2[...]; py = 'reads'
            except Exception as e: py = type(e).__name__
            c.update(path=d + '.zarr', chunk=k, desc=f'{dstr} {shape} chunks {chunks} {cname} {order} sep {sep!r} chunk {k} cut {n}->{cut} (python: {py})', expect=earr(a))
        elif what == 'corrupt_blosc':
            # a blosc chunk's bytes after its 16-byte header scrambled ('all') or a few flipped ('some')
            shape = [random.randint(20, 60), random.randint(1, 4)]
            a = values(dtype, shape)
            cname = random.choice(['lz4', 'zstd', 'zlib', 'lz4hc']); sh = random.choice([0, 1, 2])
            order = random.choice(['C', 'F'])
            z, _ = py_store(d + '.zarr', a, np.dtype(dtype).str, [shape[0], shape[1]], numcodecs.Blosc(cname, 5, sh), 0, order, '.', False)
            f = os.path.join(d + '.zarr', '0.0'); b = bytearray(open(f, 'rb').read())
            mode = random.choice(['all', 'some'])
            if b[2] & 2: mode = 'all'  # a copied frame: only its header can be wrong
            for i in (range(16, len(b)) if mode == 'all' else random.sample(range(16 + (len(b) - 16) // 2, len(b)), min(3, len(b) - 16))):
                b[i] = (b[i] * 7 + 13) & 255 if mode == 'all' else b[i] ^ 0x5a
            open(f, 'wb').write(bytes(b))
            try:
                got = zarr.open_array(d + '.zarr', mode='r')[...]; py = 'same' if got.tobytes() == a.tobytes() else 'reads other values'
            except Exception as e: py = type(e).__name__
            c.update(path=d + '.zarr', mode=mode, python=py, expect=earr(a), desc=f'{dtype} {shape} blosc({cname},{sh}) {order} corrupt {mode} (python: {py})')
        elif what == 'zdtype':
            dt = random.choice(['object', 'structured', '<U4', '|S3', '<c16', '<M8[ns]', '<f2'])
            shp = [3]
            kw = {}
            if dt == 'object': z = zarr.open_array(d + '.zarr', mode='w', shape=shp, dtype=object, object_codec=numcodecs.JSON()); z[...] = np.array(['a', 1, None], dtype=object)
            elif dt == 'structured': z = zarr.open_array(d + '.zarr', mode='w', shape=shp, dtype=[('a', '<i4'), ('b', '<f8')], fill_value=None)
            else: z = zarr.open_array(d + '.zarr', mode='w', shape=shp, dtype=dt); z[...] = np.zeros(shp, dtype=dt)
            c.update(path=d + '.zarr', desc=f'zarr dtype {dt}')
        elif what == 'npydtype':
            dt = random.choice(['object', 'structured', '<U4', '|S3', '<c8', '<M8[s]', '<f2'])
            if dt == 'object': np.save(d + '.npy', np.array(['a', 1], dtype=object), allow_pickle=True)
            elif dt == 'structured': np.save(d + '.npy', np.zeros(2, dtype=[('a', '<i4'), ('b', '<f8')]))
            else: np.save(d + '.npy', np.zeros(2, dtype=dt))
            c.update(path=d + '.npy', desc=f'npy dtype {dt}', how=random.choice(['fromNpy', 'loadNpy']))
        elif what == 'trunc_npz':
            np.savez_compressed(d + '.npz', a=values(dtype, [5, 3]), b=values(dtype, [2])) if random.random() < 0.5 else np.savez(d + '.npz', a=values(dtype, [5, 3]))
            n = os.path.getsize(d + '.npz'); cut = random.choice([0, 10, n // 2, n - 1])
            with open(d + '.npz', 'r+b') as fh: fh.truncate(cut)
            c.update(path=d + '.npz', desc=f'npz {dtype} cut {n}->{cut}', how=random.choice(['fromNpz', 'loadNpz']))
        elif what == 'stack_missing':
            a = values(dtype, [6, 2])
            da.to_npy_stack(d + '.stack', da.from_array(a, chunks=((2, 3, 1), (2,))), axis=0)
            gone = random.choice(['0.npy', '2.npy', 'info'])
            os.remove(os.path.join(d + '.stack', gone))
            c.update(path=d + '.stack', desc=f'npy stack without {gone}')
        elif what in ('region_dtype', 'append_shape'):
            a = values(dtype, [4, 3])
            zarr.open_array(d + '.zarr', mode='w', shape=a.shape, chunks=(3, 2), dtype=dtype, compressor=numcodecs.Zstd(1))[...] = a
            if what == 'region_dtype':
                other = random.choice([t for t in DTYPES if t != dtype])
                c.update(x=earr(values(other, [2, 3])), region=[[0, 2], None], desc=f'{dtype} store, {other} region')
            else:
                c.update(x=earr(values(dtype, [2, 4])), axis=0, desc=f'{dtype} [4, 3] store, append [2, 4] along 0')
            c['path'] = d + '.zarr'
        else:
            if not shape or 0 in shape: shape = [random.randint(1, 6), 3]
            a = values(dtype, shape)
            np.save(d + '.npy', a)
            n = os.path.getsize(d + '.npy'); cut = random.choice([0, 5, 60, n - 1, max(0, n - np.dtype(dtype).itemsize)])
            with open(d + '.npy', 'r+b') as fh: fh.truncate(cut)
            c.update(path=d + '.npy', desc=f'npy {dtype} {shape} cut {n}->{cut}', how=random.choice(['fromNpy', 'loadNpy']))
    cases.append(c)

json.dump(cases, open(sys.argv[3] if len(sys.argv) > 3 else 'cases15.json', 'w'))
print(len(cases), 'cases', {k: sum(1 for c in cases if c['kind'] == k) for k in sorted(set(KINDS))})
