#pragma once
/// @file
/// policy_matrix: the S x A matrix of a finite policy's probabilities, for
/// exact evaluation (mdp/) and for freezing a policy into a TabularPolicy.

#include <Eigen/Core>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// P(s, a) = pi(a | s) for s in 0..num_states-1, a in 0..num_actions()-1.
/// std::invalid_argument unless num_states >= 1; the policy's own checks
/// apply to each state (std::out_of_range if num_states exceeds its states).
template <FinitePolicy P>
Eigen::MatrixXd policy_matrix(P& policy, Index num_states) {
  check_at_least_one("policy_matrix", "num_states", num_states);
  const Index num_actions = static_cast<Index>(policy.num_actions());
  Eigen::MatrixXd out(num_states, num_actions);
  for (Index s = 0; s < num_states; ++s) {
    const auto& probs = policy.probabilities(s);
    check_size("policy_matrix", "probabilities(s)", static_cast<Index>(probs.size()), num_actions);
    for (Index a = 0; a < num_actions; ++a) out(s, a) = static_cast<double>(probs[a]);
  }
  return out;
}

}  // namespace rlvalue
