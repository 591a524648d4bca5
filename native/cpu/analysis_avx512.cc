// The analysis reductions for AVX-512 (compiled with -mavx512f/bw/dq/vl, see native/fp4lab.gypi).
//
// Side reduction: 16 whole blocks of a row at a time, one block per lane. A 16x16 transpose
// turns the blocks' values into 16 vectors "value c of every block", so each block's error sum
// is a lane adding its values in order — the reference's order, in double, so the block maps
// come out bit for bit — while the |x| / scale bins are computed for 16 values at once. The
// metric sums gather per lane and are added up at the end of each chunk of rows (their order is
// free; it is fixed by the chunking, so runs repeat exactly). Blocks outside whole groups of 16
// (and other block sizes) take the scalar path of analysis_scalar.h.
//
// Pooling: max, min, max_abs and extreme of a cell only need its largest and smallest value
// (or largest magnitude), which vectors find in any order; poolField's order matters only for
// the sign of a result that ties (a zero maximum, or +m and -m both in an extreme cell), and
// then the cell is scanned in order for the first such value. A band of cells is read row by
// row, every request of the call taking each row while it is in L1 (a side's input, |error|
// and signed error read the input and its dequantized values once). Means keep the
// reference's order and run in scalar code.
#include <immintrin.h>

#include <type_traits>

#include "analysis_kernels.h"
#include "analysis_scalar.h"

namespace fp4lab {
namespace {

// dst[c * 16 + j] = src[j * stride + c] for j, c < 16 (unpack ps, unpack pd, two 128-bit shuffles).
inline void transpose16(const float* src, int64_t stride, float* dst) {
  __m512 r[16];
  __m512 t[16];
  for (int j = 0; j < 16; j++) r[j] = _mm512_loadu_ps(src + j * stride);
  for (int k = 0; k < 8; k++) {
    t[2 * k] = _mm512_unpacklo_ps(r[2 * k], r[2 * k + 1]);
    t[2 * k + 1] = _mm512_unpackhi_ps(r[2 * k], r[2 * k + 1]);
  }
  const auto lo_pd = [](__m512 a, __m512 b) { return _mm512_castpd_ps(_mm512_unpacklo_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
  const auto hi_pd = [](__m512 a, __m512 b) { return _mm512_castpd_ps(_mm512_unpackhi_pd(_mm512_castps_pd(a), _mm512_castps_pd(b))); };
  // s[4g + m], 128-bit lane l = rows 4g..4g+3 of column 4l + m
  for (int g = 0; g < 4; g++) {
    r[4 * g] = lo_pd(t[4 * g], t[4 * g + 2]);
    r[4 * g + 1] = hi_pd(t[4 * g], t[4 * g + 2]);
    r[4 * g + 2] = lo_pd(t[4 * g + 1], t[4 * g + 3]);
    r[4 * g + 3] = hi_pd(t[4 * g + 1], t[4 * g + 3]);
  }
  for (int m = 0; m < 4; m++) {
    const __m512 u = _mm512_shuffle_f32x4(r[m], r[4 + m], 0x88);
    const __m512 v = _mm512_shuffle_f32x4(r[m], r[4 + m], 0xdd);
    const __m512 w = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0x88);
    const __m512 x = _mm512_shuffle_f32x4(r[8 + m], r[12 + m], 0xdd);
    _mm512_store_ps(dst + 16 * m, _mm512_shuffle_f32x4(u, w, 0x88));
    _mm512_store_ps(dst + 16 * (8 + m), _mm512_shuffle_f32x4(u, w, 0xdd));
    _mm512_store_ps(dst + 16 * (4 + m), _mm512_shuffle_f32x4(v, x, 0x88));
    _mm512_store_ps(dst + 16 * (12 + m), _mm512_shuffle_f32x4(v, x, 0xdd));
  }
}

inline __m512d low_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_castps512_ps256(v)); }
inline __m512d high_pd(__m512 v) { return _mm512_cvtps_pd(_mm512_extractf32x8_ps(v, 1)); }
inline __m512 abs_ps(__m512 v) { return _mm512_castsi512_ps(_mm512_and_si512(_mm512_castps_si512(v), _mm512_set1_epi32(0x7fffffff))); }
inline __m512d abs_pd(__m512d v) { return _mm512_castsi512_pd(_mm512_and_si512(_mm512_castpd_si512(v), _mm512_set1_epi64(0x7fffffffffffffff))); }
inline __m512 join(__m256 lo, __m256 hi) { return _mm512_insertf32x8(_mm512_castps256_ps512(lo), hi, 1); }

// Slots of 8 values of |x| / scale (as double) in the scaled histogram; scaled_slot's rules.
struct ScaledBins {
  __m512d lo, per_bin, hi;
  __m256i overflow, last, below;

