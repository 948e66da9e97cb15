#pragma once
/// @file
/// Forward-view lambda errors over (T x B) sequences (layer 1, the rlax
/// style): the lambda-return of returns.hpp minus the prediction it targets,
/// for state values (TD(lambda)), the q of the taken actions (SARSA(lambda))
/// and the q of the taken actions bootstrapped on max_a q (Q(lambda)).
/// Argument conventions, shapes, errors, output and traversal are those of
/// returns.hpp (general form: per-step discounts, explicit next values, lambda
/// a number or a (T x B) array of per-step lambda_t = lambda*(1-done_t)).
/// All three compute
///   E_t = G_t - prediction(t),
///   G_t = r_t + discount_t * ((1 - lambda_t) * next(t) + lambda_t * G_{t+1}),
///   G_{T-1} = r_{T-1} + discount_{T-1} * next(T-1),
/// with G computed by lambda_returns' kernel; they differ in what prediction
/// and next hold, and in the names their error messages use.

#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/array_view.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// out -= prediction, each difference checked before it is stored (the
/// inputs being finite, a non-finite one is an overflow).
template <class P, class Out>
inline void subtract_prediction(std::string_view where, const P& p, Out& out) {
  using S = typename Out::Scalar;
  const Index T = out.rows(), B = out.cols();
  auto store = [&](Index t, Index b) {
    const S x = out.coeff(t, b) - p.coeff(t, b);
    check_no_overflow(where, "errors", t, b, x);
    out.coeffRef(t, b) = x;
  };
  if constexpr (Out::IsRowMajor) {
    for (Index t = 0; t < T; ++t)
      for (Index b = 0; b < B; ++b) store(t, b);
  } else {
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) store(t, b);
  }
}

/// Validates, then writes G^lambda_t - prediction(t) into out. `prediction_name`
/// and `next_name` name the second and third arguments in error messages.
template <class R, class P, class N, class D, class Lambda, class Out>
inline void lambda_errors_impl(std::string_view where, std::string_view prediction_name,
                               std::string_view next_name, const Eigen::DenseBase<R>& rewards,
                               const Eigen::DenseBase<P>& prediction,
                               const Eigen::DenseBase<N>& next,
                               const Eigen::DenseBase<D>& discounts, const Lambda& lambda,
                               Out& out) {
  using S = typename R::Scalar;
  require_same_scalar<R, P, N, D, Out>();
  const Index T = rewards.rows(), B = rewards.cols();
  check_shape(where, prediction_name, prediction, T, B);
  check_shape(where, next_name, next, T, B);
  check_shape(where, "discounts", discounts, T, B);
  check_lambda<S>(where, lambda, T, B);
  check_shape(where, "out", out, T, B);
  check_all_finite(where, "rewards", rewards);
  check_all_finite(where, prediction_name, prediction);
  check_all_finite(where, next_name, next);
  check_all_unit_interval(where, "discounts", discounts);
  // Everything was checked above; a bad tile can only be an overflow.
  // Views: one kernel per storage order (targets/array_view.hpp).
  const auto nothing_to_validate = [] {};
  auto&& o = out_view_of(out);
  lambda_returns_kernel<false>(where, view_of(rewards.derived()), view_of(discounts.derived()),
                               view_of(next.derived()), lambda_value<S>(lambda), o,
                               ValidateRef(nothing_to_validate));
  subtract_prediction(where, prediction.derived(), out);
}

}  // namespace detail

/// TD(lambda) errors, forward view (Sutton 1988; Sutton & Barto 2018,
/// section 12.1; rlax `td_lambda`): E_t = G^lambda_t - values(t), with
/// G^lambda = lambda_returns(rewards, discounts, next_values, lambda).
/// lambda = 0 gives the one-step TD errors; lambda = 1 the discounted return
/// minus values(t).
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void td_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                      const Eigen::DenseBase<Values>& values,
                      const Eigen::DenseBase<NextValues>& next_values,
                      const Eigen::DenseBase<Discounts>& discounts, const Lambda& lambda,
                      Out&& out) {
  detail::lambda_errors_impl("td_lambda_errors", "values", "next_values", rewards, values,
                             next_values, discounts, lambda, out.derived());
}

/// Allocating form of td_lambda_errors.
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject td_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                                               const Eigen::DenseBase<Values>& values,
                                               const Eigen::DenseBase<NextValues>& next_values,
                                               const Eigen::DenseBase<Discounts>& discounts,
                                               const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  td_lambda_errors(rewards, values, next_values, discounts, lambda, result);
  return result;
}

/// SARSA(lambda) errors, forward view (Rummery & Niranjan 1994; Sutton &
/// Barto 2018, section 12.7; rlax `sarsa_lambda`):
///   E_t = G^lambda_t - q_taken(t),  q_taken(t) = Q(s_t, a_t),
/// with G^lambda the lambda-return bootstrapped on next_q_taken(t) = Q(s_{t+1}, a_{t+1}).
template <class Rewards, class QTaken, class NextQTaken, class Discounts, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void sarsa_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                         const Eigen::DenseBase<QTaken>& q_taken,
                         const Eigen::DenseBase<NextQTaken>& next_q_taken,
                         const Eigen::DenseBase<Discounts>& discounts, const Lambda& lambda,
                         Out&& out) {
  detail::lambda_errors_impl("sarsa_lambda_errors", "q_taken", "next_q_taken", rewards, q_taken,
                             next_q_taken, discounts, lambda, out.derived());
}

