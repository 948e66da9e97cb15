// rlvalue::Rng (MersenneTwister64) beside std::mt19937_64, which produces
// the same numbers: draws per second of 64-bit outputs and of uniform01 coin
// flips (Double Q-learning's per-update draw). bench/ratios.py prints
// rlvalue / std.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <random>

#include "rlvalue/core/rng.hpp"

namespace {

constexpr int kDraws = 4096;

template <class G>
void bits(benchmark::State& state) {
  G g(42);
  std::uint64_t acc = 0;
  for (auto _ : state) {
    for (int i = 0; i < kDraws; ++i) acc += g();
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kDraws);
}

template <class G>
void coins(benchmark::State& state) {
  G g(42);
  int heads = 0;
  for (auto _ : state) {
    for (int i = 0; i < kDraws; ++i) heads += rlvalue::uniform01(g) < 0.5 ? 1 : 0;
    benchmark::DoNotOptimize(heads);
  }
  state.SetItemsProcessed(state.iterations() * kDraws);
}

void BM_RngBits_rlvalue(benchmark::State& s) { bits<rlvalue::Rng>(s); }
void BM_RngBits_std_mt19937_64(benchmark::State& s) { bits<std::mt19937_64>(s); }
void BM_RngCoin_rlvalue(benchmark::State& s) { coins<rlvalue::Rng>(s); }
void BM_RngCoin_std_mt19937_64(benchmark::State& s) { coins<std::mt19937_64>(s); }

}  // namespace

BENCHMARK(BM_RngBits_rlvalue);
BENCHMARK(BM_RngBits_std_mt19937_64);
BENCHMARK(BM_RngCoin_rlvalue);
BENCHMARK(BM_RngCoin_std_mt19937_64);
