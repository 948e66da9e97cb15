#pragma once
/// @file
/// Batch TD(0) and batch Monte Carlo (Sutton & Barto 2nd ed. 6.3, Figure 6.2):
/// the learner records every transition it is given; `train()` sweeps all of
/// them repeatedly, computing every increment with the value function held
/// fixed and applying their sum once per sweep,
///   w += sum_i alpha * delta_i * grad v(s_i),
/// until the summed absolute change of the parameters in a sweep is below
/// `.tolerance` or `.max_sweeps` sweeps have run.
///   BatchTD:          delta_i = r_i + gamma * (terminated_i ? 0 : v(s'_i)) - v(s_i).
///                     On a table it converges (small enough alpha) to the
///                     certainty-equivalence estimate of the recorded data,
///                     V = (I - gamma P^)^-1 r^ (Sutton 1988; S&B Example 6.4).
///   BatchMonteCarlo:  delta_i = G_i - v(s_i), every-visit, over the complete
///                     recorded episodes; G_T = 0 after a terminated
///                     transition and v(s_T) (current estimate) after a
///                     truncated one. On a table it converges to the sample
///                     average of the returns observed from each state.
/// Steps are applied one after another with semi_gradient_step, which is the
/// summed increment exactly for linear approximators (tables included) up to
/// floating-point rounding. `train()` needs a writable `parameters()` (Eigen
/// dense) to measure the change and to restore the parameters if it throws.

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/monte_carlo.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of BatchTD and BatchMonteCarlo (the book's values by default).
struct BatchConfig {
  double gamma = 1.0;        ///< discount, in [0, 1]
  double step_size = 0.001;  ///< alpha, > 0
  double tolerance = 1e-3;   ///< stop when a sweep changes the parameters by less (L1), > 0
  Index max_sweeps = 100000; ///< stop after this many sweeps, >= 1
};
/// Config of BatchTD.
using BatchTDConfig = BatchConfig;
/// Config of BatchMonteCarlo.
using BatchMonteCarloConfig = BatchConfig;

/// What `train()` did.
struct BatchTrainResult {
  Index sweeps = 0;        ///< sweeps run (0 when there is nothing to learn from)
  bool converged = false;  ///< the last sweep changed the parameters by less than tolerance
  double change = 0.0;     ///< summed absolute parameter change of the last sweep
};

namespace detail {

/// Recording, sweeping and validation shared by the batch learners. The
/// derived learner supplies `compute_errors()` (errors with v held fixed).
template <StateValueFunction V, class Derived>
class BatchLearner {
 public:
  using approximator_type = V;
  using scalar_type = typename V::scalar_type;
  using state_type = typename V::state_type;
  using config_type = BatchConfig;
  /// The action is ignored.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Runs sweeps until the change of a sweep is below tolerance or
  /// max_sweeps is reached. Throws std::invalid_argument (restoring the
  /// parameters they had when train() was called) if an error or the
  /// parameters become non-finite (divergence: step_size too large).
  BatchTrainResult train() {
    const std::string_view where = Derived::train_name;
    BatchTrainResult result;
    const std::size_t n = static_cast<const Derived&>(*this).num_learning_steps();
    if (n == 0) {
      result.converged = true;
      return result;
    }
    errors_.resize(n);
    start_ = v_->parameters();
    for (Index sweep = 1; sweep <= config_.max_sweeps; ++sweep) {
      if (!static_cast<Derived&>(*this).compute_errors(errors_)) [[unlikely]] {
        v_->parameters() = start_;
        fail_check(where, "sweep", sweep,
                   "produced a non-finite error (divergence or overflow); parameters restored");
      }
      before_ = v_->parameters();
      try {
        for (std::size_t i = 0; i < n; ++i)
          v_->semi_gradient_step(transitions_[i].state, alpha_ * errors_[i]);
      } catch (const std::invalid_argument&) {  // a step that would not be finite
        v_->parameters() = start_;
        fail_check(where, "sweep", sweep,
                   "made the parameters non-finite (divergence); parameters restored");
      }
      const double change = static_cast<double>((v_->parameters() - before_).cwiseAbs().sum());
      if (!std::isfinite(change)) [[unlikely]] {
        v_->parameters() = start_;
        fail_check(where, "sweep", sweep,
                   "made the parameters non-finite (divergence); parameters restored");
      }
      result.sweeps = sweep;
      result.change = change;
      if (change < config_.tolerance) {
        result.converged = true;
        break;
      }
    }
    return result;
  }

  /// Forgets every recorded transition.
  void clear() noexcept {
    transitions_.clear();
    num_episodes_ = 0;
  }

  /// Every recorded transition, in order.
  const std::vector<transition_type>& transitions() const noexcept { return transitions_; }
  Index num_transitions() const noexcept { return static_cast<Index>(transitions_.size()); }
  /// Recorded episodes closed by a terminated or truncated transition.
  Index num_episodes() const noexcept { return num_episodes_; }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state(Derived::value_name, "state", s);
    return v_->value(s);
  }

  V& approximator() noexcept { return *v_; }
  const V& approximator() const noexcept { return *v_; }
  const BatchConfig& config() const noexcept { return config_; }

 protected:
  using parameter_type = std::remove_cvref_t<decltype(std::declval<V&>().parameters())>;

  BatchLearner(V& v, const BatchConfig& config, std::string_view where)
      : v_(&v),
        config_(config),
        gamma_(checked_gamma<scalar_type>(where, config.gamma)),
        alpha_(checked_positive_as<scalar_type>(where, "step_size", config.step_size)) {
    check_positive(where, "tolerance", config.tolerance);
    check_at_least_one(where, "max_sweeps", config.max_sweeps);
  }

  /// Validates then records one transition (strong guarantee).
  void record(std::string_view where, const transition_type& t) {
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    transitions_.push_back(t);
    if (t.terminated || t.truncated) ++num_episodes_;
  }

  /// True if the last recorded transition left an episode open.
  bool episode_open() const noexcept {
    return !transitions_.empty() && !transitions_.back().terminated &&
           !transitions_.back().truncated;
  }

  V* v_;
  BatchConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  std::vector<transition_type> transitions_;
  Index num_episodes_ = 0;

 private:
  std::vector<scalar_type> errors_;
  parameter_type start_;
  parameter_type before_;
};

}  // namespace detail

