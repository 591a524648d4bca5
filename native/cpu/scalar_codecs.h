// Element codecs in scalar C++, one for one with app/formats/*.ts and app/quantize/stochasticRng.ts.
// The portable kernels are built from these; the SIMD kernels compute the same values and are
// tested against both. Every float operation here is a single IEEE binary32 operation (the
// build uses -ffp-contract=off so nothing is fused).
#pragma once

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>

#include "fp4lab.h"

// Internal linkage: these are compiled into the AVX-512 and AVX2 translation units too, and a
// shared inline copy built with AVX-512 flags must never be the one a portable caller links to.
namespace fp4lab {
namespace {

inline uint32_t float_bits(float x) {
  uint32_t u;
  std::memcpy(&u, &x, sizeof u);
  return u;
}

inline float bits_float(uint32_t u) {
  float x;
  std::memcpy(&x, &u, sizeof x);
  return x;
}

// ---- stochastic rounding's counter-based RNG (app/quantize/stochasticRng.ts) ----

// "lowbias32" (Chris Wellons' integer hash search).
inline uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

inline uint32_t stochastic_key(uint32_t seed) { return hash32(seed ^ 0x9e3779b9u); }

// hash of the high word of an element index; constant over a block (blocks never straddle 2^32).
inline uint32_t stochastic_high_key(uint32_t key, uint64_t index) { return hash32(static_cast<uint32_t>(index >> 32) ^ key); }

// u in [0, 1), a multiple of 2^-24.
inline float stochastic_uniform(uint32_t key, uint64_t index) {
  const uint32_t h = hash32(static_cast<uint32_t>(index) ^ stochastic_high_key(key, index));
  return static_cast<float>(h >> 8) * 0x1p-24f;
}

// ---- E2M1 ----

constexpr float kE2M1Max = 6.0f;

inline const float* e2m1_values() {
  static const float v[16] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f, -0.0f, -0.5f, -1.0f, -1.5f, -2.0f, -3.0f, -4.0f, -6.0f};
  return v;
}

// Nearest E2M1 magnitude (NUMERICS.md §2.3): steps 0.5 / 1 / 2 below 2 / 4 / above, ties to
// even, clamped to 6. The scalings by 2 and 1/2 are exact; nearbyint rounds half to even.
inline float round_e2m1_nearest(float abs_v) {
  double q;
  if (abs_v < 2.0f) q = std::nearbyint(static_cast<double>(abs_v) * 2.0) / 2.0;
  else if (abs_v < 4.0f) q = std::nearbyint(static_cast<double>(abs_v));
  else q = 2.0 * std::nearbyint(static_cast<double>(abs_v) / 2.0);
  return q > kE2M1Max ? kE2M1Max : static_cast<float>(q);
}

// Stochastic: floor(y + u) on the range's grid; exact in double (y fp32, u a multiple of 2^-24),
// as app/formats/e2m1.ts computes it.
inline float round_e2m1_stochastic(float abs_v, float u) {
  double q;
  if (abs_v < 2.0f) q = std::floor(static_cast<double>(abs_v) * 2.0 + u) / 2.0;
  else if (abs_v < 4.0f) q = std::floor(static_cast<double>(abs_v) + u);
  else q = 2.0 * std::floor(static_cast<double>(abs_v) / 2.0 + u);
  return q > kE2M1Max ? kE2M1Max : static_cast<float>(q);
}

// Code of sign(x)·q: a negative x keeps its sign even at 0 (code 8); x = -0 is not negative.
inline uint8_t e2m1_code(float x, float q) {
  uint8_t mag;
  if (q < 2.0f) mag = static_cast<uint8_t>(q * 2.0f);
  else if (q < 4.0f) mag = static_cast<uint8_t>(q + 2.0f);
  else mag = q == 4.0f ? 6 : 7;
  return x < 0.0f ? static_cast<uint8_t>(mag | 8) : mag;
}

// ---- E4M3 (fn) and UE8M0 ----

constexpr float kE4M3Max = 448.0f;
constexpr float kE4M3MinNormal = 0x1p-6f;

inline float e4m3_decode(uint8_t byte) {
  const float sign = (byte & 0x80) ? -1.0f : 1.0f;
  const int exp = (byte >> 3) & 0xf;
  const int mant = byte & 0x7;
  if (exp == 0xf && mant == 0x7) return std::numeric_limits<float>::quiet_NaN();
  if (exp == 0) return sign * static_cast<float>(mant) * 0x1p-9f;
  return sign * std::ldexp(1.0f + static_cast<float>(mant) / 8.0f, exp - 7);
}

// fp32 -> E4M3, nearest even, torch's behaviour out of range (see app/formats/e4m3.ts).
inline uint8_t e4m3_encode(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t sign = (bits >> 24) & 0x80;
  const uint32_t abs = bits & 0x7fffffff;
  if (abs >= 0x43f00000) return static_cast<uint8_t>(0x7f | sign);
  if (abs < 0x3c800000) {
    const float scaled = std::fabs(x) * 512.0f;  // exact
    const float fl = std::floor(scaled);
    const float frac = scaled - fl;
    uint32_t m = static_cast<uint32_t>(fl);
    if (frac > 0.5f || (frac == 0.5f && (m & 1))) m += 1;
    return static_cast<uint8_t>(sign | m);
  }
  const uint32_t exp = (abs >> 23) - 127 + 7;
  const uint32_t mant = abs & 0x7fffff;
  uint32_t code = (exp << 3) | (mant >> 20);
  const uint32_t rest = mant & 0xfffff;
  if (rest > 0x80000 || (rest == 0x80000 && (code & 1))) code += 1;
  return static_cast<uint8_t>(sign | code);
}

// 2^(byte-127) as fp32 (byte 0 is the subnormal 2^-127, 0xFF is NaN).
inline float ue8m0_decode(uint8_t byte) {
  if (byte == 0xff) return std::numeric_limits<float>::quiet_NaN();
  if (byte == 0) return 0x1p-127f;
  return bits_float(static_cast<uint32_t>(byte) << 23);
}

// t rounded up to a power of two: its exponent field, +1 if any mantissa bit is set.
inline uint8_t ue8m0_ceil(float t) {
  const uint32_t bits = float_bits(t) & 0x7fffffff;
  if (bits == 0) return 0;
  const uint32_t exp = bits >> 23;
  if (exp == 0xff) return 0xff;
  const uint32_t e = exp + ((bits & 0x7fffff) != 0 ? 1 : 0);
  return static_cast<uint8_t>(e >= 0xff ? 0xff : e);
}

// ---- bf16 / fp16 (round to nearest even) ----

inline uint16_t bf16_bits(float x) {
  if (std::isnan(x)) return 0x7fc0;
  const uint32_t bits = float_bits(x);
  const uint32_t lsb = (bits >> 16) & 1;
  return static_cast<uint16_t>((bits + 0x7fff + lsb) >> 16);
}

inline float bf16_value(uint16_t h) { return bits_float(static_cast<uint32_t>(h) << 16); }

inline uint16_t fp16_bits(float x) {
  const uint32_t bits = float_bits(x);
  const uint32_t sign = (bits >> 16) & 0x8000;
  const int32_t exp = static_cast<int32_t>((bits >> 23) & 0xff);
  uint32_t mant = bits & 0x7fffff;
  if (exp == 0xff) return static_cast<uint16_t>(sign | 0x7c00 | (mant != 0 ? 0x200 | (mant >> 13) : 0));
  const int32_t e = exp - 127 + 15;
  if (e >= 0x1f) return static_cast<uint16_t>(sign | 0x7c00);
  if (e <= 0) {
    if (e < -10) return static_cast<uint16_t>(sign);
    mant |= 0x800000;
    const int32_t shift = 14 - e;
    const uint32_t half = 1u << (shift - 1);
    const uint32_t rest = mant & ((1u << shift) - 1);
    uint32_t h = mant >> shift;
    if (rest > half || (rest == half && (h & 1))) h += 1;
    return static_cast<uint16_t>(sign | h);
  }
  uint32_t h = (static_cast<uint32_t>(e) << 10) | (mant >> 13);
  const uint32_t rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1))) h += 1;
  return static_cast<uint16_t>(sign | h);
}

