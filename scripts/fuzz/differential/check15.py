"""After run15.mts: read what tessera wrote back with Python — toZarr v2 stores (plain, region,
append) with zarr 2.13, toNpy/saveNpy files and toNpz archives with numpy.load, toNpyStack
directories with dask.array.from_npy_stack — and compare dtype, shape, chunks and every byte with
gen15.py's arrays; the stack's info pickle must equal pickle.dumps(meta, 2) of Dask's meta.
usage: /usr/bin/python3 check15.py [checks15.json]"""
import base64, json, os, pickle, sys, warnings
import numpy as np, zarr
import dask.array as da
from numpy.lib import format as npformat
warnings.simplefilter('ignore')
checks = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'checks15.json'))


def dec(e):
    return np.frombuffer(base64.b64decode(e['b64']), dtype=np.dtype(e['dtype']).newbyteorder('<')).reshape(e['shape'])


def same(a, e):
    """Bit for bit: dtype, shape and bytes (NaN payloads and -0 included)."""
    a = np.asarray(a); b = dec(e)
    if a.dtype.newbyteorder('=') != b.dtype.newbyteorder('='): return f'dtype {a.dtype} vs {b.dtype}'
    if a.shape != b.shape: return f'shape {a.shape} vs {b.shape}'
    if np.ascontiguousarray(a.astype(a.dtype.newbyteorder('<'))).tobytes() != np.ascontiguousarray(b).tobytes(): return 'bytes differ'
    return None


bad = 0; tally = {}
for c in checks:
    k = c['kind']; tally[k] = tally.get(k, 0) + 1
    try:
        if k == 'zarr':
            z = zarr.open_array(c['path'], mode='r', path=c.get('inner') or '')
            p = same(z[...], c['expect'])
            if not p and 'chunks' in c and list(z.chunks) != c['chunks']: p = f'chunks {z.chunks} vs {c["chunks"]}'
        elif k == 'npy':
            p = same(np.load(c['path']), c['expect'])
            with open(c['path'], 'rb') as f:
                v = npformat.read_magic(f); sh, fo, dt = npformat._read_array_header(f, v)
            if not p and (fo or list(sh) != c['expect']['shape'] or dt != np.dtype(c['expect']['dtype'])): p = f'header {sh} {fo} {dt}'
        elif k == 'npz':
            with np.load(c['path']) as f:
                names = sorted(f.files); p = None
                if names != sorted(c['members']): p = f'members {names}'
                for n in names:
                    p = p or same(f[n], c['members'][n])
        elif k == 'stack':
            x = da.from_npy_stack(c['path'])
            p = same(x.compute(), c['expect'])
            chunks = tuple(tuple(ch) if i == c['axis'] else (sum(ch),) for i, ch in enumerate(c['xchunks']))
            meta = {'chunks': chunks, 'dtype': np.dtype(c['expect']['dtype']), 'axis': c['axis']}
            if not p and x.chunks != chunks: p = f'chunks {x.chunks} vs {chunks}'
            info = open(os.path.join(c['path'], 'info'), 'rb').read()
            if not p and info != pickle.dumps(meta, 2): p = 'info is not pickle.dumps(meta, 2)'
        if p:
            bad += 1; print('BAD', k, c['label'], c['path'], p)
    except Exception as e:
        bad += 1; print('ERROR', k, c['label'], c['path'], type(e).__name__, str(e)[:200])
print(len(checks), 'read back,', bad, 'bad', json.dumps(tally))
