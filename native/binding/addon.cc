// The N-API binding of the array engine (napi.h is used only under native/binding/). Implements
// NativeAddon of src/native.ts: converts the JS plan to tessera::Plan, runs it on the
// per-environment pool, and settles a Promise through a thread-safe function. Per-environment
// state lives in the addon instance (Napi::Addon / instance data) so worker_threads each get
// their own pool.
#include <napi.h>

#include <sys/mman.h>

#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <new>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "binding/handle.h"
#include "binding/tsfn_channel.h"
#include "engine/executor.h"
#include "engine/ops.h"
#include "engine/plan.h"
#include "engine/pool.h"
#include "kernels/kernels.h"
#include "binding/addon_codec.h"
#include "binding/addon_dataframe.h"
#include "binding/op_table.h"
#include "binding/plan_decode.h"

namespace {

using namespace tessera;
using namespace tessera::binding;

constexpr int64_t kMaxAllocBytes = int64_t(1) << 46;
constexpr size_t kMmapThreshold = size_t(1) << 20;

// ------------------------------------------------------------------------------------------------
// Shared per-environment core: the pool, memory statistics, the in-flight registry. Held by the
// addon instance, by every in-flight plan's JS context and by the env cleanup hook, so it outlives
// whichever of them the environment tears down first. Only ever released on the JS thread.

struct Stats {
  std::atomic<int64_t> nativeBytes{0};
  std::atomic<int64_t> peakNativeBytes{0};
  void add(int64_t b) {
    int64_t now = nativeBytes.fetch_add(b) + b;
    int64_t peak = peakNativeBytes.load();
    while (now > peak && !peakNativeBytes.compare_exchange_weak(peak, now)) {
    }
  }
};

struct Core {
  std::mutex mutex;
  std::unique_ptr<Pool> pool;
  int threads = Pool::defaultThreads();
  bool shutDown = false;
  std::shared_ptr<Stats> stats = std::make_shared<Stats>();
  uint64_t nextId = 1;
  std::unordered_map<uint64_t, std::weak_ptr<Execution>> inflight;

  Pool& getPool() {
    std::lock_guard<std::mutex> lock(mutex);
    if (!pool) pool = std::make_unique<Pool>(threads);
    return *pool;
  }
  void cancelAll() {
    std::lock_guard<std::mutex> lock(mutex);
    for (auto& kv : inflight)
      if (auto e = kv.second.lock()) e->cancel();
  }
  void shutdown() {
    cancelAll();
    std::unique_ptr<Pool> p;
    {
      std::lock_guard<std::mutex> lock(mutex);
      shutDown = true;
      p = std::move(pool);
    }
    if (p) p->shutdown();
  }
  ~Core() { shutdown(); }
};

// ------------------------------------------------------------------------------------------------
// Native buffers

struct NativeMem {
  void* data = nullptr;
  size_t bytes = 0;
  size_t mapped = 0;  // mmap length, 0 if aligned_alloc
  std::shared_ptr<Stats> stats;
  ~NativeMem() {
    if (mapped) munmap(data, mapped);
    else std::free(data);
    stats->add(-static_cast<int64_t>(bytes));
  }
};

struct BufferHandle {
  std::shared_ptr<NativeMem> mem;  // reset by freeBuffer
  int64_t reported = 0;            // bytes reported to V8 as external memory
};

const napi_type_tag kBufferTag = {0x7e55e7a0b1f2c3d4ULL, 0x9a8b7c6d5e4f3021ULL};

// ------------------------------------------------------------------------------------------------
// Execution plumbing: JS context (JS thread only) and the channel workers post to.

struct Msg {
  enum Kind { Progress, Done } kind;
  int64_t done = 0, total = 0;
  ExecResult result;
  std::vector<TaskRecord> records;  // Progress with plan.profileLive: tasks finished since the last one
};

// 5 numbers per task record (stage, task, thread, startNs, endNs): the shape of result.profile.
Napi::Float64Array recordsArray(Napi::Env env, const std::vector<TaskRecord>& records) {
  Napi::Float64Array out = Napi::Float64Array::New(env, records.size() * 5);
  double* p = out.Data();
  for (const TaskRecord& t : records) {
    *p++ = t.stage;
    *p++ = static_cast<double>(t.task);
    *p++ = t.thread;
    *p++ = static_cast<double>(t.startNs);
    *p++ = static_cast<double>(t.endNs);
  }
  return out;
}

using Channel = TsfnChannel<Msg>;

struct JsContext {
  std::shared_ptr<Core> core;
  uint64_t id = 0;
  std::shared_ptr<Channel> channel;
  std::shared_ptr<Execution> exec;
  napi_deferred deferred = nullptr;
  std::vector<Napi::ObjectReference> refs;
  std::vector<std::shared_ptr<NativeMem>> mems;
  Napi::FunctionReference onProgress;
  bool settled = false;
  bool released = false;
  bool profile = false;
  bool profileLive = false;  // plan.profileLive: records also arrive with progress, while it runs

