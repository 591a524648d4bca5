// fp4lab_gemm: out = a @ b^T of two packed FP4 matrices (NUMERICS.md §7), GotoBLAS-style:
//   for each block of NC output columns: decode + pack those rows of B over all of K (shared by
//   the threads), then in parallel for each block of MC output rows: for each KC slice of K,
//   decode + pack A's slice, run the micro-kernel over every MR x NR tile; after the last slice
//   apply the epilogue (normconsts, cast) to the finished tiles.
// The fp32 output buffer doubles as the accumulator, so nothing of size M x N is allocated.
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "errors.h"
#include "gemm_kernels.h"
#include "isa.h"
#include "output_memory.h"
#include "parallel.h"
#include "scalar_codecs.h"

namespace fp4lab {

const GemmKernels& gemm_kernels_for(fp4lab_isa isa, bool bf16) {
#ifdef FP4LAB_HAVE_X86_KERNELS
  if (isa == FP4LAB_ISA_AVX512_BF16 && bf16) return gemm_kernels_avx512_bf16();
  if (isa >= FP4LAB_ISA_AVX512) return gemm_kernels_avx512();
  if (isa == FP4LAB_ISA_AVX2) return gemm_kernels_avx2();
#else
  (void)isa;
  (void)bf16;
#endif
  return gemm_kernels_portable();
}

namespace {

constexpr int64_t kKc = 256;  // K slice: an MR/NR panel pair of it stays in L1
constexpr int64_t kNc = 512;  // output columns per B block
constexpr int64_t kMcMax = 144;

void fill_scale_values(fp4lab_format format, float* table) {
  for (int b = 0; b < 256; b++) table[b] = format == FP4LAB_NVFP4 ? e4m3_decode(static_cast<uint8_t>(b)) : ue8m0_decode(static_cast<uint8_t>(b));
}

fp4lab_status check_packed(const fp4lab_packed* q, const char* name, fp4lab_error* err) {
  if (q == nullptr || q->e2m1 == nullptr || q->sf == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "%s: packed operand is NULL", name);
  if (q->format != FP4LAB_NVFP4 && q->format != FP4LAB_MXFP4) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "%s: fp4_format must be nvfp4 or mxfp4; got %d", name, static_cast<int>(q->format));
  }
  const int64_t col_multiple = 4 * fp4lab_block_size(q->format);
  if (q->padded_rows <= 0 || q->padded_cols <= 0 || q->padded_rows % 128 != 0 || q->padded_cols % col_multiple != 0 ||
      q->padded_rows > (int64_t{1} << 31) || q->padded_cols > (int64_t{1} << 31)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "%s: padded shape [%lld, %lld] must be positive multiples of [128, %lld]", name,
                     static_cast<long long>(q->padded_rows), static_cast<long long>(q->padded_cols), static_cast<long long>(col_multiple));
  }
  return FP4LAB_OK;
}

// MXFP4 scale exponents of the blocks that hold a nonzero code (all-zero blocks, e.g. padding
// with byte 0, multiply to exact zeros whatever their scale).
struct ExponentRange {
  int min = 256;
  int max = -1;
  bool nan = false;
};

ExponentRange mxfp4_exponents(const fp4lab_packed& q, int64_t rows, int64_t k) {
  ExponentRange r;
  const int64_t scale_cols = q.padded_cols / 32;
  for (int64_t row = 0; row < rows; row++) {
    for (int64_t c = 0; c < k / 32; c++) {
      const int e = q.sf[fp4lab_blocked_scale_index(row, c, scale_cols)];
      if (e >= r.min && e <= r.max) continue;
      const uint8_t* codes = q.e2m1 + row * (q.padded_cols / 2) + c * 16;
      bool nonzero = false;
      for (int i = 0; i < 16 && !nonzero; i++) nonzero = (codes[i] & 0x77) != 0;  // +-0 codes are 0 and 8
      if (!nonzero) continue;
      if (e == 255) r.nan = true;
      r.min = std::min(r.min, e);
      r.max = std::max(r.max, e);
    }
  }
  return r;
}

