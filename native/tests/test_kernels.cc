// Tests of the block kernels (native/kernels): accuracy against long double references, IEEE /
// NumPy special cases, counter-based RNG known answers, cross-ISA agreement, reductions.
// ctest runs this binary with TESSERA_ISA=baseline, avx2 and avx512; the accuracy tests use
// active(), the cross-ISA tests compare every table the CPU supports against the baseline.
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <string>
#include <type_traits>
#include <vector>

#include "check.h"
#include "kernels/kernels.h"

namespace {

using namespace tessera::kernels;

uint64_t bitsOf(double x) {
  uint64_t b;
  std::memcpy(&b, &x, 8);
  return b;
}
double fromBits(uint64_t b) {
  double x;
  std::memcpy(&x, &b, 8);
  return x;
}

// Error of y in units of the last place of the (long double) reference, measured in the
// precision of double at the reference's magnitude (subnormal ulp = 2^-1074).
double ulpError(double y, long double ref) {
  if (std::isnan(static_cast<double>(ref))) return std::isnan(y) ? 0.0 : 1e300;
  if (std::isnan(y)) return 1e300;
  long double aref = fabsl(ref);
  if (std::isinf(y) || aref > static_cast<long double>(1.7976931348623157e308)) {
    // reference overflows double: y must be the correctly-signed infinity (or DBL_MAX when the
    // reference is within rounding of it)
    double r = static_cast<double>(ref);
    return (y == r) ? 0.0 : (std::isinf(r) || std::isinf(y) ? 1e300 : 0.0);
  }
  int e;
  frexpl(aref, &e);  // aref = m * 2^e, m in [0.5, 1)
  int ulpExp = e - 53;
  if (ulpExp < -1074) ulpExp = -1074;
  long double ulp = ldexpl(1.0L, ulpExp);
  return static_cast<double>(fabsl(static_cast<long double>(y) - ref) / ulp);
}

struct Rng {  // test-point generator (independent of the kernels)
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ULL);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1p-53; }
  double range(double a, double b) { return a + (b - a) * uniform(); }
};

const double kInf = INFINITY;
const double kNan = NAN;

std::vector<const Table*> supportedTables() {
  std::vector<const Table*> t{&baselineTable()};
  if (cpuSupports("avx2")) t.push_back(&avx2Table());
  if (cpuSupports("avx512")) t.push_back(&avx512Table());
  return t;
}

// Runs a unary kernel over xs (at several offsets / lengths, so vector bodies and scalar tails are
// both exercised) and returns the max ulp error against ref.
template <class Ref>
double maxUlpUnary(Unary f, const std::vector<double>& xs, Ref ref, double* worstX = nullptr) {
  std::vector<double> out(xs.size());
  f(xs.data(), out.data(), xs.size());
  double worst = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double e = ulpError(out[i], ref(static_cast<long double>(xs[i])));
    if (e > worst) {
      worst = e;
      if (worstX) *worstX = xs[i];
    }
  }
  // odd lengths and unaligned starts must give the same values element-wise
  for (size_t len : {1u, 3u, 7u, 9u, 15u, 17u, 33u}) {
    if (len + 1 > xs.size()) break;
    std::vector<double> o2(len);
    f(xs.data() + 1, o2.data(), len);
    for (size_t i = 0; i < len; ++i) {
      double e = ulpError(o2[i], ref(static_cast<long double>(xs[i + 1])));
      if (e > worst) worst = e;
    }
  }
  return worst;
}

void report(const char* fn, double ulps, double x) {
  std::printf("    %-8s %-8s max error %.3f ulp (at x = %.17g)\n", active().isa, fn, ulps, x);
}

}  // namespace

TEST(kernels_dispatch) {
  const Table& t = active();
  CHECK(std::string(t.isa) == "baseline" || std::string(t.isa) == "avx2" ||
        std::string(t.isa) == "avx512");
  CHECK(cpuSupports("baseline"));
  CHECK(!cpuSupports("sse9"));
  CHECK(!cpuSupports(nullptr));
  const char* env = std::getenv("TESSERA_ISA");
  if (env && cpuSupports(env)) CHECK(std::string(t.isa) == env);
  CHECK(!select("nonsense"));
  CHECK(&active() == &t);  // unchanged by a failed select
  for (const Table* tab : supportedTables()) {
    CHECK(select(tab->isa));
    CHECK(&active() == tab);
  }
  CHECK(select(t.isa));  // restore
  CHECK(&active() == &t);
}

