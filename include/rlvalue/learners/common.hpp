#pragma once
/// @file
/// Pieces shared by the one-step learners (TD0, QLearning, Sarsa,
/// ExpectedSarsa): their config, the finite-state-space test used for visit
/// counts, the non-finite-error rejection, and the action-value learner base
/// that holds the approximator, the config and the step sizes; and the
/// machinery of their replay-batch updates (`update_batch`): validation of a
/// whole batch before anything is written, and prefetching of the table rows
/// of transitions a few steps ahead.

#include <cmath>
#include <concepts>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// Config of the one-step TD learners. Fields are double whatever the
/// learner's scalar type (converted once, at construction), so
/// `{.gamma = g}` works for float learners too.
struct TDConfig {
  double gamma = 1.0;      ///< discount, in [0, 1]
  double step_size = 0.1;  ///< alpha (constant schedule) or its scale (per_visit), > 0
  StepSchedule schedule = StepSchedule::constant;  ///< see learners/step_size.hpp
  double omega = 1.0;      ///< per_visit exponent: alpha_n = step_size / n^omega, in (0, 1]
};
/// Config of TD0: {.gamma, .step_size, .schedule, .omega}.
using TD0Config = TDConfig;
/// Config of QLearning: {.gamma, .step_size, .schedule, .omega}.
using QLearningConfig = TDConfig;
/// Config of Sarsa: {.gamma, .step_size, .schedule, .omega}.
using SarsaConfig = TDConfig;
/// Config of ExpectedSarsa: {.gamma, .step_size, .schedule, .omega}.
using ExpectedSarsaConfig = TDConfig;

/// Approximators whose states are the indices 0..num_states()-1: the ones a
/// learner can count visits for (per-visit step sizes, first-visit Monte
/// Carlo).
template <class F>
concept IndexedStateSpace =
    FiniteStateSpace<F> && std::convertible_to<typename F::state_type, Index>;

/// How many transitions ahead `update_batch` prefetches the table entries a
/// transition will touch (0: no prefetch), so that the random accesses of
/// successive transitions overlap. With tables prefetched into the L2 (see
/// kPrefetchToL2Bytes) 32 ahead beat 16 on the reference machine (1,000,000 x 8:
/// 72 against 60 M updates/s); tables that fit in cache neither gain nor lose.
inline constexpr Index kDefaultPrefetchDistance = 32;

template <class Scalar>
class TabularV;  // approx/tabular_v.hpp
template <class Scalar>
class TabularQ;  // approx/tabular_q.hpp

