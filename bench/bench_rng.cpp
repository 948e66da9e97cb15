// rlvalue::Rng (MersenneTwister64) beside std::mt19937_64, which produces
// the same numbers: draws per second of 64-bit outputs and of uniform01 coin
// flips (Double Q-learning's per-update draw). bench/ratios.py prints
// rlvalue / std. And uniform_index(rng, n) (the ensembles' draws of a critic)
// beside its direct form, which finds the rejection limit with a second
// 64-bit division per call, and std::uniform_int_distribution (libstdc++'s
// own method, other values), for n = 7 and 8.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <limits>
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

enum class Index { rlvalue, two_divisions, std_distribution };

template <Index kIndex>
void indices(benchmark::State& state) {
  const auto n = static_cast<rlvalue::Index>(state.range(0));
  rlvalue::Rng g = rlvalue::make_rng(42);
  std::uniform_int_distribution<rlvalue::Index> d(0, n - 1);
  rlvalue::Index acc = 0;
  for (auto _ : state) {
    for (int i = 0; i < kDraws; ++i) {
      if constexpr (kIndex == Index::rlvalue) {
        acc += rlvalue::uniform_index(g, n);
      } else if constexpr (kIndex == Index::two_divisions) {
        constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
        const auto un = static_cast<std::uint64_t>(n);
        const std::uint64_t limit = max - max % un;
        std::uint64_t x;
        do {
          x = rlvalue::random_bits64(g);
        } while (x >= limit);
        acc += static_cast<rlvalue::Index>(x % un);
      } else {
        acc += d(g);
      }
    }
    benchmark::DoNotOptimize(acc);
  }
  state.SetItemsProcessed(state.iterations() * kDraws);
}

void BM_RngBits_rlvalue(benchmark::State& s) { bits<rlvalue::Rng>(s); }
void BM_RngBits_std_mt19937_64(benchmark::State& s) { bits<std::mt19937_64>(s); }
void BM_RngCoin_rlvalue(benchmark::State& s) { coins<rlvalue::Rng>(s); }
void BM_RngCoin_std_mt19937_64(benchmark::State& s) { coins<std::mt19937_64>(s); }
void BM_UniformIndex_rlvalue(benchmark::State& s) { indices<Index::rlvalue>(s); }
void BM_UniformIndex_two_divisions(benchmark::State& s) { indices<Index::two_divisions>(s); }
void BM_UniformIndex_std_distribution(benchmark::State& s) { indices<Index::std_distribution>(s); }

}  // namespace

BENCHMARK(BM_RngBits_rlvalue);
BENCHMARK(BM_RngBits_std_mt19937_64);
BENCHMARK(BM_RngCoin_rlvalue);
BENCHMARK(BM_RngCoin_std_mt19937_64);
BENCHMARK(BM_UniformIndex_rlvalue)->Arg(7)->Arg(8);
BENCHMARK(BM_UniformIndex_two_divisions)->Arg(7)->Arg(8);
BENCHMARK(BM_UniformIndex_std_distribution)->Arg(7)->Arg(8);