TEST(kernels_exp_accuracy) {
  const Table& t = active();
  Rng rng{1};
  std::vector<double> xs;
  for (int i = 0; i < 200000; ++i) xs.push_back(rng.range(-745.2, 709.8));
  for (int i = 0; i < 50000; ++i) xs.push_back(rng.range(-1, 1));
  for (int i = 0; i < 20000; ++i) xs.push_back(rng.range(-745.2, -708));  // gradual underflow
  for (int i = 0; i < 20000; ++i) xs.push_back(std::ldexp(rng.range(-1, 1), -int(rng.next() % 1074)));
  double worstX = 0;
  double e = maxUlpUnary(t.exp, xs, [](long double x) { return expl(x); }, &worstX);
  report("exp", e, worstX);
  CHECK(e <= 2.0);
  // special values
  std::vector<double> sx = {0.0, -0.0, kInf, -kInf, kNan, 709.78, 709.79, 710, 1e300, -745.13,
                            -745.14, -746, -1e300, 1e-320, -1e-320, 1.0, -1.0};
  std::vector<double> so(sx.size());
  t.exp(sx.data(), so.data(), sx.size());
  CHECK_EQ(so[0], 1.0);
  CHECK_EQ(so[1], 1.0);
  CHECK(std::isinf(so[2]) && so[2] > 0);
  CHECK(bitsOf(so[3]) == 0);  // +0
  CHECK(std::isnan(so[4]));
  CHECK(std::isfinite(so[5]) && so[5] > 1.7e308);
  CHECK(std::isinf(so[6]) && std::isinf(so[7]) && std::isinf(so[8]));
  CHECK(so[9] == 0x1p-1074);  // exp(-745.13) rounds to the smallest subnormal
  CHECK(bitsOf(so[10]) == 0 && bitsOf(so[11]) == 0 && bitsOf(so[12]) == 0);
  CHECK_EQ(so[13], 1.0);
  CHECK_EQ(so[14], 1.0);
  CHECK(ulpError(so[15], expl(1.0L)) <= 1.0);
  CHECK(ulpError(so[16], expl(-1.0L)) <= 1.0);
}

TEST(kernels_log_accuracy) {
  const Table& t = active();
  Rng rng{2};
  std::vector<double> xs;
  for (int i = 0; i < 200000; ++i) xs.push_back(fromBits(rng.next() & 0x7FEFFFFFFFFFFFFFULL));  // all positive finite
  for (int i = 0; i < 50000; ++i) xs.push_back(rng.range(0.5, 2));
  for (int i = 0; i < 20000; ++i) xs.push_back(1.0 + rng.range(-1e-6, 1e-6));
  for (int i = 0; i < 20000; ++i) xs.push_back(fromBits(rng.next() % 0x0010000000000000ULL));  // subnormal
  xs.push_back(0x1p-1074);
  xs.push_back(1.7976931348623157e308);
  xs.push_back(1.0);
  double worstX = 0;
  double e = maxUlpUnary(t.log, xs, [](long double x) { return logl(x); }, &worstX);
  report("log", e, worstX);
  CHECK(e <= 2.0);
  std::vector<double> sx = {0.0, -0.0, -1.0, -kInf, kInf, kNan, 1.0, -1e-310};
  std::vector<double> so(sx.size());
  t.log(sx.data(), so.data(), sx.size());
  CHECK(std::isinf(so[0]) && so[0] < 0);
  CHECK(std::isinf(so[1]) && so[1] < 0);
  CHECK(std::isnan(so[2]) && std::isnan(so[3]));
  CHECK(std::isinf(so[4]) && so[4] > 0);
  CHECK(std::isnan(so[5]));
  CHECK(bitsOf(so[6]) == 0);
  CHECK(std::isnan(so[7]));
}

TEST(kernels_sin_cos_accuracy) {
  const Table& t = active();
  Rng rng{3};
  std::vector<double> xs;
  for (int i = 0; i < 100000; ++i) xs.push_back(rng.range(-10, 10));
  for (int i = 0; i < 100000; ++i) xs.push_back(rng.range(-1e5, 1e5));
  for (int i = 0; i < 10000; ++i) xs.push_back(std::ldexp(rng.range(-1, 1), -int(rng.next() % 1000)));
  // doubles nearest to multiples of pi/2 (hardest for the argument reduction)
  for (int k = -40000; k <= 40000; k += 7) {
    double x = static_cast<double>(static_cast<long double>(k) * 1.5707963267948966192313216916397514L);
    xs.push_back(x);
    xs.push_back(std::nextafter(x, kInf));
  }
  double wsin = 0, wcos = 0;
  double es = maxUlpUnary(t.sin, xs, [](long double x) { return sinl(x); }, &wsin);
  double ec = maxUlpUnary(t.cos, xs, [](long double x) { return cosl(x); }, &wcos);
  report("sin", es, wsin);
  report("cos", ec, wcos);
  CHECK(es <= 2.0);
  CHECK(ec <= 2.0);
  // large arguments (fallback path) must match the C library
  std::vector<double> big = {1e6, -3e7, 1e22, 1e300, -1.7976931348623157e308, 123456789.123};
  std::vector<double> o(big.size());
  t.sin(big.data(), o.data(), big.size());
  for (size_t i = 0; i < big.size(); ++i) CHECK(ulpError(o[i], sinl(static_cast<long double>(big[i]))) <= 1.0);
  t.cos(big.data(), o.data(), big.size());
  for (size_t i = 0; i < big.size(); ++i) CHECK(ulpError(o[i], cosl(static_cast<long double>(big[i]))) <= 1.0);
  std::vector<double> sx = {kInf, -kInf, kNan, 0.0, -0.0};
  std::vector<double> so(sx.size());
  t.sin(sx.data(), so.data(), sx.size());
  CHECK(std::isnan(so[0]) && std::isnan(so[1]) && std::isnan(so[2]));
  CHECK(bitsOf(so[3]) == 0 && bitsOf(so[4]) == 0x8000000000000000ULL);
  t.cos(sx.data(), so.data(), sx.size());
  CHECK(std::isnan(so[0]) && std::isnan(so[1]) && std::isnan(so[2]));
  CHECK_EQ(so[3], 1.0);
  CHECK_EQ(so[4], 1.0);
}

