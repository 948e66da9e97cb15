#pragma once
/// @file
/// The random walk Markov reward process of Sutton & Barto 2018, Example 6.2
/// (5 states) and chapter 7 (19 states).

#include <Eigen/Core>
#include <concepts>
#include <random>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Configuration of RandomWalk: num_states >= 1 non-terminal states, the
/// (finite) rewards for leaving at either end.
struct RandomWalkConfig {
  /// Number of non-terminal states, >= 1 (Sutton & Barto use 5 and 19).
  Index num_states = 5;
  /// Reward for terminating on the left.
  double left_reward = 0.0;
  /// Reward for terminating on the right.
  double right_reward = 1.0;
};

/// A row of n non-terminal states 0..n-1 with one action (0). Each step
/// moves left or right with probability 1/2 and reward 0; stepping left of
/// state 0 ends the episode with left_reward, right of state n-1 with
/// right_reward. Episodes start in the centre, state n/2 (the right one of the
/// two centre states when n is even).
///
/// Both an Environment (reset/step) and a FiniteMDP (outcomes). Terminal
/// outcomes' next_state is the end state left from (0 or n-1); its value is
/// never read.
class RandomWalk {
 public:
  /// Type of a state.
  using state_type = Index;
  /// Type of an action.
  using action_type = Index;
  /// The configuration type.
  using Config = RandomWalkConfig;

  /// Throws std::invalid_argument for num_states < 1 or a non-finite reward.
  explicit RandomWalk(const RandomWalkConfig& config = RandomWalkConfig{})
      : config_(config), outcomes_(make_outcomes(config)) {}

  /// Example 6.2: states A..E (0..4), start C, rewards 0 (left) and +1
  /// (right); true values with gamma = 1: 1/6, 2/6, ..., 5/6.
  static RandomWalk sutton_barto_5() {
    return RandomWalk({.num_states = 5, .left_reward = 0.0, .right_reward = 1.0});
  }

  /// Chapter 7 (Figures 7.2, 12.3): 19 states, rewards -1 (left) and +1
  /// (right); true values with gamma = 1: (-20 + 2i)/20 for i = 1..19.
  static RandomWalk sutton_barto_19() {
    return RandomWalk({.num_states = 19, .left_reward = -1.0, .right_reward = 1.0});
  }

  /// The config given at construction.
  const RandomWalkConfig& config() const noexcept { return config_; }
  /// Number of states.
  Index num_states() const noexcept { return config_.num_states; }
  /// Number of actions.
  Index num_actions() const noexcept { return 1; }
  /// The centre state, where every episode starts.
  Index start_state() const noexcept { return config_.num_states / 2; }

  /// Exact values with gamma = 1 (gambler's ruin): from state i the walk
  /// leaves right with probability (i+1)/(n+1), so
  /// V(i) = left_reward + (right_reward - left_reward) * (i+1)/(n+1).
  Eigen::VectorXd true_values() const {
    const Index n = config_.num_states;
    Eigen::VectorXd v(n);
    for (Index i = 0; i < n; ++i)
      v(i) = config_.left_reward + (config_.right_reward - config_.left_reward) *
                                       static_cast<double>(i + 1) / static_cast<double>(n + 1);
    return v;
  }

  /// FiniteMDP view: two outcomes of probability 1/2 (left first).
  std::span<const Outcome<double>> outcomes(Index s, Index a) const {
    check_index("RandomWalk::outcomes", "state", s, num_states());
    check_index("RandomWalk::outcomes", "action", a, 1);
    return {outcomes_.data() + 2 * s, 2};
  }

  /// Starts an episode in the centre state.
  template <std::uniform_random_bit_generator G>
  Index reset(G& /*rng*/) {
    return reset_to(start_state());
  }

  /// Starts an episode in `state` (exploring starts, tests).
  Index reset_to(Index state) {
    check_index("RandomWalk::reset_to", "state", state, num_states());
    state_ = state;
    in_episode_ = true;
    return state_;
  }

  /// One step of the walk (action must be 0). Throws std::logic_error when no
  /// episode is running.
  template <std::uniform_random_bit_generator G>
  Step<Index, double> step(Index action, G& rng) {
    check_index("RandomWalk::step", "action", action, 1);
    if (!in_episode_) [[unlikely]]
      throw std::logic_error("RandomWalk::step: no episode is running (call reset first)");
    const bool right = bernoulli(rng, 0.5);
    if (!right && state_ == 0) return finish(config_.left_reward);
    if (right && state_ == num_states() - 1) return finish(config_.right_reward);
    state_ += right ? 1 : -1;
    return {state_, 0.0, false, false};
  }

  /// The current state.
  Index state() const noexcept { return state_; }

 private:
  Step<Index, double> finish(double reward) {
    in_episode_ = false;
    return {state_, reward, true, false};
  }

  // The outcomes of state s are entries 2s (left) and 2s + 1 (right). A plain
  // array rather than a TabularMDP: the model is fixed and valid by
  // construction, and TabularMDP's builder would be compiled in every
  // includer (issue 9's compile-time budget).
  static std::vector<Outcome<double>> make_outcomes(const RandomWalkConfig& c) {
    check_at_least_one("RandomWalk", "num_states", c.num_states);
    check_finite("RandomWalk", "left_reward", c.left_reward);
    check_finite("RandomWalk", "right_reward", c.right_reward);
    const Index n = c.num_states;
    std::vector<Outcome<double>> o(static_cast<std::size_t>(2 * n));
    for (Index s = 0; s < n; ++s) {
      const auto k = static_cast<std::size_t>(2 * s);
      o[k] = s == 0 ? Outcome<double>{s, 0.5, c.left_reward, true}
                    : Outcome<double>{s - 1, 0.5, 0.0, false};
      o[k + 1] = s == n - 1 ? Outcome<double>{s, 0.5, c.right_reward, true}
                            : Outcome<double>{s + 1, 0.5, 0.0, false};
    }
    return o;
  }

  RandomWalkConfig config_;
  std::vector<Outcome<double>> outcomes_;
  Index state_ = 0;
  bool in_episode_ = false;
};

}  // namespace rlvalue
