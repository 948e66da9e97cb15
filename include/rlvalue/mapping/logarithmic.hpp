#pragma once
/// @file
/// LogarithmicMapping: the mapping of Log Q-learning (van Seijen, Fatemi &
/// Tavakoli, "Using a logarithmic mapping to enable lower discount factors in
/// reinforcement learning", NeurIPS 2019):
///   f(x)    = c * ln(x + gamma^k) + d,
///   f^-1(y) = exp((y - d) / c) - gamma^k,
///   d       = -c * ln(initial_value + gamma^k), so that f(initial_value) = 0
/// and an estimator whose parameters start at 0 represents initial_value.
/// Domain: x + gamma^k > 0. The paper's chain experiments use c = 1, k = 200,
/// initial_value = 0.

#include <cmath>
#include <concepts>
#include <string>
#include <string_view>

#include "rlvalue/core/checks.hpp"

namespace rlvalue {

/// Parameters of LogarithmicMapping (double whatever the scalar type).
struct LogarithmicMappingConfig {
  double c = 1.0;              ///< scale, > 0 (finite)
  double gamma = 0.99;         ///< the discount whose power gives the offset, in (0, 1]
  double k = 200.0;            ///< exponent of the offset gamma^k, >= 0 (finite)
  double initial_value = 0.0;  ///< the regular value that maps to 0; > -gamma^k
};

/// f(x) = c * ln(x + gamma^k) + d with d making f(initial_value) = 0.
template <std::floating_point Scalar = double>
class LogarithmicMapping {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// Validates the config (std::invalid_argument naming the field): c > 0,
  /// gamma in (0, 1], k >= 0, gamma^k > 0 in Scalar (it underflows in float
  /// for e.g. gamma = 0.1, k = 200: choose a smaller k), and
  /// initial_value + gamma^k > 0.
  explicit LogarithmicMapping(const LogarithmicMappingConfig& config = {}) : config_(config) {
    constexpr std::string_view where = "LogarithmicMapping";
    check_positive(where, "c", config.c);
    if (!(config.gamma > 0.0 && config.gamma <= 1.0)) [[unlikely]]
      fail_check(where, "gamma", config.gamma, "is outside (0, 1]");
    if (!(config.k >= 0.0 && std::isfinite(config.k))) [[unlikely]]
      fail_check(where, "k", config.k, "must be >= 0 and finite");
    check_finite(where, "initial_value", config.initial_value);
    const double offset = std::pow(config.gamma, config.k);
    offset_ = static_cast<Scalar>(offset);
    if (!(offset_ > Scalar(0))) [[unlikely]]
      fail_check(where, "k", config.k,
                 "makes the offset gamma^k = " + detail::format_value(offset) +
                     " underflow to 0 in this scalar type");
    if (!(static_cast<Scalar>(config.initial_value) + offset_ > Scalar(0))) [[unlikely]]
      fail_check(where, "initial_value", config.initial_value,
                 "must exceed -gamma^k = " + detail::format_value(-offset));
    c_ = static_cast<Scalar>(config.c);
    d_ = -c_ * std::log(static_cast<Scalar>(config.initial_value) + offset_);
  }

  /// f(x) = c * ln(x + gamma^k) + d. Throws std::invalid_argument unless
  /// x + gamma^k > 0 (x finite).
  Scalar forward(Scalar x) const {
    check_domain("LogarithmicMapping::forward", "x", x);
    return c_ * std::log(x + offset_) + d_;
  }
  /// f^-1(y) = exp((y - d) / c) - gamma^k (overflows to inf for large y).
  Scalar inverse(Scalar y) const noexcept { return std::exp((y - d_) / c_) - offset_; }

  /// True if x is in the domain of the mapping.
  bool in_domain(Scalar x) const noexcept { return x + offset_ > Scalar(0) && std::isfinite(x); }
  /// Throws std::invalid_argument naming `where`, `name` and x if x is outside the domain of the mapping.
  void check_domain(std::string_view where, std::string_view name, Scalar x) const {
    if (!in_domain(x)) [[unlikely]]
      fail_check(where, name, x,
                 "is outside the domain of the logarithmic mapping (x + gamma^k > 0, gamma^k = " +
                     detail::format_value(offset_) + ")");
  }

  /// Scale c of f(x) = c * ln(x + gamma^k) + d.
  Scalar c() const noexcept { return c_; }
  /// Shift d of f(x) = c * ln(x + gamma^k) + d (f(initial_value) = 0).
  Scalar d() const noexcept { return d_; }
  /// gamma^k.
  Scalar offset() const noexcept { return offset_; }
  /// The config given at construction.
  const LogarithmicMappingConfig& config() const noexcept { return config_; }

 private:
  LogarithmicMappingConfig config_;
  Scalar c_{}, d_{}, offset_{};
};

}  // namespace rlvalue