  explicit ScaledBins(const SideSetup& s)
      : lo(_mm512_set1_pd(s.in->histogram_lo)),
        per_bin(_mm512_set1_pd(s.per_bin)),
        hi(_mm512_set1_pd(s.in->histogram_hi)),
        overflow(_mm256_set1_epi32(s.in->histogram_bins)),
        last(_mm256_set1_epi32(s.in->histogram_bins - 1)),
        below(_mm256_set1_epi32(s.in->histogram_bins + 1)) {}

  __m256i slots(__m512d v) const {
    const __m512d bin = _mm512_roundscale_pd(_mm512_mul_pd(_mm512_sub_pd(v, lo), per_bin), _MM_FROUND_TO_NEG_INF | _MM_FROUND_NO_EXC);
    __m256i i = _mm512_cvttpd_epi32(bin);
    i = _mm256_mask_mov_epi32(i, _mm512_cmp_pd_mask(bin, _mm512_setzero_pd(), _CMP_NGE_UQ), below);
    i = _mm256_mask_mov_epi32(i, _mm512_cmp_pd_mask(v, hi, _CMP_GE_OQ), overflow);
    return _mm256_mask_mov_epi32(i, _mm512_cmp_pd_mask(v, hi, _CMP_EQ_OQ), last);
  }
};

// The metric sums of a chunk, per lane (low and high 8 of the 16 blocks).
struct LaneSums {
  __m512d err2[2], abs_err[2], ref2[2], approx2[2], dot[2];
  __m512d max_err;
  __m512 amax;

  LaneSums() {
    for (int h = 0; h < 2; h++) err2[h] = abs_err[h] = ref2[h] = approx2[h] = dot[h] = _mm512_setzero_pd();
    max_err = _mm512_setzero_pd();
    amax = _mm512_setzero_ps();
  }

