// The quantizer's inner loops, one table per instruction set. quantize.cc owns the passes,
// threads, padding, transpose and the scale layout; a table quantizes bands of prepared
// (padded, rotated) rows. Every table computes the same bytes (NUMERICS.md §2-§6).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fp4lab.h"

namespace fp4lab {

enum class ErrorMetric { kNone, kMse, kL1, kAbsMax };

struct QuantizeSetup {
  fp4lab_format format;
  int block;        // 16 (NVFP4) or 32 (MXFP4)
  int group_rows;   // 1, or block for block_scale_2d
  int ntargets;     // 1 (always_4 / always_6) or 2 (adaptive: 6, then 4)
  float targets[2];
  ErrorMetric metric;  // kNone exactly when ntargets == 1
  float normconst;
  bool stochastic;
  uint32_t key;     // stochastic_key(seed)
  int64_t cols;     // padded columns of every row
};

// Where a band's results go. Row i of the band: e2m1 + i * cols / 2, and the per-block arrays
// at + i * (cols / block). Scale bytes are row-major here; the caller swizzles them.
struct BandOutput {
  uint8_t* e2m1;
  uint8_t* scale_bytes;
  float* block_scales;
  uint8_t* selection;
};

struct QuantizeKernels {
  // max over |x[i]| as fp32 bits; >= 0x7f800000 means a NaN or Inf was seen.
  uint32_t (*abs_max_bits)(const float* x, int64_t n);
  // Every chunk of n values of x (count a multiple of n) becomes chunk · H, accumulated in
  // fp32 in k order and rounded once to dtype. tmp holds n floats.
  void (*hadamard)(float* x, int64_t count, const float* h, int n, fp4lab_dtype dtype, float* tmp);
  // Quantizes rows[0..nrows) (global row index first_row...). For 2-D, nrows == group_rows.
  void (*quantize_band)(const QuantizeSetup& setup, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out,
                        void* scratch);
  // Scratch bytes quantize_band needs for this setup.
  size_t (*band_scratch_bytes)(const QuantizeSetup& setup);
};

const QuantizeKernels& quantize_kernels_portable();
#ifdef FP4LAB_HAVE_X86_KERNELS
const QuantizeKernels& quantize_kernels_avx2();
const QuantizeKernels& quantize_kernels_avx512();
#endif

}  // namespace fp4lab