TEST(kernels_sqrt_arith_exact) {
  const Table& t = active();
  Rng rng{4};
  const size_t n = 1031;
  std::vector<double> x(n), y(n), o(n);
  for (size_t i = 0; i < n; ++i) {
    x[i] = fromBits(rng.next());
    y[i] = fromBits(rng.next());
  }
  x[0] = kNan; y[1] = kNan; x[2] = kInf; y[2] = -kInf; x[3] = 0.0; y[3] = -0.0; x[4] = -0.0;
  y[4] = -0.0; x[5] = 0.0; y[5] = 0.0; x[6] = -1.0;
  auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || bitsOf(a) == bitsOf(b); };
  t.sqrt(x.data(), o.data(), n);
  for (size_t i = 0; i < n; ++i) CHECK(same(o[i], std::sqrt(x[i])));
  t.neg(x.data(), o.data(), n);
  for (size_t i = 0; i < n; ++i) CHECK(same(o[i], -x[i]));
  t.abs(x.data(), o.data(), n);
  for (size_t i = 0; i < n; ++i) CHECK(same(o[i], std::fabs(x[i])));
  struct B {
    BinaryKernels k;
    double (*f)(double, double);
  };
  std::vector<B> ops = {
      {t.add, [](double a, double b) { return a + b; }},
      {t.sub, [](double a, double b) { return a - b; }},
      {t.mul, [](double a, double b) { return a * b; }},
      {t.div, [](double a, double b) { return a / b; }},
      {t.max, [](double a, double b) { return (a > b || std::isnan(a)) ? a : b; }},
      {t.min, [](double a, double b) { return (a < b || std::isnan(a)) ? a : b; }},
  };
  for (const B& op : ops) {
    int bad = 0;
    op.k.vv(x.data(), y.data(), o.data(), n);
    for (size_t i = 0; i < n; ++i) bad += !same(o[i], op.f(x[i], y[i]));
    op.k.vs(x.data(), 2.5, o.data(), n);
    for (size_t i = 0; i < n; ++i) bad += !same(o[i], op.f(x[i], 2.5));
    op.k.vs(x.data(), kNan, o.data(), n);
    for (size_t i = 0; i < n; ++i) bad += !same(o[i], op.f(x[i], kNan));
    op.k.sv(-3.0, y.data(), o.data(), n);
    for (size_t i = 0; i < n; ++i) bad += !same(o[i], op.f(-3.0, y[i]));
    // aliasing: out == x
    std::vector<double> a = x;
    op.k.vv(a.data(), y.data(), a.data(), n);
    for (size_t i = 0; i < n; ++i) bad += !same(a[i], op.f(x[i], y[i]));
    CHECK_EQ(bad, 0);
  }
  // NaN propagation of maximum/minimum in both argument positions, numpy-style
  double a[2] = {kNan, 1.0}, b[2] = {1.0, kNan}, r[2];
  t.max.vv(a, b, r, 2);
  CHECK(std::isnan(r[0]) && std::isnan(r[1]));
  t.min.vv(a, b, r, 2);
  CHECK(std::isnan(r[0]) && std::isnan(r[1]));
  // NumPy 2: maximum(0.0, -0.0) = -0.0, maximum(-0.0, 0.0) = 0.0 (the second of equal values)
  double z1[2] = {0.0, -0.0}, z2[2] = {-0.0, 0.0};
  t.max.vv(z1, z2, r, 2);
  CHECK(bitsOf(r[0]) == bitsOf(-0.0) && bitsOf(r[1]) == 0);
  t.min.vv(z1, z2, r, 2);
  CHECK(bitsOf(r[0]) == bitsOf(-0.0) && bitsOf(r[1]) == 0);
}

