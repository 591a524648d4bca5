// The optional CUTLASS block-scaled FP4 GEMM for Blackwell (gemm_cutlass_sm100.cu, built only when
// CUTLASS_DIR points at CUTLASS >= 3.9 headers; gemm_cutlass_stub.cpp otherwise).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fp4lab {
namespace cutlass_gemm {

struct Args {
  const void* a_e2m1;
  const void* a_sf;
  const void* b_e2m1;
  const void* b_sf;
  int64_t M, N, K;
  int32_t format;  // fp4lab_cuda_format
  float alpha;
  void* out;       // row-major M x N of out_dtype
  int32_t out_dtype;
};

bool compiled();
cudaError_t run(const Args& args, cudaStream_t stream);

}  // namespace cutlass_gemm
}  // namespace fp4lab
