#pragma once
/// @file
/// Distributional losses (layer 1): each returns the loss of a prediction
/// against a target distribution, and where a learner needs it its gradient
/// with respect to the prediction (written into a caller-provided vector; the
/// gradient-descent step is prediction -= step_size * gradient).
///
///   categorical_cross_entropy   -sum_i target_i * log softmax(logits)_i   (C51)
///   quantile_regression_loss    (1/N) sum_j sum_i rho^kappa_{tau_i}(y_j - theta_i)
///                               (Dabney et al. 2018; kappa = 0: plain pinball)
///   expectile_loss              (1/N) sum_j sum_i |tau_i - 1{y_j < e_i}| (y_j - e_i)^2
///                               (Newey & Powell 1987; Rowland et al. 2019)
///
/// Vectors are Eigen dense vector expressions of one scalar type (float or
/// double). Shapes are checked (std::invalid_argument); values are assumed
/// finite. Nothing allocates.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

/// The midpoint quantile level of estimate i (0-based) out of m:
/// tau_i = (2i + 1) / (2m), the (2i-1)/(2m) of 1-based papers (Dabney et al.
/// 2018, "Distributional RL with quantile regression", arXiv:1710.10044;
/// Rowland et al. 2023, arXiv:2305.18388).
template <class Scalar = double>
constexpr Scalar quantile_midpoint(Index i, Index m) noexcept {
  return static_cast<Scalar>(2 * i + 1) / static_cast<Scalar>(2 * m);
}

/// Huber function with threshold kappa > 0: u^2/2 for |u| <= kappa, else
/// kappa*(|u| - kappa/2) (Huber 1964).
template <class Scalar>
constexpr Scalar huber(Scalar u, Scalar kappa) noexcept {
  const Scalar a = u < Scalar(0) ? -u : u;
  return a <= kappa ? Scalar(0.5) * u * u : kappa * (a - Scalar(0.5) * kappa);
}

/// Quantile (pinball) loss of the error u = target - prediction at level tau,
/// Huberised when kappa > 0 (Dabney et al. 2018, eq. 10):
///   kappa = 0: rho_tau(u) = u * (tau - 1{u < 0});
///   kappa > 0: rho^kappa_tau(u) = |tau - 1{u < 0}| * huber(u, kappa) / kappa.
template <class Scalar>
constexpr Scalar quantile_huber_loss(Scalar u, Scalar tau, Scalar kappa) noexcept {
  const Scalar w = u < Scalar(0) ? Scalar(1) - tau : tau;
  if (kappa > Scalar(0)) return w * huber(u, kappa) / kappa;
  return u < Scalar(0) ? -u * w : u * w;
}

/// d rho^kappa_tau(u) / du: tau - 1{u < 0} for kappa = 0 (tau at u = 0, the
/// convention of QTD's indicator 1{y < theta}); for kappa > 0,
/// |tau - 1{u < 0}| * clamp(u, -kappa, kappa) / kappa. Always in [-1, 1].
template <class Scalar>
constexpr Scalar quantile_huber_derivative(Scalar u, Scalar tau, Scalar kappa) noexcept {
  if (kappa > Scalar(0)) {
    const Scalar w = u < Scalar(0) ? Scalar(1) - tau : tau;
    const Scalar c = u < -kappa ? -kappa : (u > kappa ? kappa : u);
    return w * c / kappa;
  }
  return u < Scalar(0) ? tau - Scalar(1) : tau;
}

/// Expectile loss of u = target - prediction at level tau:
/// |tau - 1{u < 0}| * u^2 (Newey & Powell 1987; Rowland et al. 2019,
/// "Statistics and samples in distributional RL", arXiv:1902.08102).
template <class Scalar>
constexpr Scalar expectile_loss(Scalar u, Scalar tau) noexcept {
  return (u < Scalar(0) ? Scalar(1) - tau : tau) * u * u;
}

