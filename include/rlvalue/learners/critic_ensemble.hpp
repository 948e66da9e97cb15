#pragma once
// What the multi-critic learners share (DoubleQLearning,
// ClippedDoubleQLearning, MaxminQLearning, EnsembleQLearning): N critics held
// by pointer (the caller's approximators, all of the same shape), the
// discount, one step-size schedule with a slot per (critic, state, action),
// transition checks, and the combined estimate that behaviour policies act on
// (the mean or the min of the critics).
//
// The replay-batch updates (`update_batch`) of these learners share the
// validation of a whole batch, the prefetch of the table entries of the
// transition a few steps ahead (every row any critic may read, every entry any
// critic may write: the updated critics are drawn only when the transition is
// processed), and the naming of an overflowing target ("batch[i].td_error").
//
// The combined estimate makes every such learner an ActionValueReader, so
// `EpsilonGreedy policy(learner, 0.1)` acts on it directly. Its
// `action_values(s)` is a lazy Eigen expression (no copy, no allocation) that
// holds pointers to the critics and a copy of s.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstddef>
#include <limits>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

/// How a multi-critic learner combines its critics into the estimate it
/// reports and acts on.
enum class CombinedEstimate {
  mean,  ///< (1/N) sum_k Q_k(s, a) (Double Q-learning acts on Q^A + Q^B: same argmax)
  min,   ///< min_k Q_k(s, a) (Maxmin Q-learning acts on Q^min)
};

namespace detail {

/// Approximators whose action_values(s) is a view into their own storage
/// (a table row), not a freshly computed row: the learners prefetch such
/// rows to overlap cache misses.
template <class Q>
concept StoredActionRows = requires(const Q& q, const typename Q::state_type& s) {
  q.action_values(s).data();
  requires !std::is_same_v<std::remove_cvref_t<decltype(q.action_values(s))>,
                           typename std::remove_cvref_t<decltype(q.action_values(s))>::PlainObject>;
};

/// The entry index that tells the shared update code it runs for update()
/// (errors named "td_error") rather than for entry i of update_batch
/// ("batch[i].td_error").
inline constexpr std::size_t kNotBatch = std::numeric_limits<std::size_t>::max();

/// Base of the multi-critic learners. `Names` gives the learner's name for
/// messages (construct, update, update_batch, q, greedy_action, value,
/// visit_count).
template <ActionValueFunction Q, class Names>
class CriticEnsemble {
 public:
  using approximator_type = Q;
  using scalar_type = typename Q::scalar_type;
  using state_type = typename Q::state_type;
  using transition_type = Transition<state_type, Index, scalar_type>;

  /// Number of critics N.
  Index num_critics() const noexcept { return static_cast<Index>(critics_.size()); }
  /// Number of actions (of every critic).
  Index num_actions() const noexcept { return num_actions_; }
  /// Number of states, for critics over a finite state set.
  Index num_states() const
    requires FiniteStateSpace<Q>
  {
    return static_cast<Index>(critics_.front()->num_states());
  }
  /// How the critics are combined in q, action_values, greedy_action, value.
  CombinedEstimate combined_estimate() const noexcept { return combine_; }

  /// Critic k (std::out_of_range unless 0 <= k < N).
  const Q& critic(Index k) const {
    check_index(Names::construct, "critic", k, num_critics());
    return *critics_[static_cast<std::size_t>(k)];
  }

  /// Throws std::out_of_range naming `where` and `name` unless s is a state.
  void check_state(std::string_view where, std::string_view name, const state_type& s) const {
    critics_.front()->check_state(where, name, s);
  }
  /// Throws std::out_of_range naming `where` and `name` unless a is an action.
  void check_action(std::string_view where, std::string_view name, Index a) const {
    critics_.front()->check_action(where, name, a);
  }

