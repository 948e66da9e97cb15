#pragma once
/// @file
/// Robust Bellman losses in saddle-point form (Patterson, Liao, White,
/// "Robust Losses for Learning Value Functions", arXiv:2205.08464): the
/// squared, Huber and absolute losses of the expected TD error, learned with
/// a secondary weight vector theta, off-policy through importance ratios rho.
///
/// Derivation. Let dbar_w(s) = E[delta | S = s], delta = r + gamma_t w.x' - w.x,
/// and J(w) = E_S[ l(dbar_w(S)) ] for a convex loss l. By Fenchel duality
/// l(v) = max_{h in dom l*} [h v - l*(h)], and since the maximising h may
/// depend on S only, the tower property gives the saddle point
///   J(w) = max_{h(.)} E[ h(S) * delta - l*(h(S)) ],
///   squared:  l*(h) = h^2/2,                 h*(v) = v           (l = v^2/2)
///   Huber:    l*(h) = h^2/2 on |h| <= tau,   h*(v) = clip(v, -tau, tau)
///                                            (l = v^2/2 if |v| <= tau, else tau|v| - tau^2/2)
///   absolute: l*(h) = 0 on |h| <= 1,         h*(v) = sign(v)     (l = |v|)
/// where h*(v) = argmax_h [h v - l*(h)] = l'(v). By the envelope theorem the
/// gradient of J is E[h*(dbar(S)) grad_w delta] = -E[h*(dbar(S)) (x - gamma_t x')],
/// so the primary step is
///   w += alpha * rho * h * (x - gamma_t * x'),   h = h*(d),  d = theta.x.
/// The inner maximisation is pointwise in S. For the squared loss its
/// stochastic ascent on h = theta.x is theta += beta*rho*(delta - theta.x)*x,
/// a least-squares regression of delta on x, whose limit is d = dbar (the
/// projection of dbar on the features). For Huber the constrained maximiser
/// of the concave quadratic h v - h^2/2 over [-tau, tau] is the projection of
/// the unconstrained one, clip(v, -tau, tau); for the absolute loss the
/// objective h v is linear and its maximiser over [-1, 1] is sign(v). We
/// therefore keep theta as the unconstrained regression (the same secondary
/// update for every loss) and apply h*(.) to d = theta.x: clipping (Huber) or
/// the sign (absolute) of the regression, instead of constraining theta
/// (a constraint |theta.x(s)| <= tau for all s has no cheap projection for
/// general features). With the squared loss this is GTD2 exactly; with Huber
/// and tau above every |theta.x| it equals the squared loss exactly.
/// (Which of clipping or squashing the paper uses, and its step-size ratios,
/// are not reproduced here; the scheme above is derived, not copied.)
///
///   d = theta.x,  h = h*(d)
///   theta += beta * rho * (delta - d) * x
///   w     += alpha * rho * h * (x - gamma_t * x')
/// Both computed from the weights before the step; `truncated` bootstraps.

#include <Eigen/Core>
#include <algorithm>
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

/// Which Bellman loss l(E[delta | S]) RobustBellman minimises.
enum class BellmanLoss {
  squared,   ///< l(v) = v^2/2; h = d (GTD2)
  huber,     ///< l(v) = Huber_tau(v); h = clip(d, -tau, tau)
  absolute,  ///< l(v) = |v|; h = sign(d)
};

/// Config of RobustBellman.
struct RobustBellmanConfig {
  double gamma = 1.0;                 ///< discount, in [0, 1]
  double step_size = 0.01;            ///< alpha > 0 (primary weights w)
  double secondary_step_size = 0.01;  ///< beta > 0 (secondary weights theta)
  /// The Bellman loss minimised (BellmanLoss).
  BellmanLoss loss = BellmanLoss::huber;
  double tau = 1.0;  ///< Huber threshold > 0 (ignored by squared and absolute)
};

/// h*(d) = l'(d): d, clip(d, -tau, tau) or sign(d) (0 at 0).
template <class Scalar>
Scalar bellman_loss_derivative(BellmanLoss loss, Scalar d, Scalar tau) noexcept {
  switch (loss) {
    case BellmanLoss::squared: return d;
    case BellmanLoss::huber: return std::clamp(d, -tau, tau);
    case BellmanLoss::absolute: return Scalar((d > Scalar(0)) - (d < Scalar(0)));
  }
  return d;
}