namespace detail {

/// True for TabularV: a vector of values, v(s) = w[s], that learners may
/// read and write through its data pointer once they have checked s (the
/// one-step learners' direct path; every other approximator goes through
/// value() and semi_gradient_step()).
template <class F>
inline constexpr bool kValueTable = false;
template <class Scalar>
inline constexpr bool kValueTable<TabularV<Scalar>> = true;
/// True for TabularQ: q(s, a) = w[s * num_actions() + a] (row-major), read
/// and written the same way by the action-value learners once (s, a) is
/// checked.
template <class F>
inline constexpr bool kActionTable = false;
template <class Scalar>
inline constexpr bool kActionTable<TabularQ<Scalar>> = true;

/// Cold path of the direct table updates: the approximator's own
/// semi_gradient_step(entry..., step) computes the same sum and throws naming
/// it (nothing is written).
template <class F, class... Entry>
[[noreturn]] __attribute__((noinline, cold)) void reject_table_step(F& f,
                                                                    typename F::scalar_type step,
                                                                    Entry... entry) {
  f.semi_gradient_step(entry..., step);
  fail_check("semi_gradient_step", "step", step,
             "does not give a finite entry; nothing was written");  // not reached
}

/// The hot path of f.semi_gradient_step for a TabularV or TabularQ whose
/// entry is already checked: w[k] += step, k the entry's offset in the
/// parameters (s, or s * num_actions + a). Returns false, writing nothing,
/// when the result is not finite (the caller then undoes what it counted and
/// calls reject_table_step).
template <class F>
inline bool add_to_table(F& f, Index k, typename F::scalar_type step) {
  static_assert(kValueTable<F> || kActionTable<F>);
  typename F::scalar_type* const w = f.parameters().data();
  const typename F::scalar_type updated = w[k] + step;
  if (!std::isfinite(updated)) [[unlikely]]
    return false;
  w[k] = updated;
  return true;
}

/// Tables larger than this many bytes are prefetched into the second-level
/// cache rather than the first. Their lines come from memory, and a core has
/// far more misses to the L2 in flight than to the L1 (whose 10-24 fill
/// buffers then cap the overlap): on the reference machine (AMD EPYC, 1 MiB
/// L2, 32 MiB L3) QLearning::update_batch on a 1,000,000 x 8 table ran at
/// 36-38 M updates/s prefetching into L1 and 64-73 M/s into L2 (prefetch
/// distance 16-32), while a 100,000 x 8 table (6.4 MB, in L3) was faster
/// prefetched into L1 (135 against 113 M/s) and a 300,000 x 8 one (19 MB)
/// into L2 (84 against 73 M/s).
inline constexpr std::size_t kPrefetchToL2Bytes = std::size_t{16} << 20;

/// Hints that the cache line holding *p will be read (prefetch_read) or
/// written (prefetch_write) soon: into the L1 cache, or with `far` into the L2
/// (see kPrefetchToL2Bytes). Never faults; p must point into an object.
[[gnu::always_inline]] inline void prefetch_read(const void* p, bool far = false) noexcept {
  if (far)
    __builtin_prefetch(p, 0, 2);
  else
    __builtin_prefetch(p, 0, 3);
}
[[gnu::always_inline]] inline void prefetch_write(const void* p, bool far = false) noexcept {
  if (far)
    __builtin_prefetch(p, 1, 2);
  else
    __builtin_prefetch(p, 1, 3);
}

/// Prefetches both ends of [first, first + n) (one or two cache lines for a
/// row of up to 8 doubles), for reading or for writing.
template <bool kWrite, class T>
[[gnu::always_inline]] inline void prefetch_span(const T* first, Index n,
                                                bool far = false) noexcept {
  if constexpr (kWrite) {
    prefetch_write(first, far);
    prefetch_write(first + (n - 1), far);
  } else {
    prefetch_read(first, far);
    prefetch_read(first + (n - 1), far);
  }
}

/// Throws std::invalid_argument unless prefetch_distance >= 0.
inline void check_prefetch_distance(std::string_view where, Index prefetch_distance) {
  if (prefetch_distance < 0) [[unlikely]]
    throw_invalid(where, "prefetch_distance", prefetch_distance, "must be non-negative");
}

/// "batch[i].field", the name of a field of a batch entry in messages.
/// Out of line and cold, as are the messages built from it: the batch updates
/// that flatten their calls (GCC's flatten inlines all it can reach) would
/// otherwise carry string code in each copy of their loop.
__attribute__((noinline, cold)) inline std::string batch_field(std::size_t i,
                                                               std::string_view field) {
  std::string name = "batch[";
  name.append(format_value(i)).append("]");
  if (!field.empty()) name.append(".").append(field);
  return name;
}

/// check_batch_entries' second run of `check` on the entry that threw, with
/// the names "batch[i].field" (out of line and cold).
template <class Check>
__attribute__((noinline, cold)) void recheck_batch_entry(std::size_t i, Check& check) {
  check(i, [i](std::string_view field) { return batch_field(i, field); });
}

/// Runs `check(i, name)` (which throws with the given field names, e.g.
/// check(i, [](auto field) { ... })) on every entry of a batch in order, with
/// the plain field names; when one throws, runs it again on that entry with
/// names "batch[i].field" (cold), so the message names the entry, and the
/// exception type is kept. The checks of a valid batch are a loop of
/// predictable branches.
template <class Check>
inline void check_batch_entries(std::size_t n, Check check) {
  std::size_t i = 0;
  try {
    for (; i < n; ++i) check(i, [](std::string_view field) { return std::string_view(field); });
  } catch (...) {
    recheck_batch_entry(i, check);
    throw;  // not reached: the named check throws too
  }
}

/// The non-finite error of batch entry i (the reward was checked before the
/// batch started, so the target overflowed): std::invalid_argument naming the
/// entry; entries before i have been applied.
template <class Scalar>
[[noreturn]] __attribute__((noinline, cold)) void reject_batch_error(std::string_view where,
                                                                    std::size_t i, Scalar error) {
  fail_check(where, batch_field(i, "td_error"), error,
             "is not finite (the target overflowed); the entries before it were applied, "
             "this one and the later ones were not");
}

/// Throws std::invalid_argument unless the errors output of a batch update
/// is empty (not wanted) or has one entry per transition.
inline void check_batch_errors_size(std::string_view where, std::size_t errors,
                                    std::size_t batch) {
  if (errors != 0 && errors != batch) [[unlikely]]
    throw_size_mismatch(where, "errors", static_cast<Index>(errors), static_cast<Index>(batch));
}

/// Validates every transition of a batch of action-value updates on `q`
/// (actions 0..num_actions-1) before anything is written: state, action and
/// next_state in range (std::out_of_range) and a finite reward
/// (std::invalid_argument), messages naming "batch[i].field".
template <class Q, class Transitions>
void check_action_value_batch(std::string_view where, const Q& q, Index num_actions,
                              const Transitions& batch) {
  using Scalar = typename Q::scalar_type;
  if constexpr (IndexedStateSpace<Q>) {
    // Fast path, branch-free: states are 0..num_states()-1 by the concept;
    // the named checks below run only when an entry is bad, to find and
    // report the first one.
    using U = std::make_unsigned_t<Index>;
    const U states = static_cast<U>(q.num_states());
    const U actions = static_cast<U>(num_actions);
    bool ok = true;
    for (const auto& t : batch)
      ok &= (static_cast<U>(static_cast<Index>(t.state)) < states) &
            (static_cast<U>(static_cast<Index>(t.next_state)) < states) &
            (static_cast<U>(t.action) < actions) &
            (std::abs(t.reward) <= std::numeric_limits<Scalar>::max());
    if (ok) [[likely]]
      return;
  }
  check_batch_entries(batch.size(), [&](std::size_t i, auto name) {
    const auto& t = batch[i];
    q.check_state(where, name("state"), t.state);
    q.check_action(where, name("action"), t.action);
    q.check_state(where, name("next_state"), t.next_state);
    check_finite(where, name("reward"), t.reward);
  });
}

/// Approximators whose parameters are a row-major (num_states x k) Eigen
/// table with the entries of state s in row s (TabularQ; TabularV with
/// k = 1): the ones whose entries update_batch can prefetch. Whether the
/// shape really is that is checked at run time (table_layout).
template <class F>
concept DenseTableParameters = IndexedStateSpace<F> && requires(const F& f) {
  { f.parameters().data() } -> std::convertible_to<const typename F::scalar_type*>;
  f.parameters().rows();
  f.parameters().cols();
};

/// Where the entries of state s start (data + s * stride) and how many there
/// are, for an approximator whose parameters hold one row (or, for a vector,
/// one entry) per state; null data when they do not, or when F is not a
/// DenseTableParameters approximator (then nothing is prefetched).
template <class Scalar>
struct TableLayout {
  const Scalar* data = nullptr;
  Index stride = 0;
  Index width = 0;
  bool far = false;  ///< larger than kPrefetchToL2Bytes: prefetch into the L2
};

template <class F>
auto table_layout(const F& f) noexcept {
  using Scalar = typename F::scalar_type;
  TableLayout<Scalar> layout;
  if constexpr (DenseTableParameters<F>) {
    const auto& p = f.parameters();
    using P = std::remove_cvref_t<decltype(p)>;
    const Index states = static_cast<Index>(f.num_states());
    if (p.rows() == states && (P::IsRowMajor || p.cols() == 1)) {
      layout.data = p.data();
      layout.stride = p.cols();
      layout.width = p.cols();
      layout.far = static_cast<std::size_t>(p.size()) * sizeof(Scalar) > kPrefetchToL2Bytes;
    }
  }
  return layout;
}

/// Number of states a learner can count visits for (0: not a finite space).
template <class F>
Index countable_states(const F& f) {
  if constexpr (IndexedStateSpace<F>) {
    return static_cast<Index>(f.num_states());
  } else {
    return 0;
  }
}

/// Cold path of check_error_finite: names the reward if it is the culprit,
/// else the error.
template <class Scalar>
[[noreturn]] __attribute__((noinline, cold)) void reject_non_finite_error(std::string_view where,
                                                                         Scalar reward,
                                                                         Scalar error) {
  check_finite(where, "reward", reward);
  fail_check(where, "td_error", error,
             "is not finite (the target overflowed or a value is not finite); nothing was "
             "updated");
}

/// Throws std::invalid_argument (naming "reward" when the reward is not
/// finite, else "td_error") unless `error` is finite. A non-finite reward
/// always gives a non-finite error, so one branch covers both on the hot path.
template <class Scalar>
inline void check_error_finite(std::string_view where, Scalar reward, Scalar error) {
  if (!std::isfinite(error)) [[unlikely]]
    reject_non_finite_error(where, reward, error);
}

/// Throws std::invalid_argument unless the step alpha * delta is finite (a
/// finite error times a large step size can overflow); call before writing.
template <class Scalar>
inline void check_step_finite(std::string_view where, Scalar step) {
  if (!std::isfinite(step)) [[unlikely]]
    fail_check(where, "step_size * td_error", step,
               "is not finite (the step overflowed); nothing was updated");
}

/// gamma after checking it lies in [0, 1].
template <class Scalar>
Scalar checked_gamma(std::string_view where, double gamma) {
  check_unit_interval(where, "gamma", gamma);
  return static_cast<Scalar>(gamma);
}

/// What an action-value learner holds: a pointer to the caller's approximator,
/// its config and step sizes. `Names` gives the learner's name for messages.
template <ActionValueFunction Q, class Names>
class ActionValueLearner {
 public:
  using approximator_type = Q;
  using scalar_type = typename Q::scalar_type;
  using state_type = typename Q::state_type;
  using config_type = TDConfig;
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// q(s, a). Throws std::out_of_range naming "state" or "action".
  scalar_type q(const state_type& s, Index a) const {
    q_->check_state(Names::q, "state", s);
    q_->check_action(Names::q, "action", a);
    return q_->value(s, a);
  }

