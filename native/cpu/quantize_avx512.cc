// The quantizer's inner loops for AVX-512 (compiled with -mavx512f/bw/dq/vl, see native/fp4lab.gypi).
//
// The common case, NVFP4 with 1-D blocks and nearest rounding, has its own loop that works on
// 16 blocks (256 values of a row) at once, so that everything per block is one lane of a
// vector: the 16 block maxima come out of one butterfly reduction, the 6- and 4-candidate
// scales are two vector computations, and the adaptive rules' error sums — whose order is part
// of the contract (NUMERICS.md §2.4: lane j = e_j + e_{j+8}, then ((l0 + l1) + l2) + ... + l7)
// — become eight vertical adds after a transpose. Every other case runs the generic loops of
// quantize_simd.h. Both produce the same bytes; tests compare them with the reference.
#include "simd_avx512.h"
#include "quantize_simd.h"

namespace fp4lab {
namespace {

// Butterfly transpose of 8 vectors R_i = [L[2i][0..7] | L[2i+1][0..7]] into C_j = L[0..15][j]:
// three levels, each pairing vectors whose index differs in one bit and picking lanes from the
// pair with vpermt2ps (index bit 4 = second source). Found by swapping one vector-index bit
// with one lane bit per level; the last level also puts the blocks in order.
struct Butterfly {
  __m512i lo[3];
  __m512i hi[3];
  Butterfly() {
    lo[0] = _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30);
    hi[0] = _mm512_setr_epi32(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31);
    lo[1] = _mm512_setr_epi32(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29);
    hi[1] = _mm512_setr_epi32(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31);
    lo[2] = _mm512_setr_epi32(0, 8, 1, 9, 2, 10, 3, 11, 16, 24, 17, 25, 18, 26, 19, 27);
    hi[2] = _mm512_setr_epi32(4, 12, 5, 13, 6, 14, 7, 15, 20, 28, 21, 29, 22, 30, 23, 31);
  }
};

// [A0..7 | B0..7] and [A8..15 | B8..15] of two blocks' vectors.
inline __m512 low_halves(__m512 a, __m512 b) { return _mm512_shuffle_f32x4(a, b, 0x44); }
inline __m512 high_halves(__m512 a, __m512 b) { return _mm512_shuffle_f32x4(a, b, 0xee); }

// 16 blocks' per-value vectors v[0..15] -> 8 vectors R_i = [v_2i lanes 0..7 (op) lanes 8..15 |
// the same for v_2i+1]: for the error sums op = + gives lane j = e_j + e_{j+8} (NUMERICS.md §2.4).
template <bool kMax>
inline __m512 fold_pair(__m512 a, __m512 b) {
  return kMax ? _mm512_max_ps(low_halves(a, b), high_halves(a, b)) : _mm512_add_ps(low_halves(a, b), high_halves(a, b));
}

// R (8 vectors of 2 blocks x 8 lanes) -> one vector, lane k = the max over block k's 8 lanes.
// Each level pairs vectors 2^t apart and maxes the lane bit being swapped out.
inline __m512 max_of_each(__m512* r, const Butterfly& bf) {
  for (int i = 0; i < 4; i++) r[i] = _mm512_max_ps(_mm512_permutex2var_ps(r[2 * i], bf.lo[0], r[2 * i + 1]), _mm512_permutex2var_ps(r[2 * i], bf.hi[0], r[2 * i + 1]));
  for (int i = 0; i < 2; i++) r[i] = _mm512_max_ps(_mm512_permutex2var_ps(r[2 * i], bf.lo[1], r[2 * i + 1]), _mm512_permutex2var_ps(r[2 * i], bf.hi[1], r[2 * i + 1]));
  return _mm512_max_ps(_mm512_permutex2var_ps(r[0], bf.lo[2], r[1]), _mm512_permutex2var_ps(r[0], bf.hi[2], r[1]));
}

// R -> one vector, lane k = ((l0 + l1) + l2) + ... + l7 of block k: transpose, then vertical adds.
inline __m512 ordered_sum_of_each(const __m512* rin, const Butterfly& bf) {
  __m512 r[8], t[8];
  for (int v = 0; v < 8; v++) r[v] = rin[v];
  for (int level = 0; level < 3; level++) {
    const int d = 1 << level;
    for (int v = 0; v < 8; v++) t[v] = _mm512_permutex2var_ps(r[v & ~d], (v & d) ? bf.hi[level] : bf.lo[level], r[v | d]);
    for (int v = 0; v < 8; v++) r[v] = t[v];
  }
  __m512 total = _mm512_add_ps(r[0], r[1]);
  for (int j = 2; j < 8; j++) total = _mm512_add_ps(total, r[j]);
  return total;
}

// Nearest E2M1 value of v (signed), RNE: adding c = 1.5 * 2^(e + 22), e = max(exponent of v, 0),
// leaves one mantissa bit of v's binade (and steps of 0.5 below 1) — exactly the E2M1 grid —
// and subtracting it again is exact. c comes from a 16-entry table indexed by the low 4 bits of
// v's exponent field: 128 -> step 1, 129 -> step 2, 114..127 -> step 0.5. Other exponents alias
// onto those entries, but they belong to |v| < 2^-13 (which any step >= 0.5 rounds to 0) or to
// |v| >= 8, which does not occur:
// an NVFP4 block never has |v| >= 7. Its scale is s_hp = amax_b / (m nc) rounded to E4M3
// (relative error <= 2^-4), so |v| <= m / (1 - 2^-4) = 6.4 for m = 6 (4.27 for m = 4); where
// s_hp is clamped to 448, amax_b <= amax = D nc (1 + 2^-23) bounds |v| by D / 448 <= 6 (1 + 2^-22);
// the clamp at 2^-6 only makes s larger. 6.4 and 4.27 round to 6 and 4, so no clamp either.
inline __m512 round_e2m1(__m512 v) {
  const __m512 steps = _mm512_setr_ps(0x1.8p23f, 0x1.8p24f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f,
                                      0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f, 0x1.8p22f);
  const __m512 c = _mm512_permutexvar_ps(_mm512_srli_epi32(_mm512_castps_si512(v), 23), steps);
  return _mm512_sub_ps(_mm512_add_ps(v, c), c);
}

// E2M1 codes of signed grid values q, with -0 (code 8) for negative x: a table indexed by 2q + 12.
inline __m512i e2m1_codes(__m512 q, __mmask16 negative) {
  const __m512i lo = _mm512_setr_epi32(15, 0, 0, 0, 14, 0, 13, 0, 12, 11, 10, 9, 0, 1, 2, 3);
  const __m512i hi = _mm512_setr_epi32(4, 0, 5, 0, 6, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0);
  const __m512i index = _mm512_cvttps_epi32(_mm512_fmadd_ps(q, _mm512_set1_ps(2.0f), _mm512_set1_ps(12.0f)));  // exact
  const __m512i code = _mm512_permutex2var_epi32(lo, index, hi);
  return _mm512_mask_or_epi32(code, negative, code, _mm512_set1_epi32(8));
}

struct Candidates {
  __m512 scale;
  __m512i byte;
};

// Two blocks' codes (16 lanes each, 0..15) -> 16 bytes, low nibble = even value: block a's 8
// bytes, then block b's.
inline void store_codes_x2(uint8_t* dst, __m512i a, __m512i b) {
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_setr_epi32(1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
  const __m512i bytes = _mm512_or_si512(_mm512_permutex2var_epi32(a, even, b), _mm512_slli_epi32(_mm512_permutex2var_epi32(a, odd, b), 4));
  _mm_storeu_si128(reinterpret_cast<__m128i*>(dst), _mm512_cvtepi32_epi8(bytes));
}

// NUMERICS.md §2.2 for 16 blocks: s_hp = fp32(amax / fp32(m nc)) clamped to [2^-6, 448], E4M3
// by rounding the fp32 bits to 3 mantissa bits (nearest even), s = fp32(value nc).
inline Candidates nvfp4_candidates(__m512 amax, float target, float nc) {
  __m512 shp = _mm512_div_ps(amax, _mm512_set1_ps(target * nc));
  shp = _mm512_min_ps(_mm512_max_ps(shp, _mm512_set1_ps(kE4M3MinNormal)), _mm512_set1_ps(kE4M3Max));
  const __m512i bits = _mm512_castps_si512(shp);
  const __m512i rounded = _mm512_add_epi32(_mm512_add_epi32(bits, _mm512_set1_epi32(0x7ffff)), _mm512_and_si512(_mm512_srli_epi32(bits, 20), _mm512_set1_epi32(1)));
  const __m512 value = _mm512_castsi512_ps(_mm512_and_si512(rounded, _mm512_set1_epi32(static_cast<int>(0xfff00000u))));
  return {_mm512_mul_ps(value, _mm512_set1_ps(nc)), _mm512_sub_epi32(_mm512_srli_epi32(rounded, 20), _mm512_set1_epi32(120 << 3))};
}

template <ErrorMetric kMetric>
void nvfp4_row(const QuantizeSetup& s, const float* x, uint8_t* e2m1, uint8_t* scale_bytes, float* block_scales, uint8_t* selection) {
  constexpr int NT = kMetric == ErrorMetric::kNone ? 1 : 2;
  constexpr bool kMax = kMetric == ErrorMetric::kAbsMax;
  static const Butterfly bf;
  alignas(64) static const float zeros[16] = {};
  const int64_t nb = s.cols / 16;
  for (int64_t g = 0; g < nb; g += 16) {
    const int n = nb - g < 16 ? static_cast<int>(nb - g) : 16;
    const float* xb[16];
    for (int k = 0; k < 16; k++) xb[k] = k < n ? x + (g + k) * 16 : zeros;

    __m512 r[8];
    for (int i = 0; i < 8; i++) r[i] = fold_pair<true>(_mm512_abs_ps(_mm512_loadu_ps(xb[2 * i])), _mm512_abs_ps(_mm512_loadu_ps(xb[2 * i + 1])));
    const __m512 amax = max_of_each(r, bf);

    Candidates cand[2];
    alignas(64) float scales[2][16];
    for (int t = 0; t < NT; t++) {
      cand[t] = nvfp4_candidates(amax, s.targets[t], s.normconst);
      _mm512_store_ps(scales[t], cand[t].scale);
    }
    // fp32(x / s): the divider is a unit of its own and keeps up with two quotients per block
    // (a reciprocal-and-correction route on the FMA pipes measured slower).
    auto quantized = [&](__m512 xv, int t, int k) { return round_e2m1(_mm512_div_ps(xv, _mm512_set1_ps(scales[t][k]))); };

    uint8_t* out = e2m1 + g * 8;
    __mmask16 four = 0;  // blocks where the 4-candidate is strictly better
    // Codes of blocks k, k+1 (n is a multiple of 4: padded columns are a multiple of 64).
    auto codes_of = [&](int k, const float* qk) {
      const __m512 xv = _mm512_loadu_ps(xb[k]);
      return e2m1_codes(qk != nullptr ? _mm512_load_ps(qk) : quantized(xv, 0, k), _mm512_cmp_ps_mask(xv, _mm512_setzero_ps(), _CMP_LT_OQ));
    };
    if constexpr (NT == 1) {
      for (int k = 0; k < n; k += 2) store_codes_x2(out + k * 8, codes_of(k, nullptr), codes_of(k + 1, nullptr));
    } else {
      // Both candidates' values and per-block errors; the codes only for the winner, below.
      alignas(64) float q[2][16][16];
      __m512 folded[2][8];
      for (int k = 0; k < 16; k += 2) {
        const __m512 x0 = _mm512_loadu_ps(xb[k]);
        const __m512 x1 = _mm512_loadu_ps(xb[k + 1]);
        for (int t = 0; t < 2; t++) {
          const __m512 q0 = quantized(x0, t, k);
          const __m512 q1 = quantized(x1, t, k + 1);
          _mm512_store_ps(q[t][k], q0);
          _mm512_store_ps(q[t][k + 1], q1);
          // e = fp32(fp32(q s) - x): q carries x's sign (a negative x that rounds to 0 gives 0 - x = -0 - x).
          const __m512 e0 = _mm512_sub_ps(_mm512_mul_ps(q0, _mm512_set1_ps(scales[t][k])), x0);
          const __m512 e1 = _mm512_sub_ps(_mm512_mul_ps(q1, _mm512_set1_ps(scales[t][k + 1])), x1);
          if constexpr (kMetric == ErrorMetric::kMse) folded[t][k / 2] = fold_pair<false>(_mm512_mul_ps(e0, e0), _mm512_mul_ps(e1, e1));
          else folded[t][k / 2] = fold_pair<kMax>(_mm512_abs_ps(e0), _mm512_abs_ps(e1));
        }
      }
      if constexpr (kMax) four = _mm512_cmp_ps_mask(max_of_each(folded[1], bf), max_of_each(folded[0], bf), _CMP_LT_OQ);
      else four = _mm512_cmp_ps_mask(ordered_sum_of_each(folded[1], bf), ordered_sum_of_each(folded[0], bf), _CMP_LT_OQ);
      // The winner's values (an index, not a branch: the choice is data).
      for (int k = 0; k < n; k += 2) store_codes_x2(out + k * 8, codes_of(k, q[(four >> k) & 1][k]), codes_of(k + 1, q[(four >> (k + 1)) & 1][k + 1]));
    }

    const __mmask16 valid = static_cast<__mmask16>((1u << n) - 1);
    const int t1 = NT - 1;
    const __m512i bytes = _mm512_mask_blend_epi32(four, cand[0].byte, cand[t1].byte);
    _mm_mask_storeu_epi8(scale_bytes + g, valid, _mm512_cvtepi32_epi8(bytes));
    _mm512_mask_storeu_ps(block_scales + g, valid, _mm512_mask_blend_ps(four, cand[0].scale, cand[t1].scale));
    const __m512i sel = _mm512_mask_blend_epi32(four, _mm512_set1_epi32(static_cast<int>(s.targets[0])), _mm512_set1_epi32(static_cast<int>(s.targets[t1])));
    _mm_mask_storeu_epi8(selection + g, valid, _mm512_cvtepi32_epi8(sel));
  }
}

template <ErrorMetric kMetric>
void nvfp4_band(const QuantizeSetup& s, const float* const* rows, int nrows, const BandOutput& out) {
  const int64_t nb = s.cols / 16;
  for (int i = 0; i < nrows; i++) {
    nvfp4_row<kMetric>(s, rows[i], out.e2m1 + i * (s.cols / 2), out.scale_bytes + i * nb, out.block_scales + i * nb, out.selection + i * nb);
  }
}

void quantize_band(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  if (s.format == FP4LAB_NVFP4 && s.group_rows == 1 && !s.stochastic) {
    switch (s.metric) {
      case ErrorMetric::kNone: return nvfp4_band<ErrorMetric::kNone>(s, rows, nrows, out);
      case ErrorMetric::kMse: return nvfp4_band<ErrorMetric::kMse>(s, rows, nrows, out);
      case ErrorMetric::kL1: return nvfp4_band<ErrorMetric::kL1>(s, rows, nrows, out);
      case ErrorMetric::kAbsMax: return nvfp4_band<ErrorMetric::kAbsMax>(s, rows, nrows, out);
    }
  }
  simd::quantize_band<Avx512>(s, rows, nrows, first_row, out, scratch);
}

}  // namespace

const QuantizeKernels& quantize_kernels_avx512() {
  static const QuantizeKernels table = {simd::abs_max_bits<Avx512>, simd::hadamard<Avx512>, quantize_band, simd::band_scratch_bytes<Avx512>};
  return table;
}

}  // namespace fp4lab
