#pragma once
/// @file
/// MDPEnvironment: samples any FiniteMDP as an Environment (the generic
/// adaptor of DESIGN.md): reset draws a start state, step draws one outcome
/// of (state, action) with its probability.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <random>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/available_actions.hpp"

namespace rlvalue {

/// The Environment view of a FiniteMDP. States and actions are Index.
/// Ownership: `MDPEnvironment<M>` holds a copy of the MDP (move it in to avoid
/// the copy); `MDPEnvironment<const M&>` holds a reference, which must
/// outlive the environment. Class template argument deduction gives the
/// copying form.
///
/// step(a, rng) draws one outcome o of (state, a) with probability p_o and
/// returns {o.next_state, o.reward, terminated = o.terminal, truncated =
/// false}: time limits belong to the episode loop. After a terminal step the
/// episode is over and step throws std::logic_error until the next reset.
template <class M>
requires FiniteMDP<std::remove_cvref_t<M>>
class MDPEnvironment {
 public:
  /// The finite MDP type.
  using mdp_type = std::remove_cvref_t<M>;
  /// Type of a state.
  using state_type = Index;
  /// Type of an action.
  using action_type = Index;

  /// Every episode starts in `start_state` (std::out_of_range if not a state).
  MDPEnvironment(M mdp, Index start_state) : mdp_(std::forward<M>(mdp)) {
    check_index("MDPEnvironment", "start_state", start_state, num_states());
    start_distribution_ = Vector::Zero(num_states());
    start_distribution_(start_state) = 1.0;
  }

  /// Episodes start in a state drawn from `start_distribution` (num_states()
  /// entries in [0, 1] summing to 1 within 1e-9; std::invalid_argument
  /// otherwise).
  MDPEnvironment(M mdp, const Eigen::Ref<const Eigen::VectorXd>& start_distribution)
      : mdp_(std::forward<M>(mdp)), start_distribution_(start_distribution) {
    constexpr std::string_view where = "MDPEnvironment";
    check_size(where, "start_distribution", start_distribution_.size(), num_states());
    double sum = 0.0;
    for (Index s = 0; s < num_states(); ++s) {
      const double p = start_distribution_(s);
      if (!(p >= 0.0 && p <= 1.0)) [[unlikely]]
        fail_check(where, "start_distribution(" + detail::format_value(s) + ")", p,
                   "is outside [0, 1]");
      sum += p;
    }
    if (!(std::abs(sum - 1.0) <= 1e-9)) [[unlikely]]
      fail_check(where, "sum of start_distribution", sum, "must be 1 (within 1e-09)");
  }

  /// The MDP being sampled.
  const mdp_type& mdp() const noexcept { return mdp_; }
  /// Number of states.
  Index num_states() const { return static_cast<Index>(mdp_.num_states()); }
  /// Number of actions.
  Index num_actions() const { return static_cast<Index>(mdp_.num_actions()); }
  /// The distribution reset draws from.
  const Eigen::VectorXd& start_distribution() const noexcept { return start_distribution_; }

  /// Starts an episode in a state drawn from the start distribution.
  template <std::uniform_random_bit_generator G>
  Index reset(G& rng) {
    return reset_to(sample_discrete(rng, start_distribution_));
  }

  /// Starts an episode in `state` (exploring starts, tests).
  Index reset_to(Index state) {
    check_index("MDPEnvironment::reset_to", "state", state, num_states());
    state_ = state;
    in_episode_ = true;
    return state_;
  }

  /// Takes `action` in the current state; see the class comment.
  template <std::uniform_random_bit_generator G>
  Step<Index, double> step(Index action, G& rng) {
    if (!in_episode_) [[unlikely]]
      throw std::logic_error("MDPEnvironment::step: no episode is running (call reset first)");
    check_action_in_state("MDPEnvironment::step", state_, action,
                          num_available_actions(mdp_, state_));
    const double u = uniform01(rng);
    double cumulative = 0.0;
    Step<Index, double> result{};
    bool chosen = false;
    for (const auto& o : mdp_.outcomes(state_, action)) {
      const double p = static_cast<double>(o.probability);
      if (p <= 0.0) continue;
      // The last positive outcome absorbs round-off in the probability sum.
      result = {static_cast<Index>(o.next_state), static_cast<double>(o.reward),
                static_cast<bool>(o.terminal), false};
      chosen = true;
      cumulative += p;
      if (u < cumulative) break;
    }
    if (!chosen) [[unlikely]]
      throw std::logic_error(
          "MDPEnvironment::step: the MDP gave no outcome of positive probability");
    check_index("MDPEnvironment::step", "outcome next_state", result.next_state, num_states());
    state_ = result.next_state;
    in_episode_ = !result.terminated;
    return result;
  }

  /// The current state (the last next_state after a terminal step).
  Index state() const noexcept { return state_; }
  /// True between a reset and the terminal step.
  bool in_episode() const noexcept { return in_episode_; }

 private:
  M mdp_;
  // Eigen::VectorXd, spelled so that the constructors' Eigen code is compiled
  // only where they are used (core/dependent.hpp).
  using Vector = detail::dependent_t<Eigen::VectorXd, M>;
  Vector start_distribution_;
  Index state_ = 0;
  bool in_episode_ = false;
};

// Deduction guides: not listed in the API reference (the constructors are).
/// @cond
template <class M>
MDPEnvironment(M, Index) -> MDPEnvironment<M>;
template <class M>
MDPEnvironment(M, const Eigen::Ref<const Eigen::VectorXd>&) -> MDPEnvironment<M>;
/// @endcond

}  // namespace rlvalue
