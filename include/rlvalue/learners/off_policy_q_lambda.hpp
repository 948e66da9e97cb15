#pragma once
/// @file
/// OffPolicyQLambda<Q, Coefficient, Trace>: off-policy multi-step control with
/// traces, written once; each method supplies only its trace coefficient c
/// (the AI-Toolbox design; Munos, Stepleton, Harutyunyan, Bellemare 2016,
/// "Safe and efficient off-policy reinforcement learning", eq. (3) online):
///   delta = r + gamma * sum_a' pi(a'|s') q(s', a') - q(s, a)   (expected TD
///           error; no bootstrap if `terminated`)
///   c     = Coefficient(lambda, pi(a|s), mu(a|s))   for the current pair
///   z     = gamma * c * z + grad q(s, a)
///   w    += alpha * delta * z
/// Coefficients (pi target, mu behaviour probability of the action taken):
///   ImportanceSamplingCoefficient  c = lambda * pi / mu       (Precup et al. 2000)
///   TreeBackupCoefficient          c = lambda * pi           (Precup et al. 2000)
///   RetraceCoefficient             c = lambda * min(1, pi/mu) (Munos et al. 2016)
/// The trace is cleared after `terminated` or `truncated`.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <utility>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// c = lambda * pi / mu (per-decision importance sampling).
struct ImportanceSamplingCoefficient {
  /// Name used in error messages.
  static constexpr std::string_view name = "ImportanceSampling";
  /// c = lambda * pi / mu.
  static double trace(double lambda, double pi, double mu) noexcept { return lambda * pi / mu; }
};
/// c = lambda * pi (Tree Backup; needs no behaviour probability).
struct TreeBackupCoefficient {
  /// Name used in error messages.
  static constexpr std::string_view name = "TreeBackup";
  /// c = lambda * pi.
  static double trace(double lambda, double pi, double /*mu*/) noexcept { return lambda * pi; }
};
/// c = lambda * min(1, pi / mu) (Retrace).
struct RetraceCoefficient {
  /// Name used in error messages.
  static constexpr std::string_view name = "Retrace";
  /// c = lambda * min(1, pi / mu).
  static double trace(double lambda, double pi, double mu) noexcept {
    return lambda * std::min(1.0, pi / mu);
  }
};

/// Config of OffPolicyQLambda.
struct OffPolicyLambdaConfig {
  /// Discount gamma in [0, 1].
  double gamma = 1.0;
  /// Step size alpha > 0: the constant, or the scale of the per-visit schedule alpha_n = step_size / n^omega.
  double step_size = 0.1;
  /// Trace decay lambda in [0, 1].
  double lambda = 1.0;
  double trace_tolerance = 1e-8;  ///< SparseTrace only
};

/// Off-policy Q(lambda) with a per-method trace coefficient.
template <ActionValueFunction Q, class Coefficient, class Trace = DenseTrace<typename Q::scalar_type>>
class OffPolicyQLambda {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = OffPolicyLambdaConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  OffPolicyQLambda(Q& q, const OffPolicyLambdaConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("OffPolicyQLambda", config.gamma)),
        lambda_(detail::checked_lambda("OffPolicyQLambda", config.lambda)),
        alpha_(detail::checked_step_size<scalar_type>("OffPolicyQLambda", config.step_size)),
        x_(make_gradient(q)),
        z_(static_cast<Index>(q.parameters().size()), config.trace_tolerance) {}
  OffPolicyQLambda(Q&&, const OffPolicyLambdaConfig&) = delete;

  /// One step. `next_probs`: pi(.|s'), num_actions() entries in [0, 1]
  /// summing to 1 within 1e-6 (checked even when terminated); `pi`, `mu`:
  /// target and behaviour probabilities of the action taken in s (pi in
  /// [0, 1], mu in (0, 1]). Returns delta; a throwing update changes nothing.
  template <class Probs>
  scalar_type update(const transition_type& t, const Eigen::DenseBase<Probs>& next_probs, double pi,
                     double mu) {
    constexpr std::string_view where = "OffPolicyQLambda::update";
    q_->check_state(where, "state", t.state);
    q_->check_action(where, "action", t.action);
    q_->check_state(where, "next_state", t.next_state);
    check_size(where, "next_probs", next_probs.size(), q_->num_actions());
    double sum = 0.0;
    for (Index i = 0; i < next_probs.size(); ++i) {
      const double p = static_cast<double>(next_probs.derived().coeff(i));
      if (!(p >= 0.0 && p <= 1.0)) [[unlikely]]
        detail::reject_probability(where, "next_probs", i, p);
      sum += p;
    }
    if (!(std::abs(sum - 1.0) <= 1e-6)) fail_check(where, "sum of next_probs", sum, "differs from 1 by more than 1e-6");
    check_unit_interval(where, "pi", pi);
    if (!(mu > 0.0 && mu <= 1.0)) fail_check(where, "mu", mu, "is outside (0, 1]");
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    const scalar_type delta =
        expected_sarsa_error(q_->action_values(t.state), t.action, t.reward, discount,
                             q_->action_values(t.next_state), next_probs);
    detail::check_error_finite(where, t.reward, delta);
    detail::check_step_finite(where, alpha_ * delta);
    const auto c = static_cast<scalar_type>(Coefficient::trace(lambda_, pi, mu));
    write_gradient(*q_, t.state, t.action, x_);
    const scalar_type decay = gamma_ * c;
    const scalar_type k = alpha_ * delta;
    const scalar_type tb = detail::trace_bound_after(z_.bound(), TraceType::accumulating, decay, alpha_,
                                                     gradient_abs_sum<scalar_type>(x_));
    z_.guarded_step(where, tb, std::abs(k) * tb, "step_size * td_error", k, q_->parameters().data(),
                    [&](Trace& z, scalar_type* w) {
                      z.decay(decay);
                      z.add(scalar_type(1), x_);
                      z.apply(k, w);
                    });
    if (t.terminated || t.truncated) z_.clear();
    return delta;
  }

  /// Clears the trace (call between episodes).
  void end_episode() noexcept { z_.clear(); }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("OffPolicyQLambda::q", "state", s);
    q_->check_action("OffPolicyQLambda::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("OffPolicyQLambda::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// The eligibility trace z.
  const Trace& trace() const noexcept { return z_; }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const OffPolicyLambdaConfig& config() const noexcept { return config_; }

 private:
  Q* q_;
  OffPolicyLambdaConfig config_;
  scalar_type gamma_;
  double lambda_;
  scalar_type alpha_;
  decltype(make_gradient(std::declval<const Q&>())) x_;
  Trace z_;
};

/// Retrace(lambda) (Munos et al. 2016).
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
using RetraceLambda = OffPolicyQLambda<Q, RetraceCoefficient, Trace>;
/// Tree Backup(lambda) (Precup, Sutton, Singh 2000).
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
using TreeBackupLambda = OffPolicyQLambda<Q, TreeBackupCoefficient, Trace>;
/// Per-decision importance-sampling Q(lambda) (Precup, Sutton, Singh 2000).
template <ActionValueFunction Q, class Trace = DenseTrace<typename Q::scalar_type>>
using ImportanceSamplingQLambda = OffPolicyQLambda<Q, ImportanceSamplingCoefficient, Trace>;

}  // namespace rlvalue
