"""Frames over 1-4 CSV partitions (some empty): what gen4/gen5/gen7/gen9 leave out — multi-key sorts over
string/int/float/bool/datetime keys, frame/series quantile, median, corr/cov, var/std ddof, nunique, count,
describe, astype, dropDuplicates(keep=False), concat of different column sets, head/tail, setIndex/resetIndex,
rename, isna/notna, fillna, dropna(how, subset), Series round/clip/abs/where/isin/between."""
import json, random, sys, os, io, warnings
import numpy as np, pandas as pd
from common import cell
warnings.simplefilter('ignore')
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
HDR = 'k,i,f,b,t,j'
NUM = ['i', 'f', 'j']
def recs(df):
    return [[str(c) for c in df.columns], [[cell(v) for v in row] for row in df.itertuples(index=False, name=None)]]
def mkrows(n, keys, miss):
    rows = []
    for _ in range(n):
        k = random.choice(keys) if random.random() > miss else ''
        i = random.randint(-3, 3)
        f = '' if random.random() < miss else repr(random.choice([round(random.uniform(-3, 3), random.choice([0, 1, 2])), 0.5, -0.5, 1.5, 2.5, 0.125, -2.675, 0.25, -0.35, 1.005, 0.045, 1234.5, -0.0]))
        b = random.choice(['True', 'False'])
        t = '' if random.random() < miss else f'2021-0{random.randint(1, 3)}-0{random.randint(1, 4)}' + random.choice(['', ' 12:30:00'])
        j = random.choice([-25, -15, -5, 5, 15, 25, 35, 150, 250, random.randint(-60, 60)])
        rows.append(f'{k},{i},{f},{b},{t},{j}')
    return rows
def write(d, name, rows, hdr=HDR):
    nparts = random.randint(1, 4)
    cuts = sorted(random.randint(0, len(rows)) for _ in range(nparts - 1)); bounds = [0] + cuts + [len(rows)]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{name}{p}.csv'); files.append(fn)
        open(fn, 'w').write(hdr + '\n' + ''.join(r + '\n' for r in rows[bounds[p]:bounds[p+1]]))
    return files
def frame(rows, hdr=HDR):
    return pd.read_csv(io.StringIO(hdr + '\n' + ''.join(r + '\n' for r in rows)), parse_dates=['t'] if 't' in hdr.split(',') else False)
OPS = ['sort', 'quantile', 'squantile', 'median', 'corr', 'cov', 'scorr', 'varstd', 'svarstd', 'nunique', 'count', 'describe',
       'astype', 'dedup', 'concat', 'head', 'tail', 'setindex', 'resetindex', 'rename', 'isna', 'notna', 'fillna', 'dropna', 'series', 'series', 'series', 'castops', 'setreset']
