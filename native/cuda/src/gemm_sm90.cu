// Hopper (sm_90a) bf16 GEMM for fp4_matmul: out = epilogue(A @ B^T), A [M x K] and B [N x K]
// row-major bf16 (the dequantized FP4 operands, exact), fp32 accumulation on the tensor cores
// (wgmma), and the reference's normconst epilogue fused: fp32(fp32(acc * nc_a) * nc_b) before the
// cast, which cuBLAS cannot do in one pass.
//
// Shape of the kernel: persistent CTAs of three warpgroups. Warpgroup 0 is the producer (one
// thread issues TMA loads of 128x64 A and 256x64 B tiles, 128-byte swizzled, into a ring of
// STAGES shared-memory slots guarded by full/empty mbarriers); warpgroups 1 and 2 each own 64
// rows of the 128x256 output tile and issue m64n256k16 wgmmas from shared memory, keeping one
// group in flight. Tiles are visited in groups of GROUP_M row blocks so concurrent CTAs share
// their operands in L2. Compiled only for sm_90a (wgmma and setmaxnreg need it).
#include <cuda.h>
#include <cuda_bf16.h>
#include <cuda_fp16.h>
#include <cuda_runtime.h>

#include <algorithm>
#include <cstdint>

#include "gemm_sm90.h"

#if defined(__CUDA_ARCH__) && (__CUDA_ARCH__ == 900) && defined(__CUDA_ARCH_FEAT_SM90_ALL)
#define FP4LAB_HAS_WGMMA 1
#endif

