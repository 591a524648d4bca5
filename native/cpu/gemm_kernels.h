// The GEMM's and dequantizer's inner loops, one table per instruction set; gemm.cc and
// dequantize.cc own the blocking, threads and edges.
//
// The GEMM packs operands the GotoBLAS way, decoding FP4 while packing: a panel holds `width`
// rows (MR of A or NR of B) of a K range, interleaved so the micro-kernel reads one K step of
// all rows at once. The bf16 panels interleave K in pairs (vdpbf16ps multiplies pairs); fp32
// panels one K at a time.
#pragma once

#include <cstddef>
#include <cstdint>

#include "fp4lab.h"

namespace fp4lab {

// Where panels come from: a packed FP4 matrix — value(code) * scale (NUMERICS.md §7), with the
// per-format scale table built once per call (E4M3 or UE8M0, all 256 bytes) — or, for the
// high-precision product, a dense fp32 matrix (q == nullptr), zero past its `dense_cols`.
struct DecodeSource {
  const fp4lab_packed* q;
  const float* scale_values;  // 256 entries
  int block;
  int64_t scale_cols;
  const float* dense = nullptr;
  int64_t dense_ld = 0;
  int64_t dense_cols = 0;
};

// The dense case of every decode_row: a copy, zeros past the matrix's columns. (Static: the
// header is compiled into every instruction set's translation unit.)
static inline void copy_dense_row(const DecodeSource& src, int64_t row, int64_t k0, int64_t count, float* out) {
  const float* p = src.dense + row * src.dense_ld;
  for (int64_t c = 0; c < count; c++) out[c] = k0 + c < src.dense_cols ? p[k0 + c] : 0.0f;
}

struct GemmKernels {
  fp4lab_gemm_kernel id;
  int mr;         // rows of A per micro-tile
  int nr;         // rows of B (output columns) per micro-tile
  int elem_bytes; // bytes per packed value

  // Decodes row `row`, columns [k0, k0 + count) (block-aligned) to fp32; when normconst is not
  // 1 every value is then multiplied by it in fp32 (dequantize's second rounding).
  void (*decode_row)(const DecodeSource& src, int64_t row, int64_t k0, int64_t count, float normconst, float* out);

  // Packs rows [r0, r0 + nrows) x K range [k0, k0 + kc) into one panel of `width` rows (rows
  // past nrows are zero). kc is a multiple of the block size. tmp holds kc floats.
  void (*pack)(const DecodeSource& src, int64_t r0, int nrows, int64_t k0, int64_t kc, int width, void* panel, float* tmp);

  // C[mr x nr] (row stride ldc) = (first ? 0 : C) + A_panel · B_panelᵀ over kc values of K.
  // `fused`: products may be fused into the sums (exact products); otherwise each product is
  // rounded to fp32 first, as the reference does.
  void (*micro_kernel)(int64_t kc, const void* a_panel, const void* b_panel, float* c, int64_t ldc, bool first, bool fused);

  // The epilogue of fp4_matmul: v = fp32(fp32(acc * nc_a) * nc_b), cast to dtype (nearest
  // even); values[i] = the cast value as fp32 (in place over acc), bits[i] its 16-bit pattern.
  void (*epilogue)(float* values, uint16_t* bits, int64_t n, float nc_a, float nc_b, fp4lab_dtype dtype);
};

const GemmKernels& gemm_kernels_portable();
#ifdef FP4LAB_HAVE_X86_KERNELS
const GemmKernels& gemm_kernels_avx2();
const GemmKernels& gemm_kernels_avx512();
const GemmKernels& gemm_kernels_avx512_bf16();
#endif

// The table for a resolved ISA level; `bf16` = whether bf16 products are allowed.
const GemmKernels& gemm_kernels_for(fp4lab_isa isa, bool bf16);

}  // namespace fp4lab
