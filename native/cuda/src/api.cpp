// The C ABI (native/include/fp4lab_cuda.h): argument checks, host <-> device copies, and the
// device probe. Every entry point returns a status; nothing here aborts.
#include <dlfcn.h>

#include <cstring>
#include <new>

#include "common.h"
#include "cublaslt_api.h"
#include "ops.h"

#ifndef FP4LAB_CUDA_ARCHS
#define FP4LAB_CUDA_ARCHS "unknown"
#endif

namespace fp4lab {
const char* last_error();
int32_t probe_kernel_image();  // quantize.cu: launches nothing, asks whether a kernel image fits this GPU
int32_t wgmma_bf16_gemm(fp4lab_cuda_context* ctx, const void* a, const void* b, int64_t M, int64_t N, int64_t K, float nc_a, float nc_b,
                        bool fused_alpha, int32_t out_dtype, void* out);
int32_t cublaslt_bf16_gemm(fp4lab_cuda_context* ctx, const void* a, const void* b, int64_t M, int64_t N, int64_t K, float alpha,
                           int32_t out_dtype, void* out);

namespace {

// Why there is no usable driver: libcuda missing, or older than the runtime we were built with.
int32_t explain_driver(cudaError_t err) {
  void* libcuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
  if (!libcuda) return fail(FP4LAB_CUDA_NO_DRIVER, "no NVIDIA driver: libcuda.so.1 is not installed or not on the library path");
  dlclose(libcuda);
  int driver = 0, runtime = 0;
  cudaDriverGetVersion(&driver);
  cudaRuntimeGetVersion(&runtime);
  if (err == cudaErrorNoDevice) return fail(FP4LAB_CUDA_NO_DEVICE, "the NVIDIA driver found no CUDA device");
  if (err == cudaErrorInsufficientDriver || (driver && driver < runtime))
    return fail(FP4LAB_CUDA_NO_DRIVER, "the NVIDIA driver supports CUDA %d.%d but this library needs CUDA %d.%d; update the driver", driver / 1000,
                (driver % 1000) / 10, runtime / 1000, (runtime % 1000) / 10);
  return cuda_fail(err, "cudaGetDeviceCount");
}

// Host <-> device staging for the host API.
struct Staged {
  ScopedDevice buf;
  int32_t upload(fp4lab_cuda_context* ctx, const void* src, size_t bytes) {
    FP4_TRY(buf.alloc(bytes));
    FP4_CUDA_TRY(cudaMemcpyAsync(buf.ptr, src, bytes, cudaMemcpyHostToDevice, ctx->stream));
    return FP4LAB_CUDA_OK;
  }
};

int32_t download(fp4lab_cuda_context* ctx, void* dst, const void* src, size_t bytes) {
  if (!dst) return FP4LAB_CUDA_OK;
  FP4_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx->stream));
  return FP4LAB_CUDA_OK;
}

int32_t check_matrix(const fp4lab_cuda_matrix* x) {
  if (!x || !x->data) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "x is NULL");
  if (x->storage < 0 || x->storage > 2) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "x.storage must be 0 (f32), 1 (bf16) or 2 (f16); got %d", x->storage);
  if (x->rows <= 0 || x->cols <= 0) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "input is empty (shape [%lld, %lld]); quantization needs at least one row and one column", (long long)x->rows, (long long)x->cols);
  return FP4LAB_CUDA_OK;
}

// Device copies of a packed operand given on the host.
struct StagedPacked {
  Staged e2m1, sf;
  fp4lab_cuda_packed dev;
  int32_t upload(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, const char* name) {
    FP4_TRY(check_packed(q, name));
    dev = *q;
    FP4_TRY(e2m1.upload(ctx, q->e2m1, (size_t)(q->padded_rows * q->padded_cols / 2)));
    FP4_TRY(sf.upload(ctx, q->sf, (size_t)(q->padded_rows * q->padded_cols / block_size(q->fp4_format))));
    dev.e2m1 = e2m1.buf.as<uint8_t>();
    dev.sf = sf.buf.as<uint8_t>();
    return FP4LAB_CUDA_OK;
  }
};

