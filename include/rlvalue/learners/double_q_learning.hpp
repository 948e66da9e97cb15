#pragma once
/// @file
/// DoubleQLearning<Q>: Double Q-learning (van Hasselt 2010, "Double
/// Q-learning", NeurIPS; Sutton & Barto 2nd ed. section 6.7). Two critics
/// Q^A, Q^B; on each transition a fair coin picks the one to update, which
/// selects the next action while the other evaluates it:
///   a* = argmax_a' Q^A(s', a'),  Q^A(s, a) += alpha * (r + gamma * Q^B(s', a*) - Q^A(s, a))
/// (or the same with A and B swapped), no bootstrap when s' is terminal
/// (`terminated`); a `truncated` transition bootstraps as usual. Behaviour
/// acts on Q^A + Q^B; this learner reports the mean (Q^A + Q^B) / 2, which has
/// the same argmax and estimates Q*. `update_batch` applies a replay batch
/// in order, bit for bit as update() on each transition (coin draws
/// included), prefetching the table rows of the transitions a few steps
/// ahead so that their cache misses overlap.

#include <Eigen/Core>
#include <array>
#include <concepts>
#include <cstddef>
#include <random>
#include <span>
#include <string_view>
#include <type_traits>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/critic_ensemble.hpp"
#include "rlvalue/targets/td_errors.hpp"

namespace rlvalue {

namespace detail {
struct DoubleQLearningNames {
  static constexpr std::string_view construct = "DoubleQLearning";
  static constexpr std::string_view update = "DoubleQLearning::update";
  static constexpr std::string_view update_batch = "DoubleQLearning::update_batch";
  static constexpr std::string_view q = "DoubleQLearning::q";
  static constexpr std::string_view greedy_action = "DoubleQLearning::greedy_action";
  static constexpr std::string_view value = "DoubleQLearning::value";
  static constexpr std::string_view visit_count = "DoubleQLearning::visit_count";
};
}  // namespace detail

/// Config of DoubleQLearning: {.gamma, .step_size, .schedule, .omega}, as
/// for QLearning; the per-visit schedule counts visits per critic.
using DoubleQLearningConfig = TDConfig;

/// Double Q-learning on two action-value approximators of the same shape,
/// held by pointer (the caller keeps them alive); critic 0 is Q^A, critic 1
/// is Q^B. Config validated at construction (std::invalid_argument), as is
/// the shape of Q^B and that it is not the same object as Q^A.
template <ActionValueFunction Q>
class DoubleQLearning : public detail::CriticEnsemble<Q, detail::DoubleQLearningNames> {
  using Base = detail::CriticEnsemble<Q, detail::DoubleQLearningNames>;
  using Names = detail::DoubleQLearningNames;

 public:
  /// The config aggregate, validated at construction.
  using config_type = DoubleQLearningConfig;
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  /// Binds the learner to the two estimates `q_a`, `q_b` (held by pointer) and validates `config`.
  DoubleQLearning(Q& q_a, Q& q_b, const DoubleQLearningConfig& config)
      : Base(std::span<Q* const>(pointers(q_a, q_b).data(), 2), config.gamma, config.step_size,
             config.schedule, config.omega, CombinedEstimate::mean),
        config_(config) {}
  DoubleQLearning(Q&&, Q&, const DoubleQLearningConfig&) = delete;  // would dangle
  DoubleQLearning(Q&, Q&&, const DoubleQLearningConfig&) = delete;
  DoubleQLearning(Q&&, Q&&, const DoubleQLearningConfig&) = delete;

