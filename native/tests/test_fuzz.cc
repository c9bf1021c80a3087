// Differential fuzzing: random valid plans against a long-double reference interpreter.
#include "engine_fixtures.h"

// ------------------------------------------------------------------------------------------------
// Differential fuzz: random *valid* plans (shapes, chunkings, strides incl. transposed / negative /
// broadcast, programs with immediates, stores and partial reductions) against a scalar reference.

namespace {

struct Rng {
  uint64_t s;
  uint64_t next() { return s = kernels::mix64(s + kernels::kGamma); }
  int64_t in(int64_t lo, int64_t hi) { return lo + static_cast<int64_t>(next() % static_cast<uint64_t>(hi - lo + 1)); }
  double unit() { return static_cast<double>(next() >> 11) * 0x1p-53; }
};

double refOp(Op op, double a, double b) {
  switch (op) {
    case Op::Neg: return -a;
    case Op::Abs: return std::fabs(a);
    case Op::Exp: return std::exp(a);
    case Op::Log: return std::log(a);
    case Op::Sqrt: return std::sqrt(a);
    case Op::Sin: return std::sin(a);
    case Op::Cos: return std::cos(a);
    case Op::Add: return a + b;
    case Op::Sub: return a - b;
    case Op::Mul: return a * b;
    case Op::Div: return a / b;
    case Op::Pow: return std::pow(a, b);
    case Op::Max: return (std::isnan(a) || std::isnan(b)) ? NAN : std::max(a, b);
    case Op::Min: return (std::isnan(a) || std::isnan(b)) ? NAN : std::min(a, b);
    default: return NAN;
  }
}

bool closeEnough(double got, long double want, long double scale, double rel) {
  if (std::isnan(got) || std::isnan(static_cast<double>(want))) return std::isnan(got) && std::isnan(static_cast<double>(want));
  if (std::isinf(static_cast<double>(want)) || std::isinf(got)) return got == static_cast<double>(want);
  return std::fabs(static_cast<long double>(got) - want) <= rel * (std::fabs(want) + scale) + 1e-300L;
}

}  // namespace

