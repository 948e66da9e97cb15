#pragma once
// TileCoding: several overlapping grid tilings of a box in R^d, each offset
// from the others asymmetrically; phi(s) is binary with one active tile per
// tiling (Sutton & Barto 2nd ed. section 9.5.4; the asymmetric offsets and
// the optional hashing follow the idea of Sutton's tiles3 software; this is
// an independent implementation).
//
// Tiling t (0..n-1) is the grid of tiles of width (high_i - low_i) / tiles_i
// in each dimension i, shifted by ((t * (2i + 1)) mod n) / n of a tile width:
// displacement vector (1, 3, 5, ...) as recommended by Miller & Glanz (1996)
// and Sutton & Barto (p. 219). With x_i in [low_i, high_i] and
//   q_i = floor(n * tiles_i * (x_i - low_i) / (high_i - low_i)),
//   c_i(t) = floor((q_i + (t * (2i + 1)) mod n) / n)   in [0, tiles_i],
// the active tile of tiling t is (t, c_0, ..., c_{d-1}[, action]). Without
// hashing it is numbered densely:
//   index = ((action * n + t) * prod_i (tiles_i + 1)) + sum_i c_i * stride_i;
// with hashing (hash_size > 0) it is a deterministic 64-bit hash of the
// tuple (SplitMix64 chain) modulo hash_size, so collisions are possible and
// the same state gives the same indices on every platform.

#include <Eigen/Core>
#include <cmath>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Configuration of TileCoding. low, high and tiles have one entry per
/// dimension; high_i > low_i finite, tiles_i >= 1.
struct TileCodingConfig {
  Index num_tilings = 8;       ///< n >= 1
  std::vector<double> low;     ///< lower bound of each dimension
  std::vector<double> high;    ///< upper bound of each dimension
  std::vector<Index> tiles;    ///< tiles per dimension covering [low, high]
  Index hash_size = 0;         ///< 0: dense numbering; > 0: hash into this many indices
  Index num_actions = 0;       ///< > 0: write(s, a, out) adds the action as an integer input
};

/// Tile coding of states x in [low, high] (a box of Dims dimensions; Dims =
/// Eigen::Dynamic takes the dimension from the config). state_type is
/// Eigen::Matrix<double, Dims, 1>. Sparse binary: num_tilings() active
/// indices per state.
template <int Dims = Eigen::Dynamic>
class TileCoding {
 public:
  /// Type of a state.
  using state_type = Eigen::Matrix<double, Dims, 1>;

  /// Validates the config (std::invalid_argument naming the field): bounds
  /// and tiles of equal, non-zero length (= Dims when fixed), finite
  /// low < high, tiles >= 1, num_tilings >= 1, hash_size >= 0,
  /// num_actions >= 0, and a dense numbering that fits in an Index.
  explicit TileCoding(const TileCodingConfig& c) : config_(c) {
    constexpr std::string_view where = "TileCoding";
    check_at_least_one(where, "num_tilings", c.num_tilings);
    const Index d = static_cast<Index>(c.low.size());
    check_at_least_one(where, "low.size()", d);
    if constexpr (Dims != Eigen::Dynamic) check_size(where, "low", d, Dims);
    check_size(where, "high", static_cast<Index>(c.high.size()), d);
    check_size(where, "tiles", static_cast<Index>(c.tiles.size()), d);
    if (c.hash_size < 0) fail_check(where, "hash_size", c.hash_size, "must be >= 0 (0: no hashing)");
    if (c.num_actions < 0) fail_check(where, "num_actions", c.num_actions, "must be >= 0");
    scale_.resize(static_cast<std::size_t>(d));
    max_q_.resize(static_cast<std::size_t>(d));
    stride_.resize(static_cast<std::size_t>(d));
    const double n = static_cast<double>(c.num_tilings);
    Index grid = 1;
    for (Index i = 0; i < d; ++i) {
      const auto k = static_cast<std::size_t>(i);
      const std::string idx = detail::bracketed(i);
      check_finite(where, "low" + idx, c.low[k]);
      check_finite(where, "high" + idx, c.high[k]);
      if (!(c.high[k] > c.low[k]))
        fail_check(where, "high" + idx, c.high[k], "must exceed low" + idx + " = " +
                                                       detail::format_value(c.low[k]));
      check_at_least_one(where, "tiles" + idx, c.tiles[k]);
      scale_[k] = n * static_cast<double>(c.tiles[k]) / (c.high[k] - c.low[k]);
      max_q_[k] = c.tiles[k] * c.num_tilings;
      stride_[k] = grid;
      if (grid > (Index(1) << 40) / (c.tiles[k] + 1))
        fail_check(where, "tiles" + idx, c.tiles[k], "makes the dense numbering too large; set hash_size");
      grid *= c.tiles[k] + 1;
    }
    grid_ = grid;
    // Offsets (t * (2i + 1)) mod n per tiling and dimension, and a shift for
    // the division by n when n is a power of two (the common 4, 8, 16, 32).
    offsets_.resize(static_cast<std::size_t>(c.num_tilings * d));
    for (Index t = 0; t < c.num_tilings; ++t)
      for (Index i = 0; i < d; ++i)
        offsets_[static_cast<std::size_t>(t * d + i)] = (t * (2 * i + 1)) % c.num_tilings;
    shift_ = -1;
    for (int b = 0; b < 62; ++b)
      if ((Index(1) << b) == c.num_tilings) shift_ = b;
    const Index per_action = grid * c.num_tilings;
    num_features_ = c.hash_size > 0 ? c.hash_size
                                     : per_action * (c.num_actions > 0 ? c.num_actions : 1);
  }

