"""After run12.mts: read tessera's toCsv files back with pandas and compare with the frame pandas
read from the input (gen12.py's reference); where they differ, whether pandas' own to_csv of that
frame reads back the same (a frame that does not round-trip through CSV in pandas either)."""
import io, json, os, sys, glob, warnings
import pandas as pd
warnings.simplefilter('ignore')
cases = json.load(open(sys.argv[1] if len(sys.argv) > 1 else 'cases12.json'))
tally = {}
def count(k): tally[k] = tally.get(k, 0) + 1
for i, c in enumerate(cases):
    e = c['expect']
    files = sorted(glob.glob(os.path.join(c['out'], '*.csv')))
    if 'error' in e or not files: continue
    names = e['columns']
    kw = dict(float_precision='round_trip', parse_dates=c['parseDates'] or False)
    whole = os.path.join(os.path.dirname(c['files'][0]), 'whole.txt')
    if os.path.exists(whole.replace('whole.txt', 'whole-lf.txt')): whole = whole.replace('whole.txt', 'whole-lf.txt')  # pandas' CR-only bugs
    orig = pd.read_csv(whole, sep=c['sep'], header=0 if c['header'] else None, float_precision='round_trip',
                       parse_dates=[(n if c['header'] else int(n)) for n in c['parseDates']] or False)
    orig.columns = [str(x) for x in orig.columns]
    try:
        # the partitions' files as one (the headers after the first dropped): an empty partition's
        # file read alone would make its columns object
        texts = [open(f, encoding='utf-8', newline='').read() for f in files]
        joined = texts[0] + ''.join(t.split('\n', 1)[1] if '\n' in t else '' for t in texts[1:])
        back = pd.read_csv(io.StringIO(joined), **kw)
    except Exception as x:
        count('read back error'); print('ERROR', i, x); continue
    own = pd.read_csv(io.StringIO(orig.to_csv(index=False)), **kw)
    back.columns = own.columns = orig.columns
    def same(a, b):
        try:
            pd.testing.assert_frame_equal(a, b, check_dtype=True, check_exact=True); return True
        except AssertionError:
            return False
    if same(back, orig): count('same as the input frame')
    elif same(back, own): count("same as pandas' own to_csv read back (neither round-trips)")
    elif len(files) > 8:  # toCsv writes 8 partitions at a time, each batch with its own unified dtypes (run12.mts)
        count('differs, > 8 partitions (dtype per batch of 8)')
    else:
        count('differs'); print('DIFF', i, c['kinds'], '\n', back.head(3).to_dict('list'), '\n', own.head(3).to_dict('list'))
print(len(cases), 'cases', json.dumps(tally))
