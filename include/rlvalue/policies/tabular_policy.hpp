#pragma once
/// @file
/// TabularPolicy: a fixed stochastic policy given by an S x A matrix,
/// pi(a | s) = P(s, a) (behaviour and target policies of off-policy
/// experiments, exact evaluation).

#include <Eigen/Core>
#include <cmath>
#include <random>
#include <span>
#include <string>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// A fixed policy pi(a | s) = P(s, a) over states 0..S-1 and actions 0..A-1.
/// `probabilities(s)` returns a reference to an internal buffer that the next
/// probabilities() call overwrites; `action(s, rng)` leaves it alone. Neither
/// allocates.
class TabularPolicy {
 public:
  /// Type of a state.
  using state_type = Index;
  /// Scalar type (float or double).
  using scalar_type = double;
  /// Column vector of action probabilities.
  using probability_vector = Eigen::VectorXd;
  /// Row-major S x A matrix of pi(a|s).
  using matrix_type = Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// Tolerance on each row sum.
  static constexpr double sum_tolerance = 1e-9;

  /// `probabilities` is S x A (S, A >= 1): every entry in [0, 1], every row
  /// summing to 1 within 1e-9; std::invalid_argument otherwise, naming the
  /// entry or row.
  template <class Derived>
  explicit TabularPolicy(const Eigen::MatrixBase<Derived>& probabilities)
      : p_(probabilities.template cast<double>()), probs_(p_.cols()) {
    check_at_least_one("TabularPolicy", "num_states", p_.rows());
    check_at_least_one("TabularPolicy", "num_actions", p_.cols());
    for (Index s = 0; s < p_.rows(); ++s) {
      double sum = 0.0;
      for (Index a = 0; a < p_.cols(); ++a) {
        if (!(p_(s, a) >= 0.0 && p_(s, a) <= 1.0)) [[unlikely]]
          check_unit_interval("TabularPolicy", entry_name(s, a), p_(s, a));
        sum += p_(s, a);
      }
      if (!(std::abs(sum - 1.0) <= sum_tolerance)) [[unlikely]]
        fail_check("TabularPolicy", "sum of row " + detail::format_value(s), sum,
                   "must be 1 (within 1e-9)");
    }
  }

  /// The uniform random policy over A actions in each of S states.
  static TabularPolicy uniform(Index num_states, Index num_actions) {
    check_at_least_one("TabularPolicy::uniform", "num_states", num_states);
    check_at_least_one("TabularPolicy::uniform", "num_actions", num_actions);
    return TabularPolicy(UniformTag{}, num_states, num_actions);
  }

  /// Number of states.
  Index num_states() const noexcept { return p_.rows(); }
  /// Number of actions.
  Index num_actions() const noexcept { return p_.cols(); }
  /// The S x A probability matrix.
  const matrix_type& matrix() const noexcept { return p_; }

  /// An action drawn from pi(. | s) with one uniform01 draw.
  /// std::out_of_range unless 0 <= s < num_states().
  template <std::uniform_random_bit_generator G>
  Index action(Index s, G& rng) const {
    check_index("TabularPolicy::action", "state", s, p_.rows());
    // The row as a span: an Eigen row expression, not depending on G, would
    // be compiled in every includer (issue 9's compile-time budget).
    return sample_discrete(rng, std::span<const double>(row(s), static_cast<std::size_t>(p_.cols())));
  }

  /// pi(. | s). Overwritten by the next call.
  const probability_vector& probabilities(Index s) {
    check_index("TabularPolicy::probabilities", "state", s, p_.rows());
    // Plain loops, here and in the uniform constructor: an Eigen expression in
    // a non-template member is compiled in every translation unit that
    // includes this header (issue 9's compile-time budget).
    const double* pi = row(s);
    double* out = probs_.data();
    for (Index a = 0; a < p_.cols(); ++a) out[a] = pi[a];
    return probs_;
  }

 private:
  struct UniformTag {};

  // pi(. | s): row s of the row-major matrix (s already checked).
  const double* row(Index s) const noexcept { return p_.data() + s * p_.cols(); }

  // Every entry 1 / num_actions (already checked to be >= 1).
  TabularPolicy(UniformTag, Index num_states, Index num_actions) {
    p_.resize(num_states, num_actions);
    probs_.resize(num_actions);
    const double p = 1.0 / static_cast<double>(num_actions);
    double* data = p_.data();
    for (Index k = 0; k < num_states * num_actions; ++k) data[k] = p;
  }

  static std::string entry_name(Index s, Index a) {
    return "probabilities(" + detail::format_value(s) + ", " + detail::format_value(a) + ")";
  }

  matrix_type p_;
  probability_vector probs_;
};

}  // namespace rlvalue