  void add_to(SidePartial* p) const {
    const auto sum = [](const __m512d (&v)[2]) { return _mm512_reduce_add_pd(v[0]) + _mm512_reduce_add_pd(v[1]); };
    p->sums.sum_err2 += sum(err2);
    p->sums.sum_abs_err += sum(abs_err);
    p->sums.sum_ref2 += sum(ref2);
    p->sums.sum_approx2 += sum(approx2);
    p->sums.sum_dot += sum(dot);
    p->sums.max_abs_err = std::max(p->sums.max_abs_err, _mm512_reduce_max_pd(max_err));
    p->amax = std::max(p->amax, _mm512_reduce_max_ps(amax));
  }
};

// Blocks b0..b0+15 of row r (whole blocks of 16 or 32 values).
inline void reduce_group(const SideSetup& s, const ScaledBins& sb, int64_t r, int64_t b0, LaneSums& acc, SideCounts* w) {
  const fp4lab_side_input& in = *s.in;
  const int block = in.block_size;
  const float* ref = in.ref + r * in.ref_stride + b0 * block;
  const float* approx = in.approx + r * in.approx_stride + b0 * block;
  const float* scales = in.block_scales + r * in.scale_stride + b0;
  const __m512 scale = _mm512_loadu_ps(scales);
  const __mmask16 positive = _mm512_cmp_ps_mask(scale, _mm512_setzero_ps(), _CMP_GT_OQ);
  alignas(64) float tx[256];
  alignas(64) float td[256];
  alignas(32) int32_t slot[16];
  int64_t* scaled = w->scaled.data();
  const int64_t stride = w->scaled_stride;
  __m512d sum[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
  __m512d max[2] = {_mm512_setzero_pd(), _mm512_setzero_pd()};
  for (int h = 0; h < block; h += 16) {
    transpose16(ref + h, block, tx);
    transpose16(approx + h, block, td);
    for (int c = 0; c < 16; c++) {
      const __m512 x = _mm512_load_ps(tx + 16 * c);
      const __m512 d = _mm512_load_ps(td + 16 * c);
      const __m512 ax = abs_ps(x);
      acc.amax = _mm512_max_ps(ax, acc.amax);
      // fp32 quotient, then the bin in double: the same bins as the reference.
      const __m512 v = _mm512_maskz_div_ps(positive, ax, scale);
      _mm256_store_si256(reinterpret_cast<__m256i*>(slot), sb.slots(low_pd(v)));
      _mm256_store_si256(reinterpret_cast<__m256i*>(slot + 8), sb.slots(high_pd(v)));
      for (int j = 0; j < 16; j++) scaled[(j & (SideCounts::kScaledCopies - 1)) * stride + slot[j]]++;
      const __m512d xs[2] = {low_pd(x), high_pd(x)};
      const __m512d ds[2] = {low_pd(d), high_pd(d)};
      for (int k = 0; k < 2; k++) {
        const __m512d e = _mm512_sub_pd(ds[k], xs[k]);
        const __m512d e2 = _mm512_mul_pd(e, e);
        const __m512d ae = abs_pd(e);
        sum[k] = _mm512_add_pd(sum[k], e2);
        max[k] = _mm512_max_pd(ae, max[k]);
        acc.err2[k] = _mm512_add_pd(acc.err2[k], e2);
        acc.abs_err[k] = _mm512_add_pd(acc.abs_err[k], ae);
        acc.max_err = _mm512_max_pd(ae, acc.max_err);
        // products of two floats are exact in double: a fused add rounds like mul + add
        acc.ref2[k] = _mm512_fmadd_pd(xs[k], xs[k], acc.ref2[k]);
        acc.approx2[k] = _mm512_fmadd_pd(ds[k], ds[k], acc.approx2[k]);
        acc.dot[k] = _mm512_fmadd_pd(xs[k], ds[k], acc.dot[k]);
      }
    }
  }
  const __m512d n = _mm512_set1_pd(static_cast<double>(block));
  const __m512 mse = join(_mm512_cvtpd_ps(_mm512_div_pd(sum[0], n)), _mm512_cvtpd_ps(_mm512_div_pd(sum[1], n)));
  const __m512 max_abs = join(_mm512_cvtpd_ps(max[0]), _mm512_cvtpd_ps(max[1]));
  float* mse_out = s.block_mse + r * s.grid_cols + b0;
  _mm512_storeu_ps(mse_out, mse);
  _mm512_storeu_ps(s.block_max_abs + r * s.grid_cols + b0, max_abs);
  if (s.count_selection) {
    const __m128i selection = _mm_loadu_si128(reinterpret_cast<const __m128i*>(in.block_selection + r * in.scale_stride + b0));
    w->choosing4 += __builtin_popcount(_mm_cmpeq_epi8_mask(selection, _mm_set1_epi8(4)));
  }
  if (s.scale_bins != nullptr) {
    for (int j = 0; j < 16; j++) count_log_bin(*s.scale_bins, w->scale_bins, scales[j]);
  }
  if (s.mse_bins != nullptr) {
    for (int j = 0; j < 16; j++) count_log_bin(*s.mse_bins, w->mse_bins, mse_out[j]);
  }
}

void reduce_rows(const SideSetup& s, int64_t r0, int64_t r1, SidePartial* p, SideCounts* w) {
  const int64_t block = s.in->block_size;
  const int64_t groups = block == 16 || block == 32 ? s.in->cols / block / 16 : 0;
  const ScaledBins sb(s);
  LaneSums acc;
  for (int64_t r = r0; r < r1; r++) {
    for (int64_t g = 0; g < groups; g++) reduce_group(s, sb, r, g * 16, acc, w);
    for (int64_t b = groups * 16; b < s.grid_cols; b++) reduce_block_scalar(s, r, b, p, w);
  }
  acc.add_to(p);
  p->sums.count += static_cast<double>((r1 - r0) * s.in->cols);
}

// ---------------------------------------------------------------------------------------------
// Pooling

// Values a cell's rows are read as: 16 floats (arrays, a pair's own sides) or 8 doubles (a
// pair's errors, computed in double as pooling.ts does).
struct FloatLanes {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int L = 16;
  static V splat(double v) { return _mm512_set1_ps(static_cast<float>(v)); }
  static V max(V a, V b) { return _mm512_max_ps(a, b); }
  static V min(V a, V b) { return _mm512_min_ps(a, b); }
  static V max(V keep, Mask m, V a, V b) { return _mm512_mask_max_ps(keep, m, a, b); }
  static V min(V keep, Mask m, V a, V b) { return _mm512_mask_min_ps(keep, m, a, b); }
  static V abs(V v) { return abs_ps(v); }
  static double reduce_max(V v) { return _mm512_reduce_max_ps(v); }
  static double reduce_min(V v) { return _mm512_reduce_min_ps(v); }
};

struct DoubleLanes {
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int L = 8;
  static V splat(double v) { return _mm512_set1_pd(v); }
  static V max(V a, V b) { return _mm512_max_pd(a, b); }
  static V min(V a, V b) { return _mm512_min_pd(a, b); }
  static V max(V keep, Mask m, V a, V b) { return _mm512_mask_max_pd(keep, m, a, b); }
  static V min(V keep, Mask m, V a, V b) { return _mm512_mask_min_pd(keep, m, a, b); }
  static V abs(V v) { return abs_pd(v); }
  static double reduce_max(V v) { return _mm512_reduce_max_pd(v); }
  static double reduce_min(V v) { return _mm512_reduce_min_pd(v); }
};

struct F32Loader : FloatLanes {
  const float* p;
  int64_t stride;
  V load(int64_t r, int64_t c, Mask m) const { return _mm512_maskz_loadu_ps(m, p + r * stride + c); }
};

struct U8Loader : FloatLanes {
  const uint8_t* p;
  int64_t stride;
  V load(int64_t r, int64_t c, Mask m) const { return _mm512_cvtepi32_ps(_mm512_cvtepu8_epi32(_mm_maskz_loadu_epi8(m, p + r * stride + c))); }
};

template <fp4lab_pair_view kView>
struct PairLoader : DoubleLanes {
  const fp4lab_field* f;
  V load(int64_t r, int64_t c, Mask m) const {
    const __m512d x = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, f->ref + r * f->ref_stride + c));
    const __m512d d = _mm512_cvtps_pd(_mm256_maskz_loadu_ps(m, f->approx + r * f->approx_stride + c));
    const __m512d e = _mm512_sub_pd(d, x);
    if (kView == FP4LAB_VIEW_SIGNED) return e;
    if (kView == FP4LAB_VIEW_ABS) return abs_pd(e);
    return _mm512_div_pd(abs_pd(e), _mm512_max_pd(abs_pd(x), _mm512_set1_pd(f->rel_floor)));
  }
};

