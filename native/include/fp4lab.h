/*
 * libfp4lab_cpu: FP4 Lab's CPU kernels behind a plain C ABI (no N-API, no C++ types), so the
 * Node binding, a test harness or another host can call them alike. Every kernel computes
 * exactly what the TypeScript reference does (NUMERICS.md): quantize and dequantize bit for
 * bit, GEMM within fp32 accumulation order.
 *
 * Conventions
 * - Matrices are row-major. Shapes are int64_t. Pointers to outputs are written in full (every
 *   byte of every output is written, padding included) only when the call returns FP4LAB_OK.
 * - Calls are reentrant and keep no state between calls; each runs on up to exec->threads
 *   threads (0 = every core) and returns when they are done.
 * - Errors are returned as a status plus, when `err` is not NULL, a sentence in err->message.
 *   Nothing aborts the process; out-of-memory is a status.
 */
#ifndef FP4LAB_H
#define FP4LAB_H

#include <stddef.h>
#include <stdint.h>

#include "fp4lab_layout.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Bumped whenever a struct or signature below changes. */
#define FP4LAB_ABI_VERSION 4

typedef enum fp4lab_status {
  FP4LAB_OK = 0,
  FP4LAB_INVALID_ARGUMENT = 1,
  FP4LAB_NON_FINITE = 2,   /* NaN or Inf in a matrix to quantize */
  FP4LAB_CANCELLED = 3,    /* exec->cancel was set */
  FP4LAB_OUT_OF_MEMORY = 4,
  FP4LAB_UNSUPPORTED = 5,  /* e.g. an instruction set this CPU lacks was forced */
  FP4LAB_INTERNAL = 6
} fp4lab_status;

typedef struct fp4lab_error {
  char message[512];
} fp4lab_error;

/* The dispatch levels. AUTO = the best this CPU (and OS) supports. */
typedef enum fp4lab_isa {
  FP4LAB_ISA_AUTO = 0,
  FP4LAB_ISA_PORTABLE = 1,    /* plain C++; what ARM builds run */
  FP4LAB_ISA_AVX2 = 2,        /* AVX2 + FMA + F16C */
  FP4LAB_ISA_AVX512 = 3,      /* AVX-512 F/BW/DQ/VL */
  FP4LAB_ISA_AVX512_BF16 = 4  /* + AVX512_BF16: the GEMM multiplies in bf16 (vdpbf16ps) */
} fp4lab_isa;

/* How one call runs: threads, instruction set, cancellation and progress. */
typedef struct fp4lab_exec {
  int32_t threads;                 /* 0 = every core this process may use */
  fp4lab_isa isa;                  /* FP4LAB_ISA_AUTO, or force a lower level (tests, benchmarks) */
  const volatile int32_t* cancel;  /* optional; when *cancel != 0 the call stops soon with FP4LAB_CANCELLED */
  /* Optional; called with a fraction in [0, 1], increasing, never concurrently (but from any thread). */
  void (*progress)(void* user, double fraction);
  void* progress_user;
} fp4lab_exec;

typedef enum fp4lab_scale_rule {
  FP4LAB_SCALE_ABS_MAX = 0,
  FP4LAB_SCALE_ALWAYS_4 = 1,
  FP4LAB_SCALE_ALWAYS_6 = 2,
  FP4LAB_SCALE_L1_NORM = 3,
  FP4LAB_SCALE_MSE = 4
} fp4lab_scale_rule;

typedef enum fp4lab_dtype {
  FP4LAB_FLOAT32 = 0,
  FP4LAB_BFLOAT16 = 1,
  FP4LAB_FLOAT16 = 2
} fp4lab_dtype;

typedef enum fp4lab_round_style {
  FP4LAB_ROUND_NEAREST = 0,
  FP4LAB_ROUND_STOCHASTIC = 1 /* counter-based: u = f(seed, index in the padded matrix), see app/quantize/stochasticRng.ts */
} fp4lab_round_style;

