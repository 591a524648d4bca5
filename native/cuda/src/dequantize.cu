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
  uint32_t total;      // 8-value groups in the output
  FastDiv groups_per_row;
  float nc;
  int nvfp4;
  int apply_nc;
  void* out;
};

// One group: 8 consecutive values of a row (4 bytes of codes, one scale) -> one 16-byte store
// (bf16) or two (fp32). Consecutive threads take consecutive groups, so a warp's loads and
// stores are contiguous.
template <typename OutT>
__device__ __forceinline__ void dequantize_group(const DequantParams& p, uint32_t g, uint32_t packed) {
  const uint32_t rr = p.groups_per_row.div(g);
  const int64_t r = rr;
  const int64_t c0 = (int64_t)(g - rr * p.groups_per_row.d) * 8;
  const uint32_t byte = __ldg(p.sf + blocked_scale_index(r, p.nvfp4 ? c0 >> 4 : c0 >> 5, p.scale_cols));
  const float s = p.nvfp4 ? e4m3_value(byte) : ue8m0_value(byte);
  float v[8];
#pragma unroll
  for (int i = 0; i < 8; i++) {
    float x = __fmul_rn(e2m1_to_f32((packed >> (4 * i)) & 15u), s);
    if (p.apply_nc) x = __fmul_rn(x, p.nc);
    v[i] = x;
  }
  OutT* dst = static_cast<OutT*>(p.out) + r * p.out_stride + c0;
  const bool full = c0 + 8 <= p.cols && (reinterpret_cast<uintptr_t>(dst) & 15) == 0;
  if constexpr (sizeof(OutT) == 4) {
    if (full) {
      float4* d4 = reinterpret_cast<float4*>(dst);
      __stcs(d4, make_float4(v[0], v[1], v[2], v[3]));
      __stcs(d4 + 1, make_float4(v[4], v[5], v[6], v[7]));
    } else {
      for (int i = 0; i < 8 && c0 + i < p.cols; i++) dst[i] = v[i];
    }
  } else {
    if (full) {
      uint32_t w[4];
#pragma unroll
      for (int i = 0; i < 4; i++) {
        __nv_bfloat162 b = __floats2bfloat162_rn(v[2 * i], v[2 * i + 1]);
        w[i] = *reinterpret_cast<uint32_t*>(&b);
      }
      __stcs(reinterpret_cast<uint4*>(dst), make_uint4(w[0], w[1], w[2], w[3]));
    } else {
      for (int i = 0; i < 8 && c0 + i < p.cols; i++) dst[i] = __float2bfloat16_rn(v[i]);
    }
  }
}

__device__ __forceinline__ uint32_t load_codes(const DequantParams& p, uint32_t g) {
  const uint32_t rr = p.groups_per_row.div(g);
  const int64_t c0 = (int64_t)(g - rr * p.groups_per_row.d) * 8;
  return __ldcs(reinterpret_cast<const uint32_t*>(p.e2m1 + (int64_t)rr * p.packed_stride + c0 / 2));
}

// Up to two operands per launch (the GEMM dequantizes a and b together). Four groups per
// thread and step keep several loads in flight.
template <typename OutT>
__global__ void __launch_bounds__(kThreads) dequantize_kernel(const DequantParams p0, const DequantParams p1, int two) {
  constexpr int kU = 4;
  const uint32_t stride = gridDim.x * kThreads;
  const uint32_t total = p0.total + (two ? p1.total : 0);
  for (uint32_t base = blockIdx.x * kThreads + threadIdx.x; base < total; base += kU * stride) {
    uint32_t packed[kU];
#pragma unroll
    for (int u = 0; u < kU; u++) {
      const uint32_t g = base + u * stride;
      if (g < total) packed[u] = g < p0.total ? load_codes(p0, g) : load_codes(p1, g - p0.total);
    }
#pragma unroll
    for (int u = 0; u < kU; u++) {
      const uint32_t g = base + u * stride;
      if (g < total) {
        if (g < p0.total) dequantize_group<OutT>(p0, g, packed[u]);
        else dequantize_group<OutT>(p1, g - p0.total, packed[u]);
      }
    }
  }
}

