#include "binding/op_table.h"

#include <cstdint>

#include "engine/ops.h"
#include "engine/plan.h"

namespace tessera {
namespace {

// The kernel each op dispatches to (the same X-macros the executor's dispatch table uses).
struct OpKernelName {
  Op op;
  const char* kernel;
};
constexpr OpKernelName kKernelNames[] = {
#define TESSERA_X(cname, kernel) {Op::cname, #kernel},
    TESSERA_OP_KERNELS(TESSERA_X)
#undef TESSERA_X
};

Napi::Value kernelName(Napi::Env env, Op op) {
  for (const OpKernelName& k : kKernelNames)
    if (k.op == op) return Napi::String::New(env, k.kernel);
  return env.Null();
}

template <size_t N>
Napi::Array enumRows(Napi::Env env, const EnumInfo (&rows)[N]) {
  Napi::Array out = Napi::Array::New(env, N);
  for (size_t i = 0; i < N; ++i) {
    Napi::Object r = Napi::Object::New(env);
    r.Set("code", rows[i].code);
    r.Set("cname", rows[i].cname);
    r.Set("plan", rows[i].plan);
    out.Set(static_cast<uint32_t>(i), r);
  }
  return out;
}

Napi::Value OpTable(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object t = Napi::Object::New(env);

  constexpr size_t nops = sizeof(kOpInfo) / sizeof(kOpInfo[0]);
  Napi::Array ops = Napi::Array::New(env, nops);
  for (size_t i = 0; i < nops; ++i) {
    const OpInfo& o = kOpInfo[i];
    Napi::Object r = Napi::Object::New(env);
    r.Set("code", static_cast<int32_t>(o.op));
    r.Set("cname", o.cname);
    r.Set("plan", o.plan);
    r.Set("arity", o.arity);
    r.Set("kernel", kernelName(env, o.op));
    ops.Set(static_cast<uint32_t>(i), r);
  }
  t.Set("ops", ops);
  t.Set("reductions", enumRows(env, kReduceInfo));
  t.Set("leafKinds", enumRows(env, kLeafKindInfo));
  t.Set("stageKinds", enumRows(env, kStageKindInfo));

  // dtypes are named by their NumPy name ("float64"); plan/size come from the engine's own view
  Napi::Array dtypes = enumRows(env, kDTypeInfo);
  for (uint32_t i = 0; i < dtypes.Length(); ++i) {
    Napi::Object r = dtypes.Get(i).As<Napi::Object>();
    r.Set("name", r.Get("plan"));
    r.Delete("plan");
    r.Set("size", static_cast<double>(dtypeSize(static_cast<DType>(kDTypeInfo[i].code))));
  }
  t.Set("dtypes", dtypes);

  Napi::Object limits = Napi::Object::New(env);
#define TESSERA_X(cname, key, value) limits.Set(key, static_cast<double>(cname));
  TESSERA_LIMITS(TESSERA_X)
#undef TESSERA_X
  t.Set("limits", limits);
  return t;
}

}  // namespace

void InitOpTable(Napi::Env env, Napi::Object exports) {
  exports.Set("opTable", Napi::Function::New(env, OpTable, "opTable"));
}

}  // namespace tessera
