// Reductions: against naive references, NaN propagation, ddof, and partial sinks that combine to the full stage.
#include "engine_fixtures.h"
#include <limits>

TEST(reductions_against_naive) {
  const std::vector<int64_t> shape = {60, 70, 9};
  std::vector<double> x(60 * 70 * 9);
  {
    Plan p;
    p.buffers.push_back(ref(x));
    Stage st = loadStage(shape, {60, 70, 9}, genLeaf(LeafKind::RandomNormal, rowMajor(shape), 0.5, 2, 3));
    st.sink = storeSink(0, rowMajor(shape));
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
  }
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max,
                          ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
  const std::vector<std::vector<uint8_t>> axesList = {{1, 1, 1}, {1, 0, 0}, {0, 1, 0}, {0, 0, 1}, {1, 0, 1}, {0, 1, 1}};
  for (ReduceOp op : ops) {
    for (const auto& axes : axesList) {
      for (double ddof : {0.0, 1.0}) {
        std::vector<double> out;
        Plan p = reducePlan(out, op, axes, {13, 32, 4}, ddof);
        ExecResult r = run(p);
        CHECK(r.status == ExecResult::Status::Ok);
        // naive
        int64_t kept = static_cast<int64_t>(out.size());
        std::vector<long double> s(kept, 0), s2(kept, 0), pr(kept, 1), mn(kept, INFINITY), mx(kept, -INFINITY);
        std::vector<int64_t> cnt(kept, 0);
        for (int64_t i = 0; i < 60; ++i)
          for (int64_t j = 0; j < 70; ++j)
            for (int64_t k = 0; k < 9; ++k) {
              int64_t c[3] = {i, j, k};
              int64_t K = 0;
              for (int a = 0; a < 3; ++a)
                if (!axes[a]) K = K * shape[a] + c[a];
              long double v = x[(i * 70 + j) * 9 + k];
              s[K] += v;
              s2[K] += v * v;
              pr[K] *= v;
              mn[K] = std::min(mn[K], v);
              mx[K] = std::max(mx[K], v);
              cnt[K]++;
            }
        double maxErr = 0;
        for (int64_t K = 0; K < kept; ++K) {
          long double n = cnt[K], mean = s[K] / n, want = 0;
          long double var = (s2[K] - n * mean * mean) / (n - ddof);
          switch (op) {
            case ReduceOp::Sum: want = s[K]; break;
            case ReduceOp::Prod: want = pr[K]; break;
            case ReduceOp::Min: want = mn[K]; break;
            case ReduceOp::Max: want = mx[K]; break;
            case ReduceOp::Mean: want = mean; break;
            case ReduceOp::Var: want = var; break;
            case ReduceOp::Std: want = std::sqrt(var); break;
            default: break;
          }
          double err = std::fabs(static_cast<double>((out[K] - want) / (std::fabs(want) + 1e-300)));
          if (op == ReduceOp::Prod && !(std::fabs(want) > 1e-290L && std::fabs(want) < 1e290L))
            err = (std::fabs(want) >= 1e290L) ? (std::isinf(out[K]) || std::fabs(out[K]) > 1e280 ? 0 : 1)
                                             : (std::fabs(out[K]) < 1e-280 ? 0 : 1);
          else if (op == ReduceOp::Sum || op == ReduceOp::Mean)
            err = std::fabs(static_cast<double>(out[K] - want)) / (1e-12 + static_cast<double>(std::sqrt(s2[K])));
          maxErr = std::max(maxErr, err);
        }
        if (!(maxErr < 1e-10))
          std::fprintf(stderr, "    op %d axes %d%d%d ddof %g: max rel err %g\n", static_cast<int>(op),
                       axes[0], axes[1], axes[2], ddof, maxErr);
        CHECK(maxErr < 1e-10);
      }
    }
  }
}

TEST(min_max_nan_propagation) {
  const int64_t n = 5000;
  std::vector<double> x(n), out(1);
  for (int64_t i = 0; i < n; ++i) x[i] = static_cast<double>((i * 7919) % 1000);
  x[3777] = std::nan("");
  for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max, ReduceOp::Sum}) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n}, {700}, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK(std::isnan(out[0]));
  }
  x[3777] = 5;
  for (ReduceOp op : {ReduceOp::Min, ReduceOp::Max}) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({n}, {700}, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], op == ReduceOp::Min ? 0.0 : 999.0);
  }
}