TEST(kernels_pow) {
  const Table& t = active();
  struct P {
    double x, y;
  };
  std::vector<P> cases = {
      {2, 10}, {2, 0.5}, {-2, 3}, {-2, 2}, {-2, 0.5}, {-2, -3}, {0, 0}, {kNan, 0}, {1, kNan},
      {1, kInf}, {-1, kInf}, {-1, -kInf}, {0.5, kInf}, {0.5, -kInf}, {2, kInf}, {2, -kInf},
      {kInf, 2}, {kInf, -2}, {-kInf, 3}, {-kInf, 2}, {-kInf, -3}, {0.0, -1}, {-0.0, -1},
      {-0.0, 3}, {-0.0, 2}, {kNan, 1}, {2, kNan}, {10, 400}, {10, -400}, {-8, 1.0 / 3},
      {1e-300, 2}, {3, -1074}, {2, 1023.5}, {-1.5, 1e300}, {-0.5, 1e300}};
  std::vector<double> xs, ys;
  Rng rng{5};
  for (const P& p : cases) { xs.push_back(p.x); ys.push_back(p.y); }
  for (int i = 0; i < 20000; ++i) {
    xs.push_back(rng.range(0, 100));
    ys.push_back(rng.range(-100, 100));
  }
  for (int i = 0; i < 5000; ++i) {
    xs.push_back(rng.range(-10, 10));
    ys.push_back(std::floor(rng.range(-20, 20)));
  }
  for (int i = 0; i < 20000; ++i) {  // near 1 with large |y|; huge/tiny x; results near over/underflow
    xs.push_back(rng.range(0.7, 1.45));
    ys.push_back(rng.range(-1900, 1900));
    xs.push_back(std::ldexp(rng.range(0.5, 1), int(rng.next() % 2098) - 1074));
    ys.push_back(rng.range(-1.2, 1.2));
    xs.push_back(rng.range(1.5, 1e10));
    ys.push_back(std::log(1e308) / std::log(xs.back()) * rng.range(0.9, 1.1));
    xs.push_back(rng.range(1e-10, 0.9));
    ys.push_back(std::log(1e-320) / std::log(xs.back()) * rng.range(0.9, 1.1));
  }
  std::vector<double> o(xs.size());
  t.pow.vv(xs.data(), ys.data(), o.data(), xs.size());
  double worst = 0;
  int badSpecial = 0;
  for (size_t i = 0; i < xs.size(); ++i) {
    double ref = std::pow(xs[i], ys[i]);
    if (i < cases.size()) {
      // exact wherever the C library's result is special (NaN, inf, 0, 1) or y is an integer;
      // otherwise within 1.5 ulp of it
      bool exact = std::isnan(ref) || std::isinf(ref) || ref == 0 || ref == 1 || ys[i] == std::rint(ys[i]);
      if (!((std::isnan(ref) && std::isnan(o[i])) || bitsOf(ref) == bitsOf(o[i]) ||
            (!exact && ulpError(o[i], ref) <= 1.5))) {
        std::printf("    pow(%g, %g) = %g, want %g\n", xs[i], ys[i], o[i], ref);
        ++badSpecial;
      }
    } else {
      double e = ulpError(o[i], powl(static_cast<long double>(xs[i]), static_cast<long double>(ys[i])));
      if (e > worst) worst = e;
    }
  }
  std::printf("    %-8s pow      max error %.3f ulp\n", t.isa, worst);
  CHECK_EQ(badSpecial, 0);
  CHECK(worst <= 2.0);
  // constant exponents with exact fast paths must match the C library bit for bit
  {
    std::vector<double> bx = {0.0, -0.0, kInf, -kInf, kNan, 1.0, -1.0, 2.0, -3.5, 1e-310, -1e-310,
                              1e300, -1e300, 0.1, 7.0, 1e154, 3e-160};
    for (int i = 0; i < 50; ++i) bx.push_back(rng.range(-100, 100));
    std::vector<double> bo(bx.size());
    int bad = 0;
    for (double e : {0.0, -0.0, 1.0, 2.0, -1.0, 0.5, 3.0, -2.0, 0.25}) {
      t.pow.vs(bx.data(), e, bo.data(), bx.size());
      for (size_t i = 0; i < bx.size(); ++i) {
        // x ** 0.5 is sqrt in NumPy (differs from C pow at -0 and -inf)
        double ref = e == 0.5 ? std::sqrt(bx[i]) : std::pow(bx[i], e);
        bool exact = e != 0.25 || std::isnan(ref) || std::isinf(ref) || ref == 0;
        if (!((std::isnan(ref) && std::isnan(bo[i])) || bitsOf(ref) == bitsOf(bo[i]) ||
              (!exact && ulpError(bo[i], powl(bx[i], 0.25L)) <= 2.0))) {
          std::printf("    pow.vs(%g, %g) = %g, want %g\n", bx[i], e, bo[i], ref);
          ++bad;
        }
      }
    }
    CHECK_EQ(bad, 0);
  }
  // scalar variants
  double base[3] = {2, -2, 0.5}, r[3];
  t.pow.vs(base, 3.0, r, 3);
  CHECK_EQ(r[0], 8.0);
  CHECK_EQ(r[1], -8.0);
  CHECK_EQ(r[2], 0.125);
  t.pow.sv(2.0, base, r, 3);
  CHECK_EQ(r[0], 4.0);
  CHECK_EQ(r[1], 0.25);
  CHECK(ulpError(r[2], sqrtl(2.0L)) <= 1.0);
}

