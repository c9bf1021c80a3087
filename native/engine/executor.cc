// The plan VM. Per task (one chunk of a stage's grid):
//   1. the chunk box is described by its extents and, per *stream* (each loaded leaf, the sink
//      address, and for reductions the kept-output index K), a base and one stride per axis;
//      axes are put in iteration order (kept axes outer / reduced axes inner for partial
//      reductions), extent-1 axes dropped and contiguous axes merged;
//   2. if a memory leaf (or a store target) is read "transposed" (its inner stride is large and
//      its outer stride small) the last two axes are iterated in square tiles (TESSERA_TILE,
//      default 64) — for a reduction only when the task's box has one output element (every kept
//      axis of extent 1 in the box; decided per box, so a one-chunk sub-stage iterates as the
//      full stage does for that chunk);
//   3. the box is walked in blocks of <= kBlock elements made of *pieces* (runs along the inner
//      axis); each Load fills its register piece by piece, the program runs once per block over
//      whole registers, and the sink stores the result or reduces it.
// Reductions: each maximal run of one output element inside a block is reduced by a block
// kernel; run partials of one output element are combined by a binary-counter cascade (pairwise);
// per (chunk, output element) the partial goes to a slot and all slots of an output element are
// combined after the stage in a fixed binary tree over the chunk index. Nothing depends on the
// thread count.
#include "engine/executor.h"

#include <algorithm>
#include <array>
#include <chrono>
#include <cmath>
#include <condition_variable>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <mutex>
#include <new>
#include <stdexcept>

#include "kernels/kernels.h"

