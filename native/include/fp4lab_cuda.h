/*
 * libfp4lab_cuda: the GPU backend's C ABI (plain structs, no CUDA or N-API types).
 *
 * The addon loads the library with dlopen only when the GPU backend is asked for, resolves the
 * functions below by name, and wraps them as the `cuda` Backend (app/backends/backend.ts):
 *   quantize    -> fp4lab_cuda_quantize_host
 *   dequantize  -> fp4lab_cuda_dequantize_host
 *   matmul      -> fp4lab_cuda_matmul_host
 *   analysis    -> fp4lab_cuda_analyze_host (quantize + error reductions on the device; only the
 *                  small results come back, so a 100M-element tensor never returns in full)
 * The *_device variants take device pointers (the harness and benchmarks use them; a pipeline
 * that keeps tensors on the GPU can too).
 *
 * Numerics: NUMERICS.md, byte for byte with the TypeScript reference for quantize and
 * dequantize. matmul: fp32 accumulation (order free); with FP4LAB_CUDA_EPILOGUE_EXACT the
 * normconsts are applied as the reference does, fp32(fp32(acc * nc_a) * nc_b).
 *
 * Every function returns a status; none aborts the process. On failure,
 * fp4lab_cuda_last_error() gives a sentence naming the argument or CUDA call (thread-local,
 * valid until the next call on the same thread). A machine with no driver, no device or an
 * unsupported GPU is a status, never a crash.
 */
#ifndef FP4LAB_CUDA_H
#define FP4LAB_CUDA_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#if defined(_WIN32)
#define FP4LAB_CUDA_API __declspec(dllexport)
#else
#define FP4LAB_CUDA_API __attribute__((visibility("default")))
#endif

/* Bumped on any change of a struct or signature; the loader refuses a library of another version. */
#define FP4LAB_CUDA_ABI_VERSION 1

typedef enum fp4lab_cuda_status {
  FP4LAB_CUDA_OK = 0,
  FP4LAB_CUDA_NO_DRIVER = 1,        /* no NVIDIA driver, or one too old for this library's CUDA */
  FP4LAB_CUDA_NO_DEVICE = 2,        /* driver present, no CUDA device (or the index is out of range) */
  FP4LAB_CUDA_UNSUPPORTED_ARCH = 3, /* compute capability this build has no kernels for */
  FP4LAB_CUDA_INVALID_ARGUMENT = 4, /* a shape, byte count, kwarg or pointer is wrong (message says which) */
  FP4LAB_CUDA_OUT_OF_MEMORY = 5,
  FP4LAB_CUDA_NON_FINITE = 6,       /* the input holds NaN/Inf; see fp4lab_cuda_quantize_result.nonfinite_* */
  FP4LAB_CUDA_UNAVAILABLE = 7,      /* the requested path is not in this build or on this machine */
  FP4LAB_CUDA_CANCELLED = 8,        /* the job's cancel flag was set */
  FP4LAB_CUDA_CUDA_ERROR = 9        /* any other CUDA / cuBLASLt failure (message names the call) */
} fp4lab_cuda_status;

typedef enum fp4lab_cuda_dtype { FP4LAB_CUDA_F32 = 0, FP4LAB_CUDA_BF16 = 1, FP4LAB_CUDA_F16 = 2 } fp4lab_cuda_dtype;
typedef enum fp4lab_cuda_format { FP4LAB_CUDA_NVFP4 = 0, FP4LAB_CUDA_MXFP4 = 1 } fp4lab_cuda_format;
/* The reference library's scale_rule values, in its kwargs order. */
typedef enum fp4lab_cuda_scale_rule {
  FP4LAB_CUDA_ABS_MAX = 0,
  FP4LAB_CUDA_ALWAYS_4 = 1,
  FP4LAB_CUDA_ALWAYS_6 = 2,
  FP4LAB_CUDA_L1_NORM = 3,
  FP4LAB_CUDA_MSE = 4
} fp4lab_cuda_scale_rule;
typedef enum fp4lab_cuda_round_style { FP4LAB_CUDA_NEAREST = 0, FP4LAB_CUDA_STOCHASTIC = 1 } fp4lab_cuda_round_style;

