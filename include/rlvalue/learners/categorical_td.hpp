#pragma once
/// @file
/// Categorical temporal-difference learning (Bellemare, Dabney, Munos 2017,
/// "A distributional perspective on reinforcement learning", arXiv:1707.06887;
/// tabular analysis: Rowland et al. 2018, arXiv:1802.08163):
///   target m = Pi_z( (r + gamma*z)_# p(s') )     (categorical_projection)
///   p(s) <- (1 - alpha) * p(s) + alpha * m       (a mixture: stays on the simplex)
/// CategoricalTD evaluates a policy (state distributions); CategoricalQLearning
/// is C51's control rule: p(s', a*) with a* = argmax_a mean p(s', a).
/// `terminated`: the target is a Dirac at r, projected (two-hot); `truncated`
/// bootstraps from s' as usual. When the support covers every target
/// (|r| + gamma*max|z| inside [v_min, v_max]) the mean follows TD(0) exactly:
/// mean(s) <- mean(s) + alpha*(r + gamma*mean(s') - mean(s)).

#include <Eigen/Core>
#include <string_view>

#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/risk_measures.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of the categorical learners: TDConfig ({.gamma, .step_size,
/// .schedule, .omega}); step_size must lie in (0, 1] (the update is a mixture).
using CategoricalTDConfig = TDConfig;

namespace detail {

/// What both categorical learners hold and the mixture step they share.
template <class Table>
class CategoricalCore {
 protected:
  using Scalar = typename Table::scalar_type;
  using vector_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  CategoricalCore(std::string_view where, Table& table,
                  const CategoricalTDConfig& config, Index slots)
      : table_(&table),
        config_(config),
        gamma_(checked_gamma<Scalar>(where, config.gamma)),
        steps_(where, config.step_size, config.schedule, config.omega, slots),
        shifted_(table.num_atoms()),
        target_(table.num_atoms()) {
    if (config.step_size > 1.0) [[unlikely]]
      fail_check(where, "step_size", config.step_size,
                 "is outside (0, 1] (the categorical update mixes p with its target)");
  }

  /// Writes the projected target of (reward, discount, next row) into
  /// target_ (next_row < 0: terminated, a Dirac at r). The reward must be
  /// finite (checked by the caller); r + gamma*z_i then clamps safely.
  void compute_target(Scalar reward, Scalar discount, Index next_row) {
    const auto& z = table_->support();
    if (next_row < 0)
      categorical_terminal_target(reward, z, target_);
    else
      categorical_bootstrap_target(reward, discount, z, table_->parameters().row(next_row),
                                   shifted_, target_);
  }

  /// p(row) <- (1 - alpha) p(row) + alpha * target_; returns the change of
  /// the mean divided by alpha, mean(target) - mean(p(row)).
  Scalar mix(Index row, Scalar alpha) {
    auto p = table_->parameters().row(row);
    const auto& z = table_->support();
    const Scalar error = target_.dot(z) - p.dot(z.transpose());
    p = (Scalar(1) - alpha) * p + alpha * target_.transpose();
    return error;
  }

  Table* table_;
  CategoricalTDConfig config_;
  Scalar gamma_;
  StepSize<Scalar> steps_;
  vector_type shifted_;  // r + gamma*z, allocated once
  vector_type target_;   // the projected target
};

}  // namespace detail

/// Categorical TD policy evaluation on a CategoricalTable<Scalar> with one action
/// (held by pointer; the caller keeps it alive). Config validated at
/// construction (std::invalid_argument naming the field).
template <class Table = CategoricalTable<double>>
class CategoricalTD : detail::CategoricalCore<Table> {
  using Core = detail::CategoricalCore<Table>;
  using Scalar = typename Table::scalar_type;

 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Table;
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// The config aggregate, validated at construction.
  using config_type = CategoricalTDConfig;
  /// The action is ignored.
  using transition_type = Transition<Index, Index, Scalar>;

  /// Binds the learner to `table` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  CategoricalTD(Table& table, const CategoricalTDConfig& config)
      : Core("CategoricalTD", table, config, table.num_states()) {
    if (table.num_actions() != 1) [[unlikely]]
      fail_check("CategoricalTD", "num_actions", table.num_actions(),
                 "must be 1 (state distributions; CategoricalQLearning takes action tables)");
  }
  CategoricalTD(Table&&, const CategoricalTDConfig&) = delete;

  /// One categorical TD step; returns mean(target) - mean(p(s)) (the TD error
  /// of the means when the support covers the target). std::out_of_range for
  /// a bad state or next_state, std::invalid_argument for a non-finite
  /// reward; a throwing update changes nothing.
  Scalar update(const transition_type& t) {
    constexpr std::string_view where = "CategoricalTD::update";
    this->table_->check_state(where, "state", t.state);
    this->table_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    this->compute_target(t.reward, this->gamma_, t.terminated ? Index(-1) : t.next_state);
    return this->mix(t.state, this->steps_.take(t.state));
  }

