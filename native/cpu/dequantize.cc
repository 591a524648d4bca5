// fp4lab_dequantize: value(code) * scale in fp32, then * normconst in fp32 (NUMERICS.md §7), for
// the top-left out_rows x out_cols corner, rows spread over the threads.
#include <algorithm>
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
namespace {

fp4lab_status dequantize(const fp4lab_packed* q, int32_t apply_normconst, int64_t out_rows, int64_t out_cols, float* out, const fp4lab_exec* exec,
                         fp4lab_error* err) {
  if (q == nullptr || q->e2m1 == nullptr || q->sf == nullptr || out == nullptr) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "dequantize: the packed matrix and the output are required");
  }
  if (q->format != FP4LAB_NVFP4 && q->format != FP4LAB_MXFP4) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "fp4_format must be nvfp4 or mxfp4; got %d", static_cast<int>(q->format));
  }
  const int block = static_cast<int>(fp4lab_block_size(q->format));
  if (q->padded_rows <= 0 || q->padded_cols <= 0 || q->padded_rows % 128 != 0 || q->padded_cols % (4 * block) != 0) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "padded shape [%lld, %lld] must be positive multiples of [128, %d]",
                     static_cast<long long>(q->padded_rows), static_cast<long long>(q->padded_cols), 4 * block);
  }
  if (out_rows <= 0 || out_cols <= 0 || out_rows > q->padded_rows || out_cols > q->padded_cols) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "output shape [%lld, %lld] must fit in the padded shape [%lld, %lld]",
                     static_cast<long long>(out_rows), static_cast<long long>(out_cols), static_cast<long long>(q->padded_rows),
                     static_cast<long long>(q->padded_cols));
  }
  fp4lab_isa isa;
  fp4lab_status status = resolve_isa(exec != nullptr ? exec->isa : FP4LAB_ISA_AUTO, &isa, err);
  if (status != FP4LAB_OK) return status;
  const GemmKernels& kern = gemm_kernels_for(isa, false);

  float scale_values[256];
  for (int b = 0; b < 256; b++) scale_values[b] = q->format == FP4LAB_NVFP4 ? e4m3_decode(static_cast<uint8_t>(b)) : ue8m0_decode(static_cast<uint8_t>(b));
  const DecodeSource src{q, scale_values, block, q->padded_cols / block};
  const float nc = apply_normconst != 0 && q->format == FP4LAB_NVFP4 ? q->normconst : 1.0f;
  const int64_t decoded_cols = (out_cols + block - 1) / block * block;

  advise_output_pages(out, sizeof(float) * static_cast<size_t>(out_rows * out_cols));
  Job job(exec);
  std::vector<std::vector<float>> tmp(static_cast<size_t>(job.threads()));
  if (decoded_cols != out_cols) {
    for (auto& t : tmp) t.resize(static_cast<size_t>(decoded_cols));
  }
  const int64_t rows_per_task = std::max<int64_t>(1, (int64_t{1} << 16) / decoded_cols);
  const int64_t ntasks = (out_rows + rows_per_task - 1) / rows_per_task;
  job.set_total_work(out_rows);
  const bool ok = job.parallel_for(ntasks, [&](int64_t task, int worker) {
    const int64_t r_end = std::min(out_rows, (task + 1) * rows_per_task);
    for (int64_t r = task * rows_per_task; r < r_end; r++) {
      float* dst = out + r * out_cols;
      if (decoded_cols == out_cols) {
        kern.decode_row(src, r, 0, decoded_cols, nc, dst);
      } else {
        float* t = tmp[static_cast<size_t>(worker)].data();
        kern.decode_row(src, r, 0, decoded_cols, nc, t);
        std::memcpy(dst, t, sizeof(float) * static_cast<size_t>(out_cols));
      }
    }
    job.add_work(r_end - task * rows_per_task);
  });
  if (!ok) return set_error(err, FP4LAB_CANCELLED, "dequantize was cancelled");
  return FP4LAB_OK;
}

}  // namespace
}  // namespace fp4lab

extern "C" fp4lab_status fp4lab_dequantize(const fp4lab_packed* q, int32_t apply_normconst, int64_t out_rows, int64_t out_cols, float* out,
                                           const fp4lab_exec* exec, fp4lab_error* err) {
  try {
    return fp4lab::dequantize(q, apply_normconst, out_rows, out_cols, out, exec, err);
  } catch (const std::bad_alloc&) {
    return fp4lab::set_error(err, FP4LAB_OUT_OF_MEMORY, "dequantize: out of memory");
  } catch (...) {
    return fp4lab::set_error(err, FP4LAB_INTERNAL, "dequantize: internal error");
  }
}