TEST(mean_var_std_ddof) {
  std::vector<double> x = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10}, out(1);
  auto one = [&](ReduceOp op, double ddof, std::vector<int64_t> chunk) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({10}, chunk, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0}, ddof);
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    return out[0];
  };
  for (int64_t c : {1, 3, 10}) {
    CHECK_NEAR(one(ReduceOp::Mean, 0, {c}), 5.5, 1e-15);
    CHECK_NEAR(one(ReduceOp::Var, 0, {c}), 8.25, 1e-13);
    CHECK_NEAR(one(ReduceOp::Var, 1, {c}), 82.5 / 9, 1e-13);
    CHECK_NEAR(one(ReduceOp::Std, 1, {c}), std::sqrt(82.5 / 9), 1e-13);
    CHECK_EQ(one(ReduceOp::Prod, 0, {c}), 3628800.0);
  }
  CHECK(std::isinf(one(ReduceOp::Var, 10, {3})));  // numpy: division by max(n - ddof, 0)
}

TEST(issue14_reductions_closed_forms) {
  // x = 1..10 with NaN at 3 and 7 (0-based), a 0 at 5; NumPy's answers by hand
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> x = {1, 2, 3, nan, 5, 0, 7, nan, 9, 10}, out(1);
  auto one = [&](ReduceOp op, std::vector<int64_t> chunk, std::vector<double>* data = nullptr) {
    std::vector<double>& d = data ? *data : x;
    Plan p;
    p.buffers.push_back(ref(d));
    p.buffers.push_back(ref(out));
    Stage st = loadStage({static_cast<int64_t>(d.size())}, chunk, memLeaf(0, {1}));
    st.sink = reduceSink(op, 1, {1}, {0});
    p.stages.push_back(st);
    CHECK(run(p).status == ExecResult::Status::Ok);
    return out[0];
  };
  for (int64_t c : {1, 3, 4, 10}) {
    CHECK_EQ(one(ReduceOp::NanSum, {c}), 37.0);
    CHECK_EQ(one(ReduceOp::NanProd, {c}), 0.0);
    CHECK_EQ(one(ReduceOp::NanMean, {c}), 37.0 / 8);
    CHECK_EQ(one(ReduceOp::NanMin, {c}), 0.0);
    CHECK_EQ(one(ReduceOp::NanMax, {c}), 10.0);
    CHECK_EQ(one(ReduceOp::CountNonzero, {c}), 9.0);  // NaN is non-zero
    CHECK_EQ(one(ReduceOp::Any, {c}), 1.0);
    CHECK_EQ(one(ReduceOp::All, {c}), 0.0);
    CHECK(std::isnan(one(ReduceOp::Ptp, {c})));
    CHECK_EQ(one(ReduceOp::ArgMax, {c}), 3.0);  // the first NaN wins
    CHECK_EQ(one(ReduceOp::ArgMin, {c}), 3.0);
  }
  std::vector<double> ties = {1, 5, 0, 5, 0, 5}, allNaN = {nan, nan, nan};
  for (int64_t c : {1, 2, 4, 6}) {
    CHECK_EQ(one(ReduceOp::ArgMax, {c}, &ties), 1.0);
    CHECK_EQ(one(ReduceOp::ArgMin, {c}, &ties), 2.0);
    CHECK_EQ(one(ReduceOp::Ptp, {c}, &ties), 5.0);
  }
  // nanargmin/nanargmax: NaN skipped, first of equal extremes, all-NaN -> NaN (TS raises)
  std::vector<double> nties = {nan, 5, 0, nan, 5, 0, 5};
  for (int64_t c : {1, 2, 3, 7}) {
    CHECK_EQ(one(ReduceOp::NanArgMax, {c}), 9.0);
    CHECK_EQ(one(ReduceOp::NanArgMin, {c}), 5.0);
    CHECK_EQ(one(ReduceOp::NanArgMax, {c}, &nties), 1.0);
    CHECK_EQ(one(ReduceOp::NanArgMin, {c}, &nties), 2.0);
  }
  CHECK(std::isnan(one(ReduceOp::NanArgMin, {2}, &allNaN)));
  CHECK(std::isnan(one(ReduceOp::NanArgMax, {1}, &allNaN)));
  CHECK(std::isnan(one(ReduceOp::NanMin, {2}, &allNaN)));
  CHECK(std::isnan(one(ReduceOp::NanMean, {2}, &allNaN)));
  CHECK(std::isnan(one(ReduceOp::NanVar, {2}, &allNaN)));
  CHECK_EQ(one(ReduceOp::NanSum, {2}, &allNaN), 0.0);
  CHECK_EQ(one(ReduceOp::NanProd, {2}, &allNaN), 1.0);
  // prod: a 0 beside a product past DBL_MAX is 0 (NumPy's sequential loop), and
  // 1e200 * 1e200 * 1e-200 * 1e-200 comes back into range
  std::vector<double> big(3000);
  for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<double>(i);
  CHECK_EQ(one(ReduceOp::Prod, {1000}, &big), 0.0);
  std::vector<double> back = {1e200, 1e200, 1e-200, 1e-200};
  CHECK_NEAR(one(ReduceOp::Prod, {1}, &back), 1.0, 1e-15);
  CHECK_NEAR(one(ReduceOp::Prod, {4}, &back), 1.0, 1e-15);
}

