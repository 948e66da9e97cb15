#pragma once
// MaxminQLearning<Q>: Maxmin Q-learning (Lan, Pan, Fyshe, White 2020,
// "Maxmin Q-learning: controlling the estimation bias of Q-learning", ICLR,
// arXiv:2002.06487, Algorithm 1). N critics; the target takes the min over
// critics inside the max over actions, and a random subset of M critics
// regresses to it:
//   y = r + gamma * max_a' min_k Q_k(s', a'),
//   Q_k(s, a) += alpha * (y - Q_k(s, a))   for k in a uniformly random M-subset,
// no bootstrap when s' is terminal (`terminated`); `truncated` bootstraps.
// N = 1 is Q-learning. The estimate (and the behaviour policy's action
// values) is Q^min(s, a) = min_k Q_k(s, a). The bias of max_a Q^min moves
// from positive (N = 1) to negative as N grows. `update_batch(batch, rng)`
// applies a replay batch in order, bit for bit as update() on each
// transition, prefetching the rows of the transitions a few steps ahead (see
// EnsembleLearner::update_batch in ensemble_q_learning.hpp).

#include <random>
#include <span>
#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/critic_ensemble.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/step_size.hpp"
#include "rlvalue/targets/ensemble.hpp"

namespace rlvalue {

namespace detail {
struct MaxminQLearningNames {
  static constexpr std::string_view construct = "MaxminQLearning";
  static constexpr std::string_view update = "MaxminQLearning::update";
  static constexpr std::string_view update_batch = "MaxminQLearning::update_batch";
  static constexpr std::string_view q = "MaxminQLearning::q";
  static constexpr std::string_view greedy_action = "MaxminQLearning::greedy_action";
  static constexpr std::string_view value = "MaxminQLearning::value";
  static constexpr std::string_view visit_count = "MaxminQLearning::visit_count";
};
}  // namespace detail

/// Config of MaxminQLearning. gamma in [0, 1]; step size fields as in
/// TDConfig (per-visit counts are per critic); update_count M in [1, N]
/// (the paper updates one critic per step).
struct MaxminQConfig {
  /// Discount gamma in [0, 1].
  double gamma = 1.0;
  /// Step size alpha > 0: the constant, or the scale of the per-visit schedule alpha_n = step_size / n^omega.
  double step_size = 0.1;
  /// Step-size schedule: constant, or per-visit alpha_n = step_size / n^omega.
  StepSchedule schedule = StepSchedule::constant;
  /// Exponent omega in (0, 1] of the per-visit schedule alpha_n = step_size / n^omega.
  double omega = 1.0;
  Index update_count = 1;  ///< M: critics updated per step
};

/// Maxmin Q-learning on N >= 1 action-value approximators of the same shape
/// (`critics`: contiguous, e.g. a std::vector<TabularQ<double>> that the
/// caller keeps alive and does not resize). `update(t, rng)` draws the M
/// critics to update with draw_random_subset (no draw when M = N). Config
/// validated at construction (std::invalid_argument naming the field).
template <ActionValueFunction Q>
class MaxminQLearning : public detail::EnsembleLearner<Q, detail::MaxminQLearningNames> {
  using Base = detail::EnsembleLearner<Q, detail::MaxminQLearningNames>;

 public:
  /// The config aggregate, validated at construction.
  using config_type = MaxminQConfig;

  /// Binds the learner to the N critics of `critics` (held by pointer; N >= 1) and validates `config`.
  MaxminQLearning(std::span<Q> critics, const MaxminQConfig& config)
      : Base(critics, config.gamma, config.step_size, config.schedule, config.omega,
             EnsembleReduction::min, Index(1), config.update_count, CombinedEstimate::min),
        config_(config) {}

  /// The config given at construction.
  const MaxminQConfig& config() const noexcept { return config_; }

 private:
  MaxminQConfig config_;
};

}  // namespace rlvalue
