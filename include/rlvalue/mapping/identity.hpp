#pragma once
/// @file
/// IdentityMapping: f(x) = x, f^-1(y) = y. With it, Orchestrated Value Mapping
/// (Fatemi & Tavakoli, ICLR 2022) reduces to Q-learning on each channel
/// (Q-decomposition, Russell & Zimdars 2003, when there are several).

#include <cmath>
#include <concepts>
#include <string_view>

#include "rlvalue/core/checks.hpp"

namespace rlvalue {

/// f(x) = x on all finite reals.
template <std::floating_point Scalar = double>
struct IdentityMapping {
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// True: learners may skip the mapping.
  static constexpr bool is_identity = true;

  /// f(x) = x (throws std::invalid_argument unless x is finite).
  Scalar forward(Scalar x) const {
    check_domain("IdentityMapping::forward", "x", x);
    return x;
  }
  /// f^-1(y) = y.
  Scalar inverse(Scalar y) const noexcept { return y; }
  /// True if x is in the domain of the mapping.
  bool in_domain(Scalar x) const noexcept { return std::isfinite(x); }
  /// Throws std::invalid_argument naming `where`, `name` and x if x is outside the domain of the mapping.
  void check_domain(std::string_view where, std::string_view name, Scalar x) const {
    check_finite(where, name, x);
  }
};

}  // namespace rlvalue
