// N-API binding of the DataFrame core (native/dataframe). Registered from native/binding/addon.cc's
// module init; jobs run on the engine's own pool, handed in as `pool`.
#pragma once

#include <napi.h>

#include <functional>

#include "engine/pool.h"

namespace tessera {
void InitDataframe(Napi::Env env, Napi::Object exports, std::function<Pool&()> pool);
}
