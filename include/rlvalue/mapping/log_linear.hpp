#pragma once
/// @file
/// LogLinearMapping: the log-linear mapping of Orchestrated Value Mapping
/// (Fatemi & Tavakoli, "Orchestrated value mapping for reinforcement
/// learning", ICLR 2022; the reference code's form
///   f(x) = c * ln(x) + d               for x <= exp(-d / c),
///   f(x) = c * exp(d / c) * x - c      above,
/// logarithmic below a break point b = exp(-d / c), linear above, continuous
/// (f(b) = 0) with a continuous derivative (c / b on both sides)). Written here
/// with the break point b and an optional offset o >= 0 that shifts the
/// domain x > 0 to x > -o (o = 0 is the reference form):
///   f(x)    = c * ln((x + o) / b)      if x + o <= b,   c * ((x + o) / b - 1) otherwise,
///   f^-1(y) = b * exp(y / c) - o       if y <= 0,       b * (y / c + 1) - o otherwise.
/// f(b - o) = 0: pick b = initial_value + o for f(initial_value) = 0.

#include <cmath>
#include <concepts>
#include <string>
#include <string_view>

#include "rlvalue/core/checks.hpp"

namespace rlvalue {

/// Parameters of LogLinearMapping (double whatever the scalar type).
struct LogLinearMappingConfig {
  double c = 1.0;            ///< scale, > 0 (finite)
  double break_point = 1.0;  ///< b = exp(-d / c) > 0: where the log part meets the linear part
  double offset = 0.0;       ///< o >= 0: domain x + o > 0
};

/// Logarithmic below the break point, linear above (C1 at the break).
template <std::floating_point Scalar = double>
class LogLinearMapping {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// Validates c > 0, break_point > 0, offset >= 0, all finite
  /// (std::invalid_argument naming the field).
  explicit LogLinearMapping(const LogLinearMappingConfig& config = {}) : config_(config) {
    constexpr std::string_view where = "LogLinearMapping";
    check_positive(where, "c", config.c);
    check_positive(where, "break_point", config.break_point);
    if (!(config.offset >= 0.0 && std::isfinite(config.offset))) [[unlikely]]
      fail_check(where, "offset", config.offset, "must be >= 0 and finite");
    c_ = static_cast<Scalar>(config.c);
    b_ = static_cast<Scalar>(config.break_point);
    o_ = static_cast<Scalar>(config.offset);
  }

  /// f(x) (see the header). Throws std::invalid_argument unless x + o > 0.
  Scalar forward(Scalar x) const {
    check_domain("LogLinearMapping::forward", "x", x);
    const Scalar z = x + o_;
    return z <= b_ ? c_ * std::log(z / b_) : c_ * (z / b_ - Scalar(1));
  }
  /// f^-1(y) (see the header).
  Scalar inverse(Scalar y) const noexcept {
    return y <= Scalar(0) ? b_ * std::exp(y / c_) - o_ : b_ * (y / c_ + Scalar(1)) - o_;
  }

  /// True if x is in the domain of the mapping.
  bool in_domain(Scalar x) const noexcept { return x + o_ > Scalar(0) && std::isfinite(x); }
  /// Throws std::invalid_argument naming `where`, `name` and x if x is outside the domain of the mapping.
  void check_domain(std::string_view where, std::string_view name, Scalar x) const {
    if (!in_domain(x)) [[unlikely]]
      fail_check(where, name, x,
                 "is outside the domain of the log-linear mapping (x + offset > 0, offset = " +
                     detail::format_value(o_) + ")");
  }

  /// Scale c > 0 of the logarithmic part.
  Scalar c() const noexcept { return c_; }
  /// Break point b > 0 where the logarithmic part meets the linear part.
  Scalar break_point() const noexcept { return b_; }
  /// Offset o >= 0: the domain is x + o > 0.
  Scalar offset() const noexcept { return o_; }
  /// The reference form's constant d = -c * ln(b).
  Scalar d() const noexcept { return -c_ * std::log(b_); }
  /// The config given at construction.
  const LogLinearMappingConfig& config() const noexcept { return config_; }

 private:
  LogLinearMappingConfig config_;
  Scalar c_{}, b_{}, o_{};
};

}  // namespace rlvalue