/* GEMM paths. AUTO picks the fastest exact one the device has (see fp4lab_cuda_device_info). */
typedef enum fp4lab_cuda_gemm_path {
  FP4LAB_CUDA_GEMM_AUTO = 0,
  FP4LAB_CUDA_GEMM_WGMMA_SM90 = 1,   /* Hopper: dequantize to bf16 + our wgmma GEMM, exact epilogue fused */
  FP4LAB_CUDA_GEMM_CUBLASLT_BF16 = 2, /* any GPU: dequantize to bf16 + cuBLASLt bf16 GEMM (+ epilogue pass) */
  FP4LAB_CUDA_GEMM_CUBLASLT_FP4 = 3,  /* Blackwell: cuBLASLt block-scaled FP4 GEMM (VEC16_UE4M3 / VEC32_UE8M0) */
  FP4LAB_CUDA_GEMM_CUTLASS_FP4 = 4    /* Blackwell sm_100a: CUTLASS block-scaled FP4 GEMM (builds with CUTLASS_DIR) */
} fp4lab_cuda_gemm_path;

typedef enum fp4lab_cuda_epilogue {
  /* out = cast(fp32(fp32(acc * nc_a) * nc_b)): the reference's two roundings (default). */
  FP4LAB_CUDA_EPILOGUE_EXACT = 0,
  /* out = cast(fp32(acc * fp32(nc_a * nc_b))): one multiply, as FP4 tensor-core libraries apply
     alpha; may differ from the reference by 1 fp32 ulp before the cast (NUMERICS.md section 7). */
  FP4LAB_CUDA_EPILOGUE_FUSED_ALPHA = 1
} fp4lab_cuda_epilogue;

/* Bits of fp4lab_cuda_device_info.gemm_paths / gemm_paths_unverified. */
#define FP4LAB_CUDA_PATH_BIT(p) (1u << (p))

typedef struct fp4lab_cuda_device_info {
  char name[256];
  int32_t device;
  int32_t cc_major, cc_minor;
  int32_t multiprocessors;
  int64_t global_memory_bytes;
  int32_t driver_version;  /* e.g. 13000 */
  int32_t runtime_version; /* the CUDA runtime this library was built with */
  int32_t cublaslt_version; /* 0 when libcublasLt could not be loaded */
  uint32_t gemm_paths;      /* FP4LAB_CUDA_PATH_BIT of each path usable on this device */
  uint32_t gemm_paths_unverified; /* subset never run on real hardware by our tests (Blackwell paths) */
  int32_t default_gemm_path;      /* what AUTO resolves to on this device */
  /* A sentence for the backend status: what runs, and what is unverified or missing and why. */
  char detail[512];
} fp4lab_cuda_device_info;

/* Progress and cancellation for one call (may be NULL). Checked between steps, from the calling thread. */
typedef struct fp4lab_cuda_job {
  void (*on_progress)(void* user, double fraction);
  void* user;
  const volatile int32_t* cancel; /* nonzero: stop at the next step with FP4LAB_CUDA_CANCELLED */
} fp4lab_cuda_job;

/* quantize_to_fp4's kwargs (DESIGN.md "Kwargs"). */
typedef struct fp4lab_cuda_quantize_kwargs {
  int32_t fp4_format;     /* fp4lab_cuda_format */
  int32_t scale_rule;     /* fp4lab_cuda_scale_rule; adaptive rules need NVFP4 */
  int32_t block_scale_2d; /* 0/1: 16x16 (NVFP4) or 32x32 (MXFP4) tiles share one scale */
  int32_t round_style;    /* fp4lab_cuda_round_style */
  uint32_t seed;          /* stochastic rounding's counter-based RNG seed */
  int32_t transpose;      /* 0/1: quantize x^T */
  int32_t had_size;       /* 0 = no rotation; else n, with had_matrix holding n*n values */
  const float* had_matrix; /* HOST pointer: n x n row-major, already rounded to value_dtype */
} fp4lab_cuda_quantize_kwargs;

