// Standalone driver (not part of rlvalue_bench): a Q-learning hand loop on a
// 1,000,000 x 8 table of doubles whose rows start `offset` bytes past a
// 2 MiB boundary (huge pages advised), prefetching 32 transitions ahead,
// fastest of 7 passes over 2^20 random transitions. offset 16 is where
// TabularQ's rows start (Eigen allocates with malloc's 16-byte alignment),
// so each 64-byte row spans two cache lines; offset 0 puts a row in one.
//   g++ -std=c++20 -O3 bench/drivers/row_alignment.cpp -o row_alignment
//   ./row_alignment 16 && ./row_alignment 0
#include <sys/mman.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <vector>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s offset_bytes (a multiple of 8 below 64)\n", argv[0]);
    return 2;
  }
  constexpr long S = 1000000, A = 8, D = 32, n = 1L << 20;
  constexpr std::size_t huge = std::size_t{2} << 20;
  const long offset = std::atol(argv[1]);
  if (offset < 0 || offset >= 64 || offset % 8 != 0) {
    std::fprintf(stderr, "offset_bytes must be a multiple of 8 in [0, 64)\n");
    return 2;
  }
  const std::size_t bytes = (static_cast<std::size_t>(S * A) + 8) * sizeof(double);
  const std::size_t rounded = (bytes + huge - 1) / huge * huge;
  char* raw = static_cast<char*>(std::aligned_alloc(huge, rounded));
  if (raw == nullptr) return 1;
  madvise(raw, rounded, MADV_HUGEPAGE);
  double* q = reinterpret_cast<double*>(raw + offset);
  for (long i = 0; i < S * A; ++i) q[i] = 1.0;
  std::vector<long> s(n), a(n), s2(n);
  std::vector<double> r(n);
  std::mt19937_64 g(1);
  for (long i = 0; i < n; ++i) {
    s[i] = static_cast<long>(g() % S);
    a[i] = static_cast<long>(g() % A);
    s2[i] = static_cast<long>(g() % S);
    r[i] = static_cast<double>(g() % 1000) / 1000.0 - 0.5;
  }
  double best = 1e30;
  for (int pass = 0; pass < 7; ++pass) {
    const auto start = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) {
      if (i + D < n) {
        const double* ahead = q + s2[i + D] * A;
        __builtin_prefetch(ahead, 0, 3);
        __builtin_prefetch(ahead + A - 1, 0, 3);
        __builtin_prefetch(q + s[i + D] * A + a[i + D], 1, 3);
      }
      const double* row = q + s2[i] * A;
      double m = row[0];
      for (long k = 1; k < A; ++k) m = row[k] > m ? row[k] : m;
      double& e = q[s[i] * A + a[i]];
      e += 0.1 * (r[i] + 0.99 * m - e);
    }
    const double t = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (t < best) best = t;
  }
  std::printf("offset %ld: %.1f M updates/s (q[0] = %g)\n", offset, n / best / 1e6, q[0]);
  std::free(raw);
}
