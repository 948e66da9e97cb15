#pragma once
// QLearning<Q>: one-step off-policy control (Watkins 1989, "Learning from
// delayed rewards"; Sutton & Barto 2nd ed. section 6.5):
//   q(s, a) += alpha * (r + gamma * max_a' q(s', a') - q(s, a)),
// with no bootstrap when s' is terminal (`terminated`); a `truncated`
// transition bootstraps from s' as usual.

#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {
struct QLearningNames {
  static constexpr std::string_view construct = "QLearning";
  static constexpr std::string_view update = "QLearning::update";
  static constexpr std::string_view q = "QLearning::q";
  static constexpr std::string_view greedy_action = "QLearning::greedy_action";
  static constexpr std::string_view value = "QLearning::value";
  static constexpr std::string_view visit_count = "QLearning::visit_count";
};
}  // namespace detail

/// Q-learning on an action-value approximator Q held by pointer (the caller
/// keeps it alive). Config: {.gamma, .step_size, .schedule, .omega}
/// (TDConfig), validated at construction (std::invalid_argument).
template <ActionValueFunction Q>
class QLearning : public detail::ActionValueLearner<Q, detail::QLearningNames> {
  using Base = detail::ActionValueLearner<Q, detail::QLearningNames>;
  using Names = detail::QLearningNames;

 public:
  using typename Base::config_type;
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  QLearning(Q& q, const QLearningConfig& config) : Base(q, config) {}
  QLearning(Q&&, const QLearningConfig&) = delete;  // would dangle

  /// Applies one Q-learning step and returns its error
  ///   delta = r + gamma * (terminated ? 0 : max_a' q(s', a')) - q(s, a).
  /// Throws std::out_of_range for a bad state, action or next_state and
  /// std::invalid_argument for a non-finite reward or error; a throwing
  /// update changes nothing (table and visit counts).
  scalar_type update(const transition_type& t) {
    this->check_transition(t);
    const scalar_type error =
        q_learning_error(this->q_->action_values(t.state), t.action, t.reward,
                         this->discount(t), this->q_->action_values(t.next_state));
    return this->apply(t, error);
  }

  /// v(s) = max_a q(s, a): the value of the greedy (target) policy.
  scalar_type value(const state_type& s) const {
    this->q_->check_state(Names::value, "state", s);
    return detail::max_coeff(this->q_->action_values(s));
  }
};

}  // namespace rlvalue