// One row of a band into each cell's running largest and smallest value (kMagnitude: largest
// magnitude, in hi). The value operand comes first in max/min so that a NaN is skipped, as
// poolField's comparisons skip it.
template <bool kMagnitude, class Ld>
void range_row(const Ld& ld, int64_t r, const int64_t* col_start, int64_t j0, int64_t j1, typename Ld::V* hi, typename Ld::V* lo) {
  using V = typename Ld::V;
  using Mask = typename Ld::Mask;
  constexpr int L = Ld::L;
  const Mask all = static_cast<Mask>(~0u);
  for (int64_t j = j0; j < j1; j++) {
    const int64_t ca = col_start[j];
    const int64_t width = col_start[j + 1] - ca;
    const int64_t whole = width / L * L;
    V mx = hi[j - j0];
    V mn = kMagnitude ? mx : lo[j - j0];
    for (int64_t c = 0; c < whole; c += L) {
      const V v = ld.load(r, ca + c, all);
      if (kMagnitude) {
        mx = Ld::max(Ld::abs(v), mx);
      } else {
        mx = Ld::max(v, mx);
        mn = Ld::min(v, mn);
      }
    }
    if (whole < width) {
      const Mask tail = static_cast<Mask>((1u << (width - whole)) - 1u);
      const V v = ld.load(r, ca + whole, tail);
      if (kMagnitude) {
        mx = Ld::max(mx, tail, Ld::abs(v), mx);
      } else {
        mx = Ld::max(mx, tail, v, mx);
        mn = Ld::min(mn, tail, v, mn);
      }
    }
    hi[j - j0] = mx;
    if (!kMagnitude) lo[j - j0] = mn;
  }
}

