#pragma once
/// @file
/// LogQLearning: Log Q-learning (van Seijen, Fatemi & Tavakoli, "Using a
/// logarithmic mapping to enable lower discount factors in reinforcement
/// learning", NeurIPS 2019, arXiv:1906.00572): the reward is split
/// into r+ = max(r, 0) and r- = max(-r, 0); each part is learned by its own
/// approximator in the logarithmic space f(x) = c ln(x + gamma^k) + d
/// (mapping/logarithmic.hpp, f(initial_value) = 0), and
///   Q(s, a) = f^-1(Q~+(s, a)) - f^-1(Q~-(s, a)).
/// Both channels bootstrap from the greedy action of Q at s'; each takes a
/// step beta_reg in regular space, then beta_log in log space:
///   U = r_ch + gamma f^-1(Q~ch(s', a~)); q = f^-1(Q~ch(s, a));
///   Q~ch(s, a) += beta_log (f(q + beta_reg (U - q)) - Q~ch(s, a)).
/// It is OrchestratedQLearning with the polar decomposition and two
/// logarithmic mappings (learners/orchestrated_q_learning.hpp); this class
/// only builds it from a flat config. The paper's chain setting: c = 1,
/// k = 200, initial_value = 0.

#include <stdexcept>
#include <string>
#include <string_view>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/learners/orchestrated_q_learning.hpp"
#include "rlvalue/mapping/logarithmic.hpp"
#include "rlvalue/mapping/reward_decomposition.hpp"

namespace rlvalue {

/// Config of LogQLearning (double fields whatever the scalar type).
struct LogQLearningConfig {
  double gamma = 0.99;             ///< discount, in (0, 1] (also sets the offset gamma^k)
  double step_size = 0.01;         ///< beta_log: step in log space, > 0
  double regular_step_size = 1.0;  ///< beta_reg: step in regular space, in (0, 1]
  double c = 1.0;                  ///< mapping scale, > 0
  double k = 200.0;                ///< offset exponent: gamma^k, >= 0
  double initial_value = 0.0;      ///< each channel's value when its parameters are 0
};

/// The OrchestratedQLearning type that LogQLearning is.
template <ActionValueFunction Q>
using LogQLearningOVM =
    OrchestratedQLearning<Q, PolarDecomposition<typename Q::scalar_type>,
                          ChannelPack<LogarithmicMapping<typename Q::scalar_type>,
                                      LogarithmicMapping<typename Q::scalar_type>>>;

/// Log Q-learning on two approximators: `positive` learns Q~+ (channel 0),
/// `negative` Q~- (channel 1). Both are held by pointer.
template <ActionValueFunction Q>
class LogQLearning : public LogQLearningOVM<Q> {
  using Base = LogQLearningOVM<Q>;
  using S = typename Q::scalar_type;

 public:
  /// Throws std::invalid_argument for a bad config (messages start with
  /// "LogQLearning" and name the field).
  LogQLearning(Q& positive, Q& negative, const LogQLearningConfig& config)
      : Base({&positive, &negative}, PolarDecomposition<S>{},
             ChannelPack<LogarithmicMapping<S>, LogarithmicMapping<S>>(mapping(config), mapping(config)),
             {.gamma = config.gamma, .step_size = config.step_size,
              .regular_step_size = config.regular_step_size},
             "LogQLearning") {}
  LogQLearning(Q&&, Q&, const LogQLearningConfig&) = delete;  // would dangle
  LogQLearning(Q&, Q&&, const LogQLearningConfig&) = delete;
  LogQLearning(Q&&, Q&&, const LogQLearningConfig&) = delete;

  /// The mapping both channels use. A bad mapping field throws
  /// std::invalid_argument "LogQLearning: LogarithmicMapping: <field> = ...".
  static LogarithmicMapping<S> mapping(const LogQLearningConfig& config) {
    try {
      return LogarithmicMapping<S>({.c = config.c, .gamma = config.gamma, .k = config.k,
                                    .initial_value = config.initial_value});
    } catch (const std::invalid_argument& e) {
      throw std::invalid_argument(std::string("LogQLearning: ") + e.what());
    }
  }
};

}  // namespace rlvalue
