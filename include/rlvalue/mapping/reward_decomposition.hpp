#pragma once
/// @file
/// Reward decompositions of Orchestrated Value Mapping (Fatemi & Tavakoli,
/// ICLR 2022): the reward is split into channel rewards r_j with weights w_j
/// such that r = sum_j w_j r_j; each channel learns its own value in its own
/// mapped space, and Q = sum_j w_j Q_j.
///   PolarDecomposition       r+ = max(r, 0), r- = max(-r, 0), w = (1, -1)
///                            (Log Q-learning, van Seijen et al. 2019).
///   MultiScaleDecomposition  channels by magnitude: given bounds
///                            0 = b_0 < b_1 < ... < b_m, positive channel j
///                            carries clamp((r+ - b_{j-1}) / (b_j - b_{j-1}), 0, 1)
///                            with weight b_j - b_{j-1}, negative channels the
///                            same for r- with weight -(b_j - b_{j-1}); every
///                            channel reward is in [0, 1] and the weighted sum
///                            gives back r for |r| <= b_m (larger |r| throws).
///                            Channel order: positive 1..m, then negative 1..m.
///   UserDecomposition        a callable split(r, out) writing the channel
///                            rewards, with given weights; without a callable
///                            the channel rewards must be passed to the learner
///                            (Q-decomposition, Russell & Zimdars 2003).
/// `decompose(r, out)` writes num_channels() rewards into `out` (a
/// std::span<Scalar> of exactly that size; no allocation) and throws
/// std::invalid_argument (naming "reward") for a non-finite reward or one the
/// decomposition cannot represent.

#include <algorithm>
#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// A split of a scalar reward into weighted channel rewards.
template <class D>
concept RewardDecomposition =
    requires(const D& d, typename D::scalar_type r, std::span<typename D::scalar_type> out,
             Index j) {
      typename D::scalar_type;
      { d.num_channels() } -> std::convertible_to<Index>;
      { d.weight(j) } -> std::convertible_to<typename D::scalar_type>;
      d.decompose(r, out);
    };

/// r+ = max(r, 0), r- = max(-r, 0); weights (1, -1).
template <std::floating_point Scalar = double>
struct PolarDecomposition {
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Number of reward channels.
  static constexpr Index num_channels() noexcept { return 2; }
  /// w_0 = 1 (positive part), w_1 = -1 (negative part).
  static constexpr Scalar weight(Index j) noexcept { return j == 0 ? Scalar(1) : Scalar(-1); }
  /// out = (max(r, 0), max(-r, 0)). Throws unless r is finite.
  void decompose(Scalar r, std::span<Scalar> out) const {
    check_finite("PolarDecomposition::decompose", "reward", r);
    check_size("PolarDecomposition::decompose", "out", static_cast<Index>(out.size()), 2);
    out[0] = r > Scalar(0) ? r : Scalar(0);
    out[1] = r < Scalar(0) ? -r : Scalar(0);
  }
};

/// Channels by magnitude (see the header): 2m channels for m bounds.
template <std::floating_point Scalar = double>
class MultiScaleDecomposition {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// `bounds` b_1 < ... < b_m, all > 0 and finite, m >= 1
  /// (std::invalid_argument naming "bounds[i]").
  explicit MultiScaleDecomposition(std::vector<double> bounds) {
    constexpr std::string_view where = "MultiScaleDecomposition";
    check_at_least_one(where, "bounds.size()", static_cast<Index>(bounds.size()));
    double previous = 0.0;
    for (std::size_t i = 0; i < bounds.size(); ++i) {
      const std::string name = "bounds[" + std::to_string(i) + "]";
      check_positive(where, name, bounds[i]);
      if (!(bounds[i] > previous)) [[unlikely]]
        fail_check(where, name, bounds[i],
                   "must exceed the previous bound " + detail::format_value(previous));
      lower_.push_back(static_cast<Scalar>(previous));
      width_.push_back(static_cast<Scalar>(bounds[i] - previous));
      previous = bounds[i];
    }
    max_ = static_cast<Scalar>(previous);
  }