namespace tessera {
namespace {

constexpr int kMaxBoxDims = static_cast<int>(kMaxDims) + 2;

// Op code -> its kernel in kernels::Table, built from the table's X-macros (ops.json): adding an
// op with a kernel adds a row here without touching the VM.
struct OpKernel {
  int arity = 0;
  kernels::Unary kernels::Table::*unary = nullptr;
  kernels::BinaryKernels kernels::Table::*binary = nullptr;
};
#define TESSERA_X(cname, code, arity, plan) code,
constexpr size_t kOpSlots = static_cast<size_t>(std::max({TESSERA_OPS(TESSERA_X)})) + 1;
#undef TESSERA_X
constexpr std::array<OpKernel, kOpSlots> makeOpKernels() {
  std::array<OpKernel, kOpSlots> t{};
#define TESSERA_X(cname, kernel)                      \
  t[static_cast<size_t>(Op::cname)].arity = 1;        \
  t[static_cast<size_t>(Op::cname)].unary = &kernels::Table::kernel;
  TESSERA_UNARY_OPS(TESSERA_X)
#undef TESSERA_X
#define TESSERA_X(cname, kernel)                      \
  t[static_cast<size_t>(Op::cname)].arity = 2;        \
  t[static_cast<size_t>(Op::cname)].binary = &kernels::Table::kernel;
  TESSERA_BINARY_OPS(TESSERA_X)
#undef TESSERA_X
  return t;
}
constexpr std::array<OpKernel, kOpSlots> kOpKernels = makeOpKernels();
int64_t tileEdge() {
  static const int64_t t = [] {
    const char* e = std::getenv("TESSERA_TILE");
    long v = e ? std::strtol(e, nullptr, 10) : 0;
    return v >= 8 && v <= 4096 ? static_cast<int64_t>(v) : int64_t(64);
  }();
  return t;
}

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

struct Partial {
  double a, b, c;  // Sum/Prod/Min/Max/Mean: a; Var/Std: (count, mean, M2). Trivial on purpose.
};

struct AlignedFree {
  void operator()(double* p) const { std::free(p); }
};
using AlignedDoubles = std::unique_ptr<double, AlignedFree>;
AlignedDoubles allocAligned(size_t n) {
  size_t bytes = (n * sizeof(double) + 63) / 64 * 64;
  void* p = std::aligned_alloc(64, bytes);
  if (!p) throw std::bad_alloc();
  return AlignedDoubles(static_cast<double*>(p));
}

// A box to walk: extents plus, per stream, a base and strides (stride[s * kMaxBoxDims + k]).
struct Box {
  int nd = 0;
  int64_t ext[kMaxBoxDims];
  std::vector<int64_t> base;
  std::vector<int64_t> stride;
  void resize(int nstreams) {
    base.resize(static_cast<size_t>(nstreams));
    stride.resize(static_cast<size_t>(nstreams) * kMaxBoxDims);
  }
  int64_t& st(int s, int k) { return stride[static_cast<size_t>(s) * kMaxBoxDims + k]; }
  int64_t st(int s, int k) const { return stride[static_cast<size_t>(s) * kMaxBoxDims + k]; }
};

// Per-thread VM state, allocated once per worker thread (grown, never per task).
struct VMState : ThreadState {
  AlignedDoubles regs = allocAligned(static_cast<size_t>(kMaxRegisters) * kBlock);
  AlignedDoubles tmp = allocAligned(kBlock);
  double* reg(int r) { return regs.get() + static_cast<int64_t>(r) * kBlock; }
  std::vector<int64_t> pieceOff = std::vector<int64_t>(kBlock);
  std::vector<int64_t> pieceLen = std::vector<int64_t>(kBlock);
  std::vector<int64_t> pieceBase;  // kBlock * nstreams
  std::vector<int64_t> rowBase, inner, prefetch;
  Box box, sub;
};

struct LeafPrep {
  LeafKind kind;
  DType dtype;
  double a, b;
  uint64_t key;
  const char* data;  // memory leaves
};

// Reduction accumulator of the current output element inside one task.
struct Accum {
  bool active = false;
  int64_t k = 0, out = 0;
  int depth = 0;
  int level[80];
  Partial stack[80];
};

struct StagePrep {
  const Stage* st = nullptr;
  int nd = 0;
  std::vector<std::vector<int64_t>> cstart;  // per axis: chunk start offsets, size nchunks + 1
  std::vector<int64_t> nchunks;
  int64_t ntasks = 0;
  int perm[kMaxDims];
  // streams: [loaded leaves..., sink address, (reduce) kept index K]
  std::vector<int> streamLeaf;       // stream -> leaf index (-1: sink / K)
  std::vector<int> leafStream;       // leaf -> stream (-1: never loaded)
  std::vector<uint8_t> tileSensitive;
  int nstreams = 0, sinkStream = 0, kStream = -1;
  std::vector<int64_t> sOffset, sStride;  // natural axis order, sStride[s * nd + k]
  std::vector<LeafPrep> leaves;
  bool reduce = false, varLike = false;
  ReduceOp op = ReduceOp::None;
  int64_t keptCount = 0, nRed = 1;
  double count = 0;  // reduced elements per output element
  bool direct = true;
  std::vector<int64_t> redChunkStride;  // per axis
  std::vector<Partial> partials;
  char* outData = nullptr;
  DType outType = DType::F64;
};

inline double nanMin(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a < b ? a : b;
}
inline double nanMax(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

class PlanJob final : public Job, public Execution, public std::enable_shared_from_this<PlanJob> {
 public:
  PlanJob(Plan plan, ExecCallbacks cb) : plan_(std::move(plan)), cb_(std::move(cb)) {
    preps_.resize(plan_.stages.size());
    for (size_t s = 0; s < plan_.stages.size(); ++s) {
      prepare(plan_.stages[s], preps_[s]);
      total_ += preps_[s].ntasks;
    }
    if (plan_.profile) {
      recordBase_.resize(plan_.stages.size());
      int64_t acc = 0;
      for (size_t s = 0; s < preps_.size(); ++s) {
        recordBase_[s] = acc;
        acc += preps_[s].ntasks;
      }
      records_.resize(static_cast<size_t>(acc));
    }
    t0_ = nowNs();
  }

  // --- Job
  int numStages() const override { return static_cast<int>(preps_.size()); }
  int64_t numTasks(int stage) const override {
    const StagePrep& p = preps_[static_cast<size_t>(stage)];
    return (p.reduce && p.count == 0) ? 0 : p.ntasks;
  }
  void beginStage(int stage) override {
    StagePrep& p = preps_[static_cast<size_t>(stage)];
    if (p.reduce && !p.direct && p.count > 0 && p.keptCount > 0)
      p.partials.assign(static_cast<size_t>(p.keptCount * p.nRed), Partial{});
  }
  void finishStage(int stage, WorkerContext& ctx) override;
  void runTask(int stage, int64_t task, WorkerContext& ctx) override;
  void complete() override;

  // --- Execution
  void cancel() override { Job::cancel(); }
  int64_t tasksDone() const override { return done_.load(std::memory_order_relaxed); }
  int64_t totalTasks() const override { return total_; }
  bool finished() const override {
    std::lock_guard<std::mutex> lock(doneMutex_);
    return finished_;
  }
  void wait() override {
    std::unique_lock<std::mutex> lock(doneMutex_);
    doneCv_.wait(lock, [&] { return finished_; });
  }

 private:
  void prepare(const Stage& st, StagePrep& p);
  void runBox(StagePrep& p, VMState& vm, const Box& box, Accum& acc, int64_t redChunk);
  void runBlock(StagePrep& p, VMState& vm, int64_t n, int np, Accum& acc, int64_t redChunk);
  void fillLeaf(const StagePrep& p, VMState& vm, int leaf, double* out, int64_t n, int np);
  Partial segment(const StagePrep& p, VMState& vm, const double* x, int64_t n) const;
  Partial combine(const StagePrep& p, const Partial& x, const Partial& y) const;
  double finalize(const StagePrep& p, const Partial& x) const;
  void writeOut(const StagePrep& p, int64_t addr, double v) const;
  void emit(const StagePrep& p, int64_t addr, const Partial& r) const;
  void accAdd(StagePrep& p, Accum& acc, int64_t k, int64_t out, const Partial& part, int64_t rc);
  void accFlush(StagePrep& p, Accum& acc, int64_t rc);
  void progress();

  Plan plan_;
  ExecCallbacks cb_;
  std::vector<StagePrep> preps_;
  int64_t total_ = 0;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> lastProgress_{0};
  std::vector<int64_t> recordBase_;
  std::vector<TaskRecord> records_;
  int64_t t0_ = 0;
  mutable std::mutex doneMutex_;
  std::condition_variable doneCv_;
  bool finished_ = false;
};

void PlanJob::prepare(const Stage& st, StagePrep& p) {
  p.st = &st;
  const int nd = static_cast<int>(st.shape.size());
  p.nd = nd;
  p.cstart.resize(static_cast<size_t>(nd));
  p.nchunks.resize(static_cast<size_t>(nd));
  p.ntasks = 1;
  for (int k = 0; k < nd; ++k) {
    const auto& c = st.chunks[static_cast<size_t>(k)];
    auto& cs = p.cstart[static_cast<size_t>(k)];
    cs.resize(c.size() + 1);
    cs[0] = 0;
    for (size_t j = 0; j < c.size(); ++j) cs[j + 1] = cs[j] + c[j];
    p.nchunks[static_cast<size_t>(k)] = static_cast<int64_t>(c.size());
  }
  // An empty stage runs no task (its chunk grid may be absurdly large: only non-empty grids are
  // bounded by the validator). A reduction over an empty axis writes identities in finishStage.
  bool emptyStage = false;
  for (int k = 0; k < nd; ++k) emptyStage = emptyStage || st.shape[static_cast<size_t>(k)] == 0;
  if (emptyStage) p.ntasks = 0;
  else
    for (int k = 0; k < nd; ++k) p.ntasks *= p.nchunks[static_cast<size_t>(k)];
  const Sink& sk = st.sink;
  p.reduce = sk.reduce != ReduceOp::None;
  p.op = sk.reduce;
  p.varLike = sk.reduce == ReduceOp::Var || sk.reduce == ReduceOp::Std;
  auto reduced = [&](int k) { return !sk.reduceAxes.empty() && sk.reduceAxes[static_cast<size_t>(k)]; };

  // iteration order: partial reductions put the reduced axes innermost
  int q = 0;
  for (int k = 0; k < nd; ++k)
    if (!p.reduce || !reduced(k)) p.perm[q++] = k;
  if (p.reduce)
    for (int k = 0; k < nd; ++k)
      if (reduced(k)) p.perm[q++] = k;

  // streams
  p.leafStream.assign(st.leaves.size(), -1);
  p.streamLeaf.clear();
  for (const Instr& in : st.program) {
    if (in.op == Op::Load && p.leafStream[static_cast<size_t>(in.a)] < 0) {
      p.leafStream[static_cast<size_t>(in.a)] = static_cast<int>(p.streamLeaf.size());
      p.streamLeaf.push_back(in.a);
    }
  }
  p.sinkStream = static_cast<int>(p.streamLeaf.size());
  p.streamLeaf.push_back(-1);
  if (p.reduce) {
    p.kStream = static_cast<int>(p.streamLeaf.size());
    p.streamLeaf.push_back(-1);
  }
  p.nstreams = static_cast<int>(p.streamLeaf.size());
  p.sOffset.assign(static_cast<size_t>(p.nstreams), 0);
  p.sStride.assign(static_cast<size_t>(p.nstreams) * static_cast<size_t>(nd), 0);
  p.tileSensitive.assign(static_cast<size_t>(p.nstreams), 0);
  for (int s = 0; s < p.sinkStream; ++s) {
    const Leaf& lf = st.leaves[static_cast<size_t>(p.streamLeaf[static_cast<size_t>(s)])];
    p.sOffset[static_cast<size_t>(s)] = lf.offset;
    for (int k = 0; k < nd; ++k) p.sStride[static_cast<size_t>(s * nd + k)] = lf.strides[static_cast<size_t>(k)];
    p.tileSensitive[static_cast<size_t>(s)] = lf.kind == LeafKind::Memory;
  }
  p.sOffset[static_cast<size_t>(p.sinkStream)] = sk.offset;
  for (int k = 0; k < nd; ++k)
    p.sStride[static_cast<size_t>(p.sinkStream * nd + k)] = sk.strides[static_cast<size_t>(k)];
  p.tileSensitive[static_cast<size_t>(p.sinkStream)] = !p.reduce;

  p.leaves.resize(st.leaves.size());
  for (size_t i = 0; i < st.leaves.size(); ++i) {
    const Leaf& lf = st.leaves[i];
    LeafPrep& l = p.leaves[i];
    l.kind = lf.kind;
    l.dtype = lf.dtype;
    l.a = lf.a;
    l.b = lf.b;
    l.key = kernels::randomKey(lf.seed);
    l.data = lf.kind == LeafKind::Memory
                 ? static_cast<const char*>(plan_.buffers[static_cast<size_t>(lf.buffer)].data)
                 : nullptr;
  }
  p.outData = static_cast<char*>(plan_.buffers[static_cast<size_t>(sk.buffer)].data);
  p.outType = sk.dtype;

  if (p.reduce) {
    // K: row-major index over the kept axes; redChunk: row-major index over the chunk grid of
    // the reduced axes.
    p.keptCount = 1;
    p.nRed = 1;
    p.count = 1;
    p.redChunkStride.assign(static_cast<size_t>(nd), 0);
    for (int k = nd - 1; k >= 0; --k) {
      const int64_t n = st.shape[static_cast<size_t>(k)];
      if (reduced(k)) {
        p.redChunkStride[static_cast<size_t>(k)] = p.nRed;
        if (!emptyStage) p.nRed *= p.nchunks[static_cast<size_t>(k)];  // <= ntasks <= 2^31
        p.count *= static_cast<double>(n);
        p.sStride[static_cast<size_t>(p.kStream * nd + k)] = 0;
      } else {
        p.sStride[static_cast<size_t>(p.kStream * nd + k)] = p.keptCount;
        // <= 2^34 (validated) unless a kept axis is empty; saturate then (reset to 0 below)
        if (__builtin_mul_overflow(p.keptCount, n, &p.keptCount)) p.keptCount = int64_t(1) << 62;
      }
    }
    for (int k = 0; k < nd; ++k)
      if (!reduced(k) && st.shape[static_cast<size_t>(k)] == 0) p.keptCount = 0;
    p.direct = p.nRed <= 1;
  }
}

void PlanJob::runTask(int stage, int64_t task, WorkerContext& ctx) {
  StagePrep& p = preps_[static_cast<size_t>(stage)];
  if (!ctx.state) ctx.state = std::make_unique<VMState>();
  VMState& vm = static_cast<VMState&>(*ctx.state);
  const int64_t t1 = plan_.profile ? nowNs() : 0;
  const int nd = p.nd;
  const int S = p.nstreams;

  // chunk coordinates (row-major, last axis fastest)
  int64_t start[kMaxDims], ext[kMaxDims];
  int64_t rem = task, redChunk = 0;
  bool emptyBox = false;
  for (int k = nd - 1; k >= 0; --k) {
    const int64_t nc = p.nchunks[static_cast<size_t>(k)];
    const int64_t ci = rem % nc;
    rem /= nc;
    const auto& cs = p.cstart[static_cast<size_t>(k)];
    start[k] = cs[static_cast<size_t>(ci)];
    ext[k] = cs[static_cast<size_t>(ci) + 1] - start[k];
    if (ext[k] == 0) emptyBox = true;
    if (p.reduce) redChunk += ci * p.redChunkStride[static_cast<size_t>(k)];
  }

  if (!emptyBox) {
    Box& b = vm.box;
    b.resize(S);
    for (int s = 0; s < S; ++s) {
      int64_t base = p.sOffset[static_cast<size_t>(s)];
      for (int k = 0; k < nd; ++k) base += start[k] * p.sStride[static_cast<size_t>(s * nd + k)];
      b.base[static_cast<size_t>(s)] = base;
    }
    // axes in iteration order; drop extent 1; merge contiguous neighbours
    b.nd = 0;
    for (int qi = 0; qi < nd; ++qi) {
      const int k = p.perm[qi];
      const int64_t e = ext[k];
      if (e == 1) continue;
      if (b.nd > 0) {
        const int o = b.nd - 1;
        bool merge = true;
        for (int s = 0; s < S && merge; ++s) {
          int64_t prod;
          if (__builtin_mul_overflow(p.sStride[static_cast<size_t>(s * nd + k)], e, &prod) ||
              prod != b.st(s, o))
            merge = false;
        }
        if (merge) {
          b.ext[o] *= e;
          for (int s = 0; s < S; ++s) b.st(s, o) = p.sStride[static_cast<size_t>(s * nd + k)];
          continue;
        }
      }
      b.ext[b.nd] = e;
      for (int s = 0; s < S; ++s) b.st(s, b.nd) = p.sStride[static_cast<size_t>(s * nd + k)];
      ++b.nd;
    }

    Accum acc;
    bool tile = false;
    // Tiles reorder elements freely: fine for stores, and for a reduction only when this task's
    // box reduces to one output element (every kept axis has extent 1 in the box). Decided per
    // box, not per stage, so a one-chunk sub-stage of this stage (the distributed scheduler's
    // per-chunk task) iterates exactly as this stage does for that chunk.
    bool allowTile = true;
    if (p.reduce) {
      const std::vector<uint8_t>& ra = p.st->sink.reduceAxes;
      for (int k = 0; k < nd && allowTile; ++k)
        if ((ra.empty() || !ra[static_cast<size_t>(k)]) && ext[k] > 1) allowTile = false;
    }
    if (allowTile && b.nd >= 2) {
      const int ia = b.nd - 2, ib = b.nd - 1;
      for (int s = 0; s < S && !tile; ++s) {
        if (!p.tileSensitive[static_cast<size_t>(s)]) continue;
        const int64_t si = std::llabs(b.st(s, ib)), so = std::llabs(b.st(s, ia));
        if (si > 1 && so < si) tile = true;
      }
    }
    if (!tile) {
      runBox(p, vm, b, acc, redChunk);
    } else {
      const int ia = b.nd - 2, ib = b.nd - 1;
      const int64_t ea = b.ext[ia], eb = b.ext[ib];
      const int64_t kTile = tileEdge();
      const int64_t qa = ea / kTile, qb = eb / kTile, ra = ea % kTile, rb = eb % kTile;
      Box& sb = vm.sub;
      sb.resize(S);
      auto outer = [&](int extra) {
        sb.nd = ia + extra;
        for (int k = 0; k < ia; ++k) {
          sb.ext[k] = b.ext[k];
          for (int s = 0; s < S; ++s) sb.st(s, k) = b.st(s, k);
        }
      };
      auto axis = [&](int at, int64_t e, int src, int64_t mul) {
        sb.ext[at] = e;
        for (int s = 0; s < S; ++s) sb.st(s, at) = b.st(s, src) * mul;
      };
      if (qa > 0 && qb > 0) {  // whole tiles: [outer..., qa, qb, kTile, kTile]
        outer(4);
        axis(ia, qa, ia, kTile);
        axis(ia + 1, qb, ib, kTile);
        axis(ia + 2, kTile, ia, 1);
        axis(ia + 3, kTile, ib, 1);
        for (int s = 0; s < S; ++s) sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)];
        runBox(p, vm, sb, acc, redChunk);
      }
      if (qa > 0 && rb > 0) {  // right strip
        outer(2);
        axis(ia, qa * kTile, ia, 1);
        axis(ia + 1, rb, ib, 1);
        for (int s = 0; s < S; ++s)
          sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)] + qb * kTile * b.st(s, ib);
        runBox(p, vm, sb, acc, redChunk);
      }
      if (ra > 0) {  // bottom strip
        outer(2);
        axis(ia, ra, ia, 1);
        axis(ia + 1, eb, ib, 1);
        for (int s = 0; s < S; ++s)
          sb.base[static_cast<size_t>(s)] = b.base[static_cast<size_t>(s)] + qa * kTile * b.st(s, ia);
        runBox(p, vm, sb, acc, redChunk);
      }
    }
    if (p.reduce && acc.active) accFlush(p, acc, redChunk);
  }

  if (plan_.profile) {
    TaskRecord& r = records_[static_cast<size_t>(recordBase_[static_cast<size_t>(stage)] + task)];
    r.stage = stage;
    r.task = task;
    r.thread = ctx.thread;
    r.startNs = t1 - t0_;
    r.endNs = nowNs() - t0_;
  }
  progress();
}

