#pragma once
// TD0<V>: tabular/linear TD(0) prediction (Sutton 1988, "Learning to predict
// by the methods of temporal differences"; Sutton & Barto 2nd ed. 6.1):
//   v(s) += alpha * (r + gamma * v(s') - v(s)),
// no bootstrap when s' is terminal (`terminated`: the target is r); a
// `truncated` transition bootstraps from v(s') as usual. With a linear
// approximator this is semi-gradient TD(0): w += alpha * delta * grad v(s).

#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// TD(0) on a state-value approximator V held by pointer (the caller keeps it
/// alive). Config: {.gamma, .step_size, .schedule, .omega} (TDConfig),
/// validated at construction (std::invalid_argument naming the field).
template <StateValueFunction V>
class TD0 {
 public:
  using approximator_type = V;
  using scalar_type = typename V::scalar_type;
  using state_type = typename V::state_type;
  using config_type = TD0Config;
  /// The action is ignored.
  using transition_type = Transition<state_type, Index, scalar_type>;

  TD0(V& v, const TD0Config& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("TD0", config.gamma)),
        steps_("TD0", config.step_size, config.schedule, config.omega,
               detail::countable_states(v)) {}
  TD0(V&&, const TD0Config&) = delete;  // would dangle

  /// Applies one TD(0) step and returns its error
  ///   delta = r + gamma * (terminated ? 0 : v(s')) - v(s).
  /// Throws std::out_of_range naming "state" or "next_state" and
  /// std::invalid_argument for a non-finite reward or error; a throwing
  /// update changes nothing (values and visit counts).
  scalar_type update(const transition_type& t) {
    v_->check_state("TD0::update", "state", t.state);
    v_->check_state("TD0::update", "next_state", t.next_state);
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    const scalar_type v_next = t.terminated ? scalar_type(0) : v_->value(t.next_state);
    const scalar_type error = td_error(v_->value(t.state), t.reward, discount, v_next);
    detail::check_error_finite("TD0::update", t.reward, error);
    const scalar_type alpha = steps_.take(slot(t.state));
    v_->semi_gradient_step(t.state, alpha * error);
    return error;
  }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("TD0::value", "state", s);
    return v_->value(s);
  }

  /// Visits of s counted by the per-visit schedule (0 under constant).
  Index visit_count(const state_type& s) const {
    v_->check_state("TD0::visit_count", "state", s);
    return steps_.visits(slot(s));
  }

  V& approximator() noexcept { return *v_; }
  const V& approximator() const noexcept { return *v_; }
  const TD0Config& config() const noexcept { return config_; }
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 private:
  static Index slot(const state_type& s) noexcept {
    if constexpr (IndexedStateSpace<V>) {
      return static_cast<Index>(s);
    } else {
      return 0;
    }
  }

  V* v_;
  TD0Config config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
};

}  // namespace rlvalue
