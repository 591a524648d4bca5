// The quantizer's inner loops for AVX-512 (compiled with -mavx512f/bw/dq/vl, see binding.gyp).
#include "simd_avx512.h"
#include "quantize_simd.h"

namespace fp4lab {

const QuantizeKernels& quantize_kernels_avx512() { return simd::kernel_table<Avx512>(); }

}  // namespace fp4lab
