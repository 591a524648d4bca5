// AVX-512 pieces shared by the fp32 and the bf16 GEMM tables (internal linkage: each
// translation unit compiles its own copy with its own target flags).
#pragma once

#include <immintrin.h>

#include <cstdint>

#include "gemm_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace avx512 {
namespace {

// 16 E2M1 codes (8 packed bytes, low nibble first) -> their values.
inline __m512 e2m1_x16(const uint8_t* p) {
  const __m512 table = _mm512_setr_ps(0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f);
  const __m128i bytes = _mm_loadl_epi64(reinterpret_cast<const __m128i*>(p));
  const __m128i nibble = _mm_set1_epi8(0x0f);
  const __m128i lo = _mm_and_si128(bytes, nibble);
  const __m128i hi = _mm_and_si128(_mm_srli_epi16(bytes, 4), nibble);
  return _mm512_permutexvar_ps(_mm512_cvtepu8_epi32(_mm_unpacklo_epi8(lo, hi)), table);
}

inline void decode_row(const DecodeSource& src, int64_t row, int64_t k0, int64_t count, float normconst, float* out) {
  if (src.q == nullptr) return copy_dense_row(src, row, k0, count, out);
  const uint8_t* codes = src.q->e2m1 + row * (src.q->padded_cols / 2);
  const __m512 nc = _mm512_set1_ps(normconst);
  const bool apply = normconst != 1.0f;
  for (int64_t c = k0; c < k0 + count; c += src.block) {
    const __m512 s = _mm512_set1_ps(src.scale_values[src.q->sf[fp4lab_blocked_scale_index(row, c / src.block, src.scale_cols)]]);
    for (int j = 0; j < src.block; j += 16) {
      __m512 v = _mm512_mul_ps(e2m1_x16(codes + (c + j) / 2), s);
      if (apply) v = _mm512_mul_ps(v, nc);
      _mm512_storeu_ps(out + (c - k0 + j), v);
    }
  }
}

inline void epilogue(float* values, uint16_t* bits, int64_t n, float nc_a, float nc_b, fp4lab_dtype dtype) {
  const __m512 na = _mm512_set1_ps(nc_a);
  const __m512 nb = _mm512_set1_ps(nc_b);
  int64_t i = 0;
  for (; i + 16 <= n; i += 16) {
    const __m512 v = _mm512_mul_ps(_mm512_mul_ps(_mm512_loadu_ps(values + i), na), nb);
    if (dtype == FP4LAB_BFLOAT16) {
      const __m512i u = _mm512_castps_si512(v);
      __m512i r = _mm512_add_epi32(_mm512_add_epi32(u, _mm512_set1_epi32(0x7fff)), _mm512_and_si512(_mm512_srli_epi32(u, 16), _mm512_set1_epi32(1)));
      r = _mm512_srli_epi32(r, 16);
      r = _mm512_mask_mov_epi32(r, _mm512_cmp_ps_mask(v, v, _CMP_UNORD_Q), _mm512_set1_epi32(0x7fc0));  // NaN -> the canonical quiet NaN
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(bits + i), _mm512_cvtepi32_epi16(r));
      _mm512_storeu_ps(values + i, _mm512_castsi512_ps(_mm512_slli_epi32(r, 16)));
    } else if (dtype == FP4LAB_FLOAT16) {
      const __m256i h = _mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(bits + i), h);
      _mm512_storeu_ps(values + i, _mm512_cvtph_ps(h));
    } else {
      _mm512_storeu_ps(values + i, v);
    }
  }
  gemm_epilogue_scalar(values, bits, i, n, nc_a, nc_b, dtype);
}

}  // namespace
}  // namespace avx512
}  // namespace fp4lab
