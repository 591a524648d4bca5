// fp4lab_quantize: the passes around the inner loops (NUMERICS.md §2-§6).
//   pass 1: amax of the prepared matrix (the raw input unless `had` rotates it) -> normconst
//   pass 2: bands of rows -> prepare (transpose, zero padding, Hadamard) -> quantize_band ->
//           swizzle the band's scale bytes into the blocked layout
// Bands are independent and every random number depends only on (seed, element index), so the
// bytes do not depend on the thread count or on which thread ran which band.
#include <algorithm>
#include <cstring>
#include <new>
#include <vector>

#include "errors.h"
#include "fp4lab.h"
#include "isa.h"
#include "output_memory.h"
#include "parallel.h"
#include "quantize_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace {

const QuantizeKernels& kernels_for(fp4lab_isa isa) {
#ifdef FP4LAB_HAVE_X86_KERNELS
  if (isa >= FP4LAB_ISA_AVX512) return quantize_kernels_avx512();
  if (isa == FP4LAB_ISA_AVX2) return quantize_kernels_avx2();
#else
  (void)isa;
#endif
  return quantize_kernels_portable();
}

bool is_adaptive(fp4lab_scale_rule rule) {
  return rule == FP4LAB_SCALE_ABS_MAX || rule == FP4LAB_SCALE_L1_NORM || rule == FP4LAB_SCALE_MSE;
}

const char* rule_name(fp4lab_scale_rule rule) {
  switch (rule) {
    case FP4LAB_SCALE_ABS_MAX: return "abs_max";
    case FP4LAB_SCALE_ALWAYS_4: return "always_4";
    case FP4LAB_SCALE_ALWAYS_6: return "always_6";
    case FP4LAB_SCALE_L1_NORM: return "l1_norm";
    case FP4LAB_SCALE_MSE: return "mse";
  }
  return "?";
}

// nc = max(fp32(amax / D), fp32(1e-12)) for NVFP4 (NUMERICS.md §2.1); 1 for MXFP4.
float normconst_of(fp4lab_format format, fp4lab_scale_rule rule, float amax) {
  if (format == FP4LAB_MXFP4) return 1.0f;
  const float divisor = rule == FP4LAB_SCALE_ALWAYS_6 ? 2688.0f : rule == FP4LAB_SCALE_ALWAYS_4 ? 1792.0f : 1536.0f;
  const float nc = amax / divisor;
  const float floor = 1e-12f;
  return nc > floor ? nc : floor;
}

fp4lab_status check_params(const float* x, int64_t rows, int64_t cols, const fp4lab_quantize_params* p, const fp4lab_quantize_output* out,
                           fp4lab_error* err) {
  if (p == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "params is NULL");
  if (out == nullptr || out->e2m1 == nullptr || out->sf == nullptr || out->normconst == nullptr) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "the outputs e2m1, sf and normconst are required");
  }
  if (rows <= 0 || cols <= 0) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "input is empty (shape [%lld, %lld]); quantization needs at least one row and one column",
                     static_cast<long long>(rows), static_cast<long long>(cols));
  }
  if (rows > (int64_t{1} << 31) || cols > (int64_t{1} << 31) || rows * cols > (int64_t{1} << 40)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "input shape [%lld, %lld] is too large", static_cast<long long>(rows),
                     static_cast<long long>(cols));
  }
  if (x == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "input data is NULL");
  if (p->format != FP4LAB_NVFP4 && p->format != FP4LAB_MXFP4) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "fp4_format must be nvfp4 or mxfp4; got %d", static_cast<int>(p->format));
  }
  if (p->scale_rule < FP4LAB_SCALE_ABS_MAX || p->scale_rule > FP4LAB_SCALE_MSE) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "scale_rule must be one of abs_max, always_4, always_6, l1_norm, mse; got %d",
                     static_cast<int>(p->scale_rule));
  }
  if (p->format == FP4LAB_MXFP4 && is_adaptive(p->scale_rule)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT,
                     "scale_rule '%s' is not defined for mxfp4: MXFP4 scales are powers of two, so only always_6 and always_4 exist",
                     rule_name(p->scale_rule));
  }
  if (p->round_style != FP4LAB_ROUND_NEAREST && p->round_style != FP4LAB_ROUND_STOCHASTIC) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "round_style must be nearest or stochastic; got %d", static_cast<int>(p->round_style));
  }
  if (p->input_dtype != FP4LAB_FLOAT32 && p->input_dtype != FP4LAB_BFLOAT16 && p->input_dtype != FP4LAB_FLOAT16) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "input dtype must be float32, bfloat16 or float16; got %d", static_cast<int>(p->input_dtype));
  }
  if (p->had_size < 0 || p->had_size > 4096 || (p->had_size > 0 && p->had == nullptr)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "had must be off (size 0) or an n x n matrix with 1 <= n <= 4096; got size %d",
                     static_cast<int>(p->had_size));
  }
  return FP4LAB_OK;
}

