// AVX-512 (F/BW/DQ/VL) vector traits for the kernel templates: 16 fp32 lanes. Included only by
// translation units compiled with the matching target flags (see native/fp4lab.gypi).
#pragma once

#include <immintrin.h>

#include <cstdint>

namespace fp4lab {
namespace {  // internal linkage: only this instruction set's translation units see it

struct Avx512 {
  static constexpr int L = 16;
  using F = __m512;
  using I = __m512i;
  using M = __mmask16;
  using A = __m256;  // the adaptive rules' 8 error lanes

  static F load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, F v) { _mm512_storeu_ps(p, v); }
  static F set1(float v) { return _mm512_set1_ps(v); }
  static F zero() { return _mm512_setzero_ps(); }
  static F add(F a, F b) { return _mm512_add_ps(a, b); }
  static F sub(F a, F b) { return _mm512_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm512_mul_ps(a, b); }
  static F div(F a, F b) { return _mm512_div_ps(a, b); }
  static F min(F a, F b) { return _mm512_min_ps(a, b); }
  static F max(F a, F b) { return _mm512_max_ps(a, b); }
  static F abs(F v) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff))); }
  static F sign(F v) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(INT32_MIN))); }
  static F or_(F a, F b) { return _mm512_castsi512_ps(_mm512_or_si512(_mm512_castps_si512(a), _mm512_castps_si512(b))); }
  static F round_even(F v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F floor(F v) { return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static M lt(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ); }
  static M ge(F a, F b) { return _mm512_cmp_ps_mask(a, b, _CMP_GE_OQ); }
  static F select(M m, F if_set, F otherwise) { return _mm512_mask_blend_ps(m, otherwise, if_set); }
  static F add_where(M m, F a, F b) { return _mm512_mask_add_ps(a, m, a, b); }

  static I bits(F v) { return _mm512_castps_si512(v); }
  static F from_bits(I v) { return _mm512_castsi512_ps(v); }
  static I set1i(int32_t v) { return _mm512_set1_epi32(v); }
  static I iota() { return _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15); }
  static I addi(I a, I b) { return _mm512_add_epi32(a, b); }
  static I subi(I a, I b) { return _mm512_sub_epi32(a, b); }
  static I andi(I a, I b) { return _mm512_and_si512(a, b); }
  static I xori(I a, I b) { return _mm512_xor_si512(a, b); }
  static I mini(I a, I b) { return _mm512_min_epi32(a, b); }
  static I maxu(I a, I b) { return _mm512_max_epu32(a, b); }
  static I mullo(I a, I b) { return _mm512_mullo_epi32(a, b); }
  template <int N> static I srli(I a) { return _mm512_srli_epi32(a, N); }
  template <int N> static I slli(I a) { return _mm512_slli_epi32(a, N); }
  static M nonzero(I a) { return _mm512_test_epi32_mask(a, a); }
  static I add_where(M m, I a, I b) { return _mm512_mask_add_epi32(a, m, a, b); }
  static I or_where(M m, I a, I b) { return _mm512_mask_or_epi32(a, m, a, b); }
  static I cvt_to_int(F v) { return _mm512_cvttps_epi32(v); }
  static F cvt_to_float(I v) { return _mm512_cvtepi32_ps(v); }
  static uint32_t reduce_maxu(I v) { return _mm512_reduce_max_epu32(v); }
  static float reduce_max(F v) { return _mm512_reduce_max_ps(v); }

  // Round to bf16 / fp16 and back (nearest even), for the Hadamard's one rounding.
  static F round_bf16(F v) {
    const I b = bits(v);
    const I r = addi(addi(b, set1i(0x7fff)), andi(srli<16>(b), set1i(1)));
    return from_bits(andi(r, set1i(static_cast<int32_t>(0xffff0000u))));
  }
  static F round_fp16(F v) { return _mm512_cvtph_ps(_mm512_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }

  // E2M1 magnitude code of q (one of 0, .5, 1, 1.5, 2, 3, 4, 6): a table indexed by 2q.
  static I magnitude_code(F q) {
    const I table = _mm512_setr_epi32(0, 1, 2, 3, 4, 0, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0);
    return _mm512_permutexvar_epi32(cvt_to_int(add(q, q)), table);
  }

  // 16 codes (one per lane, 0..15) -> 8 bytes, low nibble = even lane.
  static void store_codes(uint8_t* dst, I codes) {
    const __m512i pairs = _mm512_or_si512(codes, _mm512_srli_epi64(codes, 28));
    _mm_storel_epi64(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi64_epi8(pairs));
  }

  // Error lanes in element order: lane j takes element j, then j + 8 (NUMERICS.md §2.4).
  static A acc_zero() { return _mm256_setzero_ps(); }
  static A acc_add(A acc, F v) {
    acc = _mm256_add_ps(acc, _mm512_castps512_ps256(v));
    return _mm256_add_ps(acc, _mm512_extractf32x8_ps(v, 1));
  }
  static A acc_max(A acc, F v) { return _mm256_max_ps(_mm256_max_ps(acc, _mm512_castps512_ps256(v)), _mm512_extractf32x8_ps(v, 1)); }
  static void acc_store(float* p, A acc) { _mm256_storeu_ps(p, acc); }
};

}  // namespace
}  // namespace fp4lab
