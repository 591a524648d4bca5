// Standalone test + benchmark harness for libfp4lab_cuda (no Node needed on the GPU machine).
//
//   fp4lab_cuda_harness status                 what the library says about this machine (exit 0 either way)
//   fp4lab_cuda_harness test <cases dir>       differential cases from generateCases.ts + the golden set
//   fp4lab_cuda_harness bench [--size N]       quantize / GEMM speed against copy bandwidth and cuBLAS
//
// It uses the library only through its C ABI (native/include/fp4lab_cuda.h), like the addon; the
// CUDA runtime here is for poisoning buffers and timing with events on the library's stream.
#include <cuda_runtime.h>

#include <algorithm>
#include <chrono>
#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "fp4lab_cuda.h"
#include "safetensors.h"

namespace {

int g_passed = 0, g_failed = 0;

void check(bool ok, const std::string& what) {
  if (ok) {
    g_passed++;
  } else {
    g_failed++;
    printf("FAIL %s\n", what.c_str());
  }
}

#define CU(call)                                                                                 \
  do {                                                                                           \
    cudaError_t e_ = (call);                                                                     \
    if (e_ != cudaSuccess) {                                                                     \
      fprintf(stderr, "%s:%d %s: %s\n", __FILE__, __LINE__, #call, cudaGetErrorString(e_));      \
      exit(2);                                                                                   \
    }                                                                                            \
  } while (0)

#define LIB(call)                                                                                             \
  do {                                                                                                        \
    int32_t s_ = (call);                                                                                      \
    if (s_ != FP4LAB_CUDA_OK) {                                                                               \
      fprintf(stderr, "%s:%d %s: %s: %s\n", __FILE__, __LINE__, #call, fp4lab_cuda_status_name(s_), fp4lab_cuda_last_error()); \
      exit(2);                                                                                                \
    }                                                                                                         \
  } while (0)

using Fields = std::map<std::string, std::string>;

Fields parse_line(const std::string& line, std::string* kind) {
  Fields f;
  std::istringstream in(line.substr(0, line.find(" # ")));
  in >> *kind;
  std::string tok;
  while (in >> tok) {
    const size_t eq = tok.find('=');
    if (eq != std::string::npos) f[tok.substr(0, eq)] = tok.substr(eq + 1);
  }
  return f;
}
int64_t geti(const Fields& f, const std::string& k) { return std::stoll(f.at(k)); }
double getd(const Fields& f, const std::string& k) { return std::stod(f.at(k)); }

// Device buffers poisoned before every use, so an unwritten byte never passes a comparison.
struct DeviceBuf {
  void* ptr = nullptr;
  size_t bytes = 0;
  fp4lab_cuda_context* ctx = nullptr;
  DeviceBuf(fp4lab_cuda_context* c, size_t n) : bytes(n), ctx(c) {
    LIB(fp4lab_cuda_malloc(ctx, n ? n : 1, &ptr));
    poison();
  }
  DeviceBuf(fp4lab_cuda_context* c, const std::vector<uint8_t>& host) : DeviceBuf(c, host.size()) { LIB(fp4lab_cuda_upload(ctx, ptr, host.data(), host.size())); }
  ~DeviceBuf() { fp4lab_cuda_free(ctx, ptr); }
  void poison() {
    CU(cudaMemset(ptr, 0xA5, bytes ? bytes : 1));
    CU(cudaDeviceSynchronize());
  }
  std::vector<uint8_t> get() const {
    std::vector<uint8_t> h(bytes);
    LIB(fp4lab_cuda_download(ctx, h.data(), ptr, bytes));
    return h;
  }
  template <typename T>
  T* as() const { return static_cast<T*>(ptr); }
};

// First differing byte as a readable string, or "".
std::string first_diff(const std::vector<uint8_t>& a, const std::vector<uint8_t>& b) {
  if (a.size() != b.size()) return "size " + std::to_string(a.size()) + " vs " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); i++) {
    if (a[i] != b[i]) {
      char buf[128];
      size_t n = 0;
      for (size_t j = i; j < a.size(); j++) n += a[j] != b[j];
      snprintf(buf, sizeof buf, "byte %zu: gpu 0x%02x ref 0x%02x (%zu bytes differ)", i, a[i], b[i], n);
      return buf;
    }
  }
  return "";
}

float e2m1_value(uint32_t c) {
  static const float mags[8] = {0, 0.5f, 1, 1.5f, 2, 3, 4, 6};
  return (c & 8) ? -mags[c & 7] : mags[c & 7];
}
double e4m3_value(uint32_t b) {
  const int e = (b >> 3) & 15, m = b & 7;
  const double v = e == 0 ? m * std::ldexp(1.0, -9) : (1 + m / 8.0) * std::ldexp(1.0, e - 7);
  return (b & 0x80) ? -v : v;
}
int64_t blocked_index(int64_t r, int64_t c, int64_t scale_cols) {
  return ((r / 128) * (scale_cols / 4) + c / 4) * 512 + (r % 32) * 16 + ((r % 128) / 32) * 4 + c % 4;
}

// A packed operand on the host, decoded to fp64 (without normconst) for reference products.
struct HostPacked {
  int format;
  int64_t rows, cols, prows, pcols;
  std::vector<uint8_t> e2m1, sf;
  float nc;
  double value(int64_t r, int64_t c) const {
    const uint8_t byte = e2m1[r * (pcols / 2) + c / 2];
    const uint32_t code = (c & 1) ? byte >> 4 : byte & 15;
    const int64_t bs = format == 0 ? 16 : 32;
    const uint8_t s = sf[blocked_index(r, c / bs, pcols / bs)];
    const double scale = format == 0 ? e4m3_value(s) : std::ldexp(1.0, (int)s - 127);
    return e2m1_value(code) * scale;
  }
};

// Half an ulp of out_dtype at v, floored at half the smallest subnormal (outputs may underflow).
double half_ulp(double v, int out_dtype) {
  const int bits = out_dtype == FP4LAB_CUDA_F32 ? 24 : out_dtype == FP4LAB_CUDA_BF16 ? 8 : 11;
  const int min_exp = out_dtype == FP4LAB_CUDA_F32 ? -149 : out_dtype == FP4LAB_CUDA_BF16 ? -133 : -24;
  const double floor = std::ldexp(1.0, min_exp - 1);
  if (v == 0) return floor;
  int e;
  std::frexp(std::fabs(v), &e);
  return std::max(std::ldexp(1.0, e - bits - 1), floor);
}
double max_finite(int out_dtype) {
  return out_dtype == FP4LAB_CUDA_F16 ? 65504.0 : out_dtype == FP4LAB_CUDA_BF16 ? 3.3895313892515355e38 : 3.4028234663852886e38;
}

double out_value(const std::vector<uint8_t>& out, int64_t i, int dtype) {
  if (dtype == FP4LAB_CUDA_F32) {
    float f;
    memcpy(&f, &out[i * 4], 4);
    return f;
  }
  uint16_t h;
  memcpy(&h, &out[i * 2], 2);
  if (dtype == FP4LAB_CUDA_BF16) {
    uint32_t b = (uint32_t)h << 16;
    float f;
    memcpy(&f, &b, 4);
    return f;
  }
  // fp16
  const int e = (h >> 10) & 31, m = h & 1023;
  double v = e == 0 ? m * std::ldexp(1.0, -24) : e == 31 ? (m ? NAN : INFINITY) : (1 + m / 1024.0) * std::ldexp(1.0, e - 15);
  return (h & 0x8000) ? -v : v;
}

struct MatmulCheck {
  int64_t mismatches = 0;      // elements whose bits differ from the TypeScript reference
  double max_rel = 0;          // max |gpu - fp64| / max(|fp64|, tiny) over elements
  double worst_bound_ratio = 0;  // max |gpu - fp64| / (half ulp of out + K * 2^-24 * sum |a b| * nc)
};

// Compare a GPU product with the reference bits and with an fp64 product (entries `sample` or all).
MatmulCheck check_product(const std::vector<uint8_t>& gpu, const std::vector<uint8_t>* ref_bits, const HostPacked& a, const HostPacked& b, int64_t M,
                          int64_t N, int dtype, const std::vector<std::pair<int64_t, int64_t>>* sample) {
  MatmulCheck r;
  const size_t es = dtype == FP4LAB_CUDA_F32 ? 4 : 2;
  if (ref_bits) {
    for (int64_t i = 0; i < M * N; i++) r.mismatches += memcmp(&gpu[i * es], &(*ref_bits)[i * es], es) != 0;
  }
  const int64_t K = std::min(a.pcols, b.pcols);
  // Whole products: decode both operands once; sampled products (the 8192^3 bench) decode on the fly.
  std::vector<double> da, db;
  if (!sample) {
    da.resize(M * K);
    db.resize(N * K);
    for (int64_t i = 0; i < M; i++)
      for (int64_t k = 0; k < K; k++) da[i * K + k] = a.value(i, k);
    for (int64_t j = 0; j < N; j++)
      for (int64_t k = 0; k < K; k++) db[j * K + k] = b.value(j, k);
  }
  auto one = [&](int64_t i, int64_t j) {
    double acc = 0, mag = 0;
    for (int64_t k = 0; k < K; k++) {
      const double p = sample ? a.value(i, k) * b.value(j, k) : da[i * K + k] * db[j * K + k];
      acc += p;
      mag += std::fabs(p);
    }
    const double nc = (double)a.nc * (double)b.nc;
    const double ref = acc * nc;
    const double got = out_value(gpu, i * N + j, dtype);
    // Beyond the largest finite value (plus half an ulp) the cast gives Inf of the same sign.
    const bool overflow = std::fabs(ref) >= max_finite(dtype) + half_ulp(max_finite(dtype), dtype);
    if (overflow || std::isinf(got)) {
      const bool ok = std::isinf(got) && (got > 0) == (ref > 0) && std::fabs(ref) >= max_finite(dtype) * (1 - 1e-3);
      if (!ok) r.worst_bound_ratio = INFINITY;
      return;
    }
    const double err = std::fabs(got - ref);
    const double bound = half_ulp(ref, dtype) * 1.0001 + (K + 2) * std::ldexp(1.0, -24) * mag * nc + 1e-300;
    r.max_rel = std::max(r.max_rel, err / std::max(std::fabs(ref), 1e-30));
    r.worst_bound_ratio = std::max(r.worst_bound_ratio, err / bound);
  };
  if (sample) {
    for (auto [i, j] : *sample) one(i, j);
  } else {
    for (int64_t i = 0; i < M; i++)
      for (int64_t j = 0; j < N; j++) one(i, j);
  }
  return r;
}

int32_t dtype_of(const std::string& st) { return st == "F32" ? FP4LAB_CUDA_F32 : st == "BF16" ? FP4LAB_CUDA_BF16 : FP4LAB_CUDA_F16; }

std::vector<uint8_t> unswizzle(const std::vector<uint8_t>& sf, int64_t rows, int64_t scale_cols) {
  std::vector<uint8_t> out(rows * scale_cols);
  for (int64_t r = 0; r < rows; r++)
    for (int64_t c = 0; c < scale_cols; c++) out[r * scale_cols + c] = sf[blocked_index(r, c, scale_cols)];
  return out;
}

struct Tester {
  fp4lab_cuda_context* ctx;
  std::string dir;
  fp4lab_cuda_device_info info;
  bool quick = false;

