#pragma once
/// @file
/// Reductions over an ensemble of N critics (layer 1): mean, min over all,
/// and min over a random subset of M of the N (REDQ: Chen, Wang, Zhou, Ross
/// 2021, "Randomized ensembled double Q-learning: learning fast without a
/// model", arXiv:2101.05982, eq. 1). The ensemble target of a learner is
///   y = r + discount * max_a reduce_k Q_k(s', a)
/// (EnsembleQLearning); reduce = min is Maxmin Q-learning's target.
///
/// Values come as an (N x A) Eigen expression, row k = critic k (either
/// storage order); the per-action forms write the A reduced values to `out`
/// (a writable vector of A entries, not resized), the scalar forms reduce a
/// vector of N critic values (one action, e.g. continuous control). Nothing
/// allocates; random subsets are drawn from the caller's generator.

#include <Eigen/Core>
#include <concepts>
#include <random>
#include <span>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// How an ensemble's N values are combined into one.
enum class EnsembleReduction {
  mean,               ///< (1/N) sum_k Q_k
  min,                ///< min_k Q_k (Maxmin Q-learning)
  random_subset_min,  ///< min over a uniformly random M-subset (REDQ)
};

/// Draws a uniformly random m-subset of 0..n-1, n = indices.size(), from
/// `rng` by a partial Fisher-Yates shuffle of 0..n-1: afterwards
/// indices[0..m) hold the subset in drawing order. Makes exactly m
/// uniform_index draws (n - i choices at draw i). std::invalid_argument
/// unless 1 <= m <= n.
template <std::uniform_random_bit_generator G>
void draw_random_subset(G& rng, Index m, std::span<Index> indices) {
  const auto n = static_cast<Index>(indices.size());
  check_in_range("draw_random_subset", "subset_size", m, Index(1), n);
  for (Index i = 0; i < n; ++i) indices[static_cast<std::size_t>(i)] = i;
  for (Index i = 0; i < m; ++i) {
    const Index j = i + uniform_index(rng, n - i);
    std::swap(indices[static_cast<std::size_t>(i)], indices[static_cast<std::size_t>(j)]);
  }
}

namespace detail {

/// The subsets the learners draw: indices[0..m) = those of
/// draw_random_subset(rng, m, indices), from the same m draws, bit for bit;
/// indices[m..n) are left as they were (the learners read only the subset).
/// m = 1 and m = 2 (REDQ's pair) follow the two swaps without first writing
/// 0..n-1 into all n entries: after the first swap v[0] = j0, v[j0] = 0 and
/// every other v[p] = p, so the second pick, v[j1] (j1 >= 1), is 0 when
/// j1 = j0 and j1 otherwise. The caller has checked 1 <= m <= n.
template <std::uniform_random_bit_generator G>
void draw_subset_prefix(G& rng, Index m, std::span<Index> indices) {
  const auto n = static_cast<Index>(indices.size());
  if (m == 1) {
    indices[0] = uniform_index(rng, n);
  } else if (m == 2) {
    const Index first = uniform_index(rng, n);
    const Index second = 1 + uniform_index(rng, n - 1);
    indices[0] = first;
    indices[1] = second == first ? 0 : second;
  } else {
    draw_random_subset(rng, m, indices);
  }
}

template <class Values, class Out>
void check_ensemble_shapes(std::string_view where, const Values& values, const Out& out) {
  static_assert(std::remove_cvref_t<Out>::IsVectorAtCompileTime,
                "rlvalue: the output of an ensemble reduction must be a vector");
  static_assert(std::is_same_v<typename Values::Scalar, typename std::remove_cvref_t<Out>::Scalar>,
                "rlvalue: values and out must share a scalar type");
  check_at_least_one(where, "values.rows()", values.rows());
  check_size(where, "out", out.size(), values.cols());
}

template <class Subset>
void check_subset(std::string_view where, const Subset& subset, Index n) {
  check_at_least_one(where, "subset.size()", static_cast<Index>(std::size(subset)));
  for (const auto k : subset) check_index(where, "subset member", static_cast<Index>(k), n);
}

}  // namespace detail

