// fp4_matmul on the GPU: out = a @ b^T from packed operands (NUMERICS.md section 7).
//
// Paths (fp4lab_cuda_gemm_path): on Hopper the operands are dequantized to bf16 (exact: an E2M1
// value times its E4M3/E8M0 scale fits bf16) and multiplied by our wgmma kernel, whose epilogue
// applies the normconsts as the reference does; cuBLASLt's bf16 GEMM is the portable path (fp32
// intermediate + an epilogue pass for the exact normconsts); on Blackwell, cuBLASLt's block-scaled
// FP4 GEMM (and CUTLASS's, when built with it) multiply the packed bytes directly.
#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstring>

#include "common.h"
#include "cublaslt_api.h"
#include "gemm_cutlass.h"
#include "gemm_sm90.h"
#include "ops.h"

namespace fp4lab {
namespace {

constexpr int kThreads = 256;

// out[rows x cols] = cast(fp32(acc * nc_b)) where acc (row stride ld) already holds
// fp32(sum * nc_a) from the library's alpha: the reference's second rounding, then the cast.
template <typename OutT>
__global__ void epilogue_kernel(const float* __restrict__ acc, int64_t ld, int64_t rows, int64_t cols, float nc_b, OutT* __restrict__ out) {
  const int64_t n = rows * cols;
  for (int64_t i = (int64_t)blockIdx.x * blockDim.x + threadIdx.x; i < n; i += (int64_t)gridDim.x * blockDim.x) {
    const int64_t r = i / cols, c = i - r * cols;
    const float v = __fmul_rn(__ldcs(acc + r * ld + c), nc_b);
    if constexpr (sizeof(OutT) == 4) out[i] = v;
    else if constexpr (std::is_same<OutT, __nv_bfloat16>::value) out[i] = __float2bfloat16_rn(v);
    else out[i] = __float2half_rn(v);
  }
}

int32_t launch_epilogue(fp4lab_cuda_context* ctx, const float* acc, int64_t ld, int64_t rows, int64_t cols, float nc_b, int32_t dtype, void* out) {
  const int64_t n = rows * cols;
  const int grid = (int)std::max<int64_t>(1, std::min<int64_t>((n + kThreads - 1) / kThreads, (int64_t)ctx->props.multiProcessorCount * 16));
  if (dtype == FP4LAB_CUDA_F32) epilogue_kernel<<<grid, kThreads, 0, ctx->stream>>>(acc, ld, rows, cols, nc_b, static_cast<float*>(out));
  else if (dtype == FP4LAB_CUDA_BF16) epilogue_kernel<<<grid, kThreads, 0, ctx->stream>>>(acc, ld, rows, cols, nc_b, static_cast<__nv_bfloat16*>(out));
  else epilogue_kernel<<<grid, kThreads, 0, ctx->stream>>>(acc, ld, rows, cols, nc_b, static_cast<__half*>(out));
  FP4_LAUNCH_CHECK("epilogue_kernel");
  return FP4LAB_CUDA_OK;
}

cudaDataType_t cuda_type(int32_t dtype) {
  return dtype == FP4LAB_CUDA_F32 ? CUDA_R_32F : dtype == FP4LAB_CUDA_BF16 ? CUDA_R_16BF : CUDA_R_16F;
}

int32_t ensure_cublaslt(fp4lab_cuda_context* ctx) {
  if (ctx->lt_status == -1) ctx->lt_status = load_cublaslt(&ctx->lt);
  if (ctx->lt_status != FP4LAB_CUDA_OK) return fail(FP4LAB_CUDA_UNAVAILABLE, "cuBLASLt is not available on this machine");
  return FP4LAB_CUDA_OK;
}

// One cuBLASLt matmul in the row-major "TN" form: D[M x N] = alpha * X[M x K] @ Y[N x K]^T.
// cuBLASLt is column-major, so it computes D^T = Y @ X^T: its A is Y (op T), its B is X.
struct LtOperand {
  const void* data;
  cudaDataType_t type;
  int64_t ld;            // elements
  const void* scales;    // block-scaled FP4 only
};

int32_t lt_matmul(fp4lab_cuda_context* ctx, const LtOperand& x, const LtOperand& y, int64_t M, int64_t N, int64_t K, float alpha,
                  void* d, cudaDataType_t d_type, int32_t scale_mode) {
  FP4_TRY(ensure_cublaslt(ctx));
  const lt::Api& a = ctx->lt->api;
  lt::MatmulDesc desc = nullptr;
  lt::MatrixLayout la = nullptr, lb = nullptr, ld = nullptr;
  lt::Preference pref = nullptr;
  int32_t st = FP4LAB_CUDA_OK;
  const int32_t op_t = lt::kOpT, op_n = lt::kOpN;
  size_t ws = 64ull << 20;
  lt::HeuristicResult heur{};
  int found = 0;
  const float beta = 0.0f;
#define LT_CHECK(call)                                                                                   \
  do {                                                                                                   \
    lt::Status s_ = (call);                                                                              \
    if (s_ != lt::kSuccess) {                                                                            \
      st = fail(s_ == 15 ? FP4LAB_CUDA_UNAVAILABLE : FP4LAB_CUDA_CUDA_ERROR, "cuBLASLt: %s returned %d", #call, s_); \
      goto done;                                                                                         \
    }                                                                                                    \
  } while (0)
  LT_CHECK(a.MatmulDescCreate(&desc, lt::kComputeF32, CUDA_R_32F));
  LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescTransA, &op_t, sizeof op_t));
  LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescTransB, &op_n, sizeof op_n));
  if (scale_mode) {
    // Both operands' scale modes must be set: an unset mode silently reads the scales wrong.
    LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescAScaleMode, &scale_mode, sizeof scale_mode));
    LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescBScaleMode, &scale_mode, sizeof scale_mode));
    LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescAScalePointer, &y.scales, sizeof y.scales));
    LT_CHECK(a.MatmulDescSetAttribute(desc, lt::kDescBScalePointer, &x.scales, sizeof x.scales));
  }
  LT_CHECK(a.MatrixLayoutCreate(&la, y.type, K, N, y.ld));
  LT_CHECK(a.MatrixLayoutCreate(&lb, x.type, K, M, x.ld));
  LT_CHECK(a.MatrixLayoutCreate(&ld, d_type, N, M, N));
  LT_CHECK(a.MatmulPreferenceCreate(&pref));
  LT_CHECK(a.MatmulPreferenceSetAttribute(pref, lt::kPrefMaxWorkspaceBytes, &ws, sizeof ws));
  LT_CHECK(a.MatmulAlgoGetHeuristic(ctx->lt->handle, desc, la, lb, ld, ld, pref, 1, &heur, &found));
  if (found == 0) {
    st = fail(FP4LAB_CUDA_UNAVAILABLE, "cuBLASLt has no algorithm for this matmul on this GPU");
    goto done;
  }
  if (ctx->lt_workspace.reserve(heur.workspaceSize) != FP4LAB_CUDA_OK) {
    st = FP4LAB_CUDA_OUT_OF_MEMORY;
    goto done;
  }
  LT_CHECK(a.Matmul(ctx->lt->handle, desc, &alpha, y.data, la, x.data, lb, &beta, d, ld, d, ld, &heur.algo, ctx->lt_workspace.ptr,
                    heur.workspaceSize, ctx->stream));