  std::vector<int32_t> gemm_paths() const {
    std::vector<int32_t> p;
    for (int32_t path : {FP4LAB_CUDA_GEMM_WGMMA_SM90, FP4LAB_CUDA_GEMM_CUBLASLT_BF16, FP4LAB_CUDA_GEMM_CUBLASLT_FP4})
      if (info.gemm_paths & FP4LAB_CUDA_PATH_BIT(path)) p.push_back(path);
    return p;
  }

  fp4lab_cuda_quantize_kwargs kwargs(const Fields& f, const Safetensors& st, std::vector<float>& had) const {
    fp4lab_cuda_quantize_kwargs kw{};
    kw.fp4_format = (int32_t)geti(f, "format");
    kw.scale_rule = (int32_t)geti(f, "rule");
    kw.block_scale_2d = (int32_t)geti(f, "twod");
    kw.round_style = f.count("round") ? (int32_t)geti(f, "round") : 0;
    kw.seed = f.count("seed") ? (uint32_t)std::stoull(f.at("seed")) : 0;
    kw.transpose = (int32_t)geti(f, "transpose");
    kw.had_size = (int32_t)geti(f, "had");
    if (kw.had_size) {
      if (st.has("had")) {
        const Tensor& h = st.at("had");
        had.resize(h.numel());
        memcpy(had.data(), h.bytes.data(), h.bytes.size());
      } else {
        // The golden set's `had: true`: the 16x16 Sylvester matrix / 4 (exact in bf16).
        had.assign(256, 0);
        for (int i = 0; i < 16; i++)
          for (int j = 0; j < 16; j++) had[i * 16 + j] = (__builtin_popcount(i & j) & 1) ? -0.25f : 0.25f;
      }
      kw.had_matrix = had.data();
    }
    return kw;
  }

