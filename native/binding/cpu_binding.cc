// The `cpu` object of the addon: thin glue from JS values to the C ABI in native/include/fp4lab.h.
// Shapes and buffer lengths are checked here (a mismatch is a TypeError/RangeError naming the
// argument); the kernels' own checks come back as promise rejections with a code.
#include <memory>
#include <string>
#include <vector>

#include "args.h"
#include "packed_operand.h"
#include "cpu_binding.h"
#include "fp4lab.h"
#include "kernel_job.h"

namespace fp4lab_binding {
namespace {

const std::initializer_list<const char*> kIsaNames = {"auto", "portable", "avx2", "avx512", "avx512_bf16"};
const char* const kGemmKernelNames[] = {"portable_fp32", "avx2_fp32", "avx512_fp32", "avx512_bf16"};

const char* status_code(fp4lab_status status) {
  switch (status) {
    case FP4LAB_OK: return "OK";
    case FP4LAB_INVALID_ARGUMENT: return "INVALID_ARGUMENT";
    case FP4LAB_NON_FINITE: return "NON_FINITE";
    case FP4LAB_CANCELLED: return "CANCELLED";
    case FP4LAB_OUT_OF_MEMORY: return "OUT_OF_MEMORY";
    case FP4LAB_UNSUPPORTED: return "UNSUPPORTED";
    case FP4LAB_INTERNAL: return "INTERNAL";
  }
  return "INTERNAL";
}

fp4lab_exec exec_of(const JobControl& c) {
  fp4lab_exec exec{};
  exec.threads = c.threads;
  exec.isa = static_cast<fp4lab_isa>(c.isa);
  exec.cancel = c.cancel;
  exec.progress = c.progress;
  exec.progress_user = c.progress_user;
  return exec;
}

JobOutcome outcome_of(fp4lab_status status, const fp4lab_error& err) {
  if (status == FP4LAB_OK) return {};
  return {false, status_code(status), err.message};
}

fp4lab_format parse_format(const Args& args, const Napi::Object& o, const char* owner) {
  return args.choice(o, owner, "fp4_format", {"nvfp4", "mxfp4"}) == 0 ? FP4LAB_NVFP4 : FP4LAB_MXFP4;
}

// A packed operand (packed_operand.h) as the CPU library's struct, with the arrays the job keeps.
struct PackedArg {
  fp4lab_packed packed{};
  Napi::Object e2m1;
  Napi::Object sf;
};

PackedArg parse_packed(const Args& args, size_t index, const char* name) {
  const PackedOperand o = parse_packed_operand(args, index, name, false);
  PackedArg p;
  p.packed.format = o.nvfp4 ? FP4LAB_NVFP4 : FP4LAB_MXFP4;
  p.packed.padded_rows = o.padded_rows;
  p.packed.padded_cols = o.padded_cols;
  p.packed.e2m1 = o.e2m1;
  p.packed.sf = o.sf;
  p.packed.normconst = o.normconst;
  p.e2m1 = o.e2m1_array;
  p.sf = o.sf_array;
  return p;
}

Napi::Value Info(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  fp4lab_cpu_info cpu{};
  fp4lab_get_cpu_info(&cpu);
  Napi::Object o = Napi::Object::New(env);
  o.Set("abiVersion", Napi::Number::New(env, FP4LAB_ABI_VERSION));
  o.Set("isa", Napi::String::New(env, fp4lab_isa_name(cpu.best_isa)));
  Napi::Array isas = Napi::Array::New(env);
  uint32_t n = 0;
  for (int level = FP4LAB_ISA_PORTABLE; level <= cpu.best_isa; level++) isas.Set(n++, Napi::String::New(env, fp4lab_isa_name(static_cast<fp4lab_isa>(level))));
  o.Set("isas", isas);
  o.Set("hardwareThreads", Napi::Number::New(env, cpu.hardware_threads));
  o.Set("description", Napi::String::New(env, cpu.description));
  return o;
}

// quantize(x: Float32Array, rows, cols, params, out: {e2m1, sf, blockScales?, blockSelection?}, job?) -> Promise<{normconst}>
Napi::Value Quantize(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.quantize");
  const int64_t rows = args.integer_at(1, "rows", 1, int64_t{1} << 31);
  const int64_t cols = args.integer_at(2, "cols", 1, int64_t{1} << 31);
  const Napi::TypedArray x = args.typed_array(args.at(0), "x", napi_float32_array, rows * cols);
  const Napi::Object po = args.object(3, "params");

  fp4lab_quantize_params params{};
  params.format = parse_format(args, po, "params");
  params.scale_rule = static_cast<fp4lab_scale_rule>(args.choice(po, "params", "scale_rule", {"abs_max", "always_4", "always_6", "l1_norm", "mse"}));
  params.block_scale_2d = args.boolean(po, "params", "block_scale_2d", false) ? 1 : 0;
  params.transpose = args.boolean(po, "params", "transpose", false) ? 1 : 0;
  params.round_style = static_cast<fp4lab_round_style>(args.choice(po, "params", "round_style", {"nearest", "stochastic"}, 0));
  params.seed = static_cast<uint32_t>(args.integer(po, "params", "seed", 0, 0xffffffffLL, 0));
  params.input_dtype = static_cast<fp4lab_dtype>(args.choice(po, "params", "input_dtype", {"float32", "bfloat16", "float16"}, 0));
  std::vector<Napi::Object> keep = {x};
  if (args.has(po, "had")) {
    const Napi::TypedArray had = args.typed_array(po, "params", "had", napi_float32_array, -1);
    const size_t count = had.ElementLength();
    int64_t n = 1;
    while (n * n < static_cast<int64_t>(count)) n++;
    if (n * n != static_cast<int64_t>(count) || count == 0) {
      args.fail("params.had must hold n*n entries of a square matrix; got " + std::to_string(count), true);
    }
    params.had_size = static_cast<int32_t>(n);
    params.had = data_of<const float>(had);
    keep.push_back(had);
  }

  const int64_t qrows = params.transpose ? cols : rows;
  const int64_t qcols = params.transpose ? rows : cols;
  const int64_t padded_rows = fp4lab_padded_rows(qrows);
  const int64_t padded_cols = fp4lab_padded_cols(params.format, qcols);
  const int64_t blocks = padded_rows * padded_cols / fp4lab_block_size(params.format);
  const Napi::Object oo = args.object(4, "out");
  const Napi::TypedArray e2m1 = args.typed_array(oo, "out", "e2m1", napi_uint8_array, padded_rows * padded_cols / 2);
  const Napi::TypedArray sf = args.typed_array(oo, "out", "sf", napi_uint8_array, blocks);
  const Napi::TypedArray block_scales = args.optional_typed_array(oo, "out", "blockScales", napi_float32_array, blocks);
  const Napi::TypedArray selection = args.optional_typed_array(oo, "out", "blockSelection", napi_uint8_array, blocks);
  keep.push_back(e2m1);
  keep.push_back(sf);
  if (!block_scales.IsEmpty()) keep.push_back(block_scales);
  if (!selection.IsEmpty()) keep.push_back(selection);
  const JobOptions options = parse_job_options(args, 5, kIsaNames);

  auto normconst = std::make_shared<float>(0.0f);
  fp4lab_quantize_output out{};
  out.e2m1 = data_of<uint8_t>(e2m1);
  out.sf = data_of<uint8_t>(sf);
  out.normconst = normconst.get();
  out.block_scales = block_scales.IsEmpty() ? nullptr : data_of<float>(block_scales);
  out.block_selection = selection.IsEmpty() ? nullptr : data_of<uint8_t>(selection);
  const float* xdata = data_of<const float>(x);

  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_quantize(xdata, rows, cols, &params, &out, &exec, &err), err);
      },
      [normconst](Napi::Env env) {
        Napi::Object result = Napi::Object::New(env);
        result.Set("normconst", Napi::Number::New(env, *normconst));
        return result;
      });
}

