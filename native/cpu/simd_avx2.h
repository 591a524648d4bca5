// AVX2 + FMA + F16C vector traits for the kernel templates: 8 fp32 lanes. Included only by
// translation units compiled with the matching target flags (see native/fp4lab.gypi).
#pragma once

#include <immintrin.h>

#include <cstdint>
#include <cstring>

namespace fp4lab {
namespace {  // internal linkage: only this instruction set's translation units see it

struct Avx2 {
  static constexpr int L = 8;
  using F = __m256;
  using I = __m256i;
  using M = __m256;  // all-ones / all-zeros lanes
  using A = __m256;

  static F load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, F v) { _mm256_storeu_ps(p, v); }
  static F set1(float v) { return _mm256_set1_ps(v); }
  static F zero() { return _mm256_setzero_ps(); }
  static F add(F a, F b) { return _mm256_add_ps(a, b); }
  static F sub(F a, F b) { return _mm256_sub_ps(a, b); }
  static F mul(F a, F b) { return _mm256_mul_ps(a, b); }
  static F div(F a, F b) { return _mm256_div_ps(a, b); }
  static F min(F a, F b) { return _mm256_min_ps(a, b); }
  static F max(F a, F b) { return _mm256_max_ps(a, b); }
  static F abs(F v) { return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(0x7fffffff))); }
  static F sign(F v) { return _mm256_and_ps(v, _mm256_castsi256_ps(_mm256_set1_epi32(INT32_MIN))); }
  static F or_(F a, F b) { return _mm256_or_ps(a, b); }
  static F round_even(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC); }
  static F floor(F v) { return _mm256_round_ps(v, _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC); }
  static M lt(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_LT_OQ); }
  static M ge(F a, F b) { return _mm256_cmp_ps(a, b, _CMP_GE_OQ); }
  static F select(M m, F if_set, F otherwise) { return _mm256_blendv_ps(otherwise, if_set, m); }
  static F add_where(M m, F a, F b) { return _mm256_add_ps(a, _mm256_and_ps(m, b)); }

  static I bits(F v) { return _mm256_castps_si256(v); }
  static F from_bits(I v) { return _mm256_castsi256_ps(v); }
  static I set1i(int32_t v) { return _mm256_set1_epi32(v); }
  static I iota() { return _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7); }
  static I addi(I a, I b) { return _mm256_add_epi32(a, b); }
  static I subi(I a, I b) { return _mm256_sub_epi32(a, b); }
  static I andi(I a, I b) { return _mm256_and_si256(a, b); }
  static I xori(I a, I b) { return _mm256_xor_si256(a, b); }
  static I mini(I a, I b) { return _mm256_min_epi32(a, b); }
  static I maxu(I a, I b) { return _mm256_max_epu32(a, b); }
  static I mullo(I a, I b) { return _mm256_mullo_epi32(a, b); }
  template <int N> static I srli(I a) { return _mm256_srli_epi32(a, N); }
  template <int N> static I slli(I a) { return _mm256_slli_epi32(a, N); }
  static M nonzero(I a) { return _mm256_castsi256_ps(_mm256_xor_si256(_mm256_cmpeq_epi32(a, _mm256_setzero_si256()), _mm256_set1_epi32(-1))); }
  static I add_where(M m, I a, I b) { return _mm256_add_epi32(a, _mm256_and_si256(_mm256_castps_si256(m), b)); }
  static I or_where(M m, I a, I b) { return _mm256_or_si256(a, _mm256_and_si256(_mm256_castps_si256(m), b)); }
  static I cvt_to_int(F v) { return _mm256_cvttps_epi32(v); }
  static F cvt_to_float(I v) { return _mm256_cvtepi32_ps(v); }
  static uint32_t reduce_maxu(I v) {
    __m128i m = _mm_max_epu32(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
    m = _mm_max_epu32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(1, 0, 3, 2)));
    m = _mm_max_epu32(m, _mm_shuffle_epi32(m, _MM_SHUFFLE(2, 3, 0, 1)));
    return static_cast<uint32_t>(_mm_cvtsi128_si32(m));
  }
  static float reduce_max(F v) {
    __m128 m = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
    m = _mm_max_ps(m, _mm_movehl_ps(m, m));
    m = _mm_max_ss(m, _mm_shuffle_ps(m, m, 1));
    return _mm_cvtss_f32(m);
  }

  static F round_bf16(F v) {
    const I b = bits(v);
    const I r = addi(addi(b, set1i(0x7fff)), andi(srli<16>(b), set1i(1)));
    return from_bits(andi(r, set1i(static_cast<int32_t>(0xffff0000u))));
  }
  static F round_fp16(F v) { return _mm256_cvtph_ps(_mm256_cvtps_ph(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC)); }

  // E2M1 magnitude code of q (0, .5, 1, 1.5, 2, 3, 4, 6): 2q below 2, then q + 2 below 4, then 6 or 7.
  static I magnitude_code(F q) {
    const F two = set1(2.0f), four = set1(4.0f);
    const F below2 = _mm256_cmp_ps(q, two, _CMP_LT_OQ);
    const F below4 = _mm256_cmp_ps(q, four, _CMP_LT_OQ);
    const F high = _mm256_blendv_ps(set1(7.0f), set1(6.0f), _mm256_cmp_ps(q, four, _CMP_EQ_OQ));
    const F code = _mm256_blendv_ps(high, _mm256_blendv_ps(add(q, two), add(q, q), below2), below4);
    return cvt_to_int(code);
  }

  // 8 codes (one per lane, 0..15) -> 4 bytes, low nibble = even lane.
  static void store_codes(uint8_t* dst, I codes) {
    const __m256i pairs = _mm256_or_si256(codes, _mm256_srli_epi64(codes, 28));
    const __m256i picked = _mm256_shuffle_epi8(pairs, _mm256_setr_epi8(0, 8, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, 0, 8, -1, -1, -1,
                                                                        -1, -1, -1, -1, -1, -1, -1, -1, -1, -1, -1));
    const uint32_t lo = static_cast<uint32_t>(_mm256_extract_epi16(picked, 0));
    const uint32_t hi = static_cast<uint32_t>(_mm256_extract_epi16(picked, 8));
    const uint32_t word = lo | (hi << 16);
    std::memcpy(dst, &word, 4);
  }

  static A acc_zero() { return _mm256_setzero_ps(); }
  static A acc_add(A acc, F v) { return _mm256_add_ps(acc, v); }
  static A acc_max(A acc, F v) { return _mm256_max_ps(acc, v); }
  static void acc_store(float* p, A acc) { _mm256_storeu_ps(p, acc); }
};

}  // namespace
}  // namespace fp4lab
