#pragma once
/// @file
/// GeometricDecay: the step-size schedule of the Log Q-learning chain
/// experiments (van Seijen, Fatemi & Tavakoli, NeurIPS 2019, section 5): a
/// step size that starts at `initial`, is multiplied by a fixed
/// factor after every sweep (or any other unit of progress) and reaches
/// `final` after `num_steps` of them, then stays there:
///   value(n) = max(final, initial * (final / initial)^(n / num_steps)),  n >= 0.
/// Learners with settable step sizes (OrchestratedQLearning::set_step_sizes,
/// ...) take value(n) between sweeps.

#include <cmath>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Parameters of GeometricDecay (aggregate; validated by GeometricDecay).
struct GeometricDecayConfig {
  double initial = 1.0;     ///< value at n = 0, > 0
  double final = 0.01;      ///< floor reached at n = num_steps, in (0, initial]
  Index num_steps = 10000;  ///< steps (sweeps) from initial to final, >= 1
};

/// Geometric decay from initial to final over num_steps, floored at final.
class GeometricDecay {
 public:
  /// std::invalid_argument naming the field unless initial > 0, 0 < final
  /// <= initial (finite) and num_steps >= 1.
  explicit GeometricDecay(const GeometricDecayConfig& config) : config_(config) {
    constexpr std::string_view where = "GeometricDecay";
    check_positive(where, "initial", config.initial);
    check_positive(where, "final", config.final);
    if (!(config.final <= config.initial)) [[unlikely]]
      fail_check(where, "final", config.final,
                 "must not exceed initial = " + detail::format_value(config.initial));
    check_at_least_one(where, "num_steps", config.num_steps);
    factor_ = std::pow(config.final / config.initial, 1.0 / static_cast<double>(config.num_steps));
  }

  /// The step size after n steps (n >= 0; std::invalid_argument if n < 0).
  double value(Index n) const {
    if (n < 0) [[unlikely]]
      fail_check("GeometricDecay::value", "n", n, "must be >= 0");
    if (n >= config_.num_steps) return config_.final;
    const double v =
        config_.initial * std::pow(config_.final / config_.initial,
                                   static_cast<double>(n) / static_cast<double>(config_.num_steps));
    return v > config_.final ? v : config_.final;
  }

  /// The per-step factor (final / initial)^(1 / num_steps).
  double factor() const noexcept { return factor_; }
  /// The config given at construction.
  const GeometricDecayConfig& config() const noexcept { return config_; }

 private:
  GeometricDecayConfig config_;
  double factor_ = 1.0;
};

}  // namespace rlvalue
