#pragma once
/// @file
/// SarsaLambda<Q, Trace>: SARSA(lambda) with eligibility traces (Rummery &
/// Niranjan 1994; Sutton & Barto 2nd ed. section 12.7, semi-gradient form):
///   delta = r + gamma * q(s', a') - q(s, a)    (q(s', a') = 0 if `terminated`)
///   z = gamma*lambda*z + grad q(s, a)          (accumulating; replacing sets
///                                               the active entries to 1;
///                                               dutch as in eligibility_traces.hpp)
///   w += alpha * delta * z
/// The trace is cleared after `terminated` or `truncated` (which bootstraps).

#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of SarsaLambda: {.gamma, .step_size, .lambda, .trace}.
using SarsaLambdaConfig = TraceConfig;

/// SARSA(lambda) on an action-value approximator held by pointer.
/// Trace: DenseTrace (default) or SparseTrace (binary features, big tables).
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
class SarsaLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = SarsaLambdaConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// std::invalid_argument for gamma or lambda outside [0, 1], step_size <= 0,
  /// replacing traces over dense features, a bad tolerance.
  SarsaLambda(Q& q, const SarsaLambdaConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("SarsaLambda", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("SarsaLambda", config.lambda))),
        alpha_(detail::checked_step_size<scalar_type>("SarsaLambda", config.step_size)),
        x_(make_gradient(q)),
        z_(static_cast<Index>(q.parameters().size()), config.trace_tolerance) {
    detail::check_trace_type("SarsaLambda", config.trace, is_binary_gradient_v<decltype(x_)>);
  }
  SarsaLambda(Q&&, const SarsaLambdaConfig&) = delete;

  /// One SARSA(lambda) step with the next action a' (range-checked even after
  /// a terminal step); returns delta. Throws std::out_of_range /
  /// std::invalid_argument for bad indices or states, std::invalid_argument
  /// for a non-finite reward or error; a throwing update changes nothing.
  scalar_type update(const transition_type& t, Index next_action) {
    constexpr std::string_view where = "SarsaLambda::update";
    q_->check_state(where, "state", t.state);
    q_->check_action(where, "action", t.action);
    q_->check_state(where, "next_state", t.next_state);
    q_->check_action(where, "next_action", next_action);
    scalar_type* w = q_->parameters().data();
    write_gradient(*q_, t.state, t.action, x_);
    const scalar_type q_next = t.terminated ? scalar_type(0) : q_->value(t.next_state, next_action);
    const scalar_type delta = td_error(gradient_dot(x_, static_cast<const scalar_type*>(w)), t.reward,
                                       t.terminated ? scalar_type(0) : gamma_, q_next);
    detail::check_error_finite(where, t.reward, delta);
    detail::check_step_finite(where, alpha_ * delta);
    detail::trace_step(where, z_, config_.trace, gamma_ * lambda_, alpha_, x_, alpha_ * delta, w);
    if (t.terminated || t.truncated) z_.clear();
    return delta;
  }

  /// Clears the trace.
  void end_episode() noexcept { z_.clear(); }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("SarsaLambda::q", "state", s);
    q_->check_action("SarsaLambda::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("SarsaLambda::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// The eligibility trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const SarsaLambdaConfig& config() const noexcept { return config_; }

 private:
  Q* q_;
  SarsaLambdaConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const Q&>())) x_;
  Trace z_;
};

}  // namespace rlvalue