TEST(differential_fuzz_valid_plans) {
  Rng rng{2024};
  std::vector<double> src(4096);
  std::vector<float> src32(4096);
  for (size_t i = 0; i < src.size(); ++i) {
    src[i] = 0.5 + 1.5 * rng.unit();
    src32[i] = static_cast<float>(0.5 + 1.5 * rng.unit());
  }
  int failures = 0, runs = 0;
  Pool pool1(1), pool2(2);
  for (int it = 0; it < 1500 && failures < 5; ++it) {
    const int nd = static_cast<int>(rng.in(0, 4));
    std::vector<int64_t> shape(nd);
    for (auto& s : shape) s = rng.in(0, 20) == 0 ? 0 : rng.in(1, nd <= 2 ? 70 : 9);
    int64_t total = 1;
    for (auto s : shape) total *= s;
    Stage st;
    st.shape = shape;
    st.chunks.resize(nd);
    for (int k = 0; k < nd; ++k) {
      int64_t left = shape[k];
      if (left == 0) st.chunks[k] = {0};
      while (left > 0) {
        int64_t c = std::min(left, rng.in(1, std::max<int64_t>(1, shape[k] / (rng.in(0, 1) ? 1 : 3) + 1)));
        st.chunks[k].push_back(c);
        left -= c;
      }
    }
    // leaves
    const int nleaves = static_cast<int>(rng.in(1, 3));
    for (int l = 0; l < nleaves; ++l) {
      Leaf lf;
      int kind = static_cast<int>(rng.in(0, 3));
      lf.kind = kind == 0 ? LeafKind::Arange : kind == 1 ? LeafKind::RandomUniform : LeafKind::Memory;
      lf.strides.resize(nd);
      // row-major over a random axis permutation, sometimes negative / zero / doubled
      std::vector<int> perm(nd);
      for (int k = 0; k < nd; ++k) perm[k] = k;
      for (int k = nd - 1; k > 0; --k) std::swap(perm[k], perm[rng.in(0, k)]);
      int64_t stride = rng.in(1, 2);
      for (int q = nd - 1; q >= 0; --q) {
        int k = perm[q];
        int64_t v = stride;
        int r = static_cast<int>(rng.in(0, 9));
        if (r == 0) v = 0;
        else if (r == 1) v = -v;
        lf.strides[k] = v;
        stride *= std::max<int64_t>(shape[k], 1);
      }
      int64_t lo = 0, hi = 0;
      for (int k = 0; k < nd; ++k) {
        if (shape[k] == 0) continue;
        int64_t span = lf.strides[k] * (shape[k] - 1);
        (span < 0 ? lo : hi) += span;
      }
      if (lf.kind == LeafKind::Memory) {
        lf.dtype = rng.in(0, 3) == 0 ? DType::F32 : DType::F64;
        lf.buffer = lf.dtype == DType::F32 ? 1 : 0;
        if (hi - lo >= 4096) {  // does not fit: use a generator instead
          lf.kind = LeafKind::Arange;
          lf.buffer = -1;
        } else {
          lf.offset = -lo + rng.in(0, 4095 - (hi - lo));
        }
      }
      if (lf.kind == LeafKind::Arange) {
        lf.a = 0.5 + rng.unit();
        lf.b = 0.001;
        lf.offset = rng.in(0, 100) - lo;
        lf.dtype = rng.in(0, 3) == 0 ? DType::F32 : DType::F64;
      } else if (lf.kind == LeafKind::RandomUniform) {
        lf.a = 0.5;
        lf.b = 1.5;
        lf.seed = static_cast<uint64_t>(rng.in(0, 1000));
        lf.dtype = DType::F64;
        lf.offset = rng.in(-5, 5);
      }
      st.leaves.push_back(lf);
    }
    // program
    st.nregs = static_cast<int32_t>(rng.in(1, 4));
    st.imms = {0.5 + rng.unit(), 1.5, 0.75};
    // typed registers: a float32 leaf is loaded as float32 and cast to float64 (every op here is a
    // float64 loop), which is exactly the old widening load
    auto pushLoad = [&](int32_t dst, int32_t leaf) {
      st.program.push_back({Op::Load, dst, leaf, 0});
      if (st.leaves[static_cast<size_t>(leaf)].dtype == DType::F32) st.program.push_back({Op::Cast, dst, dst, 0});
    };
    pushLoad(0, 0);
    uint32_t written = 1;
    const int ninstr = static_cast<int>(rng.in(0, 5));
    const Op ops[] = {Op::Load, Op::Neg, Op::Abs, Op::Exp, Op::Log, Op::Sqrt, Op::Sin, Op::Cos,
                      Op::Add, Op::Sub, Op::Mul, Op::Div, Op::Pow, Op::Max, Op::Min};
    auto pickOperand = [&]() -> int32_t {
      if (rng.in(0, 3) == 0) return static_cast<int32_t>(-1 - rng.in(0, 2));
      std::vector<int32_t> regs;
      for (int r = 0; r < st.nregs; ++r) if (written & (1u << r)) regs.push_back(r);
      return regs[static_cast<size_t>(rng.in(0, static_cast<int64_t>(regs.size()) - 1))];
    };
    for (int i = 0; i < ninstr; ++i) {
      Instr in;
      in.op = ops[rng.in(0, 14)];
      in.dst = static_cast<int32_t>(rng.in(0, st.nregs - 1));
      if (in.op == Op::Load) in.a = static_cast<int32_t>(rng.in(0, nleaves - 1));
      else {
        in.a = pickOperand();
        in.b = pickOperand();
      }
      if (in.op == Op::Exp && in.a >= 0) in.op = Op::Sqrt;  // keep magnitudes tame
      if (in.op == Op::Load) pushLoad(in.dst, in.a);
      else st.program.push_back(in);
      written |= 1u << in.dst;
    }
    std::vector<int32_t> cand;
    for (int r = 0; r < st.nregs; ++r) if (written & (1u << r)) cand.push_back(r);
    st.result = cand[static_cast<size_t>(rng.in(0, static_cast<int64_t>(cand.size()) - 1))];
    // sink
    const bool reduce = rng.in(0, 1) == 1;
    const DType odt = rng.in(0, 4) == 0 ? DType::F32 : DType::F64;
    st.sink.dtype = odt;
    st.sink.buffer = 2;
    st.sink.strides.assign(nd, 0);
    st.sink.reduceAxes.assign(nd, 0);
    int64_t outCount = 1;
    if (reduce) {
      const ReduceOp rops[] = {ReduceOp::Sum, ReduceOp::Prod, ReduceOp::Min, ReduceOp::Max, ReduceOp::Mean, ReduceOp::Var, ReduceOp::Std};
      st.sink.reduce = rops[rng.in(0, 6)];
      st.sink.ddof = static_cast<double>(rng.in(0, 1));
      for (int k = 0; k < nd; ++k) st.sink.reduceAxes[k] = static_cast<uint8_t>(rng.in(0, 2) != 0);
      if (st.sink.reduce == ReduceOp::Prod && total > 64) st.sink.reduce = ReduceOp::Sum;
    }
    for (int k = nd - 1; k >= 0; --k) {
      if (st.sink.reduceAxes[k]) continue;
      st.sink.strides[k] = outCount;
      outCount *= shape[k];
    }
    std::vector<double> out64(static_cast<size_t>(std::max<int64_t>(outCount, 1)), -123);
    std::vector<float> out32(out64.size(), -123);
    std::vector<double> keep64;
    std::vector<float> keep32;
    Plan p;
    p.buffers = {ref(src), ref(src32), odt == DType::F32 ? ref(out32) : ref(out64)};
    p.stages.push_back(st);
    try {
      validatePlan(p);
    } catch (const std::invalid_argument& e) {
      std::fprintf(stderr, "    generated plan rejected: %s\n", e.what());
      ++failures;
      continue;
    }
    ++runs;
    CHECK(runPlan(it % 2 ? pool2 : pool1, p).status == ExecResult::Status::Ok);
    keep64 = out64;
    keep32 = out32;
    CHECK(runPlan(it % 2 ? pool1 : pool2, p).status == ExecResult::Status::Ok);
    if (!(std::memcmp(keep64.data(), out64.data(), out64.size() * 8) == 0 &&
          std::memcmp(keep32.data(), out32.data(), out32.size() * 4) == 0)) {
      std::fprintf(stderr, "    iteration %d: results differ between 1 and 2 threads\n", it);
      ++failures;
    }
    // scalar reference
    std::vector<std::vector<double>> per(static_cast<size_t>(std::max<int64_t>(outCount, 1)));
    std::vector<double> storeRef(per.size(), -123);
    std::vector<int64_t> c(nd, 0);
    for (int64_t e = 0; e < total; ++e) {
      int64_t rem = e;
      for (int k = nd - 1; k >= 0; --k) { c[k] = rem % shape[k]; rem /= shape[k]; }
      double regs[4] = {0, 0, 0, 0};
      for (const Instr& in : st.program) {
        if (in.op == Op::Load) {
          const Leaf& lf = st.leaves[in.a];
          int64_t lin = lf.offset;
          for (int k = 0; k < nd; ++k) lin += c[k] * lf.strides[k];
          double v = 0;
          if (lf.kind == LeafKind::Arange) v = lf.a + lf.b * static_cast<double>(lin);
          else if (lf.kind == LeafKind::RandomUniform) { double t = (lf.b - lf.a) * uniformRef(lf.seed, lin); v = lf.a + t; }
          else v = lf.dtype == DType::F32 ? static_cast<double>(src32[lin]) : src[lin];
          if (lf.dtype == DType::F32) v = static_cast<double>(static_cast<float>(v));
          regs[in.dst] = v;
        } else if (in.op == Op::Cast) {  // float32 -> float64: exact
          regs[in.dst] = regs[in.a];
        } else {
          double a = in.a >= 0 ? regs[in.a] : st.imms[-1 - in.a];
          double b = in.b >= 0 ? regs[in.b] : st.imms[-1 - in.b];
          regs[in.dst] = refOp(in.op, a, b);
        }
      }
      int64_t K = 0;
      for (int k = 0; k < nd; ++k) K += c[k] * st.sink.strides[k];
      if (reduce) per[K].push_back(regs[st.result]);
      else storeRef[K] = regs[st.result];
    }
    bool ok = true;
    for (int64_t K = 0; K < outCount; ++K) {
      const double got = odt == DType::F32 ? static_cast<double>(out32[K]) : out64[K];
      const double rel = odt == DType::F32 ? 1e-6 : 1e-9;
      if (!reduce) {
        double want = odt == DType::F32 ? static_cast<double>(static_cast<float>(storeRef[K])) : storeRef[K];
        ok = ok && closeEnough(got, want, 0, rel);
        continue;
      }
      const auto& v = per[K];
      long double s = 0, pr = 1, mx = -INFINITY, mn = INFINITY, scale = 0;
      bool nan = false;
      for (double x : v) { s += x; pr *= x; mx = std::max<long double>(mx, x); mn = std::min<long double>(mn, x); scale += std::fabs(x); nan = nan || std::isnan(x); }
      const long double n = static_cast<long double>(v.size());
      long double mean = s / n, m2 = 0;
      for (double x : v) m2 += (x - mean) * (x - mean);
      long double want = 0;
      switch (st.sink.reduce) {
        case ReduceOp::Sum: want = s; break;
        case ReduceOp::Prod: want = pr; break;
        case ReduceOp::Min: want = nan ? NAN : (v.empty() ? NAN : mn); break;
        case ReduceOp::Max: want = nan ? NAN : (v.empty() ? NAN : mx); break;
        case ReduceOp::Mean: want = mean; scale /= std::max<long double>(n, 1); break;
        case ReduceOp::Var: want = m2 / std::max<long double>(n - st.sink.ddof, 0); scale = 0; break;
        case ReduceOp::Std: want = std::sqrt(m2 / std::max<long double>(n - st.sink.ddof, 0)); scale = 0; break;
        default: break;
      }
      if (st.sink.reduce == ReduceOp::Var || st.sink.reduce == ReduceOp::Std) {
        long double sq = 0;
        for (double x : v) sq += static_cast<long double>(x) * x;
        scale = (st.sink.reduce == ReduceOp::Var ? sq : std::sqrt(sq)) / std::max<long double>(n - st.sink.ddof, 1);
      }
      if (odt == DType::F32) want = static_cast<float>(want);
      bool good = closeEnough(got, want, scale, rel);
      if (!good && ok)
        std::fprintf(stderr, "    iteration %d: op %d output %lld: got %.17g want %.17Lg\n", it,
                     static_cast<int>(st.sink.reduce), static_cast<long long>(K), got, want);
      ok = ok && good;
    }
    if (!ok) {
      std::fprintf(stderr, "    iteration %d: mismatch (nd %d, reduce %d)\n", it, nd, static_cast<int>(st.sink.reduce));
      ++failures;
    }
  }
  std::printf("     differential fuzz: %d plans run\n", runs);
  CHECK_EQ(failures, 0);
}
