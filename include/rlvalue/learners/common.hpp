#pragma once
// Pieces shared by the one-step learners (TD0, QLearning, Sarsa,
// ExpectedSarsa): their config, the finite-state-space test used for visit
// counts, the non-finite-error rejection, and the action-value learner base
// that holds the approximator, the config and the step sizes.

#include <cmath>
#include <concepts>
#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of the one-step TD learners. Fields are double whatever the
/// learner's scalar type (converted once, at construction), so
/// `{.gamma = g}` works for float learners too.
struct TDConfig {
  double gamma = 1.0;      ///< discount, in [0, 1]
  double step_size = 0.1;  ///< alpha (constant schedule) or its scale (per_visit), > 0
  StepSchedule schedule = StepSchedule::constant;  ///< see learners/step_size.hpp
  double omega = 1.0;      ///< per_visit exponent: alpha_n = step_size / n^omega, in (0, 1]
};
using TD0Config = TDConfig;
using QLearningConfig = TDConfig;
using SarsaConfig = TDConfig;
using ExpectedSarsaConfig = TDConfig;

/// Approximators whose states are the indices 0..num_states()-1: the ones a
/// learner can count visits for (per-visit step sizes, first-visit Monte
/// Carlo).
template <class F>
concept IndexedStateSpace =
    FiniteStateSpace<F> && std::convertible_to<typename F::state_type, Index>;

namespace detail {

/// Number of states a learner can count visits for (0: not a finite space).
template <class F>
Index countable_states(const F& f) {
  if constexpr (IndexedStateSpace<F>) {
    return static_cast<Index>(f.num_states());
  } else {
    return 0;
  }
}

/// Cold path of check_error_finite: names the reward if it is the culprit,
/// else the error.
template <class Scalar>
[[noreturn]] __attribute__((noinline, cold)) void reject_non_finite_error(std::string_view where,
                                                                         Scalar reward,
                                                                         Scalar error) {
  check_finite(where, "reward", reward);
  fail_check(where, "td_error", error,
             "is not finite (the target overflowed or a value is not finite); nothing was "
             "updated");
}

/// Throws std::invalid_argument (naming "reward" when the reward is not
/// finite, else "td_error") unless `error` is finite. A non-finite reward
/// always gives a non-finite error, so one branch covers both on the hot path.
template <class Scalar>
inline void check_error_finite(std::string_view where, Scalar reward, Scalar error) {
  if (!std::isfinite(error)) [[unlikely]]
    reject_non_finite_error(where, reward, error);
}

/// gamma after checking it lies in [0, 1].
template <class Scalar>
Scalar checked_gamma(std::string_view where, double gamma) {
  check_unit_interval(where, "gamma", gamma);
  return static_cast<Scalar>(gamma);
}

/// What an action-value learner holds: a pointer to the caller's approximator,
/// its config and step sizes. `Names` gives the learner's name for messages.
template <ActionValueFunction Q, class Names>
class ActionValueLearner {
 public:
  using approximator_type = Q;
  using scalar_type = typename Q::scalar_type;
  using state_type = typename Q::state_type;
  using config_type = TDConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// q(s, a). Throws std::out_of_range naming "state" or "action".
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state(Names::q, "state", s);
    q_->check_action(Names::q, "action", a);
    return q_->value(s, a);
  }

  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state(Names::greedy_action, "state", s);
    return argmax(q_->action_values(s));
  }

  /// Visits of (s, a) counted by the per-visit schedule (0 under constant).
  Index visit_count(const state_type& s, Index a) const {
    q_->check_state(Names::visit_count, "state", s);
    q_->check_action(Names::visit_count, "action", a);
    return steps_.visits(slot(s, a));
  }

  Q& approximator() noexcept { return *q_; }
  const Q& approximator() const noexcept { return *q_; }
  const TDConfig& config() const noexcept { return config_; }
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 protected:
  ActionValueLearner(Q& q, const TDConfig& config)
      : q_(&q),
        config_(config),
        gamma_(checked_gamma<scalar_type>(Names::construct, config.gamma)),
        steps_(Names::construct, config.step_size, config.schedule, config.omega,
               countable_states(q) * static_cast<Index>(q.num_actions())) {}

  /// Range checks of transition indices: state, action, next_state.
  void check_transition(const transition_type& t) const {
    q_->check_state(Names::update, "state", t.state);
    q_->check_action(Names::update, "action", t.action);
    q_->check_state(Names::update, "next_state", t.next_state);
  }

  /// gamma, or 0 when s' is terminal (no bootstrap; truncation bootstraps).
  scalar_type discount(const transition_type& t) const noexcept {
    return t.terminated ? scalar_type(0) : gamma_;
  }

  /// Rejects a non-finite error, then q(s, a) += alpha * error with alpha
  /// from the schedule (the visit is counted only once the update is valid).
  scalar_type apply(const transition_type& t, scalar_type error) {
    check_error_finite(Names::update, t.reward, error);
    const scalar_type alpha = steps_.take(slot(t.state, t.action));
    q_->semi_gradient_step(t.state, t.action, alpha * error);
    return error;
  }

  Index slot(const state_type& s, Index a) const noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      return static_cast<Index>(s) * static_cast<Index>(q_->num_actions()) + a;
    } else {
      return 0;
    }
  }

  Q* q_;
  TDConfig config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
};

}  // namespace detail

}  // namespace rlvalue
