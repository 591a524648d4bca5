// The quantizer's inner loops for AVX2 + FMA + F16C (compiled with -mavx2 -mfma -mf16c, see native/fp4lab.gypi).
#include "simd_avx2.h"
#include "quantize_simd.h"

namespace fp4lab {

const QuantizeKernels& quantize_kernels_avx2() { return simd::kernel_table<Avx2>(); }

}  // namespace fp4lab
