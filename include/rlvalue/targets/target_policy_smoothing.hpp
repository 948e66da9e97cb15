#pragma once
/// @file
/// Target policy smoothing (layer 1), TD3's regulariser (Fujimoto, van Hoof,
/// Meger 2018, "Addressing function approximation error in actor-critic
/// methods", arXiv:1802.09477, eq. 15): the target action is the target
/// policy's action plus clipped Gaussian noise, clipped to the action bounds,
///   a~ = clip(a + clip(eps, -c, c), low, high),   eps ~ N(0, sigma^2),
/// with sigma = 0.2 and c = 0.5 in the paper (actions scaled to [-1, 1]).
/// The critics are then evaluated at a~ (see clipped_double_q_target).
///
/// Noise is drawn with rlvalue::normal from the caller's generator, one draw
/// per action dimension in index order, so a seed reproduces the actions.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <random>
#include <string>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

namespace detail {

inline void check_smoothing_noise(std::string_view where, double sigma, double noise_clip) {
  check_finite(where, "sigma", sigma);
  if (sigma < 0.0) [[unlikely]]
    fail_check(where, "sigma", sigma, "must not be negative");
  check_finite(where, "noise_clip", noise_clip);
  if (noise_clip < 0.0) [[unlikely]]
    fail_check(where, "noise_clip", noise_clip, "must not be negative");
}

template <std::floating_point T>
T clip(T x, T lo, T hi) {
  return x < lo ? lo : (x > hi ? hi : x);
}

/// Cold path of check_action_bounds: names the culprit (index -1: scalar).
template <std::floating_point T>
[[noreturn]] __attribute__((noinline, cold)) void reject_action_bounds(std::string_view where,
                                                                      Index i, T action, T low,
                                                                      T high) {
  const std::string s = i < 0 ? std::string() : "(" + format_value(i) + ")";
  check_finite(where, "action" + s, action);
  check_finite(where, "low" + s, low);
  check_finite(where, "high" + s, high);
  fail_check(where, "low" + s, low, "must not exceed high = " + format_value(high));
}

/// Throws std::invalid_argument unless action, low, high are finite and
/// low <= high (one branch on the hot path, no allocation).
template <std::floating_point T>
void check_action_bounds(std::string_view where, Index i, T action, T low, T high) {
  if (!(std::isfinite(action) && std::isfinite(low) && std::isfinite(high) && low <= high))
      [[unlikely]]
    reject_action_bounds(where, i, action, low, high);
}

}  // namespace detail

/// One smoothed target action a~ = clip(action + clip(eps, -noise_clip,
/// noise_clip), low, high), eps ~ N(0, sigma^2) (one rlvalue::normal draw).
/// std::invalid_argument unless sigma and noise_clip are finite and >= 0,
/// action, low and high are finite and low <= high.
template <std::floating_point T, std::uniform_random_bit_generator G>
T target_policy_smoothing(T action, double sigma, double noise_clip, std::type_identity_t<T> low,
                          std::type_identity_t<T> high, G& rng) {
  constexpr std::string_view where = "target_policy_smoothing";
  detail::check_smoothing_noise(where, sigma, noise_clip);
  detail::check_action_bounds<T>(where, -1, action, low, high);
  const double eps = detail::clip(normal(rng, 0.0, sigma), -noise_clip, noise_clip);
  return detail::clip(static_cast<T>(static_cast<double>(action) + eps), low, high);
}

/// Smoothed target actions of a d-dimensional action, written to `out`:
///   out(i) = clip(action(i) + clip(eps_i, -noise_clip, noise_clip), low(i), high(i)),
/// eps_i ~ N(0, sigma^2) drawn for i = 0..d-1 in order. `action`, `low`,
/// `high`: Eigen vectors of d entries; `out`: a writable vector of d entries
/// (it may be `action` itself). Errors as for the scalar form, with the index
/// in the name ("low(1)"); everything is checked before a draw or a write.
template <class Action, class Low, class High, std::uniform_random_bit_generator G, class Out>
void target_policy_smoothing(const Eigen::DenseBase<Action>& action, double sigma,
                             double noise_clip, const Eigen::DenseBase<Low>& low,
                             const Eigen::DenseBase<High>& high, G& rng, Out&& out) {
  using OutType = std::remove_cvref_t<Out>;
  using T = typename Action::Scalar;
  static_assert(std::is_floating_point_v<T>, "rlvalue: actions must be float or double");
  static_assert(std::is_same_v<T, typename Low::Scalar> && std::is_same_v<T, typename High::Scalar> &&
                    std::is_same_v<T, typename OutType::Scalar>,
                "rlvalue::target_policy_smoothing: action, low, high and out must share a "
                "scalar type");
  static_assert(Action::IsVectorAtCompileTime && OutType::IsVectorAtCompileTime,
                "rlvalue::target_policy_smoothing: action and out must be vectors");
  constexpr std::string_view where = "target_policy_smoothing";
  detail::check_smoothing_noise(where, sigma, noise_clip);
  const Index d = action.size();
  check_size(where, "low", low.size(), d);
  check_size(where, "high", high.size(), d);
  check_size(where, "out", out.size(), d);
  for (Index i = 0; i < d; ++i)
    detail::check_action_bounds<T>(where, i, action.derived().coeff(i), low.derived().coeff(i),
                                   high.derived().coeff(i));
  for (Index i = 0; i < d; ++i) {
    const double eps = detail::clip(normal(rng, 0.0, sigma), -noise_clip, noise_clip);
    const T a = static_cast<T>(static_cast<double>(action.derived().coeff(i)) + eps);
    out.derived().coeffRef(i) = detail::clip(a, low.derived().coeff(i), high.derived().coeff(i));
  }
}

}  // namespace rlvalue
