#pragma once
/// @file
/// Scalar-to-histogram transforms for value regression as classification
/// (layer 1; Farebrother et al. 2024, "Stop regressing: training value
/// functions via classification for scalable deep RL", arXiv:2403.03950):
///
///   two_hot(y, support, out)         mass split between the two atoms around
///                                    y in proportion to closeness (clipped)
///   histogram_mean(probs, support)   sum_i p_i z_i, the inverse of two_hot
///   hl_gauss(y, v_min, v_max, sigma, out)
///                                    N(y, sigma^2) integrated over m equal bins
///                                    of [v_min, v_max] and renormalised
///   bin_centres(v_min, v_max, m)     the atoms HL-Gauss predicts with

#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

/// Two-hot encoding of the scalar y on the strictly increasing support z
/// (Schrittwieser et al. 2020, MuZero; Farebrother et al. 2024 section 3.1):
/// for z_i <= y < z_{i+1}, out_i = (z_{i+1} - y)/(z_{i+1} - z_i),
/// out_{i+1} = 1 - out_i, all other entries 0; y outside the support is
/// clipped to the end atom. It is categorical_projection of a Dirac at y, so
/// histogram_mean(two_hot(y)) = y inside the support. std::invalid_argument
/// for a non-finite y, a bad support or a wrong out size.
template <class Support, class Out>
  requires detail::WritableDense<Out>
void two_hot(typename Support::Scalar y, const Eigen::DenseBase<Support>& support, Out&& out) {
  constexpr std::string_view where = "two_hot";
  check_finite(where, "y", y);
  check_support(where, "support", support);
  check_size(where, "out", out.size(), support.size());
  const Eigen::Matrix<typename Support::Scalar, 1, 1> atom(y), one(1);
  if constexpr (requires { support.derived().data(); } && Support::InnerStrideAtCompileTime == 1) {
    detail::categorical_projection_kernel(atom, one, support.derived(), out);
  } else {
    const Eigen::Matrix<typename Support::Scalar, Eigen::Dynamic, 1> z = support.derived();
    detail::categorical_projection_kernel(atom, one, z, out);
  }
}

/// Allocating form of two_hot.
template <class Support>
Eigen::Matrix<typename Support::Scalar, Eigen::Dynamic, 1> two_hot(
    typename Support::Scalar y, const Eigen::DenseBase<Support>& support) {
  Eigen::Matrix<typename Support::Scalar, Eigen::Dynamic, 1> out(support.size());
  two_hot(y, support, out);
  return out;
}

/// The mean of a histogram: sum_i probs_i * support_i (the value predicted
/// from a categorical distribution; the inverse of two_hot inside the
/// support). std::invalid_argument for mismatched sizes. Probabilities are
/// not checked (any weights give their weighted sum).
template <class Probs, class Support>
typename Support::Scalar histogram_mean(const Eigen::DenseBase<Probs>& probs,
                                        const Eigen::DenseBase<Support>& support) {
  check_size("histogram_mean", "probs", probs.size(), support.size());
  typename Support::Scalar sum(0);
  for (Index i = 0; i < support.size(); ++i)
    sum += probs.derived().coeff(i) * support.derived().coeff(i);
  return sum;
}

/// The m bin centres of [v_min, v_max] split into m equal bins:
/// c_i = v_min + (i + 1/2) * (v_max - v_min)/m. std::invalid_argument unless
/// v_min < v_max are finite, so is v_max - v_min, and m >= 1; and when the
/// centres are not finite and strictly increasing in Scalar (bounds beyond
/// its range, or an interval too narrow for m distinct values).
template <class Scalar = double>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> bin_centres(double v_min, double v_max, Index m) {
  constexpr std::string_view where = "bin_centres";
  detail::check_value_interval(where, v_min, v_max);
  check_at_least_one(where, "num_bins", m);
  const double w = (v_max - v_min) / static_cast<double>(m);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> c(m);
  for (Index i = 0; i < m; ++i) c[i] = static_cast<Scalar>(v_min + (double(i) + 0.5) * w);
  for (Index i = 0; i < m; ++i)
    if (!std::isfinite(c[i]) || (i > 0 && !(c[i - 1] < c[i]))) [[unlikely]]
      fail_check(where, "num_bins", m,
                 "gives centres that are not finite and strictly increasing on [" +
                     detail::format_value(v_min) + ", " + detail::format_value(v_max) +
                     "] in this scalar type (centre " + detail::format_value(i) + " = " +
                     detail::format_value(c[i]) + ")");
  return c;
}

namespace detail {

/// Phi(b) - Phi(a) for a <= b (standard normal CDF), through erfc on the side
/// of zero away from the bulk so that far tails keep their relative accuracy.
inline double normal_mass(double a, double b) {
  constexpr double r = 1.0 / std::numbers::sqrt2;
  if (a >= 0.0) return 0.5 * (std::erfc(a * r) - std::erfc(b * r));
  if (b <= 0.0) return 0.5 * (std::erfc(-b * r) - std::erfc(-a * r));
  return 1.0 - 0.5 * (std::erfc(-a * r) + std::erfc(b * r));
}

}  // namespace detail

/// HL-Gauss histogram of the scalar y (Farebrother et al. 2024, section 3.1;
/// Imani & White 2018): [v_min, v_max] is split into m = out.size() equal
/// bins with edges e_0 < ... < e_m, and
///   out_i = [Phi((e_{i+1}-y)/sigma) - Phi((e_i-y)/sigma)] / [Phi((e_m-y)/sigma) - Phi((e_0-y)/sigma)],
/// the mass of N(y, sigma^2) in bin i renormalised over the support (so y
/// outside the support still gives a distribution, piled at that end). The
/// paper recommends sigma = 0.75 * bin width. Predictions are
/// histogram_mean(p, bin_centres(v_min, v_max, m)). If the normaliser
/// underflows to 0 (y more than ~37 sigma outside), all mass goes to the end
/// bin nearest y (the limit). Computed in double whatever the scalar.
/// std::invalid_argument for non-finite y, v_min >= v_max, a non-finite
/// v_max - v_min, sigma <= 0 or an empty out.
template <class Out>
  requires detail::WritableDense<Out>
void hl_gauss(double y, double v_min, double v_max, double sigma, Out&& out) {
  using S = typename std::remove_cvref_t<Out>::Scalar;
  constexpr std::string_view where = "hl_gauss";
  check_finite(where, "y", y);
  detail::check_value_interval(where, v_min, v_max);
  check_positive(where, "sigma", sigma);
  const Index m = out.size();
  check_at_least_one(where, "out size", m);
  const double w = (v_max - v_min) / static_cast<double>(m);
  const double total = detail::normal_mass((v_min - y) / sigma, (v_max - y) / sigma);
  if (!(total > 0.0)) {
    out.setZero();
    out.coeffRef(y < v_min ? 0 : m - 1) = S(1);
    return;
  }
  double lo = (v_min - y) / sigma;
  for (Index i = 0; i < m; ++i) {
    const double hi = i + 1 == m ? (v_max - y) / sigma : (v_min + double(i + 1) * w - y) / sigma;
    out.coeffRef(i) = static_cast<S>(detail::normal_mass(lo, hi) / total);
    lo = hi;
  }
}

/// Allocating form of hl_gauss: m bins of scalar type Scalar.
template <class Scalar = double>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> hl_gauss(double y, double v_min, double v_max,
                                                  double sigma, Index num_bins) {
  check_at_least_one("hl_gauss", "num_bins", num_bins);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> out(num_bins);
  hl_gauss(y, v_min, v_max, sigma, out);
  return out;
}

}  // namespace rlvalue