void PlanJob::progress() {
  const int64_t d = done_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (!cb_.onProgress) return;
  const int64_t now = nowNs();
  int64_t last = lastProgress_.load(std::memory_order_relaxed);
  if (now - last >= cb_.progressIntervalNs &&
      lastProgress_.compare_exchange_strong(last, now, std::memory_order_relaxed))
    cb_.onProgress(d, total_);
}

void PlanJob::runBox(StagePrep& p, VMState& vm, const Box& box, Accum& acc, int64_t redChunk) {
  const int nd = box.nd;
  const int S = p.nstreams;
  const int64_t L = nd > 0 ? box.ext[nd - 1] : 1;
  vm.rowBase.resize(static_cast<size_t>(S));
  vm.inner.resize(static_cast<size_t>(S));
  vm.prefetch.resize(static_cast<size_t>(S));
  vm.pieceBase.resize(static_cast<size_t>(S) * kBlock);
  int64_t* rowBase = vm.rowBase.data();
  int64_t* inner = vm.inner.data();
  int64_t* pbase = vm.pieceBase.data();
  for (int s = 0; s < S; ++s) {
    rowBase[s] = box.base[static_cast<size_t>(s)];
    inner[s] = nd > 0 ? box.st(s, nd - 1) : 0;
    // strided gathers prefetch the rows of the next block (one block = kBlock / L rows)
    vm.prefetch[static_cast<size_t>(s)] = (nd >= 2 && L < kBlock) ? (kBlock / L) * box.st(s, nd - 2) : 0;
  }
  int64_t idx[kMaxBoxDims] = {0};
  int64_t pos = 0;
  bool done = false;
  while (!done) {
    if (stopped()) return;
    int np = 0;
    int64_t n = 0;
    while (n < kBlock) {
      const int64_t m = std::min(L - pos, kBlock - n);
      vm.pieceOff[static_cast<size_t>(np)] = n;
      vm.pieceLen[static_cast<size_t>(np)] = m;
      int64_t* pb = pbase + static_cast<int64_t>(np) * S;
      for (int s = 0; s < S; ++s) pb[s] = rowBase[s] + pos * inner[s];
      ++np;
      n += m;
      pos += m;
      if (pos == L) {
        pos = 0;
        int k = nd - 2;
        for (; k >= 0; --k) {
          ++idx[k];
          for (int s = 0; s < S; ++s) rowBase[s] += box.st(s, k);
          if (idx[k] < box.ext[k]) break;
          for (int s = 0; s < S; ++s) rowBase[s] -= box.ext[k] * box.st(s, k);
          idx[k] = 0;
        }
        if (k < 0) {
          done = true;
          break;
        }
      }
    }
    runBlock(p, vm, n, np, acc, redChunk);
  }
}

