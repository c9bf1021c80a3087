// N-API binding of the Zarr chunk codecs (native/storage/chunk_codec). Registered from
// native/binding/addon.cc's module init; jobs run on the engine's own pool, handed in as `pool`.
#pragma once

#include <napi.h>

#include <functional>

#include "engine/pool.h"

namespace tessera {
void InitCodec(Napi::Env env, Napi::Object exports, std::function<Pool&()> pool);
}
