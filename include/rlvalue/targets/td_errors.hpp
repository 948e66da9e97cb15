#pragma once
/// @file
/// One-step temporal-difference errors (layer 1, the rlax style): pure
/// functions, each returning `target - prediction` for one transition.
///
/// Arguments:
///   v, v_next          scalar state values v(s), v(s')
///   q_row, q_next_row  the action values q(s, .), q(s', .): any Eigen dense
///                      vector expression (a TabularQ::action_values(s) row,
///                      a Map, a VectorXd, ...), no copy is made
///   discount           gamma * (1 - terminated): 0 at a terminal s' (no
///                      bootstrap), gamma otherwise, truncation included. It
///                      is meant to lie in [0, 1]; that is the caller's
///                      business and is not checked here.
/// The scalar type is the one of `v` / `q_row`; float and double both work.
/// Checks are shapes and indices only (std::invalid_argument for a size
/// mismatch, std::out_of_range for an action outside the row); nothing
/// allocates. Values are assumed finite: learners check the returned error.

#include <Eigen/Core>
#include <concepts>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

namespace detail {

template <class Derived>
constexpr void require_vector_expression() {
  static_assert(Derived::IsVectorAtCompileTime,
                "rlvalue: action values and probabilities must be Eigen vector expressions "
                "(a row or a column, e.g. q.action_values(s), a Map or a VectorXd)");
}

/// max_i row(i) for a non-empty vector expression. The hot loop of every
/// Q-learning-style update: rows of up to 8 actions take a jump into an
/// unrolled chain, longer rows four running maxima (short dependency chains,
/// one maxsd per entry). `a > b ? a : b` keeps the accumulator in place.
template <class Derived>
EIGEN_STRONG_INLINE typename Derived::Scalar max_coeff(const Eigen::DenseBase<Derived>& row) {
  using Scalar = typename Derived::Scalar;
  const Derived& r = row.derived();
  const Index n = r.size();
  auto larger = [](Scalar a, Scalar b) { return a > b ? a : b; };
  if (n <= 8) {
    // Two chains, m0 from the front and m1 from the back, meet in the middle.
    Scalar m0 = r.coeff(0);
    Scalar m1 = r.coeff(n - 1);
    switch (n) {
      case 8: m1 = larger(m1, r.coeff(6)); [[fallthrough]];
      case 7: m0 = larger(m0, r.coeff(5)); [[fallthrough]];
      case 6: m1 = larger(m1, r.coeff(4)); [[fallthrough]];
      case 5: m0 = larger(m0, r.coeff(3)); [[fallthrough]];
      case 4: m1 = larger(m1, r.coeff(2)); [[fallthrough]];
      case 3: m0 = larger(m0, r.coeff(1)); [[fallthrough]];
      default: break;
    }
    return larger(m0, m1);
  }
  Scalar m0 = r.coeff(0), m1 = r.coeff(1), m2 = r.coeff(2), m3 = r.coeff(3);
  Index i = 4;
  for (; i + 4 <= n; i += 4) {
    m0 = larger(m0, r.coeff(i));
    m1 = larger(m1, r.coeff(i + 1));
    m2 = larger(m2, r.coeff(i + 2));
    m3 = larger(m3, r.coeff(i + 3));
  }
  for (; i < n; ++i) m0 = larger(m0, r.coeff(i));
  return larger(larger(m0, m1), larger(m2, m3));
}

}  // namespace detail

/// Index of the largest entry of a non-empty vector expression; ties go to the
/// lowest index. Throws std::invalid_argument if the vector is empty.
template <class Derived>
Index argmax(const Eigen::DenseBase<Derived>& values) {
  detail::require_vector_expression<Derived>();
  const Derived& r = values.derived();
  check_at_least_one("argmax", "values.size()", r.size());
  Index best_index = 0;
  typename Derived::Scalar best = r.coeff(0);
  for (Index i = 1; i < r.size(); ++i) {
    const typename Derived::Scalar x = r.coeff(i);
    if (x > best) {
      best = x;
      best_index = i;
    }
  }
  return best_index;
}

/// TD(0) error (Sutton 1988, "Learning to predict by the methods of temporal
/// differences"):  delta = reward + discount * v_next - v.
template <std::floating_point T>
T td_error(T v, std::type_identity_t<T> reward, std::type_identity_t<T> discount,
           std::type_identity_t<T> v_next) {
  return (reward + discount * v_next) - v;
}

