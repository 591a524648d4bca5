// Argument checks for the binding: every JS value is checked before a kernel sees it, and a bad
// one becomes a TypeError / RangeError whose message names the function, the argument and what
// was expected, with `code = 'INVALID_ARGUMENT'`. Nothing here is specific to a backend.
#pragma once

#include <napi.h>

#include <cstdint>
#include <initializer_list>
#include <string>
#include <utility>

namespace fp4lab_binding {

// Throws a JS TypeError (kind "type") or RangeError (kind "range") with code INVALID_ARGUMENT.
[[noreturn]] void throw_invalid(const Napi::Env& env, const std::string& message, bool range = false);

// Reads the arguments of one call; `fn` prefixes every message ("cpu.quantize: ...").
class Args {
 public:
  Args(const Napi::CallbackInfo& info, std::string fn) : info_(info), env_(info.Env()), fn_(std::move(fn)) {}

  const Napi::Env& env() const { return env_; }
  const std::string& fn() const { return fn_; }

  [[noreturn]] void fail(const std::string& what, bool range = false) const;

  Napi::Object object(size_t index, const char* name) const;
  Napi::Value at(size_t index) const { return info_[index]; }
  bool has(size_t index) const { return info_.Length() > index && !info_[index].IsUndefined() && !info_[index].IsNull(); }

  // Properties of an options object; `owner` names it in messages ("params.fp4_format").
  bool has(const Napi::Object& o, const char* key) const;
  int64_t integer(const Napi::Object& o, const char* owner, const char* key, int64_t min, int64_t max) const;
  int64_t integer(const Napi::Object& o, const char* owner, const char* key, int64_t min, int64_t max, int64_t fallback) const;
  int64_t integer_at(size_t index, const char* name, int64_t min, int64_t max) const;
  double number(const Napi::Object& o, const char* owner, const char* key) const;
  bool boolean(const Napi::Object& o, const char* owner, const char* key, bool fallback) const;
  // One of `choices` (strings); returns its index.
  int choice(const Napi::Object& o, const char* owner, const char* key, std::initializer_list<const char*> choices, int fallback = -1) const;
  Napi::Function function(const Napi::Object& o, const char* owner, const char* key) const;  // empty if absent

  // A typed array of the given type, attached, optionally of an exact element count (-1: any).
  Napi::TypedArray typed_array(const Napi::Value& v, const std::string& name, napi_typedarray_type type, int64_t count) const;
  Napi::TypedArray typed_array(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type, int64_t count) const;
  // At least `min_count` elements (a strided view may end before the array does).
  Napi::TypedArray typed_array_at_least(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type, int64_t min_count) const;
  Napi::TypedArray optional_typed_array(const Napi::Object& o, const char* owner, const char* key, napi_typedarray_type type,
                                        int64_t count) const;  // empty if absent

 private:
  const Napi::CallbackInfo& info_;
  Napi::Env env_;
  std::string fn_;
};

// Address of a typed array's first element (also for SharedArrayBuffer-backed arrays).
void* raw_data_of(const Napi::TypedArray& a);

template <class T>
T* data_of(const Napi::TypedArray& a) {
  return static_cast<T*>(raw_data_of(a));
}

}  // namespace fp4lab_binding
