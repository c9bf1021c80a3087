// The reduction algebra. A block's run of one output element is reduced by a block kernel
// (segment); runs of one output element within a task are combined by a binary-counter cascade
// (Accum, accAdd/accFlush: pairwise); per (chunk, output element) the partial goes to a slot, and
// all slots of an output element are combined after the stage in a fixed binary tree over the
// chunk index (finishReduction). finalize turns a partial into the result (mean, variance, ...);
// with sink.partials the raw partial is written instead. Inline: called per output element.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "engine/dtype_io.h"
#include "engine/partial.h"
#include "engine/pool.h"
#include "engine/stage_prep.h"
#include "kernels/kernels.h"

namespace tessera::detail {

// Reduction accumulator of the current output element inside one task.
struct Accum {
  bool active = false;
  int64_t k = 0, out = 0;
  int depth = 0;
  int level[80];
  Partial stack[80];
};

inline double nanMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a < b ? a : b;
}
inline double nanMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

// Prod of a block in scaled form (value * 2^exp). The SIMD pairwise product is kept when it is a
// normal number (no partial product overflowed or underflowed to 0); otherwise a sequential loop
// renormalizes after every factor (exact power-of-two scaling, so only the products round).
inline Partial prodSegment(const kernels::Table& K, const double* x, size_t n) {
  Partial r{};
  const double f = K.prod(x, n);
  int e = 0;
  if (std::isfinite(f) && std::fabs(f) >= std::numeric_limits<double>::min()) {
    r.value = std::frexp(f, &e);
    r.exp = e;
    return r;
  }
  double m = 1, ex = 0;
  for (size_t i = 0; i < n; ++i) {
    double v = x[i];
    if (v != 0 && std::fabs(v) < std::numeric_limits<double>::min()) {  // subnormal factor
      v = std::frexp(v, &e);
      ex += e;
    }
    m = std::frexp(m * v, &e);  // |m| < 1, so |m * v| <= DBL_MAX: no overflow
    ex += e;
  }
  r.value = m;
  r.exp = ex;
  return r;
}

inline Partial prodCombine(const Partial& x, const Partial& y) {
  Partial r{};
  int e = 0;
  r.value = std::frexp(x.value * y.value, &e);
  r.exp = x.exp + y.exp + e;
  return r;
}

inline double prodValue(const Partial& x) {
  // exponents beyond +-4096 are overflow/underflow either way (ldexp takes an int)
  const double e = std::min(std::max(x.exp, -4096.0), 4096.0);
  return std::ldexp(x.value, static_cast<int>(e));
}

// Chan's triple of x[0, n) by the corrected two-pass (n > 0): t is n doubles of scratch.
inline Partial momentsSegment(const kernels::Table& K, double* t, const double* x, size_t n) {
  // c = sum(x - mean) / n is the rounding error of the mean, kept as meanLo;
  // sum((x - mean)^2) - n c^2 is M2 about the exact mean
  Partial r{};
  const double dn = static_cast<double>(n);
  const double mean = K.sum(x, n) / dn;
  K.sub.vs(x, mean, t, n);
  const double c = K.sum(t, n) / dn;
  K.mul.vv(t, t, t, n);
  r.count = dn;
  r.mean = mean;
  r.meanLo = c;
  r.m2 = std::max(K.sum(t, n) - dn * c * c, 0.0);
  return r;
}

// The non-NaN elements of x[0, n), in order, into t; returns their count.
inline size_t compactNonNaN(double* t, const double* x, size_t n) {
  size_t m = 0;
  for (size_t i = 0; i < n; ++i) {
    t[m] = x[i];
    m += !std::isnan(x[i]);
  }
  return m;
}

// x[0, n) with NaN replaced by `fill` into t (the nan-reductions keep the SIMD kernels).
inline void replaceNaN(double* t, const double* x, size_t n, double fill) {
  for (size_t i = 0; i < n; ++i) t[i] = std::isnan(x[i]) ? fill : x[i];
}