namespace fp4lab {
namespace sm90 {
namespace {

constexpr int BM = 128, BN = 256, BK = 64;
constexpr int kConsumers = 2;
constexpr int kThreads = 128 * (kConsumers + 1);
constexpr int kGroupM = 16;
constexpr uint32_t kTileBytesA = BM * BK * 2, kTileBytesB = BN * BK * 2;

__device__ __forceinline__ uint32_t smem_addr(const void* p) { return static_cast<uint32_t>(__cvta_generic_to_shared(p)); }

#ifdef FP4LAB_HAS_WGMMA
__device__ __forceinline__ void mbar_init(uint64_t* bar, uint32_t count) {
  asm volatile("mbarrier.init.shared::cta.b64 [%0], %1;" ::"r"(smem_addr(bar)), "r"(count));
}
__device__ __forceinline__ void mbar_expect_tx(uint64_t* bar, uint32_t bytes) {
  asm volatile("mbarrier.arrive.expect_tx.shared::cta.b64 _, [%0], %1;" ::"r"(smem_addr(bar)), "r"(bytes) : "memory");
}
__device__ __forceinline__ void mbar_arrive(uint64_t* bar) {
  asm volatile("mbarrier.arrive.shared::cta.b64 _, [%0];" ::"r"(smem_addr(bar)) : "memory");
}
__device__ __forceinline__ void mbar_wait(uint64_t* bar, uint32_t parity) {
  const uint32_t addr = smem_addr(bar);
  uint32_t done = 0;
  do {
    asm volatile(
        "{\n"
        ".reg .pred p;\n"
        "mbarrier.try_wait.parity.shared::cta.b64 p, [%1], %2;\n"
        "selp.u32 %0, 1, 0, p;\n"
        "}\n"
        : "=r"(done)
        : "r"(addr), "r"(parity)
        : "memory");
  } while (!done);
}
__device__ __forceinline__ void tma_load_2d(void* dst, const CUtensorMap* map, uint64_t* bar, int32_t inner, int32_t outer) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.tile.mbarrier::complete_tx::bytes [%0], [%1, {%3, %4}], [%2];" ::"r"(smem_addr(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_addr(bar)), "r"(inner), "r"(outer)
      : "memory");
}
__device__ __forceinline__ uint32_t cluster_rank() {
  uint32_t r;
  asm volatile("mov.u32 %0, %%cluster_ctarank;" : "=r"(r));
  return r;
}
__device__ __forceinline__ void cluster_sync() {
  asm volatile("barrier.cluster.arrive.release.aligned;\nbarrier.cluster.wait.acquire.aligned;" ::: "memory");
}
// Arrive on the mbarrier at the same shared-memory offset in CTA `rank` of the cluster.
__device__ __forceinline__ void mbar_arrive_cluster(uint64_t* bar, uint32_t rank) {
  uint32_t remote;
  asm volatile("mapa.shared::cluster.u32 %0, %1, %2;" : "=r"(remote) : "r"(smem_addr(bar)), "r"(rank));
  asm volatile("mbarrier.arrive.shared::cluster.b64 _, [%0];" ::"r"(remote) : "memory");
}
// TMA load written to the same offset in every CTA of `mask`, completing on each one's barrier.
__device__ __forceinline__ void tma_load_2d_multicast(void* dst, const CUtensorMap* map, uint64_t* bar, int32_t inner, int32_t outer, uint16_t mask) {
  asm volatile(
      "cp.async.bulk.tensor.2d.shared::cluster.global.mbarrier::complete_tx::bytes.multicast::cluster [%0], [%1, {%3, %4}], [%2], %5;" ::"r"(
          smem_addr(dst)),
      "l"(reinterpret_cast<uint64_t>(map)), "r"(smem_addr(bar)), "r"(inner), "r"(outer), "h"(mask)
      : "memory");
}
__device__ __forceinline__ void wgmma_fence() { asm volatile("wgmma.fence.sync.aligned;" ::: "memory"); }
__device__ __forceinline__ void wgmma_commit() { asm volatile("wgmma.commit_group.sync.aligned;" ::: "memory"); }
template <int N>
__device__ __forceinline__ void wgmma_wait() {
  asm volatile("wgmma.wait_group.sync.aligned %0;" ::"n"(N) : "memory");
}
// Shared-memory matrix descriptor of a K-major tile written by TMA with 128-byte swizzle:
// rows of 128 bytes, 8-row atoms 1024 bytes apart (SBO), swizzle mode 1 (128B).
__device__ __forceinline__ uint64_t smem_desc(uint32_t addr) {
  uint64_t d = 0;
  d |= (uint64_t)((addr & 0x3ffff) >> 4);
  d |= (uint64_t)(16 >> 4) << 16;
  d |= (uint64_t)(1024 >> 4) << 32;
  d |= (uint64_t)1 << 62;
  return d;
}

// Generated: wgmma m64n256k16, bf16 x bf16 -> fp32, both operands from shared memory (K-major).
__device__ __forceinline__ void wgmma_m64n256k16_bf16(float (&d)[128], uint64_t desc_a, uint64_t desc_b, int32_t accumulate) {
  asm volatile(
      "{\n"
      ".reg .pred p;\n"
      "setp.ne.b32 p, %130, 0;\n"
      "wgmma.mma_async.sync.aligned.m64n256k16.f32.bf16.bf16 "
      "{%0, %1, %2, %3, %4, %5, %6, %7, %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19, %20, %21, %22, %23, %24, %25, %26, %27, %28, %29, %30, %31, %32, %33, %34, %35, %36, %37, %38, %39, %40, %41, %42, %43, %44, %45, %46, %47, %48, %49, %50, %51, %52, %53, %54, %55, %56, %57, %58, %59, %60, %61, %62, %63, %64, %65, %66, %67, %68, %69, %70, %71, %72, %73, %74, %75, %76, %77, %78, %79, %80, %81, %82, %83, %84, %85, %86, %87, %88, %89, %90, %91, %92, %93, %94, %95, %96, %97, %98, %99, %100, %101, %102, %103, %104, %105, %106, %107, %108, %109, %110, %111, %112, %113, %114, %115, %116, %117, %118, %119, %120, %121, %122, %123, %124, %125, %126, %127}, "
      "%128, %129, p, 1, 1, 0, 0;\n"
      "}\n"
      : "+f"(d[0]), "+f"(d[1]), "+f"(d[2]), "+f"(d[3]), "+f"(d[4]), "+f"(d[5]), "+f"(d[6]), "+f"(d[7]), "+f"(d[8]), "+f"(d[9]), "+f"(d[10]), "+f"(d[11]), "+f"(d[12]), "+f"(d[13]), "+f"(d[14]), "+f"(d[15]), "+f"(d[16]), "+f"(d[17]), "+f"(d[18]), "+f"(d[19]), "+f"(d[20]), "+f"(d[21]), "+f"(d[22]), "+f"(d[23]), "+f"(d[24]), "+f"(d[25]), "+f"(d[26]), "+f"(d[27]), "+f"(d[28]), "+f"(d[29]), "+f"(d[30]), "+f"(d[31]), "+f"(d[32]), "+f"(d[33]), "+f"(d[34]), "+f"(d[35]), "+f"(d[36]), "+f"(d[37]), "+f"(d[38]), "+f"(d[39]), "+f"(d[40]), "+f"(d[41]), "+f"(d[42]), "+f"(d[43]), "+f"(d[44]), "+f"(d[45]), "+f"(d[46]), "+f"(d[47]), "+f"(d[48]), "+f"(d[49]), "+f"(d[50]), "+f"(d[51]), "+f"(d[52]), "+f"(d[53]), "+f"(d[54]), "+f"(d[55]), "+f"(d[56]), "+f"(d[57]), "+f"(d[58]), "+f"(d[59]), "+f"(d[60]), "+f"(d[61]), "+f"(d[62]), "+f"(d[63]), "+f"(d[64]), "+f"(d[65]), "+f"(d[66]), "+f"(d[67]), "+f"(d[68]), "+f"(d[69]), "+f"(d[70]), "+f"(d[71]), "+f"(d[72]), "+f"(d[73]), "+f"(d[74]), "+f"(d[75]), "+f"(d[76]), "+f"(d[77]), "+f"(d[78]), "+f"(d[79]), "+f"(d[80]), "+f"(d[81]), "+f"(d[82]), "+f"(d[83]), "+f"(d[84]), "+f"(d[85]), "+f"(d[86]), "+f"(d[87]), "+f"(d[88]), "+f"(d[89]), "+f"(d[90]), "+f"(d[91]), "+f"(d[92]), "+f"(d[93]), "+f"(d[94]), "+f"(d[95]), "+f"(d[96]), "+f"(d[97]), "+f"(d[98]), "+f"(d[99]), "+f"(d[100]), "+f"(d[101]), "+f"(d[102]), "+f"(d[103]), "+f"(d[104]), "+f"(d[105]), "+f"(d[106]), "+f"(d[107]), "+f"(d[108]), "+f"(d[109]), "+f"(d[110]), "+f"(d[111]), "+f"(d[112]), "+f"(d[113]), "+f"(d[114]), "+f"(d[115]), "+f"(d[116]), "+f"(d[117]), "+f"(d[118]), "+f"(d[119]), "+f"(d[120]), "+f"(d[121]), "+f"(d[122]), "+f"(d[123]), "+f"(d[124]), "+f"(d[125]), "+f"(d[126]), "+f"(d[127])
      : "l"(desc_a), "l"(desc_b), "r"(accumulate));
}

#endif  // FP4LAB_HAS_WGMMA

struct TileCoord {
  int m, n;
};
__device__ __forceinline__ TileCoord tile_coord(int tile, int tiles_m, int tiles_n) {
  const int group = kGroupM * tiles_n;
  const int g = tile / group, first_m = g * kGroupM;
  const int gm = min(kGroupM, tiles_m - first_m);
  const int in_group = tile - g * group;
  return {first_m + in_group % gm, in_group / gm};
}

template <typename OutT>
__device__ __forceinline__ void store_pair(OutT* out, float a, float b);
template <>
__device__ __forceinline__ void store_pair<float>(float* out, float a, float b) { *reinterpret_cast<float2*>(out) = make_float2(a, b); }
template <>
__device__ __forceinline__ void store_pair<__nv_bfloat16>(__nv_bfloat16* out, float a, float b) {
  *reinterpret_cast<__nv_bfloat162*>(out) = __floats2bfloat162_rn(a, b);
}
template <>
__device__ __forceinline__ void store_pair<__half>(__half* out, float a, float b) { *reinterpret_cast<__half2*>(out) = __floats2half2_rn(a, b); }
template <typename OutT>
__device__ __forceinline__ OutT cast_out(float v);
template <>
__device__ __forceinline__ float cast_out<float>(float v) { return v; }
template <>
__device__ __forceinline__ __nv_bfloat16 cast_out<__nv_bfloat16>(float v) { return __float2bfloat16_rn(v); }
template <>
__device__ __forceinline__ __half cast_out<__half>(float v) { return __float2half_rn(v); }

// CLUSTER = 2: two CTAs on vertically adjacent tiles (same B columns) form a cluster; each
// loads half of the 256-row B tile and multicasts it to both, halving B's L2 -> SM traffic.
template <typename OutT, int STAGES, int CLUSTER>
__global__ void __launch_bounds__(kThreads, 1)
    gemm_kernel(const __grid_constant__ CUtensorMap map_a, const __grid_constant__ CUtensorMap map_b, OutT* __restrict__ out, int M, int N,
                int K, int64_t ldo, float nc_a, float nc_b, int fused_alpha, float* __restrict__ sk_ws, int* __restrict__ sk_flags) {
#ifdef FP4LAB_HAS_WGMMA
  extern __shared__ uint8_t smem_raw[];
  uint8_t* smem = reinterpret_cast<uint8_t*>((reinterpret_cast<uintptr_t>(smem_raw) + 1023) & ~uintptr_t(1023));
  uint8_t* smem_a = smem;
  uint8_t* smem_b = smem + STAGES * kTileBytesA;
  uint64_t* full = reinterpret_cast<uint64_t*>(smem_b + STAGES * kTileBytesB);
  uint64_t* empty = full + STAGES;

  const int wg = threadIdx.x / 128;
  const uint32_t rank = CLUSTER > 1 ? cluster_rank() : 0;
  const int tiles_m = (M + BM - 1) / BM, tiles_n = (N + BN - 1) / BN;
  // Work is counted in cluster tiles (CLUSTER row blocks x one column block). A CTA whose row
  // block lies past M still loads its half of B for its partner; TMA fills its A with zeros and
  // its stores are skipped.
  const int tiles_mc = (tiles_m + CLUSTER - 1) / CLUSTER;
  const int tiles = tiles_mc * tiles_n;
  const int cluster_id = blockIdx.x / CLUSTER, clusters = gridDim.x / CLUSTER;
  const int k_blocks = K / BK;
  // Stream-K for the last, partial wave (CLUSTER == 1, sk_ws given): whole tiles for the first
  // tiles / G waves, then the k blocks of the remaining tiles split evenly over all G CTAs.
  // A tile's first segment owns it (adds the later segments' partial sums, then stores); later
  // segments write fp32 partials to sk_ws and raise a flag. Each CTA's segments are in k order, so
  // its partial (if any) comes first and an owner waits only on CTAs that compute theirs first.
  const bool sk = CLUSTER == 1 && sk_ws != nullptr && tiles % clusters != 0;
  const int dp_tiles = sk ? (tiles / clusters) * clusters : tiles;
  const int64_t sk_total = (int64_t)(tiles - dp_tiles) * k_blocks;
  auto sk_start = [&](int c) { return (int64_t)c * sk_total / clusters; };
  // Calls f(tile, k0, k1) for this CTA's work in order.
  auto for_each_unit = [&](auto&& f) {
    for (int tile = cluster_id; tile < dp_tiles; tile += clusters) f(tile, 0, k_blocks);
    if (!sk) return;
    const int64_t end = sk_start(cluster_id + 1);
    for (int64_t pos = sk_start(cluster_id); pos < end;) {
      const int rel = (int)(pos / k_blocks);
      const int k0 = (int)(pos - (int64_t)rel * k_blocks);
      const int k1 = (int)min((int64_t)k_blocks, (int64_t)k0 + (end - pos));
      f(dp_tiles + rel, k0, k1);
      pos += k1 - k0;
    }
  };

  if (threadIdx.x == 0) {
    for (int s = 0; s < STAGES; s++) {
      mbar_init(&full[s], 1);
      mbar_init(&empty[s], kConsumers * 4 * CLUSTER);
    }
    asm volatile("fence.mbarrier_init.release.cluster;" ::: "memory");
  }
  if constexpr (CLUSTER > 1) cluster_sync();
  else __syncthreads();

  if (wg == 0) {
    // Producer: one thread keeps the ring full.
    asm volatile("setmaxnreg.dec.sync.aligned.u32 40;\n");
    if (threadIdx.x == 0) {
      int stage = 0;
      uint32_t phase = 0;
      for_each_unit([&](int tile, int k0, int k1) {
        const TileCoord tc = tile_coord(tile, tiles_mc, tiles_n);
        const int m_blk = tc.m * CLUSTER + (int)rank;
        for (int kb = k0; kb < k1; kb++) {
          mbar_wait(&empty[stage], phase ^ 1);
          mbar_expect_tx(&full[stage], kTileBytesA + kTileBytesB);
          tma_load_2d(smem_a + stage * kTileBytesA, &map_a, &full[stage], kb * BK, m_blk * BM);
          if constexpr (CLUSTER == 1) {
            tma_load_2d(smem_b + stage * kTileBytesB, &map_b, &full[stage], kb * BK, tc.n * BN);
          } else {
            constexpr int kHalf = BN / CLUSTER;
            tma_load_2d_multicast(smem_b + stage * kTileBytesB + rank * kHalf * 128, &map_b, &full[stage], kb * BK, tc.n * BN + (int)rank * kHalf,
                                  (uint16_t)((1u << CLUSTER) - 1));
          }
          if (++stage == STAGES) {
            stage = 0;
            phase ^= 1;
          }
        }
      });
    }
  } else {
    asm volatile("setmaxnreg.inc.sync.aligned.u32 232;\n");
    const int cw = wg - 1;  // which 64-row half of the tile
    const int warp = (threadIdx.x / 32) % 4, lane = threadIdx.x % 32;
    float d[128];
    int stage = 0;
    uint32_t phase = 0;
    // Release a slot: every consumer warp of every CTA that reads it (B is shared in a cluster).
    auto release = [&](int s) {
      if (lane != 0) return;
      if constexpr (CLUSTER == 1) {
        mbar_arrive(&empty[s]);
      } else {
#pragma unroll
        for (uint32_t c = 0; c < CLUSTER; c++) mbar_arrive_cluster(&empty[s], c);
      }
    };
    const int tid = threadIdx.x % 128;
    for_each_unit([&](int tile, int k0, int k1) {
      const TileCoord tc0 = tile_coord(tile, tiles_mc, tiles_n);
      const TileCoord tc{tc0.m * CLUSTER + (int)rank, tc0.n};
      int prev_stage = -1;
      for (int kb = k0; kb < k1; kb++) {
        mbar_wait(&full[stage], phase);
        wgmma_fence();
        const uint32_t a_base = smem_addr(smem_a + stage * kTileBytesA) + cw * 64 * 128;
        const uint32_t b_base = smem_addr(smem_b + stage * kTileBytesB);
#pragma unroll
        for (int kk = 0; kk < BK / 16; kk++) {
          wgmma_m64n256k16_bf16(d, smem_desc(a_base + kk * 32), smem_desc(b_base + kk * 32), (kb > k0 || kk > 0) ? 1 : 0);
        }
        wgmma_commit();
        wgmma_wait<1>();  // the previous k block's wgmmas are done: its slot can be refilled
        if (prev_stage >= 0) release(prev_stage);
        prev_stage = stage;
        if (++stage == STAGES) {
          stage = 0;
          phase ^= 1;
        }
      }
      wgmma_wait<0>();
      if (prev_stage >= 0) release(prev_stage);

      if (k0 > 0) {
        // A later segment of a split tile: hand the partial sums to the tile's owner.
        float4* slot = reinterpret_cast<float4*>(sk_ws) + (size_t)(cluster_id * kConsumers + cw) * 32 * 128;
#pragma unroll
        for (int j = 0; j < 32; j++) __stcg(slot + j * 128 + tid, make_float4(d[4 * j], d[4 * j + 1], d[4 * j + 2], d[4 * j + 3]));
        asm volatile("bar.sync %0, 128;" ::"r"(1 + cw) : "memory");
        if (tid == 0) {
          __threadfence();
          atomicExch(sk_flags + cluster_id * kConsumers + cw, 1);
        }
        return;
      }
      if (k1 < k_blocks) {
        // The owner of a split tile: add the later segments' partials (CTAs in k order).
        const int64_t tile_end = (int64_t)(tile - dp_tiles + 1) * k_blocks;
        for (int c = cluster_id + 1; c < clusters && sk_start(c) < tile_end; c++) {
          if (sk_start(c + 1) == sk_start(c)) continue;  // an empty range writes no partial
          int* flag = sk_flags + c * kConsumers + cw;
          if (tid == 0) {
            // Every contributor is resident (one CTA per SM) and writes its partial before it
            // waits on anything, so this ends; the bound turns a bug into an error, not a hang.
            const long long t0 = clock64();
            while (atomicAdd(flag, 0) == 0) {
              if (clock64() - t0 > (1ll << 34)) __trap();
            }
            __threadfence();
          }
          asm volatile("bar.sync %0, 128;" ::"r"(1 + cw) : "memory");
          const float4* slot = reinterpret_cast<const float4*>(sk_ws) + (size_t)(c * kConsumers + cw) * 32 * 128;
#pragma unroll
          for (int j = 0; j < 32; j++) {
            const float4 p = __ldcg(slot + j * 128 + tid);
            d[4 * j] += p.x;
            d[4 * j + 1] += p.y;
            d[4 * j + 2] += p.z;
            d[4 * j + 3] += p.w;
          }
          asm volatile("bar.sync %0, 128;" ::"r"(1 + cw) : "memory");
          if (tid == 0) atomicExch(flag, 0);
        }
      }

      // Epilogue: accumulator fragment (m64nNk16 layout) -> normconsts -> out_dtype.
      const int row0 = tc.m * BM + cw * 64 + warp * 16 + lane / 4;
      const int col0 = tc.n * BN + (lane % 4) * 2;
      const float alpha = __fmul_rn(nc_a, nc_b);
      const bool pair_ok = (ldo % 2) == 0;
#pragma unroll
      for (int j = 0; j < 32; j++) {
#pragma unroll
        for (int h = 0; h < 2; h++) {
          const int r = row0 + h * 8, c = col0 + j * 8;
          float v0 = d[4 * j + 2 * h], v1 = d[4 * j + 2 * h + 1];
          if (fused_alpha) {
            v0 = __fmul_rn(v0, alpha);
            v1 = __fmul_rn(v1, alpha);
          } else {
            v0 = __fmul_rn(__fmul_rn(v0, nc_a), nc_b);
            v1 = __fmul_rn(__fmul_rn(v1, nc_a), nc_b);
          }
          if (r < M) {
            OutT* dst = out + (int64_t)r * ldo + c;
            if (pair_ok && c + 1 < N) store_pair<OutT>(dst, v0, v1);
            else {
              if (c < N) dst[0] = cast_out<OutT>(v0);
              if (c + 1 < N) dst[1] = cast_out<OutT>(v1);
            }
          }
        }
      }
    });
  }
  // A CTA may not leave while its partner can still write into its shared memory or barriers.
  if constexpr (CLUSTER > 1) cluster_sync();
#endif
}

template <typename OutT, int STAGES, int CLUSTER>
cudaError_t launch_typed(const GemmArgs& g, cudaStream_t stream) {
  const size_t smem = STAGES * (size_t)(kTileBytesA + kTileBytesB) + 2 * STAGES * 8 + 1024;
  auto kernel = gemm_kernel<OutT, STAGES, CLUSTER>;
  cudaError_t err = cudaFuncSetAttribute(kernel, cudaFuncAttributeMaxDynamicSharedMemorySize, (int)smem);
  if (err != cudaSuccess) return err;
  const int tiles_m = (g.M + BM - 1) / BM, tiles_n = (g.N + BN - 1) / BN;
  const int cluster_tiles = ((tiles_m + CLUSTER - 1) / CLUSTER) * tiles_n;
  if constexpr (CLUSTER == 1) {
    // Stream-K uses every SM; whole tiles only need as many CTAs as tiles.
    const int grid = g.sk_ws ? g.sms : std::min(cluster_tiles, g.sms);
    kernel<<<grid, kThreads, smem, stream>>>(*static_cast<const CUtensorMap*>(g.map_a), *static_cast<const CUtensorMap*>(g.map_b),
                                            static_cast<OutT*>(g.out), g.M, g.N, g.K, g.ldo, g.nc_a, g.nc_b, g.fused_alpha, g.sk_ws, g.sk_flags);
    return cudaGetLastError();
  } else {
    cudaLaunchConfig_t cfg{};
    cfg.blockDim = dim3(kThreads);
    cfg.dynamicSmemBytes = smem;
    cfg.stream = stream;
    cudaLaunchAttribute attr[1];
    attr[0].id = cudaLaunchAttributeClusterDimension;
    attr[0].val.clusterDim.x = CLUSTER;
    attr[0].val.clusterDim.y = 1;
    attr[0].val.clusterDim.z = 1;
    cfg.attrs = attr;
    cfg.numAttrs = 1;
    // The kernel is persistent: launch only as many clusters as can be resident at once (SMs
    // pair up within a GPC, so that can be fewer than SMs / 2); more would run as a second wave.
    cfg.gridDim = dim3(g.sms);
    int resident = 0;
    err = cudaOccupancyMaxActiveClusters(&resident, kernel, &cfg);
    if (err != cudaSuccess) return err;
    const int clusters = std::max(1, std::min(cluster_tiles, resident));
    cfg.gridDim = dim3(clusters * CLUSTER);
    return cudaLaunchKernelEx(&cfg, kernel, *static_cast<const CUtensorMap*>(g.map_a), *static_cast<const CUtensorMap*>(g.map_b),
                              static_cast<OutT*>(g.out), g.M, g.N, g.K, g.ldo, g.nc_a, g.nc_b, g.fused_alpha, (float*)nullptr, (int*)nullptr);
  }
}

template <typename OutT>
cudaError_t launch_config(const GemmArgs& g, cudaStream_t stream) {
  if (g.cluster == 2) return g.stages == 3 ? launch_typed<OutT, 3, 2>(g, stream) : launch_typed<OutT, 4, 2>(g, stream);
  return g.stages == 3 ? launch_typed<OutT, 3, 1>(g, stream) : launch_typed<OutT, 4, 1>(g, stream);
}

}  // namespace

bool compiled() {
  // Whether this library carries sm_90a code at all (the kernel body is empty elsewhere).
  return true;
}

int box_rows_a() { return BM; }
int box_rows_b(int cluster) { return BN / cluster; }
int box_cols() { return BK; }
size_t stream_k_workspace_bytes(int sms) { return (size_t)sms * kConsumers * 128 * 128 * sizeof(float); }

cudaError_t launch(const GemmArgs& g, cudaStream_t stream) {
  switch (g.out_dtype) {
    case 0: return launch_config<float>(g, stream);
    case 1: return launch_config<__nv_bfloat16>(g, stream);
    default: return launch_config<__half>(g, stream);
  }
}

}  // namespace sm90
}  // namespace fp4lab