// dequantize(packed, options: {applyNormconst, outRows, outCols}, out: Float32Array, job?) -> Promise<void>
Napi::Value Dequantize(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.dequantize");
  const PackedArg q = parse_packed(args, 0, "packed");
  const Napi::Object o = args.object(1, "options");
  const bool apply = args.boolean(o, "options", "applyNormconst", true);
  const int64_t out_rows = args.integer(o, "options", "outRows", 1, q.packed.padded_rows);
  const int64_t out_cols = args.integer(o, "options", "outCols", 1, q.packed.padded_cols);
  const Napi::TypedArray out = args.typed_array(args.at(2), "out", napi_float32_array, out_rows * out_cols);
  const JobOptions options = parse_job_options(args, 3, kIsaNames);
  const fp4lab_packed packed = q.packed;
  float* out_data = data_of<float>(out);
  return KernelJob::Start(args, options, {q.e2m1, q.sf, out},
                          [=](const JobControl& control) {
                            const fp4lab_exec exec = exec_of(control);
                            fp4lab_error err{};
                            return outcome_of(fp4lab_dequantize(&packed, apply ? 1 : 0, out_rows, out_cols, out_data, &exec, &err), err);
                          },
                          nullptr);
}

// gemm(a, b, params: {out_dtype, outRows, outCols}, out: {values: Float32Array, bits?: Uint16Array}, job?) -> Promise<{kernel}>
Napi::Value Gemm(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.gemm");
  const PackedArg a = parse_packed(args, 0, "a");
  const PackedArg b = parse_packed(args, 1, "b");
  const Napi::Object po = args.object(2, "params");
  fp4lab_gemm_params params{};
  params.out_dtype = static_cast<fp4lab_dtype>(args.choice(po, "params", "out_dtype", {"float32", "bfloat16", "float16"}));
  params.out_rows = args.integer(po, "params", "outRows", 1, a.packed.padded_rows);
  params.out_cols = args.integer(po, "params", "outCols", 1, b.packed.padded_rows);
  const int64_t count = params.out_rows * params.out_cols;
  const Napi::Object oo = args.object(3, "out");
  const Napi::TypedArray values = args.typed_array(oo, "out", "values", napi_float32_array, count);
  Napi::TypedArray bits;
  if (params.out_dtype == FP4LAB_FLOAT32) {
    if (args.has(oo, "bits")) args.fail("out.bits must be absent for out_dtype float32 (the values are the output)");
  } else {
    bits = args.typed_array(oo, "out", "bits", napi_uint16_array, count);
  }
  const JobOptions options = parse_job_options(args, 4, kIsaNames);
  std::vector<Napi::Object> keep = {a.e2m1, a.sf, b.e2m1, b.sf, values};
  if (!bits.IsEmpty()) keep.push_back(bits);

  const fp4lab_packed pa = a.packed;
  const fp4lab_packed pb = b.packed;
  float* values_data = data_of<float>(values);
  uint16_t* bits_data = bits.IsEmpty() ? nullptr : data_of<uint16_t>(bits);
  auto kernel = std::make_shared<fp4lab_gemm_kernel>(FP4LAB_GEMM_PORTABLE_FP32);
  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_gemm(&pa, &pb, &params, values_data, bits_data, kernel.get(), &exec, &err), err);
      },
      [kernel](Napi::Env env) {
        Napi::Object result = Napi::Object::New(env);
        result.Set("kernel", Napi::String::New(env, kGemmKernelNames[*kernel]));
        return result;
      });
}