/* The kwargs of quantize_to_fp4, resolved (defaults filled, combinations checked by the caller or here). */
typedef struct fp4lab_quantize_params {
  fp4lab_format format;
  fp4lab_scale_rule scale_rule;   /* adaptive rules (abs_max, l1_norm, mse) need NVFP4 */
  int32_t block_scale_2d;         /* square tiles of block x block values share a scale */
  int32_t transpose;              /* quantize x^T */
  fp4lab_round_style round_style;
  uint32_t seed;                  /* stochastic rounding only */
  fp4lab_dtype input_dtype;       /* precision the values came from; the rotated values are rounded to it once */
  int32_t had_size;               /* 0 = no Hadamard rotation; else n, with n dividing the padded column count */
  const float* had;               /* n*n entries, row-major, already rounded to input_dtype */
} fp4lab_quantize_params;

/*
 * Outputs of fp4lab_quantize for an input of rows x cols, with (R, C) the padded shape of the
 * quantized matrix (after transpose; fp4lab_padded_rows / fp4lab_padded_cols) and B the block size.
 */
typedef struct fp4lab_quantize_output {
  uint8_t* e2m1;             /* R * C / 2 bytes, low nibble = even column */
  uint8_t* sf;               /* R * C / B scale bytes in the blocked layout */
  float* normconst;          /* one value (1 for MXFP4) */
  float* block_scales;       /* optional (NULL): R * C / B effective fp32 scales, row-major */
  uint8_t* block_selection;  /* optional (NULL): R * C / B bytes, 4 or 6, row-major */
} fp4lab_quantize_output;

/*
 * quantize_to_fp4(x, **params): transpose -> zero padding -> Hadamard -> normconst -> block
 * scales and E2M1 codes. x holds rows x cols fp32 values (exact copies of the input dtype's
 * values). Returns FP4LAB_NON_FINITE if the (rotated) matrix holds NaN or Inf.
 */
fp4lab_status fp4lab_quantize(const float* x, int64_t rows, int64_t cols, const fp4lab_quantize_params* params,
                              const fp4lab_quantize_output* out, const fp4lab_exec* exec, fp4lab_error* err);

/* A quantized matrix as fp4lab_quantize writes it (or as read from a file). */
typedef struct fp4lab_packed {
  fp4lab_format format;
  int64_t padded_rows;   /* multiple of 128 */
  int64_t padded_cols;   /* multiple of 4 blocks */
  const uint8_t* e2m1;   /* padded_rows * padded_cols / 2 bytes */
  const uint8_t* sf;     /* padded_rows * padded_cols / block bytes, blocked layout */
  float normconst;
} fp4lab_packed;

/*
 * value(code) * scale in fp32, then * normconst in fp32 when apply_normconst (NVFP4 only), for
 * the top-left out_rows x out_cols corner of the padded matrix, written row-major to `out`.
 */
fp4lab_status fp4lab_dequantize(const fp4lab_packed* q, int32_t apply_normconst, int64_t out_rows, int64_t out_cols,
                                float* out, const fp4lab_exec* exec, fp4lab_error* err);

/* Which inner loop a GEMM ran (reported for tests and benchmarks). */
typedef enum fp4lab_gemm_kernel {
  FP4LAB_GEMM_PORTABLE_FP32 = 0,
  FP4LAB_GEMM_AVX2_FP32 = 1,
  FP4LAB_GEMM_AVX512_FP32 = 2,
  FP4LAB_GEMM_AVX512_BF16 = 3
} fp4lab_gemm_kernel;

typedef struct fp4lab_gemm_params {
  fp4lab_dtype out_dtype;
  int64_t out_rows;  /* crop of the padded product: 1..a.padded_rows */
  int64_t out_cols;  /* 1..b.padded_rows */
} fp4lab_gemm_params;

/*
 * fp4_matmul on packed operands: out = a @ b^T over K = min(a.padded_cols, b.padded_cols)
 * (the longer side's extra columns multiply zero padding), fp32 accumulation, then
 * fp32(fp32(acc * a.normconst) * b.normconst), cast to out_dtype (round to nearest even).
 * out_values (out_rows * out_cols floats) receives the values; out_bits (same count of
 * uint16) the bf16/fp16 bit patterns and must be NULL for fp32 output. `kernel` (optional)
 * receives the inner loop used: bf16 products where they are exact, fp32 otherwise.
 */
