// Runs a validated Plan on a Pool: stages in order, one task per chunk, the fused program over
// blocks of kBlock elements per task, the result stored or reduced (see plan.h). No napi.h here.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "engine/plan.h"
#include "engine/pool.h"

namespace tessera {

constexpr int64_t kBlock = 1024;  // VM register length (doubles)

struct ExecResult {
  enum class Status { Ok, Cancelled, Failed };
  Status status = Status::Ok;
  std::string error;                // Failed: the message
  bool rangeError = false;          // Failed: bad input found while running (JS: RangeError)
  int64_t tasks = 0;                // chunk tasks in the plan
  std::vector<TaskRecord> profile;  // plan.profile: one record per task, in (stage, task) order
};

struct ExecCallbacks {
  // Called exactly once, on a worker thread (or the thread calling Pool::shutdown).
  std::function<void(ExecResult&&)> onDone;
  // Optional: finished tasks so far, at most every progressIntervalNs, from a worker thread.
  std::function<void(int64_t done, int64_t total)> onProgress;
  // Optional, with plan.profile (used instead of onProgress when set): the same ticks plus the
  // records of the tasks finished since the previous call, so a monitor can draw the task stream
  // while the plan runs; the last call (when the plan ends, whatever its status) carries the rest.
  // ExecResult::profile still holds every record, in (stage, task) order.
  std::function<void(int64_t done, int64_t total, std::vector<TaskRecord>&& fresh)> onProgressRecords;
  int64_t progressIntervalNs = 20'000'000;
};

class Execution {
 public:
  virtual ~Execution() = default;
  // Stop at the next block boundary; the plan then ends with Status::Cancelled.
  virtual void cancel() = 0;
  virtual int64_t tasksDone() const = 0;
  virtual int64_t totalTasks() const = 0;
  virtual bool finished() const = 0;
  virtual void wait() = 0;  // block until onDone has returned
};

// Validates (throws std::invalid_argument), prepares, and queues the plan. Never blocks on work.
std::shared_ptr<Execution> submitPlan(Pool& pool, Plan plan, ExecCallbacks callbacks);

// Convenience for tests and tools: submit and wait.
ExecResult runPlan(Pool& pool, Plan plan);

}  // namespace tessera