#undef LT_CHECK
done:
  if (pref) a.MatmulPreferenceDestroy(pref);
  if (ld) a.MatrixLayoutDestroy(ld);
  if (lb) a.MatrixLayoutDestroy(lb);
  if (la) a.MatrixLayoutDestroy(la);
  if (desc) a.MatmulDescDestroy(desc);
  return st;
}

using EncodeTiled = CUresult (*)(CUtensorMap*, CUtensorMapDataType, cuuint32_t, void*, const cuuint64_t*, const cuuint64_t*,
                                 const cuuint32_t*, const cuuint32_t*, CUtensorMapInterleave, CUtensorMapSwizzle,
                                 CUtensorMapL2promotion, CUtensorMapFloatOOBfill);

int32_t make_bf16_map(CUtensorMap* map, const void* data, int64_t rows, int64_t cols, int box_rows, int box_cols) {
  static EncodeTiled encode = nullptr;
  if (!encode) {
    void* fn = nullptr;
    cudaDriverEntryPointQueryResult q{};
    FP4_CUDA_TRY(cudaGetDriverEntryPointByVersion("cuTensorMapEncodeTiled", &fn, 12000, cudaEnableDefault, &q));
    if (!fn || q != cudaDriverEntryPointSuccess) return fail(FP4LAB_CUDA_NO_DRIVER, "the driver has no cuTensorMapEncodeTiled (driver too old for Hopper TMA)");
    encode = reinterpret_cast<EncodeTiled>(fn);
  }
  const cuuint64_t dims[2] = {(cuuint64_t)cols, (cuuint64_t)rows};
  const cuuint64_t strides[1] = {(cuuint64_t)cols * 2};
  const cuuint32_t box[2] = {(cuuint32_t)box_cols, (cuuint32_t)box_rows};
  const cuuint32_t elem[2] = {1, 1};
  const CUresult r = encode(map, CU_TENSOR_MAP_DATA_TYPE_BFLOAT16, 2, const_cast<void*>(data), dims, strides, box, elem,
                            CU_TENSOR_MAP_INTERLEAVE_NONE, CU_TENSOR_MAP_SWIZZLE_128B, CU_TENSOR_MAP_L2_PROMOTION_L2_256B,
                            CU_TENSOR_MAP_FLOAT_OOB_FILL_NONE);
  if (r != CUDA_SUCCESS) return fail(FP4LAB_CUDA_CUDA_ERROR, "cuTensorMapEncodeTiled failed (%d) for a [%lld, %lld] bf16 operand", (int)r, (long long)rows, (long long)cols);
  return FP4LAB_CUDA_OK;
}