namespace detail {

template <class A, class B>
constexpr void require_same_vector_scalar() {
  static_assert(std::is_same_v<typename A::Scalar, typename B::Scalar>,
                "rlvalue: distributional losses need arguments of one scalar type");
}

/// max_i x_i and log sum_i exp(x_i - max): log-sum-exp = max + shifted,
/// kept apart so that log softmax_i = (x_i - max) - shifted loses nothing to
/// the size of the logits. With a `store`, exp(x_i - max) is written to it
/// (one exponential per logit serves the loss and the softmax); returns
/// sum_i exp(x_i - max).
template <class X, class Store = std::nullptr_t>
typename X::Scalar log_sum_exp(const X& x, typename X::Scalar& max, typename X::Scalar& shifted,
                               Store* store = nullptr) {
  using S = typename X::Scalar;
  S m = x.coeff(0);
  for (Index i = 1; i < x.size(); ++i) m = std::max(m, x.coeff(i));
  S sum = S(0);
  for (Index i = 0; i < x.size(); ++i) {
    const S e = std::exp(x.coeff(i) - m);
    if constexpr (!std::is_same_v<Store, std::nullptr_t>) store->coeffRef(i) = e;
    sum += e;
  }
  max = m;
  shifted = std::log(sum);
  return sum;
}

/// -sum_i target_i * ((x_i - max) - shifted), the cross-entropy once the
/// log-sum-exp of x is known.
template <class T, class X>
typename X::Scalar cross_entropy_given(const T& target, const X& x, typename X::Scalar max,
                                       typename X::Scalar shifted) {
  using S = typename X::Scalar;
  S loss = S(0);
  for (Index i = 0; i < x.size(); ++i) {
    const S t = target.coeff(i);
    if (t != S(0)) loss += t * (shifted - (x.coeff(i) - max));
  }
  return loss;
}

}  // namespace detail

/// Categorical cross-entropy of softmax(logits) against a target distribution
/// (C51's loss, Bellemare et al. 2017, arXiv:1707.06887; the target is
/// typically categorical_projection of r + gamma*z):
///   L = -sum_i target_i * log softmax(logits)_i = logsumexp(logits) * sum_i target_i - target . logits.
/// Computed stably (log-sum-exp). std::invalid_argument for empty or
/// mismatched sizes.
template <class Target, class Logits>
typename Logits::Scalar categorical_cross_entropy(const Eigen::DenseBase<Target>& target,
                                                  const Eigen::DenseBase<Logits>& logits) {
  detail::require_same_vector_scalar<Target, Logits>();
  using S = typename Logits::Scalar;
  constexpr std::string_view where = "categorical_cross_entropy";
  check_at_least_one(where, "logits size", logits.size());
  check_size(where, "target", target.size(), logits.size());
  S max, shifted;
  detail::log_sum_exp(logits.derived(), max, shifted);
  return detail::cross_entropy_given(target.derived(), logits.derived(), max, shifted);
}

/// Gradient of categorical_cross_entropy with respect to the logits, written
/// to `out`: softmax(logits)_i * sum_k target_k - target_i (softmax - target
/// for a target on the simplex). Returns the loss. `out` may not alias.
template <class Target, class Logits, class Out>
  requires detail::WritableDense<Out>
typename Logits::Scalar categorical_cross_entropy_gradient(const Eigen::DenseBase<Target>& target,
                                                           const Eigen::DenseBase<Logits>& logits,
                                                           Out&& out) {
  detail::require_same_vector_scalar<Target, Logits>();
  using S = typename Logits::Scalar;
  check_at_least_one("categorical_cross_entropy", "logits size", logits.size());
  check_size("categorical_cross_entropy", "target", target.size(), logits.size());
  check_size("categorical_cross_entropy_gradient", "out", out.size(), logits.size());
  const auto& t = target.derived();
  auto& o = out.derived();
  S max, shifted;
  const S sum = detail::log_sum_exp(logits.derived(), max, shifted, &o);  // o_i = exp(x_i - max)
  S mass = S(0);
  for (Index i = 0; i < t.size(); ++i) mass += t.coeff(i);
  const S scale = mass / sum;
  for (Index i = 0; i < o.size(); ++i) o.coeffRef(i) = o.coeff(i) * scale - t.coeff(i);
  return detail::cross_entropy_given(t, logits.derived(), max, shifted);
}

/// Quantile regression loss of m quantile estimates theta at the midpoint
/// levels tau_i = (2i+1)/(2m) against N target samples y (Dabney et al. 2018,
/// eq. 10; kappa = 0 gives the plain quantile loss of Koenker 2005):
///   L = (1/N) sum_j sum_i rho^kappa_{tau_i}(y_j - theta_i).
/// std::invalid_argument for empty inputs or kappa < 0 / not finite.
template <class Theta, class Targets>
typename Theta::Scalar quantile_regression_loss(const Eigen::DenseBase<Theta>& theta,
                                                const Eigen::DenseBase<Targets>& targets,
                                                typename Theta::Scalar kappa = 0) {
  detail::require_same_vector_scalar<Theta, Targets>();
  using S = typename Theta::Scalar;
  constexpr std::string_view where = "quantile_regression_loss";
  check_at_least_one(where, "theta size", theta.size());
  check_at_least_one(where, "targets size", targets.size());
  if (!(kappa >= S(0) && std::isfinite(kappa))) [[unlikely]]
    fail_check(where, "kappa", kappa, "must be finite and >= 0 (0: no Huber smoothing)");
  const Index m = theta.size();
  S loss = S(0);
  for (Index i = 0; i < m; ++i) {
    const S tau = quantile_midpoint<S>(i, m);
    for (Index j = 0; j < targets.size(); ++j)
      loss += quantile_huber_loss<S>(targets.derived().coeff(j) - theta.derived().coeff(i), tau,
                                     kappa);
  }
  return loss / static_cast<S>(targets.size());
}