// Known answers, computed independently (Python integers, docs/random.md).
TEST(kernels_random_known_answers) {
  const uint64_t key = randomKey(42);
  CHECK(key == 0xaa6a8b8c6177817cULL);
  CHECK(normalAngleKey(key) == 0x681955f6bac2850fULL);
  for (const Table* t : supportedTables()) {
    double o[1];
    struct K {
      int64_t i;
      double u;
    };
    const K ks[] = {
        {0, 0x1.58a5433a1c740p-4},
        {1, 0x1.30daf672b42dcp-1},
        {2, 0x1.383141f648cc8p-1},
        {1000, 0x1.39f6cfd67ff4dp-1},
        {int64_t(1) << 40, 0x1.b6dafaa388d3cp-2},
    };
    for (const K& k : ks) {
      t->uniform64(key, k.i, 1, o, 1);
      CHECK_EQ(o[0], k.u);
    }
    // uniform32: the two 32-bit halves of bits(key, i >> 1) (low for even i), top 24 bits each
    const K k32[] = {
        {0, 0x1.438e82p-1},  {1, 0x1.58a54p-4},   {2, 0x1.685b88p-2},
        {3, 0x1.30daf6p-1},  {1000, 0x1.0c0f8cp-1}, {1001, 0x1.df8b86p-1},
        {int64_t(1) << 40, 0x1.8b57p-5}, {(int64_t(1) << 40) + 1, 0x1.bbbe9p-2},
    };
    for (const K& k : k32) {
      t->uniform32(key, k.i, 1, o, 1);
      CHECK_EQ(o[0], k.u);
      float f[1];
      t->uniform32f(key, k.i, 1, f, 1);
      CHECK_EQ(static_cast<double>(f[0]), k.u);
      // inside a vector run (from an even and from an odd start)
      double run[40];
      float runf[40];
      for (int64_t back : {int64_t(0), int64_t(1), int64_t(6), int64_t(17)}) {
        if (k.i < back) continue;
        t->uniform32(key, k.i - back, 1, run, 40);
        t->uniform32f(key, k.i - back, 1, runf, 40);
        CHECK_EQ(run[back], k.u);
        CHECK_EQ(static_cast<double>(runf[back]), k.u);
      }
    }
    const double normals[4][2] = {{0, 0x1.1b8d097cf8d6ep-3},
                                  {1, -0x1.583139558fdf0p+0},
                                  {2, -0x1.341e63052d8e6p+0},
                                  {1000, 0x1.ff72f8a8a8bb0p-1}};
    for (const auto& nk : normals) {
      t->normal64(key, static_cast<int64_t>(nk[0]), 1, o, 1);
      CHECK(ulpError(o[0], static_cast<long double>(nk[1])) <= 4.0);
    }
  }
}

TEST(kernels_random_chunking_and_isa) {
  const uint64_t key = randomKey(7);
  const size_t n = 4099;
  const Table& base = baselineTable();
  std::vector<double> ref(n), o(n);
  for (auto fill : {&Table::uniform64, &Table::uniform32, &Table::normal64}) {
    (base.*fill)(key, 5, 1, ref.data(), n);
    // value is a pure function of the index: any chunking gives the same numbers
    for (size_t j = 0; j < n; ++j) {
      double one;
      (base.*fill)(key, static_cast<int64_t>(5 + j), 0, &one, 1);
      if (j % 97 == 0) CHECK_EQ(one, ref[j]);
    }
    for (const Table* t : supportedTables()) {
      int mism = 0;
      double worst = 0;
      for (size_t chunk : {n, size_t(1), size_t(7), size_t(64), size_t(1000)}) {
        for (size_t s = 0; s < n; s += chunk) {
          size_t len = chunk < n - s ? chunk : n - s;
          (t->*fill)(key, static_cast<int64_t>(5 + s), 1, o.data() + s, len);
        }
        for (size_t j = 0; j < n; ++j) {
          mism += bitsOf(o[j]) != bitsOf(ref[j]);
          double e = ulpError(o[j], ref[j]);
          if (e > worst) worst = e;
        }
      }
      CHECK_EQ(mism, 0);  // bit-identical across ISAs and chunkings
      CHECK(worst <= 8.0);
    }
    // strides: negative, zero, large
    for (int64_t step : {int64_t(-3), int64_t(-1), int64_t(0), int64_t(2), int64_t(1) << 33, -(int64_t(1) << 40)}) {
      for (const Table* t : supportedTables()) {
        (t->*fill)(key, 1000, step, o.data(), 37);
        for (size_t j = 0; j < 37; ++j) {
          double one;
          (base.*fill)(key, 1000 + static_cast<int64_t>(j) * step, 1, &one, 1);
          CHECK(bitsOf(o[j]) == bitsOf(one));
        }
      }
    }
  }
  // ranges and moments
  base.uniform64(key, 0, 1, ref.data(), n);
  double mean = 0;
  for (double v : ref) {
    CHECK(v >= 0.0 && v < 1.0);
    mean += v;
  }
  CHECK_NEAR(mean / n, 0.5, 0.02);
  base.normal64(key, 0, 1, ref.data(), n);
  double m1 = 0, m2 = 0;
  for (double v : ref) {
    CHECK(std::isfinite(v));
    m1 += v;
    m2 += v * v;
  }
  CHECK_NEAR(m1 / n, 0.0, 0.06);
  CHECK_NEAR(m2 / n, 1.0, 0.08);
}

