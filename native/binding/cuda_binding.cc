// The `cuda` object of the addon: thin glue from JS values to libfp4lab_cuda's C ABI
// (native/include/fp4lab_cuda.h), which is opened with dlopen by `cuda.load(path)` and never
// linked. Until it is loaded, every other function throws BACKEND_UNAVAILABLE; a library that is
// missing, of another ABI version or lacking a function is a reason string, never a crash.
//
// Each call runs as a KernelJob on a libuv worker thread. The library wants one context per
// thread at a time (calls on a context are not concurrent), so contexts live in a pool: a job
// takes an idle one or creates one, and gives it back when it ends; there are never more than
// the jobs that ran at once. Shapes and buffer lengths are checked here (TypeError/RangeError
// naming the argument); the library's own checks come back as rejections with a code.
#include <cstdint>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>
#include <vector>

#if defined(_WIN32)
#include <windows.h>
#else
#include <dlfcn.h>
#endif

#include "args.h"
#include "packed_operand.h"
#include "cuda_binding.h"
#include "fp4lab_cuda.h"
#include "kernel_job.h"

namespace fp4lab_binding {
namespace {

// ---- the library, resolved by name ----

struct CudaLibrary {
  std::string path;
  decltype(&fp4lab_cuda_abi_version) abi_version = nullptr;
  decltype(&fp4lab_cuda_last_error) last_error = nullptr;
  decltype(&fp4lab_cuda_status_name) status_name = nullptr;
  decltype(&fp4lab_cuda_build_archs) build_archs = nullptr;
  decltype(&fp4lab_cuda_probe) probe = nullptr;
  decltype(&fp4lab_cuda_context_create) context_create = nullptr;
  decltype(&fp4lab_cuda_context_destroy) context_destroy = nullptr;
  decltype(&fp4lab_cuda_quantized_shape) quantized_shape = nullptr;
  decltype(&fp4lab_cuda_quantize_host) quantize_host = nullptr;
  decltype(&fp4lab_cuda_dequantize_host) dequantize_host = nullptr;
  decltype(&fp4lab_cuda_matmul_host) matmul_host = nullptr;
};

#if defined(_WIN32)
using LibraryHandle = HMODULE;
LibraryHandle open_library(const std::string& path) { return LoadLibraryA(path.c_str()); }
void* find_symbol(LibraryHandle h, const char* name) { return reinterpret_cast<void*>(GetProcAddress(h, name)); }
void close_library(LibraryHandle h) { FreeLibrary(h); }
std::string open_error() { return "LoadLibrary failed with error " + std::to_string(GetLastError()); }
#else
using LibraryHandle = void*;
// RTLD_LOCAL: the library's statically linked CUDA runtime stays out of the global namespace.
LibraryHandle open_library(const std::string& path) { return dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL); }
void* find_symbol(LibraryHandle h, const char* name) { return dlsym(h, name); }
void close_library(LibraryHandle h) { dlclose(h); }
std::string open_error() {
  const char* e = dlerror();
  return e ? e : "unknown dlopen error";
}
#endif

// Set once, never unloaded: jobs on worker threads read it without a lock.
std::mutex g_load_mutex;
const CudaLibrary* g_library = nullptr;

const CudaLibrary* loaded_library() {
  std::lock_guard<std::mutex> lock(g_load_mutex);
  return g_library;
}

// Opens and checks the library; on failure returns null and says why in `reason`.
const CudaLibrary* load_library(const std::string& path, std::string* reason) {
  std::lock_guard<std::mutex> lock(g_load_mutex);
  if (g_library) {
    // A process uses one library: loading it again is a no-op, another one is refused.
    if (g_library->path == path) return g_library;
    *reason = "the CUDA library " + g_library->path + " is already loaded in this process; " + path + " cannot be loaded beside it";
    return nullptr;
  }
  LibraryHandle handle = open_library(path);
  if (!handle) {
    *reason = "the CUDA library " + path + " could not be loaded: " + open_error();
    return nullptr;
  }
  auto lib = std::make_unique<CudaLibrary>();
  lib->path = path;
  std::string missing;
  auto resolve = [&](auto& fn, const char* name) {
    fn = reinterpret_cast<std::remove_reference_t<decltype(fn)>>(find_symbol(handle, name));
    if (!fn) missing += (missing.empty() ? "" : ", ") + std::string(name);
  };
  resolve(lib->abi_version, "fp4lab_cuda_abi_version");
  resolve(lib->last_error, "fp4lab_cuda_last_error");
  resolve(lib->status_name, "fp4lab_cuda_status_name");
  resolve(lib->build_archs, "fp4lab_cuda_build_archs");
  resolve(lib->probe, "fp4lab_cuda_probe");
  resolve(lib->context_create, "fp4lab_cuda_context_create");
  resolve(lib->context_destroy, "fp4lab_cuda_context_destroy");
  resolve(lib->quantized_shape, "fp4lab_cuda_quantized_shape");
  resolve(lib->quantize_host, "fp4lab_cuda_quantize_host");
  resolve(lib->dequantize_host, "fp4lab_cuda_dequantize_host");
  resolve(lib->matmul_host, "fp4lab_cuda_matmul_host");
  if (!lib->abi_version) {
    *reason = path + " is not a libfp4lab_cuda build (it exports no fp4lab_cuda_abi_version)";
    close_library(handle);
    return nullptr;
  }
  // The version before the rest: a library of another ABI may lack functions for that reason.
  if (lib->abi_version && lib->abi_version() != FP4LAB_CUDA_ABI_VERSION) {
    *reason = "the CUDA library " + path + " speaks ABI version " + std::to_string(lib->abi_version()) + ", this addon expects " +
              std::to_string(FP4LAB_CUDA_ABI_VERSION) + " (rebuild both: npm run build:native && npm run build:cuda)";
    close_library(handle);
    return nullptr;
  }
  if (!missing.empty()) {
    *reason = "the CUDA library " + path + " lacks " + missing + " (rebuild it: npm run build:cuda)";
    close_library(handle);
    return nullptr;
  }
  g_library = lib.release();  // the handle stays open for the life of the process
  return g_library;
}

// ---- contexts ----

class ContextPool {
 public:
  // An idle context, or a new one; null with the library's status when none can be made.
  fp4lab_cuda_context* acquire(const CudaLibrary& lib, int32_t* status) {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!idle_.empty()) {
        fp4lab_cuda_context* ctx = idle_.back();
        idle_.pop_back();
        *status = FP4LAB_CUDA_OK;
        return ctx;
      }
    }
    fp4lab_cuda_context* ctx = nullptr;
    *status = lib.context_create(0, &ctx);
    return *status == FP4LAB_CUDA_OK ? ctx : nullptr;
  }

  void release(fp4lab_cuda_context* ctx) {
    std::lock_guard<std::mutex> lock(mutex_);
    idle_.push_back(ctx);
  }

  // Frees the device memory of the contexts no job holds (when the last JS environment using the
  // addon goes away; the CUDA runtime is still alive then, unlike in static destructors).
  void destroy_idle(const CudaLibrary& lib) {
    std::vector<fp4lab_cuda_context*> idle;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      idle.swap(idle_);
    }
    for (fp4lab_cuda_context* ctx : idle) lib.context_destroy(ctx);
  }

 private:
  std::mutex mutex_;
  std::vector<fp4lab_cuda_context*> idle_;
};

