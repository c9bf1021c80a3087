// One JS call running an FnJob on the engine's pool, settled as a Promise on the JS thread: the
// plumbing the dataframe and codec bindings share (thread-safe function, progress callback,
// AbortError on cancel, the buffers the job reads pinned until the Promise settles).
#pragma once

#include <napi.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "binding/handle.h"
#include "binding/plan_decode.h"
#include "binding/tsfn_channel.h"
#include "engine/job.h"
#include "engine/pool.h"

namespace tessera::binding {

// What a call keeps alive until it settles. `build` makes the resolved value on the JS thread.
struct JobCall {
  struct Msg {
    bool done = false;
    int64_t a = 0, b = 0;
    FnJob::Status status = FnJob::Status::Ok;
    std::string error;
  };
  using Channel = TsfnChannel<Msg>;

  std::shared_ptr<Channel> channel;
  std::shared_ptr<FnJob> job;
  napi_deferred deferred = nullptr;
  std::vector<Napi::Reference<Napi::Value>> refs;  // the buffers the job points into
  Napi::FunctionReference onProgress;
  std::function<Napi::Value(Napi::Env)> build;
  bool settled = false;

  // Pins `v` (a buffer the job reads or writes) until the Promise settles.
  void pin(const Napi::Value& v) { refs.push_back(Napi::Persistent(v)); }
};

namespace job_call_detail {

inline void callJs(napi_env rawEnv, napi_value, void* context, void* data) {
  std::unique_ptr<JobCall::Msg> msg(static_cast<JobCall::Msg*>(data));
  auto* ctx = static_cast<JobCall*>(context);
  if (!rawEnv || !msg || !ctx) return;
  Napi::Env env(rawEnv);
  Napi::HandleScope scope(env);
  if (!msg->done) {
    if (ctx->settled || ctx->onProgress.IsEmpty()) return;
    try {
      ctx->onProgress.Call({Napi::Number::New(env, static_cast<double>(msg->a)),
                            Napi::Number::New(env, static_cast<double>(msg->b))});
    } catch (const Napi::Error& e) {
      e.ThrowAsJavaScriptException();
    }
    return;
  }
  if (ctx->settled) return;
  ctx->settled = true;
  napi_deferred d = ctx->deferred;
  try {
    if (msg->status == FnJob::Status::Ok) {
      napi_resolve_deferred(env, d, ctx->build(env));
    } else if (msg->status == FnJob::Status::Cancelled) {
      Napi::Error err = Napi::Error::New(env, "The operation was aborted");
      err.Set("name", Napi::String::New(env, "AbortError"));
      err.Set("code", Napi::String::New(env, "ABORT_ERR"));
      napi_reject_deferred(env, d, err.Value());
    } else {
      napi_reject_deferred(env, d, Napi::Error::New(env, msg->error).Value());
    }
  } catch (const Napi::Error& e) {
    napi_reject_deferred(env, d, e.Value());
  } catch (const std::exception& e) {
    napi_reject_deferred(env, d, Napi::Error::New(env, e.what()).Value());
  }
  ctx->refs.clear();
  ctx->onProgress.Reset();
  ctx->build = nullptr;
  napi_release_threadsafe_function(ctx->channel->tsfn, napi_tsfn_release);
}

inline void finalize(napi_env, void*, void* context) {
  auto* ctx = static_cast<JobCall*>(context);
  ctx->channel->close();
  if (!ctx->settled && ctx->job) ctx->job->cancel();
  delete ctx;
}

}  // namespace job_call_detail

// Submits `job` to `pool`; returns { promise, cancel }. `progress` is undefined/null or a
// (done, total) => void callback (a TypeError otherwise). `name` labels the thread-safe function.
inline Napi::Value submitJob(Napi::Env env, Pool& pool, std::shared_ptr<FnJob> job, std::unique_ptr<JobCall> ctx,
                            const Napi::Value& progress, const char* name) {
  if (!progress.IsUndefined() && !progress.IsNull()) {
    if (!progress.IsFunction()) typeError(env, "onProgress: expected a function (done, total) => void");
    ctx->onProgress = Napi::Persistent(progress.As<Napi::Function>());
  }
  napi_value promise;
  if (napi_create_promise(env, &ctx->deferred, &promise) != napi_ok) throw Napi::Error::New(env, "cannot create a promise");
  auto channel = std::make_shared<JobCall::Channel>();
  ctx->channel = channel;
  ctx->job = job;
  JobCall* raw = ctx.get();
  if (napi_create_threadsafe_function(env, nullptr, nullptr, Napi::String::New(env, name), 0, 1, nullptr,
                                      job_call_detail::finalize, raw, job_call_detail::callJs, &channel->tsfn) != napi_ok)
    throw Napi::Error::New(env, "tessera: cannot create a thread-safe function");
  const bool wantProgress = !raw->onProgress.IsEmpty();
  ctx.release();  // owned by the thread-safe function from here: deleted in finalize
  using Msg = JobCall::Msg;
  if (wantProgress) job->onProgress = [channel](int64_t d, int64_t t) { channel->post(new Msg{false, d, t, FnJob::Status::Ok, {}}); };
  job->onComplete = [channel](FnJob::Status s, const std::string& e) { channel->post(new Msg{true, 0, 0, s, e}); };
  pool.submit(job);
  return cancellableHandle(env, promise, std::weak_ptr<FnJob>(job));
}

}  // namespace tessera::binding
