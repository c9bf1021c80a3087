// opTable(): the operation table as the compiled engine sees it (codes, names, arity, kernels,
// reductions, leaf kinds, dtypes, limits), so test/plan/ops-table.test.ts can prove that the
// binary and native/engine/ops.json agree.
#pragma once

#include <napi.h>

namespace tessera {
void InitOpTable(Napi::Env env, Napi::Object exports);
}