  /// Flips the fair coin with `rng` (u = uniform01(rng): u < 1/2 updates
  /// Q^A, otherwise Q^B; one draw) and applies update_critic. Returns the
  /// updated critic's error.
  // flatten: as in ClippedDoubleQLearning::update; without it GCC keeps
  // double_q_error out of line (a call per update).
  template <std::uniform_random_bit_generator G>
  [[gnu::flatten]] scalar_type update(const transition_type& t, G& rng) {
    this->check_transition(t);
    // Rejected before the draw, so a rejected transition leaves rng as it was.
    check_finite(Names::update, "reward", t.reward);
    const Index k = Base::coin(rng);
    if constexpr (std::is_same_v<Q, TabularQ<scalar_type>>) {
      // Two TabularQ critics: in their storage, as update_batch reads them
      // (table_step: the same arithmetic, checks and exceptions as step()),
      // after asking for the evaluator's row and the entry written, as
      // step() does.
      const Tables tables = direct_tables();
      const Index next = static_cast<Index>(t.next_state) * tables.stride;
      const scalar_type* const row = tables.data[static_cast<std::size_t>(1 - k)] + next;
      detail::prefetch_read(row);
      detail::prefetch_read(row + (this->num_actions() - 1));
      detail::prefetch_write(tables.data[static_cast<std::size_t>(k)] +
                             static_cast<Index>(t.state) * tables.stride + t.action);
      return table_step(t, k, detail::kNotBatch, tables);
    } else {
      return step<false>(t, k, detail::kNotBatch);
    }
  }

  /// Applies update(t, rng) to every transition of `batch` in order: the
  /// tables, the visit counts, `errors` (if given) and the state of `rng`
  /// afterwards are bit for bit those of calling update(batch[i], rng) for
  /// i = 0, 1, ... in turn, whatever the transitions share (a row written by
  /// one and read by the next included): each coin is drawn when its
  /// transition is processed, never ahead.
  /// The whole batch is validated before anything is written or drawn: a
  /// bad index (std::out_of_range) or a non-finite reward
  /// (std::invalid_argument) in any transition throws naming it
  /// ("batch[i].state"), with the learner and `rng` unchanged. Only a target
  /// that overflows although every input is finite is found during the pass:
  /// that throws std::invalid_argument naming "batch[i].td_error", with the
  /// state (tables, counts, rng) that of the sequential calls up to the one
  /// that threw: entries before i applied, entry i's coin drawn (update()
  /// draws before it computes the target), nothing of entry i written.
  /// `errors` is empty (not wanted) or has batch.size() entries (else
  /// std::invalid_argument, nothing changed); errors[i] receives what
  /// update() would return for batch[i]. prefetch_distance >= 0 (else
  /// std::invalid_argument, nothing changed).
  /// For tables (TabularQ), the transition `prefetch_distance` steps ahead
  /// has prefetched the rows Q^A(s', .), Q^B(s', .) (read) and the entries
  /// Q^A(s, a), Q^B(s, a) (written; either critic may be drawn), so that the
  /// random accesses of tables larger than the cache overlap (0: no
  /// prefetch; kDefaultPrefetchDistance suits x86-64). (Foreseeing each
  /// coin with a copy of `rng`, to request only the drawn critic's entry,
  /// was measured 10% slower out of cache: the second draw costs more than
  /// the line it saves.) Two
  /// TabularQ critics are read and written in their storage, found once per
  /// call (the same arithmetic and checks as update(); a step whose result
  /// is not finite is still rejected by TabularQ::semi_gradient_step). Other
  /// approximators: a plain loop through their interface. No allocation.
  template <std::uniform_random_bit_generator G>
  __attribute__((flatten)) void update_batch(std::span<const transition_type> batch, G& rng,
                                             std::span<scalar_type> errors,
                                             Index prefetch_distance = kDefaultPrefetchDistance) {
    this->check_batch_call(batch, errors.size(), prefetch_distance);
    const auto l0 = Base::prefetch_layout(this->critic_ref(0));
    const auto l1 = Base::prefetch_layout(this->critic_ref(1));
    const std::size_t ahead =
        l0.data != nullptr && l1.data != nullptr ? static_cast<std::size_t>(prefetch_distance) : 0;
    scalar_type* const out = errors.empty() ? nullptr : errors.data();
    // TabularQ critics: the entries straight from the two tables' storage,
    // looked up once for the batch (its indices are validated); other
    // approximators through their interface.
    const Tables tables = direct_tables();
    const auto update = [&](std::size_t i) {
      const Index k = Base::coin(rng);
      const scalar_type error =
          tables.data[0] != nullptr ? table_step(batch[i], k, i, tables) : step<true>(batch[i], k, i);
      if (out != nullptr) out[i] = error;
    };
    const auto prefetch = [&](const transition_type& t, auto far) __attribute__((always_inline)) {
      Base::prefetch_table_row(l0, t.next_state, far);
      Base::prefetch_table_row(l1, t.next_state, far);
      Base::prefetch_table_entry(l0, t.state, t.action, far);
      Base::prefetch_table_entry(l1, t.state, t.action, far);
    };
    Base::batch_pass(batch, ahead, l0.far || l1.far, prefetch, update);
  }

