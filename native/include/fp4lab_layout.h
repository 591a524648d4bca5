/*
 * Shapes and the blocked scale layout of FP4 Lab's packed tensors (NUMERICS.md §5), in plain C
 * so the CPU kernels, the CUDA kernels and the binding all use one definition. The TypeScript
 * twin is app/quantize/blockedLayout.ts (blockedScaleIndex) and app/quantize/formatParams.ts
 * (paddedShape); test/native/layout.test.ts checks that the two agree.
 */
#ifndef FP4LAB_LAYOUT_H
#define FP4LAB_LAYOUT_H

#include <stdint.h>

/* Usable from CUDA kernels as well as host C/C++. */
#if defined(__CUDACC__)
#define FP4LAB_LAYOUT_FN static inline __host__ __device__
#else
#define FP4LAB_LAYOUT_FN static inline
#endif

#ifdef __cplusplus
extern "C" {
#endif

typedef enum fp4lab_format {
  FP4LAB_NVFP4 = 0, /* blocks of 16, E4M3 scales, fp32 normconst */
  FP4LAB_MXFP4 = 1  /* blocks of 32, UE8M0 scales, normconst 1 */
} fp4lab_format;

/* Values that share one scale along a row. */
FP4LAB_LAYOUT_FN int64_t fp4lab_block_size(fp4lab_format format) { return format == FP4LAB_NVFP4 ? 16 : 32; }

/* Zero padding (applied after transpose): rows to a multiple of 128, columns to 4 blocks. */
FP4LAB_LAYOUT_FN int64_t fp4lab_padded_rows(int64_t rows) { return (rows + 127) / 128 * 128; }
FP4LAB_LAYOUT_FN int64_t fp4lab_padded_cols(fp4lab_format format, int64_t cols) {
  const int64_t multiple = 4 * fp4lab_block_size(format);
  return (cols + multiple - 1) / multiple * multiple;
}

/*
 * Byte offset of scale S[row][scale_col] in the blocked ("128x4 swizzled") layout of cuBLAS /
 * CUTLASS block-scaled GEMMs: 512-byte tiles of 128 rows x 4 scale columns, tiles row-major;
 * inside a tile, row r goes to (r % 32) * 16 + (r % 128 / 32) * 4 and column c to c % 4.
 * scale_cols must be a multiple of 4 and the row count a multiple of 128.
 */
FP4LAB_LAYOUT_FN int64_t fp4lab_blocked_scale_index(int64_t row, int64_t scale_col, int64_t scale_cols) {
  const int64_t tile = (row / 128) * (scale_cols / 4) + scale_col / 4;
  return tile * 512 + (row % 32) * 16 + ((row % 128) / 32) * 4 + scale_col % 4;
}

#ifdef __cplusplus
}
#endif

#endif /* FP4LAB_LAYOUT_H */
