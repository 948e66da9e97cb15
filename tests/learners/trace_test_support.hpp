#pragma once
// Test-only helpers for the trace learners: a Garnet Markov reward process
// (one action) with uniform starts, sampled episodes, and the TD(lambda)
// fixed point of a linear value function on it, computed here from the
// model (the projected fixed point with on-policy visit weights).

#include <Eigen/Dense>
#include <vector>

#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

namespace rlvalue_test {

using rlvalue::Index;

/// A Garnet MRP: `states` states, 3 successors, termination 0.1 per step.
inline rlvalue::TabularMDP<double> garnet_mrp(Index states, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  return rlvalue::random_mdp(states, 1, 3, rng,
                             {.reward_min = -1.0, .reward_max = 1.0, .termination_probability = 0.1});
}

/// One episode of the MRP from a uniformly drawn start state.
inline std::vector<rlvalue::Transition<>> mrp_episode(const rlvalue::TabularMDP<double>& mdp,
                                                      rlvalue::Rng& rng) {
  rlvalue::MDPEnvironment<const rlvalue::TabularMDP<double>&> env(
      mdp, Eigen::VectorXd::Constant(mdp.num_states(), 1.0 / double(mdp.num_states())));
  std::vector<rlvalue::Transition<>> episode;
  Index s = env.reset(rng);
  for (;;) {
    const auto step = env.step(0, rng);
    episode.push_back({.state = s, .action = 0, .reward = step.reward, .next_state = step.next_state,
                       .terminated = step.terminated});
    if (step.terminated) return episode;
    s = step.next_state;
  }
}

/// Substochastic transition matrix among non-terminal outcomes and expected
/// one-step rewards of the MRP.
template <class M>
void mrp_model(const M& mdp, Eigen::MatrixXd& P, Eigen::VectorXd& r) {
  const Index n = mdp.num_states();
  P = Eigen::MatrixXd::Zero(n, n);
  r = Eigen::VectorXd::Zero(n);
  for (Index s = 0; s < n; ++s)
    for (const auto& o : mdp.outcomes(s, 0)) {
      r(s) += o.probability * o.reward;
      if (!o.terminal) P(s, o.next_state) += o.probability;
    }
}

/// The TD(lambda) fixed point w of v = Phi w with on-policy weights
/// eta = expected visits per episode from the start distribution `start`:
///   Phi^T H [(I - g l P)^-1 (r + g (1 - l) P Phi w) - Phi w] = 0.
/// With Phi = I it is v_pi for every lambda.
template <class M>
Eigen::VectorXd td_lambda_fixed_point(const M& mdp, const Eigen::MatrixXd& Phi, double gamma,
                                      double lambda, const Eigen::VectorXd& start) {
  Eigen::MatrixXd P;
  Eigen::VectorXd r;
  mrp_model(mdp, P, r);
  const Index n = P.rows();
  const Eigen::MatrixXd I = Eigen::MatrixXd::Identity(n, n);
  const Eigen::VectorXd eta = (I - P.transpose()).lu().solve(start);
  const Eigen::MatrixXd inverse = (I - gamma * lambda * P).lu().solve(I);
  const Eigen::MatrixXd H = eta.asDiagonal();
  const Eigen::MatrixXd A = Phi.transpose() * H * (Phi - gamma * (1.0 - lambda) * inverse * P * Phi);
  const Eigen::VectorXd b = Phi.transpose() * H * inverse * r;
  return A.lu().solve(b);
}

}  // namespace rlvalue_test
