// JoinPlan (a merge's row pairs in pandas' order) and TakePlan (gather by index) against naive loops.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <condition_variable>
#include <cstring>
#include <mutex>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include "check.h"
#include "dataframe/join.h"
#include "engine/job.h"
#include "engine/pool.h"

namespace {

using namespace tessera::df;
using tessera::FnJob;

template <typename Plan>
void runJoinPlan(const std::shared_ptr<Plan>& plan, int threads) {
  tessera::Pool pool(threads);
  auto job = std::make_shared<FnJob>();
  plan->addStages(*job, plan);
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  job->onComplete = [&](FnJob::Status, const std::string&) {
    std::lock_guard<std::mutex> lock(m);
    done = true;
    cv.notify_all();
  };
  pool.submit(job);
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
}

using Pairs = std::vector<std::pair<int32_t, int32_t>>;

// keys as doubles; equal as pandas: NaN with NaN, -0 with 0
bool same(double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; }

// pandas 1.5's merge order, by brute force
Pairs naive(const std::vector<double>& l, const std::vector<double>& r, JoinHow how) {
  Pairs out;
  const auto nl = static_cast<int32_t>(l.size()), nr = static_cast<int32_t>(r.size());
  // pandas 1.5: an outer merge with one side empty keeps the other's rows in order
  if (how == JoinHow::Outer && l.empty()) how = JoinHow::Right;
  else if (how == JoinHow::Outer && r.empty()) how = JoinHow::Left;
  if (how == JoinHow::Left || how == JoinHow::Right) {
    const bool right = how == JoinHow::Right;
    const auto& a = right ? r : l;
    const auto& b = right ? l : r;
    for (int32_t i = 0; i < static_cast<int32_t>(a.size()); ++i) {
      bool any = false;
      for (int32_t j = 0; j < static_cast<int32_t>(b.size()); ++j)
        if (same(a[static_cast<size_t>(i)], b[static_cast<size_t>(j)])) {
          any = true;
          out.push_back(right ? std::make_pair(j, i) : std::make_pair(i, j));
        }
      if (!any) out.push_back(right ? std::make_pair(-1, i) : std::make_pair(i, -1));
    }
    return out;
  }
  std::vector<uint8_t> ldone(l.size(), 0), rdone(r.size(), 0);
  for (int32_t i = 0; i < nl; ++i) {
    if (ldone[static_cast<size_t>(i)]) continue;
    const double k = l[static_cast<size_t>(i)];
    std::vector<int32_t> ls, rs;
    for (int32_t x = 0; x < nl; ++x)
      if (same(l[static_cast<size_t>(x)], k)) ls.push_back(x), ldone[static_cast<size_t>(x)] = 1;
    for (int32_t y = 0; y < nr; ++y)
      if (same(r[static_cast<size_t>(y)], k)) rs.push_back(y), rdone[static_cast<size_t>(y)] = 1;
    for (int32_t x : ls) {
      for (int32_t y : rs) out.emplace_back(x, y);
      if (rs.empty() && how == JoinHow::Outer) out.emplace_back(x, -1);
    }
  }
  // then the right-only keys, grouped, in order of their first right row
  if (how == JoinHow::Outer)
    for (int32_t y = 0; y < nr; ++y) {
      if (rdone[static_cast<size_t>(y)]) continue;
      for (int32_t z = y; z < nr; ++z)
        if (!rdone[static_cast<size_t>(z)] && same(r[static_cast<size_t>(z)], r[static_cast<size_t>(y)])) out.emplace_back(-1, z), rdone[static_cast<size_t>(z)] = 1;
    }
  return out;
}

// the plan's pairs over `parts` parts per side and `threads` threads; the keys as `kind`
Pairs joined(const std::vector<double>& l, const std::vector<double>& r, JoinHow how, size_t parts, int threads, KeyKind kind, bool* lmiss = nullptr, bool* rmiss = nullptr, size_t searchFrom = 0, size_t partFrom = 0) {
  std::vector<int64_t> li64(l.size()), ri64(r.size());
  std::vector<int32_t> li32(l.size()), ri32(r.size());
  // (NaN keys are for F64 only)
  for (size_t i = 0; i < l.size(); ++i)
    if (!std::isnan(l[i])) li64[i] = static_cast<int64_t>(l[i]), li32[i] = static_cast<int32_t>(l[i]);
  for (size_t i = 0; i < r.size(); ++i)
    if (!std::isnan(r[i])) ri64[i] = static_cast<int64_t>(r[i]), ri32[i] = static_cast<int32_t>(r[i]);
  auto side = [&](const std::vector<double>& f, const std::vector<int64_t>& i64, const std::vector<int32_t>& i32) {
    JoinKeys k;
    k.kind = kind;
    for (size_t p = 0; p < parts; ++p) {
      const size_t b = f.size() * p / parts, e = f.size() * (p + 1) / parts;
      k.rows.push_back(e - b);
      k.parts.push_back(kind == KeyKind::F64 ? static_cast<const void*>(f.data() + b) : kind == KeyKind::I64 ? static_cast<const void*>(i64.data() + b) : static_cast<const void*>(i32.data() + b));
    }
    return k;
  };
  auto plan = std::make_shared<JoinPlan>(side(l, li64, li32), side(r, ri64, ri32), how, static_cast<size_t>(threads));
  // sorted right keys searched whatever their number (the default is for large sides)
  plan->searchSortedFrom(searchFrom);
  // partFrom: the partitioned route from that many rows a side, in 8 buckets
  if (partFrom) plan->partitionFrom(partFrom, 8);
  runJoinPlan(plan, threads);
  if (partFrom) CHECK_EQ(plan->partitioned(), l.size() >= partFrom && r.size() >= partFrom && (kind != KeyKind::I32 || std::any_of(r.begin(), r.end(), [](double v) { return v < 0; })) && (searchFrom > r.size() || !std::is_sorted(r.begin(), r.end())));
  const size_t n = plan->size();
  const auto* a = reinterpret_cast<const int32_t*>(plan->leftRows().words.get());
  const auto* b = reinterpret_cast<const int32_t*>(plan->rightRows().words.get());
  Pairs out;
  for (size_t i = 0; i < n; ++i) out.emplace_back(plan->leftIdentity() ? static_cast<int32_t>(i) : a[i], plan->rightIdentity() ? static_cast<int32_t>(i) : b[i]);
  if (lmiss) *lmiss = plan->leftMissing();
  if (rmiss) *rmiss = plan->rightMissing();
  return out;
}

bool anyMissing(const Pairs& p, bool left) {
  for (const auto& q : p)
    if ((left ? q.first : q.second) < 0) return true;
  return false;
}

}  // namespace