// ------------------------------------------------------------------------------------------------
// sink.partials: the distributed scheduler runs each chunk of a reduction as a one-chunk
// sub-stage writing raw partials, and combines them as finishStage does. That must give the bits
// of the full stage, including var/std and tile-sensitive (transposed) memory inputs.

namespace {

struct P3 {
  double a, b, c, d = 0;  // var/std: count, mean, M2, meanLo
};

P3 combineRef(ReduceOp op, const P3& x, const P3& y) {
  switch (op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: return {x.a + y.a, 0, 0};
    case ReduceOp::Prod: {  // scaled: mantissa a, exponent b
      int e = 0;
      const double m = std::frexp(x.a * y.a, &e);
      return {m, x.b + y.b + e, 0};
    }
    case ReduceOp::Min:
      return {std::isnan(x.a) || std::isnan(y.a) ? NAN : (x.a < y.a ? x.a : y.a), 0, 0};
    case ReduceOp::Max:
      return {std::isnan(x.a) || std::isnan(y.a) ? NAN : (x.a > y.a ? x.a : y.a), 0, 0};
    case ReduceOp::Var:
    case ReduceOp::Std: {
      if (x.a == 0) return y;
      if (y.a == 0) return x;
      const double n = x.a + y.a;
      const double delta = (y.b - x.b) + (y.d - x.d);
      const double step = delta * (y.a / n);
      const double hi = x.b + step;
      const double bb = hi - x.b;
      const double err = (x.b - (hi - bb)) + (step - bb);
      return {n, hi, x.c + y.c + delta * delta * (x.a * y.a / n), x.d + err};
    }
    default: return x;
  }
}

P3 treeRef(ReduceOp op, const std::vector<P3>& s, size_t lo, size_t hi) {
  if (hi - lo == 1) return s[lo];
  const size_t mid = lo + (hi - lo) / 2;
  return combineRef(op, treeRef(op, s, lo, mid), treeRef(op, s, mid, hi));
}

double finalizeRef(ReduceOp op, const P3& r, double count, double ddof) {
  switch (op) {
    case ReduceOp::Mean: return r.a / count;
    case ReduceOp::Prod: return std::ldexp(r.a, static_cast<int>(std::min(std::max(r.b, -4096.0), 4096.0)));
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double v = r.c / std::max(count - ddof, 0.0);
      return op == ReduceOp::Std ? std::sqrt(v) : v;
    }
    default: return r.a;
  }
}

