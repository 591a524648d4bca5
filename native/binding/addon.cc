// The fp4lab addon's entry point. Each backend is one property of the exports, built by its own
// file on the shared helpers (args.h, kernel_job.h):
//   cpu   native/cpu kernels, linked in
//   cuda  (to come) libfp4lab_cuda, dlopen'ed on first use so a machine without CUDA still
//         loads this addon; it plugs in here as `exports.cuda = CreateCudaBinding(env)`.
#include <napi.h>

#include "cpu_binding.h"
#include "fp4lab.h"

namespace {

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("abiVersion", Napi::Number::New(env, FP4LAB_ABI_VERSION));
  exports.Set("cpu", fp4lab_binding::CreateCpuBinding(env));
  return exports;
}

}  // namespace

NODE_API_MODULE(fp4lab, Init)