// Calls fn(loader) with the vector loader of a field (one instantiation per kind and view).
template <class Fn>
void with_loader(const fp4lab_field& f, Fn&& fn) {
  switch (f.kind) {
    case FP4LAB_FIELD_F32: return fn(F32Loader{{}, static_cast<const float*>(f.data), f.stride});
    case FP4LAB_FIELD_U8: return fn(U8Loader{{}, static_cast<const uint8_t*>(f.data), f.stride});
    case FP4LAB_FIELD_PAIR: break;
  }
  switch (f.view) {
    case FP4LAB_VIEW_REFERENCE: return fn(F32Loader{{}, f.ref, f.ref_stride});
    case FP4LAB_VIEW_APPROXIMATION: return fn(F32Loader{{}, f.approx, f.approx_stride});
    case FP4LAB_VIEW_SIGNED: return fn(PairLoader<FP4LAB_VIEW_SIGNED>{{}, &f});
    case FP4LAB_VIEW_ABS: return fn(PairLoader<FP4LAB_VIEW_ABS>{{}, &f});
    case FP4LAB_VIEW_REL: return fn(PairLoader<FP4LAB_VIEW_REL>{{}, &f});
  }
}

// A cell's value from its largest and smallest value, as poolField would have found it.
// poolField keeps the first of equal values: only a zero's sign, or which of +m and -m came
// first, can tell them apart, and only then is the cell scanned in order.
double cell_value(const fp4lab_field& f, fp4lab_pool_reduce reduce, double hi, double lo, int64_t ra, int64_t rb, int64_t ca, int64_t cb) {
  switch (reduce) {
    case FP4LAB_POOL_MAX_ABS: return hi;
    case FP4LAB_POOL_MAX: return hi != 0.0 ? hi : first_in_cell(f, ra, rb, ca, cb, [](double v) { return v == 0.0; });
    case FP4LAB_POOL_MIN: return lo != 0.0 ? lo : first_in_cell(f, ra, rb, ca, cb, [](double v) { return v == 0.0; });
    case FP4LAB_POOL_EXTREME: {
      const double m = std::max(hi, -lo);
      if (!(m > 0.0)) return 0.0;  // every value is zero: poolField's extreme stays +0
      const bool positive = hi == m;
      const bool negative = lo == -m;
      if (positive && negative) return first_in_cell(f, ra, rb, ca, cb, [m](double v) { return std::fabs(v) == m; });
      return positive ? m : -m;
    }
    case FP4LAB_POOL_MEAN: break;
  }
  return 0.0;
}

// Up to this many vector requests share one pass over a band.
constexpr int kGroupRequests = 4;