int32_t make_params(const fp4lab_cuda_packed* q, bool apply_normconst, int64_t out_rows, int64_t out_cols, int32_t out_dtype, void* out,
                    int64_t out_stride, DequantParams* p) {
  FP4_TRY(check_packed(q, "q"));
  if (out_dtype != FP4LAB_CUDA_F32 && out_dtype != FP4LAB_CUDA_BF16)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: out_dtype must be F32 or BF16");
  if (out_dtype == FP4LAB_CUDA_BF16 && apply_normconst)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: BF16 output is exact only without the normconst");
  if (out_rows <= 0 || out_cols <= 0 || out_rows > q->padded_rows || out_cols > q->padded_cols || out_stride < out_cols || !out)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: output region [%lld, %lld] (stride %lld) must lie in the padded shape [%lld, %lld]",
                (long long)out_rows, (long long)out_cols, (long long)out_stride, (long long)q->padded_rows, (long long)q->padded_cols);
  const int64_t groups_per_row = (out_cols + 7) / 8;
  if (out_rows * groups_per_row >= ((int64_t)1 << 30)) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: output too large (over 2^33 values)");
  *p = {};
  p->e2m1 = q->e2m1;
  p->sf = q->sf;
  p->packed_stride = q->padded_cols / 2;
  p->scale_cols = q->padded_cols / block_size(q->fp4_format);
  p->rows = out_rows;
  p->cols = out_cols;
  p->out_stride = out_stride;
  p->groups_per_row = FastDiv::make((uint32_t)groups_per_row);
  p->total = (uint32_t)(out_rows * groups_per_row);
  p->nc = q->normconst;
  p->nvfp4 = q->fp4_format == FP4LAB_CUDA_NVFP4;
  p->apply_nc = apply_normconst && p->nvfp4;
  p->out = out;
  return FP4LAB_CUDA_OK;
}

int32_t launch(fp4lab_cuda_context* ctx, const DequantParams& p0, const DequantParams* p1, int32_t out_dtype) {
  const int64_t total = (int64_t)p0.total + (p1 ? p1->total : 0);
  const int grid = (int)std::max<int64_t>(1, std::min<int64_t>((total + 4 * kThreads - 1) / (4 * kThreads), (int64_t)ctx->props.multiProcessorCount * 16));
  const DequantParams& q1 = p1 ? *p1 : p0;
  if (out_dtype == FP4LAB_CUDA_F32) dequantize_kernel<float><<<grid, kThreads, 0, ctx->stream>>>(p0, q1, p1 ? 1 : 0);
  else dequantize_kernel<__nv_bfloat16><<<grid, kThreads, 0, ctx->stream>>>(p0, q1, p1 ? 1 : 0);
  FP4_LAUNCH_CHECK("dequantize_kernel");
  return FP4LAB_CUDA_OK;
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
  DequantParams p;
  FP4_TRY(make_params(q, apply_normconst, out_rows, out_cols, out_dtype, out, out_stride, &p));
  FP4_TRY(ensure_device(ctx));
  return launch(ctx, p, nullptr, out_dtype);
}

int32_t dequantize_pair_bf16(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, int64_t a_rows, void* a_out, const fp4lab_cuda_packed* b,
                             int64_t b_rows, void* b_out, int64_t k) {
  DequantParams pa, pb;
  FP4_TRY(make_params(a, false, a_rows, k, FP4LAB_CUDA_BF16, a_out, k, &pa));
  FP4_TRY(make_params(b, false, b_rows, k, FP4LAB_CUDA_BF16, b_out, k, &pb));
  if ((int64_t)pa.total + pb.total >= ((int64_t)1 << 31)) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "dequantize: operands too large");
  FP4_TRY(ensure_device(ctx));
  return launch(ctx, pa, &pb, FP4LAB_CUDA_BF16);
}

}  // namespace fp4lab
