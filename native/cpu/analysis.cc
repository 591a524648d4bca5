// The analysis reductions of app/analysis in C: one pass over a quantized side
// (sideReductions.ts reduceSideReference) and pooling a field to screen size (pooling.ts
// poolField). Each value is computed with the same double (or fp32) operations in the same
// order as the TypeScript, so block maps, histogram counts and pooled cells are bit-identical;
// only the whole-matrix metric sums are added up per chunk of rows first (their order is free;
// it is fixed, so repeated runs agree to the bit).
#include <algorithm>
#include <cmath>
#include <new>
#include <vector>

#include "errors.h"
#include "fp4lab.h"
#include "parallel.h"

namespace fp4lab {
namespace {

struct SidePartial {
  fp4lab_error_sums sums{};
  float amax = 0.0f;
  std::vector<double> histogram;
};

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
  const int64_t rows = in->rows;
  const int64_t cols = in->cols;
  const int64_t block = in->block_size;
  const int64_t grid_cols = (cols + block - 1) / block;
  const int bins = in->histogram_bins;
  const double lo = in->histogram_lo;
  const double hi = in->histogram_hi;
  const double per_bin = bins / (hi - lo);

  Job job(exec);
  // One partial per task (a fixed set of rows), added up in task order afterwards: the sums do
  // not depend on the thread count or on which thread ran which task, so a run repeats exactly.
  const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 16) / cols);
  const int64_t ntasks = (rows + rows_per_task - 1) / rows_per_task;
  std::vector<SidePartial> partials(static_cast<size_t>(ntasks));
  for (SidePartial& p : partials) p.histogram.assign(static_cast<size_t>(bins) + 1, 0.0);
  job.set_total_work(rows);
  const bool ok = job.parallel_for(ntasks, [&](int64_t task, int) {
    SidePartial& p = partials[static_cast<size_t>(task)];
    double* counts = p.histogram.data();
    const int64_t r_end = std::min(rows, (task + 1) * rows_per_task);
    for (int64_t r = task * rows_per_task; r < r_end; r++) {
      const float* ref = in->ref + r * in->ref_stride;
      const float* approx = in->approx + r * in->approx_stride;
      for (int64_t b = 0; b < grid_cols; b++) {
        const int64_t c0 = b * block;
        const int64_t c1 = std::min(cols, c0 + block);
        const float s = in->block_scales[r * in->scale_stride + b];
        double sum = 0.0;
        double max = 0.0;
        for (int64_t c = c0; c < c1; c++) {
          const double x = ref[c];
          const double d = approx[c];
          const double e = d - x;
          const double ae = std::fabs(e);
          // ErrorMetricsAccumulator.add(x, d)
          p.sums.count += 1.0;
          p.sums.sum_err2 += e * e;
          p.sums.sum_abs_err += ae;
          if (ae > p.sums.max_abs_err) p.sums.max_abs_err = ae;
          p.sums.sum_ref2 += x * x;
          p.sums.sum_approx2 += d * d;
          p.sums.sum_dot += x * d;
          // the block's own sums, in order
          sum += e * e;
          if (ae > max) max = ae;
          const float ax = std::fabs(ref[c]);
          if (ax > p.amax) p.amax = ax;
          // fp32 quotient, then the bin in double: the same bins as the reference.
          const float v = s > 0.0f ? ax / s : 0.0f;
          if (v >= hi) {
            if (v == hi) counts[bins - 1] += 1.0;
            else counts[bins] += 1.0;
          } else {
            const double bin = std::floor((v - lo) * per_bin);
            if (bin >= 0.0) counts[static_cast<int64_t>(bin)] += 1.0;
          }
        }
        out->block_mse[r * grid_cols + b] = static_cast<float>(sum / static_cast<double>(c1 - c0));
        out->block_max_abs[r * grid_cols + b] = static_cast<float>(max);
      }
    }
    job.add_work(r_end - task * rows_per_task);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "reduce_side was cancelled");
  fp4lab_error_sums total{};
  float amax = 0.0f;
  for (int i = 0; i <= bins; i++) out->histogram[i] = 0.0;
  for (const SidePartial& p : partials) {
    total.count += p.sums.count;
    total.sum_err2 += p.sums.sum_err2;
    total.sum_abs_err += p.sums.sum_abs_err;
    total.max_abs_err = std::max(total.max_abs_err, p.sums.max_abs_err);
    total.sum_ref2 += p.sums.sum_ref2;
    total.sum_approx2 += p.sums.sum_approx2;
    total.sum_dot += p.sums.sum_dot;
    amax = std::max(amax, p.amax);
    for (int i = 0; i <= bins; i++) out->histogram[i] += p.histogram[static_cast<size_t>(i)];
  }
  *out->sums = total;
  *out->amax = amax;
  return FP4LAB_OK;
}

