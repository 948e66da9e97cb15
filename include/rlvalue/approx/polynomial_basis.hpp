#pragma once
/// @file
/// PolynomialBasis: all monomials of degree at most n in each coordinate
/// (Sutton & Barto 2nd ed. section 9.5.1, eq. 9.17):
///   phi_i(s) = prod_j s_j^{c_ij},   c^i in {0..n}^d   ((n+1)^d features,
/// c^0 = 0 the constant 1). Dense. Scale states to about [-1, 1] first: high
/// powers of large inputs are ill-conditioned.

#include <Eigen/Core>
#include <span>
#include <string_view>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Order-n polynomial basis over `dimensions`-dimensional states
/// (Eigen::Matrix<double, Dims, 1>).
template <int Dims = Eigen::Dynamic>
class PolynomialBasis {
 public:
  /// Type of a state.
  using state_type = Eigen::Matrix<double, Dims, 1>;

  /// dimensions >= 1 (= Dims when fixed), order >= 0 (std::invalid_argument).
  PolynomialBasis(Index dimensions, Index order)
      : exponents_(detail::full_coefficients<state_type>("PolynomialBasis", dimensions, order)),
        order_(order) {
    if constexpr (Dims != Eigen::Dynamic) check_size("PolynomialBasis", "dimensions", dimensions, Dims);
  }

  /// Number of state dimensions.
  Index dimensions() const noexcept { return exponents_.cols(); }
  /// Maximum exponent of each dimension.
  Index order() const noexcept { return order_; }
  /// Number of features.
  Index num_features() const noexcept { return exponents_.rows(); }
  /// The exponent vectors c^i, one per row.
  const Eigen::MatrixXd& exponents() const noexcept { return exponents_; }

  /// std::invalid_argument unless s has dimensions() finite entries.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    detail::check_real_state(where, name, s, dimensions());
  }

  /// out[i] = prod_j s_j^{c_ij} (0^0 = 1), by repeated multiplication.
  template <class T>
  void write(const state_type& s, std::span<T> out) const noexcept {
    for (Index i = 0; i < exponents_.rows(); ++i) {
      double x = 1.0;
      for (Index j = 0; j < exponents_.cols(); ++j) {
        const auto power = static_cast<Index>(exponents_(i, j));
        for (Index p = 0; p < power; ++p) x *= s[j];
      }
      out[static_cast<std::size_t>(i)] = static_cast<T>(x);
    }
  }

 private:
  Eigen::MatrixXd exponents_;
  Index order_;
};

}  // namespace rlvalue
