#pragma once
/// @file
/// TD0<V>: tabular/linear TD(0) prediction (Sutton 1988, "Learning to predict
/// by the methods of temporal differences"; Sutton & Barto 2nd ed. 6.1):
///   v(s) += alpha * (r + gamma * v(s') - v(s)),
/// no bootstrap when s' is terminal (`terminated`: the target is r); a
/// `truncated` transition bootstraps from v(s') as usual. With a linear
/// approximator this is semi-gradient TD(0): w += alpha * delta * grad v(s).
/// `update_batch` applies a replay batch (a span of transitions) in order,
/// prefetching the table entries of the transitions a few steps ahead.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string_view>
#include <type_traits>

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
  /// The approximator type (held by pointer; the caller keeps it alive).
  using approximator_type = V;
  /// Scalar type (float or double).
  using scalar_type = typename V::scalar_type;
  /// Type of a state.
  using state_type = typename V::state_type;
  /// The config aggregate, validated at construction.
  using config_type = TD0Config;
  /// The action is ignored.
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Binds the learner to `v` (held by pointer) and validates `config` (std::invalid_argument naming the field).
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
    const scalar_type error = error_of(t);
    detail::check_error_finite("TD0::update", t.reward, error);
    step(t.state, error);
    return error;
  }

  /// Applies update() to every transition of `batch` in order, bit for bit
  /// as calling update() on each in turn (values, visit counts, errors). The
  /// whole batch is validated first: a state or next_state out of range
  /// (std::out_of_range) or a non-finite reward (std::invalid_argument)
  /// anywhere throws naming the entry ("batch[i].next_state") and changes
  /// nothing. A target that overflows although every input is finite throws
  /// naming "batch[i].td_error", with the entries before i applied.
  /// `errors` is empty or has batch.size() entries (errors[i] = the error of
  /// batch[i]). For tables (TabularV), v(s) and v(s') of the transition
  /// `prefetch_distance` steps ahead are prefetched (0: none). No allocation.
  // Flattened: GCC would not inline the error function into this large body
  // (a call per transition), while update() gets it inlined.
  __attribute__((flatten)) void update_batch(std::span<const transition_type> batch,
                                             std::span<scalar_type> errors,
                                             Index prefetch_distance = kDefaultPrefetchDistance) {
    constexpr std::string_view where = "TD0::update_batch";
    detail::check_prefetch_distance(where, prefetch_distance);
    detail::check_batch_errors_size(where, errors.size(), batch.size());
    if (!batch_is_valid(batch)) [[unlikely]]
      detail::check_batch_entries(batch.size(), [&](std::size_t i, auto name) {
        const transition_type& t = batch[i];
        v_->check_state(where, name("state"), t.state);
        v_->check_state(where, name("next_state"), t.next_state);
        check_finite(where, name("reward"), t.reward);
      });
    const auto layout = detail::table_layout(*v_);
    const std::size_t n = batch.size();
    const std::size_t ahead =
        layout.data != nullptr ? std::min(static_cast<std::size_t>(prefetch_distance), n) : 0;
    scalar_type* const out = errors.empty() ? nullptr : errors.data();
    if (ahead == 0) {  // no prefetch, and no offset ever applied to a null table pointer
      for (std::size_t i = 0; i < n; ++i) batch_step(batch[i], i, out);
      return;
    }
    auto prefetch = [&layout](const transition_type& t) {
      if constexpr (IndexedStateSpace<V>) {
        detail::prefetch_read(layout.data + static_cast<Index>(t.next_state) * layout.stride,
                              layout.far);
        detail::prefetch_write(layout.data + static_cast<Index>(t.state) * layout.stride,
                               layout.far);
      } else {
        (void)layout;  // never prefetched: data is null
        (void)t;
      }
    };
    for (std::size_t i = 0; i < ahead; ++i) prefetch(batch[i]);
    std::size_t i = 0;
    for (; i + ahead < n; ++i) {
      prefetch(batch[i + ahead]);
      batch_step(batch[i], i, out);
    }
    for (; i < n; ++i) batch_step(batch[i], i, out);
  }

  /// update_batch without the errors.
  void update_batch(std::span<const transition_type> batch,
                    Index prefetch_distance = kDefaultPrefetchDistance) {
    update_batch(batch, std::span<scalar_type>(), prefetch_distance);
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

  /// The approximator this learner updates (the caller's object).
  V& approximator() noexcept { return *v_; }
  /// The approximator this learner updates (the caller's object).
  const V& approximator() const noexcept { return *v_; }
  /// The config given at construction.
  const TD0Config& config() const noexcept { return config_; }
  /// The step-size state: schedule and per-visit counts.
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 private:
  // Fast, branch-free test of a whole batch for tables (states are
  // 0..num_states()-1 by IndexedStateSpace); false sends update_batch to the
  // named checks, which find and report the first bad entry.
  bool batch_is_valid(std::span<const transition_type> batch) const noexcept {
    if constexpr (IndexedStateSpace<V>) {
      using U = std::make_unsigned_t<Index>;
      const U states = static_cast<U>(v_->num_states());
      bool ok = true;
      for (const transition_type& t : batch)
        ok &= (static_cast<U>(static_cast<Index>(t.state)) < states) &
              (static_cast<U>(static_cast<Index>(t.next_state)) < states) &
              (std::abs(t.reward) <= std::numeric_limits<scalar_type>::max());
      return ok;
    } else {
      return false;
    }
  }

  // The arithmetic of update() on a validated batch entry.
  void batch_step(const transition_type& t, std::size_t i, scalar_type* errors) {
    const scalar_type error = error_of(t);
    if (!std::isfinite(error)) [[unlikely]]
      detail::reject_batch_error("TD0::update_batch", i, error);
    step(t.state, error);
    if (errors != nullptr) errors[i] = error;
  }

  // delta = r + gamma * (terminated ? 0 : v(s')) - v(s) for checked states
  // (a TabularV's entries read directly).
  scalar_type error_of(const transition_type& t) const {
    const scalar_type discount = t.terminated ? scalar_type(0) : gamma_;
    if constexpr (detail::kValueTable<V>) {
      const scalar_type* const w = v_->parameters().data();
      const scalar_type v_next = t.terminated ? scalar_type(0) : w[t.next_state];
      return td_error(w[t.state], t.reward, discount, v_next);
    } else {
      const scalar_type v_next = t.terminated ? scalar_type(0) : v_->value(t.next_state);
      return td_error(v_->value(t.state), t.reward, discount, v_next);
    }
  }

  // v(s) += alpha * error with the visit counted; a throwing step changes
  // nothing (a TabularV's entry written directly, see detail::add_to_table).
  void step(const state_type& s, scalar_type error) {
    if constexpr (detail::kValueTable<V>) {
      const scalar_type delta = steps_.take(s) * error;
      if (!detail::add_to_table(*v_, s, delta)) [[unlikely]] {
        steps_.untake(s);
        detail::reject_table_step(*v_, delta, s);
      }
    } else {
      steps_.take_and_apply(slot(s), [&](scalar_type alpha) {
        v_->semi_gradient_step(s, alpha * error);
      });
    }
  }

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
