// The analysis reductions in scalar C++, one for one with app/analysis (sideReductions.ts
// reduceSideReference, pooling.ts poolField): the portable table is built from these, and the
// AVX-512 table uses them for the blocks and cells its vector loops do not cover. Each value is
// the same double (or fp32) operation as the TypeScript; -ffp-contract=off keeps it that way.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>

#include "analysis_kernels.h"
#include "scalar_codecs.h"

// Internal linkage: compiled into the AVX-512 translation unit too (see scalar_codecs.h).
namespace fp4lab {
namespace {

// The bin of a float given its bits, or -1 (zero, negative, non-finite, below the first threshold).
// One step past the bucket's bin, without a branch, covers the app's grids everywhere but among
// subnormals; the loop after it is there for those (and rarely taken, so well predicted).
inline int32_t log_bin(const LogBinLookup& g, uint32_t bits) {
  if (bits - 1u >= 0x7f7fffffu) return -1;  // +0, negative (sign bit), Inf, NaN
  const uint32_t* next = g.threshold_bits.data() + 1;  // next[i] = threshold of bin i + 1; ends in a sentinel
  int32_t i = g.bucket_bin[bits >> LogBinLookup::kBucketShift];
  i += bits >= next[i] ? 1 : 0;
  while (bits >= next[i]) i++;
  return i;
}

inline void count_log_bin(const LogBinLookup& g, std::vector<int64_t>& counts, float v) {
  const int32_t i = log_bin(g, float_bits(v));
  counts[static_cast<size_t>(i < 0 ? g.count() : i)]++;
}

// Slot of |x| / scale in the scaled histogram (SideCounts::scaled): as sideReductions.ts bins it.
inline int64_t scaled_slot(const fp4lab_side_input& in, double per_bin, float v) {
  const int bins = in.histogram_bins;
  if (v >= in.histogram_hi) return v == in.histogram_hi ? bins - 1 : bins;
  const double bin = std::floor((v - in.histogram_lo) * per_bin);
  return bin >= 0.0 ? static_cast<int64_t>(bin) : bins + 1;
}

// What a block adds besides its maps: its 4-vs-6 choice and the log bins of its scale and MSE.
inline void block_extras(const SideSetup& s, int64_t r, int64_t b, float mse, SideCounts* w) {
  const int64_t at = r * s.in->scale_stride + b;
  if (s.count_selection && s.in->block_selection[at] == 4) w->choosing4++;
  if (s.scale_bins != nullptr) count_log_bin(*s.scale_bins, w->scale_bins, s.in->block_scales[at]);
  if (s.mse_bins != nullptr) count_log_bin(*s.mse_bins, w->mse_bins, mse);
}

// Block (r, b) the reference way: its values in order, in double.
inline void reduce_block_scalar(const SideSetup& s, int64_t r, int64_t b, SidePartial* p, SideCounts* w) {
  const fp4lab_side_input& in = *s.in;
  const int64_t block = in.block_size;
  const int64_t c0 = b * block;
  const int64_t c1 = std::min(in.cols, c0 + block);
  const float* ref = in.ref + r * in.ref_stride;
  const float* approx = in.approx + r * in.approx_stride;
  const float scale = in.block_scales[r * in.scale_stride + b];
  int64_t* scaled = w->scaled.data();
  double sum = 0.0;
  double max = 0.0;
  for (int64_t c = c0; c < c1; c++) {
    const double x = ref[c];
    const double d = approx[c];
    const double e = d - x;
    const double ae = std::fabs(e);
    // ErrorMetricsAccumulator.add(x, d) (the count is added per chunk)
    p->sums.sum_err2 += e * e;
    p->sums.sum_abs_err += ae;
    if (ae > p->sums.max_abs_err) p->sums.max_abs_err = ae;
    p->sums.sum_ref2 += x * x;
    p->sums.sum_approx2 += d * d;
    p->sums.sum_dot += x * d;
    // the block's own sums, in order
    sum += e * e;
    if (ae > max) max = ae;
    const float ax = std::fabs(ref[c]);
    if (ax > p->amax) p->amax = ax;
    // fp32 quotient, then the bin in double: the same bins as the reference.
    const float v = scale > 0.0f ? ax / scale : 0.0f;
    scaled[(c & (SideCounts::kScaledCopies - 1)) * w->scaled_stride + scaled_slot(in, s.per_bin, v)]++;
  }
  const float mse = static_cast<float>(sum / static_cast<double>(c1 - c0));
  s.block_mse[r * s.grid_cols + b] = mse;
  s.block_max_abs[r * s.grid_cols + b] = static_cast<float>(max);
  block_extras(s, r, b, mse, w);
}

// ---------------------------------------------------------------------------------------------
// Pooling: the value of a field at (r, c) as pooling.ts's FieldSource.at computes it (in double).

struct F32Values {
  const float* p;
  int64_t stride;
  double operator()(int64_t r, int64_t c) const { return p[r * stride + c]; }
};

struct U8Values {
  const uint8_t* p;
  int64_t stride;
  double operator()(int64_t r, int64_t c) const { return p[r * stride + c]; }
};

template <fp4lab_pair_view kView>
struct PairValues {
  const fp4lab_field* f;
  double operator()(int64_t r, int64_t c) const {
    const double ref = f->ref[r * f->ref_stride + c];
    const double approx = f->approx[r * f->approx_stride + c];
    if (kView == FP4LAB_VIEW_SIGNED) return approx - ref;
    if (kView == FP4LAB_VIEW_ABS) return std::fabs(approx - ref);
    return std::fabs(approx - ref) / std::max(std::fabs(ref), f->rel_floor);
  }
};

// poolField's loop for one reduction over cells [j0, j1) of a band: row by row through the band,
// each cell still seeing its own values in row-major order (the order its mean adds them in).
template <fp4lab_pool_reduce kReduce, class Values>
void pool_band_with(const Values& at, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1, float* out) {
  double acc[kPoolBandCells];
  double extreme[kPoolBandCells];
  const int64_t n = j1 - j0;
  const double start = kReduce == FP4LAB_POOL_MAX || kReduce == FP4LAB_POOL_MAX_ABS ? -INFINITY : kReduce == FP4LAB_POOL_MIN ? INFINITY : 0.0;
  for (int64_t k = 0; k < n; k++) {
    acc[k] = start;
    extreme[k] = 0.0;
  }
  for (int64_t r = ra; r < rb; r++) {
    for (int64_t k = 0; k < n; k++) {
      double a = acc[k];
      for (int64_t c = col_start[j0 + k]; c < col_start[j0 + k + 1]; c++) {
        const double v = at(r, c);
        if (kReduce == FP4LAB_POOL_MAX) a = v > a ? v : a;
        else if (kReduce == FP4LAB_POOL_MIN) a = v < a ? v : a;
        else if (kReduce == FP4LAB_POOL_MAX_ABS) a = std::fabs(v) > a ? std::fabs(v) : a;
        else if (kReduce == FP4LAB_POOL_EXTREME) {
          if (std::fabs(v) > a) {
            a = std::fabs(v);
            extreme[k] = v;
          }
        } else {
          a += v;
        }
      }
      acc[k] = a;
    }
  }
  for (int64_t k = 0; k < n; k++) {
    const int64_t cells = (rb - ra) * (col_start[j0 + k + 1] - col_start[j0 + k]);
    const double v = kReduce == FP4LAB_POOL_MEAN ? acc[k] / static_cast<double>(cells) : kReduce == FP4LAB_POOL_EXTREME ? extreme[k] : acc[k];
    out[j0 + k] = static_cast<float>(v);
  }
}

template <class Values>
void pool_band_of(const Values& at, fp4lab_pool_reduce reduce, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1, float* out) {
  switch (reduce) {
    case FP4LAB_POOL_MAX: return pool_band_with<FP4LAB_POOL_MAX>(at, ra, rb, col_start, j0, j1, out);
    case FP4LAB_POOL_MIN: return pool_band_with<FP4LAB_POOL_MIN>(at, ra, rb, col_start, j0, j1, out);
    case FP4LAB_POOL_MEAN: return pool_band_with<FP4LAB_POOL_MEAN>(at, ra, rb, col_start, j0, j1, out);
    case FP4LAB_POOL_MAX_ABS: return pool_band_with<FP4LAB_POOL_MAX_ABS>(at, ra, rb, col_start, j0, j1, out);
    case FP4LAB_POOL_EXTREME: return pool_band_with<FP4LAB_POOL_EXTREME>(at, ra, rb, col_start, j0, j1, out);
  }
}

// Calls fn(values) with the field's value reader (one instantiation per kind and view).
template <class Fn>
void with_values(const fp4lab_field& f, Fn&& fn) {
  switch (f.kind) {
    case FP4LAB_FIELD_F32: return fn(F32Values{static_cast<const float*>(f.data), f.stride});
    case FP4LAB_FIELD_U8: return fn(U8Values{static_cast<const uint8_t*>(f.data), f.stride});
    case FP4LAB_FIELD_PAIR: break;
  }
  switch (f.view) {
    case FP4LAB_VIEW_REFERENCE: return fn(F32Values{f.ref, f.ref_stride});
    case FP4LAB_VIEW_APPROXIMATION: return fn(F32Values{f.approx, f.approx_stride});
    case FP4LAB_VIEW_SIGNED: return fn(PairValues<FP4LAB_VIEW_SIGNED>{&f});
    case FP4LAB_VIEW_ABS: return fn(PairValues<FP4LAB_VIEW_ABS>{&f});
    case FP4LAB_VIEW_REL: return fn(PairValues<FP4LAB_VIEW_REL>{&f});
  }
}

// One request's band in scalar code.
inline void pool_band_scalar(const fp4lab_pool_request& q, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1, int64_t row_offset) {
  with_values(*q.field, [&](const auto& at) { pool_band_of(at, q.reduce, ra, rb, col_start, j0, j1, q.out + row_offset); });
}

// The first value of a cell (row-major) for which keep(v) holds, or 0 when none does: the
// vector loops find a cell's extreme magnitude order-free and ask this only to settle a sign.
template <class Pred>
double first_in_cell(const fp4lab_field& f, int64_t ra, int64_t rb, int64_t ca, int64_t cb, Pred keep) {
  double found = 0.0;
  with_values(f, [&](const auto& at) {
    for (int64_t r = ra; r < rb; r++) {
      for (int64_t c = ca; c < cb; c++) {
        const double v = at(r, c);
        if (keep(v)) {
          found = v;
          return;
        }
      }
    }
  });
  return found;
}

// ErrorMetricsAccumulator.add over rows [r0, r1), in the reference's order (the count is added by the caller).
inline void error_sums_rows_scalar(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t cols, int64_t r0,
                                   int64_t r1, fp4lab_error_sums* s) {
  for (int64_t r = r0; r < r1; r++) {
    for (int64_t c = 0; c < cols; c++) {
      const double x = ref[r * ref_stride + c];
      const double d = approx[r * approx_stride + c];
      const double e = d - x;
      const double ae = std::fabs(e);
      s->sum_err2 += e * e;
      s->sum_abs_err += ae;
      if (ae > s->max_abs_err) s->max_abs_err = ae;
      s->sum_ref2 += x * x;
      s->sum_approx2 += d * d;
      s->sum_dot += x * d;
    }
  }
}

}  // namespace
}  // namespace fp4lab