// Runs `full` (one stage, memory leaf 0 = x, sink contiguous over the kept axes) as a whole and
// as per-chunk partial sub-stages; true when every output has the same bits.
bool splitMatchesFull(std::vector<double>& x, const Stage& full, DType outType) {
  const ReduceOp op = full.sink.reduce;
  const bool varLike = op == ReduceOp::Var || op == ReduceOp::Std;
  const size_t nd = full.shape.size();
  const std::vector<uint8_t>& axes = full.sink.reduceAxes;
  int64_t kept = 1;
  double count = 1;
  for (size_t k = 0; k < nd; ++k) {
    if (axes[k]) count *= static_cast<double>(full.shape[k]);
    else kept *= full.shape[k];
  }
  std::vector<double> want(static_cast<size_t>(kept));
  std::vector<float> want32(static_cast<size_t>(kept));
  {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(outType == DType::F64 ? ref(want) : ref(want32));
    Stage st = full;
    st.sink.buffer = 1;
    st.sink.dtype = outType;
    p.stages.push_back(st);
    if (run(p).status != ExecResult::Status::Ok) return false;
  }
  // per-chunk sub-stages
  std::vector<int64_t> nchunks(nd);
  int64_t ntasks = 1;
  for (size_t k = 0; k < nd; ++k) ntasks *= (nchunks[k] = static_cast<int64_t>(full.chunks[k].size()));
  std::vector<std::vector<double>> parts(static_cast<size_t>(ntasks));
  std::vector<std::vector<int64_t>> starts(static_cast<size_t>(ntasks)), exts(static_cast<size_t>(ntasks));
  for (int64_t t = 0; t < ntasks; ++t) {
    std::vector<int64_t> start(nd), ext(nd);
    int64_t rem = t;
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k) {
      const int64_t ci = rem % nchunks[k];
      rem /= nchunks[k];
      int64_t s = 0;
      for (int64_t i = 0; i < ci; ++i) s += full.chunks[k][static_cast<size_t>(i)];
      start[k] = s;
      ext[k] = full.chunks[k][static_cast<size_t>(ci)];
    }
    Stage sub = full;
    sub.shape = ext;
    sub.chunks.assign(nd, {});
    for (size_t k = 0; k < nd; ++k) sub.chunks[k] = {ext[k]};
    for (Leaf& l : sub.leaves)
      for (size_t k = 0; k < nd; ++k) l.offset += start[k] * l.strides[k];
    int64_t keptBox = 1;
    std::vector<int64_t> strides(nd, 0);
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k)
      if (!axes[k]) {
        strides[k] = keptBox;
        keptBox *= ext[k];
      }
    sub.sink.strides = strides;
    sub.sink.offset = 0;
    sub.sink.buffer = 1;
    sub.sink.dtype = DType::F64;
    sub.sink.partials = true;
    const bool prod = op == ReduceOp::Prod;
    parts[t].assign(static_cast<size_t>(keptBox * (varLike ? 4 : prod ? 2 : 1)), -7);
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(ref(parts[t]));
    p.stages.push_back(sub);
    if (run(p, 1).status != ExecResult::Status::Ok) return false;
    starts[t] = start;
    exts[t] = ext;
  }
  // combine: per kept output element, the partials of its chunks in reduced-chunk row-major order
  bool same = true;
  std::vector<int64_t> cK(nd, 0);
  for (int64_t K = 0; K < kept; ++K) {
    int64_t rem = K;
    for (int k = static_cast<int>(nd) - 1; k >= 0; --k)
      if (!axes[k]) {
        cK[k] = rem % full.shape[k];
        rem /= full.shape[k];
      }
    std::vector<P3> slots;
    for (int64_t t = 0; t < ntasks; ++t) {  // row-major tasks: reduced chunks in row-major order
      bool mine = true;
      int64_t local = 0, keptBox = 1;
      for (int k = static_cast<int>(nd) - 1; k >= 0; --k) {
        if (axes[k]) continue;
        const int64_t s = starts[t][k], e = exts[t][k];
        if (cK[k] < s || cK[k] >= s + e) mine = false;
        local += (cK[k] - s) * keptBox;
        keptBox *= e;
      }
      if (!mine) continue;
      const std::vector<double>& pt = parts[t];
      slots.push_back({pt[local], (varLike || op == ReduceOp::Prod) ? pt[local + keptBox] : 0, varLike ? pt[local + 2 * keptBox] : 0,
                       varLike ? pt[local + 3 * keptBox] : 0});
    }
    const double v = finalizeRef(op, treeRef(op, slots, 0, slots.size()), count, full.sink.ddof);
    const bool eq = outType == DType::F64 ? bitsOf(v) == bitsOf(want[K])
                                          : bitsOf(static_cast<float>(v)) == bitsOf(want32[K]);
    if (!eq && same)
      std::fprintf(stderr, "    op %d K %lld: combined %.17g, full stage %.17g\n", static_cast<int>(op),
                   static_cast<long long>(K), v, outType == DType::F64 ? want[K] : want32[K]);
    same = same && eq;
  }
  return same;
}

}  // namespace

