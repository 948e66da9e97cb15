#pragma once
/// @file
/// TrueOnlineTDLambda<V, Trace>: true online TD(lambda) for linear (and
/// tabular) value functions (van Seijen & Sutton 2014, "True online
/// TD(lambda)"; van Seijen et al. 2016, JMLR; Sutton & Barto 2nd ed. section
/// 12.5), which reproduces the online lambda-return algorithm exactly:
///   v = w.x,  v' = w.x'  (v' = 0 when `terminated`),  delta = r + gamma v' - v
///   z = gamma*lambda*z + (1 - alpha*gamma*lambda*z.x) x          (dutch trace)
///   w += alpha*(delta + v - v_old)*z - alpha*(v - v_old)*x
///   v_old = v'
/// At a `terminated` or `truncated` transition the episode ends: z = 0,
/// v_old = 0 (truncation bootstraps from v' first).

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

/// Config of the true online learners (the trace is always dutch).
struct TrueOnlineConfig {
  double gamma = 1.0;      ///< in [0, 1]
  double step_size = 0.1;  ///< alpha > 0
  double lambda = 0.9;     ///< in [0, 1]
  double trace_tolerance = 1e-8;  ///< SparseTrace only
};
/// Config of TrueOnlineTDLambda.
using TrueOnlineTDLambdaConfig = TrueOnlineConfig;

/// True online TD(lambda) on a state-value approximator held by pointer.
template <StateValueFunction V, class Trace = DenseTrace<typename V::scalar_type>>
class TrueOnlineTDLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = TrueOnlineConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored

  /// std::invalid_argument for gamma or lambda outside [0, 1], step_size <= 0.
  TrueOnlineTDLambda(V& v, const TrueOnlineConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("TrueOnlineTDLambda", config.gamma)),
        lambda_(static_cast<scalar_type>(detail::checked_lambda("TrueOnlineTDLambda", config.lambda))),
        alpha_(checked_alpha(config.step_size)),
        x_(make_gradient(v)),
        x_next_(make_gradient(v)),
        z_(static_cast<Index>(v.parameters().size()), config.trace_tolerance) {}
  TrueOnlineTDLambda(V&&, const TrueOnlineConfig&) = delete;

  /// One step; returns delta. Errors as TDLambda::update; a throwing update
  /// changes nothing (weights, trace, v_old).
  scalar_type update(const transition_type& t) {
    v_->check_state("TrueOnlineTDLambda::update", "state", t.state);
    v_->check_state("TrueOnlineTDLambda::update", "next_state", t.next_state);
    scalar_type* w = v_->parameters().data();
    write_gradient(*v_, t.state, x_);
    const scalar_type v = gradient_dot(x_, static_cast<const scalar_type*>(w));
    scalar_type v_next = scalar_type(0);
    if (!t.terminated) {
      write_gradient(*v_, t.next_state, x_next_);
      v_next = gradient_dot(x_next_, static_cast<const scalar_type*>(w));
    }
    const scalar_type delta = td_error(v, t.reward, t.terminated ? scalar_type(0) : gamma_, v_next);
    detail::check_error_finite("TrueOnlineTDLambda::update", t.reward, delta);
    // Dutch trace, then w += alpha*(delta + v - v_old)*z - alpha*(v - v_old)*x.
    const scalar_type c = gamma_ * lambda_;
    const scalar_type k = alpha_ * (delta + v - v_old_);
    const scalar_type k_x = -alpha_ * (v - v_old_);
    const scalar_type g_sum = gradient_abs_sum<scalar_type>(x_);
    const scalar_type tb = detail::trace_bound_after(z_.bound(), TraceType::dutch, c, alpha_, g_sum);
    z_.guarded_step("TrueOnlineTDLambda::update", tb, std::abs(k) * tb + std::abs(k_x) * g_sum,
                    "step_size * (td_error + v - v_old)", k, w, [&](Trace& z, scalar_type* wt) {
                      z.decay(c);
                      z.add(scalar_type(1) - alpha_ * z.dot(x_), x_);
                      z.apply(k, wt);
                      gradient_add(wt, k_x, x_);
                    });
    v_old_ = v_next;
    if (t.terminated || t.truncated) end_episode();
    return delta;
  }

  /// Clears the trace and v_old (an episode abandoned without an end flag).
  void end_episode() noexcept {
    z_.clear();
    v_old_ = scalar_type(0);
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("TrueOnlineTDLambda::value", "state", s);
    return v_->value(s);
  }

  /// The dutch trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const TrueOnlineConfig& config() const noexcept { return config_; }

 private:
  static scalar_type checked_alpha(double step_size) {
    return checked_positive_as<scalar_type>("TrueOnlineTDLambda", "step_size", step_size);
  }

  V* v_;
  TrueOnlineConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const V&>())) x_;
  decltype(make_gradient(std::declval<const V&>())) x_next_;
  Trace z_;
  scalar_type v_old_ = scalar_type(0);
};

}  // namespace rlvalue
