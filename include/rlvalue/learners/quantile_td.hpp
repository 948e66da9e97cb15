#pragma once
/// @file
/// Quantile temporal-difference learning (QTD; Rowland et al. 2023, "The
/// statistical benefits of quantile temporal-difference learning for value
/// estimation", ICML, arXiv:2305.18388; Dabney et al. 2018, arXiv:1710.10044):
/// m estimates theta(x, i) at levels tau_i = (2i + 1)/(2m) (0-based), and for
/// a transition (x, r, x') with targets y_j = r + gamma * theta(x', j):
///   theta(x, i) += alpha/m * sum_j [tau_i - 1{y_j < theta(x, i)}]
/// (kappa = 0), or with the Huber derivative of Dabney et al. (kappa > 0):
///   theta(x, i) += alpha/m * sum_j |tau_i - 1{u_j < 0}| * clamp(u_j, -kappa, kappa)/kappa,
///   u_j = y_j - theta(x, i).
/// Either way each estimate moves by at most alpha, whatever the reward scale.
/// `terminated`: every target is r; `truncated` bootstraps from x'. The value
/// estimate is the mean of the estimates (biased in general; the bias shrinks
/// with m). The targets are sorted into a buffer allocated at construction, so
/// an update costs O(m log m) and never allocates.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>

#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/distributional_losses.hpp"
#include "rlvalue/targets/risk_measures.hpp"

namespace rlvalue {

/// Config of QuantileTD / QuantileQLearning. Fields are double whatever the
/// scalar type; validated at construction.
struct QuantileTDConfig {
  double gamma = 1.0;      ///< discount, in [0, 1]
  double step_size = 0.1;  ///< alpha (or its scale under per_visit), > 0
  StepSchedule schedule = StepSchedule::constant;  ///< see learners/step_size.hpp
  double omega = 1.0;      ///< per_visit exponent, in (0, 1]
  double kappa = 0.0;      ///< Huber threshold; 0: QTD's plain quantile step, >= 0
};

namespace detail {

/// What both quantile learners hold, and the QTD step they share.
template <class Table>
class QuantileCore {
 protected:
  using Scalar = typename Table::scalar_type;
  using vector_type = Eigen::Matrix<Scalar, Eigen::Dynamic, 1>;

  QuantileCore(std::string_view where, Table& table, const QuantileTDConfig& config, Index slots)
      : table_(&table),
        config_(config),
        gamma_(checked_gamma<Scalar>(where, config.gamma)),
        kappa_(static_cast<Scalar>(config.kappa)),
        steps_(where, config.step_size, config.schedule, config.omega, slots),
        targets_(table.num_quantiles()),
        prefix_(table.num_quantiles() + 1),
        increments_(table.num_quantiles()) {
    if (!(config.kappa >= 0.0 && std::isfinite(config.kappa))) [[unlikely]]
      fail_check(where, "kappa", config.kappa, "must be finite and >= 0 (0: no Huber smoothing)");
    if (!std::isfinite(kappa_)) [[unlikely]]
      fail_check(where, "kappa", config.kappa, "is not finite in the learner's scalar type");
  }

  /// Fills targets_ with r + discount * theta(next_row, j) (all r when
  /// next_row < 0: terminated) and sorts them. Throws std::invalid_argument
  /// naming "reward" or "target" if one is not finite (nothing written).
  void compute_targets(std::string_view where, Scalar reward, Index next_row) {
    check_finite(where, "reward", reward);
    if (next_row < 0) {
      targets_.setConstant(reward);
      return;
    }
    targets_.transpose() = reward + gamma_ * table_->parameters().row(next_row).array();
    for (Index j = 0; j < targets_.size(); ++j)
      if (!std::isfinite(targets_[j])) [[unlikely]]
        fail_check(where, "target", targets_[j],
                   "is not finite (r + gamma*theta overflowed); nothing was updated");
    std::sort(targets_.data(), targets_.data() + targets_.size());
  }

