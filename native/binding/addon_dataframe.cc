// The N-API binding of native/dataframe: timeseries generation, CSV reading/writing and column
// statistics, each run as one FnJob on the engine's pool; the Promise settles through a
// thread-safe function (never libuv's pool, never blocking the event loop). Results are handed to
// JS as external ArrayBuffers over the native vectors (no copies).
#include "binding/handle.h"
#include "binding/job_promise.h"
#include "binding/addon_dataframe.h"
#include "binding/plan_decode.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <memory>
#include <mutex>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "dataframe/dataframe.h"
#include "engine/job.h"
#include "dataframe/stats.h"
#include "dataframe/groupby.h"
#include "dataframe/filter.h"
#include "dataframe/sort.h"
#include "dataframe/join.h"

namespace tessera {
namespace {

using df::ColType;
using df::Column;

struct State {
  std::function<Pool&()> pool;
};

// the argument checks shared with the array binding (binding/plan_decode.h)
using binding::rangeError;
using binding::typeError;
using binding::typedView;
using binding::View;
Napi::Object obj(Napi::Env env, const Napi::Value& v, const std::string& path) { return binding::getObject(env, v, path); }
Napi::Array arr(Napi::Env env, const Napi::Value& v, const std::string& path) { return binding::getArray(env, v, path); }
double num(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsNumber()) typeError(env, path + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}
int64_t integer(Napi::Env env, const Napi::Value& v, const std::string& path, double lo, double hi) {
  double d = num(env, v, path);
  if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi)
    rangeError(env, path + ": " + v.ToString().Utf8Value() + " out of range");
  return static_cast<int64_t>(d);
}
std::string str(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsString()) typeError(env, path + ": expected a string");
  return v.As<Napi::String>().Utf8Value();
}
bool boolean(const Napi::Value& v, bool dflt) { return v.IsBoolean() ? v.As<Napi::Boolean>().Value() : dflt; }
char oneChar(Napi::Env env, const Napi::Value& v, const std::string& path, char dflt) {
  if (v.IsUndefined()) return dflt;
  std::string s = str(env, v, path);
  if (s.size() != 1) rangeError(env, path + ": expected a single ASCII character");
  return s[0];
}
ColType colType(Napi::Env env, const Napi::Value& v, const std::string& path) {
  return static_cast<ColType>(integer(env, v, path, -1, 4));
}

template <typename T>
Napi::ArrayBuffer toBuffer(Napi::Env env, std::vector<T>&& v) {
  if (v.empty()) return Napi::ArrayBuffer::New(env, 0);
  auto* heap = new std::vector<T>(std::move(v));
  return Napi::ArrayBuffer::New(env, heap->data(), heap->size() * sizeof(T),
                                [](Napi::Env, void*, std::vector<T>* h) { delete h; }, heap);
}
Napi::ArrayBuffer toBuffer(Napi::Env env, std::string&& s) {
  if (s.empty()) return Napi::ArrayBuffer::New(env, 0);
  auto* heap = new std::string(std::move(s));
  return Napi::ArrayBuffer::New(env, heap->data(), heap->size(),
                                [](Napi::Env, void*, std::string* h) { delete h; }, heap);
}

// An uninitialized native buffer handed to JS without a copy (freed with it).
Napi::ArrayBuffer toBuffer(Napi::Env env, std::unique_ptr<uint64_t[]>&& words, size_t bytes) {
  return Napi::ArrayBuffer::New(env, words.release(), bytes, [](Napi::Env, void* p) { delete[] static_cast<uint64_t*>(p); });
}

// spec.rows: the rows of each part (each below 2^32)
std::vector<size_t> partRowsOf(Napi::Env env, const Napi::Object& spec) {
  std::vector<size_t> rows;
  Napi::Array ra = arr(env, spec.Get("rows"), "rows");
  for (uint32_t p = 0; p < ra.Length(); ++p) rows.push_back(static_cast<size_t>(integer(env, ra.Get(p), "rows[i]", 0, 4294967295.0)));
  return rows;
}

Napi::Object columnToJs(Napi::Env env, Column&& c) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("type", Napi::Number::New(env, static_cast<int>(c.type)));
  o.Set("allMissing", Napi::Boolean::New(env, c.allMissing));
  if (c.skipped) {
    o.Set("skipped", Napi::Boolean::New(env, true));
    o.Set("data", Napi::ArrayBuffer::New(env, 0));
    return o;
  }
  switch (c.type) {
    case ColType::Int64: o.Set("data", toBuffer(env, std::move(c.i64))); break;
    case ColType::Bool: o.Set("data", toBuffer(env, std::move(c.b8))); break;
    case ColType::String:
      o.Set("data", toBuffer(env, std::move(c.codes)));
      o.Set("dictBytes", toBuffer(env, std::move(c.dictBytes)));
      o.Set("dictOffsets", toBuffer(env, std::move(c.dictOffsets)));
      break;
    default: o.Set("data", toBuffer(env, std::move(c.f64))); break;
  }
  return o;
}

// Async plumbing (binding/job_promise.h): one JobCall per call, settled on the JS thread.
using Ctx = binding::JobCall;

Napi::Value submit(Napi::Env env, State* state, std::shared_ptr<FnJob> job, std::unique_ptr<Ctx> ctx,
                   const Napi::Value& progress) {
  return binding::submitJob(env, state->pool(), std::move(job), std::move(ctx), progress, "tessera.dataframe");
}

State* stateOf(const Napi::CallbackInfo& info) { return static_cast<State*>(info.Data()); }

// ------------------------------------------------------------------------------------------------
// dfTimeseries({ seed, startMs, freqMs, parts: Float64Array [row0, n, ...], columns: [{ name, type, lambda, ncat }] })
//   → Promise<Array<Array<Column>>> (partition × column)

