#pragma once
/// @file
/// Transformed returns and TD errors (layer 1, rlax style: rlax
/// `transformed_n_step_returns`, `transformed_lambda_returns`,
/// `transformed_q_lambda` with lambda = 0): values live in the mapped space of
/// a ValueMapping f (mapping/: signed hyperbolic as in R2D2 / Pohlen et al.
/// 2018, logarithmic as in Log Q-learning, ...). The bootstrap values are
/// mapped back with f^-1, the return is formed in regular space, and the
/// result is mapped forward:
///   transformed_n_step_returns:  G~_t = f(n-step return of r, discounts, f^-1(next_values)),
///   transformed_lambda_returns:  G~_t = f(lambda-return of r, discounts, f^-1(next_values)),
///   transformed_q_learning_error = f(r + discount * f^-1(max_a' q~(s', a'))) - q~(s, a).
/// The regular-space recursions are those of targets/returns.hpp (same
/// arguments, (T x B) arrays, general form: discounts = gamma * (1 -
/// terminated), lambda a number or per-step array; and the flags form:
/// terminated, truncated, gamma, lambda or n); f is strictly increasing, so
/// max and argmax commute with it.
///
/// Errors (std::invalid_argument, messages naming this function): the checks
/// of returns.hpp on shapes, n, lambda, discounts and finiteness; a next value
/// whose inverse f^-1 is not finite ("next_values(t, b) = y has a non-finite
/// inverse"); a regular-space return outside f's domain ("returns(t, b) = x is
/// outside the mapping's domain"; `out` then holds the regular-space returns).
/// The mapping's scalar type must be the rewards' scalar type. No allocation in
/// the non-allocating forms; f^-1 is evaluated more than once per next value
/// (by the checks, then by the recursion): cost O(T*B) mapping evaluations on
/// top of the recursion of returns.hpp.

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/mapping/concepts.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/sequence_checks.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {

template <class M>
struct InverseMapOp {
  const M* mapping;
  typename M::scalar_type operator()(typename M::scalar_type y) const noexcept {
    return mapping->inverse(y);
  }
};

/// f^-1(next_values) as a lazy Eigen expression (nothing stored).
template <class M, class NextValues>
inline auto inverse_mapped(const M& mapping, const Eigen::DenseBase<NextValues>& next_values) {
  return next_values.derived().unaryExpr(InverseMapOp<M>{&mapping});
}

template <class M, class Rewards>
constexpr void require_mapping_scalar() {
  static_assert(std::is_same_v<typename M::scalar_type, typename Rewards::Scalar>,
                "rlvalue: the mapping's scalar type must be the rewards' scalar type");
}

/// Up-front checks with the transformed function's name: the general form,
/// then finite inverses of the next values.
template <class M, class R, class D, class N, class O>
inline void check_transformed_inputs(std::string_view where, const M& mapping,
                                     const Eigen::DenseBase<R>& rewards,
                                     const Eigen::DenseBase<D>& discounts,
                                     const Eigen::DenseBase<N>& next_values,
                                     const Eigen::DenseBase<O>& out) {
  check_general_form(where, rewards, discounts, next_values, out);
  using S = typename R::Scalar;
  check_entries(
      where, "next_values", next_values, [&](S y) { return std::isfinite(mapping.inverse(y)); },
      "has a non-finite inverse");
}

/// Up-front checks of the flags forms with the transformed function's name:
/// gamma in [0, 1], shapes, finite rewards, next values with finite inverses.
template <class M, class R, class N, class Te, class Tr, class O>
inline void check_transformed_flags_inputs(std::string_view where, const M& mapping,
                                           const Eigen::DenseBase<R>& rewards,
                                           const Eigen::DenseBase<N>& next_values,
                                           const Eigen::DenseBase<Te>& terminated,
                                           const Eigen::DenseBase<Tr>& truncated,
                                           typename R::Scalar gamma,
                                           const Eigen::DenseBase<O>& out) {
  const Index T = rewards.rows(), B = rewards.cols();
  check_unit_interval(where, "gamma", gamma);
  check_shape(where, "next_values", next_values, T, B);
  check_flags(where, terminated, truncated, T, B);
  check_shape(where, "out", out, T, B);
  check_all_finite(where, "rewards", rewards);
  check_all_finite(where, "next_values", next_values);
  using S = typename R::Scalar;
  check_entries(
      where, "next_values", next_values, [&](S y) { return std::isfinite(mapping.inverse(y)); },
      "has a non-finite inverse");
}

/// Checks every regular-space return against f's domain, then maps it
/// forward in place.
template <class M, class Out>
inline void map_forward_in_place(std::string_view where, const M& mapping, Out& out) {
  using S = typename Out::Scalar;
  check_entries(
      where, "returns", out, [&](S x) { return mapping.in_domain(x); },
      "is outside the mapping's domain");
  const Index T = out.rows(), B = out.cols();
  if constexpr (Out::IsRowMajor) {
    for (Index t = 0; t < T; ++t)
      for (Index b = 0; b < B; ++b) out.coeffRef(t, b) = mapping.forward(out.coeff(t, b));
  } else {
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) out.coeffRef(t, b) = mapping.forward(out.coeff(t, b));
  }
}

}  // namespace detail