void pool_band(const fp4lab_pool_request* requests, int32_t count, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1,
               int64_t row_offset) {
  const int64_t n = j1 - j0;
  // Running hi / lo per request and cell, as 64-byte vectors (float or double lanes).
  alignas(64) __m512 hi[kGroupRequests][kPoolBandCells];
  alignas(64) __m512 lo[kGroupRequests][kPoolBandCells];
  int group[kGroupRequests];
  int32_t next = 0;
  while (next < count) {
    int g = 0;
    for (; next < count && g < kGroupRequests; next++) {
      if (requests[next].reduce == FP4LAB_POOL_MEAN) {
        pool_band_scalar(requests[next], ra, rb, col_start, j0, j1, row_offset);  // the reference's order
      } else {
        group[g++] = next;
      }
    }
    if (g == 0) continue;
    for (int k = 0; k < g; k++) {
      with_loader(*requests[group[k]].field, [&](const auto& ld) {
        using Ld = std::decay_t<decltype(ld)>;
        using V = typename Ld::V;
        for (int64_t j = 0; j < n; j++) {
          reinterpret_cast<V*>(hi[k])[j] = Ld::splat(-INFINITY);
          reinterpret_cast<V*>(lo[k])[j] = Ld::splat(INFINITY);
        }
      });
    }
    for (int64_t r = ra; r < rb; r++) {
      for (int k = 0; k < g; k++) {
        const fp4lab_pool_request& q = requests[group[k]];
        with_loader(*q.field, [&](const auto& ld) {
          using V = typename std::decay_t<decltype(ld)>::V;
          if (q.reduce == FP4LAB_POOL_MAX_ABS) range_row<true>(ld, r, col_start, j0, j1, reinterpret_cast<V*>(hi[k]), reinterpret_cast<V*>(lo[k]));
          else range_row<false>(ld, r, col_start, j0, j1, reinterpret_cast<V*>(hi[k]), reinterpret_cast<V*>(lo[k]));
        });
      }
    }
    for (int k = 0; k < g; k++) {
      const fp4lab_pool_request& q = requests[group[k]];
      with_loader(*q.field, [&](const auto& ld) {
        using Ld = std::decay_t<decltype(ld)>;
        using V = typename Ld::V;
        for (int64_t j = 0; j < n; j++) {
          const double h = Ld::reduce_max(reinterpret_cast<V*>(hi[k])[j]);
          const double l = q.reduce == FP4LAB_POOL_MAX_ABS ? 0.0 : Ld::reduce_min(reinterpret_cast<V*>(lo[k])[j]);
          q.out[row_offset + j0 + j] = static_cast<float>(cell_value(*q.field, q.reduce, h, l, ra, rb, col_start[j0 + j], col_start[j0 + j + 1]));
        }
      });
    }
  }
}

// The metric sums alone: eight values per step in double (the reference adds in double too),
// each lane keeping its own sums; lanes are added up once per call, in lane order, and the
// columns past the last whole group of eight take the scalar path.
void error_sums_rows(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t cols, int64_t r0, int64_t r1,
                     fp4lab_error_sums* s) {
  __m512d err2 = _mm512_setzero_pd(), abs_err = err2, max_abs = err2, ref2 = err2, approx2 = err2, dot = err2;
  const int64_t whole = cols / 8 * 8;
  for (int64_t r = r0; r < r1; r++) {
    const float* x_row = ref + r * ref_stride;
    const float* d_row = approx + r * approx_stride;
    for (int64_t c = 0; c < whole; c += 8) {
      const __m512d x = _mm512_cvtps_pd(_mm256_loadu_ps(x_row + c));
      const __m512d d = _mm512_cvtps_pd(_mm256_loadu_ps(d_row + c));
      const __m512d e = _mm512_sub_pd(d, x);
      const __m512d ae = abs_pd(e);
      err2 = _mm512_add_pd(err2, _mm512_mul_pd(e, e));
      abs_err = _mm512_add_pd(abs_err, ae);
      max_abs = _mm512_max_pd(max_abs, ae);
      ref2 = _mm512_add_pd(ref2, _mm512_mul_pd(x, x));
      approx2 = _mm512_add_pd(approx2, _mm512_mul_pd(d, d));
      dot = _mm512_add_pd(dot, _mm512_mul_pd(x, d));
    }
  }
  alignas(64) double lanes[6][8];
  _mm512_store_pd(lanes[0], err2);
  _mm512_store_pd(lanes[1], abs_err);
  _mm512_store_pd(lanes[2], max_abs);
  _mm512_store_pd(lanes[3], ref2);
  _mm512_store_pd(lanes[4], approx2);
  _mm512_store_pd(lanes[5], dot);
  for (int l = 0; l < 8; l++) {
    s->sum_err2 += lanes[0][l];
    s->sum_abs_err += lanes[1][l];
    s->max_abs_err = std::max(s->max_abs_err, lanes[2][l]);
    s->sum_ref2 += lanes[3][l];
    s->sum_approx2 += lanes[4][l];
    s->sum_dot += lanes[5][l];
  }
  if (whole < cols) error_sums_rows_scalar(ref + whole, ref_stride, approx + whole, approx_stride, cols - whole, r0, r1, s);
}

}  // namespace

const AnalysisKernels& analysis_kernels_avx512() {
  static const AnalysisKernels table = {reduce_rows, error_sums_rows, pool_band};
  return table;
}

}  // namespace fp4lab
