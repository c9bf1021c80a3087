// The N-API binding of native/storage/chunk_codec: Zarr chunk decodes and encodes, one FnJob per
// call with one task per chunk on the engine's pool (off the JS thread, never libuv's pool). The
// buffers an item reads or writes are pinned (references) until the Promise settles; each item's
// outcome is reported on its own ({ status: 'ok' | 'missing' | 'error', message, code, path }) so
// the JS side can name the chunk that failed.
#include "binding/addon_codec.h"

#include <cmath>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "binding/handle.h"
#include "binding/plan_decode.h"
#include "binding/job_promise.h"
#include "engine/job.h"
#include "storage/chunk_codec.h"

namespace tessera {
namespace {

using binding::at;
using binding::getArray;
using binding::getObject;
using binding::rangeError;
using binding::typeError;

struct State {
  std::function<Pool&()> pool;
};

using Ctx = binding::JobCall;  // binding/job_promise.h: the Promise plumbing shared with addon_dataframe

Napi::Value resultsToJs(Napi::Env env, std::vector<storage::ChunkResult>& results) {
  Napi::Array out = Napi::Array::New(env, results.size());
  for (size_t i = 0; i < results.size(); ++i) {
    storage::ChunkResult& r = results[i];
    Napi::Object o = Napi::Object::New(env);
    o.Set("status", Napi::String::New(env, r.status == storage::ChunkResult::Ok ? "ok" : r.status == storage::ChunkResult::Missing ? "missing" : "error"));
    if (r.status == storage::ChunkResult::Error) {
      o.Set("message", Napi::String::New(env, r.message));
      if (!r.code.empty()) o.Set("code", Napi::String::New(env, r.code));
      o.Set("path", Napi::String::New(env, r.path));
    }
    if (!r.out.empty()) {
      auto* heap = new std::vector<uint8_t>(std::move(r.out));
      Napi::ArrayBuffer ab = Napi::ArrayBuffer::New(env, heap->data(), heap->size(),
                                                    [](Napi::Env, void*, std::vector<uint8_t>* h) { delete h; }, heap);
      o.Set("bytes", Napi::Uint8Array::New(env, ab.ByteLength(), ab, 0));
    }
    out.Set(static_cast<uint32_t>(i), o);
  }
  return out;
}

// One task per item; returns { promise, cancel }.
template <class Item>
Napi::Value submit(Napi::Env env, State* state, std::shared_ptr<std::vector<Item>> items, std::unique_ptr<Ctx> ctx,
                   storage::ChunkResult (*run)(const Item&)) {
  auto results = std::make_shared<std::vector<storage::ChunkResult>>(items->size());
  auto job = std::make_shared<FnJob>();
  job->expectedTasks = static_cast<int64_t>(items->size());
  job->stages.push_back({[items] { return static_cast<int64_t>(items->size()); },
                         [items, results, run](int64_t t) { (*results)[static_cast<size_t>(t)] = run((*items)[static_cast<size_t>(t)]); },
                         nullptr});
  ctx->build = [results](Napi::Env e) { return resultsToJs(e, *results); };
  return binding::submitJob(env, state->pool(), std::move(job), std::move(ctx), env.Undefined(), "tessera.codec");
}

State* stateOf(const Napi::CallbackInfo& info) { return static_cast<State*>(info.Data()); }

int64_t integer(Napi::Env env, const Napi::Value& v, const std::string& path, double lo, double hi) {
  if (!v.IsNumber()) typeError(env, path + ": expected a number");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < lo || d > hi)
    rangeError(env, path + ": " + v.ToString().Utf8Value() + " (accepted: an integer " + std::to_string(static_cast<int64_t>(lo)) + ".." + std::to_string(static_cast<int64_t>(hi)) + ")");
  return static_cast<int64_t>(d);
}

std::vector<int64_t> ints(Napi::Env env, const Napi::Value& v, const std::string& path) {
  Napi::Array a = getArray(env, v, path);
  std::vector<int64_t> out(a.Length());
  for (uint32_t i = 0; i < a.Length(); ++i) out[i] = integer(env, a.Get(i), at(path, i), 0, 9007199254740991.0);
  return out;
}

storage::Codec codecOf(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsString()) typeError(env, path + ": expected 'zstd' or 'none'");
  const std::string s = v.As<Napi::String>().Utf8Value();
  if (s == "zstd") return storage::Codec::Zstd;
  if (s == "none") return storage::Codec::None;
  rangeError(env, path + ": unknown codec '" + s + "' (accepted: 'zstd', 'none')");
}

// The bytes of a TypedArray, pinned by `ctx` until the Promise settles.
binding::View pinned(Napi::Env env, Ctx& ctx, const Napi::Value& v, const std::string& path) {
  binding::View view = binding::typedView(env, v, path);
  ctx.pin(v);
  return view;
}