  void quantize_case(const Fields& f, bool expect_error) {
    const std::string id = f.at("id");
    Safetensors st;
    std::string err;
    if (!st.load(dir + "/" + f.at("file"), &err)) return check(false, id + ": " + err);
    std::vector<float> had;
    const fp4lab_cuda_quantize_kwargs kw = kwargs(f, st, had);
    const Tensor& xt = st.at("x");
    DeviceBuf x(ctx, xt.bytes);
    fp4lab_cuda_matrix m{x.ptr, xt.shape[0], xt.shape[1], dtype_of(xt.dtype), (int32_t)(f.count("value_dtype") ? geti(f, "value_dtype") : dtype_of(xt.dtype))};
    int64_t rp, cp, eb, sb;
    if (fp4lab_cuda_quantized_shape(kw.fp4_format, m.rows, m.cols, kw.transpose, &rp, &cp, &eb, &sb) != FP4LAB_CUDA_OK) return check(false, id + ": shape");
    DeviceBuf e2m1(ctx, eb), sf(ctx, sb), scales(ctx, sb * 4), sel(ctx, sb);
    fp4lab_cuda_quantize_out out{e2m1.as<uint8_t>(), sf.as<uint8_t>(), scales.as<float>(), sel.as<uint8_t>()};
    fp4lab_cuda_quantize_result res{};
    const int32_t s = fp4lab_cuda_quantize_device(ctx, &m, &kw, &out, &res);
    if (expect_error) {
      check(s == FP4LAB_CUDA_INVALID_ARGUMENT || s == FP4LAB_CUDA_NON_FINITE, id + ": expected a refusal, got " + fp4lab_cuda_status_name(s));
      return;
    }
    if (s != FP4LAB_CUDA_OK) return check(false, id + ": quantize: " + fp4lab_cuda_status_name(s) + ": " + fp4lab_cuda_last_error());
    float nc_ref;
    memcpy(&nc_ref, st.at("normconst").bytes.data(), 4);
    check(memcmp(&res.normconst, &nc_ref, 4) == 0, id + ": normconst " + std::to_string(res.normconst) + " vs " + std::to_string(nc_ref));
    std::string d;
    check((d = first_diff(e2m1.get(), st.at("e2m1").bytes)).empty(), id + ": e2m1 " + d);
    check((d = first_diff(sf.get(), st.at("sf").bytes)).empty(), id + ": sf " + d);
    check((d = first_diff(scales.get(), st.at("block_scales").bytes)).empty(), id + ": block_scales " + d);
    check((d = first_diff(sel.get(), st.at("block_selection").bytes)).empty(), id + ": block_selection " + d);

    // dequantize (cropped, with normconst) from the GPU's own packed bytes.
    const fp4lab_cuda_packed q{kw.fp4_format, res.rows, res.cols, rp, cp, e2m1.as<uint8_t>(), sf.as<uint8_t>(), res.normconst};
    DeviceBuf dq(ctx, (size_t)(res.rows * res.cols * 4));
    LIB(fp4lab_cuda_dequantize_device(ctx, &q, 1, res.rows, res.cols, FP4LAB_CUDA_F32, dq.ptr, res.cols));
    LIB(fp4lab_cuda_synchronize(ctx));
    check((d = first_diff(dq.get(), st.at("dequant").bytes)).empty(), id + ": dequantize " + d);

    // The host API (what the binding calls), with host buffers poisoned.
    std::vector<uint8_t> he2m1(eb, 0xA5), hsf(sb, 0xA5);
    fp4lab_cuda_quantize_out hout{he2m1.data(), hsf.data(), nullptr, nullptr};
    fp4lab_cuda_quantize_result hres{};
    fp4lab_cuda_matrix hm = m;
    hm.data = xt.bytes.data();
    const int32_t hs = fp4lab_cuda_quantize_host(ctx, &hm, &kw, &hout, &hres, nullptr);
    check(hs == FP4LAB_CUDA_OK && he2m1 == st.at("e2m1").bytes && hsf == st.at("sf").bytes && memcmp(&hres.normconst, &nc_ref, 4) == 0,
          id + ": quantize_host");
    std::vector<float> hdq(res.rows * res.cols, -777.0f);
    const fp4lab_cuda_packed hq{kw.fp4_format, res.rows, res.cols, rp, cp, he2m1.data(), hsf.data(), hres.normconst};
    check(fp4lab_cuda_dequantize_host(ctx, &hq, 1, 1, hdq.data(), nullptr) == FP4LAB_CUDA_OK &&
              memcmp(hdq.data(), st.at("dequant").bytes.data(), hdq.size() * 4) == 0,
          id + ": dequantize_host");

    // The analysis reductions.
    const int64_t hr = geti(f, "heat_rows"), hc = geti(f, "heat_cols");
    std::vector<float> bse(sb, -1.0f), hse(hr * hc, -1.0f), hme(hr * hc, -1.0f), hsr(hr * hc, -1.0f);
    fp4lab_cuda_analysis_out maps{bse.data(), hr, hc, hse.data(), hme.data(), hsr.data()};
    fp4lab_cuda_error_stats stats{};
    const int32_t as = fp4lab_cuda_analyze_host(ctx, &hm, &kw, nullptr, nullptr, &stats, &maps, nullptr);
    if (as != FP4LAB_CUDA_OK) return check(false, id + ": analyze: " + fp4lab_cuda_status_name(as) + ": " + fp4lab_cuda_last_error());
    auto close = [](double a, double b) { return std::fabs(a - b) <= 1e-12 * std::max(std::fabs(a), std::fabs(b)) + 1e-300; };
    bool ok = stats.count == geti(f, "count") && close(stats.sum_sq_err, getd(f, "sum_sq_err")) && close(stats.sum_abs_err, getd(f, "sum_abs_err")) &&
              close(stats.sum_sq_ref, getd(f, "sum_sq_ref")) && close(stats.sum_abs_ref, getd(f, "sum_abs_ref")) &&
              (double)stats.max_abs_err == getd(f, "max_abs_err") && stats.max_err_row == geti(f, "max_err_row") &&
              stats.max_err_col == geti(f, "max_err_col") && (double)stats.max_abs_ref == getd(f, "max_abs_ref") &&
              stats.blocks_chose_4 == geti(f, "chose4") && stats.blocks_chose_6 == geti(f, "chose6");
    std::istringstream codes(f.at("codes"));
    std::string c;
    for (int i = 0; i < 16 && std::getline(codes, c, ','); i++) ok = ok && stats.code_histogram[i] == std::stoll(c);
    char buf[512];
    snprintf(buf, sizeof buf, "%s: analysis stats (sum_sq_err %.17g vs %s, max %g at [%lld,%lld] vs %s at [%s,%s])", id.c_str(), stats.sum_sq_err,
             f.at("sum_sq_err").c_str(), stats.max_abs_err, (long long)stats.max_err_row, (long long)stats.max_err_col, f.at("max_abs_err").c_str(),
             f.at("max_err_row").c_str(), f.at("max_err_col").c_str());
    check(ok, buf);
    auto bytes = [](const std::vector<float>& v) { return std::vector<uint8_t>((const uint8_t*)v.data(), (const uint8_t*)(v.data() + v.size())); };
    check((d = first_diff(bytes(bse), st.at("block_sq_err").bytes)).empty(), id + ": block_sq_err " + d);
    check((d = first_diff(bytes(hse), st.at("heat_se").bytes)).empty(), id + ": heat_mean_sq_err " + d);
    check((d = first_diff(bytes(hme), st.at("heat_me").bytes)).empty(), id + ": heat_max_abs_err " + d);
    check((d = first_diff(bytes(hsr), st.at("heat_sr").bytes)).empty(), id + ": heat_mean_sq_ref " + d);
  }

