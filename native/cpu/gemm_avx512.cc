// GEMM and dequantize inner loops for AVX-512 with fp32 products: a 12 x 32 micro-tile
// (24 zmm accumulators). Used where AVX512_BF16 is missing and for MXFP4 scales whose
// products are not exact in bf16.
#include <immintrin.h>

#include "gemm_avx512_common.h"

namespace fp4lab {
namespace {

constexpr int kMr = 12;
constexpr int kNr = 32;

void pack(const DecodeSource& src, int64_t r0, int nrows, int64_t k0, int64_t kc, int width, void* panel, float* tmp) {
  float* p = static_cast<float*>(panel);
  for (int i = 0; i < width; i++) {
    if (i < nrows) {
      avx512::decode_row(src, r0 + i, k0, kc, 1.0f, tmp);
      for (int64_t k = 0; k < kc; k++) p[k * width + i] = tmp[k];
    } else {
      for (int64_t k = 0; k < kc; k++) p[k * width + i] = 0.0f;
    }
  }
}

template <bool kFused>
void micro_kernel_t(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  __m512 acc[kMr][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    acc[i][0] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * ldc);
    acc[i][1] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * ldc + 16);
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m512 b0 = _mm512_loadu_ps(b + k * kNr);
    const __m512 b1 = _mm512_loadu_ps(b + k * kNr + 16);
#pragma GCC unroll 12
    for (int i = 0; i < kMr; i++) {
      const __m512 ai = _mm512_set1_ps(a[k * kMr + i]);
      if constexpr (kFused) {
        acc[i][0] = _mm512_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm512_fmadd_ps(ai, b1, acc[i][1]);
      } else {
        acc[i][0] = _mm512_add_ps(acc[i][0], _mm512_mul_ps(ai, b0));
        acc[i][1] = _mm512_add_ps(acc[i][1], _mm512_mul_ps(ai, b1));
      }
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    _mm512_storeu_ps(c + i * ldc, acc[i][0]);
    _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
  }
}

void micro_kernel(int64_t kc, const void* a, const void* b, float* c, int64_t ldc, bool first, bool fused) {
  if (fused) micro_kernel_t<true>(kc, static_cast<const float*>(a), static_cast<const float*>(b), c, ldc, first);
  else micro_kernel_t<false>(kc, static_cast<const float*>(a), static_cast<const float*>(b), c, ldc, first);
}

}  // namespace

const GemmKernels& gemm_kernels_avx512() {
  static const GemmKernels table = {FP4LAB_GEMM_AVX512_FP32, kMr, kNr, 4, avx512::decode_row, pack, micro_kernel, avx512::epilogue};
  return table;
}

}  // namespace fp4lab
