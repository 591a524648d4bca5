// The analysis reductions of app/analysis in C: one pass over a quantized side
// (sideReductions.ts reduceSideReference) and pooling fields to screen size (pooling.ts
// poolField). This file checks the arguments, splits the work and combines it; the inner loops
// are per instruction set (analysis_kernels.h). Block maps, counts and pooled cells are
// bit-identical to the TypeScript; only the whole-matrix metric sums are added up per chunk of
// rows first (their order is free; it is fixed, so repeated runs agree to the bit at any thread
// count).
#include <algorithm>
#include <cmath>
#include <cstring>
#include <new>
#include <vector>

#include "analysis_kernels.h"
#include "errors.h"
#include "fp4lab.h"
#include "isa.h"
#include "parallel.h"

namespace fp4lab {
namespace {

const AnalysisKernels& kernels_for(fp4lab_isa isa) {
#ifdef FP4LAB_HAVE_X86_KERNELS
  if (isa >= FP4LAB_ISA_AVX512) return analysis_kernels_avx512();
#else
  (void)isa;
#endif
  return analysis_kernels_portable();
}

fp4lab_status resolve_kernels(const fp4lab_exec* exec, const AnalysisKernels** kernels, fp4lab_error* err) {
  fp4lab_isa isa;
  const fp4lab_status status = resolve_isa(exec != nullptr ? exec->isa : FP4LAB_ISA_AUTO, &isa, err);
  if (status == FP4LAB_OK) *kernels = &kernels_for(isa);
  return status;
}

// Checks a grid (ascending positive finite thresholds) and builds its lookup table.
fp4lab_status prepare_log_bins(const fp4lab_log_bins& bins, const char* name, LogBinLookup* out, fp4lab_error* err) {
  if (bins.thresholds == nullptr) return FP4LAB_OK;
  if (bins.count <= 0) return set_error(err, FP4LAB_INVALID_ARGUMENT, "reduce_side: %s has %d thresholds; it needs at least one", name, bins.count);
  out->threshold_bits.resize(static_cast<size_t>(bins.count) + 1);
  std::memcpy(out->threshold_bits.data(), bins.thresholds, sizeof(float) * static_cast<size_t>(bins.count));
  out->threshold_bits[static_cast<size_t>(bins.count)] = 0xffffffffu;
  for (int32_t i = 0; i < bins.count; i++) {
    const uint32_t b = out->threshold_bits[static_cast<size_t>(i)];
    if (b - 1u >= 0x7f7fffffu || (i > 0 && b < out->threshold_bits[static_cast<size_t>(i - 1)])) {
      return set_error(err, FP4LAB_INVALID_ARGUMENT, "reduce_side: %s threshold %d must be a positive finite float, not below the one before it", name, i);
    }
  }
  out->bucket_bin.resize(LogBinLookup::kBuckets);
  int32_t bin = -1;
  for (int32_t u = 0; u < LogBinLookup::kBuckets; u++) {
    const uint32_t start = static_cast<uint32_t>(u) << LogBinLookup::kBucketShift;
    while (bin + 1 < bins.count && out->threshold_bits[static_cast<size_t>(bin + 1)] <= start) bin++;
    out->bucket_bin[static_cast<size_t>(u)] = bin;
  }
  return FP4LAB_OK;
}

fp4lab_status reduce_side(const fp4lab_side_input* in, const fp4lab_side_output* out, const fp4lab_exec* exec, fp4lab_error* err) {
  if (in == nullptr || out == nullptr || in->ref == nullptr || in->approx == nullptr || in->block_scales == nullptr || out->sums == nullptr ||
      out->amax == nullptr || out->block_mse == nullptr || out->block_max_abs == nullptr || out->histogram == nullptr) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "reduce_side: every input and output is required");
  }
  if (in->rows <= 0 || in->cols <= 0 || in->block_size <= 0 || in->ref_stride < in->cols || in->approx_stride < in->cols ||
      in->scale_stride < (in->cols + in->block_size - 1) / in->block_size || in->histogram_bins <= 0 || !(in->histogram_hi > in->histogram_lo)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "reduce_side: inconsistent shapes (rows %lld, cols %lld, block %d, strides %lld/%lld/%lld, %d bins)",
                     static_cast<long long>(in->rows), static_cast<long long>(in->cols), in->block_size, static_cast<long long>(in->ref_stride),
                     static_cast<long long>(in->approx_stride), static_cast<long long>(in->scale_stride), in->histogram_bins);
  }
  if ((in->block_selection == nullptr) != (out->choosing4 == nullptr) || (in->scale_bins.thresholds == nullptr) != (out->scale_counts == nullptr) ||
      (in->mse_bins.thresholds == nullptr) != (out->mse_counts == nullptr)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "reduce_side: block_selection, scale_bins and mse_bins each need their output (and only then)");
  }
  LogBinLookup scale_bins;
  LogBinLookup mse_bins;
  fp4lab_status status = prepare_log_bins(in->scale_bins, "scale_bins", &scale_bins, err);
  if (status == FP4LAB_OK) status = prepare_log_bins(in->mse_bins, "mse_bins", &mse_bins, err);
  const AnalysisKernels* kernels = nullptr;
  if (status == FP4LAB_OK) status = resolve_kernels(exec, &kernels, err);
  if (status != FP4LAB_OK) return status;

  const int64_t rows = in->rows;
  const int64_t cols = in->cols;
  const int bins = in->histogram_bins;
  SideSetup setup{};
  setup.in = in;
  setup.grid_cols = (cols + in->block_size - 1) / in->block_size;
  setup.per_bin = bins / (in->histogram_hi - in->histogram_lo);
  setup.scale_bins = scale_bins.enabled() ? &scale_bins : nullptr;
  setup.mse_bins = mse_bins.enabled() ? &mse_bins : nullptr;
  setup.count_selection = in->block_selection != nullptr;
  setup.block_mse = out->block_mse;
  setup.block_max_abs = out->block_max_abs;

  Job job(exec);
  // Metric sums per task (a fixed set of rows), added up in task order afterwards: they do not
  // depend on the thread count or on which thread ran which task. Counts are integers, exact in
  // any order: one set per worker.
  const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 16) / cols);
  const int64_t ntasks = (rows + rows_per_task - 1) / rows_per_task;
  std::vector<SidePartial> partials(static_cast<size_t>(ntasks));
  std::vector<SideCounts> counts(static_cast<size_t>(job.threads()));
  for (SideCounts& c : counts) {
    c.scaled_stride = bins + 2;
    c.scaled.assign(static_cast<size_t>(SideCounts::kScaledCopies * c.scaled_stride), 0);
    c.scale_bins.assign(static_cast<size_t>(scale_bins.count() + 1), 0);
    c.mse_bins.assign(static_cast<size_t>(mse_bins.count() + 1), 0);
  }
  job.set_total_work(rows);
  const bool ok = job.parallel_for(ntasks, [&](int64_t task, int worker) {
    const int64_t r0 = task * rows_per_task;
    const int64_t r1 = std::min(rows, r0 + rows_per_task);
    kernels->reduce_rows(setup, r0, r1, &partials[static_cast<size_t>(task)], &counts[static_cast<size_t>(worker)]);
    job.add_work(r1 - r0);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "reduce_side was cancelled");

  fp4lab_error_sums total{};
  float amax = 0.0f;
  for (const SidePartial& p : partials) {
    total.count += p.sums.count;
    total.sum_err2 += p.sums.sum_err2;
    total.sum_abs_err += p.sums.sum_abs_err;
    total.max_abs_err = std::max(total.max_abs_err, p.sums.max_abs_err);
    total.sum_ref2 += p.sums.sum_ref2;
    total.sum_approx2 += p.sums.sum_approx2;
    total.sum_dot += p.sums.sum_dot;
    amax = std::max(amax, p.amax);
  }
  *out->sums = total;
  *out->amax = amax;
  // The scaled histogram: bins, then overflow (values below lo, which the reference cannot have, are dropped).
  for (int i = 0; i <= bins; i++) {
    int64_t n = 0;
    for (const SideCounts& c : counts) {
      for (int k = 0; k < SideCounts::kScaledCopies; k++) n += c.scaled[static_cast<size_t>(k * c.scaled_stride + i)];
    }
    out->histogram[i] = static_cast<double>(n);
  }
  const auto sum_counts = [&](std::vector<int64_t> SideCounts::*which, double* dst, int32_t n) {
    for (int32_t i = 0; i <= n; i++) {
      int64_t v = 0;
      for (const SideCounts& c : counts) v += (c.*which)[static_cast<size_t>(i)];
      dst[i] = static_cast<double>(v);
    }
  };
  if (out->scale_counts != nullptr) sum_counts(&SideCounts::scale_bins, out->scale_counts, scale_bins.count());
  if (out->mse_counts != nullptr) sum_counts(&SideCounts::mse_bins, out->mse_counts, mse_bins.count());
  if (out->choosing4 != nullptr) {
    int64_t n = 0;
    for (const SideCounts& c : counts) n += c.choosing4;
    *out->choosing4 = static_cast<double>(n);
  }
  return FP4LAB_OK;
}