  HostPacked host_packed(const Safetensors& st, const std::string& p, int format, int64_t rows, int64_t cols) {
    HostPacked h;
    h.format = format;
    h.rows = rows;
    h.cols = cols;
    const Tensor& e = st.at(p + "_e2m1");
    h.prows = e.shape[0];
    h.pcols = e.shape[1] * 2;
    h.e2m1 = e.bytes;
    h.sf = st.at(p + "_sf").bytes;
    memcpy(&h.nc, st.at(p + "_normconst").bytes.data(), 4);
    return h;
  }

  void matmul_case(const Fields& f, bool golden) {
    const std::string id = f.at("id");
    Safetensors st;
    std::string err;
    const std::string path = golden ? dir + "/" + f.at("file") : dir + "/" + f.at("file");
    if (!st.load(path, &err)) return check(false, id + ": " + err);
    const int format = (int)geti(f, "format");
    const int dtype = (int)geti(f, "out_dtype");
    const int64_t M = geti(f, "out_rows"), N = geti(f, "out_cols");
    HostPacked a = host_packed(st, "a", format, geti(f, "a_rows"), geti(f, "a_cols"));
    HostPacked b = host_packed(st, "b", format, geti(f, "b_rows"), geti(f, "b_cols"));
    // The reference pads columns further than we do in some golden cases; the packed operand is
    // taken as it is (its padded shape is whatever the file holds, a multiple of 64).
    if (a.pcols % (format == 0 ? 64 : 128) || b.pcols % (format == 0 ? 64 : 128)) {
      printf("  %s: skipped: the reference's padding [%lld, %lld] is not a multiple of 4 blocks\n", id.c_str(), (long long)a.prows, (long long)a.pcols);
      return;
    }
    DeviceBuf ae(ctx, a.e2m1), as(ctx, a.sf), be(ctx, b.e2m1), bs(ctx, b.sf);
    const fp4lab_cuda_packed pa{format, a.rows, a.cols, a.prows, a.pcols, ae.as<uint8_t>(), as.as<uint8_t>(), a.nc};
    const fp4lab_cuda_packed pb{format, b.rows, b.cols, b.prows, b.pcols, be.as<uint8_t>(), bs.as<uint8_t>(), b.nc};
    const size_t es = dtype == FP4LAB_CUDA_F32 ? 4 : 2;
    const std::vector<uint8_t>& ref = st.at("out").bytes;
    struct Variant {
      int32_t path, stages, cluster;
    };
    std::vector<Variant> variants;
    for (int32_t path_id : gemm_paths()) {
      if (path_id == FP4LAB_CUDA_GEMM_WGMMA_SM90) {
        for (int st : {3, 4})
          for (int cl : {1, -1, 2}) variants.push_back({path_id, st, cl});
      } else {
        variants.push_back({path_id, 0, 0});
      }
    }
    for (const Variant& v : variants) {
      const int32_t path_id = v.path;
      if (v.stages) LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, v.stages, v.cluster));
      for (int32_t epi : {FP4LAB_CUDA_EPILOGUE_EXACT, FP4LAB_CUDA_EPILOGUE_FUSED_ALPHA}) {
        DeviceBuf out(ctx, (size_t)(M * N) * es);
        const fp4lab_cuda_matmul_options o{dtype, M, N, path_id, epi};
        int32_t s = fp4lab_cuda_matmul_device(ctx, &pa, &pb, &o, out.ptr);
        if (s == FP4LAB_CUDA_OK) s = fp4lab_cuda_synchronize(ctx);
        if (s != FP4LAB_CUDA_OK) {
          check(false, id + ": matmul path " + std::to_string(path_id) + ": " + fp4lab_cuda_status_name(s) + ": " + fp4lab_cuda_last_error());
          continue;
        }
        const std::vector<uint8_t> got = out.get();
        const MatmulCheck r = check_product(got, &ref, a, b, M, N, dtype, nullptr);
        const bool exact = epi == FP4LAB_CUDA_EPILOGUE_EXACT;
        // Golden: bit-equal (every partial sum is exact at these sizes). Elsewhere: within the
        // fp32 accumulation bound of the fp64 product.
        const bool ok = (golden && exact) ? r.mismatches == 0 : r.worst_bound_ratio <= 1.0;
        char buf[320];
        snprintf(buf, sizeof buf, "%s %s path=%d (stages %d cluster %d) epilogue=%s [%lld x %lld] out_dtype=%d: %lld/%lld differ from the reference bits, max rel diff vs fp64 %.3g, worst err/bound %.3g",
                 golden ? "golden" : "matmul", id.c_str(), path_id, v.stages, v.cluster, exact ? "exact" : "fused", (long long)M, (long long)N, dtype, (long long)r.mismatches,
                 (long long)(M * N), r.max_rel, r.worst_bound_ratio);
        check(ok, buf);
        if (!quick && (r.mismatches || !ok)) printf("  %s\n", buf);
        g_matmul_max_rel = std::max(g_matmul_max_rel, r.max_rel);
        if (exact) g_exact_mismatch += r.mismatches;
      }
    }
    LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, 3, 1));  // back to the defaults
    // The host API once per case.
    std::vector<uint8_t> hout(M * N * es, 0xA5);
    const fp4lab_cuda_packed ha{format, a.rows, a.cols, a.prows, a.pcols, a.e2m1.data(), a.sf.data(), a.nc};
    const fp4lab_cuda_packed hb{format, b.rows, b.cols, b.prows, b.pcols, b.e2m1.data(), b.sf.data(), b.nc};
    const fp4lab_cuda_matmul_options o{dtype, M, N, FP4LAB_CUDA_GEMM_AUTO, FP4LAB_CUDA_EPILOGUE_EXACT};
    const int32_t hs = fp4lab_cuda_matmul_host(ctx, &ha, &hb, &o, hout.data(), nullptr);
    const MatmulCheck r = hs == FP4LAB_CUDA_OK ? check_product(hout, nullptr, a, b, M, N, dtype, nullptr) : MatmulCheck{1, 1, 1e9};
    check(hs == FP4LAB_CUDA_OK && r.worst_bound_ratio <= 1.0, id + ": matmul_host");
  }

  void golden_quantize(const Fields& f) {
    const std::string id = "golden " + f.at("id");
    Safetensors in, g;
    std::string err;
    if (!in.load(dir + "/" + f.at("input"), &err) || !g.load(dir + "/" + f.at("file"), &err)) return check(false, id + ": " + err);
    std::vector<float> had;
    const fp4lab_cuda_quantize_kwargs kw = kwargs(f, g, had);
    const Tensor& xt = in.at("x");
    DeviceBuf x(ctx, xt.bytes);
    const fp4lab_cuda_matrix m{x.ptr, xt.shape[0], xt.shape[1], dtype_of(xt.dtype), dtype_of(xt.dtype)};
    int64_t rp, cp, eb, sb;
    fp4lab_cuda_quantized_shape(kw.fp4_format, m.rows, m.cols, kw.transpose, &rp, &cp, &eb, &sb);
    DeviceBuf e2m1(ctx, eb), sf(ctx, sb);
    const fp4lab_cuda_quantize_out out{e2m1.as<uint8_t>(), sf.as<uint8_t>(), nullptr, nullptr};
    fp4lab_cuda_quantize_result res{};
    const int32_t s = fp4lab_cuda_quantize_device(ctx, &m, &kw, &out, &res);
    if (s != FP4LAB_CUDA_OK) return check(false, id + ": " + fp4lab_cuda_status_name(s) + ": " + fp4lab_cuda_last_error());
    check(memcmp(&res.normconst, g.at("normconst").bytes.data(), 4) == 0, id + ": normconst");
    // Logical region only: the reference may pad further than we do.
    const std::vector<uint8_t> ours = e2m1.get();
    const Tensor& ge = g.at("e2m1");
    const int64_t rows = res.rows, cols = res.cols, ref_half = ge.shape[1];
    bool ok = true;
    for (int64_t r = 0; r < rows && ok; r++)
      for (int64_t c = 0; c < (cols + 1) / 2 && ok; c++) ok = ours[r * (cp / 2) + c] == ge.bytes[r * ref_half + c];
    check(ok, id + ": e2m1 (logical region)");
    const int64_t bs = kw.fp4_format == 0 ? 16 : 32;
    const std::vector<uint8_t> our_sf = unswizzle(sf.get(), rp, cp / bs);
    const int64_t ref_rows = ge.shape[0], ref_scale_cols = ref_half * 2 / bs;
    std::vector<uint8_t> ref_sf;
    int64_t ref_stride;
    if (ref_rows % 128 == 0 && ref_scale_cols % 4 == 0) {
      ref_sf = unswizzle(g.at("sf").bytes, ref_rows, ref_scale_cols);
      ref_stride = ref_scale_cols;
    } else {
      ref_sf = g.at("sf_rowmajor").bytes;
      ref_stride = g.at("sf_rowmajor").shape[1];
    }
    ok = true;
    for (int64_t r = 0; r < rows && ok; r++)
      for (int64_t c = 0; c < (cols + bs - 1) / bs && ok; c++) ok = our_sf[r * (cp / bs) + c] == ref_sf[r * ref_stride + c];
    check(ok, id + ": sf (logical region)");
  }

  void nonfinite_case() {
    // A NaN planted in an otherwise valid input: a status naming its position, never NaN scales.
    const int64_t rows = 37, cols = 53;
    std::vector<float> x(rows * cols);
    std::mt19937 rng(7);
    std::normal_distribution<float> nd;
    for (float& v : x) v = nd(rng);
    x[11 * cols + 29] = NAN;
    x[20 * cols + 3] = INFINITY;
    const fp4lab_cuda_matrix m{x.data(), rows, cols, FP4LAB_CUDA_F32, FP4LAB_CUDA_F32};
    fp4lab_cuda_quantize_kwargs kw{};
    kw.scale_rule = FP4LAB_CUDA_MSE;
    std::vector<uint8_t> e(128 * 64 / 2), s(128 * 64 / 16);
    const fp4lab_cuda_quantize_out out{e.data(), s.data(), nullptr, nullptr};
    fp4lab_cuda_quantize_result res{};
    const int32_t st = fp4lab_cuda_quantize_host(ctx, &m, &kw, &out, &res, nullptr);
    check(st == FP4LAB_CUDA_NON_FINITE && res.nonfinite_count == 2 && res.nonfinite_row == 11 && res.nonfinite_col == 29,
          std::string("non-finite input: ") + fp4lab_cuda_status_name(st) + ": " + fp4lab_cuda_last_error());
    printf("  non-finite input -> %s: %s\n", fp4lab_cuda_status_name(st), fp4lab_cuda_last_error());
    // Bad kwargs are refused with a sentence.
    kw.fp4_format = FP4LAB_CUDA_MXFP4;
    const int32_t st2 = fp4lab_cuda_quantize_host(ctx, &m, &kw, &out, &res, nullptr);
    check(st2 == FP4LAB_CUDA_INVALID_ARGUMENT, "mxfp4 + mse refused");
    printf("  mxfp4 + mse -> %s: %s\n", fp4lab_cuda_status_name(st2), fp4lab_cuda_last_error());
  }

  double g_matmul_max_rel = 0;
  int64_t g_exact_mismatch = 0;
};