  /// argmax_a q(s, a), ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    q_->check_state(Names::greedy_action, "state", s);
    return argmax(q_->action_values(s));
  }

  /// Visits of (s, a) counted by the per-visit schedule (0 under constant).
  Index visit_count(const state_type& s, Index a) const {
    q_->check_state(Names::visit_count, "state", s);
    q_->check_action(Names::visit_count, "action", a);
    return steps_.visits(slot(s, a));
  }

  Q& approximator() noexcept { return *q_; }
  const Q& approximator() const noexcept { return *q_; }
  const TDConfig& config() const noexcept { return config_; }
  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }

 protected:
  ActionValueLearner(Q& q, const TDConfig& config)
      : q_(&q),
        config_(config),
        gamma_(checked_gamma<scalar_type>(Names::construct, config.gamma)),
        steps_(Names::construct, config.step_size, config.schedule, config.omega,
               countable_states(q) * static_cast<Index>(q.num_actions())) {}

  /// Range checks of transition indices: state, action, next_state.
  void check_transition(const transition_type& t) const {
    q_->check_state(Names::update, "state", t.state);
    q_->check_action(Names::update, "action", t.action);
    q_->check_state(Names::update, "next_state", t.next_state);
  }

  /// gamma, or 0 when s' is terminal (no bootstrap; truncation bootstraps).
  scalar_type discount(const transition_type& t) const noexcept {
    return t.terminated ? scalar_type(0) : gamma_;
  }

  /// Validates every transition of a batch before anything is written:
  /// state, action and next_state in range (std::out_of_range) and a finite
  /// reward (std::invalid_argument), messages naming "batch[i].field".
  void check_batch(std::string_view where, std::span<const transition_type> batch) const {
    check_action_value_batch(where, *q_, q_->num_actions(), batch);
  }

  /// Prefetches what the update of t will touch: the row q(s', .) (read) and
  /// the entry q(s, a) (written). `layout` comes from table_layout(*q_); t
  /// has been validated.
  static void prefetch(const TableLayout<scalar_type>& layout, const transition_type& t) noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      const Index next = static_cast<Index>(t.next_state);
      prefetch_span<false>(layout.data + next * layout.stride, layout.width, layout.far);
      prefetch_write(layout.data + static_cast<Index>(t.state) * layout.stride + t.action,
                     layout.far);
    } else {
      (void)layout;  // no table: update_batch never calls this (data is null)
      (void)t;
    }
  }

  /// Rejects a non-finite error, then q(s, a) += alpha * error with alpha
  /// from the schedule (the visit is counted only once the update is valid).
  scalar_type apply(const transition_type& t, scalar_type error) {
    check_error_finite(Names::update, t.reward, error);
    if constexpr (kActionTable<Q>) {
      const Index k = slot(t.state, t.action);  // row-major: s * num_actions + a
      const scalar_type step = steps_.take(k) * error;
      if (!add_to_table(*q_, k, step)) [[unlikely]] {
        steps_.untake(k);
        reject_table_step(*q_, step, static_cast<Index>(t.state), t.action);
      }
    } else {
      steps_.take_and_apply(slot(t.state, t.action), [&](scalar_type alpha) {
        q_->semi_gradient_step(t.state, t.action, alpha * error);
      });
    }
    return error;
  }

  Index slot(const state_type& s, Index a) const noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      return static_cast<Index>(s) * static_cast<Index>(q_->num_actions()) + a;
    } else {
      return 0;
    }
  }

  Q* q_;
  TDConfig config_;
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
};

}  // namespace detail

}  // namespace rlvalue