/// Q-learning error (Watkins 1989, "Learning from delayed rewards"):
///   delta = reward + discount * max_a' q_next_row(a') - q_row(action).
/// Throws std::out_of_range unless 0 <= action < q_row.size(),
/// std::invalid_argument unless q_next_row.size() == q_row.size().
template <class QRow, class QNextRow>
typename QRow::Scalar q_learning_error(const Eigen::DenseBase<QRow>& q_row, Index action,
                                       std::type_identity_t<typename QRow::Scalar> reward,
                                       std::type_identity_t<typename QRow::Scalar> discount,
                                       const Eigen::DenseBase<QNextRow>& q_next_row) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextRow>();
  static_assert(std::is_same_v<typename QRow::Scalar, typename QNextRow::Scalar>,
                "rlvalue::q_learning_error: q_row and q_next_row must share a scalar type");
  check_index("q_learning_error", "action", action, q_row.size());
  check_size("q_learning_error", "q_next_row", q_next_row.size(), q_row.size());
  return (reward + discount * detail::max_coeff(q_next_row)) - q_row.derived().coeff(action);
}

/// SARSA error (Rummery & Niranjan 1994, "On-line Q-learning using
/// connectionist systems"):
///   delta = reward + discount * q_next_row(next_action) - q_row(action).
/// `next_action` is range-checked even when discount is 0.
template <class QRow, class QNextRow>
typename QRow::Scalar sarsa_error(const Eigen::DenseBase<QRow>& q_row, Index action,
                                  std::type_identity_t<typename QRow::Scalar> reward,
                                  std::type_identity_t<typename QRow::Scalar> discount,
                                  const Eigen::DenseBase<QNextRow>& q_next_row,
                                  Index next_action) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextRow>();
  static_assert(std::is_same_v<typename QRow::Scalar, typename QNextRow::Scalar>,
                "rlvalue::sarsa_error: q_row and q_next_row must share a scalar type");
  check_index("sarsa_error", "action", action, q_row.size());
  check_size("sarsa_error", "q_next_row", q_next_row.size(), q_row.size());
  check_index("sarsa_error", "next_action", next_action, q_next_row.size());
  return (reward + discount * q_next_row.derived().coeff(next_action)) -
         q_row.derived().coeff(action);
}

namespace detail {
/// The Expected SARSA error from q(s, a) itself, sizes already checked (by
/// expected_sarsa_error, or by a learner that validated its inputs):
///   q_sa_target = reward + discount * sum_a' p(a') q_next(a') - q_sa.
template <class Scalar, class QNextRow, class Probs>
inline Scalar expected_sarsa_error_unchecked(Scalar q_sa, Scalar reward, Scalar discount,
                                             const QNextRow& q_next_row, const Probs& p) noexcept {
  Scalar expected = Scalar(0);
  for (Index i = 0; i < q_next_row.size(); ++i)
    expected += static_cast<Scalar>(p.coeff(i)) * q_next_row.coeff(i);
  return (reward + discount * expected) - q_sa;
}
}  // namespace detail

/// Expected SARSA error (van Seijen, van Hasselt, Whiteson, Wiering 2009, "A
/// theoretical and empirical analysis of Expected Sarsa"):
///   delta = reward + discount * sum_a' next_probs(a') q_next_row(a') - q_row(action).
/// `next_probs` are the target policy's probabilities at s' (any scalar type;
/// only their count is checked here, learners check the values).
template <class QRow, class QNextRow, class Probs>
typename QRow::Scalar expected_sarsa_error(const Eigen::DenseBase<QRow>& q_row, Index action,
                                           std::type_identity_t<typename QRow::Scalar> reward,
                                           std::type_identity_t<typename QRow::Scalar> discount,
                                           const Eigen::DenseBase<QNextRow>& q_next_row,
                                           const Eigen::DenseBase<Probs>& next_probs) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextRow>();
  detail::require_vector_expression<Probs>();
  using Scalar = typename QRow::Scalar;
  static_assert(std::is_same_v<Scalar, typename QNextRow::Scalar>,
                "rlvalue::expected_sarsa_error: q_row and q_next_row must share a scalar type");
  check_index("expected_sarsa_error", "action", action, q_row.size());
  check_size("expected_sarsa_error", "q_next_row", q_next_row.size(), q_row.size());
  check_size("expected_sarsa_error", "next_probs", next_probs.size(), q_next_row.size());
  return detail::expected_sarsa_error_unchecked(q_row.derived().coeff(action), reward, discount,
                                                q_next_row.derived(), next_probs.derived());
}