fp4lab_status check_field(const fp4lab_field* field) {
  if (field == nullptr) return FP4LAB_INVALID_ARGUMENT;
  const bool pair = field->kind == FP4LAB_FIELD_PAIR;
  if ((field->kind != FP4LAB_FIELD_F32 && field->kind != FP4LAB_FIELD_U8 && !pair) || (!pair && field->data == nullptr) ||
      (pair && (field->ref == nullptr || field->approx == nullptr || field->view < FP4LAB_VIEW_REFERENCE || field->view > FP4LAB_VIEW_REL))) {
    return FP4LAB_INVALID_ARGUMENT;
  }
  return FP4LAB_OK;
}

fp4lab_status pool_many(const fp4lab_pool_request* requests, int32_t count, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows,
                        int64_t out_cols, const fp4lab_exec* exec, fp4lab_error* err) {
  if (requests == nullptr || count <= 0) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: no fields to pool");
  for (int32_t k = 0; k < count; k++) {
    const fp4lab_pool_request& q = requests[k];
    if (check_field(q.field) != FP4LAB_OK) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: field %d is not an array or a pair view", k);
    if (q.out == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: field %d has no output", k);
    if (q.reduce < FP4LAB_POOL_MAX || q.reduce > FP4LAB_POOL_EXTREME) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: unknown reduction %d", static_cast<int>(q.reduce));
    if (q.field->rows != requests[0].field->rows || q.field->cols != requests[0].field->cols) {
      return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: field %d is %lldx%lld, field 0 is %lldx%lld; one call pools fields of one shape", k,
                       static_cast<long long>(q.field->rows), static_cast<long long>(q.field->cols), static_cast<long long>(requests[0].field->rows),
                       static_cast<long long>(requests[0].field->cols));
    }
  }
  const fp4lab_field& first = *requests[0].field;
  if (!(0 <= r0 && r0 < r1 && r1 <= first.rows && 0 <= c0 && c0 < c1 && c1 <= first.cols)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "heatmap window rows [%lld, %lld) cols [%lld, %lld) must lie inside the %lldx%lld field and be non-empty",
                     static_cast<long long>(r0), static_cast<long long>(r1), static_cast<long long>(c0), static_cast<long long>(c1),
                     static_cast<long long>(first.rows), static_cast<long long>(first.cols));
  }
  const int64_t h = r1 - r0;
  const int64_t w = c1 - c0;
  if (out_rows < 1 || out_cols < 1 || out_rows > h || out_cols > w) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: %lldx%lld cells for a %lldx%lld window", static_cast<long long>(out_rows),
                     static_cast<long long>(out_cols), static_cast<long long>(h), static_cast<long long>(w));
  }
  const AnalysisKernels* kernels = nullptr;
  const fp4lab_status status = resolve_kernels(exec, &kernels, err);
  if (status != FP4LAB_OK) return status;
  std::vector<int64_t> col_start(static_cast<size_t>(out_cols + 1));
  for (int64_t j = 0; j <= out_cols; j++) col_start[static_cast<size_t>(j)] = c0 + j * w / out_cols;
  Job job(exec);
  job.set_total_work(out_rows);
  const bool ok = job.parallel_for(out_rows, [&](int64_t i, int) {
    const int64_t ra = r0 + i * h / out_rows;
    const int64_t rb = r0 + (i + 1) * h / out_rows;
    for (int64_t j0 = 0; j0 < out_cols; j0 += kPoolBandCells) {
      kernels->pool_band(requests, count, ra, rb, col_start.data(), j0, std::min(out_cols, j0 + kPoolBandCells), i * out_cols);
    }
    job.add_work(1);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "pool was cancelled");
  return FP4LAB_OK;
}