void PlanJob::fillLeaf(const StagePrep& p, VMState& vm, int leaf, double* out, int64_t n, int np) {
  const LeafPrep& l = p.leaves[static_cast<size_t>(leaf)];
  const int S = p.nstreams;
  const int s = p.leafStream[static_cast<size_t>(leaf)];
  const int64_t step = vm.inner[static_cast<size_t>(s)];
  const int64_t* pbase = vm.pieceBase.data();
  const kernels::Table& K = kernels::active();
  switch (l.kind) {
    case LeafKind::Arange: {
      for (int i = 0; i < np; ++i) {
        double* o = out + vm.pieceOff[static_cast<size_t>(i)];
        const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
        const int64_t st = pbase[static_cast<int64_t>(i) * S + s];
        for (int64_t j = 0; j < m; ++j) o[j] = l.a + l.b * static_cast<double>(st + j * step);
      }
      if (l.dtype == DType::F32)
        for (int64_t j = 0; j < n; ++j) out[j] = static_cast<double>(static_cast<float>(out[j]));
      return;
    }
    case LeafKind::RandomUniform:
    case LeafKind::RandomNormal: {
      const bool uni = l.kind == LeafKind::RandomUniform;
      kernels::RandomFill fill = !uni ? K.normal64 : (l.dtype == DType::F32 ? K.uniform32 : K.uniform64);
      for (int i = 0; i < np; ++i)
        fill(l.key, pbase[static_cast<int64_t>(i) * S + s], step,
             out + vm.pieceOff[static_cast<size_t>(i)],
             static_cast<size_t>(vm.pieceLen[static_cast<size_t>(i)]));
      const double add = l.a;
      const double mul = uni ? l.b - l.a : l.b;
      const bool identity = add == 0 && mul == 1;
      if (!identity) {
        K.mul.vs(out, mul, out, static_cast<size_t>(n));
        K.add.vs(out, add, out, static_cast<size_t>(n));
      }
      if (l.dtype == DType::F32 && !(uni && identity))
        for (int64_t j = 0; j < n; ++j) out[j] = static_cast<double>(static_cast<float>(out[j]));
      return;
    }
    case LeafKind::Memory: {
      if (l.dtype == DType::F64) {
        const double* src = reinterpret_cast<const double*>(l.data);
        for (int i = 0; i < np; ++i) {
          double* o = out + vm.pieceOff[static_cast<size_t>(i)];
          const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
          const double* x = src + pbase[static_cast<int64_t>(i) * S + s];
          if (step == 1) {
            std::memcpy(o, x, static_cast<size_t>(m) * sizeof(double));
          } else if (step == 0) {
            const double v = *x;
            for (int64_t j = 0; j < m; ++j) o[j] = v;
          } else {
            if (m >= 64 && (step >= 8 || step <= -8)) {
              // long strided run (e.g. a reduction along a non-contiguous axis): every element is
              // on its own cache line; prefetch a fixed distance ahead
              constexpr int64_t kAhead = 24;
              for (int64_t j = 0; j < m; ++j) {
                __builtin_prefetch(x + (j + kAhead) * step);
                o[j] = x[j * step];
              }
            } else {
              for (int64_t j = 0; j < m; ++j) o[j] = x[j * step];
            }
            const int64_t pf = vm.prefetch[static_cast<size_t>(s)];
            if (pf != 0 && (i & 7) == 0)
              for (int64_t j = 0; j < m; ++j) __builtin_prefetch(x + j * step + pf);
          }
        }
      } else {
        const float* src = reinterpret_cast<const float*>(l.data);
        for (int i = 0; i < np; ++i) {
          double* o = out + vm.pieceOff[static_cast<size_t>(i)];
          const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
          const float* x = src + pbase[static_cast<int64_t>(i) * S + s];
          if (step == 1) {
            for (int64_t j = 0; j < m; ++j) o[j] = static_cast<double>(x[j]);
          } else {
            for (int64_t j = 0; j < m; ++j) o[j] = static_cast<double>(x[j * step]);
          }
        }
      }
      return;
    }
  }
}

