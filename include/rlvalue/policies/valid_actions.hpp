#pragma once
/// @file
/// Which actions a policy may choose in a state. Some environments offer fewer
/// actions in some states (Sutton & Barto's maximization-bias MDP: 2 actions in
/// A, 10 in B); a value table is still S x A_max. Policies take an optional
/// *valid-action count* n(s): actions 0..n(s)-1 are valid in s, the others are
/// never chosen and get probability 0.
///
/// A valid-action count is any callable `n(s) -> Index`:
///   AllActions             every action is valid (the default, zero cost);
///   ValidActionCounts      a per-state table of counts (finite state sets);
///   a lambda               e.g. [](Index s) { return s == 0 ? 2 : 10; }.
/// Policies check 1 <= n(s) <= num_actions() on each call.

#include <Eigen/Core>
#include <concepts>
#include <functional>
#include <initializer_list>
#include <span>
#include <type_traits>
#include <string_view>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Every action is valid in every state: n(s) = num_actions().
struct AllActions {};

/// Valid-action counts read from a table: n(s) = counts[s], each >= 1.
class ValidActionCounts {
 public:
  /// counts[s] = number of valid actions of state s (actions 0..counts[s]-1);
  /// non-empty, every entry >= 1. Implicit, so a policy accepts the vector.
  template <class Derived>
  ValidActionCounts(const Eigen::DenseBase<Derived>& counts)  // NOLINT(google-explicit-constructor)
      : counts_(static_cast<std::size_t>(counts.size())) {
    for (Index s = 0; s < counts.size(); ++s)
      counts_[static_cast<std::size_t>(s)] = static_cast<Index>(counts.derived().coeff(s));
    validate();
  }
  /// Counts from a list {n_0, n_1, ...} (each >= 1).
  ValidActionCounts(std::initializer_list<Index> counts) : counts_(counts) { validate(); }

  /// n(s); std::out_of_range unless 0 <= s < num_states().
  Index operator()(Index s) const {
    check_index("ValidActionCounts", "state", s, num_states());
    return counts_[static_cast<std::size_t>(s)];
  }

  /// Number of states.
  Index num_states() const noexcept { return static_cast<Index>(counts_.size()); }
  /// The largest count (a policy checks it against its num_actions()).
  Index max_count() const noexcept {
    Index m = counts_.front();  // validate() ensured at least one
    for (const Index n : counts_) m = n > m ? n : m;
    return m;
  }
  /// Number of valid actions per state.
  std::span<const Index> counts() const noexcept { return counts_; }

 private:
  void validate() const {
    check_at_least_one("ValidActionCounts", "counts.size()", num_states());
    for (std::size_t s = 0; s < counts_.size(); ++s)
      if (counts_[s] < 1) [[unlikely]]
        fail_check("ValidActionCounts", "counts[" + detail::format_value(static_cast<Index>(s)) + "]",
                   counts_[s], "must be at least 1");
  }

  // A std::vector, not an Eigen::VectorX<Index>: its members would be
  // compiled in every includer (issue 9's compile-time budget).
  std::vector<Index> counts_;
};

/// A valid-action count for states of type State: AllActions or a callable
/// State -> Index. Eigen vectors are excluded (their operator() does not check
/// the state): pass them as ValidActionCounts, which policies deduce for them.
template <class M, class State>
concept ValidActionCount =
    std::same_as<M, AllActions> ||
    (!std::derived_from<M, Eigen::EigenBase<M>> && std::regular_invocable<const M&, const State&> &&
     std::convertible_to<std::invoke_result_t<const M&, const State&>, Index>);

namespace detail {

/// n(s) under mask `m`, checked to lie in [1, num_actions].
template <class M, class State>
Index valid_count(const M& m, const State& s, Index num_actions, std::string_view where) {
  if constexpr (std::same_as<M, AllActions>) {
    (void)m;
    (void)s;
    (void)where;
    return num_actions;
  } else {
    const Index n = static_cast<Index>(m(s));
    check_in_range(where, "valid action count", n, Index{1}, num_actions);
    return n;
  }
}

/// At construction: a table of counts must fit the policy's actions.
template <class M>
void check_mask_fits(const M& m, Index num_actions, std::string_view where) {
  if constexpr (requires { m.max_count(); }) {
    check_in_range(where, "largest valid action count", static_cast<Index>(m.max_count()),
                   Index{1}, num_actions);
  } else {
    (void)m;
    (void)num_actions;
    (void)where;
  }
}

}  // namespace detail

}  // namespace rlvalue
