import json, random, sys, os, io
import pandas as pd, numpy as np, math
random.seed(int(sys.argv[1]))
POOL = ['abc', 'ABC', 'Straße', 'İstanbul', '  pad  ', 'x y z', 'ǅ', '😀ok', 'éÉ', 'a,b', 'ΣΑΣ', 'ﬁ', '', '1.5', 'tab\tx', 'aaa', 'bAnAnA']
OPS = [("lower()", lambda s: s.str.lower()), ("upper()", lambda s: s.str.upper()), ("len()", lambda s: s.str.len()),
       ("strip()", lambda s: s.str.strip()), ("slice(1, 3)", lambda s: s.str.slice(1, 3)), ("slice(-2)", lambda s: s.str.slice(-2)),
       ("slice(0, null, 2)", lambda s: s.str.slice(0, None, 2)), ("contains('a')", lambda s: s.str.contains('a', regex=False)), ("startsWith('a')", lambda s: s.str.startswith('a')),
       ("endsWith('a')", lambda s: s.str.endswith('a')), ("replace('a', 'XY')", lambda s: s.str.replace('a', 'XY', regex=False)), ("contains('A', { case: false })", lambda s: s.str.contains('A', case=False, regex=False))]
out = []
for case in range(int(sys.argv[2])):
    d = f'/tmp/dffuzz/s{case}'; os.makedirs(d, exist_ok=True)
    vals = [random.choice(POOL) for _ in range(random.randint(1, 8))]
    fn = os.path.join(d, '0.csv')
    # quoted: keeps spaces, tabs and commas
    open(fn, 'w', encoding='utf-8').write('s\n' + ''.join(('"' + v + '"' if v else '') + '\n' for v in vals))
    s = pd.read_csv(fn, keep_default_na=True).s
    name, f = random.choice(OPS)
    try:
        r = f(s); exp = [None if (isinstance(v, float) and math.isnan(v)) else (bool(v) if isinstance(v, (bool, np.bool_)) else (int(v) if isinstance(v, (int, np.integer)) else v)) for v in r]
    except Exception as e: exp = {'error': str(e)}
    out.append({'file': fn, 'op': name, 'expect': exp})
json.dump(out, open('cases11.json', 'w'))