// The blocked loops over any two panel sources; k is a multiple of 32 (the sources give zeros
// past their own columns).
fp4lab_status run_gemm(const GemmKernels& kern, const DecodeSource& src_a, const DecodeSource& src_b, int64_t m, int64_t n, int64_t k, bool fused,
                       float nc_a, float nc_b, fp4lab_dtype out_dtype, float* values, uint16_t* bits, Job& job, const char* what, fp4lab_error* err) {
  advise_output_pages(values, sizeof(float) * static_cast<size_t>(m * n));
  advise_output_pages(bits, sizeof(uint16_t) * static_cast<size_t>(bits != nullptr ? m * n : 0));
  const int workers = job.threads();
  const int64_t mr = kern.mr;
  const int64_t nr = kern.nr;
  const int64_t eb = kern.elem_bytes;

  // Row blocks: as many as fit MC <= kMcMax, rounded up to a multiple of the thread count so
  // the last round keeps every thread busy.
  int64_t mtasks = (m + kMcMax - 1) / kMcMax;
  mtasks = (mtasks + workers - 1) / workers * workers;
  int64_t mc = ((m + mtasks - 1) / mtasks + mr - 1) / mr * mr;
  mtasks = (m + mc - 1) / mc;

  std::vector<unsigned char> b_packed(static_cast<size_t>(((std::min(kNc, n) + nr - 1) / nr) * nr * k * eb));
  struct WorkerScratch {
    std::vector<unsigned char> a_packed;
    std::vector<float> tmp;
    std::vector<float> edge;
  };
  std::vector<WorkerScratch> scratch(static_cast<size_t>(workers));
  for (WorkerScratch& w : scratch) {
    w.a_packed.resize(static_cast<size_t>(mc * kKc * eb));
    w.tmp.resize(static_cast<size_t>(std::max(k, kKc)));
    w.edge.resize(static_cast<size_t>(mr * nr));
  }
  job.set_total_work(m * n);

  for (int64_t jc = 0; jc < n; jc += kNc) {
    const int64_t ncur = std::min(kNc, n - jc);
    const int64_t npanels = (ncur + nr - 1) / nr;
    // Pack B's rows [jc, jc + ncur) over all of K: panel p holds NR of them.
    bool ok = job.parallel_for(npanels, [&](int64_t p, int worker) {
      const int64_t r0 = jc + p * nr;
      kern.pack(src_b, r0, static_cast<int>(std::min(nr, n - r0)), 0, k, static_cast<int>(nr), b_packed.data() + p * nr * k * eb,
                scratch[static_cast<size_t>(worker)].tmp.data());
    });
    if (!ok) return set_error(err, FP4LAB_CANCELLED, "%s was cancelled", what);

    // Few row blocks (a skinny A): split the column panels too, so every thread has work.
    const int64_t nsplit = std::min<int64_t>(npanels, std::max<int64_t>(1, (2 * workers + mtasks - 1) / mtasks));
    const int64_t panels_per_split = (npanels + nsplit - 1) / nsplit;
    ok = job.parallel_for(mtasks * nsplit, [&](int64_t task, int worker) {
      WorkerScratch& w = scratch[static_cast<size_t>(worker)];
      const int64_t i0 = (task / nsplit) * mc;
      const int64_t mcur = std::min(mc, m - i0);
      const int64_t p_begin = (task % nsplit) * panels_per_split;
      const int64_t p_end = std::min(npanels, p_begin + panels_per_split);
      if (p_begin >= p_end) return;
      const int64_t ipanels = (mcur + mr - 1) / mr;
      for (int64_t pc = 0; pc < k; pc += kKc) {
        const int64_t kc = std::min(kKc, k - pc);
        for (int64_t ip = 0; ip < ipanels; ip++) {
          const int64_t r0 = i0 + ip * mr;
          kern.pack(src_a, r0, static_cast<int>(std::min(mr, i0 + mcur - r0)), pc, kc, static_cast<int>(mr), w.a_packed.data() + ip * mr * kc * eb,
                    w.tmp.data());
        }
        const bool first = pc == 0;
        for (int64_t p = p_begin; p < p_end; p++) {
          const unsigned char* bp = b_packed.data() + (p * nr * k + pc * nr) * eb;
          const int64_t c0 = jc + p * nr;
          const int64_t cols = std::min(nr, n - c0);
          for (int64_t ip = 0; ip < ipanels; ip++) {
            const int64_t r0 = i0 + ip * mr;
            const int64_t rows = std::min(mr, i0 + mcur - r0);
            const unsigned char* ap = w.a_packed.data() + ip * mr * kc * eb;
            float* c = values + r0 * n + c0;
            if (rows == mr && cols == nr) {
              kern.micro_kernel(kc, ap, bp, c, n, first, fused);
              continue;
            }
            // An edge tile: run the full tile on a copy, keep the part inside the output.
            float* e = w.edge.data();
            if (!first) {
              for (int64_t i = 0; i < rows; i++) std::memcpy(e + i * nr, c + i * n, sizeof(float) * static_cast<size_t>(cols));
            }
            kern.micro_kernel(kc, ap, bp, e, nr, first, fused);
            for (int64_t i = 0; i < rows; i++) std::memcpy(c + i * n, e + i * nr, sizeof(float) * static_cast<size_t>(cols));
          }
        }
      }
      const int64_t c0 = jc + p_begin * nr;
      const int64_t width = std::min(n, jc + p_end * nr) - c0;
      for (int64_t i = i0; i < i0 + mcur; i++) {
        kern.epilogue(values + i * n + c0, bits != nullptr ? bits + i * n + c0 : nullptr, width, nc_a, nc_b, out_dtype);
      }
      job.add_work(mcur * width);
    });
    if (!ok) return set_error(err, FP4LAB_CANCELLED, "%s was cancelled", what);
  }
  return FP4LAB_OK;
}