TEST(partial_sink_chunks_combine_to_full_stage) {
  // x: [6, 130, 100] of varied values; also read transposed on the last two axes
  const std::vector<int64_t> shape = {6, 130, 100};
  std::vector<double> x(6 * 130 * 100);
  uint64_t st = 12345;
  for (double& v : x) {
    st = st * 6364136223846793005ULL + 1442695040888963407ULL;
    v = static_cast<double>(st >> 11) * 0x1p-53 * 10 - 3;
  }
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max,
                          ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
  struct Case {
    std::vector<int64_t> shape, chunk, leafStrides;
    std::vector<uint8_t> axes;
  };
  const std::vector<Case> cases = {
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 0, 0}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {0, 1, 0}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 0, 1}},
      {{6, 130, 100}, {4, 50, 30}, {13000, 100, 1}, {1, 1, 1}},
      // transposed on the last two axes: [6, 100, 130] view of x; kept axis chunked by 1 makes
      // each task box reduce to one output element (tiles allowed) while the stage keeps 6
      {{6, 100, 130}, {1, 100, 130}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {1, 70, 90}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {4, 70, 130}, {13000, 1, 100}, {0, 1, 1}},
      {{6, 100, 130}, {2, 100, 65}, {13000, 1, 100}, {0, 1, 0}},
  };
  for (const Case& c : cases) {
    for (ReduceOp op : ops) {
      for (double ddof : {0.0, 1.0}) {
        if (ddof != 0 && op != ReduceOp::Var && op != ReduceOp::Std) continue;
        Stage full = loadStage(c.shape, c.chunk, memLeaf(0, c.leafStrides));
        std::vector<int64_t> strides(3, 0);
        int64_t acc = 1;
        for (int k = 2; k >= 0; --k)
          if (!c.axes[k]) {
            strides[k] = acc;
            acc *= c.shape[k];
          }
        full.sink = reduceSink(op, 1, c.axes, strides, ddof);
        const bool ok64 = splitMatchesFull(x, full, DType::F64);
        const bool ok32 = splitMatchesFull(x, full, DType::F32);
        if (!(ok64 && ok32))
          std::fprintf(stderr, "    op %d axes %d%d%d chunk %lld,%lld,%lld\n", static_cast<int>(op), c.axes[0],
                       c.axes[1], c.axes[2], static_cast<long long>(c.chunk[0]),
                       static_cast<long long>(c.chunk[1]), static_cast<long long>(c.chunk[2]));
        CHECK(ok64);
        CHECK(ok32);
      }
    }
  }
  (void)shape;
}

TEST(partial_sink_validation) {
  std::vector<double> x(100, 1), out(40, 0);
  auto plan = [&](ReduceOp op, DType dt, size_t outElems) {
    Plan p;
    p.buffers.push_back(ref(x));
    p.buffers.push_back(BufferRef{out.data(), outElems * sizeof(double), true});
    Stage st = loadStage({10, 10}, {5, 5}, memLeaf(0, {10, 1}));
    st.sink = reduceSink(op, 1, {1, 0}, {0, 1});
    st.sink.dtype = dt;
    st.sink.partials = true;
    p.stages.push_back(st);
    return p;
  };
  CHECK(throwsWith(plan(ReduceOp::Sum, DType::F32, 30), "partials"));
  // var/std: four planes of the 10 kept outputs; prod: two; nanmean has none
  CHECK(throwsWith(plan(ReduceOp::Var, DType::F64, 39), "last partial plane"));
  validatePlan(plan(ReduceOp::Var, DType::F64, 40));
  CHECK(throwsWith(plan(ReduceOp::Prod, DType::F64, 19), "last partial plane"));
  validatePlan(plan(ReduceOp::Prod, DType::F64, 20));
  CHECK(throwsWith(plan(ReduceOp::NanMean, DType::F64, 40), "partials"));
  validatePlan(plan(ReduceOp::Sum, DType::F64, 10));
  {
    Plan p = plan(ReduceOp::Sum, DType::F64, 30);
    p.stages[0].sink = storeSink(1, {10, 1});
    p.stages[0].sink.partials = true;
    p.buffers[1].bytes = 30 * sizeof(double);
    std::vector<double> big(100);
    p.buffers[1] = ref(big);
    CHECK(throwsWith(p, "reduce is None"));
  }
  // raw partials: Mean writes the sum, Var the (count, mean, M2, meanLo) planes, Prod the
  // (mantissa, exponent) planes
  {
    Plan p = plan(ReduceOp::Mean, DType::F64, 40);
    CHECK(run(p).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], 10.0);
    Plan q = plan(ReduceOp::Var, DType::F64, 40);
    CHECK(run(q).status == ExecResult::Status::Ok);
    CHECK_EQ(out[0], 10.0);
    CHECK_EQ(out[10], 1.0);
    CHECK_EQ(out[20], 0.0);
    CHECK_EQ(out[30], 0.0);
    Plan r = plan(ReduceOp::Prod, DType::F64, 40);
    CHECK(run(r).status == ExecResult::Status::Ok);
    CHECK_EQ(std::ldexp(out[0], static_cast<int>(out[10])), 1.0);
  }
}

