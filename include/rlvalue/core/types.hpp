#pragma once
// Core value types shared by every layer: Index, Transition, Step, Outcome.

#include <Eigen/Core>

namespace rlvalue {

/// Signed index type used for states, actions, sizes (Eigen's index type).
using Index = Eigen::Index;

/// One transition s --a, r--> s'. `terminated`: s' is terminal, the target does
/// not bootstrap. `truncated`: the episode was cut (time limit); the target
/// bootstraps from s', then traces and recursions are cut.
template <class State = Index, class Action = Index, class Scalar = double>
struct Transition {
  State state{};
  Action action{};
  Scalar reward{};
  State next_state{};
  bool terminated = false;
  bool truncated = false;
};

/// What `Environment::step` returns (the Gymnasium contract, termination and
/// truncation kept apart).
template <class State = Index, class Scalar = double>
struct Step {
  State next_state{};
  Scalar reward{};
  bool terminated = false;
  bool truncated = false;
};

/// One possible result of taking action a in state s of a finite MDP.
/// `terminal`: the episode ends on this outcome (no value beyond it); its
/// `next_state` is still a valid state index but its value is never read.
/// `reward` is the expected reward of this outcome.
template <class Scalar = double>
struct Outcome {
  Index next_state{};
  Scalar probability{};
  Scalar reward{};
  bool terminal = false;
};

}  // namespace rlvalue
