#pragma once
// ClippedDoubleQLearning<Q>: clipped double Q-learning, the critic update of
// TD3 (Fujimoto, van Hoof, Meger 2018, "Addressing function approximation
// error in actor-critic methods", arXiv:1802.09477, sec. 4.2) for discrete
// actions. Critic 1 selects the next action, the smaller critic evaluates it,
// and the critics regress to the one target
//   a* = argmax_a' Q1'(s', a'),  y = r + gamma * min(Q1'(s', a*), Q2'(s', a*)),
//   Q_i(s, a) += alpha * (y - Q_i(s, a)),
// with no bootstrap when s' is terminal (`terminated`); `truncated`
// bootstraps. Q1', Q2' are target critics: the critics themselves by default,
// or copies updated every `target_period` (d) steps by Polyak averaging
// Q_i' <- tau Q_i + (1 - tau) Q_i' (TD3: d = 2, tau = 0.005).
//
// Which critics regress to y on a transition: `both` (TD3) or
// `one_at_random` (a fair coin picks one, as in Double Q-learning). Note: two
// tables that start equal and see the same targets stay equal, so with
// `both` the clipping acts only through different initial values (or, with
// function approximation, different features or initialisations); tabular
// critics need `one_at_random` to become independent estimates.
//
// The reported estimate (q, action_values, greedy_action, value; what a
// behaviour policy acts on) is the mean of the two online critics.
//
// `update_batch` applies a replay batch in order, bit for bit as update() on
// each transition (draws and target-critic moves included), prefetching the
// table rows of the transitions a few steps ahead.

#include <Eigen/Core>
#include <array>
#include <concepts>
#include <cstddef>
#include <random>
#include <span>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/common.hpp"
#include "rlvalue/learners/critic_ensemble.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/critic_targets.hpp"
#include "rlvalue/targets/polyak.hpp"