bool device_has_wgmma(const fp4lab_cuda_context* ctx) { return ctx->props.major == 9 && ctx->props.minor == 0; }
bool device_has_fp4_mma(const fp4lab_cuda_context* ctx) { return ctx->props.major == 10 || ctx->props.major == 12; }

}  // namespace

bool wgmma_compiled() { return sm90::compiled(); }

// The bf16 x bf16 -> out GEMM of dequantized operands by our wgmma kernel (also the benchmark's
// "GEMM alone" row).
int32_t wgmma_bf16_gemm(fp4lab_cuda_context* ctx, const void* a, const void* b, int64_t M, int64_t N, int64_t K, float nc_a, float nc_b,
                        bool fused_alpha, int32_t out_dtype, void* out) {
  const int stages = ctx->wgmma_stages, cluster = ctx->wgmma_cluster;
  if (!device_has_wgmma(ctx)) return fail(FP4LAB_CUDA_UNAVAILABLE, "the wgmma GEMM needs a Hopper GPU (sm_90); this is sm_%d%d", ctx->props.major, ctx->props.minor);
  if (K % sm90::box_cols() != 0) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "wgmma GEMM: K = %lld must be a multiple of %d", (long long)K, sm90::box_cols());
  if (M >= (1ll << 31) || N >= (1ll << 31) || K >= (1ll << 31)) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "wgmma GEMM: dimensions must be below 2^31");
  CUtensorMap map_a, map_b;
  FP4_TRY(make_bf16_map(&map_a, a, M, K, sm90::box_rows_a(), sm90::box_cols()));
  FP4_TRY(make_bf16_map(&map_b, b, N, K, sm90::box_rows_b(cluster), sm90::box_cols()));
  sm90::GemmArgs g{&map_a, &map_b, out, (int)M, (int)N, (int)K, N, nc_a, nc_b, fused_alpha ? 1 : 0, out_dtype, stages, cluster,
                   ctx->props.multiProcessorCount, nullptr, nullptr};
  if (ctx->wgmma_streamk && cluster == 1) {
    const int sms = ctx->props.multiProcessorCount;
    const size_t ws = sm90::stream_k_workspace_bytes(sms), flags = (size_t)sms * 2 * sizeof(int);
    if (ctx->gemm_sk.bytes < ws + flags) {
      FP4_TRY(ctx->gemm_sk.reserve(ws + flags));
      FP4_CUDA_TRY(cudaMemsetAsync(ctx->gemm_sk.as<uint8_t>() + ws, 0, flags, ctx->stream));
    }
    g.sk_ws = ctx->gemm_sk.as<float>();
    g.sk_flags = reinterpret_cast<int*>(ctx->gemm_sk.as<uint8_t>() + ws);
  }
  FP4_CUDA_TRY(sm90::launch(g, ctx->stream));
  return FP4LAB_CUDA_OK;
}

int32_t cublaslt_bf16_gemm(fp4lab_cuda_context* ctx, const void* a, const void* b, int64_t M, int64_t N, int64_t K, float alpha,
                           int32_t out_dtype, void* out) {
  return lt_matmul(ctx, {a, CUDA_R_16BF, K, nullptr}, {b, CUDA_R_16BF, K, nullptr}, M, N, K, alpha, out, cuda_type(out_dtype), 0);
}

