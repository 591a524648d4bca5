// The library's operations on device memory (quantize.cu, dequantize.cu, analysis.cu, gemm.cu),
// called by the C ABI in api.cpp.
#pragma once

#include "common.h"

namespace fp4lab {

// The transformed input as the quantizer saw it: after transpose, padding and had. `data` is
// either the caller's matrix (no transform) or ctx->prepared (fp32, padded).
struct LogicalInput {
  const void* data;
  int64_t rows, cols, stride;  // logical rows x cols, row stride in elements
  int32_t dtype;
};

int32_t check_kwargs(const fp4lab_cuda_quantize_kwargs* kw, int64_t rows, int64_t cols);

int32_t quantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x, const fp4lab_cuda_quantize_kwargs* kw,
                        const fp4lab_cuda_quantize_out* out, fp4lab_cuda_quantize_result* result, LogicalInput* logical);

int32_t check_packed(const fp4lab_cuda_packed* q, const char* name);

// Dequantize rows [0, out_rows) x cols [0, out_cols) of q into out (F32 with or without
// normconst; BF16 without normconst, exact), row stride out_stride elements.
int32_t dequantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, bool apply_normconst, int64_t out_rows,
                          int64_t out_cols, int32_t out_dtype, void* out, int64_t out_stride);

// Both GEMM operands to bf16 (rows x k each, row stride k) in one launch.
int32_t dequantize_pair_bf16(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, int64_t a_rows, void* a_out, const fp4lab_cuda_packed* b,
                             int64_t b_rows, void* b_out, int64_t k);

int32_t matmul_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b,
                      const fp4lab_cuda_matmul_options* options, void* out);

int32_t analyze_device(fp4lab_cuda_context* ctx, const LogicalInput& x, const fp4lab_cuda_packed* q, const uint8_t* block_selection,
                       fp4lab_cuda_error_stats* stats, float* block_sq_err, int64_t heat_rows, int64_t heat_cols,
                       float* heat_mean_sq_err, float* heat_max_abs_err, float* heat_mean_sq_ref);

// GEMM path plumbing (gemm.cu).
uint32_t gemm_paths_for(fp4lab_cuda_context* ctx, uint32_t* unverified, int32_t* default_path);
bool wgmma_compiled();
bool cutlass_compiled();

}  // namespace fp4lab