fp4lab_status fp4lab_gemm(const fp4lab_packed* a, const fp4lab_packed* b, const fp4lab_gemm_params* params,
                          float* out_values, uint16_t* out_bits, fp4lab_gemm_kernel* kernel, const fp4lab_exec* exec,
                          fp4lab_error* err);

/*
 * The high-precision product the FP4 product is measured against: out = a @ b^T for fp32
 * a (a_rows x k) and b (b_rows x k), row-major, at least fp32 accumulation. When every value of
 * both is exactly a bf16 value (bf16 inputs, also after a Hadamard rotation) and no product can
 * leave the normal range, the products are exact in bf16 and the AVX512_BF16 kernel runs;
 * otherwise fp32 FMAs. `kernel` (optional) receives which.
 */
fp4lab_status fp4lab_matmul_f32(const float* a, int64_t a_rows, const float* b, int64_t b_rows, int64_t k, float* out,
                                fp4lab_gemm_kernel* kernel, const fp4lab_exec* exec, fp4lab_error* err);

/*
 * One pass over a quantized side for the analysis (app/analysis/sideReductions.ts, whose
 * numbers these are): error sums for the metrics, amax, per-block MSE and max |error| (the
 * block's values summed in order, in double, as the reference does), the histogram of
 * |x| / block scale, and optionally the count of blocks that chose 4 and the log-binned
 * histograms of the block scales and block MSEs (app/analysis/logBins.ts). Counts are exact;
 * the metric sums are added up per fixed chunk of rows, so they repeat exactly at any thread
 * count (and differ from the reference only by summation order).
 */

/* Log bins: bin i holds the positive floats v with thresholds[i] <= v < thresholds[i + 1] (the
   last bin runs to the largest float). thresholds: ascending positive finite floats (two equal
   ones make an empty bin, as below 2^-146 where eighth octaves are narrower than a float step). */
typedef struct fp4lab_log_bins {
  const float* thresholds;  /* NULL = not wanted */
  int32_t count;
} fp4lab_log_bins;

typedef struct fp4lab_side_input {
  const float* ref;            /* the quantized input (after transpose / had), logical rows x cols */
  int64_t ref_stride;
  const float* approx;         /* dequantized values */
  int64_t approx_stride;
  int64_t rows;
  int64_t cols;
  int32_t block_size;
  const float* block_scales;   /* effective scale per block, scale_stride blocks per row */
  int64_t scale_stride;
  double histogram_lo;         /* bins of |x| / scale: [lo, hi) in `bins` equal steps, hi itself in the last */
  double histogram_hi;
  int32_t histogram_bins;
  const uint8_t* block_selection; /* optional: 4 or 6 per block, laid out like block_scales */
  fp4lab_log_bins scale_bins;  /* optional: bins of the block scales */
  fp4lab_log_bins mse_bins;    /* optional: bins of the block MSEs (the float32 values written to block_mse) */
} fp4lab_side_input;

/* Running sums of app/analysis/metrics.ts ErrorMetricsAccumulator (double). */
typedef struct fp4lab_error_sums {
  double count;
  double sum_err2;
  double sum_abs_err;
  double max_abs_err;
  double sum_ref2;
  double sum_approx2;
  double sum_dot;
} fp4lab_error_sums;

typedef struct fp4lab_side_output {
  fp4lab_error_sums* sums;
  float* amax;
  float* block_mse;             /* rows * ceil(cols / block_size) */
  float* block_max_abs;         /* same */
  double* histogram;            /* histogram_bins counts, then the overflow count (bins + 1 values) */
  double* choosing4;            /* with block_selection: blocks whose selection is 4 */
  double* scale_counts;         /* with scale_bins: count counts, then the values in no bin (<= 0, non-finite, below the first) */
  double* mse_counts;           /* with mse_bins: likewise */
} fp4lab_side_output;

fp4lab_status fp4lab_reduce_side(const fp4lab_side_input* in, const fp4lab_side_output* out, const fp4lab_exec* exec, fp4lab_error* err);

/* The metric sums alone (app/analysis/metrics.ts over the logical rows x cols of a side), without
   block maps or histograms: what a scale-rule comparison needs, in one memory-bound pass. The
   order of the additions is fixed per chunk of rows (the same at any thread count). */