// Deliberately leaked: worker threads may still hand contexts back while the process exits.
ContextPool& pool() {
  static ContextPool* p = new ContextPool();
  return *p;
}

std::mutex g_env_mutex;
int g_env_count = 0;

void on_env_cleanup(void*) {
  std::lock_guard<std::mutex> lock(g_env_mutex);
  if (--g_env_count > 0) return;
  if (const CudaLibrary* lib = loaded_library()) pool().destroy_idle(*lib);
}

// ---- statuses and errors ----

const char* code_of(int32_t status) {
  switch (status) {
    case FP4LAB_CUDA_OK: return "OK";
    case FP4LAB_CUDA_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case FP4LAB_CUDA_NON_FINITE: return "NON_FINITE";
    case FP4LAB_CUDA_OUT_OF_MEMORY: return "CUDA_OOM";
    case FP4LAB_CUDA_CANCELLED: return "CANCELLED";
    default: return "BACKEND_UNAVAILABLE";  // no driver/device, unsupported GPU, a failed CUDA call
  }
}

// Read right after the failed call, on the same thread (the library's message is thread-local).
JobOutcome outcome_of(const CudaLibrary& lib, int32_t status, const char* op) {
  if (status == FP4LAB_CUDA_OK) return {};
  if (status == FP4LAB_CUDA_CANCELLED) return {false, "CANCELLED", std::string(op) + " was cancelled"};
  const char* message = lib.last_error();
  return {false, code_of(status), std::string("cuda.") + op + ": " + lib.status_name(status) + ": " + (message && *message ? message : "no message")};
}

