#pragma once
/// @file
/// Greedy-GQ(0) (Maei, Szepesvari, Bhatnagar, Sutton, "Toward Off-Policy
/// Learning Control with Function Approximation", ICML 2010): gradient-TD
/// control of q(s, a; theta) = theta . phi(s, a) toward the greedy policy,
/// from any behaviour (the action is given, so no importance ratio is needed
/// at lambda = 0):
///   a*    = argmax_b q(s', b)                     (ties to the lowest index)
///   delta = r + gamma_t * theta.phi(s', a*) - theta.phi(s, a)
///   theta += alpha * (delta * phi(s, a) - gamma_t * (w.phi(s, a)) * phi(s', a*))
///   w     += beta * (delta - w.phi(s, a)) * phi(s, a)
/// gamma_t = 0 when `terminated`; `truncated` bootstraps. All from the weights
/// before the step. With tabular features the fixed point is Q*.

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of GreedyGQ.
struct GreedyGQConfig {
  double gamma = 1.0;                 ///< discount, in [0, 1]
  double step_size = 0.01;            ///< alpha > 0 (theta, the action values)
  double secondary_step_size = 0.01;  ///< beta > 0 (w, the secondary weights)
};

/// Greedy-GQ(0) on an action-value approximator (held by pointer).
template <ActionValueFunction Q>
class GreedyGQ {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = GreedyGQConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;
  /// Column vector type of the weights.
  using vector_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// std::invalid_argument for gamma outside [0, 1] or a step size <= 0.
  GreedyGQ(Q& q, const GreedyGQConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("GreedyGQ", config.gamma)),
        alpha_(positive(config.step_size, "step_size")),
        beta_(positive(config.secondary_step_size, "secondary_step_size")),
        w_(vector_type::Zero(static_cast<Index>(q.parameters().size()))),
        x_(make_gradient(q)),
        x_next_(make_gradient(q)) {}
  GreedyGQ(Q&&, const GreedyGQConfig&) = delete;  // would dangle

  /// One step; returns delta. Throws for a bad state, action or next_state,
  /// a non-finite reward, delta or w.phi; a throwing update changes nothing.
  scalar_type update(const transition_type& t) {
    static constexpr std::string_view where = "GreedyGQ::update";
    q_->check_state(where, "state", t.state);
    q_->check_action(where, "action", t.action);
    q_->check_state(where, "next_state", t.next_state);
    scalar_type* theta = q_->parameters().data();
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    scalar_type q_next = scalar_type(0);
    if (!t.terminated) {
      const Index best = argmax(q_->action_values(t.next_state));
      write_gradient(*q_, t.next_state, best, x_next_);
      q_next = gradient_dot(x_next_, static_cast<const scalar_type*>(theta));
    }
    write_gradient(*q_, t.state, t.action, x_);
    const scalar_type delta =
        td_error(gradient_dot(x_, static_cast<const scalar_type*>(theta)), t.reward, discount, q_next);
    detail::check_error_finite(where, t.reward, delta);
    detail::check_step_finite(where, alpha_ * delta);
    const scalar_type h = gradient_dot(x_, static_cast<const scalar_type*>(w_.data()));
    if (!std::isfinite(h)) [[unlikely]]
      fail_check(where, "h", h, "(secondary estimate w.phi) is not finite; nothing was updated");
    const scalar_type a_x = alpha_ * delta;
    const scalar_type a_next = t.terminated ? scalar_type(0) : -alpha_ * discount * h;
    const scalar_type b_x = beta_ * (delta - h);
    if (!(std::isfinite(a_next) && std::isfinite(b_x))) [[unlikely]]
      fail_check(where, "step", a_next + b_x, "overflowed; nothing was updated");
    if (!gradient_adds_stay_finite(static_cast<const scalar_type*>(theta), a_x, x_, a_next, x_next_))
        [[unlikely]]
      fail_check(where, "theta + step", a_x + a_next, "overflows a weight; nothing was updated");
    if (!gradient_adds_stay_finite(static_cast<const scalar_type*>(w_.data()), b_x, x_, scalar_type(0), x_))
        [[unlikely]]
      fail_check(where, "w + step", b_x, "overflows a secondary weight; nothing was updated");
    gradient_add(theta, a_x, x_);
    if (a_next != scalar_type(0)) gradient_add(theta, a_next, x_next_);
    gradient_add(w_.data(), b_x, x_);
    return delta;
  }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("GreedyGQ::q", "state", s);
    q_->check_action("GreedyGQ::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("GreedyGQ::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// Secondary weights w (w.phi(s, a) estimates E[delta | s, a]).
  const vector_type& secondary() const noexcept { return w_; }
  /// The secondary weights w, writable.
  vector_type& secondary() noexcept { return w_; }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const GreedyGQConfig& config() const noexcept { return config_; }

 private:
  static scalar_type positive(double x, std::string_view name) {
    check_positive("GreedyGQ", name, x);
    return static_cast<scalar_type>(x);
  }

  Q* q_;
  GreedyGQConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  scalar_type beta_;
  vector_type w_;
  decltype(make_gradient(std::declval<const Q&>())) x_;
  decltype(make_gradient(std::declval<const Q&>())) x_next_;
};

}  // namespace rlvalue
