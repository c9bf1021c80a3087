// Tests of the DataFrame core (native/dataframe): CSV parser (quotes, escapes, CRLF, missing
// values, inference, forced types, errors with lines), block splitting, the writer round trip,
// datetime parsing/formatting, the timeseries generator and exact quantiles.
#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <numeric>
#include <random>
#include <string>
#include <vector>

#include "check.h"
#include "dataframe/dataframe.h"
#include "engine/file_map.h"
#include "engine/job.h"
#include "dataframe/stats.h"
#include "dataframe/groupby.h"
#include "dataframe/filter.h"
#include "dataframe/sort.h"
#include "kernels/kernels.h"

namespace {

using namespace tessera::df;
using tessera::FnJob;

CsvResult parse(const std::string& text, std::vector<std::string> names, std::vector<ColType> types = {},
                bool skip = false, bool latin1 = false) {
  CsvOptions o;
  o.names = std::move(names);
  o.types = std::move(types);
  o.skipFirstLine = skip;
  o.latin1 = latin1;
  return parseCsv(text.data(), text.size(), o);
}

std::string dictAt(const Column& c, int32_t code) {
  return c.dictBytes.substr(static_cast<size_t>(c.dictOffsets[static_cast<size_t>(code)]),
                            static_cast<size_t>(c.dictOffsets[static_cast<size_t>(code) + 1] -
                                                c.dictOffsets[static_cast<size_t>(code)]));
}

std::string tempDir() {
  char tmpl[] = "/tmp/tessera-df-XXXXXX";
  char* d = mkdtemp(tmpl);
  return d ? std::string(d) : std::string("/tmp");
}

}  // namespace

TEST(df_parse_infers_types) {
  CsvResult r = parse("a,b,c,d\n1,1.5,x,\n2,2,y,\n-3,1e3,x,\n", {"a", "b", "c", "d"}, {}, true);
  CHECK(r.ok);
  CHECK_EQ(r.rows, int64_t(3));
  CHECK_EQ(r.lines, int64_t(4));
  CHECK(r.columns[0].type == ColType::Int64);
  CHECK_EQ(r.columns[0].i64[2], int64_t(-3));
  CHECK(r.columns[1].type == ColType::Float64);
  CHECK_EQ(r.columns[1].f64[2], 1000.0);
  CHECK(r.columns[2].type == ColType::String);
  CHECK_EQ(r.columns[2].codes[0], r.columns[2].codes[2]);
  CHECK(dictAt(r.columns[2], r.columns[2].codes[1]) == "y");
  CHECK(r.columns[3].allMissing);
}

TEST(df_parse_quotes_crlf_missing) {
  CsvResult r = parse("\"he said \"\"hi\"\"\",\"a,b\"\r\n,\"line\nbreak\"\r\n3,\"\"\r\n", {"s", "t"});
  CHECK(r.ok);
  CHECK_EQ(r.rows, int64_t(3));
  const Column& s = r.columns[0];
  CHECK(s.type == ColType::String);
  CHECK(dictAt(s, s.codes[0]) == "he said \"hi\"");
  CHECK_EQ(s.codes[1], -1);
  CHECK(dictAt(s, s.codes[2]) == "3");
  const Column& t = r.columns[1];
  CHECK(dictAt(t, t.codes[0]) == "a,b");
  CHECK(dictAt(t, t.codes[1]) == "line\nbreak");
  CHECK_EQ(t.codes[2], -1);
  CHECK_EQ(r.lines, int64_t(4));
}

TEST(df_parse_int_with_missing_is_float) {
  CsvResult r = parse("1\n\n2\nNaN\n", {"a"});
  CHECK(r.ok);
  CHECK_EQ(r.rows, int64_t(3));  // blank line skipped
  CHECK(r.columns[0].type == ColType::Float64);
  CHECK(std::isnan(r.columns[0].f64[2]));
}

TEST(df_parse_latin1) {
  std::string text = "caf\xE9,1\n";
  CsvResult r = parse(text, {"s", "n"}, {}, false, true);
  CHECK(r.ok);
  CHECK(dictAt(r.columns[0], 0) == "caf\xC3\xA9");
}

TEST(df_parse_errors_name_lines) {
  CsvResult r = parse("a,b\n1,2\n3\n", {"a", "b"}, {}, true);
  CHECK(!r.ok);
  CHECK_EQ(r.errorLine, int64_t(3));
  CHECK(r.error.find("expected 2 fields, saw 1") != std::string::npos);
  CsvResult f = parse("1\n2\nx\n", {"a"}, {ColType::Int64});
  CHECK(!f.ok);
  CHECK_EQ(f.errorLine, int64_t(3));
  CHECK(f.error.find("\"x\" as int64") != std::string::npos);
  CsvResult q = parse("\"abc\n", {"a"});
  CHECK(!q.ok);
  CHECK(q.error.find("unterminated") != std::string::npos);
}

TEST(df_datetime_roundtrip) {
  double ms;
  CHECK(parseDatetime("2000-01-02 03:04:05", ms));
  CHECK_EQ(ms, 946782245000.0);
  CHECK(parseDatetime("1969-12-31T23:59:59.5Z", ms));
  CHECK_EQ(ms, -500.0);
  std::string s;
  formatDatetime(946782245000.0, s);
  CHECK(s == "2000-01-02 03:04:05");
  s.clear();
  formatDatetime(-500.0, s);
  CHECK(s == "1969-12-31 23:59:59.500");
  CHECK(!parseDatetime("2000-13-01", ms));
  CHECK(!parseDatetime("hello", ms));
}

