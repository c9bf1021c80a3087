// The one way pool threads post messages to the JS thread, shared by the N-API binding files:
// a thread-safe function guarded so nothing is posted after the JS side has closed it (env
// teardown, settled Promise). A message that cannot be delivered is deleted here.
#pragma once

#include <node_api.h>

#include <mutex>

namespace tessera {

template <class Msg>
struct TsfnChannel {
  std::mutex mutex;
  bool open = true;
  napi_threadsafe_function tsfn = nullptr;
  void post(Msg* m) {
    std::lock_guard<std::mutex> lock(mutex);
    if (open && napi_call_threadsafe_function(tsfn, m, napi_tsfn_nonblocking) == napi_ok) return;
    delete m;
  }
  void close() {
    std::lock_guard<std::mutex> lock(mutex);
    open = false;
  }
};

}  // namespace tessera