TEST(kernels_reductions) {
  Rng rng{6};
  std::vector<double> x(5000);
  for (double& v : x) v = rng.range(-1, 1) * std::ldexp(1.0, int(rng.next() % 40) - 20);
  const Table& base = baselineTable();
  for (size_t n : {0u, 1u, 2u, 5u, 15u, 16u, 17u, 31u, 100u, 255u, 256u, 257u, 1000u, 1024u, 4099u, 5000u}) {
    long double exact = 0;
    for (size_t i = 0; i < n; ++i) exact += x[i];
    long double mag = 0;
    for (size_t i = 0; i < n; ++i) mag += fabsl(x[i]);
    double s = base.sum(x.data(), n);
    CHECK(fabsl(s - exact) <= 1e-15L * mag + 1e-300L);
    double mx = -INFINITY, mn = INFINITY, pr = 1;
    for (size_t i = 0; i < n; ++i) {
      mx = std::max(mx, x[i]);
      mn = std::min(mn, x[i]);
    }
    CHECK_EQ(base.reduceMax(x.data(), n), mx);
    CHECK_EQ(base.reduceMin(x.data(), n), mn);
    std::vector<double> p(n);
    for (size_t i = 0; i < n; ++i) p[i] = 1.0 + std::ldexp(x[i], -24);
    long double lp = 1;
    for (size_t i = 0; i < n; ++i) lp *= p[i];
    pr = base.prod(p.data(), n);
    CHECK(fabsl(pr - lp) <= 2.3e-16L * static_cast<long double>(n + 1) * fabsl(lp));
    for (const Table* t : supportedTables()) {  // bit-identical across ISAs
      CHECK(bitsOf(t->sum(x.data(), n)) == bitsOf(s));
      CHECK(bitsOf(t->prod(p.data(), n)) == bitsOf(pr));
      CHECK(bitsOf(t->reduceMax(x.data(), n)) == bitsOf(base.reduceMax(x.data(), n)));
      CHECK(bitsOf(t->reduceMin(x.data(), n)) == bitsOf(base.reduceMin(x.data(), n)));
      for (size_t off = 1; off < 4 && n > off; ++off)  // unaligned starts
        CHECK(bitsOf(t->sum(x.data() + off, n - off)) == bitsOf(base.sum(x.data() + off, n - off)));
    }
  }
  // NaN propagates; -0.0 sums stay -0.0; inf handling
  for (const Table* t : supportedTables()) {
    std::vector<double> v(300, 1.0);
    v[137] = NAN;
    CHECK(std::isnan(t->sum(v.data(), v.size())));
    CHECK(std::isnan(t->prod(v.data(), v.size())));
    CHECK(std::isnan(t->reduceMax(v.data(), v.size())));
    CHECK(std::isnan(t->reduceMin(v.data(), v.size())));
    std::vector<double> z(33, -0.0);
    CHECK(bitsOf(t->sum(z.data(), z.size())) == 0);  // NumPy: sum([-0.0, ...]) = 0.0
    CHECK(bitsOf(t->sum(z.data(), 0)) == 0);
    CHECK_EQ(t->prod(z.data(), 0), 1.0);
    std::vector<double> w(40, 1.0);
    w[3] = INFINITY;
    CHECK(std::isinf(t->sum(w.data(), w.size())));
    w[5] = -INFINITY;
    CHECK(std::isnan(t->sum(w.data(), w.size())));
  }
}

TEST(kernels_cross_isa_agreement) {
  Rng rng{8};
  const size_t n = 2053;
  std::vector<double> x(n), ox(n), ob(n);
  const Table& base = baselineTable();
  struct F {
    const char* name;
    Unary Table::*f;
    double lo, hi;
  };
  const F fs[] = {{"exp", &Table::exp, -745, 709}, {"log", &Table::log, 1e-300, 1e300},
                  {"sin", &Table::sin, -1e4, 1e4}, {"cos", &Table::cos, -1e4, 1e4}};
  for (const F& f : fs) {
    for (size_t i = 0; i < n; ++i) x[i] = f.lo < 0 ? rng.range(f.lo, f.hi) : std::exp(rng.range(std::log(f.lo), std::log(f.hi)));
    (base.*(f.f))(x.data(), ob.data(), n);
    for (const Table* t : supportedTables()) {
      (t->*(f.f))(x.data(), ox.data(), n);
      double worst = 0;
      int diff = 0;
      for (size_t i = 0; i < n; ++i) {
        worst = std::max(worst, ulpError(ox[i], ob[i]));
        diff += bitsOf(ox[i]) != bitsOf(ob[i]);
      }
      CHECK(worst <= 2.0);
      // log/sin/cos do the same IEEE operations in the same order on every ISA
      if (std::string(f.name) != "exp") CHECK_EQ(diff, 0);
    }
  }
}

// Special values scattered through long blocks: the vector loops must switch to their slow paths
// (and back) without disturbing the other lanes, also in place (out == x).
TEST(kernels_specials_in_blocks) {
  Rng rng{9};
  const double specials[] = {kNan, kInf, -kInf, 0.0, -0.0, 1e300, -1e300, 710, -746, 709.9, -745.5,
                             -708.5, 2e5, 9e5, -1e6, 1e-310, -1e-310};
  struct F {
    const char* name;
    Unary Table::*f;
    long double (*ref)(long double);
    double lo, hi;
  };
  const F fs[] = {{"exp", &Table::exp, expl, -700, 700},
                  {"log", &Table::log, logl, 1e-5, 1e5},
                  {"sin", &Table::sin, sinl, -100, 100},
                  {"cos", &Table::cos, cosl, -100, 100}};
  for (const Table* t : supportedTables()) {
    for (const F& f : fs) {
      for (size_t n : {1u, 5u, 8u, 13u, 64u, 1000u, 1024u}) {
        std::vector<double> x(n);
        for (size_t i = 0; i < n; ++i) x[i] = rng.range(f.lo, f.hi);
        for (size_t k = 0; k < 1 + n / 50; ++k) x[rng.next() % n] = specials[rng.next() % (sizeof specials / sizeof *specials)];
        std::vector<double> o(n), inplace = x;
        (t->*(f.f))(x.data(), o.data(), n);
        (t->*(f.f))(inplace.data(), inplace.data(), n);
        int bad = 0;
        for (size_t i = 0; i < n; ++i) {
          double e = ulpError(o[i], f.ref(static_cast<long double>(x[i])));
          if (e > 2.0) {
            ++bad;
            std::printf("    %s %s(%.17g) = %.17g (%.1f ulp)\n", t->isa, f.name, x[i], o[i], e);
          }
          bad += bitsOf(o[i]) != bitsOf(inplace[i]);
        }
        CHECK_EQ(bad, 0);
      }
    }
  }
}