  /// Number of reward channels.
  Index num_channels() const noexcept { return 2 * static_cast<Index>(width_.size()); }
  /// b_j - b_{j-1} for positive channel j, its negative for negative channel j.
  Scalar weight(Index j) const noexcept {
    const auto m = width_.size();
    const auto k = static_cast<std::size_t>(j);
    return k < m ? width_[k] : -width_[k - m];
  }
  /// Largest representable |r| (b_m).
  Scalar max_magnitude() const noexcept { return max_; }

  /// Writes the 2m channel rewards (each in [0, 1]). Throws unless r is
  /// finite with |r| <= b_m, or if out has the wrong size.
  void decompose(Scalar r, std::span<Scalar> out) const {
    constexpr std::string_view where = "MultiScaleDecomposition::decompose";
    check_finite(where, "reward", r);
    if (!(std::abs(r) <= max_)) [[unlikely]]
      fail_check(where, "reward", r, "has magnitude above the largest bound " +
                                         detail::format_value(max_));
    check_size(where, "out", static_cast<Index>(out.size()), num_channels());
    const std::size_t m = width_.size();
    const Scalar pos = r > Scalar(0) ? r : Scalar(0);
    const Scalar neg = r < Scalar(0) ? -r : Scalar(0);
    for (std::size_t j = 0; j < m; ++j) {
      out[j] = std::clamp((pos - lower_[j]) / width_[j], Scalar(0), Scalar(1));
      out[m + j] = std::clamp((neg - lower_[j]) / width_[j], Scalar(0), Scalar(1));
    }
  }

 private:
  std::vector<Scalar> lower_, width_;
  Scalar max_{};
};

/// Marker: a UserDecomposition without a split; the channel rewards are
/// passed to the learner directly.
struct NoRewardSplit {};

/// User-defined channels with weights; `Split` is a callable
/// split(Scalar reward, std::span<Scalar> out) or NoRewardSplit.
template <std::floating_point Scalar = double, class Split = NoRewardSplit>
class UserDecomposition {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// `weights`: one finite number per channel, at least one channel.
  explicit UserDecomposition(std::vector<double> weights, Split split = {})
      : split_(std::move(split)) {
    constexpr std::string_view where = "UserDecomposition";
    check_at_least_one(where, "weights.size()", static_cast<Index>(weights.size()));
    for (std::size_t j = 0; j < weights.size(); ++j) {
      check_finite(where, "weights[" + std::to_string(j) + "]", weights[j]);
      weights_.push_back(static_cast<Scalar>(weights[j]));
    }
  }

  /// Number of reward channels.
  Index num_channels() const noexcept { return static_cast<Index>(weights_.size()); }
  /// Weight w_j of channel j.
  Scalar weight(Index j) const noexcept { return weights_[static_cast<std::size_t>(j)]; }
  /// Whether decompose() can split a scalar reward.
  static constexpr bool has_split = !std::is_same_v<Split, NoRewardSplit>;

  /// Calls the split and checks that every channel reward is finite.
  /// Without a split, throws std::invalid_argument (pass channel rewards).
  void decompose(Scalar r, std::span<Scalar> out) const {
    constexpr std::string_view where = "UserDecomposition::decompose";
    check_finite(where, "reward", r);
    check_size(where, "out", static_cast<Index>(out.size()), num_channels());
    if constexpr (has_split) {
      split_(r, out);
      for (std::size_t j = 0; j < out.size(); ++j)
        if (!std::isfinite(out[j])) [[unlikely]]
          fail_check(where, "channel_rewards[" + std::to_string(j) + "]", out[j], "is not finite");
    } else {
      throw std::invalid_argument(
          std::string(where) +
          ": this decomposition has no reward split; pass the channel rewards to update");
    }
  }

 private:
  std::vector<Scalar> weights_;
  [[no_unique_address]] Split split_;
};

}  // namespace rlvalue