/// Saddle-point learner of a robust Bellman loss on a linear state-value
/// approximator (held by pointer; the caller keeps it alive).
template <StateValueFunction V>
class RobustBellman {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = RobustBellmanConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored
  /// Column vector type of the weights.
  using vector_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// std::invalid_argument for gamma outside [0, 1], a step size or tau <= 0.
  RobustBellman(V& v, const RobustBellmanConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("RobustBellman", config.gamma)),
        alpha_(positive(config.step_size, "step_size")),
        beta_(positive(config.secondary_step_size, "secondary_step_size")),
        tau_(positive(config.tau, "tau")),
        theta_(vector_type::Zero(static_cast<Index>(v.parameters().size()))),
        x_(make_gradient(v)),
        x_next_(make_gradient(v)) {
    if (config.loss != BellmanLoss::squared && config.loss != BellmanLoss::huber &&
        config.loss != BellmanLoss::absolute)
      fail_check("RobustBellman", "loss", static_cast<int>(config.loss), "is not a BellmanLoss");
  }
  RobustBellman(V&&, const RobustBellmanConfig&) = delete;  // would dangle

  /// One saddle-point step with importance ratio rho (>= 0, finite). Returns
  /// delta. Throws for a bad state or next_state, a negative or non-finite
  /// rho, a non-finite reward, delta or theta.x; a throwing update changes
  /// nothing.
  scalar_type update(const transition_type& t, scalar_type rho = scalar_type(1)) {
    static constexpr std::string_view where = "RobustBellman::update";
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    if (!(rho >= scalar_type(0) && std::isfinite(rho))) [[unlikely]]
      fail_check(where, "rho", rho, "must be a finite importance ratio >= 0");
    scalar_type* w = v_->parameters().data();
    write_gradient(*v_, t.state, x_);
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    scalar_type v_next = scalar_type(0);
    if (!t.terminated) {
      write_gradient(*v_, t.next_state, x_next_);
      v_next = gradient_dot(x_next_, static_cast<const scalar_type*>(w));
    }
    const scalar_type delta =
        td_error(gradient_dot(x_, static_cast<const scalar_type*>(w)), t.reward, discount, v_next);
    detail::check_error_finite(where, t.reward, delta);
    const scalar_type d = gradient_dot(x_, static_cast<const scalar_type*>(theta_.data()));
    if (!std::isfinite(d)) [[unlikely]]
      fail_check(where, "h", d, "(secondary estimate theta.x) is not finite; nothing was updated");
    const scalar_type h = bellman_loss_derivative(config_.loss, d, tau_);
    const scalar_type a = alpha_ * rho * h;
    const scalar_type b = beta_ * rho * (delta - d);
    if (!(std::isfinite(a) && std::isfinite(b))) [[unlikely]]
      fail_check(where, "step", a + b, "overflowed; nothing was updated");
    if (!gradient_adds_stay_finite(static_cast<const scalar_type*>(w), a, x_,
                                   t.terminated ? scalar_type(0) : -a * discount, x_next_))
        [[unlikely]]
      fail_check(where, "w + step", a, "overflows a weight; nothing was updated");
    if (!gradient_adds_stay_finite(static_cast<const scalar_type*>(theta_.data()), b, x_, scalar_type(0), x_))
        [[unlikely]]
      fail_check(where, "theta + step", b, "overflows a secondary weight; nothing was updated");
    gradient_add(w, a, x_);
    if (!t.terminated) gradient_add(w, -a * discount, x_next_);
    gradient_add(theta_.data(), b, x_);
    return delta;
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("RobustBellman::value", "state", s);
    return v_->value(s);
  }
  /// Secondary weights theta (theta.x estimates E[delta | S]).
  const vector_type& secondary() const noexcept { return theta_; }
  /// The secondary weights theta, writable.
  vector_type& secondary() noexcept { return theta_; }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const RobustBellmanConfig& config() const noexcept { return config_; }

 private:
  static scalar_type positive(double x, std::string_view name) {
    check_positive("RobustBellman", name, x);
    return static_cast<scalar_type>(x);
  }

  V* v_;
  RobustBellmanConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  scalar_type beta_;
  scalar_type tau_;
  vector_type theta_;
  decltype(make_gradient(std::declval<const V&>())) x_;
  decltype(make_gradient(std::declval<const V&>())) x_next_;
};

}  // namespace rlvalue