namespace {
// NumPy's argmax/argmin of x[0, n): the first NaN if any, else the first extreme (-0 == +0).
size_t naiveArg(bool isMax, const double* x, size_t n) {
  for (size_t i = 0; i < n; ++i)
    if (std::isnan(x[i])) return i;
  size_t b = 0;
  for (size_t i = 1; i < n; ++i)
    if (isMax ? x[i] > x[b] : x[i] < x[b]) b = i;
  return b;
}
}  // namespace

// argMax/argMin against the naive first-occurrence scan, on every ISA: lengths around the vector
// and lane widths, NaN first / last / in the tail, ties (the first wins), -0 and +0, infinities.
TEST(kernels_arg_extremes) {
  Rng rng{14};
  std::vector<double> base(1100);
  for (double& v : base) v = std::floor(rng.range(-50, 50));  // many ties
  std::vector<size_t> lens;
  for (size_t n = 1; n <= 70; ++n) lens.push_back(n);
  for (size_t n : {127u, 128u, 129u, 255u, 256u, 257u, 1023u, 1024u, 1100u}) lens.push_back(n);
  for (const Table* t : supportedTables()) {
    for (size_t n : lens) {
      std::vector<double> x(base.begin(), base.begin() + static_cast<long>(n));
      for (int isMax = 0; isMax < 2; ++isMax) {
        auto arg = isMax ? t->argMax : t->argMin;
        CHECK_EQ(arg(x.data(), n), naiveArg(isMax, x.data(), n));
        for (size_t off = 1; off < 3 && off < n; ++off)  // unaligned starts
          CHECK_EQ(arg(x.data() + off, n - off), naiveArg(isMax, x.data() + off, n - off));
        std::vector<double> y = x;
        y[n - 1] = NAN;  // NaN last (in the scalar tail or the last vector)
        CHECK_EQ(arg(y.data(), n), n - 1);
        y[n / 2] = NAN;
        CHECK_EQ(arg(y.data(), n), n / 2);
        y[0] = NAN;  // NaN first
        CHECK_EQ(arg(y.data(), n), 0u);
      }
    }
    // ties across lanes and vectors: the first occurrence
    std::vector<double> c(300, 1.0);
    CHECK_EQ(t->argMax(c.data(), c.size()), 0u);
    CHECK_EQ(t->argMin(c.data(), c.size()), 0u);
    c[77] = 2.0;
    c[13] = 2.0;
    c[299] = 2.0;
    CHECK_EQ(t->argMax(c.data(), c.size()), 13u);
    c[250] = -3.0;
    c[41] = -3.0;
    CHECK_EQ(t->argMin(c.data(), c.size()), 41u);
    // -0 and +0 are equal: the first of them
    std::vector<double> z(40, -1.0);
    z[9] = -0.0;
    z[5] = 0.0;
    CHECK_EQ(t->argMax(z.data(), z.size()), 5u);
    for (double& v : z) v = v == -1.0 ? 1.0 : v;
    CHECK_EQ(t->argMin(z.data(), z.size()), 5u);
    // all the padding infinity, and infinities as extremes
    std::vector<double> inf(37, -INFINITY);
    CHECK_EQ(t->argMax(inf.data(), inf.size()), 0u);
    inf[20] = INFINITY;
    inf[30] = INFINITY;
    CHECK_EQ(t->argMax(inf.data(), inf.size()), 20u);
    CHECK_EQ(t->argMin(inf.data(), inf.size()), 0u);
    std::vector<double> pinf(19, INFINITY);
    CHECK_EQ(t->argMin(pinf.data(), pinf.size()), 0u);
    // the NaN probe's false alarms (inf - inf, sums beyond the largest double) change nothing;
    // rising and falling runs (a new extreme in every group); the extreme in a later group than
    // an equal value of another lane
    for (size_t n : {16u, 64u, 100u, 300u, 1024u}) {
      std::vector<double> f(n, 1.0);
      f[n / 3] = INFINITY;
      f[n / 3 + 1] = -INFINITY;
      CHECK_EQ(t->argMax(f.data(), n), naiveArg(true, f.data(), n));
      CHECK_EQ(t->argMin(f.data(), n), naiveArg(false, f.data(), n));
      for (size_t i = 0; i < n; ++i) f[i] = (i % 3 == 0 ? 1.0 : -1.0) * 1.7e308;
      CHECK_EQ(t->argMax(f.data(), n), 0u);
      CHECK_EQ(t->argMin(f.data(), n), 1u);
      for (size_t i = 0; i < n; ++i) f[i] = static_cast<double>(i);
      CHECK_EQ(t->argMax(f.data(), n), n - 1);
      CHECK_EQ(t->argMin(f.data(), n), 0u);
      for (size_t i = 0; i < n; ++i) f[i] = -static_cast<double>(i);
      CHECK_EQ(t->argMax(f.data(), n), 0u);
      CHECK_EQ(t->argMin(f.data(), n), n - 1);
      std::fill(f.begin(), f.end(), 0.0);
      f[n - 2] = 5.0;  // lane of n - 2 in the last group
      f[n / 2 + 1] = 5.0;  // another lane, an earlier group
      CHECK_EQ(t->argMax(f.data(), n), n / 2 + 1);
      f[n - 2] = NAN;
      CHECK_EQ(t->argMax(f.data(), n), n - 2);
      CHECK_EQ(t->argMin(f.data(), n), n - 2);
    }
    // the extreme (then a NaN, then a second equal extreme later) at every position of 300
    // elements: every accumulator, step, lane and group of the 4-accumulator groups and the tail
    std::vector<double> r(300);
    for (double& v : r) v = rng.range(-1, 1);
    for (size_t j = 0; j < r.size(); ++j) {
      std::vector<double> q = r;
      q[j] = 5.0;
      CHECK_EQ(t->argMax(q.data(), q.size()), j);
      q[j] = -5.0;
      CHECK_EQ(t->argMin(q.data(), q.size()), j);
      for (size_t k = j + 1; k < q.size(); k += 37) q[k] = -5.0;  // later ties lose
      CHECK_EQ(t->argMin(q.data(), q.size()), j);
      q[j] = NAN;
      CHECK_EQ(t->argMax(q.data(), q.size()), j);
      CHECK_EQ(t->argMin(q.data(), q.size()), j);
    }
  }
}

