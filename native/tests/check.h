// A minimal test harness for the engine core (no external test framework needed offline).
// TEST(name) { CHECK(cond); CHECK_NEAR(a, b, tol); CHECK_EQ(a, b); CHECK_THROWS(expr); }
#pragma once

#include <cmath>
#include <cstdio>
#include <functional>
#include <string>
#include <vector>

namespace tessera_test {

struct Case {
  const char* name;
  std::function<void()> fn;
};
inline std::vector<Case>& registry() {
  static std::vector<Case> cases;
  return cases;
}
inline int& failures() {
  static int n = 0;
  return n;
}
struct Register {
  Register(const char* name, std::function<void()> fn) { registry().push_back({name, std::move(fn)}); }
};
inline void fail(const char* file, int line, const std::string& what) {
  std::fprintf(stderr, "  FAIL %s:%d: %s\n", file, line, what.c_str());
  ++failures();
}

}  // namespace tessera_test

#define TESSERA_CAT2(a, b) a##b
#define TESSERA_CAT(a, b) TESSERA_CAT2(a, b)
#define TEST(name)                                                                            \
  static void name();                                                                         \
  static tessera_test::Register TESSERA_CAT(reg_, name)(#name, name);                         \
  static void name()
#define CHECK(cond)                                                                           \
  do {                                                                                        \
    if (!(cond)) tessera_test::fail(__FILE__, __LINE__, "CHECK(" #cond ")");                  \
  } while (0)
#define CHECK_EQ(a, b)                                                                        \
  do {                                                                                        \
    auto va_ = (a);                                                                           \
    auto vb_ = (b);                                                                           \
    if (!(va_ == vb_))                                                                        \
      tessera_test::fail(__FILE__, __LINE__,                                                  \
                         "CHECK_EQ(" #a ", " #b "): " + std::to_string(va_) + " != " +       \
                             std::to_string(vb_));                                            \
  } while (0)
#define CHECK_NEAR(a, b, tol)                                                                 \
  do {                                                                                        \
    double va_ = static_cast<double>(a), vb_ = static_cast<double>(b);                        \
    if (!(std::fabs(va_ - vb_) <= (tol)))                                                     \
      tessera_test::fail(__FILE__, __LINE__,                                                  \
                         "CHECK_NEAR(" #a ", " #b "): " + std::to_string(va_) + " vs " +      \
                             std::to_string(vb_));                                            \
  } while (0)
#define CHECK_THROWS(expr)                                                                    \
  do {                                                                                        \
    bool threw_ = false;                                                                      \
    try {                                                                                     \
      (void)(expr);                                                                           \
    } catch (...) {                                                                           \
      threw_ = true;                                                                          \
    }                                                                                         \
    if (!threw_) tessera_test::fail(__FILE__, __LINE__, "CHECK_THROWS(" #expr ")");           \
  } while (0)
