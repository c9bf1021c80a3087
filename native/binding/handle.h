// The { promise, cancel } object both binding files hand back for work on the pool: cancel()
// reaches the job only while it is still alive (a weak reference, so the handle never keeps a
// finished job's memory).
#pragma once

#include <napi.h>

#include <memory>

namespace tessera {

template <class JobT>
Napi::Object cancellableHandle(Napi::Env env, napi_value promise, std::weak_ptr<JobT> weak) {
  Napi::Object handle = Napi::Object::New(env);
  handle.Set("promise", promise);
  handle.Set("cancel", Napi::Function::New(env, [weak](const Napi::CallbackInfo&) {
               if (auto j = weak.lock()) j->cancel();
             }, "cancel"));
  return handle;
}

}  // namespace tessera
