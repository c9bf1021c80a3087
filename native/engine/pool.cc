#include "engine/pool.h"

#include <cstdlib>
#include <cstring>
#include <exception>
#include <stdexcept>
#include <utility>

namespace tessera {

void Job::fail(const std::string& message, bool range) {
  std::lock_guard<std::mutex> lock(errorMutex_);
  if (!failed_.load(std::memory_order_relaxed)) {
    error_ = message;
    rangeError_ = range;
  }
  failed_.store(true, std::memory_order_relaxed);
}

std::string Job::error() const {
  std::lock_guard<std::mutex> lock(errorMutex_);
  return error_;
}

bool Job::rangeError() const {
  std::lock_guard<std::mutex> lock(errorMutex_);
  return rangeError_;
}


int Pool::defaultThreads() {
  if (const char* env = std::getenv("TESSERA_NUM_THREADS")) {
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    if (end != env && *end == '\0' && v >= 1 && v <= 1024) return static_cast<int>(v);
  }
  unsigned hc = std::thread::hardware_concurrency();
  if (hc == 0) hc = 1;
  if (hc > 1024) hc = 1024;
  return static_cast<int>(hc);
}

Pool::Pool(int threads) {
  int n = threads > 0 ? threads : defaultThreads();
  if (n > 1024) n = 1024;
  std::lock_guard<std::mutex> lock(mutex_);
  for (int i = 0; i < n; ++i) spawnLocked(i);
}

Pool::~Pool() { shutdown(); }

void Pool::spawnLocked(int index) {
  Worker w;
  w.quit = std::make_shared<std::atomic<bool>>(false);
  w.exited = std::make_shared<std::atomic<bool>>(false);
  w.thread = std::thread(&Pool::workerLoop, this, index, w.quit, w.exited);
  if (static_cast<size_t>(index) < workers_.size()) {
    workers_[index] = std::move(w);
  } else {
    workers_.push_back(std::move(w));
  }
}

void Pool::reapLocked() {
  for (size_t i = 0; i < retired_.size();) {
    if (retired_[i].exited->load()) {
      if (retired_[i].thread.joinable()) retired_[i].thread.join();
      retired_.erase(retired_.begin() + static_cast<std::ptrdiff_t>(i));
    } else {
      ++i;
    }
  }
}

void Pool::setNumThreads(int n) {
  if (n < 1) n = 1;
  if (n > 1024) n = 1024;
  std::lock_guard<std::mutex> lock(mutex_);
  if (stopping_) return;
  reapLocked();
  int cur = static_cast<int>(workers_.size());
  if (n > cur) {
    for (int i = cur; i < n; ++i) spawnLocked(i);
  } else if (n < cur) {
    for (int i = n; i < cur; ++i) {
      workers_[i].quit->store(true);
      retired_.push_back(std::move(workers_[i]));
    }
    workers_.resize(static_cast<size_t>(n));
    cv_.notify_all();
  }
}

int Pool::numThreads() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return static_cast<int>(workers_.size());
}

void Pool::submit(std::shared_ptr<Job> job) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (!stopping_) {
      queue_.push_back(std::move(job));
      cv_.notify_all();
      return;
    }
  }
  job->cancel();
  job->complete();
}

void Pool::shutdown() {
  std::vector<Worker> all;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (stopping_ && workers_.empty() && retired_.empty()) return;
    stopping_ = true;
    for (auto& a : active_) a.job->cancel();
    for (auto& q : queue_) q->cancel();
    for (auto& w : workers_) w.quit->store(true);
    for (auto& w : workers_) all.push_back(std::move(w));
    for (auto& w : retired_) all.push_back(std::move(w));
    workers_.clear();
    retired_.clear();
    cv_.notify_all();
  }
  for (auto& w : all) {
    if (!w.thread.joinable()) continue;
    if (w.thread.get_id() == std::this_thread::get_id()) w.thread.detach();  // called from a job
    else w.thread.join();
  }
  std::vector<Active> current;
  std::deque<std::shared_ptr<Job>> queued;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    current.swap(active_);
    queued.swap(queue_);
  }
  for (auto& a : current) a.job->complete();
  for (auto& q : queued) q->complete();
}

void Pool::workerLoop(int index, std::shared_ptr<std::atomic<bool>> quit,
                      std::shared_ptr<std::atomic<bool>> exited) {
  WorkerContext ctx;
  ctx.thread = index;
  std::unique_lock<std::mutex> lock(mutex_);
  for (;;) {
    if (quit->load()) break;
    const Active* ready = nullptr;
    for (const Active& a : active_) {
      if (a.run && a.run->next.load(std::memory_order_relaxed) < a.run->ntasks) {
        ready = &a;
        break;
      }
    }
    if (ready) {
      std::shared_ptr<Job> job = ready->job;
      std::shared_ptr<StageRun> run = ready->run;
      lock.unlock();
      work(job, run, ctx, *quit);
      lock.lock();
      continue;
    }
    if (!queue_.empty()) {
      std::shared_ptr<Job> job = queue_.front();
      queue_.pop_front();
      active_.push_back(Active{job, nullptr});
      lock.unlock();
      advance(job, 0, ctx);
      lock.lock();
      continue;
    }
    cv_.wait(lock);
  }
  lock.unlock();
  ctx.state.reset();
  exited->store(true);
}

void Pool::work(const std::shared_ptr<Job>& job, const std::shared_ptr<StageRun>& run,
                WorkerContext& ctx, const std::atomic<bool>& quit) {
  for (;;) {
    int64_t i = run->next.fetch_add(1, std::memory_order_relaxed);
    if (i >= run->ntasks) return;
    if (!job->stopped()) {
      try {
        job->runTask(run->stage, i, ctx);
      } catch (const std::range_error& e) {
        job->fail(e.what(), true);
      } catch (const std::exception& e) {
        job->fail(e.what());
      } catch (...) {
        job->fail("unknown exception in a task");
      }
    }
    if (run->done.fetch_add(1, std::memory_order_acq_rel) + 1 == run->ntasks) {
      if (!job->stopped()) {
        try {
          job->finishStage(run->stage, ctx);
        } catch (const std::exception& e) {
          job->fail(e.what());
        } catch (...) {
          job->fail("unknown exception in a stage epilogue");
        }
      }
      advance(job, run->stage + 1, ctx);
      return;
    }
    if (quit.load(std::memory_order_relaxed)) return;  // retired by setNumThreads: others go on
  }
}

void Pool::advance(const std::shared_ptr<Job>& job, int stage, WorkerContext& ctx) {
  for (;;) {
    if (stage >= job->numStages() || job->stopped()) {
      {
        std::lock_guard<std::mutex> lock(mutex_);
        for (auto it = active_.begin(); it != active_.end(); ++it) {
          if (it->job == job) {
            active_.erase(it);
            break;
          }
        }
        cv_.notify_all();
      }
      job->complete();
      return;
    }
    int64_t n = 0;
    try {
      job->beginStage(stage);
      n = job->numTasks(stage);
      if (n == 0) job->finishStage(stage, ctx);
    } catch (const std::exception& e) {
      job->fail(e.what());
      continue;
    } catch (...) {
      job->fail("unknown exception opening a stage");
      continue;
    }
    if (n == 0) {
      ++stage;
      continue;
    }
    auto run = std::make_shared<StageRun>();
    run->stage = stage;
    run->ntasks = n;
    std::lock_guard<std::mutex> lock(mutex_);
    for (auto& a : active_) {
      if (a.job == job) {
        a.run = std::move(run);
        break;
      }
    }
    cv_.notify_all();
    return;
  }
}

}  // namespace tessera