inline float fp16_value(uint16_t h) {
  const uint32_t sign = static_cast<uint32_t>(h & 0x8000) << 16;
  const uint32_t exp = (h >> 10) & 0x1f;
  const uint32_t mant = h & 0x3ff;
  if (exp == 0) {
    const float v = static_cast<float>(mant) * 0x1p-24f;
    return sign ? -v : v;
  }
  if (exp == 0x1f) return bits_float(sign | 0x7f800000 | (mant << 13));
  return bits_float(sign | ((exp - 15 + 127) << 23) | (mant << 13));
}

inline float round_to_dtype(float x, fp4lab_dtype dtype) {
  if (dtype == FP4LAB_BFLOAT16) return bf16_value(bf16_bits(x));
  if (dtype == FP4LAB_FLOAT16) return fp16_value(fp16_bits(x));
  return x;
}

// The GEMM epilogue for outputs [i0, n): the reference's (acc * nc_a) * nc_b, then the cast; bf16 /
// fp16 outputs keep their bits and the exact value of those bits. The SIMD epilogues use it for
// their tails, the portable one for everything.
inline void gemm_epilogue_scalar(float* values, uint16_t* bits, int64_t i0, int64_t n, float nc_a, float nc_b, fp4lab_dtype dtype) {
  for (int64_t i = i0; i < n; i++) {
    const float v = (values[i] * nc_a) * nc_b;
    if (dtype == FP4LAB_BFLOAT16) {
      bits[i] = bf16_bits(v);
      values[i] = bf16_value(bits[i]);
    } else if (dtype == FP4LAB_FLOAT16) {
      bits[i] = fp16_bits(v);
      values[i] = fp16_value(bits[i]);
    } else {
      values[i] = v;
    }
  }
}

}  // namespace
}  // namespace fp4lab
