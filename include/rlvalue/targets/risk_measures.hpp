#pragma once
/// @file
/// Risk measures of a discrete distribution sum_k p_k delta_{z_k} (layer 1).
/// A categorical distribution is (support, probabilities); a set of m quantile
/// estimates theta is (theta, 1/m each), e.g.
///   distribution_cvar(theta, Eigen::VectorXd::Constant(m, 1.0 / m), 0.1).
/// Atoms may come in any order (quantile estimates can cross): sorted atoms
/// are handled in one pass, others in O(n^2) without allocation.
///
///   distribution_mean        sum_k p_k z_k
///   distribution_variance    sum_k p_k (z_k - mean)^2
///   distribution_quantile    F^{-1}(tau) = min{z_k : F(z_k) >= tau}
///   distribution_cvar        lower-tail CVaR_alpha = (1/alpha) int_0^alpha F^{-1}(u) du
///   mean_variance_utility    mean - lambda * variance (Markowitz 1952)
///
/// Checks (std::invalid_argument naming the entry): same sizes, at least one
/// atom, finite atoms, probs a probability vector (check_probabilities),
/// tau / alpha in (0, 1], lambda finite.

#include <Eigen/Core>
#include <cmath>
#include <string>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

namespace rlvalue {

namespace detail {

template <class Atoms, class Probs>
void check_discrete_distribution(std::string_view where, const Eigen::DenseBase<Atoms>& atoms,
                                 const Eigen::DenseBase<Probs>& probs) {
  check_at_least_one(where, "atoms size", atoms.size());
  check_size(where, "probs", probs.size(), atoms.size());
  for (Index k = 0; k < atoms.size(); ++k)
    if (!std::isfinite(atoms.derived().coeff(k))) [[unlikely]]
      fail_check(where, "atoms(" + format_value(k) + ")", atoms.derived().coeff(k),
                 "is not finite");
  check_probabilities(where, "probs", probs);
}

template <class Atoms>
bool is_nondecreasing(const Atoms& z) {
  for (Index k = 1; k < z.size(); ++k)
    if (z.coeff(k) < z.coeff(k - 1)) return false;
  return true;
}

/// VaR_level (min{z_k : F(z_k) >= level}) with F(v-) = P(Z < v) and
/// sum_{z_k < v} p_k z_k, on validated arguments. Probabilities that sum to a
/// little less than 1 give the largest atom when no atom reaches `level`.
template <class Z, class P, class S>
void value_at_risk(const Z& z, const P& p, S level, S& var, S& below_mass, S& below_sum) {
  const Index n = z.size();
  if (is_nondecreasing(z)) {
    S cdf = S(0), sum = S(0);
    for (Index k = 0; k < n; ++k) {
      // Atoms equal to z_k are consecutive: gather them before testing F.
      Index e = k;
      S mass = p.coeff(k), part = p.coeff(k) * z.coeff(k);
      while (e + 1 < n && z.coeff(e + 1) == z.coeff(k)) {
        ++e;
        mass += p.coeff(e);
        part += p.coeff(e) * z.coeff(e);
      }
      if (cdf + mass >= level || e + 1 == n) {
        var = z.coeff(k);
        below_mass = cdf;
        below_sum = sum;
        return;
      }
      cdf += mass;
      sum += part;
      k = e;
    }
  }
  // Any order: the smallest atom whose CDF reaches the level, in O(n^2).
  bool found = false;
  S best = z.coeff(0), largest = z.coeff(0);
  for (Index k = 0; k < n; ++k) {
    const S v = z.coeff(k);
    largest = v > largest ? v : largest;
    if (found && !(v < best)) continue;
    S cdf = S(0);
    for (Index l = 0; l < n; ++l)
      if (z.coeff(l) <= v) cdf += p.coeff(l);
    if (cdf >= level) {
      best = v;
      found = true;
    }
  }
  var = found ? best : largest;
  below_mass = S(0);
  below_sum = S(0);
  for (Index l = 0; l < n; ++l)
    if (z.coeff(l) < var) {
      below_mass += p.coeff(l);
      below_sum += p.coeff(l) * z.coeff(l);
    }
}

template <class S>
void check_level(std::string_view where, std::string_view name, S level) {
  if (!(level > S(0) && level <= S(1))) [[unlikely]]
    fail_check(where, name, level, "is outside (0, 1]");
}

}  // namespace detail

/// Mean of a discrete distribution: sum_k p_k z_k.
template <class Atoms, class Probs>
typename Atoms::Scalar distribution_mean(const Eigen::DenseBase<Atoms>& atoms,
                                         const Eigen::DenseBase<Probs>& probs) {
  detail::check_discrete_distribution("distribution_mean", atoms, probs);
  typename Atoms::Scalar mean(0);
  for (Index k = 0; k < atoms.size(); ++k)
    mean += probs.derived().coeff(k) * atoms.derived().coeff(k);
  return mean;
}

/// Variance of a discrete distribution: sum_k p_k (z_k - mean)^2 (two-pass,
/// never negative).
template <class Atoms, class Probs>
typename Atoms::Scalar distribution_variance(const Eigen::DenseBase<Atoms>& atoms,
                                             const Eigen::DenseBase<Probs>& probs) {
  using S = typename Atoms::Scalar;
  const S mean = distribution_mean(atoms, probs);
  S var(0);
  for (Index k = 0; k < atoms.size(); ++k) {
    const S d = atoms.derived().coeff(k) - mean;
    var += probs.derived().coeff(k) * d * d;
  }
  return var;
}

/// Quantile (value at risk) at level tau in (0, 1]: the smallest atom z with
/// F(z) = P(Z <= z) >= tau.
template <class Atoms, class Probs>
typename Atoms::Scalar distribution_quantile(const Eigen::DenseBase<Atoms>& atoms,
                                             const Eigen::DenseBase<Probs>& probs,
                                             typename Atoms::Scalar tau) {
  using S = typename Atoms::Scalar;
  detail::check_level("distribution_quantile", "tau", tau);
  detail::check_discrete_distribution("distribution_quantile", atoms, probs);
  S var, mass, sum;
  detail::value_at_risk(atoms.derived(), probs.derived(), tau, var, mass, sum);
  return var;
}

/// Lower-tail conditional value at risk at level alpha in (0, 1] (Rockafellar
/// & Uryasev 2000; Acerbi & Tasche 2002): the mean of the worst alpha
/// fraction of outcomes,
///   CVaR_alpha = (1/alpha) * [sum_{z_k < v} p_k z_k + (alpha - P(Z < v)) * v],  v = VaR_alpha.
/// alpha = 1 gives the mean; alpha -> 0 the smallest atom.
template <class Atoms, class Probs>
typename Atoms::Scalar distribution_cvar(const Eigen::DenseBase<Atoms>& atoms,
                                         const Eigen::DenseBase<Probs>& probs,
                                         typename Atoms::Scalar alpha) {
  using S = typename Atoms::Scalar;
  detail::check_level("distribution_cvar", "alpha", alpha);
  detail::check_discrete_distribution("distribution_cvar", atoms, probs);
  S var, mass, sum;
  detail::value_at_risk(atoms.derived(), probs.derived(), alpha, var, mass, sum);
  const S rest = alpha - mass;
  return (sum + (rest > S(0) ? rest : S(0)) * var) / alpha;
}

/// Mean-variance utility mean - lambda * variance (Markowitz 1952; lambda > 0
/// is risk-averse). std::invalid_argument for a non-finite lambda.
template <class Atoms, class Probs>
typename Atoms::Scalar mean_variance_utility(const Eigen::DenseBase<Atoms>& atoms,
                                             const Eigen::DenseBase<Probs>& probs,
                                             typename Atoms::Scalar lambda) {
  check_finite("mean_variance_utility", "lambda", lambda);
  return distribution_mean(atoms, probs) - lambda * distribution_variance(atoms, probs);
}

}  // namespace rlvalue
