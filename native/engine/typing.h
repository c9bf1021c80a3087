// Typed registers: the dtype of every register at every instruction, and each instruction's loop
// (its (op, signature) row of the operation table, ops.json). The plan does not spell the loop:
// it follows from the operands, as a NumPy ufunc's loop follows from its inputs' dtypes once the
// compiler has inserted the casts — Load gives the leaf's dtype, Cast gives b, an immediate takes
// the dtype of the other operand (of the destination for Where; float64 when there is none), and
// every other instruction uses the op row's signature whose inputs are exactly the operands'
// dtypes. No match is a validation error naming the op, the dtypes and the accepted signatures.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "engine/plan.h"

namespace tessera::detail {

struct LoopRow {
  Op op;
  int arity;
  DType out, a, b;  // a unary loop has b == a
};
extern const LoopRow kLoopRows[kNumLoops];

struct TypedInstr {
  Op op = Op::Load;
  int32_t dst = 0, a = 0, b = 0;
  DType out = DType::F64, ta = DType::F64, tb = DType::F64;  // result and operand dtypes
  int loop = -1;                                             // row of kLoopRows (kernel ops)
  uint64_t immA = 0, immB = 0;  // an immediate operand as one element of its dtype (low bytes)
};

struct TypedProgram {
  std::vector<TypedInstr> instrs;
  DType result = DType::F64;  // dtype of the result register after the program
};

// The typed program of a kernel stage whose registers and operands were validated. Throws
// std::invalid_argument("<sp>.program[i]: ...") when an instruction has no loop.
TypedProgram typeProgram(const Stage& st, const std::string& sp);

// v as one element of d (NumPy astype rules, engine/dtype_io.h), in the low bytes of the result.
uint64_t immBits(double v, DType d);

const char* dtypeName(DType d);

// bool and the integer dtypes (registers that are not floats).
inline bool integerLike(DType d) { return d != DType::F64 && d != DType::F32; }
inline bool signedInt(DType d) {
  return d == DType::I8 || d == DType::I16 || d == DType::I32 || d == DType::I64;
}
// The reductions of bool/integer values computed exactly in 64-bit integers (wrapping as NumPy);
// the others (mean, var, std and their nan forms) reduce the values widened to float64, as NumPy.
inline bool intReduction(ReduceOp op, DType d) {
  if (!integerLike(d)) return false;
  switch (op) {
    case ReduceOp::Sum: case ReduceOp::Prod: case ReduceOp::Min: case ReduceOp::Max:
    case ReduceOp::NanSum: case ReduceOp::NanProd: case ReduceOp::NanMin: case ReduceOp::NanMax:
    case ReduceOp::Any: case ReduceOp::All: case ReduceOp::CountNonzero: case ReduceOp::Ptp:
    case ReduceOp::ArgMin: case ReduceOp::ArgMax: case ReduceOp::NanArgMin: case ReduceOp::NanArgMax:
      return true;
    default:
      return false;
  }
}

}  // namespace tessera::detail
