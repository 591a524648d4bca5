// dequantizeFromFp4 on the GPU (NUMERICS.md section 7), and the exact bf16 operands of the GEMM.
#include <cuda_bf16.h>
#include <cuda_runtime.h>

#include <algorithm>

#include "common.h"
#include "device_util.cuh"
#include "numerics.cuh"
#include "ops.h"

namespace fp4lab {
namespace {

constexpr int kThreads = 256;

struct DequantParams {
  const uint8_t* e2m1;
  const uint8_t* sf;
  int64_t packed_stride;  // bytes per row of e2m1 (padded_cols / 2)
  int64_t scale_cols;
  int64_t rows, cols;  // output region
  int64_t out_stride;
  uint32_t total;           // 16-value groups in the output
  FastDiv groups_per_row;   // 16-value groups per output row
  float nc;
  int nvfp4;
  int apply_nc;
  void* out;
};

template <typename OutT>
__global__ void __launch_bounds__(kThreads) dequantize_kernel(const DequantParams p) {
  for (uint32_t g = blockIdx.x * kThreads + threadIdx.x; g < p.total; g += gridDim.x * kThreads) {
    const uint32_t rr = p.groups_per_row.div(g);
    const int64_t r = rr;
    const int64_t c0 = (int64_t)(g - rr * p.groups_per_row.d) * 16;
    const uint2 packed = __ldg(reinterpret_cast<const uint2*>(p.e2m1 + r * p.packed_stride + c0 / 2));
    const int64_t block = p.nvfp4 ? c0 / 16 : c0 / 32;
    const uint32_t byte = __ldg(p.sf + blocked_scale_index(r, block, p.scale_cols));
    const float s = p.nvfp4 ? e4m3_value(byte) : ue8m0_value(byte);
    float v[16];
#pragma unroll
    for (int i = 0; i < 16; i++) {
      const uint32_t code = ((i < 8 ? packed.x : packed.y) >> (4 * (i & 7))) & 15u;
      float x = __fmul_rn(e2m1_to_f32(code), s);
      if (p.apply_nc) x = __fmul_rn(x, p.nc);
      v[i] = x;
    }
    OutT* dst = static_cast<OutT*>(p.out) + r * p.out_stride + c0;
    const bool full = c0 + 16 <= p.cols && (reinterpret_cast<uintptr_t>(dst) & 15) == 0;
    if constexpr (sizeof(OutT) == 4) {
      if (full) {
        float4* d4 = reinterpret_cast<float4*>(dst);
#pragma unroll
        for (int i = 0; i < 4; i++) d4[i] = make_float4(v[4 * i], v[4 * i + 1], v[4 * i + 2], v[4 * i + 3]);
      } else {
        for (int i = 0; i < 16 && c0 + i < p.cols; i++) dst[i] = v[i];
      }
    } else {
      if (full) {
        uint32_t w[8];
#pragma unroll
        for (int i = 0; i < 8; i++) {
          __nv_bfloat162 b = __floats2bfloat162_rn(v[2 * i], v[2 * i + 1]);
          w[i] = *reinterpret_cast<uint32_t*>(&b);
        }
        uint4* d4 = reinterpret_cast<uint4*>(dst);
        d4[0] = make_uint4(w[0], w[1], w[2], w[3]);
        d4[1] = make_uint4(w[4], w[5], w[6], w[7]);
      } else {
        for (int i = 0; i < 16 && c0 + i < p.cols; i++) dst[i] = __float2bfloat16_rn(v[i]);
      }
    }
  }
}

}  // namespace

int32_t check_packed(const fp4lab_cuda_packed* q, const char* name) {
  if (!q || !q->e2m1 || !q->sf) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "%s: e2m1 and sf are required", name);
  if (q->fp4_format != FP4LAB_CUDA_NVFP4 && q->fp4_format != FP4LAB_CUDA_MXFP4)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "%s: unknown fp4_format %d", name, q->fp4_format);
  const int64_t bs = block_size(q->fp4_format);
  if (q->padded_rows <= 0 || q->padded_cols <= 0 || q->padded_rows % 128 || q->padded_cols % (4 * bs))
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "%s: padded shape [%lld, %lld] must be positive multiples of [128, %lld]", name,
                (long long)q->padded_rows, (long long)q->padded_cols, (long long)(4 * bs));
  if (q->rows <= 0 || q->cols <= 0 || q->rows > q->padded_rows || q->cols > q->padded_cols)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "%s: logical shape [%lld, %lld] does not fit in the padded shape [%lld, %lld]", name,
                (long long)q->rows, (long long)q->cols, (long long)q->padded_rows, (long long)q->padded_cols);
  if (!(q->normconst > 0.0f) || q->normconst == INFINITY)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "%s: normconst must be a positive finite fp32 value; got %g", name, (double)q->normconst);
  return FP4LAB_CUDA_OK;
}

int32_t dequantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, bool apply_normconst, int64_t out_rows,
                          int64_t out_cols, int32_t out_dtype, void* out, int64_t out_stride) {
  FP4_TRY(check_packed(q, "q"));
  if (out_dtype != FP4LAB_CUDA_F32 && out_dtype != FP4LAB_CUDA_BF16)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: out_dtype must be F32 or BF16");
  if (out_dtype == FP4LAB_CUDA_BF16 && apply_normconst)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: BF16 output is exact only without the normconst");
  if (out_rows <= 0 || out_cols <= 0 || out_rows > q->padded_rows || out_cols > q->padded_cols || out_stride < out_cols || !out)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: output region [%lld, %lld] (stride %lld) must lie in the padded shape [%lld, %lld]",
                (long long)out_rows, (long long)out_cols, (long long)out_stride, (long long)q->padded_rows, (long long)q->padded_cols);
  FP4_TRY(ensure_device(ctx));
  DequantParams p{};
  p.e2m1 = q->e2m1;
  p.sf = q->sf;
  p.packed_stride = q->padded_cols / 2;
  p.scale_cols = q->padded_cols / block_size(q->fp4_format);
  p.rows = out_rows;
  p.cols = out_cols;
  p.out_stride = out_stride;
  const int64_t groups_per_row = (out_cols + 15) / 16;
  if (out_rows * groups_per_row >= ((int64_t)1 << 31)) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: output too large");
  p.groups_per_row = FastDiv::make((uint32_t)groups_per_row);
  p.total = (uint32_t)(out_rows * groups_per_row);
  p.nc = q->normconst;
  p.nvfp4 = q->fp4_format == FP4LAB_CUDA_NVFP4;
  p.apply_nc = apply_normconst && p.nvfp4;
  p.out = out;
  const int64_t total = p.total;
  const int grid = (int)std::max<int64_t>(1, std::min<int64_t>((total + kThreads - 1) / kThreads, (int64_t)ctx->props.multiProcessorCount * 32));
  if (out_dtype == FP4LAB_CUDA_F32) dequantize_kernel<float><<<grid, kThreads, 0, ctx->stream>>>(p);
  else dequantize_kernel<__nv_bfloat16><<<grid, kThreads, 0, ctx->stream>>>(p);
  FP4_LAUNCH_CHECK("dequantize_kernel");
  return FP4LAB_CUDA_OK;
}

}  // namespace fp4lab
