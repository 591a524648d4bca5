// Blackwell (sm_100a) block-scaled FP4 GEMM through CUTLASS (>= 3.9; built only when CUTLASS_DIR
// is given, never vendored). D = alpha * (A @ B^T) in fp32, A [M x K] and B [N x K] row-major
// E2M1 with their scale bytes in the 128x4 blocked layout that CUTLASS's Sm1xxBlkScaledConfig
// describes (NUMERICS.md section 5). The caller (gemm.cu) applies nc_b and the cast in its
// epilogue pass, so the normconsts are applied as the reference does. UNVERIFIED AT RUN TIME:
// compiled, never run on a Blackwell GPU by our tests.
#include <cuda_runtime.h>

#include "gemm_cutlass.h"

#include "cutlass/cutlass.h"
#include "cute/tensor.hpp"
#include "cutlass/detail/sm100_blockscaled_layout.hpp"
#include "cutlass/epilogue/collective/collective_builder.hpp"
#include "cutlass/gemm/collective/collective_builder.hpp"
#include "cutlass/gemm/device/gemm_universal_adapter.h"
#include "cutlass/gemm/dispatch_policy.hpp"
#include "cutlass/gemm/kernel/gemm_universal.hpp"
#include "cutlass/util/packed_stride.hpp"

namespace fp4lab {
namespace cutlass_gemm {
namespace {

using namespace cute;

// NVFP4: E2M1 values with a UE4M3 scale per 16 along K. Namespace-scope types, as CUTLASS's own
// examples declare them (its builders do not survive as members of a class template in nvcc's
// host pass).
using Element = ::cutlass::nv_float4_t<::cutlass::float_e2m1_t>;
using ElementD = float;
using Accumulator = float;
using Tile = Shape<_128, _128, _256>;
using Cluster = Shape<_1, _1, _1>;
constexpr int kAlignD = 128 / ::cutlass::sizeof_bits<ElementD>::value;
using CollectiveEpilogue = typename ::cutlass::epilogue::collective::CollectiveBuilder<
    ::cutlass::arch::Sm100, ::cutlass::arch::OpClassBlockScaledTensorOp, Tile, Cluster, ::cutlass::epilogue::collective::EpilogueTileAuto,
    Accumulator, Accumulator, ElementD, ::cutlass::layout::RowMajor, kAlignD, ElementD, ::cutlass::layout::RowMajor, kAlignD,
    ::cutlass::epilogue::collective::EpilogueScheduleAuto>::CollectiveOp;
using CollectiveMainloop = typename ::cutlass::gemm::collective::CollectiveBuilder<
    ::cutlass::arch::Sm100, ::cutlass::arch::OpClassBlockScaledTensorOp, Element, ::cutlass::layout::RowMajor, 32, Element,
    ::cutlass::layout::ColumnMajor, 32, Accumulator, Tile, Cluster,
    ::cutlass::gemm::collective::StageCountAutoCarveout<static_cast<int>(sizeof(typename CollectiveEpilogue::SharedStorage))>,
    ::cutlass::gemm::collective::KernelScheduleAuto>::CollectiveOp;
using GemmKernel = ::cutlass::gemm::kernel::GemmUniversal<Shape<int, int, int, int>, CollectiveMainloop, CollectiveEpilogue, void>;
using Gemm = ::cutlass::gemm::device::GemmUniversalAdapter<GemmKernel>;

cudaError_t run_nvfp4(const Args& a, cudaStream_t stream) {
  using Config = typename GemmKernel::CollectiveMainloop::Sm1xxBlkScaledConfig;
  const int M = (int)a.M, N = (int)a.N, K = (int)a.K;
  auto stride_a = ::cutlass::make_cute_packed_stride(typename GemmKernel::StrideA{}, {M, K, 1});
  auto stride_b = ::cutlass::make_cute_packed_stride(typename GemmKernel::StrideB{}, {N, K, 1});
  auto stride_d = ::cutlass::make_cute_packed_stride(typename GemmKernel::StrideD{}, {M, N, 1});
  auto layout_sfa = Config::tile_atom_to_shape_SFA(make_shape(M, N, K, 1));
  auto layout_sfb = Config::tile_atom_to_shape_SFB(make_shape(M, N, K, 1));
  using Data = typename Element::DataType;
  using Scale = typename Element::ScaleFactorType;
  typename Gemm::Arguments args{::cutlass::gemm::GemmUniversalMode::kGemm,
                                {M, N, K, 1},
                                {static_cast<const Data*>(a.a_e2m1), stride_a, static_cast<const Data*>(a.b_e2m1), stride_b,
                                 static_cast<const Scale*>(a.a_sf), layout_sfa, static_cast<const Scale*>(a.b_sf), layout_sfb},
                                {{a.alpha, 0.0f}, static_cast<const ElementD*>(a.out), stride_d, static_cast<ElementD*>(a.out), stride_d}};
  Gemm gemm;
  if (gemm.can_implement(args) != ::cutlass::Status::kSuccess) return cudaErrorNotSupported;
  const size_t ws = Gemm::get_workspace_size(args);
  void* workspace = nullptr;
  if (ws && cudaMallocAsync(&workspace, ws, stream) != cudaSuccess) return cudaErrorMemoryAllocation;
  ::cutlass::Status st = gemm.initialize(args, workspace, stream);
  if (st == ::cutlass::Status::kSuccess) st = gemm.run(stream);
  if (workspace) cudaFreeAsync(workspace, stream);
  return st == ::cutlass::Status::kSuccess ? cudaGetLastError() : cudaErrorLaunchFailure;
}

}  // namespace

bool compiled() { return true; }

cudaError_t run(const Args& a, cudaStream_t stream) {
  // fp32 D only (gemm.cu crops, applies nc_b and casts in its epilogue pass); NVFP4 only: MXFP4
  // goes through cuBLASLt's VEC32_UE8M0 path on Blackwell.
  if (a.out_dtype != 0 || a.format != 0) return cudaErrorNotSupported;
  return run_nvfp4(a, stream);
}

}  // namespace cutlass_gemm
}  // namespace fp4lab
