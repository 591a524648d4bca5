// The addon's `cpu` part (native/cpu through native/include/fp4lab.h).
#pragma once

#include <napi.h>

namespace fp4lab_binding {

Napi::Object CreateCpuBinding(Napi::Env env);

}  // namespace fp4lab_binding