namespace rlvalue {

namespace detail {
struct ClippedDoubleQLearningNames {
  static constexpr std::string_view construct = "ClippedDoubleQLearning";
  static constexpr std::string_view update = "ClippedDoubleQLearning::update";
  static constexpr std::string_view update_batch = "ClippedDoubleQLearning::update_batch";
  static constexpr std::string_view q = "ClippedDoubleQLearning::q";
  static constexpr std::string_view greedy_action = "ClippedDoubleQLearning::greedy_action";
  static constexpr std::string_view value = "ClippedDoubleQLearning::value";
  static constexpr std::string_view visit_count = "ClippedDoubleQLearning::visit_count";
};
}  // namespace detail

/// Which critics of ClippedDoubleQLearning regress to the target on a step.
enum class CriticUpdate {
  both,           ///< both critics, every step (TD3)
  one_at_random,  ///< one critic, chosen by a fair coin (Double Q-learning's scheme)
};

/// Config of ClippedDoubleQLearning. gamma in [0, 1]; step size fields as
/// in TDConfig (per-visit counts are per critic); target_period >= 1;
/// polyak (tau) in (0, 1]. target_period = 1 with polyak = 1 (the default)
/// means no target critics.
struct ClippedDoubleQConfig {
  /// Discount gamma in [0, 1].
  double gamma = 1.0;
  /// Step size alpha > 0: the constant, or the scale of the per-visit schedule alpha_n = step_size / n^omega.
  double step_size = 0.1;
  /// Step-size schedule: constant, or per-visit alpha_n = step_size / n^omega.
  StepSchedule schedule = StepSchedule::constant;
  /// Exponent omega in (0, 1] of the per-visit schedule alpha_n = step_size / n^omega.
  double omega = 1.0;
  /// Which critic(s) each update trains (CriticUpdate).
  CriticUpdate critic_update = CriticUpdate::both;
  Index target_period = 1;  ///< d: target critics move every d updates
  double polyak = 1.0;      ///< tau of the Polyak target update
};

/// Clipped double Q-learning on two action-value approximators of the same
/// shape, held by pointer (the caller keeps them alive). With target critics
/// (target_period > 1 or polyak < 1) Q must be copy-constructible and its
/// parameters() an Eigen object: the targets are copies made at
/// construction.
template <ActionValueFunction Q>
class ClippedDoubleQLearning
    : public detail::CriticEnsemble<Q, detail::ClippedDoubleQLearningNames> {
  using Base = detail::CriticEnsemble<Q, detail::ClippedDoubleQLearningNames>;
  using Names = detail::ClippedDoubleQLearningNames;

 public:
  /// The config aggregate, validated at construction.
  using config_type = ClippedDoubleQConfig;
  using typename Base::scalar_type;
  using typename Base::state_type;
  using typename Base::transition_type;

  /// std::invalid_argument for a bad config (naming the field and value),
  /// mismatched critics, or q2 being the same object as q1.
  ClippedDoubleQLearning(Q& q1, Q& q2, const ClippedDoubleQConfig& config)
      : Base(std::span<Q* const>(std::array<Q*, 2>{&q1, &q2}.data(), 2), config.gamma,
             config.step_size, config.schedule, config.omega, CombinedEstimate::mean),
        config_(config) {
    if (config.critic_update != CriticUpdate::both &&
        config.critic_update != CriticUpdate::one_at_random) [[unlikely]]
      fail_check(Names::construct, "critic_update", static_cast<int>(config.critic_update),
                 "is not a CriticUpdate");
    check_at_least_one(Names::construct, "target_period", config.target_period);
    if (!(config.polyak > 0.0 && config.polyak <= 1.0)) [[unlikely]]
      fail_check(Names::construct, "polyak", config.polyak, "is outside (0, 1]");
    if (config.target_period > 1 || config.polyak < 1.0) {
      if constexpr (std::copy_constructible<Q>) {
        targets_.reserve(2);
        targets_.push_back(q1);
        targets_.push_back(q2);
      } else {
        fail_check(Names::construct, "target_period", config.target_period,
                   "needs a copy-constructible approximator for the target critics");
      }
    }
  }
  ClippedDoubleQLearning(Q&&, Q&, const ClippedDoubleQConfig&) = delete;  // would dangle
  ClippedDoubleQLearning(Q&, Q&&, const ClippedDoubleQConfig&) = delete;
  ClippedDoubleQLearning(Q&&, Q&&, const ClippedDoubleQConfig&) = delete;

  /// One step under config().critic_update: `both` updates both critics (no
  /// draw); `one_at_random` draws u = uniform01(rng) and updates critic 0 if
  /// u < 1/2, else critic 1. Returns the mean error of the updated critics,
  ///   y - (mean of Q_i(s, a) over the updated i).
  /// Throws std::out_of_range for a bad state, action or next_state and
  /// std::invalid_argument for a non-finite reward or error; a throwing
  /// update changes nothing (critics, targets, counts).
  // flatten: the update is a few loads and compares around two cache misses;
  // calls (action_values, value, semi_gradient_step) would cost more than
  // their bodies and keep the next update's loads from starting early.
  template <std::uniform_random_bit_generator G>
  [[gnu::flatten]] scalar_type update(const transition_type& t, G& rng) {
    this->check_transition(t);
    // Rejected before the draw, so a rejected transition leaves rng as it was.
    check_finite(Names::update, "reward", t.reward);
    return step<false>(t, rng, detail::kNotBatch);
  }

  /// Applies update(t, rng) to every transition of `batch` in order: the
  /// critics, the target critics, the visit counts, num_updates(), `errors`
  /// (if given) and the state of `rng` afterwards are bit for bit those of
  /// calling update(batch[i], rng) for i = 0, 1, ... in turn, whatever the
  /// transitions share (a row written by one and read by the next
  /// included): under `one_at_random` each coin is drawn when its transition
  /// is processed, never ahead; under `both` nothing is drawn.
  /// The whole batch is validated before anything is written or drawn: a
  /// bad index (std::out_of_range) or a non-finite reward
  /// (std::invalid_argument) in any transition throws naming it
  /// ("batch[i].state"), with the learner and `rng` unchanged. Only a target
  /// that overflows although every input is finite is found during the pass:
  /// that throws std::invalid_argument naming "batch[i].td_error", with the
  /// state (critics, targets, counts, rng) that of the sequential calls up
  /// to the one that threw: entries before i applied, entry i's coin drawn
  /// (update() draws it before the target), nothing of entry i written.
  /// `errors` is empty (not wanted) or has batch.size() entries (else
  /// std::invalid_argument, nothing changed); errors[i] receives what
  /// update() would return for batch[i]. prefetch_distance >= 0 (else
  /// std::invalid_argument, nothing changed).
  /// For tables (TabularQ), the transition `prefetch_distance` steps ahead
  /// has prefetched the rows of s' of both target critics (read) and the
  /// entries (s, a) of both critics (written; either may be drawn), so that
  /// the random accesses of tables larger than the cache overlap (0: no
  /// prefetch; kDefaultPrefetchDistance suits x86-64). TabularQ critics and
  /// target critics are read and written in their storage, found once per
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
    const auto target0 = Base::prefetch_layout(target_ref(0));
    const auto target1 = Base::prefetch_layout(target_ref(1));
    const bool tables = l0.data != nullptr && l1.data != nullptr && target0.data != nullptr &&
                        target1.data != nullptr;
    const std::size_t ahead = tables ? static_cast<std::size_t>(prefetch_distance) : 0;
    scalar_type* const out = errors.empty() ? nullptr : errors.data();
    // TabularQ critics: entries straight from the tables' storage, looked up
    // once for the batch (its indices are validated); other approximators
    // through their interface.
    const Tables direct = direct_tables();
    const auto update = [&](std::size_t i) {
      const scalar_type error = direct.critic[0] != nullptr ? table_step(batch[i], rng, i, direct)
                                                            : step<true>(batch[i], rng, i);
      if (out != nullptr) out[i] = error;
    };
    const auto prefetch = [&](const transition_type& t, auto far) __attribute__((always_inline)) {
      Base::prefetch_table_row(target0, t.next_state, far);
      Base::prefetch_table_row(target1, t.next_state, far);
      Base::prefetch_table_entry(l0, t.state, t.action, far);
      Base::prefetch_table_entry(l1, t.state, t.action, far);
    };
    Base::batch_pass(batch, ahead, l0.far || l1.far || target0.far || target1.far, prefetch, update);
  }