  /// The mean of p(s): the value estimate.
  Scalar value(Index s) const {
    this->table_->check_state("CategoricalTD::value", "state", s);
    return this->table_->mean(s);
  }
  /// p(s, .) (a row view).
  auto probabilities(Index s) const {
    this->table_->check_state("CategoricalTD::probabilities", "state", s);
    return this->table_->probabilities(s);
  }
  /// Lower-tail CVaR at level alpha of p(s) (see distribution_cvar).
  Scalar cvar(Index s, Scalar alpha) const {
    return distribution_cvar(this->table_->support(), probabilities(s).transpose(), alpha);
  }
  /// Visits counted by the per-visit step-size schedule (0 under a constant step size).
  Index visit_count(Index s) const {
    this->table_->check_state("CategoricalTD::visit_count", "state", s);
    return this->steps_.visits(s);
  }

  /// The approximator this learner updates (the caller's object).
  Table& approximator() noexcept { return *this->table_; }
  /// The approximator this learner updates (the caller's object).
  const Table& approximator() const noexcept { return *this->table_; }
  /// The config given at construction.
  const CategoricalTDConfig& config() const noexcept { return this->config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<Scalar>& step_sizes() const noexcept { return this->steps_; }
};

/// C51's categorical Q-learning on a CategoricalTable of S x A distributions:
/// a* = argmax_a' mean p(s', a') (ties to the lowest index), target
/// Pi_z((r + gamma*z)_# p(s', a*)), p(s, a) mixed towards it.
template <class Table = CategoricalTable<double>>
class CategoricalQLearning : detail::CategoricalCore<Table> {
  using Core = detail::CategoricalCore<Table>;
  using Scalar = typename Table::scalar_type;

 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Table;
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// The config aggregate, validated at construction.
  using config_type = CategoricalTDConfig;
  /// The transition type update() takes.
  using transition_type = Transition<Index, Index, Scalar>;

  /// Binds the learner to `table` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  CategoricalQLearning(Table& table, const CategoricalTDConfig& config)
      : Core("CategoricalQLearning", table, config, table.num_states() * table.num_actions()) {}
  CategoricalQLearning(Table&&, const CategoricalTDConfig&) = delete;

  /// One C51 step on (s, a); returns mean(target) - q(s, a). Errors as
  /// CategoricalTD::update (also naming "action").
  Scalar update(const transition_type& t) {
    constexpr std::string_view where = "CategoricalQLearning::update";
    const auto& tab = *this->table_;
    tab.check_state(where, "state", t.state);
    tab.check_action(where, "action", t.action);
    tab.check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    const Index next = t.terminated ? Index(-1) : tab.row(t.next_state, greedy(t.next_state));
    this->compute_target(t.reward, this->gamma_, next);
    const Index row = tab.row(t.state, t.action);
    return this->mix(row, this->steps_.take(row));
  }

  /// q(s, a) = mean of p(s, a).
  Scalar q(Index s, Index a) const {
    this->table_->check_state("CategoricalQLearning::q", "state", s);
    this->table_->check_action("CategoricalQLearning::q", "action", a);
    return this->table_->mean(s, a);
  }
  /// max_a q(s, a).
  Scalar value(Index s) const {
    this->table_->check_state("CategoricalQLearning::value", "state", s);
    return this->table_->mean(s, greedy(s));
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(Index s) const {
    this->table_->check_state("CategoricalQLearning::greedy_action", "state", s);
    return greedy(s);
  }
  /// p(s, a, .) (a row view).
  auto probabilities(Index s, Index a) const { return this->table_->probabilities(s, a); }
  /// Lower-tail CVaR at level alpha of p(s, a).
  Scalar cvar(Index s, Index a, Scalar alpha) const {
    return distribution_cvar(this->table_->support(), probabilities(s, a).transpose(), alpha);
  }
  /// argmax_a CVaR_alpha(p(s, a)), ties to the lowest index: the CVaR-greedy
  /// (risk-averse) action.
  Index cvar_greedy_action(Index s, Scalar alpha) const {
    this->table_->check_state("CategoricalQLearning::cvar_greedy_action", "state", s);
    Index best = 0;
    Scalar best_value = cvar(s, 0, alpha);
    for (Index a = 1; a < this->table_->num_actions(); ++a) {
      const Scalar c = cvar(s, a, alpha);
      if (c > best_value) {
        best_value = c;
        best = a;
      }
    }
    return best;
  }
  /// Visits counted by the per-visit step-size schedule (0 under a constant step size).
  Index visit_count(Index s, Index a) const {
    this->table_->check_state("CategoricalQLearning::visit_count", "state", s);
    this->table_->check_action("CategoricalQLearning::visit_count", "action", a);
    return this->steps_.visits(this->table_->row(s, a));
  }

  /// The approximator this learner updates (the caller's object).
  Table& approximator() noexcept { return *this->table_; }
  /// The approximator this learner updates (the caller's object).
  const Table& approximator() const noexcept { return *this->table_; }
  /// The config given at construction.
  const CategoricalTDConfig& config() const noexcept { return this->config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<Scalar>& step_sizes() const noexcept { return this->steps_; }

 private:
  Index greedy(Index s) const {
    const auto& tab = *this->table_;
    const auto& z = tab.support();
    Index best = 0;
    Scalar best_mean = tab.parameters().row(tab.row(s, 0)).dot(z.transpose());
    for (Index a = 1; a < tab.num_actions(); ++a) {
      const Scalar m = tab.parameters().row(tab.row(s, a)).dot(z.transpose());
      if (m > best_mean) {
        best_mean = m;
        best = a;
      }
    }
    return best;
  }
};

}  // namespace rlvalue
