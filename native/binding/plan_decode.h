// Decoding the JS plan (src/native.ts NativePlan) into tessera::Plan, and the argument checks the
// binding shares: bad input throws a TypeError/RangeError naming the argument and what is accepted.
#pragma once

#include <napi.h>

#include <cstddef>
#include <string>

#include "engine/plan.h"

namespace tessera::binding {

[[noreturn]] void typeError(Napi::Env env, const std::string& msg);
[[noreturn]] void rangeError(Napi::Env env, const std::string& msg);
std::string at(const std::string& base, size_t i);  // "base[i]"
Napi::Object getObject(Napi::Env env, const Napi::Value& v, const std::string& path);

// The bytes a TypedArray views (TypeError naming `path` for anything else).
struct View {
  void* data = nullptr;
  size_t bytes = 0;
};
View typedView(Napi::Env env, const Napi::Value& v, const std::string& path);
Napi::Array getArray(Napi::Env env, const Napi::Value& v, const std::string& path);

// One stage of plan.stages; path names it in messages ("plan.stages[2]").
Stage parseStage(Napi::Env env, const Napi::Value& v, const std::string& path);

}  // namespace tessera::binding
