#pragma once
/// @file
/// Value iteration (Bellman 1957; Sutton & Barto 2018, sec. 4.4): synchronous
/// sweeps
///   Q_{k+1}(s, a) = sum_o p_o (r_o + gamma * (terminal_o ? 0 : V_k(next_o))),
///   V_{k+1}(s)    = max_a Q_{k+1}(s, a),
/// from V_0 = 0, until max_s |V_{k+1}(s) - V_k(s)| <= tolerance. With
/// gamma < 1 it converges for every finite MDP (then ||V_k - V*|| <=
/// gamma/(1-gamma) * residual); with gamma = 1 it converges on episodic MDPs
/// where every policy that does not terminate has return -infinity (stochastic
/// shortest paths, Bertsekas & Tsitsiklis 1991), e.g. cliff walking.

#include <Eigen/Core>
#include <cmath>
#include <limits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/available_actions.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

namespace rlvalue {

/// Options of value_iteration: stop when the sup-norm change of V in one
/// sweep is <= tolerance (> 0), or after max_iterations (>= 1) sweeps.
struct ValueIterationOptions {
  /// Stop when one sweep changes V by at most this (sup norm), > 0.
  double tolerance = 1e-10;
  /// Stop after this many sweeps, >= 1.
  Index max_iterations = 100000;
};

/// What value_iteration returns.
struct ValueIterationResult {
  Eigen::MatrixXd q;             ///< S x A, Q from the last sweep (-inf on unavailable actions)
  Eigen::VectorXd v;             ///< V(s) = max_a q(s, a)
  Eigen::VectorX<Index> policy;  ///< greedy action of each state, lowest-index argmax of q
  Index iterations = 0;          ///< sweeps done
  double residual = std::numeric_limits<double>::infinity();  ///< last max_s |V_{k+1} - V_k|
  bool converged = false;  ///< residual <= tolerance within max_iterations
};

/// Optimal values Q*, V* and a greedy optimal policy of `mdp` with discount
/// gamma in [0, 1], by value iteration (see the top of this header). Does not
/// throw when it fails to converge: check `converged`.
template <FiniteMDP M>
ValueIterationResult value_iteration(const M& mdp, double gamma,
                                     const ValueIterationOptions& options = {}) {
  check_unit_interval("value_iteration", "gamma", gamma);
  check_positive("value_iteration", "tolerance", options.tolerance);
  check_at_least_one("value_iteration", "max_iterations", options.max_iterations);

  // Through dependent spellings (core/dependent.hpp), so that the Eigen
  // expressions below are compiled only where value_iteration is used.
  using Real = detail::dependent_t<double, M>;
  using Mat = detail::dependent_t<Eigen::MatrixXd, M>;
  using Vec = detail::dependent_t<Eigen::VectorXd, M>;
  using IndexVec = detail::dependent_t<Eigen::VectorX<Index>, M>;
  const TabularMDP<Real> model = to_tabular<Real>(mdp);  // contiguous, fast sweeps
  const Index S = model.num_states();
  const Index A = model.num_actions();
  ValueIterationResult result;
  Mat& q = result.q;
  Vec& v = result.v;
  IndexVec& policy = result.policy;
  q = Mat::Constant(S, A, masked_action_value);
  v = Vec::Zero(S);
  policy = IndexVec::Zero(S);
  Vec v_next(S);

  while (result.iterations < options.max_iterations) {
    ++result.iterations;
    for (Index s = 0; s < S; ++s) {
      const Index available = model.num_actions(s);
      double best = masked_action_value;
      Index best_action = 0;
      for (Index a = 0; a < available; ++a) {
        double total = 0.0;
        for (const auto& o : model.outcomes(s, a))
          total += o.probability * (o.reward + (o.terminal ? 0.0 : gamma * v(o.next_state)));
        q(s, a) = total;
        if (total > best) {
          best = total;
          best_action = a;
        }
      }
      v_next(s) = best;
      policy(s) = best_action;
    }
    result.residual = (v_next - v).template lpNorm<Eigen::Infinity>();
    v.swap(v_next);
    if (result.residual <= options.tolerance) {
      result.converged = true;
      break;
    }
  }
  return result;
}

}  // namespace rlvalue
