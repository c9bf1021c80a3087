// A pool Job made of lambdas: stages of independent tasks, each stage's task count known when
// the stage opens (it may depend on the previous stage), an optional serial epilogue per stage,
// a progress callback and a completion callback. No napi.h.
#pragma once

#include <algorithm>
#include <atomic>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "engine/pool.h"

namespace tessera {

class FnJob : public Job {
 public:
  struct Stage {
    std::function<int64_t()> ntasks;
    std::function<void(int64_t)> task;
    std::function<void()> finish;  // may be empty
  };
  enum class Status { Ok, Failed, Cancelled };

  std::vector<Stage> stages;
  // (done, total) after each task, from worker threads; total counts every stage opened so far
  // plus an estimate for the unopened ones given by `expectedTasks`.
  std::function<void(int64_t, int64_t)> onProgress;
  std::function<void(Status, const std::string&)> onComplete;
  int64_t expectedTasks = 0;

  int numStages() const override { return static_cast<int>(stages.size()); }
  void beginStage(int stage) override { counts_.push_back(stages[static_cast<size_t>(stage)].ntasks()); }
  int64_t numTasks(int stage) const override { return counts_[static_cast<size_t>(stage)]; }
  void finishStage(int stage, WorkerContext&) override {
    auto& f = stages[static_cast<size_t>(stage)].finish;
    if (f && !stopped()) f();
  }
  void runTask(int stage, int64_t task, WorkerContext&) override {
    if (stopped()) return;
    stages[static_cast<size_t>(stage)].task(task);
    int64_t d = done_.fetch_add(1) + 1;
    if (onProgress) onProgress(d, std::max(expectedTasks, d));
  }
  void complete() override {
    if (!onComplete) return;
    if (cancelled()) onComplete(Status::Cancelled, "");
    else if (failed()) onComplete(Status::Failed, error());
    else onComplete(Status::Ok, "");
  }

 private:
  std::vector<int64_t> counts_;
  std::atomic<int64_t> done_{0};
};

}  // namespace tessera
