"""readCsv / toCsv against pandas 1.5.3: random small CSV files (1-4 per case) in the forms real
files take (quotes, NA spellings, odd numbers, bools, dates, CRLF/CR, BOM, blank lines, header-only
files, other separators), pandas' frame of the files' rows read as one file (the reference readCsv
documents), the frame of pd.concat over the files (dtypes reported when they differ), a few
reductions and pandas' to_csv(index=False) bytes of that frame."""
import json, random, sys, os, io, shutil, warnings
import numpy as np, pandas as pd
from common import cell
warnings.simplefilter('ignore')
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
ROOT = '/tmp/dffuzz12'

NA = ['', '', '', 'NA', 'NaN', 'nan', 'null', 'NULL', 'N/A', 'n/a', '#N/A', '#NA', '-NaN', '-nan', '<NA>', 'None', '"NA"', '""']
ODD = ['1e5', '+3', '-0', '.5', '5.', '1_000', ' 1.5', '1.5 ', ' 2', 'inf', '-inf', 'Infinity', '-Infinity', 'INF', 'nan',
       'NAN', '1E-3', '-.25', '0.1', '1e-400', '1e400', '00012', '-007', '3.0', '2.5e+10', '0x1F', '1,5', '1.2.3', '٣']
WORDS = ['a', 'b', 'x y', 'foo', 'Bar', 'zz', 'é', '日本', 'a,b', 'say "hi"', 'two\nlines', 'cr\r\nlf', ' lead', 'trail ', "it's", 'TRUE1', 'nan x']
DATES = ['2000-01-01', '2015-06-30 12:34:56', '2001-02-03T04:05', '2010-10-10 10:10:10.250', 'Jan 1 2000', 'March 3, 2012',
         '15-Aug-2010', '1 Mar 2001', '2015/01/01 01:00:00', '2015.01.02', '01/02/2003', '13/02/2003', '12/31/1999 11:59 PM',
         '1999-12-31 23:59:59', '1970-01-01', '1969-07-20 20:17']


def q(s, sep):
    """A text value as a CSV field: quoted when needed (or at random), quotes doubled."""
    if any(ch in s for ch in (sep, '"', '\n', '\r')) or random.random() < 0.1:
        return '"' + s.replace('"', '""') + '"'
    return s


def value(kind, sep):
    if random.random() < {'na': 0.7}.get(kind, 0.12):
        return random.choice(NA)
    if kind == 'int': return str(random.choice([random.randint(-5, 5), random.randint(-10**6, 10**6), random.randint(-2**63, 2**63 - 1)]))
    if kind == 'float': return random.choice([repr(round(random.uniform(-100, 100), random.randint(0, 6))), repr(random.uniform(-1, 1)), str(random.randint(-9, 9)),
                                             '%.17g' % random.uniform(-1e300, 1e300), repr(random.choice([1e-300, 5e-324, 1.7976931348623157e308, 0.1, 1 / 3]))])
    if kind == 'odd': return q(random.choice(ODD + [str(random.randint(-9, 9))]), sep)
    if kind == 'big': return random.choice([str(random.choice([2**63, 2**63 + 5, 2**64 - 1, 2**64, 10**20, -2**63 - 1, -10**19, 2**63 - 1, -2**63])), str(random.randint(0, 9))])
    if kind == 'str': return q(random.choice(WORDS + [str(random.randint(0, 9)), 'x' * random.choice([200, 5000, 70000])]), sep)
    if kind == 'bool': return random.choice(['True', 'False', 'TRUE', 'FALSE', 'true', 'false'])
    if kind == 'mixed': return random.choice([str(random.randint(-9, 9)), repr(random.uniform(-9, 9)), 'True', 'w', '1.5'])
    if kind == 'date': return q(random.choice(DATES), sep)
    if kind == 'na': return str(random.randint(0, 3))
    raise ValueError(kind)


def cell12(v):
    """cell(), with integers beyond 2**53 as {'int': digits} (JSON numbers lose them in JS)."""
    if isinstance(v, (np.integer, int)) and not isinstance(v, (bool, np.bool_)) and abs(int(v)) > 2**53: return {'int': str(int(v))}
    return cell(v)


def recs(df):
    return [[cell12(v) for v in row] for row in df.itertuples(index=False, name=None)]


def dt(s):
    d = str(s.dtype)
    if d.startswith('datetime64'): return 'datetime'
    if d == 'object':
        vs = [v for v in s if not (isinstance(v, float) and np.isnan(v))]
        return 'string' if all(isinstance(v, str) for v in vs) else 'object-mixed'
    return d


