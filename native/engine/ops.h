// The operation table (ops.json → ops.generated.h) as data the engine can query at run time:
// names and arity for validation messages, the codes the binding accepts, and what opTable()
// reports to JavaScript. Everything here is derived from the X-macros; nothing is listed by hand.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "engine/plan.h"

namespace tessera {

struct OpInfo {
  Op op;
  int arity;         // 0 = Load (reads a leaf), 1 = unary kernel, 2 = binary kernel
  const char* cname; // C++ enumerator, used in messages ("Add")
  const char* plan;  // plan-format name ("add")
};

inline constexpr OpInfo kOpInfo[] = {
#define TESSERA_X(cname, code, arity, plan) {Op::cname, arity, #cname, plan},
    TESSERA_OPS(TESSERA_X)
#undef TESSERA_X
};

// A row of the reduction, leaf-kind or dtype table: code and names.
struct EnumInfo {
  int32_t code;
  const char* cname;
  const char* plan;
};

inline constexpr EnumInfo kReduceInfo[] = {
#define TESSERA_X(cname, code, plan) {code, #cname, plan},
    TESSERA_REDUCE_OPS(TESSERA_X)
#undef TESSERA_X
};

inline constexpr EnumInfo kLeafKindInfo[] = {
#define TESSERA_X(cname, code, plan) {code, #cname, plan},
    TESSERA_LEAF_KINDS(TESSERA_X)
#undef TESSERA_X
};

inline constexpr EnumInfo kStageKindInfo[] = {
#define TESSERA_X(cname, code, plan) {code, #cname, plan},
    TESSERA_STAGE_KINDS(TESSERA_X)
#undef TESSERA_X
};

inline constexpr EnumInfo kDTypeInfo[] = {
#define TESSERA_X(cname, code, size, name) {code, #cname, name},
    TESSERA_DTYPES(TESSERA_X)
#undef TESSERA_X
};

// The row for an op code, or nullptr when the code names no operation.
inline const OpInfo* findOp(Op op) {
  for (const OpInfo& o : kOpInfo)
    if (o.op == op) return &o;
  return nullptr;
}

template <size_t N>
const EnumInfo* findEnum(const EnumInfo (&rows)[N], int64_t code) {
  for (const EnumInfo& r : rows)
    if (r.code == code) return &r;
  return nullptr;
}

// "0 Load, 1 Neg, ..." — the accepted codes of a table, for error messages.
template <typename Row, size_t N>
std::string acceptedCodes(const Row (&rows)[N], int32_t (*code)(const Row&)) {
  std::string s;
  for (const Row& r : rows) {
    if (!s.empty()) s += ", ";
    s += std::to_string(code(r)) + " " + r.cname;
  }
  return s;
}
inline std::string acceptedOps() {
  return acceptedCodes(kOpInfo, +[](const OpInfo& o) { return static_cast<int32_t>(o.op); });
}
template <size_t N>
std::string acceptedCodes(const EnumInfo (&rows)[N]) {
  return acceptedCodes(rows, +[](const EnumInfo& r) { return r.code; });
}

}  // namespace tessera
