#pragma once
/// @file
/// Sarsa<Q>: one-step on-policy TD control (Rummery & Niranjan 1994, "On-line
/// Q-learning using connectionist systems"; Sutton & Barto 2nd ed. 6.4):
///   q(s, a) += alpha * (r + gamma * q(s', a') - q(s, a)),
/// a' the action actually taken next; no bootstrap when s' is terminal
/// (`terminated`); a `truncated` transition bootstraps from q(s', a').

#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {
struct SarsaNames {
  static constexpr std::string_view construct = "Sarsa";
  static constexpr std::string_view update = "Sarsa::update";
  static constexpr std::string_view q = "Sarsa::q";
  static constexpr std::string_view greedy_action = "Sarsa::greedy_action";
  static constexpr std::string_view visit_count = "Sarsa::visit_count";
};
}  // namespace detail

/// SARSA on an action-value approximator Q held by pointer (the caller keeps
/// it alive). Config: {.gamma, .step_size, .schedule, .omega} (TDConfig).
template <ActionValueFunction Q>
class Sarsa : public detail::ActionValueLearner<Q, detail::SarsaNames> {
  using Base = detail::ActionValueLearner<Q, detail::SarsaNames>;
  using Names = detail::SarsaNames;

 public:
  using typename Base::config_type;
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  Sarsa(Q& q, const SarsaConfig& config) : Base(q, config) {}
  Sarsa(Q&&, const SarsaConfig&) = delete;  // would dangle

  /// Applies one SARSA step and returns its error
  ///   delta = r + gamma * (terminated ? 0 : q(s', next_action)) - q(s, a).
  /// `next_action` is range-checked even when `terminated` (where it is not
  /// read): pass any valid action, e.g. 0, after a terminal step. Throws
  /// std::out_of_range naming "state", "action", "next_state" or
  /// "next_action", std::invalid_argument for a non-finite reward or error;
  /// a throwing update changes nothing.
  scalar_type update(const transition_type& t, Index next_action) {
    this->check_transition(t);
    this->q_->check_action(Names::update, "next_action", next_action);
    const scalar_type error =
        sarsa_error(this->q_->action_values(t.state), t.action, t.reward, this->discount(t),
                    this->q_->action_values(t.next_state), next_action);
    return this->apply(t, error);
  }
};

}  // namespace rlvalue
