#pragma once
/// @file
/// Validation shared by the (T x B) sequence targets (returns.hpp, gae.hpp).
/// Every failure throws std::invalid_argument with a message naming the
/// function, the parameter and what is wrong:
///   "gae: values has shape 3x2, expected 4x2"
///   "lambda_returns: discounts(2, 0) = 1.5 is outside [0, 1]"
///   "gae: rewards(1, 1) = nan is not finite"
/// Entry checks report the first offending entry in the array's storage order.
/// The messages are built in cold, non-inlined functions; the checks
/// themselves are a loop of predictable branches and allocate nothing.

#include <Eigen/Core>
#include <cmath>
#include <concepts>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue::detail {

/// A writable Eigen dense object or expression (a Matrix, Array, Map,
/// Ref or block, lvalue or temporary), not const: the output of a sequence
/// function.
template <class Out>
concept WritableDense =
    std::derived_from<std::remove_cvref_t<Out>, Eigen::DenseBase<std::remove_cvref_t<Out>>> &&
    !std::is_const_v<std::remove_reference_t<Out>> &&
    bool(std::remove_cvref_t<Out>::Flags & Eigen::LvalueBit);

/// Any Eigen dense object or expression.
template <class A>
concept DenseExpression =
    std::derived_from<std::remove_cvref_t<A>, Eigen::DenseBase<std::remove_cvref_t<A>>>;

/// A trace weight: one number for every step, or an Eigen array of them.
template <class L>
concept LambdaArgument = std::is_arithmetic_v<L> || DenseExpression<L>;

[[noreturn]] __attribute__((noinline, cold)) inline void throw_shape_mismatch(
    std::string_view where, std::string_view name, Index rows, Index cols, Index expected_rows,
    Index expected_cols) {
  std::string msg;
  msg.append(where).append(": ").append(name).append(" has shape ");
  msg.append(format_value(rows)).append("x").append(format_value(cols));
  msg.append(", expected ").append(format_value(expected_rows)).append("x");
  msg.append(format_value(expected_cols));
  throw std::invalid_argument(msg);
}

/// Throws unless `a` has `rows` x `cols` entries.
template <class A>
inline void check_shape(std::string_view where, std::string_view name, const Eigen::DenseBase<A>& a,
                        Index rows, Index cols) {
  if (a.rows() != rows || a.cols() != cols) [[unlikely]]
    throw_shape_mismatch(where, name, a.rows(), a.cols(), rows, cols);
}

/// Throws at the first entry (in storage order) for which `ok` is false.
template <class A, class Ok>
inline void check_entries(std::string_view where, std::string_view name,
                          const Eigen::DenseBase<A>& array, Ok ok, std::string_view requirement) {
  const A& a = array.derived();
  const Index rows = a.rows(), cols = a.cols();
  if constexpr (A::IsRowMajor) {
    for (Index t = 0; t < rows; ++t)
      for (Index b = 0; b < cols; ++b)
        if (!ok(a.coeff(t, b))) [[unlikely]]
          throw_invalid_at(where, name, t, b, a.coeff(t, b), requirement);
  } else {
    for (Index b = 0; b < cols; ++b)
      for (Index t = 0; t < rows; ++t)
        if (!ok(a.coeff(t, b))) [[unlikely]]
          throw_invalid_at(where, name, t, b, a.coeff(t, b), requirement);
  }
}

/// True when every entry of the arrays (same shape and scalar type) is
/// finite: one vectorised pass over all of them. x * 0 is 0 for a finite x
/// and NaN for an infinite or NaN one, and a sum of zeros cannot overflow, so
/// the sum is NaN exactly when some entry is not finite.
template <class A, class... More>
inline bool all_finite(const Eigen::DenseBase<A>& a, const Eigen::DenseBase<More>&... more) {
  using S = typename A::Scalar;
  if (a.size() == 0) return true;
  return !std::isnan(((a.derived().array() * S(0)) + ... + (more.derived().array() * S(0))).sum());
}

/// True when every entry of `a` lies in [0, 1]: one vectorised pass.
/// x * (1 - x) >= 0 exactly when 0 <= x <= 1 (both factors are exact in sign
/// and the product cannot underflow to zero outside [0, 1]); NaN propagates.
template <class A>
inline bool all_unit_interval(const Eigen::DenseBase<A>& a) {
  using S = typename A::Scalar;
  if (a.size() == 0) return true;
  const auto& x = a.derived().array();
  return (x * (S(1) - x)).template minCoeff<Eigen::PropagateNaN>() >= S(0);
}

/// Throws unless every entry of `a` is finite.
template <class A>
inline void check_all_finite(std::string_view where, std::string_view name,
                             const Eigen::DenseBase<A>& a) {
  if (all_finite(a)) [[likely]]
    return;
  check_entries(
      where, name, a, [](auto x) { return std::isfinite(x); }, "is not finite");
}