// Device outputs of one quantize call (the optional ones only when wanted).
struct QuantizeOutputs {
  ScopedDevice e2m1, sf, scales, selection;
  fp4lab_cuda_quantize_out dev{};
  int32_t alloc(int64_t rows_p, int64_t cols_p, int64_t bs, bool scales_wanted, bool selection_wanted) {
    const size_t blocks = (size_t)(rows_p * (cols_p / bs));
    FP4_TRY(e2m1.alloc((size_t)(rows_p * cols_p / 2)));
    FP4_TRY(sf.alloc(blocks));
    dev.e2m1 = e2m1.as<uint8_t>();
    dev.sf = sf.as<uint8_t>();
    if (scales_wanted) {
      FP4_TRY(scales.alloc(blocks * 4));
      dev.block_scales = scales.as<float>();
    }
    if (selection_wanted) {
      FP4_TRY(selection.alloc(blocks));
      dev.block_selection = selection.as<uint8_t>();
    }
    return FP4LAB_CUDA_OK;
  }
  int32_t download_to(fp4lab_cuda_context* ctx, const fp4lab_cuda_quantize_out* host, int64_t rows_p, int64_t cols_p, int64_t bs) {
    if (!host) return FP4LAB_CUDA_OK;
    const size_t blocks = (size_t)(rows_p * (cols_p / bs));
    FP4_TRY(download(ctx, host->e2m1, dev.e2m1, (size_t)(rows_p * cols_p / 2)));
    FP4_TRY(download(ctx, host->sf, dev.sf, blocks));
    if (host->block_scales) FP4_TRY(download(ctx, host->block_scales, dev.block_scales, blocks * 4));
    if (host->block_selection) FP4_TRY(download(ctx, host->block_selection, dev.block_selection, blocks));
    return FP4LAB_CUDA_OK;
  }
};

}  // namespace
}  // namespace fp4lab

using namespace fp4lab;

extern "C" {

int32_t fp4lab_cuda_abi_version(void) { return FP4LAB_CUDA_ABI_VERSION; }
const char* fp4lab_cuda_last_error(void) { return last_error(); }
const char* fp4lab_cuda_build_archs(void) { return FP4LAB_CUDA_ARCHS; }

const char* fp4lab_cuda_status_name(int32_t status) {
  switch (status) {
    case FP4LAB_CUDA_OK: return "OK";
    case FP4LAB_CUDA_NO_DRIVER: return "NO_DRIVER";
    case FP4LAB_CUDA_NO_DEVICE: return "NO_DEVICE";
    case FP4LAB_CUDA_UNSUPPORTED_ARCH: return "UNSUPPORTED_ARCH";
    case FP4LAB_CUDA_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case FP4LAB_CUDA_OUT_OF_MEMORY: return "CUDA_OOM";
    case FP4LAB_CUDA_NON_FINITE: return "NON_FINITE";
    case FP4LAB_CUDA_UNAVAILABLE: return "UNAVAILABLE";
    case FP4LAB_CUDA_CANCELLED: return "CANCELLED";
    default: return "CUDA_ERROR";
  }
}

int32_t fp4lab_cuda_device_count(int32_t* count) {
  clear_error();
  if (count) *count = 0;
  int n = 0;
  const cudaError_t err = cudaGetDeviceCount(&n);
  if (err != cudaSuccess) return explain_driver(err);
  if (n == 0) return fail(FP4LAB_CUDA_NO_DEVICE, "the NVIDIA driver found no CUDA device");
  if (count) *count = n;
  return FP4LAB_CUDA_OK;
}

int32_t fp4lab_cuda_probe(int32_t device, fp4lab_cuda_device_info* info) {
  if (!info) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "info is NULL");
  memset(info, 0, sizeof *info);
  info->device = device;
  int32_t n = 0;
  FP4_TRY(fp4lab_cuda_device_count(&n));
  if (device < 0 || device >= n) return fail(FP4LAB_CUDA_NO_DEVICE, "device %d does not exist (%d device%s)", device, n, n == 1 ? "" : "s");
  cudaDeviceProp props{};
  FP4_CUDA_TRY(cudaGetDeviceProperties(&props, device));
  snprintf(info->name, sizeof info->name, "%s", props.name);
  info->cc_major = props.major;
  info->cc_minor = props.minor;
  info->multiprocessors = props.multiProcessorCount;
  info->global_memory_bytes = (int64_t)props.totalGlobalMem;
  cudaDriverGetVersion(&info->driver_version);
  cudaRuntimeGetVersion(&info->runtime_version);
  fp4lab_cuda_context* ctx = nullptr;
  const int32_t st = fp4lab_cuda_context_create(device, &ctx);
  if (st != FP4LAB_CUDA_OK) {
    snprintf(info->detail, sizeof info->detail, "%s", last_error());
    return st;
  }
  int32_t def = 0;
  info->gemm_paths = gemm_paths_for(ctx, &info->gemm_paths_unverified, &def);
  info->default_gemm_path = def;
  info->cublaslt_version = ctx->lt ? (int32_t)ctx->lt->version : 0;
  const char* gemm = def == FP4LAB_CUDA_GEMM_WGMMA_SM90 ? "fp4 GEMM: dequantize to bf16 + wgmma tensor cores (exact epilogue)"
                     : def == FP4LAB_CUDA_GEMM_CUBLASLT_FP4 ? "fp4 GEMM: cuBLASLt block-scaled FP4 tensor cores (unverified at run time: no Blackwell run yet)"
                     : def == FP4LAB_CUDA_GEMM_CUBLASLT_BF16 ? "fp4 GEMM: dequantize to bf16 + cuBLASLt"
                                                             : "no fp4 GEMM path (cuBLASLt missing)";
  snprintf(info->detail, sizeof info->detail, "%s (sm_%d%d, %d SMs), %s%s", props.name, props.major, props.minor, props.multiProcessorCount, gemm,
           (info->gemm_paths & FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUTLASS_FP4)) ? "; CUTLASS FP4 path built (unverified at run time)" : "");
  fp4lab_cuda_context_destroy(ctx);
  clear_error();
  return FP4LAB_CUDA_OK;
}