fp4lab_status fp4lab_metric_sums(const float* ref, int64_t ref_stride, const float* approx, int64_t approx_stride, int64_t rows, int64_t cols,
                                fp4lab_error_sums* out, const fp4lab_exec* exec, fp4lab_error* err);

/* Pooling a field to screen size (app/analysis/pooling.ts poolField, bit for bit). */
typedef enum fp4lab_field_kind { FP4LAB_FIELD_F32 = 0, FP4LAB_FIELD_U8 = 1, FP4LAB_FIELD_PAIR = 2 } fp4lab_field_kind;
typedef enum fp4lab_pair_view {
  FP4LAB_VIEW_REFERENCE = 0,
  FP4LAB_VIEW_APPROXIMATION = 1,
  FP4LAB_VIEW_SIGNED = 2,  /* approx - ref */
  FP4LAB_VIEW_ABS = 3,     /* |approx - ref| */
  FP4LAB_VIEW_REL = 4      /* |approx - ref| / max(|ref|, rel_floor) */
} fp4lab_pair_view;
typedef enum fp4lab_pool_reduce {
  FP4LAB_POOL_MAX = 0,
  FP4LAB_POOL_MIN = 1,
  FP4LAB_POOL_MEAN = 2,
  FP4LAB_POOL_MAX_ABS = 3,
  FP4LAB_POOL_EXTREME = 4  /* the value of largest magnitude, sign kept (first one on ties) */
} fp4lab_pool_reduce;

typedef struct fp4lab_field {
  fp4lab_field_kind kind;
  int64_t rows;
  int64_t cols;
  const void* data;   /* F32 / U8: element (r, c) at data[r * stride + c] */
  int64_t stride;
  const float* ref;   /* PAIR */
  int64_t ref_stride;
  const float* approx;
  int64_t approx_stride;
  fp4lab_pair_view view;
  double rel_floor;
} fp4lab_field;

/*
 * Pools the window [r0, r1) x [c0, c1) into out_rows x out_cols cells (cell i spans rows
 * r0 + floor(i h / out_rows) .. r0 + floor((i + 1) h / out_rows), columns likewise), written
 * row-major to `out`.
 */
fp4lab_status fp4lab_pool(const fp4lab_field* field, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows, int64_t out_cols,
                          fp4lab_pool_reduce reduce, float* out, const fp4lab_exec* exec, fp4lab_error* err);

/* One field of a batch: pooled with `reduce` into `out` (out_rows * out_cols floats). */
typedef struct fp4lab_pool_request {
  const fp4lab_field* field;
  fp4lab_pool_reduce reduce;
  float* out;
} fp4lab_pool_request;

/*
 * fp4lab_pool for several fields of one shape over one window in one pass: each band of cells
 * is pooled for every request before the next, so fields that share arrays (a pair's views)
 * read them from memory once. Each output equals fp4lab_pool's.
 */
fp4lab_status fp4lab_pool_many(const fp4lab_pool_request* requests, int32_t count, int64_t r0, int64_t r1, int64_t c0, int64_t c1, int64_t out_rows,
                               int64_t out_cols, const fp4lab_exec* exec, fp4lab_error* err);

/* Row-major S[rows][scale_cols] <-> blocked bytes (rows % 128 == 0, scale_cols % 4 == 0). */
fp4lab_status fp4lab_swizzle_scales(const uint8_t* row_major, int64_t rows, int64_t scale_cols, uint8_t* blocked,
                                    fp4lab_error* err);
fp4lab_status fp4lab_unswizzle_scales(const uint8_t* blocked, int64_t rows, int64_t scale_cols, uint8_t* row_major,
                                      fp4lab_error* err);

typedef struct fp4lab_cpu_info {
  fp4lab_isa best_isa;       /* what FP4LAB_ISA_AUTO selects */
  int32_t hardware_threads;  /* what threads = 0 uses */
  char description[128];     /* e.g. "AVX-512 BF16" */
} fp4lab_cpu_info;

void fp4lab_get_cpu_info(fp4lab_cpu_info* info);

/* A short name for an ISA level ("portable", "avx2", "avx512", "avx512_bf16"). */
const char* fp4lab_isa_name(fp4lab_isa isa);

#ifdef __cplusplus
}
#endif

#endif /* FP4LAB_H */