/// out(a) = (1/N) sum_k values(k, a): the ensemble mean of each action.
template <class Values, class Out>
void ensemble_mean(const Eigen::DenseBase<Values>& values, Out&& out) {
  detail::check_ensemble_shapes("ensemble_mean", values, out);
  using Scalar = typename Values::Scalar;
  const Values& v = values.derived();
  const Scalar inv_n = Scalar(1) / static_cast<Scalar>(v.rows());
  for (Index a = 0; a < v.cols(); ++a) {
    Scalar sum = v.coeff(0, a);
    for (Index k = 1; k < v.rows(); ++k) sum += v.coeff(k, a);
    out.derived().coeffRef(a) = sum * inv_n;
  }
}

/// out(a) = min_k values(k, a): the ensemble minimum of each action.
template <class Values, class Out>
void ensemble_min(const Eigen::DenseBase<Values>& values, Out&& out) {
  detail::check_ensemble_shapes("ensemble_min", values, out);
  using Scalar = typename Values::Scalar;
  const Values& v = values.derived();
  for (Index a = 0; a < v.cols(); ++a) {
    Scalar m = v.coeff(0, a);
    for (Index k = 1; k < v.rows(); ++k) m = v.coeff(k, a) < m ? v.coeff(k, a) : m;
    out.derived().coeffRef(a) = m;
  }
}

/// out(a) = min_{k in subset} values(k, a). `subset`: a non-empty range of
/// row indices (std::span, std::vector, ...); std::out_of_range for an index
/// outside 0..N-1.
template <class Values, class Subset, class Out>
void ensemble_subset_min(const Eigen::DenseBase<Values>& values, const Subset& subset,
                         Out&& out) {
  constexpr std::string_view where = "ensemble_subset_min";
  detail::check_ensemble_shapes(where, values, out);
  detail::check_subset(where, subset, values.rows());
  using Scalar = typename Values::Scalar;
  const Values& v = values.derived();
  const auto first = static_cast<Index>(*std::begin(subset));
  for (Index a = 0; a < v.cols(); ++a) {
    Scalar m = v.coeff(first, a);
    for (const auto k : subset) {
      const Scalar x = v.coeff(static_cast<Index>(k), a);
      m = x < m ? x : m;
    }
    out.derived().coeffRef(a) = m;
  }
}

/// REDQ's reduction: draws a random m-subset of the N rows with
/// draw_random_subset(rng, m, scratch) (`scratch`: N indices, overwritten),
/// then out(a) = min over that subset of values(k, a).
template <class Values, std::uniform_random_bit_generator G, class Out>
void ensemble_random_subset_min(const Eigen::DenseBase<Values>& values, Index m, G& rng,
                                std::span<Index> scratch, Out&& out) {
  constexpr std::string_view where = "ensemble_random_subset_min";
  detail::check_ensemble_shapes(where, values, out);
  check_size(where, "scratch", static_cast<Index>(scratch.size()), values.rows());
  check_in_range(where, "subset_size", m, Index(1), values.rows());
  draw_random_subset(rng, m, scratch);
  const detail::dependent_t<std::span<Index>, G> drawn = scratch;  // see core/dependent.hpp
  ensemble_subset_min(values, drawn.first(static_cast<std::size_t>(m)), std::forward<Out>(out));
}

/// (1/N) sum_k values(k) over a vector of N critic values (one action).
template <class Values>
typename Values::Scalar ensemble_mean(const Eigen::DenseBase<Values>& values) {
  static_assert(Values::IsVectorAtCompileTime, "rlvalue: the scalar form takes a vector");
  check_at_least_one("ensemble_mean", "values.size()", values.size());
  return values.derived().sum() / static_cast<typename Values::Scalar>(values.size());
}

/// min_k values(k) over a vector of N critic values (one action).
template <class Values>
typename Values::Scalar ensemble_min(const Eigen::DenseBase<Values>& values) {
  static_assert(Values::IsVectorAtCompileTime, "rlvalue: the scalar form takes a vector");
  check_at_least_one("ensemble_min", "values.size()", values.size());
  return values.derived().minCoeff();
}

/// min_{k in subset} values(k) over a vector of N critic values.
template <class Values, class Subset>
typename Values::Scalar ensemble_subset_min(const Eigen::DenseBase<Values>& values,
                                            const Subset& subset) {
  static_assert(Values::IsVectorAtCompileTime, "rlvalue: the scalar form takes a vector");
  detail::check_subset("ensemble_subset_min", subset, values.size());
  auto m = values.derived().coeff(static_cast<Index>(*std::begin(subset)));
  for (const auto k : subset) {
    const auto x = values.derived().coeff(static_cast<Index>(k));
    m = x < m ? x : m;
  }
  return m;
}

}  // namespace rlvalue
