// The addon's `cuda` part: libfp4lab_cuda (native/include/fp4lab_cuda.h) loaded at run time.
// Nothing of CUDA is linked into the addon; the library is opened only when `cuda.load(path)` is
// called (main/compute/cudaBackend.ts does that when the GPU backend is asked for), so the addon
// loads and runs on a machine without a driver, a GPU or the library.
#pragma once

#include <napi.h>

namespace fp4lab_binding {

Napi::Object CreateCudaBinding(Napi::Env env);

}  // namespace fp4lab_binding