const CudaLibrary& require_library(const Args& args) {
  const CudaLibrary* lib = loaded_library();
  if (!lib) {
    Napi::Error error = Napi::Error::New(args.env(), args.fn() + ": the CUDA library is not loaded (cuda.load(path) first)");
    error.Set("code", Napi::String::New(args.env(), "BACKEND_UNAVAILABLE"));
    throw error;
  }
  return *lib;
}

// One call on a pooled context, as a job's outcome.
template <class Call>
JobOutcome with_context(const CudaLibrary& lib, const char* op, const JobControl& control, Call call) {
  int32_t status = FP4LAB_CUDA_OK;
  fp4lab_cuda_context* ctx = pool().acquire(lib, &status);
  if (!ctx) return outcome_of(lib, status, op);
  fp4lab_cuda_job job{};
  job.on_progress = control.progress;
  job.user = control.progress_user;
  job.cancel = control.cancel;
  status = call(ctx, &job);
  JobOutcome outcome = outcome_of(lib, status, op);
  pool().release(ctx);
  return outcome;
}

// The addon's only ISA word for this backend (the job argument is shared with cpu).
const std::initializer_list<const char*> kIsaNames = {"auto"};
const char* const kGemmPathNames[] = {"auto", "wgmma_sm90", "cublaslt_bf16", "cublaslt_fp4", "cutlass_fp4"};
constexpr int kGemmPathCount = sizeof(kGemmPathNames) / sizeof(kGemmPathNames[0]);

int32_t parse_format(const Args& args, const Napi::Object& o, const char* owner) {
  return args.choice(o, owner, "fp4_format", {"nvfp4", "mxfp4"}) == 0 ? FP4LAB_CUDA_NVFP4 : FP4LAB_CUDA_MXFP4;
}

// A packed operand (packed_operand.h) as the CUDA library's struct, with the arrays the job keeps.
struct PackedArg {
  fp4lab_cuda_packed packed{};
  Napi::Object e2m1;
  Napi::Object sf;
};

PackedArg parse_packed(const Args& args, size_t index, const char* name) {
  const PackedOperand o = parse_packed_operand(args, index, name, true);
  PackedArg p;
  p.packed.fp4_format = o.nvfp4 ? FP4LAB_CUDA_NVFP4 : FP4LAB_CUDA_MXFP4;
  p.packed.padded_rows = o.padded_rows;
  p.packed.padded_cols = o.padded_cols;
  p.packed.rows = o.rows;
  p.packed.cols = o.cols;
  p.packed.e2m1 = o.e2m1;
  p.packed.sf = o.sf;
  p.packed.normconst = o.normconst;
  p.e2m1 = o.e2m1_array;
  p.sf = o.sf_array;
  return p;
}

// fp16 bits -> fp32, exactly (every fp16 value is an fp32 value).
float half_to_float(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000u) << 16;
  const uint32_t exponent = (h >> 10) & 0x1fu;
  const uint32_t mantissa = h & 0x3ffu;
  uint32_t bits;
  if (exponent == 0) {
    if (mantissa == 0) {
      bits = sign;
    } else {  // subnormal: normalize
      int shift = 0;
      uint32_t m = mantissa;
      while ((m & 0x400u) == 0) {
        m <<= 1;
        shift++;
      }
      bits = sign | static_cast<uint32_t>(113 - shift) << 23 | (m & 0x3ffu) << 13;
    }
  } else if (exponent == 31) {
    bits = sign | 0x7f800000u | mantissa << 13;
  } else {
    bits = sign | (exponent + 112) << 23 | mantissa << 13;
  }
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

// ---- the functions ----

// load(path) -> { ok: true, path, abiVersion, buildArchs } | { ok: false, reason }
Napi::Value Load(const Napi::CallbackInfo& info) {
  Args args(info, "cuda.load");
  if (info.Length() < 1 || !info[0].IsString()) args.fail("path must be a string (the path of libfp4lab_cuda)");
  const std::string path = info[0].As<Napi::String>().Utf8Value();
  // Absolute only: a bare name would make dlopen search the system's library paths.
#if defined(_WIN32)
  const bool absolute = path.size() > 2 && (path[1] == ':' || (path[0] == '\\' && path[1] == '\\'));
#else
  const bool absolute = !path.empty() && path[0] == '/';
#endif
  if (!absolute) args.fail("path must be absolute; got '" + path + "'", true);
  std::string reason;
  const CudaLibrary* lib = load_library(path, &reason);
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("ok", Napi::Boolean::New(env, lib != nullptr));
  if (!lib) {
    result.Set("reason", Napi::String::New(env, reason));
    return result;
  }
  result.Set("path", Napi::String::New(env, lib->path));
  result.Set("abiVersion", Napi::Number::New(env, lib->abi_version()));
  result.Set("buildArchs", Napi::String::New(env, lib->build_archs()));
  return result;
}

