// The quantizer's inner loops in plain C++: the reference's loops (app/quantize/quantizeToFp4.ts)
// over the band API. What ARM and old x86 machines run, and a second oracle for the SIMD tables.
#include <cstring>
#include <vector>

#include "quantize_kernels.h"
#include "scalar_codecs.h"

namespace fp4lab {
namespace {

uint32_t abs_max_bits(const float* x, int64_t n) {
  uint32_t best = 0;
  for (int64_t i = 0; i < n; i++) {
    const uint32_t b = float_bits(x[i]) & 0x7fffffff;
    if (b > best) best = b;
  }
  return best;
}

void hadamard(float* x, int64_t count, const float* h, int n, fp4lab_dtype dtype, float* out) {
  for (int64_t base = 0; base < count; base += n) {
    for (int j = 0; j < n; j++) {
      float acc = 0.0f;
      for (int k = 0; k < n; k++) acc = acc + x[base + k] * h[k * n + j];
      out[j] = round_to_dtype(acc, dtype);
    }
    std::memcpy(x + base, out, sizeof(float) * static_cast<size_t>(n));
  }
}

struct Candidate {
  uint8_t byte;
  float scale;
};

Candidate candidate(const QuantizeSetup& s, float amax, float target) {
  if (s.format == FP4LAB_NVFP4) {
    float shp = amax / (target * s.normconst);
    if (shp < kE4M3MinNormal) shp = kE4M3MinNormal;
    else if (shp > kE4M3Max) shp = kE4M3Max;
    const uint8_t byte = e4m3_encode(shp);
    return {byte, e4m3_decode(byte) * s.normconst};
  }
  const uint8_t byte = ue8m0_ceil(amax / target);
  return {byte, byte == 0 ? 0.0f : ue8m0_decode(byte)};
}

// The 8-lane error sum of NUMERICS.md §2.4.
class LaneError {
 public:
  explicit LaneError(ErrorMetric metric) : metric_(metric) {}
  void reset() {
    for (float& l : lanes_) l = 0.0f;
    max_abs_ = 0.0f;
    count_ = 0;
  }
  void add(float e) {
    const int lane = count_++ & 7;
    if (metric_ == ErrorMetric::kMse) lanes_[lane] = lanes_[lane] + e * e;
    else if (metric_ == ErrorMetric::kL1) lanes_[lane] = lanes_[lane] + std::fabs(e);
    else if (std::fabs(e) > max_abs_) max_abs_ = std::fabs(e);
  }
  float total() const {
    if (metric_ == ErrorMetric::kAbsMax) return max_abs_;
    float t = lanes_[0];
    for (int j = 1; j < 8; j++) t = t + lanes_[j];
    return t;
  }

 private:
  ErrorMetric metric_;
  float lanes_[8] = {};
  float max_abs_ = 0.0f;
  int count_ = 0;
};

void quantize_band(const QuantizeSetup& s, const float* const* rows, int nrows, int64_t first_row, const BandOutput& out, void* scratch) {
  const int block = s.block;
  const int group_rows = s.group_rows;
  const int64_t nb = s.cols / block;
  const int group_size = group_rows * block;
  uint8_t* codes[2] = {static_cast<uint8_t*>(scratch), static_cast<uint8_t*>(scratch) + group_size};
  LaneError err(s.metric);
  const bool adaptive = s.metric != ErrorMetric::kNone;

  for (int r0 = 0; r0 < nrows; r0 += group_rows) {
    for (int64_t b = 0; b < nb; b++) {
      const int64_t c0 = b * block;
      float amax = 0.0f;
      for (int r = r0; r < r0 + group_rows; r++) {
        for (int c = 0; c < block; c++) {
          const float a = std::fabs(rows[r][c0 + c]);
          if (a > amax) amax = a;
        }
      }
      Candidate cand[2];
      float best_error = 0.0f;
      int best = 0;
      for (int t = 0; t < s.ntargets; t++) {
        cand[t] = candidate(s, amax, s.targets[t]);
        err.reset();
        int k = 0;
        for (int r = r0; r < r0 + group_rows; r++) {
          const uint64_t row_index = static_cast<uint64_t>(first_row + r) * static_cast<uint64_t>(s.cols);
          for (int c = 0; c < block; c++, k++) {
            const float xv = rows[r][c0 + c];
            const float abs_v = cand[t].scale == 0.0f ? 0.0f : std::fabs(xv / cand[t].scale);
            const float q = s.stochastic ? round_e2m1_stochastic(abs_v, stochastic_uniform(s.key, row_index + static_cast<uint64_t>(c0 + c)))
                                         : round_e2m1_nearest(abs_v);
            codes[t][k] = e2m1_code(xv, q);
            if (adaptive) {
              const float d = q * cand[t].scale;
              err.add((xv < 0.0f ? -d : d) - xv);
            }
          }
        }
        const float e = adaptive ? err.total() : 0.0f;
        if (t == 0 || e < best_error) {
          best = t;
          best_error = e;
        }
      }
      int k = 0;
      for (int r = r0; r < r0 + group_rows; r++) {
        uint8_t* e2m1 = out.e2m1 + static_cast<int64_t>(r) * (s.cols / 2);
        for (int c = 0; c < block; c += 2, k += 2) e2m1[(c0 + c) / 2] = static_cast<uint8_t>(codes[best][k] | (codes[best][k + 1] << 4));
        const int64_t o = static_cast<int64_t>(r) * nb + b;
        out.scale_bytes[o] = cand[best].byte;
        out.block_scales[o] = cand[best].scale;
        out.selection[o] = static_cast<uint8_t>(s.targets[best]);
      }
    }
  }
}

size_t band_scratch_bytes(const QuantizeSetup& s) { return static_cast<size_t>(2 * s.group_rows * s.block); }

}  // namespace

const QuantizeKernels& quantize_kernels_portable() {
  static const QuantizeKernels table = {abs_max_bits, hadamard, quantize_band, band_scratch_bytes};
  return table;
}

}  // namespace fp4lab
