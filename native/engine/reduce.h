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

// segment: tmp is kBlock doubles of scratch (Var/Std).
inline Partial segment(const StagePrep& p, double* tmp, const double* x, int64_t n) {
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.value = K.sum(x, un); break;
    case ReduceOp::Prod: r.value = K.prod(x, un); break;
    case ReduceOp::Min: r.value = K.reduceMin(x, un); break;
    case ReduceOp::Max: r.value = K.reduceMax(x, un); break;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double mean = K.sum(x, un) / static_cast<double>(n);
      double* t = tmp;
      K.sub.vs(x, mean, t, un);
      K.mul.vv(t, t, t, un);
      r.count = static_cast<double>(n);
      r.mean = mean;
      r.m2 = K.sum(t, un);
      break;
    }
    case ReduceOp::None: break;
  }
  return r;
}

inline Partial combine(const StagePrep& p, const Partial& x, const Partial& y) {
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.value = x.value + y.value; break;
    case ReduceOp::Prod: r.value = x.value * y.value; break;
    case ReduceOp::Min: r.value = nanMin(x.value, y.value); break;
    case ReduceOp::Max: r.value = nanMax(x.value, y.value); break;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      if (x.count == 0) return y;
      if (y.count == 0) return x;
      const double n = x.count + y.count;
      const double delta = y.mean - x.mean;
      r.count = n;
      r.mean = x.mean + delta * (y.count / n);
      r.m2 = x.m2 + y.m2 + delta * delta * (x.count * y.count / n);
      break;
    }
    case ReduceOp::None: break;
  }
  return r;
}

inline double finalize(const StagePrep& p, const Partial& x) {
  switch (p.op) {
    case ReduceOp::Mean: return x.value / p.count;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double d = std::max(p.count - p.st->sink.ddof, 0.0);
      const double v = x.m2 / d;
      return p.op == ReduceOp::Std ? std::sqrt(v) : v;
    }
    default: return x.value;
  }
}

inline void writeOut(const StagePrep& p, int64_t addr, double v) {
  if (p.outType == DType::F64) reinterpret_cast<double*>(p.outData)[addr] = v;
  else reinterpret_cast<float*>(p.outData)[addr] = static_cast<float>(v);
}

// The result of one output element: finalized, or (sink.partials) the raw partial in planes.
inline void emit(const StagePrep& p, int64_t addr, const Partial& r) {
  if (!p.st->sink.partials) {
    writeOut(p, addr, finalize(p, r));
    return;
  }
  double* o = reinterpret_cast<double*>(p.outData);  // validated: partials imply F64
  if (!p.varLike) {
    o[addr] = r.value;
    return;
  }
  o[addr] = r.count;
  o[addr + p.keptCount] = r.mean;
  o[addr + 2 * p.keptCount] = r.m2;
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
