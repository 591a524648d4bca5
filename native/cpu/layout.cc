// The blocked scale layout as whole-matrix conversions, and what the CPU supports.
#include <cstdio>
#include <cstring>

#include "errors.h"
#include "fp4lab.h"
#include "isa.h"
#include "parallel.h"

namespace {

fp4lab_status check_scale_shape(int64_t rows, int64_t scale_cols, const void* a, const void* b, fp4lab_error* err) {
  if (a == nullptr || b == nullptr) return fp4lab::set_error(err, FP4LAB_INVALID_ARGUMENT, "scale buffers are NULL");
  if (rows <= 0 || scale_cols <= 0 || rows % 128 != 0 || scale_cols % 4 != 0) {
    return fp4lab::set_error(err, FP4LAB_INVALID_ARGUMENT,
                             "the blocked scale layout needs rows %% 128 == 0 and scale columns %% 4 == 0; got [%lld, %lld]",
                             static_cast<long long>(rows), static_cast<long long>(scale_cols));
  }
  return FP4LAB_OK;
}

}  // namespace

extern "C" fp4lab_status fp4lab_swizzle_scales(const uint8_t* row_major, int64_t rows, int64_t scale_cols, uint8_t* blocked, fp4lab_error* err) {
  const fp4lab_status status = check_scale_shape(rows, scale_cols, row_major, blocked, err);
  if (status != FP4LAB_OK) return status;
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c = 0; c < scale_cols; c += 4) std::memcpy(blocked + fp4lab_blocked_scale_index(r, c, scale_cols), row_major + r * scale_cols + c, 4);
  }
  return FP4LAB_OK;
}

extern "C" fp4lab_status fp4lab_unswizzle_scales(const uint8_t* blocked, int64_t rows, int64_t scale_cols, uint8_t* row_major, fp4lab_error* err) {
  const fp4lab_status status = check_scale_shape(rows, scale_cols, blocked, row_major, err);
  if (status != FP4LAB_OK) return status;
  for (int64_t r = 0; r < rows; r++) {
    for (int64_t c = 0; c < scale_cols; c += 4) std::memcpy(row_major + r * scale_cols + c, blocked + fp4lab_blocked_scale_index(r, c, scale_cols), 4);
  }
  return FP4LAB_OK;
}

extern "C" void fp4lab_get_cpu_info(fp4lab_cpu_info* info) {
  if (info == nullptr) return;
  info->best_isa = fp4lab::detected_isa();
  info->hardware_threads = fp4lab::hardware_threads();
  const char* what = "portable C++";
  switch (info->best_isa) {
    case FP4LAB_ISA_AVX512_BF16: what = "AVX-512 + AVX512_BF16"; break;
    case FP4LAB_ISA_AVX512: what = "AVX-512"; break;
    case FP4LAB_ISA_AVX2: what = "AVX2 + FMA"; break;
    default: break;
  }
  std::snprintf(info->description, sizeof info->description, "%s, %d threads", what, info->hardware_threads);
}
