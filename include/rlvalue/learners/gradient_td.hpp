#pragma once
/// @file
/// Gradient-TD prediction with linear function approximation, off-policy
/// through per-step importance ratios rho = pi(a|s) / b(a|s):
///   delta = r + gamma_t * w.x' - w.x      (gamma_t = 0 when `terminated`)
///   h     = theta.x                       (secondary weights theta estimate
///                                          E[delta | S] by least squares)
/// and each method supplies its own correction (notation of Patterson, Liao,
/// White 2022, arXiv:2205.08464, as in ALGORITHMS.md):
///   GTD2 (Sutton et al. 2009):  theta += beta*rho*(delta - h)*x
///                               w     += alpha*rho*h*(x - gamma_t*x')
///   TDC  (Sutton et al. 2009):  theta += beta*rho*(delta - h)*x
///                               w     += alpha*rho*(delta*x - gamma_t*h*x')
///   TDRC (Ghiassian et al. 2020): theta += beta*(rho*(delta - h)*x - reg*theta)
///                               w     as TDC
///   OffPolicyTD (semi-gradient, Sutton & Barto 2nd ed. eq. 11.2):
///                               w     += alpha*rho*delta*x     (no secondary)
/// The semi-gradient method is the zero correction; it can diverge off-policy
/// (Baird's counterexample) and is here as the baseline.
/// All quantities (delta, h) are computed from the weights before the step;
/// both weight vectors are then updated. `truncated` bootstraps from x' like
/// any non-terminal transition (there are no traces to cut).
/// With rho = 1 and tabular (one-hot) features every method has the TD fixed
/// point V^pi (mdp/evaluate_policy) as its fixed point.

#include <Eigen/Core>
#include <cmath>
#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/overflow.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of the gradient-TD learners. `secondary_step_size` (beta) drives
/// theta; `regularization` is TDRC's reg (ignored by the others; TDRC's paper
/// uses beta = alpha and reg = 1).
struct GradientTDConfig {
  double gamma = 1.0;                 ///< discount, in [0, 1]
  double step_size = 0.01;            ///< alpha > 0 (primary weights w)
  double secondary_step_size = 0.01;  ///< beta > 0 (secondary weights theta)
  double regularization = 1.0;        ///< TDRC's reg >= 0, with beta*reg <= 1
};

/// Scalars of one gradient-TD step, computed before any write.
template <class Scalar>
struct GradientTDStep {
  Scalar delta;  ///< r + gamma_t w.x' - w.x
  Scalar h;      ///< theta.x
  Scalar rho;    ///< importance ratio
  Scalar discount;  ///< gamma_t
};