  /// update_batch without the errors.
  template <std::uniform_random_bit_generator G>
  void update_batch(std::span<const transition_type> batch, G& rng,
                    Index prefetch_distance = kDefaultPrefetchDistance) {
    update_batch(batch, rng, std::span<scalar_type>(), prefetch_distance);
  }

  /// Updates critic k (0 = Q^A, 1 = Q^B) with the other as evaluator and
  /// returns its error
  ///   delta = r + gamma * (terminated ? 0 : Q^other(s', argmax Q^k(s', .))) - Q^k(s, a).
  /// Throws std::out_of_range for a bad critic, state, action or next_state,
  /// std::invalid_argument for a non-finite reward or error; a throwing
  /// update changes nothing (tables and visit counts).
  scalar_type update_critic(const transition_type& t, Index k) {
    check_index(Names::update, "critic", k, 2);
    this->check_transition(t);
    return step<false>(t, k, detail::kNotBatch);
  }

  /// The config given at construction.
  const DoubleQLearningConfig& config() const noexcept { return config_; }

 private:
  // The update of critic k, indices already checked; `entry` names the
  // batch entry in the error message (kNotBatch: update()). kBatch: the
  // rows were prefetched ahead by update_batch.
  template <bool kBatch>
  scalar_type step(const transition_type& t, Index k, std::size_t entry) {
    const Q& updated = this->critic_ref(k);
    const Q& other = this->critic_ref(1 - k);
    // The evaluator's row is read at the selector's argmax; for tables,
    // request all of it (a row may straddle two cache lines) and the entry
    // written now, so that their misses overlap the selector's instead of
    // following it.
    if constexpr (!kBatch) {
      this->prefetch_row(1 - k, t.next_state);
      this->prefetch_entry(k, t.state, t.action);
    }
    const scalar_type error =
        double_q_error(updated.action_values(t.state), t.action, t.reward, this->discount(t),
                       other.action_values(t.next_state), updated.action_values(t.next_state));
    Base::check_error(entry, t, error);
    this->apply(t, k, error);
    return error;
  }

  // The storage of two TabularQ critics (row-major, `stride` entries per
  // state), or null data for other approximators.
  struct Tables {
    std::array<scalar_type*, 2> data{nullptr, nullptr};
    Index stride = 0;
  };
  Tables direct_tables() {
    if constexpr (std::is_same_v<Q, TabularQ<scalar_type>>) {
      return {{this->critic_ref(0).parameters().data(), this->critic_ref(1).parameters().data()},
              this->critic_ref(0).parameters().cols()};
    } else {
      return {};
    }
  }

  // step<true> for TabularQ critics, on their storage: the same arithmetic
  // (double_q_error on the rows, then q(s, a) + alpha * error), so the same
  // bits, the same checks of the error and of the result (a non-finite
  // result is left to the table's semi_gradient_step, which throws and
  // writes nothing), without the per-update lookups of critic, table and
  // row through the approximators' checked interface.
  scalar_type table_step(const transition_type& t, Index k, std::size_t entry,
                         const Tables& tables) {
    using Row = Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>;
    scalar_type* const updated = tables.data[static_cast<std::size_t>(k)];
    const scalar_type* const other = tables.data[static_cast<std::size_t>(1 - k)];
    const Index width = this->num_actions();
    const Index next = static_cast<Index>(t.next_state) * tables.stride;
    scalar_type* const row = updated + static_cast<Index>(t.state) * tables.stride;
    const scalar_type error = double_q_error(Row(row, width), t.action, t.reward, this->discount(t),
                                             Row(other + next, width), Row(updated + next, width));
    scalar_type& entry_value = row[t.action];
    Base::check_error(entry, t, error);
    this->apply_to_entry(t, k, error, entry_value, this->slot(k, t.state, t.action));
    return error;
  }

  static std::array<Q*, 2> pointers(Q& a, Q& b) { return {&a, &b}; }

  DoubleQLearningConfig config_;
};

}  // namespace rlvalue
