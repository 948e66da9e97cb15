#pragma once
/// @file
/// Mountain Car (Moore 1990; Sutton & Barto 2nd ed. Example 10.1): an
/// under-powered car in a valley must rock back and forth to reach the goal
/// on the right hill. State (position, velocity), three actions: full
/// reverse (0), zero throttle (1), full forward (2), throttle a - 1.
///   velocity' = clip(velocity + 0.001 * (a - 1) - 0.0025 * cos(3 * position),
///                    -0.07, 0.07)
///   position' = clip(position + velocity', -1.2, 0.5)
///   velocity' = 0 when position' reaches the left bound -1.2
/// Reward -1 per step; the episode terminates when position' reaches 0.5.
/// Episodes start at position ~ U[-0.6, -0.4), velocity 0. An optional step
/// limit ends longer episodes with `truncated`.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <random>
#include <stdexcept>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Configuration of MountainCar: max_steps = 0 means no step limit;
/// otherwise the max_steps-th step of an episode that has not reached the
/// goal is `truncated`.
struct MountainCarConfig {
  /// Step limit (the last step is `truncated`); 0: none.
  Index max_steps = 0;
};

/// The classic Mountain Car environment. state_type is Eigen::Vector2d
/// (position, velocity); actions 0, 1, 2.
class MountainCar {
 public:
  /// Type of a state.
  using state_type = Eigen::Vector2d;
  /// Type of an action.
  using action_type = Index;

  /// Left wall of the position range.
  static constexpr double min_position = -1.2;
  static constexpr double max_position = 0.5;  ///< the goal
  static constexpr double max_speed = 0.07;    ///< |velocity| <= max_speed
  /// Number of actions.
  static constexpr Index num_actions() noexcept { return 3; }

  /// std::invalid_argument for max_steps < 0.
  explicit MountainCar(const MountainCarConfig& config = MountainCarConfig{}) : config_(config) {
    if (config.max_steps < 0)
      fail_check("MountainCar", "max_steps", config.max_steps, "must be >= 0 (0: no limit)");
  }

  /// The config given at construction.
  const MountainCarConfig& config() const noexcept { return config_; }

  /// Starts an episode at position ~ U[-0.6, -0.4), velocity 0.
  template <std::uniform_random_bit_generator G>
  state_type reset(G& rng) {
    return reset_to(state_type(-0.6 + 0.2 * uniform01(rng), 0.0));
  }

  /// Starts an episode in `state` (tests, exploring starts):
  /// std::invalid_argument unless position in [-1.2, 0.5) and |velocity| <= 0.07.
  state_type reset_to(const state_type& state) {
    if (!(state[0] >= min_position && state[0] < max_position))
      fail_check("MountainCar::reset_to", "state[0]", state[0], "is outside [-1.2, 0.5)");
    if (!(std::abs(state[1]) <= max_speed))
      fail_check("MountainCar::reset_to", "state[1]", state[1], "is outside [-0.07, 0.07]");
    state_ = state;
    steps_ = 0;
    in_episode_ = true;
    return state_;
  }

  /// One step of the dynamics above (the generator is unused: the dynamics
  /// are deterministic). std::out_of_range for an action outside {0, 1, 2},
  /// std::logic_error when no episode is running.
  template <std::uniform_random_bit_generator G>
  Step<state_type, double> step(Index action, G& /*rng*/) {
    check_index("MountainCar::step", "action", action, 3);
    if (!in_episode_) [[unlikely]]
      throw std::logic_error("MountainCar::step: no episode is running (call reset first)");
    state_ = next_state(state_, action);
    ++steps_;
    const bool goal = state_[0] >= max_position;
    const bool limit = !goal && config_.max_steps > 0 && steps_ >= config_.max_steps;
    if (goal || limit) in_episode_ = false;
    return {state_, -1.0, goal, limit};
  }

  /// The deterministic dynamics (no checks on `s`).
  static state_type next_state(const state_type& s, Index action) noexcept {
    double v = s[1] + 0.001 * static_cast<double>(action - 1) - 0.0025 * std::cos(3.0 * s[0]);
    v = v < -max_speed ? -max_speed : (v > max_speed ? max_speed : v);
    double p = s[0] + v;
    if (p <= min_position) {
      p = min_position;
      v = 0.0;
    }
    if (p > max_position) p = max_position;
    return {p, v};
  }

  /// The current (position, velocity).
  const state_type& state() const noexcept { return state_; }
  /// Steps taken in the current episode.
  Index steps() const noexcept { return steps_; }

 private:
  MountainCarConfig config_;
  state_type state_{-0.5, 0.0};
  Index steps_ = 0;
  bool in_episode_ = false;
};

}  // namespace rlvalue
