// Host check of the GPU quantizer's arithmetic shortcuts (no GPU needed), exhaustive where it
// can be: (1) x / s from a correctly rounded reciprocal (Markstein) equals IEEE division for
// every bf16 x against NVFP4 scales value(s8) * nc; (2) the E2M1 rounding by magic-number
// addition equals the reference's half-to-even steps for every fp32 v in [0, 6.5); (3) the
// 16-bit path's code and sign packing.
//   g++ -O2 -std=c++17 -I native/cuda/src -I /usr/local/cuda/include test/native/cuda/numerics_check.cpp
#include <cmath>
#include <cstdio>
#include <random>

#include "numerics.cuh"

using namespace fp4lab;

static float reference_round(float v) {  // app/formats/e2m1.ts roundToE2M1Magnitude
  auto rhe = [](double y) {
    const double f = std::floor(y), frac = y - f;
    if (frac > 0.5) return f + 1;
    if (frac < 0.5) return f;
    return std::fmod(f, 2.0) == 0 ? f : f + 1;
  };
  double q = v < 2 ? rhe(v * 2.0) / 2 : v < 4 ? rhe(v) : 2 * rhe(v / 2.0);
  return (float)(q > 6 ? 6 : q);
}

static uint32_t reference_code(float q) { return e2m1_code_of_magnitude(q); }

int main() {
  long long checks = 0, bad = 0;
  std::mt19937 rng(42);
  std::uniform_real_distribution<float> u01(0.0f, 1.0f);
  // (1) division, all positive finite bf16 x, 64 normconsts spread over the range the quantizer makes.
  for (int n = 0; n < 64; n++) {
    const float nc = n == 0 ? 1e-12f : std::ldexp(0.5f + u01(rng), (int)(u01(rng) * 80) - 60);
    for (uint32_t s8 = 8; s8 < 0x7f; s8++) {
      const float s = f32_mul(e4m3_value(s8), nc);
      const float r = f32_rcp(s);
      for (uint32_t h = 1; h < 0x7f80; h++) {
        const float x = bits_f32(h << 16);
        const float want = f32_div(x, s);
        if (want > 16.0f) continue;  // the quantizer never meets these (v stays below 6.4)
        const float got = div_by_scale(x, s, r);
        checks++;
        if (f32_bits(got) != f32_bits(want) && (want >= 0.2f || got >= 0.2f)) {
          if (bad++ < 5) printf("division: x=%a s=%a got %a want %a\n", x, s, got, want);
        }
      }
    }
  }
  // ...and 20M random fp32 x (fp32 inputs) against random scales.
  for (int i = 0; i < 20000000; i++) {
    const float nc = std::ldexp(0.5f + u01(rng), (int)(u01(rng) * 80) - 60);
    const float s = f32_mul(e4m3_value(8 + rng() % 118), nc);
    const float x = f32_mul(s, u01(rng) * 7.0f) * (1.0f + (u01(rng) - 0.5f) * 1e-6f);
    const float want = f32_div(x, s), got = div_by_scale(x, s, f32_rcp(s));
    checks++;
    if (f32_bits(got) != f32_bits(want) && (want >= 0.2f || got >= 0.2f)) {
      if (bad++ < 10) printf("division (fp32): x=%a s=%a got %a want %a\n", x, s, got, want);
    }
  }
  // (1b) the scale byte from the hoisted reciprocal of target * nc, every positive bf16 block amax
  // and 2M random fp32 ones, against 200 normconsts (incl. the 1e-12 floor) and both targets.
  for (int n = 0; n < 200; n++) {
    const float amax = n == 0 ? 1e-13f : std::ldexp(0.5f + u01(rng), (int)(u01(rng) * 200) - 100);
    const float nc = normconst_from_amax(amax, n % 2 ? 1536.0f : 2688.0f);
    for (float m : {6.0f, 4.0f}) {
      const float tnc = f32_mul(m, nc), rt = f32_rcp(tnc);
      auto one = [&](float ab) {
        if (ab > amax) return;  // a block amax never exceeds the tensor amax
        const ScaleCandidate a = nvfp4_candidate(ab, tnc, nc), b = nvfp4_candidate_rcp(ab, tnc, rt, nc);
        checks++;
        if (a.byte != b.byte || f32_bits(a.scale) != f32_bits(b.scale)) {
          if (bad++ < 10) printf("candidate: amax_b=%a tnc=%a byte %u vs %u\n", ab, tnc, b.byte, a.byte);
        }
      };
      for (uint32_t h = 0; h < 0x7f80; h++) one(bits_f32(h << 16));
      for (int i = 0; i < 10000; i++) one(f32_mul(amax, u01(rng)));
    }
  }
  // (1c) the E4M3 shortcut for clamped (normal) scales: every fp32 value in [2^-6, 448].
  for (uint32_t b = f32_bits(0.015625f); b <= f32_bits(448.0f); b++) {
    const float x = bits_f32(b);
    const uint32_t want = e4m3_encode(x), got = e4m3_encode_normal(x);
    checks++;
    if (want != got || f32_bits(e4m3_value(want)) != f32_bits(e4m3_value_normal(got))) {
      if (bad++ < 10) printf("e4m3: x=%a got %u want %u\n", x, got, want);
    }
  }
  // (2) rounding, every fp32 value in [0, 6.5).
  for (uint32_t b = 0; b <= f32_bits(6.5f); b++) {
    const float v = bits_f32(b);
    const float t = e2m1_round_t(v);
    const float q = e2m1_q_from_t(t);
    const float want = reference_round(v);
    checks++;
    if (q != want || e2m1_code_from_t(t) != reference_code(want)) {
      if (bad++ < 20) printf("rounding: v=%a got q=%g code=%u want %g code %u\n", v, q, e2m1_code_from_t(t), want, reference_code(want));
    }
  }
  // (3) packing: random grid values and random 16-bit input words (zeros of both signs, tiny and
  // large magnitudes) against code | sign, nibble by nibble.
  for (int i = 0; i < 4000000; i++) {
    float t[8];
    uint32_t words[4], want = 0;
    for (int w = 0; w < 4; w++) {
      uint32_t word = rng();
      if (rng() % 4 == 0) word &= 0x80008000u;  // +-0 halves
      if (rng() % 4 == 0) word &= 0x8001ffffu;
      if ((word & 0x7f800000u) == 0x7f800000u) word ^= 0x40000000u;  // finite inputs only
      if ((word & 0x7f80u) == 0x7f80u) word ^= 0x4000u;
      words[w] = word;
      for (int h = 0; h < 2; h++) {
        const uint32_t half = (word >> (16 * h)) & 0xffffu;
        const float x = bits_f32(half << 16);
        t[2 * w + h] = e2m1_round_t(u01(rng) * 6.4f);
        const uint32_t code = e2m1_code_from_t(t[2 * w + h]) | (x < 0.0f ? 8u : 0u);
        want |= code << (4 * (2 * w + h));
      }
    }
    const uint32_t got = e2m1_pack8(t, e2m1_sign_bits8(words));
    checks++;
    if (got != want) {
      if (bad++ < 10) printf("pack8: got %08x want %08x\n", got, want);
    }
  }
  printf("numerics_check: %lld checks, %lld mismatches\n", checks, bad);
  return bad ? 1 : 0;
}
