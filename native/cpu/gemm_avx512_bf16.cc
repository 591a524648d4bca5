// GEMM inner loops for AVX512_BF16: operands decoded to bf16 (E2M1 x E4M3 values are exact
// there, KERNELS.md) in K-pair-interleaved panels, and a 12 x 32 micro-tile of vdpbf16ps, which
// multiplies two K values per lane at twice the fp32 FMA rate. Products are exact; only the
// fp32 sums round, in an order of their own (NUMERICS.md §7 leaves it free).
#include <immintrin.h>

#include <cstring>

#include "gemm_avx512_common.h"

namespace fp4lab {
namespace {

constexpr int kMr = 12;
constexpr int kNr = 32;

// Panel layout: for each K pair p, `width` dwords; dword p * width + i holds row i's values
// 2p (low half) and 2p + 1 (high half).
void pack(const DecodeSource& src, int64_t r0, int nrows, int64_t k0, int64_t kc, int width, void* panel, float* tmp) {
  uint32_t* p = static_cast<uint32_t*>(panel);
  const int64_t pairs = kc / 2;
  for (int i = 0; i < width; i++) {
    if (i >= nrows) {
      for (int64_t k = 0; k < pairs; k++) p[k * width + i] = 0;
      continue;
    }
    avx512::decode_row(src, r0 + i, k0, kc, 1.0f, tmp);
    // The values are exact in bf16, so rounding them is exact; written over tmp (16 bf16 per
    // 16 floats, in place from the front).
    uint32_t* pairs_out = reinterpret_cast<uint32_t*>(tmp);
    for (int64_t k = 0; k < kc; k += 32) {
      const __m512bh packed = _mm512_cvtne2ps_pbh(_mm512_loadu_ps(tmp + k + 16), _mm512_loadu_ps(tmp + k));
      _mm512_storeu_si512(pairs_out + k / 2, reinterpret_cast<const __m512i&>(packed));
    }
    for (int64_t k = 0; k < pairs; k++) p[k * width + i] = pairs_out[k];
  }
}

void micro_kernel(int64_t kc, const void* a_panel, const void* b_panel, float* c, int64_t ldc, bool first, bool /*fused: products are exact*/) {
  const uint32_t* a = static_cast<const uint32_t*>(a_panel);
  const uint32_t* b = static_cast<const uint32_t*>(b_panel);
  __m512 acc[kMr][2];
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    acc[i][0] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * ldc);
    acc[i][1] = first ? _mm512_setzero_ps() : _mm512_loadu_ps(c + i * ldc + 16);
  }
  const int64_t pairs = kc / 2;
  for (int64_t k = 0; k < pairs; k++) {
    const __m512bh b0 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + k * kNr));
    const __m512bh b1 = reinterpret_cast<__m512bh>(_mm512_loadu_si512(b + k * kNr + 16));
#pragma GCC unroll 12
    for (int i = 0; i < kMr; i++) {
      const __m512bh ai = reinterpret_cast<__m512bh>(_mm512_set1_epi32(static_cast<int>(a[k * kMr + i])));
      acc[i][0] = _mm512_dpbf16_ps(acc[i][0], ai, b0);
      acc[i][1] = _mm512_dpbf16_ps(acc[i][1], ai, b1);
    }
  }
#pragma GCC unroll 12
  for (int i = 0; i < kMr; i++) {
    _mm512_storeu_ps(c + i * ldc, acc[i][0]);
    _mm512_storeu_ps(c + i * ldc + 16, acc[i][1]);
  }
}

}  // namespace

const GemmKernels& gemm_kernels_avx512_bf16() {
  static const GemmKernels table = {FP4LAB_GEMM_AVX512_BF16, kMr, kNr, 2, avx512::decode_row, pack, micro_kernel, avx512::epilogue};
  return table;
}

}  // namespace fp4lab
