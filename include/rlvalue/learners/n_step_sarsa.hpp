#pragma once
/// @file
/// NStepSarsa<Q>: n-step SARSA (Sutton & Barto 2nd ed. section 7.2, eq. 7.4;
/// semi-gradient form section 10.2):
///   G_{t:t+n} = r_{t+1} + ... + gamma^{n-1} r_{t+n} + gamma^n q(s_{t+n}, a_{t+n}),
///   q(s_t, a_t) += alpha * (G_{t:t+n} - q(s_t, a_t)).
/// Episode ends as in NStepTD: no bootstrap after `terminated`; after
/// `truncated` the pending pairs bootstrap from q(s_T, next_action). n = 1 is
/// SARSA.

#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/n_step_buffer.hpp"
#include "rlvalue/learners/n_step_td.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// n-step SARSA on an action-value approximator held by pointer.
template <ActionValueFunction Q>
class NStepSarsa {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = Q;
  /// Scalar type (float or double).
  using scalar_type = typename Q::scalar_type;
  /// Type of a state.
  using state_type = typename Q::state_type;
  /// The config aggregate, validated at construction.
  using config_type = NStepConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  NStepSarsa(Q& q, const NStepConfig& config)
      : q_(&q),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("NStepSarsa", config.gamma)),
        alpha_(checked(config)),
        ring_(config.n) {}
  NStepSarsa(Q&&, const NStepConfig&) = delete;

  /// Records (s, a, r, s') with the next action a' (range-checked even after
  /// a terminal step: pass any valid action) and performs the updates that
  /// became possible; returns how many pairs were updated.
  Index update(const transition_type& t, Index next_action) {
    q_->check_state("NStepSarsa::update", "state", t.state);
    q_->check_action("NStepSarsa::update", "action", t.action);
    q_->check_state("NStepSarsa::update", "next_state", t.next_state);
    q_->check_action("NStepSarsa::update", "next_action", next_action);
    check_finite("NStepSarsa::update", "reward", t.reward);
    ring_.push({t.state, t.action, t.reward});
    if (t.terminated || t.truncated) {
      const scalar_type bootstrap =
          t.terminated ? scalar_type(0) : q_->value(t.next_state, next_action);
      Index updated = 0;
      while (ring_.size() > 0) {
        learn_front(ring_.n_step_return(gamma_, bootstrap));
        ++updated;
      }
      return updated;
    }
    if (!ring_.full()) return 0;
    learn_front(ring_.n_step_return(gamma_, q_->value(t.next_state, next_action)));
    return 1;
  }

  /// Drops the pending transitions without updating.
  void discard_episode() noexcept { ring_.clear(); }
  /// Transitions buffered and not yet updated (< n).
  Index pending() const noexcept { return ring_.size(); }

  /// q(s, a).
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state("NStepSarsa::q", "state", s);
    q_->check_action("NStepSarsa::q", "action", a);
    return q_->value(s, a);
  }
  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state("NStepSarsa::greedy_action", "state", s);
    return argmax(q_->action_values(s));
  }
  /// The approximator this learner updates (the caller's object).
  Q& approximator() noexcept { return *q_; }
  /// The approximator this learner updates (the caller's object).
  const Q& approximator() const noexcept { return *q_; }
  /// The config given at construction.
  const NStepConfig& config() const noexcept { return config_; }

 private:
  struct Entry {
    state_type state{};
    Index action = 0;
    scalar_type reward{};
  };
  static scalar_type checked(const NStepConfig& c) {
    (void)checked_positive_as<scalar_type>("NStepSarsa", "step_size", c.step_size);
    check_at_least_one("NStepSarsa", "n", c.n);
    return static_cast<scalar_type>(c.step_size);
  }
  void learn_front(scalar_type g) {
    const Entry& e = ring_.front();
    q_->semi_gradient_step(e.state, e.action, alpha_ * (g - q_->value(e.state, e.action)));
    ring_.pop();
  }

  Q* q_;
  NStepConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  detail::StepRing<Entry> ring_;
};

}  // namespace rlvalue