int32_t fp4lab_cuda_context_create(int32_t device, fp4lab_cuda_context** out) {
  clear_error();
  if (!out) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out is NULL");
  *out = nullptr;
  int32_t n = 0;
  FP4_TRY(fp4lab_cuda_device_count(&n));
  if (device < 0 || device >= n) return fail(FP4LAB_CUDA_NO_DEVICE, "device %d does not exist (%d device%s)", device, n, n == 1 ? "" : "s");
  fp4lab_cuda_context* ctx = new (std::nothrow) fp4lab_cuda_context();
  if (!ctx) return fail(FP4LAB_CUDA_OUT_OF_MEMORY, "out of host memory");
  ctx->device = device;
  cudaError_t err = cudaSetDevice(device);
  if (err == cudaSuccess) err = cudaGetDeviceProperties(&ctx->props, device);
  if (err != cudaSuccess) {
    delete ctx;
    return cuda_fail(err, "cudaSetDevice");
  }
  ctx->cc = ctx->props.major * 10 + ctx->props.minor;
  const int32_t image = probe_kernel_image();
  if (image != FP4LAB_CUDA_OK) {
    const int major = ctx->props.major, minor = ctx->props.minor;
    delete ctx;
    return fail(FP4LAB_CUDA_UNSUPPORTED_ARCH, "this GPU is sm_%d%d; this build of libfp4lab_cuda has kernels for %s (rebuild with `npm run build:cuda` on a toolkit that knows the GPU)",
                major, minor, FP4LAB_CUDA_ARCHS);
  }
  err = cudaStreamCreateWithFlags(&ctx->stream, cudaStreamNonBlocking);
  if (err == cudaSuccess) err = cudaMallocHost(&ctx->pinned, 256);
  if (err != cudaSuccess) {
    delete ctx;
    return cuda_fail(err, "cudaStreamCreate");
  }
  *out = ctx;
  return FP4LAB_CUDA_OK;
}

void fp4lab_cuda_context_destroy(fp4lab_cuda_context* ctx) { delete ctx; }