/* A dense row-major matrix. `storage` is how the bytes are laid out; `value_dtype` is the
   precision the values came from (the rotation rounds its result to it: NUMERICS.md section 4),
   e.g. fp32 storage of a bf16 tensor's values has storage F32, value_dtype BF16. */
typedef struct fp4lab_cuda_matrix {
  const void* data;
  int64_t rows, cols;
  int32_t storage;     /* fp4lab_cuda_dtype */
  int32_t value_dtype; /* fp4lab_cuda_dtype */
} fp4lab_cuda_matrix;

/* A quantized matrix (DESIGN.md "Quantized tensor file"). e2m1: padded_rows * padded_cols / 2
   bytes, low nibble = even column. sf: padded_rows * padded_cols / block bytes in the blocked
   128x4 layout (NUMERICS.md section 5). */
typedef struct fp4lab_cuda_packed {
  int32_t fp4_format;
  int64_t rows, cols;               /* logical shape (after transpose) */
  int64_t padded_rows, padded_cols; /* multiples of 128 and 4 * block */
  const uint8_t* e2m1;
  const uint8_t* sf;
  float normconst;
} fp4lab_cuda_packed;

/* Where quantize writes. Sizes come from fp4lab_cuda_quantized_shape. Optional pointers may be NULL. */
typedef struct fp4lab_cuda_quantize_out {
  uint8_t* e2m1;          /* padded_rows * padded_cols / 2 */
  uint8_t* sf;            /* padded_rows * padded_cols / block */
  float* block_scales;    /* optional: [padded_rows][padded_cols / block] fp32 effective scale (incl. normconst) */
  uint8_t* block_selection; /* optional: same layout, 4 or 6: the candidate each block took */
} fp4lab_cuda_quantize_out;

typedef struct fp4lab_cuda_quantize_result {
  int64_t rows, cols, padded_rows, padded_cols; /* after transpose and padding */
  float normconst;
  float amax;                 /* max |x| over the transformed tensor */
  int64_t nonfinite_count;    /* with FP4LAB_CUDA_NON_FINITE: how many NaN/Inf the input has (at least 1) */
  int64_t nonfinite_row, nonfinite_col; /* the first one in row-major order of the INPUT (before transpose) */
} fp4lab_cuda_quantize_result;

typedef struct fp4lab_cuda_matmul_options {
  int32_t out_dtype;          /* fp4lab_cuda_dtype */
  int64_t out_rows, out_cols; /* crop of the padded product; 0, 0 = the padded shape */
  int32_t path;               /* fp4lab_cuda_gemm_path */
  int32_t epilogue;           /* fp4lab_cuda_epilogue */
} fp4lab_cuda_matmul_options;

/* Error reductions over the logical region: x = the transformed input (after transpose and had,
   cropped), d = its dequantized value including the normconst, e = fp32(d - x). Sums in fp64,
   in a fixed order (results do not change between runs). */
typedef struct fp4lab_cuda_error_stats {
  int64_t count;
  double sum_sq_err, sum_abs_err, sum_sq_ref, sum_abs_ref;
  float max_abs_err, max_abs_ref;
  int64_t max_err_row, max_err_col; /* first position of max_abs_err, row-major */
  int64_t code_histogram[16];       /* e2m1 codes over the logical region */
  int64_t blocks_chose_4, blocks_chose_6; /* over all padded blocks */
} fp4lab_cuda_error_stats;

