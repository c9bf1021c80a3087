// JS plan → tessera::Plan: reads one stage of the plan object the TypeScript side builds
// (src/native.ts NativeStage), checking types and codes and naming the offending field; the
// engine's validatePlan then checks the plan as a whole.
#include "binding/plan_decode.h"

#include <cmath>
#include <cstdint>
#include <vector>

#include "engine/ops.h"

namespace tessera::binding {
namespace {
constexpr double kMaxSafe = 9007199254740992.0;  // 2^53
}  // namespace

[[noreturn]] void typeError(Napi::Env env, const std::string& msg) {
  throw Napi::TypeError::New(env, msg);
}
[[noreturn]] void rangeError(Napi::Env env, const std::string& msg) {
  throw Napi::RangeError::New(env, msg);
}

std::string at(const std::string& base, size_t i) { return base + "[" + std::to_string(i) + "]"; }

double getNumber(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsNumber()) typeError(env, path + ": expected a number");
  return v.As<Napi::Number>().DoubleValue();
}

int64_t toInt(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsNumber()) typeError(env, path + ": expected an integer (a number)");
  double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d)
    typeError(env, path + ": expected an integer, got " + v.ToString().Utf8Value());
  if (std::fabs(d) > kMaxSafe)
    rangeError(env, path + ": " + v.ToString().Utf8Value() + " is not a safe integer (|x| <= 2^53)");
  return static_cast<int64_t>(d);
}

int32_t toInt32(Napi::Env env, const Napi::Value& v, const std::string& path) {
  int64_t x = toInt(env, v, path);
  if (x < INT32_MIN || x > INT32_MAX) rangeError(env, path + ": " + std::to_string(x) + " out of int32 range");
  return static_cast<int32_t>(x);
}

// A code of one of the operation table's enums (engine/ops.h): rejects codes with no row.
template <size_t N>
int64_t enumField(Napi::Env env, const Napi::Value& v, const std::string& path, const EnumInfo (&rows)[N]) {
  int64_t x = toInt(env, v, path);
  if (!findEnum(rows, x))
    rangeError(env, path + ": " + std::to_string(x) + " unknown (accepted: " + acceptedCodes(rows) + ")");
  return x;
}

View typedView(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsTypedArray()) typeError(env, path + ": expected a TypedArray");
  napi_typedarray_type type;
  size_t length = 0, offset = 0;
  void* data = nullptr;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &data, &ab, &offset) != napi_ok)
    typeError(env, path + ": unreadable TypedArray");
  return View{data, length * v.As<Napi::TypedArray>().ElementSize()};
}

Napi::Object getObject(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsObject() || v.IsArray()) typeError(env, path + ": expected an object");
  return v.As<Napi::Object>();
}

Napi::Array getArray(Napi::Env env, const Napi::Value& v, const std::string& path) {
  if (!v.IsArray()) typeError(env, path + ": expected an array");
  return v.As<Napi::Array>();
}

std::vector<int64_t> intArray(Napi::Env env, const Napi::Value& v, const std::string& path) {
  std::vector<int64_t> out;
  if (v.IsTypedArray()) {
    Napi::TypedArray ta = v.As<Napi::TypedArray>();
    size_t n = ta.ElementLength();
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(toInt(env, ta.Get(static_cast<uint32_t>(i)), at(path, i)));
    return out;
  }
  Napi::Array a = getArray(env, v, path);
  uint32_t n = a.Length();
  out.reserve(n);
  for (uint32_t i = 0; i < n; ++i) out.push_back(toInt(env, a.Get(i), at(path, i)));
  return out;
}

Napi::Value field(const Napi::Object& o, const char* name) { return o.Get(name); }

// o.dtype: a dtype code of the table, float64 when absent.
DType dtypeField(Napi::Env env, const Napi::Object& o, const std::string& path) {
  Napi::Value dt = field(o, "dtype");
  return dt.IsUndefined() ? DType::F64 : static_cast<DType>(enumField(env, dt, path + ".dtype", kDTypeInfo));
}