SER = [
  ('f.round(D)', lambda d, a: d.f.round(a)), ('i.round(D)', lambda d, a: d.i.round(a)), ('j.round(D)', lambda d, a: d.j.round(a)),
  ('j.clip(L, U)', None), ('j.between(L, U, I)', None), ('j.isin(V)', lambda d, a: d.j.isin(a)), ('j.abs()', lambda d, a: d.j.abs()),
  ('j.where(f.isna(), O)', lambda d, a: d.j.where(d.f.isna(), a)), ('f.mask(b, O)', lambda d, a: d.f.mask(d.b, a)),
  ('t.isin(T)', None), ('t.between(TL, TU, I)', None), ('f.round(D).abs()', lambda d, a: d.f.round(a).abs()),
  ('f.clip(L, U)', None), ('i.clip(L, U)', None), ('i.abs()', lambda d, a: d.i.abs()), ('f.abs()', lambda d, a: d.f.abs()),
  ('f.where(i.gt(0), O)', lambda d, a: d.f.where(d.i > 0, a)), ('i.where(f.gt(0), O)', lambda d, a: d.i.where(d.f > 0, a)),
  ('i.mask(b, O)', lambda d, a: d.i.mask(d.b, a)),
  ('f.isin(V)', lambda d, a: d.f.isin(a)), ('i.isin(V)', lambda d, a: d.i.isin(a)), ('k.isin(S)', lambda d, a: d.k.isin(a)), ('b.isin(B)', lambda d, a: d.b.isin(a)),
  ('f.between(L, U, I)', None), ('i.between(L, U, I)', None), ('k.between(SL, SU, I)', None),
]
out = []
for case in range(N):
    d = f'/tmp/dffuzz/q{case}'; os.makedirs(d, exist_ok=True)
    for fn in os.listdir(d): os.remove(os.path.join(d, fn))
    keys = random.sample(['a', 'b', 'c', 'dd', 'e', 'B', 'ab'], random.randint(1, 5))
    rows = mkrows(random.randint(1, random.choice([8, 25, 60])), keys, random.choice([0, 0.15, 0.4]))
    files = write(d, 'p', rows)
    df = frame(rows)
    op = random.choice(OPS)
    spec = {'op': op, 'files': files}
    try:
        if op == 'sort':
            by = random.sample(['k', 'i', 'f', 'b', 't', 'j'], random.randint(1, 3)); asc = [random.random() < 0.5 for _ in by]; na = random.choice(['last', 'first'])
            if random.random() < 0.3: asc = random.random() < 0.5
            spec.update(by=by, asc=asc, na=na)
            spec['expect'] = recs(df.sort_values(by, ascending=asc, na_position=na, kind='mergesort'))
        elif op in ('quantile', 'squantile'):
            qs = sorted(random.sample([0, 0.1, 0.25, 0.3, 0.5, 0.75, 0.9, 0.99, 1], random.randint(1, 3))); spec['q'] = qs
            cols = random.sample(NUM, random.randint(1, 2)); spec['cols'] = cols
            if op == 'squantile': spec['expect'] = [cell(v) for v in df[cols[0]].quantile(qs)]
            else: r = df[cols].quantile(qs); spec['expect'] = {c: [cell(v) for v in r[c]] for c in cols}
        elif op == 'median':
            cols = random.sample(NUM + ['b'], random.randint(1, 3)); spec['cols'] = cols
            spec['expect'] = {c: cell(v) for c, v in df[cols].median().items()}
        elif op in ('corr', 'cov'):
            cols = random.sample(NUM + ['b'], random.randint(1, 3)); spec['cols'] = cols
            mp = random.choice([None, 1, 2, 3, 5]); spec['minPeriods'] = mp
            kw = {} if mp is None else {'min_periods': mp}
            if op == 'cov':
                dd = random.choice([None, 0, 1, 2]); spec['ddof'] = dd
                if dd is not None: kw['ddof'] = dd
                # pandas 1.5.3's DataFrame.cov itself: ddof applies only when nothing is missing
                # (documented, pandas#47042; its nancorr route divides by n - 1)
                r = df[cols].cov(**kw)
            else: r = df[cols].corr(**kw)
            spec['expect'] = recs(r.reset_index())
        elif op == 'scorr':
            a, b = random.sample(NUM, 2); spec['cols'] = [a, b]
            mp = random.choice([None, 1, 2, 3]); spec['minPeriods'] = mp
            kind = random.choice(['corr', 'cov']); spec['kind'] = kind
            kw = {} if mp is None else {'min_periods': mp}
            spec['expect'] = cell(getattr(df[a], kind)(df[b], **kw))
        elif op in ('varstd', 'svarstd'):
            cols = random.sample(NUM + ['b'], random.randint(1, 3)); spec['cols'] = cols
            dd = random.choice([None, 0, 1, 2, 3]); spec['ddof'] = dd; kind = random.choice(['var', 'std']); spec['kind'] = kind
            kw = {} if dd is None else {'ddof': dd}
            if op == 'svarstd': spec['expect'] = cell(getattr(df[cols[0]], kind)(**kw))
            else: spec['expect'] = {c: cell(v) for c, v in getattr(df[cols], kind)(**kw).items()}
        elif op in ('nunique', 'count'):
            cols = random.sample(['k', 'i', 'f', 'b', 't', 'j'], random.randint(1, 6)); spec['cols'] = cols
            spec['expect'] = {c: int(v) for c, v in getattr(df[cols], op)().items()}
        elif op == 'describe':
            cols = random.sample(['k', 'i', 'f', 'b', 'j'], random.randint(1, 5)); spec['cols'] = cols
            pct = random.choice([None, [0.1, 0.9], [0.5], [0.05, 0.25, 0.75]]); spec['pct'] = pct
            r = df[cols].describe(percentiles=pct)
            spec['expect'] = {str(c): {str(s): cell(r[c][s]) for s in r.index} for c in r.columns}
        elif op == 'astype':
            c = random.choice(['i', 'f', 'b', 'k', 'j']); to = random.choice(['float64', 'int64', 'Int64', 'bool', 'category'])
            via = random.choice([None, None, 'Int64', 'float64']); spec.update(col=c, to=to, via=via)
            r = df[[c]].astype(via).astype(to) if via else df[[c]].astype(to)
            spec['expect'] = recs(r); spec['dtype'] = str(r[c].dtype)
        elif op == 'dedup':
            sub = random.choice([None, random.sample(['k', 'i', 'f', 'b', 't', 'j'], random.randint(1, 3))]); keep = random.choice(['first', 'last', False])
            spec.update(subset=sub, keep=keep)
            spec['expect'] = recs(df.drop_duplicates(subset=sub, keep=keep))
        elif op == 'concat':
            hdr2 = ','.join(random.sample(HDR.split(','), random.randint(2, 6)))  # one column of missing values would be a blank line, which pandas skips
            allr = mkrows(random.randint(1, 10), keys + ['z'], 0.15)
            cols2 = hdr2.split(','); idx = [HDR.split(',').index(c) for c in cols2]
            rows2 = [','.join(r.split(',')[j] for j in idx) for r in allr]
            spec['files2'] = write(d, 'r', rows2, hdr2)
            df2 = pd.read_csv(io.StringIO(hdr2 + '\n' + ''.join(r + '\n' for r in rows2)), parse_dates=['t'] if 't' in cols2 else False)
            r = pd.concat([df, df2], ignore_index=True)
            spec['expect'] = recs(r); spec['dtypes'] = {c: str(t) for c, t in r.dtypes.items()}
        elif op in ('head', 'tail'):
            n = random.randint(0, 12); spec['n'] = n
            spec['expect'] = recs(getattr(df, op)(n))
        elif op == 'setindex':
            c = random.choice(['i', 't', 'k', 'f', 'j']); n = random.randint(0, 10); spec.update(col=c, n=n)
            rs = df.sort_values(c, kind='mergesort', na_position='last')
            if c != 'i' and df[c].isna().any(): rs = rs.dropna(subset=[c])
            rows_s = [rows[j] for j in rs.index]
            spec['files'] = files = write(d, 's', rows_s)
            spec['sorted'] = random.random() < 0.5
            r = frame(rows_s).set_index(c).head(n).reset_index()
            spec['expect'] = recs(r)
        elif op == 'setreset':
            # the shuffle of setIndex (unsorted partitions): pandas' set_index(c).sort_index(kind='stable'), missing last
            c = random.choice(['i', 't', 'k', 'f', 'j']); then = random.choice(['compute', 'head', 'tail', 'reset', 'len']); spec.update(col=c, then=then)
            r = df.set_index(c).sort_index(kind='stable', na_position='last')
            if then == 'head': r = r.head(4)
            elif then == 'tail': r = r.tail(4)
            spec['expect'] = [len(r)] if then == 'len' else recs(r.reset_index())
        elif op == 'resetindex':
            drop = random.random() < 0.5; spec['drop'] = drop
            spec['expect'] = recs(df.reset_index(drop=drop))
        elif op == 'rename':
            m = {c: c.upper() + '2' for c in random.sample(HDR.split(','), random.randint(1, 3))}
            if random.random() < 0.3: a, b = random.sample(HDR.split(','), 2); m = {a: b, b: a}
            spec['map'] = m
            spec['expect'] = recs(df.rename(columns=m))
        elif op in ('isna', 'notna'):
            spec['expect'] = recs(getattr(df, op)())
        elif op == 'fillna':
            v = random.choice([0.5, -1, {'f': 2.5}, {'k': 'zz'}, {'f': 0, 'k': 'q'}, 'zz', {'t': '2021-02-02T00:00:00Z'}, {'t': '2021-02-02T00:00:00Z', 'f': -1}]); spec['value'] = v
            if isinstance(v, dict) and 't' in v: v = {**v, 't': pd.Timestamp('2021-02-02')}
            # a scalar: tessera fills the columns it fits (numbers float64, strings string); pandas
            # fills every column and makes the others object, which tessera has no dtype for
            if not isinstance(v, dict): v = {c: v for c in df.columns if (df[c].dtype == object) == isinstance(v, str) and df[c].dtype.kind in 'fO'}
            spec['expect'] = recs(df.fillna(v))
        elif op == 'dropna':
            how = random.choice(['any', 'all']); sub = random.choice([None, random.sample(['k', 'f', 't', 'i', 'j'], random.randint(1, 3))])
            th = random.choice([None, None, 0, 1, 2, 3, 5, 6, 7])
            spec.update(how=None if th is not None else how, subset=sub, thresh=th)
            spec['expect'] = recs(df.dropna(thresh=th, subset=sub) if th is not None else df.dropna(how=how, subset=sub))
        elif op == 'castops':
            # a cast column through the frame operations: sorted, deduplicated, counted, described
            c, to = random.choice([('i', 'Int64'), ('j', 'Int64'), ('k', 'category'), ('i', 'float64'), ('b', 'float64'), ('b', 'int64'), ('f', 'Int64')])
            then = random.choice(['sort', 'dedup', 'nunique', 'count', 'fillna', 'describe', 'isna', 'quantile', 'merge', 'groupby', 'concat', 'head', 'tail'])
            if then == 'quantile' and to == 'category': then = 'count'  # pandas: an AssertionError; tessera: no numeric column, {}
            spec.update(col=c, to=to, then=then)
            x = df.astype({c: to})
            if then == 'sort':
                asc = random.random() < 0.5; na = random.choice(['first', 'last']); spec.update(asc=asc, na=na)
                spec['expect'] = recs(x.sort_values([c, 'j'], ascending=asc, na_position=na, kind='mergesort'))
            elif then == 'dedup': spec['expect'] = recs(x.drop_duplicates(subset=[c]))
            elif then in ('nunique', 'count'): spec['expect'] = {c: int(getattr(x[c], then)())}
            elif then == 'fillna':
                v = 'zz' if to == 'category' else 9; spec['value'] = v
                if to == 'category': x[c] = x[c].cat.add_categories(['zz'])
                spec['expect'] = recs(x[[c]].fillna(v))
            elif then == 'describe': r = x[[c]].describe(); spec['expect'] = {str(k): {str(s): cell(r[k][s]) for s in r.index} for k in r.columns}
            elif then == 'isna': spec['expect'] = recs(x[[c]].isna())
            elif then == 'quantile': spec['expect'] = {c: cell(x[c].quantile(0.3))}
            elif then == 'merge':
                rrows = mkrows(random.randint(1, 6), keys + ['zz'], 0.15); spec['right'] = write(d, 'm', rrows)
                how = random.choice(['inner', 'left', 'right', 'outer']); spec['how'] = how
                r = frame(rrows).astype({c: to})[[c, 'j']].rename(columns={'j': 'jr'})
                spec['expect'] = recs(x[[c, 'i']].merge(r, on=c, how=how))
            elif then == 'groupby':
                v = 'i' if c == 'j' else 'j'; spec['val'] = v
                # observed=False: pandas 1.5.3 with observed=True lists unordered categories as they appear, not sorted
                g = x.groupby(c, observed=False, sort=True).agg({v: ['sum', 'count']}); g.columns = [f'{v}_sum', f'{v}_count']
                g = g[g[f'{v}_count'] > 0] if to == 'category' else g
                spec['expect'] = recs(g.reset_index())
            elif then == 'concat':
                spec['expect'] = recs(pd.concat([x, x], ignore_index=True))
            else:
                n = random.randint(0, 8); spec['n'] = n; spec['expect'] = recs(getattr(x, then)(n))
        elif op == 'series':
            e, fn = random.choice(SER); a = None
            if e.startswith('t.'):
                ts = sorted(random.sample(['2021-01-01', '2021-01-03 12:30:00', '2021-02-02', '2021-03-04'], 2))
                if 'isin' in e: e = f't.isin([new Date({json.dumps(ts[0] + "Z")}), new Date({json.dumps(ts[1] + "Z")})])'; fn = lambda d, a, ts=ts: d.t.isin([pd.Timestamp(x) for x in ts]); a = None
                else:
                    inc = random.choice(['both', 'neither', 'left', 'right'])
                    e = f't.between(new Date({json.dumps(ts[0] + "Z")}), new Date({json.dumps(ts[1] + "Z")}), {json.dumps({"inclusive": inc})})'
                    fn = lambda d, a, ts=ts, inc=inc: d.t.between(pd.Timestamp(ts[0]), pd.Timestamp(ts[1]), inclusive=inc); a = None
            elif 'D' in e: a = random.choice([0, 1, 2, -1, -2]); e = e.replace('D', str(a))
            elif 'O' in e: a = random.choice([7, -1.5, 0]); e = e.replace('O', str(a))
            elif 'V' in e: a = random.sample([0, 1, 2, -1, 0.5, 1.5, -3, 2.5, 25, -15], random.randint(0, 3)); e = e.replace('V', json.dumps(a))
            elif 'SL' in e:
                lo, hi = sorted(random.sample(['a', 'b', 'B', 'c', 'd', 'e', ''], 2)); inc = random.choice(['both', 'neither', 'left', 'right'])
                e = e.replace('SL', json.dumps(lo)).replace('SU', json.dumps(hi)).replace('I', json.dumps({'inclusive': inc}))
                fn = lambda d, a, lo=lo, hi=hi, inc=inc: d.k.between(lo, hi, inclusive=inc); a = None
            elif 'S' in e: a = random.sample(keys + ['zz'], random.randint(0, 2)); e = e.replace('S', json.dumps(a))
            elif 'B' in e: a = random.sample([True, False], random.randint(0, 2)); e = e.replace('B', json.dumps(a))
            elif 'I' in e:
                lo, hi = sorted([random.choice([-2, -1, 0, 0.5, 1, 1.5, -25, 15]) for _ in range(2)]); inc = random.choice(['both', 'neither', 'left', 'right'])
                c = e[0]; e = e.replace('L', str(lo)).replace('U', str(hi)).replace('I', json.dumps({'inclusive': inc}))
                fn = lambda d, a, c=c, lo=lo, hi=hi, inc=inc: d[c].between(lo, hi, inclusive=inc); a = None
            elif 'clip' in e:
                lo = random.choice([None, -2, -0.5, 0, 1, -20]); hi = random.choice([None, 0, 1.5, 2, 30]); c = e[0]
                e = e.replace('L', 'null' if lo is None else str(lo)).replace('U', 'null' if hi is None else str(hi))
                fn = lambda d, a, c=c, lo=lo, hi=hi: d[c].clip(lo, hi); a = None
            spec['expr'] = e
            s = fn(df, a)
            spec['expect'] = {'values': [cell(v) for v in s], 'dtype': str(s.dtype)}
    except Exception as ex:
        spec['expect'] = {'error': type(ex).__name__ + ': ' + str(ex)}
    out.append(spec)
json.dump(out, open('cases14.json', 'w'))