  /// The config given at construction.
  const TileCodingConfig& config() const noexcept { return config_; }
  /// Number of state dimensions.
  Index dimensions() const noexcept { return static_cast<Index>(config_.low.size()); }
  /// Number of tilings (active features per state).
  Index num_tilings() const noexcept { return config_.num_tilings; }
  /// Number of indices: hash_size when hashing, else
  /// num_tilings * prod_i (tiles_i + 1) * max(1, num_actions).
  Index num_features() const noexcept { return num_features_; }
  /// One active tile per tiling.
  Index num_active() const noexcept { return config_.num_tilings; }
  /// Number of actions.
  Index num_actions() const noexcept { return config_.num_actions; }

  /// std::invalid_argument unless s has dimensions() finite coordinates,
  /// each in [low_i, high_i] (the message names "<name>[i]").
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    if constexpr (Dims == Eigen::Dynamic) check_size(where, name, s.size(), dimensions());
    for (Index i = 0; i < s.size(); ++i) {
      const auto k = static_cast<std::size_t>(i);
      const double x = s[i];
      if (!(x >= config_.low[k] && x <= config_.high[k])) [[unlikely]]
        fail_state(where, name, i, x);
    }
  }
  /// std::out_of_range unless 0 <= a < num_actions().
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, config_.num_actions);
  }

  /// Writes the num_tilings() active indices of phi(s) into out (tiling
  /// order). s must pass check_state (not re-checked here).
  void write(const state_type& s, std::span<Index> out) const noexcept { write_impl(s, -1, out); }

  /// Writes the active indices of phi(s, a), the action an extra integer
  /// input (needs num_actions() > 0; a must pass check_action).
  void write(const state_type& s, Index a, std::span<Index> out) const noexcept {
    write_impl(s, a, out);
  }

 private:
  // The throw, out of line so that check_state inlines into every update.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_state(std::string_view where, std::string_view name,
                                                         Index i, double x) const {
    const auto k = static_cast<std::size_t>(i);
    detail::throw_invalid_entry(where, name, i, x,
                                "is outside [" + detail::format_value(config_.low[k]) + ", " +
                                    detail::format_value(config_.high[k]) +
                                    "] (tile-coding bounds)");
  }

  void write_impl(const state_type& s, Index action, std::span<Index> out) const noexcept {
    const Index n = config_.num_tilings;
    const Index d = s.size();
    // Quantised coordinates q_i, cached on the stack for up to 16 dimensions
    // and recomputed per tiling beyond (no allocation either way).
    constexpr Index cached = 16;
    Index qs[cached];
    auto quantise = [&](Index i) {
      const auto k = static_cast<std::size_t>(i);
      // s passed check_state, so the scaled coordinate is >= 0 (or NaN-free
      // and in range) and truncation is floor, without a libm call.
      const double scaled = (s[i] - config_.low[k]) * scale_[k];
      const Index qi = scaled >= 0.0 ? static_cast<Index>(scaled) : Index(0);
      return qi > max_q_[k] ? max_q_[k] : qi;
    };
    for (Index i = 0; i < d && i < cached; ++i) qs[i] = quantise(i);
    const Index* offsets = offsets_.data();
    const int shift = shift_;
    auto coordinate = [&](Index t, Index i) {
      const Index qi = i < cached ? qs[i] : quantise(i);
      const Index shifted = qi + offsets[t * d + i];
      return shift >= 0 ? (shifted >> shift) : shifted / n;
    };
    const bool hashed = config_.hash_size > 0;
    if (!hashed && shift >= 0 && d <= cached) {
      // The common case, branch-free: dense numbering, a power-of-two number
      // of tilings.
      const Index* stride = stride_.data();
      const Index base = (action >= 0 ? action : 0) * n;
      for (Index t = 0; t < n; ++t) {
        Index index = (base + t) * grid_;
        for (Index i = 0; i < d; ++i) index += ((qs[i] + offsets[t * d + i]) >> shift) * stride[i];
        out[static_cast<std::size_t>(t)] = index;
      }
      return;
    }
    for (Index t = 0; t < n; ++t) {
      if (hashed) {
        std::uint64_t h = splitmix64(static_cast<std::uint64_t>(t) + 0x51ED270B2A1C8F3DULL);
        for (Index i = 0; i < d; ++i) {
          const Index c = coordinate(t, i);
          h = splitmix64(h ^ static_cast<std::uint64_t>(c));
        }
        if (action >= 0) h = splitmix64(h ^ (static_cast<std::uint64_t>(action) + 0x9E37ULL));
        out[static_cast<std::size_t>(t)] =
            static_cast<Index>(h % static_cast<std::uint64_t>(config_.hash_size));
      } else {
        Index index = ((action >= 0 ? action : 0) * n + t) * grid_;
        for (Index i = 0; i < d; ++i) {
          const Index c = coordinate(t, i);
          index += c * stride_[static_cast<std::size_t>(i)];
        }
        out[static_cast<std::size_t>(t)] = index;
      }
    }
  }

  TileCodingConfig config_;
  std::vector<double> scale_;
  std::vector<Index> max_q_;
  std::vector<Index> stride_;
  std::vector<Index> offsets_;
  int shift_ = -1;
  Index grid_ = 1;
  Index num_features_ = 0;
};

}  // namespace rlvalue