/// Throws unless every entry of `a` lies in [0, 1] (NaN does not).
template <class A>
inline void check_all_unit_interval(std::string_view where, std::string_view name,
                                    const Eigen::DenseBase<A>& a) {
  using S = typename A::Scalar;
  if (all_unit_interval(a)) [[likely]]
    return;
  check_entries(
      where, name, a, [](S x) { return x >= S(0) && x <= S(1); }, "is outside [0, 1]");
}

/// Checks a lambda argument of a general-form function: a number in [0, 1],
/// or a rows x cols array of them with the sequence's scalar type.
template <class Scalar, class Lambda>
inline void check_lambda(std::string_view where, const Lambda& lambda, Index rows, Index cols) {
  if constexpr (std::is_arithmetic_v<Lambda>) {
    check_unit_interval(where, "lambda", static_cast<Scalar>(lambda));
  } else {
    static_assert(std::is_same_v<typename Lambda::Scalar, Scalar>,
                  "rlvalue: a lambda array must have the scalar type of the rewards");
    check_shape(where, "lambda", lambda, rows, cols);
    check_all_unit_interval(where, "lambda", lambda);
  }
}

/// The up-front part of check_lambda: a number must lie in [0, 1]; an array
/// must have the scalar type and shape (its entries are checked as they are
/// read, by the kernels that fuse their checks).
template <class Scalar, class Lambda>
inline void check_lambda_shape(std::string_view where, const Lambda& lambda, Index rows,
                               Index cols) {
  if constexpr (std::is_arithmetic_v<Lambda>) {
    check_unit_interval(where, "lambda", static_cast<Scalar>(lambda));
  } else {
    static_assert(std::is_same_v<typename Lambda::Scalar, Scalar>,
                  "rlvalue: a lambda array must have the scalar type of the rewards");
    check_shape(where, "lambda", lambda, rows, cols);
  }
}

/// Reads lambda_t for step (t, b) from a number or an array.
template <class Scalar, class Lambda>
inline auto lambda_reader(const Lambda& lambda) {
  if constexpr (std::is_arithmetic_v<Lambda>) {
    return [value = static_cast<Scalar>(lambda)](Index, Index) { return value; };
  } else {
    const auto& l = lambda.derived();
    return [&l](Index t, Index b) { return l.coeff(t, b); };
  }
}

/// Checks a pair of termination / truncation flag arrays: bool entries, shape
/// rows x cols.
template <class Terminated, class Truncated>
inline void check_flags(std::string_view where, const Eigen::DenseBase<Terminated>& terminated,
                        const Eigen::DenseBase<Truncated>& truncated, Index rows, Index cols) {
  static_assert(std::is_same_v<typename Terminated::Scalar, bool> &&
                    std::is_same_v<typename Truncated::Scalar, bool>,
                "rlvalue: terminated and truncated must be arrays of bool "
                "(e.g. Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic>)");
  check_shape(where, "terminated", terminated, rows, cols);
  check_shape(where, "truncated", truncated, rows, cols);
}

/// The shape part of check_general_form.
template <class R, class D, class N, class O>
inline void check_general_form_shapes(std::string_view where, const Eigen::DenseBase<R>& rewards,
                                      const Eigen::DenseBase<D>& discounts,
                                      const Eigen::DenseBase<N>& next_values,
                                      const Eigen::DenseBase<O>& out) {
  const Index T = rewards.rows(), B = rewards.cols();
  check_shape(where, "discounts", discounts, T, B);
  check_shape(where, "next_values", next_values, T, B);
  check_shape(where, "out", out, T, B);
}

/// The general form's common checks: discounts, next_values and out shaped
/// like rewards; rewards and next_values finite; discounts in [0, 1].
template <class R, class D, class N, class O>
inline void check_general_form(std::string_view where, const Eigen::DenseBase<R>& rewards,
                               const Eigen::DenseBase<D>& discounts,
                               const Eigen::DenseBase<N>& next_values,
                               const Eigen::DenseBase<O>& out) {
  const Index T = rewards.rows(), B = rewards.cols();
  check_shape(where, "discounts", discounts, T, B);
  check_shape(where, "next_values", next_values, T, B);
  check_shape(where, "out", out, T, B);
  // Fast path: one pass over rewards and next_values, one over discounts;
  // when it fails, the checks one by one name the first bad entry.
  if (all_finite(rewards, next_values) && all_unit_interval(discounts)) [[likely]]
    return;
  check_all_finite(where, "rewards", rewards);
  check_all_unit_interval(where, "discounts", discounts);
  check_all_finite(where, "next_values", next_values);
}

}  // namespace rlvalue::detail
