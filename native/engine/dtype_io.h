// Element types of the dtype table (ops.json) and NumPy's astype from a double (immediates,
// finalized float reductions stored into a sink of any dtype). The VM's registers are typed
// (engine/typing.h); the per-ISA cast kernels (kernels_typed.h castValue) follow the same rules.
#pragma once

#include <cstddef>
#include <cstdint>
#include <type_traits>

#include "engine/plan.h"
#include "kernels/float_to_int.h"

namespace tessera::detail {

// The C++ type of an element of `d`'s buffers (bool is one byte, 0 or 1).
template <DType d> struct Elem;
template <> struct Elem<DType::F64> { using type = double; };
template <> struct Elem<DType::F32> { using type = float; };
template <> struct Elem<DType::Bool> { using type = uint8_t; };
template <> struct Elem<DType::I8> { using type = int8_t; };
template <> struct Elem<DType::I16> { using type = int16_t; };
template <> struct Elem<DType::I32> { using type = int32_t; };
template <> struct Elem<DType::I64> { using type = int64_t; };
template <> struct Elem<DType::U8> { using type = uint8_t; };
template <> struct Elem<DType::U16> { using type = uint16_t; };
template <> struct Elem<DType::U32> { using type = uint32_t; };
template <> struct Elem<DType::U64> { using type = uint64_t; };

// Calls f(std::integral_constant<DType, d>{}) for the runtime dtype d (one row per table row).
template <class F>
void withDType(DType d, F&& f) {
  switch (d) {
#define TESSERA_X(cname, code, size, name) \
  case DType::cname:                        \
    f(std::integral_constant<DType, DType::cname>{}); \
    return;
    TESSERA_DTYPES(TESSERA_X)
#undef TESSERA_X
  }
}

// f(T{}) for the unsigned integer type of an element size (copies move bytes, not values).
template <class F>
void withElementSize(size_t size, F&& f) {
  switch (size) {
    case 1: f(uint8_t{}); return;
    case 2: f(uint16_t{}); return;
    case 4: f(uint32_t{}); return;
    default: f(uint64_t{}); return;
  }
}

// A buffer index held in a leaf's double field (a/b of the compress, take and concat leaves), or
// -1 when it is not an integer in [0, 2^31).
inline int32_t leafBufferIndex(double v) { return v >= 0 && v < 2147483647.0 && v == static_cast<double>(static_cast<int64_t>(v)) ? static_cast<int32_t>(v) : -1; }

// An element read into a register. A bool byte other than 0/1 counts as true.
template <DType d>
inline double loadAs(typename Elem<d>::type v) {
  if constexpr (d == DType::Bool) return v != 0 ? 1.0 : 0.0;
  else return static_cast<double>(v);
}

// A register value stored as d, as NumPy's astype: floats round to nearest; bool is x != 0
// (NaN is true); integers truncate toward zero and wrap modulo 2^bits; NaN, inf and values out
// of range as NumPy's x86-64 builds give them (kernels/float_to_int.h).
template <DType d>
inline typename Elem<d>::type storeAs(double x) {
  using T = typename Elem<d>::type;
  if constexpr (d == DType::F64 || d == DType::F32) {
    return static_cast<T>(x);
  } else if constexpr (d == DType::Bool) {
    return x != 0 ? 1 : 0;
  } else {
    return floatToInt<T>(x);
  }
}

}  // namespace tessera::detail