// segment: tmp is kBlock doubles of scratch (Var/Std and the nan-reductions).
inline Partial segment(const StagePrep& p, double* tmp, const double* x, int64_t n) {
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  Partial r{};
  switch (p.op) {
    case ReduceOp::NanSum: replaceNaN(tmp, x, un, 0.0); r.value = K.sum(tmp, un); break;
    case ReduceOp::NanProd: replaceNaN(tmp, x, un, 1.0); r = prodSegment(K, tmp, un); break;
    case ReduceOp::NanMean: {
      const size_t m = compactNonNaN(tmp, x, un);
      r.value = K.sum(tmp, m);
      r.n = static_cast<double>(m);
      break;
    }
    case ReduceOp::NanVar:
    case ReduceOp::NanStd: {
      const size_t m = compactNonNaN(tmp, x, un);
      if (m > 0) r = momentsSegment(K, tmp, tmp, m);  // in place: sub reads x[i] before t[i]
      break;
    }
    case ReduceOp::NanMin:
    case ReduceOp::NanMax: {
      const size_t m = compactNonNaN(tmp, x, un);
      r.n = static_cast<double>(m);
      r.value = m == 0 ? std::numeric_limits<double>::quiet_NaN()
                : p.op == ReduceOp::NanMin ? K.reduceMin(tmp, m) : K.reduceMax(tmp, m);
      break;
    }
    case ReduceOp::Any: {
      double v = 0;
      for (size_t i = 0; i < un; ++i) v = (x[i] != 0) ? 1.0 : v;  // NaN is truthy, as NumPy
      r.value = v;
      break;
    }
    case ReduceOp::All: {
      double v = 1;
      for (size_t i = 0; i < un; ++i) v = (x[i] != 0) ? v : 0.0;
      r.value = v;
      break;
    }
    case ReduceOp::CountNonzero: {
      double c = 0;
      for (size_t i = 0; i < un; ++i) c += (x[i] != 0) ? 1.0 : 0.0;  // exact below 2^53
      r.value = c;
      break;
    }
    case ReduceOp::Ptp:
      if (n == 1) {  // kept inner axis: one element per output element
        r.value = r.mean = x[0];
        break;
      }
      r.value = K.reduceMax(x, un);
      r.mean = K.reduceMin(x, un);
      break;
    case ReduceOp::ArgMin:
    case ReduceOp::ArgMax:
    case ReduceOp::NanArgMin:
    case ReduceOp::NanArgMax: break;  // per piece with its index: vm.cc argSegment
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.value = K.sum(x, un); break;
    case ReduceOp::Prod: r = prodSegment(K, x, un); break;
    case ReduceOp::Min: r.value = K.reduceMin(x, un); break;
    case ReduceOp::Max: r.value = K.reduceMax(x, un); break;
    case ReduceOp::Var:
    case ReduceOp::Std: r = momentsSegment(K, tmp, x, un); break;
    case ReduceOp::None: break;
  }
  return r;
}

// ArgMin/ArgMax of one piece x[0, n) whose element j has index i0 + j * step: the first extreme;
// a NaN is the extreme (NumPy: the first NaN wins; -0 == +0, as NumPy's comparisons), found in one
// SIMD pass with index lanes (kernels argMax/argMin).
inline Partial argSegment(bool isMax, const double* x, int64_t n, int64_t i0, int64_t step) {
  int64_t bi = 0;
  if (n > 1) {
    const kernels::Table& K = kernels::active();
    bi = static_cast<int64_t>(isMax ? K.argMax(x, static_cast<size_t>(n)) : K.argMin(x, static_cast<size_t>(n)));
  }
  Partial r{};
  r.value = x[bi];
  r.mean = static_cast<double>(i0 + bi * step);
  return r;
}

// NanArgMin/NanArgMax of one piece: the first extreme among the non-NaN elements; an all-NaN
// piece has value NaN and index +inf (it loses every combine; an all-NaN slice finalizes to NaN,
// which the TS side turns into NumPy's "All-NaN slice encountered" error).
inline Partial nanArgSegment(bool isMax, const double* x, int64_t n, int64_t i0, int64_t step) {
  int64_t bi = -1;
  double best = std::numeric_limits<double>::quiet_NaN();
  for (int64_t j = 0; j < n; ++j) {
    const double v = x[j];
    if (!std::isnan(v) && (bi < 0 || (isMax ? v > best : v < best))) {
      best = v;
      bi = j;
    }
  }
  Partial r{};
  r.value = best;
  r.mean = bi < 0 ? std::numeric_limits<double>::infinity() : static_cast<double>(i0 + bi * step);
  return r;
}

// NaN partials (all-NaN pieces) lose; ties go to the smaller index: any order, first occurrence.
inline Partial nanArgCombine(bool isMax, const Partial& x, const Partial& y) {
  const bool xn = std::isnan(x.value), yn = std::isnan(y.value);
  if (xn || yn) return xn ? y : x;
  if (x.value == y.value) return x.mean <= y.mean ? x : y;
  return (isMax ? x.value > y.value : x.value < y.value) ? x : y;
}

