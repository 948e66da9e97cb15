#pragma once
/// @file
/// Core value types shared by every layer: Index, Transition, Step, Outcome.

#include <Eigen/Core>

/// rlvalue: reinforcement-learning value estimators. Everything public is in
/// this namespace; rlvalue::detail is implementation, not API.
namespace rlvalue {

/// Signed index type used for states, actions, sizes (Eigen's index type).
using Index = Eigen::Index;

/// One transition s --a, r--> s'. `terminated`: s' is terminal, the target does
/// not bootstrap. `truncated`: the episode was cut (time limit); the target
/// bootstraps from s', then traces and recursions are cut.
template <class State = Index, class Action = Index, class Scalar = double>
struct Transition {
  /// s.
  State state{};
  /// a.
  Action action{};
  /// r.
  Scalar reward{};
  /// s'.
  State next_state{};
  /// s' is terminal: no bootstrap.
  bool terminated = false;
  /// The episode was cut after this step: bootstrap from s', then end.
  bool truncated = false;
};

/// What `Environment::step` returns (the Gymnasium contract, termination and
/// truncation kept apart).
template <class State = Index, class Scalar = double>
struct Step {
  /// The state reached.
  State next_state{};
  /// The reward of the step.
  Scalar reward{};
  /// next_state is terminal.
  bool terminated = false;
  /// The episode was cut (time limit); next_state is not terminal.
  bool truncated = false;
};

/// One possible result of taking action a in state s of a finite MDP.
/// `terminal`: the episode ends on this outcome (no value beyond it); its
/// `next_state` is still a valid state index but its value is never read.
/// `reward` is the expected reward of this outcome.
template <class Scalar = double>
struct Outcome {
  /// The state reached.
  Index next_state{};
  /// Its probability (the outcomes of (s, a) sum to 1).
  Scalar probability{};
  /// Expected reward of this outcome.
  Scalar reward{};
  /// The episode ends on this outcome.
  bool terminal = false;
};

}  // namespace rlvalue
