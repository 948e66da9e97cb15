#pragma once
/// @file
/// CategoricalTable: one categorical distribution per state (or state-action
/// pair) on a fixed uniform support z_0 < ... < z_{K-1} (C51's representation,
/// Bellemare, Dabney, Munos 2017, arXiv:1707.06887), stored as a row-major
/// (S*A) x K matrix whose rows lie on the probability simplex. The tabular
/// storage of CategoricalTD / CategoricalQLearning; nothing allocates after
/// construction.

#include <Eigen/Core>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"

namespace rlvalue {

/// Categorical distributions p(s, a, .) over a uniform support, for states
/// 0..num_states-1 and actions 0..num_actions-1 (one action for state values).
template <class Scalar = double>
class CategoricalTable {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// Column vector of the atoms z_1 < ... < z_K.
  using support_vector = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;
  /// Eigen storage of the parameters.
  using parameter_type = Eigen::Matrix<Scalar, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;

  /// num_states, num_actions >= 1; a valid support (v_min < v_max finite,
  /// num_atoms >= 2). Every distribution starts as two_hot(initial_value)
  /// (clipped to the support), so its mean starts at initial_value inside the
  /// support. std::invalid_argument otherwise.
  CategoricalTable(Index num_states, Index num_actions, const UniformSupport& support,
                   Scalar initial_value = Scalar(0))
      : config_(support) {
    check_at_least_one("CategoricalTable", "num_states", num_states);
    check_at_least_one("CategoricalTable", "num_actions", num_actions);
    check_uniform_support("CategoricalTable", support);
    check_finite("CategoricalTable", "initial_value", initial_value);
    z_ = uniform_support<Scalar>(support);
    support_vector init(z_.size());
    const Eigen::Matrix<Scalar, 1, 1> atom(initial_value), one(Scalar(1));
    detail::categorical_projection_kernel(atom, one, z_, init);
    p_.resize(num_states * num_actions, z_.size());
    p_.rowwise() = init.transpose();
    num_actions_ = num_actions;
  }
  /// State values: one action.
  CategoricalTable(Index num_states, const UniformSupport& support,
                   Scalar initial_value = Scalar(0))
      : CategoricalTable(num_states, 1, support, initial_value) {}

  /// Number of states.
  Index num_states() const noexcept { return p_.rows() / num_actions_; }
  /// Number of actions.
  Index num_actions() const noexcept { return num_actions_; }
  /// Number of atoms of the support.
  Index num_atoms() const noexcept { return z_.size(); }
  /// The atoms z_i = v_min + i*(v_max - v_min)/(K - 1).
  const support_vector& support() const noexcept { return z_; }
  /// The uniform support {v_min, v_max, num_atoms} given at construction.
  const UniformSupport& support_config() const noexcept { return config_; }

  /// Throws std::out_of_range naming `where` and `name` (and the value) if the state is not valid.
  void check_state(std::string_view where, std::string_view name, Index s) const {
    check_index(where, name, s, num_states());
  }
  /// Throws std::out_of_range naming `where` and `name` (and the value) if the action is not in [0, num_actions()).
  void check_action(std::string_view where, std::string_view name, Index a) const {
    check_index(where, name, a, num_actions_);
  }

  /// p(s, a, .) as a contiguous row view (no copy).
  auto probabilities(Index s, Index a = 0) const {
    check_state("CategoricalTable::probabilities", "state", s);
    check_action("CategoricalTable::probabilities", "action", a);
    return p_.row(row(s, a));
  }

  /// The mean sum_i p(s, a, i) z_i.
  Scalar mean(Index s, Index a = 0) const {
    check_state("CategoricalTable::mean", "state", s);
    check_action("CategoricalTable::mean", "action", a);
    return p_.row(row(s, a)).dot(z_.transpose());
  }

  /// Sets p(s, a, .) to `probs` (K entries, a probability vector: see
  /// check_probabilities). std::invalid_argument / std::out_of_range
  /// otherwise, and nothing changes.
  template <class Probs>
  void set_probabilities(Index s, Index a, const Eigen::DenseBase<Probs>& probs) {
    constexpr std::string_view where = "CategoricalTable::set_probabilities";
    check_state(where, "state", s);
    check_action(where, "action", a);
    check_size(where, "probs", probs.size(), z_.size());
    check_probabilities(where, "probs", probs);
    for (Index i = 0; i < z_.size(); ++i) p_(row(s, a), i) = static_cast<Scalar>(probs.derived().coeff(i));
  }

  /// Row of (s, a) in parameters(): s * num_actions + a (unchecked).
  Index row(Index s, Index a = 0) const noexcept { return s * num_actions_ + a; }

  /// The (S*A) x K row-major probabilities.
  const parameter_type& parameters() const noexcept { return p_; }
  /// The parameters, writable (see the const overload).
  parameter_type& parameters() noexcept { return p_; }

 private:
  UniformSupport config_;
  support_vector z_;
  parameter_type p_;
  Index num_actions_ = 1;
};

}  // namespace rlvalue
