#pragma once
/// @file
/// Targets of the double and clipped critics (layer 1, the rlax style). Each
/// returns the bootstrap target y (the learner forms y - q(s, a)); the names
/// are targets because several critics regress to one y.
///
/// Arguments:
///   reward      r of the transition
///   discount    gamma * (1 - terminated): 0 at a terminal s' (no bootstrap),
///               gamma otherwise, truncation included. Not checked here.
///   q1_next,    the critics' values at s': Eigen vector expressions over the
///   q2_next     actions (discrete), or scalars at one action (continuous)
///   q_next      the N critics at s' as an (N x A) Eigen expression, row k =
///               Q_k(s', .) (either storage order)
/// The scalar type is the one of the value arguments; float and double both
/// work. Checks are shapes only (std::invalid_argument); nothing allocates.
/// argmax ties go to the lowest index.

#include <Eigen/Core>
#include <concepts>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Clipped double-Q target for discrete actions, the discrete analogue of TD3
/// (Fujimoto, van Hoof, Meger 2018, arXiv:1802.09477, eq. 10): critic 1 picks
/// the action, the smaller critic value at it is the bootstrap,
///   a* = argmax_a q1_next(a),  y = reward + discount * min(q1_next(a*), q2_next(a*)).
/// std::invalid_argument unless q1_next is non-empty and q2_next has its size.
template <class Q1Next, class Q2Next>
typename Q1Next::Scalar clipped_double_q_target(
    std::type_identity_t<typename Q1Next::Scalar> reward,
    std::type_identity_t<typename Q1Next::Scalar> discount,
    const Eigen::DenseBase<Q1Next>& q1_next, const Eigen::DenseBase<Q2Next>& q2_next) {
  detail::require_vector_expression<Q1Next>();
  detail::require_vector_expression<Q2Next>();
  static_assert(std::is_same_v<typename Q1Next::Scalar, typename Q2Next::Scalar>,
                "rlvalue::clipped_double_q_target: q1_next and q2_next must share a scalar type");
  check_at_least_one("clipped_double_q_target", "q1_next.size()", q1_next.size());
  check_size("clipped_double_q_target", "q2_next", q2_next.size(), q1_next.size());
  const Index best = argmax(q1_next);
  const auto v1 = q1_next.derived().coeff(best);
  const auto v2 = q2_next.derived().coeff(best);
  return reward + discount * (v2 < v1 ? v2 : v1);
}

/// Clipped double-Q target for continuous actions (TD3, Fujimoto et al. 2018,
/// eq. 15), given both critics' values at the (smoothed) target action
/// a~ = target_policy_smoothing(pi'(s'), ...):
///   y = reward + discount * min(q1_next, q2_next).
template <std::floating_point T>
T clipped_double_q_target(T reward, std::type_identity_t<T> discount,
                          std::type_identity_t<T> q1_next, std::type_identity_t<T> q2_next) {
  return reward + discount * (q2_next < q1_next ? q2_next : q1_next);
}

/// Maxmin target (Lan, Pan, Fyshe, White 2020, "Maxmin Q-learning: controlling
/// the estimation bias of Q-learning", arXiv:2002.06487, Algorithm 1): the min
/// over the N critics inside the max over actions,
///   y = reward + discount * max_a min_k q_next(k, a).
/// With N = 1 it is Q-learning's target. std::invalid_argument unless q_next
/// has at least one row and one column.
template <class QNext>
typename QNext::Scalar maxmin_target(std::type_identity_t<typename QNext::Scalar> reward,
                                     std::type_identity_t<typename QNext::Scalar> discount,
                                     const Eigen::DenseBase<QNext>& q_next) {
  using Scalar = typename QNext::Scalar;
  static_assert(std::is_floating_point_v<Scalar>, "rlvalue: values must be float or double");
  check_at_least_one("maxmin_target", "q_next.rows()", q_next.rows());
  check_at_least_one("maxmin_target", "q_next.cols()", q_next.cols());
  const QNext& q = q_next.derived();
  const Index n = q.rows(), num_actions = q.cols();
  Scalar best = Scalar(0);
  for (Index a = 0; a < num_actions; ++a) {
    Scalar m = q.coeff(0, a);
    for (Index k = 1; k < n; ++k) {
      const Scalar x = q.coeff(k, a);
      m = x < m ? x : m;
    }
    best = (a == 0 || m > best) ? m : best;
  }
  return reward + discount * best;
}

}  // namespace rlvalue
