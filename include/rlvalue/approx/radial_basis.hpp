#pragma once
/// @file
/// RadialBasis: Gaussian radial basis functions (Sutton & Barto 2nd ed.
/// section 9.5.5, eq. 9.9):
///   phi_i(s) = exp(-||s - c_i||^2 / (2 sigma^2)),
/// one feature per centre c_i (a row of `centres`). Dense.

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include "rlvalue/approx/feature_map.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Gaussian RBF features over Dims-dimensional states
/// (Eigen::Matrix<double, Dims, 1>).
template <int Dims = Eigen::Dynamic>
class RadialBasis {
 public:
  /// Type of a state.
  using state_type = Eigen::Matrix<double, Dims, 1>;

  /// centres: k x d (k >= 1, d >= 1, = Dims when fixed, finite); width
  /// sigma > 0 finite. std::invalid_argument otherwise.
  RadialBasis(Eigen::MatrixXd centres, double sigma) : centres_(std::move(centres)) {
    constexpr std::string_view where = "RadialBasis";
    check_at_least_one(where, "centres.rows()", centres_.rows());
    check_at_least_one(where, "centres.cols()", centres_.cols());
    if constexpr (Dims != Eigen::Dynamic) check_size(where, "centres.cols()", centres_.cols(), Dims);
    if (!centres_.allFinite()) throw std::invalid_argument("RadialBasis: centres has a non-finite entry");
    check_positive(where, "sigma", sigma);
    sigma_ = sigma;
    inv_two_sigma2_ = 1.0 / (2.0 * sigma * sigma);
  }

  /// Number of state dimensions.
  Index dimensions() const noexcept { return centres_.cols(); }
  /// Number of features.
  Index num_features() const noexcept { return centres_.rows(); }
  /// Width sigma of the Gaussians.
  double sigma() const noexcept { return sigma_; }
  /// The centres, one per row.
  const Eigen::MatrixXd& centres() const noexcept { return centres_; }

  /// std::invalid_argument unless s has dimensions() finite entries.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    detail::check_real_state(where, name, s, dimensions());
  }

  /// out[i] = exp(-||s - c_i||^2 / (2 sigma^2)).
  template <class T>
  void write(const state_type& s, std::span<T> out) const noexcept {
    for (Index i = 0; i < centres_.rows(); ++i) {
      double d2 = 0.0;
      for (Index j = 0; j < centres_.cols(); ++j) {
        const double diff = s[j] - centres_(i, j);
        d2 += diff * diff;
      }
      out[static_cast<std::size_t>(i)] = static_cast<T>(std::exp(-d2 * inv_two_sigma2_));
    }
  }

 private:
  Eigen::MatrixXd centres_;
  double sigma_ = 1.0;
  double inv_two_sigma2_ = 0.5;
};

}  // namespace rlvalue