// The quantized matrix's view of the input: transpose, zero padding, Hadamard, a band at a time.
struct PreparedRows {
  const float* x;
  int64_t in_cols;    // columns of x as stored
  bool transpose;
  int64_t rows;       // logical rows of the quantized matrix
  int64_t cols;       // logical columns of the quantized matrix
  int64_t padded_cols;
  const float* had;
  int had_size;
  fp4lab_dtype dtype;
  const QuantizeKernels* kernels;
  const float* zero_row;

  // Fills ptrs[0..nrows) with the prepared rows r0..r0+nrows, using buf (nrows x padded_cols
  // floats) where a row must be materialized and tmp (had_size floats) for the rotation.
  void band(int64_t r0, int nrows, float* buf, float* tmp, const float** ptrs) const {
    const int valid = static_cast<int>(std::max<int64_t>(0, std::min<int64_t>(nrows, rows - r0)));
    for (int i = valid; i < nrows; i++) ptrs[i] = zero_row;  // rows of padding (a rotation keeps them +0)
    if (valid == 0) return;
    if (!transpose) {
      for (int i = 0; i < valid; i++) {
        const float* src = x + (r0 + i) * in_cols;
        if (had_size == 0 && padded_cols == cols) {
          ptrs[i] = src;  // read in place
          continue;
        }
        float* dst = buf + static_cast<int64_t>(i) * padded_cols;
        std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(cols));
        std::fill(dst + cols, dst + padded_cols, 0.0f);
        ptrs[i] = dst;
      }
    } else {
      // Row r of x^T is column r of x: read `valid` adjacent columns per input row.
      for (int64_t c = 0; c < cols; c++) {
        const float* src = x + c * in_cols + r0;
        for (int i = 0; i < valid; i++) buf[static_cast<int64_t>(i) * padded_cols + c] = src[i];
      }
      for (int i = 0; i < valid; i++) {
        float* dst = buf + static_cast<int64_t>(i) * padded_cols;
        std::fill(dst + cols, dst + padded_cols, 0.0f);
        ptrs[i] = dst;
      }
    }
    if (had_size > 0) {
      for (int i = 0; i < valid; i++) kernels->hadamard(const_cast<float*>(ptrs[i]), padded_cols, had, had_size, dtype, tmp);
    }
  }
};

struct NonFinite {
  int64_t count = 0;
  int64_t first = -1;
};

NonFinite find_non_finite(const float* x, int64_t n) {
  NonFinite r;
  for (int64_t i = 0; i < n; i++) {
    if ((float_bits(x[i]) & 0x7f800000u) == 0x7f800000u) {
      if (r.first < 0) r.first = i;
      r.count++;
    }
  }
  return r;
}

