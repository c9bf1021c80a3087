// Typed registers: integer loops wrap, integer reductions are exact in 64-bit integers, float32
// is computed in float32 (expf against the C library), and an instruction without a loop for its
// operands' dtypes is refused — under every ISA (ctest runs this binary per TESSERA_ISA).
#include <cmath>
#include <cstring>

#include "engine_fixtures.h"

namespace {
template <class T>
BufferRef refT(std::vector<T>& v) { return BufferRef{v.data(), v.size() * sizeof(T), true}; }
}  // namespace

TEST(typed_int_wrap_and_int64_sum) {
  // int8 * 3 wraps as NumPy; the sum of the int8 values goes into an int64 sink exactly
  std::vector<int8_t> x = {100, -128, 127, 5, -7, 0, 1, 2, 3, 4};
  std::vector<int8_t> out(x.size());
  std::vector<int64_t> sum(1);
  Plan p;
  p.buffers = {refT(x), refT(out), refT(sum)};
  Stage st;
  st.shape = {static_cast<int64_t>(x.size())};
  st.chunks = {{3, 1, 6}};
  st.leaves.push_back(memLeaf(0, {1}, 0, DType::I8));
  st.imms = {3};
  st.program = {{Op::Load, 0, 0, 0}, {Op::Mul, 0, 0, -1}};
  st.nregs = 1;
  st.sink = storeSink(1, {1}, DType::I8);
  p.stages.push_back(st);
  Stage red = st;
  red.program = {{Op::Load, 0, 0, 0}};
  red.sink = reduceSink(ReduceOp::Sum, 2, {1}, {0});
  red.sink.dtype = DType::I64;
  p.stages.push_back(red);
  CHECK(run(p).status == ExecResult::Status::Ok);
  bool ok = true;
  int64_t want = 0;
  for (size_t i = 0; i < x.size(); ++i) {
    ok = ok && out[i] == static_cast<int8_t>(static_cast<uint8_t>(x[i] * 3));
    want += x[i];
  }
  CHECK(ok);
  CHECK_EQ(sum[0], want);
}

TEST(typed_int64_beyond_2_53_and_floor_divide_by_zero) {
  std::vector<int64_t> a = {(int64_t(1) << 62) + 1, -9, 9, 7}, b = {3, 2, 0, -2}, q(4), s(1);
  Plan p;
  p.buffers = {refT(a), refT(b), refT(q), refT(s)};
  Stage st;
  st.shape = {4};
  st.chunks = {{1, 3}};
  st.leaves = {memLeaf(0, {1}, 0, DType::I64), memLeaf(1, {1}, 0, DType::I64)};
  st.program = {{Op::Load, 0, 0, 0}, {Op::Load, 1, 1, 0}, {Op::FloorDivide, 0, 0, 1}};
  st.nregs = 2;
  st.sink = storeSink(2, {1}, DType::I64);
  p.stages.push_back(st);
  Stage red = st;
  red.program = {{Op::Load, 0, 0, 0}};
  red.sink = reduceSink(ReduceOp::Max, 3, {1}, {0});
  red.sink.dtype = DType::I64;
  p.stages.push_back(red);
  CHECK(run(p).status == ExecResult::Status::Ok);
  CHECK_EQ(q[0], ((int64_t(1) << 62) + 1) / 3);
  CHECK_EQ(q[1], -5);  // floored
  CHECK_EQ(q[2], 0);   // NumPy: // 0 is 0
  CHECK_EQ(q[3], -4);
  CHECK_EQ(s[0], (int64_t(1) << 62) + 1);  // exact: not rounded through a double
}

TEST(typed_float32_exp_within_2_ulp_of_expf) {
  const int64_t n = 4099;
  std::vector<float> x(static_cast<size_t>(n)), out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) x[static_cast<size_t>(i)] = static_cast<float>(-100.0 + 200.0 * static_cast<double>(i) / static_cast<double>(n - 1));
  x[7] = std::nanf("");
  x[8] = -0.0f;
  Plan p;
  p.buffers = {ref(x), ref(out)};
  Stage st;
  st.shape = {n};
  st.chunks = {{1000, 3099}};
  st.leaves.push_back(memLeaf(0, {1}, 0, DType::F32));
  st.program = {{Op::Load, 0, 0, 0}, {Op::Exp, 0, 0, 0}};
  st.nregs = 1;
  st.sink = storeSink(1, {1}, DType::F32);
  p.stages.push_back(st);
  CHECK(run(p).status == ExecResult::Status::Ok);
  int64_t worst = 0;
  for (int64_t i = 0; i < n; ++i) {
    const float want = std::exp(x[static_cast<size_t>(i)]), got = out[static_cast<size_t>(i)];
    if (std::isnan(want)) {
      if (!std::isnan(got)) worst = 1 << 30;
      continue;
    }
    int32_t wi, gi;
    std::memcpy(&wi, &want, 4);
    std::memcpy(&gi, &got, 4);
    worst = std::max<int64_t>(worst, std::llabs(static_cast<int64_t>(wi) - gi));
  }
  if (worst > 2) std::fprintf(stderr, "    float32 exp: %lld ulp\n", static_cast<long long>(worst));
  CHECK(worst <= 2);
}

