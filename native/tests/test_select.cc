// The SIMD float comparisons into bool registers and where's merge (kernels_select.h) against
// naive loops, on every table the CPU supports: NaN, ±0, ±inf and equal operands, every length
// from 0 to 80 (vector groups and scalar tails) and a whole block, register/scalar operand forms,
// and the output aliasing the input (the VM writes a bool into the register it reads).
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <vector>

#include "check.h"
#include "engine/typing.h"
#include "kernels/kernels.h"

namespace {

using namespace tessera::kernels;
using tessera::DType;
using tessera::detail::kLoopRows;
using tessera::Op;

std::vector<const Table*> tables() {
  std::vector<const Table*> t{&baselineTable()};
  if (cpuSupports("avx2")) t.push_back(&avx2Table());
  if (cpuSupports("avx512")) t.push_back(&avx512Table());
  return t;
}
int loopOf(Op op, DType a) {
  for (int k = 0; k < tessera::kNumLoops; ++k)
    if (kLoopRows[k].op == op && kLoopRows[k].a == a) return k;
  return -1;
}
template <class T>
bool cmpRef(Op op, T a, T b) {
  switch (op) {
    case Op::Eq: return a == b;
    case Op::Ne: return a != b;
    case Op::Lt: return a < b;
    case Op::Le: return a <= b;
    case Op::Gt: return a > b;
    default: return a >= b;
  }
}
// Values with every IEEE case, in a pattern that does not repeat with the vector widths.
template <class T>
std::vector<T> values(size_t n, unsigned seed) {
  const T nan = std::numeric_limits<T>::quiet_NaN(), inf = std::numeric_limits<T>::infinity();
  const T pool[] = {T(0.5), T(-0.0), T(0.0), nan, inf, -inf, T(1), T(0.25), T(0.5), T(-3), T(0.75), T(0.5000001)};
  std::vector<T> v(n);
  unsigned s = seed;
  for (size_t i = 0; i < n; ++i) {
    s = s * 1103515245u + 12345u;
    v[i] = pool[(s >> 16) % 12];
  }
  return v;
}

template <class T>
void checkCompares(DType dt) {
  const Op ops[] = {Op::Eq, Op::Ne, Op::Lt, Op::Le, Op::Gt, Op::Ge};
  std::vector<size_t> lengths;
  for (size_t n = 0; n <= 80; ++n) lengths.push_back(n);
  lengths.push_back(1024);
  for (const Table* t : tables()) {
    for (Op op : ops) {
      const int k = loopOf(op, dt);
      CHECK(k >= 0);
      if (k < 0) continue;
      const Loop& L = t->loops[k];
      int bad = 0;
      for (size_t n : lengths) {
        const std::vector<T> x = values<T>(n, 1), y = values<T>(n, 2);
        for (const T s : {T(0.5), std::numeric_limits<T>::quiet_NaN(), T(-0.0)}) {
          std::vector<uint8_t> o1(n + 1, 7), o2(n + 1, 7), o3(n + 1, 7);
          L.vv(x.data(), y.data(), o1.data(), n);
          L.vs(x.data(), &s, o2.data(), n);
          L.sv(&s, y.data(), o3.data(), n);
          for (size_t i = 0; i < n; ++i) {
            bad += o1[i] != (cmpRef(op, x[i], y[i]) ? 1 : 0);
            bad += o2[i] != (cmpRef(op, x[i], s) ? 1 : 0);
            bad += o3[i] != (cmpRef(op, s, y[i]) ? 1 : 0);
          }
          bad += o1[n] != 7 || o2[n] != 7 || o3[n] != 7;  // nothing written past n
          // in place: the bools written over the register read (x's bytes)
          std::vector<T> a = x;
          L.vs(a.data(), &s, a.data(), n);
          const uint8_t* ob = reinterpret_cast<const uint8_t*>(a.data());
          for (size_t i = 0; i < n; ++i) bad += ob[i] != (cmpRef(op, x[i], s) ? 1 : 0);
          a = x;
          std::vector<T> b = y;
          L.vv(a.data(), b.data(), b.data(), n);
          ob = reinterpret_cast<const uint8_t*>(b.data());
          for (size_t i = 0; i < n; ++i) bad += ob[i] != (cmpRef(op, x[i], y[i]) ? 1 : 0);
        }
      }
      CHECK_EQ(bad, 0);
    }
  }
}

template <class T>
void checkWhere(int sizeLog) {
  for (const Table* t : tables()) {
    int bad = 0;
    for (size_t n = 0; n <= 80; n += (n < 70 ? 1 : 10)) {
      std::vector<uint8_t> c(n);
      std::vector<T> x(n), y(n);
      for (size_t i = 0; i < n; ++i) {
        c[i] = static_cast<uint8_t>((i * 7 + i / 3) % 3 == 0 ? (i % 5 == 0 ? 2 : 1) : 0);  // 2: also true
        x[i] = static_cast<T>(1000 + i);
        y[i] = static_cast<T>(~static_cast<uint64_t>(i));
      }
      std::vector<T> o = y;
      o.push_back(T(42));
      t->whereBySize[sizeLog](c.data(), x.data(), o.data(), n);
      for (size_t i = 0; i < n; ++i) bad += o[i] != (c[i] ? x[i] : y[i]);
      bad += o[n] != T(42);
      const T s = T(5);
      o = y;
      o.push_back(T(42));
      t->whereScalarBySize[sizeLog](c.data(), &s, o.data(), n);
      for (size_t i = 0; i < n; ++i) bad += o[i] != (c[i] ? s : y[i]);
      bad += o[n] != T(42);
    }
    CHECK_EQ(bad, 0);
  }
}

}  // namespace