/* Optional per-block and pooled outputs of the analysis (host pointers; NULL = not wanted). */
typedef struct fp4lab_cuda_analysis_out {
  /* [padded_rows][padded_cols / block]: sum of e^2 over the block's logical elements (fp32 of an fp64 sum). */
  float* block_sq_err;
  /* Pooled heatmap of heat_rows x heat_cols cells over the logical region: cell (i, j) covers rows
     [floor(i*R/heat_rows), floor((i+1)*R/heat_rows)) and likewise columns (R, C = logical shape;
     heat_rows <= R, heat_cols <= C). Mean of e^2, max |e|, mean of x^2 per cell, row-major. */
  int64_t heat_rows, heat_cols;
  float* heat_mean_sq_err;
  float* heat_max_abs_err;
  float* heat_mean_sq_ref;
} fp4lab_cuda_analysis_out;

typedef struct fp4lab_cuda_context fp4lab_cuda_context;

/* ---- library and device ---- */
FP4LAB_CUDA_API int32_t fp4lab_cuda_abi_version(void);
FP4LAB_CUDA_API const char* fp4lab_cuda_last_error(void);
FP4LAB_CUDA_API const char* fp4lab_cuda_status_name(int32_t status);
/* How many CUDA devices; a status when there is no driver/device (count is then 0). */
FP4LAB_CUDA_API int32_t fp4lab_cuda_device_count(int32_t* count);
/* Fills info for `device`; FP4LAB_CUDA_UNSUPPORTED_ARCH still fills name and compute capability. */
FP4LAB_CUDA_API int32_t fp4lab_cuda_probe(int32_t device, fp4lab_cuda_device_info* info);
FP4LAB_CUDA_API int32_t fp4lab_cuda_context_create(int32_t device, fp4lab_cuda_context** out);
FP4LAB_CUDA_API void fp4lab_cuda_context_destroy(fp4lab_cuda_context* ctx);

/* ---- shapes ---- */
/* Padded shape and byte counts of quantizing a rows x cols matrix (after `transpose`). */
FP4LAB_CUDA_API int32_t fp4lab_cuda_quantized_shape(int32_t fp4_format, int64_t rows, int64_t cols, int32_t transpose,
                                                    int64_t* padded_rows, int64_t* padded_cols, int64_t* e2m1_bytes,
                                                    int64_t* sf_bytes);

/* ---- host-memory API: what the binding wraps ---- */
FP4LAB_CUDA_API int32_t fp4lab_cuda_quantize_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x,
                                                  const fp4lab_cuda_quantize_kwargs* kwargs, const fp4lab_cuda_quantize_out* out,
                                                  fp4lab_cuda_quantize_result* result, const fp4lab_cuda_job* job);
/* out: fp32, padded_rows x padded_cols, or rows x cols when crop. */
FP4LAB_CUDA_API int32_t fp4lab_cuda_dequantize_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, int32_t apply_normconst,
                                                    int32_t crop, float* out, const fp4lab_cuda_job* job);
/* out: out_rows x out_cols of out_dtype (bf16/fp16 as uint16 bits). */
FP4LAB_CUDA_API int32_t fp4lab_cuda_matmul_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b,
                                                const fp4lab_cuda_matmul_options* options, void* out, const fp4lab_cuda_job* job);
/* Quantize x on the device and reduce the error there. quantized may be NULL (or any of its
   pointers) when the packed bytes are not wanted on the host. */
FP4LAB_CUDA_API int32_t fp4lab_cuda_analyze_host(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x,
                                                 const fp4lab_cuda_quantize_kwargs* kwargs, const fp4lab_cuda_quantize_out* quantized,
                                                 fp4lab_cuda_quantize_result* result, fp4lab_cuda_error_stats* stats,
                                                 const fp4lab_cuda_analysis_out* maps, const fp4lab_cuda_job* job);

