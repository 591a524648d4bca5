#include "args.h"

#include <cmath>
#include <sstream>

namespace fp4lab_binding {
namespace {

const char* typed_array_name(napi_typedarray_type type) {
  switch (type) {
    case napi_int8_array: return "Int8Array";
    case napi_uint8_array: return "Uint8Array";
    case napi_uint8_clamped_array: return "Uint8ClampedArray";
    case napi_int16_array: return "Int16Array";
    case napi_uint16_array: return "Uint16Array";
    case napi_int32_array: return "Int32Array";
    case napi_uint32_array: return "Uint32Array";
    case napi_float32_array: return "Float32Array";
    case napi_float64_array: return "Float64Array";
    case napi_bigint64_array: return "BigInt64Array";
    case napi_biguint64_array: return "BigUint64Array";
  }
  return "typed array";
}

std::string describe(const Napi::Value& v) {
  if (v.IsUndefined()) return "undefined";
  if (v.IsNull()) return "null";
  if (v.IsTypedArray()) return typed_array_name(v.As<Napi::TypedArray>().TypedArrayType());
  if (v.IsArrayBuffer()) return "ArrayBuffer";
  if (v.IsArray()) return "an array";
  if (v.IsString()) return "'" + v.As<Napi::String>().Utf8Value() + "'";
  if (v.IsNumber()) {
    std::ostringstream s;
    s << v.As<Napi::Number>().DoubleValue();
    return s.str();
  }
  if (v.IsBoolean()) return v.As<Napi::Boolean>().Value() ? "true" : "false";
  if (v.IsFunction()) return "a function";
  if (v.IsObject()) return "an object";
  return "a value of another type";
}

}  // namespace

void* raw_data_of(const Napi::TypedArray& a) {
  void* data = nullptr;
  if (napi_get_typedarray_info(a.Env(), a, nullptr, nullptr, &data, nullptr, nullptr) != napi_ok) return nullptr;
  return data;
}

void throw_invalid(const Napi::Env& env, const std::string& message, bool range) {
  Napi::Error error = range ? static_cast<Napi::Error>(Napi::RangeError::New(env, message)) : static_cast<Napi::Error>(Napi::TypeError::New(env, message));
  error.Set("code", Napi::String::New(env, "INVALID_ARGUMENT"));
  throw error;
}

void Args::fail(const std::string& what, bool range) const { throw_invalid(env_, fn_ + ": " + what, range); }

Napi::Object Args::object(size_t index, const char* name) const {
  if (info_.Length() <= index || !info_[index].IsObject() || info_[index].IsArray()) {
    fail(std::string(name) + " must be an object; got " + (info_.Length() <= index ? std::string("nothing") : describe(info_[index])));
  }
  return info_[index].As<Napi::Object>();
}

bool Args::has(const Napi::Object& o, const char* key) const {
  const Napi::Value v = o.Get(key);
  return !v.IsUndefined() && !v.IsNull();
}

int64_t Args::integer(const Napi::Object& o, const char* owner, const char* key, int64_t min, int64_t max) const {
  const Napi::Value v = o.Get(key);
  const std::string name = std::string(owner) + "." + key;
  if (!v.IsNumber()) fail(name + " must be an integer; got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d) fail(name + " must be an integer; got " + describe(v), true);
  if (d < static_cast<double>(min) || d > static_cast<double>(max)) {
    fail(name + " must be from " + std::to_string(min) + " to " + std::to_string(max) + "; got " + describe(v), true);
  }
  return static_cast<int64_t>(d);
}

int64_t Args::integer(const Napi::Object& o, const char* owner, const char* key, int64_t min, int64_t max, int64_t fallback) const {
  return has(o, key) ? integer(o, owner, key, min, max) : fallback;
}

int64_t Args::integer_at(size_t index, const char* name, int64_t min, int64_t max) const {
  const Napi::Value v = info_.Length() > index ? info_[index] : env_.Undefined();
  if (!v.IsNumber()) fail(std::string(name) + " must be an integer; got " + describe(v));
  const double d = v.As<Napi::Number>().DoubleValue();
  if (!std::isfinite(d) || std::floor(d) != d || d < static_cast<double>(min) || d > static_cast<double>(max)) {
    fail(std::string(name) + " must be an integer from " + std::to_string(min) + " to " + std::to_string(max) + "; got " + describe(v), true);
  }
  return static_cast<int64_t>(d);
}

double Args::number(const Napi::Object& o, const char* owner, const char* key) const {
  const Napi::Value v = o.Get(key);
  if (!v.IsNumber()) fail(std::string(owner) + "." + key + " must be a number; got " + describe(v));
  return v.As<Napi::Number>().DoubleValue();
}

bool Args::boolean(const Napi::Object& o, const char* owner, const char* key, bool fallback) const {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined()) return fallback;
  if (!v.IsBoolean()) fail(std::string(owner) + "." + key + " must be true or false; got " + describe(v));
  return v.As<Napi::Boolean>().Value();
}

int Args::choice(const Napi::Object& o, const char* owner, const char* key, std::initializer_list<const char*> choices, int fallback) const {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined() && fallback >= 0) return fallback;
  std::string allowed;
  for (const char* c : choices) allowed += (allowed.empty() ? "" : ", ") + std::string(c);
  if (v.IsString()) {
    const std::string s = v.As<Napi::String>().Utf8Value();
    int i = 0;
    for (const char* c : choices) {
      if (s == c) return i;
      i++;
    }
  }
  fail(std::string(owner) + "." + key + " must be one of " + allowed + "; got " + describe(v), v.IsString());
}

