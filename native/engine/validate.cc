// validatePlan: everything the executor relies on is checked here, with overflow-checked integer
// arithmetic, so that no plan — however hostile — can make the executor read or write outside a
// buffer, overflow an index, allocate absurd amounts, or loop for long before running.
#include <cmath>
#include <cstdint>
#include <limits>
#include <stdexcept>
#include <string>

#include "engine/dtype_io.h"
#include "engine/compress_leaf.h"
#include "engine/concat_leaf.h"
#include "engine/gather.h"
#include "engine/ops.h"
#include "engine/plan.h"
#include "engine/typing.h"

namespace tessera {
namespace detail {
void validatePlainLeaf(const Plan& plan, const Leaf& lf, const std::string& lp, const std::vector<int64_t>& shape, bool empty);
}
namespace {

constexpr int64_t kMaxMagnitude = int64_t(1) << 62;  // |offset| + sum |stride|*shape, elements

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw std::invalid_argument(path + ": " + what);
}

std::string idx(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

bool mulOk(int64_t a, int64_t b, int64_t* out) { return !__builtin_mul_overflow(a, b, out); }
bool addOk(int64_t a, int64_t b, int64_t* out) { return !__builtin_add_overflow(a, b, out); }

bool dtypeOk(DType d) { return findEnum(kDTypeInfo, static_cast<int64_t>(d)) != nullptr; }

// plan.buffers[b], or a failure at `path` naming the index and the buffer count.
const BufferRef& bufferAt(const Plan& plan, int32_t b, const std::string& path) {
  if (b < 0 || static_cast<size_t>(b) >= plan.buffers.size())
    fail(path, "index " + std::to_string(b) + " out of range (" + std::to_string(plan.buffers.size()) + " buffers)");
  return plan.buffers[static_cast<size_t>(b)];
}

// Checks an affine address map over the stage shape: the magnitude bound, and (for buffers) that
// every addressed element lies inside the buffer.
void checkAffine(const std::string& path, int64_t offset, const std::vector<int64_t>& strides,
                 const std::vector<int64_t>& shape, bool empty, const BufferRef* buf, DType dtype,
                 const std::string& bufPath) {
  const size_t nd = shape.size();
  if (strides.size() != nd)
    fail(path + ".strides", "has " + std::to_string(strides.size()) + " entries, the stage has " +
                                std::to_string(nd) + " axes (one stride per axis)");
  if (offset <= -kMaxMagnitude || offset >= kMaxMagnitude)
    fail(path + ".offset", std::to_string(offset) + " out of range (|offset| < 2^62)");
  int64_t magnitude = offset < 0 ? -offset : offset;
  int64_t lo = offset, hi = offset;
  for (size_t k = 0; k < nd; ++k) {
    int64_t s = strides[k];
    if (s <= -kMaxMagnitude || s >= kMaxMagnitude)
      fail(idx(path + ".strides", k), std::to_string(s) + " out of range (|stride| < 2^62)");
    int64_t as = s < 0 ? -s : s, term = 0;
    if (!mulOk(as, shape[k], &term) || !addOk(magnitude, term, &magnitude) ||
        magnitude > kMaxMagnitude)
      fail(idx(path + ".strides", k),
           "address range overflows (|offset| + sum |stride|*shape must be <= 2^62)");
    if (shape[k] > 0) {
      int64_t span = s * (shape[k] - 1);  // bounded by the check above
      if (span < 0) lo += span; else hi += span;
    }
  }
  if (!buf || empty) return;
  const int64_t esize = static_cast<int64_t>(dtypeSize(dtype));
  const int64_t elems = static_cast<int64_t>(buf->bytes / static_cast<size_t>(esize));
  if (lo < 0)
    fail(path, "addresses element " + std::to_string(lo) + " before the start of " + bufPath);
  if (hi >= elems)
    fail(path, "addresses element " + std::to_string(hi) + " but " + bufPath + " holds " +
                   std::to_string(elems) + " elements of " + std::to_string(esize) + " bytes (" +
                   std::to_string(buf->bytes) + " bytes)");
}


// Scan and Select stages (plan.h at Stage): a Memory input leaf, the sink's one axis, their
// parameters, and every address they touch inside its buffer.
void validateSpecialStage(const Plan& plan, const Stage& st, const std::string& sp, bool empty) {
  const size_t nd = st.shape.size();
  const bool scan = st.kind == StageKind::Scan;
  const Sink& sk = st.sink;
  const std::string kp = sp + ".sink";
  if (sk.reduce != ReduceOp::None) fail(kp + ".reduce", "must be None (0) in a scan/select stage");
  if (sk.partials) fail(kp + ".partials", "must be false in a scan/select stage");
  // scans of integers run in int64/uint64 (NumPy's accumulators): input, output and totals alike
  const bool intScan = scan && (sk.dtype == DType::I64 || sk.dtype == DType::U64);
  if (sk.dtype != DType::F64 && sk.dtype != DType::F32 && !intScan)
    fail(kp + ".dtype", "a scan/select stage writes float64 (0) or float32 (1); a scan also int64 (6) or uint64 (10)");
  if (sk.reduceAxes.size() != nd)
    fail(kp + ".reduceAxes", "must have one entry per axis with exactly one 1 (the scanned axis)");
  int axis = -1;
  for (size_t k = 0; k < nd; ++k) {
    if (sk.reduceAxes[k] > 1) fail(idx(kp + ".reduceAxes", k), "accepted: 0 or 1");
    if (sk.reduceAxes[k]) {
      if (axis >= 0) fail(kp + ".reduceAxes", "has more than one 1 (one axis is scanned)");
      axis = static_cast<int>(k);
    }
  }
  if (axis < 0) fail(kp + ".reduceAxes", "has no 1 (the scanned/selected axis)");
  const size_t a = static_cast<size_t>(axis);
  const size_t wantLeaves = scan ? 2 : 1;
  if (st.leaves.size() != wantLeaves)
    fail(sp + ".leaves", "a " + std::string(scan ? "scan" : "select") + " stage has exactly " +
                             std::to_string(wantLeaves) + " memory leaves");
  for (size_t i = 0; i < st.leaves.size(); ++i) {
    const Leaf& lf = st.leaves[i];
    const std::string lp = idx(sp + ".leaves", i);
    if (lf.kind != LeafKind::Memory) fail(lp + ".kind", "must be memory in a scan/select stage");
    if (intScan ? lf.dtype != sk.dtype : (lf.dtype != DType::F64 && lf.dtype != DType::F32))
      fail(lp + ".dtype", intScan ? "an integer scan reads the sink's dtype" : "a scan/select stage reads float64 (0) or float32 (1)");
  }
  const BufferRef& out = bufferAt(plan, sk.buffer, kp + ".buffer");
  const std::string obp = "buffers[" + std::to_string(sk.buffer) + "]";
  if (!out.writable) fail(kp + ".buffer", obp + " is read-only");
  const Leaf& in = st.leaves[0];
  const BufferRef& inBuf = bufferAt(plan, in.buffer, sp + ".leaves[0].buffer");
  checkAffine(sp + ".leaves[0]", in.offset, in.strides, st.shape, empty, &inBuf, in.dtype,
              "buffers[" + std::to_string(in.buffer) + "]");
  if (scan) {
    bool knownOp = false;  // a row of ops.json scanOps
#define TESSERA_X(code, plan) knownOp = knownOp || (st.imms.size() == 2 && st.imms[0] == code);
    TESSERA_SCAN_OPS(TESSERA_X)
#undef TESSERA_X
    if (st.imms.size() != 2 || !knownOp ||
        !(st.imms[1] == 0 || st.imms[1] == 1))
      fail(sp + ".imms", "a scan stage has imms [op 0..3, phase 0|1]");
    checkAffine(kp, sk.offset, sk.strides, st.shape, empty, &out, sk.dtype, obp);
    const Leaf& tot = st.leaves[1];
    const std::string tp = sp + ".leaves[1]";
    if (tot.dtype != sk.dtype) fail(tp + ".dtype", "must be the sink's dtype (the chunk totals)");
    const BufferRef& tb = bufferAt(plan, tot.buffer, tp + ".buffer");
    if (!tb.writable) fail(tp + ".buffer", "the chunk totals' buffer is read-only");
    std::vector<int64_t> tshape(st.shape);
    tshape[a] = static_cast<int64_t>(st.chunks[a].size());
    checkAffine(tp, tot.offset, tot.strides, tshape, empty, &tb, tot.dtype,
                "buffers[" + std::to_string(tot.buffer) + "]");
  } else {
    if (st.imms.size() < 2 || !(st.imms[0] == 0 || st.imms[0] == 1))
      fail(sp + ".imms", "a select stage has imms [method 0|1, qStride, q...]");
    if (st.imms[0] == 1 && st.imms.size() != 2) fail(sp + ".imms", "median takes no q");
    if (st.imms[0] == 0 && st.imms.size() < 3) fail(sp + ".imms", "quantile needs at least one q");
    for (size_t i = 2; i < st.imms.size(); ++i)
      if (!(st.imms[i] >= 0 && st.imms[i] <= 1)) fail(idx(sp + ".imms", i), "q must be in [0, 1]");
    const double qs = st.imms[1];
    if (!(qs >= 0 && qs < static_cast<double>(kMaxMagnitude)) || qs != std::floor(qs))
      fail(idx(sp + ".imms", 1), "qStride must be an integer >= 0");
    if (st.chunks[a].size() > 1) fail(idx(sp + ".chunks", a), "the selected axis must be one chunk");
    if (sk.strides.size() == nd && sk.strides[a] != 0)
      fail(idx(kp + ".strides", a), "must be 0 on the selected axis");
    // the q index is one more axis of the output
    std::vector<int64_t> oshape(st.shape), ostrides(sk.strides);
    if (ostrides.size() == nd) {
      oshape[a] = 1;
      oshape.push_back(st.imms[0] == 1 ? 1 : static_cast<int64_t>(st.imms.size() - 2));
      ostrides.push_back(static_cast<int64_t>(qs));
    }
    bool outEmpty = false;
    for (size_t k = 0; k < nd; ++k) outEmpty |= k != a && st.shape[k] == 0;
    checkAffine(kp, sk.offset, ostrides, oshape, outEmpty, &out, sk.dtype, obp);
  }
}

// A matmul stage (plan.h, Stage): two Memory leaves over [shape..., contract], a storing sink.
void validateMatmulStage(const Plan& plan, const Stage& st, const std::string& sp, bool empty) {
  const size_t nd = st.shape.size();
  if (nd < 2) fail(sp + ".shape", "a matmul stage has " + std::to_string(nd) + " axes (accepted: >= 2: [batch..., M, N])");
  if (st.contract < 0 || st.contract >= kMaxMagnitude)
    fail(sp + ".contract", std::to_string(st.contract) + " (accepted: 0 <= contract < 2^62)");
  if (!st.program.empty())
    fail(sp + ".program", "a matmul stage has no program (accepted: empty)");
  if (st.leaves.size() != 2)
    fail(sp + ".leaves", "a matmul stage has " + std::to_string(st.leaves.size()) + " leaves (accepted: 2, A and B)");
  const Sink& sk = st.sink;
  const std::string kp = sp + ".sink";
  if (sk.reduce != ReduceOp::None || sk.partials)
    fail(kp + ".reduce", "a matmul stage stores its result (accepted: reduce None, no partials)");
  if (sk.dtype != DType::F64 && sk.dtype != DType::F32)
    fail(kp + ".dtype", std::to_string(static_cast<int>(sk.dtype)) + " (accepted: F64 or F32)");
  const BufferRef& out = bufferAt(plan, sk.buffer, kp + ".buffer");
  const std::string obp = "buffers[" + std::to_string(sk.buffer) + "]";
  if (!out.writable) fail(kp + ".buffer", obp + " is read-only");
  checkAffine(kp, sk.offset, sk.strides, st.shape, empty, &out, sk.dtype, obp);
  for (size_t k = 0; k < nd; ++k)
    if (!empty && st.shape[k] > 1 && sk.strides[k] == 0)
      fail(idx(kp + ".strides", k), "0 on an axis of length " + std::to_string(st.shape[k]) +
                                        " would write several results to one element (accepted: non-zero)");
  std::vector<int64_t> shapeK = st.shape;
  shapeK.push_back(st.contract);
  for (size_t i = 0; i < 2; ++i) {
    const Leaf& lf = st.leaves[i];
    const std::string lp = idx(sp + ".leaves", i);
    if (lf.kind != LeafKind::Memory) fail(lp + ".kind", "a matmul operand must be a Memory leaf");
    if (lf.dtype != sk.dtype) fail(lp + ".dtype", "a matmul operand must have the sink's dtype");
    const BufferRef* buf = &bufferAt(plan, lf.buffer, lp + ".buffer");
    if (lf.buffer == sk.buffer) fail(lp + ".buffer", "a matmul operand must not be the sink's buffer");
    checkAffine(lp, lf.offset, lf.strides, shapeK, empty || st.contract == 0, buf, lf.dtype,
                "buffers[" + std::to_string(lf.buffer) + "]");
  }
}

void validateStage(const Plan& plan, const Stage& st, const std::string& sp) {
  const size_t nd = st.shape.size();
  if (nd > static_cast<size_t>(kMaxDims))
    fail(sp + ".shape", "has " + std::to_string(nd) + " axes (accepted: 0.." +
                            std::to_string(kMaxDims) + ")");
  bool empty = false;
  int64_t elements = 1;
  bool elemsOverflow = false;
  for (size_t k = 0; k < nd; ++k) {
    int64_t n = st.shape[k];
    if (n < 0) fail(idx(sp + ".shape", k), std::to_string(n) + " is negative (accepted: >= 0)");
    if (n == 0) empty = true;
    if (!mulOk(elements, n, &elements) || elements > kMaxMagnitude) elemsOverflow = true;
  }
  if (!empty && elemsOverflow)
    fail(sp + ".shape", "has more than 2^62 elements");

  // chunks tile the shape
  if (st.chunks.size() != nd)
    fail(sp + ".chunks", "has " + std::to_string(st.chunks.size()) + " axes, shape has " +
                             std::to_string(nd) + " (one list of chunk sizes per axis)");
  int64_t tasks = 1;
  for (size_t k = 0; k < nd; ++k) {
    const auto& c = st.chunks[k];
    const std::string cp = idx(sp + ".chunks", k);
    int64_t sum = 0;
    for (size_t j = 0; j < c.size(); ++j) {
      int64_t v = c[j];
      if (v < 0 || (v == 0 && st.shape[k] != 0))
        fail(idx(cp, j), "chunk size " + std::to_string(v) +
                             " (accepted: positive sizes; 0 only on a zero-length axis)");
      if (!addOk(sum, v, &sum))
        fail(cp, "chunk sizes overflow int64, shape is " + std::to_string(st.shape[k]));
    }
    if (sum != st.shape[k])
      fail(cp, "chunk sizes sum to " + std::to_string(sum) + ", shape is " +
                   std::to_string(st.shape[k]));
    if (st.shape[k] > 0 && c.empty()) fail(cp, "is empty but the axis has length > 0");
    int64_t n = static_cast<int64_t>(c.size());
    if (!mulOk(tasks, n, &tasks) || tasks > kMaxTasks) {
      if (!empty)
        fail(sp + ".chunks", "the chunk grid has more than 2^31 tasks");
      tasks = kMaxTasks;  // an empty stage runs no task anyway
    }
  }
  if (!findEnum(kStageKindInfo, static_cast<int64_t>(st.kind)))
    fail(sp + ".kind", std::to_string(static_cast<int>(st.kind)) + " unknown (accepted: " +
                           acceptedCodes(kStageKindInfo) + ")");
  if (st.kind == StageKind::Matmul) {
    validateMatmulStage(plan, st, sp, empty);
    return;
  }

  if (detail::isGatherStage(st.kind)) {
    detail::validateGatherStage(plan, st, sp, empty);
    return;
  }
  if (st.kind != StageKind::Kernel) {
    validateSpecialStage(plan, st, sp, empty);
    return;
  }

  // registers
  if (st.nregs < 1 || st.nregs > kMaxRegisters)
    fail(sp + ".nregs", std::to_string(st.nregs) + " (accepted: 1.." +
                            std::to_string(kMaxRegisters) + ")");
  if (st.result < 0 || st.result >= st.nregs)
    fail(sp + ".result", "register " + std::to_string(st.result) + " out of range (nregs " +
                             std::to_string(st.nregs) + ")");

  // leaves
  if (st.leaves.size() > static_cast<size_t>(kMaxLeaves))
    fail(sp + ".leaves", "has " + std::to_string(st.leaves.size()) + " leaves (max " +
                             std::to_string(kMaxLeaves) + ")");
  for (size_t i = 0; i < st.leaves.size(); ++i) {
    const Leaf& lf = st.leaves[i];
    const std::string lp = idx(sp + ".leaves", i);
    if (!findEnum(kLeafKindInfo, static_cast<int64_t>(lf.kind)))
      fail(lp + ".kind", std::to_string(static_cast<int>(lf.kind)) +
                             " unknown (accepted: " + acceptedCodes(kLeafKindInfo) + ")");
    if (!dtypeOk(lf.dtype))
      fail(lp + ".dtype", std::to_string(static_cast<int>(lf.dtype)) +
                              " unknown (accepted: " + acceptedCodes(kDTypeInfo) + ")");
    if (lf.kind == LeafKind::Compress) {  // engine/compress_leaf.h
      detail::validateCompressLeaf(plan, st, lf, lp, empty);
      continue;
    }
    if (lf.kind == LeafKind::Take) {  // engine/gather.h
      detail::validateTakeLeaf(plan, st, lf, lp, empty);
      continue;
    }
    if (lf.kind == LeafKind::Concat) {  // engine/concat_leaf.h
      detail::validateConcatLeaf(plan, st, lf, lp, empty);
      continue;
    }
    detail::validatePlainLeaf(plan, lf, lp, st.shape, empty);
  }

  // program
  if (st.program.size() > static_cast<size_t>(kMaxProgram))
    fail(sp + ".program", "has " + std::to_string(st.program.size()) + " instructions (max " +
                              std::to_string(kMaxProgram) + ")");
  if (st.imms.size() > static_cast<size_t>(kMaxImms))
    fail(sp + ".imms", "has " + std::to_string(st.imms.size()) + " entries (max " +
                           std::to_string(kMaxImms) + ")");
  if (!(st.immKinds.empty() && st.immInts.empty()) &&
      !(st.immKinds.size() == st.imms.size() && st.immInts.size() == st.imms.size()))
    fail(sp + ".immKinds", "immKinds and immInts must both be empty or both have one entry per immediate (" +
                               std::to_string(st.imms.size()) + "), got " + std::to_string(st.immKinds.size()) +
                               " and " + std::to_string(st.immInts.size()));
  for (size_t i = 0; i < st.immKinds.size(); ++i)
    if (st.immKinds[i] > static_cast<uint8_t>(ImmKind::UInt64))
      fail(idx(sp + ".immKinds", i), std::to_string(st.immKinds[i]) + " unknown (accepted: 0 float, 1 int64, 2 uint64)");
  uint64_t written = 0;  // bit r: register r holds a value
  auto operand = [&](const std::string& p, int32_t r) {
    if (r >= 0) {
      if (r >= st.nregs)
        fail(p, "register " + std::to_string(r) + " out of range (nregs " +
                    std::to_string(st.nregs) + ")");
      if (!(written & (uint64_t(1) << r)))
        fail(p, "register " + std::to_string(r) + " is read before it is written");
    } else {
      int64_t imm = -1 - static_cast<int64_t>(r);
      if (imm >= static_cast<int64_t>(st.imms.size()))
        fail(p, "immediate " + std::to_string(imm) + " out of range (" +
                    std::to_string(st.imms.size()) + " imms; operand r < 0 means imms[-1 - r])");
    }
  };
  for (size_t i = 0; i < st.program.size(); ++i) {
    const Instr& in = st.program[i];
    const std::string ip = idx(sp + ".program", i);
    const OpInfo* info = findOp(in.op);
    if (!info)
      fail(ip + ".op", std::to_string(static_cast<int32_t>(in.op)) + " unknown (accepted: " + acceptedOps() + ")");
    if (in.dst < 0 || in.dst >= st.nregs)
      fail(ip + ".dst", "register " + std::to_string(in.dst) + " out of range (nregs " +
                            std::to_string(st.nregs) + ")");
    const int ar = info->arity;
    if (ar == 0) {
      if (in.a < 0 || static_cast<size_t>(in.a) >= st.leaves.size())
        fail(ip + ".a", "leaf " + std::to_string(in.a) + " out of range (" +
                            std::to_string(st.leaves.size()) + " leaves)");
    } else {
      operand(ip + ".a", in.a);
      if (ar == 2) operand(ip + ".b", in.b);
      if (in.op == Op::Cast) {
        if (in.a < 0) fail(ip + ".a", "is an immediate; cast's operand must be a register");
        if (in.b < 0 || in.b > 255 || !dtypeOk(static_cast<DType>(in.b)))
          fail(ip + ".b", std::to_string(in.b) + " is not a cast target dtype (accepted: " + acceptedCodes(kDTypeInfo) + "; b of a cast is a dtype code)");
      }
      // where's merge form reads its destination (the false branch)
      if (in.op == Op::Where) {
        operand(ip + ".dst", in.dst);
        if (in.a < 0) fail(ip + ".a", "is an immediate; where's condition must be a register");
      }
    }
    written |= uint64_t(1) << in.dst;
  }
  if (!(written & (uint64_t(1) << st.result)))
    fail(sp + ".result", "register " + std::to_string(st.result) +
                             " is never written by the program");
  // every instruction has a loop for its operands' dtypes (typed registers)
  const detail::TypedProgram typed = detail::typeProgram(st, sp);

  // sink
  const Sink& sk = st.sink;
  const std::string kp = sp + ".sink";
  const int reduce = static_cast<int>(sk.reduce);
  if (!findEnum(kReduceInfo, reduce))
    fail(kp + ".reduce", std::to_string(reduce) + " unknown (accepted: " + acceptedCodes(kReduceInfo) + ")");
  if (!dtypeOk(sk.dtype))
    fail(kp + ".dtype", std::to_string(static_cast<int>(sk.dtype)) +
                            " unknown (accepted: " + acceptedCodes(kDTypeInfo) + ")");
  const BufferRef& out = bufferAt(plan, sk.buffer, kp + ".buffer");
  const std::string obp = "buffers[" + std::to_string(sk.buffer) + "]";
  if (!out.writable) fail(kp + ".buffer", obp + " is read-only");
  if (!sk.reduceAxes.empty() && sk.reduceAxes.size() != nd)
    fail(kp + ".reduceAxes", "has " + std::to_string(sk.reduceAxes.size()) +
                                 " entries, the stage has " + std::to_string(nd) +
                                 " axes (one 0/1 flag per axis, or empty for none)");
  for (size_t k = 0; k < sk.reduceAxes.size(); ++k) {
    uint8_t f = sk.reduceAxes[k];
    if (f > 1) fail(idx(kp + ".reduceAxes", k), std::to_string(f) + " (accepted: 0 or 1)");
    if (f && sk.reduce == ReduceOp::None)
      fail(idx(kp + ".reduceAxes", k), "is 1 but reduce is None (accepted: 0)");
  }
  if (!(sk.ddof >= 0) || !std::isfinite(sk.ddof))
    fail(kp + ".ddof", "must be a finite number >= 0");
  // The sink is written even for an empty stage when the reduced axes are empty (identities), so
  // its range is checked unless a *kept* axis is empty.
  bool sinkEmpty = false;
  for (size_t k = 0; k < nd; ++k) {
    bool red = !sk.reduceAxes.empty() && sk.reduceAxes[k];
    if (!red && st.shape[k] == 0) sinkEmpty = true;
  }
  checkAffine(kp, sk.offset, sk.strides, st.shape, sinkEmpty, &out, sk.dtype, obp);
  if (sk.partials) {
    if (sk.reduce == ReduceOp::None)
      fail(kp + ".partials", "is true but reduce is None (partials exist only for reductions)");
    if (sk.dtype != DType::F64)
      fail(kp + ".partials", "is true but dtype is not F64 (partials are written as F64: dtype 0)");
    if (detail::intReduction(sk.reduce, typed.result))
      fail(kp + ".partials", std::string("is true but the reduced values are ") + detail::dtypeName(typed.result) +
                                 " (integer partials are not written yet; accepted: float32 or float64 values)");
  }
  if (sk.partials && (sk.reduce == ReduceOp::NanMean || sk.reduce == ReduceOp::NanVar ||
                      sk.reduce == ReduceOp::NanStd || sk.reduce == ReduceOp::NanMin ||
                      sk.reduce == ReduceOp::NanMax || sk.reduce == ReduceOp::Ptp ||
                      sk.reduce == ReduceOp::ArgMin || sk.reduce == ReduceOp::ArgMax ||
                      sk.reduce == ReduceOp::NanArgMin || sk.reduce == ReduceOp::NanArgMax))
    fail(kp + ".partials", "is true but this reduction has no one-plane partial (accepted: sum, "
                           "prod, min, max, mean, var, std, nansum, nanprod, any, all, "
                           "count_nonzero)");
  const int64_t planes = (sk.reduce == ReduceOp::Var || sk.reduce == ReduceOp::Std) ? 4
                         : (sk.reduce == ReduceOp::Prod || sk.reduce == ReduceOp::NanProd) ? 2
                                                                                              : 1;
  if (sk.partials && planes > 1) {
    // var/std: 4 planes, prod: 2; the last starts (planes - 1) P after the first (P = kept outputs)
    int64_t kept = 1;
    for (size_t k = 0; k < nd; ++k) {
      bool red = !sk.reduceAxes.empty() && sk.reduceAxes[k];
      if (!red && !mulOk(kept, st.shape[k], &kept)) kept = kMaxMagnitude;
    }
    int64_t shift = 0, off2 = 0;
    if (!mulOk(kept, planes - 1, &shift) || !addOk(sk.offset, shift, &off2) || off2 >= kMaxMagnitude)
      fail(kp, "the partial planes (" + std::to_string(planes) +
                   " x the kept output count) overflow the address range");
    checkAffine(kp + " (last partial plane)", off2, sk.strides, st.shape, sinkEmpty, &out, sk.dtype, obp);
  }
  for (size_t k = 0; k < nd; ++k) {
    bool red = !sk.reduceAxes.empty() && sk.reduceAxes[k];
    if (!sinkEmpty && !red && st.shape[k] > 1 && sk.strides[k] == 0)
      fail(idx(kp + ".strides", k), "0 on a kept axis of length " + std::to_string(st.shape[k]) +
                                        " would write several results to one element (accepted: "
                                        "non-zero)");
  }
  if (sk.reduce != ReduceOp::None) {
    int64_t kept = 1, redChunks = 1;
    bool keptEmpty = false;
    for (size_t k = 0; k < nd; ++k) {
      bool red = !sk.reduceAxes.empty() && sk.reduceAxes[k];
      if (red) {
        if (sk.strides[k] != 0)
          fail(idx(kp + ".strides", k),
               std::to_string(sk.strides[k]) + " on a reduced axis (accepted: 0)");
        int64_t c = static_cast<int64_t>(st.chunks[k].size());
        if (!mulOk(redChunks, c, &redChunks)) redChunks = kMaxTasks;
      } else {
        if (st.shape[k] == 0) keptEmpty = true;
        if (!mulOk(kept, st.shape[k], &kept)) kept = kMaxMagnitude;
      }
    }
    if (!keptEmpty && kept > (int64_t(1) << 34))
      fail(kp, "the reduction has more than 2^34 output elements");
    // Reduction partials: one per (kept output element, chunk along the reduced axes), only when
    // the reduced axes span more than one chunk.
    if (!keptEmpty && redChunks > 1) {
      const int64_t width = (sk.reduce == ReduceOp::Var || sk.reduce == ReduceOp::Std) ? 32 : 8;  // Chan + meanLo
      int64_t bytes = 0;
      if (!mulOk(kept, redChunks, &bytes) || !mulOk(bytes, width, &bytes) ||
          bytes > kMaxPartialBytes)
        fail(kp, "the reduction needs more than 2^31 bytes of partials (kept output elements x "
                 "chunks along the reduced axes); use fewer chunks along the reduced axes");
    }
  }
}

}  // namespace

// validate.cc's checks for the stage executors that validate their own fields (engine/gather.cc).
namespace detail {
void checkAffineRange(const std::string& path, int64_t offset, const std::vector<int64_t>& strides,
                      const std::vector<int64_t>& shape, bool empty, const BufferRef* buf, DType dtype,
                      const std::string& bufPath) {
  checkAffine(path, offset, strides, shape, empty, buf, dtype, bufPath);
}
const BufferRef& planBuffer(const Plan& plan, int32_t b, const std::string& path) { return bufferAt(plan, b, path); }

// An arange, random or memory leaf over `shape` (a kernel stage's, or a concat part's region).
void validatePlainLeaf(const Plan& plan, const Leaf& lf, const std::string& lp, const std::vector<int64_t>& shape, bool empty) {
  const std::string dtn = std::to_string(static_cast<int>(lf.dtype));
  const bool generated = lf.kind == LeafKind::Arange || lf.kind == LeafKind::RandomUniform || lf.kind == LeafKind::RandomNormal;
  // arange (and constants) of every dtype; random numbers are float64 or float32
  if (generated && lf.kind != LeafKind::Arange && lf.dtype != DType::F64 && lf.dtype != DType::F32)
    fail(lp + ".dtype", dtn + " is not a dtype of random leaves (accepted: 0 F64, 1 F32)");
  const BufferRef* buf = nullptr;
  std::string bp;
  if (lf.kind == LeafKind::Memory) {
    buf = &bufferAt(plan, lf.buffer, lp + ".buffer");
    bp = "buffers[" + std::to_string(lf.buffer) + "]";
  } else {
    if (lf.seed >= (uint64_t(1) << 53))
      fail(lp + ".seed", std::to_string(lf.seed) + " out of range (accepted: 0 <= seed < 2^53)");
  }
  checkAffine(lp, lf.offset, lf.strides, shape, empty, buf, lf.dtype, bp);
}
}  // namespace detail

void validatePlan(const Plan& plan) {
  for (size_t i = 0; i < plan.buffers.size(); ++i) {
    const BufferRef& b = plan.buffers[i];
    if (!b.data && b.bytes > 0)
      fail(idx("buffers", i), "null data with " + std::to_string(b.bytes) + " bytes");
    if (b.bytes > static_cast<size_t>(std::numeric_limits<int64_t>::max()))
      fail(idx("buffers", i), "byte size does not fit in int64");
  }
  for (size_t s = 0; s < plan.stages.size(); ++s)
    validateStage(plan, plan.stages[s], idx("stages", s));
  if (plan.profile) {
    // one 32-byte TaskRecord per task is allocated up front
    int64_t total = 0;
    for (const Stage& st : plan.stages) {
      int64_t t = 1;
      bool empty = false;
      for (size_t k = 0; k < st.chunks.size(); ++k) {
        t *= static_cast<int64_t>(st.chunks[k].size());  // each stage <= 2^31 (checked above)
        if (st.shape[k] == 0) empty = true;
      }
      if (!empty) total += t;
    }
    if (total > (int64_t(1) << 26))
      fail("profile", "a profiled plan may have at most 2^26 tasks (this one has " +
                          std::to_string(total) + ")");
  }
}

}  // namespace tessera
