// The fp4lab addon's entry point. Each backend is one property of the exports, built by its own
// file on the shared helpers (args.h, kernel_job.h):
//   cpu   native/cpu kernels, linked in
//   cuda  libfp4lab_cuda, dlopen'ed by cuda.load() when the GPU backend is asked for, so a
//         machine without CUDA still loads this addon (no CUDA headers or libraries to build it)
#include <napi.h>

#include "cpu_binding.h"
#include "cuda_binding.h"
#include "fp4lab.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, FP4LAB_ABI_VERSION));
  exports.Set("cpu", fp4lab_binding::CreateCpuBinding(env));
  exports.Set("cuda", fp4lab_binding::CreateCudaBinding(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(fp4lab, Init)
