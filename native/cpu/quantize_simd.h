// The quantizer's inner loops written once over a vector-traits type S (simd_avx2.h,
// simd_avx512.h) and compiled once per instruction set. Each step is the same IEEE binary32
// operation the reference performs (app/quantize/quantizeToFp4.ts), only on S::L values at a
// time; the comments name the reference step.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#include "quantize_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace simd {
// Internal linkage throughout: each instruction set's translation unit gets its own copy.
namespace {

inline int64_t round_up(int64_t n, int64_t m) { return (n + m - 1) / m * m; }

// Per-band scratch: per-block arrays (padded to 16 so candidate loops need no tails) and, for
// 2-D tiles, both candidates' packed codes until the tile's winner is known.
struct BandScratch {
  float* amax;
  float* scale[2];
  float* divisor[2];
  int32_t* byte[2];
  uint8_t* codes[2];

  static size_t bytes(const QuantizeSetup& s) {
    const int64_t nb = round_up(s.cols / s.block, 16);
    return static_cast<size_t>(nb * 4 * 7 + 2 * s.group_rows * s.block / 2 + 64);
  }
  BandScratch(const QuantizeSetup& s, void* p) {
    const int64_t nb = round_up(s.cols / s.block, 16);
    float* f = static_cast<float*>(p);
    amax = f;
    scale[0] = f + nb;
    scale[1] = f + 2 * nb;
    divisor[0] = f + 3 * nb;
    divisor[1] = f + 4 * nb;
    byte[0] = reinterpret_cast<int32_t*>(f + 5 * nb);
    byte[1] = reinterpret_cast<int32_t*>(f + 6 * nb);
    codes[0] = reinterpret_cast<uint8_t*>(f + 7 * nb);
    codes[1] = codes[0] + s.group_rows * s.block / 2;
  }
};

template <class S>
uint32_t abs_max_bits(const float* x, int64_t n) {
  using I = typename S::I;
  constexpr int L = S::L;
  const I mask = S::set1i(0x7fffffff);
  I m0 = S::set1i(0), m1 = m0, m2 = m0, m3 = m0;
  int64_t i = 0;
  for (; i + 4 * L <= n; i += 4 * L) {
    m0 = S::maxu(m0, S::andi(S::bits(S::load(x + i)), mask));
    m1 = S::maxu(m1, S::andi(S::bits(S::load(x + i + L)), mask));
    m2 = S::maxu(m2, S::andi(S::bits(S::load(x + i + 2 * L)), mask));
    m3 = S::maxu(m3, S::andi(S::bits(S::load(x + i + 3 * L)), mask));
  }
  uint32_t best = S::reduce_maxu(S::maxu(S::maxu(m0, m1), S::maxu(m2, m3)));
  for (; i < n; i++) {
    const uint32_t b = float_bits(x[i]) & 0x7fffffff;
    if (b > best) best = b;
  }
  return best;
}

// chunk · H with fp32 products and sums in k order (no fusing), then one rounding to dtype.
template <class S>
void hadamard(float* x, int64_t count, const float* h, int n, fp4lab_dtype dtype, float* out) {
  using F = typename S::F;
  constexpr int L = S::L;
  constexpr int kMaxAcc = 8;
  if (n % L != 0) {
    // Sizes below the vector width: scalar, same operations.
    for (int64_t base = 0; base < count; base += n) {
      for (int j = 0; j < n; j++) {
        float acc = 0.0f;
        for (int k = 0; k < n; k++) acc = acc + x[base + k] * h[k * n + j];
        out[j] = round_to_dtype(acc, dtype);
      }
      std::memcpy(x + base, out, sizeof(float) * static_cast<size_t>(n));
    }
    return;
  }
  for (int64_t base = 0; base < count; base += n) {
    const float* chunk = x + base;
    for (int j0 = 0; j0 < n; j0 += kMaxAcc * L) {
      const int nacc = (n - j0) / L < kMaxAcc ? (n - j0) / L : kMaxAcc;
      F acc[kMaxAcc];
      for (int a = 0; a < nacc; a++) acc[a] = S::zero();
      for (int k = 0; k < n; k++) {
        const F xk = S::set1(chunk[k]);
        const float* hrow = h + static_cast<int64_t>(k) * n + j0;
        for (int a = 0; a < nacc; a++) acc[a] = S::add(acc[a], S::mul(xk, S::load(hrow + a * L)));
      }
      for (int a = 0; a < nacc; a++) {
        F v = acc[a];
        if (dtype == FP4LAB_BFLOAT16) v = S::round_bf16(v);
        else if (dtype == FP4LAB_FLOAT16) v = S::round_fp16(v);
        S::store(out + j0 + a * L, v);
      }
    }
    std::memcpy(x + base, out, sizeof(float) * static_cast<size_t>(n));
  }
}

// Block (or tile) amax -> the candidate scales of every block in the band, S::L blocks at a time.
template <class S>
void candidates(const QuantizeSetup& s, BandScratch& w, int64_t nb) {
  using F = typename S::F;
  using I = typename S::I;
  constexpr int L = S::L;
  for (int t = 0; t < s.ntargets; t++) {
    if (s.format == FP4LAB_NVFP4) {
      // s_hp = fp32(amax_b / fp32(m·nc)), clamped to [2^-6, 448], to E4M3 (nearest even on the
      // fp32 bits: the clamp keeps it normal), s = fp32(value · nc).
      const F mnc = S::set1(s.targets[t] * s.normconst);
      const F nc = S::set1(s.normconst);
      for (int64_t b = 0; b < nb; b += L) {
        F shp = S::div(S::load(w.amax + b), mnc);
        shp = S::min(S::max(shp, S::set1(kE4M3MinNormal)), S::set1(kE4M3Max));
        const I bits = S::bits(shp);
        const I rounded = S::addi(S::addi(bits, S::set1i(0x7ffff)), S::andi(S::template srli<20>(bits), S::set1i(1)));
        const F value = S::from_bits(S::andi(rounded, S::set1i(static_cast<int32_t>(0xfff00000u))));
        const F scale = S::mul(value, nc);
        S::store(w.scale[t] + b, scale);
        S::store(w.divisor[t] + b, scale);
        const I byte = S::subi(S::template srli<20>(rounded), S::set1i(120 << 3));
        S::store(reinterpret_cast<float*>(w.byte[t] + b), S::from_bits(byte));
      }
    } else {
      // t = fp32(amax_b / m) rounded up to a power of two: exponent field + (mantissa != 0).
      const F m = S::set1(s.targets[t]);
      for (int64_t b = 0; b < nb; b += L) {
        const I bits = S::bits(S::div(S::load(w.amax + b), m));
        I e = S::template srli<23>(bits);
        e = S::add_where(S::nonzero(S::andi(bits, S::set1i(0x7fffff))), e, S::set1i(1));
        e = S::mini(e, S::set1i(255));
        const F scale = S::from_bits(S::template slli<23>(e));  // byte 0 -> 0: an all-zero block
        S::store(w.scale[t] + b, scale);
        // x / 0 would be NaN: a byte-0 block holds only values that round to 0, as x / 1 does.
        S::store(w.divisor[t] + b, S::select(S::ge(scale, S::set1(0x1p-126f)), scale, S::set1(1.0f)));
        S::store(reinterpret_cast<float*>(w.byte[t] + b), S::from_bits(e));
      }
    }
  }
}

// Per-element uniform numbers of a vector starting at padded-matrix index `index`.
template <class S>
typename S::F uniform(uint32_t key, uint64_t index) {
  using I = typename S::I;
  const uint32_t hk = stochastic_high_key(key, index);
  I h = S::xori(S::addi(S::set1i(static_cast<int32_t>(static_cast<uint32_t>(index))), S::iota()), S::set1i(static_cast<int32_t>(hk)));
  h = S::xori(h, S::template srli<16>(h));
  h = S::mullo(h, S::set1i(0x7feb352d));
  h = S::xori(h, S::template srli<15>(h));
  h = S::mullo(h, S::set1i(static_cast<int32_t>(0x846ca68bu)));
  h = S::xori(h, S::template srli<16>(h));
  return S::mul(S::cvt_to_float(S::template srli<8>(h)), S::set1(0x1p-24f));
}

// One vector of values with one scale: E2M1 codes (sign included) and the magnitudes q.
// `one_minus_u` is 1 - u for stochastic rounding (exact: u is a multiple of 2^-24).
template <class S, bool kStochastic>
typename S::I quantize_vector(typename S::F x, typename S::F divisor, typename S::M negative, typename S::F one_minus_u, typename S::F* q_out) {
  using F = typename S::F;
  using M = typename S::M;
  const F av = S::abs(S::div(x, divisor));  // |fp32(x / s)|
  const M ge2 = S::ge(av, S::set1(2.0f));
  const M ge4 = S::ge(av, S::set1(4.0f));
  // The grid step is 0.5 / 1 / 2 below 2 / 4 / above: scale to a unit step (exact), round, scale back.
  const F k = S::select(ge4, S::set1(0.5f), S::select(ge2, S::set1(1.0f), S::set1(2.0f)));
  const F kinv = S::select(ge4, S::set1(2.0f), S::select(ge2, S::set1(1.0f), S::set1(0.5f)));
  const F y = S::mul(av, k);
  F r;
  if constexpr (kStochastic) {
    // floor(y + u) = floor(y) + (frac(y) >= 1 - u); frac(y) = y - floor(y) is exact.
    const F fl = S::floor(y);
    r = S::add_where(S::ge(S::sub(y, fl), one_minus_u), fl, S::set1(1.0f));
  } else {
    r = S::round_even(y);
  }
  const F q = S::min(S::mul(r, kinv), S::set1(kE2M1Max));
  *q_out = q;
  return S::or_where(negative, S::magnitude_code(q), S::set1i(8));
}

template <class S, ErrorMetric kMetric>
typename S::A accumulate_error(typename S::A acc, typename S::F q, typename S::F scale, typename S::F x, typename S::F x_sign) {
  using F = typename S::F;
  // e = fp32(sign(x)·fp32(q·s) - x); a negative x that rounded to 0 gives -0 - x, the same value.
  const F e = S::sub(S::or_(S::mul(q, scale), x_sign), x);
  if constexpr (kMetric == ErrorMetric::kMse) return S::acc_add(acc, S::mul(e, e));
  else if constexpr (kMetric == ErrorMetric::kL1) return S::acc_add(acc, S::abs(e));
  else return S::acc_max(acc, S::abs(e));
}

// ((lane0 + lane1) + lane2) + ... + lane7, or the max for abs_max.
template <class S, ErrorMetric kMetric>
float total_error(typename S::A acc) {
  alignas(32) float lanes[8];
  S::acc_store(lanes, acc);
  float t = lanes[0];
  for (int j = 1; j < 8; j++) t = kMetric == ErrorMetric::kAbsMax ? (lanes[j] > t ? lanes[j] : t) : t + lanes[j];
  return t;
}

template <class S, int kBlock>
void block_amax(const float* x, int64_t nb, float* amax) {
  using F = typename S::F;
  constexpr int L = S::L;
  for (int64_t b = 0; b < nb; b++) {
    const float* p = x + b * kBlock;
    F m = S::abs(S::load(p));
    for (int v = 1; v < kBlock / L; v++) m = S::max(m, S::abs(S::load(p + v * L)));
    amax[b] = S::reduce_max(m);
  }
}

// 1-D: every row of the band independently, one scale per block of kBlock values.
template <class S, int kBlock, ErrorMetric kMetric, bool kStochastic>
void quantize_band_1d(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  using F = typename S::F;
  using I = typename S::I;
  using M = typename S::M;
  using A = typename S::A;
  constexpr int L = S::L;
  constexpr int NV = kBlock / L;
  constexpr int NT = kMetric == ErrorMetric::kNone ? 1 : 2;
  BandScratch w(s, scratch);
  const int64_t nb = s.cols / kBlock;
  const int64_t nb_padded = round_up(nb, L);
  for (int64_t b = nb; b < nb_padded; b++) w.amax[b] = 0.0f;
  const uint8_t target_byte[2] = {static_cast<uint8_t>(s.targets[0]), static_cast<uint8_t>(s.targets[1])};

  for (int i = 0; i < nrows; i++) {
    const float* x = rows[i];
    const int64_t row = first_row + i;
    uint8_t* e2m1 = out.e2m1 + i * (s.cols / 2);
    block_amax<S, kBlock>(x, nb, w.amax);
    candidates<S>(s, w, nb_padded);
    for (int64_t b = 0; b < nb; b++) {
      F xv[NV], xs[NV], omu[NV];
      M neg[NV];
      for (int v = 0; v < NV; v++) {
        xv[v] = S::load(x + b * kBlock + v * L);
        neg[v] = S::lt(xv[v], S::zero());
        if constexpr (kMetric != ErrorMetric::kNone) xs[v] = S::sign(xv[v]);
        if constexpr (kStochastic) {
          omu[v] = S::sub(S::set1(1.0f), uniform<S>(s.key, static_cast<uint64_t>(row * s.cols + b * kBlock + v * L)));
        } else {
          omu[v] = S::zero();
        }
      }
      I codes[NT][NV];
      float err[NT];
      for (int t = 0; t < NT; t++) {
        const F divisor = S::set1(w.divisor[t][b]);
        A acc = S::acc_zero();
        for (int v = 0; v < NV; v++) {
          F q;
          codes[t][v] = quantize_vector<S, kStochastic>(xv[v], divisor, neg[v], omu[v], &q);
          if constexpr (kMetric != ErrorMetric::kNone) acc = accumulate_error<S, kMetric>(acc, q, S::set1(w.scale[t][b]), xv[v], xs[v]);
        }
        if constexpr (kMetric != ErrorMetric::kNone) err[t] = total_error<S, kMetric>(acc);
      }
      int best = 0;
      if constexpr (NT == 2) best = err[1] < err[0] ? 1 : 0;  // 4 wins only when strictly better
      for (int v = 0; v < NV; v++) S::store_codes(e2m1 + (b * kBlock + v * L) / 2, codes[best][v]);
      const int64_t o = i * nb + b;
      out.scale_bytes[o] = static_cast<uint8_t>(w.byte[best][b]);
      out.block_scales[o] = w.scale[best][b];
      out.selection[o] = target_byte[best];
    }
  }
}

// 2-D: kBlock x kBlock tiles share a scale; the error sums run over the tile row-major.
template <class S, int kBlock, ErrorMetric kMetric, bool kStochastic>
void quantize_band_2d(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  using F = typename S::F;
  using I = typename S::I;
  using A = typename S::A;
  constexpr int L = S::L;
  constexpr int NV = kBlock / L;
  constexpr int NT = kMetric == ErrorMetric::kNone ? 1 : 2;
  BandScratch w(s, scratch);
  const int64_t nb = s.cols / kBlock;
  const int64_t nb_padded = round_up(nb, L);
  const uint8_t target_byte[2] = {static_cast<uint8_t>(s.targets[0]), static_cast<uint8_t>(s.targets[1])};

  // Tile amax = max over the band's rows of the row blocks' amax.
  block_amax<S, kBlock>(rows[0], nb, w.amax);
  float* row_amax = w.scale[1];  // free until candidates() runs
  for (int i = 1; i < nrows; i++) {
    block_amax<S, kBlock>(rows[i], nb, row_amax);
    for (int64_t b = 0; b < nb; b++) w.amax[b] = row_amax[b] > w.amax[b] ? row_amax[b] : w.amax[b];
  }
  for (int64_t b = nb; b < nb_padded; b++) w.amax[b] = 0.0f;
  candidates<S>(s, w, nb_padded);

  constexpr int kRowBytes = kBlock / 2;
  for (int64_t b = 0; b < nb; b++) {
    float err[NT];
    for (int t = 0; t < NT; t++) {
      const F divisor = S::set1(w.divisor[t][b]);
      const F scale = S::set1(w.scale[t][b]);
      A acc = S::acc_zero();
      for (int i = 0; i < nrows; i++) {
        const float* x = rows[i] + b * kBlock;
        for (int v = 0; v < NV; v++) {
          const F xv = S::load(x + v * L);
          F omu = S::zero();
          if constexpr (kStochastic) omu = S::sub(S::set1(1.0f), uniform<S>(s.key, static_cast<uint64_t>((first_row + i) * s.cols + b * kBlock + v * L)));
          F q;
          const I codes = quantize_vector<S, kStochastic>(xv, divisor, S::lt(xv, S::zero()), omu, &q);
          S::store_codes(w.codes[t] + i * kRowBytes + v * L / 2, codes);
          if constexpr (kMetric != ErrorMetric::kNone) acc = accumulate_error<S, kMetric>(acc, q, scale, xv, S::sign(xv));
        }
      }
      if constexpr (kMetric != ErrorMetric::kNone) err[t] = total_error<S, kMetric>(acc);
    }
    int best = 0;
    if constexpr (NT == 2) best = err[1] < err[0] ? 1 : 0;
    for (int i = 0; i < nrows; i++) {
      std::memcpy(out.e2m1 + i * (s.cols / 2) + b * kRowBytes, w.codes[best] + i * kRowBytes, kRowBytes);
      const int64_t o = i * nb + b;
      out.scale_bytes[o] = static_cast<uint8_t>(w.byte[best][b]);
      out.block_scales[o] = w.scale[best][b];
      out.selection[o] = target_byte[best];
    }
  }
}

template <class S, int kBlock, bool k2d, bool kStochastic>
void quantize_band_for_metric(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  switch (s.metric) {
#define FP4LAB_BAND(metric)                                                                                       \
  case metric:                                                                                                    \
    if constexpr (k2d) quantize_band_2d<S, kBlock, metric, kStochastic>(s, rows, nrows, first_row, out, scratch); \
    else quantize_band_1d<S, kBlock, metric, kStochastic>(s, rows, nrows, first_row, out, scratch);               \
    return;
    FP4LAB_BAND(ErrorMetric::kNone)
    FP4LAB_BAND(ErrorMetric::kMse)
    FP4LAB_BAND(ErrorMetric::kL1)
    FP4LAB_BAND(ErrorMetric::kAbsMax)
#undef FP4LAB_BAND
  }
}

template <class S>
void quantize_band(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  const bool two_d = s.group_rows > 1;
  if (s.block == 16) {
    if (two_d) {
      if (s.stochastic) quantize_band_for_metric<S, 16, true, true>(s, rows, nrows, first_row, out, scratch);
      else quantize_band_for_metric<S, 16, true, false>(s, rows, nrows, first_row, out, scratch);
    } else {
      if (s.stochastic) quantize_band_for_metric<S, 16, false, true>(s, rows, nrows, first_row, out, scratch);
      else quantize_band_for_metric<S, 16, false, false>(s, rows, nrows, first_row, out, scratch);
    }
  } else {
    if (two_d) {
      if (s.stochastic) quantize_band_for_metric<S, 32, true, true>(s, rows, nrows, first_row, out, scratch);
      else quantize_band_for_metric<S, 32, true, false>(s, rows, nrows, first_row, out, scratch);
    } else {
      if (s.stochastic) quantize_band_for_metric<S, 32, false, true>(s, rows, nrows, first_row, out, scratch);
      else quantize_band_for_metric<S, 32, false, false>(s, rows, nrows, first_row, out, scratch);
    }
  }
}

template <class S>
size_t band_scratch_bytes(const QuantizeSetup& s) {
  return BandScratch::bytes(s);
}

template <class S>
const QuantizeKernels& kernel_table() {
  static const QuantizeKernels table = {abs_max_bits<S>, hadamard<S>, quantize_band<S>, band_scratch_bytes<S>};
  return table;
}

}  // namespace
}  // namespace simd
}  // namespace fp4lab
