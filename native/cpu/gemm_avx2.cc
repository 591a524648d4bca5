// GEMM and dequantize inner loops for AVX2 + FMA: fp32 panels and a 6 x 16 micro-tile
// (12 ymm accumulators).
#include <immintrin.h>

#include <cstring>

#include "gemm_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace {

constexpr int kMr = 6;
constexpr int kNr = 16;

// 8 E2M1 codes (4 packed bytes, low nibble first) -> their values.
inline __m256 e2m1_x8(const uint8_t* p) {
  const __m256 magnitudes = _mm256_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f);
  int32_t word;
  std::memcpy(&word, p, 4);
  const __m128i bytes = _mm_cvtsi32_si128(word);
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(bytes, nibble);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble);
  const __m256i codes = _mm256_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi));
  const __m256 magnitude = _mm256_permutevar8x32_ps(magnitudes, codes);  // uses the low 3 bits
  const __m256i sign = _mm256_slli_epi32(_mm256_and_si256(codes, _mm256_set1_epi32(8)), 28);
  return _mm256_xor_ps(magnitude, _mm256_castsi256_ps(sign));
}

void decode_row(const DecodeSource& src, int64_t row, int64_t k0, int64_t count, float normconst, float* out) {
  if (src.q == nullptr) return copy_dense_row(src, row, k0, count, out);
  const uint8_t* codes = src.q->e2m1 + row * (src.q->padded_cols / 2);
  const __m256 nc = _mm256_set1_ps(normconst);
  const bool apply = normconst != 1.0f;
  for (int64_t c = k0; c < k0 + count; c += src.block) {
    const __m256 s = _mm256_set1_ps(src.scale_values[src.q->sf[fp4lab_blocked_scale_index(row, c / src.block, src.scale_cols)]]);
    for (int j = 0; j < src.block; j += 8) {
      __m256 v = _mm256_mul_ps(e2m1_x8(codes + (c + j) / 2), s);
      if (apply) v = _mm256_mul_ps(v, nc);
      _mm256_storeu_ps(out + (c - k0 + j), v);
    }
  }
}

void pack(const DecodeSource& src, int64_t r0, int nrows, int64_t k0, int64_t kc, int width, void* panel, float* tmp) {
  float* p = static_cast<float*>(panel);
  for (int i = 0; i < width; i++) {
    if (i < nrows) {
      decode_row(src, r0 + i, k0, kc, 1.0f, tmp);
      for (int64_t k = 0; k < kc; k++) p[k * width + i] = tmp[k];
    } else {
      for (int64_t k = 0; k < kc; k++) p[k * width + i] = 0.0f;
    }
  }
}

template <bool kFused>
void micro_kernel_t(int64_t kc, const float* a, const float* b, float* c, int64_t ldc, bool first) {
  __m256 acc[kMr][2];
#pragma GCC unroll 6
  for (int i = 0; i < kMr; i++) {
    acc[i][0] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + i * ldc);
    acc[i][1] = first ? _mm256_setzero_ps() : _mm256_loadu_ps(c + i * ldc + 8);
  }
  for (int64_t k = 0; k < kc; k++) {
    const __m256 b0 = _mm256_loadu_ps(b + k * kNr);
    const __m256 b1 = _mm256_loadu_ps(b + k * kNr + 8);
#pragma GCC unroll 6
    for (int i = 0; i < kMr; i++) {
      const __m256 ai = _mm256_broadcast_ss(a + k * kMr + i);
      if constexpr (kFused) {
        acc[i][0] = _mm256_fmadd_ps(ai, b0, acc[i][0]);
        acc[i][1] = _mm256_fmadd_ps(ai, b1, acc[i][1]);
      } else {
        acc[i][0] = _mm256_add_ps(acc[i][0], _mm256_mul_ps(ai, b0));
        acc[i][1] = _mm256_add_ps(acc[i][1], _mm256_mul_ps(ai, b1));
      }
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < kMr; i++) {
    _mm256_storeu_ps(c + i * ldc, acc[i][0]);
    _mm256_storeu_ps(c + i * ldc + 8, acc[i][1]);
  }
}

void micro_kernel(int64_t kc, const void* a, const void* b, float* c, int64_t ldc, bool first, bool fused) {
  if (fused) micro_kernel_t<true>(kc, static_cast<const float*>(a), static_cast<const float*>(b), c, ldc, first);
  else micro_kernel_t<false>(kc, static_cast<const float*>(a), static_cast<const float*>(b), c, ldc, first);
}

void epilogue(float* values, uint16_t* bits, int64_t n, float nc_a, float nc_b, fp4lab_dtype dtype) {
  const __m256 na = _mm256_set1_ps(nc_a);
  const __m256 nb = _mm256_set1_ps(nc_b);
  int64_t i = 0;
  for (; i + 8 <= n; i += 8) {
    const __m256 v = _mm256_mul_ps(_mm256_mul_ps(_mm256_loadu_ps(values + i), na), nb);
    if (dtype == FP4LAB_BFLOAT16) {
      const __m256i u = _mm256_castps_si256(v);
      __m256i r = _mm256_add_epi32(_mm256_add_epi32(u, _mm256_set1_epi32(0x7fff)), _mm256_and_si256(_mm256_srli_epi32(u, 16), _mm256_set1_epi32(1)));
      r = _mm256_srli_epi32(r, 16);
      const __m256 nan = _mm256_cmp_ps(v, v, _CMP_UNORD_Q);
      r = _mm256_blendv_epi8(r, _mm256_set1_epi32(0x7fc0), _mm256_castps_si256(nan));
      const __m256i words = _mm256_permute4x64_epi64(_mm256_packus_epi32(r, r), 0x08);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bits + i), _mm256_castsi256_si128(words));
      _mm256_storeu_ps(values + i, _mm256_castsi256_ps(_mm256_slli_epi32(r, 16)));
    } else if (dtype == FP4LAB_FLOAT16) {
      const __m128i h = _mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      _mm_storeu_si128(reinterpret_cast<__m128i*>(bits + i), h);
      _mm256_storeu_ps(values + i, _mm256_cvtph_ps(h));
    } else {
      _mm256_storeu_ps(values + i, v);
    }
  }
  gemm_epilogue_scalar(values, bits, i, n, nc_a, nc_b, dtype);
}

}  // namespace

const GemmKernels& gemm_kernels_avx2() {
  static const GemmKernels table = {FP4LAB_GEMM_AVX2_FP32, kMr, kNr, 4, decode_row, pack, micro_kernel, epilogue};
  return table;
}

}  // namespace fp4lab
