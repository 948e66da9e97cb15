#pragma once
/// @file
/// Emphatic TD(lambda) for off-policy prediction (Sutton, Mahmood, White,
/// "An Emphatic Approach to the Problem of Off-policy Temporal-Difference
/// Learning", JMLR 2016, eqs. 20-25 with constant gamma and lambda):
///   F_t   = rho_{t-1} * gamma * F_{t-1} + i(S_t)     (followon trace; F_0 = i(S_0))
///   M_t   = lambda * i(S_t) + (1 - lambda) * F_t     (emphasis)
///   e_t   = rho_t * (gamma * lambda * e_{t-1} + M_t * x_t)   (e_{-1} = 0)
///   delta = r + gamma_t * w.x' - w.x                  (gamma_t = 0 when `terminated`)
///   w    += alpha * delta * e_t
/// rho_t = pi(A_t|S_t) / b(A_t|S_t), i(s) >= 0 the interest (1 by default).
/// After a `terminated` or `truncated` transition F, e and rho_{t-1} are reset
/// (the next update starts an episode; truncation still bootstraps).
/// With tabular features and positive interest everywhere the emphasis only
/// rescales each state's steps, so the fixed point is v_pi for every lambda.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
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

/// Config of EmphaticTD.
struct EmphaticTDConfig {
  double gamma = 1.0;       ///< discount, in [0, 1]
  double step_size = 0.01;  ///< alpha > 0
  double lambda = 0.0;      ///< trace decay, in [0, 1]
};

/// Emphatic TD(lambda) on a linear state-value approximator (held by pointer).
template <StateValueFunction V>
class EmphaticTD {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = EmphaticTDConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;  ///< action ignored
  /// Column vector type of the parameters and traces.
  using vector_type = Eigen::Matrix<scalar_type, Eigen::Dynamic, 1>;

  /// std::invalid_argument for gamma or lambda outside [0, 1], step_size <= 0.
  EmphaticTD(V& v, const EmphaticTDConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("EmphaticTD", config.gamma)),
        lambda_(lambda_checked(config.lambda)),
        alpha_(alpha_checked(config.step_size)),
        e_(static_cast<Index>(v.parameters().size())),
        x_(make_gradient(v)),
        x_next_(make_gradient(v)) {}
  EmphaticTD(V&&, const EmphaticTDConfig&) = delete;  // would dangle

  /// One step with importance ratio rho (>= 0, finite) and interest i(S_t)
  /// (>= 0, finite). Returns delta. Throws for a bad state or next_state, a
  /// bad rho or interest, a non-finite reward, delta or emphasis; a throwing
  /// update changes nothing.
  scalar_type update(const transition_type& t, scalar_type rho = scalar_type(1),
                     scalar_type interest = scalar_type(1)) {
    static constexpr std::string_view where = "EmphaticTD::update";
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    if (!(rho >= scalar_type(0) && std::isfinite(rho))) [[unlikely]]
      fail_check(where, "rho", rho, "must be a finite importance ratio >= 0");
    if (!(interest >= scalar_type(0) && std::isfinite(interest))) [[unlikely]]
      fail_check(where, "interest", interest, "must be >= 0 and finite");
    scalar_type* w = v_->parameters().data();
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    scalar_type v_next = scalar_type(0);
    scalar_type x_abs_sum;  // sum |x|, for the trace bound below
    scalar_type v_state;
    [[maybe_unused]] const scalar_type* x_in_place = nullptr;
    if constexpr (kFeatureView) {
      // phi(s) and phi(s') read in place from the map: the same values as
      // the copies below, so the same sums bit for bit.
      const Index n = e_.size();
      x_in_place = v_->feature_view(t.state);
      if (!t.terminated)
        v_next = detail::dense_dot(v_->feature_view(t.next_state),
                                   static_cast<const scalar_type*>(w), n);
      v_state = detail::dense_dot<true>(x_in_place, static_cast<const scalar_type*>(w), n,
                                        &x_abs_sum);
    } else {
      write_gradient(*v_, t.state, x_);
      if (!t.terminated) {
        write_gradient(*v_, t.next_state, x_next_);
        v_next = gradient_dot(x_next_, static_cast<const scalar_type*>(w));
      }
      v_state = gradient_dot_abs_sum(x_, static_cast<const scalar_type*>(w), x_abs_sum);
    }
    const scalar_type delta = td_error(v_state, t.reward, discount, v_next);
    detail::check_error_finite(where, t.reward, delta);
    detail::check_step_finite(where, alpha_ * delta);
    const scalar_type F = previous_rho_ * gamma_ * followon_ + interest;
    const scalar_type M = lambda_ * interest + (scalar_type(1) - lambda_) * F;
    if (!std::isfinite(M)) [[unlikely]]
      fail_check(where, "emphasis", M, "is not finite; nothing was updated");
    // e = rho * (gamma*lambda*e + M*x); w += alpha*delta*e.
    const scalar_type decay = gamma_ * lambda_;
    const scalar_type scale = alpha_ * delta;
    const scalar_type tb = rho * (decay * e_.bound() + std::abs(M) * x_abs_sum);
    e_.guarded_step(where, tb, std::abs(scale) * tb, "step_size * td_error", scale, w,
                    [&](DenseTrace<scalar_type>& e, scalar_type* wt) {
                      if constexpr (kFeatureView)
                        e.emphatic_apply_dense(decay, M, x_in_place, rho, scale, wt);
                      else
                        e.emphatic_apply(decay, M, x_, rho, scale, wt);
                    });
    if (t.terminated || t.truncated) {
      end_episode();
    } else {
      followon_ = F;
      emphasis_ = M;
      previous_rho_ = rho;
    }
    return delta;
  }

  /// Resets F, e and rho_{t-1}: the next update starts an episode.
  void end_episode() noexcept {
    e_.clear();
    followon_ = scalar_type(0);
    emphasis_ = scalar_type(0);
    previous_rho_ = scalar_type(0);
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("EmphaticTD::value", "state", s);
    return v_->value(s);
  }
  /// Followon trace F_t of the last step (0 at an episode start).
  scalar_type followon() const noexcept { return followon_; }
  /// Emphasis M_t of the last step (0 at an episode start).
  scalar_type emphasis() const noexcept { return emphasis_; }
  /// Eligibility trace e_t.
  const vector_type& trace() const noexcept { return e_.values(); }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const EmphaticTDConfig& config() const noexcept { return config_; }

 private:
  static scalar_type lambda_checked(double lambda) {
    check_unit_interval("EmphaticTD", "lambda", lambda);
    return static_cast<scalar_type>(lambda);
  }
  static scalar_type alpha_checked(double step_size) {
    return checked_positive_as<scalar_type>("EmphaticTD", "step_size", step_size);
  }

  // The approximator reads phi(s) in place (LinearV over a map with
  // view(s), approx/feature_map.hpp): no copies into x_ and x_next_.
  static constexpr bool kFeatureView = requires(const V& v, const state_type& s) {
    { v.feature_view(s) } -> std::same_as<const scalar_type*>;
  };

  V* v_;
  EmphaticTDConfig config_;
  scalar_type gamma_;
  scalar_type lambda_;
  scalar_type alpha_;
  DenseTrace<scalar_type> e_;
  scalar_type followon_ = scalar_type(0);
  scalar_type emphasis_ = scalar_type(0);
  scalar_type previous_rho_ = scalar_type(0);  // rho_{t-1}; 0 makes F_0 = i(S_0)
  decltype(make_gradient(std::declval<const V&>())) x_;
  decltype(make_gradient(std::declval<const V&>())) x_next_;
};

}  // namespace rlvalue