/// Gradient of quantile_regression_loss with respect to theta, written to
/// `out` (size m): out_i = -(1/N) sum_j rho'(y_j - theta_i). For kappa = 0,
/// out_i = (#{j : y_j < theta_i}) / N - tau_i, so theta -= alpha * m * out is
/// QTD's step with N = m targets. Each entry lies in [-1, 1]. Returns the loss.
template <class Theta, class Targets, class Out>
  requires detail::WritableDense<Out>
typename Theta::Scalar quantile_regression_gradient(const Eigen::DenseBase<Theta>& theta,
                                                    const Eigen::DenseBase<Targets>& targets,
                                                    typename Theta::Scalar kappa, Out&& out) {
  using S = typename Theta::Scalar;
  const S loss = quantile_regression_loss(theta, targets, kappa);
  check_size("quantile_regression_gradient", "out", out.size(), theta.size());
  const Index m = theta.size();
  for (Index i = 0; i < m; ++i) {
    const S tau = quantile_midpoint<S>(i, m);
    S g = S(0);
    for (Index j = 0; j < targets.size(); ++j)
      g += quantile_huber_derivative<S>(targets.derived().coeff(j) - theta.derived().coeff(i), tau,
                                        kappa);
    out.coeffRef(i) = -g / static_cast<S>(targets.size());
  }
  return loss;
}

/// Expectile regression loss of estimates e at levels taus (each in (0, 1),
/// same size as e) against N target samples y (Rowland et al. 2019,
/// arXiv:1902.08102, section 4):
///   L = (1/N) sum_j sum_i |tau_i - 1{y_j < e_i}| * (y_j - e_i)^2.
/// std::invalid_argument for empty or mismatched sizes, or a level outside (0, 1).
template <class Estimates, class Targets, class Taus>
typename Estimates::Scalar expectile_regression_loss(const Eigen::DenseBase<Estimates>& e,
                                                     const Eigen::DenseBase<Targets>& targets,
                                                     const Eigen::DenseBase<Taus>& taus) {
  detail::require_same_vector_scalar<Estimates, Targets>();
  detail::require_same_vector_scalar<Estimates, Taus>();
  using S = typename Estimates::Scalar;
  constexpr std::string_view where = "expectile_regression_loss";
  check_at_least_one(where, "estimates size", e.size());
  check_at_least_one(where, "targets size", targets.size());
  check_size(where, "taus", taus.size(), e.size());
  for (Index i = 0; i < taus.size(); ++i) {
    const S tau = taus.derived().coeff(i);
    if (!(tau > S(0) && tau < S(1))) [[unlikely]]
      fail_check(where, "taus(" + detail::format_value(i) + ")", tau, "is outside (0, 1)");
  }
  S loss = S(0);
  for (Index i = 0; i < e.size(); ++i)
    for (Index j = 0; j < targets.size(); ++j)
      loss += expectile_loss<S>(targets.derived().coeff(j) - e.derived().coeff(i),
                                taus.derived().coeff(i));
  return loss / static_cast<S>(targets.size());
}

/// Gradient of expectile_regression_loss with respect to e, written to `out`:
/// out_i = -(2/N) sum_j |tau_i - 1{y_j < e_i}| (y_j - e_i). Returns the loss.
template <class Estimates, class Targets, class Taus, class Out>
  requires detail::WritableDense<Out>
typename Estimates::Scalar expectile_regression_gradient(const Eigen::DenseBase<Estimates>& e,
                                                         const Eigen::DenseBase<Targets>& targets,
                                                         const Eigen::DenseBase<Taus>& taus,
                                                         Out&& out) {
  using S = typename Estimates::Scalar;
  const S loss = expectile_regression_loss(e, targets, taus);
  check_size("expectile_regression_gradient", "out", out.size(), e.size());
  for (Index i = 0; i < e.size(); ++i) {
    const S tau = taus.derived().coeff(i);
    S g = S(0);
    for (Index j = 0; j < targets.size(); ++j) {
      const S u = targets.derived().coeff(j) - e.derived().coeff(i);
      g += (u < S(0) ? S(1) - tau : tau) * u;
    }
    out.coeffRef(i) = S(-2) * g / static_cast<S>(targets.size());
  }
  return loss;
}

}  // namespace rlvalue
