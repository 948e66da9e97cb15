#pragma once
/// @file
/// Exact policy evaluation on a finite MDP (Sutton & Barto 2018, eq. 4.4 in
/// matrix form; Puterman 1994, Thm 6.1.1): V^pi solves
///   (I - gamma * P_pi) v = r_pi,
///   r_pi(s)     = sum_a pi(a|s) sum_o p_o r_o,
///   P_pi(s, s') = sum_a pi(a|s) sum_{o: not terminal, next = s'} p_o,
/// so a terminal outcome contributes its reward and nothing after it. Also
/// q_from_v (one Bellman backup) and expected_reward. Computed in double.

#include <Eigen/Core>
#include <Eigen/LU>
#include <cmath>
#include <concepts>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mdp/available_actions.hpp"
#include "rlvalue/mdp/profile_lu.hpp"

namespace rlvalue {

/// Which linear solver evaluate_policy uses.
enum class LinearSolver {
  automatic,  ///< dense if num_states <= max_dense_states, else sparse
  dense,      ///< Eigen::PartialPivLU on the S x S matrix: O(S^3)
  sparse,     ///< sparse LU in a reverse Cuthill-McKee profile (mdp/profile_lu.hpp)
};

/// Options of evaluate_policy.
struct PolicyEvaluationOptions {
  /// Linear solver for (I - gamma P_pi) v = r_pi (LinearSolver).
  LinearSolver solver = LinearSolver::automatic;
  Index max_dense_states = 2000;   ///< threshold of LinearSolver::automatic
  double policy_tolerance = 1e-9;  ///< each policy row must sum to 1 within this
};

namespace detail {

/// Throws unless `pi` is an S x A matrix of action probabilities of `mdp`:
/// entries in [0, 1], rows summing to 1, no mass on unavailable actions.
template <class M, class Derived>
void check_policy_matrix(const M& mdp, const Eigen::MatrixBase<Derived>& pi, double tolerance) {
  constexpr std::string_view where = "evaluate_policy";
  check_size(where, "policy rows", pi.rows(), static_cast<Index>(mdp.num_states()));
  check_size(where, "policy cols", pi.cols(), static_cast<Index>(mdp.num_actions()));
  for (Index s = 0; s < pi.rows(); ++s) {
    const Index available = num_available_actions(mdp, s);
    double sum = 0.0;
    for (Index a = 0; a < pi.cols(); ++a) {
      const double p = static_cast<double>(pi(s, a));
      const auto entry = [&] { return "policy(" + format_value(s) + ", " + format_value(a) + ")"; };
      if (!(p >= 0.0 && p <= 1.0)) [[unlikely]]
        fail_check(where, entry(), p, "is outside [0, 1]");
      if (a >= available && p > 0.0) [[unlikely]]
        fail_check(where, entry(), p,
                   "puts probability on an action not available in the state (state " +
                       format_value(s) + " has " + format_value(available) + " actions)");
      sum += p;
    }
    if (!(std::abs(sum - 1.0) <= tolerance)) [[unlikely]]
      fail_check(where, "sum of policy(" + format_value(s) + ", :)", sum,
                 "must be 1 (within " + format_value(tolerance) + ")");
  }
}

/// Throws std::invalid_argument naming gamma = 1 and a state from which the
/// chain P_pi never reaches termination (then I - P_pi is singular).
/// `exits[s]`: some terminal outcome has positive probability from s. A
/// template (Entry is TransitionEntry) so that it is compiled only where used.
template <class Entry>
void check_terminates(Index num_states, const std::vector<Entry>& edges, std::vector<char> exits) {
  using I = decltype(Entry::from);
  // Reverse reachability from the exits along edges s -> s' with P > 0.
  const auto S = static_cast<std::size_t>(num_states);
  std::vector<std::size_t> start(S + 1, 0);
  for (const auto& e : edges) ++start[static_cast<std::size_t>(e.to) + 1];
  for (std::size_t i = 0; i < S; ++i) start[i + 1] += start[i];
  std::vector<I> from(edges.size());
  std::vector<std::size_t> fill(start.begin(), start.end() - 1);
  for (const auto& e : edges) from[fill[static_cast<std::size_t>(e.to)]++] = e.from;
  std::vector<I> stack;
  for (std::size_t s = 0; s < S; ++s)
    if (exits[s]) stack.push_back(static_cast<I>(s));
  while (!stack.empty()) {
    const auto t = static_cast<std::size_t>(stack.back());
    stack.pop_back();
    for (std::size_t i = start[t]; i < start[t + 1]; ++i) {
      const auto s = static_cast<std::size_t>(from[i]);
      if (!exits[s]) {
        exits[s] = 1;
        stack.push_back(from[i]);
      }
    }
  }
  for (std::size_t s = 0; s < S; ++s)
    if (!exits[s])
      fail_check("evaluate_policy", "gamma", 1.0,
                 "but the policy never terminates from state " +
                     format_value(static_cast<Index>(s)) +
                     " (I - gamma*P_pi is singular; use gamma < 1 or a policy that ends episodes)");
}

[[noreturn]] inline void throw_numerically_singular(double gamma) {
  fail_check("evaluate_policy", "gamma", gamma,
             "makes I - gamma*P_pi numerically singular (the linear solve failed)");
}

}  // namespace detail

/// Exact state values V^pi of the stochastic policy `pi` (an S x A matrix,
/// pi(s, a) = probability of a in s, rows summing to 1, zero on unavailable
/// actions) with discount gamma in [0, 1]: the solution of
/// (I - gamma*P_pi) v = r_pi. Throws std::invalid_argument for a bad gamma or
/// policy, or if the system is singular (gamma = 1 and the policy never
/// terminates from some state). Sutton & Barto 2018, sec. 4.1.
template <FiniteMDP M, class Derived>
Eigen::VectorXd evaluate_policy(const M& mdp, const Eigen::MatrixBase<Derived>& pi, double gamma,
                                const PolicyEvaluationOptions& options = {}) {
  check_unit_interval("evaluate_policy", "gamma", gamma);
  check_positive("evaluate_policy", "policy_tolerance", options.policy_tolerance);
  check_at_least_one("evaluate_policy", "max_dense_states", options.max_dense_states);
  detail::check_policy_matrix(mdp, pi, options.policy_tolerance);
  using Mat = detail::dependent_t<Eigen::MatrixXd, M>;  // see core/dependent.hpp
  using Vec = detail::dependent_t<Eigen::VectorXd, M>;

  const Index S = static_cast<Index>(mdp.num_states());
  Vec r = Vec::Zero(S);
  using Entry = detail::dependent_t<detail::TransitionEntry, M>;
  std::vector<Entry> edges;  // P_pi(s, s') > 0, duplicates summed later
  std::vector<char> exits(static_cast<std::size_t>(S), 0);
  for (Index s = 0; s < S; ++s) {
    const Index available = num_available_actions(mdp, s);
    for (Index a = 0; a < available; ++a) {
      const double pa = static_cast<double>(pi(s, a));
      if (pa == 0.0) continue;
      for (const auto& o : mdp.outcomes(s, a)) {
        const double p = pa * static_cast<double>(o.probability);
        if (p == 0.0) continue;
        r(s) += p * static_cast<double>(o.reward);
        if (o.terminal) {
          exits[static_cast<std::size_t>(s)] = 1;
        } else {
          check_index("evaluate_policy", "outcome next_state", static_cast<Index>(o.next_state), S);
          edges.push_back({s, static_cast<Index>(o.next_state), p});
        }
      }
    }
  }
  if (gamma == 1.0) detail::check_terminates(S, edges, std::move(exits));

  const bool dense = options.solver == LinearSolver::dense ||
                     (options.solver == LinearSolver::automatic && S <= options.max_dense_states);
  Vec v(S);
  Mat system;  // dense only
  if (dense) {
    system = Mat::Identity(S, S);
    for (const auto& e : edges) system(e.from, e.to) -= gamma * e.probability;
    Eigen::PartialPivLU<Mat> lu(system);
    v = lu.solve(r);
  } else if (!detail::solve_discounted_system(S, edges, gamma, r.data(), v.data())) {
    detail::throw_numerically_singular(gamma);
  }
  // Neither solver's success says the solution is accurate (PartialPivLU
  // reports no singularity at all): check the residual of the system.
  Vec residual = r;
  if (dense) {
    residual.noalias() -= system * v;
  } else {
    residual -= v;
    for (const auto& e : edges) residual(e.from) += gamma * e.probability * v(e.to);
  }
  const double scale =
      r.template lpNorm<Eigen::Infinity>() + 2.0 * v.template lpNorm<Eigen::Infinity>();
  if (!v.allFinite() || !(residual.template lpNorm<Eigen::Infinity>() <= 1e-9 * scale))
    detail::throw_numerically_singular(gamma);
  return v;
}

/// evaluate_policy for a FinitePolicy: pi(s, .) = policy.probabilities(s),
/// a vector of num_actions() probabilities (anything with size() and []).
template <FiniteMDP M, class P>
requires FinitePolicy<std::remove_cvref_t<P>> Eigen::VectorXd evaluate_policy(
    const M& mdp, P&& policy, double gamma, const PolicyEvaluationOptions& options = {}) {
  const Index S = static_cast<Index>(mdp.num_states());
  const Index A = static_cast<Index>(mdp.num_actions());
  check_size("evaluate_policy", "policy.num_actions()", static_cast<Index>(policy.num_actions()),
             A);
  Eigen::MatrixXd pi(S, A);
  for (Index s = 0; s < S; ++s) {
    const auto& probs = policy.probabilities(s);
    check_size("evaluate_policy", "policy.probabilities(state)", static_cast<Index>(probs.size()),
               A);
    for (Index a = 0; a < A; ++a) pi(s, a) = static_cast<double>(probs[a]);
  }
  return evaluate_policy(mdp, pi, gamma, options);
}

/// One Bellman backup of v: the S x A matrix
///   Q(s, a) = sum_o p_o (r_o + gamma * (terminal_o ? 0 : v(next_o))),
/// and -infinity for actions not available in s (masked_action_value).
/// Sutton & Barto 2018, eq. 4.6.
template <FiniteMDP M, class Derived>
Eigen::MatrixXd q_from_v(const M& mdp, const Eigen::MatrixBase<Derived>& v, double gamma) {
  check_unit_interval("q_from_v", "gamma", gamma);
  const Index S = static_cast<Index>(mdp.num_states());
  const Index A = static_cast<Index>(mdp.num_actions());
  check_size("q_from_v", "v", v.size(), S);
  using Mat = detail::dependent_t<Eigen::MatrixXd, M>;  // see core/dependent.hpp
  Mat q = Mat::Constant(S, A, masked_action_value);
  for (Index s = 0; s < S; ++s) {
    const Index available = num_available_actions(mdp, s);
    for (Index a = 0; a < available; ++a) {
      double total = 0.0;
      for (const auto& o : mdp.outcomes(s, a)) {
        double next = 0.0;
        if (!o.terminal) {
          const auto s_next = static_cast<Index>(o.next_state);
          check_index("q_from_v", "outcome next_state", s_next, S);
          next = static_cast<double>(v(s_next));
        }
        total +=
            static_cast<double>(o.probability) * (static_cast<double>(o.reward) + gamma * next);
      }
      q(s, a) = total;
    }
  }
  return q;
}

/// The S x A matrix of expected one-step rewards r(s, a) = sum_o p_o r_o
/// (-infinity for actions not available in s).
template <FiniteMDP M>
Eigen::MatrixXd expected_reward(const M& mdp) {
  const Index S = static_cast<Index>(mdp.num_states());
  return q_from_v(mdp, detail::dependent_t<Eigen::VectorXd, M>::Zero(S), 0.0);
}

}  // namespace rlvalue