fp4lab_status quantize(const float* x, int64_t rows, int64_t cols, const fp4lab_quantize_params* p, const fp4lab_quantize_output* out,
                       const fp4lab_exec* exec, fp4lab_error* err) {
  fp4lab_status status = check_params(x, rows, cols, p, out, err);
  if (status != FP4LAB_OK) return status;
  fp4lab_isa isa;
  status = resolve_isa(exec != nullptr ? exec->isa : FP4LAB_ISA_AUTO, &isa, err);
  if (status != FP4LAB_OK) return status;
  const QuantizeKernels& kernels = kernels_for(isa);

  const int64_t qrows = p->transpose ? cols : rows;
  const int64_t qcols = p->transpose ? rows : cols;
  const int64_t padded_rows = fp4lab_padded_rows(qrows);
  const int64_t padded_cols = fp4lab_padded_cols(p->format, qcols);
  const int block = static_cast<int>(fp4lab_block_size(p->format));
  const int64_t scale_cols = padded_cols / block;
  if (p->had_size > 0 && padded_cols % p->had_size != 0) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT,
                     "had: the %dx%d Hadamard matrix needs the column count to be a multiple of %d; the matrix has %lld columns", p->had_size,
                     p->had_size, p->had_size, static_cast<long long>(padded_cols));
  }

  Job job(exec);
  const int workers = job.threads();
  const bool rotated = p->had_size > 0;
  job.set_total_work((rotated ? padded_rows * padded_cols : rows * cols) + 2 * padded_rows * padded_cols);

  std::vector<float> zero_row(static_cast<size_t>(padded_cols), 0.0f);
  PreparedRows prepared{x, cols, p->transpose != 0, qrows, qcols, padded_cols, p->had, p->had_size, p->input_dtype, &kernels, zero_row.data()};

  const int band_rows = p->block_scale_2d ? block : 16;
  const int64_t nbands = padded_rows / band_rows;
  // Per worker: prepared rows, their pointers, the band's row-major scale bytes (and block
  // scales / selections when the caller does not want them), the inner loop's scratch.
  QuantizeSetup setup{};
  setup.format = p->format;
  setup.block = block;
  setup.group_rows = p->block_scale_2d ? block : 1;
  if (is_adaptive(p->scale_rule)) {
    setup.ntargets = 2;
    setup.targets[0] = 6.0f;
    setup.targets[1] = 4.0f;
    setup.metric = p->scale_rule == FP4LAB_SCALE_MSE ? ErrorMetric::kMse : p->scale_rule == FP4LAB_SCALE_L1_NORM ? ErrorMetric::kL1 : ErrorMetric::kAbsMax;
  } else {
    setup.ntargets = 1;
    setup.targets[0] = setup.targets[1] = p->scale_rule == FP4LAB_SCALE_ALWAYS_4 ? 4.0f : 6.0f;
    setup.metric = ErrorMetric::kNone;
  }
  setup.stochastic = p->round_style == FP4LAB_ROUND_STOCHASTIC;
  setup.key = stochastic_key(p->seed);
  setup.cols = padded_cols;

  struct WorkerScratch {
    std::vector<float> rows;
    std::vector<const float*> ptrs;
    std::vector<float> had_tmp;
    std::vector<uint8_t> scale_bytes;
    std::vector<float> block_scales;
    std::vector<uint8_t> selection;
    std::vector<uint64_t> kernel;  // 8-byte aligned
    uint32_t amax_bits = 0;
  };
  std::vector<WorkerScratch> scratch(static_cast<size_t>(workers));
  const bool materialize = rotated || p->transpose || padded_cols != qcols;
  const size_t band_scales = static_cast<size_t>(band_rows * scale_cols);
  for (WorkerScratch& w : scratch) {
    if (materialize) w.rows.resize(static_cast<size_t>(band_rows * padded_cols));
    w.ptrs.resize(static_cast<size_t>(band_rows));
    w.had_tmp.resize(static_cast<size_t>(std::max(p->had_size, 1)));
    w.scale_bytes.resize(band_scales);
    if (out->block_scales == nullptr) w.block_scales.resize(band_scales);
    if (out->block_selection == nullptr) w.selection.resize(band_scales);
    w.kernel.resize((kernels.band_scratch_bytes(setup) + 7) / 8);
  }

  // Pass 1: amax (and the non-finite check) of the matrix the scales are computed from.
  bool completed;
  if (!rotated) {
    // Transpose and zero padding do not change the amax: scan the input as stored.
    const int64_t total = rows * cols;
    const int64_t chunk = int64_t{1} << 18;
    const int64_t nchunks = (total + chunk - 1) / chunk;
    completed = job.parallel_for(nchunks, [&](int64_t task, int worker) {
      const int64_t begin = task * chunk;
      const int64_t n = std::min(chunk, total - begin);
      const uint32_t m = kernels.abs_max_bits(x + begin, n);
      WorkerScratch& w = scratch[static_cast<size_t>(worker)];
      if (m > w.amax_bits) w.amax_bits = m;
      job.add_work(n);
    });
  } else {
    completed = job.parallel_for(nbands, [&](int64_t band, int worker) {
      WorkerScratch& w = scratch[static_cast<size_t>(worker)];
      prepared.band(band * band_rows, band_rows, w.rows.data(), w.had_tmp.data(), w.ptrs.data());
      for (int i = 0; i < band_rows; i++) {
        const uint32_t m = kernels.abs_max_bits(w.ptrs[static_cast<size_t>(i)], padded_cols);
        if (m > w.amax_bits) w.amax_bits = m;
      }
      job.add_work(band_rows * padded_cols);
    });
  }
  if (!completed) return set_error(err, FP4LAB_CANCELLED, "quantize was cancelled");
  uint32_t amax_bits = 0;
  for (const WorkerScratch& w : scratch) amax_bits = std::max(amax_bits, w.amax_bits);
  if (amax_bits >= 0x7f800000u) {
    if (!rotated) {
      const NonFinite bad = find_non_finite(x, rows * cols);
      return set_error(err, FP4LAB_NON_FINITE, "input has %lld non-finite value%s (NaN or Inf), first at [%lld, %lld]; FP4 scales would be NaN",
                       static_cast<long long>(bad.count), bad.count > 1 ? "s" : "", static_cast<long long>(bad.first / cols),
                       static_cast<long long>(bad.first % cols));
    }
    return set_error(err, FP4LAB_NON_FINITE,
                     "the Hadamard-rotated input has non-finite values (NaN or Inf: the input holds some, or the rotation overflowed); FP4 "
                     "scales would be NaN");
  }
  const float normconst = normconst_of(p->format, p->scale_rule, bits_float(amax_bits));
  setup.normconst = normconst;

  advise_output_pages(out->e2m1, static_cast<size_t>(padded_rows * padded_cols / 2));
  advise_output_pages(out->block_scales, sizeof(float) * static_cast<size_t>(padded_rows * scale_cols));

  // Pass 2: bands of prepared rows through the inner loop, last band first: pass 1 ended there,
  // so that part of the input is still in the last-level cache.
  completed = job.parallel_for(nbands, [&](int64_t task, int worker) {
    WorkerScratch& w = scratch[static_cast<size_t>(worker)];
    const int64_t band = nbands - 1 - task;
    const int64_t r0 = band * band_rows;
    prepared.band(r0, band_rows, w.rows.data(), w.had_tmp.data(), w.ptrs.data());
    BandOutput bo;
    bo.e2m1 = out->e2m1 + r0 * (padded_cols / 2);
    bo.scale_bytes = w.scale_bytes.data();
    bo.block_scales = out->block_scales != nullptr ? out->block_scales + r0 * scale_cols : w.block_scales.data();
    bo.selection = out->block_selection != nullptr ? out->block_selection + r0 * scale_cols : w.selection.data();
    kernels.quantize_band(setup, w.ptrs.data(), band_rows, r0, bo, w.kernel.data());
    for (int i = 0; i < band_rows; i++) {
      const uint8_t* src = w.scale_bytes.data() + static_cast<int64_t>(i) * scale_cols;
      for (int64_t c = 0; c < scale_cols; c += 4) std::memcpy(out->sf + fp4lab_blocked_scale_index(r0 + i, c, scale_cols), src + c, 4);
    }
    job.add_work(2 * band_rows * padded_cols);
  });
  if (!completed) return set_error(err, FP4LAB_CANCELLED, "quantize was cancelled");
  *out->normconst = normconst;
  return FP4LAB_OK;
}

}  // namespace
}  // namespace fp4lab

extern "C" fp4lab_status fp4lab_quantize(const float* x, int64_t rows, int64_t cols, const fp4lab_quantize_params* params,
                                         const fp4lab_quantize_output* out, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::quantize(x, rows, cols, params, out, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "quantize: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "quantize: internal error");
  }
}
