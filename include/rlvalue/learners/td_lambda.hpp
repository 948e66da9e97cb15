#pragma once
// TDLambda<V, Trace>: semi-gradient TD(lambda) with eligibility traces, the
// backward view (Sutton 1988; Sutton & Barto 2nd ed. section 12.2, eqs.
// 12.5-12.7; dutch traces: van Seijen & Sutton 2014, S&B eq. 12.11):
//   delta = r + gamma * v(s') - v(s)     (v(s') = 0 when `terminated`)
//   z     = gamma*lambda*z + x(s)        (accumulating; replacing / dutch
//                                         per learners/eligibility_traces.hpp)
//   w    += alpha * delta * z
// The trace is cleared after a `terminated` or `truncated` transition
// (truncation still bootstraps from v(s')). Transitions of one episode must
// come in order; the next update after an end starts a new episode.
// lambda = 0 is TD(0) exactly (up to rounding).

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

/// Config of the trace learners (TDLambda, SarsaLambda, QLambda).
struct TraceConfig {
  double gamma = 1.0;       ///< discount, in [0, 1]
  double step_size = 0.1;   ///< alpha > 0
  double lambda = 0.9;      ///< trace decay, in [0, 1]
  /// Trace type: accumulating, replacing or dutch.
  TraceType trace = TraceType::accumulating;
  double trace_tolerance = 1e-8;  ///< SparseTrace: entries below are dropped (>= 0)
};
/// Config of TDLambda: {.gamma, .step_size, .lambda, .trace}.
using TDLambdaConfig = TraceConfig;

/// TD(lambda) on a state-value approximator held by pointer (the caller keeps
/// it alive). Trace: DenseTrace (default) or SparseTrace (binary features).
template <StateValueFunction V, class Trace = DenseTrace<typename V::scalar_type>>
class TDLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = TDLambdaConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored

  /// std::invalid_argument for gamma or lambda outside [0, 1], step_size <= 0,
  /// a replacing trace over dense features, a bad tolerance.
  TDLambda(V& v, const TDLambdaConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("TDLambda", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("TDLambda", config.lambda))),
        alpha_(checked_alpha(config.step_size)),
        x_(make_gradient(v)),
        x_next_(make_gradient(v)),
        z_(static_cast<Index>(v.parameters().size()), config.trace_tolerance) {
    detail::check_trace_type("TDLambda", config.trace, is_binary_gradient_v<decltype(x_)>);
  }
  TDLambda(V&&, const TDLambdaConfig&) = delete;  // would dangle

  /// One TD(lambda) step; returns delta. Throws std::out_of_range /
  /// std::invalid_argument for a bad state or next_state (the approximator's
  /// check) and std::invalid_argument for a non-finite reward or error; a
  /// throwing update changes nothing (weights, trace).
  scalar_type update(const transition_type& t) {
    v_->check_state("TDLambda::update", "state", t.state);
    v_->check_state("TDLambda::update", "next_state", t.next_state);
    // v(s) = w . x(s) from the gradient buffer (one feature computation).
    scalar_type* w = v_->parameters().data();
    write_gradient(*v_, t.state, x_);
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    // v(s') from a second gradient buffer: next_state is checked above.
    scalar_type v_next = scalar_type(0);
    if (!t.terminated) {
      write_gradient(*v_, t.next_state, x_next_);
      v_next = gradient_dot(x_next_, static_cast<const scalar_type*>(w));
    }
    const scalar_type delta =
        td_error(gradient_dot(x_, static_cast<const scalar_type*>(w)), t.reward, discount, v_next);
    detail::check_error_finite("TDLambda::update", t.reward, delta);
    detail::check_step_finite("TDLambda::update", alpha_ * delta);
    detail::trace_step("TDLambda::update", z_, config_.trace, gamma_ * lambda_, alpha_, x_, alpha_ * delta, w);
    if (t.terminated || t.truncated) z_.clear();
    return delta;
  }

  /// Clears the trace (an episode abandoned without a terminal transition).
  void end_episode() noexcept { z_.clear(); }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("TDLambda::value", "state", s);
    return v_->value(s);
  }

  /// The eligibility trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const TDLambdaConfig& config() const noexcept { return config_; }

 private:
  static scalar_type checked_alpha(double step_size) {
    return checked_positive_as<scalar_type>("TDLambda", "step_size", step_size);
  }

  V* v_;
  TDLambdaConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const V&>())) x_;
  decltype(make_gradient(std::declval<const V&>())) x_next_;
  Trace z_;
};

}  // namespace rlvalue
