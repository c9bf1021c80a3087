// The engine's own thread pool (std::thread workers, never libuv's). It runs *jobs* — one plan
// each — oldest first: a job is a list of stages; the tasks of a stage are claimed by the workers
// through one atomic counter; when the last task of a stage finishes, the thread that finished it
// runs the stage's serial epilogue and opens the next stage. A thread that finds no task left in
// the open stages of the running jobs starts the next queued job, so several small plans (a
// distributed worker's one-chunk tasks) run side by side. submit() never blocks on the work:
// completion is reported by Job::complete() on a worker thread.
// No napi.h here.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace tessera {

// Per-thread state a job may attach to a worker (e.g. the VM registers), created lazily and kept
// for the thread's lifetime.
struct ThreadState {
  virtual ~ThreadState() = default;
};

struct WorkerContext {
  int thread = 0;  // worker index, 0..numThreads-1
  std::unique_ptr<ThreadState> state;
};

class Job {
 public:
  virtual ~Job() = default;
  virtual int numStages() const = 0;
  // Serial hooks, run by exactly one thread, in stage order. May throw (the job then fails).
  virtual void beginStage(int stage) = 0;
  virtual int64_t numTasks(int stage) const = 0;
  virtual void finishStage(int stage, WorkerContext& ctx) = 0;
  // Parallel: any worker, any order. May throw (the job then fails; the other tasks are skipped).
  virtual void runTask(int stage, int64_t task, WorkerContext& ctx) = 0;
  // Called exactly once when the job is over (done, failed or cancelled). Must not throw.
  virtual void complete() = 0;

  void cancel() { cancelled_.store(true, std::memory_order_relaxed); }
  bool cancelled() const { return cancelled_.load(std::memory_order_relaxed); }
  // `range`: the failure is bad input found while running (a std::range_error, e.g. a take index
  // out of bounds), which JS reports as a RangeError. The first failure's message and kind win.
  void fail(const std::string& message, bool range = false);
  bool failed() const { return failed_.load(std::memory_order_relaxed); }
  bool stopped() const { return cancelled() || failed(); }
  std::string error() const;
  bool rangeError() const;

 private:
  std::atomic<bool> cancelled_{false};
  std::atomic<bool> failed_{false};
  mutable std::mutex errorMutex_;
  std::string error_;
  bool rangeError_ = false;
};

class Pool {
 public:
  // threads <= 0: TESSERA_NUM_THREADS if set to a positive integer, else hardware_concurrency().
  explicit Pool(int threads = 0);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  // Queue a job (FIFO). Never blocks on running work. After shutdown() the job is cancelled and
  // completed immediately on the calling thread.
  void submit(std::shared_ptr<Job> job);
  // Resize (n >= 1). Shrinking lets busy workers finish their current task; never blocks on work.
  void setNumThreads(int n);
  int numThreads() const;
  // Cancel the running and queued jobs, join every worker, complete the jobs. Idempotent.
  void shutdown();

  static int defaultThreads();

 private:
  struct StageRun {
    int stage = 0;
    int64_t ntasks = 0;
    std::atomic<int64_t> next{0};
    std::atomic<int64_t> done{0};
  };
  struct Worker {
    std::thread thread;
    std::shared_ptr<std::atomic<bool>> quit;
    std::shared_ptr<std::atomic<bool>> exited;
  };

  void workerLoop(int index, std::shared_ptr<std::atomic<bool>> quit,
                  std::shared_ptr<std::atomic<bool>> exited);
  void work(const std::shared_ptr<Job>& job, const std::shared_ptr<StageRun>& run, WorkerContext& ctx,
            const std::atomic<bool>& quit);
  // Opens stage `stage` of `job` (or completes the job). Called by one thread at a time.
  void advance(const std::shared_ptr<Job>& job, int stage, WorkerContext& ctx);
  void spawnLocked(int index);
  void reapLocked();

  mutable std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<std::shared_ptr<Job>> queue_;
  // Jobs taken from the queue and not yet complete, oldest first, each with its open stage (null
  // while a stage is being opened). Threads work on the oldest job with tasks left; a thread with
  // nothing to do there opens the next queued job, so a job whose open stage has fewer tasks than
  // threads (a one-chunk plan, a stage's tail) does not leave threads idle.
  struct Active {
    std::shared_ptr<Job> job;
    std::shared_ptr<StageRun> run;
  };
  std::vector<Active> active_;
  std::vector<Worker> workers_;      // active workers, index = slot
  std::vector<Worker> retired_;      // asked to quit, joined later
  bool stopping_ = false;
};

}  // namespace tessera
