#pragma once
/// @file
/// MonteCarlo<V>: constant-alpha or sample-average Monte Carlo prediction,
/// every-visit or first-visit (Sutton & Barto 2nd ed. 5.1 and 6.1; Singh &
/// Sutton 1996, "Reinforcement learning with replacing eligibility traces",
/// for the every-/first-visit distinction):
///   G_t = r_{t+1} + gamma * G_{t+1},   v(s_t) += alpha * (G_t - v(s_t)).
///
/// When values change: `update(transition)` only buffers a step until a
/// transition with `terminated` or `truncated` arrives; that call processes
/// the whole episode backwards (t = T-1 .. 0) and the values change then,
/// all at once. The return starts at G_T = 0 after a terminated transition
/// and at G_T = v(s_T) (the value of the final next_state, read before any of
/// this episode's updates) after a truncated one; `terminated` wins when both
/// are set. Every-visit updates each occurrence of a state (in backward
/// order, each against the value left by the later occurrences); first-visit
/// only the first occurrence in the episode.
///
/// Step sizes: `.schedule = StepSchedule::constant` gives constant-alpha MC;
/// `per_visit` with `.omega = 1`, `.step_size = 1` gives sample averages
/// (v(s) = mean of the returns counted for s, every- or first-visit).
///
/// Episodes that do not end with a flagged transition: `truncate_episode()`
/// closes the pending episode as if its last transition had been truncated
/// (bootstrapping from its last next_state) and `discard_episode()` drops it.
/// A pending episode never leaks silently into the next one: for integral
/// (and other equality-comparable) states, a transition whose `state` differs
/// from the pending episode's last `next_state` throws std::invalid_argument.
///
/// Memory: the episode buffer is a std::vector reserved at construction for
/// `.expected_episode_length` steps; it grows (amortised) only when an
/// episode is longer than every previous one, so after warm-up nothing is
/// allocated. First-visit marks are one array of num_states() entries,
/// allocated at construction.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"

namespace rlvalue {

/// Which occurrences of a state in an episode Monte Carlo learns from.
enum class MonteCarloVisits {
  every,  ///< every occurrence (every-visit MC)
  first,  ///< only the first occurrence in each episode (first-visit MC)
};

/// Config of MonteCarlo. Fields are double whatever the scalar type.
struct MonteCarloConfig {
  double gamma = 1.0;      ///< discount, in [0, 1]
  double step_size = 0.1;  ///< alpha (constant) or its scale (per_visit), > 0
  /// Step-size schedule: constant, or per-visit alpha_n = step_size / n^omega.
  StepSchedule schedule = StepSchedule::constant;
  double omega = 1.0;      ///< per_visit exponent, in (0, 1]; 1 with step_size 1: sample averages
  /// Every-visit or first-visit averaging (Sutton & Barto 5.1).
  MonteCarloVisits visits = MonteCarloVisits::every;
  Index expected_episode_length = 1024;  ///< buffer reserved at construction, >= 1
};

namespace detail {

template <class State>
[[noreturn]] __attribute__((noinline, cold)) void reject_discontinuity(std::string_view where,
                                                                      const State& state,
                                                                      const State& expected) {
  std::string msg(where);
  if constexpr (std::integral<State>) {
    msg += ": state = " + format_value(state) + " does not continue the pending episode (its last "
           "next_state = " + format_value(expected) + ")";
  } else {
    msg += ": state does not continue the pending episode (it differs from its last next_state)";
  }
  msg += "; end episodes with a terminated or truncated transition, or call truncate_episode() "
         "or discard_episode()";
  throw std::invalid_argument(msg);
}

/// Throws if `state` does not continue a pending episode ending in `expected`.
template <class State>
void check_continues(std::string_view where, bool pending, const State& state,
                     const State& expected) {
  if constexpr (std::equality_comparable<State>) {
    if (pending && !(state == expected)) [[unlikely]]
      reject_discontinuity(where, state, expected);
  }
}

}  // namespace detail

/// Monte Carlo prediction on a state-value approximator V held by pointer
/// (the caller keeps it alive). Per-visit schedules and first-visit need an
/// approximator over the states 0..num_states()-1 (std::invalid_argument at
/// construction otherwise).
template <StateValueFunction V>
class MonteCarlo {
 public:
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = MonteCarloConfig;
  /// The action is ignored.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `v` (held by pointer) and validates `config` (std::invalid_argument naming the field).
  MonteCarlo(V& v, const MonteCarloConfig& config)
      : v_(&v),
        config_(config),
        gamma_(detail::checked_gamma<scalar_type>("MonteCarlo", config.gamma)),
        steps_("MonteCarlo", config.step_size, config.schedule, config.omega,
               detail::countable_states(v)) {
    if (config.visits != MonteCarloVisits::every && config.visits != MonteCarloVisits::first)
        [[unlikely]]
      fail_check("MonteCarlo", "visits", static_cast<int>(config.visits),
                 "is not a MonteCarloVisits");
    check_at_least_one("MonteCarlo", "expected_episode_length", config.expected_episode_length);
    if (config.visits == MonteCarloVisits::first) {
      const Index n = detail::countable_states(v);
      if (n < 1) [[unlikely]]
        throw std::invalid_argument(
            "MonteCarlo: visits = first needs an approximator over a finite state space (one "
            "with num_states())");
      first_visit_.assign(static_cast<std::size_t>(n), Index(-1));
    }
    episode_.reserve(static_cast<std::size_t>(config.expected_episode_length));
  }
  MonteCarlo(V&&, const MonteCarloConfig&) = delete;  // would dangle

