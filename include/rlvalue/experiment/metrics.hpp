#pragma once
/// @file
/// Error metrics of value estimates against exact values.

#include <Eigen/Core>
#include <cmath>
#include <initializer_list>
#include <iterator>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Root-mean-square error over all entries:
///   sqrt( (1/N) sum_i (estimate_i - truth_i)^2 ).
/// Any Eigen vectors or matrices of equal shape (state values, Q tables).
/// std::invalid_argument if the shapes differ or are empty.
template <class A, class B>
double rmse(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& truth) {
  check_at_least_one("rmse", "estimate.size()", estimate.size());
  check_size("rmse", "estimate.rows()", estimate.rows(), truth.rows());
  check_size("rmse", "estimate.cols()", estimate.cols(), truth.cols());
  const double sum_sq =
      (estimate.template cast<double>() - truth.template cast<double>()).squaredNorm();
  return std::sqrt(sum_sq / static_cast<double>(estimate.size()));
}

/// Root-mean-square error over the listed entries of two vectors:
///   sqrt( (1/|I|) sum_{i in I} (estimate_i - truth_i)^2 )
/// (e.g. the non-terminal states). `indices` is any range of integers
/// (std::vector<Index>, Eigen::VectorX<Index>, ...), repeats count twice.
/// std::invalid_argument if the sizes differ or `indices` is empty;
/// std::out_of_range for an index outside the vectors.
template <class A, class B, class Indices>
  requires requires(const Indices& r) {
    std::begin(r);
    std::end(r);
  }
double rmse(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& truth,
            const Indices& indices) {
  static_assert(A::IsVectorAtCompileTime && B::IsVectorAtCompileTime,
                "rmse over a subset takes vectors");
  check_size("rmse", "estimate.size()", estimate.size(), truth.size());
  double sum_sq = 0.0;
  Index count = 0;
  for (const auto& raw : indices) {
    const auto i = static_cast<Index>(raw);
    check_index("rmse", "index", i, estimate.size());
    const double d = static_cast<double>(estimate[i]) - static_cast<double>(truth[i]);
    sum_sq += d * d;
    ++count;
  }
  check_at_least_one("rmse", "number of indices", count);
  return std::sqrt(sum_sq / static_cast<double>(count));
}

/// rmse over a braced list of indices: rmse(v, truth, {1, 2, 3}).
template <class A, class B>
double rmse(const Eigen::MatrixBase<A>& estimate, const Eigen::MatrixBase<B>& truth,
            std::initializer_list<Index> indices) {
  return rmse<A, B, std::initializer_list<Index>>(estimate, truth, indices);
}

}  // namespace rlvalue