  void unregister() {
    std::lock_guard<std::mutex> lock(core->mutex);
    core->inflight.erase(id);
  }
};

void callJs(napi_env rawEnv, napi_value, void* context, void* data) {
  std::unique_ptr<Msg> msg(static_cast<Msg*>(data));
  auto* ctx = static_cast<JsContext*>(context);
  if (!rawEnv || !msg || !ctx) return;
  Napi::Env env(rawEnv);
  if (msg->kind == Msg::Progress) {
    if (ctx->settled || ctx->onProgress.IsEmpty()) return;
    Napi::HandleScope scope(env);
    try {
      if (msg->records.empty())
        ctx->onProgress.Call({Napi::Number::New(env, static_cast<double>(msg->done)),
                              Napi::Number::New(env, static_cast<double>(msg->total))});
      else
        ctx->onProgress.Call({Napi::Number::New(env, static_cast<double>(msg->done)),
                              Napi::Number::New(env, static_cast<double>(msg->total)), recordsArray(env, msg->records)});
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();  // reported as an uncaught exception, like an event handler
    }
    return;
  }
  if (ctx->settled) return;
  Napi::HandleScope scope(env);
  ctx->settled = true;
  ctx->unregister();
  ExecResult& r = msg->result;
  napi_deferred d = ctx->deferred;
  ctx->deferred = nullptr;
  try {
    if (r.status == ExecResult::Status::Ok) {
      Napi::Object res = Napi::Object::New(env);
      res.Set("tasks", Napi::Number::New(env, static_cast<double>(r.tasks)));
      if (ctx->profile) res.Set("profile", recordsArray(env, r.profile));
      napi_resolve_deferred(env, d, res);
    } else if (r.status == ExecResult::Status::Cancelled) {
      Napi::Error err = Napi::Error::New(env, "The operation was aborted");
      err.Set("name", Napi::String::New(env, "AbortError"));
      err.Set("code", Napi::String::New(env, "ABORT_ERR"));
      napi_reject_deferred(env, d, err.Value());
    } else {
      Napi::Error err = r.rangeError ? Napi::RangeError::New(env, "tessera: plan failed: " + r.error)
                                     : Napi::Error::New(env, "tessera: plan failed: " + r.error);
      napi_reject_deferred(env, d, err.Value());
    }
  } catch (const Napi::Error& e) {
    napi_reject_deferred(env, d, e.Value());
  }
  // Release the buffers now (the plan is over) and the thread-safe function (its finalizer frees
  // the context).
  ctx->refs.clear();
  ctx->mems.clear();
  ctx->onProgress.Reset();
  if (!ctx->released) {
    ctx->released = true;
    napi_release_threadsafe_function(ctx->channel->tsfn, napi_tsfn_release);
  }
}

void finalizeTsfn(napi_env, void* /*finalizeData*/, void* context) {
  auto* ctx = static_cast<JsContext*>(context);
  ctx->channel->close();
  if (!ctx->settled && ctx->exec) {
    // The environment is going away with the plan still running: stop every plan of this
    // environment and wait until no worker touches the buffers any more.
    ctx->core->cancelAll();
    ctx->exec->cancel();
    ctx->exec->wait();
    ctx->unregister();
  }
  delete ctx;
}

void cleanupHook(void* arg) {
  auto* core = static_cast<std::shared_ptr<Core>*>(arg);
  (*core)->shutdown();
  delete core;
}

// ------------------------------------------------------------------------------------------------

class TesseraAddon : public Napi::Addon<TesseraAddon> {
 public:
  TesseraAddon(Napi::Env env, Napi::Object exports) : core_(std::make_shared<Core>()) {
    DefineAddon(exports, {
                             InstanceMethod("execute", &TesseraAddon::Execute),
                             InstanceMethod("allocBuffer", &TesseraAddon::AllocBuffer),
                             InstanceMethod("bufferView", &TesseraAddon::BufferView),
                             InstanceMethod("adviseHugePages", &TesseraAddon::AdviseHugePages),
                             InstanceMethod("freeBuffer", &TesseraAddon::FreeBuffer),
                             InstanceMethod("setNumThreads", &TesseraAddon::SetNumThreads),
                             InstanceMethod("getNumThreads", &TesseraAddon::GetNumThreads),
                             InstanceMethod("isa", &TesseraAddon::Isa),
                             InstanceMethod("memoryStats", &TesseraAddon::MemoryStats),
                         });
    napi_add_env_cleanup_hook(env, cleanupHook, new std::shared_ptr<Core>(core_));
    tessera::InitDataframe(env, exports, [core = core_]() -> Pool& { return core->getPool(); });
    tessera::InitCodec(env, exports, [core = core_]() -> Pool& { return core->getPool(); });
    tessera::InitOpTable(env, exports);
  }

