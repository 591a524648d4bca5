// The analysis reductions in plain C++ (analysis_scalar.h): what ARM and pre-AVX-512 machines
// run, and a second oracle for the AVX-512 table.
#include "analysis_kernels.h"
#include "analysis_scalar.h"

namespace fp4lab {
namespace {

void reduce_rows(const SideSetup& s, int64_t r0, int64_t r1, SidePartial* p, SideCounts* w) {
  for (int64_t r = r0; r < r1; r++) {
    for (int64_t b = 0; b < s.grid_cols; b++) reduce_block_scalar(s, r, b, p, w);
  }
  p->sums.count += static_cast<double>((r1 - r0) * s.in->cols);
}

void pool_band(const fp4lab_pool_request* requests, int32_t count, int64_t ra, int64_t rb, const int64_t* col_start, int64_t j0, int64_t j1,
               int64_t row_offset) {
  for (int32_t k = 0; k < count; k++) pool_band_scalar(requests[k], ra, rb, col_start, j0, j1, row_offset);
}

}  // namespace

const AnalysisKernels& analysis_kernels_portable() {
  static const AnalysisKernels table = {reduce_rows, error_sums_rows_scalar, pool_band};
  return table;
}

}  // namespace fp4lab