fp4lab_status metric_sums(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t rows, int64_t cols,
                         fp4lab_error_sums* out, const fp4lab_exec* exec, fp4lab_error* err) {
  if (ref == nullptr || approx == nullptr || out == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "metric_sums: ref, approx and out are required");
  if (rows <= 0 || cols <= 0 || ref_stride < cols || approx_stride < cols) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "metric_sums: inconsistent shapes (rows %lld, cols %lld, strides %lld/%lld)", static_cast<long long>(rows),
                     static_cast<long long>(cols), static_cast<long long>(ref_stride), static_cast<long long>(approx_stride));
  }
  const AnalysisKernels* kernels = nullptr;
  const fp4lab_status status = resolve_kernels(exec, &kernels, err);
  if (status != FP4LAB_OK) return status;
  Job job(exec);
  // Sums per task (a fixed set of rows), added up in task order: the same at any thread count.
  const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 16) / cols);
  const int64_t ntasks = (rows + rows_per_task - 1) / rows_per_task;
  std::vector<fp4lab_error_sums> partials(static_cast<size_t>(ntasks));
  job.set_total_work(rows);
  const bool ok = job.parallel_for(ntasks, [&](int64_t task, int) {
    const int64_t r0 = task * rows_per_task;
    const int64_t r1 = std::min(rows, r0 + rows_per_task);
    kernels->error_sums_rows(ref, ref_stride, approx, approx_stride, cols, r0, r1, &partials[static_cast<size_t>(task)]);
    job.add_work(r1 - r0);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "metric_sums was cancelled");
  fp4lab_error_sums total{};
  for (const fp4lab_error_sums& p : partials) {
    total.sum_err2 += p.sum_err2;
    total.sum_abs_err += p.sum_abs_err;
    total.max_abs_err = std::max(total.max_abs_err, p.max_abs_err);
    total.sum_ref2 += p.sum_ref2;
    total.sum_approx2 += p.sum_approx2;
    total.sum_dot += p.sum_dot;
  }
  total.count = static_cast<double>(rows * cols);
  *out = total;
  return FP4LAB_OK;
}

}  // namespace
}  // namespace fp4lab

