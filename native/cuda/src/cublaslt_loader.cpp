// Loads libcublasLt at run time, so the library needs no cuBLAS at build time and a machine
// without it still runs every other path (and says why the cuBLASLt paths are missing).
#include <dlfcn.h>

#include <cstring>
#include <string>

#include "common.h"
#include "cublaslt_api.h"

namespace fp4lab {

namespace {
template <typename F>
bool resolve(void* lib, const char* name, F& fn) {
  fn = reinterpret_cast<F>(dlsym(lib, name));
  return fn != nullptr;
}
}  // namespace

int32_t load_cublaslt(CublasLt** out) {
  *out = nullptr;
  const char* names[] = {"libcublasLt.so.13", "libcublasLt.so.12", "libcublasLt.so"};
  void* lib = nullptr;
  std::string tried;
  for (const char* n : names) {
    lib = dlopen(n, RTLD_NOW | RTLD_LOCAL);
    if (lib) break;
    const char* e = dlerror();
    tried += std::string(tried.empty() ? "" : "; ") + (e ? e : n);
  }
  if (!lib) return fail(FP4LAB_CUDA_UNAVAILABLE, "cuBLASLt could not be loaded (%s); install the CUDA toolkit's cuBLAS or add its lib folder to LD_LIBRARY_PATH", tried.c_str());
  CublasLt* lt = new CublasLt();
  lt::Api& a = lt->api;
  a.lib = lib;
  bool ok = resolve(lib, "cublasLtGetVersion", a.GetVersion) && resolve(lib, "cublasLtCreate", a.Create) &&
            resolve(lib, "cublasLtDestroy", a.Destroy) && resolve(lib, "cublasLtMatmulDescCreate", a.MatmulDescCreate) &&
            resolve(lib, "cublasLtMatmulDescDestroy", a.MatmulDescDestroy) &&
            resolve(lib, "cublasLtMatmulDescSetAttribute", a.MatmulDescSetAttribute) &&
            resolve(lib, "cublasLtMatrixLayoutCreate", a.MatrixLayoutCreate) &&
            resolve(lib, "cublasLtMatrixLayoutDestroy", a.MatrixLayoutDestroy) &&
            resolve(lib, "cublasLtMatmulPreferenceCreate", a.MatmulPreferenceCreate) &&
            resolve(lib, "cublasLtMatmulPreferenceDestroy", a.MatmulPreferenceDestroy) &&
            resolve(lib, "cublasLtMatmulPreferenceSetAttribute", a.MatmulPreferenceSetAttribute) &&
            resolve(lib, "cublasLtMatmulAlgoGetHeuristic", a.MatmulAlgoGetHeuristic) && resolve(lib, "cublasLtMatmul", a.Matmul);
  if (!ok) {
    dlclose(lib);
    delete lt;
    return fail(FP4LAB_CUDA_UNAVAILABLE, "the loaded cuBLASLt lacks a function this library needs (too old?)");
  }
  lt->version = a.GetVersion();
  if (a.Create(&lt->handle) != lt::kSuccess) {
    dlclose(lib);
    delete lt;
    return fail(FP4LAB_CUDA_UNAVAILABLE, "cublasLtCreate failed");
  }
  *out = lt;
  return FP4LAB_CUDA_OK;
}

void unload_cublaslt(CublasLt* lt) {
  if (!lt) return;
  if (lt->handle) lt->api.Destroy(lt->handle);
  // The library stays loaded: other contexts may share it, and unloading CUDA libraries at exit is fragile.
  delete lt;
}

}  // namespace fp4lab
