#pragma once
/// @file
/// TabularMDP: a finite MDP with its dynamics in memory, stored compactly as
/// compressed rows: one contiguous array of outcomes, and for every
/// (state, action) the offset of its first outcome (as in AI-Toolbox's sparse
/// models, Puterman 1994 ch. 2 for the model itself). Built and validated by
/// TabularMDP::Builder; `to_tabular` copies any FiniteMDP into one.

#include <algorithm>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/available_actions.hpp"

namespace rlvalue {

/// A finite MDP: states 0..S-1, actions 0..A-1 (0..num_actions(s)-1 in state
/// s), and for each available (s, a) a list of outcomes
/// {next_state, probability, reward, terminal} whose probabilities sum to 1.
/// Satisfies FiniteMDP and StateDependentActions. Immutable once built.
template <class Scalar = double>
class TabularMDP {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// The outcome type of outcomes(s, a).
  using outcome_type = Outcome<Scalar>;

  class Builder;

  /// Number of states S.
  Index num_states() const noexcept { return num_states_; }
  /// Number of actions A (the width of a Q table).
  Index num_actions() const noexcept { return num_actions_; }
  /// Number of actions available in state s (A unless set smaller by
  /// Builder::set_num_actions).
  Index num_actions(Index s) const {
    check_index("TabularMDP::num_actions", "state", s, num_states_);
    return state_num_actions_[static_cast<std::size_t>(s)];
  }

  /// The outcomes of taking action a in state s: a contiguous view into the
  /// model (valid while the model lives). Throws std::out_of_range for a
  /// state or an action not available in s.
  std::span<const outcome_type> outcomes(Index s, Index a) const {
    check_index("TabularMDP::outcomes", "state", s, num_states_);
    check_action_in_state("TabularMDP::outcomes", s, a,
                          state_num_actions_[static_cast<std::size_t>(s)]);
    const auto k = static_cast<std::size_t>(s * num_actions_ + a);
    return std::span<const outcome_type>(outcomes_.data() + offsets_[k],
                                         outcomes_.data() + offsets_[k + 1]);
  }

  /// Total number of stored outcomes (the model's size).
  Index num_outcomes() const noexcept { return static_cast<Index>(outcomes_.size()); }

 private:
  TabularMDP() = default;

  Index num_states_ = 0;
  Index num_actions_ = 0;
  std::vector<Index> state_num_actions_;  // S entries
  std::vector<std::size_t> offsets_;      // S*A + 1 entries, row-major (s, a)
  std::vector<outcome_type> outcomes_;
};

/// Collects the outcomes of a TabularMDP and validates them:
///   TabularMDP<>::Builder b(num_states, num_actions);
///   b.add(s, a, next_state, probability, reward, terminal);  // any order
///   TabularMDP<> m = std::move(b).build();
/// `add` throws std::out_of_range for a bad state, action or next_state and
/// std::invalid_argument for a probability outside [0, 1] or a non-finite
/// reward; `build` throws std::invalid_argument if an available (s, a) has no
/// outcome or its probabilities do not sum to 1 within
/// `probability_tolerance`. Outcomes of one (s, a) keep the order they were
/// added in.
template <class Scalar>
class TabularMDP<Scalar>::Builder {
 public:
  /// Default tolerance on each probability sum: 1e-9 for double, ~1e-5 for float.
  static constexpr Scalar default_probability_tolerance() noexcept {
    return std::max(Scalar(1e-9), Scalar(64) * std::numeric_limits<Scalar>::epsilon());
  }

  /// num_states >= 1, num_actions >= 1, probability_tolerance > 0.
  Builder(Index num_states, Index num_actions,
          Scalar probability_tolerance = default_probability_tolerance())
      : tolerance_(probability_tolerance) {
    check_at_least_one("TabularMDP::Builder", "num_states", num_states);
    check_at_least_one("TabularMDP::Builder", "num_actions", num_actions);
    check_positive("TabularMDP::Builder", "probability_tolerance", probability_tolerance);
    model_.num_states_ = num_states;
    model_.num_actions_ = num_actions;
    model_.state_num_actions_.assign(static_cast<std::size_t>(num_states), num_actions);
  }

  /// Restricts state s to actions 0..num_actions_in_state-1
  /// (1 <= num_actions_in_state <= num_actions).
  Builder& set_num_actions(Index s, Index num_actions_in_state) {
    check_index("TabularMDP::Builder::set_num_actions", "state", s, model_.num_states_);
    check_in_range("TabularMDP::Builder::set_num_actions", "num_actions_in_state",
                   num_actions_in_state, Index(1), model_.num_actions_);
    model_.state_num_actions_[static_cast<std::size_t>(s)] = num_actions_in_state;
    return *this;
  }