/// The corrections. Each gives the coefficients of
///   w     += a_x * x + a_next * x'
///   theta  = theta_decay * theta + b_x * x
/// from the step scalars and the step sizes alpha, beta, reg.
struct GTD2Correction {
  /// Name used in error messages.
  static constexpr std::string_view name = "GTD2";
  /// True: keeps secondary weights theta.
  static constexpr bool uses_secondary = true;
  /// a_x = alpha rho h, a_next = -alpha rho h gamma_t, b_x = beta rho (delta - h).
  template <class S>
  static void coefficients(const GradientTDStep<S>& k, S alpha, S beta, S /*reg*/, S& a_x,
                           S& a_next, S& theta_decay, S& b_x) noexcept {
    a_x = alpha * k.rho * k.h;
    a_next = -alpha * k.rho * k.h * k.discount;
    theta_decay = S(1);
    b_x = beta * k.rho * (k.delta - k.h);
  }
};
/// TDC (Sutton et al. 2009): w += alpha rho (delta x - gamma_t h x'); theta += beta rho (delta - h) x.
struct TDCCorrection {
  /// Name used in error messages.
  static constexpr std::string_view name = "TDC";
  /// True: keeps secondary weights theta.
  static constexpr bool uses_secondary = true;
  /// a_x = alpha rho delta, a_next = -alpha rho gamma_t h, b_x = beta rho (delta - h).
  template <class S>
  static void coefficients(const GradientTDStep<S>& k, S alpha, S beta, S /*reg*/, S& a_x,
                           S& a_next, S& theta_decay, S& b_x) noexcept {
    a_x = alpha * k.rho * k.delta;
    a_next = -alpha * k.rho * k.discount * k.h;
    theta_decay = S(1);
    b_x = beta * k.rho * (k.delta - k.h);
  }
};
/// TDRC (Ghiassian et al. 2020): TDC with theta = (1 - beta reg) theta + beta rho (delta - h) x.
struct TDRCCorrection {
  /// Name used in error messages.
  static constexpr std::string_view name = "TDRC";
  /// True: keeps secondary weights theta.
  static constexpr bool uses_secondary = true;
  /// TDC's coefficients with theta_decay = 1 - beta * reg.
  template <class S>
  static void coefficients(const GradientTDStep<S>& k, S alpha, S beta, S reg, S& a_x,
                           S& a_next, S& theta_decay, S& b_x) noexcept {
    TDCCorrection::coefficients(k, alpha, beta, reg, a_x, a_next, theta_decay, b_x);
    theta_decay = S(1) - beta * reg;
  }
};
/// Off-policy semi-gradient TD(0): w += alpha rho delta x (no correction; may diverge off-policy).
struct SemiGradientCorrection {
  /// Name used in error messages.
  static constexpr std::string_view name = "OffPolicyTD";
  /// False: no secondary weights.
  static constexpr bool uses_secondary = false;
  /// a_x = alpha * rho * delta, a_next = 0; no secondary weights.
  template <class S>
  static void coefficients(const GradientTDStep<S>& k, S alpha, S /*beta*/, S /*reg*/, S& a_x,
                           S& a_next, S& theta_decay, S& b_x) noexcept {
    a_x = alpha * k.rho * k.delta;
    a_next = S(0);
    theta_decay = S(1);
    b_x = S(0);
  }
};

/// Gradient-TD learner on a linear state-value approximator (held by pointer;
/// the caller keeps it alive). `Correction` is one of the structs above.
template <StateValueFunction V, class Correction>
class GradientTD {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = GradientTDConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored
  /// Column vector type of the primary and secondary weights.
  using vector_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// std::invalid_argument for gamma outside [0, 1], a step size <= 0 or not
  /// finite, reg < 0, or beta*reg > 1 (theta would flip sign each step).
  GradientTD(V& v, const GradientTDConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>(where_construct(), config.gamma)),
        alpha_(positive(config.step_size, "step_size")),
        beta_(positive(config.secondary_step_size, "secondary_step_size")),
        reg_(regularization(config)),
        theta_(vector_type::Zero(static_cast<Index>(v.parameters().size()))),
        x_(make_gradient(v)),
        x_next_(make_gradient(v)) {}
  GradientTD(V&&, const GradientTDConfig&) = delete;  // would dangle

  /// One step with importance ratio rho (>= 0, finite; 1 on-policy). Returns
  /// delta. Throws std::out_of_range / std::invalid_argument for a bad state
  /// or next_state, std::invalid_argument for a negative or non-finite rho, a
  /// non-finite reward, delta or h. A throwing update changes nothing.
  scalar_type update(const transition_type& t, scalar_type rho = scalar_type(1)) {
    static constexpr std::string_view where = update_name();
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    if (!(rho >= scalar_type(0) && std::isfinite(rho))) [[unlikely]]
      fail_check(where, "rho", rho, "must be a finite importance ratio >= 0");
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    GradientTDStep<scalar_type> k{scalar_type(0), scalar_type(0), rho, discount};
    if constexpr (detail::kValueTable<V>) {
      // x = e_s and x' = e_s': the entries are read and written directly, with
      // the same arithmetic and checks as the general path below.
      const scalar_type* const w = v_->parameters().data();
      k.delta = td_error(w[t.state], t.reward, discount,
                         t.terminated ? scalar_type(0) : w[t.next_state]);
      if constexpr (Correction::uses_secondary) k.h = theta_[t.state];
      const Steps c = checked_steps(k, t.reward);
      step_table(t.state, t.next_state, c);
    } else {
      const scalar_type* const w = v_->parameters().data();
      write_gradient(*v_, t.state, x_);
      scalar_type v_next = scalar_type(0);
      if (!t.terminated) {
        write_gradient(*v_, t.next_state, x_next_);
        v_next = gradient_dot(x_next_, w);
      }
      k.delta = td_error(gradient_dot(x_, w), t.reward, discount, v_next);
      if constexpr (Correction::uses_secondary) k.h = gradient_dot(x_, theta_.data());
      const Steps c = checked_steps(k, t.reward);
      step_gradients(c);
    }
    return k.delta;
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state(value_name(), "state", s);
    return v_->value(s);
  }