  /// The combined estimate of all actions of s, a lazy row expression:
  /// (1/N) sum_k Q_k(s, .) or min_k Q_k(s, .). std::out_of_range naming
  /// "state".
  auto action_values(const state_type& s) const {
    check_state(Names::q, "state", s);
    using Row = Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>;
    const Q* const* critics = critics_.data();
    const Index n = num_critics();
    const bool use_min = combine_ == CombinedEstimate::min;
    const scalar_type inv_n = scalar_type(1) / static_cast<scalar_type>(n);
    return Row::NullaryExpr(num_actions_, [critics, n, use_min, inv_n, s](Index a) {
      return combined(critics, n, use_min, inv_n, s, a);
    });
  }

  /// The combined estimate of (s, a). std::out_of_range naming "state" or
  /// "action".
  scalar_type q(const state_type& s, Index a) const {
    check_state(Names::q, "state", s);
    check_action(Names::q, "action", a);
    return combined(critics_.data(), num_critics(), combine_ == CombinedEstimate::min,
                    scalar_type(1) / static_cast<scalar_type>(num_critics()), s, a);
  }

  /// argmax_a of the combined estimate, ties to the lowest index.
  Index greedy_action(const state_type& s) const {
    check_state(Names::greedy_action, "state", s);
    return argmax(action_values(s));
  }

  /// max_a of the combined estimate: the value of the greedy policy.
  scalar_type value(const state_type& s) const {
    check_state(Names::value, "state", s);
    return detail::max_coeff(action_values(s));
  }

  /// Visits of (s, a) by critic k counted by the per-visit schedule (0 under
  /// constant).
  Index visit_count(Index k, const state_type& s, Index a) const {
    check_index(Names::visit_count, "critic", k, num_critics());
    check_state(Names::visit_count, "state", s);
    check_action(Names::visit_count, "action", a);
    return steps_.visits(slot(k, s, a));
  }

  const StepSize<scalar_type>& step_sizes() const noexcept { return steps_; }
  scalar_type gamma() const noexcept { return gamma_; }

 protected:
  /// Validates: at least one critic, all of critic 0's shape, no critic
  /// given twice; gamma in [0, 1]; the step-size fields.
  CriticEnsemble(std::span<Q* const> critics, double gamma, double step_size,
                 StepSchedule schedule, double omega, CombinedEstimate combine)
      : critics_(validated(critics)),
        num_actions_(static_cast<Index>(critics_.front()->num_actions())),
        combine_(combine),
        gamma_(checked_gamma<scalar_type>(Names::construct, gamma)),
        steps_(Names::construct, step_size, schedule, omega,
               static_cast<Index>(critics_.size()) * countable_states(*critics_.front()) *
                   num_actions_) {
    if (combine != CombinedEstimate::mean && combine != CombinedEstimate::min) [[unlikely]]
      fail_check(Names::construct, "combined_estimate", static_cast<int>(combine),
                 "is not a CombinedEstimate");
  }

  Q& critic_ref(Index k) noexcept { return *critics_[static_cast<std::size_t>(k)]; }
  const Q& critic_ref(Index k) const noexcept { return *critics_[static_cast<std::size_t>(k)]; }

  /// Range checks of transition indices: state, action, next_state.
  void check_transition(const transition_type& t) const {
    check_state(Names::update, "state", t.state);
    check_action(Names::update, "action", t.action);
    check_state(Names::update, "next_state", t.next_state);
  }

  /// For tables (StoredActionRows): asks for the cache lines of Q_k(s, .)
  /// (the whole row) or of Q_k(s, a) now, so that the misses of the N
  /// critics overlap instead of queueing behind the target's arithmetic. A
  /// hint only: no effect on results; a no-op for computed rows. s, a must
  /// have passed check_transition.
  void prefetch_row(Index k, const state_type& s) const {
    if constexpr (StoredActionRows<Q>) {
      const auto row = critic_ref(k).action_values(s);
      __builtin_prefetch(row.data());
      __builtin_prefetch(row.data() + (num_actions_ - 1) * row.innerStride());
    } else {
      (void)k;
      (void)s;
    }
  }
  void prefetch_entry(Index k, const state_type& s, Index a) const {
    if constexpr (StoredActionRows<Q>) {
      const auto row = critic_ref(k).action_values(s);
      __builtin_prefetch(row.data() + a * row.innerStride(), 1);
    } else {
      (void)k;
      (void)s;
      (void)a;
    }
  }

