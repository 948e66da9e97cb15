#pragma once
/// @file
/// NStepTD<V>: n-step TD prediction (Sutton & Barto 2nd ed. section 7.1, eq.
/// 7.2): the state visited n steps ago moves towards the n-step return
///   G_{t:t+n} = r_{t+1} + gamma r_{t+2} + ... + gamma^{n-1} r_{t+n}
///               + gamma^n v(s_{t+n}),
///   v(s_t) += alpha * (G_{t:t+n} - v(s_t))      (semi-gradient for linear v)
/// When the episode ends the pending states are updated in order with the
/// shorter returns: no bootstrap after `terminated`; after `truncated` they
/// bootstrap from v(s_T), read once before these updates. n = 1 is TD(0).
/// Transitions of one episode must come in order.

#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/n_step_buffer.hpp"

namespace rlvalue {

/// Config of NStepTD and NStepSarsa.
struct NStepConfig {
  double gamma = 1.0;      ///< in [0, 1]
  double step_size = 0.1;  ///< alpha > 0
  Index n = 4;             ///< steps before bootstrapping, >= 1
};

/// n-step TD on a state-value approximator held by pointer.
template <StateValueFunction V>
class NStepTD {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = NStepConfig;
  /// The transition type update() takes.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// std::invalid_argument for gamma outside [0, 1], step_size <= 0, n < 1.
  NStepTD(V& v, const NStepConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("NStepTD", config.gamma)),
        alpha_(checked("NStepTD", config)),
        ring_(config.n) {}
  NStepTD(V&&, const NStepConfig&) = delete;

  /// Records a transition and performs the updates that became possible;
  /// returns how many states were updated. Throws for a bad state or
  /// next_state or a non-finite reward; a throwing call changes nothing.
  Index update(const transition_type& t) {
    v_->check_state("NStepTD::update", "state", t.state);
    v_->check_state("NStepTD::update", "next_state", t.next_state);
    check_finite("NStepTD::update", "reward", t.reward);
    ring_.push({t.state, t.reward});
    if (t.terminated || t.truncated) {
      const scalar_type bootstrap = t.terminated ? scalar_type(0) : v_->value(t.next_state);
      Index updated = 0;
      while (ring_.size() > 0) {
        learn_front(ring_.n_step_return(gamma_, bootstrap));
        ++updated;
      }
      return updated;
    }
    if (!ring_.full()) return 0;
    learn_front(ring_.n_step_return(gamma_, v_->value(t.next_state)));
    return 1;
  }

  /// Drops the pending steps without learning from them.
  void discard_episode() noexcept { ring_.clear(); }
  /// Transitions buffered and not yet updated (< n).
  Index pending() const noexcept { return ring_.size(); }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("NStepTD::value", "state", s);
    return v_->value(s);
  }
  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const NStepConfig& config() const noexcept { return config_; }

 private:
  struct Entry {
    state_type state{};
    scalar_type reward{};
  };
  static scalar_type checked(std::string_view where, const NStepConfig& c) {
    (void)checked_positive_as<scalar_type>(where, "step_size", c.step_size);
    check_at_least_one(where, "n", c.n);
    return static_cast<scalar_type>(c.step_size);
  }
  void learn_front(scalar_type g) {
    const state_type& s = ring_.front().state;
    if constexpr (detail::kValueTable<V>) {  // s was checked when it was pushed
      const Index k = static_cast<Index>(s);
      const scalar_type step = alpha_ * (g - v_->parameters().data()[k]);
      if (!detail::add_to_table(*v_, k, step)) [[unlikely]]
        detail::reject_table_step(*v_, step, k);
    } else {
      v_->semi_gradient_step(s, alpha_ * (g - v_->value(s)));
    }
    ring_.pop();
  }

  V* v_;
  NStepConfig config_;
  scalar_type gamma_;
  scalar_type alpha_;
  detail::StepRing<Entry> ring_;
};

}  // namespace rlvalue
