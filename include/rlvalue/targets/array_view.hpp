#pragma once
/// @file
/// One instantiation of the sequence kernels per storage order, whatever
/// Eigen type the caller holds the arrays in.
///
/// The fast sequence targets (gae, lambda_returns, discounted_returns,
/// n_step_returns, the lambda errors) are templates over their argument
/// types, and their engine (targets/affine_scan.hpp) is large: before this
/// header, a call with Eigen::ArrayXXf, one with a Map over the same memory,
/// one with a block of columns (as the Parallel overloads make) and one with
/// a Matrix each compiled the whole engine again. The public functions now
/// hand their kernels `view_of(x)`: for an object in memory whose entries are
/// consecutive along its inner dimension (a Matrix, Array, Map, Ref or block
/// of one, whatever its sizes at compile time), a Map with a run-time outer
/// stride of the same scalar and storage order; anything else (expressions,
/// strided maps, numbers) is passed through as it is. The kernels read the
/// same memory in the same order through either, so results are the same
/// bit for bit; only the number of instantiations changes. The checks that
/// name a bad entry (the cold `validate` path) still run on the caller's own
/// objects, through ValidateRef, so that they too are compiled once per
/// kernel.

#include <Eigen/Core>
#include <type_traits>

#include "rlvalue/core/types.hpp"

namespace rlvalue::detail {

/// True when X is an Eigen object whose entries are in memory (data(),
/// rowStride(), colStride()); false for numbers and other expressions.
template <class X>
inline constexpr bool kInMemory = [] {
  if constexpr (std::is_arithmetic_v<X>)
    return false;
  else
    return (Eigen::internal::traits<X>::Flags & Eigen::DirectAccessBit) != 0;
}();

/// True when X is in memory with consecutive entries along its inner
/// dimension, known at compile time: such an X has a view_of.
template <class X>
inline constexpr bool kHasArrayView = [] {
  if constexpr (std::is_arithmetic_v<X>)
    return false;
  else
    return kInMemory<X> && int(X::InnerStrideAtCompileTime) == 1;
}();

/// The view of such an X: an unaligned Map of a dynamic-size Array with X's
/// scalar and storage order and a run-time outer stride (const entries, or
/// writable ones when kWritable).
template <class X, bool kWritable = false>
using ArrayViewOf = Eigen::Map<
    std::conditional_t<kWritable,
                       Eigen::Array<typename X::Scalar, Eigen::Dynamic, Eigen::Dynamic,
                                    X::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor>,
                       const Eigen::Array<typename X::Scalar, Eigen::Dynamic, Eigen::Dynamic,
                                          X::IsRowMajor ? Eigen::RowMajor : Eigen::ColMajor>>,
    Eigen::Unaligned, Eigen::OuterStride<>>;

/// view_of(x): ArrayViewOf<X> over x's memory when kHasArrayView<X>, else x
/// itself (a reference to it).
template <class X>
inline decltype(auto) view_of(const X& x) {
  if constexpr (kHasArrayView<X>)
    return ArrayViewOf<X>(x.data(), x.rows(), x.cols(), Eigen::OuterStride<>(x.outerStride()));
  else
    return (x);
}

/// The writable view of an output (see view_of).
template <class X>
inline decltype(auto) out_view_of(X& x) {
  if constexpr (kHasArrayView<X>)
    return ArrayViewOf<X, true>(x.data(), x.rows(), x.cols(),
                                Eigen::OuterStride<>(x.outerStride()));
  else
    return (x);
}

/// A reference to a callable taking no arguments (the cold `validate` of a
/// kernel, which throws for the first bad input): one type for every
/// callable, so the kernel that takes it is compiled once. The callable must
/// outlive the reference.
class ValidateRef {
 public:
  /// Refers to `f` (not copied).
  template <class F>
  requires(!std::is_same_v<std::remove_cvref_t<F>, ValidateRef>)
  explicit ValidateRef(F& f) noexcept
      : object_(static_cast<const void*>(&f)),
        call_([](const void* object) { (*static_cast<const F*>(object))(); }) {}
  /// Calls the callable.
  void operator()() const { call_(object_); }

 private:
  const void* object_;
  void (*call_)(const void*);
};

}  // namespace rlvalue::detail
