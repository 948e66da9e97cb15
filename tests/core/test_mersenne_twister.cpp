// MersenneTwister64 (rlvalue::Rng) against std::mt19937_64: the same output
// for the same seed, whatever the seeding, position and operations.
#include <array>
#include <cstdint>
#include <random>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/mersenne_twister.hpp"
#include "rlvalue/core/rng.hpp"

using rlvalue::MersenneTwister64;

namespace {

// The first `n` outputs of each, compared one by one (crosses a refill every
// 312 draws).
void require_same_outputs(MersenneTwister64& ours, std::mt19937_64& theirs, int n) {
  for (int i = 0; i < n; ++i) {
    INFO("draw " << i);
    REQUIRE(ours() == theirs());
  }
}

// A seed sequence whose words are all zero: the standard's all-zero state
// rule (the first word becomes 2^63) applies.
struct ZeroSeq {
  using result_type = std::uint32_t;
  template <class It>
  void generate(It first, It last) {
    for (; first != last; ++first) *first = 0;
  }
};

// A seed sequence that sets the top bits of every 32-bit slot, to check the
// words are taken modulo 2^32 and placed low word first.
struct PatternSeq {
  using result_type = std::uint32_t;
  template <class It>
  void generate(It first, It last) {
    std::uint32_t k = 0x9E3779B9u;
    for (; first != last; ++first) {
      *first = k;
      k = k * 2654435761u + 12345u;
    }
  }
};

}  // namespace

TEST_CASE("MersenneTwister64: the standard's check value and its interface",
          "[core][rng]") {
  // [rand.predef]: the 10000th consecutive invocation of a default-constructed
  // mt19937_64 produces 9981545732273789042.
  MersenneTwister64 g;
  for (int i = 0; i < 9999; ++i) g();
  REQUIRE(g() == 9981545732273789042ULL);
  STATIC_REQUIRE(std::uniform_random_bit_generator<MersenneTwister64>);
  STATIC_REQUIRE(std::is_same_v<rlvalue::Rng, MersenneTwister64>);
  STATIC_REQUIRE(MersenneTwister64::min() == 0);
  STATIC_REQUIRE(MersenneTwister64::max() == ~std::uint64_t{0});
  STATIC_REQUIRE(MersenneTwister64::default_seed == std::mt19937_64::default_seed);
  STATIC_REQUIRE(std::is_same_v<MersenneTwister64::result_type, std::mt19937_64::result_type>);
}

TEST_CASE("MersenneTwister64: same outputs as std::mt19937_64 seeded by value",
          "[core][rng]") {
  for (const std::uint64_t seed :
       {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{5489}, std::uint64_t{42},
        std::uint64_t{0xFFFFFFFFFFFFFFFFULL}, std::uint64_t{0x8000000000000000ULL},
        std::uint64_t{0x0123456789ABCDEFULL}}) {
    INFO("seed " << seed);
    MersenneTwister64 ours(seed);
    std::mt19937_64 theirs(seed);
    require_same_outputs(ours, theirs, 2000);
  }
  MersenneTwister64 def;
  std::mt19937_64 std_def;
  require_same_outputs(def, std_def, 700);
}

TEST_CASE("MersenneTwister64: same outputs as std::mt19937_64 seeded by a sequence",
          "[core][rng]") {
  SECTION("std::seed_seq of several lengths") {
    for (std::size_t len = 0; len < 8; ++len) {
      std::vector<std::uint32_t> words;
      for (std::size_t i = 0; i < len; ++i) words.push_back(static_cast<std::uint32_t>(i * 7919 + 3));
      std::seed_seq a(words.begin(), words.end()), b(words.begin(), words.end());
      INFO("length " << len);
      MersenneTwister64 ours(a);
      std::mt19937_64 theirs(b);
      require_same_outputs(ours, theirs, 1000);
    }
  }
  SECTION("make_rng is std::mt19937_64 from the same seed_seq") {
    for (std::uint64_t stream = 0; stream < 4; ++stream) {
      auto ours = rlvalue::make_rng(2026, stream);
      const std::uint64_t s = rlvalue::split_seed(2026, stream);
      std::seed_seq seq{static_cast<std::uint32_t>(s), static_cast<std::uint32_t>(s >> 32)};
      std::mt19937_64 theirs(seq);
      require_same_outputs(ours, theirs, 1000);
    }
  }
  SECTION("the all-zero state rule and 32-bit words") {
    ZeroSeq z1, z2;
    MersenneTwister64 ours(z1);
    std::mt19937_64 theirs(z2);
    require_same_outputs(ours, theirs, 1000);
    PatternSeq p1, p2;
    MersenneTwister64 ours_p(p1);
    std::mt19937_64 theirs_p(p2);
    require_same_outputs(ours_p, theirs_p, 1000);
  }
}

TEST_CASE("MersenneTwister64: seed, discard, copies and equality", "[core][rng]") {
  for (const unsigned long long skip : {0ULL, 1ULL, 311ULL, 312ULL, 313ULL, 624ULL, 1000ULL, 5000ULL}) {
    INFO("discard " << skip);
    MersenneTwister64 ours(7);
    std::mt19937_64 theirs(7);
    ours();  // discard from a position inside the state, too
    theirs();
    ours.discard(skip);
    theirs.discard(skip);
    require_same_outputs(ours, theirs, 400);
  }
  MersenneTwister64 a(11), b(11), c(12);
  REQUIRE(a == b);
  REQUIRE(a != c);
  a();
  REQUIRE(a != b);
  b();
  REQUIRE(a == b);
  MersenneTwister64 copy = a;
  REQUIRE(copy == a);
  REQUIRE(copy() == a());
  a.seed(12);
  REQUIRE(a == c);
  a.seed();
  REQUIRE(a == MersenneTwister64());
  std::seed_seq q1{1u, 2u, 3u}, q2{1u, 2u, 3u};
  a.seed(q1);
  REQUIRE(a == MersenneTwister64(q2));
  // Copy construction from a non-const engine copies (it is not taken for a
  // seed sequence).
  MersenneTwister64 d(99);
  MersenneTwister64 e(d);
  REQUIRE(e == d);
}
