#pragma once
/// @file
/// SignedLog1pMapping: f(x) = sign(x) * ln(1 + |x|), f^-1(y) = sign(y) *
/// (exp(|y|) - 1), evaluated with log1p / expm1 (no cancellation near 0). The
/// symlog transform of DreamerV3 (Hafner et al. 2023, arXiv:2301.04104) and
/// rlax's `SIGNED_LOGP1_PAIR`. f(0) = 0; domain: all finite reals.

#include <cmath>
#include <concepts>
#include <string_view>

#include "rlvalue/core/checks.hpp"

namespace rlvalue {

/// f(x) = sign(x) ln(1 + |x|) as a ValueMapping.
template <std::floating_point Scalar = double>
struct SignedLog1pMapping {
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// sign(x) log1p(|x|). Throws std::invalid_argument unless x is finite.
  Scalar forward(Scalar x) const {
    check_domain("SignedLog1pMapping::forward", "x", x);
    return std::copysign(std::log1p(std::abs(x)), x);
  }
  /// sign(y) expm1(|y|) (overflows to inf for |y| > ~709 in double).
  Scalar inverse(Scalar y) const noexcept { return std::copysign(std::expm1(std::abs(y)), y); }
  /// True if x is in the domain of the mapping.
  bool in_domain(Scalar x) const noexcept { return std::isfinite(x); }
  /// Throws std::invalid_argument naming `where`, `name` and x if x is outside the domain of the mapping.
  void check_domain(std::string_view where, std::string_view name, Scalar x) const {
    check_finite(where, name, x);
  }
};

}  // namespace rlvalue
