#pragma once
/// @file
/// QLearning<Q>: one-step off-policy control (Watkins 1989, "Learning from
/// delayed rewards"; Sutton & Barto 2nd ed. section 6.5):
///   q(s, a) += alpha * (r + gamma * max_a' q(s', a') - q(s, a)),
/// with no bootstrap when s' is terminal (`terminated`); a `truncated`
/// transition bootstraps from s' as usual. `update_batch` applies a replay
/// batch (a span of transitions) in order, prefetching the table rows of the
/// transitions a few steps ahead so that their cache misses overlap.

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <span>
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
  static constexpr std::string_view update_batch = "QLearning::update_batch";
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

  /// Binds the learner to `q` (held by pointer) and validates `config` (std::invalid_argument naming the field).
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

  /// Applies update() to every transition of `batch` in order: the table,
  /// the visit counts and (if `errors` is given) the errors are bit for bit
  /// those of calling update() on each transition in turn, whatever the
  /// transitions share (rows read by one and written by another included).
  /// The whole batch is validated before anything is written: a bad index
  /// (std::out_of_range) or a non-finite reward (std::invalid_argument) in
  /// any transition throws naming it ("batch[i].state"), and the learner is
  /// left unchanged. Only a target that overflows although every input is
  /// finite is found during the pass: that throws naming "batch[i].td_error",
  /// with the entries before i applied and none after.
  /// `errors` is empty (not wanted) or has batch.size() entries; errors[i]
  /// receives the error update() would return for batch[i].
  /// For tables (TabularQ), the rows of the transition `prefetch_distance`
  /// steps ahead are prefetched (0: none; kDefaultPrefetchDistance suits
  /// x86-64), so that the random accesses of tables larger than the cache
  /// overlap. No allocation.
  // Flattened: GCC would not inline the error function into this large body
  // (a call per transition), while update() gets it inlined.
  __attribute__((flatten)) void update_batch(std::span<const transition_type> batch,
                                             std::span<scalar_type> errors,
                                             Index prefetch_distance = kDefaultPrefetchDistance) {
    constexpr std::string_view where = Names::update_batch;
    detail::check_prefetch_distance(where, prefetch_distance);
    detail::check_batch_errors_size(where, errors.size(), batch.size());
    this->check_batch(where, batch);
    const auto layout = detail::table_layout(*this->q_);
    const std::size_t n = batch.size();
    const std::size_t ahead =
        layout.data != nullptr ? std::min(static_cast<std::size_t>(prefetch_distance), n) : 0;
    scalar_type* const out = errors.empty() ? nullptr : errors.data();
    if (ahead == 0) {  // no prefetch, and no offset ever applied to a null table pointer
      for (std::size_t i = 0; i < n; ++i) batch_step(batch, i, out);
      return;
    }
    for (std::size_t i = 0; i < ahead; ++i) Base::prefetch(layout, batch[i]);
    std::size_t i = 0;
    for (; i + ahead < n; ++i) {
      Base::prefetch(layout, batch[i + ahead]);
      batch_step(batch, i, out);
    }
    for (; i < n; ++i) batch_step(batch, i, out);
  }

  /// update_batch without the errors.
  void update_batch(std::span<const transition_type> batch,
                    Index prefetch_distance = kDefaultPrefetchDistance) {
    update_batch(batch, std::span<scalar_type>(), prefetch_distance);
  }

  /// v(s) = max_a q(s, a): the value of the greedy (target) policy.
  scalar_type value(const state_type& s) const {
    this->q_->check_state(Names::value, "state", s);
    return detail::max_coeff(this->q_->action_values(s));
  }

 private:
  // The arithmetic of update() on a validated batch entry.
  void batch_step(std::span<const transition_type> batch, std::size_t i, scalar_type* errors) {
    const transition_type& t = batch[i];
    const scalar_type error =
        q_learning_error(this->q_->action_values(t.state), t.action, t.reward,
                         this->discount(t), this->q_->action_values(t.next_state));
    if (!std::isfinite(error)) [[unlikely]]
      detail::reject_batch_error(Names::update_batch, i, error);
    this->steps_.take_and_apply(this->slot(t.state, t.action), [&](scalar_type alpha) {
      this->q_->semi_gradient_step(t.state, t.action, alpha * error);
    });
    if (errors != nullptr) errors[i] = error;
  }
};

}  // namespace rlvalue