TEST(df_blocks_cover_every_line_once) {
  std::string dir = tempDir();
  std::string path = dir + "/blocks.csv";
  std::string text;
  for (int i = 0; i < 1000; ++i) text += std::to_string(i * 7919 % 100003) + "\n";
  std::ofstream(path) << text;
  for (int64_t bs : {1, 7, 64, 1000, 100000}) {
    std::string all;
    for (int64_t s = 0; s < static_cast<int64_t>(text.size()); s += bs)
      all += readBlock(path, s, std::min<int64_t>(s + bs, static_cast<int64_t>(text.size())));
    CHECK(all == text);
  }
  CHECK_THROWS(readBlock(dir + "/missing.csv", 0, 10));
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

// Large blocks are mapped, not read: the same lines as readBlock for every block size and
// boundary (lines of varied length, some longer than a page, no final newline), and a file that
// shrinks under the mapping reads zeros and says changed() instead of raising SIGBUS.
TEST(df_mapped_blocks_match_reads) {
  std::string dir = tempDir();
  std::string path = dir + "/mapped.csv";
  std::string text;
  std::mt19937 rng(7);
  while (text.size() < (size_t(3) << 20)) {
    size_t len = rng() % 97 == 0 ? 5000 + rng() % 9000 : rng() % 60;
    for (size_t i = 0; i < len; ++i) text.push_back(static_cast<char>('a' + rng() % 26));
    text.push_back('\n');
  }
  text += "last line without a newline";
  std::ofstream(path, std::ios::binary) << text;
  const int64_t n = static_cast<int64_t>(text.size());
  BlockBytes b;
  for (int64_t bs : {int64_t(1) << 20, (int64_t(1) << 20) + 4095, int64_t(1300000), n - 1, n, n + 10}) {
    std::string all;
    int mapped = 0;
    for (int64_t s = 0; s < n; s += bs) {
      const int64_t e = std::min<int64_t>(s + bs, n);
      b.load(path, s, e);
      std::string got(b.data(), b.size());
      CHECK(got == readBlock(path, s, e));
      CHECK(text.compare(static_cast<size_t>(b.offset()), b.size(), got) == 0);
      mapped += b.mapped();
      CHECK(!b.changed());
      all += got;
      b.release();
    }
    CHECK(all == text);
    CHECK(mapped >= 1);
  }
  // a block too small to map is read
  b.load(path, 0, 1000);
  CHECK(!b.mapped());
  CHECK(std::string(b.data(), b.size()) == readBlock(path, 0, 1000));
  // the file shrinks to 100 KiB after the mapping: the pages past the end read as zeros
  b.load(path, 0, n);
  CHECK(b.mapped());
  CHECK(truncate(path.c_str(), 100 << 10) == 0);
  size_t zeros = 0;
  for (size_t i = 0; i < b.size(); ++i) zeros += b.data()[i] == 0;
  CHECK(b.changed());
  CHECK(zeros > (size_t(2) << 20));
  b.release();
  // and a second mapping of the shrunk file is whole again
  std::ofstream(path, std::ios::binary) << text;
  b.load(path, 0, n);
  CHECK(!b.changed() && std::string(b.data(), b.size()) == text);
  b.release();
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

// The guard under both readers: a populated mapping (Zarr chunks) of a file that shrinks.
TEST(file_map_populated_then_truncated) {
  std::string dir = tempDir();
  std::string path = dir + "/chunk.bin";
  std::string bytes(size_t(1) << 20, 'x');
  std::ofstream(path, std::ios::binary) << bytes;
  int fd = open(path.c_str(), O_RDONLY);
  CHECK(fd >= 0);
  tessera::FileMap m;
  CHECK(m.map(fd, 4096 + 7, bytes.size() - 4096 - 7, true));
  close(fd);
  CHECK(m.data()[0] == 'x' && m.data()[m.size() - 1] == 'x' && m.data()[m.size()] == 0);
  CHECK(!m.shrank());
  CHECK(truncate(path.c_str(), 8192) == 0);
  size_t xs = 0;
  for (size_t i = 0; i < m.size(); ++i) xs += m.data()[i] == 'x';
  CHECK(xs == 8192 - 4096 - 7);
  CHECK(m.shrank());
  m.reset();
  CHECK(!m.mapped() && !m.shrank());
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

TEST(df_write_roundtrip) {
  std::string dir = tempDir();
  std::vector<double> x = {0.1, -1.0 / 3.0, NAN, 2.0};
  std::vector<int64_t> id = {1, -2, 3, 9007199254740993LL};
  std::string dict = "Aliceé\"q,uote\"";
  std::vector<int32_t> offs = {0, 7, 15};
  std::vector<int32_t> codes = {0, 1, -1, 0};
  std::vector<double> ts = {946684800000.0, 946684801000.0, 946684802000.0, 946684803000.0};
  std::vector<WriteColumn> cols(4);
  cols[0].type = ColType::Datetime;
  cols[0].f64 = ts.data();
  cols[1].type = ColType::String;
  cols[1].codes = codes.data();
  cols[1].dictBytes = dict.data();
  cols[1].dictOffsets = offs.data();
  cols[1].ndict = 2;
  cols[2].type = ColType::Int64;
  cols[2].i64 = id.data();
  cols[3].type = ColType::Float64;
  cols[3].f64 = x.data();
  WriteOptions wo;
  wo.names = {"timestamp", "name", "id", "x"};
  std::string path = dir + "/out.csv";
  writeCsv(path, path + ".tmp", cols, 4, wo);
  std::string back = readBlock(path, 0, 1 << 20);
  CHECK(back.rfind("timestamp,name,id,x\n2000-01-01 00:00:00,Alice\xC3\xA9,1,0.1\n", 0) == 0);
  CHECK(back.find(",9007199254740993,2.0\n") != std::string::npos);  // floats keep a ".0"
  {
    // floats as Python's repr (pandas' to_csv); one column with a missing value is "" (not a blank line)
    std::vector<double> f = {-616243.0, 3.0, 1e5, 1e16, -7488869705435525120.0, 1.5e-5, 0.0001, 5e-324, -0.0, NAN, 123456789012345.6};
    std::vector<WriteColumn> one(1);
    one[0].type = ColType::Float64;
    one[0].f64 = f.data();
    WriteOptions wf;
    wf.names = {"f"};
    std::string pf = dir + "/repr.csv";
    writeCsv(pf, pf + ".tmp", one, static_cast<int64_t>(f.size()), wf);
    CHECK(readBlock(pf, 0, 1 << 20) ==
          "f\n-616243.0\n3.0\n100000.0\n1e+16\n-7.488869705435525e+18\n1.5e-05\n0.0001\n5e-324\n-0.0\n\"\"\n123456789012345.6\n");
  }
  CsvResult r = parse(back, wo.names, {ColType::Datetime, ColType::Auto, ColType::Auto, ColType::Auto}, true);
  CHECK(r.ok);
  CHECK_EQ(r.columns[0].f64[3], ts[3]);
  CHECK(dictAt(r.columns[1], r.columns[1].codes[1]) == "\"q,uote\"");
  CHECK_EQ(r.columns[1].codes[2], -1);
  CHECK_EQ(r.columns[2].i64[3], id[3]);
  CHECK_EQ(r.columns[3].f64[1], x[1]);
  CHECK(std::isnan(r.columns[3].f64[2]));
  CHECK_EQ(r.columns[3].f64[3], x[3]);
  // latin1: é is encodable, a character above U+00FF is not (and leaves no file)
  wo.latin1 = true;
  writeCsv(path, path + ".tmp", cols, 4, wo);
  back = readBlock(path, 0, 1 << 20);
  CHECK(back.find("Alice\xE9,") != std::string::npos);
  std::string bad = "\xE2\x82\xAC";  // €
  std::vector<int32_t> boffs = {0, 3};
  cols[1].dictBytes = bad.data();
  cols[1].dictOffsets = boffs.data();
  cols[1].ndict = 1;
  std::vector<int32_t> zero = {0, 0, 0, 0};
  cols[1].codes = zero.data();
  std::string path2 = dir + "/bad.csv";
  CHECK_THROWS(writeCsv(path2, path2 + ".tmp", cols, 4, wo));
  CHECK(access(path2.c_str(), F_OK) != 0);
  CHECK(access((path2 + ".tmp").c_str(), F_OK) != 0);
  std::remove(path.c_str());
  rmdir(dir.c_str());
}

TEST(df_timeseries_independent_of_partitioning) {
  TsColumn x{"x", ColType::Float64};
  Column whole, a, b;
  generateColumn(42, x, 0, 1000, 0, 1000, whole);
  generateColumn(42, x, 0, 300, 0, 1000, a);
  generateColumn(42, x, 300, 700, 0, 1000, b);
  CHECK(std::equal(a.f64.begin(), a.f64.end(), whole.f64.begin()));
  CHECK(std::equal(b.f64.begin(), b.f64.end(), whole.f64.begin() + 300));
  double mn = *std::min_element(whole.f64.begin(), whole.f64.end());
  double mx = *std::max_element(whole.f64.begin(), whole.f64.end());
  CHECK(mn >= -1 && mx < 1);
  TsColumn id{"id", ColType::Int64};
  Column ids;
  generateColumn(1, id, 0, 200000, 0, 1000, ids);
  double s = 0, s2 = 0;
  for (int64_t v : ids.i64) s += static_cast<double>(v);
  double mean = s / 200000;
  for (int64_t v : ids.i64) s2 += (static_cast<double>(v) - mean) * (static_cast<double>(v) - mean);
  CHECK_NEAR(mean, 1000, 0.5);                 // Poisson: mean = variance = lambda
  CHECK_NEAR(s2 / 199999, 1000, 15);
  TsColumn nm{"name", ColType::String};
  Column names;
  generateColumn(1, nm, 0, 26000, 0, 1000, names);
  std::vector<int> counts(26);
  for (int32_t c : names.codes) {
    CHECK(c >= 0 && c < 26);
    counts[static_cast<size_t>(std::max(0, std::min(25, c)))]++;
  }
  for (int c : counts) CHECK(c > 800 && c < 1200);
}

TEST(df_exact_quantiles_match_sorting) {
  std::vector<double> v;
  for (int i = 1; i <= 100; ++i) v.push_back(i);
  std::shuffle(v.begin(), v.end(), std::mt19937(3));
  std::vector<double> q = exactQuantiles(v.data(), v.size(), {0.25, 0.5, 0.75, 0, 1});
  CHECK_EQ(q[0], 25.75);
  CHECK_EQ(q[1], 50.5);
  CHECK_EQ(q[2], 75.25);
  CHECK_EQ(q[3], 1.0);
  CHECK_EQ(q[4], 100.0);
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(-1, 1);
  for (size_t n : {1, 2, 3, 10, 1001}) {
    std::vector<double> w(n);
    for (double& x : w) x = std::floor(u(rng) * 5);  // many ties
    std::vector<double> sorted = w;
    std::sort(sorted.begin(), sorted.end());
    std::vector<double> qs = {0.1, 0.25, 0.5, 0.75, 0.9, 0.999};
    std::vector<double> got = exactQuantiles(w.data(), n, qs);
    for (size_t j = 0; j < qs.size(); ++j) {
      double h = (static_cast<double>(n) - 1) * qs[j];
      size_t lo = static_cast<size_t>(std::floor(h));
      double a = sorted[lo], b = sorted[std::min(lo + 1, n - 1)];
      CHECK_NEAR(got[j], a + (b - a) * (h - static_cast<double>(lo)), 1e-12);
    }
  }
}

TEST(df_partials) {
  std::vector<double> v = {1, NAN, 3, 5, NAN, -2};
  Partial p = partialF64(v.data(), v.size());
  CHECK_EQ(p.count, 4.0);
  CHECK_EQ(p.sum, 7.0);
  CHECK_EQ(p.min, -2.0);
  CHECK_EQ(p.max, 5.0);
  CHECK_NEAR(sumSqDev(v.data(), v.size(), 1.75), 0.5625 + 1.5625 + 10.5625 + 14.0625, 1e-12);
}

TEST(df_fnjob_runs_stages_on_the_pool) {
  tessera::Pool pool(2);
  auto job = std::make_shared<FnJob>();
  std::vector<int> hits(10);
  std::atomic<int> total{0};
  job->stages.push_back({[] { return int64_t(10); }, [&](int64_t t) { hits[static_cast<size_t>(t)]++; },
                         [&] { total = std::accumulate(hits.begin(), hits.end(), 0); }});
  std::mutex m;
  std::condition_variable cv;
  bool done = false;
  FnJob::Status status = FnJob::Status::Failed;
  job->onComplete = [&](FnJob::Status s, const std::string&) {
    std::lock_guard<std::mutex> lock(m);
    status = s;
    done = true;
    cv.notify_all();
  };
  pool.submit(job);
  std::unique_lock<std::mutex> lock(m);
  cv.wait(lock, [&] { return done; });
  CHECK(status == FnJob::Status::Ok);
  CHECK_EQ(total.load(), 10);
}

TEST(df_poisson_guide_table_matches_inversion) {
  std::vector<double> cdf = poissonCdf(1000);
  TsColumn id{"id", ColType::Int64};
  Column c;
  generateColumn(9, id, 5, 20000, 0, 1000, c);
  const uint64_t key = columnKey(9, "id");
  for (int64_t i = 0; i < 20000; ++i) {
    uint64_t b = tessera::kernels::mix64(key + (static_cast<uint64_t>(5 + i) + 1) * 0x9E3779B97F4A7C15ULL);
    double u = static_cast<double>(b >> 11) * 0x1.0p-53;
    if (c.i64[static_cast<size_t>(i)] != poissonInvert(cdf, u)) {
      CHECK_EQ(c.i64[static_cast<size_t>(i)], poissonInvert(cdf, u));
      break;
    }
  }
}

TEST(df_parse_high_cardinality_strings) {
  std::string text;
  for (int i = 0; i < 5000; ++i) text += "s" + std::to_string(i % 3000) + "\n";
  CsvResult r = parse(text, {"s"});
  CHECK(r.ok);
  const Column& c = r.columns[0];
  for (int i = 0; i < 5000; i += 7) CHECK(dictAt(c, c.codes[static_cast<size_t>(i)]) == "s" + std::to_string(i % 3000));
}

namespace {
// Runs a plan's stages on a pool of `threads` and waits.
template <typename Plan>
void runPlan(const std::shared_ptr<Plan>& plan, int threads) {
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

std::vector<StatsResult> runStats(std::vector<StatsColumn> cols, std::vector<double> qs) {
  auto plan = std::make_shared<StatsPlan>(std::move(cols), std::move(qs));
  runPlan(plan, 2);
  return plan->results();
}
}  // namespace

TEST(df_stats_plan_exact_quantiles) {
  std::mt19937_64 rng(11);
  std::vector<double> qs = {0, 0.1, 0.25, 0.5, 0.75, 0.9, 0.999, 1};
  // continuous values with NaNs, ties (ints), one constant column, infinities; 3 parts each
  std::vector<std::vector<double>> f(3);
  std::vector<std::vector<int64_t>> g(3);
  std::vector<std::vector<double>> k(3), inf(3);
  std::normal_distribution<double> nd(0, 1);
  std::poisson_distribution<int> pd(1000);
  for (int p = 0; p < 3; ++p) {
    for (int i = 0; i < 20000 + p * 777; ++i) {
      f[static_cast<size_t>(p)].push_back(i % 97 == 0 ? NAN : nd(rng) * 1e3);
      g[static_cast<size_t>(p)].push_back(pd(rng));
      k[static_cast<size_t>(p)].push_back(2.5);
      inf[static_cast<size_t>(p)].push_back(i == 5 ? INFINITY : i == 6 ? -INFINITY : nd(rng));
    }
  }
  std::vector<StatsColumn> cols(4);
  cols[0].type = ColType::Float64;
  cols[1].type = ColType::Int64;
  cols[2].type = ColType::Float64;
  cols[3].type = ColType::Float64;
  for (int p = 0; p < 3; ++p) {
    cols[0].parts.push_back({f[static_cast<size_t>(p)].data(), f[static_cast<size_t>(p)].size()});
    cols[1].parts.push_back({g[static_cast<size_t>(p)].data(), g[static_cast<size_t>(p)].size()});
    cols[2].parts.push_back({k[static_cast<size_t>(p)].data(), k[static_cast<size_t>(p)].size()});
    cols[3].parts.push_back({inf[static_cast<size_t>(p)].data(), inf[static_cast<size_t>(p)].size()});
  }
  std::vector<StatsResult> res = runStats(cols, qs);
  for (size_t c = 0; c < 4; ++c) {
    std::vector<double> all;
    for (int p = 0; p < 3; ++p)
      for (size_t i = 0; i < cols[c].parts[static_cast<size_t>(p)].second; ++i) {
        double x = c == 1 ? static_cast<double>(g[static_cast<size_t>(p)][i])
                          : static_cast<const double*>(cols[c].parts[static_cast<size_t>(p)].first)[i];
        if (!std::isnan(x)) all.push_back(x);
      }
    std::vector<double> sorted = all;
    std::vector<double> got = exactQuantiles(sorted.data(), sorted.size(), qs);
    CHECK_EQ(res[c].count, static_cast<double>(all.size()));
    for (size_t j = 0; j < qs.size(); ++j) CHECK(res[c].quantiles[j] == got[j] || (std::isnan(got[j]) && std::isnan(res[c].quantiles[j])));
  }
  CHECK_EQ(res[2].std, 0.0);
  CHECK_EQ(res[2].quantiles[3], 2.5);
}

namespace {

TEST(df_invalid_utf8_offsets) {
  CHECK_EQ(invalidUtf8("plain ascii, longer than eight bytes", 36), int64_t(-1));
  const std::string ok = "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80 end";
  CHECK_EQ(invalidUtf8(ok.data(), ok.size()), int64_t(-1));
  struct Bad {
    std::string s;
    int64_t at;
  };
  const Bad bad[] = {
      {"abc\xE9x", 3},                 // latin1 byte
      {"12345678\xFF", 8},             // after an ASCII word
      {"\xC0\x80", 0},                 // overlong NUL
      {"ab\xE0\x80\x80", 2},           // overlong 3-byte
      {"\xED\xA0\x80", 0},             // surrogate
      {"x\xF4\x90\x80\x80", 1},        // above U+10FFFF
      {"ok\xC3", 2},                   // truncated at the end
      {"ok\xE2\x82(", 2},              // bad continuation
  };
  for (const Bad& b : bad) CHECK_EQ(invalidUtf8(b.s.data(), b.s.size()), b.at);
  // ASCII ending exactly on the 32-byte stride: nothing past n is read (a byte 0xFF follows
  // in memory), and a bad byte right after a stride or at the last position is found
  for (size_t n : {32u, 64u, 96u, 40u, 33u}) {
    std::string buf(n, 'a');
    buf.push_back('\xFF');
    CHECK_EQ(invalidUtf8(buf.data(), n), int64_t(-1));
    CHECK_EQ(invalidUtf8(buf.data(), n + 1), static_cast<int64_t>(n));
    for (size_t at : {size_t(0), n / 2, n - 1}) {
      std::string bad1(n, 'a');
      bad1[at] = '\xFF';
      CHECK_EQ(invalidUtf8(bad1.data(), n), static_cast<int64_t>(at));
    }
  }
  // the parser's error names the line and the byte (not for latin1)
  CsvResult r = parse("a,b\n1,x\n2,caf\xE9\n", {"a", "b"}, {}, true);
  CHECK(!r.ok);
  CHECK_EQ(r.errorLine, int64_t(3));
  CHECK_EQ(r.errorByte, int64_t(13));
  CHECK(r.error == "invalid utf-8 (byte 0xe9)");
  CHECK(parse("a,b\n1,x\n2,caf\xE9\n", {"a", "b"}, {}, true, true).ok);
}

TEST(df_parse_bool_columns) {
  CsvResult r = parse("a,b,c\nTrue,false,True\nFALSE,true,\nfalse,TRUE,False\n", {"a", "b", "c"}, {}, true);
  CHECK(r.ok);
  CHECK(r.columns[0].type == ColType::Bool);
  CHECK(r.columns[0].b8 == std::vector<uint8_t>({1, 0, 0}));
  CHECK(r.columns[1].b8 == std::vector<uint8_t>({0, 1, 1}));
  CHECK(r.columns[2].type == ColType::String);  // a missing value: pandas' object column
  CsvResult f = parse("a\nTrue\n\n", {"a"}, {ColType::Bool}, true);
  CHECK(f.ok);  // a blank line is no row
  CsvResult m = parse("a,b\nTrue,1\n,2\n", {"a", "b"}, {ColType::Bool, ColType::Auto}, true);
  CHECK(!m.ok);
  CHECK_EQ(m.errorLine, int64_t(3));
  CsvResult x = parse("a\nTrue\nyes\n", {"a"}, {ColType::Bool}, true);
  CHECK(!x.ok);
  CHECK(x.error.find("cannot parse \"yes\" as bool") != std::string::npos);
}

TEST(df_stats_std_with_infinities_is_nan) {
  std::vector<double> v = {1.5, INFINITY, -INFINITY, 2.5};
  std::vector<StatsColumn> cols(1);
  cols[0].type = ColType::Float64;
  cols[0].parts.push_back({v.data(), v.size()});
  std::vector<StatsResult> res = runStats(cols, {0.25, 0.5, 0.75});
  CHECK(std::isnan(res[0].mean));
  CHECK(std::isnan(res[0].std));
  CHECK_EQ(res[0].min, -INFINITY);
  CHECK_EQ(res[0].quantiles[0], -INFINITY);  // pandas: -inf, 2.0, inf
  CHECK_EQ(res[0].quantiles[1], 2.0);
  CHECK_EQ(res[0].quantiles[2], INFINITY);
}

}  // namespace

namespace {

// Runs a GroupbyPlan over `parts` partitions of the rows (split evenly) on `threads` threads.
std::vector<GbOut> runGroupby(const CsvResult& r, const std::vector<size_t>& keyCols, const std::vector<size_t>& valCols,
                              const std::vector<GbAgg>& aggs, size_t parts, int threads, int32_t splitOut = 1,
                              std::vector<std::vector<GbOut>>* buckets = nullptr) {
  const size_t n = static_cast<size_t>(r.rows);
  std::vector<int64_t> rows;
  for (size_t p = 0; p < parts; ++p) rows.push_back(static_cast<int64_t>(n * (p + 1) / parts - n * p / parts));
  auto column = [&](size_t c) {
    const Column& col = r.columns[c];
    GbColumn g;
    g.type = col.type;
    size_t at = 0;
    for (size_t p = 0; p < parts; ++p) {
      switch (col.type) {
        case ColType::Int64: g.data.push_back(col.i64.data() + at); break;
        case ColType::String:
          g.data.push_back(col.codes.data() + at);
          g.dictBytes.push_back(col.dictBytes.data());
          g.dictOffsets.push_back(col.dictOffsets.data());
          g.ndict.push_back(static_cast<int64_t>(col.dictOffsets.size()) - 1);
          break;
        default: g.data.push_back(col.f64.data() + at); break;
      }
      at += static_cast<size_t>(rows[p]);
    }
    return g;
  };
  std::vector<GbColumn> keys, vals;
  for (size_t c : keyCols) keys.push_back(column(c));
  for (size_t c : valCols) vals.push_back(column(c));
  auto plan = std::make_shared<GroupbyPlan>(std::move(keys), std::move(vals), rows, aggs, splitOut);
  runPlan(plan, threads);
  if (buckets)
    for (int32_t b = 0; b < splitOut; ++b) buckets->push_back(std::move(plan->outputs(static_cast<size_t>(b))));
  return buckets ? std::vector<GbOut>() : std::move(plan->outputs());
}

TEST(df_groupby_split_out_buckets_any_partitioning) {
  // split_out: the buckets hold every group of the one-table result once, in its key's bucket,
  // sorted by key within the bucket, with equal values, for any partitioning and thread count
  std::string text = "k,j,v\n";
  std::mt19937_64 rng(11);
  for (int i = 0; i < 4000; ++i) {
    const int k = static_cast<int>(rng() % 300);
    text += (k == 0 ? std::string() : "s" + std::to_string(k)) + "," + std::to_string(static_cast<int64_t>(rng() % 3)) + "," +
            std::to_string(static_cast<double>(rng() % 1000) / 4) + "\n";
  }
  CsvResult r = parse(text, {"k", "j", "v"}, {}, true);
  CHECK(r.ok);
  const std::vector<GbAgg> aggs = {{1, Agg::Size, 1}, {1, Agg::Sum, 1}, {1, Agg::Var, 1}, {1, Agg::First, 1}, {1, Agg::Last, 1}, {1, Agg::Median, 1}};
  const std::vector<GbOut> one = runGroupby(r, {0, 1}, {1, 2}, aggs, 1, 1);
  const size_t G = one[1].i64.size();
  auto keyOf = [](const std::vector<GbOut>& o, size_t g) {
    return std::make_pair(std::string(o[0].bytes.data() + o[0].offsets[g], static_cast<size_t>(o[0].offsets[g + 1] - o[0].offsets[g])), o[1].i64[g]);
  };
  std::map<std::pair<std::string, int64_t>, size_t> at;
  for (size_t g = 0; g < G; ++g) at[keyOf(one, g)] = g;
  for (int32_t S : {2, 5}) {
    for (size_t parts : {1, 3, 8}) {
      for (int threads : {1, 3}) {
        std::vector<std::vector<GbOut>> b;
        runGroupby(r, {0, 1}, {1, 2}, aggs, parts, threads, S, &b);
        CHECK_EQ(b.size(), static_cast<size_t>(S));
        size_t total = 0;
        for (int32_t q = 0; q < S; ++q) {
          const std::vector<GbOut>& o = b[static_cast<size_t>(q)];
          const size_t n = o[1].i64.size();
          total += n;
          for (size_t g = 0; g < n; ++g) {
            const auto key = keyOf(o, g);
            if (g) CHECK(keyOf(o, g - 1) < key);
            // the bucket is the hash of the serialized key (4-byte length, bytes, then the int64)
            std::string ser;
            const uint32_t len = static_cast<uint32_t>(key.first.size());
            ser.append(reinterpret_cast<const char*>(&len), 4);
            ser += key.first;
            ser.append(reinterpret_cast<const char*>(&key.second), 8);
            CHECK_EQ(GroupbyPlan::bucketOf(ser, S), q);
            const size_t w = at.at(key);
            CHECK_EQ(o[2].i64[g], one[2].i64[w]);
            CHECK_EQ(o[3].f64[g], one[3].f64[w]);
            CHECK(o[4].f64[g] == one[4].f64[w] || (std::isnan(o[4].f64[g]) && std::isnan(one[4].f64[w])));
            CHECK_EQ(o[5].f64[g], one[5].f64[w]);
            CHECK_EQ(o[6].f64[g], one[6].f64[w]);
            CHECK_EQ(o[7].f64[g], one[7].f64[w]);
          }
        }
        CHECK_EQ(total, G);
      }
    }
  }
}

TEST(df_groupby_against_naive_loops_any_partitioning) {
  // keys: a string with a missing value and repeated text; an int key; values with NaN and ±inf
  std::string text = "k,j,v\n";
  std::mt19937_64 rng(5);
  const char* names[] = {"b", "a", "c", "\xC3\xA9", "aa"};
  std::vector<std::string> ks;
  std::vector<int64_t> js;
  std::vector<double> vs;
  for (int i = 0; i < 3000; ++i) {
    const int k = static_cast<int>(rng() % 6);
    const int64_t j = static_cast<int64_t>(rng() % 4) - 1;
    double v = static_cast<double>(static_cast<int64_t>(rng() % 2001) - 1000) / 8;
    if (rng() % 17 == 0) v = NAN;
    ks.push_back(k == 5 ? "" : names[k]);
    js.push_back(j);
    vs.push_back(v);
    text += (k == 5 ? std::string() : std::string(names[k])) + "," + std::to_string(j) + "," + (std::isnan(v) ? std::string() : std::to_string(v)) + "\n";
  }
  CsvResult r = parse(text, {"k", "j", "v"}, {}, true);
  CHECK(r.ok);
  const std::vector<GbAgg> aggs = {{2, Agg::Size, 1}, {2, Agg::Count, 1}, {2, Agg::Sum, 1}, {2, Agg::Mean, 1}, {2, Agg::Var, 1},
                                   {2, Agg::Min, 1},  {2, Agg::Max, 1},   {2, Agg::First, 1}, {2, Agg::Last, 1}, {2, Agg::Nunique, 1},
                                   {0, Agg::Sum, 1},  {0, Agg::FirstRow, 1}};
  // value 0 = j (int64), value 2 = v; keys k (string) then j
  std::vector<GbAgg> a2 = aggs;
  for (GbAgg& a : a2) a.value = a.value == 2 ? 1 : 0;
  const std::vector<GbOut> one = runGroupby(r, {0, 1}, {1, 2}, a2, 1, 1);
  // naive: map (k, j) → values, sorted keys (bytes, then numbers); missing k dropped
  std::map<std::pair<std::string, int64_t>, std::vector<size_t>> groups;
  for (size_t i = 0; i < ks.size(); ++i)
    if (!ks[i].empty()) groups[{ks[i], js[i]}].push_back(i);
  CHECK_EQ(one[0].offsets.size() - 1, groups.size());
  size_t g = 0;
  for (const auto& [key, rowsOf] : groups) {
    const std::string got(one[0].bytes.data() + one[0].offsets[g], static_cast<size_t>(one[0].offsets[g + 1] - one[0].offsets[g]));
    CHECK(got == key.first);
    CHECK_EQ(one[1].i64[g], key.second);
    double cnt = 0, sum = 0, mn = INFINITY, mx = -INFINITY, first = NAN, last = NAN;
    std::set<double> uniq;
    int64_t jsum = 0;
    for (size_t i : rowsOf) {
      jsum += js[i];
      if (std::isnan(vs[i])) continue;
      cnt++;
      sum += vs[i];  // exact: multiples of 1/8 far below 2^53
      mn = std::min(mn, vs[i]);
      mx = std::max(mx, vs[i]);
      if (std::isnan(first)) first = vs[i];
      last = vs[i];
      uniq.insert(vs[i]);
    }
    double ss = 0;
    for (size_t i : rowsOf)
      if (!std::isnan(vs[i])) ss += (vs[i] - sum / cnt) * (vs[i] - sum / cnt);
    CHECK_EQ(one[2].i64[g], static_cast<int64_t>(rowsOf.size()));
    CHECK_EQ(one[3].i64[g], static_cast<int64_t>(cnt));
    CHECK_EQ(one[4].f64[g], sum);
    CHECK_EQ(one[5].f64[g], sum / cnt);
    CHECK(std::fabs(one[6].f64[g] - ss / (cnt - 1)) <= 1e-12 * std::fabs(ss / (cnt - 1)));
    CHECK_EQ(one[7].f64[g], mn);
    CHECK_EQ(one[8].f64[g], mx);
    CHECK_EQ(one[9].f64[g], first);
    CHECK_EQ(one[10].f64[g], last);
    CHECK_EQ(one[11].i64[g], static_cast<int64_t>(uniq.size()));
    CHECK_EQ(one[12].i64[g], jsum);
    CHECK_EQ(one[13].i64[g], static_cast<int64_t>(rowsOf.front()));
    ++g;
  }
  // the same bits for other partitionings and thread counts (the fixed merge tree)
  for (size_t parts : {2, 3, 7, 16})
    for (int threads : {1, 2}) {
      const std::vector<GbOut> o = runGroupby(r, {0, 1}, {1, 2}, a2, parts, threads);
      for (size_t c = 0; c < one.size(); ++c) {
        CHECK(o[c].i64 == one[c].i64);
        CHECK(o[c].bytes == one[c].bytes);
        CHECK_EQ(o[c].f64.size(), one[c].f64.size());
        for (size_t k = 0; k < o[c].f64.size(); ++k) CHECK(std::memcmp(&o[c].f64[k], &one[c].f64[k], 8) == 0);
      }
    }
}

}  // namespace

namespace {

TEST(df_parse_plain_keeps_only_converted_columns) {
  CsvOptions o;
  o.names = {"a", "b", "c", "d"};
  o.skip = {1, 0, 1, 0};
  o.skipFirstLine = true;
  const std::string text = "a,b,c,d\n1,x,2.5,7\n\n3,y,,8\n5,z,1,9";  // a blank line, no final newline
  CsvResult r = parseCsv(text.data(), text.size(), o);
  CHECK(r.ok);
  CHECK_EQ(r.rows, int64_t(3));
  CHECK(r.columns[0].skipped);
  CHECK(r.columns[2].skipped);
  CHECK(r.columns[1].type == ColType::String);
  CHECK(dictAt(r.columns[1], r.columns[1].codes[2]) == "z");
  CHECK(r.columns[3].i64 == std::vector<int64_t>({7, 8, 9}));
  // ragged rows are still errors, with their line, whichever columns are converted
  const std::string ragged = "a,b,c,d\n1,x,2.5,7\n3,y\n";
  CsvResult e = parseCsv(ragged.data(), ragged.size(), o);
  CHECK(!e.ok);
  CHECK_EQ(e.errorLine, int64_t(3));
  CHECK(e.error == "expected 4 fields, saw 2");
  const std::string extra = "a,b,c,d\n1,x,2.5,7,9\n";
  CsvResult x = parseCsv(extra.data(), extra.size(), o);
  CHECK(!x.ok);
  CHECK(x.error == "expected 4 fields, saw 5");
  o.skip = {1, 1, 1, 1};  // nothing converted: rows are still counted and checked
  CsvResult n = parseCsv(text.data(), text.size(), o);
  CHECK(n.ok);
  CHECK_EQ(n.rows, int64_t(3));
}

}  // namespace

namespace {

TEST(df_argsort_stable_with_missing_values) {
  // two keys: a float with NaN and ties (descending), then an int (ascending)
  std::vector<double> f = {2, NAN, 1, 2, NAN, 1, 3, 2};
  std::vector<int64_t> i = {5, 1, 7, 5, 0, 6, 9, 4};
  std::vector<SortKey> keys(2);
  keys[0].f64 = f.data();
  keys[0].ascending = false;
  keys[1].i64 = i.data();
  std::vector<uint32_t> got = argsortRows(keys, f.size(), false);
  CHECK(got == std::vector<uint32_t>({6, 7, 0, 3, 5, 2, 4, 1}));  // ties (0, 3) keep their order; NaN last
  got = argsortRows(keys, f.size(), true);
  CHECK(got == std::vector<uint32_t>({4, 1, 6, 7, 0, 3, 5, 2}));  // NaN first, ordered by the int key
  CHECK(argsortRows(keys, 0, false).empty());
}


TEST(df_radix_sort_matches_stable_comparison_sort) {
  // keys with NaN, -0 and 0, ±inf, many ties, int64 extremes; split in parts (some empty) and
  // sorted on 1 and 3 threads (chunks of at least 64 Ki rows: 200 000 rows make 3), every
  // direction and NaN placement, one and two keys: the gathered row numbers equal std::stable_sort's
  std::mt19937_64 rng(7);
  const size_t n = 200000;
  std::vector<double> f(n);
  std::vector<int64_t> i64(n);
  std::vector<double> rowf(n);
  const double specials[] = {NAN, -0.0, 0.0, INFINITY, -INFINITY, 1e-310, -1e-310};
  for (size_t r = 0; r < n; ++r) {
    const uint64_t u = rng();
    f[r] = u % 5 == 0 ? specials[u % 7] : static_cast<double>(static_cast<int64_t>(u >> 40) % 1000) / 8;
    i64[r] = u % 11 == 0 ? (u & 1 ? INT64_MIN : INT64_MAX) : static_cast<int64_t>(rng() % 7) - 3;
    rowf[r] = static_cast<double>(r);
  }
  const std::vector<size_t> cuts = {0, 0, 70000, 70000, 130001, 200000};  // parts [0,0) [0,70000) …
  for (int threads : {1, 3})
    for (int keysCase = 0; keysCase < 3; ++keysCase)
      for (int dir = 0; dir < 2; ++dir)
        for (bool naFirst : {false, true}) {
          std::vector<SortKey> ref;
          std::vector<SortColumn> keys;
          auto addF64 = [&](const std::vector<double>& v, bool asc) {
            SortKey k;
            k.f64 = v.data();
            k.ascending = asc;
            ref.push_back(k);
            SortColumn c;
            c.ascending = asc;
            for (size_t p = 0; p + 1 < cuts.size(); ++p) c.parts.push_back(v.data() + cuts[p]);
            keys.push_back(c);
          };
          auto addI64 = [&](bool asc) {
            SortKey k;
            k.i64 = i64.data();
            k.ascending = asc;
            ref.push_back(k);
            SortColumn c;
            c.i64 = true;
            c.ascending = asc;
            for (size_t p = 0; p + 1 < cuts.size(); ++p) c.parts.push_back(i64.data() + cuts[p]);
            keys.push_back(c);
          };
          if (keysCase == 0) addF64(f, dir == 0);
          if (keysCase == 1) addI64(dir == 0);
          if (keysCase == 2) {
            addI64(dir == 0);
            addF64(f, dir != 0);
          }
          std::vector<size_t> rows;
          GatherColumn g;
          g.width = 8;
          for (size_t p = 0; p + 1 < cuts.size(); ++p) {
            rows.push_back(cuts[p + 1] - cuts[p]);
            g.parts.push_back(rowf.data() + cuts[p]);
          }
          auto plan = std::make_shared<SortPlan>(keys, rows, naFirst, std::vector<GatherColumn>{g}, static_cast<size_t>(threads));
          runPlan(plan, threads);
          const double* got = reinterpret_cast<const double*>(plan->gathered()[0].words.get());
          const std::vector<uint32_t> want = argsortRows(ref, n, naFirst);
          size_t bad = 0;
          for (size_t r = 0; r < n; ++r) bad += got[r] != static_cast<double>(want[r]);
          CHECK_EQ(bad, size_t(0));
        }
  // no rows; codes shifted per part (-1 kept)
  auto none = std::make_shared<SortPlan>(std::vector<SortColumn>{SortColumn{{nullptr}, false, true}}, std::vector<size_t>{0}, false, std::vector<GatherColumn>{}, 2);
  runPlan(none, 2);
  std::vector<double> k1 = {2, 1}, k2 = {0.5};
  std::vector<int32_t> c1 = {0, -1}, c2 = {1};
  GatherColumn codes;
  codes.width = 4;
  codes.parts = {c1.data(), c2.data()};
  codes.shift = {0, 10};
  auto small = std::make_shared<SortPlan>(std::vector<SortColumn>{SortColumn{{k1.data(), k2.data()}, false, true}}, std::vector<size_t>{2, 1}, false,
                                          std::vector<GatherColumn>{codes}, 2);
  runPlan(small, 2);
  const int32_t* sc = reinterpret_cast<const int32_t*>(small->gathered()[0].words.get());
  CHECK(sc[0] == 11 && sc[1] == -1 && sc[2] == 0);
}

TEST(df_sort_ranks_are_dense_key_ranks_in_part_order) {
  // keys with NaNs (one key), -0 with 0 and repeats, over three parts (one empty) and 1-3 threads
  std::mt19937_64 rng(11);
  const std::vector<size_t> rows = {70000, 0, 90001};
  std::vector<std::vector<double>> k(3);
  std::vector<double> all;
  for (size_t p = 0; p < 3; ++p)
    for (size_t r = 0; r < rows[p]; ++r) {
      const uint64_t u = rng() % 5000;
      const double v = u == 0 ? NAN : u == 1 ? -0.0 : u == 2 ? 0.0 : static_cast<double>(u % 3000) * 0.25 - 300;
      k[p].push_back(v);
      all.push_back(v);
    }
  // the reference: the rank of each value among the distinct values (NaN last as +inf, which the
  // data lacks; -0 as 0)
  auto norm = [](double v) { return std::isnan(v) ? INFINITY : v == 0 ? 0.0 : v; };
  std::vector<double> distinct;
  for (double v : all) distinct.push_back(norm(v));
  std::sort(distinct.begin(), distinct.end());
  distinct.erase(std::unique(distinct.begin(), distinct.end()), distinct.end());
  for (int threads = 1; threads <= 3; ++threads) {
    auto plan = std::make_shared<SortPlan>(std::vector<SortColumn>{SortColumn{{k[0].data(), k[1].data(), k[2].data()}, false, true}}, rows, false,
                                           std::vector<GatherColumn>{}, static_cast<size_t>(threads));
    plan->wantRanks();
    runPlan(plan, threads);
    const auto* got = reinterpret_cast<const uint32_t*>(plan->ranks().words.get());
    size_t bad = 0;
    for (size_t i = 0; i < all.size(); ++i) {
      const auto want = static_cast<size_t>(std::lower_bound(distinct.begin(), distinct.end(), norm(all[i])) - distinct.begin());
      bad += got[i] != want;
    }
    CHECK_EQ(bad, size_t(0));
    CHECK_EQ(static_cast<size_t>(got[all.size()]), distinct.size());
  }
}

TEST(df_filter_plan_compacts_like_a_loop) {
  // masks over parts of 3000 rows, none and 700 rows compact 8-, 4- and 1-byte columns (NaN bits
  // kept); then masks that keep every row give no buffers
  std::mt19937_64 rng(5);
  const std::vector<size_t> rows = {3000, 0, 700};
  std::vector<std::vector<double>> x(3);
  std::vector<std::vector<int32_t>> codes(3);
  std::vector<std::vector<uint8_t>> b(3), mask(3), ones(3);
  for (size_t p = 0; p < 3; ++p)
    for (size_t r = 0; r < rows[p]; ++r) {
      const uint64_t u = rng();
      x[p].push_back(u % 7 == 0 ? NAN : static_cast<double>(u % 1000) / 1000 - 0.5);
      codes[p].push_back(rng() % 4 == 0 ? -1 : static_cast<int32_t>(rng() % 9));
      b[p].push_back(static_cast<uint8_t>(rng() & 1));
      mask[p].push_back(static_cast<uint8_t>(rng() % 3 == 0));
      ones[p].push_back(1);
    }
  std::vector<KeepColumn> keep(3);
  for (size_t p = 0; p < 3; ++p) {
    keep[0].parts.push_back(x[p].data());
    keep[1].parts.push_back(codes[p].data());
    keep[2].parts.push_back(b[p].data());
  }
  keep[0].width = 8;
  keep[1].width = 4;
  keep[2].width = 1;
  auto plan = std::make_shared<FilterPlan>(std::vector<const uint8_t*>{mask[0].data(), mask[1].data(), mask[2].data()}, rows, keep);
  runPlan(plan, 2);
  for (size_t p = 0; p < 3; ++p) {
    std::vector<double> wx;
    std::vector<int32_t> wc;
    std::vector<uint8_t> wb;
    for (size_t r = 0; r < rows[p]; ++r)
      if (mask[p][r]) {
        wx.push_back(x[p][r]);
        wc.push_back(codes[p][r]);
        wb.push_back(b[p][r]);
      }
    CHECK_EQ(plan->counts()[p], wx.size());
    if (wx.size() == rows[p]) {
      CHECK(plan->out()[0][p].all);
      continue;
    }
    CHECK(std::memcmp(plan->out()[0][p].words.get(), wx.data(), wx.size() * 8) == 0);  // NaN bits too
    CHECK(std::memcmp(plan->out()[1][p].words.get(), wc.data(), wc.size() * 4) == 0);
    CHECK(std::memcmp(plan->out()[2][p].words.get(), wb.data(), wb.size()) == 0);
  }
  auto all = std::make_shared<FilterPlan>(std::vector<const uint8_t*>{ones[0].data(), ones[1].data(), ones[2].data()}, rows, keep);
  runPlan(all, 2);
  CHECK(all->counts()[0] == 3000 && all->out()[0][0].all && all->out()[2][2].all);
}

TEST(df_corr_plan_matches_welford_loop) {
  // pandas' nancorr loop, written out, on an int64, a float64 (NaN, ±inf) and a bool column in 3 parts
  std::mt19937_64 rng(3);
  const size_t n = 5000;
  std::vector<int64_t> a(n);
  std::vector<double> b(n);
  std::vector<uint8_t> c(n);
  for (size_t r = 0; r < n; ++r) {
    a[r] = static_cast<int64_t>(rng() % 1000) - 500;
    const uint64_t u = rng();
    b[r] = u % 13 == 0 ? NAN : u % 17 == 0 ? INFINITY : static_cast<double>(u % 100000) / 7;
    c[r] = rng() & 1;
  }
  const std::vector<size_t> cuts = {0, 1234, 1234, 5000};
  auto col = [&](ColType t, const void* base, size_t width) {
    StatsColumn s;
    s.type = t;
    for (size_t p = 0; p + 1 < cuts.size(); ++p) s.parts.push_back({static_cast<const char*>(base) + cuts[p] * width, cuts[p + 1] - cuts[p]});
    return s;
  };
  auto value = [&](size_t k, size_t r) { return k == 0 ? static_cast<double>(a[r]) : k == 1 ? b[r] : static_cast<double>(c[r]); };
  for (bool cov : {false, true})
    for (bool finite : {false, true}) {
      auto plan = std::make_shared<CorrPlan>(std::vector<StatsColumn>{col(ColType::Int64, a.data(), 8), col(ColType::Float64, b.data(), 8), col(ColType::Bool, c.data(), 1)},
                                             cov, 1, 1, finite, 2);
      runPlan(plan, 2);
      for (size_t x = 0; x < 3; ++x)
        for (size_t y = 0; y < 3; ++y) {
          // pandas' loop runs over xi, yi <= xi: the (x, y) entry is the (max, min) pair's
          double nobs = 0, mx = 0, my = 0, sx = 0, sy = 0, cxy = 0;
          for (size_t r = 0; r < n; ++r) {
            const double vx = value(std::max(x, y), r), vy = value(std::min(x, y), r);
            if (finite ? !std::isfinite(vx) || !std::isfinite(vy) : std::isnan(vx) || std::isnan(vy)) continue;
            nobs += 1;
            const double dx = vx - mx, dy = vy - my;
            mx += (1 / nobs) * dx;
            my += (1 / nobs) * dy;
            sx += (vx - mx) * dx;
            sy += (vy - my) * dy;
            cxy += (vx - mx) * dy;
          }
          const double want = cov ? cxy / (nobs - 1) : cxy / std::sqrt(sx * sy);
          const double got = plan->result()[x * 3 + y];
          CHECK((std::isnan(want) && std::isnan(got)) || got == want);
        }
    }
}

}  // namespace

namespace {

TEST(df_groupby_median_quantile_exact_any_partitioning) {
  // ties (multiples of 1/4), NaN, ±inf; a group of only missing values; int values
  std::string text = "k,v,j\n";
  std::mt19937_64 rng(11);
  std::map<std::string, std::vector<double>> vals, ivals;
  for (int i = 0; i < 2000; ++i) {
    const std::string k(1, static_cast<char>('a' + rng() % 5));
    double v = static_cast<double>(static_cast<int64_t>(rng() % 41) - 20) / 4;
    if (rng() % 13 == 0) v = NAN;
    if (rng() % 97 == 0) v = rng() % 2 ? INFINITY : -INFINITY;
    if (k == "e") v = NAN;
    const int64_t j = static_cast<int64_t>(rng() % 9) - 4;
    if (!std::isnan(v)) vals[k].push_back(v);
    ivals[k].push_back(static_cast<double>(j));
    text += k + "," + (std::isnan(v) ? std::string() : std::isinf(v) ? std::string(v > 0 ? "inf" : "-inf") : std::to_string(v)) + "," + std::to_string(j) + "\n";
  }
  CsvResult r = parse(text, {"k", "v", "j"}, {}, true);
  CHECK(r.ok);
  auto naive = [](std::vector<double> s, bool median, double q) {
    std::sort(s.begin(), s.end());
    const size_t n = s.size();
    if (!n) return static_cast<double>(NAN);
    if (median) return n % 2 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
    const double h = q * static_cast<double>(n - 1);
    const size_t k = static_cast<size_t>(h);
    const double frac = std::fmod(h, 1.0);
    return frac == 0 || k + 1 >= n ? s[k] : s[k] + (s[k + 1] - s[k]) * frac;
  };
  const double qs[] = {0, 0.1, 0.25, 0.5, 0.9, 1};
  std::vector<GbAgg> aggs = {{0, Agg::Median, 1}, {1, Agg::Median, 1}};
  for (double q : qs) {
    GbAgg a{0, Agg::Quantile, 1};
    a.q = q;
    aggs.push_back(a);
  }
  for (size_t parts : {size_t(1), size_t(3), size_t(7)}) {
    const std::vector<GbOut> out = runGroupby(r, {0}, {1, 2}, aggs, parts, 2);
    size_t g = 0;
    for (const auto& [key, v] : ivals) {
      const std::vector<double>& fv = vals[key];
      auto same = [](double a, double b) { return (std::isnan(a) && std::isnan(b)) || a == b; };
      CHECK(same(out[1].f64[g], naive(fv, true, 0)));
      CHECK(same(out[2].f64[g], naive(v, true, 0)));
      for (size_t k = 0; k < 6; ++k) CHECK(same(out[3 + k].f64[g], naive(fv, false, qs[k])));
      ++g;
    }
    CHECK_EQ(g, size_t(5));
    CHECK(std::isnan(out[1].f64[4]));  // group "e": only missing values
  }
}

TEST(df_parse_dates_other_forms) {
  double ms;
  auto at = [](const char* s) {
    double v = NAN;
    return parseDatetime(s, v) ? v : NAN;
  };
  CHECK_EQ(at("Jan 1 2000"), 946684800000.0);
  CHECK_EQ(at("January 1, 2000"), 946684800000.0);
  CHECK_EQ(at("1 Jan 2000"), 946684800000.0);
  CHECK_EQ(at("01-Jan-2000"), 946684800000.0);
  CHECK_EQ(at("2000/01/01"), 946684800000.0);
  CHECK_EQ(at("2000/1/1 00:00:00"), 946684800000.0);
  CHECK_EQ(at("01/02/2000"), 946684800000.0 + 86400000.0);   // month first
  CHECK_EQ(at("13/01/2000"), 946684800000.0 + 12 * 86400000.0);  // day 13: dateutil swaps
  CHECK_EQ(at("1/1/2000 1:30 PM"), 946684800000.0 + 13.5 * 3600000.0);
  CHECK_EQ(at("1/1/2000 12:00 AM"), 946684800000.0);
  CHECK_EQ(at("2000.01.01T00:00:01.25"), 946684801250.0);
  CHECK(!parseDatetime("02/30/2000", ms));
  CHECK(!parseDatetime("2001/02/29", ms));
  CHECK(!parseDatetime("Jan 1", ms));
  CHECK(!parseDatetime("Foo 1 2000", ms));
  CHECK(!parseDatetime("1/2/03", ms));
  CHECK(!parseDatetime("1/1/2000 13:00 PM", ms));
  CHECK(!parseDatetime("2000/01/01 x", ms));
}

}  // namespace
