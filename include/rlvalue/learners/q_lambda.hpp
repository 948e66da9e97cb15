#pragma once
/// @file
/// QLambda<Q, Trace>: Q(lambda) control with eligibility traces, two variants.
///
/// Watkins's Q(lambda) (Watkins 1989; Sutton & Barto 2nd ed. section 12.10):
///   delta = r + gamma * max_a' q(s', a') - q(s, a)
///   z = gamma*lambda*z + grad q(s, a)   (accumulating or replacing)
///   w += alpha * delta * z
///   then z = 0 if the next action a' is not greedy in s' (ties with the
///   maximum count as greedy), judged on q before this update.
/// Peng's Q(lambda) (Peng & Williams 1996, "Incremental multi-step
/// Q-learning"), with V(s) = max_a q(s, a), V(s') = 0 if `terminated`:
///   e' = r + gamma V(s') - V(s),   e = r + gamma V(s') - q(s, a)
///   z = gamma*lambda*z;  w += alpha*e'*z;  w += alpha*e*grad q(s, a);
///   z += grad q(s, a)   (traces are never cut)
/// Both clear the trace after `terminated` or `truncated`.

#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Which Q(lambda).
enum class QLambdaVariant { watkins, peng };

/// Config of QLambda (trace: accumulating or replacing).
struct QLambdaConfig {
  /// Discount gamma in [0, 1].
  double gamma = 1.0;
  /// Step size alpha > 0: the constant, or the scale of the per-visit schedule alpha_n = step_size / n^omega.
  double step_size = 0.1;
  /// Trace decay lambda in [0, 1].
  double lambda = 0.9;
  /// Trace type: accumulating, replacing or dutch.
  TraceType trace = TraceType::accumulating;
  /// Watkins (cut the trace after a non-greedy action) or Peng (never cut).
  QLambdaVariant variant = QLambdaVariant::watkins;
  double trace_tolerance = 1e-8;  ///< SparseTrace only
};

/// Watkins's or Peng's Q(lambda) on an action-value approximator held by pointer.
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
class QLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = QLambdaConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// std::invalid_argument for gamma or lambda outside [0, 1], step_size <= 0,
  /// dutch traces, replacing traces over dense features, an unknown variant.
  QLambda(Q& q, const QLambdaConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("QLambda", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("QLambda", config.lambda))),
        alpha_(detail::checked_step_size<scalar_type>("QLambda", config.step_size)),
        x_(make_gradient(q)),
        z_(static_cast<Index>(q.parameters().size()), config.trace_tolerance) {
    detail::check_trace_type("QLambda", config.trace, is_binary_gradient_v<decltype(x_)>);
    if (config.trace == TraceType::dutch)
      fail_check("QLambda", "trace", static_cast<int>(config.trace),
                 "(dutch) is not defined for Q(lambda); use accumulating or replacing");
    if (config.variant != QLambdaVariant::watkins && config.variant != QLambdaVariant::peng)
      fail_check("QLambda", "variant", static_cast<int>(config.variant), "is not a QLambdaVariant");
  }
  QLambda(Q&&, const QLambdaConfig&) = delete;

  /// One step with the next action a' (the action the behaviour policy takes
  /// in s'; range-checked even after a terminal step). Returns the TD error
  /// of (s, a): r + gamma max q(s', .) - q(s, a). A throwing update changes
  /// nothing.
  scalar_type update(const transition_type& t, Index next_action) {
    constexpr std::string_view where = "QLambda::update";
    q_->check_state(where, "state", t.state);
    q_->check_action(where, "action", t.action);
    q_->check_state(where, "next_state", t.next_state);
    q_->check_action(where, "next_action", next_action);
    scalar_type v_next = scalar_type(0);
    bool greedy_next = true;
    if (!t.terminated) {
      const auto next_row = q_->action_values(t.next_state);
      v_next = detail::max_coeff(next_row);
      greedy_next = !(next_row.coeff(next_action) < v_next);
    }
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    const scalar_type delta = td_error(q_->value(t.state, t.action), t.reward, discount, v_next);
    detail::check_error_finite(where, t.reward, delta);
    detail::check_step_finite(where, alpha_ * delta);
    scalar_type peng_delta = scalar_type(0);
    if (config_.variant == QLambdaVariant::peng) {
      peng_delta = td_error(detail::max_coeff(q_->action_values(t.state)), t.reward, discount, v_next);
      detail::check_error_finite(where, t.reward, peng_delta);
    }
    write_gradient(*q_, t.state, t.action, x_);
    scalar_type* w = q_->parameters().data();
    const scalar_type c = gamma_ * lambda_;
    const scalar_type g_sum = gradient_abs_sum<scalar_type>(x_);
    const scalar_type tb = detail::trace_bound_after(z_.bound(), add_rule(), c, alpha_, g_sum);
    if (config_.variant == QLambdaVariant::watkins) {
      const scalar_type k = alpha_ * delta;
      z_.guarded_step(where, tb, std::abs(k) * tb, "step_size * td_error", k, w,
                      [&](Trace& z, scalar_type* wt) {
                        z.decay(c);
                        add_current(z);
                        z.apply(k, wt);
                      });
      if (!greedy_next) z_.clear();
    } else {
      // Peng: w += alpha*peng_delta*(decayed z) + alpha*delta*x, then z += x.
      const scalar_type k = alpha_ * peng_delta;
      const scalar_type k_x = alpha_ * delta;
      const scalar_type sb = std::abs(k) * c * z_.bound() + std::abs(k_x) * g_sum;
      z_.guarded_step(where, tb, sb, "step_size * peng_error", k, w, [&](Trace& z, scalar_type* wt) {
        z.decay(c);
        z.apply(k, wt);
        gradient_add(wt, k_x, x_);
        add_current(z);
      });
    }
    if (t.terminated || t.truncated) z_.clear();
    return delta;
  }

  /// Clears the trace (call between episodes).
  void end_episode() noexcept { z_.clear(); }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("QLambda::q", "state", s);
    q_->check_action("QLambda::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("QLambda::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// The eligibility trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const QLambdaConfig& config() const noexcept { return config_; }

 private:
  // The rule adding the current gradient: replacing (binary features, if
  // configured) or accumulating.
  TraceType add_rule() const noexcept {
    if constexpr (is_binary_gradient_v<decltype(x_)>)
      if (config_.trace == TraceType::replacing) return TraceType::replacing;
    return TraceType::accumulating;
  }
  void add_current(Trace& z) const noexcept {
    if constexpr (is_binary_gradient_v<decltype(x_)>) {
      if (config_.trace == TraceType::replacing) {
        z.replace(x_);
        return;
      }
    }
    z.add(scalar_type(1), x_);
  }

  Q* q_;
  QLambdaConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const Q&>())) x_;
  Trace z_;
};

}  // namespace rlvalue