Napi::Array path_names(Napi::Env env, uint32_t bits) {
  Napi::Array names = Napi::Array::New(env);
  uint32_t n = 0;
  for (int p = 1; p < kGemmPathCount; p++) {
    if (bits & FP4LAB_CUDA_PATH_BIT(p)) names.Set(n++, Napi::String::New(env, kGemmPathNames[p]));
  }
  return names;
}

// probe(device?) -> { status: 'OK' | 'NO_DRIVER' | ..., message, info?: {...} } (synchronous: a
// few hundred ms on a GPU machine, once per process; microseconds without a driver).
Napi::Value Probe(const Napi::CallbackInfo& info) {
  Args args(info, "cuda.probe");
  const CudaLibrary& lib = require_library(args);
  const int32_t device = args.has(0) ? static_cast<int32_t>(args.integer_at(0, "device", 0, 1024)) : 0;
  fp4lab_cuda_device_info d{};
  const int32_t status = lib.probe(device, &d);
  Napi::Env env = info.Env();
  Napi::Object result = Napi::Object::New(env);
  result.Set("status", Napi::String::New(env, lib.status_name(status)));
  const char* message = lib.last_error();
  result.Set("message", Napi::String::New(env, status == FP4LAB_CUDA_OK ? "" : (message && *message ? message : d.detail)));
  // UNSUPPORTED_ARCH still names the device and its compute capability.
  if (status == FP4LAB_CUDA_OK || status == FP4LAB_CUDA_UNSUPPORTED_ARCH) {
    Napi::Object o = Napi::Object::New(env);
    o.Set("name", Napi::String::New(env, d.name));
    o.Set("device", Napi::Number::New(env, d.device));
    o.Set("ccMajor", Napi::Number::New(env, d.cc_major));
    o.Set("ccMinor", Napi::Number::New(env, d.cc_minor));
    o.Set("multiprocessors", Napi::Number::New(env, d.multiprocessors));
    o.Set("globalMemoryBytes", Napi::Number::New(env, static_cast<double>(d.global_memory_bytes)));
    o.Set("driverVersion", Napi::Number::New(env, d.driver_version));
    o.Set("runtimeVersion", Napi::Number::New(env, d.runtime_version));
    o.Set("cublasltVersion", Napi::Number::New(env, d.cublaslt_version));
    o.Set("gemmPaths", path_names(env, d.gemm_paths));
    o.Set("gemmPathsUnverified", path_names(env, d.gemm_paths_unverified));
    const int def = d.default_gemm_path;
    o.Set("defaultGemmPath", Napi::String::New(env, def > 0 && def < kGemmPathCount && (d.gemm_paths & FP4LAB_CUDA_PATH_BIT(def)) ? kGemmPathNames[def] : "none"));
    o.Set("detail", Napi::String::New(env, d.detail));
    result.Set("info", o);
  }
  return result;
}