  /// Applies the QTD step with the sorted targets_ to theta(row, .); returns
  /// mean(targets) - mean(theta(row)) before the step (the TD error of the
  /// value estimates).
  Scalar step(std::string_view where, Index row, Scalar alpha) {
    auto theta = table_->parameters().row(row);
    const Index m = theta.size();
    const Scalar* y = targets_.data();
    const Scalar inv_m = Scalar(1) / static_cast<Scalar>(m);
    const Scalar error = targets_.mean() - theta.mean();
    if (kappa_ == Scalar(0)) {
      for (Index i = 0; i < m; ++i) {
        // #{j : y_j < theta_i} by binary search in the sorted targets.
        const Index below = static_cast<Index>(std::lower_bound(y, y + m, theta[i]) - y);
        increments_[i] = alpha * (quantile_midpoint<Scalar>(i, m) -
                                  static_cast<Scalar>(below) * inv_m);
      }
    } else {
      // Prefix sums of the sorted targets give each sum over a range in O(1).
      prefix_[0] = Scalar(0);
      for (Index j = 0; j < m; ++j) prefix_[j + 1] = prefix_[j] + y[j];
      const Scalar k = kappa_;
      for (Index i = 0; i < m; ++i) {
        const Scalar th = theta[i], tau = quantile_midpoint<Scalar>(i, m);
        const Index a = static_cast<Index>(std::lower_bound(y, y + m, th - k) - y);  // u < -k
        const Index b = static_cast<Index>(std::lower_bound(y + a, y + m, th) - y);  // u < 0
        const Index c = static_cast<Index>(std::upper_bound(y + b, y + m, th + k) - y);  // u <= k
        Scalar inner_below = (prefix_[b] - prefix_[a]) - static_cast<Scalar>(b - a) * th;
        Scalar inner_above = (prefix_[c] - prefix_[b]) - static_cast<Scalar>(c - b) * th;
        Scalar sum = (Scalar(1) - tau) * (inner_below / k - static_cast<Scalar>(a)) +
                     tau * (inner_above / k + static_cast<Scalar>(m - c));
        // Every target contributes at most 1 in magnitude, so |sum| <= m; a
        // sum beyond that (or not finite) means the prefix sums overflowed
        // (targets near the largest finite value): sum the ranges directly,
        // each term (y_j - theta_i) / kappa lying in [-1, 1].
        if (!(std::abs(sum) <= static_cast<Scalar>(m))) [[unlikely]] {
          inner_below = Scalar(0);
          inner_above = Scalar(0);
          for (Index j = a; j < b; ++j) inner_below += (y[j] - th) / k;
          for (Index j = b; j < c; ++j) inner_above += (y[j] - th) / k;
          sum = (Scalar(1) - tau) * (inner_below - static_cast<Scalar>(a)) +
                tau * (inner_above + static_cast<Scalar>(m - c));
        }
        increments_[i] = alpha * sum * inv_m;
      }
    }
    for (Index i = 0; i < m; ++i)
      if (!std::isfinite(theta[i] + increments_[i])) [[unlikely]]
        fail_check(where, "theta + step", theta[i] + increments_[i],
                   "is not finite (an estimate overflowed); nothing was updated");
    theta += increments_.transpose();
    return error;
  }

  Table* table_;
  QuantileTDConfig config_;
  Scalar gamma_;
  Scalar kappa_;
  StepSize<Scalar> steps_;
  vector_type targets_;     // sorted targets, allocated once
  vector_type prefix_;      // prefix sums of targets_ (Huber step)
  vector_type increments_;  // the step of each estimate
};

}  // namespace detail

/// QTD policy evaluation on a QuantileTable with one action (held by pointer;
/// the caller keeps it alive). Config: QuantileTDConfig.
template <class Table = QuantileTable<double>>
class QuantileTD : detail::QuantileCore<Table> {
  using Core = detail::QuantileCore<Table>;
  using Scalar = typename Table::scalar_type;

 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Table;
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// The config aggregate, validated at construction.
  using config_type = QuantileTDConfig;
  /// The action is ignored.
  using transition_type = Transition<Index, Index, Scalar>;

  /// Binds the learner to `table` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  QuantileTD(Table& table, const QuantileTDConfig& config)
      : Core("QuantileTD", table, config, table.num_states()) {
    if (table.num_actions() != 1) [[unlikely]]
      fail_check("QuantileTD", "num_actions", table.num_actions(),
                 "must be 1 (state quantiles; QuantileQLearning takes action tables)");
  }
  QuantileTD(Table&&, const QuantileTDConfig&) = delete;

  /// One QTD step; returns r + gamma*mean theta(s') - mean theta(s) (terminal:
  /// r - mean theta(s)). std::out_of_range for a bad state or next_state,
  /// std::invalid_argument for a non-finite reward or target; a throwing
  /// update changes nothing.
  Scalar update(const transition_type& t) {
    constexpr std::string_view where = "QuantileTD::update";
    this->table_->check_state(where, "state", t.state);
    this->table_->check_state(where, "next_state", t.next_state);
    this->compute_targets(where, t.reward, t.terminated ? Index(-1) : t.next_state);
    Scalar error = Scalar(0);
    this->steps_.take_and_apply(t.state,
                                [&](Scalar alpha) { error = this->step(where, t.state, alpha); });
    return error;
  }

  /// The value estimate: the mean of theta(s, .).
  Scalar value(Index s) const {
    this->table_->check_state("QuantileTD::value", "state", s);
    return this->table_->mean(s);
  }
  /// theta(s, .) (a row view).
  auto quantiles(Index s) const {
    this->table_->check_state("QuantileTD::quantiles", "state", s);
    return this->table_->quantiles(s);
  }
  /// Lower-tail CVaR at level alpha of the estimates (1/m each).
  Scalar cvar(Index s, Scalar alpha) const {
    const auto theta = quantiles(s);
    return distribution_cvar(
        theta.transpose(),
        Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Constant(theta.size(), Scalar(1) / Scalar(theta.size())),
        alpha);
  }
  /// Visits counted by the per-visit step-size schedule (0 under a constant step size).
  Index visit_count(Index s) const {
    this->table_->check_state("QuantileTD::visit_count", "state", s);
    return this->steps_.visits(s);
  }