/// Double Q-learning error (van Hasselt 2010, "Double Q-learning"): the action
/// is selected by one estimator and evaluated by the other,
///   a* = argmax q_next_selector (ties to the lowest index),
///   delta = reward + discount * q_next_value(a*) - q_row(action).
/// For the update of Q^A: q_row = Q^A(s, .), q_next_selector = Q^A(s', .),
/// q_next_value = Q^B(s', .).
template <class QRow, class QNextValue, class QNextSelector>
typename QRow::Scalar double_q_error(const Eigen::DenseBase<QRow>& q_row, Index action,
                                     std::type_identity_t<typename QRow::Scalar> reward,
                                     std::type_identity_t<typename QRow::Scalar> discount,
                                     const Eigen::DenseBase<QNextValue>& q_next_value,
                                     const Eigen::DenseBase<QNextSelector>& q_next_selector) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextValue>();
  detail::require_vector_expression<QNextSelector>();
  static_assert(std::is_same_v<typename QRow::Scalar, typename QNextValue::Scalar>,
                "rlvalue::double_q_error: q_row and q_next_value must share a scalar type");
  check_index("double_q_error", "action", action, q_row.size());
  check_size("double_q_error", "q_next_value", q_next_value.size(), q_row.size());
  check_size("double_q_error", "q_next_selector", q_next_selector.size(), q_row.size());
  const Index best = argmax(q_next_selector);
  return (reward + discount * q_next_value.derived().coeff(best)) -
         q_row.derived().coeff(action);
}

/// Persistent Q-learning error (Bellemare, Ostrovski, Guez, Thomas, Munos
/// 2016, "Increasing the action gap: new operators for reinforcement
/// learning"; rlax `persistent_q_learning`): the bootstrap repeats the
/// current action with weight action_gap_scale,
///   corrected = (1 - action_gap_scale) * max_a' q_next_row(a')
///               + action_gap_scale * q_next_row(action),
///   delta = reward + discount * corrected - q_row(action).
/// action_gap_scale = 0 is Q-learning. Throws std::invalid_argument unless
/// action_gap_scale lies in [0, 1], plus the checks of q_learning_error.
template <class QRow, class QNextRow>
typename QRow::Scalar persistent_q_learning_error(
    const Eigen::DenseBase<QRow>& q_row, Index action,
    std::type_identity_t<typename QRow::Scalar> reward,
    std::type_identity_t<typename QRow::Scalar> discount,
    const Eigen::DenseBase<QNextRow>& q_next_row,
    std::type_identity_t<typename QRow::Scalar> action_gap_scale) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextRow>();
  using Scalar = typename QRow::Scalar;
  static_assert(std::is_same_v<Scalar, typename QNextRow::Scalar>,
                "rlvalue::persistent_q_learning_error: q_row and q_next_row must share a scalar "
                "type");
  constexpr const char* where = "persistent_q_learning_error";
  check_index(where, "action", action, q_row.size());
  check_size(where, "q_next_row", q_next_row.size(), q_row.size());
  check_unit_interval(where, "action_gap_scale", action_gap_scale);
  const Scalar corrected = (Scalar(1) - action_gap_scale) * detail::max_coeff(q_next_row) +
                           action_gap_scale * q_next_row.derived().coeff(action);
  return (reward + discount * corrected) - q_row.derived().coeff(action);
}

/// QV-learning error for the action values (Wiering 2005, "QV(lambda)-learning:
/// a new on-policy reinforcement learning algorithm"; rlax `qv_learning`): Q
/// bootstraps from a separately learned state value v(s'),
///   delta = reward + discount * v_next - q_row(action).
/// (The state values themselves learn with td_error.)
template <class QRow>
typename QRow::Scalar qv_learning_error(const Eigen::DenseBase<QRow>& q_row, Index action,
                                        std::type_identity_t<typename QRow::Scalar> reward,
                                        std::type_identity_t<typename QRow::Scalar> discount,
                                        std::type_identity_t<typename QRow::Scalar> v_next) {
  detail::require_vector_expression<QRow>();
  check_index("qv_learning_error", "action", action, q_row.size());
  return (reward + discount * v_next) - q_row.derived().coeff(action);
}

}  // namespace rlvalue