Leaf parseLeaf(Napi::Env env, const Napi::Value& v, const std::string& path) {
  Napi::Object o = getObject(env, v, path);
  Leaf l;
  l.kind = static_cast<LeafKind>(enumField(env, field(o, "kind"), path + ".kind", kLeafKindInfo));
  l.dtype = dtypeField(env, o, path);
  Napi::Value off = field(o, "offset");
  l.offset = off.IsUndefined() ? 0 : toInt(env, off, path + ".offset");
  l.strides = intArray(env, field(o, "strides"), path + ".strides");
  Napi::Value a = field(o, "a"), b = field(o, "b"), seed = field(o, "seed"), buf = field(o, "buffer");
  l.a = a.IsUndefined() ? 0 : getNumber(env, a, path + ".a");
  l.b = b.IsUndefined() ? 0 : getNumber(env, b, path + ".b");
  if (!seed.IsUndefined()) {
    int64_t s = toInt(env, seed, path + ".seed");
    if (s < 0) rangeError(env, path + ".seed: " + std::to_string(s) + " out of range (accepted: 0 <= seed < 2^53)");
    l.seed = static_cast<uint64_t>(s);
  }
  l.buffer = buf.IsUndefined() ? -1 : toInt32(env, buf, path + ".buffer");
  return l;
}

Sink parseSink(Napi::Env env, const Napi::Value& v, const std::string& path) {
  Napi::Object o = getObject(env, v, path);
  Sink s;
  s.reduce = static_cast<ReduceOp>(enumField(env, field(o, "reduce"), path + ".reduce", kReduceInfo));
  s.dtype = dtypeField(env, o, path);
  s.buffer = toInt32(env, field(o, "buffer"), path + ".buffer");
  Napi::Value off = field(o, "offset");
  s.offset = off.IsUndefined() ? 0 : toInt(env, off, path + ".offset");
  s.strides = intArray(env, field(o, "strides"), path + ".strides");
  Napi::Value ra = field(o, "reduceAxes");
  if (!ra.IsUndefined()) {
    std::vector<int64_t> axes = intArray(env, ra, path + ".reduceAxes");
    for (size_t k = 0; k < axes.size(); ++k) {
      if (axes[k] != 0 && axes[k] != 1)
        rangeError(env, at(path + ".reduceAxes", k) + ": " + std::to_string(axes[k]) + " (accepted: 0 or 1)");
      s.reduceAxes.push_back(static_cast<uint8_t>(axes[k]));
    }
  }
  Napi::Value dd = field(o, "ddof");
  s.ddof = dd.IsUndefined() ? 0 : getNumber(env, dd, path + ".ddof");
  Napi::Value pa = field(o, "partials");
  if (!pa.IsUndefined()) {
    if (!pa.IsBoolean()) typeError(env, path + ".partials: expected a boolean");
    s.partials = pa.As<Napi::Boolean>().Value();
  }
  return s;
}

