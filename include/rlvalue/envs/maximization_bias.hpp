#pragma once
/// @file
/// The maximization-bias MDP of Sutton & Barto 2018, Example 6.7 (Figure 6.5):
/// Q-learning overestimates the value of going left, Double Q-learning does not.

#include <algorithm>
#include <concepts>
#include <random>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/available_actions.hpp"

namespace rlvalue {

/// Configuration of MaximizationBias: the number of actions in B (>= 1) and
/// the mean (finite) and standard deviation (finite, >= 0) of their rewards.
struct MaximizationBiasConfig {
  /// Number of actions in B, >= 1.
  Index num_b_actions = 10;
  /// Mean of the normal reward of B's actions (finite).
  double reward_mean = -0.1;
  /// Standard deviation of that reward (finite, >= 0).
  double reward_stddev = 1.0;
};

/// Two states: A = 0 (start) and B = 1. In A, action 0 (left) moves to B
/// with reward 0 and action 1 (right) ends the episode with reward 0. In B,
/// each of num_b_actions actions ends the episode with reward
/// ~ N(reward_mean, reward_stddev^2). Optimal with gamma = 1: right in A
/// (V*(A) = 0 > reward_mean).
///
/// Actions depend on the state: num_actions(A) = 2, num_actions(B) =
/// num_b_actions, and num_actions() = max of the two (the Q-table width,
/// 10 by default). An action >= num_actions(s) is invalid: step and outcomes
/// throw std::out_of_range naming the action and the state. The solvers of
/// mdp/ skip them (Q = -infinity there) and evaluate_policy requires zero
/// probability on them; an agent must choose among num_actions(s).
///
/// Both an Environment and a FiniteMDP; the FiniteMDP outcome of B's actions
/// carries the expected reward reward_mean. Terminal outcomes' next_state is
/// the state acted in (A for right, B for B's actions).
class MaximizationBias {
 public:
  /// Type of a state.
  using state_type = Index;
  /// Type of an action.
  using action_type = Index;
  /// The configuration type.
  using Config = MaximizationBiasConfig;

  /// The states: A (start) and B.
  /// @{
  static constexpr Index state_a = 0, state_b = 1;
  /// @}
  /// The actions in A: left (to B) and right (ends the episode).
  /// @{
  static constexpr Index left = 0, right = 1;
  /// @}

  /// Throws std::invalid_argument for a bad configuration.
  explicit MaximizationBias(const MaximizationBiasConfig& config = MaximizationBiasConfig{})
      : config_(config), outcomes_(make_outcomes(config)) {}

  /// The config given at construction.
  const MaximizationBiasConfig& config() const noexcept { return config_; }
  /// Number of states.
  Index num_states() const noexcept { return 2; }
  /// The table width: max(2, num_b_actions).
  Index num_actions() const noexcept { return std::max<Index>(2, config_.num_b_actions); }
  /// Actions available in s: 2 in A, num_b_actions in B.
  Index num_actions(Index s) const {
    check_index("MaximizationBias::num_actions", "state", s, 2);
    return s == state_a ? 2 : config_.num_b_actions;
  }

  /// FiniteMDP view (expected rewards); see the class comment.
  std::span<const Outcome<double>> outcomes(Index s, Index a) const {
    check_index("MaximizationBias::outcomes", "state", s, 2);
    check_action_in_state("MaximizationBias::outcomes", s, a, num_actions(s));
    // Entries 0 and 1: A's left and right; entry 2 + a: action a in B.
    return {outcomes_.data() + (s == state_a ? a : 2 + a), 1};
  }

  /// Starts an episode in A.
  template <std::uniform_random_bit_generator G>
  Index reset(G& /*rng*/) {
    return reset_to(state_a);
  }

  /// Starts an episode in `state` (A or B; exploring starts, tests).
  Index reset_to(Index state) {
    check_index("MaximizationBias::reset_to", "state", state, 2);
    state_ = state;
    in_episode_ = true;
    return state_;
  }

  /// Takes `action` in the current state (see the class comment). Throws
  /// std::logic_error when no episode is running.
  template <std::uniform_random_bit_generator G>
  Step<Index, double> step(Index action, G& rng) {
    if (!in_episode_) [[unlikely]]
      throw std::logic_error("MaximizationBias::step: no episode is running (call reset first)");
    check_action_in_state("MaximizationBias::step", state_, action, num_actions(state_));
    if (state_ == state_a && action == left) {
      state_ = state_b;
      return {state_b, 0.0, false, false};
    }
    in_episode_ = false;
    if (state_ == state_a) return {state_a, 0.0, true, false};
    return {state_b, normal(rng, config_.reward_mean, config_.reward_stddev), true, false};
  }

  /// The current state.
  Index state() const noexcept { return state_; }

 private:
  // A plain array rather than a TabularMDP: the model is fixed and valid by
  // construction, and TabularMDP's builder would be compiled in every
  // includer (issue 9's compile-time budget).
  static std::vector<Outcome<double>> make_outcomes(const MaximizationBiasConfig& c) {
    constexpr std::string_view where = "MaximizationBias";
    check_at_least_one(where, "num_b_actions", c.num_b_actions);
    check_finite(where, "reward_mean", c.reward_mean);
    check_finite(where, "reward_stddev", c.reward_stddev);
    if (c.reward_stddev < 0.0)
      fail_check(where, "reward_stddev", c.reward_stddev, "must not be negative");
    std::vector<Outcome<double>> o(static_cast<std::size_t>(2 + c.num_b_actions),
                                   Outcome<double>{state_b, 1.0, c.reward_mean, true});
    o[0] = {state_b, 1.0, 0.0, false};  // A, left
    o[1] = {state_a, 1.0, 0.0, true};   // A, right
    return o;
  }

  MaximizationBiasConfig config_;
  std::vector<Outcome<double>> outcomes_;
  Index state_ = state_a;
  bool in_episode_ = false;
};

}  // namespace rlvalue