// matmulF32(a: Float32Array, aRows, b: Float32Array, bRows, k, out: Float32Array, job?) -> Promise<{kernel}>
Napi::Value MatmulF32(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.matmulF32");
  const int64_t a_rows = args.integer_at(1, "aRows", 1, int64_t{1} << 31);
  const int64_t b_rows = args.integer_at(3, "bRows", 1, int64_t{1} << 31);
  const int64_t k = args.integer_at(4, "k", 1, int64_t{1} << 31);
  const Napi::TypedArray a = args.typed_array(args.at(0), "a", napi_float32_array, a_rows * k);
  const Napi::TypedArray b = args.typed_array(args.at(2), "b", napi_float32_array, b_rows * k);
  const Napi::TypedArray out = args.typed_array(args.at(5), "out", napi_float32_array, a_rows * b_rows);
  const JobOptions options = parse_job_options(args, 6, kIsaNames);
  const float* pa = data_of<const float>(a);
  const float* pb = data_of<const float>(b);
  float* po = data_of<float>(out);
  auto kernel = std::make_shared<fp4lab_gemm_kernel>(FP4LAB_GEMM_PORTABLE_FP32);
  return KernelJob::Start(
      args, options, {a, b, out},
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_matmul_f32(pa, a_rows, pb, b_rows, k, po, kernel.get(), &exec, &err), err);
      },
      [kernel](Napi::Env env) {
        Napi::Object result = Napi::Object::New(env);
        result.Set("kernel", Napi::String::New(env, kGemmKernelNames[*kernel]));
        return result;
      });
}