int32_t fp4lab_cuda_quantized_shape(int32_t fp4_format, int64_t rows, int64_t cols, int32_t transpose, int64_t* padded_rows,
                                    int64_t* padded_cols, int64_t* e2m1_bytes, int64_t* sf_bytes) {
  if (fp4_format != FP4LAB_CUDA_NVFP4 && fp4_format != FP4LAB_CUDA_MXFP4) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "unknown fp4_format %d", fp4_format);
  if (rows <= 0 || cols <= 0) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "shape [%lld, %lld] is empty", (long long)rows, (long long)cols);
  const int64_t bs = block_size(fp4_format);
  const int64_t rp = round_up(transpose ? cols : rows, 128), cp = round_up(transpose ? rows : cols, 4 * bs);
  if (padded_rows) *padded_rows = rp;
  if (padded_cols) *padded_cols = cp;
  if (e2m1_bytes) *e2m1_bytes = rp * cp / 2;
  if (sf_bytes) *sf_bytes = rp * cp / bs;
  return FP4LAB_CUDA_OK;
}

int32_t fp4lab_cuda_quantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x, const fp4lab_cuda_quantize_kwargs* kwargs,
                                    const fp4lab_cuda_quantize_out* out, fp4lab_cuda_quantize_result* result) {
  clear_error();
  return quantize_device(ctx, x, kwargs, out, result, nullptr);
}

int32_t fp4lab_cuda_quantize_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x, const fp4lab_cuda_quantize_kwargs* kwargs,
                                  const fp4lab_cuda_quantize_out* out, fp4lab_cuda_quantize_result* result, const fp4lab_cuda_job* job) {
  clear_error();
  const Job j{job};
  FP4_TRY(check_matrix(x));
  FP4_TRY(check_kwargs(kwargs, x->rows, x->cols));
  if (!out || !out->e2m1 || !out->sf) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out.e2m1 and out.sf are required");
  FP4_TRY(ensure_device(ctx));
  FP4_TRY(j.step(0.0));
  Staged xs;
  FP4_TRY(xs.upload(ctx, x->data, (size_t)(x->rows * x->cols) * dtype_size(x->storage)));
  int64_t rp, cp;
  FP4_TRY(fp4lab_cuda_quantized_shape(kwargs->fp4_format, x->rows, x->cols, kwargs->transpose, &rp, &cp, nullptr, nullptr));
  const int64_t bs = block_size(kwargs->fp4_format);
  QuantizeOutputs q;
  FP4_TRY(q.alloc(rp, cp, bs, out->block_scales != nullptr, out->block_selection != nullptr));
  FP4_TRY(j.step(0.3));
  fp4lab_cuda_matrix xd = *x;
  xd.data = xs.buf.ptr;
  FP4_TRY(quantize_device(ctx, &xd, kwargs, &q.dev, result, nullptr));
  FP4_TRY(j.step(0.7));
  FP4_TRY(q.download_to(ctx, out, rp, cp, bs));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return j.step(1.0);
}

int32_t fp4lab_cuda_dequantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, int32_t apply_normconst, int64_t out_rows,
                                      int64_t out_cols, int32_t out_dtype, void* out, int64_t out_stride) {
  clear_error();
  return dequantize_device(ctx, q, apply_normconst != 0, out_rows, out_cols, out_dtype, out, out_stride);
}

int32_t fp4lab_cuda_dequantize_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, int32_t apply_normconst, int32_t crop, float* out,
                                    const fp4lab_cuda_job* job) {
  clear_error();
  const Job j{job};
  if (!out) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out is NULL");
  FP4_TRY(ensure_device(ctx));
  FP4_TRY(j.step(0.0));
  StagedPacked sq;
  FP4_TRY(sq.upload(ctx, q, "q"));
  const int64_t rows = crop ? q->rows : q->padded_rows, cols = crop ? q->cols : q->padded_cols;
  ScopedDevice o;
  FP4_TRY(o.alloc((size_t)(rows * cols) * 4));
  FP4_TRY(dequantize_device(ctx, &sq.dev, apply_normconst != 0, rows, cols, FP4LAB_CUDA_F32, o.ptr, cols));
  FP4_TRY(download(ctx, out, o.ptr, (size_t)(rows * cols) * 4));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return j.step(1.0);
}