/// Transformed n-step returns (rlax `transformed_n_step_returns`; Pohlen et
/// al. 2018 for the one-step case; Kapturowski et al. 2019, R2D2):
///   G~_t = f( sum_{k<m} (prod_{j<k} discount_{t+j}) r_{t+k}
///             + (prod_{j<m} discount_{t+j}) f^-1(next_values(t+m-1)) ),  m = min(n, T-t).
/// `next_values` are in mapped space, as is `out`.
template <ValueMapping M, class Rewards, class Discounts, class NextValues, class Out>
requires detail::WritableDense<Out>
void transformed_n_step_returns(const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
                                const Eigen::DenseBase<Discounts>& discounts,
                                const Eigen::DenseBase<NextValues>& next_values, Index n,
                                Out&& out) {
  detail::require_mapping_scalar<M, Rewards>();
  constexpr std::string_view where = "transformed_n_step_returns";
  check_at_least_one(where, "n", n);
  detail::check_transformed_inputs(where, mapping, rewards, discounts, next_values, out);
  n_step_returns(rewards, discounts, detail::inverse_mapped(mapping, next_values), n, out);
  detail::map_forward_in_place(where, mapping, out.derived());
}

/// Allocating form of transformed_n_step_returns.
template <ValueMapping M, class Rewards, class Discounts, class NextValues>
typename Rewards::PlainObject transformed_n_step_returns(
    const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<Discounts>& discounts, const Eigen::DenseBase<NextValues>& next_values,
    Index n) {
  auto result = detail::plain_like(rewards);
  transformed_n_step_returns(mapping, rewards, discounts, next_values, n, result);
  return result;
}

/// Transformed n-step returns with per-step lambda (rlax
/// `transformed_n_step_returns` with lambda_t): n_step_returns' lambda form
/// on f^-1(next_values), mapped forward. `lambda` is a number or a (T x B)
/// array in [0, 1]; lambda_t = 0 cuts the window at t (a truncation).
template <ValueMapping M, class Rewards, class Discounts, class NextValues, class Lambda,
          class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void transformed_n_step_returns(const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
                                const Eigen::DenseBase<Discounts>& discounts,
                                const Eigen::DenseBase<NextValues>& next_values, Index n,
                                const Lambda& lambda, Out&& out) {
  detail::require_mapping_scalar<M, Rewards>();
  constexpr std::string_view where = "transformed_n_step_returns";
  check_at_least_one(where, "n", n);
  detail::check_lambda<typename Rewards::Scalar>(where, lambda, rewards.rows(), rewards.cols());
  detail::check_transformed_inputs(where, mapping, rewards, discounts, next_values, out);
  n_step_returns(rewards, discounts, detail::inverse_mapped(mapping, next_values), n, lambda, out);
  detail::map_forward_in_place(where, mapping, out.derived());
}

