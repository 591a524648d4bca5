// Status sentences, CUDA error mapping, buffers, the context's lifetime.
#include "common.h"

#include <cstring>

#include "cublaslt_api.h"

namespace fp4lab {

namespace {
thread_local std::string g_last_error;
}

int32_t fail(int32_t status, const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  g_last_error = buf;
  return status;
}

void clear_error() { g_last_error.clear(); }
const char* last_error() { return g_last_error.c_str(); }

int32_t cuda_fail(cudaError_t err, const char* what) {
  int32_t status = FP4LAB_CUDA_CUDA_ERROR;
  switch (err) {
    case cudaErrorMemoryAllocation: status = FP4LAB_CUDA_OUT_OF_MEMORY; break;
    case cudaErrorInsufficientDriver:
    case cudaErrorNoDevice:
      status = err == cudaErrorNoDevice ? FP4LAB_CUDA_NO_DEVICE : FP4LAB_CUDA_NO_DRIVER;
      break;
    case cudaErrorNoKernelImageForDevice:
    case cudaErrorUnsupportedPtxVersion: status = FP4LAB_CUDA_UNSUPPORTED_ARCH; break;
    default: break;
  }
  cudaGetLastError();  // clear a sticky-free error so the next call starts clean
  return fail(status, "%s failed: %s (%s)", what, cudaGetErrorString(err), cudaGetErrorName(err));
}

int32_t DeviceBuffer::reserve(size_t need) {
  if (need <= bytes) return FP4LAB_CUDA_OK;
  release();
  cudaError_t err = cudaMalloc(&ptr, need);
  if (err != cudaSuccess) {
    ptr = nullptr;
    return cuda_fail(err, "cudaMalloc");
  }
  bytes = need;
  return FP4LAB_CUDA_OK;
}

void DeviceBuffer::release() {
  if (ptr) cudaFree(ptr);
  ptr = nullptr;
  bytes = 0;
}

int32_t ScopedDevice::alloc(size_t bytes) {
  cudaError_t err = cudaMalloc(&ptr, bytes ? bytes : 1);
  if (err != cudaSuccess) {
    ptr = nullptr;
    return cuda_fail(err, "cudaMalloc");
  }
  return FP4LAB_CUDA_OK;
}

ScopedDevice::~ScopedDevice() {
  if (ptr) cudaFree(ptr);
}

int32_t Job::step(double fraction) const {
  if (!job) return FP4LAB_CUDA_OK;
  if (job->cancel && *job->cancel) return fail(FP4LAB_CUDA_CANCELLED, "cancelled");
  if (job->on_progress) job->on_progress(job->user, fraction);
  return FP4LAB_CUDA_OK;
}

int32_t ensure_device(fp4lab_cuda_context* ctx) {
  if (!ctx) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "context is NULL");
  FP4_CUDA_TRY(cudaSetDevice(ctx->device));
  return FP4LAB_CUDA_OK;
}

}  // namespace fp4lab

fp4lab_cuda_context::~fp4lab_cuda_context() {
  cudaSetDevice(device);
  if (stream) cudaStreamSynchronize(stream);
  fp4lab::unload_cublaslt(lt);
  scratch.release();
  prepared.release();
  gemm_a.release();
  gemm_b.release();
  gemm_acc.release();
  gemm_sk.release();
  lt_workspace.release();
  if (pinned) cudaFreeHost(pinned);
  if (stream) cudaStreamDestroy(stream);
}
