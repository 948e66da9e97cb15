#pragma once
// Test-only helpers for the learner tests: exception-message capture, the
// 5-state random walk of Sutton & Barto Example 6.2 and a tiny stochastic
// control MDP with exact answers computed here (independently of mdp/), and
// a two-parameter linear approximator to exercise the non-tabular path.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "catch.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue_test {

using rlvalue::Index;

/// A replay batch of n random transitions over `states` states and
/// `actions` actions, rewards in [-1, 1), about 10% terminated and 9%
/// truncated. With few states most transitions share a row with one of the
/// last few (the same row read by one and written by the next).
template <class Scalar>
std::vector<rlvalue::Transition<Index, Index, Scalar>> random_batch(Index states, Index actions,
                                                                    std::size_t n,
                                                                    std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  std::vector<rlvalue::Transition<Index, Index, Scalar>> batch(n);
  for (auto& t : batch) {
    t.state = rlvalue::uniform_index(rng, states);
    t.action = rlvalue::uniform_index(rng, actions);
    t.reward = static_cast<Scalar>(rlvalue::uniform01(rng) * 2.0 - 1.0);
    t.next_state = rlvalue::uniform_index(rng, states);
    t.terminated = rlvalue::uniform01(rng) < 0.1;
    t.truncated = !t.terminated && rlvalue::uniform01(rng) < 0.1;
  }
  return batch;
}

/// Runs f, requires it to throw E, returns the message.
template <class E, class F>
std::string thrown_message(F&& f) {
  try {
    std::invoke(std::forward<F>(f));
  } catch (const E& e) {
    return e.what();
  } catch (...) {
    FAIL("threw an exception of another type");
  }
  FAIL("did not throw");
  return {};
}

inline bool contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

// ---- 5-state random walk (S&B Example 6.2) ------------------------------
// States 0..4 (A..E), start 2; each step moves left or right with
// probability 1/2; leaving at the left gives 0, at the right +1 and ends the
// episode. Terminal transitions keep a valid next_state (the state left).
// With gamma = 1 the true values are (s + 1) / 6.
inline constexpr Index walk_states = 5;

template <class Scalar = double>
std::vector<rlvalue::Transition<Index, Index, Scalar>> random_walk_episode(rlvalue::Rng& rng) {
  std::vector<rlvalue::Transition<Index, Index, Scalar>> episode;
  Index s = 2;
  for (;;) {
    const bool right = rlvalue::bernoulli(rng, 0.5);
    const Index next = right ? s + 1 : s - 1;
    if (next < 0 || next >= walk_states) {
      episode.push_back({.state = s, .action = 0, .reward = Scalar(next >= walk_states ? 1 : 0),
                         .next_state = s, .terminated = true});
      return episode;
    }
    episode.push_back({.state = s, .action = 0, .reward = Scalar(0), .next_state = next});
    s = next;
  }
}

inline double walk_true_value(Index s) { return static_cast<double>(s + 1) / 6.0; }

// ---- Tiny stochastic control MDP ----------------------------------------
// 3 states, 2 actions; "terminal" outcomes end the episode.
//   s0: a0 -> s1 (p 0.8, r 0) | s0 (p 0.2, r 0);   a1 -> s2 (p 1, r -1)
//   s1: a0 -> end (p 0.5, r 1) | s0 (p 0.5, r 0);  a1 -> s2 (p 1, r 0.5)
//   s2: a0 -> end (p 0.3, r 2) | s0 (p 0.7, r 0);  a1 -> s1 (p 1, r 0)
struct TinyOutcome {
  double p;
  Index next;
  double reward;
  bool terminal;
};

struct TinyMDP {
  static constexpr Index num_states = 3;
  static constexpr Index num_actions = 2;

  static std::vector<TinyOutcome> outcomes(Index s, Index a) {
    switch (s * 2 + a) {
      case 0: return {{0.8, 1, 0.0, false}, {0.2, 0, 0.0, false}};
      case 1: return {{1.0, 2, -1.0, false}};
      case 2: return {{0.5, 1, 1.0, true}, {0.5, 0, 0.0, false}};
      case 3: return {{1.0, 2, 0.5, false}};
      case 4: return {{0.3, 2, 2.0, true}, {0.7, 0, 0.0, false}};
      default: return {{1.0, 1, 0.0, false}};
    }
  }

  /// Samples one transition from (s, a).
  template <class Scalar = double>
  static rlvalue::Transition<Index, Index, Scalar> step(Index s, Index a, rlvalue::Rng& rng) {
    const double u = rlvalue::uniform01(rng);
    double cumulative = 0.0;
    const auto outs = outcomes(s, a);
    TinyOutcome chosen = outs.back();
    for (const auto& o : outs) {
      cumulative += o.p;
      if (u < cumulative) {
        chosen = o;
        break;
      }
    }
    return {.state = s, .action = a, .reward = Scalar(chosen.reward), .next_state = chosen.next,
            .terminated = chosen.terminal};
  }

  /// Q* by value iteration (gamma < 1; 3000 sweeps: error < 0.9^3000).
  static Eigen::MatrixXd optimal_q(double gamma) {
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(num_states, num_actions);
    for (int it = 0; it < 3000; ++it) {
      Eigen::MatrixXd next(num_states, num_actions);
      for (Index s = 0; s < num_states; ++s)
        for (Index a = 0; a < num_actions; ++a) {
          double total = 0.0;
          for (const auto& o : outcomes(s, a))
            total += o.p * (o.reward + (o.terminal ? 0.0 : gamma * q.row(o.next).maxCoeff()));
          next(s, a) = total;
        }
      q = next;
    }
    return q;
  }

  /// Q^pi for a fixed stochastic policy pi (num_states x num_actions rows of
  /// probabilities), by iterating the Bellman expectation operator.
  static Eigen::MatrixXd policy_q(const Eigen::MatrixXd& pi, double gamma) {
    Eigen::MatrixXd q = Eigen::MatrixXd::Zero(num_states, num_actions);
    for (int it = 0; it < 3000; ++it) {
      Eigen::MatrixXd next(num_states, num_actions);
      for (Index s = 0; s < num_states; ++s)
        for (Index a = 0; a < num_actions; ++a) {
          double total = 0.0;
          for (const auto& o : outcomes(s, a))
            total += o.p * (o.reward + (o.terminal ? 0.0 : gamma * pi.row(o.next).dot(q.row(o.next))));
          next(s, a) = total;
        }
      q = next;
    }
    return q;
  }
};

// ---- A linear state-value function with features phi(s) = (1, s) ---------
// Satisfies StateValueFunction but not FiniteStateSpace (no num_states()):
// the non-tabular path of the learners.
struct AffineV {
  using scalar_type = double;
  using state_type = Index;
  using parameter_type = Eigen::Vector2d;

  Index max_state = 10;  // states 0..max_state-1 are valid
  parameter_type w = parameter_type::Zero();

  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, max_state);
  }
  Eigen::Vector2d features(Index s) const { return {1.0, static_cast<double>(s)}; }
  double value(Index s) const { return w.dot(features(s)); }
  void semi_gradient_step(Index s, double scaled_error) { w += scaled_error * features(s); }
  const parameter_type& parameters() const { return w; }
  parameter_type& parameters() { return w; }
};

}  // namespace rlvalue_test
