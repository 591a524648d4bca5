// The analysis reductions on the device (fp4lab_cuda_error_stats, per-block squared error,
// pooled heatmaps), so a large tensor's error never has to come back to the host in full.
// Deterministic: every sum is taken in a fixed order (per-thread, then a fixed tree per CTA,
// then the CTAs in index order), so results do not change from run to run.
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "common.h"
#include "device_util.cuh"
#include "numerics.cuh"
#include "ops.h"

namespace fp4lab {
namespace {

constexpr int kThreads = 128;  // Partial is ~200 bytes: 128 of them fit the static shared-memory limit

struct Partial {
  double sum_sq_err, sum_abs_err, sum_sq_ref, sum_abs_ref;
  float max_abs_err, max_abs_ref;
  int64_t max_err_index;  // row * cols + col of the first max
  int64_t count;
  int64_t chose4, chose6;
  int64_t codes[16];
};

struct AnalysisParams {
  const void* x;
  int32_t x_dtype;
  int64_t x_stride;
  int64_t rows, cols;  // logical
  const uint8_t* e2m1;
  const uint8_t* sf;
  const uint8_t* selection;  // may be null
  int64_t packed_stride, scale_cols, padded_rows;
  int bs;
  int nvfp4;
  float nc;
  float* block_sq_err;  // may be null
  Partial* partials;
};

__device__ __forceinline__ float load_x(const void* x, int32_t dtype, int64_t i) {
  if (dtype == FP4LAB_CUDA_BF16) return __bfloat162float(static_cast<const __nv_bfloat16*>(x)[i]);
  if (dtype == FP4LAB_CUDA_F16) return __half2float(static_cast<const __half*>(x)[i]);
  return static_cast<const float*>(x)[i];
}

// Dequantized value incl. normconst, as dequantizeFromFp4.
__device__ __forceinline__ float dequant_at(const AnalysisParams& p, int64_t r, int64_t c) {
  const uint32_t byte = p.e2m1[r * p.packed_stride + (c >> 1)];
  const uint32_t code = (c & 1) ? (byte >> 4) : (byte & 15u);
  const uint32_t sb = p.sf[blocked_scale_index(r, c / p.bs, p.scale_cols)];
  float v = __fmul_rn(e2m1_to_f32(code), p.nvfp4 ? e4m3_value(sb) : ue8m0_value(sb));
  if (p.nvfp4 && p.nc != 1.0f) v = __fmul_rn(v, p.nc);
  return v;
}

__device__ void merge(Partial& a, const Partial& b) {
  a.sum_sq_err += b.sum_sq_err;
  a.sum_abs_err += b.sum_abs_err;
  a.sum_sq_ref += b.sum_sq_ref;
  a.sum_abs_ref += b.sum_abs_ref;
  if (b.max_abs_err > a.max_abs_err || (b.max_abs_err == a.max_abs_err && b.max_err_index < a.max_err_index)) {
    a.max_abs_err = b.max_abs_err;
    a.max_err_index = b.max_err_index;
  }
  a.max_abs_ref = fmaxf(a.max_abs_ref, b.max_abs_ref);
  a.count += b.count;
  a.chose4 += b.chose4;
  a.chose6 += b.chose6;
  for (int i = 0; i < 16; i++) a.codes[i] += b.codes[i];
}

__device__ void zero(Partial& a) {
  memset(&a, 0, sizeof a);
  a.max_err_index = INT64_MAX;
}

// One thread per scale block (row r, block b) of the padded matrix; CTAs take contiguous ranges.
__global__ void __launch_bounds__(kThreads) block_stats_kernel(const AnalysisParams p, int64_t blocks, int64_t per_cta) {
  __shared__ Partial shared[kThreads];
  Partial acc;
  zero(acc);
  const int64_t begin = (int64_t)blockIdx.x * per_cta, end = min(blocks, begin + per_cta);
  for (int64_t g = begin + threadIdx.x; g < end; g += kThreads) {
    const int64_t r = g / p.scale_cols, b = g % p.scale_cols;
    if (p.selection) {
      const uint8_t s = p.selection[r * p.scale_cols + b];
      acc.chose4 += s == 4;
      acc.chose6 += s == 6;
    }
    double block_sum = 0.0;
    if (r < p.rows) {
      for (int k = 0; k < p.bs; k++) {
        const int64_t c = b * p.bs + k;
        if (c >= p.cols) break;
        const float x = load_x(p.x, p.x_dtype, r * p.x_stride + c);
        const float d = dequant_at(p, r, c);
        const float e = fabsf(__fsub_rn(d, x));
        const double e2 = (double)e * e;
        block_sum += e2;
        acc.sum_sq_err += e2;
        acc.sum_abs_err += e;
        acc.sum_sq_ref += (double)x * x;
        acc.sum_abs_ref += fabs((double)x);
        const int64_t idx = r * p.cols + c;
        if (e > acc.max_abs_err || (e == acc.max_abs_err && idx < acc.max_err_index)) {
          acc.max_abs_err = e;
          acc.max_err_index = idx;
        }
        acc.max_abs_ref = fmaxf(acc.max_abs_ref, fabsf(x));
        const uint32_t byte = p.e2m1[r * p.packed_stride + (c >> 1)];
        acc.codes[(c & 1) ? (byte >> 4) : (byte & 15u)]++;
        acc.count++;
      }
    }
    if (p.block_sq_err) p.block_sq_err[r * p.scale_cols + b] = (float)block_sum;
  }
  shared[threadIdx.x] = acc;
  __syncthreads();
  for (int s = kThreads / 2; s > 0; s >>= 1) {
    if (threadIdx.x < s) merge(shared[threadIdx.x], shared[threadIdx.x + s]);
    __syncthreads();
  }
  if (threadIdx.x == 0) p.partials[blockIdx.x] = shared[0];
}

__global__ void final_kernel(Partial* partials, int n) {
  Partial acc;
  zero(acc);
  for (int i = 0; i < n; i++) merge(acc, partials[i]);
  partials[n] = acc;
}

// One thread per heatmap cell; each walks its rectangle row by row.
__global__ void heatmap_kernel(const AnalysisParams p, int64_t heat_rows, int64_t heat_cols, float* mean_sq_err, float* max_abs_err,
                               float* mean_sq_ref) {
  const int64_t cells = heat_rows * heat_cols;
  for (int64_t cell = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; cell < cells; cell += (int64_t)gridDim.x * blockDim.x) {
    const int64_t i = cell / heat_cols, j = cell % heat_cols;
    const int64_t r0 = i * p.rows / heat_rows, r1 = (i + 1) * p.rows / heat_rows;
    const int64_t c0 = j * p.cols / heat_cols, c1 = (j + 1) * p.cols / heat_cols;
    double se = 0.0, sr = 0.0;
    float me = 0.0f;
    for (int64_t r = r0; r < r1; r++) {
      for (int64_t c = c0; c < c1; c++) {
        const float x = load_x(p.x, p.x_dtype, r * p.x_stride + c);
        const float e = fabsf(__fsub_rn(dequant_at(p, r, c), x));
        se += (double)e * e;
        sr += (double)x * x;
        me = fmaxf(me, e);
      }
    }
    const double n = (double)((r1 - r0) * (c1 - c0));
    if (mean_sq_err) mean_sq_err[cell] = (float)(se / n);
    if (max_abs_err) max_abs_err[cell] = me;
    if (mean_sq_ref) mean_sq_ref[cell] = (float)(sr / n);
  }
}

}  // namespace

int32_t analyze_device(fp4lab_cuda_context* ctx, const LogicalInput& x, const fp4lab_cuda_packed* q, const uint8_t* block_selection,
                       fp4lab_cuda_error_stats* stats, float* block_sq_err, int64_t heat_rows, int64_t heat_cols, float* heat_mean_sq_err,
                       float* heat_max_abs_err, float* heat_mean_sq_ref) {
  FP4_TRY(check_packed(q, "quantized"));
  if (x.rows != q->rows || x.cols != q->cols) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "analysis: input and quantized shapes differ");
  const bool heat = heat_mean_sq_err || heat_max_abs_err || heat_mean_sq_ref;
  if (heat && (heat_rows <= 0 || heat_cols <= 0 || heat_rows > x.rows || heat_cols > x.cols))
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "heatmap grid [%lld, %lld] must be positive and at most the matrix shape [%lld, %lld]",
                (long long)heat_rows, (long long)heat_cols, (long long)x.rows, (long long)x.cols);
  FP4_TRY(ensure_device(ctx));
  AnalysisParams p{};
  p.x = x.data;
  p.x_dtype = x.dtype;
  p.x_stride = x.stride;
  p.rows = x.rows;
  p.cols = x.cols;
  p.e2m1 = q->e2m1;
  p.sf = q->sf;
  p.selection = block_selection;
  p.bs = (int)block_size(q->fp4_format);
  p.packed_stride = q->padded_cols / 2;
  p.scale_cols = q->padded_cols / p.bs;
  p.padded_rows = q->padded_rows;
  p.nvfp4 = q->fp4_format == FP4LAB_CUDA_NVFP4;
  p.nc = q->normconst;
  p.block_sq_err = block_sq_err;
  const int64_t blocks = q->padded_rows * p.scale_cols;
  const int ctas = (int)std::max<int64_t>(1, std::min<int64_t>((blocks + kThreads - 1) / kThreads, (int64_t)ctx->props.multiProcessorCount * 4));
  const int64_t per_cta = (blocks + ctas - 1) / ctas;
  ScopedDevice partials;
  FP4_TRY(partials.alloc(sizeof(Partial) * (ctas + 1)));
  p.partials = partials.as<Partial>();
  if (stats || block_sq_err) {
    block_stats_kernel<<<ctas, kThreads, 0, ctx->stream>>>(p, blocks, per_cta);
    FP4_LAUNCH_CHECK("block_stats_kernel");
    final_kernel<<<1, 1, 0, ctx->stream>>>(p.partials, ctas);
    FP4_LAUNCH_CHECK("final_kernel");
  }
  if (heat) {
    const int64_t cells = heat_rows * heat_cols;
    const int grid = (int)std::max<int64_t>(1, std::min<int64_t>((cells + 127) / 128, 65535));
    heatmap_kernel<<<grid, 128, 0, ctx->stream>>>(p, heat_rows, heat_cols, heat_mean_sq_err, heat_max_abs_err, heat_mean_sq_ref);
    FP4_LAUNCH_CHECK("heatmap_kernel");
  }
  if (stats) {
    Partial total;
    FP4_CUDA_TRY(cudaMemcpyAsync(&total, p.partials + ctas, sizeof total, cudaMemcpyDeviceToHost, ctx->stream));
    FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
    stats->count = total.count;
    stats->sum_sq_err = total.sum_sq_err;
    stats->sum_abs_err = total.sum_abs_err;
    stats->sum_sq_ref = total.sum_sq_ref;
    stats->sum_abs_ref = total.sum_abs_ref;
    stats->max_abs_err = total.max_abs_err;
    stats->max_abs_ref = total.max_abs_ref;
    stats->max_err_row = total.count ? total.max_err_index / x.cols : -1;
    stats->max_err_col = total.count ? total.max_err_index % x.cols : -1;
    memcpy(stats->code_histogram, total.codes, sizeof total.codes);
    stats->blocks_chose_4 = total.chose4;
    stats->blocks_chose_6 = total.chose6;
  } else {
    FP4_CUDA_TRY(cudaStreamSynchronize(ctx->stream));
  }
  return FP4LAB_CUDA_OK;
}

}  // namespace fp4lab