TEST(df_join_plan_pairs_in_pandas_order) {
  std::mt19937_64 rng(3);
  const JoinHow hows[] = {JoinHow::Inner, JoinHow::Left, JoinHow::Right, JoinHow::Outer};
  // shapes: duplicates on both sides (the serial grouping), sorted left keys (left rows in order),
  // unique right keys (the left rows as they are), NaN / -0 keys, empty sides, all-missing keys,
  // sorted right keys (ids by search, no table) with left keys in any order or sorted
  for (int shape = 0; shape < 10; ++shape)
    for (int rep = 0; rep < 4; ++rep) {
      const size_t nl = shape == 4 ? 0 : 1 + rng() % 400, nr = shape == 5 ? 0 : 1 + rng() % 300;
      std::vector<double> l(nl), r(nr);
      const uint64_t span = 1 + rng() % 60;
      for (double& v : l) v = static_cast<double>(rng() % span);
      for (double& v : r) v = static_cast<double>(rng() % span);
      if (shape == 1) std::sort(l.begin(), l.end());
      if (shape == 2 || shape == 3) {
        for (size_t i = 0; i < nr; ++i) r[i] = static_cast<double>(i * 2);
        std::shuffle(r.begin(), r.end(), rng);
      }
      if (shape == 3) std::sort(l.begin(), l.end());
      if (shape >= 7) std::sort(r.begin(), r.end());
      if (shape == 8) std::sort(l.begin(), l.end());
      if (shape == 9) {
        // far apart and stepping back: the walk's searches
        for (double& v : r) v *= 1000;
        for (size_t i = 0; i < nl; ++i) l[i] = static_cast<double>((i * 7919) % (span * 1000));
      }
      if (shape == 6) {
        for (double& v : l) v = NAN;
        for (size_t i = 0; i < nr; i += 2) r[i] = NAN;
      }
      for (const JoinHow how : hows) {
        const Pairs want = naive(l, r, how);
        for (int threads = 1; threads <= 3; ++threads)
          for (size_t parts : {size_t(1), size_t(3)}) {
            bool lm = false, rm = false;
            const Pairs got = joined(l, r, how, parts, threads, KeyKind::F64, &lm, &rm);
            if (got != want) {
              std::fprintf(stderr, "shape %d how %d threads %d parts %zu nl %zu nr %zu got %zu want %zu\n", shape, static_cast<int>(how), threads, parts, nl, nr, got.size(), want.size());
              for (size_t q = 0; q < std::min(got.size(), want.size()); ++q)
                if (got[q] != want[q]) { std::fprintf(stderr, " at %zu got (%d,%d) want (%d,%d)\n", q, got[q].first, got[q].second, want[q].first, want[q].second); break; }
            }
            CHECK(got == want);
            CHECK_EQ(lm, anyMissing(want, true));
            CHECK_EQ(rm, anyMissing(want, false));
            // the hash table even for sorted keys
            CHECK(joined(l, r, how, parts, threads, KeyKind::F64, nullptr, nullptr, size_t(1) << 30) == want);
            // the partitioned route (a table per bucket): float64 and int64 keys
            CHECK(joined(l, r, how, parts, threads, KeyKind::F64, &lm, &rm, size_t(1) << 30, 1) == want);
            CHECK_EQ(lm, anyMissing(want, true));
            CHECK_EQ(rm, anyMissing(want, false));
            if (shape != 6) {
              CHECK(joined(l, r, how, parts, threads, KeyKind::I64) == want);
              CHECK(joined(l, r, how, parts, threads, KeyKind::I32) == want);
              CHECK(joined(l, r, how, parts, threads, KeyKind::I64, nullptr, nullptr, size_t(1) << 30, 1) == want);
              // negative int32 keys (no dense ids): the partitioned route
              std::vector<double> ln(l), rn(r);
              for (double& v : ln) v = -1 - v;
              for (double& v : rn) v = -1 - v;
              CHECK(joined(ln, rn, how, parts, threads, KeyKind::I32, nullptr, nullptr, size_t(1) << 30, 1) == naive(ln, rn, how));
            }
          }
      }
    }
  // NaN matches NaN and -0 matches 0 (float64 keys)
  const std::vector<double> l = {NAN, -0.0, 1, NAN}, r = {0.0, NAN, 2};
  const Pairs inner = joined(l, r, JoinHow::Inner, 1, 2, KeyKind::F64);
  CHECK(inner == (Pairs{{0, 1}, {3, 1}, {1, 0}}));
  CHECK(joined(l, r, JoinHow::Outer, 2, 2, KeyKind::F64) == (Pairs{{0, 1}, {3, 1}, {1, 0}, {2, -1}, {-1, 2}}));
  // sorted right keys: -0 matches 0, NaN nothing
  const std::vector<double> ls = {-0.0, NAN, 2, 0.0}, rs = {0.0, 0.0, 2};
  CHECK(joined(ls, rs, JoinHow::Left, 2, 2, KeyKind::F64) == (Pairs{{0, 0}, {0, 1}, {1, -1}, {2, 2}, {3, 0}, {3, 1}}));
  CHECK(joined(ls, rs, JoinHow::Inner, 1, 1, KeyKind::F64) == (Pairs{{0, 0}, {0, 1}, {3, 0}, {3, 1}, {2, 2}}));
}

