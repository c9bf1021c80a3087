// The plan the engine executes: the whole of one compute, handed over once (no per-task calls).
// This header is the contract between the TypeScript lowering (src/graph/lower.ts), the thin
// N-API binding (native/addon.cc) and the executor. No napi.h here: the core is tested by ctest.
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

namespace tessera {

constexpr int kMaxDims = 32;
constexpr int kMaxRegisters = 64;

enum class DType : uint8_t { F64 = 0, F32 = 1 };

inline size_t dtypeSize(DType d) { return d == DType::F64 ? 8 : 4; }

// A contiguous region of memory owned by the caller (a JS ArrayBuffer or a native buffer); the
// binding keeps it alive until the plan has settled.
struct BufferRef {
  void* data = nullptr;
  size_t bytes = 0;
  bool writable = true;
};

enum class LeafKind : uint8_t {
  Arange = 0,         // a + b * lin
  RandomUniform = 1,  // a + (b - a) * U(seed, lin); U in [0,1), 53-bit (F64) or 24-bit (F32)
  RandomNormal = 2,   // a + b * N(seed, lin)   (Box-Muller over two independent streams)
  Memory = 3,         // element lin of buffers[buffer] read as dtype
};

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
// Load: dst <- leaves[a].
enum class Op : int32_t {
  Load = 0,
  Neg = 1, Abs = 2, Exp = 3, Log = 4, Sqrt = 5, Sin = 6, Cos = 7,
  Add = 16, Sub = 17, Mul = 18, Div = 19, Pow = 20, Max = 21, Min = 22,
};

struct Instr {
  Op op = Op::Load;
  int32_t dst = 0;
  int32_t a = 0;
  int32_t b = 0;
};

enum class ReduceOp : int32_t {
  None = 0,  // store every element
  Sum = 1, Prod = 2, Min = 3, Max = 4, Mean = 5, Var = 6, Std = 7,
};

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
  // Sum/Prod/Min/Max: the value; Mean: the raw sum (no division); Var/Std: three planes of P
  // elements each, P = the stage's kept output count (product of the kept extents):
  //     count at out, mean at out + P, M2 at out + 2P.
  bool partials = false;
};

struct Stage {
  std::vector<int64_t> shape;                // iteration space
  std::vector<std::vector<int64_t>> chunks;  // per axis, chunk sizes summing to shape[k]
  std::vector<Leaf> leaves;
  std::vector<Instr> program;
  std::vector<double> imms;
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
