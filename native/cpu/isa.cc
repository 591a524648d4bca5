#include "isa.h"

#include "errors.h"

namespace fp4lab {

fp4lab_isa detected_isa() {
#if defined(FP4LAB_HAVE_X86_KERNELS) && (defined(__x86_64__) || defined(_M_X64)) && (defined(__GNUC__) || defined(__clang__))
  // __builtin_cpu_supports checks the OS-enabled state (XCR0) as well as cpuid.
  __builtin_cpu_init();
  const bool avx512 = __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
                      __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl");
  if (avx512 && __builtin_cpu_supports("avx512bf16")) return FP4LAB_ISA_AVX512_BF16;
  if (avx512) return FP4LAB_ISA_AVX512;
  if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c")) return FP4LAB_ISA_AVX2;
#endif
  return FP4LAB_ISA_PORTABLE;
}

fp4lab_status resolve_isa(fp4lab_isa requested, fp4lab_isa* resolved, fp4lab_error* err) {
  const fp4lab_isa best = detected_isa();
  if (requested == FP4LAB_ISA_AUTO) {
    *resolved = best;
    return FP4LAB_OK;
  }
  if (requested < FP4LAB_ISA_PORTABLE || requested > FP4LAB_ISA_AVX512_BF16) {
    return set_error(err, FP4LAB_INVALID_ARGUMENT, "isa must be auto, portable, avx2, avx512 or avx512_bf16; got %d", static_cast<int>(requested));
  }
  if (requested > best) {
    return set_error(err, FP4LAB_UNSUPPORTED, "isa '%s' was requested but this CPU (or build) supports up to '%s'", fp4lab_isa_name(requested),
                     fp4lab_isa_name(best));
  }
  *resolved = requested;
  return FP4LAB_OK;
}

}  // namespace fp4lab

extern "C" const char* fp4lab_isa_name(fp4lab_isa isa) {
  switch (isa) {
    case FP4LAB_ISA_AUTO: return "auto";
    case FP4LAB_ISA_PORTABLE: return "portable";
    case FP4LAB_ISA_AVX2: return "avx2";
    case FP4LAB_ISA_AVX512: return "avx512";
    case FP4LAB_ISA_AVX512_BF16: return "avx512_bf16";
  }
  return "unknown";
}