int cmd_status() {
  int32_t n = 0;
  int32_t s = fp4lab_cuda_device_count(&n);
  printf("libfp4lab_cuda ABI %d, built for %s\n", fp4lab_cuda_abi_version(), fp4lab_cuda_build_archs());
  if (s != FP4LAB_CUDA_OK) {
    printf("cuda: unavailable: %s: %s\n", fp4lab_cuda_status_name(s), fp4lab_cuda_last_error());
    return 0;
  }
  for (int d = 0; d < n; d++) {
    fp4lab_cuda_device_info info;
    s = fp4lab_cuda_probe(d, &info);
    if (s != FP4LAB_CUDA_OK) printf("cuda: device %d unavailable: %s: %s\n", d, fp4lab_cuda_status_name(s), fp4lab_cuda_last_error());
    else
      printf("cuda: device %d available: %s; driver %d, runtime %d, cuBLASLt %d; paths 0x%x (unverified 0x%x), default %d\n", d, info.detail,
             info.driver_version, info.runtime_version, info.cublaslt_version, info.gemm_paths, info.gemm_paths_unverified, info.default_gemm_path);
  }
  return 0;
}

int cmd_test(const std::string& dir, bool quick) {
  Tester t{};
  t.dir = dir;
  t.quick = quick;
  LIB(fp4lab_cuda_probe(0, &t.info));
  printf("device: %s\n", t.info.detail);
  LIB(fp4lab_cuda_context_create(0, &t.ctx));
  std::ifstream in(dir + "/index.txt");
  if (!in) {
    fprintf(stderr, "no %s/index.txt\n", dir.c_str());
    return 2;
  }
  std::string line, kind;
  int n = 0;
  std::map<std::string, int> counts;
  while (std::getline(in, line)) {
    if (line.rfind("seed ", 0) == 0) {
      printf("cases generated with %s\n", line.c_str());
      continue;
    }
    const Fields f = parse_line(line, &kind);
    if (quick && (n++ % 5) != 0 && kind != "quantize_error") continue;
    counts[kind]++;
    const int failed_before = g_failed;
    if (kind == "quantize") t.quantize_case(f, false);
    else if (kind == "quantize_error") t.quantize_case(f, true);
    else if (kind == "matmul") t.matmul_case(f, false);
    else if (kind == "golden_quantize") t.golden_quantize(f);
    else if (kind == "golden_matmul") t.matmul_case(f, true);
    if (g_failed > failed_before) printf("  (case line: %.300s)\n", line.c_str());
  }
  t.nonfinite_case();
  for (auto& [k, c] : counts) printf("%s: %d cases\n", k.c_str(), c);
  printf("matmul: max relative difference vs fp64 over all cases %.3g; exact-epilogue elements differing from the reference bits: %lld\n",
         t.g_matmul_max_rel, (long long)t.g_exact_mismatch);
  fp4lab_cuda_context_destroy(t.ctx);
  printf("\n%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}

// ---------------------------------------------------------------- bench
struct Timer {
  cudaStream_t stream;
  cudaEvent_t a, b;
  explicit Timer(cudaStream_t s) : stream(s) {
    CU(cudaEventCreate(&a));
    CU(cudaEventCreate(&b));
  }
  template <typename F>
  double median_ms(F&& f, int warmup, int iters) {
    for (int i = 0; i < warmup; i++) f();
    CU(cudaStreamSynchronize(stream));
    std::vector<double> t;
    for (int i = 0; i < iters; i++) {
      CU(cudaEventRecord(a, stream));
      f();
      CU(cudaEventRecord(b, stream));
      CU(cudaEventSynchronize(b));
      float ms;
      CU(cudaEventElapsedTime(&ms, a, b));
      t.push_back(ms);
    }
    std::sort(t.begin(), t.end());
    return t[t.size() / 2];
  }
};

int cmd_bench(int64_t size, bool quantize_only, bool gemm_only) {
  fp4lab_cuda_device_info info;
  LIB(fp4lab_cuda_probe(0, &info));
  fp4lab_cuda_context* ctx;
  LIB(fp4lab_cuda_context_create(0, &ctx));
  cudaStream_t stream = static_cast<cudaStream_t>(fp4lab_cuda_stream(ctx));
  Timer timer(stream);
  printf("device: %s\n", info.detail);
  const int64_t R = size, C = size;

  // Copy bandwidth (bytes read + written), 2 GiB buffers.
  const size_t copy_bytes = 1ull << 30;
  void *src, *dst;
  LIB(fp4lab_cuda_malloc(ctx, copy_bytes, &src));
  LIB(fp4lab_cuda_malloc(ctx, copy_bytes, &dst));
  CU(cudaMemset(src, 1, copy_bytes));
  const double copy_ms = timer.median_ms([&] { CU(cudaMemcpyAsync(dst, src, copy_bytes, cudaMemcpyDeviceToDevice, stream)); }, 3, 20);
  const double copy_bw = 2.0 * copy_bytes / (copy_ms * 1e-3);

  // Inputs: random normal bf16 (never zeros).
  std::vector<uint16_t> xh(R * C);
  std::mt19937 rng(1234);
  std::normal_distribution<float> nd;
  for (auto& v : xh) {
    float f = nd(rng);
    uint32_t b;
    memcpy(&b, &f, 4);
    v = (uint16_t)((b + 0x7fff + ((b >> 16) & 1)) >> 16);
  }
  void *x, *y;
  LIB(fp4lab_cuda_malloc(ctx, R * C * 2, &x));
  LIB(fp4lab_cuda_malloc(ctx, R * C * 2, &y));
  LIB(fp4lab_cuda_upload(ctx, x, xh.data(), R * C * 2));
  for (auto& v : xh) v ^= (uint16_t)(rng() & 0x807f);  // a second, different operand
  LIB(fp4lab_cuda_upload(ctx, y, xh.data(), R * C * 2));

  struct Row {
    std::string name;
    double ms, bytes, flops;
    std::string note;
  };
  std::vector<Row> rows;
  rows.push_back({"device copy (cudaMemcpy D2D 1 GiB)", copy_ms, 2.0 * copy_bytes, 0, ""});

  int64_t rp, cp, eb, sb;
  fp4lab_cuda_quantized_shape(0, R, C, 0, &rp, &cp, &eb, &sb);
  void *ae, *as, *be, *bs;
  LIB(fp4lab_cuda_malloc(ctx, eb, &ae));
  LIB(fp4lab_cuda_malloc(ctx, sb, &as));
  LIB(fp4lab_cuda_malloc(ctx, eb, &be));
  LIB(fp4lab_cuda_malloc(ctx, sb, &bs));
  const fp4lab_cuda_matrix mx{x, R, C, FP4LAB_CUDA_BF16, FP4LAB_CUDA_BF16}, my{y, R, C, FP4LAB_CUDA_BF16, FP4LAB_CUDA_BF16};
  fp4lab_cuda_quantize_out qa{(uint8_t*)ae, (uint8_t*)as, nullptr, nullptr}, qb{(uint8_t*)be, (uint8_t*)bs, nullptr, nullptr};
  struct QVariant {
    const char* name;
    int fmt, rule, twod, round, transpose, had;
  };
  const std::vector<QVariant> variants = quantize_only ? std::vector<QVariant>{{"quantize nvfp4 mse", 0, FP4LAB_CUDA_MSE, 0, 0, 0, 0}, {"quantize nvfp4 always_6", 0, FP4LAB_CUDA_ALWAYS_6, 0, 0, 0, 0}} : std::vector<QVariant>{{"quantize nvfp4 mse (the target)", 0, FP4LAB_CUDA_MSE, 0, 0, 0, 0},
                               {"quantize nvfp4 always_6", 0, FP4LAB_CUDA_ALWAYS_6, 0, 0, 0, 0},
                               {"quantize nvfp4 abs_max", 0, FP4LAB_CUDA_ABS_MAX, 0, 0, 0, 0},
                               {"quantize mxfp4 always_6", 1, FP4LAB_CUDA_ALWAYS_6, 0, 0, 0, 0},
                               {"quantize nvfp4 mse stochastic", 0, FP4LAB_CUDA_MSE, 0, 1, 0, 0},
                               {"quantize nvfp4 mse 2-D", 0, FP4LAB_CUDA_MSE, 1, 0, 0, 0},
                               {"quantize nvfp4 mse transpose (fp32 prepare)", 0, FP4LAB_CUDA_MSE, 0, 0, 1, 0},
                               {"quantize nvfp4 mse had16 (fp32 prepare)", 0, FP4LAB_CUDA_MSE, 0, 0, 0, 16}};
  std::vector<float> had(256);
  for (int i = 0; i < 16; i++)
    for (int j = 0; j < 16; j++) had[i * 16 + j] = (__builtin_popcount(i & j) & 1) ? -0.25f : 0.25f;
  const double in_bytes = (double)R * C * 2;
  double target_ms = 0;
  for (const QVariant& v : variants) {
    if (gemm_only) break;
    fp4lab_cuda_quantize_kwargs kw{};
    kw.fp4_format = v.fmt;
    kw.scale_rule = v.rule;
    kw.block_scale_2d = v.twod;
    kw.round_style = v.round;
    kw.transpose = v.transpose;
    kw.seed = 5;
    kw.had_size = v.had;
    kw.had_matrix = v.had ? had.data() : nullptr;
    int64_t e_b, s_b;
    fp4lab_cuda_quantized_shape(v.fmt, R, C, 0, nullptr, nullptr, &e_b, &s_b);
    const bool prepared = v.transpose || v.had;
    // Bytes the two passes move: the input read twice, codes and scales written.
    const double bytes = 2 * in_bytes + e_b + s_b;
    for (int persistent : {1, 0}) {
      if (!persistent && (prepared || v.twod)) continue;
      LIB(fp4lab_cuda_diag_set_quantize_grid(ctx, persistent));
      const double ms = timer.median_ms([&] { LIB(fp4lab_cuda_quantize_device(ctx, &mx, &kw, &qa, nullptr)); }, 3, 20);
      rows.push_back({std::string(v.name) + (persistent ? "" : " [short CTAs]"), ms, bytes, 0, prepared ? "(+fp32 prepare pass, not counted)" : ""});
      if (&v == &variants[0]) target_ms = target_ms == 0 ? ms : std::min(target_ms, ms);
    }
    LIB(fp4lab_cuda_diag_set_quantize_grid(ctx, 0));
  }
  if (quantize_only) {
    fp4lab_cuda_context_destroy(ctx);
    return 0;
  }
  // Packed operands for the GEMM (mse, as users quantize them).
  fp4lab_cuda_quantize_kwargs kw{};
  kw.scale_rule = FP4LAB_CUDA_MSE;
  fp4lab_cuda_quantize_result ra{}, rb{};
  LIB(fp4lab_cuda_quantize_device(ctx, &mx, &kw, &qa, &ra));
  LIB(fp4lab_cuda_quantize_device(ctx, &my, &kw, &qb, &rb));
  const fp4lab_cuda_packed pa{0, R, C, rp, cp, (uint8_t*)ae, (uint8_t*)as, ra.normconst};
  const fp4lab_cuda_packed pb{0, R, C, rp, cp, (uint8_t*)be, (uint8_t*)bs, rb.normconst};

  // Dequantize to bf16 (the GEMM's first step) and the bf16 GEMMs alone.
  void *da, *db, *out;
  LIB(fp4lab_cuda_malloc(ctx, rp * cp * 2, &da));
  LIB(fp4lab_cuda_malloc(ctx, rp * cp * 2, &db));
  LIB(fp4lab_cuda_malloc(ctx, rp * rp * 4, &out));
  const double dq_ms = timer.median_ms([&] { LIB(fp4lab_cuda_dequantize_device(ctx, &pa, 0, rp, cp, FP4LAB_CUDA_BF16, da, cp)); }, 3, 20);
  LIB(fp4lab_cuda_dequantize_device(ctx, &pb, 0, rp, cp, FP4LAB_CUDA_BF16, db, cp));
  rows.push_back({"dequantize nvfp4 -> bf16 (one operand)", dq_ms, (double)eb + sb + rp * cp * 2.0, 0, ""});
  const double flops = 2.0 * rp * rp * cp;
  const double cublas_ms = timer.median_ms([&] { LIB(fp4lab_cuda_diag_bf16_gemm(ctx, FP4LAB_CUDA_GEMM_CUBLASLT_BF16, rp, rp, cp, da, db, FP4LAB_CUDA_BF16, out)); }, 3, 10);
  rows.push_back({"cuBLASLt bf16 GEMM (bf16 out) [baseline]", cublas_ms, 0, flops, ""});
  const bool hopper = info.gemm_paths & FP4LAB_CUDA_PATH_BIT(FP4LAB_CUDA_GEMM_WGMMA_SM90);
  int best_stages = 3, best_cluster = 1;
  if (hopper) {
    double best = 1e30;
    for (int st : {3, 4}) {
      for (int cl : {1, -1, 2}) {
        LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, st, cl));
        const double w = timer.median_ms([&] { LIB(fp4lab_cuda_diag_bf16_gemm(ctx, FP4LAB_CUDA_GEMM_WGMMA_SM90, rp, rp, cp, da, db, FP4LAB_CUDA_BF16, out)); }, 3, 10);
        rows.push_back({"wgmma bf16 GEMM alone, " + std::to_string(st) + " stages, " + (cl == 1 ? "stream-K tail" : cl == -1 ? "whole tiles" : "cluster 2 multicast"), w, 0, flops, ""});
        if (w < best) {
          best = w;
          best_stages = st;
          best_cluster = cl;
        }
      }
    }
    LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, 3, 1));
    const double wd = timer.median_ms([&] { LIB(fp4lab_cuda_diag_bf16_gemm(ctx, FP4LAB_CUDA_GEMM_WGMMA_SM90, rp, rp, cp, da, db, FP4LAB_CUDA_BF16, out)); }, 3, 10);
    rows.push_back({"wgmma bf16 GEMM alone, default config (again)", wd, 0, flops, ""});
  }
  const double cublas2_ms = timer.median_ms([&] { LIB(fp4lab_cuda_diag_bf16_gemm(ctx, FP4LAB_CUDA_GEMM_CUBLASLT_BF16, rp, rp, cp, da, db, FP4LAB_CUDA_BF16, out)); }, 3, 10);
  rows.push_back({"cuBLASLt bf16 GEMM (bf16 out) [baseline, again]", cublas2_ms, 0, flops, ""});
  struct GVariant {
    const char* name;
    int path, epilogue;
  };
  std::vector<GVariant> gv;
  if (hopper) gv.push_back({"fp4 GEMM: dequant + wgmma, exact epilogue (default config)", FP4LAB_CUDA_GEMM_WGMMA_SM90, FP4LAB_CUDA_EPILOGUE_EXACT});
  if (hopper && (best_stages != 3 || best_cluster != 1))
    gv.push_back({"fp4 GEMM: dequant + wgmma, exact epilogue (fastest config above)", FP4LAB_CUDA_GEMM_WGMMA_SM90 + 1000, FP4LAB_CUDA_EPILOGUE_EXACT});
  gv.push_back({"fp4 GEMM: dequant + cuBLASLt, exact (fp32 + epilogue pass)", FP4LAB_CUDA_GEMM_CUBLASLT_BF16, FP4LAB_CUDA_EPILOGUE_EXACT});
  gv.push_back({"fp4 GEMM: dequant + cuBLASLt, fused alpha", FP4LAB_CUDA_GEMM_CUBLASLT_BF16, FP4LAB_CUDA_EPILOGUE_FUSED_ALPHA});
  double best_fp4 = 1e30;
  std::string best_name;
  for (const GVariant& g : gv) {
    const fp4lab_cuda_matmul_options o{FP4LAB_CUDA_BF16, rp, rp, g.path % 1000, g.epilogue};
    if (g.path >= 1000) LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, best_stages, best_cluster));
    const double ms = timer.median_ms([&] { LIB(fp4lab_cuda_matmul_device(ctx, &pa, &pb, &o, out)); }, 2, 10);
    LIB(fp4lab_cuda_diag_set_wgmma_config(ctx, 3, 1));
    rows.push_back({g.name, ms, 0, flops, ""});
    if (g.epilogue == FP4LAB_CUDA_EPILOGUE_EXACT && ms < best_fp4) {
      best_fp4 = ms;
      best_name = g.name;
    }
  }
  // Accuracy of the default path on this problem: sampled entries against fp64.
  {
    const fp4lab_cuda_matmul_options o{FP4LAB_CUDA_BF16, rp, rp, FP4LAB_CUDA_GEMM_AUTO, FP4LAB_CUDA_EPILOGUE_EXACT};
    LIB(fp4lab_cuda_synchronize(ctx));
    CU(cudaMemset(out, 0xA5, rp * rp * 2));
    CU(cudaDeviceSynchronize());
    LIB(fp4lab_cuda_matmul_device(ctx, &pa, &pb, &o, out));
    LIB(fp4lab_cuda_synchronize(ctx));
    HostPacked ha{0, R, C, rp, cp, std::vector<uint8_t>(eb), std::vector<uint8_t>(sb), ra.normconst};
    HostPacked hb{0, R, C, rp, cp, std::vector<uint8_t>(eb), std::vector<uint8_t>(sb), rb.normconst};
    LIB(fp4lab_cuda_download(ctx, ha.e2m1.data(), ae, eb));
    LIB(fp4lab_cuda_download(ctx, ha.sf.data(), as, sb));
    LIB(fp4lab_cuda_download(ctx, hb.e2m1.data(), be, eb));
    LIB(fp4lab_cuda_download(ctx, hb.sf.data(), bs, sb));
    std::vector<uint8_t> got(rp * rp * 2);
    LIB(fp4lab_cuda_download(ctx, got.data(), out, got.size()));
    std::vector<std::pair<int64_t, int64_t>> sample;
    for (int i = 0; i < 512; i++) sample.push_back({(int64_t)(rng() % rp), (int64_t)(rng() % rp)});
    sample.push_back({rp - 1, rp - 1});
    const MatmulCheck r = check_product(got, nullptr, ha, hb, rp, rp, FP4LAB_CUDA_BF16, &sample);
    int64_t poisoned = 0;
    for (size_t i = 0; i < got.size(); i += 2) poisoned += got[i] == 0xA5 && got[i + 1] == 0xA5;
    printf("accuracy %lldx%lldx%lld (default path, 513 sampled entries vs fp64): max rel diff %.3g, worst err/bound %.3g, untouched outputs %lld\n",
           (long long)rp, (long long)rp, (long long)cp, r.max_rel, r.worst_bound_ratio, (long long)poisoned);
    check(r.worst_bound_ratio <= 1.0 && poisoned == 0, "bench GEMM accuracy");
  }

  // The two target ratios, measured fairly: each pair alternated in 5 rounds (the card's clocks
  // drift over a run), the ratio of each round, and the median of the rounds.
  std::vector<double> q_ratio, g_ratio, q_round, c_round, f_round, b_round;
  const fp4lab_cuda_matmul_options o_default{FP4LAB_CUDA_BF16, rp, rp, FP4LAB_CUDA_GEMM_AUTO, FP4LAB_CUDA_EPILOGUE_EXACT};
  fp4lab_cuda_quantize_kwargs kw_target{};
  kw_target.scale_rule = FP4LAB_CUDA_MSE;
  for (int round = 0; round < 5 && !quantize_only; round++) {
    const double c = timer.median_ms([&] { CU(cudaMemcpyAsync(dst, src, copy_bytes, cudaMemcpyDeviceToDevice, stream)); }, 1, 5);
    const double q = timer.median_ms([&] { LIB(fp4lab_cuda_quantize_device(ctx, &mx, &kw_target, &qa, nullptr)); }, 1, 10);
    const double b = timer.median_ms([&] { LIB(fp4lab_cuda_diag_bf16_gemm(ctx, FP4LAB_CUDA_GEMM_CUBLASLT_BF16, rp, rp, cp, da, db, FP4LAB_CUDA_BF16, out)); }, 1, 5);
    const double f = timer.median_ms([&] { LIB(fp4lab_cuda_matmul_device(ctx, &pa, &pb, &o_default, out)); }, 1, 5);
    q_ratio.push_back(((2 * in_bytes + eb + sb) / q) / (2.0 * copy_bytes / c));
    g_ratio.push_back(f / b);
    q_round.push_back(q);
    c_round.push_back(c);
    f_round.push_back(f);
    b_round.push_back(b);
  }
  auto median = [](std::vector<double> v) {
    std::sort(v.begin(), v.end());
    return v.empty() ? 0.0 : v[v.size() / 2];
  };
  fp4lab_cuda_free(ctx, src);
  fp4lab_cuda_free(ctx, dst);

  printf("\n%-62s %10s %10s %10s  %s\n", "what", "ms", "GB/s", "TFLOP/s", "");
  for (const Row& r : rows)
    printf("%-62s %10.4f %10.1f %10.1f  %s\n", r.name.c_str(), r.ms, r.bytes ? r.bytes / (r.ms * 1e6) : 0.0, r.flops ? r.flops / (r.ms * 1e9) : 0.0,
           r.note.c_str());
  const double q_bw = (2 * in_bytes + eb + sb) / (target_ms * 1e-3);
  const double one_pass = (in_bytes + eb + sb) / (target_ms * 1e-3);
  if (!gemm_only) printf("\nRATIO quantize %lldx%lld bf16 nvfp4 mse: %.1f GB/s moved (2 reads + writes) = %.3fx copy bandwidth %.1f GB/s (target >= 0.7); one-pass bytes: %.3fx\n",
         (long long)R, (long long)C, q_bw / 1e9, q_bw / copy_bw, copy_bw / 1e9, one_pass / copy_bw);
  const double cublas_best = std::min(cublas_ms, cublas2_ms);
  printf("RATIO fp4 GEMM %lld^3 from packed, best exact path (%s): %.4f ms = %.3fx cuBLASLt bf16 %.4f ms (faster of two runs; target <= 1.15)\n", (long long)rp,
         best_name.c_str(), best_fp4, best_fp4 / cublas_best, cublas_best);
  printf("fastest wgmma config: %d stages, cluster %d (-1: whole tiles, 1: stream-K tail, 2: multicast)\n", best_stages, best_cluster);
  if (!quantize_only && !gemm_only) {
    printf("\nFAIR (5 alternated rounds, medians): copy %.4f ms, quantize mse %.4f ms -> %.3fx copy bandwidth (rounds:", median(c_round), median(q_round), median(q_ratio));
    for (double r : q_ratio) printf(" %.3f", r);
    printf(")\nFAIR (5 alternated rounds, medians): cuBLASLt bf16 %.4f ms, fp4 GEMM default path %.4f ms -> %.3fx (rounds:", median(b_round), median(f_round), median(g_ratio));
    for (double r : g_ratio) printf(" %.3f", r);
    printf(")\n");
  }
  fp4lab_cuda_context_destroy(ctx);
  printf("\n%d passed, %d failed\n", g_passed, g_failed);
  return g_failed ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    fprintf(stderr, "usage: %s status | test <cases dir> [--quick] | bench [--size N]\n", argv[0]);
    return 2;
  }
  const std::string cmd = argv[1];
  if (cmd == "status") return cmd_status();
  if (cmd == "test" && argc >= 3) return cmd_test(argv[2], argc >= 4 && std::string(argv[3]) == "--quick");
  if (cmd == "bench") {
    int64_t size = 8192;
    bool quantize_only = false, gemm_only = false;
    for (int i = 2; i < argc; i++) {
      if (std::string(argv[i]) == "--size" && i + 1 < argc) size = std::stoll(argv[i + 1]);
      if (std::string(argv[i]) == "--quantize-only") quantize_only = true;
      if (std::string(argv[i]) == "--gemm-only") gemm_only = true;
    }
    return cmd_bench(size, quantize_only, gemm_only);
  }
  fprintf(stderr, "unknown command %s\n", cmd.c_str());
  return 2;
}