  /// update_batch without the errors.
  template <std::uniform_random_bit_generator G>
  void update_batch(std::span<const transition_type> batch, G& rng,
                    Index prefetch_distance = kDefaultPrefetchDistance) {
    update_batch(batch, rng, std::span<scalar_type>(), prefetch_distance);
  }

  /// Updates critic k (0 or 1) alone toward y and returns its error.
  scalar_type update_critic(const transition_type& t, Index k) {
    check_index(Names::update, "critic", k, 2);
    this->check_transition(t);
    prefetch_target_rows(t);
    return step_one(t, k, checked_target(t));
  }

  /// The clipped target y of a transition (read from the target critics).
  scalar_type target(const transition_type& t) const {
    this->check_transition(t);
    prefetch_target_rows(t);
    return checked_target(t);
  }

  /// Target critic k: a copy when target critics are on, else critic k.
  const Q& target_critic(Index k) const {
    check_index(Names::construct, "critic", k, 2);
    return target_ref(k);
  }
  /// Whether the targets are separate copies (target_period > 1 or polyak < 1).
  bool has_target_critics() const noexcept { return !targets_.empty(); }
  /// Updates applied so far (target critics move when it reaches a multiple
  /// of target_period).
  Index num_updates() const noexcept { return updates_; }

  /// The config given at construction.
  const ClippedDoubleQConfig& config() const noexcept { return config_; }

 private:
  // The update of a validated transition under config().critic_update
  // (update() after its checks); `entry` names the batch entry in the error
  // message (kNotBatch: update()). kBatch: update_batch prefetched the rows
  // ahead, so none is requested here.
  template <bool kBatch, class G>
  scalar_type step(const transition_type& t, G& rng, std::size_t entry) {
    if (config_.critic_update == CriticUpdate::one_at_random) {
      // The target draws nothing: drawing the coin first consumes rng as
      // target-then-coin does, and tells which entry to request early.
      const Index k = Base::coin(rng);
      if constexpr (!kBatch) {
        prefetch_target_rows(t);
        this->prefetch_entry(k, t.state, t.action);
      }
      return step_one(t, k, checked_target(t), entry);
    }
    if constexpr (!kBatch) {
      prefetch_target_rows(t);
      this->prefetch_entry(0, t.state, t.action);
      this->prefetch_entry(1, t.state, t.action);
    }
    const scalar_type y = checked_target(t);
    const scalar_type e0 = this->checked_error(t, 0, y, entry);
    const scalar_type e1 = this->checked_error(t, 1, y, entry);
    this->check_step(t, 0, e0);
    this->check_step(t, 1, e1);
    this->apply(t, 0, e0);
    this->apply(t, 1, e1);
    after_update();
    return (e0 + e1) / scalar_type(2);
  }

