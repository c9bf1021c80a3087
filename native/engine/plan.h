// The plan the engine executes: the whole of one compute, handed over once (no per-task calls).
// This header is the contract between the TypeScript lowering (src/graph/lower.ts), the thin
// N-API binding (native/binding/) and the executor. No napi.h here: the core is tested by ctest.
//
// Model. A plan is a list of stages run in order. A stage has an N-d *iteration space* (shape)
// split into a chunk grid (per-axis chunk sizes, Dask's `chunks`). One task = one chunk of that
// grid. Every value a stage reads comes from a *leaf* addressed by a linear index that is an affine
// function of the global iteration coordinate c:
//     lin = offset + sum_k c[k] * strides[k]
// so transposes are permuted strides, broadcasting is a zero stride, and generated sources
// (arange, random) are pure functions of lin — chunk boundaries of the inputs never matter.
// The fused program (a register VM, numexpr-style) runs over L1-sized blocks of the chunk and
// its result register goes to the sink: stored elementwise into a buffer, or reduced.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

// The operation table (generated from native/engine/ops.json): the enums below, kMaxDims,
// kMaxRegisters and the other plan limits. engine/ops.h has the same rows as queryable data.
#include "engine/ops.generated.h"

namespace tessera {

// The X-macro rows below expand to `Name = code,`; the comments say what each means.
#define TESSERA_ENUM_ROW(cname, code, ...) cname = code,

enum class DType : uint8_t { TESSERA_DTYPES(TESSERA_ENUM_ROW) };  // F64, F32

inline size_t dtypeSize(DType d) {
  switch (d) {
#define TESSERA_X(cname, code, size, name) \
  case DType::cname:                        \
    return size;
    TESSERA_DTYPES(TESSERA_X)
#undef TESSERA_X
  }
  return 0;
}

// A contiguous region of memory owned by the caller (a JS ArrayBuffer or a native buffer); the
// binding keeps it alive until the plan has settled.
struct BufferRef {
  void* data = nullptr;
  size_t bytes = 0;
  bool writable = true;
};

// Arange:        a + b * lin
// RandomUniform: a + (b - a) * U(seed, lin); U in [0,1), 53-bit (F64) or 24-bit (F32)
// RandomNormal:  a + b * N(seed, lin)   (Box-Muller over two independent streams)
// Memory:        element lin of buffers[buffer] read as dtype
// Compress:      element lin of a boolean-mask result read in place: the lin-th selected element
//                of buffers[buffer] (a: condition buffer, b: table buffer; engine/compress_leaf.h)
// Take:          element lin of an np.take result read in place: lin is a position of the
//                row-major take output, read from buffers[buffer] at the row the index buffer
//                names (a: index buffer, b: table buffer; engine/gather.h at TakeLeaf)
// Concat:        a concatenation read in place: along stage axis a, parts of the axis each read
//                as their own arange/random/memory leaf (b: table buffer; engine/concat_leaf.h)
enum class LeafKind : uint8_t { TESSERA_LEAF_KINDS(TESSERA_ENUM_ROW) };

struct Leaf {
  LeafKind kind = LeafKind::Memory;
  DType dtype = DType::F64;     // generated values are rounded to this type (float32 randoms)
  int64_t offset = 0;
  std::vector<int64_t> strides; // one per stage axis
  double a = 0, b = 0;
  uint64_t seed = 0;            // random leaves: the user's seed (0 <= seed < 2^53)
  int32_t buffer = -1;          // memory leaves: index into Plan::buffers
};

// Operand encoding in Instr::a / Instr::b: r >= 0 is register r; r < 0 is immediate imms[-1 - r].
// An immediate is a double unless Stage::immKinds says it is an exact 64-bit integer (below).
// Load (arity 0): dst <- leaves[a]. Arity 1: dst <- f(a). Arity 2: dst <- f(a, b).
// Load, Neg, Abs, Exp, Log, Sqrt, Sin, Cos, Add, Sub, Mul, Div, Pow, Max, Min (see ops.json)
enum class Op : int32_t { TESSERA_OPS(TESSERA_ENUM_ROW) };

// Stage::immKinds values.
enum class ImmKind : uint8_t { Float = 0, Int64 = 1, UInt64 = 2 };

struct Instr {
  Op op = Op::Load;
  int32_t dst = 0;
  int32_t a = 0;
  int32_t b = 0;
};

// None stores every element; Sum, Prod, Min, Max, Mean, Var, Std reduce.
enum class ReduceOp : int32_t { TESSERA_REDUCE_OPS(TESSERA_ENUM_ROW) };

// Kernel: the fused VM program over the chunk grid (everything below unless said otherwise).
// Matmul: batched matrix product, one task per output chunk (engine/matmul.h).
// Scan:   cumulative sum/product along one axis, Dask's cumreduction (engine/scan.h).
// Select: per-lane order statistics, median and 'linear' quantiles (engine/scan.h).
// Take:   np.take along one axis, one task per output chunk (engine/gather.h).
// Compress: boolean-mask compaction of a 1-d input: counts, then copies at offsets (engine/gather.h).
enum class StageKind : uint8_t { TESSERA_STAGE_KINDS(TESSERA_ENUM_ROW) };

#undef TESSERA_ENUM_ROW

// Where the result register goes. Target element for iteration coordinate c:
//     out = offset + sum_k c[k] * strides[k]   (element index into buffers[buffer] as dtype)
// For reductions strides[k] must be 0 on every reduced axis: all coordinates that differ only in
// reduced axes land on one output element. Min/Max propagate NaN (NumPy semantics); Var/Std use
// ddof; Mean/Var/Std divide by the static element count of the reduced axes.
struct Sink {
  ReduceOp reduce = ReduceOp::None;
  DType dtype = DType::F64;
  int32_t buffer = -1;
  int64_t offset = 0;
  std::vector<int64_t> strides;     // one per stage axis
  std::vector<uint8_t> reduceAxes;  // one per stage axis: 1 = reduced
  double ddof = 0;
  // Reductions only, dtype F64 only: write each output element's raw, un-finalized partial
  // instead of the result (what a distributed scheduler combines across per-chunk sub-stages).
  // Sum/Min/Max: the value; Prod/NanProd: two planes, mantissa at out and binary exponent at
  // out + P (product = mantissa * 2^exponent); Mean: the raw sum (no division); Var/Std: four planes of P elements each, P = the stage's kept output count
  // (product of the kept extents):
  //     count at out, mean at out + P, M2 at out + 2P, meanLo at out + 3P
  // (the mean is the double-double mean + meanLo). NanSum/Any/All/CountNonzero: the
  // value; the other nan-reductions, Ptp, ArgMin and ArgMax have no partials (validated).
  bool partials = false;
};

// Scan and Select stages have no program (nregs 1, result 0); they read leaves[0], a Memory leaf
// (the input), and write the sink (reduce None, reduceAxes: 1 on the one scanned/selected axis).
//   Scan: imms = [op, phase], op 0 cumsum, 1 cumprod, 2 nancumsum, 3 nancumprod (NaN as 0 / 1).
//     phase 0: each chunk is scanned along the axis on its own (sequentially, in the sink's
//     dtype) into the sink, and its last slice (the chunk total) goes to leaves[1], a Memory
//     leaf of the sink's dtype whose stride on the axis is per *chunk index* along it;
//     phase 1: chunk j > 0 along the axis combines ((ident op T0) op T1) ... op T(j-1) of the
//     totals in order and applies it (prefix op element) to its elements in place — Dask's
//     numbers exactly, bit-identical for any thread count (they depend on the chunking, as Dask's).
//   Select: the axis must be one chunk; imms = [method, qStride, q...], method 0: NumPy's
//     'linear' quantile of each q, 1: median (mean of the middle two); a lane holding a NaN
//     gives NaN. Quantile i of a lane goes to sink address + i * qStride.
// Take and Compress stages have no program (nregs 1, result 0) and copy elements unchanged (the
// sink's dtype is leaves[0]'s), writing the sink with reduce None:
//   Take: imms = [axis, source length n]; out[c] = leaves[0] at (offset + sum_{k != axis} c[k]*s[k]
//     + p * s[axis]) where p = leaves[1][c] (any dtype; an integer in [-n, n), negative + n).
//   Compress: 1-d; phase 0 (imms [0], leaves [cond]) writes chunk j's count of nonzero cond into
//     the float64 sink at offset + j * strides[0]; phase 1 (imms [1, total, offset_0, ...], leaves
//     [data, cond], sink strides [1]) copies chunk j's selected data to sink offset + offset_j.
struct Stage {
  // Matmul stages: shape/chunks are the output's ([batch..., M, N]); exactly two Memory leaves
  // A and B of the sink's dtype whose strides have one extra, last entry: the stride along the
  // contracted axis of length `contract` (A's N stride and B's M stride are 0); no program; the
  // sink stores (reduce None). out[c] = sum_p A[c, p] * B[c, p], p = 0..contract-1, accumulated
  // in a fixed order (engine/matmul.h), so results do not depend on threads or output chunking.
  StageKind kind = StageKind::Kernel;
  int64_t contract = 0;
  std::vector<int64_t> shape;                // iteration space
  std::vector<std::vector<int64_t>> chunks;  // per axis, chunk sizes summing to shape[k]
  std::vector<Leaf> leaves;
  std::vector<Instr> program;
  std::vector<double> imms;
  // Exact integer immediates (issue 14: NumPy's int64/uint64 arithmetic with any Python int).
  // Either both empty (every immediate is the double imms[i], as before) or both imms.size():
  // immKinds[i] is an ImmKind; for Int64 the value is immInts[i], for UInt64 the uint64 with the
  // bits of immInts[i], and imms[i] only holds the nearest double (informational). An integer
  // immediate converts to its instruction's dtype exactly: an integer dtype must hold the value
  // (validated), a float dtype gets it correctly rounded, bool gets value != 0.
  std::vector<uint8_t> immKinds;
  std::vector<int64_t> immInts;
  int32_t nregs = 0;
  int32_t result = 0;                        // register holding the value sent to the sink
  Sink sink;
};

struct Plan {
  std::vector<Stage> stages;
  std::vector<BufferRef> buffers;
  bool profile = false;  // record one TaskRecord per task
};

// Determinism contract: the numbers a plan produces depend only on the plan (including its
// chunking), never on the thread count or the order in which tasks finish. Reductions are
// pairwise inside a chunk and combined across chunks in a fixed tree by chunk index.

struct TaskRecord {
  int32_t stage;
  int64_t task;     // row-major chunk index within the stage's grid
  int32_t thread;
  int64_t startNs;  // steady clock, relative to plan start
  int64_t endNs;
};

// Thrown (as std::invalid_argument) by validatePlan with a message naming the offending field,
// e.g. "stages[0].leaves[1].buffer: index 7 out of range (2 buffers)".
void validatePlan(const Plan& plan);

}  // namespace tessera