  /// The approximator this learner updates (the caller's object).
  Table& approximator() noexcept { return *this->table_; }
  /// The approximator this learner updates (the caller's object).
  const Table& approximator() const noexcept { return *this->table_; }
  /// The config given at construction.
  const QuantileTDConfig& config() const noexcept { return this->config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<Scalar>& step_sizes() const noexcept { return this->steps_; }
};

/// Quantile Q-learning on a QuantileTable of S x A estimate sets: a* =
/// argmax_a' mean theta(s', a') (ties to the lowest index), targets
/// r + gamma * theta(s', a*, j), the QTD step on theta(s, a, .).
template <class Table = QuantileTable<double>>
class QuantileQLearning : detail::QuantileCore<Table> {
  using Core = detail::QuantileCore<Table>;
  using Scalar = typename Table::scalar_type;

 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Table;
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// Type of a state.
  using state_type = Index;
  /// The config aggregate, validated at construction.
  using config_type = QuantileTDConfig;
  /// The transition type update() takes.
  using transition_type = Transition<Index, Index, Scalar>;

  /// Binds the learner to `table` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  QuantileQLearning(Table& table, const QuantileTDConfig& config)
      : Core("QuantileQLearning", table, config, table.num_states() * table.num_actions()) {}
  QuantileQLearning(Table&&, const QuantileTDConfig&) = delete;

  /// One step on (s, a); returns mean(targets) - q(s, a). Errors as
  /// QuantileTD::update (also naming "action").
  Scalar update(const transition_type& t) {
    constexpr std::string_view where = "QuantileQLearning::update";
    const auto& tab = *this->table_;
    tab.check_state(where, "state", t.state);
    tab.check_action(where, "action", t.action);
    tab.check_state(where, "next_state", t.next_state);
    const Index next = t.terminated ? Index(-1) : tab.row(t.next_state, greedy(t.next_state));
    this->compute_targets(where, t.reward, next);
    const Index row = tab.row(t.state, t.action);
    Scalar error = Scalar(0);
    this->steps_.take_and_apply(row, [&](Scalar alpha) { error = this->step(where, row, alpha); });
    return error;
  }

  /// q(s, a) = mean of theta(s, a, .).
  Scalar q(Index s, Index a) const {
    this->table_->check_state("QuantileQLearning::q", "state", s);
    this->table_->check_action("QuantileQLearning::q", "action", a);
    return this->table_->mean(s, a);
  }
  /// max_a q(s, a).
  Scalar value(Index s) const {
    this->table_->check_state("QuantileQLearning::value", "state", s);
    return this->table_->mean(s, greedy(s));
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(Index s) const {
    this->table_->check_state("QuantileQLearning::greedy_action", "state", s);
    return greedy(s);
  }
  /// theta(s, a, .) (a row view).
  auto quantiles(Index s, Index a) const { return this->table_->quantiles(s, a); }
  /// Lower-tail CVaR at level alpha of theta(s, a, .) (1/m each).
  Scalar cvar(Index s, Index a, Scalar alpha) const {
    const auto theta = quantiles(s, a);
    return distribution_cvar(
        theta.transpose(),
        Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Constant(theta.size(), Scalar(1) / Scalar(theta.size())),
        alpha);
  }
  /// argmax_a CVaR_alpha(theta(s, a, .)), ties to the lowest index.
  Index cvar_greedy_action(Index s, Scalar alpha) const {
    this->table_->check_state("QuantileQLearning::cvar_greedy_action", "state", s);
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
    this->table_->check_state("QuantileQLearning::visit_count", "state", s);
    this->table_->check_action("QuantileQLearning::visit_count", "action", a);
    return this->steps_.visits(this->table_->row(s, a));
  }

  /// The approximator this learner updates (the caller's object).
  Table& approximator() noexcept { return *this->table_; }
  /// The approximator this learner updates (the caller's object).
  const Table& approximator() const noexcept { return *this->table_; }
  /// The config given at construction.
  const QuantileTDConfig& config() const noexcept { return this->config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<Scalar>& step_sizes() const noexcept { return this->steps_; }

 private:
  Index greedy(Index s) const {
    const auto& tab = *this->table_;
    Index best = 0;
    Scalar best_mean = tab.parameters().row(tab.row(s, 0)).sum();
    for (Index a = 1; a < tab.num_actions(); ++a) {
      const Scalar m = tab.parameters().row(tab.row(s, a)).sum();
      if (m > best_mean) {
        best_mean = m;
        best = a;
      }
    }
    return best;
  }
};

}  // namespace rlvalue
