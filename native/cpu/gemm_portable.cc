// GEMM and dequantize inner loops in plain C++ (ARM builds, old x86, and the oracle for the
// SIMD tables): fp32 panels, a 4 x 8 micro-tile of separate multiplies and adds.
#include <cstring>

#include "gemm_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace {

constexpr int kMr = 4;
constexpr int kNr = 8;

void decode_row(const DecodeSource& src, int64_t row, int64_t k0, int64_t count, float normconst, float* out) {
  if (src.q == nullptr) return copy_dense_row(src, row, k0, count, out);
  const float* e2m1 = e2m1_values();
  const uint8_t* codes = src.q->e2m1 + row * (src.q->padded_cols / 2);
  for (int64_t c = k0; c < k0 + count; c += src.block) {
    const float s = src.scale_values[src.q->sf[fp4lab_blocked_scale_index(row, c / src.block, src.scale_cols)]];
    for (int j = 0; j < src.block; j += 2) {
      const uint8_t byte = codes[(c + j) / 2];
      float lo = e2m1[byte & 0xf] * s;
      float hi = e2m1[byte >> 4] * s;
      if (normconst != 1.0f) {
        lo = lo * normconst;
        hi = hi * normconst;
      }
      out[c - k0 + j] = lo;
      out[c - k0 + j + 1] = hi;
    }
  }
}

void pack(const DecodeSource& src, int64_t r0, int nrows, int64_t k0, int64_t kc, int width, void* panel, float* tmp) {
  float* p = static_cast<float*>(panel);
  for (int i = 0; i < width; i++) {
    if (i < nrows) decode_row(src, r0 + i, k0, kc, 1.0f, tmp);
    for (int64_t k = 0; k < kc; k++) p[k * width + i] = i < nrows ? tmp[k] : 0.0f;
  }
}

void micro_kernel(int64_t kc, const void* a_panel, const void* b_panel, float* c, int64_t ldc, bool first, bool /*fused*/) {
  // Separate multiply and add: identical to a fused multiply-add when products are exact,
  // and the reference's rounding when they are not.
  const float* a = static_cast<const float*>(a_panel);
  const float* b = static_cast<const float*>(b_panel);
  float acc[kMr][kNr];
  for (int i = 0; i < kMr; i++) {
    for (int j = 0; j < kNr; j++) acc[i][j] = first ? 0.0f : c[i * ldc + j];
  }
  for (int64_t k = 0; k < kc; k++) {
    for (int i = 0; i < kMr; i++) {
      const float av = a[k * kMr + i];
      for (int j = 0; j < kNr; j++) {
        const float prod = av * b[k * kNr + j];
        acc[i][j] = acc[i][j] + prod;
      }
    }
  }
  for (int i = 0; i < kMr; i++) std::memcpy(c + i * ldc, acc[i], sizeof acc[i]);
}

void epilogue(float* values, uint16_t* bits, int64_t n, float nc_a, float nc_b, fp4lab_dtype dtype) {
  gemm_epilogue_scalar(values, bits, 0, n, nc_a, nc_b, dtype);
}

}  // namespace

const GemmKernels& gemm_kernels_portable() {
  static const GemmKernels table = {FP4LAB_GEMM_PORTABLE_FP32, kMr, kNr, 4, decode_row, pack, micro_kernel, epilogue};
  return table;
}

}  // namespace fp4lab
