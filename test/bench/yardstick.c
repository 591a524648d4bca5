/*
 * The benchmark's yardsticks, kept out of the product: OpenBLAS cblas_sgemm (loaded with dlopen,
 * so nothing links against it) on fp32 matrices, and this machine's fp32 FMA and memory read
 * peaks measured live (the machine may be shared; the peak it delivers now is the fair anchor).
 * test/bench/index.ts compiles it with the system C compiler and talks to it over stdin/stdout:
 *   load <M> <N> <K> <path A> <path B>   A: M x K, B: N x K row-major fp32 files
 *   sgemm                                one C = A @ B^T, prints "<seconds>"
 *   peak <threads>                       prints "<fp32 GFLOP/s> <read GB/s>"
 *   quit
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <immintrin.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef void (*sgemm_fn)(int, int, int, int, int, int, float, const float*, int, const float*, int, float, float*, int);
enum { RowMajor = 101, NoTrans = 111, Trans = 112 };

static double now(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec + t.tv_nsec * 1e-9;
}

static float* read_matrix(const char* path, size_t count) {
  FILE* f = fopen(path, "rb");
  if (!f) return NULL;
  float* m = aligned_alloc(64, (count * sizeof(float) + 63) / 64 * 64);
  size_t got = fread(m, sizeof(float), count, f);
  fclose(f);
  if (got != count) {
    free(m);
    return NULL;
  }
  return m;
}

/* 12 independent FMA chains in registers: enough to cover the FMA latency on two pipes. */
static void* fma_worker(void* arg) {
  double* out = arg;
  __m256 a0 = _mm256_set1_ps(1.0f), a1 = _mm256_set1_ps(1.1f), a2 = _mm256_set1_ps(1.2f), a3 = _mm256_set1_ps(1.3f);
  __m256 a4 = _mm256_set1_ps(1.4f), a5 = _mm256_set1_ps(1.5f), a6 = _mm256_set1_ps(1.6f), a7 = _mm256_set1_ps(1.7f);
  __m256 a8 = _mm256_set1_ps(1.8f), a9 = _mm256_set1_ps(1.9f), a10 = _mm256_set1_ps(2.0f), a11 = _mm256_set1_ps(2.1f);
  const __m256 b = _mm256_set1_ps(0.999999f), c = _mm256_set1_ps(1e-7f);
  const long n = 20000000;
  double t0 = now();
  for (long i = 0; i < n; i++) {
#define STEP(x) x = _mm256_fmadd_ps(x, b, c)
    STEP(a0); STEP(a1); STEP(a2); STEP(a3); STEP(a4); STEP(a5); STEP(a6); STEP(a7); STEP(a8); STEP(a9); STEP(a10); STEP(a11);
#undef STEP
  }
  double t = now() - t0;
  __m256 s = _mm256_add_ps(_mm256_add_ps(_mm256_add_ps(a0, a1), _mm256_add_ps(a2, a3)), _mm256_add_ps(_mm256_add_ps(a4, a5), _mm256_add_ps(a6, a7)));
  s = _mm256_add_ps(s, _mm256_add_ps(_mm256_add_ps(a8, a9), _mm256_add_ps(a10, a11)));
  out[0] = n * 12 * 16.0 / t / 1e9 + (s[0] == 12345.0f);
  return NULL;
}

struct read_job {
  const float* p;
  size_t n;
  float sink;
};
static void* read_worker(void* arg) {
  struct read_job* j = arg;
  __m256 m0 = _mm256_setzero_ps(), m1 = m0;
  for (size_t i = 0; i + 16 <= j->n; i += 16) {
    m0 = _mm256_max_ps(m0, _mm256_load_ps(j->p + i));
    m1 = _mm256_max_ps(m1, _mm256_load_ps(j->p + i + 8));
  }
  j->sink = _mm256_max_ps(m0, m1)[0];
  return NULL;
}

static void peak(int threads) {
  pthread_t th[256];
  double gflops[256];
  if (threads < 1) threads = 1;
  if (threads > 256) threads = 256;
  for (int i = 0; i < threads; i++) pthread_create(&th[i], NULL, fma_worker, &gflops[i]);
  double total = 0;
  for (int i = 0; i < threads; i++) {
    pthread_join(th[i], NULL);
    total += gflops[i];
  }
  const size_t n = (size_t)1 << 26; /* 256 MB: far beyond the caches */
  float* buf = aligned_alloc(64, n * sizeof(float));
  memset(buf, 1, n * sizeof(float));
  struct read_job jobs[256];
  double best = 0;
  for (int rep = 0; rep < 5; rep++) {
    double t0 = now();
    for (int i = 0; i < threads; i++) {
      jobs[i].p = buf + n / threads * i;
      jobs[i].n = n / threads;
      pthread_create(&th[i], NULL, read_worker, &jobs[i]);
    }
    for (int i = 0; i < threads; i++) pthread_join(th[i], NULL);
    double gbs = n * sizeof(float) / (now() - t0) / 1e9;
    if (gbs > best) best = gbs;
  }
  free(buf);
  printf("%.1f %.1f\n", total, best);
}

int main(void) {
  void* lib = dlopen("libopenblas.so.0", RTLD_NOW);
  if (!lib) lib = dlopen("libopenblas.so", RTLD_NOW);
  sgemm_fn sgemm = lib ? (sgemm_fn)dlsym(lib, "cblas_sgemm") : NULL;
  float *a = NULL, *b = NULL, *c = NULL;
  int m = 0, n = 0, k = 0;
  char line[4096];
  setvbuf(stdout, NULL, _IOLBF, 0);
  printf("ready %s\n", sgemm ? "openblas" : "no-openblas");
  while (fgets(line, sizeof line, stdin)) {
    char pa[2048], pb[2048];
    int threads;
    if (sscanf(line, "load %d %d %d %2047s %2047s", &m, &n, &k, pa, pb) == 5) {
      free(a), free(b), free(c);
      a = read_matrix(pa, (size_t)m * k);
      b = read_matrix(pb, (size_t)n * k);
      c = aligned_alloc(64, ((size_t)m * n * sizeof(float) + 63) / 64 * 64);
      printf(a && b && c ? "ok\n" : "error reading the matrices\n");
    } else if (strncmp(line, "sgemm", 5) == 0) {
      if (!sgemm || !a) {
        printf("error: %s\n", sgemm ? "nothing loaded" : "OpenBLAS not found (apt-get install libopenblas-dev)");
        continue;
      }
      double t0 = now();
      sgemm(RowMajor, NoTrans, Trans, m, n, k, 1.0f, a, k, b, k, 0.0f, c, n);
      printf("%.6f\n", now() - t0);
    } else if (sscanf(line, "peak %d", &threads) == 1) {
      peak(threads);
    } else if (strncmp(line, "quit", 4) == 0) {
      break;
    } else {
      printf("error: unknown command\n");
    }
  }
  return 0;
}