  /// gamma, or 0 when s' is terminal (no bootstrap; truncation bootstraps).
  scalar_type discount(const transition_type& t) const noexcept {
    return t.terminated ? scalar_type(0) : gamma_;
  }

  /// Throws std::invalid_argument unless `error` (of transition t) is
  /// finite: for update() (entry == kNotBatch) naming the reward when it is
  /// the cause, else "td_error"; for entry i of update_batch (rewards checked
  /// beforehand, so the target overflowed) naming "batch[i].td_error".
  static void check_error(std::size_t entry, const transition_type& t, scalar_type error) {
    if (!std::isfinite(error)) [[unlikely]]
      reject_error(entry, t.reward, error);
  }

  /// y - Q_k(s, a), after rejecting a non-finite target or error (see
  /// check_error). Writes nothing.
  scalar_type checked_error(const transition_type& t, Index k, scalar_type target,
                            std::size_t entry = kNotBatch) const {
    const scalar_type error = target - critic_ref(k).value(t.state, t.action);
    check_error(entry, t, error);
    return error;
  }

  /// Validates every transition of a batch before anything is written or
  /// drawn: state, action and next_state in range (std::out_of_range) and a
  /// finite reward (std::invalid_argument), messages naming "batch[i].field".
  void check_batch(std::string_view where, std::span<const transition_type> batch) const {
    check_action_value_batch(where, *critics_.front(), num_actions_, batch);
  }

  /// The checks of update_batch before the pass: prefetch_distance >= 0,
  /// errors empty or of the batch's size, every entry valid (check_batch).
  void check_batch_call(std::span<const transition_type> batch, std::size_t errors,
                        Index prefetch_distance) const {
    check_prefetch_distance(Names::update_batch, prefetch_distance);
    check_batch_errors_size(Names::update_batch, errors, batch.size());
    check_batch(Names::update_batch, batch);
  }

  /// Where critic (or target critic) `q`'s rows lie, for prefetching: null
  /// data unless Q is a table (StoredActionRows with a dense row-major
  /// table_layout); then update_batch prefetches nothing.
  static TableLayout<scalar_type> prefetch_layout(const Q& q) noexcept {
    if constexpr (StoredActionRows<Q>) {
      return table_layout(q);
    } else {
      (void)q;
      return {};
    }
  }

