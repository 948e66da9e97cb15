#pragma once
/// @file
/// The invertible value rescaling of Pohlen et al., "Observe and look further:
/// achieving consistent performance on Atari" (2018, arXiv:1805.11593), used by
/// R2D2 and MuZero (rlax `signed_hyperbolic` / `signed_parabolic`):
///   h(x)    = sign(x) * (sqrt(|x| + 1) - 1) + eps * x,
///   h^-1(y) = sign(y) * (((sqrt(1 + 4 eps (|y| + 1 + eps)) - 1) / (2 eps))^2 - 1)
///             (eps = 0: sign(y) * ((|y| + 1)^2 - 1)).
/// Both are evaluated in forms without cancellation, so h^-1(h(x)) = x to a
/// few ulps over the whole range and for eps = 0:
///   sqrt(u + 1) - 1 = u / (sqrt(u + 1) + 1),
///   z - 1 = 4u (u + 1 + eps) / ((s + 1)(2u + 1 + 2 eps + s)),  s = sqrt(1 + 4 eps (u + 1 + eps)),
///   h^-1 = sign(y) * (z - 1)(z + 1),  u = |y|,  z = 2(u + 1 + eps) / (s + 1).

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <string_view>

#include "rlvalue/core/checks.hpp"

namespace rlvalue {

namespace detail {
template <std::floating_point T>
inline void check_rescaling_eps(std::string_view where, T eps) {
  if (!(eps >= T(0) && std::isfinite(eps))) [[unlikely]]
    fail_check(where, "eps", eps, "must be >= 0 and finite");
}
template <std::floating_point T>
inline T signed_hyperbolic_unchecked(T x, T eps) noexcept {
  const T u = std::abs(x);
  const T root = u / (std::sqrt(u + T(1)) + T(1));  // sqrt(u + 1) - 1
  return std::copysign(root, x) + eps * x;
}
template <std::floating_point T>
inline T signed_parabolic_unchecked(T y, T eps) noexcept {
  const T u = std::abs(y);
  const T a = u + T(1) + eps;
  const T s = std::sqrt(T(1) + T(4) * eps * a);
  // Factored so that no intermediate overflows before the result does.
  const T z_minus_1 = (T(4) * u / (s + T(1))) * (a / (T(2) * u + T(1) + T(2) * eps + s));
  const T z_plus_1 = T(2) * a / (s + T(1)) + T(1);
  return std::copysign(z_minus_1 * z_plus_1, y);
}
}  // namespace detail

/// h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x (Pohlen et al. 2018).
/// Throws std::invalid_argument unless eps >= 0 (finite).
template <std::floating_point T>
T signed_hyperbolic(T x, std::type_identity_t<T> eps = T(1e-3)) {
  detail::check_rescaling_eps("signed_hyperbolic", eps);
  return detail::signed_hyperbolic_unchecked(x, eps);
}

/// h^-1(y), the inverse of signed_hyperbolic with the same eps (Pohlen et
/// al. 2018, appendix). Throws std::invalid_argument unless eps >= 0.
template <std::floating_point T>
T signed_parabolic(T y, std::type_identity_t<T> eps = T(1e-3)) {
  detail::check_rescaling_eps("signed_parabolic", eps);
  return detail::signed_parabolic_unchecked(y, eps);
}

/// Element-wise signed_hyperbolic of an Eigen array or matrix (a new object).
template <class Derived>
typename Derived::PlainObject signed_hyperbolic(const Eigen::DenseBase<Derived>& x,
                                                typename Derived::Scalar eps = 1e-3) {
  using T = typename Derived::Scalar;
  detail::check_rescaling_eps("signed_hyperbolic", eps);
  return x.derived().unaryExpr([eps](T v) { return detail::signed_hyperbolic_unchecked(v, eps); });
}

/// Element-wise signed_parabolic of an Eigen array or matrix (a new object).
template <class Derived>
typename Derived::PlainObject signed_parabolic(const Eigen::DenseBase<Derived>& y,
                                               typename Derived::Scalar eps = 1e-3) {
  using T = typename Derived::Scalar;
  detail::check_rescaling_eps("signed_parabolic", eps);
  return y.derived().unaryExpr([eps](T v) { return detail::signed_parabolic_unchecked(v, eps); });
}

/// The signed hyperbolic rescaling as a ValueMapping: forward = h,
/// inverse = h^-1, domain: all finite reals. h(0) = 0.
template <std::floating_point Scalar = double>
class SignedHyperbolicMapping {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;

  /// eps >= 0 (finite), std::invalid_argument otherwise.
  explicit SignedHyperbolicMapping(double eps = 1e-3) : eps_(static_cast<Scalar>(eps)) {
    detail::check_rescaling_eps("SignedHyperbolicMapping", eps);
  }

  /// h(x). Throws std::invalid_argument unless x is finite.
  Scalar forward(Scalar x) const {
    check_domain("SignedHyperbolicMapping::forward", "x", x);
    return detail::signed_hyperbolic_unchecked(x, eps_);
  }
  /// h^-1(y).
  Scalar inverse(Scalar y) const noexcept { return detail::signed_parabolic_unchecked(y, eps_); }
  /// True if x is in the domain of the mapping.
  bool in_domain(Scalar x) const noexcept { return std::isfinite(x); }
  /// Throws std::invalid_argument naming `where`, `name` and x if x is outside the domain of the mapping.
  void check_domain(std::string_view where, std::string_view name, Scalar x) const {
    check_finite(where, name, x);
  }
  /// Regulariser eps of h(x) = sign(x) (sqrt(|x| + 1) - 1) + eps x (Pohlen et al. 2018).
  Scalar eps() const noexcept { return eps_; }

 private:
  Scalar eps_;
};

}  // namespace rlvalue
