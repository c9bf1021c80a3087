#include "engine/typing.h"

#include <cstring>
#include <stdexcept>

#include "engine/dtype_io.h"
#include "engine/ops.h"

namespace tessera::detail {

const LoopRow kLoopRows[kNumLoops] = {
#define TESSERA_X(index, cname, arity, out, a, b) \
  {Op::cname, arity, static_cast<DType>(out), static_cast<DType>(a), static_cast<DType>(b)},
    TESSERA_LOOP_ROWS(TESSERA_X)
#undef TESSERA_X
};

const char* dtypeName(DType d) {
  switch (d) {
#define TESSERA_X(cname, code, size, name) \
  case DType::cname:                        \
    return name;
    TESSERA_DTYPES(TESSERA_X)
#undef TESSERA_X
  }
  return "?";
}

uint64_t immBits(double v, DType d) {
  uint64_t bits = 0;
  withDType(d, [&](auto dt) {
    constexpr DType k = decltype(dt)::value;
    const typename Elem<k>::type e = storeAs<k>(v);
    std::memcpy(&bits, &e, sizeof(e));
  });
  return bits;
}

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::invalid_argument(path + ": " + what);
}

// An exact integer immediate (ImmKind Int64, or UInt64 when `isUnsigned`) as one element of d: an
// integer dtype must hold the value (a plan that would wrap it is refused: NumPy 2 raises
// OverflowError there), floats round it once, bool is value != 0.
uint64_t exactImmBits(int64_t v, bool isUnsigned, DType d, const std::string& ip, size_t k) {
  const uint64_t u = static_cast<uint64_t>(v);
  if (d == DType::F64) {
    const double x = isUnsigned ? static_cast<double>(u) : static_cast<double>(v);
    uint64_t bits = 0;
    std::memcpy(&bits, &x, sizeof x);
    return bits;
  }
  if (d == DType::F32) {
    const float x = isUnsigned ? static_cast<float>(u) : static_cast<float>(v);
    uint32_t bits = 0;
    std::memcpy(&bits, &x, sizeof x);
    return bits;
  }
  if (d == DType::Bool) return u != 0 ? 1 : 0;
  const unsigned bitsOf = static_cast<unsigned>(dtypeSize(d) * 8);
  const bool negative = !isUnsigned && v < 0;
  bool fits;
  if (signedInt(d)) {
    const uint64_t maxPos = (uint64_t(1) << (bitsOf - 1)) - 1;
    fits = negative ? v >= -static_cast<int64_t>(maxPos) - 1 : u <= maxPos;
  } else {
    fits = !negative && (bitsOf == 64 || u < (uint64_t(1) << bitsOf));
  }
  if (!fits)
    fail(ip, "immediate imms[" + std::to_string(k) + "] = " + (isUnsigned ? std::to_string(u) : std::to_string(v)) +
                 " does not fit " + dtypeName(d) + " (an exact integer immediate must be in its instruction's dtype's range)");
  return bitsOf == 64 ? u : u & ((uint64_t(1) << bitsOf) - 1);
}

// Immediate operand r (< 0) as one element of d.
uint64_t immOperand(const Stage& st, int32_t r, DType d, const std::string& ip) {
  const size_t k = static_cast<size_t>(-1 - static_cast<int64_t>(r));
  const ImmKind kind = st.immKinds.empty() ? ImmKind::Float : static_cast<ImmKind>(st.immKinds[k]);
  if (kind == ImmKind::Float) return immBits(st.imms[k], d);
  return exactImmBits(st.immInts[k], kind == ImmKind::UInt64, d, ip, k);
}

std::string signatures(Op op) {
  std::string s;
  for (const LoopRow& r : kLoopRows) {
    if (r.op != op) continue;
    if (!s.empty()) s += ", ";
    s += std::string("(") + dtypeName(r.a) + (r.arity == 2 ? std::string(", ") + dtypeName(r.b) : "") + ") -> " + dtypeName(r.out);
  }
  return s;
}

}  // namespace

TypedProgram typeProgram(const Stage& st, const std::string& sp) {
  TypedProgram tp;
  tp.instrs.reserve(st.program.size());
  std::vector<DType> rt(static_cast<size_t>(st.nregs > 0 ? st.nregs : 1), DType::F64);
  for (size_t i = 0; i < st.program.size(); ++i) {
    const Instr& in = st.program[i];
    TypedInstr t;
    t.op = in.op;
    t.dst = in.dst;
    t.a = in.a;
    t.b = in.b;
    const std::string ip = sp + ".program[" + std::to_string(i) + "]";
    const OpInfo* info = findOp(in.op);
    const int ar = info ? info->arity : 0;
    if (in.op == Op::Load) {
      t.out = st.leaves[static_cast<size_t>(in.a)].dtype;
    } else if (in.op == Op::Cast) {
      t.ta = rt[static_cast<size_t>(in.a)];
      t.out = static_cast<DType>(in.b);
    } else if (in.op == Op::Where) {
      // dst = a ? b : dst
      t.ta = rt[static_cast<size_t>(in.a)];
      t.out = rt[static_cast<size_t>(in.dst)];
      t.tb = in.b >= 0 ? rt[static_cast<size_t>(in.b)] : t.out;
      if (in.b < 0) t.immB = immOperand(st, in.b, t.tb, ip);
      if (t.ta != DType::Bool || t.tb != t.out)
        fail(ip, std::string("where has no loop for condition ") + dtypeName(t.ta) + ", x " + dtypeName(t.tb) +
                     ", y (dst) " + dtypeName(t.out) + " (accepted: a bool condition and x, y of one dtype)");
    } else {
      if (ar == 1) {
        t.ta = in.a >= 0 ? rt[static_cast<size_t>(in.a)] : DType::F64;
        t.tb = t.ta;
      } else {
        if (in.a >= 0 && in.b >= 0) {
          t.ta = rt[static_cast<size_t>(in.a)];
          t.tb = rt[static_cast<size_t>(in.b)];
        } else if (in.a >= 0) {
          t.ta = t.tb = rt[static_cast<size_t>(in.a)];
        } else if (in.b >= 0) {
          t.ta = t.tb = rt[static_cast<size_t>(in.b)];
        } else {
          t.ta = t.tb = DType::F64;
        }
      }
      for (int k = 0; k < kNumLoops; ++k) {
        const LoopRow& r = kLoopRows[k];
        if (r.op == in.op && r.a == t.ta && (ar == 1 || r.b == t.tb)) {
          t.loop = k;
          t.out = r.out;
          break;
        }
      }
      if (t.loop < 0)
        fail(ip, std::string(info ? info->plan : "op") + " has no loop for (" + dtypeName(t.ta) +
                     (ar == 2 ? std::string(", ") + dtypeName(t.tb) : "") + ") (accepted: " + signatures(in.op) +
                     "; the compiler casts operands to one of these)");
      if (in.a < 0) t.immA = immOperand(st, in.a, t.ta, ip);
      if (ar == 2 && in.b < 0) t.immB = immOperand(st, in.b, t.tb, ip);
    }
    rt[static_cast<size_t>(in.dst)] = t.out;
    tp.instrs.push_back(t);
  }
  if (st.result >= 0 && st.result < static_cast<int32_t>(rt.size())) tp.result = rt[static_cast<size_t>(st.result)];
  return tp;
}

}  // namespace tessera::detail