// The sums of app/analysis/metrics.ts as a JS object.
Napi::Object sums_object(Napi::Env env, const fp4lab_error_sums& s) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("count", s.count);
  o.Set("sumErr2", s.sum_err2);
  o.Set("sumAbsErr", s.sum_abs_err);
  o.Set("maxAbs", s.max_abs_err);
  o.Set("sumRef2", s.sum_ref2);
  o.Set("sumApprox2", s.sum_approx2);
  o.Set("sumDot", s.sum_dot);
  return o;
}

// metricSums(input: {ref, refStride, approx, approxStride, rows, cols}, job?) -> Promise<sums>: the metric sums alone
Napi::Value MetricSums(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.metricSums");
  const Napi::Object io = args.object(0, "input");
  const int64_t rows = args.integer(io, "input", "rows", 1, int64_t{1} << 31);
  const int64_t cols = args.integer(io, "input", "cols", 1, int64_t{1} << 31);
  const int64_t ref_stride = args.integer(io, "input", "refStride", cols, int64_t{1} << 31);
  const int64_t approx_stride = args.integer(io, "input", "approxStride", cols, int64_t{1} << 31);
  const Napi::TypedArray ref = args.typed_array_at_least(io, "input", "ref", napi_float32_array, (rows - 1) * ref_stride + cols);
  const Napi::TypedArray approx = args.typed_array_at_least(io, "input", "approx", napi_float32_array, (rows - 1) * approx_stride + cols);
  const JobOptions options = parse_job_options(args, 1, kIsaNames);
  const float* pr = data_of<const float>(ref);
  const float* pa = data_of<const float>(approx);
  auto sums = std::make_shared<fp4lab_error_sums>();
  return KernelJob::Start(
      args, options, {ref, approx},
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_metric_sums(pr, ref_stride, pa, approx_stride, rows, cols, sums.get(), &exec, &err), err);
      },
      [sums](Napi::Env env) { return sums_object(env, *sums); });
}