// quantize(x: Float32Array, rows, cols, params, out: {e2m1, sf, blockScales?, blockSelection?}, job?) -> Promise<{normconst, amax}>
// params as cpu.quantize's; input_dtype is the precision the fp32 values came from.
Napi::Value Quantize(const Napi::CallbackInfo& info) {
  Args args(info, "cuda.quantize");
  const CudaLibrary& lib = require_library(args);
  const int64_t rows = args.integer_at(1, "rows", 1, int64_t{1} << 31);
  const int64_t cols = args.integer_at(2, "cols", 1, int64_t{1} << 31);
  const Napi::TypedArray x = args.typed_array(args.at(0), "x", napi_float32_array, rows * cols);
  const Napi::Object po = args.object(3, "params");

  fp4lab_cuda_quantize_kwargs kwargs{};
  kwargs.fp4_format = parse_format(args, po, "params");
  kwargs.scale_rule = args.choice(po, "params", "scale_rule", {"abs_max", "always_4", "always_6", "l1_norm", "mse"});
  kwargs.block_scale_2d = args.boolean(po, "params", "block_scale_2d", false) ? 1 : 0;
  kwargs.transpose = args.boolean(po, "params", "transpose", false) ? 1 : 0;
  kwargs.round_style = args.choice(po, "params", "round_style", {"nearest", "stochastic"}, 0);
  kwargs.seed = static_cast<uint32_t>(args.integer(po, "params", "seed", 0, 0xffffffffLL, 0));
  fp4lab_cuda_matrix matrix{};
  matrix.rows = rows;
  matrix.cols = cols;
  matrix.storage = FP4LAB_CUDA_F32;
  matrix.value_dtype = args.choice(po, "params", "input_dtype", {"float32", "bfloat16", "float16"}, 0);
  std::vector<Napi::Object> keep = {x};
  if (args.has(po, "had")) {
    const Napi::TypedArray had = args.typed_array(po, "params", "had", napi_float32_array, -1);
    const size_t count = had.ElementLength();
    int64_t n = 1;
    while (n * n < static_cast<int64_t>(count)) n++;
    if (n * n != static_cast<int64_t>(count) || count == 0) {
      args.fail("params.had must hold n*n entries of a square matrix; got " + std::to_string(count), true);
    }
    kwargs.had_size = static_cast<int32_t>(n);
    kwargs.had_matrix = data_of<const float>(had);
    keep.push_back(had);
  }

  int64_t padded_rows = 0, padded_cols = 0, e2m1_bytes = 0, sf_bytes = 0;
  if (lib.quantized_shape(kwargs.fp4_format, rows, cols, kwargs.transpose, &padded_rows, &padded_cols, &e2m1_bytes, &sf_bytes) != FP4LAB_CUDA_OK) {
    args.fail(lib.last_error(), true);
  }
  const Napi::Object oo = args.object(4, "out");
  const Napi::TypedArray e2m1 = args.typed_array(oo, "out", "e2m1", napi_uint8_array, e2m1_bytes);
  const Napi::TypedArray sf = args.typed_array(oo, "out", "sf", napi_uint8_array, sf_bytes);
  const Napi::TypedArray block_scales = args.optional_typed_array(oo, "out", "blockScales", napi_float32_array, sf_bytes);
  const Napi::TypedArray selection = args.optional_typed_array(oo, "out", "blockSelection", napi_uint8_array, sf_bytes);
  keep.push_back(e2m1);
  keep.push_back(sf);
  if (!block_scales.IsEmpty()) keep.push_back(block_scales);
  if (!selection.IsEmpty()) keep.push_back(selection);
  const JobOptions options = parse_job_options(args, 5, kIsaNames);

  fp4lab_cuda_quantize_out out{};
  out.e2m1 = data_of<uint8_t>(e2m1);
  out.sf = data_of<uint8_t>(sf);
  out.block_scales = block_scales.IsEmpty() ? nullptr : data_of<float>(block_scales);
  out.block_selection = selection.IsEmpty() ? nullptr : data_of<uint8_t>(selection);
  matrix.data = data_of<const float>(x);
  auto result = std::make_shared<fp4lab_cuda_quantize_result>();
  const CudaLibrary* plib = &lib;

  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        return with_context(*plib, "quantize", control, [&](fp4lab_cuda_context* ctx, const fp4lab_cuda_job* job) {
          return plib->quantize_host(ctx, &matrix, &kwargs, &out, result.get(), job);
        });
      },
      [result](Napi::Env env) {
        Napi::Object o = Napi::Object::New(env);
        o.Set("normconst", Napi::Number::New(env, result->normconst));
        o.Set("amax", Napi::Number::New(env, result->amax));
        return o;
      });
}

// dequantize(packed, options: {applyNormconst, crop}, out: Float32Array, job?) -> Promise<void>
// out holds rows x cols values with crop, paddedRows x paddedCols without.
Napi::Value Dequantize(const Napi::CallbackInfo& info) {
  Args args(info, "cuda.dequantize");
  const CudaLibrary& lib = require_library(args);
  const PackedArg q = parse_packed(args, 0, "packed");
  const Napi::Object o = args.object(1, "options");
  const bool apply = args.boolean(o, "options", "applyNormconst", true);
  const bool crop = args.boolean(o, "options", "crop", true);
  const int64_t count = crop ? q.packed.rows * q.packed.cols : q.packed.padded_rows * q.packed.padded_cols;
  const Napi::TypedArray out = args.typed_array(args.at(2), "out", napi_float32_array, count);
  const JobOptions options = parse_job_options(args, 3, kIsaNames);
  const fp4lab_cuda_packed packed = q.packed;
  float* out_data = data_of<float>(out);
  const CudaLibrary* plib = &lib;
  return KernelJob::Start(
      args, options, {q.e2m1, q.sf, out},
      [=](const JobControl& control) {
        return with_context(*plib, "dequantize", control, [&](fp4lab_cuda_context* ctx, const fp4lab_cuda_job* job) {
          return plib->dequantize_host(ctx, &packed, apply ? 1 : 0, crop ? 1 : 0, out_data, job);
        });
      },
      nullptr);
}