  /// The secondary weights theta (h(s) = theta . x(s)); zero at construction.
  const vector_type& secondary() const noexcept { return theta_; }
  /// The secondary weights theta, writable.
  vector_type& secondary() noexcept { return theta_; }

  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const GradientTDConfig& config() const noexcept { return config_; }

 private:
  static constexpr std::string_view where_construct() { return Correction::name; }
  static constexpr std::string_view update_name() {
    if (Correction::name == "GTD2") return "GTD2::update";
    if (Correction::name == "TDC") return "TDC::update";
    if (Correction::name == "TDRC") return "TDRC::update";
    return "OffPolicyTD::update";
  }
  static constexpr std::string_view value_name() {
    if (Correction::name == "GTD2") return "GTD2::value";
    if (Correction::name == "TDC") return "TDC::value";
    if (Correction::name == "TDRC") return "TDRC::value";
    return "OffPolicyTD::value";
  }
  // The coefficients of one step (see the Correction structs).
  struct Steps {
    scalar_type a_x, a_next, decay, b_x;
  };

  // The coefficients of step k, after checking that delta, h and they are
  // finite (std::invalid_argument otherwise; nothing is written).
  Steps checked_steps(const GradientTDStep<scalar_type>& k, scalar_type reward) const {
    static constexpr std::string_view where = update_name();
    detail::check_error_finite(where, reward, k.delta);
    if (!std::isfinite(k.h)) [[unlikely]]
      fail_check(where, "h", k.h, "(secondary estimate theta.x) is not finite; nothing was updated");
    Steps c;
    Correction::coefficients(k, alpha_, beta_, reg_, c.a_x, c.a_next, c.decay, c.b_x);
    if (!(std::isfinite(c.a_x) && std::isfinite(c.a_next) && std::isfinite(c.b_x))) [[unlikely]]
      fail_check(where, "step", c.a_x + c.a_next + c.b_x, "overflowed; nothing was updated");
    return c;
  }

  [[noreturn]] static void reject_weight_step(const Steps& c) {
    fail_check(update_name(), "w + step", c.a_x + c.a_next,
               "overflows a weight; nothing was updated");
  }
  [[noreturn]] static void reject_secondary_step(const Steps& c) {
    fail_check(update_name(), "theta + step", c.b_x,
               "overflows a secondary weight; nothing was updated");
  }