  // The storage of TabularQ critics and target critics (row-major, `stride`
  // entries per state; the targets are the critics' own storage when there
  // are no copies), or null data for other approximators.
  struct Tables {
    std::array<scalar_type*, 2> critic{nullptr, nullptr};
    std::array<const scalar_type*, 2> target{nullptr, nullptr};
    Index stride = 0;
    Index slots_per_critic = 0;  // slot(1, s, a) - slot(0, s, a)
  };
  Tables direct_tables() {
    if constexpr (std::is_same_v<Q, TabularQ<scalar_type>>) {
      auto& p = this->critic_ref(0).parameters();
      return {{p.data(), this->critic_ref(1).parameters().data()},
              {target_ref(0).parameters().data(), target_ref(1).parameters().data()},
              p.cols(),
              p.size()};
    } else {
      return {};
    }
  }

  // step<true> for TabularQ critics, on their storage: the same draws,
  // arithmetic (clipped_double_q_target on the target rows, then
  // y - q(s, a) and q(s, a) + alpha * error), checks and order as
  // step(), so the same bits and exceptions, without the per-update lookups
  // of critic, table and row through the approximators' checked interface.
  template <class G>
  scalar_type table_step(const transition_type& t, G& rng, std::size_t entry,
                         const Tables& tables) {
    using Row = Eigen::Map<const Eigen::Matrix<scalar_type, 1, Eigen::Dynamic>>;
    const bool one = config_.critic_update == CriticUpdate::one_at_random;
    const Index k = one ? Base::coin(rng) : 0;  // step() draws before the target too
    const Index next = static_cast<Index>(t.next_state) * tables.stride;
    const Index at = static_cast<Index>(t.state) * tables.stride + t.action;
    const Index width = this->num_actions();
    const scalar_type y = clipped_double_q_target(t.reward, this->discount(t),
                                                  Row(tables.target[0] + next, width),
                                                  Row(tables.target[1] + next, width));
    // Step-size slots of critics 0 and 1 at (s, a): one table of slots
    // after the other.
    const Index slot0 = this->slot(0, t.state, t.action);
    const Index slot1 = slot0 + tables.slots_per_critic;
    if (one) {
      scalar_type& q = tables.critic[static_cast<std::size_t>(k)][at];
      const scalar_type error = y - q;
      Base::check_error(entry, t, error);
      this->apply_to_entry(t, k, error, q, k == 0 ? slot0 : slot1);
      after_update();
      return error;
    }
    scalar_type& q0 = tables.critic[0][at];
    scalar_type& q1 = tables.critic[1][at];
    const scalar_type e0 = y - q0;
    Base::check_error(entry, t, e0);
    const scalar_type e1 = y - q1;
    Base::check_error(entry, t, e1);
    this->check_entry_step(t, 0, e0, q0, slot0);
    this->check_entry_step(t, 1, e1, q1, slot1);
    this->apply_to_entry(t, 0, e0, q0, slot0);
    this->apply_to_entry(t, 1, e1, q1, slot1);
    after_update();
    return (e0 + e1) / scalar_type(2);
  }

  // target(t) for a transition that has passed check_transition.
  scalar_type checked_target(const transition_type& t) const {
    return clipped_double_q_target(t.reward, this->discount(t),
                                   target_ref(0).action_values(t.next_state),
                                   target_ref(1).action_values(t.next_state));
  }

  // Requests the rows of s' of both target critics (the target's misses,
  // on the critical path) before the entries the update writes. A hint only.
  void prefetch_target_rows(const transition_type& t) const {
    if constexpr (detail::StoredActionRows<Q>) {
      __builtin_prefetch(target_ref(0).action_values(t.next_state).data());
      __builtin_prefetch(target_ref(1).action_values(t.next_state).data());
    } else {
      (void)t;
    }
  }

  // target_critic(k) without the check of k (k is 0 or 1).
  const Q& target_ref(Index k) const noexcept {
    return targets_.empty() ? this->critic_ref(k) : targets_[static_cast<std::size_t>(k)];
  }

  scalar_type step_one(const transition_type& t, Index k, scalar_type y,
                       std::size_t entry = detail::kNotBatch) {
    const scalar_type error = this->checked_error(t, k, y, entry);
    this->apply(t, k, error);
    after_update();
    return error;
  }

  void after_update() {
    ++updates_;
    if (targets_.empty() || updates_ % config_.target_period != 0) return;
    for (Index k = 0; k < 2; ++k)
      polyak_update(this->critic_ref(k).parameters(),
                    targets_[static_cast<std::size_t>(k)].parameters(), config_.polyak);
  }

  ClippedDoubleQConfig config_;
  std::vector<Q> targets_;  // empty: the targets are the critics
  Index updates_ = 0;
};

}  // namespace rlvalue