// Order-independent: ties and NaNs go to the smaller index, so any combine order gives the
// first occurrence.
inline Partial argCombine(bool isMax, const Partial& x, const Partial& y) {
  const bool xn = std::isnan(x.value), yn = std::isnan(y.value);
  if (xn || yn) {
    if (xn && yn) return x.mean <= y.mean ? x : y;
    return xn ? x : y;
  }
  if (x.value == y.value) return x.mean <= y.mean ? x : y;
  return (isMax ? x.value > y.value : x.value < y.value) ? x : y;
}

// Integer reductions (StagePrep::intRed): 64-bit values, wrapping like NumPy's int64/uint64
// accumulators; exact, so any combine order gives the same bits. Unsigned and bool values are
// uint64 bit patterns in ival (compared as unsigned).
inline bool intLess(bool sgn, int64_t a, int64_t b) {
  return sgn ? a < b : static_cast<uint64_t>(a) < static_cast<uint64_t>(b);
}
template <DType d>
inline int64_t widenInt(typename Elem<d>::type v) {
  if constexpr (d == DType::Bool) return v != 0;
  else if constexpr (std::is_signed_v<typename Elem<d>::type>) return static_cast<int64_t>(v);
  else return static_cast<int64_t>(static_cast<uint64_t>(v));
}
template <DType d>
inline Partial intSegment(const StagePrep& p, const typename Elem<d>::type* x, int64_t n) {
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::NanSum: {
      if constexpr (d != DType::Bool) {  // SIMD, widened by lanes (kernels sumInt)
        r.ival = static_cast<int64_t>(kernels::active().sumInt[static_cast<int>(d)](x, static_cast<size_t>(n)));
      } else {
        uint64_t s = 0;
        for (int64_t i = 0; i < n; ++i) s += static_cast<uint64_t>(widenInt<d>(x[i]));
        r.ival = static_cast<int64_t>(s);
      }
      break;
    }
    case ReduceOp::Prod:
    case ReduceOp::NanProd: {
      uint64_t s = 1;
      for (int64_t i = 0; i < n; ++i) s *= static_cast<uint64_t>(widenInt<d>(x[i]));
      r.ival = static_cast<int64_t>(s);
      break;
    }
    case ReduceOp::Min:
    case ReduceOp::NanMin:
    case ReduceOp::Max:
    case ReduceOp::NanMax:
    case ReduceOp::Ptp: {
      auto lo = x[0], hi = x[0];
      for (int64_t i = 1; i < n; ++i) {
        lo = x[i] < lo ? x[i] : lo;
        hi = x[i] > hi ? x[i] : hi;
      }
      const bool mn = p.op == ReduceOp::Min || p.op == ReduceOp::NanMin;
      r.ival = widenInt<d>(mn ? lo : hi);
      r.ival2 = widenInt<d>(lo);
      break;
    }
    case ReduceOp::Any: {
      bool v = false;
      for (int64_t i = 0; i < n; ++i) v |= x[i] != 0;
      r.ival = v;
      break;
    }
    case ReduceOp::All: {
      bool v = true;
      for (int64_t i = 0; i < n; ++i) v &= x[i] != 0;
      r.ival = v;
      break;
    }
    case ReduceOp::CountNonzero: {
      int64_t c = 0;
      for (int64_t i = 0; i < n; ++i) c += x[i] != 0;
      r.ival = c;
      break;
    }
    default: break;
  }
  return r;
}
// ArgMin/ArgMax (and the nan forms: no NaN in integers) of one piece: the first extreme.
template <DType d>
inline Partial intArgSegment(bool isMax, const typename Elem<d>::type* x, int64_t n, int64_t i0, int64_t step) {
  int64_t bi = 0;
  auto best = x[0];
  for (int64_t j = 1; j < n; ++j)
    if (isMax ? x[j] > best : x[j] < best) {
      best = x[j];
      bi = j;
    }
  Partial r{};
  r.ival = widenInt<d>(best);
  r.mean = static_cast<double>(i0 + bi * step);
  return r;
}
inline Partial combineInt(const StagePrep& p, const Partial& x, const Partial& y) {
  const bool sgn = p.intSigned;
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::NanSum:
    case ReduceOp::CountNonzero:
      r.ival = static_cast<int64_t>(static_cast<uint64_t>(x.ival) + static_cast<uint64_t>(y.ival));
      break;
    case ReduceOp::Prod:
    case ReduceOp::NanProd:
      r.ival = static_cast<int64_t>(static_cast<uint64_t>(x.ival) * static_cast<uint64_t>(y.ival));
      break;
    case ReduceOp::Min:
    case ReduceOp::NanMin: r.ival = intLess(sgn, y.ival, x.ival) ? y.ival : x.ival; break;
    case ReduceOp::Max:
    case ReduceOp::NanMax: r.ival = intLess(sgn, x.ival, y.ival) ? y.ival : x.ival; break;
    case ReduceOp::Ptp:
      r.ival = intLess(sgn, x.ival, y.ival) ? y.ival : x.ival;
      r.ival2 = intLess(sgn, y.ival2, x.ival2) ? y.ival2 : x.ival2;
      break;
    case ReduceOp::Any: r.ival = x.ival | y.ival; break;
    case ReduceOp::All: r.ival = x.ival & y.ival; break;
    case ReduceOp::ArgMin:
    case ReduceOp::NanArgMin:
    case ReduceOp::ArgMax:
    case ReduceOp::NanArgMax: {
      const bool isMax = p.op == ReduceOp::ArgMax || p.op == ReduceOp::NanArgMax;
      if (x.ival == y.ival) return x.mean <= y.mean ? x : y;
      return (isMax ? intLess(sgn, y.ival, x.ival) : intLess(sgn, x.ival, y.ival)) ? x : y;
    }
    default: break;
  }
  return r;
}