/// Allocating form of transformed_n_step_returns with a scalar lambda.
template <ValueMapping M, class Rewards, class Discounts, class NextValues, class Lambda>
requires std::is_arithmetic_v<Lambda>
typename Rewards::PlainObject transformed_n_step_returns(
    const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<Discounts>& discounts, const Eigen::DenseBase<NextValues>& next_values,
    Index n, Lambda lambda) {
  auto result = detail::plain_like(rewards);
  transformed_n_step_returns(mapping, rewards, discounts, next_values, n, lambda, result);
  return result;
}

/// Transformed lambda-returns (rlax `transformed_lambda_returns`):
///   G_t = r_t + discount_t ((1 - lambda_t) f^-1(next_values(t)) + lambda_t G_{t+1}),
///   G_{T-1} = r_{T-1} + discount_{T-1} f^-1(next_values(T-1)),   G~_t = f(G_t).
/// `lambda` is a number or a (T x B) array of per-step lambdas.
template <ValueMapping M, class Rewards, class Discounts, class NextValues, class Lambda,
          class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void transformed_lambda_returns(const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
                                const Eigen::DenseBase<Discounts>& discounts,
                                const Eigen::DenseBase<NextValues>& next_values,
                                const Lambda& lambda, Out&& out) {
  detail::require_mapping_scalar<M, Rewards>();
  constexpr std::string_view where = "transformed_lambda_returns";
  detail::check_lambda<typename Rewards::Scalar>(where, lambda, rewards.rows(), rewards.cols());
  detail::check_transformed_inputs(where, mapping, rewards, discounts, next_values, out);
  lambda_returns(rewards, discounts, detail::inverse_mapped(mapping, next_values), lambda, out);
  detail::map_forward_in_place(where, mapping, out.derived());
}

/// Allocating form of transformed_lambda_returns.
template <ValueMapping M, class Rewards, class Discounts, class NextValues, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject transformed_lambda_returns(
    const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<Discounts>& discounts, const Eigen::DenseBase<NextValues>& next_values,
    const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  transformed_lambda_returns(mapping, rewards, discounts, next_values, lambda, result);
  return result;
}

