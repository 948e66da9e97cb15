#pragma once
/// @file
/// FourierBasis: the order-n Fourier cosine basis over a box (Konidaris,
/// Osentoski, Thomas 2011, "Value function approximation in reinforcement
/// learning using the Fourier basis"; Sutton & Barto 2nd ed. section 9.5.2):
///   phi_i(s) = cos(pi * c^i . u),   u_j = (s_j - low_j) / (high_j - low_j),
/// for every c^i in {0..n}^d ((n+1)^d features; c^0 = 0 gives the constant 1).
/// Dense. States outside [low, high] are accepted (the basis is periodic);
/// non-finite coordinates are rejected.

#include <Eigen/Core>
#include <cmath>
#include <numbers>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Configuration of FourierBasis: one low/high pair per dimension.
struct FourierBasisConfig {
  Index order = 3;           ///< n >= 0
  std::vector<double> low;   ///< finite, low_j < high_j
  /// Upper bound of each state dimension (same length as `low`, high > low).
  std::vector<double> high;
};

/// Order-n Fourier basis over Dims-dimensional states (Eigen::Matrix<double,
/// Dims, 1>; Dims = Eigen::Dynamic takes the dimension from the config).
template <int Dims = Eigen::Dynamic>
class FourierBasis {
 public:
  /// Type of a state.
  using state_type = Eigen::Matrix<double, Dims, 1>;

  /// std::invalid_argument for order < 0, bounds of different or zero length
  /// (or != Dims), non-finite bounds, high_j <= low_j.
  explicit FourierBasis(const FourierBasisConfig& c) : config_(c) {
    constexpr std::string_view where = "FourierBasis";
    const Index d = static_cast<Index>(c.low.size());
    check_at_least_one(where, "low.size()", d);
    if constexpr (Dims != Eigen::Dynamic) check_size(where, "low", d, Dims);
    check_size(where, "high", static_cast<Index>(c.high.size()), d);
    low_.resize(d);
    inv_width_.resize(d);
    for (Index j = 0; j < d; ++j) {
      const auto k = static_cast<std::size_t>(j);
      const std::string idx = detail::bracketed(j);
      check_finite(where, "low" + idx, c.low[k]);
      check_finite(where, "high" + idx, c.high[k]);
      if (!(c.high[k] > c.low[k]))
        fail_check(where, "high" + idx, c.high[k], "must exceed low" + idx);
      low_[j] = c.low[k];
      inv_width_[j] = 1.0 / (c.high[k] - c.low[k]);
    }
    coefficients_ = detail::full_coefficients<state_type>(where, d, c.order, std::numbers::pi);
  }

  /// Number of state dimensions.
  Index dimensions() const noexcept { return low_.size(); }
  /// Number of features.
  Index num_features() const noexcept { return coefficients_.rows(); }
  /// The frequency vectors pi * c^i, one per row.
  const Eigen::MatrixXd& frequencies() const noexcept { return coefficients_; }

  /// std::invalid_argument unless s has dimensions() finite entries.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    detail::check_real_state(where, name, s, dimensions());
  }

  /// out[i] = cos(pi * c^i . u(s)) for i < num_features() (s not re-checked).
  template <class T>
  void write(const state_type& s, std::span<T> out) const noexcept {
    const Index d = dimensions();
    for (Index i = 0; i < coefficients_.rows(); ++i) {
      double arg = 0.0;
      for (Index j = 0; j < d; ++j) arg += coefficients_(i, j) * ((s[j] - low_[j]) * inv_width_[j]);
      out[static_cast<std::size_t>(i)] = static_cast<T>(std::cos(arg));
    }
  }

 private:
  FourierBasisConfig config_;
  Eigen::VectorXd low_;
  Eigen::VectorXd inv_width_;
  Eigen::MatrixXd coefficients_;
};

}  // namespace rlvalue