int32_t fp4lab_cuda_matmul_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b,
                                  const fp4lab_cuda_matmul_options* options, void* out) {
  clear_error();
  return matmul_device(ctx, a, b, options, out);
}

int32_t fp4lab_cuda_matmul_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b,
                                const fp4lab_cuda_matmul_options* options, void* out, const fp4lab_cuda_job* job) {
  clear_error();
  const Job j{job};
  if (!options || !out) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "options and out are required");
  FP4_TRY(ensure_device(ctx));
  FP4_TRY(j.step(0.0));
  StagedPacked sa, sb;
  FP4_TRY(sa.upload(ctx, a, "a"));
  FP4_TRY(sb.upload(ctx, b, "b"));
  const int64_t M = options->out_rows ? options->out_rows : a->padded_rows, N = options->out_cols ? options->out_cols : b->padded_rows;
  if (M <= 0 || N <= 0 || M > a->padded_rows || N > b->padded_rows)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out_shape [%lld, %lld] must be positive and at most the padded product [%lld, %lld]", (long long)M,
                (long long)N, (long long)a->padded_rows, (long long)b->padded_rows);
  ScopedDevice o;
  const size_t bytes = (size_t)(M * N) * dtype_size(options->out_dtype);
  FP4_TRY(o.alloc(bytes));
  FP4_TRY(j.step(0.2));
  FP4_TRY(matmul_device(ctx, &sa.dev, &sb.dev, options, o.ptr));
  FP4_TRY(download(ctx, out, o.ptr, bytes));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return j.step(1.0);
}

int32_t fp4lab_cuda_analyze_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x, const fp4lab_cuda_quantize_kwargs* kwargs,
                                 const fp4lab_cuda_quantize_out* quantized, fp4lab_cuda_quantize_result* result, fp4lab_cuda_error_stats* stats,
                                 const fp4lab_cuda_analysis_out* maps, const fp4lab_cuda_job* job) {
  clear_error();
  const Job j{job};
  FP4_TRY(check_matrix(x));
  FP4_TRY(check_kwargs(kwargs, x->rows, x->cols));
  FP4_TRY(ensure_device(ctx));
  FP4_TRY(j.step(0.0));
  Staged xs;
  FP4_TRY(xs.upload(ctx, x->data, (size_t)(x->rows * x->cols) * dtype_size(x->storage)));
  int64_t rp, cp;
  FP4_TRY(fp4lab_cuda_quantized_shape(kwargs->fp4_format, x->rows, x->cols, kwargs->transpose, &rp, &cp, nullptr, nullptr));
  const int64_t bs = block_size(kwargs->fp4_format);
  QuantizeOutputs q;
  FP4_TRY(q.alloc(rp, cp, bs, quantized && quantized->block_scales, true));
  fp4lab_cuda_matrix xd = *x;
  xd.data = xs.buf.ptr;
  fp4lab_cuda_quantize_result local{};
  if (!result) result = &local;
  LogicalInput logical{};
  FP4_TRY(quantize_device(ctx, &xd, kwargs, &q.dev, result, &logical));
  FP4_TRY(j.step(0.4));
  const fp4lab_cuda_packed packed{kwargs->fp4_format, result->rows, result->cols, rp, cp, q.dev.e2m1, q.dev.sf, result->normconst};
  const size_t blocks = (size_t)(rp * (cp / bs));
  ScopedDevice block_err, heat_se, heat_me, heat_sr;
  fp4lab_cuda_analysis_out none{};
  const fp4lab_cuda_analysis_out& m = maps ? *maps : none;
  const size_t cells = (size_t)(m.heat_rows > 0 && m.heat_cols > 0 ? m.heat_rows * m.heat_cols : 0);
  if (m.block_sq_err) FP4_TRY(block_err.alloc(blocks * 4));
  if (m.heat_mean_sq_err) FP4_TRY(heat_se.alloc(cells * 4));
  if (m.heat_max_abs_err) FP4_TRY(heat_me.alloc(cells * 4));
  if (m.heat_mean_sq_ref) FP4_TRY(heat_sr.alloc(cells * 4));
  FP4_TRY(analyze_device(ctx, logical, &packed, q.dev.block_selection, stats, block_err.as<float>(), m.heat_rows, m.heat_cols, heat_se.as<float>(),
                         heat_me.as<float>(), heat_sr.as<float>()));
  FP4_TRY(j.step(0.8));
  if (m.block_sq_err) FP4_TRY(download(ctx, m.block_sq_err, block_err.ptr, blocks * 4));
  if (m.heat_mean_sq_err) FP4_TRY(download(ctx, m.heat_mean_sq_err, heat_se.ptr, cells * 4));
  if (m.heat_max_abs_err) FP4_TRY(download(ctx, m.heat_max_abs_err, heat_me.ptr, cells * 4));
  if (m.heat_mean_sq_ref) FP4_TRY(download(ctx, m.heat_mean_sq_ref, heat_sr.ptr, cells * 4));
  FP4_TRY(q.download_to(ctx, quantized, rp, cp, bs));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return j.step(1.0);
}