// reduceSide(input: {ref, refStride, approx, approxStride, rows, cols, blockSize, blockScales, scaleStride, histogramLo, histogramHi,
//   histogramBins, blockSelection?, scaleBins?: Float32Array, mseBins?: Float32Array},
//   out: {blockMse, blockMaxAbs, histogram: Float64Array(bins + 1), scaleCounts?: Float64Array(scaleBins + 1), mseCounts?: likewise}, job?)
//   -> Promise<{sums, amax, choosing4?}>
Napi::Value ReduceSide(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.reduceSide");
  const Napi::Object io = args.object(0, "input");
  fp4lab_side_input in{};
  in.rows = args.integer(io, "input", "rows", 1, int64_t{1} << 31);
  in.cols = args.integer(io, "input", "cols", 1, int64_t{1} << 31);
  in.block_size = static_cast<int32_t>(args.integer(io, "input", "blockSize", 1, 1024));
  in.ref_stride = args.integer(io, "input", "refStride", in.cols, int64_t{1} << 31);
  in.approx_stride = args.integer(io, "input", "approxStride", in.cols, int64_t{1} << 31);
  const int64_t grid_cols = (in.cols + in.block_size - 1) / in.block_size;
  in.scale_stride = args.integer(io, "input", "scaleStride", grid_cols, int64_t{1} << 31);
  in.histogram_lo = args.number(io, "input", "histogramLo");
  in.histogram_hi = args.number(io, "input", "histogramHi");
  in.histogram_bins = static_cast<int32_t>(args.integer(io, "input", "histogramBins", 1, 1 << 20));
  if (!(in.histogram_hi > in.histogram_lo)) args.fail("input.histogramHi must be above input.histogramLo", true);
  const Napi::TypedArray ref = args.typed_array_at_least(io, "input", "ref", napi_float32_array, (in.rows - 1) * in.ref_stride + in.cols);
  const Napi::TypedArray approx = args.typed_array_at_least(io, "input", "approx", napi_float32_array, (in.rows - 1) * in.approx_stride + in.cols);
  const Napi::TypedArray scales = args.typed_array_at_least(io, "input", "blockScales", napi_float32_array, (in.rows - 1) * in.scale_stride + grid_cols);
  const Napi::Object oo = args.object(1, "out");
  const Napi::TypedArray block_mse = args.typed_array(oo, "out", "blockMse", napi_float32_array, in.rows * grid_cols);
  const Napi::TypedArray block_max = args.typed_array(oo, "out", "blockMaxAbs", napi_float32_array, in.rows * grid_cols);
  const Napi::TypedArray histogram = args.typed_array(oo, "out", "histogram", napi_float64_array, in.histogram_bins + 1);
  std::vector<Napi::Object> keep = {ref, approx, scales, block_mse, block_max, histogram};
  const bool with_selection = args.has(io, "blockSelection");
  if (with_selection) {
    const Napi::TypedArray selection =
        args.typed_array_at_least(io, "input", "blockSelection", napi_uint8_array, (in.rows - 1) * in.scale_stride + grid_cols);
    in.block_selection = data_of<const uint8_t>(selection);
    keep.push_back(selection);
  }
  // Log bins: thresholds in, counts (one per bin, then the values in none) out.
  fp4lab_log_bins* bins_in[2] = {&in.scale_bins, &in.mse_bins};
  double* counts_out[2] = {nullptr, nullptr};
  const char* bins_key[2] = {"scaleBins", "mseBins"};
  const char* counts_key[2] = {"scaleCounts", "mseCounts"};
  for (int k = 0; k < 2; k++) {
    if (!args.has(io, bins_key[k])) continue;
    const Napi::TypedArray thresholds = args.typed_array(io, "input", bins_key[k], napi_float32_array, -1);
    const int64_t n = static_cast<int64_t>(thresholds.ElementLength());
    if (n < 1 || n > (1 << 20)) args.fail(std::string("input.") + bins_key[k] + " must hold 1 to 1048576 thresholds; got " + std::to_string(n), true);
    const Napi::TypedArray counts = args.typed_array(oo, "out", counts_key[k], napi_float64_array, n + 1);
    bins_in[k]->thresholds = data_of<const float>(thresholds);
    bins_in[k]->count = static_cast<int32_t>(n);
    counts_out[k] = data_of<double>(counts);
    keep.push_back(thresholds);
    keep.push_back(counts);
  }
  const JobOptions options = parse_job_options(args, 2, kIsaNames);
  in.ref = data_of<const float>(ref);
  in.approx = data_of<const float>(approx);
  in.block_scales = data_of<const float>(scales);
  struct Results {
    fp4lab_error_sums sums{};
    float amax = 0.0f;
    double choosing4 = 0.0;
  };
  auto results = std::make_shared<Results>();
  fp4lab_side_output out{};
  out.sums = &results->sums;
  out.amax = &results->amax;
  out.block_mse = data_of<float>(block_mse);
  out.block_max_abs = data_of<float>(block_max);
  out.histogram = data_of<double>(histogram);
  out.choosing4 = with_selection ? &results->choosing4 : nullptr;
  out.scale_counts = counts_out[0];
  out.mse_counts = counts_out[1];
  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_reduce_side(&in, &out, &exec, &err), err);
      },
      [results, with_selection](Napi::Env env) {
        Napi::Object result = Napi::Object::New(env);
        result.Set("sums", sums_object(env, results->sums));
        result.Set("amax", Napi::Number::New(env, results->amax));
        if (with_selection) result.Set("choosing4", Napi::Number::New(env, results->choosing4));
        return result;
      });
}

// A field argument ({kind: 'f32' | 'u8' | 'pair', rows, cols, data?, stride?, ref?, refStride?, approx?, approxStride?, view?,
// relFloor?}); the typed arrays it reads are appended to `keep`.
fp4lab_field parse_field(const Args& args, const Napi::Object& fo, const std::string& name, std::vector<Napi::Object>& keep) {
  const char* owner = name.c_str();
  fp4lab_field field{};
  field.kind = static_cast<fp4lab_field_kind>(args.choice(fo, owner, "kind", {"f32", "u8", "pair"}));
  field.rows = args.integer(fo, owner, "rows", 1, int64_t{1} << 31);
  field.cols = args.integer(fo, owner, "cols", 1, int64_t{1} << 31);
  if (field.kind == FP4LAB_FIELD_PAIR) {
    field.ref_stride = args.integer(fo, owner, "refStride", field.cols, int64_t{1} << 31);
    field.approx_stride = args.integer(fo, owner, "approxStride", field.cols, int64_t{1} << 31);
    const Napi::TypedArray ref = args.typed_array_at_least(fo, owner, "ref", napi_float32_array, (field.rows - 1) * field.ref_stride + field.cols);
    const Napi::TypedArray approx =
        args.typed_array_at_least(fo, owner, "approx", napi_float32_array, (field.rows - 1) * field.approx_stride + field.cols);
    field.ref = data_of<const float>(ref);
    field.approx = data_of<const float>(approx);
    field.view = static_cast<fp4lab_pair_view>(args.choice(fo, owner, "view", {"reference", "approximation", "signed", "abs", "rel"}));
    field.rel_floor = args.number(fo, owner, "relFloor");
    keep.push_back(ref);
    keep.push_back(approx);
  } else {
    field.stride = args.integer(fo, owner, "stride", field.cols, int64_t{1} << 31);
    const Napi::TypedArray data = args.typed_array_at_least(fo, owner, "data", field.kind == FP4LAB_FIELD_F32 ? napi_float32_array : napi_uint8_array,
                                                            (field.rows - 1) * field.stride + field.cols);
    field.data = raw_data_of(data);
    keep.push_back(data);
  }
  return field;
}