TEST(select_float64_compares_simd_match_ieee) { checkCompares<double>(DType::F64); }
TEST(select_float32_compares_simd_match_ieee) { checkCompares<float>(DType::F32); }
TEST(select_where_by_size_is_a_select) {
  checkWhere<uint8_t>(0);
  checkWhere<uint16_t>(1);
  checkWhere<uint32_t>(2);
  checkWhere<uint64_t>(3);
}
TEST(select_where_keeps_float_bits) {
  // a bit select: NaN payloads and -0 pass through unchanged
  for (const Table* t : tables()) {
    const size_t n = 37;
    std::vector<uint8_t> c(n);
    std::vector<double> x(n), o(n), y(n);
    for (size_t i = 0; i < n; ++i) {
      c[i] = i % 2;
      uint64_t b = 0x7FF8000000000000ULL | (i + 1);
      std::memcpy(&x[i], &b, 8);
      y[i] = -0.0;
    }
    o = y;
    t->whereBySize[3](c.data(), x.data(), o.data(), n);
    bool ok = true;
    for (size_t i = 0; i < n; ++i) ok = ok && std::memcmp(&o[i], c[i] ? &x[i] : &y[i], 8) == 0;
    CHECK(ok);
  }
}
TEST(select_cast_float64_to_int32_fast_path_matches_the_rule) {
  // NumPy's astype on x86-64 (kernels/float_to_int.h): truncate inside int32's range; NaN, inf
  // and everything outside it INT32_MIN
  auto ref = [](double v) {
    const bool in = v > -2147483648.0 && v < 2147483648.0;
    return in ? static_cast<int32_t>(v) : INT32_MIN;
  };
  const double pool[] = {0.0, -0.0, 1.9, -1.9, 2147483647.5, -2147483648.0, -2147483648.5, 2147483648.0, 4294967301.0,
                         -1e10, 1e300, std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                         -std::numeric_limits<double>::infinity(), 123456.75, -7.0};
  for (const Table* t : tables()) {
    int bad = 0;
    for (size_t n = 0; n <= 70; ++n) {
      for (unsigned mix = 0; mix < 3; ++mix) {  // all in range, one outlier per 13, many outliers
        std::vector<double> x(n);
        for (size_t i = 0; i < n; ++i) {
          const bool outlier = mix == 2 ? i % 3 == 0 : mix == 1 && i % 13 == 5;
          x[i] = outlier ? pool[(i * 7) % 16] : static_cast<double>(i) * 1234.567 - 40000.0;
        }
        std::vector<int32_t> o(n + 1, 99);
        t->cast[0][5](x.data(), o.data(), n);
        for (size_t i = 0; i < n; ++i) bad += o[i] != ref(x[i]);
        bad += o[n] != 99;
      }
    }
    CHECK_EQ(bad, 0);
  }
}
