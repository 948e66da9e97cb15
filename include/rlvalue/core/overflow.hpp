#pragma once
/// @file
/// Overflow limits that let an update prove, from a cheap bound, that it
/// cannot write a non-finite value, so the exact check runs only near the
/// edge of the floating-point range.
///
/// Round to nearest: for any finite w and |d| < ulp(max)/2, fl(w + d) is
/// finite (|w + d| < max + ulp(max)/2 rounds to at most max). In the binary
/// formats ulp(max) is about max * epsilon / 2, so
///   safe_step_limit = max * epsilon / 16   (about ulp(max) / 8)
/// leaves room for the rounding of the bound itself and of d = c * z: any
/// number of additions, each at most this large, to finite values stays
/// finite. float: about 2.5e30; double: about 2.5e291.

#include <cmath>
#include <cstddef>
#include <limits>
#include <span>

#include "rlvalue/core/types.hpp"

namespace rlvalue::detail {

/// Largest |d| that provably keeps fl(w + d) finite for every finite w (with
/// a margin for rounding in the bound that produced d).
template <class Scalar>
constexpr Scalar safe_step_limit() noexcept {
  return std::numeric_limits<Scalar>::max() * std::numeric_limits<Scalar>::epsilon() / Scalar(16);
}

/// Largest bound on a stored quantity (a trace entry) treated as safely
/// finite: max / 8, leaving room for the rounding of the bound.
template <class Scalar>
constexpr Scalar safe_value_limit() noexcept {
  return std::numeric_limits<Scalar>::max() / Scalar(8);
}

/// True if |x| <= max * (1 - 16 epsilon): finite with a margin of a few ulps,
/// so the same sum evaluated with a different rounding or contraction (an
/// FMA) is finite too. False for inf and NaN.
template <class Scalar>
constexpr bool finite_with_margin(Scalar x) noexcept {
  constexpr Scalar limit = std::numeric_limits<Scalar>::max() *
                           (Scalar(1) - Scalar(16) * std::numeric_limits<Scalar>::epsilon());
  return x <= limit && x >= -limit;
}

/// True if adding `step` to value(i) once for each occurrence of i in
/// `indices` (they may repeat, as hashed tiles can) leaves every value
/// finite. O(1) when |step| <= safe_step_limit (always safe); otherwise the
/// adds are replayed in order on copies. Writes nothing.
template <class Scalar, class Value>
bool repeated_adds_stay_finite(std::span<const Index> indices, Scalar step, const Value& value) {
  if (std::abs(step) <= safe_step_limit<Scalar>()) [[likely]]
    return true;
  if (!std::isfinite(step)) return false;
  for (std::size_t j = 0; j < indices.size(); ++j) {
    bool seen = false;
    for (std::size_t k = 0; k < j && !seen; ++k) seen = indices[k] == indices[j];
    if (seen) continue;
    Scalar v = value(indices[j]);
    for (std::size_t k = j; k < indices.size(); ++k)
      if (indices[k] == indices[j] && !std::isfinite(v += step)) return false;
  }
  return true;
}

}  // namespace rlvalue::detail
