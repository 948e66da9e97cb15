#pragma once
/// @file
/// TrueOnlineSarsaLambda<Q, Trace>: true online SARSA(lambda) (van Seijen,
/// Mahmood, Pilarski, Machado, Sutton 2016, JMLR "True online temporal-
/// difference learning"; Sutton & Barto 2nd ed. section 12.8):
///   x = grad q(s, a), x' = grad q(s', a');  q = w.x, q' = w.x' (0 if terminated)
///   delta = r + gamma q' - q
///   z = gamma*lambda*z + (1 - alpha*gamma*lambda*z.x) x
///   w += alpha*(delta + q - q_old)*z - alpha*(q - q_old)*x;   q_old = q'
/// z = 0 and q_old = 0 after `terminated` or `truncated`.

#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of TrueOnlineSarsaLambda.
using TrueOnlineSarsaLambdaConfig = TrueOnlineConfig;

/// True online SARSA(lambda) on an action-value approximator held by pointer.
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
class TrueOnlineSarsaLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = TrueOnlineConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  TrueOnlineSarsaLambda(Q& q, const TrueOnlineConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("TrueOnlineSarsaLambda", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("TrueOnlineSarsaLambda", config.lambda))),
        alpha_(detail::checked_step_size<scalar_type>("TrueOnlineSarsaLambda", config.step_size)),
        x_(make_gradient(q)),
        x_next_(make_gradient(q)),
        z_(static_cast<Index>(q.parameters().size()), config.trace_tolerance) {}
  TrueOnlineSarsaLambda(Q&&, const TrueOnlineConfig&) = delete;

  /// One step with the next action a'; returns delta. Errors as
  /// SarsaLambda::update; a throwing update changes nothing.
  scalar_type update(const transition_type& t, Index next_action) {
    constexpr std::string_view where = "TrueOnlineSarsaLambda::update";
    q_->check_state(where, "state", t.state);
    q_->check_action(where, "action", t.action);
    q_->check_state(where, "next_state", t.next_state);
    q_->check_action(where, "next_action", next_action);
    scalar_type* w = q_->parameters().data();
    write_gradient(*q_, t.state, t.action, x_);
    const scalar_type q = gradient_dot(x_, static_cast<const scalar_type*>(w));
    scalar_type q_next = scalar_type(0);
    if (!t.terminated) {
      write_gradient(*q_, t.next_state, next_action, x_next_);
      q_next = gradient_dot(x_next_, static_cast<const scalar_type*>(w));
    }
    const scalar_type delta = td_error(q, t.reward, t.terminated ? scalar_type(0) : gamma_, q_next);
    detail::check_error_finite(where, t.reward, delta);
    // Dutch trace, then w += alpha*(delta + q - q_old)*z - alpha*(q - q_old)*x.
    const scalar_type c = gamma_ * lambda_;
    const scalar_type k = alpha_ * (delta + q - q_old_);
    const scalar_type k_x = -alpha_ * (q - q_old_);
    const scalar_type g_sum = gradient_abs_sum<scalar_type>(x_);
    const scalar_type tb = detail::trace_bound_after(z_.bound(), TraceType::dutch, c, alpha_, g_sum);
    z_.guarded_step("TrueOnlineSarsaLambda::update", tb, std::abs(k) * tb + std::abs(k_x) * g_sum,
                    "step_size * (td_error + q - q_old)", k, w, [&](Trace& z, scalar_type* wt) {
                      z.decay(c);
                      z.add(scalar_type(1) - alpha_ * z.dot(x_), x_);
                      z.apply(k, wt);
                      gradient_add(wt, k_x, x_);
                    });
    q_old_ = q_next;
    if (t.terminated || t.truncated) end_episode();
    return delta;
  }

  /// Clears the trace and the previous value (call between episodes).
  void end_episode() noexcept {
    z_.clear();
    q_old_ = scalar_type(0);
  }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("TrueOnlineSarsaLambda::q", "state", s);
    q_->check_action("TrueOnlineSarsaLambda::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("TrueOnlineSarsaLambda::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// The dutch trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const TrueOnlineConfig& config() const noexcept { return config_; }

 private:
  Q* q_;
  TrueOnlineConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const Q&>())) x_;
  decltype(make_gradient(std::declval<const Q&>())) x_next_;
  Trace z_;
  scalar_type q_old_ = scalar_type(0);
};

}  // namespace rlvalue
