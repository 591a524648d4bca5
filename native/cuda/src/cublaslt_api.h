// The part of cuBLASLt's C API this library calls, declared here because cuBLASLt is loaded at
// run time (dlopen) and its headers need not be installed where the library is built. Values
// are those of cuBLAS 12.8+ / 13.x; test/native/cuda/cublaslt_abi_check.cu compiles them
// against the real cublasLt.h with static_asserts where the headers exist.
#pragma once

#include <cuda_runtime.h>
#include <library_types.h>

#include <cstddef>
#include <cstdint>

namespace fp4lab {
namespace lt {

using Handle = void*;
using MatmulDesc = void*;
using MatrixLayout = void*;
using Preference = void*;
using Status = int;  // cublasStatus_t; 0 = success

constexpr Status kSuccess = 0;
constexpr int kComputeF32 = 68;  // CUBLAS_COMPUTE_32F
constexpr int kOpN = 0, kOpT = 1;

// cublasLtMatmulDescAttributes_t
constexpr int kDescTransA = 3;
constexpr int kDescTransB = 4;
constexpr int kDescAScalePointer = 17;
constexpr int kDescBScalePointer = 18;
constexpr int kDescAScaleMode = 31;
constexpr int kDescBScaleMode = 32;
// cublasLtMatmulMatrixScale_t
constexpr int32_t kScaleVec16UE4M3 = 1;
constexpr int32_t kScaleVec32UE8M0 = 2;
// cublasLtMatmulPreferenceAttributes_t
constexpr int kPrefMaxWorkspaceBytes = 1;

struct MatmulAlgo {
  uint64_t data[8];
};
struct HeuristicResult {
  MatmulAlgo algo;
  size_t workspaceSize;
  Status state;
  float wavesCount;
  int reserved[4];
};

struct Api {
  void* lib = nullptr;
  size_t (*GetVersion)();
  Status (*Create)(Handle*);
  Status (*Destroy)(Handle);
  Status (*MatmulDescCreate)(MatmulDesc*, int compute, cudaDataType_t scale);
  Status (*MatmulDescDestroy)(MatmulDesc);
  Status (*MatmulDescSetAttribute)(MatmulDesc, int attr, const void* buf, size_t size);
  Status (*MatrixLayoutCreate)(MatrixLayout*, cudaDataType_t type, uint64_t rows, uint64_t cols, int64_t ld);
  Status (*MatrixLayoutDestroy)(MatrixLayout);
  Status (*MatmulPreferenceCreate)(Preference*);
  Status (*MatmulPreferenceDestroy)(Preference);
  Status (*MatmulPreferenceSetAttribute)(Preference, int attr, const void* buf, size_t size);
  Status (*MatmulAlgoGetHeuristic)(Handle, MatmulDesc, MatrixLayout a, MatrixLayout b, MatrixLayout c, MatrixLayout d, Preference,
                                   int requested, HeuristicResult* results, int* count);
  Status (*Matmul)(Handle, MatmulDesc, const void* alpha, const void* A, MatrixLayout, const void* B, MatrixLayout, const void* beta,
                   const void* C, MatrixLayout, void* D, MatrixLayout, const MatmulAlgo*, void* workspace, size_t workspace_size,
                   cudaStream_t stream);
};

}  // namespace lt

// cuBLASLt loaded for a context: the function table and a handle.
struct CublasLt {
  lt::Api api;
  lt::Handle handle = nullptr;
  size_t version = 0;
};

// Load libcublasLt (first call) and create a handle; a status with a sentence when it is missing.
int32_t load_cublaslt(CublasLt** out);
void unload_cublaslt(CublasLt* lt);

}  // namespace fp4lab