 private:
  BufferHandle* unwrapBuffer(Napi::Env env, const Napi::Value& v, const std::string& path) {
    if (!(v.IsExternal() || v.IsObject()) || !v.As<Napi::Object>().CheckTypeTag(&kBufferTag))
      typeError(env, path + ": expected a NativeBuffer (from allocBuffer)");
    return v.As<Napi::External<BufferHandle>>().Data();
  }

  Napi::Value Execute(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object planObj = getObject(env, info[0], "plan");
    Plan plan;
    Napi::Array stages = getArray(env, planObj.Get("stages"), "plan.stages");
    for (uint32_t s = 0; s < stages.Length(); ++s)
      plan.stages.push_back(parseStage(env, stages.Get(s), at("stages", s)));
    Napi::Value prof = planObj.Get("profile");
    if (!prof.IsUndefined()) {
      if (!prof.IsBoolean()) typeError(env, "plan.profile: expected a boolean");
      plan.profile = prof.As<Napi::Boolean>().Value();
    }

    auto ctx = std::make_unique<JsContext>();
    ctx->core = core_;
    ctx->profile = plan.profile;
    Napi::Value live = planObj.Get("profileLive");
    if (!live.IsUndefined()) {
      if (!live.IsBoolean()) typeError(env, "plan.profileLive: expected a boolean");
      ctx->profileLive = live.As<Napi::Boolean>().Value();
    }
    Napi::Array bufs = getArray(env, info[1], "buffers");
    for (uint32_t i = 0; i < bufs.Length(); ++i) {
      Napi::Value b = bufs.Get(i);
      const std::string path = at("buffers", i);
      BufferRef ref;
      if (b.IsArrayBuffer()) {
        Napi::ArrayBuffer ab = b.As<Napi::ArrayBuffer>();
        ref.data = ab.Data();
        ref.bytes = ab.ByteLength();
      } else if (b.IsTypedArray()) {
        const View v = typedView(env, b, path);
        ref.data = v.data;
        ref.bytes = v.bytes;
      } else if (b.IsDataView()) {
        size_t length = 0, offset = 0;
        void* data = nullptr;
        napi_value ab;
        if (napi_get_dataview_info(env, b, &length, &data, &ab, &offset) != napi_ok)
          typeError(env, path + ": unreadable DataView");
        ref.data = data;
        ref.bytes = length;
      } else if ((b.IsExternal() || b.IsObject()) && b.As<Napi::Object>().CheckTypeTag(&kBufferTag)) {
        BufferHandle* h = b.As<Napi::External<BufferHandle>>().Data();
        if (!h->mem) typeError(env, path + ": the NativeBuffer was freed");
        ref.data = h->mem->data;
        ref.bytes = h->mem->bytes;
        ctx->mems.push_back(h->mem);
      } else {
        typeError(env, path + ": expected an ArrayBuffer, a TypedArray or DataView, or a NativeBuffer");
      }
      if (!ref.data) ref.bytes = 0;
      ref.writable = true;
      plan.buffers.push_back(ref);
      if (b.IsObject() || b.IsExternal()) ctx->refs.push_back(Napi::Persistent(b.As<Napi::Object>()));
    }
    Napi::Value progress = info[2];
    if (!progress.IsUndefined() && !progress.IsNull()) {
      if (!progress.IsFunction()) typeError(env, "onProgress: expected a function (done, total) => void");
      ctx->onProgress = Napi::Persistent(progress.As<Napi::Function>());
    }

    try {
      validatePlan(plan);
    } catch (const std::invalid_argument& e) {
      rangeError(env, e.what());
    }

    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      if (core_->shutDown) throw Napi::Error::New(env, "tessera: the environment is shutting down");
    }