/// Transformed lambda-returns, flags form (TorchRL/Gymnasium terminated and
/// truncated): lambda_returns' flags form on f^-1(next_values), mapped forward:
///   discount_t = gamma * (1 - terminated_t),  lambda_t = lambda * (1 - done_t),
/// so a terminated step's return is f(r_t), a truncated one's
/// f(r_t + gamma * f^-1(next_values(t))), and episodes may be concatenated in
/// a column. Checks as the general form, with gamma and lambda in [0, 1].
template <ValueMapping M, class Rewards, class NextValues, class Terminated, class Truncated,
          class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void transformed_lambda_returns(const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
                                const Eigen::DenseBase<NextValues>& next_values,
                                const Eigen::DenseBase<Terminated>& terminated,
                                const Eigen::DenseBase<Truncated>& truncated,
                                std::type_identity_t<typename Rewards::Scalar> gamma,
                                std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {
  detail::require_mapping_scalar<M, Rewards>();
  constexpr std::string_view where = "transformed_lambda_returns";
  detail::check_transformed_flags_inputs(where, mapping, rewards, next_values, terminated,
                                         truncated, gamma, out);
  check_unit_interval(where, "lambda", lambda);
  lambda_returns(rewards, detail::inverse_mapped(mapping, next_values), terminated, truncated,
                 gamma, lambda, out);
  detail::map_forward_in_place(where, mapping, out.derived());
}

/// Allocating form of the flags-form transformed_lambda_returns.
template <ValueMapping M, class Rewards, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject transformed_lambda_returns(
    const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<NextValues>& next_values, const Eigen::DenseBase<Terminated>& terminated,
    const Eigen::DenseBase<Truncated>& truncated,
    std::type_identity_t<typename Rewards::Scalar> gamma,
    std::type_identity_t<typename Rewards::Scalar> lambda) {
  auto result = detail::plain_like(rewards);
  transformed_lambda_returns(mapping, rewards, next_values, terminated, truncated, gamma, lambda,
                             result);
  return result;
}

/// Transformed n-step returns, flags form: n_step_returns' flags form on
/// f^-1(next_values), mapped forward; a window stops at an episode end (after
/// a terminated step with r_t, after a truncated one with
/// r_t + gamma * f^-1(next_values(t))).
template <ValueMapping M, class Rewards, class NextValues, class Terminated, class Truncated,
          class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void transformed_n_step_returns(const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
                                const Eigen::DenseBase<NextValues>& next_values,
                                const Eigen::DenseBase<Terminated>& terminated,
                                const Eigen::DenseBase<Truncated>& truncated,
                                std::type_identity_t<typename Rewards::Scalar> gamma, Index n,
                                Out&& out) {
  detail::require_mapping_scalar<M, Rewards>();
  constexpr std::string_view where = "transformed_n_step_returns";
  check_at_least_one(where, "n", n);
  detail::check_transformed_flags_inputs(where, mapping, rewards, next_values, terminated,
                                         truncated, gamma, out);
  n_step_returns(rewards, detail::inverse_mapped(mapping, next_values), terminated, truncated,
                 gamma, n, out);
  detail::map_forward_in_place(where, mapping, out.derived());
}

/// Allocating form of the flags-form transformed_n_step_returns.
template <ValueMapping M, class Rewards, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject transformed_n_step_returns(
    const M& mapping, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<NextValues>& next_values, const Eigen::DenseBase<Terminated>& terminated,
    const Eigen::DenseBase<Truncated>& truncated,
    std::type_identity_t<typename Rewards::Scalar> gamma, Index n) {
  auto result = detail::plain_like(rewards);
  transformed_n_step_returns(mapping, rewards, next_values, terminated, truncated, gamma, n,
                             result);
  return result;
}

/// Transformed Q-learning error (Pohlen et al. 2018; rlax
/// `transformed_q_lambda` with lambda = 0), in mapped space:
///   delta~ = f(reward + discount * f^-1(max_a' q_next_row(a'))) - q_row(action).
/// Throws std::out_of_range / std::invalid_argument as q_learning_error, and
/// std::invalid_argument naming "target" when the regular-space target is
/// outside f's domain (or not finite).
template <ValueMapping M, class QRow, class QNextRow>
typename QRow::Scalar transformed_q_learning_error(
    const M& mapping, const Eigen::DenseBase<QRow>& q_row, Index action,
    std::type_identity_t<typename QRow::Scalar> reward,
    std::type_identity_t<typename QRow::Scalar> discount,
    const Eigen::DenseBase<QNextRow>& q_next_row) {
  detail::require_vector_expression<QRow>();
  detail::require_vector_expression<QNextRow>();
  using S = typename QRow::Scalar;
  static_assert(std::is_same_v<S, typename QNextRow::Scalar> &&
                    std::is_same_v<S, typename M::scalar_type>,
                "rlvalue::transformed_q_learning_error: q_row, q_next_row and the mapping must "
                "share a scalar type");
  constexpr std::string_view where = "transformed_q_learning_error";
  check_index(where, "action", action, q_row.size());
  check_size(where, "q_next_row", q_next_row.size(), q_row.size());
  const S target = reward + discount * mapping.inverse(detail::max_coeff(q_next_row));
  mapping.check_domain(where, "target", target);
  return mapping.forward(target) - q_row.derived().coeff(action);
}

}  // namespace rlvalue
