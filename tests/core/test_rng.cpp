#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <random>
#include <set>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/rng.hpp"

using namespace rlvalue;

TEST_CASE("rng: splitmix64 reference values", "[core][rng]") {
  // SplitMix64 with state 0: the first outputs of the published generator
  // (state += golden gamma, then the finaliser) are these constants.
  REQUIRE(splitmix64(0) == 0xE220A8397B1DCDAFULL);
  REQUIRE(splitmix64(0x9E3779B97F4A7C15ULL) == 0x6E789E6AA1B965F4ULL);
}

TEST_CASE("rng: split seeds are deterministic and distinct", "[core][rng]") {
  std::set<std::uint64_t> seen;
  for (std::uint64_t stream = 0; stream < 1000; ++stream) seen.insert(split_seed(42, stream));
  REQUIRE(seen.size() == 1000);
  REQUIRE(split_seed(42, 7) == split_seed(42, 7));
  REQUIRE(split_seed(42, 7) != split_seed(43, 7));
  auto a = make_rng(5, 3);
  auto b = make_rng(5, 3);
  auto c = make_rng(5, 4);
  const auto xa = a(), xb = b(), xc = c();
  REQUIRE(xa == xb);
  REQUIRE(xa != xc);
}

TEST_CASE("rng: uniform_index is in range and unbiased", "[core][rng]") {
  auto rng = make_rng(1);
  constexpr int n = 7, draws = 70000;
  std::array<int, n> counts{};
  for (int i = 0; i < draws; ++i) {
    const Index k = uniform_index(rng, n);
    REQUIRE(k >= 0);
    REQUIRE(k < n);
    ++counts[static_cast<std::size_t>(k)];
  }
  // Chi-square with 6 degrees of freedom; critical value at p = 0.001 is 22.46.
  double chi2 = 0;
  for (int c : counts) chi2 += (c - draws / double(n)) * (c - draws / double(n)) / (draws / double(n));
  REQUIRE(chi2 < 22.46);
  REQUIRE(uniform_index(rng, 1) == 0);
}

// A named namespace: the test build compiles several files as one (unity).
namespace rng_test {

// A generator replaying a script of 64-bit words.
struct ScriptedBits {
  using result_type = std::uint64_t;
  std::vector<std::uint64_t> words;
  std::size_t next = 0;
  static constexpr result_type min() { return 0; }
  static constexpr result_type max() { return std::numeric_limits<std::uint64_t>::max(); }
  result_type operator()() { return words.at(next++); }
};

// The direct form of uniform_index: reject x >= limit, the largest multiple
// of n not above 2^64 - 1, then x mod n (two divisions per call).
Index uniform_index_reference(ScriptedBits& g, Index n) {
  const auto un = static_cast<std::uint64_t>(n);
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  const std::uint64_t limit = max - max % un;
  std::uint64_t x;
  do {
    x = g();
  } while (x >= limit);
  return static_cast<Index>(x % un);
}

}  // namespace rng_test

TEST_CASE("rng: uniform_index makes the draws and returns the values of its direct form",
          "[core][rng]") {
  constexpr std::uint64_t max = std::numeric_limits<std::uint64_t>::max();
  auto rng = make_rng(9);
  std::vector<Index> ns = {1, 2, 3, 5, 6, 7, 8, 12, 1000, 1024, (Index(1) << 32) + 1,
                           Index(1) << 62, (Index(3) << 61) + 5, std::numeric_limits<Index>::max()};
  for (int i = 0; i < 50; ++i) ns.push_back(uniform_index(rng, Index(1) << 40) + 1);
  int rejected = 0;
  for (const Index n : ns) {
    const auto un = static_cast<std::uint64_t>(n);
    const std::uint64_t limit = max - max % un;
    // Words at and around the rejection limit, the ends of the range, and
    // random ones; each script ends with 0 (always accepted).
    std::vector<std::uint64_t> xs = {0, 1, un - 1, un, limit - 1, limit, max - 1, max};
    if (limit >= 2) xs.push_back(limit - 2);
    if (limit < max) xs.push_back(limit + 1);
    for (int i = 0; i < 20; ++i) xs.push_back(random_bits64(rng));
    for (const std::uint64_t x : xs) {
      rng_test::ScriptedBits a{{x, x, 0}}, b{{x, x, 0}};
      const Index expected = rng_test::uniform_index_reference(a, n);
      INFO("n = " << n << ", x = " << x);
      CHECK(uniform_index(b, n) == expected);
      CHECK(b.next == a.next);  // the same words drawn
      rejected += a.next > 1 ? 1 : 0;
    }
  }
  CHECK(rejected > 10);  // the scripts did reach the rejection branch
}

TEST_CASE("rng: uniform01, normal and sample_discrete moments", "[core][rng]") {
  auto rng = make_rng(2);
  constexpr int draws = 200000;
  double sum = 0, sum_sq = 0, nsum = 0, nsum_sq = 0;
  for (int i = 0; i < draws; ++i) {
    const double u = uniform01(rng);
    REQUIRE(u >= 0.0);
    REQUIRE(u < 1.0);
    sum += u;
    sum_sq += u * u;
    const double z = normal(rng, -0.1, 2.0);
    nsum += z;
    nsum_sq += z * z;
  }
  // Standard errors: uniform mean 0.00065, normal mean 0.0045; tolerances
  // are about 5 standard errors.
  REQUIRE(std::abs(sum / draws - 0.5) < 0.004);
  REQUIRE(std::abs(sum_sq / draws - 1.0 / 3.0) < 0.004);
  const double mean = nsum / draws;
  REQUIRE(std::abs(mean + 0.1) < 0.025);
  REQUIRE(std::abs(nsum_sq / draws - mean * mean - 4.0) < 0.07);

  const std::array<double, 4> probs{0.1, 0.0, 0.6, 0.3};
  std::array<int, 4> counts{};
  for (int i = 0; i < draws; ++i) ++counts[static_cast<std::size_t>(sample_discrete(rng, probs))];
  REQUIRE(counts[1] == 0);
  REQUIRE(std::abs(counts[0] / double(draws) - 0.1) < 0.005);
  REQUIRE(std::abs(counts[2] / double(draws) - 0.6) < 0.005);
}

TEST_CASE("rng: 32-bit generators are supported", "[core][rng]") {
  std::mt19937 g32(3);
  const double u = uniform01(g32);
  REQUIRE(u >= 0.0);
  REQUIRE(u < 1.0);
  REQUIRE(uniform_index(g32, 3) < 3);
}