void PlanJob::runBlock(StagePrep& p, VMState& vm, int64_t n, int np, Accum& acc, int64_t redChunk) {
  const Stage& st = *p.st;
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  const double* imms = st.imms.data();
  for (const Instr& in : st.program) {
    double* dst = vm.reg(in.dst);
    if (in.op == Op::Load) {
      fillLeaf(p, vm, in.a, dst, n, np);
      continue;
    }
    const int32_t ia = in.a;
    const size_t code = static_cast<size_t>(in.op);  // validated: a row of the table
    if (kOpKernels[code].arity == 1) {
      const double* x;
      if (ia >= 0) {
        x = vm.reg(ia);
      } else {
        const double v = imms[-1 - static_cast<int64_t>(ia)];
        for (size_t j = 0; j < un; ++j) dst[j] = v;
        x = dst;
      }
      (K.*kOpKernels[code].unary)(x, dst, un);
      continue;
    }
    const kernels::BinaryKernels* bk = &(K.*kOpKernels[code].binary);
    const int32_t ib = in.b;
    if (ia >= 0 && ib >= 0) {
      bk->vv(vm.reg(ia), vm.reg(ib), dst, un);
    } else if (ia >= 0) {
      bk->vs(vm.reg(ia), imms[-1 - static_cast<int64_t>(ib)], dst, un);
    } else if (ib >= 0) {
      bk->sv(imms[-1 - static_cast<int64_t>(ia)], vm.reg(ib), dst, un);
    } else {
      const double v = imms[-1 - static_cast<int64_t>(ia)];
      for (size_t j = 0; j < un; ++j) dst[j] = v;
      bk->vs(dst, imms[-1 - static_cast<int64_t>(ib)], dst, un);
    }
  }

  const double* x = vm.reg(st.result);
  const int S = p.nstreams;
  const int64_t* pbase = vm.pieceBase.data();
  const int ss = p.sinkStream;
  const int64_t sstep = vm.inner[static_cast<size_t>(ss)];
  if (!p.reduce) {
    for (int i = 0; i < np; ++i) {
      const double* xi = x + vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t a = pbase[static_cast<int64_t>(i) * S + ss];
      if (p.outType == DType::F64) {
        double* o = reinterpret_cast<double*>(p.outData) + a;
        if (sstep == 1) std::memcpy(o, xi, static_cast<size_t>(m) * sizeof(double));
        else
          for (int64_t j = 0; j < m; ++j) o[j * sstep] = xi[j];
      } else {
        float* o = reinterpret_cast<float*>(p.outData) + a;
        if (sstep == 1)
          for (int64_t j = 0; j < m; ++j) o[j] = static_cast<float>(xi[j]);
        else
          for (int64_t j = 0; j < m; ++j) o[j * sstep] = static_cast<float>(xi[j]);
      }
    }
    return;
  }
  const int ks = p.kStream;
  const int64_t kstep = vm.inner[static_cast<size_t>(ks)];
  if (kstep == 0) {
    int i = 0;
    while (i < np) {
      const int64_t k = pbase[static_cast<int64_t>(i) * S + ks];
      int j = i + 1;
      while (j < np && pbase[static_cast<int64_t>(j) * S + ks] == k) ++j;
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t len = vm.pieceOff[static_cast<size_t>(j - 1)] + vm.pieceLen[static_cast<size_t>(j - 1)] - off;
      accAdd(p, acc, k, pbase[static_cast<int64_t>(i) * S + ss], segment(p, vm, x + off, len), redChunk);
      i = j;
    }
  } else {
    // the inner axis is kept: every element is its own output element
    for (int i = 0; i < np; ++i) {
      const int64_t off = vm.pieceOff[static_cast<size_t>(i)];
      const int64_t m = vm.pieceLen[static_cast<size_t>(i)];
      const int64_t k0 = pbase[static_cast<int64_t>(i) * S + ks];
      const int64_t o0 = pbase[static_cast<int64_t>(i) * S + ss];
      for (int64_t j = 0; j < m; ++j)
        accAdd(p, acc, k0 + j * kstep, o0 + j * sstep, segment(p, vm, x + off + j, 1), redChunk);
    }
  }
}