struct PoolWindow {
  int64_t r0, r1, c0, c1;
};

PoolWindow parse_window(const Args& args, size_t index, int64_t rows, int64_t cols) {
  const Napi::Object wo = args.object(index, "window");
  PoolWindow w{};
  w.r0 = args.integer(wo, "window", "r0", 0, rows - 1);
  w.r1 = args.integer(wo, "window", "r1", w.r0 + 1, rows);
  w.c0 = args.integer(wo, "window", "c0", 0, cols - 1);
  w.c1 = args.integer(wo, "window", "c1", w.c0 + 1, cols);
  return w;
}

fp4lab_pool_reduce parse_reduce(const Args& args, const Napi::Value& v, const char* owner) {
  Napi::Object holder = Napi::Object::New(args.env());
  holder.Set("reduce", v);
  return static_cast<fp4lab_pool_reduce>(args.choice(holder, owner, "reduce", {"max", "min", "mean", "max_abs", "extreme"}));
}

// pool(field, window: {r0, r1, c0, c1}, outRows, outCols, reduce, out: Float32Array, job?) -> Promise<void>
Napi::Value Pool(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.pool");
  std::vector<Napi::Object> keep;
  const fp4lab_field field = parse_field(args, args.object(0, "field"), "field", keep);
  const PoolWindow w = parse_window(args, 1, field.rows, field.cols);
  const int64_t out_rows = args.integer_at(2, "outRows", 1, w.r1 - w.r0);
  const int64_t out_cols = args.integer_at(3, "outCols", 1, w.c1 - w.c0);
  const fp4lab_pool_reduce reduce = parse_reduce(args, args.at(4), "pool");
  const Napi::TypedArray out = args.typed_array(args.at(5), "out", napi_float32_array, out_rows * out_cols);
  keep.push_back(out);
  const JobOptions options = parse_job_options(args, 6, kIsaNames);
  float* po = data_of<float>(out);
  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        return outcome_of(fp4lab_pool(&field, w.r0, w.r1, w.c0, w.c1, out_rows, out_cols, reduce, po, &exec, &err), err);
      },
      nullptr);
}