// box.cc stages a memory leaf held with a large stride along the reduced inner axis (x.sum(axis 0)
// of a C-contiguous chunk) in a contiguous buffer, 8 rows at a time: the same blocks and values, so
// the same bits as reading the transposed copy of x (stride 1 along the reduced axis, not staged).
// Shapes: rows past one and two groups, a group cut by an outer axis, chunks split along both.
TEST(staged_column_reductions_match_the_unstaged_walk) {
  struct Case {
    std::vector<int64_t> shape, chunk;
    std::vector<uint8_t> axes;
  };
  const Case cases[] = {
      {{2600, 21}, {2600, 21}, {1, 0}},
      {{2600, 21}, {1500, 7}, {1, 0}},
      {{2048, 9}, {1024, 9}, {1, 0}},
      {{3, 2000, 12}, {3, 2000, 12}, {0, 1, 0}},
      {{3, 2000, 12}, {2, 1100, 5}, {0, 1, 0}},
      {{9000, 10}, {9000, 10}, {1, 0}},  // a row longer than 8192
  };
  const ReduceOp ops[] = {ReduceOp::Sum, ReduceOp::Mean, ReduceOp::Var, ReduceOp::Min, ReduceOp::Max, ReduceOp::Prod, ReduceOp::NanSum};
  for (const Case& c : cases) {
    const int nd = static_cast<int>(c.shape.size());
    int64_t n = 1;
    for (int64_t e : c.shape) n *= e;
    // x row-major; xt the same array with the reduced axis moved last (contiguous along it)
    std::vector<double> x(static_cast<size_t>(n)), xt(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = uniformRef(11, i) - 0.25;
    x[static_cast<size_t>(n / 3)] = std::nan("");  // one NaN: min/max/sum propagate it, nansum skips it
    std::vector<int64_t> xs = rowMajor(c.shape);
    int red = 0;
    for (int k = 0; k < nd; ++k)
      if (c.axes[static_cast<size_t>(k)]) red = k;
    std::vector<int64_t> tshape;  // kept axes in order, then the reduced one
    for (int k = 0; k < nd; ++k)
      if (k != red) tshape.push_back(c.shape[static_cast<size_t>(k)]);
    tshape.push_back(c.shape[static_cast<size_t>(red)]);
    std::vector<int64_t> ts = rowMajor(tshape), tstr(static_cast<size_t>(nd));
    for (int k = 0, q = 0; k < nd; ++k) tstr[static_cast<size_t>(k)] = k == red ? ts[static_cast<size_t>(nd - 1)] : ts[static_cast<size_t>(q++)];
    for (int64_t i = 0; i < n; ++i) {
      int64_t rem = i, t = 0;
      for (int k = nd - 1; k >= 0; --k) {
        t += (rem % c.shape[static_cast<size_t>(k)]) * tstr[static_cast<size_t>(k)];
        rem /= c.shape[static_cast<size_t>(k)];
      }
      xt[static_cast<size_t>(t)] = x[static_cast<size_t>(i)];
    }
    int64_t kept = 1;
    std::vector<int64_t> ostr(static_cast<size_t>(nd), 0);
    for (int k = nd - 1; k >= 0; --k)
      if (!c.axes[static_cast<size_t>(k)]) {
        ostr[static_cast<size_t>(k)] = kept;
        kept *= c.shape[static_cast<size_t>(k)];
      }
    for (ReduceOp op : ops) {
      std::vector<double> a(static_cast<size_t>(kept), -7), b(static_cast<size_t>(kept), -7);
      auto plan = [&](std::vector<double>& src, std::vector<int64_t> strides, std::vector<double>& out) {
        Plan p;
        p.buffers.push_back(ref(out));
        p.buffers.push_back(ref(src));
        Stage st = loadStage(c.shape, c.chunk, memLeaf(1, std::move(strides)));
        st.sink = reduceSink(op, 0, c.axes, ostr, 1);
        p.stages.push_back(st);
        return p;
      };
      CHECK(run(plan(x, xs, a)).status == ExecResult::Status::Ok);
      CHECK(run(plan(xt, tstr, b), 1).status == ExecResult::Status::Ok);
      int bad = 0;
      for (int64_t k = 0; k < kept; ++k) bad += bitsOf(a[static_cast<size_t>(k)]) != bitsOf(b[static_cast<size_t>(k)]);
      CHECK(bad == 0);
    }
  }
}