inline Partial combine(const StagePrep& p, const Partial& x, const Partial& y) {
  if (p.intRed) return combineInt(p, x, y);
  Partial r{};
  switch (p.op) {
    case ReduceOp::ArgMin: return argCombine(false, x, y);
    case ReduceOp::ArgMax: return argCombine(true, x, y);
    case ReduceOp::NanArgMin: return nanArgCombine(false, x, y);
    case ReduceOp::NanArgMax: return nanArgCombine(true, x, y);
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.value = x.value + y.value; break;
    case ReduceOp::Prod:
    case ReduceOp::NanProd: r = prodCombine(x, y); break;
    case ReduceOp::NanSum:
    case ReduceOp::CountNonzero: r.value = x.value + y.value; break;
    case ReduceOp::NanMean: r.value = x.value + y.value; r.n = x.n + y.n; break;
    case ReduceOp::NanMin:
    case ReduceOp::NanMax:
      if (x.n == 0) return y;
      if (y.n == 0) return x;
      r.n = x.n + y.n;
      r.value = p.op == ReduceOp::NanMin ? std::min(x.value, y.value) : std::max(x.value, y.value);
      break;
    case ReduceOp::Any: r.value = std::max(x.value, y.value); break;
    case ReduceOp::All: r.value = std::min(x.value, y.value); break;
    case ReduceOp::Ptp: r.value = nanMax(x.value, y.value); r.mean = nanMin(x.mean, y.mean); break;
    case ReduceOp::Min: r.value = nanMin(x.value, y.value); break;
    case ReduceOp::Max: r.value = nanMax(x.value, y.value); break;
    case ReduceOp::Var:
    case ReduceOp::Std:
    case ReduceOp::NanVar:
    case ReduceOp::NanStd: {
      if (x.count == 0) return y;
      if (y.count == 0) return x;
      // Chan's combine with double-double means: y.mean - x.mean is exact for close means
      // (Sterbenz), so delta carries the low parts and the new mean keeps its rounding error
      const double n = x.count + y.count;
      const double delta = (y.mean - x.mean) + (y.meanLo - x.meanLo);
      const double step = delta * (y.count / n);
      const double hi = x.mean + step;
      const double bb = hi - x.mean;
      const double err = (x.mean - (hi - bb)) + (step - bb);  // TwoSum error of x.mean + step
      r.count = n;
      r.mean = hi;
      r.meanLo = x.meanLo + err;
      r.m2 = x.m2 + y.m2 + delta * delta * (x.count * y.count / n);
      break;
    }
    case ReduceOp::None: break;
  }
  return r;
}

inline double finalize(const StagePrep& p, const Partial& x) {
  switch (p.op) {
    case ReduceOp::Prod:
    case ReduceOp::NanProd: return prodValue(x);
    case ReduceOp::Mean: return x.value / p.count;
    case ReduceOp::NanMean: return x.value / x.n;  // all-NaN: 0 / 0 = NaN, as NumPy
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double d = std::max(p.count - p.st->sink.ddof, 0.0);
      const double v = x.m2 / d;
      return p.op == ReduceOp::Std ? std::sqrt(v) : v;
    }
    case ReduceOp::NanVar:
    case ReduceOp::NanStd: {
      // the non-NaN count; all-NaN (count 0): NaN, as NumPy
      const double d = std::max(x.count - p.st->sink.ddof, 0.0);
      const double v = x.count == 0 ? std::numeric_limits<double>::quiet_NaN() : x.m2 / d;
      return p.op == ReduceOp::NanStd ? std::sqrt(v) : v;
    }
    case ReduceOp::Ptp: return x.value - x.mean;
    case ReduceOp::ArgMin:
    case ReduceOp::ArgMax: return x.mean;
    case ReduceOp::NanArgMin:
    case ReduceOp::NanArgMax: return std::isnan(x.value) ? std::numeric_limits<double>::quiet_NaN() : x.mean;
    default: return x.value;
  }
}