TEST(df_take_plan_gathers_like_a_loop) {
  std::mt19937_64 rng(9);
  const size_t rows = 1000, n = 5001;
  std::vector<double> f(rows);
  std::vector<int64_t> i64(rows);
  std::vector<int32_t> codes(rows);
  std::vector<uint8_t> b(rows);
  for (size_t i = 0; i < rows; ++i) {
    f[i] = i % 7 == 0 ? NAN : static_cast<double>(rng() % 1000) * 0.5;
    i64[i] = static_cast<int64_t>(rng()) >> 3;
    codes[i] = static_cast<int32_t>(rng() % 50) - 1;
    b[i] = static_cast<uint8_t>(rng() % 2);
  }
  std::vector<int32_t> idx(n);
  for (int32_t& x : idx) x = rng() % 5 == 0 ? -1 : static_cast<int32_t>(rng() % rows);
  uint64_t nanBits;
  const double nan = NAN;
  std::memcpy(&nanBits, &nan, sizeof nan);
  std::vector<TakeColumn> cols = {
      {f.data(), rows, 8, TakeOp::Copy, nanBits}, {i64.data(), rows, 8, TakeOp::Copy, 0}, {i64.data(), rows, 8, TakeOp::I64ToF64, 0},
      {codes.data(), rows, 4, TakeOp::Copy, 0xffffffffull}, {b.data(), rows, 1, TakeOp::Copy, 0}, {b.data(), rows, 1, TakeOp::BoolToCode, 0},
  };
  for (int threads = 1; threads <= 3; ++threads) {
    auto plan = std::make_shared<TakePlan>(cols, idx.data(), n, static_cast<size_t>(threads));
    runJoinPlan(plan, threads);
    auto& out = plan->taken();
    const auto* of = reinterpret_cast<const double*>(out[0].words.get());
    const auto* oi = reinterpret_cast<const int64_t*>(out[1].words.get());
    const auto* oif = reinterpret_cast<const double*>(out[2].words.get());
    const auto* oc = reinterpret_cast<const int32_t*>(out[3].words.get());
    const auto* ob = reinterpret_cast<const uint8_t*>(out[4].words.get());
    const auto* obc = reinterpret_cast<const int32_t*>(out[5].words.get());
    size_t bad = 0;
    for (size_t i = 0; i < n; ++i) {
      const int32_t k = idx[i];
      const auto r = static_cast<size_t>(k);
      if (k < 0) {
        bad += !std::isnan(of[i]) + (oi[i] != 0) + !std::isnan(oif[i]) + (oc[i] != -1) + (ob[i] != 0) + (obc[i] != -1);
      } else {
        bad += !same(of[i], f[r]) + (oi[i] != i64[r]) + (oif[i] != static_cast<double>(i64[r])) + (oc[i] != codes[r]) + (ob[i] != b[r]) + (obc[i] != (b[r] ? 1 : 0));
      }
    }
    CHECK_EQ(bad, size_t(0));
    CHECK_EQ(out[3].bytes, n * 4);
  }
}