    // promise + thread-safe function
    napi_value promise;
    NAPI_THROW_IF_FAILED(env, napi_create_promise(env, &ctx->deferred, &promise), Napi::Value());
    auto channel = std::make_shared<Channel>();
    ctx->channel = channel;
    napi_value name = Napi::String::New(env, "tessera.execute");
    JsContext* raw = ctx.get();
    napi_status st = napi_create_threadsafe_function(env, nullptr, nullptr, name, 0, 1, nullptr, finalizeTsfn,
                                                     raw, callJs, &channel->tsfn);
    if (st != napi_ok) {
      napi_value err = Napi::Error::New(env, "tessera: cannot create a thread-safe function").Value();
      napi_reject_deferred(env, ctx->deferred, err);
      return Napi::Value();
    }
    ctx.release();  // owned by the thread-safe function now (freed by finalizeTsfn)

    ExecCallbacks cb;
    cb.onDone = [channel](ExecResult&& r) {
      Msg* m = new Msg{Msg::Done, 0, 0, std::move(r), {}};
      channel->post(m);
    };
    if (!raw->onProgress.IsEmpty() && raw->profile && raw->profileLive)
      cb.onProgressRecords = [channel](int64_t d, int64_t t, std::vector<TaskRecord>&& fresh) {
        channel->post(new Msg{Msg::Progress, d, t, {}, std::move(fresh)});
      };
    else if (!raw->onProgress.IsEmpty())
      cb.onProgress = [channel](int64_t d, int64_t t) { channel->post(new Msg{Msg::Progress, d, t, {}, {}}); };

    std::shared_ptr<Execution> exec;
    try {
      exec = submitPlan(core_->getPool(), std::move(plan), std::move(cb));
    } catch (const std::exception& e) {
      // nothing was queued: settle here
      raw->settled = true;
      napi_reject_deferred(env, raw->deferred, Napi::Error::New(env, std::string("tessera: ") + e.what()).Value());
      raw->refs.clear();
      raw->mems.clear();
      raw->released = true;
      napi_release_threadsafe_function(channel->tsfn, napi_tsfn_release);
      return cancellableHandle(env, promise, std::weak_ptr<Execution>());  // nothing to cancel
    }
    raw->exec = exec;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      raw->id = core_->nextId++;
      core_->inflight.emplace(raw->id, exec);
    }

    return cancellableHandle(env, promise, std::weak_ptr<Execution>(exec));
  }

  Napi::Value AllocBuffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber()) typeError(env, "allocBuffer(bytes): bytes must be a number");
    double d = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || d < 0 || d > static_cast<double>(kMaxAllocBytes))
      rangeError(env, "allocBuffer(bytes): " + info[0].ToString().Utf8Value() +
                          " is not a valid size (accepted: an integer 0..2^46)");
    const size_t bytes = static_cast<size_t>(d);
    auto mem = std::make_shared<NativeMem>();
    mem->stats = core_->stats;
    size_t alloc = (std::max<size_t>(bytes, 1) + 63) / 64 * 64;
    if (alloc >= kMmapThreshold) {
      void* p = mmap(nullptr, alloc, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (p == MAP_FAILED) throw Napi::Error::New(env, "allocBuffer: cannot allocate " + std::to_string(bytes) + " bytes");
#ifdef MADV_HUGEPAGE
      // Transparent huge pages: strided/transposed reads touch many pages per tile; 2 MiB pages
      // keep them in the TLB (THP is often in "madvise" mode).
      if (alloc >= (size_t(4) << 20)) madvise(p, alloc, MADV_HUGEPAGE);
#endif
      mem->data = p;
      mem->mapped = alloc;
    } else {
      void* p = std::aligned_alloc(64, alloc);
      if (!p) throw Napi::Error::New(env, "allocBuffer: cannot allocate " + std::to_string(bytes) + " bytes");
      std::memset(p, 0, alloc);
      mem->data = p;
    }
    mem->bytes = bytes;
    core_->stats->add(static_cast<int64_t>(bytes));
    auto* h = new BufferHandle{mem, static_cast<int64_t>(bytes)};
    Napi::External<BufferHandle> ext = Napi::External<BufferHandle>::New(env, h, [](Napi::Env e, BufferHandle* hp) {
      if (hp->reported) Napi::MemoryManagement::AdjustExternalMemory(e, -hp->reported);
      delete hp;
    });
    ext.TypeTag(&kBufferTag);
    if (bytes) Napi::MemoryManagement::AdjustExternalMemory(env, static_cast<int64_t>(bytes));
    return ext;
  }

  Napi::Value BufferView(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    BufferHandle* h = unwrapBuffer(env, info[0], "bufferView(buffer)");
    if (!h->mem) throw Napi::Error::New(env, "bufferView(buffer): the NativeBuffer was freed");
    auto* keep = new std::shared_ptr<NativeMem>(h->mem);
    return Napi::ArrayBuffer::New(env, h->mem->data, h->mem->bytes,
                                  [](Napi::Env, void*, std::shared_ptr<NativeMem>* k) { delete k; }, keep);
  }

  // madvise(MADV_HUGEPAGE) over the page-aligned interior of a fresh ArrayBuffer of at least
  // 4 MiB, before anything has touched it (NumPy does the same for its large arrays): its pages
  // then fault in, zeroed, 2 MiB at a time instead of 4 KiB at a time, which for a large compute()
  // result was most of the cost of writing it (transparent huge pages are often in "madvise"
  // mode). A hint: ignored where it does not apply.
  Napi::Value AdviseHugePages(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsArrayBuffer()) typeError(env, "adviseHugePages(buffer): buffer must be an ArrayBuffer");
    Napi::ArrayBuffer ab = info[0].As<Napi::ArrayBuffer>();