Partial PlanJob::segment(const StagePrep& p, VMState& vm, const double* x, int64_t n) const {
  const kernels::Table& K = kernels::active();
  const size_t un = static_cast<size_t>(n);
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.a = K.sum(x, un); break;
    case ReduceOp::Prod: r.a = K.prod(x, un); break;
    case ReduceOp::Min: r.a = K.reduceMin(x, un); break;
    case ReduceOp::Max: r.a = K.reduceMax(x, un); break;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double mean = K.sum(x, un) / static_cast<double>(n);
      double* t = vm.tmp.get();
      K.sub.vs(x, mean, t, un);
      K.mul.vv(t, t, t, un);
      r.a = static_cast<double>(n);
      r.b = mean;
      r.c = K.sum(t, un);
      break;
    }
    case ReduceOp::None: break;
  }
  return r;
}

Partial PlanJob::combine(const StagePrep& p, const Partial& x, const Partial& y) const {
  Partial r{};
  switch (p.op) {
    case ReduceOp::Sum:
    case ReduceOp::Mean: r.a = x.a + y.a; break;
    case ReduceOp::Prod: r.a = x.a * y.a; break;
    case ReduceOp::Min: r.a = nanMin(x.a, y.a); break;
    case ReduceOp::Max: r.a = nanMax(x.a, y.a); break;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      if (x.a == 0) return y;
      if (y.a == 0) return x;
      const double n = x.a + y.a;
      const double delta = y.b - x.b;
      r.a = n;
      r.b = x.b + delta * (y.a / n);
      r.c = x.c + y.c + delta * delta * (x.a * y.a / n);
      break;
    }
    case ReduceOp::None: break;
  }
  return r;
}

