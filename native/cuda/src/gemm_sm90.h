// The Hopper wgmma GEMM's launcher (gemm_sm90.cu, built for sm_90a only).
#pragma once

#include <cuda_runtime.h>

#include <cstdint>

namespace fp4lab {
namespace sm90 {

struct GemmArgs {
  const void* map_a;  // CUtensorMap of A [M x K] bf16, box box_cols() x box_rows_a(), 128B swizzle
  const void* map_b;  // CUtensorMap of B [N x K] bf16, box box_cols() x box_rows_b(cluster)
  void* out;
  int M, N, K;
  int64_t ldo;
  float nc_a, nc_b;
  int fused_alpha;
  int out_dtype;  // fp4lab_cuda_dtype
  int stages;     // 3 or 4
  int cluster;    // 1 or 2 (B multicast across two CTAs)
  int sms;
  float* sk_ws;   // stream-K partials (stream_k_workspace_bytes), or null for whole tiles only
  int* sk_flags;  // 2 * sms ints, zero between launches
};

bool compiled();
int box_rows_a();
int box_rows_b(int cluster);
int box_cols();
size_t stream_k_workspace_bytes(int sms);
cudaError_t launch(const GemmArgs& args, cudaStream_t stream);

}  // namespace sm90
}  // namespace fp4lab
