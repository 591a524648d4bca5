// Element codecs and the rounding steps of NUMERICS.md, as device functions (and host functions,
// so the host-side unit check can run them without a GPU). Every fp32 step that the reference
// rounds is written with an explicit _rn intrinsic: the compiler may not fuse a multiply and an
// add into an FMA where the reference rounds twice.
#pragma once

#include <cmath>
#include <cstdint>

#ifdef __CUDACC__
#define FP4_HD __host__ __device__ __forceinline__
#else
#define FP4_HD inline
#endif

namespace fp4lab {

#if defined(__CUDA_ARCH__)
FP4_HD float f32_add(float a, float b) { return __fadd_rn(a, b); }
FP4_HD float f32_sub(float a, float b) { return __fsub_rn(a, b); }
FP4_HD float f32_mul(float a, float b) { return __fmul_rn(a, b); }
FP4_HD float f32_div(float a, float b) { return __fdiv_rn(a, b); }
FP4_HD float f32_fma(float a, float b, float c) { return __fmaf_rn(a, b, c); }
FP4_HD float f32_rcp(float a) { return __frcp_rn(a); }
FP4_HD uint32_t f32_bits(float x) { return __float_as_uint(x); }
FP4_HD float bits_f32(uint32_t b) { return __uint_as_float(b); }
#else
// Host: plain IEEE binary32 arithmetic (x86-64 SSE, no x87), volatile so no contraction happens.
FP4_HD float f32_add(float a, float b) { volatile float r = a + b; return r; }
FP4_HD float f32_sub(float a, float b) { volatile float r = a - b; return r; }
FP4_HD float f32_mul(float a, float b) { volatile float r = a * b; return r; }
FP4_HD float f32_div(float a, float b) { volatile float r = a / b; return r; }
FP4_HD float f32_fma(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
FP4_HD float f32_rcp(float a) { volatile float r = 1.0f / a; return r; }
FP4_HD uint32_t f32_bits(float x) { uint32_t b; __builtin_memcpy(&b, &x, 4); return b; }
FP4_HD float bits_f32(uint32_t b) { float x; __builtin_memcpy(&x, &b, 4); return x; }
#endif

constexpr float kE4M3Max = 448.0f;
constexpr float kE4M3MinNormal = 0.015625f;  // 2^-6
constexpr float kNormconstFloor = 1e-12f;     // fp32(1e-12), as the reference's max(nc, 1e-12)

// ---- E4M3 (fn): NUMERICS.md section 1; the same cases as app/formats/e4m3.ts ----
FP4_HD uint32_t e4m3_encode(float x) {
  const uint32_t bits = f32_bits(x);
  const uint32_t sign = (bits >> 24) & 0x80u;
  const uint32_t abs = bits & 0x7fffffffu;
  if (abs >= 0x43f00000u) return 0x7fu | sign;  // >= 480, Inf, NaN
  if (abs < 0x3c800000u) {                       // below 2^-6: subnormal E4M3, multiples of 2^-9
    const float scaled = f32_mul(bits_f32(abs), 512.0f);
    const float fl = floorf(scaled);
    const float frac = f32_sub(scaled, fl);
    uint32_t m = (uint32_t)fl;
    if (frac > 0.5f || (frac == 0.5f && (m & 1u))) m += 1;
    return sign | m;
  }
  const uint32_t exp = (abs >> 23) - 127 + 7;
  const uint32_t mant = abs & 0x7fffffu;
  uint32_t code = (exp << 3) | (mant >> 20);
  const uint32_t rest = mant & 0xfffffu;
  if (rest > 0x80000u || (rest == 0x80000u && (code & 1u))) code += 1;
  return sign | code;
}

FP4_HD float e4m3_value(uint32_t byte) {
  const uint32_t exp = (byte >> 3) & 0xfu, mant = byte & 7u;
  float v;
  if (exp == 0xf && mant == 7) v = bits_f32(0x7fc00000u);
  else if (exp == 0) v = (float)mant * 0.001953125f;  // mant * 2^-9, exact
  else v = bits_f32(((exp + 120u) << 23) | (mant << 20));
  return (byte & 0x80u) ? -v : v;
}

// ---- UE8M0 (MXFP4 scales): NUMERICS.md section 6 ----
FP4_HD float ue8m0_value(uint32_t byte) {
  if (byte == 0xffu) return bits_f32(0x7fc00000u);
  if (byte == 0) return bits_f32(0x00400000u);  // 2^-127 (fp32 subnormal, exact)
  return bits_f32(byte << 23);
}

// t rounded UP to a power of two: exponent field, plus 1 if any mantissa bit is set; t = 0 -> 0.
FP4_HD uint32_t ue8m0_ceil(float t) {
  const uint32_t bits = f32_bits(t) & 0x7fffffffu;
  if (bits == 0) return 0;
  const uint32_t exp = bits >> 23;
  if (exp == 0xffu) return 0xffu;
  const uint32_t e = exp + ((bits & 0x7fffffu) != 0 ? 1u : 0u);
  return e >= 0xffu ? 0xffu : e;
}

// ---- x / s, correctly rounded, from a correctly rounded reciprocal (Markstein). Valid for the
// ranges quantization meets (no overflow, quotient normal or far below the first E2M1 step);
// test/native/cuda/numerics_check.cpp checks it exhaustively against IEEE division.
FP4_HD float div_by_scale(float a, float s, float rcp_s) {
  const float q0 = f32_mul(a, rcp_s);
  const float r = f32_fma(-q0, s, a);
  return f32_fma(r, rcp_s, q0);
}

// ---- scale candidates: NUMERICS.md sections 2.1, 2.2, 6 ----
// NVFP4 normconst divisor D: always_6 2688, always_4 1792, adaptive 1536.
FP4_HD float normconst_from_amax(float amax, float divisor) {
  const float nc = f32_div(amax, divisor);
  return nc > kNormconstFloor ? nc : kNormconstFloor;
}

struct ScaleCandidate {
  uint32_t byte;
  float scale;  // what x is divided by (0 for an all-zero MXFP4 block)
};

FP4_HD ScaleCandidate nvfp4_candidate(float amax_block, float target_times_nc, float nc) {
  float s_hp = f32_div(amax_block, target_times_nc);
  if (s_hp < kE4M3MinNormal) s_hp = kE4M3MinNormal;
  else if (s_hp > kE4M3Max) s_hp = kE4M3Max;
  const uint32_t byte = e4m3_encode(s_hp);
  return {byte, f32_mul(e4m3_value(byte), nc)};
}

// The same candidate with amax_block / (target * nc) from the reciprocal of target * nc
// (hoisted per thread): the quotient is correctly rounded wherever it decides the byte
// (numerics_check.cpp compares the bytes against nvfp4_candidate exhaustively over bf16 amaxes).
// E4M3 of a value already clamped to the normal range [2^-6, 448]: round the fp32 bits to 3
// mantissa bits (half to even; a carry moves into the exponent) and rebias.
FP4_HD uint32_t e4m3_encode_normal(float x) {
  const uint32_t b = f32_bits(x);
  return ((b + 0x7ffffu + ((b >> 20) & 1u)) >> 20) - (120u << 3);
}
FP4_HD float e4m3_value_normal(uint32_t byte) { return bits_f32((byte << 20) + (120u << 23)); }

FP4_HD ScaleCandidate nvfp4_candidate_rcp(float amax_block, float target_times_nc, float rcp_target_times_nc, float nc) {
  float s_hp = div_by_scale(amax_block, target_times_nc, rcp_target_times_nc);
  s_hp = s_hp >= kE4M3MinNormal ? (s_hp > kE4M3Max ? kE4M3Max : s_hp) : kE4M3MinNormal;
  const uint32_t byte = e4m3_encode_normal(s_hp);
  return {byte, f32_mul(e4m3_value_normal(byte), nc)};
}

FP4_HD ScaleCandidate mxfp4_candidate(float amax_block, float target) {
  const uint32_t byte = ue8m0_ceil(f32_div(amax_block, target));
  return {byte, byte == 0 ? 0.0f : ue8m0_value(byte)};
}

// ---- E2M1 rounding: NUMERICS.md section 2.3 ----
// Nearest, half to even, on the grid of v's range, for 0 <= v < 7 (NVFP4 and MXFP4 scales keep
// v below 6.4): adding C = 2^22, 2^23 or 2^24 puts the grid step (0.5, 1, 2) at the last
// mantissa bit, so the fp32 addition does the rounding. Returns t = v + C; the magnitude is
// t - C and the code comes from t's bits alone (e2m1_code_from_t).
// C from v's power of two: C = max(2^floor(log2 v) * 2^22, 2^22), i.e. 2^22 below 2, 2^23 in
// [2, 4), 2^24 in [4, 8): an integer add on the exponent and a max (one VIADDMNMX on sm_90).
FP4_HD float e2m1_round_c(float v) {
#if defined(__CUDA_ARCH__)
  return __uint_as_float(__viaddmax_u32(__float_as_uint(v) & 0xff800000u, 0x0B000000u, 0x4A800000u));
#else
  const uint32_t a = (f32_bits(v) & 0xff800000u) + 0x0B000000u;
  return bits_f32(a > 0x4A800000u ? a : 0x4A800000u);
#endif
}
FP4_HD float e2m1_round_t(float v) { return f32_add(v, e2m1_round_c(v)); }
FP4_HD float e2m1_q_from_t(float t) {
  // t's exponent identifies C: t < 2C.
  const float c = bits_f32(f32_bits(t) & 0xff800000u);
  return f32_sub(t, c);
}
// Code 0..7: the multiple of the step (t's low mantissa bits) plus 0, 2 or 4 for the range.
FP4_HD uint32_t e2m1_code_from_t(float t) {
  const uint32_t b = f32_bits(t);
  return (b & 7u) + (b >> 22) - 298u;
}

// ---- packing eight nearest-rounded codes (t values) with their signs into one word ----
FP4_HD uint32_t byte_perm(uint32_t a, uint32_t b, uint32_t sel) {
#if defined(__CUDA_ARCH__)
  return __byte_perm(a, b, sel);
#else
  const uint64_t v = ((uint64_t)b << 32) | a;
  uint32_t r = 0;
  for (int i = 0; i < 4; i++) r |= (uint32_t)((v >> (8 * ((sel >> (4 * i)) & 7u))) & 0xffu) << (8 * i);
  return r;
#endif
}
// Two 16-bit (bf16 / fp16) values per word: bit 15 / bit 31 set where that value is negative and
// not -0 (the reference's x < 0), i.e. the sign bit set and a non-zero magnitude.
FP4_HD uint32_t negative_halves(uint32_t w) { return ((w & 0x7fff7fffu) + 0x7fff7fffu) & w & 0x80008000u; }
// The sign bits (bit 3 of each nibble) of the codes of eight consecutive 16-bit values, from
// their four input words: bits 15 and 31 of negative_halves gathered as bit 7 of bytes, then
// moved to the even columns' low and the odd columns' high nibbles.
FP4_HD uint32_t e2m1_sign_bits8(const uint32_t* w) {
  const uint32_t s03 = byte_perm(negative_halves(w[0]), negative_halves(w[1]), 0x7531u);
  const uint32_t s47 = byte_perm(negative_halves(w[2]), negative_halves(w[3]), 0x7531u);
  return (byte_perm(s03, s47, 0x6420u) >> 4) + byte_perm(s03, s47, 0x7531u);
}
// Eight codes from their e2m1_round_t results plus the sign bits above, low nibble = even column.
// t + (t >> 22) has code + 42 in its low byte (code = (t & 7) + (t >> 22) - 298, as
// e2m1_code_from_t); the bytes of even and odd columns are gathered with byte permutes and the
// 42s taken off once for the whole word.
FP4_HD uint32_t e2m1_pack8(const float* t, uint32_t sign_bits) {
  uint32_t y[8];
  for (int i = 0; i < 8; i++) {
    const uint32_t b = f32_bits(t[i]);
    y[i] = b + (b >> 22);
  }
  const uint32_t even = byte_perm(byte_perm(y[0], y[2], 0x40u), byte_perm(y[4], y[6], 0x40u), 0x5410u);
  const uint32_t odd = byte_perm(byte_perm(y[1], y[3], 0x40u), byte_perm(y[5], y[7], 0x40u), 0x5410u);
  return even + (odd << 4) + sign_bits - 42u * 0x11111111u;
}

// Magnitude code of a grid value q (0, 0.5, ..., 6); anything else (NaN) gives 7, as the reference.
FP4_HD uint32_t e2m1_code_of_magnitude(float q) {
  if (q < 2.0f) return (uint32_t)(q * 2.0f);
  if (q < 4.0f) return (uint32_t)q + 2u;
  return q == 4.0f ? 6u : 7u;
}

// General nearest rounding (any v >= 0 incl. NaN / large): the reference's roundToE2M1Magnitude.
FP4_HD float e2m1_round_nearest_general(float v) {
  if (!(v <= 5.0f)) return (v != v) ? v : 6.0f;  // (5, inf) -> 6 (ties at 5 go to 4 below); NaN stays NaN
  const float t = e2m1_round_t(v);
  return e2m1_q_from_t(t);
}

// Stochastic: floor(y + u) on the range's grid, u a multiple of 2^-24 in [0, 1): exact in fp64.
FP4_HD float e2m1_round_stochastic(float v, double u) {
  const double y = (double)v;
  double q;
  if (v < 2.0f) q = floor(y * 2.0 + u) / 2.0;
  else if (v < 4.0f) q = floor(y + u);
  else q = 2.0 * floor(y / 2.0 + u);
  return q > 6.0 ? 6.0f : (float)q;  // NaN passes through (as the reference)
}

FP4_HD float e2m1_value(uint32_t code) {
  const float mags[8] = {0.0f, 0.5f, 1.0f, 1.5f, 2.0f, 3.0f, 4.0f, 6.0f};
  const float m = mags[code & 7u];
  return (code & 8u) ? -m : m;
}

#ifdef __CUDACC__
// value(code) in fp32, exactly: the three magnitude bits placed at the top of an fp32 mantissa
// give 2^-127 * {0, 1, 2, 3, 4, 6, 8, 12} (subnormals for codes 0, 1), times 2^126.
__device__ __forceinline__ float e2m1_to_f32(uint32_t code) {
  const float m = __fmul_rn(__uint_as_float((code & 7u) << 22), 8.50705917302346158658e37f /* 2^126 */);
  return __uint_as_float(__float_as_uint(m) | ((code & 8u) << 28));
}
#endif

// ---- stochastic rounding's RNG: app/quantize/stochasticRng.ts ----
FP4_HD uint32_t hash32(uint32_t x) {
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}
FP4_HD uint32_t stochastic_key(uint32_t seed) { return hash32(seed ^ 0x9e3779b9u); }
FP4_HD double stochastic_uniform(uint32_t key, uint64_t index) {
  const uint32_t lo = (uint32_t)index, hi = (uint32_t)(index >> 32);
  const uint32_t h = hash32(lo ^ hash32(hi ^ key));
  return (double)(h >> 8) * (1.0 / 16777216.0);
}

// ---- the blocked 128x4 scale layout: NUMERICS.md section 5 ----
FP4_HD int64_t blocked_scale_index(int64_t row, int64_t scale_col, int64_t scale_cols) {
  const int64_t tile = (row >> 7) * (scale_cols >> 2) + (scale_col >> 2);
  return tile * 512 + (row & 31) * 16 + ((row & 127) >> 5) * 4 + (scale_col & 3);
}

// ---- dtype conversions ----
FP4_HD float bf16_bits_to_f32(uint32_t h) { return bits_f32(h << 16); }
FP4_HD float round_to_bf16(float x) {
  if (x != x) return bits_f32(0x7fc00000u);
  const uint32_t b = f32_bits(x);
  return bits_f32(((b + 0x7fffu + ((b >> 16) & 1u)) >> 16) << 16);
}

}  // namespace fp4lab