  // w += a_x x + a_next x', theta = decay theta + b_x x, with x and x' in
  // x_ and x_next_ (x_next_ is read only when a_next != 0, i.e. not
  // terminated). Checks every sum before writing any.
  void step_gradients(const Steps& c) {
    scalar_type* const w = v_->parameters().data();
    // The cheap proofs of gradient_adds_stay_finite, with sum|x| taken once
    // for both weight vectors; the exact checks only when they fail.
    constexpr scalar_type safe = detail::safe_step_limit<scalar_type>();
    const scalar_type sum_x = gradient_abs_sum<scalar_type>(x_);
    scalar_type bound = std::abs(c.a_x) * sum_x;
    if (c.a_next != scalar_type(0)) bound += std::abs(c.a_next) * gradient_abs_sum<scalar_type>(x_next_);
    if (!(bound <= safe) &&
        !gradient_adds_stay_finite(static_cast<const scalar_type*>(w), c.a_x, x_, c.a_next,
                                   x_next_)) [[unlikely]]
      reject_weight_step(c);
    if (Correction::uses_secondary && !(std::abs(c.b_x) * sum_x <= safe) &&
        !gradient_adds_stay_finite(static_cast<const scalar_type*>(theta_.data()), c.b_x, x_,
                                   scalar_type(0), x_)) [[unlikely]]
      reject_secondary_step(c);
    gradient_add(w, c.a_x, x_);
    if (c.a_next != scalar_type(0)) gradient_add(w, c.a_next, x_next_);
    if constexpr (Correction::uses_secondary) {
      if (c.decay != scalar_type(1)) theta_ *= c.decay;
      gradient_add(theta_.data(), c.b_x, x_);
    }
  }

  // step_gradients for a TabularV: x = e_s, x' = e_s2 (the same sums, in
  // the same order, and the same checks as gradient_adds_stay_finite).
  void step_table(Index s, Index s2, const Steps& c) {
    scalar_type* const w = v_->parameters().data();
    const bool next = c.a_next != scalar_type(0);
    constexpr scalar_type safe = detail::safe_step_limit<scalar_type>();
    if (!(std::abs(c.a_x) + std::abs(c.a_next) <= safe)) [[unlikely]] {
      scalar_type ws = w[s] + c.a_x;
      if (next && s2 == s) ws += c.a_next;
      if (!detail::finite_with_margin(ws) ||
          (next && s2 != s && !detail::finite_with_margin(w[s2] + c.a_next)))
        reject_weight_step(c);
    }
    if constexpr (Correction::uses_secondary) {
      if (!(std::abs(c.b_x) <= safe) && !detail::finite_with_margin(theta_[s] + c.b_x))
          [[unlikely]]
        reject_secondary_step(c);
    }
    w[s] += c.a_x;
    if (next) w[s2] += c.a_next;
    if constexpr (Correction::uses_secondary) {
      if (c.decay != scalar_type(1)) theta_ *= c.decay;
      theta_[s] += c.b_x;
    }
  }

  static scalar_type positive(double x, std::string_view name) {
    return checked_positive_as<scalar_type>(where_construct(), name, x);
  }
  static scalar_type regularization(const GradientTDConfig& c) {
    if (!(c.regularization >= 0.0 && std::isfinite(c.regularization))) [[unlikely]]
      fail_check(where_construct(), "regularization", c.regularization, "must be >= 0 and finite");
    if (c.secondary_step_size * c.regularization > 1.0) [[unlikely]]
      fail_check(where_construct(), "regularization", c.regularization,
                 "times secondary_step_size must be <= 1");
    return static_cast<scalar_type>(c.regularization);
  }

  V* v_;
  GradientTDConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  scalar_type beta_;
  scalar_type reg_;
  vector_type theta_;
  decltype(make_gradient(std::declval<const V&>())) x_;
  decltype(make_gradient(std::declval<const V&>())) x_next_;
};

/// GTD2 (Sutton et al. 2009): w += alpha*rho*(theta.x)*(x - gamma*x').
template <StateValueFunction V>
using GTD2 = GradientTD<V, GTD2Correction>;
/// TDC / GTD(0) (Sutton et al. 2009): w += alpha*rho*(delta*x - gamma*(theta.x)*x').
template <StateValueFunction V>
using TDC = GradientTD<V, TDCCorrection>;
/// TDRC (Ghiassian et al. 2020): TDC with theta regularised, - beta*reg*theta.
template <StateValueFunction V>
using TDRC = GradientTD<V, TDRCCorrection>;
/// Off-policy semi-gradient TD(0) (Sutton & Barto eq. 11.2): w += alpha*rho*delta*x.
template <StateValueFunction V>
using OffPolicyTD = GradientTD<V, SemiGradientCorrection>;

}  // namespace rlvalue