extern "C" fp4lab_status fp4lab_reduce_side(const fp4lab_side_input* in, const fp4lab_side_output* out, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::reduce_side(in, out, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "reduce_side: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "reduce_side: internal error");
  }
}

extern "C" fp4lab_status fp4lab_metric_sums(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t rows, int64_t cols,
                                           fp4lab_error_sums* out, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::metric_sums(ref, ref_stride, approx, approx_stride, rows, cols, out, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "metric_sums: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "metric_sums: internal error");
  }
}

extern "C" fp4lab_status fp4lab_pool(const fp4lab_field* field, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows, int64_t out_cols,
                                     fp4lab_pool_reduce reduce, float* out, const fp4lab_exec* exec, fp4lab_error* err) {
  if (field == nullptr || out == nullptr) return fp4lab::set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: the field and the output are required");
  if (fp4lab::check_field(field) != FP4LAB_OK) return fp4lab::set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: the field is not an array or a pair view");
  const fp4lab_pool_request request{field, reduce, out};
  try {
    return fp4lab::pool_many(&request, 1, r0, r1, c0, c1, out_rows, out_cols, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "pool: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "pool: internal error");
  }
}

extern "C" fp4lab_status fp4lab_pool_many(const fp4lab_pool_request* requests, int32_t count, int64_t r0, int64_t r1, int64_t c0, int64_t c1,
                                          int64_t out_rows, int64_t out_cols, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::pool_many(requests, count, r0, r1, c0, c1, out_rows, out_cols, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "pool: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "pool: internal error");
  }
}
