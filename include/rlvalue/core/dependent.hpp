#pragma once
/// @file
/// detail::dependent_t<T, D>: the type T, spelled so that it depends on the
/// template parameter D. Function templates of the upper layers name the Eigen
/// types of their bodies through it: g++ instantiates what a non-dependent
/// expression needs (LU decompositions, products, assignment kernels) when it
/// reads the template, in every translation unit that includes the header,
/// used or not; through this alias that work waits until the function is used.

namespace rlvalue::detail {

/// Holds T; a distinct specialisation per D keeps the member dependent on D.
template <class T, class D>
struct dependent_type {
  using type = T;  ///< T itself.
};

/// T, dependent on D.
template <class T, class D>
using dependent_t = typename dependent_type<T, D>::type;

}  // namespace rlvalue::detail