  /// Prefetches the row s of a table (both ends: a row may straddle two
  /// cache lines) for reading, or its entry (s, a) for writing, into the
  /// L1 cache or, with `far`, the L2 (l.far unless given).
  /// No-ops unless Q's states are indices. s, a must be in range.
  [[gnu::always_inline]] static void prefetch_table_row(const TableLayout<scalar_type>& l,
                                                        const state_type& s, bool far) noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      prefetch_span<false>(l.data + static_cast<Index>(s) * l.stride, l.width, far);
    } else {
      (void)l;
      (void)s;
      (void)far;
    }
  }
  [[gnu::always_inline]] static void prefetch_table_row(const TableLayout<scalar_type>& l,
                                                        const state_type& s) noexcept {
    prefetch_table_row(l, s, l.far);
  }
  [[gnu::always_inline]] static void prefetch_table_entry(const TableLayout<scalar_type>& l,
                                                          const state_type& s, Index a,
                                                          bool far) noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      prefetch_write(l.data + static_cast<Index>(s) * l.stride + a, far);
    } else {
      (void)l;
      (void)s;
      (void)a;
      (void)far;
    }
  }
  [[gnu::always_inline]] static void prefetch_table_entry(const TableLayout<scalar_type>& l,
                                                          const state_type& s, Index a) noexcept {
    prefetch_table_entry(l, s, a, l.far);
  }

  /// The pass of update_batch over a validated batch: step(i) for i in
  /// order, with prefetch(batch[i + ahead]) issued before step(i) (and the
  /// first `ahead` transitions prefetched before the pass). ahead = 0: a
  /// plain loop. Give `prefetch` __attribute__((always_inline)): GCC finds
  /// a function made only of prefetches free of side effects and drops the
  /// calls to it that it has not inlined early (flatten does not reach into
  /// the lambda), so without the attribute nothing would be prefetched.
  template <class Prefetch, class Step>
  static void batch_pass(std::span<const transition_type> batch, std::size_t ahead,
                         Prefetch&& prefetch, Step&& step) {
    const std::size_t n = batch.size();
    std::size_t i = 0;
    if (ahead == 0) {  // no prefetch (and none through the null layouts of non-tables)
      for (; i < n; ++i) step(i);
      return;
    }
    ahead = std::min(ahead, n);
    for (; i < ahead; ++i) prefetch(batch[i]);
    i = 0;
    for (; i + ahead < n; ++i) {
      prefetch(batch[i + ahead]);
      step(i);
    }
    for (; i < n; ++i) step(i);
  }

  /// batch_pass for tables whose lines may be far (out of cache): with
  /// ahead > 0 and `far`, the pass calls prefetch(t, std::true_type) (into
  /// the L2) in a loop of its own, so that the loop in cache, which calls
  /// prefetch(t, far) with far false, keeps its code (when one loop carried
  /// the branch on far, 20 more instructions per Double Q update were
  /// measured in cache).
  template <class Prefetch, class Step>
  static void batch_pass(std::span<const transition_type> batch, std::size_t ahead, bool far,
                         Prefetch&& prefetch, Step&& step) {
    if (ahead > 0 && far) {
      batch_pass(
          batch, ahead,
          [&](const transition_type& t) __attribute__((always_inline)) {
            prefetch(t, std::true_type{});
          },
          step);
      return;
    }
    batch_pass(
        batch, ahead,
        [&](const transition_type& t) __attribute__((always_inline)) { prefetch(t, far); },
        step);
  }

  /// The fair coin of the learners that update one of two critics: one
  /// uniform01 draw, critic 0 when it is below 1/2, else critic 1.
  /// uniform01 is (x >> 11) * 2^-53 for the 64 random bits x, below 1/2
  /// exactly when the top bit of x is clear, which is read directly.
  template <std::uniform_random_bit_generator G>
  static Index coin(G& rng) {
    return static_cast<Index>(random_bits64(rng) >> 63);
  }

  /// For an update that writes several critics: throws, writing nothing, if
  /// table critic k would reject apply(t, k, error) (q(s, a) + alpha * error
  /// not finite; the table's own exception). Called for every critic before
  /// any is written, so a rejected step leaves all of them unchanged. Other
  /// critics (linear) check in their own semi_gradient_step.
  void check_step(const transition_type& t, Index k, scalar_type error) {
    if constexpr (StoredActionRows<Q>) {
      const scalar_type alpha = steps_.peek(slot(k, t.state, t.action));
      if (!std::isfinite(critic_ref(k).value(t.state, t.action) + alpha * error)) [[unlikely]]
        apply(t, k, error);  // the table rejects it: throws, count taken back
    } else {
      (void)t;
      (void)k;
      (void)error;
    }
  }

  /// Q_k(s, a) += alpha * error, alpha from the schedule (counts the visit).
  /// Call only after every check of the update has passed.
  void apply(const transition_type& t, Index k, scalar_type error) {
    steps_.take_and_apply(slot(k, t.state, t.action), [&](scalar_type alpha) {
      critic_ref(k).semi_gradient_step(t.state, t.action, alpha * error);
    });
  }

  /// check_step(t, k, error) for a TabularQ critic k whose entry (t.state,
  /// t.action) is `entry`, a reference into its storage, and whose
  /// step-size slot is `at` (= slot(k, t.state, t.action)).
  void check_entry_step(const transition_type& t, Index k, scalar_type error,
                        const scalar_type& entry, Index at) {
    if (!std::isfinite(entry + steps_.peek(at) * error)) [[unlikely]]
      apply(t, k, error);  // the table rejects it: throws, count taken back
  }

  /// apply(t, k, error) for a TabularQ critic k whose entry (t.state,
  /// t.action) is `entry`, a reference into its storage, and whose
  /// step-size slot is `at` (= slot(k, t.state, t.action)): the same alpha,
  /// visit count and result q(s, a) + alpha * error, written directly; a
  /// result that is not finite is left to the table's semi_gradient_step,
  /// which throws (its message) and writes nothing, and the count is taken
  /// back.
  void apply_to_entry(const transition_type& t, Index k, scalar_type error, scalar_type& entry,
                      Index at) {
    steps_.take_and_apply(at, [&](scalar_type alpha) {
      const scalar_type result = entry + alpha * error;
      if (!std::isfinite(result)) [[unlikely]]
        critic_ref(k).semi_gradient_step(t.state, t.action, alpha * error);  // throws
      entry = result;
    });
  }

  Index slot(Index k, const state_type& s, Index a) const noexcept {
    if constexpr (IndexedStateSpace<Q>) {
      const Index states = static_cast<Index>(critics_.front()->num_states());
      return (k * states + static_cast<Index>(s)) * num_actions_ + a;
    } else {
      (void)k;
      (void)s;
      (void)a;
      return 0;
    }
  }

 private:
  [[noreturn]] __attribute__((noinline, cold)) static void reject_error(std::size_t entry,
                                                                       scalar_type reward,
                                                                       scalar_type error) {
    if (entry == kNotBatch) reject_non_finite_error(Names::update, reward, error);
    reject_batch_error(Names::update_batch, entry, error);
  }

  static scalar_type combined(const Q* const* critics, Index n, bool use_min, scalar_type inv_n,
                              const state_type& s, Index a) {
    scalar_type acc = critics[0]->value(s, a);
    if (use_min) {
      for (Index k = 1; k < n; ++k) {
        const scalar_type x = critics[k]->value(s, a);
        acc = x < acc ? x : acc;
      }
      return acc;
    }
    for (Index k = 1; k < n; ++k) acc += critics[k]->value(s, a);
    return n == 1 ? acc : acc * inv_n;
  }

  static std::vector<Q*> validated(std::span<Q* const> critics) {
    check_at_least_one(Names::construct, "number of critics", static_cast<Index>(critics.size()));
    for (std::size_t k = 0; k < critics.size(); ++k) {
      const Q* c = critics[k];
      const std::string name = "critic " + format_value(static_cast<Index>(k));
      check_size(Names::construct, name + " num_actions()", static_cast<Index>(c->num_actions()),
                 static_cast<Index>(critics[0]->num_actions()));
      if constexpr (FiniteStateSpace<Q>)
        check_size(Names::construct, name + " num_states()", static_cast<Index>(c->num_states()),
                   static_cast<Index>(critics[0]->num_states()));
      for (std::size_t j = 0; j < k; ++j)
        if (critics[j] == c) [[unlikely]]
          fail_check(Names::construct, "critic", static_cast<Index>(k),
                     "is the same object as critic " + format_value(static_cast<Index>(j)) +
                         " (each critic needs its own approximator)");
    }
    return {critics.begin(), critics.end()};
  }

  std::vector<Q*> critics_;
  Index num_actions_;
  CombinedEstimate combine_;

 protected:
  scalar_type gamma_;
  StepSize<scalar_type> steps_;
};

}  // namespace detail

}  // namespace rlvalue
