import json, random, sys, warnings
import numpy as np
from common import chunks_for, enc
warnings.filterwarnings('ignore')
np.seterr(all='ignore')
random.seed(int(sys.argv[1]))
DT = ['bool','int8','int16','int32','int64','uint8','uint16','uint32','uint64','float32','float64']
BIN = ['add','subtract','multiply','true_divide','floor_divide','mod','fmod','remainder','power','maximum','minimum','fmax','fmin','arctan2','hypot','copysign','bitwise_and','bitwise_or','bitwise_xor','left_shift','right_shift','equal','not_equal','less','less_equal','greater','greater_equal','logical_and','logical_or','logical_xor']
TS = {'add':'add','subtract':'sub','multiply':'mul','true_divide':'div','floor_divide':'floorDivide','mod':'mod','fmod':'fmod','remainder':'remainder','power':'pow','maximum':'maximum','minimum':'minimum','fmax':'fmax','fmin':'fmin','arctan2':'arctan2','hypot':'hypot','copysign':'copysign','bitwise_and':'bitwiseAnd','bitwise_or':'bitwiseOr','bitwise_xor':'bitwiseXor','left_shift':'leftShift','right_shift':'rightShift','equal':'eq','not_equal':'ne','less':'lt','less_equal':'le','greater':'gt','greater_equal':'ge','logical_and':'logicalAnd','logical_or':'logicalOr','logical_xor':'logicalXor'}
UN = {'negative':'neg','absolute':'abs','exp':'exp','log':'log','sqrt':'sqrt','sin':'sin','cos':'cos','square':'square','reciprocal':'reciprocal','sign':'sign','floor':'floor','ceil':'ceil','trunc':'trunc','rint':'rint','cbrt':'cbrt','tan':'tan','sinh':'sinh','cosh':'cosh','tanh':'tanh','arcsin':'arcsin','arccos':'arccos','arctan':'arctan','arcsinh':'arcsinh','arccosh':'arccosh','arctanh':'arctanh','exp2':'exp2','expm1':'expm1','log2':'log2','log10':'log10','log1p':'log1p','deg2rad':'deg2rad','rad2deg':'rad2deg','logical_not':'logicalNot','isnan':'isnan','isinf':'isinf','isfinite':'isfinite','signbit':'signbit','invert':'invert','nan_to_num':'nanToNum'}
def data(dt, size, extreme):
    if dt == 'bool': return [random.random() < 0.5 for _ in range(size)]
    if dt.startswith('float'):
        out = []
        for _ in range(size):
            r = random.random()
            if r < 0.05: out.append(float('nan'))
            elif r < 0.08: out.append(float('inf') * random.choice([1,-1]))
            elif r < 0.12: out.append(random.choice([0.0, -0.0]))
            else: out.append(round(random.uniform(-5, 5), 2) if not extreme else random.choice([1e300, -1e300, 3e38, 1e-310, 0.5, -2.5, 2.5]))
        return out
    info = np.iinfo(dt)
    if extreme: return [random.choice([int(info.min), int(info.max), 0, 1, -1 if info.min < 0 else 2]) for _ in range(size)]
    lo, hi = max(int(info.min), -9), min(int(info.max), 9)
    return [random.randint(lo, hi) for _ in range(size)]
cases = []
for k in range(int(sys.argv[2])):
    n = random.randint(1, 6)
    extreme = random.random() < 0.3
    if random.random() < 0.65:
        op = random.choice(BIN); da, db = random.choice(DT), random.choice(DT)
        shb = random.choice([[n], [1], [2, n] if True else None])
        a = np.array(data(da, n, extreme), dtype=da); b = np.array(data(db, int(np.prod(shb)), extreme), dtype=db).reshape(shb)
        try: res = enc(getattr(np, op)(a, b))
        except Exception as e: res = {'error': type(e).__name__ + ': ' + str(e)}
        cases.append({'op': TS[op], 'args': [enc(a), enc(b)], 'chunks': [chunks_for(n), [chunks_for(s) for s in shb]], 'expect': res})
    else:
        op = random.choice(list(UN)); da = random.choice(DT)
        a = np.array(data(da, n, extreme), dtype=da)
        try: res = enc(getattr(np, op)(a))
        except Exception as e: res = {'error': type(e).__name__ + ': ' + str(e)}
        cases.append({'op': UN[op], 'args': [enc(a)], 'chunks': [chunks_for(n)], 'expect': res})
json.dump(cases, open('cases2.json', 'w'))