inline void writeOut(const StagePrep& p, int64_t addr, double v) {
  if (p.outType == DType::F64) {
    reinterpret_cast<double*>(p.outData)[addr] = v;
    return;
  }
  withDType(p.outType, [&](auto dt) {
    constexpr DType d = decltype(dt)::value;
    reinterpret_cast<typename Elem<d>::type*>(p.outData)[addr] = storeAs<d>(v);
  });
}
// A 64-bit integer result (signed: as int64, else as uint64) stored as the sink's dtype.
inline void writeOutInt(const StagePrep& p, int64_t addr, int64_t v, bool sgn) {
  withDType(p.outType, [&](auto dt) {
    constexpr DType d = decltype(dt)::value;
    using T = typename Elem<d>::type;
    T* o = reinterpret_cast<T*>(p.outData) + addr;
    if constexpr (d == DType::F64 || d == DType::F32)
      *o = sgn ? static_cast<T>(v) : static_cast<T>(static_cast<uint64_t>(v));
    else if constexpr (d == DType::Bool)
      *o = v != 0;
    else
      *o = static_cast<T>(static_cast<uint64_t>(v));  // wraps (sum of int32 stored as int32)
  });
}

// The result of one output element: finalized, or (sink.partials) the raw partial in planes.
inline void emit(const StagePrep& p, int64_t addr, const Partial& r) {
  if (p.intRed) {  // no partials (validated)
    switch (p.op) {
      case ReduceOp::ArgMin:
      case ReduceOp::ArgMax:
      case ReduceOp::NanArgMin:
      case ReduceOp::NanArgMax: writeOut(p, addr, r.mean); return;
      case ReduceOp::Ptp:
        writeOutInt(p, addr, static_cast<int64_t>(static_cast<uint64_t>(r.ival) - static_cast<uint64_t>(r.ival2)), p.intSigned);
        return;
      default: writeOutInt(p, addr, r.ival, p.intSigned); return;
    }
  }
  if (!p.st->sink.partials) {
    writeOut(p, addr, finalize(p, r));
    return;
  }
  double* o = reinterpret_cast<double*>(p.outData);  // validated: partials imply F64
  if (p.op == ReduceOp::Prod || p.op == ReduceOp::NanProd) {  // two planes: mantissa, exponent
    o[addr] = r.value;
    o[addr + p.keptCount] = r.exp;
    return;
  }
  if (!p.varLike) {
    o[addr] = r.value;
    return;
  }
  // four planes: count, mean, M2, meanLo (the double-double mean's low part)
  o[addr] = r.count;
  o[addr + p.keptCount] = r.mean;
  o[addr + 2 * p.keptCount] = r.m2;
  o[addr + 3 * p.keptCount] = r.meanLo;
}

inline void accFlush(StagePrep& p, Accum& acc, int64_t rc) {
  Partial r = acc.stack[acc.depth - 1];
  for (int i = acc.depth - 2; i >= 0; --i) r = combine(p, acc.stack[i], r);
  if (p.singleReduceChunk) emit(p, acc.out, r);
  else p.partials[static_cast<size_t>(acc.k * p.nRed + rc)] = r;
  acc.active = false;
  acc.depth = 0;
}

inline void accAdd(StagePrep& p, Accum& acc, int64_t k, int64_t out, const Partial& part, int64_t rc) {
  if (!acc.active || acc.k != k) {
    if (acc.active) accFlush(p, acc, rc);
    acc.active = true;
    acc.k = k;
    acc.out = out;
    acc.depth = 0;
  }
  Partial v = part;
  int lvl = 0;
  while (acc.depth > 0 && acc.level[acc.depth - 1] == lvl) {
    v = combine(p, acc.stack[acc.depth - 1], v);
    --acc.depth;
    ++lvl;
  }
  acc.stack[acc.depth] = v;
  acc.level[acc.depth] = lvl;
  ++acc.depth;
}

// After a stage whose outputs span several chunks: combine each output element's slots and emit
// it (identities for an empty reduction). Checks job.cancelled() every 1024 outputs.
void finishReduction(const Job& job, StagePrep& p);

}  // namespace tessera::detail