/* ---- device-memory API: same operations on device pointers, stream-ordered on the context's
   stream (fp4lab_cuda_stream): they return once the work is enqueued; fp4lab_cuda_synchronize
   waits for it. quantize_device waits and checks the input (non-finite, normconst) only when
   `result` is given; with result = NULL it does not wait, and a non-finite input then leaves
   the outputs unwritten without a status. ---- */
FP4LAB_CUDA_API int32_t fp4lab_cuda_malloc(fp4lab_cuda_context* ctx, size_t bytes, void** ptr);
FP4LAB_CUDA_API int32_t fp4lab_cuda_free(fp4lab_cuda_context* ctx, void* ptr);
FP4LAB_CUDA_API int32_t fp4lab_cuda_upload(fp4lab_cuda_context* ctx, void* device_dst, const void* host_src, size_t bytes);
FP4LAB_CUDA_API int32_t fp4lab_cuda_download(fp4lab_cuda_context* ctx, void* host_dst, const void* device_src, size_t bytes);
FP4LAB_CUDA_API int32_t fp4lab_cuda_synchronize(fp4lab_cuda_context* ctx);
/* The context's stream (a cudaStream_t), for callers that time or order work around these calls. */
FP4LAB_CUDA_API void* fp4lab_cuda_stream(fp4lab_cuda_context* ctx);

FP4LAB_CUDA_API int32_t fp4lab_cuda_quantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_matrix* x,
                                                    const fp4lab_cuda_quantize_kwargs* kwargs, const fp4lab_cuda_quantize_out* out,
                                                    fp4lab_cuda_quantize_result* result);
/* out_dtype F32 (exact value incl. normconst when asked) or BF16 (exact without normconst). out_stride in elements. */
FP4LAB_CUDA_API int32_t fp4lab_cuda_dequantize_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* q, int32_t apply_normconst,
                                                      int64_t out_rows, int64_t out_cols, int32_t out_dtype, void* out,
                                                      int64_t out_stride);
FP4LAB_CUDA_API int32_t fp4lab_cuda_matmul_device(fp4lab_cuda_context* ctx, const fp4lab_cuda_packed* a, const fp4lab_cuda_packed* b,
                                                  const fp4lab_cuda_matmul_options* options, void* out);

/* ---- diagnostics for benchmarks (not needed by the binding) ---- */
/* One bf16 GEMM out[M x N] = A[M x K] @ B[N x K]^T on device pointers, normconsts 1: path
   FP4LAB_CUDA_GEMM_WGMMA_SM90 (our kernel) or FP4LAB_CUDA_GEMM_CUBLASLT_BF16 (cuBLASLt alone). */
FP4LAB_CUDA_API int32_t fp4lab_cuda_diag_bf16_gemm(fp4lab_cuda_context* ctx, int32_t path, int64_t m, int64_t n, int64_t k, const void* a,
                                                   const void* b, int32_t out_dtype, void* out);
/* The wgmma GEMM's pipeline depth (3 or 4 shared-memory stages) and cluster size for this
   context: 1 (with stream-K for the last partial wave), -1 (1 without stream-K), or 2 (the B tile
   multicast across a 2-CTA cluster); the defaults are the measured best (native/cuda/NOTES.md). */
FP4LAB_CUDA_API int32_t fp4lab_cuda_diag_set_wgmma_config(fp4lab_cuda_context* ctx, int32_t stages, int32_t cluster);
/* The 1-D quantize kernel's grid: persistent (1, resident CTAs with the next block prefetched)
   or one short-lived CTA per 256 blocks (0). The default is the measured best. */
FP4LAB_CUDA_API int32_t fp4lab_cuda_diag_set_quantize_grid(fp4lab_cuda_context* ctx, int32_t persistent);
/* The architectures this build carries kernels for, e.g. "sm_90 sm_90a sm_100a sm_120a". */
FP4LAB_CUDA_API const char* fp4lab_cuda_build_archs(void);

#ifdef __cplusplus
}
#endif

#endif /* FP4LAB_CUDA_H */