Napi::Function Args::function(const Napi::Object& o, const char* owner, const char* key) const {
  const Napi::Value v = o.Get(key);
  if (v.IsUndefined() || v.IsNull()) return Napi::Function();
  if (!v.IsFunction()) fail(std::string(owner) + "." + key + " must be a function; got " + describe(v));
  return v.As<Napi::Function>();
}

Napi::TypedArray Args::typed_array(const Napi::Value& v, const std::string& name, napi_typedarray_type type, int64_t count) const {
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != type) {
    fail(name + " must be a " + typed_array_name(type) + "; got " + describe(v));
  }
  Napi::TypedArray a = v.As<Napi::TypedArray>();
  napi_value buffer = nullptr;
  size_t length = 0;
  void* data = nullptr;
  if (napi_get_typedarray_info(env_, a, nullptr, &length, &data, &buffer, nullptr) != napi_ok) fail(name + " could not be read");
  bool detached = false;
  // A SharedArrayBuffer cannot be detached (and the check does not apply to it).
  if (napi_is_detached_arraybuffer(env_, buffer, &detached) != napi_ok) detached = false;
  if (detached) fail(name + " is detached (its ArrayBuffer was transferred); pass a live " + typed_array_name(type));
  if (count >= 0 && static_cast<int64_t>(length) != count) {
    fail(name + " has " + std::to_string(length) + " elements; the shapes need " + std::to_string(count), true);
  }
  if (length > 0 && data == nullptr) fail(name + " has no backing memory");
  return a;
}

Napi::TypedArray Args::typed_array(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type, int64_t count) const {
  return typed_array(o.Get(key), std::string(owner) + "." + key, type, count);
}

Napi::TypedArray Args::typed_array_at_least(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type,
                                            int64_t min_count) const {
  const Napi::TypedArray a = typed_array(o.Get(key), std::string(owner) + "." + key, type, -1);
  if (static_cast<int64_t>(a.ElementLength()) < min_count) {
    fail(std::string(owner) + "." + key + " has " + std::to_string(a.ElementLength()) + " elements; the shape and stride need at least " +
             std::to_string(min_count),
         true);
  }
  return a;
}

Napi::TypedArray Args::optional_typed_array(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type,
                                            int64_t count) const {
  if (!has(o, key)) return Napi::TypedArray();
  return typed_array(o, owner, key, type, count);
}

}  // namespace fp4lab_binding