#ifdef MADV_HUGEPAGE
    const size_t bytes = ab.ByteLength();
    if (bytes >= (size_t(4) << 20)) {
      constexpr uintptr_t kPage = 4096;
      const uintptr_t lo = (reinterpret_cast<uintptr_t>(ab.Data()) + kPage - 1) & ~(kPage - 1);
      const uintptr_t hi = (reinterpret_cast<uintptr_t>(ab.Data()) + bytes) & ~(kPage - 1);
      if (hi > lo) madvise(reinterpret_cast<void*>(lo), hi - lo, MADV_HUGEPAGE);
    }
#endif
    return env.Undefined();
  }

  Napi::Value FreeBuffer(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    BufferHandle* h = unwrapBuffer(env, info[0], "freeBuffer(buffer)");
    h->mem.reset();
    if (h->reported) {
      Napi::MemoryManagement::AdjustExternalMemory(env, -h->reported);
      h->reported = 0;
    }
    return env.Undefined();
  }

  Napi::Value SetNumThreads(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    if (!info[0].IsNumber()) typeError(env, "setNumThreads(n): n must be a number");
    double d = info[0].As<Napi::Number>().DoubleValue();
    if (!std::isfinite(d) || std::floor(d) != d || d < 1 || d > 1024)
      rangeError(env, "setNumThreads(n): " + info[0].ToString().Utf8Value() + " (accepted: an integer 1..1024)");
    std::lock_guard<std::mutex> lock(core_->mutex);
    core_->threads = static_cast<int>(d);
    if (core_->pool) core_->pool->setNumThreads(core_->threads);
    return env.Undefined();
  }

  Napi::Value GetNumThreads(const Napi::CallbackInfo& info) {
    std::lock_guard<std::mutex> lock(core_->mutex);
    return Napi::Number::New(info.Env(), core_->pool ? core_->pool->numThreads() : core_->threads);
  }

  Napi::Value Isa(const Napi::CallbackInfo& info) { return Napi::String::New(info.Env(), kernels::active().isa); }

  Napi::Value MemoryStats(const Napi::CallbackInfo& info) {
    Napi::Env env = info.Env();
    Napi::Object o = Napi::Object::New(env);
    o.Set("nativeBytes", Napi::Number::New(env, static_cast<double>(core_->stats->nativeBytes.load())));
    o.Set("peakNativeBytes", Napi::Number::New(env, static_cast<double>(core_->stats->peakNativeBytes.load())));
    size_t n;
    {
      std::lock_guard<std::mutex> lock(core_->mutex);
      n = core_->inflight.size();
    }
    o.Set("inFlightPlans", Napi::Number::New(env, static_cast<double>(n)));
    return o;
  }

  std::shared_ptr<Core> core_;
};

}  // namespace

NODE_API_ADDON(TesseraAddon)