uint32_t gemm_paths_for(fp4lab_cuda_context* ctx, uint32_t* unverified, int32_t* default_path) {
  uint32_t paths = 0;
  *unverified = 0;
  if (device_has_wgmma(ctx) && wgmma_compiled()) paths |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_WGMMA_SM90);
  const bool lt_ok = ensure_cublaslt(ctx) == FP4LAB_CUDA_OK;
  clear_error();
  if (lt_ok) paths |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUBLASLT_BF16);
  if (lt_ok && device_has_fp4_mma(ctx)) {
    paths |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUBLASLT_FP4);
    *unverified |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUBLASLT_FP4);
  }
  if (cutlass_gemm::compiled() && ctx->props.major == 10) {
    paths |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUTLASS_FP4);
    *unverified |= FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUTLASS_FP4);
  }
  if (paths & FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_WGMMA_SM90)) *default_path = FP4LAB_CUDA_GEMM_WGMMA_SM90;
  else if (paths & FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUBLASLT_FP4)) *default_path = FP4LAB_CUDA_GEMM_CUBLASLT_FP4;
  else if (paths & FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_CUBLASLT_BF16)) *default_path = FP4LAB_CUDA_GEMM_CUBLASLT_BF16;
  else *default_path = FP4LAB_CUDA_GEMM_AUTO;  // none
  return paths;
}