int32_t fp4lab_cuda_malloc(fp4lab_cuda_context* ctx, size_t bytes, void** ptr) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  FP4_CUDA_TRY(cudaMalloc(ptr, bytes));
  return FP4LAB_CUDA_OK;
}
int32_t fp4lab_cuda_free(fp4lab_cuda_context* ctx, void* ptr) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  FP4_CUDA_TRY(cudaFree(ptr));
  return FP4LAB_CUDA_OK;
}
int32_t fp4lab_cuda_upload(fp4lab_cuda_context* ctx, void* dst, const void* src, size_t bytes) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  FP4_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyHostToDevice, ctx->stream));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return FP4LAB_CUDA_OK;
}
int32_t fp4lab_cuda_download(fp4lab_cuda_context* ctx, void* dst, const void* src, size_t bytes) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  FP4_CUDA_TRY(cudaMemcpyAsync(dst, src, bytes, cudaMemcpyDeviceToHost, ctx->stream));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return FP4LAB_CUDA_OK;
}
int32_t fp4lab_cuda_synchronize(fp4lab_cuda_context* ctx) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  return FP4LAB_CUDA_OK;
}
void* fp4lab_cuda_stream(fp4lab_cuda_context* ctx) { return ctx ? ctx->stream : nullptr; }

int32_t fp4lab_cuda_diag_bf16_gemm(fp4lab_cuda_context* ctx, int32_t path, int64_t m, int64_t n, int64_t k, const void* a, const void* b,
                                   int32_t out_dtype, void* out) {
  clear_error();
  FP4_TRY(ensure_device(ctx));
  if (path == FP4LAB_CUDA_GEMM_WGMMA_SM90) return wgmma_bf16_gemm(ctx, a, b, m, n, k, 1.0f, 1.0f, false, out_dtype, out);
  if (path == FP4LAB_CUDA_GEMM_CUBLASLT_BF16) return cublaslt_bf16_gemm(ctx, a, b, m, n, k, 1.0f, out_dtype, out);
  return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "diag_bf16_gemm: path must be WGMMA_SM90 or CUBLASLT_BF16");
}

int32_t fp4lab_cuda_diag_set_wgmma_config(fp4lab_cuda_context* ctx, int32_t stages, int32_t cluster) {
  clear_error();
  if (!ctx) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "context is NULL");
  // cluster 1 or 2; a negative cluster (-1) is cluster 1 without stream-K for the last wave.
  if ((stages != 3 && stages != 4) || (cluster != 1 && cluster != 2 && cluster != -1))
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "wgmma config: stages 3 or 4, cluster 1, 2 or -1 (1 without stream-K)");
  ctx->wgmma_stages = stages;
  ctx->wgmma_cluster = cluster < 0 ? 1 : cluster;
  ctx->wgmma_streamk = cluster == 1 ? 1 : 0;
  return FP4LAB_CUDA_OK;
}

int32_t fp4lab_cuda_diag_set_quantize_grid(fp4lab_cuda_context* ctx, int32_t persistent) {
  clear_error();
  if (!ctx) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "context is NULL");
  ctx->quantize_persistent = persistent ? 1 : 0;
  return FP4LAB_CUDA_OK;
}

}  // extern "C"