TEST(typed_no_loop_is_refused) {
  std::vector<float> x(4);
  std::vector<double> y(4), out(4);
  Plan p;
  p.buffers = {ref(x), ref(y), ref(out)};
  Stage st;
  st.shape = {4};
  st.chunks = {{4}};
  st.leaves = {memLeaf(0, {1}, 0, DType::F32), memLeaf(1, {1}, 0, DType::F64)};
  st.program = {{Op::Load, 0, 0, 0}, {Op::Load, 1, 1, 0}, {Op::Add, 0, 0, 1}};
  st.nregs = 2;
  st.sink = storeSink(2, {1});
  p.stages.push_back(st);
  CHECK(throwsWith(p, "stages[0].program[2]: add has no loop for (float32, float64)"));
  p.stages[0].program[2] = {Op::BitwiseAnd, 1, 1, 1};
  CHECK(throwsWith(p, "bitwiseAnd has no loop for (float64, float64)"));
}

TEST(typed_exact_integer_immediates) {
  // x + (2^63 - 3) in int64 and x ^ (2^64 - 1) in uint64: the immediates travel as 64 bits
  // (immKinds/immInts), not as doubles (which would round them to 2^63 and 2^64)
  std::vector<int64_t> x = {0, 1, 2, -5};
  std::vector<int64_t> out(4);
  std::vector<uint64_t> ux = {0, 1, uint64_t(1) << 63, 7}, uout(4);
  Plan p;
  p.buffers = {refT(x), refT(out), refT(ux), refT(uout)};
  Stage st;
  st.shape = {4};
  st.chunks = {{3, 1}};
  st.leaves = {memLeaf(0, {1}, 0, DType::I64)};
  st.imms = {9223372036854775808.0};  // the nearest double, informational
  st.immKinds = {static_cast<uint8_t>(ImmKind::Int64)};
  st.immInts = {INT64_MAX - 2};
  st.program = {{Op::Load, 0, 0, 0}, {Op::Add, 0, 0, -1}};
  st.nregs = 1;
  st.sink = storeSink(1, {1}, DType::I64);
  p.stages.push_back(st);
  Stage su = st;
  su.leaves = {memLeaf(2, {1}, 0, DType::U64)};
  su.imms = {18446744073709551616.0};
  su.immKinds = {static_cast<uint8_t>(ImmKind::UInt64)};
  su.immInts = {-1};  // the bits of 2^64 - 1
  su.program = {{Op::Load, 0, 0, 0}, {Op::BitwiseXor, 0, 0, -1}};
  su.sink = storeSink(3, {1}, DType::U64);
  p.stages.push_back(su);
  ExecResult r = run(p);
  CHECK(r.status == ExecResult::Status::Ok);
  CHECK(out[0] == INT64_MAX - 2 && out[1] == INT64_MAX - 1 && out[2] == INT64_MAX && out[3] == INT64_MAX - 7);
  CHECK(uout[0] == UINT64_MAX && uout[1] == UINT64_MAX - 1 && uout[2] == (uint64_t(1) << 63) - 1 && uout[3] == UINT64_MAX - 7);
  // an exact immediate its instruction's dtype cannot hold, and mismatched side vectors, are refused
  Plan q = p;
  q.stages.resize(1);
  q.stages[0].immKinds = {static_cast<uint8_t>(ImmKind::UInt64)};  // 2^63 + ... as uint64: beyond int64
  q.stages[0].immInts = {INT64_MIN};
  CHECK(throwsWith(q, "immediate imms[0] = 9223372036854775808 does not fit int64"));
  q.stages[0].immInts = {};
  CHECK(throwsWith(q, "immKinds and immInts must both be empty or both have one entry per immediate"));
}
