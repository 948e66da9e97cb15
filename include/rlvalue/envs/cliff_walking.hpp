#pragma once
/// @file
/// Cliff walking, Sutton & Barto 2018, Example 6.6: a deterministic 4 x 12
/// gridworld where the shortest path runs along a cliff.

#include <array>
#include <concepts>
#include <cstddef>
#include <random>
#include <span>
#include <stdexcept>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Cliff walking. State = row * 12 + col on a 4 x 12 grid, row 0 at the top.
/// Start: bottom-left (3, 0) = 36. Goal: bottom-right (3, 11) = 47. The
/// cliff: row 3, columns 1..10. Actions: 0 up, 1 right, 2 down, 3 left; a
/// move off the grid leaves the agent in place. Every step gives -1, except
/// a step into the cliff: -100 and back to the start, the episode goes on.
/// Entering the goal ends the episode (reward -1). Deterministic.
///
/// Both an Environment and a FiniteMDP. In the FiniteMDP view, the goal and
/// the cliff cells (never occupied by an agent) absorb: every action ends
/// the episode with reward 0 (next_state = the cell itself), so their value
/// is 0. With gamma = 1 the optimal return from the start is -13 (up, 11
/// times right, down).
class CliffWalking {
 public:
  /// Type of a state.
  using state_type = Index;
  /// Type of an action.
  using action_type = Index;

  /// Rows of the grid.
  static constexpr Index rows = 4;
  /// Columns of the grid.
  static constexpr Index cols = 12;
  /// The actions: up, right, down, left.
  /// @{
  static constexpr Index up = 0, right = 1, down = 2, left = 3;
  /// @}
  /// Start state: bottom-left corner.
  static constexpr Index start = 3 * cols + 0;
  /// Goal state: bottom-right corner (terminal).
  static constexpr Index goal = 3 * cols + 11;
  /// Reward of every step that does not fall off the cliff.
  static constexpr double step_reward = -1.0;
  /// Reward of falling off the cliff (back to the start).
  static constexpr double cliff_reward = -100.0;

  CliffWalking() {
    for (Index s = 0; s < num_states(); ++s)
      for (Index a = 0; a < num_actions(); ++a)
        outcomes_[static_cast<std::size_t>(s * num_actions() + a)] =
            (s == goal || is_cliff(s)) ? Outcome<double>{s, 1.0, 0.0, true} : move(s, a);
  }

  /// Number of states.
  static constexpr Index num_states() noexcept { return rows * cols; }
  /// Number of actions.
  static constexpr Index num_actions() noexcept { return 4; }
  /// State index of the cell (row, col).
  static constexpr Index state_of(Index row, Index col) noexcept { return row * cols + col; }
  /// Row of state s (0 at the top).
  static constexpr Index row_of(Index s) noexcept { return s / cols; }
  /// Column of state s.
  static constexpr Index col_of(Index s) noexcept { return s % cols; }
  /// True for the cliff cells (row 3, columns 1..10).
  static constexpr bool is_cliff(Index s) noexcept {
    return row_of(s) == rows - 1 && col_of(s) >= 1 && col_of(s) <= cols - 2;
  }

  /// FiniteMDP view: one outcome of probability 1 (see the class comment).
  std::span<const Outcome<double>> outcomes(Index s, Index a) const {
    check_index("CliffWalking::outcomes", "state", s, num_states());
    check_index("CliffWalking::outcomes", "action", a, num_actions());
    return {outcomes_.data() + (s * num_actions() + a), 1};
  }

  /// Starts an episode at the start cell.
  template <std::uniform_random_bit_generator G>
  Index reset(G& /*rng*/) {
    return reset_to(start);
  }

  /// Starts an episode in `state` (exploring starts, tests): std::out_of_range
  /// if not a state, std::invalid_argument for the goal or a cliff cell.
  Index reset_to(Index state) {
    check_index("CliffWalking::reset_to", "state", state, num_states());
    if (state == goal || is_cliff(state)) [[unlikely]]
      fail_check("CliffWalking::reset_to", "state", state,
                 "is the goal or a cliff cell, where no episode can start");
    state_ = state;
    in_episode_ = true;
    return state_;
  }

  /// Moves by `action` (0 up, 1 right, 2 down, 3 left). Throws
  /// std::out_of_range for a bad action, std::logic_error when no episode is
  /// running. The generator is not used (deterministic dynamics).
  template <std::uniform_random_bit_generator G>
  Step<Index, double> step(Index action, G& /*rng*/) {
    check_index("CliffWalking::step", "action", action, num_actions());
    if (!in_episode_) [[unlikely]]
      throw std::logic_error("CliffWalking::step: no episode is running (call reset first)");
    const Outcome<double> o = move(state_, action);
    state_ = o.next_state;
    in_episode_ = !o.terminal;
    return {o.next_state, o.reward, o.terminal, false};
  }

  /// The current state.
  Index state() const noexcept { return state_; }

 private:
  // The dynamics from a non-goal, non-cliff cell.
  static Outcome<double> move(Index s, Index a) {
    Index row = row_of(s), col = col_of(s);
    if (a == up && row > 0) --row;
    if (a == down && row < rows - 1) ++row;
    if (a == left && col > 0) --col;
    if (a == right && col < cols - 1) ++col;
    const Index next = state_of(row, col);
    if (is_cliff(next)) return {start, 1.0, cliff_reward, false};
    return {next, 1.0, step_reward, next == goal};
  }

  // The one outcome of (s, a) is entry s * num_actions() + a. A plain array
  // rather than a TabularMDP: the model is fixed and valid by construction,
  // and TabularMDP's builder would be compiled in every includer (issue 9's
  // compile-time budget).
  std::array<Outcome<double>, static_cast<std::size_t>(rows * cols * 4)> outcomes_{};
  Index state_ = start;
  bool in_episode_ = false;
};

}  // namespace rlvalue
