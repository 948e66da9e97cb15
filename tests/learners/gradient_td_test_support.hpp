#pragma once
// Test-only helpers for the gradient-TD, LSTD, robust-loss and emphatic
// tests: a dense feature map given by the rows of a matrix (phi(s) = row s),
// on-policy episodes of a Garnet MRP, and the exact answers they converge to.

#include <Eigen/Dense>
#include <span>
#include <string_view>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "trace_test_support.hpp"

namespace rlvalue_test {

/// phi(s) = Phi.row(s): a dense FeatureMap over states 0..rows-1.
class MatrixMap {
 public:
  using state_type = Index;
  explicit MatrixMap(Eigen::MatrixXd phi) : phi_(std::move(phi)) {}
  Index num_features() const noexcept { return phi_.cols(); }
  Index num_states() const noexcept { return phi_.rows(); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, phi_.rows());
  }
  void write(Index s, std::span<double> out) const noexcept {
    for (Index i = 0; i < phi_.cols(); ++i) out[static_cast<std::size_t>(i)] = phi_(s, i);
  }
  void write(Index s, std::span<float> out) const noexcept {
    for (Index i = 0; i < phi_.cols(); ++i)
      out[static_cast<std::size_t>(i)] = static_cast<float>(phi_(s, i));
  }
  const Eigen::MatrixXd& matrix() const noexcept { return phi_; }

 private:
  Eigen::MatrixXd phi_;
};

/// 6-state Garnet features: 3 dense features per state (full column rank).
inline Eigen::MatrixXd garnet_features() {
  Eigen::MatrixXd phi(6, 3);
  phi << 1, 0, 0.5,  //
      0, 1, 0.2,     //
      1, 1, 0,       //
      0.3, 0, 1,     //
      0, 0.5, 1,     //
      1, 0.2, 0.7;
  return phi;
}

/// `episodes` on-policy episodes of `mdp` (uniform starts) concatenated.
inline std::vector<rlvalue::Transition<>> mrp_data(const rlvalue::TabularMDP<double>& mdp,
                                                   Index episodes, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  std::vector<rlvalue::Transition<>> data;
  for (Index e = 0; e < episodes; ++e) {
    auto ep = mrp_episode(mdp, rng);
    data.insert(data.end(), ep.begin(), ep.end());
  }
  return data;
}

}  // namespace rlvalue_test
