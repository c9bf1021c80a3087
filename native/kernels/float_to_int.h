// NumPy's astype from a float to an integer dtype, for the values C leaves undefined (NaN, ±inf,
// beyond the target's range) as NumPy's x86-64 builds compute them (Debian's 1.24 and 2.4 agree,
// scalar and SIMD loops alike), so a cast here gives what a NumPy user sees on this platform:
//   int8 int16 int32 uint8 uint16: through int32 (out of its range: INT32_MIN), then wrapped;
//   int64: out of range INT64_MIN;
//   uint32 / uint64: the signed range wraps, [2^(N-1), 2^N) is exact, above it (and +inf) 0,
//   NaN and below the signed range 2^(N-1).
// In-range values truncate toward zero and wrap modulo 2^bits, which C defines.
#pragma once

#include <cstdint>
#include <type_traits>

namespace tessera {

// static: internal linkage, so a TU built for AVX-512 never lends its copy to a baseline TU
// (the ODR rule kernels_impl.h follows).
template <class T>
static inline T floatToInt(double x) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  constexpr double p31 = 2147483648.0, p32 = 4294967296.0, p63 = 9223372036854775808.0, p64 = 18446744073709551616.0;
  if constexpr (std::is_same_v<T, int64_t>) {
    return x > -p63 && x < p63 ? static_cast<int64_t>(x) : INT64_MIN;  // false for NaN
  } else if constexpr (std::is_same_v<T, uint64_t>) {
    if (x > -p63 && x < p63) return static_cast<uint64_t>(static_cast<int64_t>(x));
    if (x >= p63 && x < p64) return static_cast<uint64_t>(x);
    return x > 0 ? 0 : uint64_t(1) << 63;
  } else if constexpr (std::is_same_v<T, uint32_t>) {
    if (x > -p31 && x < p31) return static_cast<uint32_t>(static_cast<int32_t>(x));
    if (x >= p31 && x < p32) return static_cast<uint32_t>(static_cast<int64_t>(x));
    return x > 0 ? 0u : 0x80000000u;
  } else {
    const int32_t t = x > -p31 && x < p31 ? static_cast<int32_t>(x) : INT32_MIN;
    return static_cast<T>(t);  // modular narrowing (C++20 defines it; GCC/Clang wrap in C++17)
  }
}

}  // namespace tessera
