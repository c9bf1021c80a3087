// The plan job: runs a Plan's stages on the pool, one task per chunk, and reports progress,
// profile records and the result. The work itself, one idea a file:
//   stage_prep  what a stage's tasks share (grid, streams, leaves, reduction shape)
//   box         a chunk as a box of streams, its tiling and its walk in blocks
//   vm          the register VM over one block and the leaf fill
//   reduce      the reduction algebra (partials, cascade, tree over chunks, finalize)
// Per task (one chunk of a stage's grid):
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

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <utility>
#include <vector>

#include "engine/box.h"
#include "engine/matmul.h"
#include "engine/reduce.h"
#include "engine/scan.h"
#include "engine/stage_prep.h"
#include "engine/vm.h"
#include "engine/gather.h"

namespace tessera {
namespace {

using detail::finishReduction;
using detail::Partial;
using detail::prepareStage;
using detail::runChunk;
using detail::StagePrep;
using detail::VMState;

int64_t nowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

class PlanJob final : public Job, public Execution, public std::enable_shared_from_this<PlanJob> {
 public:
  PlanJob(Plan plan, ExecCallbacks cb) : plan_(std::move(plan)), cb_(std::move(cb)) {
    preps_.resize(plan_.stages.size());
    for (size_t s = 0; s < plan_.stages.size(); ++s) {
      const Stage& st = plan_.stages[s];
      if (st.kind == StageKind::Matmul) {
        detail::prepareMatmulStage(st, plan_.buffers, preps_[s]);
      } else if (st.kind == StageKind::Kernel) {
        prepareStage(st, plan_.buffers, preps_[s]);
      } else if (detail::isGatherStage(st.kind)) {  // engine/gather.h
        preps_[s].st = &st;
        preps_[s].ntasks = detail::gatherTaskCount(st);
      } else {  // engine/scan.h: no program, no reduction
        preps_[s].st = &st;
        preps_[s].ntasks = detail::specialTaskCount(st);
      }
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
    if (p.reduce && !p.singleReduceChunk && p.count > 0 && p.keptCount > 0)
      p.partials.assign(static_cast<size_t>(p.keptCount * p.nRed), Partial{});
  }
  void finishStage(int stage, WorkerContext&) override {
    finishReduction(*this, preps_[static_cast<size_t>(stage)]);
  }
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
  void progress();
  std::vector<TaskRecord> takeFresh();

  Plan plan_;
  ExecCallbacks cb_;
  std::vector<StagePrep> preps_;
  int64_t total_ = 0;
  std::atomic<int64_t> done_{0};
  std::atomic<int64_t> lastProgress_{0};
  std::vector<int64_t> recordBase_;
  std::vector<TaskRecord> records_;
  // onProgressRecords: records finished since the last delivery (copies of records_ entries).
  std::mutex freshMutex_;
  std::vector<TaskRecord> fresh_;
  int64_t t0_ = 0;
  mutable std::mutex doneMutex_;
  std::condition_variable doneCv_;
  bool finished_ = false;
};

void PlanJob::runTask(int stage, int64_t task, WorkerContext& ctx) {
  StagePrep& p = preps_[static_cast<size_t>(stage)];
  if (!ctx.state) ctx.state = std::make_unique<VMState>();
  VMState& vm = static_cast<VMState&>(*ctx.state);
  const int64_t t1 = plan_.profile ? nowNs() : 0;
  if (p.st->kind == StageKind::Matmul) detail::runMatmulChunk(p, task);
  else if (p.st->kind == StageKind::Kernel) runChunk(*this, p, vm, task);
  else if (detail::isGatherStage(p.st->kind)) detail::runGatherTask(*p.st, plan_.buffers, task);
  else detail::runSpecialTask(*p.st, plan_.buffers, task);
  if (plan_.profile) {
    TaskRecord& r = records_[static_cast<size_t>(recordBase_[static_cast<size_t>(stage)] + task)];
    r.stage = stage;
    r.task = task;
    r.thread = ctx.thread;
    r.startNs = t1 - t0_;
    r.endNs = nowNs() - t0_;
    if (cb_.onProgressRecords) {
      std::lock_guard<std::mutex> lock(freshMutex_);
      fresh_.push_back(r);
    }
  }
  progress();
}

void PlanJob::progress() {
  const int64_t d = done_.fetch_add(1, std::memory_order_relaxed) + 1;
  if (!cb_.onProgress && !cb_.onProgressRecords) return;
  const int64_t now = nowNs();
  int64_t last = lastProgress_.load(std::memory_order_relaxed);
  if (now - last >= cb_.progressIntervalNs &&
      lastProgress_.compare_exchange_strong(last, now, std::memory_order_relaxed)) {
    if (cb_.onProgressRecords) cb_.onProgressRecords(d, total_, takeFresh());
    else cb_.onProgress(d, total_);
  }
}

std::vector<TaskRecord> PlanJob::takeFresh() {
  std::vector<TaskRecord> out;
  std::lock_guard<std::mutex> lock(freshMutex_);
  out.swap(fresh_);
  return out;
}

void PlanJob::complete() {
  ExecResult r;
  if (failed()) {
    r.status = ExecResult::Status::Failed;
    r.error = error();
    r.rangeError = rangeError();
  } else if (cancelled()) {
    r.status = ExecResult::Status::Cancelled;
  }
  r.tasks = total_;
  if (plan_.profile && r.status == ExecResult::Status::Ok) r.profile = std::move(records_);
  if (cb_.onProgressRecords) {
    // Every task has finished (or stopped): the records not yet delivered, before onDone.
    std::vector<TaskRecord> rest = takeFresh();
    if (r.status == ExecResult::Status::Ok || !rest.empty()) cb_.onProgressRecords(done_.load(), total_, std::move(rest));
  } else if (cb_.onProgress && r.status == ExecResult::Status::Ok) {
    cb_.onProgress(done_.load(), total_);
  }
  auto onDone = std::move(cb_.onDone);
  cb_.onProgress = nullptr;
  cb_.onProgressRecords = nullptr;
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
