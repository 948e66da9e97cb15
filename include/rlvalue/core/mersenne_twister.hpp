#pragma once
/// @file
/// MersenneTwister64: the 64-bit Mersenne Twister MT19937-64 (Matsumoto and
/// Nishimura 1998; Nishimura 2000), the engine the C++ standard defines as
/// std::mt19937_64 ([rand.predef]), with the same output for the same seed,
/// the same seeding (from a value or from a seed sequence) and the same
/// interface (result_type, min, max, default_seed, seed, operator(),
/// discard, ==).
///
/// Why not std::mt19937_64 itself: every 312 draws the engine refills its
/// state, choosing for each word whether to XOR the twist matrix by the low
/// bit of a random word. libstdc++ writes that choice as a conditional, and
/// GCC compiled for generic x86-64 (no -march) keeps it a branch that
/// mispredicts half the time: 5.5 ns per draw (a 2-core Xeon VM, 2026-12-06). The
/// refill here selects with a mask (matrix & -(bit)), which vectorises with
/// SSE2: 1.3-1.5 ns per draw, the same numbers (bench/bench_rng.cpp: 3.5-3.9x
/// std::mt19937_64's draws with GCC 12, 1.0x with clang 14, whose
/// libstdc++ refill is already branch-free). Learners that draw per update
/// (Double Q-learning's coin, Maxmin's and REDQ's subsets, epsilon-greedy
/// behaviour) spend that difference on every update.

#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace rlvalue {

namespace detail {
/// A seed sequence as std::seed_seq is: q.generate(first, last) fills 32-bit
/// words. (Excludes the engine itself and integers, which seed by value.)
template <class Sseq, class Engine>
concept SeedSequenceFor =
    !std::is_same_v<std::remove_cv_t<Sseq>, Engine> && !std::is_convertible_v<Sseq&, std::uint64_t> &&
    requires(Sseq& q, std::uint_least32_t* p) { q.generate(p, p); };
}  // namespace detail

/// MT19937-64, output identical to std::mt19937_64 (see the file comment).
class MersenneTwister64 {
 public:
  /// The type of a draw, as std::mt19937_64::result_type.
  using result_type = std::uint_fast64_t;
  /// Bits per state word (w of the standard's mersenne_twister_engine).
  static constexpr std::size_t word_size = 64;
  /// Words of state (n).
  static constexpr std::size_t state_size = 312;
  /// Shift between the words a refill combines (m).
  static constexpr std::size_t shift_size = 156;
  /// Low bits taken from the next word in a refill (r).
  static constexpr std::size_t mask_bits = 31;
  /// The twist matrix's last row (a).
  static constexpr result_type xor_mask = 0xB5026F5AA96619E9ULL;
  /// The seed of the default constructor, as std::mt19937_64's.
  static constexpr result_type default_seed = 5489u;

  /// The smallest draw: 0.
  static constexpr result_type min() noexcept { return 0; }
  /// The largest draw: 2^64 - 1.
  static constexpr result_type max() noexcept { return kWordMask; }

  /// Seeded with default_seed, as std::mt19937_64's default constructor.
  MersenneTwister64() noexcept { seed(default_seed); }
  /// Seeded with `value` (taken modulo 2^64), as std::mt19937_64(value).
  explicit MersenneTwister64(result_type value) noexcept { seed(value); }
  /// Seeded from a seed sequence (std::seed_seq or any type with its
  /// generate()), as std::mt19937_64(q).
  template <detail::SeedSequenceFor<MersenneTwister64> Sseq>
  explicit MersenneTwister64(Sseq& q) {
    seed(q);
  }

  /// The standard's linear seeding: x_0 = value, x_i = f * (x_{i-1} xor
  /// (x_{i-1} >> 62)) + i, f = 6364136223846793005.
  void seed(result_type value = default_seed) noexcept {
    x_[0] = value & kWordMask;
    for (std::size_t i = 1; i < state_size; ++i)
      x_[i] = (6364136223846793005ULL * (x_[i - 1] ^ (x_[i - 1] >> (word_size - 2))) + i) & kWordMask;
    next_ = state_size;
  }

  /// The standard's seeding from a sequence: 2 * 312 32-bit words from
  /// q.generate, two per state word (low word first); an all-zero state
  /// (its first word's top 33 bits and every other word zero) becomes 2^63.
  template <detail::SeedSequenceFor<MersenneTwister64> Sseq>
  void seed(Sseq& q) {
    std::uint_least32_t words[2 * state_size];
    q.generate(words + 0, words + 2 * state_size);
    bool zero = true;
    for (std::size_t i = 0; i < state_size; ++i) {
      x_[i] = (static_cast<std::uint64_t>(words[2 * i] & 0xFFFFFFFFu) |
               (static_cast<std::uint64_t>(words[2 * i + 1] & 0xFFFFFFFFu) << 32)) &
              kWordMask;
      if (x_[i] & (i == 0 ? kUpperMask : kWordMask)) zero = false;
    }
    if (zero) x_[0] = std::uint64_t{1} << (word_size - 1);
    next_ = state_size;
  }

  /// The next 64 random bits.
  result_type operator()() noexcept {
    if (next_ >= state_size) [[unlikely]]
      refill();
    std::uint64_t z = x_[next_++];
    z ^= (z >> 29) & 0x5555555555555555ULL;
    z ^= (z << 17) & 0x71D67FFFEDA60000ULL;
    z ^= (z << 37) & 0xFFF7EEE000000000ULL;
    z ^= z >> 43;
    return z;
  }

  /// Advances by z draws.
  void discard(unsigned long long z) noexcept {
    while (z > 0) {
      if (next_ >= state_size) refill();
      const unsigned long long left = state_size - next_;
      const unsigned long long step = z < left ? z : left;
      next_ += static_cast<std::size_t>(step);
      z -= step;
    }
  }

  /// Equal when both will produce the same sequence from here on (the same
  /// state and position), as std::mt19937_64's ==.
  friend bool operator==(const MersenneTwister64& a, const MersenneTwister64& b) noexcept {
    if (a.next_ != b.next_) return false;
    for (std::size_t i = 0; i < state_size; ++i)
      if (a.x_[i] != b.x_[i]) return false;
    return true;
  }

 private:
  static constexpr std::uint64_t kWordMask = ~std::uint64_t{0};
  static constexpr std::uint64_t kLowerMask = (std::uint64_t{1} << mask_bits) - 1;
  static constexpr std::uint64_t kUpperMask = kWordMask & ~kLowerMask;

  static constexpr std::uint64_t twisted(std::uint64_t far, std::uint64_t lo_word,
                                         std::uint64_t hi_word) noexcept {
    const std::uint64_t y = (lo_word & kUpperMask) | (hi_word & kLowerMask);
    return far ^ (y >> 1) ^ (xor_mask & (std::uint64_t{0} - (y & 1)));
  }

  // The state refill (once per 312 draws), free of branches on the random
  // bits. Left to the compiler to inline: out of line, clang's draws were
  // 0.75x std::mt19937_64's (inlined, 1.0x); GCC's were the same either way.
  void refill() noexcept {
    constexpr std::size_t n = state_size, m = shift_size;
    std::size_t k = 0;
    for (; k < n - m; ++k) x_[k] = twisted(x_[k + m], x_[k], x_[k + 1]);
    for (; k < n - 1; ++k) x_[k] = twisted(x_[k + m - n], x_[k], x_[k + 1]);
    x_[n - 1] = twisted(x_[m - 1], x_[n - 1], x_[0]);
    next_ = 0;
  }

  std::uint64_t x_[state_size];
  std::size_t next_;
};

}  // namespace rlvalue