  /// Adds the outcome (next_state, probability, reward, terminal) to (s, a).
  Builder& add(Index s, Index a, Index next_state, Scalar probability, Scalar reward,
               bool terminal = false) {
    constexpr std::string_view where = "TabularMDP::Builder::add";
    check_index(where, "state", s, model_.num_states_);
    check_action_in_state(where, s, a, model_.state_num_actions_[static_cast<std::size_t>(s)]);
    check_index(where, "next_state", next_state, model_.num_states_);
    check_unit_interval(where, "probability", probability);
    check_finite(where, "reward", reward);
    keys_.push_back(s * model_.num_actions_ + a);
    model_.outcomes_.push_back({next_state, probability, reward, terminal});
    return *this;
  }

  /// Adds `outcome` to (s, a).
  Builder& add(Index s, Index a, const outcome_type& outcome) {
    return add(s, a, outcome.next_state, outcome.probability, outcome.reward, outcome.terminal);
  }

  /// Validates and returns the model (the builder is consumed).
  TabularMDP build() && {
    constexpr std::string_view where = "TabularMDP::Builder::build";
    const Index S = model_.num_states_;
    const Index A = model_.num_actions_;
    const auto num_pairs = static_cast<std::size_t>(S * A);
    // Counting sort of the outcomes by (s, a), stable within each pair.
    std::vector<std::size_t> offsets(num_pairs + 1, 0);
    for (const Index k : keys_) ++offsets[static_cast<std::size_t>(k) + 1];
    for (std::size_t k = 0; k < num_pairs; ++k) offsets[k + 1] += offsets[k];
    std::vector<outcome_type> sorted(model_.outcomes_.size());
    std::vector<std::size_t> next = offsets;
    for (std::size_t i = 0; i < keys_.size(); ++i)
      sorted[next[static_cast<std::size_t>(keys_[i])]++] = model_.outcomes_[i];

    for (Index s = 0; s < S; ++s) {
      const Index available = model_.state_num_actions_[static_cast<std::size_t>(s)];
      for (Index a = 0; a < A; ++a) {
        const auto k = static_cast<std::size_t>(s * A + a);
        const std::size_t count = offsets[k + 1] - offsets[k];
        if (a >= available) {
          // Outcomes added before set_num_actions removed this action.
          if (count != 0) check_action_in_state(where, s, a, available);
          continue;
        }
        if (count == 0)
          fail_check(where, "number of outcomes", 0, pair_text(s, a).append(" must be at least 1"));
        Scalar sum = 0;
        for (std::size_t i = offsets[k]; i < offsets[k + 1]; ++i) sum += sorted[i].probability;
        if (!(std::abs(sum - Scalar(1)) <= tolerance_))
          fail_check(where, "sum of probabilities", sum,
                     pair_text(s, a)
                         .append(" must be 1 (within ")
                         .append(detail::format_value(tolerance_))
                         .append(")"));
      }
    }
    model_.outcomes_ = std::move(sorted);
    model_.offsets_ = std::move(offsets);
    keys_.clear();
    return std::move(model_);
  }

 private:
  static std::string pair_text(Index s, Index a) {
    return std::string("of (state = ")
        .append(detail::format_value(s))
        .append(", action = ")
        .append(detail::format_value(a))
        .append(")");
  }

  TabularMDP model_;
  std::vector<Index> keys_;  // s*A + a of each outcome, in insertion order
  Scalar tolerance_;
};

/// Copies any FiniteMDP into a TabularMDP<Scalar> (only the available actions
/// of each state, see available_actions.hpp). Throws what Builder throws if
/// the source is not a valid MDP (e.g. probabilities not summing to 1).
template <class Scalar = double, FiniteMDP M>
TabularMDP<Scalar> to_tabular(const M& mdp) {
  const Index S = static_cast<Index>(mdp.num_states());
  const Index A = static_cast<Index>(mdp.num_actions());
  typename TabularMDP<Scalar>::Builder builder(S, A);
  for (Index s = 0; s < S; ++s) {
    const Index available = num_available_actions(mdp, s);
    if (available != A) builder.set_num_actions(s, available);
    for (Index a = 0; a < available; ++a)
      for (const auto& o : mdp.outcomes(s, a))
        builder.add(s, a, static_cast<Index>(o.next_state), static_cast<Scalar>(o.probability),
                    static_cast<Scalar>(o.reward), static_cast<bool>(o.terminal));
  }
  return std::move(builder).build();
}

}  // namespace rlvalue