double PlanJob::finalize(const StagePrep& p, const Partial& x) const {
  switch (p.op) {
    case ReduceOp::Mean: return x.a / p.count;
    case ReduceOp::Var:
    case ReduceOp::Std: {
      const double d = std::max(p.count - p.st->sink.ddof, 0.0);
      const double v = x.c / d;
      return p.op == ReduceOp::Std ? std::sqrt(v) : v;
    }
    default: return x.a;
  }
}

void PlanJob::writeOut(const StagePrep& p, int64_t addr, double v) const {
  if (p.outType == DType::F64) reinterpret_cast<double*>(p.outData)[addr] = v;
  else reinterpret_cast<float*>(p.outData)[addr] = static_cast<float>(v);
}

// The result of one output element: finalized, or (sink.partials) the raw partial in planes.
void PlanJob::emit(const StagePrep& p, int64_t addr, const Partial& r) const {
  if (!p.st->sink.partials) {
    writeOut(p, addr, finalize(p, r));
    return;
  }
  double* o = reinterpret_cast<double*>(p.outData);  // validated: partials imply F64
  o[addr] = r.a;
  if (p.varLike) {
    o[addr + p.keptCount] = r.b;
    o[addr + 2 * p.keptCount] = r.c;
  }
}

void PlanJob::accAdd(StagePrep& p, Accum& acc, int64_t k, int64_t out, const Partial& part, int64_t rc) {
  if (!acc.active || acc.k != k) {
    if (acc.active) accFlush(p, acc, rc);
    acc.active = true;
    acc.k = k;
    acc.out = out;
    acc.depth = 0;
  }
  Partial v = part;
  int lvl = 0;
  while (acc.depth > 0 && acc.level[acc.depth - 1] == lvl) {
    v = combine(p, acc.stack[acc.depth - 1], v);
    --acc.depth;
    ++lvl;
  }
  acc.stack[acc.depth] = v;
  acc.level[acc.depth] = lvl;
  ++acc.depth;
}

