// Compiles only where cuBLAS's headers are installed (the GPU machine): checks that our own
// declarations of the cuBLASLt subset (native/cuda/src/cublaslt_api.h) match the real header.
//   nvcc -I native/cuda/src -c test/native/cuda/cublaslt_abi_check.cu
#include <cublasLt.h>

#include <cstddef>

#include "cublaslt_api.h"

using namespace fp4lab::lt;
static_assert(kComputeF32 == CUBLAS_COMPUTE_32F, "compute type");
static_assert(kOpN == CUBLAS_OP_N && kOpT == CUBLAS_OP_T, "ops");
static_assert(kDescTransA == CUBLASLT_MATMUL_DESC_TRANSA && kDescTransB == CUBLASLT_MATMUL_DESC_TRANSB, "trans attrs");
static_assert(kDescAScalePointer == CUBLASLT_MATMUL_DESC_A_SCALE_POINTER && kDescBScalePointer == CUBLASLT_MATMUL_DESC_B_SCALE_POINTER, "scale pointers");
static_assert(kDescAScaleMode == CUBLASLT_MATMUL_DESC_A_SCALE_MODE && kDescBScaleMode == CUBLASLT_MATMUL_DESC_B_SCALE_MODE, "scale modes");
static_assert(kScaleVec16UE4M3 == CUBLASLT_MATMUL_MATRIX_SCALE_VEC16_UE4M3 && kScaleVec32UE8M0 == CUBLASLT_MATMUL_MATRIX_SCALE_VEC32_UE8M0, "vec scales");
static_assert(kPrefMaxWorkspaceBytes == CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES, "workspace pref");
static_assert(sizeof(MatmulAlgo) == sizeof(cublasLtMatmulAlgo_t), "algo size");
static_assert(sizeof(HeuristicResult) == sizeof(cublasLtMatmulHeuristicResult_t), "heuristic size");
static_assert(offsetof(HeuristicResult, workspaceSize) == offsetof(cublasLtMatmulHeuristicResult_t, workspaceSize), "workspaceSize offset");
static_assert(offsetof(HeuristicResult, state) == offsetof(cublasLtMatmulHeuristicResult_t, state), "state offset");
static_assert(kSuccess == CUBLAS_STATUS_SUCCESS, "status");
int main() { return 0; }