// sumInt: every integer dtype, against a scalar wrapping sum, on every ISA; INT32_MIN/MAX runs
// (int32 sums exceed 32 bits), int64 wrapping, unsigned values zero-extended, odd lengths.
template <class T>
static void checkIntSum(int code, const std::vector<T>& x) {
  for (const Table* t : supportedTables()) {
    for (size_t n : {0u, 1u, 3u, 7u, 8u, 15u, 16u, 17u, 31u, 32u, 33u, 63u, 64u, 65u, 100u, 1023u, 1024u}) {
      if (n > x.size()) continue;
      uint64_t ref = 0;
      for (size_t i = 0; i < n; ++i)
        ref += std::is_signed<T>::value ? static_cast<uint64_t>(static_cast<int64_t>(x[i])) : static_cast<uint64_t>(x[i]);
      CHECK_EQ(t->sumInt[code](x.data(), n), ref);
      if (n > 1) {
        uint64_t r1 = ref - (std::is_signed<T>::value ? static_cast<uint64_t>(static_cast<int64_t>(x[0])) : static_cast<uint64_t>(x[0]));
        CHECK_EQ(t->sumInt[code](x.data() + 1, n - 1), r1);  // unaligned start
      }
    }
  }
}
TEST(kernels_int_sums) {
  Rng rng{15};
  auto fill = [&](auto& v, auto lo, auto hi) {
    for (size_t i = 0; i < v.size(); ++i) v[i] = (rng.next() & 1) ? lo : hi;
    for (size_t i = 0; i < v.size(); i += 3) v[i] = static_cast<typename std::decay_t<decltype(v)>::value_type>(rng.next());
  };
  std::vector<int32_t> mx(1024, INT32_MAX), mn(1024, INT32_MIN);
  checkIntSum<int32_t>(5, mx);
  checkIntSum<int32_t>(5, mn);
  CHECK_EQ(static_cast<int64_t>(baselineTable().sumInt[5](mx.data(), 1024)), int64_t(1024) * INT32_MAX);
  CHECK_EQ(static_cast<int64_t>(baselineTable().sumInt[5](mn.data(), 1024)), int64_t(1024) * INT32_MIN);
  auto extremes = [&](int code, auto lo, auto hi) {  // runs of the dtype's MIN and MAX, and noise
    std::vector<decltype(lo)> v(1024);
    fill(v, lo, hi);
    checkIntSum<decltype(lo)>(code, v);
  };
  extremes(5, INT32_MIN, INT32_MAX);
  extremes(9, uint32_t(0), UINT32_MAX);
  extremes(6, INT64_MIN, INT64_MAX);  // wraps
  extremes(10, uint64_t(0), UINT64_MAX);
  extremes(4, int16_t(INT16_MIN), int16_t(INT16_MAX));
  extremes(8, uint16_t(0), uint16_t(UINT16_MAX));
  extremes(3, int8_t(INT8_MIN), int8_t(INT8_MAX));
  extremes(7, uint8_t(0), uint8_t(UINT8_MAX));
  for (const Table* t : supportedTables()) {
    CHECK(t->sumInt[0] == nullptr && t->sumInt[1] == nullptr && t->sumInt[2] == nullptr);
  }
}
