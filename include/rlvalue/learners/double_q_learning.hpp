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
/// the same argmax and estimates Q*.

#include <array>
#include <random>
#include <span>
#include <string_view>

#include "rlvalue/approx/concepts.hpp"
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
  template <std::uniform_random_bit_generator G>
  scalar_type update(const transition_type& t, G& rng) {
    this->check_transition(t);
    // Rejected before the draw, so a rejected transition leaves rng as it was.
    check_finite(Names::update, "reward", t.reward);
    return step(t, uniform01(rng) < 0.5 ? 0 : 1);
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
    return step(t, k);
  }

  /// The config given at construction.
  const DoubleQLearningConfig& config() const noexcept { return config_; }

 private:
  // The update of critic k, indices already checked.
  scalar_type step(const transition_type& t, Index k) {
    const Q& updated = this->critic_ref(k);
    const Q& other = this->critic_ref(1 - k);
    // The evaluator's row is read at the selector's argmax; for tables,
    // request it now so its cache miss overlaps the selector's instead of
    // following it.
    if constexpr (detail::StoredActionRows<Q>)
      __builtin_prefetch(other.action_values(t.next_state).data());
    const scalar_type error =
        double_q_error(updated.action_values(t.state), t.action, t.reward, this->discount(t),
                       other.action_values(t.next_state), updated.action_values(t.next_state));
    detail::check_error_finite(Names::update, t.reward, error);
    this->apply(t, k, error);
    return error;
  }

  static std::array<Q*, 2> pointers(Q& a, Q& b) { return {&a, &b}; }

  DoubleQLearningConfig config_;
};

}  // namespace rlvalue