Stage parseStage(Napi::Env env, const Napi::Value& v, const std::string& path) {
  Napi::Object o = getObject(env, v, path);
  Stage st;
  Napi::Value kind = field(o, "kind");
  if (!kind.IsUndefined()) {
    // the public plan JSON names kinds ("kernel", "matmul"); the TS lowering passes codes
    if (kind.IsString()) {
      const std::string name = kind.As<Napi::String>().Utf8Value();
      const EnumInfo* row = nullptr;
      for (const EnumInfo& r : kStageKindInfo)
        if (name == r.plan) row = &r;
      if (!row) rangeError(env, path + ".kind: \"" + name + "\" unknown (accepted: " + acceptedCodes(kStageKindInfo) + ")");
      st.kind = static_cast<StageKind>(row->code);
    } else {
      st.kind = static_cast<StageKind>(enumField(env, kind, path + ".kind", kStageKindInfo));
    }
  }
  Napi::Value contract = field(o, "contract");
  if (!contract.IsUndefined()) st.contract = toInt(env, contract, path + ".contract");
  st.shape = intArray(env, field(o, "shape"), path + ".shape");
  if (st.shape.size() > static_cast<size_t>(kMaxDims))
    rangeError(env, path + ".shape: has " + std::to_string(st.shape.size()) + " axes (accepted: 0.." +
                        std::to_string(kMaxDims) + ")");
  Napi::Array chunks = getArray(env, field(o, "chunks"), path + ".chunks");
  for (uint32_t k = 0; k < chunks.Length(); ++k)
    st.chunks.push_back(intArray(env, chunks.Get(k), at(path + ".chunks", k)));
  Napi::Array leaves = getArray(env, field(o, "leaves"), path + ".leaves");
  for (uint32_t i = 0; i < leaves.Length(); ++i)
    st.leaves.push_back(parseLeaf(env, leaves.Get(i), at(path + ".leaves", i)));

  Napi::Value prog = field(o, "program");
  std::vector<int32_t> words;
  if (prog.IsTypedArray() && prog.As<Napi::TypedArray>().TypedArrayType() == napi_int32_array) {
    Napi::Int32Array a = prog.As<Napi::Int32Array>();
    words.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (prog.IsArray()) {
    Napi::Array a = prog.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) words.push_back(toInt32(env, a.Get(i), at(path + ".program", i)));
  } else {
    typeError(env, path + ".program: expected an Int32Array (4 int32 per instruction: op, dst, a, b)");
  }
  if (words.size() % 4 != 0)
    rangeError(env, path + ".program: length " + std::to_string(words.size()) +
                        " is not a multiple of 4 (op, dst, a, b per instruction)");
  for (size_t i = 0; i < words.size(); i += 4)
    st.program.push_back(Instr{static_cast<Op>(words[i]), words[i + 1], words[i + 2], words[i + 3]});

  Napi::Value imms = field(o, "imms");
  if (imms.IsTypedArray() && imms.As<Napi::TypedArray>().TypedArrayType() == napi_float64_array) {
    Napi::Float64Array a = imms.As<Napi::Float64Array>();
    st.imms.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (imms.IsArray()) {
    Napi::Array a = imms.As<Napi::Array>();
    for (uint32_t i = 0; i < a.Length(); ++i) st.imms.push_back(getNumber(env, a.Get(i), at(path + ".imms", i)));
  } else if (!imms.IsUndefined()) {
    typeError(env, path + ".imms: expected a Float64Array");
  }
  // exact integer immediates (plan.h): optional, a Uint8Array of kinds and a BigInt64Array of values
  Napi::Value kinds = field(o, "immKinds");
  if (kinds.IsTypedArray() && kinds.As<Napi::TypedArray>().TypedArrayType() == napi_uint8_array) {
    Napi::Uint8Array a = kinds.As<Napi::Uint8Array>();
    st.immKinds.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (!kinds.IsUndefined()) {
    typeError(env, path + ".immKinds: expected a Uint8Array (0 float, 1 int64, 2 uint64 per immediate)");
  }
  Napi::Value ints = field(o, "immInts");
  if (ints.IsTypedArray() && ints.As<Napi::TypedArray>().TypedArrayType() == napi_bigint64_array) {
    Napi::TypedArrayOf<int64_t> a = ints.As<Napi::TypedArrayOf<int64_t>>();
    st.immInts.assign(a.Data(), a.Data() + a.ElementLength());
  } else if (!ints.IsUndefined()) {
    typeError(env, path + ".immInts: expected a BigInt64Array (the bits of each exact integer immediate)");
  }
  st.nregs = toInt32(env, field(o, "nregs"), path + ".nregs");
  st.result = toInt32(env, field(o, "result"), path + ".result");
  st.sink = parseSink(env, field(o, "sink"), path + ".sink");
  return st;
}

}  // namespace tessera::binding