fp4lab_status gemm(const fp4lab_packed* a, const fp4lab_packed* b, const fp4lab_gemm_params* params, float* values, uint16_t* bits,
                   fp4lab_gemm_kernel* kernel_used, const fp4lab_exec* exec, fp4lab_error* err) {
  fp4lab_status status = check_packed(a, "a", err);
  if (status != FP4LAB_OK) return status;
  status = check_packed(b, "b", err);
  if (status != FP4LAB_OK) return status;
  if (a->format != b->format) return set_error(err, FP4LAB_INVALID_ARGUMENT, "a and b need the same fp4_format");
  if (params == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "params is NULL");
  if (params->out_dtype != FP4LAB_FLOAT32 && params->out_dtype != FP4LAB_BFLOAT16 && params->out_dtype != FP4LAB_FLOAT16) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "out_dtype must be bfloat16, float16 or float32; got %d", static_cast<int>(params->out_dtype));
  }
  const int64_t m = params->out_rows;
  const int64_t n = params->out_cols;
  if (m <= 0 || n <= 0 || m > a->padded_rows || n > b->padded_rows) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "out_shape [%lld, %lld] must be positive and at most the padded product [%lld, %lld]",
                     static_cast<long long>(m), static_cast<long long>(n), static_cast<long long>(a->padded_rows),
                     static_cast<long long>(b->padded_rows));
  }
  if (values == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "out_values is NULL");
  if ((params->out_dtype == FP4LAB_FLOAT32) != (bits == nullptr)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "out_bits must be given for bfloat16/float16 output and NULL for float32");
  }
  fp4lab_isa isa;
  status = resolve_isa(exec != nullptr ? exec->isa : FP4LAB_ISA_AUTO, &isa, err);
  if (status != FP4LAB_OK) return status;

  // Columns past the shorter operand's padded K multiply zeros: skipping them is exact.
  const int64_t k = std::min(a->padded_cols, b->padded_cols);
  const fp4lab_format format = a->format;
  const int block = static_cast<int>(fp4lab_block_size(format));

  // Products of E2M1 x E4M3 values are exact in fp32 and in bf16 (KERNELS.md). MXFP4's are too
  // unless the scale exponents reach the ends of the range: then fp32 with rounded products.
  bool fused = true;
  bool bf16 = true;
  if (format == FP4LAB_MXFP4) {
    const ExponentRange ea = mxfp4_exponents(*a, m, k);
    const ExponentRange eb = mxfp4_exponents(*b, n, k);
    if (ea.max >= 0 && eb.max >= 0) {
      // Values 0.5..6 x 2^(E-127): every product (and partial sum) is a multiple of
      // 2^(Ea+Eb-256), normal when Ea + Eb >= 130; bf16 inputs are normal when E >= 2; sums
      // stay below 2^127 when 36 K 2^(Ea+Eb-254) does.
      fused = ea.min + eb.min >= 130;
      const double max_log2 = static_cast<double>(ea.max + eb.max - 254) + std::log2(36.0 * static_cast<double>(k));
      bf16 = fused && ea.min >= 2 && eb.min >= 2 && !ea.nan && !eb.nan && max_log2 < 126.0;
    }
  }
  const GemmKernels& kern = gemm_kernels_for(isa, bf16);
  if (kernel_used != nullptr) *kernel_used = kern.id;

  float scale_values[256];
  fill_scale_values(format, scale_values);
  const DecodeSource src_a{a, scale_values, block, a->padded_cols / block};
  const DecodeSource src_b{b, scale_values, block, b->padded_cols / block};
  Job job(exec);
  return run_gemm(kern, src_a, src_b, m, n, k, fused, a->normconst, b->normconst, params->out_dtype, values, bits, job, "gemm", err);
}

