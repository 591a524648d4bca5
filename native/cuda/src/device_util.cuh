// Small device helpers: element loads with zero padding, fast unsigned division.
#pragma once

#include <cuda_bf16.h>
#include <cuda_fp16.h>

#include <cstdint>

#include "numerics.cuh"

namespace fp4lab {

template <typename T>
__device__ __forceinline__ float to_float(T v);
template <>
__device__ __forceinline__ float to_float<float>(float v) { return v; }
template <>
__device__ __forceinline__ float to_float<__nv_bfloat16>(__nv_bfloat16 v) { return __bfloat162float(v); }
template <>
__device__ __forceinline__ float to_float<__half>(__half v) { return __half2float(v); }

// 16 bytes of T -> floats (exact).
template <typename T>
__device__ __forceinline__ void unpack16(const uint4& v, float* out);
template <>
__device__ __forceinline__ void unpack16<float>(const uint4& v, float* out) {
  out[0] = __uint_as_float(v.x); out[1] = __uint_as_float(v.y);
  out[2] = __uint_as_float(v.z); out[3] = __uint_as_float(v.w);
}
template <>
__device__ __forceinline__ void unpack16<__nv_bfloat16>(const uint4& v, float* out) {
  const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; i++) {
    out[2 * i] = __uint_as_float(w[i] << 16);
    out[2 * i + 1] = __uint_as_float(w[i] & 0xffff0000u);
  }
}
template <>
__device__ __forceinline__ void unpack16<__half>(const uint4& v, float* out) {
  const uint32_t w[4] = {v.x, v.y, v.z, v.w};
#pragma unroll
  for (int i = 0; i < 4; i++) {
    __half2 h = *reinterpret_cast<const __half2*>(&w[i]);
    float2 f = __half22float2(h);
    out[2 * i] = f.x;
    out[2 * i + 1] = f.y;
  }
}

// A row-major matrix read with zeros outside rows x cols (the padding of NUMERICS.md section 5).
struct SourceView {
  const void* data;
  int64_t rows, cols, stride;
  int32_t vec_ok;  // rows start 16-byte aligned: whole in-bounds groups may use 16-byte loads
};

// Load n consecutive values of row r starting at column c0 (n * sizeof(T) a multiple of 16).
template <typename T, int N>
__device__ __forceinline__ void load_row_segment(const SourceView& s, int64_t r, int64_t c0, float* out) {
  const T* base = static_cast<const T*>(s.data);
  if (r < s.rows && c0 + N <= s.cols && s.vec_ok) {
    constexpr int kVecs = N * (int)sizeof(T) / 16;
    constexpr int kPer = 16 / (int)sizeof(T);
    const uint4* p = reinterpret_cast<const uint4*>(base + r * s.stride + c0);
    uint4 v[kVecs];
#pragma unroll
    for (int i = 0; i < kVecs; i++) v[i] = __ldg(p + i);
#pragma unroll
    for (int i = 0; i < kVecs; i++) unpack16<T>(v[i], out + i * kPer);
  } else {
#pragma unroll
    for (int i = 0; i < N; i++) {
      const int64_t c = c0 + i;
      out[i] = (r < s.rows && c < s.cols) ? to_float<T>(base[r * s.stride + c]) : 0.0f;
    }
  }
}

// n / d for n < 2^32, d < 2^31, by multiply-high (set up on the host).
struct FastDiv {
  uint32_t d, m, l;
  __host__ static FastDiv make(uint32_t d) {
    uint32_t l = 0;
    while ((1ull << l) < d) l++;
    const uint64_t m = ((((uint64_t)1 << 32) * (((uint64_t)1 << l) - d)) / d) + 1;
    return {d, (uint32_t)m, l};
  }
  __device__ __forceinline__ uint32_t div(uint32_t n) const {
    return (uint32_t)((((uint64_t)__umulhi(n, m)) + n) >> l);
  }
};

}  // namespace fp4lab
