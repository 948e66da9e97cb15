#pragma once
/// @file
/// ExpectedSarsa<Q>: one-step TD control with the expectation over the target
/// policy's next action (van Seijen, van Hasselt, Whiteson, Wiering 2009, "A
/// theoretical and empirical analysis of Expected Sarsa"; Sutton & Barto 2nd
/// ed. 6.6):
///   q(s, a) += alpha * (r + gamma * sum_a' pi(a'|s') q(s', a') - q(s, a)),
/// no bootstrap when s' is terminal (`terminated`); `truncated` bootstraps.
/// On-policy when pi is the behaviour policy, off-policy otherwise (a one-hot
/// greedy pi gives Q-learning exactly).

#include <cmath>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {
struct ExpectedSarsaNames {
  static constexpr std::string_view construct = "ExpectedSarsa";
  static constexpr std::string_view update = "ExpectedSarsa::update";
  static constexpr std::string_view q = "ExpectedSarsa::q";
  static constexpr std::string_view greedy_action = "ExpectedSarsa::greedy_action";
  static constexpr std::string_view value = "ExpectedSarsa::value";
  static constexpr std::string_view visit_count = "ExpectedSarsa::visit_count";
};

[[noreturn]] __attribute__((noinline, cold)) inline void reject_probability(
    std::string_view where, std::string_view name, Index i, double p) {
  throw_invalid_entry(where, name, i, p, "is outside [0, 1]");
}
}  // namespace detail

/// Tolerance on |sum of next_probs - 1| accepted by ExpectedSarsa.
inline constexpr double probability_sum_tolerance = 1e-6;

/// Expected SARSA on an action-value approximator Q held by pointer (the
/// caller keeps it alive). Config: {.gamma, .step_size, .schedule, .omega}.
template <ActionValueFunction Q>
class ExpectedSarsa : public detail::ActionValueLearner<Q, detail::ExpectedSarsaNames> {
  using Base = detail::ActionValueLearner<Q, detail::ExpectedSarsaNames>;
  using Names = detail::ExpectedSarsaNames;

 public:
  using typename Base::config_type;
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  ExpectedSarsa(Q& q, const ExpectedSarsaConfig& config) : Base(q, config) {}
  ExpectedSarsa(Q&&, const ExpectedSarsaConfig&) = delete;  // would dangle

  /// Applies one Expected SARSA step and returns its error
  ///   delta = r + gamma * (terminated ? 0 : sum_a' next_probs(a') q(s', a')) - q(s, a).
  /// `next_probs`: the target policy's probabilities at s', any Eigen vector
  /// expression of num_actions() entries, each in [0, 1], summing to 1
  /// within 1e-6 (else std::invalid_argument naming next_probs); checked
  /// even when `terminated`. Out-of-range indices throw std::out_of_range; a
  /// throwing update changes nothing.
  template <class Probs>
  scalar_type update(const transition_type& t, const Eigen::DenseBase<Probs>& next_probs) {
    this->check_transition(t);
    check_probabilities(next_probs);
    // Indices and the size of next_probs are checked above.
    const scalar_type error = detail::expected_sarsa_error_unchecked(
        this->q_->value(t.state, t.action), t.reward, this->discount(t),
        this->q_->action_values(t.next_state), next_probs.derived());
    return this->apply(t, error);
  }

  /// v_pi(s) = sum_a probs(a) q(s, a) under the given policy probabilities
  /// (validated as in update).
  template <class Probs>
  scalar_type value(const state_type& s, const Eigen::DenseBase<Probs>& probs) const {
    this->q_->check_state(Names::value, "state", s);
    check_probabilities(probs, Names::value, "probs");
    const auto row = this->q_->action_values(s);
    scalar_type v = scalar_type(0);
    for (Index i = 0; i < row.size(); ++i)
      v += static_cast<scalar_type>(probs.derived().coeff(i)) * row.coeff(i);
    return v;
  }

 private:
  template <class Probs>
  void check_probabilities(const Eigen::DenseBase<Probs>& probs,
                           std::string_view where = Names::update,
                           std::string_view name = "next_probs") const {
    detail::require_vector_expression<Probs>();
    check_size(where, name, probs.size(), this->q_->num_actions());
    double sum = 0.0;
    for (Index i = 0; i < probs.size(); ++i) {
      const double p = static_cast<double>(probs.derived().coeff(i));
      if (!(p >= 0.0 && p <= 1.0)) [[unlikely]]
        detail::reject_probability(where, name, i, p);
      sum += p;
    }
    if (!(std::abs(sum - 1.0) <= probability_sum_tolerance)) [[unlikely]]
      fail_check(where, std::string("sum of ") + std::string(name), sum,
                 "differs from 1 by more than 1e-6");
  }
};

}  // namespace rlvalue
