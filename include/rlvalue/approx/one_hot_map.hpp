#pragma once
/// @file
/// OneHotMap: the one-hot feature map over states 0..n-1 (phi(s) = e_s), the
/// map under which LinearV/LinearQ reproduce TabularV/TabularQ exactly.

#include <span>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// phi(s) = e_s for s in [0, num_states): one active index, s itself.
class OneHotMap {
 public:
  /// Type of a state.
  using state_type = Index;

  /// num_states >= 1 (std::invalid_argument otherwise).
  explicit OneHotMap(Index num_states) : n_(num_states) {
    check_at_least_one("OneHotMap", "num_states", num_states);
  }

  /// Number of states.
  Index num_states() const noexcept { return n_; }
  /// Number of features.
  Index num_features() const noexcept { return n_; }
  /// Active features per state: always 1.
  static constexpr Index num_active() noexcept { return 1; }

  /// std::out_of_range unless s is in [0, num_states).
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, n_);
  }

  /// out[0] = s. `out` has at least num_active() entries; s is not checked
  /// here (approximators check states first).
  void write(Index s, std::span<Index> out) const noexcept { out[0] = s; }

 private:
  Index n_;
};

}  // namespace rlvalue
