#pragma once
/// @file
/// Random numbers. Randomness is always an explicit argument; nothing is global.
/// The helpers below are written out (not std:: distributions, whose output
/// differs between standard libraries) so that a seed reproduces a run on any
/// compiler and platform.

#include <cmath>
#include <concepts>
#include <cstdint>
#include <limits>
#include <numbers>
#include <random>

#include "rlvalue/core/mersenne_twister.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// The library's default generator: the 64-bit Mersenne Twister, the same
/// output sequence as std::mt19937_64 for the same seed (fixed by the C++
/// standard), with a state refill free of unpredictable branches (see
/// core/mersenne_twister.hpp; about 4x faster than libstdc++'s without
/// -march).
using Rng = MersenneTwister64;

/// SplitMix64 finaliser (Steele, Lea, Flood 2014): a bijective 64-bit mixer.
constexpr std::uint64_t splitmix64(std::uint64_t x) noexcept {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

/// Seed of stream `stream` derived from `seed`: distinct streams (runs,
/// workers) get well-separated seeds, and the same (seed, stream) always gives
/// the same one, whatever the thread count.
constexpr std::uint64_t split_seed(std::uint64_t seed, std::uint64_t stream) noexcept {
  return splitmix64(splitmix64(seed) ^ splitmix64(stream + 0x632BE59BD9B4E019ULL));
}

/// A generator for run `stream` of an experiment seeded with `seed`.
inline Rng make_rng(std::uint64_t seed, std::uint64_t stream = 0) {
  std::seed_seq seq{static_cast<std::uint32_t>(split_seed(seed, stream)),
                    static_cast<std::uint32_t>(split_seed(seed, stream) >> 32)};
  return Rng(seq);
}

/// 64 random bits from any uniform random bit generator.
template <std::uniform_random_bit_generator G>
std::uint64_t random_bits64(G& rng) {
  using R = typename G::result_type;
  constexpr auto range = static_cast<std::uint64_t>(G::max() - G::min());
  if constexpr (range == std::numeric_limits<std::uint64_t>::max()) {
    return static_cast<std::uint64_t>(rng() - G::min());
  } else if constexpr (range == 0xFFFFFFFFULL) {
    const std::uint64_t hi = static_cast<std::uint64_t>(static_cast<R>(rng() - G::min()));
    const std::uint64_t lo = static_cast<std::uint64_t>(static_cast<R>(rng() - G::min()));
    return (hi << 32) | lo;
  } else {
    static_assert(range == std::numeric_limits<std::uint64_t>::max() || range == 0xFFFFFFFFULL,
                  "rlvalue needs a generator producing 32 or 64 uniform bits");
    return 0;
  }
}

/// Uniform double in [0, 1) with 53 random bits.
template <std::uniform_random_bit_generator G>
double uniform01(G& rng) {
  return static_cast<double>(random_bits64(rng) >> 11) * 0x1.0p-53;
}

/// Uniform integer in [0, n), n >= 1, unbiased: 64 random bits x are drawn
/// until x < limit, the largest multiple of n not above 2^64 - 1, and the
/// result is x mod n.
///
/// The test x < limit is made without computing limit (which would cost a
/// second 64-bit division per call): with q = floor(x / n) and r = x mod n,
/// x < n * floor((2^64 - 1) / n) exactly when (q + 1) * n <= 2^64 - 1, that
/// is when n <= (2^64 - 1) - (x - r). For n a power of two, r = x & (n - 1)
/// and limit = 2^64 - n, with no division. The same draws and results as
/// the direct form (tests/core/test_rng.cpp compares them).
template <std::uniform_random_bit_generator G>
Index uniform_index(G& rng, Index n) {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const auto un = static_cast<std::uint64_t>(n);
  if ((un & (un - 1)) == 0) {
    std::uint64_t x;
    do {
      x = random_bits64(rng);
    } while (x > max - un);
    return static_cast<Index>(x & (un - 1));
  }
  for (;;) {
    const std::uint64_t x = random_bits64(rng);
    const std::uint64_t r = x % un;
    if (un <= max - (x - r)) return static_cast<Index>(r);
  }
}

/// True with probability p.
template <std::uniform_random_bit_generator G>
bool bernoulli(G& rng, double p) {
  return uniform01(rng) < p;
}

/// Standard normal draw (Box-Muller, one value per two uniforms).
template <std::uniform_random_bit_generator G>
double standard_normal(G& rng) {
  const double u1 = 1.0 - uniform01(rng);  // (0, 1]
  const double u2 = uniform01(rng);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

/// Normal draw with the given mean and standard deviation.
template <std::uniform_random_bit_generator G>
double normal(G& rng, double mean, double stddev) {
  return mean + stddev * standard_normal(rng);
}

/// Index drawn from a discrete distribution given by `probs` (non-negative,
/// summing to 1 up to rounding; the last positive entry absorbs round-off).
template <std::uniform_random_bit_generator G, class Probs>
Index sample_discrete(G& rng, const Probs& probs) {
  const double u = uniform01(rng);
  double cumulative = 0.0;
  const Index n = static_cast<Index>(probs.size());
  Index last_positive = 0;
  for (Index i = 0; i < n; ++i) {
    const double p = static_cast<double>(probs[i]);
    if (p > 0.0) last_positive = i;
    cumulative += p;
    if (u < cumulative) return i;
  }
  return last_positive;
}

}  // namespace rlvalue
