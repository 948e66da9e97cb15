#pragma once
/// @file
/// Argument checks. Each failure throws with a message that names where it
/// happened, the parameter and its value, e.g.
///   "TD0: gamma = 1.5 is outside [0, 1]"
///   "TabularQ: action = 9 is out of range [0, 4)"
/// std::invalid_argument for bad values and shapes, std::out_of_range for
/// indices. The checks are inline and cost a predictable branch; the message
/// is built in a cold, non-inlined function.

#include <charconv>
#include <cmath>
#include <concepts>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/types.hpp"

namespace rlvalue {

namespace detail {

/// Shortest text that reads back as the same value.
template <class T>
std::string format_value(T value) {
  if constexpr (std::is_same_v<T, bool>) {
    return value ? "true" : "false";
  } else if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(value)) return "nan";
    if (std::isinf(value)) return value > 0 ? "inf" : "-inf";
    char buf[64];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
  } else {
    char buf[32];
    auto res = std::to_chars(buf, buf + sizeof buf, value);
    return std::string(buf, res.ptr);
  }
}

template <class T>
std::string describe(std::string_view where, std::string_view name, T value) {
  std::string msg;
  msg.append(where).append(": ").append(name).append(" = ").append(format_value(value));
  return msg;
}

template <class T>
[[noreturn]] __attribute__((noinline, cold)) void throw_invalid(std::string_view where,
                                                               std::string_view name, T value,
                                                               std::string_view requirement) {
  throw std::invalid_argument(describe(where, name, value).append(" ").append(requirement));
}

[[noreturn]] __attribute__((noinline, cold)) inline void throw_out_of_range(
    std::string_view where, std::string_view name, Index value, Index size) {
  throw std::out_of_range(describe(where, name, value)
                              .append(" is out of range [0, ")
                              .append(format_value(size))
                              .append(")"));
}

[[noreturn]] __attribute__((noinline, cold)) inline void throw_size_mismatch(
    std::string_view where, std::string_view name, Index got, Index expected) {
  std::string msg;
  msg.append(where).append(": ").append(name).append(" has size ").append(format_value(got));
  msg.append(", expected ").append(format_value(expected));
  throw std::invalid_argument(msg);
}

/// "where: name = value is outside [lo, hi]" (check_in_range's message).
template <class T>
[[noreturn]] __attribute__((noinline, cold)) void throw_outside(std::string_view where,
                                                               std::string_view name, T value,
                                                               T lo, T hi) {
  throw_invalid(where, name, value,
                std::string("is outside [") + format_value(lo) + ", " + format_value(hi) + "]");
}

/// "where: name = updated is not finite (scaled_error = e); nothing was
/// written": a table's step whose result is not finite.
template <class T>
[[noreturn]] __attribute__((noinline, cold)) void throw_step_not_finite(std::string_view where,
                                                                       std::string_view name,
                                                                       T updated, T scaled_error) {
  throw_invalid(where, name, updated,
                "is not finite (scaled_error = " + format_value(scaled_error) +
                    "); nothing was written");
}

/// "[i]" (built by appending: GCC 12 warns falsely on "[" + std::string).
inline std::string bracketed(Index i) {
  std::string s(1, '[');
  s.append(format_value(i)).push_back(']');
  return s;
}

/// "where: name[i] = value requirement" (an entry of a vector argument).
template <class T>
[[noreturn]] __attribute__((noinline, cold)) void throw_invalid_entry(
    std::string_view where, std::string_view name, Index i, T value, std::string_view requirement) {
  throw_invalid(where, std::string(name).append(bracketed(i)), value, requirement);
}

/// "where: name(t, b) = value requirement" (an entry of a matrix argument).
template <class T>
[[noreturn]] __attribute__((noinline, cold)) void throw_invalid_at(std::string_view where,
                                                                   std::string_view name, Index t,
                                                                   Index b, T value,
                                                                   std::string_view requirement) {
  std::string at(name);
  at.append("(").append(format_value(t)).append(", ").append(format_value(b)).append(")");
  throw_invalid(where, at, value, requirement);
}

}  // namespace detail

/// Throws std::invalid_argument unless `value` is finite.
template <std::floating_point T>
inline void check_finite(std::string_view where, std::string_view name, T value) {
  if (!std::isfinite(value)) [[unlikely]]
    detail::throw_invalid(where, name, value, "is not finite");
}

/// Throws std::invalid_argument unless 0 <= value <= 1 (gamma, lambda, epsilon,
/// probabilities).
template <std::floating_point T>
inline void check_unit_interval(std::string_view where, std::string_view name, T value) {
  if (!(value >= T(0) && value <= T(1))) [[unlikely]]
    detail::throw_invalid(where, name, value, "is outside [0, 1]");
}

/// Throws std::invalid_argument unless value > 0 and finite (step sizes,
/// temperatures, tolerances).
template <std::floating_point T>
inline void check_positive(std::string_view where, std::string_view name, T value) {
  if (!(value > T(0) && std::isfinite(value))) [[unlikely]]
    detail::throw_invalid(where, name, value, "must be positive and finite");
}

/// check_positive, then `value` converted to Scalar, which must still be
/// positive and finite (a double step size of 1e300 is not a float one).
template <std::floating_point Scalar>
inline Scalar checked_positive_as(std::string_view where, std::string_view name, double value) {
  check_positive(where, name, value);
  const Scalar converted = static_cast<Scalar>(value);
  if (!(converted > Scalar(0) && std::isfinite(converted))) [[unlikely]]
    detail::throw_invalid(where, name, value, "is not positive and finite in the scalar type used");
  return converted;
}

/// Throws std::invalid_argument unless value >= 1 (sizes, counts).
inline void check_at_least_one(std::string_view where, std::string_view name, Index value) {
  if (value < 1) [[unlikely]]
    detail::throw_invalid(where, name, value, "must be at least 1");
}

/// Throws std::invalid_argument unless lo <= value <= hi.
template <class T>
inline void check_in_range(std::string_view where, std::string_view name, T value, T lo, T hi) {
  if (!(value >= lo && value <= hi)) [[unlikely]]
    detail::throw_outside(where, name, value, lo, hi);
}

/// Throws std::out_of_range unless 0 <= index < size.
inline void check_index(std::string_view where, std::string_view name, Index index, Index size) {
  if (static_cast<std::make_unsigned_t<Index>>(index) >=
      static_cast<std::make_unsigned_t<Index>>(size)) [[unlikely]]
    detail::throw_out_of_range(where, name, index, size);
}

/// Throws std::invalid_argument unless got == expected (shapes).
inline void check_size(std::string_view where, std::string_view name, Index got, Index expected) {
  if (got != expected) [[unlikely]]
    detail::throw_size_mismatch(where, name, got, expected);
}

/// Throws std::invalid_argument with a free-form requirement, naming the value.
template <class T>
[[noreturn]] inline void fail_check(std::string_view where, std::string_view name, T value,
                                    std::string_view requirement) {
  detail::throw_invalid(where, name, value, requirement);
}

}  // namespace rlvalue
