#pragma once
/// @file
/// QDecomposition: Q-decomposition (Russell & Zimdars, "Q-decomposition for
/// reinforcement learning agents", ICML 2003): the environment reports one
/// reward per channel (sub-agent), r = sum_j w_j r_j; channel j learns Q_j with
/// a Q-learning step towards r_j + gamma Q_j(s', a~), where a~ = argmax_a
/// sum_j w_j Q_j(s', a) is the arbitrator's greedy action, shared by every
/// channel (so each Q_j evaluates the joint greedy policy, not its own); the
/// value is Q = sum_j w_j Q_j.
/// It is OrchestratedQLearning with identity mappings on user channels
/// (Fatemi & Tavakoli, ICLR 2022, name it a special case): alpha = step_size on every
/// channel. Channel rewards are passed to update(t, channel_rewards).

#include <string_view>
#include <utility>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/learners/orchestrated_q_learning.hpp"
#include "rlvalue/mapping/identity.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"

namespace rlvalue {

/// Config of QDecomposition.
struct QDecompositionConfig {
  double gamma = 0.99;     ///< discount, in [0, 1]
  double step_size = 0.1;  ///< alpha, > 0
};

/// The OrchestratedQLearning type that QDecomposition is.
template <ActionValueFunction Q>
using QDecompositionOVM =
    OrchestratedQLearning<Q, UserDecomposition<typename Q::scalar_type>,
                          ChannelVector<IdentityMapping<typename Q::scalar_type>>>;

/// Q-decomposition over estimators[j] (one per channel, held by pointer)
/// with channel weights `weights`.
template <ActionValueFunction Q>
class QDecomposition : public QDecompositionOVM<Q> {
  using Base = QDecompositionOVM<Q>;
  using S = typename Q::scalar_type;

 public:
  /// Throws std::invalid_argument for a bad config, non-finite weights, or
  /// as many estimators as weights not given.
  QDecomposition(std::vector<Q*> estimators, std::vector<double> weights,
                 const QDecompositionConfig& config)
      : Base(std::move(estimators), UserDecomposition<S>(weights),
             ChannelVector<IdentityMapping<S>>{
                 std::vector<IdentityMapping<S>>(weights.size(), IdentityMapping<S>{})},
             {.gamma = config.gamma, .step_size = config.step_size, .regular_step_size = 1.0},
             "QDecomposition") {}
};

}  // namespace rlvalue
