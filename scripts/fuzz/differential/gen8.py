import json, random, sys, os, math, io
import numpy as np, pandas as pd
from common import cell
random.seed(int(sys.argv[1])); N = int(sys.argv[2])
FIELDS = ['year','month','day','hour','minute','second','microsecond','dayofweek','weekday','dayofyear','quarter','daysInMonth','isMonthStart','isMonthEnd','isQuarterStart','isQuarterEnd','isYearStart','isYearEnd','isLeapYear','date']
PD = {'daysInMonth':'days_in_month','isMonthStart':'is_month_start','isMonthEnd':'is_month_end','isQuarterStart':'is_quarter_start','isQuarterEnd':'is_quarter_end','isYearStart':'is_year_start','isYearEnd':'is_year_end','isLeapYear':'is_leap_year'}
out = []
for case in range(N):
    d = f'/tmp/dffuzz/t{case}'; os.makedirs(d, exist_ok=True)
    for f in os.listdir(d): os.remove(os.path.join(d, f))
    n = random.randint(1, 20)
    rows = []
    base = random.choice([-2208988800, -86400*400, 0, 946684800, 951782400, 4102444800, 1709164800])
    for r in range(n):
        if random.random() < 0.1: rows.append(',1'); continue
        t = base + random.randint(-86400*800, 86400*800) + random.choice([0, 0.5, 0.123]) if random.random() < 0.2 else base + random.randint(-86400*800, 86400*800)
        ts = pd.Timestamp(t, unit='s')
        rows.append(ts.strftime('%Y-%m-%d %H:%M:%S') + (('.%03d' % (ts.microsecond // 1000)) if ts.microsecond else '') + f',{r}')
    nparts = random.randint(1, 3)
    cuts = sorted(random.randint(0, n) for _ in range(nparts - 1)); bounds = [0] + cuts + [n]
    files = []
    for p in range(nparts):
        fn = os.path.join(d, f'{p}.csv'); files.append(fn)
        open(fn, 'w').write('t,v\n' + ''.join(r + '\n' for r in rows[bounds[p]:bounds[p+1]]))
    df = pd.read_csv(io.StringIO('t,v\n' + ''.join(r + '\n' for r in rows)), parse_dates=['t'])
    kind = random.choice(['field', 'field', 'floor', 'ceil', 'round', 'resample'])
    e = {'files': files, 'kind': kind}
    try:
        if kind == 'field':
            fld = random.choice(FIELDS); e['field'] = fld
            s = getattr(df.t.dt, PD.get(fld, fld))
            if fld == 'date': s = pd.to_datetime(s)
            e['expect'] = [cell(v) for v in s]
        elif kind in ('floor', 'ceil', 'round'):
            fr = random.choice(['1h', '15min', '1D', '1s', '2h']); e['freq'] = fr
            e['expect'] = [cell(v) for v in getattr(df.t.dt, kind)(fr)]
        else:
            rule = random.choice(['1h', '1D', 'M', 'MS', 'Q', 'A', 'W', 'W-MON', 'QS', 'AS']); agg = random.choice(['mean', 'sum', 'count', 'min', 'max', 'first', 'last']); e['rule'] = rule; e['agg'] = agg
            r = getattr(df.dropna(subset=['t']).set_index('t').resample(rule), agg)()
            e['expect'] = [[cell(i), cell(v)] for i, v in zip(r.index, r.v)]
    except Exception as ex:
        e['expect'] = {'error': type(ex).__name__ + ': ' + str(ex)}
    out.append(e)
json.dump(out, open('cases8.json', 'w'))
