// Internal plumbing shared by the library's translation units: status values with a sentence,
// CUDA call checks, device buffers, the context.
#pragma once

#include <cuda_runtime.h>

#include <cstdarg>
#include <cstdint>
#include <cstdio>
#include <string>

#include "fp4lab_cuda.h"

namespace fp4lab {

// Record the sentence for fp4lab_cuda_last_error() (thread-local) and return the status.
int32_t fail(int32_t status, const char* fmt, ...) __attribute__((format(printf, 2, 3)));
void clear_error();

// Map a CUDA error of `what` to a status with a sentence naming the call.
int32_t cuda_fail(cudaError_t err, const char* what);

#define FP4_CUDA_TRY(call)                                              \
  do {                                                                  \
    cudaError_t fp4_err_ = (call);                                      \
    if (fp4_err_ != cudaSuccess) return ::fp4lab::cuda_fail(fp4_err_, #call); \
  } while (0)

// After a kernel launch: the launch error (bad configuration, no kernel image for this GPU).
#define FP4_LAUNCH_CHECK(what)                                          \
  do {                                                                  \
    cudaError_t fp4_err_ = cudaGetLastError();                          \
    if (fp4_err_ != cudaSuccess) return ::fp4lab::cuda_fail(fp4_err_, what); \
  } while (0)

#define FP4_TRY(expr)                       \
  do {                                      \
    int32_t fp4_st_ = (expr);               \
    if (fp4_st_ != FP4LAB_CUDA_OK) return fp4_st_; \
  } while (0)

// A device allocation that grows on demand and is freed with its owner.
struct DeviceBuffer {
  void* ptr = nullptr;
  size_t bytes = 0;
  int32_t reserve(size_t need);
  void release();
  ~DeviceBuffer() { release(); }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr); }
};

// An owned device allocation of a fixed size (for a call's temporaries).
struct ScopedDevice {
  void* ptr = nullptr;
  int32_t alloc(size_t bytes);
  ~ScopedDevice();
  template <typename T>
  T* as() const { return static_cast<T*>(ptr); }
};

struct CublasLt;  // cublaslt_loader.h

struct Job {
  const fp4lab_cuda_job* job;
  int32_t step(double fraction) const;  // report progress; FP4LAB_CUDA_CANCELLED when asked to stop
};

}  // namespace fp4lab

struct fp4lab_cuda_context {
  int32_t device = 0;
  cudaStream_t stream = nullptr;
  cudaDeviceProp props{};
  int32_t cc = 0;  // 10 * major + minor
  // Small per-context scratch: amax bits, non-finite counters, reduction partials.
  fp4lab::DeviceBuffer scratch;
  // Pinned host word for results read back after a call.
  void* pinned = nullptr;
  // Large temporaries, grown on demand: prepared (transposed / rotated) inputs, bf16 GEMM
  // operands, fp32 GEMM intermediates, cuBLASLt workspace.
  fp4lab::DeviceBuffer prepared, gemm_a, gemm_b, gemm_acc, gemm_sk, lt_workspace;
  // The wgmma GEMM's configuration (NOTES.md says why these values).
  int32_t wgmma_stages = 3, wgmma_cluster = 1, wgmma_streamk = 1;
  // 1-D quantize grid: persistent (resident CTAs, next block prefetched) or many short CTAs.
  int32_t quantize_persistent = 0;
  fp4lab::CublasLt* lt = nullptr;  // loaded on first use
  int32_t lt_status = -1;          // -1: not tried yet
  ~fp4lab_cuda_context();
};

namespace fp4lab {

int32_t ensure_device(fp4lab_cuda_context* ctx);  // cudaSetDevice for the calling thread

// Format helpers.
inline int64_t block_size(int32_t format) { return format == FP4LAB_CUDA_NVFP4 ? 16 : 32; }
inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }
inline size_t dtype_size(int32_t dtype) { return dtype == FP4LAB_CUDA_F32 ? 4 : 2; }

}  // namespace fp4lab
