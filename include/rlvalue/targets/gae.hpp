#pragma once
// Generalized advantage estimation over (T x B) sequences (layer 1, the rlax
// style). Argument conventions, shapes, errors, output and traversal are those
// of returns.hpp; in addition
//   values(t, b)       v(s_t), the prediction the advantage is relative to.
// The result is an error in the library's sense: target - prediction.

#include <Eigen/Core>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// The GAE recursion on validated arguments; `discount_at(t, b)` and
/// `lambda_at(t, b)` give discount_t and lambda_t.
template <class R, class V, class N, class DiscountAt, class LambdaAt, class Out>
inline void gae_kernel(const R& r, const V& v, const N& nv, DiscountAt discount_at,
                       LambdaAt lambda_at, Out& out) {
  using S = typename Out::Scalar;
  backward_scan(
      out,
      [&](Index t, Index b) -> S {
        return (r.coeff(t, b) + discount_at(t, b) * nv.coeff(t, b)) - v.coeff(t, b);
      },
      [&](Index t, Index b, S next) -> S {
        const S d = discount_at(t, b);
        const S delta = (r.coeff(t, b) + d * nv.coeff(t, b)) - v.coeff(t, b);
        return delta + (d * lambda_at(t, b)) * next;
      });
}

}  // namespace detail

/// Generalized advantage estimation (Schulman, Moritz, Levine, Jordan, Abbeel
/// 2016, "High-dimensional continuous control using generalized advantage
/// estimation", arXiv:1506.02438; rlax `truncated_generalized_advantage_estimation`),
/// general form:
///   delta_t = r_t + discount_t * next_values(t) - values(t),
///   A_t = delta_t + discount_t * lambda_t * A_{t+1},  A_T = 0.
/// `lambda` is a number or a (T x B) array of per-step lambdas. lambda = 0
/// gives the TD errors; lambda = 1 the discounted return minus values(t).
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void gae(const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Values>& values,
         const Eigen::DenseBase<NextValues>& next_values,
         const Eigen::DenseBase<Discounts>& discounts, const Lambda& lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Values, NextValues, Discounts, Out>();
  constexpr const char* where = "gae";
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_shape(where, "values", values, T, B);
  detail::check_shape(where, "next_values", next_values, T, B);
  detail::check_shape(where, "discounts", discounts, T, B);
  detail::check_lambda<S>(where, lambda, T, B);
  detail::check_shape(where, "out", out, T, B);
  detail::check_all_finite(where, "rewards", rewards);
  detail::check_all_finite(where, "values", values);
  detail::check_all_finite(where, "next_values", next_values);
  detail::check_all_unit_interval(where, "discounts", discounts);
  const auto& d = discounts.derived();
  detail::gae_kernel(
      rewards.derived(), values.derived(), next_values.derived(),
      [&d](Index t, Index b) -> S { return d.coeff(t, b); }, detail::lambda_reader<S>(lambda),
      out.derived());
}

/// Allocating form of the general gae.
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject gae(const Eigen::DenseBase<Rewards>& rewards,
                                  const Eigen::DenseBase<Values>& values,
                                  const Eigen::DenseBase<NextValues>& next_values,
                                  const Eigen::DenseBase<Discounts>& discounts,
                                  const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  gae(rewards, values, next_values, discounts, lambda, result);
  return result;
}

/// Generalized advantage estimation, flags form (TorchRL
/// `generalized_advantage_estimate`, SB3 `compute_returns_and_advantage`
/// with Gymnasium's terminated/truncated): the general form with
///   discount_t = gamma * (1 - terminated_t),
///   lambda_t   = lambda * (1 - (terminated_t or truncated_t)).
/// A terminated step's delta does not bootstrap; a truncated one bootstraps
/// from next_values(t) (the value of the final observation, not of the next
/// episode's first); both cut the recursion, so several episodes may be
/// concatenated in one column. Told apart from the general form by its arity
/// (8 arguments; 7 allocating) and by bool flags.
template <class Rewards, class Values, class NextValues, class Terminated, class Truncated,
          class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void gae(const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Values>& values,
         const Eigen::DenseBase<NextValues>& next_values,
         const Eigen::DenseBase<Terminated>& terminated,
         const Eigen::DenseBase<Truncated>& truncated,
         std::type_identity_t<typename Rewards::Scalar> gamma,
         std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Values, NextValues, Out>();
  constexpr const char* where = "gae";
  const Index T = rewards.rows(), B = rewards.cols();
  check_unit_interval(where, "gamma", gamma);
  check_unit_interval(where, "lambda", lambda);
  detail::check_shape(where, "values", values, T, B);
  detail::check_shape(where, "next_values", next_values, T, B);
  detail::check_flags(where, terminated, truncated, T, B);
  detail::check_shape(where, "out", out, T, B);
  detail::check_all_finite(where, "rewards", rewards);
  detail::check_all_finite(where, "values", values);
  detail::check_all_finite(where, "next_values", next_values);
  const auto& term = terminated.derived();
  const auto& trunc = truncated.derived();
  detail::gae_kernel(
      rewards.derived(), values.derived(), next_values.derived(),
      [&](Index t, Index b) -> S { return term.coeff(t, b) ? S(0) : gamma; },
      [&](Index t, Index b) -> S {
        return (term.coeff(t, b) || trunc.coeff(t, b)) ? S(0) : lambda;
      },
      out.derived());
}

/// Allocating form of the flags-form gae.
template <class Rewards, class Values, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject gae(const Eigen::DenseBase<Rewards>& rewards,
                                  const Eigen::DenseBase<Values>& values,
                                  const Eigen::DenseBase<NextValues>& next_values,
                                  const Eigen::DenseBase<Terminated>& terminated,
                                  const Eigen::DenseBase<Truncated>& truncated,
                                  std::type_identity_t<typename Rewards::Scalar> gamma,
                                  std::type_identity_t<typename Rewards::Scalar> lambda) {
  auto result = detail::plain_like(rewards);
  gae(rewards, values, next_values, terminated, truncated, gamma, lambda, result);
  return result;
}

}  // namespace rlvalue