  /// Buffers one step; when `t.terminated` or `t.truncated`, processes the
  /// episode (see the file comment) and returns the error G_0 - v(s_0)
  /// applied at its first state (the last update made); returns 0 when the
  /// step was only buffered. Throws std::out_of_range naming "state" or
  /// "next_state", std::invalid_argument for a non-finite reward, a
  /// non-finite return (overflow), or a state that does not continue the
  /// pending episode; a throwing update changes nothing (values, counts,
  /// buffer).
  scalar_type update(const transition_type& t) {
    constexpr std::string_view where = "MonteCarlo::update";
    v_->check_state(where, "state", t.state);
    v_->check_state(where, "next_state", t.next_state);
    check_finite(where, "reward", t.reward);
    detail::check_continues(where, !episode_.empty(), t.state, last_next_state_);
    if (!t.terminated && !t.truncated) {
      episode_.push_back({t.state, t.reward, scalar_type(0)});
      last_next_state_ = t.next_state;
      return scalar_type(0);
    }
    const scalar_type bootstrap = t.terminated ? scalar_type(0) : v_->value(t.next_state);
    episode_.push_back({t.state, t.reward, scalar_type(0)});
    return finish_episode(where, bootstrap, /*pushed_final_step=*/true);
  }

  /// Closes the pending episode as if its last transition had been
  /// truncated: G_T = v(last next_state). Returns as update; 0 if nothing is
  /// pending. Throws (changing nothing) if a return is not finite.
  scalar_type truncate_episode() {
    if (episode_.empty()) return scalar_type(0);
    return finish_episode("MonteCarlo::truncate_episode", v_->value(last_next_state_),
                          /*pushed_final_step=*/false);
  }

  /// Drops the pending steps without learning from them.
  void discard_episode() noexcept { episode_.clear(); }

  /// Number of buffered steps of the pending episode.
  Index pending_steps() const noexcept { return static_cast<Index>(episode_.size()); }

  /// v(s).
  scalar_type value(const state_type& s) const {
    v_->check_state("MonteCarlo::value", "state", s);
    return v_->value(s);
  }

  /// Visits of s counted by the per-visit schedule (0 under constant).
  Index visit_count(const state_type& s) const {
    v_->check_state("MonteCarlo::visit_count", "state", s);
    return steps_.visits(slot(s));
  }

  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const MonteCarloConfig& config() const noexcept { return config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 private:
  struct BufferedStep {
    state_type state;
    scalar_type reward;
    scalar_type ret;  // G_t, filled when the episode is processed
  };

  // v(s) of a state update() has checked: read from the table directly.
  scalar_type value_of(const state_type& s) const {
    if constexpr (detail::kValueTable<V>)
      return v_->parameters().data()[static_cast<Index>(s)];
    else
      return v_->value(s);
  }

  static Index slot(const state_type& s) noexcept {
    if constexpr (IndexedStateSpace<V>) {
      return static_cast<Index>(s);
    } else {
      return 0;
    }
  }

  // Called with the final step in the buffer. Validates every return and
  // error first (popping the final step if update just pushed it and a check
  // fails), then applies the updates backwards.
  scalar_type finish_episode(std::string_view where, scalar_type bootstrap,
                             bool pushed_final_step) {
    const std::size_t T = episode_.size();
    scalar_type g = bootstrap;
    for (std::size_t i = T; i-- > 0;) {
      BufferedStep& step = episode_[i];
      g = step.reward + gamma_ * g;
      step.ret = g;
      const scalar_type error = g - value_of(step.state);
      if (!std::isfinite(error)) [[unlikely]] {
        if (pushed_final_step) episode_.pop_back();
        if (!std::isfinite(g))
          fail_check(where, "return", g, "is not finite (overflow); nothing was updated");
        fail_check(where, "error", error, "is not finite (overflow); nothing was updated");
      }
    }
    const bool first_only = config_.visits == MonteCarloVisits::first;
    if (first_only) {
      for (std::size_t i = 0; i < T; ++i) {
        Index& mark = first_visit_[static_cast<std::size_t>(slot(episode_[i].state))];
        if (mark < 0) mark = static_cast<Index>(i);
      }
    }
    scalar_type last_error = scalar_type(0);
    for (std::size_t i = T; i-- > 0;) {
      const BufferedStep& step = episode_[i];
      if (first_only &&
          first_visit_[static_cast<std::size_t>(slot(step.state))] != static_cast<Index>(i))
        continue;
      const scalar_type error = step.ret - value_of(step.state);
      const scalar_type alpha = steps_.take(slot(step.state));
      if constexpr (detail::kValueTable<V>) {  // the states were checked by update()
        const Index k = static_cast<Index>(step.state);
        if (!detail::add_to_table(*v_, k, alpha * error)) [[unlikely]]
          detail::reject_table_step(*v_, alpha * error, k);
      } else {
        v_->semi_gradient_step(step.state, alpha * error);
      }
      last_error = error;
    }
    if (first_only) {
      for (const BufferedStep& step : episode_)
        first_visit_[static_cast<std::size_t>(slot(step.state))] = -1;
    }
    episode_.clear();
    return last_error;
  }

  V* v_;
  MonteCarloConfig config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
  std::vector<BufferedStep> episode_;
  std::vector<Index> first_visit_;
  state_type last_next_state_{};
};

}  // namespace rlvalue