out = []
for case in range(N):
    d = f'{ROOT}/c{case}'
    shutil.rmtree(d, ignore_errors=True); os.makedirs(d)
    ncols = random.randint(1, 4)
    kinds = [random.choice(['int', 'float', 'odd', 'big', 'str', 'bool', 'bool', 'mixed', 'date', 'na']) for _ in range(ncols)]
    sep = random.choice([',', ',', ',', ';', '\t', '|'])
    eol = random.choice(['\n', '\n', '\r\n', '\r'])
    header = random.random() < 0.85
    names = [f'c{k}' for k in range(ncols)] if random.random() < 0.8 else [random.choice(['a b', 'x', 'é', 'n' + str(k)]) + str(k) for k in range(ncols)]
    n = random.randint(0, 25) if header else random.randint(1, 25)
    rows = [[value(k, sep) for k in kinds] for _ in range(n)]
    lines = [sep.join(r) for r in rows]
    nfiles = random.randint(1, 4)
    if not header: nfiles = min(nfiles, n)
    cuts = sorted(random.randint(0 if header else 1, n - (0 if header else 1)) for _ in range(nfiles - 1)) if header else sorted(random.sample(range(1, n), nfiles - 1))
    bounds = [0] + cuts + [n]
    blank = random.random() < 0.2
    bom = random.random() < 0.15
    trailing = random.random() < 0.85  # the last line ends with a line end
    hline = sep.join(q(c, sep) for c in names)

    def body(ls):
        parts = []
        for l in ls:
            parts.append(l + eol)
            if blank and random.random() < 0.3: parts.append(eol)
        s = ''.join(parts)
        return s if trailing or not s else s[:-len(eol)]

    files = []
    texts = []
    for p in range(nfiles):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        t = ('\ufeff' if bom else '') + (hline + eol if header else '') + body(lines[bounds[p]:bounds[p + 1]])
        if header and bounds[p] == bounds[p + 1] and not trailing: t = t[:-len(eol)]
        texts.append(t)
        open(fn, 'w', encoding='utf-8', newline='').write(t)
    whole = os.path.join(d, 'whole.txt')
    open(whole, 'w', encoding='utf-8', newline='').write(('\ufeff' if bom else '') + (hline + eol if header else '') + body(lines))
    dates = [k for k, kd in enumerate(kinds) if kd == 'date' and random.random() < 0.8]
    colnames = names if header else [str(k) for k in range(ncols)]
    has_nl = any('\n' in l or '\r' in l for l in lines)
    blocksize = random.choice([None, None, random.randint(16, 120)]) if not has_nl else None
    spec = {'files': files, 'sep': sep, 'header': header, 'parseDates': [colnames[k] for k in dates], 'blocksize': blocksize,
            'kinds': kinds, 'eol': repr(eol), 'bom': bom, 'blank': blank, 'out': os.path.join(d, 'out')}
    kw = dict(float_precision='round_trip', sep=sep, header=0 if header else None, parse_dates=[(names[k] if header else k) for k in dates] or False)
    def reference(path):
        df = pd.read_csv(path, **kw)
        df.columns = [str(c) for c in df.columns]
        # pandas' default float parser ('high') is off by ulps, or drops digits after leading
        # zeros (0.000900148703276038 → 0.000900148703276): values from round_trip's (dtypes from
        # the default's: round_trip reads -1e400 as -inf, the default as text)
        dfd = pd.read_csv(path, **{**kw, 'float_precision': None})
        dfd.columns = df.columns
        spec['pandasImprecise'] = not dfd.equals(df)
        return dfd if list(dfd.dtypes) != list(df.dtypes) else df

    try:
        if eol == '\r':
            # pandas' C tokenizer has bugs with CR-only line ends (a header read again as a row
            # when the first field starts with a blank; an empty first field after a blank line
            # dropped; 'Buffer overflow caught'): the reference is the same rows with \n ends
            lf = os.path.join(d, 'whole-lf.txt')
            open(lf, 'w', encoding='utf-8', newline='').write(('\ufeff' if bom else '') + (hline + '\n' if header else '') + ''.join(l + '\n' for l in lines))
            df = reference(lf)
            try:
                spec['crBug'] = not reference(whole).equals(df)
            except Exception:
                spec['crBug'] = True
        else:
            df = reference(whole)
        for c in df.columns[[k for k in dates]]:
            if len(df) and not str(df[c].dtype).startswith('datetime'): raise ValueError(f'pandas left parse_dates column {c} as {df[c].dtype}')
        spec['expect'] = {'columns': list(df.columns), 'dtypes': [dt(df[c]) for c in df.columns], 'rows': recs(df)}
        try:  # (pandas' CR-only bugs may fail a file read alone)
            cat = pd.concat([pd.read_csv(f, **kw) for f in files], ignore_index=True)
            spec['concatDtypes'] = [dt(cat[c]) for c in cat.columns]
        except Exception as x:
            spec['concatDtypes'] = 'error: ' + str(x)[:80]
        num = [c for c in df.columns if str(df[c].dtype) in ('int64', 'float64', 'bool')]
        spec['expect']['sum'] = {c: cell12(df[c].sum()) for c in num}
        spec['expect']['count'] = {c: int(df[c].count()) for c in df.columns}
        if len(df) and any(str(df[c].dtype) in ('int64', 'float64') for c in df.columns):
            ds = df.describe()
            spec['expect']['describe'] = {str(c): {str(k): cell(v) for k, v in ds[c].items()} for c in ds.columns}
        spec['expect']['csv'] = df.to_csv(index=False)
    except Exception as e:
        spec['expect'] = {'error': type(e).__name__ + ': ' + str(e)[:200]}
    out.append(spec)
json.dump(out, open('cases12.json', 'w'))
