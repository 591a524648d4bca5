# The fp4lab addon's build, included by native/binding.gyp (the release addon, built by
# `npm install`) and by the sanitizer build (scripts/build-native.mjs --asan), which sets
# fp4lab_sanitize=1 and builds in its own directory. Paths here are relative to this file.
#
# Layers: libfp4lab_cpu (native/cpu, plain C ABI in native/include, no N-API) is built as static
# libraries, one per instruction set so each file gets its own target flags; the addon
# (native/binding) links them. Dispatch happens at run time (native/cpu/isa.cc).
{
  'variables': {
    'fp4lab_sanitize%': 0,
    'fp4lab_x86%': 0,
    # GCC 12 reports the deliberately undefined lanes inside its own AVX-512 intrinsic headers
    # (_mm512_undefined_*) as uninitialized; those warnings say nothing about our code.
    'fp4lab_intrinsics_warnings': ['-Wno-uninitialized', '-Wno-maybe-uninitialized'],
    'conditions': [
      ['target_arch=="x64" or target_arch=="ia32"', { 'fp4lab_x86%': 1 }],
    ],
  },
  'target_defaults': {
    'include_dirs': ['include'],
    # Bit-exact kernels: every fp32 operation rounds where the reference rounds, so the compiler
    # must not fuse a multiply and an add (-ffp-contract=off) or reassociate (no -ffast-math).
    'cflags': ['-O3', '-ffp-contract=off', '-fvisibility=hidden'],
    'cflags_cc': ['-std=c++17'],
    'cflags!': ['-fno-exceptions'],
    'cflags_cc!': ['-fno-exceptions', '-std=gnu++17'],
    'xcode_settings': {
      'GCC_ENABLE_CPP_EXCEPTIONS': 'YES',
      'CLANG_CXX_LANGUAGE_STANDARD': 'c++17',
      'OTHER_CFLAGS': ['-O3', '-ffp-contract=off'],
    },
    'msvs_settings': {
      'VCCLCompilerTool': { 'ExceptionHandling': 1, 'AdditionalOptions': ['/std:c++17', '/fp:precise'] },
    },
    'conditions': [
      ['fp4lab_x86==1', { 'defines': ['FP4LAB_HAVE_X86_KERNELS'] }],
      ['fp4lab_sanitize==1', {
        'cflags': ['-O2', '-g', '-fsanitize=address,undefined', '-fno-sanitize-recover=undefined', '-fno-omit-frame-pointer'],
        'cflags!': ['-O3'],
        'ldflags': ['-fsanitize=address,undefined'],
        'defines': ['FP4LAB_SANITIZE'],
      }],
    ],
  },
  'targets': [
    {
      'target_name': 'fp4lab_cpu',
      'type': 'static_library',
      'sources': [
        'cpu/parallel.cc',
        'cpu/isa.cc',
        'cpu/layout.cc',
        'cpu/quantize.cc',
        'cpu/quantize_portable.cc',
        'cpu/dequantize.cc',
        'cpu/gemm.cc',
        'cpu/gemm_portable.cc',
        'cpu/analysis.cc',
        'cpu/analysis_portable.cc',
        'cpu/output_memory.cc',
      ],
      'conditions': [
        ['fp4lab_x86==1', { 'dependencies': ['fp4lab_cpu_avx2', 'fp4lab_cpu_avx512', 'fp4lab_cpu_avx512_bf16'] }],
      ],
    },
    {
      'target_name': 'fp4lab',
      'sources': [
        'binding/addon.cc',
        'binding/args.cc',
        'binding/packed_operand.cc',
        'binding/kernel_job.cc',
        'binding/cpu_binding.cc',
        'binding/cuda_binding.cc',
      ],
      'include_dirs': ["<!(node -p \"require('path').dirname(require.resolve('node-addon-api/package.json'))\")"],
      'defines': ['NAPI_VERSION=8', 'NAPI_CPP_EXCEPTIONS'],
      'dependencies': ['fp4lab_cpu'],
      # cuda_binding.cc opens libfp4lab_cuda with dlopen (in libc from glibc 2.34, libdl before).
      'conditions': [
        ['OS=="linux"', { 'libraries': ['-ldl'] }],
      ],
    },
  ],
  'conditions': [
    ['fp4lab_x86==1', {
      'targets': [
        {
          'target_name': 'fp4lab_cpu_avx2',
          'type': 'static_library',
          'sources': ['cpu/quantize_avx2.cc', 'cpu/gemm_avx2.cc'],
          'cflags': ['-mavx2', '-mfma', '-mf16c'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx2', '-mfma', '-mf16c'] },
          'msvs_settings': { 'VCCLCompilerTool': { 'AdditionalOptions': ['/arch:AVX2'] } },
        },
        {
          'target_name': 'fp4lab_cpu_avx512',
          'type': 'static_library',
          'sources': ['cpu/quantize_avx512.cc', 'cpu/gemm_avx512.cc', 'cpu/analysis_avx512.cc'],
          'cflags': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-mf16c', '<@(fp4lab_intrinsics_warnings)'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mfma', '-mf16c'] },
          'msvs_settings': { 'VCCLCompilerTool': { 'AdditionalOptions': ['/arch:AVX512'] } },
        },
        {
          'target_name': 'fp4lab_cpu_avx512_bf16',
          'type': 'static_library',
          'sources': ['cpu/gemm_avx512_bf16.cc'],
          'cflags': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx512bf16', '-mfma', '-mf16c', '<@(fp4lab_intrinsics_warnings)'],
          'xcode_settings': { 'OTHER_CFLAGS': ['-mavx512f', '-mavx512bw', '-mavx512dq', '-mavx512vl', '-mavx512bf16', '-mfma', '-mf16c'] },
          'msvs_settings': { 'VCCLCompilerTool': { 'AdditionalOptions': ['/arch:AVX512'] } },
        },
      ],
    }],
  ],
}
