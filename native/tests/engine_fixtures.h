// Shared builders for the engine's C++ tests (plans, leaves, sinks, buffers) and small references.
#pragma once

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "check.h"
#include "engine/executor.h"
#include "engine/plan.h"
#include "engine/pool.h"
#include "kernels/kernels.h"

using namespace tessera;

inline std::vector<int64_t> rowMajor(const std::vector<int64_t>& shape) {
  std::vector<int64_t> s(shape.size(), 1);
  for (int k = static_cast<int>(shape.size()) - 2; k >= 0; --k) s[k] = s[k + 1] * shape[k + 1];
  return s;
}

inline std::vector<std::vector<int64_t>> regular(const std::vector<int64_t>& shape,
                                          const std::vector<int64_t>& chunk) {
  std::vector<std::vector<int64_t>> c(shape.size());
  for (size_t k = 0; k < shape.size(); ++k) {
    for (int64_t x = 0; x < shape[k]; x += chunk[k]) c[k].push_back(std::min(chunk[k], shape[k] - x));
    if (shape[k] == 0) c[k].push_back(0);
  }
  return c;
}

inline Leaf memLeaf(int buffer, std::vector<int64_t> strides, int64_t offset = 0, DType dt = DType::F64) {
  Leaf l;
  l.kind = LeafKind::Memory;
  l.buffer = buffer;
  l.strides = std::move(strides);
  l.offset = offset;
  l.dtype = dt;
  return l;
}

inline Leaf genLeaf(LeafKind kind, std::vector<int64_t> strides, double a, double b, uint64_t seed = 0,
             DType dt = DType::F64) {
  Leaf l;
  l.kind = kind;
  l.strides = std::move(strides);
  l.a = a;
  l.b = b;
  l.seed = seed;
  l.dtype = dt;
  return l;
}

// A one-stage plan: result = leaf 0 (program: Load r0 <- leaf0), sink as given.
inline Stage loadStage(std::vector<int64_t> shape, std::vector<int64_t> chunk, Leaf leaf) {
  Stage st;
  st.shape = shape;
  st.chunks = regular(shape, chunk);
  st.leaves.push_back(std::move(leaf));
  st.program.push_back({Op::Load, 0, 0, 0});
  st.nregs = 1;
  st.result = 0;
  return st;
}

inline Sink storeSink(int buffer, std::vector<int64_t> strides, DType dt = DType::F64) {
  Sink s;
  s.reduce = ReduceOp::None;
  s.buffer = buffer;
  s.strides = std::move(strides);
  s.dtype = dt;
  s.reduceAxes.assign(s.strides.size(), 0);
  return s;
}

inline Sink reduceSink(ReduceOp op, int buffer, std::vector<uint8_t> axes, std::vector<int64_t> strides,
                double ddof = 0) {
  Sink s;
  s.reduce = op;
  s.buffer = buffer;
  s.strides = std::move(strides);
  s.reduceAxes = std::move(axes);
  s.ddof = ddof;
  return s;
}

inline BufferRef ref(std::vector<double>& v) { return BufferRef{v.data(), v.size() * sizeof(double), true}; }
inline BufferRef ref(std::vector<float>& v) { return BufferRef{v.data(), v.size() * sizeof(float), true}; }

inline bool throwsWith(const Plan& p, const char* needle) {
  try {
    validatePlan(p);
  } catch (const std::invalid_argument& e) {
    if (std::strstr(e.what(), needle)) return true;
    std::fprintf(stderr, "    message was: %s (wanted '%s')\n", e.what(), needle);
    return false;
  }
  std::fprintf(stderr, "    no exception (wanted '%s')\n", needle);
  return false;
}

inline ExecResult run(Plan p, int threads = 2) {
  Pool pool(threads);
  return runPlan(pool, std::move(p));
}

inline uint64_t bitsOf(double x) {
  uint64_t u;
  std::memcpy(&u, &x, 8);
  return u;
}

// The uniform value of element lin with the documented formula (docs/random.md).
inline double uniformRef(uint64_t seed, int64_t lin) {
  uint64_t key = kernels::randomKey(seed);
  uint64_t b = kernels::mix64(key + (static_cast<uint64_t>(lin) + 1) * kernels::kGamma);
  return static_cast<double>(b >> 11) * 0x1p-53;
}

inline Plan basicStorePlan(std::vector<double>& out) {
  Plan p;
  out.assign(50 * 50, -1);
  p.buffers.push_back(ref(out));
  Stage st = loadStage({50, 50}, {5, 10}, genLeaf(LeafKind::Arange, {50, 1}, 0, 1));
  st.sink = storeSink(0, {50, 1});
  p.stages.push_back(st);
  return p;
}

inline Plan reducePlan(std::vector<double>& out, ReduceOp op, std::vector<uint8_t> axes,
                std::vector<int64_t> chunk, double ddof = 0) {
  const std::vector<int64_t> shape = {60, 70, 9};
  Plan p;
  int64_t kept = 1;
  std::vector<int64_t> ostr(3, 0);
  for (int k = 2; k >= 0; --k)
    if (!axes[k]) {
      ostr[k] = kept;
      kept *= shape[k];
    }
  out.assign(static_cast<size_t>(kept), -7);
  p.buffers.push_back(ref(out));
  Stage st = loadStage(shape, chunk, genLeaf(LeafKind::RandomNormal, rowMajor(shape), 0.5, 2, 3));
  st.sink = reduceSink(op, 0, axes, ostr, ddof);
  p.stages.push_back(st);
  return p;
}