// poolMany(requests: [{field, reduce, out: Float32Array}], window, outRows, outCols, job?) -> Promise<void>: fields of one shape.
Napi::Value PoolMany(const Napi::CallbackInfo& info) {
  Args args(info, "cpu.poolMany");
  if (!args.at(0).IsArray()) args.fail("requests must be an array of {field, reduce, out}");
  const Napi::Array list = args.at(0).As<Napi::Array>();
  const uint32_t count = list.Length();
  if (count < 1 || count > 64) args.fail("requests must hold 1 to 64 fields; got " + std::to_string(count), true);
  std::vector<Napi::Object> keep;
  auto fields = std::make_shared<std::vector<fp4lab_field>>(count);
  std::vector<fp4lab_pool_request> requests(count);
  std::vector<Napi::Object> outs;
  for (uint32_t k = 0; k < count; k++) {
    const std::string name = "requests[" + std::to_string(k) + "]";
    const Napi::Value item = list.Get(k);
    if (!item.IsObject() || item.IsArray()) args.fail(name + " must be an object {field, reduce, out}");
    const Napi::Object ro = item.As<Napi::Object>();
    const Napi::Value fv = ro.Get("field");
    if (!fv.IsObject() || fv.IsArray()) args.fail(name + ".field must be an object");
    (*fields)[k] = parse_field(args, fv.As<Napi::Object>(), name + ".field", keep);
    if ((*fields)[k].rows != (*fields)[0].rows || (*fields)[k].cols != (*fields)[0].cols) {
      args.fail(name + ".field is " + std::to_string((*fields)[k].rows) + "x" + std::to_string((*fields)[k].cols) + ", requests[0].field is " +
                    std::to_string((*fields)[0].rows) + "x" + std::to_string((*fields)[0].cols) + "; one call pools fields of one shape",
                true);
    }
    requests[k].reduce = parse_reduce(args, ro.Get("reduce"), name.c_str());
    outs.push_back(ro);
  }
  const PoolWindow w = parse_window(args, 1, (*fields)[0].rows, (*fields)[0].cols);
  const int64_t out_rows = args.integer_at(2, "outRows", 1, w.r1 - w.r0);
  const int64_t out_cols = args.integer_at(3, "outCols", 1, w.c1 - w.c0);
  for (uint32_t k = 0; k < count; k++) {
    const std::string name = "requests[" + std::to_string(k) + "].out";
    const Napi::TypedArray out = args.typed_array(outs[k].Get("out"), name, napi_float32_array, out_rows * out_cols);
    requests[k].field = &(*fields)[k];
    requests[k].out = data_of<float>(out);
    keep.push_back(out);
  }
  const JobOptions options = parse_job_options(args, 4, kIsaNames);
  return KernelJob::Start(
      args, options, std::move(keep),
      [=](const JobControl& control) {
        const fp4lab_exec exec = exec_of(control);
        fp4lab_error err{};
        (void)fields;  // owns the fields the requests point at
        return outcome_of(fp4lab_pool_many(requests.data(), static_cast<int32_t>(requests.size()), w.r0, w.r1, w.c0, w.c1, out_rows, out_cols, &exec, &err),
                          err);
      },
      nullptr);
}

// swizzleScales / unswizzleScales(src: Uint8Array, rows, scaleCols, out: Uint8Array): synchronous.
Napi::Value Swizzle(const Napi::CallbackInfo& info, bool to_blocked) {
  Args args(info, to_blocked ? "cpu.swizzleScales" : "cpu.unswizzleScales");
  const int64_t rows = args.integer_at(1, "rows", 1, int64_t{1} << 31);
  const int64_t scale_cols = args.integer_at(2, "scaleCols", 1, int64_t{1} << 31);
  const Napi::TypedArray src = args.typed_array(args.at(0), "src", napi_uint8_array, rows * scale_cols);
  const Napi::TypedArray out = args.typed_array(args.at(3), "out", napi_uint8_array, rows * scale_cols);
  fp4lab_error err{};
  const fp4lab_status status = to_blocked ? fp4lab_swizzle_scales(data_of<const uint8_t>(src), rows, scale_cols, data_of<uint8_t>(out), &err)
                                          : fp4lab_unswizzle_scales(data_of<const uint8_t>(src), rows, scale_cols, data_of<uint8_t>(out), &err);
  if (status != FP4LAB_OK) args.fail(err.message, true);
  return info.Env().Undefined();
}

}  // namespace

Napi::Object CreateCpuBinding(Napi::Env env) {
  Napi::Object cpu = Napi::Object::New(env);
  cpu.Set("info", Napi::Function::New(env, Info, "info"));
  cpu.Set("quantize", Napi::Function::New(env, Quantize, "quantize"));
  cpu.Set("dequantize", Napi::Function::New(env, Dequantize, "dequantize"));
  cpu.Set("gemm", Napi::Function::New(env, Gemm, "gemm"));
  cpu.Set("matmulF32", Napi::Function::New(env, MatmulF32, "matmulF32"));
  cpu.Set("reduceSide", Napi::Function::New(env, ReduceSide, "reduceSide"));
  cpu.Set("metricSums", Napi::Function::New(env, MetricSums, "metricSums"));
  cpu.Set("pool", Napi::Function::New(env, Pool, "pool"));
  cpu.Set("poolMany", Napi::Function::New(env, PoolMany, "poolMany"));
  cpu.Set("swizzleScales", Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Swizzle(info, true); }, "swizzleScales"));
  cpu.Set("unswizzleScales", Napi::Function::New(env, [](const Napi::CallbackInfo& info) { return Swizzle(info, false); }, "unswizzleScales"));
  return cpu;
}

}  // namespace fp4lab_binding