// codecDecode(items: [{ path?, bytes?, codec, itemsize, chunkShape, lo?, hi?, dst, dstOffset?, dstStrides? }])
//   → { promise: Promise<result[]>, cancel }
Napi::Value Decode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array list = getArray(env, info[0], "codecDecode(items)");
  auto ctx = std::make_unique<Ctx>();
  auto items = std::make_shared<std::vector<storage::DecodeItem>>(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string p = at("items", i);
    Napi::Object o = getObject(env, list.Get(i), p);
    storage::DecodeItem& it = (*items)[i];
    Napi::Value path = o.Get("path");
    if (path.IsString()) {
      it.path = path.As<Napi::String>().Utf8Value();
    } else {
      if (!path.IsUndefined()) typeError(env, p + ".path: expected a string");
      binding::View b = pinned(env, *ctx, o.Get("bytes"), p + ".bytes (when there is no path)");
      it.bytes = static_cast<const uint8_t*>(b.data);
      it.nbytes = b.bytes;
    }
    it.codec = codecOf(env, o.Get("codec"), p + ".codec");
    it.itemsize = static_cast<int>(integer(env, o.Get("itemsize"), p + ".itemsize", 1, 16));
    it.chunkShape = ints(env, o.Get("chunkShape"), p + ".chunkShape");
    it.lo = o.Get("lo").IsUndefined() ? std::vector<int64_t>(it.chunkShape.size(), 0) : ints(env, o.Get("lo"), p + ".lo");
    it.hi = o.Get("hi").IsUndefined() ? it.chunkShape : ints(env, o.Get("hi"), p + ".hi");
    binding::View d = pinned(env, *ctx, o.Get("dst"), p + ".dst");
    it.dst = static_cast<uint8_t*>(d.data);
    it.dstBytes = d.bytes;
    it.dstOffset = o.Get("dstOffset").IsUndefined() ? 0 : integer(env, o.Get("dstOffset"), p + ".dstOffset", 0, 9007199254740991.0);
    if (o.Get("dstStrides").IsUndefined()) {
      // the box's own C-order strides
      it.dstStrides.assign(it.chunkShape.size(), 1);
      for (size_t k = it.chunkShape.size(); k-- > 1;) it.dstStrides[k - 1] = it.dstStrides[k] * (it.hi[k] - it.lo[k]);
    } else {
      it.dstStrides = ints(env, o.Get("dstStrides"), p + ".dstStrides");
    }
    const std::string bad = storage::checkDecodeItem(it);
    if (!bad.empty()) rangeError(env, p + ": " + bad);
  }
  return submit<storage::DecodeItem>(env, stateOf(info), items, std::move(ctx), &storage::decodeChunk);
}

// codecEncode(items: [{ src, codec, level?, path?, tmpPath? }]) → { promise: Promise<result[]>, cancel }
// (no path: each result carries the encoded `bytes`)
Napi::Value Encode(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Array list = getArray(env, info[0], "codecEncode(items)");
  auto ctx = std::make_unique<Ctx>();
  auto items = std::make_shared<std::vector<storage::EncodeItem>>(list.Length());
  for (uint32_t i = 0; i < list.Length(); ++i) {
    const std::string p = at("items", i);
    Napi::Object o = getObject(env, list.Get(i), p);
    storage::EncodeItem& it = (*items)[i];
    binding::View s = pinned(env, *ctx, o.Get("src"), p + ".src");
    it.src = static_cast<const uint8_t*>(s.data);
    it.nbytes = s.bytes;
    it.codec = codecOf(env, o.Get("codec"), p + ".codec");
    it.level = o.Get("level").IsUndefined() ? 1 : static_cast<int>(integer(env, o.Get("level"), p + ".level", -7, 22));
    Napi::Value path = o.Get("path");
    if (!path.IsUndefined()) {
      if (!path.IsString() || !o.Get("tmpPath").IsString()) typeError(env, p + ": path and tmpPath must both be strings");
      it.path = path.As<Napi::String>().Utf8Value();
      it.tmpPath = o.Get("tmpPath").As<Napi::String>().Utf8Value();
    }
  }
  return submit<storage::EncodeItem>(env, stateOf(info), items, std::move(ctx), &storage::encodeChunk);
}

void deleteState(void* arg) { delete static_cast<State*>(arg); }

}  // namespace

void InitCodec(Napi::Env env, Napi::Object exports, std::function<Pool&()> pool) {
  auto* state = new State{std::move(pool)};
  napi_add_env_cleanup_hook(env, deleteState, state);
  exports.Set("codecDecode", Napi::Function::New(env, Decode, "codecDecode", state));
  exports.Set("codecEncode", Napi::Function::New(env, Encode, "codecEncode", state));
  exports.Set("zstdVersion", Napi::String::New(env, storage::zstdVersion()));
}

}  // namespace tessera