int32_t matmul_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b, const fp4lab_cuda_matmul_options* o,
                      void* out) {
  FP4_TRY(check_packed(a, "a"));
  FP4_TRY(check_packed(b, "b"));
  if (!o || !out) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "matmul: options and out are required");
  if (a->fp4_format != b->fp4_format) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "a is %s but b is %s; both sides need the same fp4_format", a->fp4_format ? "mxfp4" : "nvfp4", b->fp4_format ? "mxfp4" : "nvfp4");
  if (a->cols != b->cols)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "fp4_matmul computes a @ b.T, so a and b need the same number of columns (K); got a [%lld, %lld] and b [%lld, %lld]",
                (long long)a->rows, (long long)a->cols, (long long)b->rows, (long long)b->cols);
  if (o->out_dtype < 0 || o->out_dtype > 2) return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out_dtype must be 0 (f32), 1 (bf16) or 2 (f16); got %d", o->out_dtype);
  const int64_t M = o->out_rows ? o->out_rows : a->padded_rows, N = o->out_cols ? o->out_cols : b->padded_rows;
  if (M <= 0 || N <= 0 || M > a->padded_rows || N > b->padded_rows)
    return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "out_shape [%lld, %lld] must be positive and at most the padded product [%lld, %lld]", (long long)M,
                (long long)N, (long long)a->padded_rows, (long long)b->padded_rows);
  FP4_TRY(ensure_device(ctx));
  // Columns past the shorter side's padded K multiply zeros: skipping them is exact.
  const int64_t K = std::min(a->padded_cols, b->padded_cols);
  const bool exact = o->epilogue != FP4LAB_CUDA_EPILOGUE_FUSED_ALPHA;
  const float alpha = a->normconst * b->normconst;  // fp32 product (fused-alpha mode only)

  int32_t path = o->path;
  if (path == FP4LAB_CUDA_GEMM_AUTO) {
    uint32_t unverified;
    gemm_paths_for(ctx, &unverified, &path);
    if (path == FP4LAB_CUDA_GEMM_AUTO) return fail(FP4LAB_CUDA_UNAVAILABLE, "no GEMM path on this GPU: not Hopper, and cuBLASLt could not be loaded");
  }

  if (path == FP4LAB_CUDA_GEMM_CUBLASLT_FP4) {
    if (!device_has_fp4_mma(ctx)) return fail(FP4LAB_CUDA_UNAVAILABLE, "cuBLASLt FP4 GEMM needs a Blackwell GPU (sm_100/sm_120); this is sm_%d%d", ctx->props.major, ctx->props.minor);
    if (a->padded_cols != b->padded_cols) return fail(FP4LAB_CUDA_UNAVAILABLE, "cuBLASLt FP4 GEMM needs both operands padded to the same K");
    const int32_t mode = a->fp4_format == FP4LAB_CUDA_NVFP4 ? lt::kScaleVec16UE4M3 : lt::kScaleVec32UE8M0;
    const LtOperand x{a->e2m1, CUDA_R_4F_E2M1, a->padded_cols, a->sf}, y{b->e2m1, CUDA_R_4F_E2M1, b->padded_cols, b->sf};
    // The padded operands (multiples of 128 rows, as the scale layout is) into an fp32
    // intermediate; the epilogue pass crops, applies nc_b (exact) and casts.
    const int64_t Mp = a->padded_rows, Np = b->padded_rows;
    FP4_TRY(ctx->gemm_acc.reserve((size_t)Mp * Np * 4));
    FP4_TRY(lt_matmul(ctx, x, y, Mp, Np, K, exact ? a->normconst : alpha, ctx->gemm_acc.ptr, CUDA_R_32F, mode));
    return launch_epilogue(ctx, ctx->gemm_acc.as<float>(), Np, M, N, exact ? b->normconst : 1.0f, o->out_dtype, out);
  }
  if (path == FP4LAB_CUDA_GEMM_CUTLASS_FP4) {
    if (!cutlass_gemm::compiled()) return fail(FP4LAB_CUDA_UNAVAILABLE, "this library was built without CUTLASS (set CUTLASS_DIR when building)");
    if (ctx->props.major != 10) return fail(FP4LAB_CUDA_UNAVAILABLE, "the CUTLASS FP4 GEMM is built for sm_100a; this is sm_%d%d", ctx->props.major, ctx->props.minor);
    if (a->padded_cols != b->padded_cols) return fail(FP4LAB_CUDA_UNAVAILABLE, "the CUTLASS FP4 GEMM needs both operands padded to the same K");
    if (a->fp4_format != FP4LAB_CUDA_NVFP4) return fail(FP4LAB_CUDA_UNAVAILABLE, "the CUTLASS FP4 GEMM is built for NVFP4; MXFP4 uses cuBLASLt's FP4 path");
    // CUTLASS wants 16-byte aligned rows of D: multiply the padded operands (multiples of 128
    // rows) into an fp32 intermediate and crop in the epilogue pass, which also applies nc_b.
    const int64_t Mp = a->padded_rows, Np = b->padded_rows;
    FP4_TRY(ctx->gemm_acc.reserve((size_t)Mp * Np * 4));
    const cutlass_gemm::Args args{a->e2m1, a->sf, b->e2m1, b->sf, Mp, Np, K, a->fp4_format, exact ? a->normconst : alpha, ctx->gemm_acc.ptr, FP4LAB_CUDA_F32};
    FP4_CUDA_TRY(cutlass_gemm::run(args, ctx->stream));
    return launch_epilogue(ctx, ctx->gemm_acc.as<float>(), Np, M, N, exact ? b->normconst : 1.0f, o->out_dtype, out);
  }

  // The bf16 paths: dequantize both operands (without normconsts), exactly.
  FP4_TRY(ctx->gemm_a.reserve((size_t)M * K * 2));
  FP4_TRY(ctx->gemm_b.reserve((size_t)N * K * 2));
  FP4_TRY(dequantize_pair_bf16(ctx, a, M, ctx->gemm_a.ptr, b, N, ctx->gemm_b.ptr, K));
  if (path == FP4LAB_CUDA_GEMM_WGMMA_SM90) {
    if (!wgmma_compiled()) return fail(FP4LAB_CUDA_UNAVAILABLE, "this library was built without sm_90a code");
    return wgmma_bf16_gemm(ctx, ctx->gemm_a.ptr, ctx->gemm_b.ptr, M, N, K, a->normconst, b->normconst, !exact, o->out_dtype, out);
  }
  if (path == FP4LAB_CUDA_GEMM_CUBLASLT_BF16) {
    // cuBLASLt has no bf16 x bf16 -> fp16 GEMM: fp16 goes through the fp32 intermediate too.
    if (!exact && o->out_dtype != FP4LAB_CUDA_F16) return cublaslt_bf16_gemm(ctx, ctx->gemm_a.ptr, ctx->gemm_b.ptr, M, N, K, alpha, o->out_dtype, out);
    if (!exact) {
      FP4_TRY(ctx->gemm_acc.reserve((size_t)M * N * 4));
      FP4_TRY(cublaslt_bf16_gemm(ctx, ctx->gemm_a.ptr, ctx->gemm_b.ptr, M, N, K, alpha, FP4LAB_CUDA_F32, ctx->gemm_acc.ptr));
      return launch_epilogue(ctx, ctx->gemm_acc.as<float>(), N, M, N, 1.0f, o->out_dtype, out);
    }
    FP4_TRY(ctx->gemm_acc.reserve((size_t)M * N * 4));
    FP4_TRY(cublaslt_bf16_gemm(ctx, ctx->gemm_a.ptr, ctx->gemm_b.ptr, M, N, K, a->normconst, FP4LAB_CUDA_F32, ctx->gemm_acc.ptr));
    return launch_epilogue(ctx, ctx->gemm_acc.as<float>(), N, M, N, b->normconst, o->out_dtype, out);
  }
  return fail(FP4LAB_CUDA_INVALID_ARGUMENT, "unknown GEMM path %d", path);
}

}  // namespace fp4lab
