"""Shared encoders of the differential fuzz generators (JSON for the run*.mts runners)."""
import math, random
import numpy as np
try:
    import pandas as pd  # Debian's python3-pandas: only the DataFrame generators need it
except ImportError:
    pd = None


def chunks_for(n):
    """A random partition of n into chunk lengths ([0] for an empty axis)."""
    cs = []; left = n
    while left > 0:
        c = random.randint(1, left); cs.append(c); left -= c
    return cs or [0]


def enc(a):
    """An array as {dtype, shape, values}: bools 0/1, integers as strings, NaN null, 'inf', '-inf', '-0'."""
    a = np.asarray(a)
    if a.dtype == bool: vals = [int(v) for v in a.ravel()]
    elif a.dtype.kind == 'f': vals = [None if np.isnan(v) else ('inf' if v == np.inf else '-inf' if v == -np.inf else ('-0' if v == 0 and np.signbit(v) else float(v))) for v in a.ravel()]
    else: vals = [str(int(v)) for v in a.ravel()]
    return {'dtype': str(a.dtype), 'shape': list(a.shape), 'values': vals}


def cell(v):
    """A pandas cell as JSON: missing null, datetimes in ms, infinities 'Infinity' / '-Infinity'."""
    if v is None or (pd is not None and (v is pd.NA or v is pd.NaT)): return None
    if isinstance(v, (np.bool_, bool)): return bool(v)
    if pd is not None and isinstance(v, pd.Timestamp): return v.value // 10**6
    if isinstance(v, (np.floating, float)):
        if math.isnan(v): return None
        return float(v) if math.isfinite(v) else ('Infinity' if v > 0 else '-Infinity')
    if isinstance(v, (np.integer, int)): return int(v)
    return str(v)
