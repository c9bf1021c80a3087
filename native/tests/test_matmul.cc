// The matmul stage (engine/matmul.h): batched products with broadcast and transposed operands
// against a long double triple loop, float32, an empty contraction (zeros), bit-identical results
// for any output chunking and thread count, and the validator's refusals.
#include <cstring>
#include <random>

#include "engine_fixtures.h"

namespace {

// C[b, i, j] = sum_p A[b, i, p] * B[p, j]   (B broadcast over the batch, read transposed)
struct Case {
  int64_t nb = 3, m = 37, n = 29, k = 53;
  std::vector<double> a, bt, c;  // a: [nb, m, k] row-major; bt: B^T stored [n, k]
  explicit Case(uint64_t seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(-1, 1);
    a.resize(static_cast<size_t>(nb * m * k));
    bt.resize(static_cast<size_t>(n * k));
    for (auto& x : a) x = u(rng);
    for (auto& x : bt) x = u(rng);
    c.assign(static_cast<size_t>(nb * m * n), -1);
  }
  Plan plan(std::vector<int64_t> chunk) {
    Plan p;
    p.buffers = {ref(a), ref(bt), ref(c)};
    Stage st;
    st.kind = StageKind::Matmul;
    st.contract = k;
    st.shape = {nb, m, n};
    st.chunks = regular(st.shape, chunk);
    st.leaves.push_back(memLeaf(0, {m * k, k, 0, 1}));
    st.leaves.push_back(memLeaf(1, {0, 0, k, 1}));
    st.nregs = 1;
    st.sink = storeSink(2, {m * n, n, 1});
    p.stages.push_back(st);
    return p;
  }
};

}  // namespace

TEST(matmul_stage_batched_broadcast_transposed) {
  Case t(7);
  ExecResult r = run(t.plan({2, 10, 8}));
  CHECK(r.status == ExecResult::Status::Ok);
  double worst = 0;
  for (int64_t b = 0; b < t.nb; ++b)
    for (int64_t i = 0; i < t.m; ++i)
      for (int64_t j = 0; j < t.n; ++j) {
        long double s = 0, mag = 0;
        for (int64_t p = 0; p < t.k; ++p) {
          long double x = t.a[static_cast<size_t>((b * t.m + i) * t.k + p)] * static_cast<long double>(t.bt[static_cast<size_t>(j * t.k + p)]);
          s += x;
          mag += x < 0 ? -x : x;
        }
        double err = static_cast<double>(std::fabs(static_cast<long double>(t.c[static_cast<size_t>((b * t.m + i) * t.n + j)]) - s) / (mag + 1e-300));
        worst = std::max(worst, err);
      }
  CHECK(worst <= (t.k + 2) * 1.2e-16);
}

TEST(matmul_stage_bits_independent_of_chunks_and_threads) {
  Case t(8), u(8), v(8);
  CHECK(run(t.plan({3, 37, 29}), 1).status == ExecResult::Status::Ok);
  CHECK(run(u.plan({1, 5, 7}), 2).status == ExecResult::Status::Ok);
  CHECK(run(v.plan({2, 16, 3}), 2).status == ExecResult::Status::Ok);
  CHECK(std::memcmp(t.c.data(), u.c.data(), t.c.size() * sizeof(double)) == 0);
  CHECK(std::memcmp(t.c.data(), v.c.data(), t.c.size() * sizeof(double)) == 0);
}

TEST(matmul_stage_float32_and_empty_contraction) {
  // 2x3 @ 3x2 in float32, exact small integers
  std::vector<float> a = {1, 2, 3, 4, 5, 6}, b = {7, 8, 9, 10, 11, 12}, c(4, -1);
  Plan p;
  p.buffers = {ref(a), ref(b), ref(c)};
  Stage st;
  st.kind = StageKind::Matmul;
  st.contract = 3;
  st.shape = {2, 2};
  st.chunks = regular(st.shape, {1, 2});
  st.leaves.push_back(memLeaf(0, {3, 0, 1}, 0, DType::F32));
  st.leaves.push_back(memLeaf(1, {0, 1, 2}, 0, DType::F32));
  st.nregs = 1;
  st.sink = storeSink(2, {2, 1}, DType::F32);
  p.stages.push_back(st);
  CHECK(run(p).status == ExecResult::Status::Ok);
  CHECK(c[0] == 58 && c[1] == 64 && c[2] == 139 && c[3] == 154);
  // contract 0: zeros, whatever C held
  p.stages[0].contract = 0;
  CHECK(run(p).status == ExecResult::Status::Ok);
  CHECK(c[0] == 0 && c[1] == 0 && c[2] == 0 && c[3] == 0);
}

TEST(matmul_stage_validation) {
  Case t(9);
  Plan p = t.plan({3, 37, 29});
  p.stages[0].leaves[0].strides = {t.m * t.k, t.k, 0, 2};  // runs past A
  CHECK(throwsWith(p, "stages[0].leaves[0]"));
  p = t.plan({3, 37, 29});
  p.stages[0].leaves.pop_back();
  CHECK(throwsWith(p, "accepted: 2, A and B"));
  p = t.plan({3, 37, 29});
  p.stages[0].leaves[1].dtype = DType::F32;
  CHECK(throwsWith(p, "sink's dtype"));
  p = t.plan({3, 37, 29});
  p.stages[0].sink.reduce = ReduceOp::Sum;
  CHECK(throwsWith(p, "stores its result"));
  p = t.plan({3, 37, 29});
  p.stages[0].leaves[1].buffer = 2;
  CHECK(throwsWith(p, "must not be the sink's buffer"));
  p = t.plan({3, 37, 29});
  p.stages[0].contract = -1;
  CHECK(throwsWith(p, "contract"));
}
