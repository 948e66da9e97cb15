#pragma once
/// @file
/// StateAggregation: states 0..n-1 grouped into consecutive blocks of equal
/// width (the last block may be shorter); phi(s) = e_{floor(s / width)}
/// (Sutton & Barto 2nd ed. section 9.3, Example 9.1).

#include <span>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Aggregation of states [0, num_states) into ceil(num_states / group_size)
/// groups: phi(s) has one active index, s / group_size.
class StateAggregation {
 public:
  /// Type of a state.
  using state_type = Index;

  /// num_states >= 1, group_size >= 1 (std::invalid_argument otherwise).
  StateAggregation(Index num_states, Index group_size) : n_(num_states), width_(group_size) {
    check_at_least_one("StateAggregation", "num_states", num_states);
    check_at_least_one("StateAggregation", "group_size", group_size);
  }

  /// Number of states.
  Index num_states() const noexcept { return n_; }
  /// Number of consecutive states per group.
  Index group_size() const noexcept { return width_; }
  /// Number of groups, ceil(num_states / group_size).
  Index num_features() const noexcept { return (n_ + width_ - 1) / width_; }
  /// Active features per state: always 1.
  static constexpr Index num_active() noexcept { return 1; }

  /// std::out_of_range unless s is in [0, num_states).
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, n_);
  }

  /// The group of s.
  Index group(Index s) const noexcept { return s / width_; }

  /// out[0] = s / group_size (s is not checked here).
  void write(Index s, std::span<Index> out) const noexcept { out[0] = s / width_; }

 private:
  Index n_;
  Index width_;
};

}  // namespace rlvalue