// Whether every value is exactly a bf16 value and how small / large the nonzero ones are.
struct Bf16Range {
  bool exact = true;
  float min_abs = INFINITY;  // smallest nonzero magnitude
  float max_abs = 0.0f;
};

Bf16Range bf16_range(const float* x, int64_t count) {
  Bf16Range r;
  for (int64_t i = 0; i < count; i++) {
    const uint32_t bits = float_bits(x[i]);
    const float a = std::fabs(x[i]);
    if ((bits & 0xffff) != 0 || (a != 0.0f && !(a >= 0x1p-126f)) || !(a <= 3.4e38f)) r.exact = false;  // low bits, subnormal, NaN/Inf
    if (a != 0.0f && a < r.min_abs) r.min_abs = a;
    if (a > r.max_abs) r.max_abs = a;
  }
  return r;
}

fp4lab_status matmul_f32(const float* a, int64_t a_rows, const float* b, int64_t b_rows, int64_t k, float* out, fp4lab_gemm_kernel* kernel_used,
                         const fp4lab_exec* exec, fp4lab_error* err) {
  if (a == nullptr || b == nullptr || out == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "matmul_f32: a, b and out are required");
  if (a_rows <= 0 || b_rows <= 0 || k <= 0 || a_rows > (int64_t{1} << 31) || b_rows > (int64_t{1} << 31) || k > (int64_t{1} << 31)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "matmul_f32: shapes [%lld, %lld] and [%lld, %lld] must be positive", static_cast<long long>(a_rows),
                     static_cast<long long>(k), static_cast<long long>(b_rows), static_cast<long long>(k));
  }
  fp4lab_isa isa;
  fp4lab_status status = resolve_isa(exec != nullptr ? exec->isa : FP4LAB_ISA_AUTO, &isa, err);
  if (status != FP4LAB_OK) return status;
  // bf16 products are exact when both inputs are bf16 values and every nonzero product and sum
  // stays normal and finite (vdpbf16ps flushes subnormals): check the ranges first.
  bool bf16 = false;
  if (isa == FP4LAB_ISA_AVX512_BF16) {
    const Bf16Range ra = bf16_range(a, a_rows * k);
    const Bf16Range rb = ra.exact ? bf16_range(b, b_rows * k) : Bf16Range{false};
    const double smallest = static_cast<double>(ra.min_abs) * rb.min_abs * 0x1p-14;  // 8-bit significands: products are multiples of ulp^2
    const double largest = static_cast<double>(ra.max_abs) * rb.max_abs * static_cast<double>(k);
    bf16 = ra.exact && rb.exact && (ra.max_abs == 0.0f || rb.max_abs == 0.0f || (smallest >= 0x1p-126 && largest < 0x1p126));
  }
  const GemmKernels& kern = gemm_kernels_for(isa, bf16);
  if (kernel_used != nullptr) *kernel_used = kern.id;
  DecodeSource src_a{nullptr, nullptr, 32, 0, a, k, k};
  DecodeSource src_b{nullptr, nullptr, 32, 0, b, k, k};
  Job job(exec);
  return run_gemm(kern, src_a, src_b, a_rows, b_rows, (k + 31) / 32 * 32, true, 1.0f, 1.0f, FP4LAB_FLOAT32, out, nullptr, job, "matmul_f32", err);
}

}  // namespace
}  // namespace fp4lab

extern "C" fp4lab_status fp4lab_matmul_f32(const float* a, int64_t a_rows, const float* b, int64_t b_rows, int64_t k, float* out,
                                           fp4lab_gemm_kernel* kernel, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::matmul_f32(a, a_rows, b, b_rows, k, out, kernel, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "matmul_f32: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "matmul_f32: internal error");
  }
}

extern "C" fp4lab_status fp4lab_gemm(const fp4lab_packed* a, const fp4lab_packed* b, const fp4lab_gemm_params* params, float* out_values,
                                     uint16_t* out_bits, fp4lab_gemm_kernel* kernel, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::gemm(a, b, params, out_values, out_bits, kernel, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "gemm: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "gemm: internal error");
  }
}
