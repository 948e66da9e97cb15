#pragma once
/// @file
/// QuantileTable: m quantile estimates theta(s, a, i) per state (or
/// state-action pair) at the midpoint levels tau_i = (2i + 1)/(2m), 0-based
/// (Dabney et al. 2018, arXiv:1710.10044; Rowland et al. 2023,
/// arXiv:2305.18388), stored as a row-major (S*A) x m matrix. The tabular
/// storage of QuantileTD / QuantileQLearning; nothing allocates after
/// construction.

#include <Eigen/Core>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/distributional_losses.hpp"

namespace rlvalue {

/// Quantile estimates theta(s, a, .) for states 0..num_states-1 and actions
/// 0..num_actions-1 (one action for state values).
template <class Scalar = double>
class QuantileTable {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// num_states, num_actions, num_quantiles >= 1; every estimate starts at
  /// `initial_value` (finite). std::invalid_argument otherwise.
  QuantileTable(Index num_states, Index num_actions, Index num_quantiles,
                Scalar initial_value = Scalar(0)) {
    check_at_least_one("QuantileTable", "num_states", num_states);
    check_at_least_one("QuantileTable", "num_actions", num_actions);
    check_at_least_one("QuantileTable", "num_quantiles", num_quantiles);
    check_finite("QuantileTable", "initial_value", initial_value);
    theta_ = parameter_type::Constant(num_states * num_actions, num_quantiles, initial_value);
    num_actions_ = num_actions;
  }

  /// Number of states.
  Index num_states() const noexcept { return theta_.rows() / num_actions_; }
  /// Number of actions.
  Index num_actions() const noexcept { return num_actions_; }
  /// Number of quantiles N per state(-action).
  Index num_quantiles() const noexcept { return theta_.cols(); }
  /// tau_i = (2i + 1)/(2m), i = 0..m-1.
  Scalar level(Index i) const noexcept { return quantile_midpoint<Scalar>(i, theta_.cols()); }

  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, num_states());
  }
  /// Throws std::out_of_range naming `where` and `name` (and the value) if the action is not in [0, num_actions()).
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, num_actions_);
  }

  /// theta(s, a, .) as a contiguous row view (no copy). The estimates are not
  /// kept sorted (QTD's estimates may cross).
  auto quantiles(Index s, Index a = 0) const {
    check_state("QuantileTable::quantiles", "state", s);
    check_action("QuantileTable::quantiles", "action", a);
    return theta_.row(row(s, a));
  }

  /// The value estimate (1/m) sum_i theta(s, a, i).
  Scalar mean(Index s, Index a = 0) const {
    check_state("QuantileTable::mean", "state", s);
    check_action("QuantileTable::mean", "action", a);
    return theta_.row(row(s, a)).mean();
  }

  /// Sets theta(s, a, .) (m finite entries); nothing changes on failure.
  template <class Theta>
  void set_quantiles(Index s, Index a, const Eigen::DenseBase<Theta>& theta) {
    constexpr std::string_view where = "QuantileTable::set_quantiles";
    check_state(where, "state", s);
    check_action(where, "action", a);
    check_size(where, "theta", theta.size(), theta_.cols());
    for (Index i = 0; i < theta.size(); ++i)
      check_finite(where, "theta", static_cast<Scalar>(theta.derived().coeff(i)));
    for (Index i = 0; i < theta.size(); ++i)
      theta_(row(s, a), i) = static_cast<Scalar>(theta.derived().coeff(i));
  }

  /// Row of (s, a) in parameters(): s * num_actions + a (unchecked).
  Index row(Index s, Index a = 0) const noexcept { return s * num_actions_ + a; }

  /// The (S*A) x m row-major estimates.
  const parameter_type& parameters() const noexcept { return theta_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return theta_; }

 private:
  parameter_type theta_;
  Index num_actions_ = 1;
};

}  // namespace rlvalue