/// Allocating form of sarsa_lambda_errors.
template <class Rewards, class QTaken, class NextQTaken, class Discounts, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject sarsa_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                                                  const Eigen::DenseBase<QTaken>& q_taken,
                                                  const Eigen::DenseBase<NextQTaken>& next_q_taken,
                                                  const Eigen::DenseBase<Discounts>& discounts,
                                                  const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  sarsa_lambda_errors(rewards, q_taken, next_q_taken, discounts, lambda, result);
  return result;
}

/// Q(lambda) errors, forward view (Peng & Williams 1996, "Incremental
/// multi-step Q-learning"; Watkins 1989; Sutton & Barto 2018, section 12.10;
/// rlax `q_lambda`):
///   E_t = G^lambda_t - q_taken(t),  q_taken(t) = Q(s_t, a_t),
/// with G^lambda the lambda-return bootstrapped on next_max_q(t) = max_a Q(s_{t+1}, a).
/// Peng's Q(lambda): a scalar lambda (or per-step lambdas cut only at episode
/// ends). Watkins's Q(lambda): per-step lambdas with lambda_t = 0 where the
/// next action a_{t+1} is not greedy (as well as at episode ends), so the
/// return stops at r_t + discount_t * max_a Q(s_{t+1}, a).
template <class Rewards, class QTaken, class NextMaxQ, class Discounts, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void q_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                     const Eigen::DenseBase<QTaken>& q_taken,
                     const Eigen::DenseBase<NextMaxQ>& next_max_q,
                     const Eigen::DenseBase<Discounts>& discounts, const Lambda& lambda,
                     Out&& out) {
  detail::lambda_errors_impl("q_lambda_errors", "q_taken", "next_max_q", rewards, q_taken,
                             next_max_q, discounts, lambda, out.derived());
}

/// Allocating form of q_lambda_errors.
template <class Rewards, class QTaken, class NextMaxQ, class Discounts, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject q_lambda_errors(const Eigen::DenseBase<Rewards>& rewards,
                                              const Eigen::DenseBase<QTaken>& q_taken,
                                              const Eigen::DenseBase<NextMaxQ>& next_max_q,
                                              const Eigen::DenseBase<Discounts>& discounts,
                                              const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  q_lambda_errors(rewards, q_taken, next_max_q, discounts, lambda, result);
  return result;
}

/// Flags forms of td_lambda_errors, sarsa_lambda_errors and q_lambda_errors
/// (TorchRL's terminated / truncated): the general forms with
///   discount_t = gamma * (1 - terminated_t),
///   lambda_t   = lambda * (1 - (terminated_t or truncated_t)),
/// so a truncated step bootstraps from its next value and a terminated one
/// does not, and neither lets the return cross into the next episode.
/// Arguments: (rewards, prediction, next, terminated, truncated, gamma,
/// lambda[, out]); the names of prediction and next are those of the general
/// form.
#define RLVALUE_LAMBDA_ERRORS_FLAGS_FORM(name, prediction_name, next_name)                      \
  template <class Rewards, class P, class N, class Terminated, class Truncated, class Out>      \
  requires std::is_same_v<typename Terminated::Scalar, bool> &&                                 \
      std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>            \
  void name(const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<P>& prediction,    \
            const Eigen::DenseBase<N>& next, const Eigen::DenseBase<Terminated>& terminated,    \
            const Eigen::DenseBase<Truncated>& truncated,                                       \
            std::type_identity_t<typename Rewards::Scalar> gamma,                               \
            std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {                 \
    using S = typename Rewards::Scalar;                                                         \
    check_unit_interval(#name, "gamma", gamma);                                                 \
    check_unit_interval(#name, "lambda", lambda);                                               \
    detail::check_flags(#name, terminated, truncated, rewards.rows(), rewards.cols());          \
    detail::lambda_errors_impl(#name, prediction_name, next_name, rewards, prediction, next,    \
                               detail::flag_discounts<S>(terminated, gamma),                    \
                               detail::flag_lambdas<S>(terminated, truncated, lambda),          \
                               out.derived());                                                  \
  }                                                                                             \
  template <class Rewards, class P, class N, class Terminated, class Truncated>                 \
  requires std::is_same_v<typename Terminated::Scalar, bool> &&                                 \
      std::is_same_v<typename Truncated::Scalar, bool>                                          \
  typename Rewards::PlainObject name(                                                           \
      const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<P>& prediction,          \
      const Eigen::DenseBase<N>& next, const Eigen::DenseBase<Terminated>& terminated,          \
      const Eigen::DenseBase<Truncated>& truncated,                                             \
      std::type_identity_t<typename Rewards::Scalar> gamma,                                     \
      std::type_identity_t<typename Rewards::Scalar> lambda) {                                  \
    auto result = detail::plain_like(rewards);                                                  \
    name(rewards, prediction, next, terminated, truncated, gamma, lambda, result);              \
    return result;                                                                              \
  }

RLVALUE_LAMBDA_ERRORS_FLAGS_FORM(td_lambda_errors, "values", "next_values")
RLVALUE_LAMBDA_ERRORS_FLAGS_FORM(sarsa_lambda_errors, "q_taken", "next_q_taken")
RLVALUE_LAMBDA_ERRORS_FLAGS_FORM(q_lambda_errors, "q_taken", "next_max_q")
#undef RLVALUE_LAMBDA_ERRORS_FLAGS_FORM

}  // namespace rlvalue
