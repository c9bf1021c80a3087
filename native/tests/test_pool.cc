// The thread pool: queued jobs, small jobs side by side, resizing while running.
#include "engine_fixtures.h"

// ------------------------------------------------------------------------------------------------
// Pool

struct CountJob : Job {
  std::atomic<int64_t> ran{0};
  std::atomic<int> completes{0};
  int stages = 3;
  int64_t tasks = 1000;
  std::vector<int> finishedStages;
  int numStages() const override { return stages; }
  void beginStage(int) override {}
  int64_t numTasks(int s) const override { return s == 1 ? 0 : tasks; }
  void finishStage(int s, WorkerContext&) override { finishedStages.push_back(s); }
  void runTask(int, int64_t, WorkerContext&) override { ran++; }
  void complete() override { completes++; }
};

TEST(pool_runs_queued_jobs) {
  Pool pool(2);
  std::vector<std::shared_ptr<CountJob>> jobs;
  for (int i = 0; i < 20; ++i) {
    jobs.push_back(std::make_shared<CountJob>());
    pool.submit(jobs.back());
  }
  for (int spin = 0; spin < 5000; ++spin) {
    bool all = true;
    for (auto& j : jobs) all = all && j->completes.load() == 1;
    if (all) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  }
  for (auto& j : jobs) {
    CHECK_EQ(j->completes.load(), 1);
    CHECK_EQ(j->ran.load(), 2000);
    CHECK(j->finishedStages == std::vector<int>({0, 1, 2}));
  }
  pool.setNumThreads(1);
  CHECK_EQ(pool.numThreads(), 1);
  pool.setNumThreads(3);
  CHECK_EQ(pool.numThreads(), 3);
  auto j = std::make_shared<CountJob>();
  pool.submit(j);
  pool.shutdown();
  CHECK_EQ(j->completes.load(), 1);
  auto late = std::make_shared<CountJob>();
  pool.submit(late);
  CHECK_EQ(late->completes.load(), 1);
  CHECK(late->cancelled());
}


// One-task jobs (a distributed worker's one-chunk plans) must run side by side: a thread with no
// task left in the running job starts the next queued one.
struct OneTaskJob : Job {
  std::atomic<int>* running;
  std::atomic<int>* maxSeen;
  std::atomic<int> completes{0};
  explicit OneTaskJob(std::atomic<int>* r, std::atomic<int>* m) : running(r), maxSeen(m) {}
  int numStages() const override { return 1; }
  void beginStage(int) override {}
  int64_t numTasks(int) const override { return 1; }
  void finishStage(int, WorkerContext&) override {}
  void runTask(int, int64_t, WorkerContext&) override {
    const int now = ++*running;
    int seen = maxSeen->load();
    while (now > seen && !maxSeen->compare_exchange_weak(seen, now)) {
    }
    // hold the thread until another job's task runs too (or give up after 2 s)
    for (int spin = 0; spin < 2000 && maxSeen->load() < 2; ++spin) std::this_thread::sleep_for(std::chrono::milliseconds(1));
    --*running;
  }
  void complete() override { completes++; }
};

TEST(pool_runs_small_jobs_side_by_side) {
  Pool pool(2);
  std::atomic<int> running{0}, maxSeen{0};
  auto a = std::make_shared<OneTaskJob>(&running, &maxSeen);
  auto b = std::make_shared<OneTaskJob>(&running, &maxSeen);
  pool.submit(a);
  pool.submit(b);
  for (int spin = 0; spin < 5000 && (a->completes.load() == 0 || b->completes.load() == 0); ++spin)
    std::this_thread::sleep_for(std::chrono::milliseconds(1));
  CHECK_EQ(a->completes.load(), 1);
  CHECK_EQ(b->completes.load(), 1);
  CHECK_EQ(maxSeen.load(), 2);
}


TEST(pool_resize_while_running) {
  // shrink and grow repeatedly while plans run: every plan completes with the same bits
  Pool pool(2);
  std::vector<double> ref1;
  Plan base = reducePlan(ref1, ReduceOp::Var, {1, 0, 1}, {7, 9, 4});
  CHECK(runPlan(pool, base).status == ExecResult::Status::Ok);
  const std::vector<double> want = ref1;
  std::atomic<bool> stop{false};
  std::thread resizer([&] {
    int n = 1;
    while (!stop.load()) {
      pool.setNumThreads(n);
      n = n % 3 + 1;
      std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
  });
  bool same = true;
  for (int i = 0; i < 30; ++i) {
    std::vector<double> o;
    Plan p = reducePlan(o, ReduceOp::Var, {1, 0, 1}, {7, 9, 4});
    CHECK(runPlan(pool, p).status == ExecResult::Status::Ok);
    same = same && std::memcmp(o.data(), want.data(), o.size() * 8) == 0;
  }
  stop = true;
  resizer.join();
  CHECK(same);
}