void PlanJob::accFlush(StagePrep& p, Accum& acc, int64_t rc) {
  Partial r = acc.stack[acc.depth - 1];
  for (int i = acc.depth - 2; i >= 0; --i) r = combine(p, acc.stack[i], r);
  if (p.direct) emit(p, acc.out, r);
  else p.partials[static_cast<size_t>(acc.k * p.nRed + rc)] = r;
  acc.active = false;
  acc.depth = 0;
}

void PlanJob::finishStage(int stage, WorkerContext&) {
  StagePrep& p = preps_[static_cast<size_t>(stage)];
  if (!p.reduce || p.keptCount == 0) return;
  if (p.count > 0 && p.direct) return;
  const Stage& st = *p.st;
  const int nd = p.nd;
  // odometer over the kept axes, row-major, tracking the output address
  int kept[kMaxDims];
  int nk = 0;
  for (int k = 0; k < nd; ++k)
    if (st.sink.reduceAxes.empty() || !st.sink.reduceAxes[static_cast<size_t>(k)]) kept[nk++] = k;
  int64_t ci[kMaxDims] = {0};
  int64_t addr = st.sink.offset;
  std::vector<Partial> tmp;
  Partial empty{};
  switch (p.op) {
    case ReduceOp::Prod: empty.a = 1; break;
    case ReduceOp::Min:
    case ReduceOp::Max: empty.a = std::numeric_limits<double>::quiet_NaN(); break;
    default: break;
  }
  for (int64_t K = 0; K < p.keptCount; ++K) {
    if ((K & 1023) == 0 && cancelled()) return;
    Partial r = empty;
    if (p.count > 0) {
      // fixed binary tree over the chunk index: recursive halves, iteratively bottom-up in a
      // way that equals the recursive definition (split at lo + (hi - lo) / 2)
      const Partial* slots = p.partials.data() + K * p.nRed;
      struct Rec {
        static Partial run(const PlanJob& j, const StagePrep& sp, const Partial* s, int64_t lo, int64_t hi) {
          if (hi - lo == 1) return s[lo];
          const int64_t mid = lo + (hi - lo) / 2;
          return j.combine(sp, run(j, sp, s, lo, mid), run(j, sp, s, mid, hi));
        }
      };
      r = Rec::run(*this, p, slots, 0, p.nRed);
    }
    emit(p, addr, r);
    for (int q = nk - 1; q >= 0; --q) {
      const int k = kept[q];
      ++ci[q];
      addr += st.sink.strides[static_cast<size_t>(k)];
      if (ci[q] < st.shape[static_cast<size_t>(k)]) break;
      addr -= ci[q] * st.sink.strides[static_cast<size_t>(k)];
      ci[q] = 0;
    }
  }
  std::vector<Partial>().swap(p.partials);
}

void PlanJob::complete() {
  ExecResult r;
  if (failed()) {
    r.status = ExecResult::Status::Failed;
    r.error = error();
  } else if (cancelled()) {
    r.status = ExecResult::Status::Cancelled;
  }
  r.tasks = total_;
  if (plan_.profile && r.status == ExecResult::Status::Ok) r.profile = std::move(records_);
  if (cb_.onProgress && r.status == ExecResult::Status::Ok) cb_.onProgress(done_.load(), total_);
  auto onDone = std::move(cb_.onDone);
  cb_.onProgress = nullptr;
  for (auto& p : preps_) std::vector<Partial>().swap(p.partials);
  if (onDone) {
    try {
      onDone(std::move(r));
    } catch (...) {
    }
  }
  {
    std::lock_guard<std::mutex> lock(doneMutex_);
    finished_ = true;
  }
  doneCv_.notify_all();
}

}  // namespace

std::shared_ptr<Execution> submitPlan(Pool& pool, Plan plan, ExecCallbacks callbacks) {
  validatePlan(plan);
  auto job = std::make_shared<PlanJob>(std::move(plan), std::move(callbacks));
  pool.submit(job);
  return job;
}

ExecResult runPlan(Pool& pool, Plan plan) {
  ExecResult out;
  ExecCallbacks cb;
  cb.onDone = [&out](ExecResult&& r) { out = std::move(r); };
  auto ex = submitPlan(pool, std::move(plan), std::move(cb));
  ex->wait();
  return out;
}

}  // namespace tessera