/// Batch TD(0): records transitions (any order, episodes need not be
/// complete) and trains on all of them to the batch fixed point.
template <StateValueFunction V>
class BatchTD : public detail::BatchLearner<V, BatchTD<V>> {
  using Base = detail::BatchLearner<V, BatchTD<V>>;
  friend Base;

 public:
  using typename Base::scalar_type;
  using typename Base::transition_type;

  /// Validates gamma in [0, 1], step_size > 0, tolerance > 0, max_sweeps >= 1.
  BatchTD(V& v, const BatchTDConfig& config) : Base(v, config, "BatchTD") {}
  BatchTD(V&&, const BatchTDConfig&) = delete;  // would dangle

  /// Records a transition (nothing is learned until train()). Throws
  /// std::out_of_range naming "state" / "next_state", std::invalid_argument
  /// for a non-finite reward; nothing is recorded then.
  void add(const transition_type& t) { this->record("BatchTD::add", t); }

 private:
  static constexpr std::string_view train_name = "BatchTD::train";
  static constexpr std::string_view value_name = "BatchTD::value";

  std::size_t num_learning_steps() const noexcept { return this->transitions_.size(); }

  bool compute_errors(std::vector<scalar_type>& errors) const {
    const V& v = *this->v_;
    bool finite = true;
    for (std::size_t i = 0; i < this->transitions_.size(); ++i) {
      const transition_type& t = this->transitions_[i];
      const scalar_type discount = t.terminated ? scalar_type(0) : this->gamma_;
      const scalar_type v_next = t.terminated ? scalar_type(0) : v.value(t.next_state);
      errors[i] = td_error(v.value(t.state), t.reward, discount, v_next);
      finite = finite && std::isfinite(errors[i]);
    }
    return finite;
  }
};

/// Batch every-visit Monte Carlo: records episodes and trains on the
/// complete ones (those closed by a terminated or truncated transition; the
/// steps of a still-open episode wait until it is closed). Within an open
/// episode, a transition must start where the previous one ended.
template <StateValueFunction V>
class BatchMonteCarlo : public detail::BatchLearner<V, BatchMonteCarlo<V>> {
  using Base = detail::BatchLearner<V, BatchMonteCarlo<V>>;
  friend Base;

 public:
  using typename Base::scalar_type;
  using typename Base::transition_type;

  /// Validates gamma in [0, 1], step_size > 0, tolerance > 0, max_sweeps >= 1.
  BatchMonteCarlo(V& v, const BatchMonteCarloConfig& config)
      : Base(v, config, "BatchMonteCarlo") {}
  BatchMonteCarlo(V&&, const BatchMonteCarloConfig&) = delete;  // would dangle

  /// Records a transition. Throws std::out_of_range naming "state" /
  /// "next_state", std::invalid_argument for a non-finite reward or a state
  /// that does not continue the open episode; nothing is recorded then.
  void add(const transition_type& t) {
    constexpr std::string_view where = "BatchMonteCarlo::add";
    // Indices and reward first (as MonteCarlo::update), so an out-of-range
    // state is reported as such rather than as a discontinuity.
    this->v_->check_state(where, "state", t.state);
    this->v_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    if (this->episode_open()) {
      detail::check_continues(where, true, t.state, this->transitions_.back().next_state);
    }
    this->record(where, t);
  }

  /// Drops the steps of the open episode, if any.
  void discard_episode() noexcept {
    while (this->episode_open()) this->transitions_.pop_back();
  }

  /// Steps recorded in the open episode (not yet used by train()).
  Index pending_steps() const noexcept {
    return this->num_transitions() - static_cast<Index>(num_learning_steps());
  }

 private:
  static constexpr std::string_view train_name = "BatchMonteCarlo::train";
  static constexpr std::string_view value_name = "BatchMonteCarlo::value";

  // Transitions up to and including the last episode-closing one.
  std::size_t num_learning_steps() const noexcept {
    std::size_t n = this->transitions_.size();
    while (n > 0 && !this->transitions_[n - 1].terminated && !this->transitions_[n - 1].truncated)
      --n;
    return n;
  }

  // Returns backwards over each complete episode, with v held fixed.
  bool compute_errors(std::vector<scalar_type>& errors) const {
    const V& v = *this->v_;
    bool finite = true;
    scalar_type g = scalar_type(0);
    for (std::size_t i = errors.size(); i-- > 0;) {
      const transition_type& t = this->transitions_[i];
      if (t.terminated) {
        g = scalar_type(0);
      } else if (t.truncated) {
        g = v.value(t.next_state);
      }
      g = t.reward + this->gamma_ * g;
      errors[i] = g - v.value(t.state);
      finite = finite && std::isfinite(errors[i]);
    }
    return finite;
  }
};

}  // namespace rlvalue