Napi::Value Timeseries(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  const uint64_t seed = static_cast<uint64_t>(integer(env, spec.Get("seed"), "seed", 0, 9007199254740992.0));
  const double startMs = num(env, spec.Get("startMs"), "startMs");
  const double freqMs = num(env, spec.Get("freqMs"), "freqMs");
  View parts = typedView(env, spec.Get("parts"), "parts");
  const size_t np = parts.bytes / sizeof(double) / 2;
  std::vector<std::pair<int64_t, int64_t>> ranges(np);
  const double* pv = static_cast<const double*>(parts.data);
  for (size_t p = 0; p < np; ++p) ranges[p] = {static_cast<int64_t>(pv[2 * p]), static_cast<int64_t>(pv[2 * p + 1])};
  Napi::Array cols = arr(env, spec.Get("columns"), "columns");
  std::vector<df::TsColumn> tcs;
  for (uint32_t i = 0; i < cols.Length(); ++i) {
    Napi::Object c = obj(env, cols.Get(i), "columns[" + std::to_string(i) + "]");
    df::TsColumn t;
    t.name = str(env, c.Get("name"), "columns.name");
    t.type = colType(env, c.Get("type"), "columns.type");
    if (!c.Get("lambda").IsUndefined()) t.lambda = num(env, c.Get("lambda"), "columns.lambda");
    if (!c.Get("ncat").IsUndefined()) t.ncat = static_cast<int32_t>(integer(env, c.Get("ncat"), "columns.ncat", 1, 1 << 30));
    tcs.push_back(t);
  }
  const size_t nc = tcs.size();
  auto out = std::make_shared<std::vector<std::vector<Column>>>(np, std::vector<Column>(nc));
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = static_cast<int64_t>(np * nc);
  job->stages.push_back({[=]() { return static_cast<int64_t>(np * nc); },
                         [=](int64_t t) {
                           size_t p = static_cast<size_t>(t) / nc, c = static_cast<size_t>(t) % nc;
                           df::generateColumn(seed, tcs[c], ranges[p].first, ranges[p].second, startMs, freqMs,
                                              (*out)[p][c]);
                         },
                         nullptr});
  auto ctx = std::make_unique<Ctx>();
  ctx->build = [out](Napi::Env e) -> Napi::Value {
    Napi::Array res = Napi::Array::New(e, out->size());
    for (size_t p = 0; p < out->size(); ++p) {
      Napi::Array part = Napi::Array::New(e, (*out)[p].size());
      for (size_t c = 0; c < (*out)[p].size(); ++c) part.Set(static_cast<uint32_t>(c), columnToJs(e, std::move((*out)[p][c])));
      res.Set(static_cast<uint32_t>(p), part);
    }
    return res;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// ------------------------------------------------------------------------------------------------
// CSV

df::CsvOptions csvOptions(Napi::Env env, const Napi::Object& spec) {
  df::CsvOptions o;
  Napi::Array names = arr(env, spec.Get("names"), "names");
  for (uint32_t i = 0; i < names.Length(); ++i) o.names.push_back(str(env, names.Get(i), "names[i]"));
  o.sep = oneChar(env, spec.Get("sep"), "sep", ',');
  o.quote = oneChar(env, spec.Get("quote"), "quote", '"');
  o.latin1 = boolean(spec.Get("latin1"), false);
  Napi::Value types = spec.Get("types");
  if (!types.IsUndefined()) {
    Napi::Array t = arr(env, types, "types");
    if (t.Length() != names.Length()) rangeError(env, "types: expected one entry per column");
    for (uint32_t i = 0; i < t.Length(); ++i) o.types.push_back(colType(env, t.Get(i), "types[i]"));
  }
  Napi::Value skip = spec.Get("skip");
  if (!skip.IsUndefined()) {
    Napi::Array k = arr(env, skip, "skip");
    if (k.Length() != names.Length()) rangeError(env, "skip: expected one entry per column");
    for (uint32_t i = 0; i < k.Length(); ++i) o.skip.push_back(boolean(k.Get(i), false) ? 1 : 0);
  }
  return o;
}

Napi::Object blockToJs(Napi::Env env, df::CsvResult&& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("ok", Napi::Boolean::New(env, r.ok));
  o.Set("rows", Napi::Number::New(env, static_cast<double>(r.rows)));
  o.Set("lines", Napi::Number::New(env, static_cast<double>(r.lines)));
  if (!r.ok) {
    o.Set("error", Napi::String::New(env, r.error));
    o.Set("errorLine", Napi::Number::New(env, static_cast<double>(r.errorLine)));
    if (r.errorByte >= 0) o.Set("errorByte", Napi::Number::New(env, static_cast<double>(r.errorByte)));
    return o;
  }
  Napi::Array cols = Napi::Array::New(env, r.columns.size());
  for (size_t c = 0; c < r.columns.size(); ++c) cols.Set(static_cast<uint32_t>(c), columnToJs(env, std::move(r.columns[c])));
  o.Set("columns", cols);
  return o;
}

// dfParseCsv(bytes: Uint8Array, spec) → block result (synchronous; for samples and tests)
Napi::Value ParseCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  View v = typedView(env, info[0], "bytes");
  Napi::Object spec = obj(env, info[1], "spec");
  df::CsvOptions o = csvOptions(env, spec);
  o.skipFirstLine = boolean(spec.Get("skipHeader"), false);
  return blockToJs(env, df::parseCsv(static_cast<const char*>(v.data), v.bytes, o));
}

// dfReadCsv({ blocks: [{ path, start, end, skipHeader }], names, sep, quote, latin1, types }) → Promise<block[]>
Napi::Value ReadCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto opt = std::make_shared<df::CsvOptions>(csvOptions(env, spec));
  struct Block {
    std::string path;
    int64_t start, end;
    bool skipHeader;
  };
  Napi::Array blocks = arr(env, spec.Get("blocks"), "blocks");
  auto bl = std::make_shared<std::vector<Block>>();
  for (uint32_t i = 0; i < blocks.Length(); ++i) {
    Napi::Object b = obj(env, blocks.Get(i), "blocks[i]");
    bl->push_back({str(env, b.Get("path"), "blocks.path"), integer(env, b.Get("start"), "blocks.start", 0, 9e15),
                   integer(env, b.Get("end"), "blocks.end", 0, 9e15), boolean(b.Get("skipHeader"), false)});
  }
  auto out = std::make_shared<std::vector<df::CsvResult>>(bl->size());
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = static_cast<int64_t>(bl->size());
  job->stages.push_back({[=]() { return static_cast<int64_t>(bl->size()); },
                         [=](int64_t t) {
                           const Block& b = (*bl)[static_cast<size_t>(t)];
                           thread_local df::BlockBytes bytes;  // a worker's read buffer, reused
                           bytes.load(b.path, b.start, b.end);
                           struct Release {
                             df::BlockBytes& b;
                             ~Release() { b.release(); }
                           } release{bytes};
                           df::CsvOptions o = *opt;
                           o.skipFirstLine = b.skipHeader && b.start == 0;
                           size_t at = 0;
                           // a utf-8 byte-order mark is not data (with or without a header), as pandas
                           if (b.start == 0 && !o.latin1 && bytes.size() >= 3 && std::memcmp(bytes.data(), "\xEF\xBB\xBF", 3) == 0) at = 3;
                           df::CsvResult& r = (*out)[static_cast<size_t>(t)];
                           r = df::parseCsv(bytes.data() + at, bytes.size() - at, o);
                           if (bytes.changed()) {
                             r = df::CsvResult{};
                             throw std::runtime_error(b.path + ": the file shrank while it was being read");
                           }
                           if (r.errorByte >= 0) r.errorByte += bytes.offset() + static_cast<int64_t>(at);
                         },
                         nullptr});
  auto ctx = std::make_unique<Ctx>();
  ctx->build = [out](Napi::Env e) -> Napi::Value {
    Napi::Array res = Napi::Array::New(e, out->size());
    for (size_t i = 0; i < out->size(); ++i) res.Set(static_cast<uint32_t>(i), blockToJs(e, std::move((*out)[i])));
    return res;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfWriteCsv({ files: [{ path, tmp }], names, header, sep, latin1,
//              partitions: [{ rows, columns: [{ type, data, dictBytes?, dictOffsets? }] }] }) → Promise<undefined>
Napi::Value WriteCsv(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  auto keep = [&](const Napi::Value& v) { ctx->refs.push_back(Napi::Persistent(v)); };
  auto wopt = std::make_shared<df::WriteOptions>();
  Napi::Array names = arr(env, spec.Get("names"), "names");
  for (uint32_t i = 0; i < names.Length(); ++i) wopt->names.push_back(str(env, names.Get(i), "names[i]"));
  wopt->header = boolean(spec.Get("header"), true);
  wopt->latin1 = boolean(spec.Get("latin1"), false);
  wopt->sep = oneChar(env, spec.Get("sep"), "sep", ',');
  Napi::Array files = arr(env, spec.Get("files"), "files");
  Napi::Array parts = arr(env, spec.Get("partitions"), "partitions");
  if (files.Length() != parts.Length()) rangeError(env, "files: expected one file per partition");
  struct Part {
    std::string path, tmp;
    int64_t rows;
    std::vector<df::WriteColumn> cols;
  };
  auto ps = std::make_shared<std::vector<Part>>();
  for (uint32_t p = 0; p < parts.Length(); ++p) {
    Napi::Object f = obj(env, files.Get(p), "files[i]");
    Napi::Object po = obj(env, parts.Get(p), "partitions[i]");
    Part part{str(env, f.Get("path"), "files.path"), str(env, f.Get("tmp"), "files.tmp"),
              integer(env, po.Get("rows"), "partitions.rows", 0, 9e15), {}};
    Napi::Array cols = arr(env, po.Get("columns"), "partitions.columns");
    if (cols.Length() != wopt->names.size()) rangeError(env, "partitions.columns: expected one column per name");
    for (uint32_t c = 0; c < cols.Length(); ++c) {
      Napi::Object co = obj(env, cols.Get(c), "columns[i]");
      df::WriteColumn w;
      w.type = colType(env, co.Get("type"), "columns.type");
      Napi::Value data = co.Get("data");
      View v = typedView(env, data, "columns.data");
      keep(data);
      size_t elem = w.type == ColType::String ? 4 : w.type == ColType::Bool ? 1 : 8;
      if (v.bytes / elem < static_cast<size_t>(part.rows)) rangeError(env, "columns.data: shorter than rows");
      switch (w.type) {
        case ColType::Int64: w.i64 = static_cast<const int64_t*>(v.data); break;
        case ColType::Bool: w.b8 = static_cast<const uint8_t*>(v.data); break;
        case ColType::Float64:
        case ColType::Datetime: w.f64 = static_cast<const double*>(v.data); break;
        case ColType::String: {
          w.codes = static_cast<const int32_t*>(v.data);
          Napi::Value db = co.Get("dictBytes"), dof = co.Get("dictOffsets");
          View b = typedView(env, db, "columns.dictBytes");
          View o = typedView(env, dof, "columns.dictOffsets");
          keep(db);
          keep(dof);
          w.dictBytes = static_cast<const char*>(b.data);
          w.dictOffsets = static_cast<const int32_t*>(o.data);
          w.ndict = static_cast<int64_t>(o.bytes / 4) - 1;
          if (w.ndict < 0) rangeError(env, "columns.dictOffsets: empty");
          const int32_t* off = w.dictOffsets;
          for (int64_t k = 0; k < w.ndict; ++k)
            if (off[k] < 0 || off[k] > off[k + 1] || static_cast<size_t>(off[k + 1]) > b.bytes)
              rangeError(env, "columns.dictOffsets: not within dictBytes");
          for (int64_t r = 0; r < part.rows; ++r)
            if (w.codes[r] >= w.ndict) rangeError(env, "columns.data: a code beyond the dictionary");
          break;
        }
        default: rangeError(env, "columns.type: unknown");
      }
      part.cols.push_back(w);
    }
    ps->push_back(std::move(part));
  }
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = static_cast<int64_t>(ps->size());
  job->stages.push_back({[=]() { return static_cast<int64_t>(ps->size()); },
                         [=](int64_t t) {
                           const Part& p = (*ps)[static_cast<size_t>(t)];
                           df::writeCsv(p.path, p.tmp, p.cols, p.rows, *wopt);
                         },
                         nullptr});
  ctx->build = [](Napi::Env e) -> Napi::Value { return e.Undefined(); };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// spec.columns: [{ type, parts: TypedArray[] }] of int64, float64 and datetime columns (or int64,
// float64 and bool: `corr`) as StatsColumns over the parts' memory (held by ctx until settled)
std::vector<df::StatsColumn> statsColumns(Napi::Env env, const Napi::Object& spec, Ctx& ctx, bool corr) {
  std::vector<df::StatsColumn> cols;
  Napi::Array ca = arr(env, spec.Get("columns"), "columns");
  for (uint32_t c = 0; c < ca.Length(); ++c) {
    Napi::Object co = obj(env, ca.Get(c), "columns[i]");
    df::StatsColumn col;
    col.type = colType(env, co.Get("type"), "columns.type");
    const ColType third = corr ? ColType::Bool : ColType::Datetime;
    if (col.type != ColType::Int64 && col.type != ColType::Float64 && col.type != third)
      rangeError(env, corr ? "columns.type: corr/cov need int64, float64 or bool columns" : "columns.type: statistics need int64, float64 or datetime columns");
    const size_t width = col.type == ColType::Bool ? 1 : 8;
    Napi::Array pa = arr(env, co.Get("parts"), "columns.parts");
    for (uint32_t p = 0; p < pa.Length(); ++p) {
      Napi::Value v = pa.Get(p);
      View view = typedView(env, v, "columns.parts[i]");
      ctx.refs.push_back(Napi::Persistent(v));
      col.parts.push_back({view.data, view.bytes / width});
    }
    cols.push_back(std::move(col));
  }
  return cols;
}

// dfStats({ columns: [{ type, parts: TypedArray[] }], quantiles: Float64Array (-1: NumPy's median) })
//   → Promise<Float64Array> with, per column: count, sum, mean, std (ddof 1), min, max, quantiles…
Napi::Value Stats(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  std::vector<df::StatsColumn> cols = statsColumns(env, spec, *ctx, false);
  std::vector<double> qs;
  Napi::Value qv = spec.Get("quantiles");
  if (!qv.IsUndefined()) {
    View q = typedView(env, qv, "quantiles");
    const double* d = static_cast<const double*>(q.data);
    qs.assign(d, d + q.bytes / 8);
    for (double x : qs)
      if (!(x >= 0 && x <= 1) && x != -1) rangeError(env, "quantiles: each must be within [0, 1] (or -1: the median)");
  }
  const size_t nq = qs.size();
  auto plan = std::make_shared<df::StatsPlan>(std::move(cols), std::move(qs));
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan, nq](Napi::Env e) -> Napi::Value {
    const auto& res = plan->results();
    const size_t per = 6 + nq;
    Napi::Float64Array out = Napi::Float64Array::New(e, res.size() * per);
    for (size_t c = 0; c < res.size(); ++c) {
      const df::StatsResult& r = res[c];
      double* o = out.Data() + c * per;
      o[0] = r.count;
      o[1] = r.sum;
      o[2] = r.mean;
      o[3] = r.std;
      o[4] = r.min;
      o[5] = r.max;
      for (size_t j = 0; j < nq; ++j) o[6 + j] = j < r.quantiles.size() ? r.quantiles[j] : NAN;
    }
    return out;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfGroupby({ rows: number[], keys: [col], values: [col], aggs: [{ value, agg, ddof, q }] }) with
//   col = { type, parts: TypedArray[], dictBytes?: Uint8Array[], dictOffsets?: Int32Array[] }
//   → Promise<{ groups, columns: [{ type, data, dictBytes?, dictOffsets?, present? }] }> (keys, then aggregations);
//   with spec.splitOut = S (Dask's split_out): → Promise<{ parts: [{ groups, columns }] }>, one per hash bucket
//   spec.dropna false: missing keys form a group (last when sorted); spec.order (GbOrder): 0 by key (default), 1 by size descending, 2 ascending (ties: first row), 3 by first row, 4 unsorted
Napi::Value Groupby(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  Napi::Array ra = arr(env, spec.Get("rows"), "rows");
  std::vector<int64_t> rows;
  for (uint32_t p = 0; p < ra.Length(); ++p) rows.push_back(integer(env, ra.Get(p), "rows[i]", 0, 9e15));
  auto columns = [&](const char* what) {
    std::vector<df::GbColumn> out;
    Napi::Array ca = arr(env, spec.Get(what), what);
    for (uint32_t c = 0; c < ca.Length(); ++c) {
      const std::string path = std::string(what) + "[" + std::to_string(c) + "]";
      Napi::Object co = obj(env, ca.Get(c), path);
      df::GbColumn col;
      col.type = colType(env, co.Get("type"), path + ".type");
      if (col.type == ColType::Auto) rangeError(env, path + ".type: a column type is needed");
      const size_t elem = col.type == ColType::String ? 4 : col.type == ColType::Bool ? 1 : 8;
      Napi::Array pa = arr(env, co.Get("parts"), path + ".parts");
      if (pa.Length() != rows.size()) rangeError(env, path + ".parts: expected one part per partition");
      Napi::Array db, dof;
      if (col.type == ColType::String) {
        db = arr(env, co.Get("dictBytes"), path + ".dictBytes");
        dof = arr(env, co.Get("dictOffsets"), path + ".dictOffsets");
        if (db.Length() != rows.size() || dof.Length() != rows.size()) rangeError(env, path + ".dict*: expected one dictionary per partition");
      }
      for (uint32_t p = 0; p < pa.Length(); ++p) {
        Napi::Value v = pa.Get(p);
        View view = typedView(env, v, path + ".parts[i]");
        ctx->refs.push_back(Napi::Persistent(v));
        if (view.bytes / elem < static_cast<size_t>(rows[p])) rangeError(env, path + ".parts[i]: shorter than its partition's rows");
        col.data.push_back(view.data);
        if (col.type == ColType::String) {
          Napi::Value bv = db.Get(p), ov = dof.Get(p);
          View b = typedView(env, bv, path + ".dictBytes[i]");
          View o = typedView(env, ov, path + ".dictOffsets[i]");
          ctx->refs.push_back(Napi::Persistent(bv));
          ctx->refs.push_back(Napi::Persistent(ov));
          const int64_t nd = static_cast<int64_t>(o.bytes / 4) - 1;
          if (nd < 0) rangeError(env, path + ".dictOffsets[i]: empty");
          const int32_t* off = static_cast<const int32_t*>(o.data);
          for (int64_t k = 0; k < nd; ++k)
            if (off[k] < 0 || off[k] > off[k + 1] || static_cast<size_t>(off[k + 1]) > b.bytes)
              rangeError(env, path + ".dictOffsets[i]: not within dictBytes");
          const int32_t* codes = static_cast<const int32_t*>(view.data);
          for (int64_t r = 0; r < rows[p]; ++r)
            if (codes[r] >= nd) rangeError(env, path + ".parts[i]: a code beyond the dictionary");
          col.dictBytes.push_back(static_cast<const char*>(b.data));
          col.dictOffsets.push_back(off);
          col.ndict.push_back(nd);
        }
      }
      out.push_back(std::move(col));
    }
    return out;
  };
  std::vector<df::GbColumn> keys = columns("keys");
  std::vector<df::GbColumn> values = columns("values");
  if (keys.empty()) rangeError(env, "keys: at least one key column");
  std::vector<df::GbAgg> aggs;
  Napi::Array aa = arr(env, spec.Get("aggs"), "aggs");
  for (uint32_t i = 0; i < aa.Length(); ++i) {
    Napi::Object ao = obj(env, aa.Get(i), "aggs[i]");
    df::GbAgg a;
    a.agg = static_cast<df::Agg>(integer(env, ao.Get("agg"), "aggs.agg", 0, 13));
    if (a.agg != df::Agg::Size && a.agg != df::Agg::FirstRow) a.value = static_cast<int32_t>(integer(env, ao.Get("value"), "aggs.value", 0, static_cast<double>(values.size()) - 1));
    if (!ao.Get("ddof").IsUndefined()) a.ddof = num(env, ao.Get("ddof"), "aggs.ddof");
    if (!ao.Get("q").IsUndefined()) a.q = num(env, ao.Get("q"), "aggs.q");
    if (!(a.q >= 0 && a.q <= 1)) rangeError(env, "aggs.q: a quantile within [0, 1]");
    aggs.push_back(a);
  }
  const bool split = !spec.Get("splitOut").IsUndefined();
  const int32_t splitOut = split ? static_cast<int32_t>(integer(env, spec.Get("splitOut"), "splitOut", 1, 1 << 20)) : 1;
  auto plan = std::make_shared<df::GroupbyPlan>(std::move(keys), std::move(values), std::move(rows), std::move(aggs), splitOut);
  if (!spec.Get("dropna").IsUndefined()) plan->setDropna(spec.Get("dropna").ToBoolean().Value());
  if (!spec.Get("order").IsUndefined()) plan->setOrder(static_cast<df::GbOrder>(integer(env, spec.Get("order"), "order", 0, 4)));
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan, split](Napi::Env e) -> Napi::Value {
    auto bucket = [&plan](Napi::Env en, size_t b) -> Napi::Object {
      Napi::Object res = Napi::Object::New(en);
      res.Set("groups", Napi::Number::New(en, static_cast<double>(plan->groups(b))));
      auto& outs = plan->outputs(b);
      Napi::Array cols = Napi::Array::New(en, outs.size());
      for (size_t c = 0; c < outs.size(); ++c) {
        df::GbOut& o = outs[c];
        Napi::Object co = Napi::Object::New(en);
        co.Set("type", Napi::Number::New(en, static_cast<int>(o.type)));
        switch (o.type) {
          case ColType::Int64: co.Set("data", toBuffer(en, std::move(o.i64))); break;
          case ColType::Bool: co.Set("data", toBuffer(en, std::move(o.b8))); break;
          case ColType::String:
            co.Set("dictBytes", toBuffer(en, std::move(o.bytes)));
            co.Set("dictOffsets", toBuffer(en, std::move(o.offsets)));
            if (!o.b8.empty()) co.Set("present", toBuffer(en, std::move(o.b8)));
            co.Set("data", Napi::ArrayBuffer::New(en, 0));
            break;
          default: co.Set("data", toBuffer(en, std::move(o.f64))); break;
        }
        cols.Set(static_cast<uint32_t>(c), co);
      }
      res.Set("columns", cols);
      return res;
    };
    if (!split) return bucket(e, 0);
    Napi::Object res = Napi::Object::New(e);
    Napi::Array parts = Napi::Array::New(e, static_cast<size_t>(plan->buckets()));
    for (int32_t b = 0; b < plan->buckets(); ++b) parts.Set(static_cast<uint32_t>(b), bucket(e, static_cast<size_t>(b)));
    res.Set("parts", parts);
    return res;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfFilter({ rows: number[], masks: Uint8Array[], keep: TypedArray[][] })
// → Promise<{ counts: Float64Array, columns: (ArrayBuffer | null)[][] }>: each part's mask (0/1
// bytes, made by the array engine) counted and each keep column's parts compacted to the rows
// where it is 1 (null: every row kept; dataframe/filter.h).
Napi::Value Filter(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  std::vector<size_t> partRows = partRowsOf(env, spec);
  const size_t P = partRows.size();
  // a column's parts: one typed array per part, at least its rows long
  auto partsOf = [&](const Napi::Value& v, const std::string& path, auto&& each) {
    Napi::Array pa = arr(env, v, path);
    if (pa.Length() != P) rangeError(env, path + ": expected one array per part (" + std::to_string(P) + ")");
    for (uint32_t p = 0; p < P; ++p) {
      Napi::Value d = pa.Get(p);
      if (!d.IsTypedArray()) typeError(env, path + "[i]: expected a typed array");
      View view = typedView(env, d, path + "[i]");
      const size_t w = d.As<Napi::TypedArray>().ElementSize();
      if (view.bytes / w < partRows[p]) rangeError(env, path + "[i]: shorter than its part's rows");
      ctx->refs.push_back(Napi::Persistent(d));
      each(p, d.As<Napi::TypedArray>().TypedArrayType(), view.data);
    }
  };
  std::vector<const uint8_t*> masks(P);
  partsOf(spec.Get("masks"), "masks", [&](uint32_t p, napi_typedarray_type t, const void* data) {
    if (t != napi_uint8_array) typeError(env, "masks[i]: expected a Uint8Array (0/1 a row)");
    masks[p] = static_cast<const uint8_t*>(data);
  });
  std::vector<df::KeepColumn> keep;
  Napi::Array ka = arr(env, spec.Get("keep"), "keep");
  for (uint32_t c = 0; c < ka.Length(); ++c) {
    df::KeepColumn kc;
    kc.parts.resize(P);
    size_t width = 0;
    partsOf(ka.Get(c), "keep[i]", [&](uint32_t p, napi_typedarray_type, const void* data) { kc.parts[p] = data; });
    Napi::Array pa = ka.Get(c).As<Napi::Array>();
    for (uint32_t p = 0; p < P; ++p) {
      const size_t w = pa.Get(p).As<Napi::TypedArray>().ElementSize();
      if (w != 1 && w != 4 && w != 8) typeError(env, "keep[i][j]: expected elements of 1, 4 or 8 bytes");
      if (width && w != width) typeError(env, "keep[i]: every part of a column needs the same element size");
      width = w;
    }
    kc.width = static_cast<int>(width ? width : 8);
    keep.push_back(std::move(kc));
  }
  auto plan = std::make_shared<df::FilterPlan>(std::move(masks), std::move(partRows), std::move(keep));
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan](Napi::Env e) -> Napi::Value {
    Napi::Object res = Napi::Object::New(e);
    const auto& counts = plan->counts();
    Napi::Float64Array cn = Napi::Float64Array::New(e, counts.size());
    for (size_t p = 0; p < counts.size(); ++p) cn[p] = static_cast<double>(counts[p]);
    res.Set("counts", cn);
    auto& outs = plan->out();
    Napi::Array cols = Napi::Array::New(e, outs.size());
    for (size_t c = 0; c < outs.size(); ++c) {
      Napi::Array parts = Napi::Array::New(e, outs[c].size());
      for (size_t p = 0; p < outs[c].size(); ++p) {
        df::CompactBuffer& o = outs[c][p];
        if (o.all) {
          parts.Set(static_cast<uint32_t>(p), e.Null());
          continue;
        }
        parts.Set(static_cast<uint32_t>(p), toBuffer(e, std::move(o.words), o.bytes));
      }
      cols.Set(static_cast<uint32_t>(c), parts);
    }
    res.Set("columns", cols);
    return res;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfCorr({ columns: [{ type, parts: TypedArray[] }], cov, minPeriods, ddof, finiteOnly }) → Promise<Float64Array>
// (the K×K matrix of pandas' nancorr, dataframe/stats.h; the pairs split among the pool's threads)
Napi::Value Corr(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  std::vector<df::StatsColumn> cols = statsColumns(env, spec, *ctx, true);
  for (const df::StatsColumn& col : cols) {
    if (col.parts.size() != cols[0].parts.size()) rangeError(env, "columns.parts: every column needs the same number of parts");
    for (size_t p = 0; p < col.parts.size(); ++p)
      if (col.parts[p].second != cols[0].parts[p].second) rangeError(env, "columns.parts: part " + std::to_string(p) + " has rows of different lengths");
  }
  const bool cov = boolean(spec.Get("cov"), false);
  const bool finiteOnly = boolean(spec.Get("finiteOnly"), true);
  const int64_t minPeriods = integer(env, spec.Get("minPeriods"), "minPeriods", 0, 9007199254740991.0);
  const int64_t ddof = integer(env, spec.Get("ddof"), "ddof", 0, 9007199254740991.0);
  const size_t K = cols.size();
  const size_t tasks = static_cast<size_t>(std::max(1, stateOf(info)->pool().numThreads()));
  auto plan = std::make_shared<df::CorrPlan>(std::move(cols), cov, minPeriods, ddof, finiteOnly, tasks);
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = static_cast<int64_t>(std::min(tasks, K * (K + 1) / 2));
  plan->addStages(*job, plan);
  ctx->build = [plan](Napi::Env e) -> Napi::Value {
    const auto& m = plan->result();
    Napi::Float64Array out = Napi::Float64Array::New(e, m.size());
    if (!m.empty()) std::memcpy(out.Data(), m.data(), m.size() * sizeof(double));
    return out;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfSort({ rows: number[] (per part), keys: [{ parts: (Float64Array | BigInt64Array)[], ascending }], naFirst,
//          gather: [{ parts: TypedArray[], shift?: Int32Array }], ranks? }) → Promise<ArrayBuffer[]>: each gathered
// column's elements in the stable order of the rows by the keys (a parallel radix sort, dataframe/sort.h);
// with ranks (one key), one more buffer: each row's dense key rank in part order, then the count of keys.
Napi::Value Sort(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  const bool naFirst = boolean(spec.Get("naFirst"), false);
  std::vector<size_t> partRows = partRowsOf(env, spec);
  double total = 0;
  for (size_t r : partRows) total += static_cast<double>(r);
  const int bits = df::SortPlan::localBits(partRows.size());
  if (total > 4294967295.0) rangeError(env, "rows: more than 2^32 - 1 rows in all");
  for (size_t r : partRows)
    if (bits < 32 && r > (size_t(1) << bits)) rangeError(env, "rows: a part has more than 2^" + std::to_string(bits) + " rows for this many parts");
  // the parts of an array-of-parts value, each at least partRows[p] elements of `width` bytes
  auto partsOf = [&](const Napi::Value& v, const std::string& path, size_t width, std::vector<const void*>& out) {
    Napi::Array pa = arr(env, v, path);
    if (pa.Length() != partRows.size()) rangeError(env, path + ": expected one array per part (" + std::to_string(partRows.size()) + ")");
    for (uint32_t p = 0; p < pa.Length(); ++p) {
      Napi::Value d = pa.Get(p);
      View view = typedView(env, d, path + "[i]");
      if (view.bytes / width < partRows[p]) rangeError(env, path + "[i]: shorter than its part's rows");
      ctx->refs.push_back(Napi::Persistent(d));
      out.push_back(view.data);
    }
  };
  std::vector<df::SortColumn> keys;
  Napi::Array ka = arr(env, spec.Get("keys"), "keys");
  if (ka.Length() == 0) rangeError(env, "keys: expected at least one key");
  for (uint32_t k = 0; k < ka.Length(); ++k) {
    Napi::Object ko = obj(env, ka.Get(k), "keys[i]");
    df::SortColumn key;
    key.ascending = boolean(ko.Get("ascending"), true);
    Napi::Array pa = arr(env, ko.Get("parts"), "keys.parts");
    bool sawF64 = false;
    for (uint32_t p = 0; p < pa.Length(); ++p) {
      Napi::Value d = pa.Get(p);
      const napi_typedarray_type t = d.IsTypedArray() ? d.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
      if (t != napi_bigint64_array && t != napi_float64_array) typeError(env, "keys.parts[i]: expected a Float64Array or BigInt64Array");
      (t == napi_bigint64_array ? key.i64 : sawF64) = true;
    }
    if (key.i64 && sawF64) typeError(env, "keys.parts: every part of a key needs the same type");
    partsOf(pa, "keys.parts", 8, key.parts);
    keys.push_back(std::move(key));
  }
  std::vector<df::GatherColumn> gather;
  Napi::Array ga = arr(env, spec.Get("gather"), "gather");
  for (uint32_t c = 0; c < ga.Length(); ++c) {
    Napi::Object go = obj(env, ga.Get(c), "gather[i]");
    df::GatherColumn col;
    Napi::Array pa = arr(env, go.Get("parts"), "gather.parts");
    size_t width = 0;
    for (uint32_t p = 0; p < pa.Length(); ++p) {
      Napi::Value d = pa.Get(p);
      if (!d.IsTypedArray()) typeError(env, "gather.parts[i]: expected a typed array");
      const size_t w = d.As<Napi::TypedArray>().ElementSize();
      if (w != 1 && w != 4 && w != 8) typeError(env, "gather.parts[i]: expected elements of 1, 4 or 8 bytes");
      if (width && w != width) typeError(env, "gather.parts: every part of a column needs the same element size");
      width = w;
    }
    col.width = static_cast<int>(width ? width : 8);
    partsOf(pa, "gather.parts", static_cast<size_t>(col.width), col.parts);
    Napi::Value sv = go.Get("shift");
    if (!sv.IsUndefined()) {
      if (!sv.IsTypedArray() || sv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) typeError(env, "gather.shift: expected an Int32Array");
      if (col.width != 4) typeError(env, "gather.shift: only for int32 codes");
      Napi::Int32Array sh = sv.As<Napi::Int32Array>();
      if (sh.ElementLength() != partRows.size()) rangeError(env, "gather.shift: expected one entry per part");
      col.shift.assign(sh.Data(), sh.Data() + sh.ElementLength());
    }
    gather.push_back(std::move(col));
  }
  const size_t chunks = static_cast<size_t>(std::max(1, stateOf(info)->pool().numThreads()));
  const bool ranks = boolean(spec.Get("ranks"), false);
  if (ranks && keys.size() != 1) rangeError(env, "ranks: only with one key");
  auto plan = std::make_shared<df::SortPlan>(std::move(keys), std::move(partRows), naFirst, std::move(gather), chunks);
  if (ranks) plan->wantRanks();
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan](Napi::Env e) -> Napi::Value {
    auto& outs = plan->gathered();
    auto& rk = plan->ranks();
    Napi::Array cols = Napi::Array::New(e, outs.size() + (rk.bytes ? 1 : 0));
    for (size_t c = 0; c < outs.size(); ++c) {
      cols.Set(static_cast<uint32_t>(c), toBuffer(e, std::move(outs[c].words), outs[c].bytes));
    }
    if (rk.bytes) cols.Set(static_cast<uint32_t>(outs.size()), toBuffer(e, std::move(rk.words), rk.bytes));
    return cols;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// One side of dfJoin: { rows: number[] (per part), parts: (Float64Array | BigInt64Array | Int32Array)[] }
df::JoinKeys joinSide(Napi::Env env, const Napi::Value& v, const std::string& path, Ctx& ctx) {
  Napi::Object so = obj(env, v, path);
  df::JoinKeys k;
  k.rows = partRowsOf(env, so);
  Napi::Array pa = arr(env, so.Get("parts"), path + ".parts");
  if (pa.Length() != k.rows.size()) rangeError(env, path + ".parts: expected one array per part (" + std::to_string(k.rows.size()) + ")");
  for (uint32_t p = 0; p < pa.Length(); ++p) {
    Napi::Value d = pa.Get(p);
    const napi_typedarray_type t = d.IsTypedArray() ? d.As<Napi::TypedArray>().TypedArrayType() : napi_int8_array;
    df::KeyKind kind;
    if (t == napi_float64_array) kind = df::KeyKind::F64;
    else if (t == napi_bigint64_array) kind = df::KeyKind::I64;
    else if (t == napi_int32_array) kind = df::KeyKind::I32;
    else typeError(env, path + ".parts[i]: expected a Float64Array, BigInt64Array or Int32Array");
    if (p > 0 && kind != k.kind) typeError(env, path + ".parts: every part needs the same type");
    k.kind = kind;
    View view = typedView(env, d, path + ".parts[i]");
    if (view.bytes / (kind == df::KeyKind::I32 ? 4 : 8) < k.rows[p]) rangeError(env, path + ".parts[i]: shorter than its part's rows");
    ctx.pin(d);
    k.parts.push_back(view.data);
  }
  return k;
}

// dfJoin({ left: side, right: side, how: 'inner' | 'left' | 'right' | 'outer', partitionFrom? }) → Promise<{ size, left, right,
// leftMissing, rightMissing }>: the (left row, right row) pairs of a merge on one key in pandas' order
// (dataframe/join.h); left / right: Int32Array buffers of row numbers over the side's parts (-1: none),
// or null when they are every row of that side in order; *Missing: some pair lacks that side's row;
// partitioned: the hash-partitioned route was taken.
Napi::Value Join(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  df::JoinKeys left = joinSide(env, spec.Get("left"), "left", *ctx);
  df::JoinKeys right = joinSide(env, spec.Get("right"), "right", *ctx);
  if (!left.parts.empty() && !right.parts.empty() && left.kind != right.kind) typeError(env, "right.parts: expected the left key's type");
  for (const df::JoinKeys* k : {&left, &right}) {
    double total = 0;
    for (size_t r : k->rows) total += static_cast<double>(r);
    if (total > 2147483647.0) rangeError(env, std::string(k == &left ? "left" : "right") + ".rows: more than 2^31 - 1 rows in all");
  }
  const std::string how = str(env, spec.Get("how"), "how");
  df::JoinHow h;
  if (how == "inner") h = df::JoinHow::Inner;
  else if (how == "left") h = df::JoinHow::Left;
  else if (how == "right") h = df::JoinHow::Right;
  else if (how == "outer") h = df::JoinHow::Outer;
  else rangeError(env, "how: expected 'inner', 'left', 'right' or 'outer', got '" + how + "'");
  const size_t chunks = static_cast<size_t>(std::max(1, stateOf(info)->pool().numThreads()));
  auto plan = std::make_shared<df::JoinPlan>(std::move(left), std::move(right), h, chunks);
  // partitionFrom (internal, tests): the partitioned join from this many rows a side
  if (!spec.Get("partitionFrom").IsUndefined()) plan->partitionFrom(static_cast<size_t>(integer(env, spec.Get("partitionFrom"), "partitionFrom", 1, 2147483647.0)));
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan](Napi::Env e) -> Napi::Value {
    Napi::Object o = Napi::Object::New(e);
    const double size = static_cast<double>(plan->size());
    if (plan->size() > 2147483647) throw Napi::RangeError::New(e, "merge: more than 2^31 - 1 rows in the result");
    o.Set("size", Napi::Number::New(e, size));
    auto side = [&](df::RawBuffer& b, bool identity) -> Napi::Value {
      if (identity) return e.Null();
      if (!b.bytes) return Napi::ArrayBuffer::New(e, 0);
      return toBuffer(e, std::move(b.words), b.bytes);
    };
    o.Set("left", side(plan->leftRows(), plan->leftIdentity()));
    o.Set("right", side(plan->rightRows(), plan->rightIdentity()));
    o.Set("leftMissing", Napi::Boolean::New(e, plan->leftMissing()));
    o.Set("rightMissing", Napi::Boolean::New(e, plan->rightMissing()));
    o.Set("partitioned", Napi::Boolean::New(e, plan->partitioned()));
    return o;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

// dfTake({ index: Int32Array, columns: [{ data: TypedArray (1-, 4- or 8-byte elements), as?: 'float64' | 'code' }] })
// → Promise<ArrayBuffer[]>: each column's elements at the index's rows (-1: no row, which is NaN for a
// Float64Array, 0 for a BigInt64Array or a Uint8Array, -1 for an Int32Array); as 'float64': int64 values
// as float64 (-1: NaN); as 'code': bools as int32 codes 0/1 (-1: -1). Parallel over chunks of the index.
Napi::Value Take(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object spec = obj(env, info[0], "spec");
  auto ctx = std::make_unique<Ctx>();
  Napi::Value iv = spec.Get("index");
  if (!iv.IsTypedArray() || iv.As<Napi::TypedArray>().TypedArrayType() != napi_int32_array) typeError(env, "index: expected an Int32Array");
  Napi::Int32Array index = iv.As<Napi::Int32Array>();
  const int32_t* idx = index.Data();
  const size_t n = index.ElementLength();
  int32_t top = -1;
  for (size_t i = 0; i < n; ++i) top = std::max(top, idx[i]);
  ctx->pin(iv);
  std::vector<df::TakeColumn> cols;
  Napi::Array ca = arr(env, spec.Get("columns"), "columns");
  for (uint32_t c = 0; c < ca.Length(); ++c) {
    Napi::Object co = obj(env, ca.Get(c), "columns[i]");
    Napi::Value d = co.Get("data");
    if (!d.IsTypedArray()) typeError(env, "columns[i].data: expected a typed array");
    const napi_typedarray_type t = d.As<Napi::TypedArray>().TypedArrayType();
    df::TakeColumn col;
    col.width = static_cast<int>(d.As<Napi::TypedArray>().ElementSize());
    if (col.width != 1 && col.width != 4 && col.width != 8) typeError(env, "columns[i].data: expected elements of 1, 4 or 8 bytes");
    View view = typedView(env, d, "columns[i].data");
    col.data = view.data;
    col.rows = view.bytes / static_cast<size_t>(col.width);
    if (top >= 0 && static_cast<size_t>(top) >= col.rows) rangeError(env, "index: row " + std::to_string(top) + " past the end of columns[" + std::to_string(c) + "] (" + std::to_string(col.rows) + " rows)");
    Napi::Value as = co.Get("as");
    const std::string a = as.IsUndefined() ? "" : str(env, as, "columns[i].as");
    if (a == "float64") {
      if (t != napi_bigint64_array) typeError(env, "columns[i].as: 'float64' needs a BigInt64Array");
      col.op = df::TakeOp::I64ToF64;
    } else if (a == "code") {
      if (col.width != 1) typeError(env, "columns[i].as: 'code' needs a Uint8Array");
      col.op = df::TakeOp::BoolToCode;
    } else if (!a.empty()) {
      rangeError(env, "columns[i].as: expected 'float64' or 'code', got '" + a + "'");
    } else if (t == napi_float64_array) {
      const double nan = std::numeric_limits<double>::quiet_NaN();
      std::memcpy(&col.fill, &nan, sizeof nan);
    } else if (col.width == 4) {
      col.fill = 0xffffffffull;
    }
    ctx->pin(d);
    cols.push_back(col);
  }
  const size_t chunks = static_cast<size_t>(std::max(1, stateOf(info)->pool().numThreads()));
  auto plan = std::make_shared<df::TakePlan>(std::move(cols), idx, n, chunks);
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = plan->expectedTasks();
  plan->addStages(*job, plan);
  ctx->build = [plan](Napi::Env e) -> Napi::Value {
    auto& outs = plan->taken();
    Napi::Array a = Napi::Array::New(e, outs.size());
    for (size_t c = 0; c < outs.size(); ++c)
      a.Set(static_cast<uint32_t>(c), outs[c].bytes ? Napi::Value(toBuffer(e, std::move(outs[c].words), outs[c].bytes)) : Napi::Value(Napi::ArrayBuffer::New(e, 0)));
    return a;
  };
  return submit(env, stateOf(info), job, std::move(ctx), info[1]);
}

void deleteState(void* arg) { delete static_cast<State*>(arg); }

}  // namespace

void InitDataframe(Napi::Env env, Napi::Object exports, std::function<Pool&()> pool) {
  auto* state = new State{std::move(pool)};
  napi_add_env_cleanup_hook(env, deleteState, state);
  exports.Set("dfTimeseries", Napi::Function::New(env, Timeseries, "dfTimeseries", state));
  exports.Set("dfParseCsv", Napi::Function::New(env, ParseCsv, "dfParseCsv", state));
  exports.Set("dfReadCsv", Napi::Function::New(env, ReadCsv, "dfReadCsv", state));
  exports.Set("dfWriteCsv", Napi::Function::New(env, WriteCsv, "dfWriteCsv", state));
  exports.Set("dfStats", Napi::Function::New(env, Stats, "dfStats", state));
  exports.Set("dfGroupby", Napi::Function::New(env, Groupby, "dfGroupby", state));
  exports.Set("dfFilter", Napi::Function::New(env, Filter, "dfFilter", state));
  exports.Set("dfCorr", Napi::Function::New(env, Corr, "dfCorr", state));
  exports.Set("dfSort", Napi::Function::New(env, Sort, "dfSort", state));
  exports.Set("dfJoin", Napi::Function::New(env, Join, "dfJoin", state));
  exports.Set("dfTake", Napi::Function::New(env, Take, "dfTake", state));
}

}  // namespace tessera
