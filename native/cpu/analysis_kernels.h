// The analysis reductions' inner loops, one table per instruction set. analysis.cc owns the
// argument checks, the partition into tasks and the combination of their results; a table
// reduces a chunk of rows of a side, or pools a run of heatmap cells. Every table computes the
// same block maps, counts and pooled cells as app/analysis (bit for bit); only the order in which
// a chunk's metric sums are added differs between tables.
#pragma once

#include <cstdint>
#include <vector>

#include "fp4lab.h"

namespace fp4lab {

// A log-bin grid (fp4lab_log_bins) prepared for lookups: positive floats order like their bits,
// so a value's bin is the number of threshold bits <= its bits, minus one. bucket_bin[u] is the
// bin of the smallest float with top bits u (exponent and 4 mantissa bits); from there a value
// is a step or two from its bin (for the app's grids, which are at least an eighth octave apart;
// any ascending thresholds give the right bin, closer ones only take more steps).
struct LogBinLookup {
  std::vector<uint32_t> threshold_bits;  // count() thresholds, then 0xffffffff (above every value looked up)
  std::vector<int32_t> bucket_bin;
  static constexpr int kBucketShift = 19;
  static constexpr int kBuckets = 1 << (31 - kBucketShift);

  bool enabled() const { return !threshold_bits.empty(); }
  int32_t count() const { return static_cast<int32_t>(threshold_bits.size()) - 1; }
};

// What every chunk of a side reduction shares.
struct SideSetup {
  const fp4lab_side_input* in;
  int64_t grid_cols;
  double per_bin;                  // histogram_bins / (hi - lo)
  const LogBinLookup* scale_bins;  // NULL = not wanted
  const LogBinLookup* mse_bins;
  bool count_selection;
  float* block_mse;
  float* block_max_abs;
};

// The metric sums and amax of one chunk of rows (a fixed partition: chunks are added up in order).
struct SidePartial {
  fp4lab_error_sums sums{};
  float amax = 0.0f;
};

// Integer counts of one worker: exact in any order, so each worker keeps its own.
struct SideCounts {
  // kScaledCopies interleaved histograms of bins + 2 slots (bins, overflow, below lo), so that
  // runs of one bin do not wait on their own increments.
  static constexpr int kScaledCopies = 4;
  int64_t scaled_stride = 0;
  std::vector<int64_t> scaled;
  std::vector<int64_t> scale_bins;  // grid count + 1 (the last: no bin)
  std::vector<int64_t> mse_bins;
  int64_t choosing4 = 0;
};

// Cells per pool_band call: their running values stay in L1 while the band's rows stream by.
constexpr int64_t kPoolBandCells = 64;

struct AnalysisKernels {
  // Rows [r0, r1) of the side: block maps written, sums into *partial, counts into *counts.
  void (*reduce_rows)(const SideSetup& setup, int64_t r0, int64_t r1, SidePartial* partial, SideCounts* counts);
  // The metric sums alone of rows [r0, r1) of (ref, approx), cols values each, into *sums
  // (everything but count).
  void (*error_sums_rows)(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t cols, int64_t r0, int64_t r1,
                          fp4lab_error_sums* sums);
  // Cells [j0, j1) (at most kPoolBandCells) of one heatmap row spanning field rows [ra, rb),
  // cell j spanning columns [col_start[j], col_start[j + 1]), for every request: written to
  // requests[k].out[row_offset + j]. The band is read row by row (a row's part of the band is
  // contiguous, so it streams from memory) and each row serves every request while it is in cache.
  void (*pool_band)(const fp4lab_pool_request* requests, int32_t count, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1,
                    int64_t row_offset);
};

const AnalysisKernels& analysis_kernels_portable();
#ifdef FP4LAB_HAVE_X86_KERNELS
const AnalysisKernels& analysis_kernels_avx512();
#endif

}  // namespace fp4lab