// gemm(a, b, params: {out_dtype, outRows, outCols}, out: {values: Float32Array, bits?: Uint16Array}, job?) -> Promise<void>
// bf16/fp16: the library writes the bits, and the values are their exact fp32 (on the worker).
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "cuda.gemm");
  const CudaLibrary& lib = require_library(args);
  const PackedArg a = parse_packed(args, 0, "a");
  const PackedArg b = parse_packed(args, 1, "b");
  const Napi::Object po = args.object(2, "params");
  fp4lab_cuda_matmul_options params{};
  params.out_dtype = args.choice(po, "params", "out_dtype", {"float32", "bfloat16", "float16"});
  params.out_rows = args.integer(po, "params", "outRows", 1, a.packed.padded_rows);
  params.out_cols = args.integer(po, "params", "outCols", 1, b.packed.padded_rows);
  params.path = FP4LAB_CUDA_GEMM_AUTO;
  params.epilogue = FP4LAB_CUDA_EPILOGUE_EXACT;  // the reference's two roundings
  const int64_t count = params.out_rows * params.out_cols;
  const Napi::Object oo = args.object(3, "out");
  const Napi::TypedArray values = args.typed_array(oo, "out", "values", napi_float32_array, count);
  Napi::TypedArray bits;
  if (params.out_dtype == FP4LAB_CUDA_F32) {
    if (args.has(oo, "bits")) args.fail("out.bits must be absent for out_dtype float32 (the values are the output)");
  } else {
    bits = args.typed_array(oo, "out", "bits", napi_uint16_array, count);
  }
  const JobOptions options = parse_job_options(args, 4, kIsaNames);
  std::vector<Napi::Object> keep = {a.e2m1, a.sf, b.e2m1, b.sf, values};
  if (!bits.IsEmpty()) keep.push_back(bits);

  const fp4lab_cuda_packed pa = a.packed;
  const fp4lab_cuda_packed pb = b.packed;
  float* values_data = data_of<float>(values);
  uint16_t* bits_data = bits.IsEmpty() ? nullptr : data_of<uint16_t>(bits);
  const CudaLibrary* plib = &lib;
  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        JobOutcome outcome = with_context(*plib, "gemm", control, [&](fp4lab_cuda_context* ctx, const fp4lab_cuda_job* job) {
          return plib->matmul_host(ctx, &pa, &pb, &params, bits_data ? static_cast<void*>(bits_data) : values_data, job);
        });
        if (outcome.ok && bits_data) {
          if (params.out_dtype == FP4LAB_CUDA_BF16) {
            for (int64_t i = 0; i < count; i++) {
              const uint32_t w = static_cast<uint32_t>(bits_data[i]) << 16;
              std::memcpy(&values_data[i], &w, 4);
            }
          } else {
            for (int64_t i = 0; i < count; i++) values_data[i] = half_to_float(bits_data[i]);
          }
        }
        return outcome;
      },
      nullptr);
}

}  // namespace

Napi::Object CreateCudaBinding(Napi::Env env) {
  {
    std::lock_guard<std::mutex> lock(g_env_mutex);
    g_env_count++;
  }
  napi_add_env_cleanup_hook(env, on_env_cleanup, nullptr);
  Napi::Object cuda = Napi::Object::New(env);
  cuda.Set("abiVersion", Napi::Number::New(env, FP4LAB_CUDA_ABI_VERSION));
  cuda.Set("load", Napi::Function::New(env, Load, "load"));
  cuda.Set("probe", Napi::Function::New(env, Probe, "probe"));
  cuda.Set("quantize", Napi::Function::New(env, Quantize, "quantize"));
  cuda.Set("dequantize", Napi::Function::New(env, Dequantize, "dequantize"));
  cuda.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  return cuda;
}

}  // namespace fp4lab_binding