// The value of a field at (r, c), as pooling.ts's FieldSource.at computes it (in double).
struct FieldReader {
  const fp4lab_field& f;
  double at(int64_t r, int64_t c) const {
    switch (f.kind) {
      case FP4LAB_FIELD_F32: return static_cast<const float*>(f.data)[r * f.stride + c];
      case FP4LAB_FIELD_U8: return static_cast<const uint8_t*>(f.data)[r * f.stride + c];
      case FP4LAB_FIELD_PAIR: break;
    }
    const double ref = f.ref[r * f.ref_stride + c];
    const double approx = f.approx[r * f.approx_stride + c];
    switch (f.view) {
      case FP4LAB_VIEW_REFERENCE: return ref;
      case FP4LAB_VIEW_APPROXIMATION: return approx;
      case FP4LAB_VIEW_SIGNED: return approx - ref;
      case FP4LAB_VIEW_ABS: return std::fabs(approx - ref);
      case FP4LAB_VIEW_REL: return std::fabs(approx - ref) / std::max(std::fabs(ref), f.rel_floor);
    }
    return 0.0;
  }
};

fp4lab_status pool(const fp4lab_field* field, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows, int64_t out_cols,
                   fp4lab_pool_reduce reduce, float* out, const fp4lab_exec* exec, fp4lab_error* err) {
  if (field == nullptr || out == nullptr) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: the field and the output are required");
  const bool pair = field->kind == FP4LAB_FIELD_PAIR;
  if ((field->kind != FP4LAB_FIELD_F32 && field->kind != FP4LAB_FIELD_U8 && !pair) || (!pair && field->data == nullptr) ||
      (pair && (field->ref == nullptr || field->approx == nullptr || field->view < FP4LAB_VIEW_REFERENCE || field->view > FP4LAB_VIEW_REL))) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: the field is not an array or a pair view");
  }
  if (reduce < FP4LAB_POOL_MAX || reduce > FP4LAB_POOL_EXTREME) return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: unknown reduction %d", static_cast<int>(reduce));
  if (!(0 <= r0 && r0 < r1 && r1 <= field->rows && 0 <= c0 && c0 < c1 && c1 <= field->cols)) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "heatmap window rows [%lld, %lld) cols [%lld, %lld) must lie inside the %lldx%lld field and be non-empty",
                     static_cast<long long>(r0), static_cast<long long>(r1), static_cast<long long>(c0), static_cast<long long>(c1),
                     static_cast<long long>(field->rows), static_cast<long long>(field->cols));
  }
  const int64_t h = r1 - r0;
  const int64_t w = c1 - c0;
  if (out_rows < 1 || out_cols < 1 || out_rows > h || out_cols > w) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "pool: %lldx%lld cells for a %lldx%lld window", static_cast<long long>(out_rows),
                     static_cast<long long>(out_cols), static_cast<long long>(h), static_cast<long long>(w));
  }
  const FieldReader reader{*field};
  std::vector<int64_t> col_start(static_cast<size_t>(out_cols + 1));
  for (int64_t j = 0; j <= out_cols; j++) col_start[static_cast<size_t>(j)] = c0 + j * w / out_cols;
  Job job(exec);
  job.set_total_work(out_rows);
  const bool ok = job.parallel_for(out_rows, [&](int64_t i, int) {
    const int64_t ra = r0 + i * h / out_rows;
    const int64_t rb = r0 + (i + 1) * h / out_rows;
    for (int64_t j = 0; j < out_cols; j++) {
      const int64_t ca = col_start[static_cast<size_t>(j)];
      const int64_t cb = col_start[static_cast<size_t>(j + 1)];
      double acc = reduce == FP4LAB_POOL_MAX || reduce == FP4LAB_POOL_MAX_ABS ? -INFINITY : reduce == FP4LAB_POOL_MIN ? INFINITY : 0.0;
      double extreme = 0.0;
      for (int64_t r = ra; r < rb; r++) {
        for (int64_t c = ca; c < cb; c++) {
          const double v = reader.at(r, c);
          switch (reduce) {
            case FP4LAB_POOL_MAX: acc = v > acc ? v : acc; break;
            case FP4LAB_POOL_MIN: acc = v < acc ? v : acc; break;
            case FP4LAB_POOL_MAX_ABS: acc = std::fabs(v) > acc ? std::fabs(v) : acc; break;
            case FP4LAB_POOL_EXTREME:
              if (std::fabs(v) > acc) {
                acc = std::fabs(v);
                extreme = v;
              }
              break;
            case FP4LAB_POOL_MEAN: acc += v; break;
          }
        }
      }
      const double value = reduce == FP4LAB_POOL_MEAN ? acc / static_cast<double>((rb - ra) * (cb - ca)) : reduce == FP4LAB_POOL_EXTREME ? extreme : acc;
      out[i * out_cols + j] = static_cast<float>(value);
    }
    job.add_work(1);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "pool was cancelled");
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

extern "C" fp4lab_status fp4lab_pool(const fp4lab_field* field, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows, int64_t out_cols,
                                     fp4lab_pool_reduce reduce, float* out, const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::pool(field, r0, r1, c0, c1, out_rows, out_cols, reduce, out, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "pool: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "pool: internal error");
  }
}
