#pragma once
/// @file
/// Batched categorical TD targets (layer 1): the C51 target of N transitions
/// in one call (Bellemare, Dabney, Munos 2017, "A distributional perspective
/// on reinforcement learning", arXiv:1707.06887, Algorithm 1; on a
/// non-uniform support the Cramer projection of Rowland et al. 2018,
/// arXiv:1802.08163, eq. 6):
///   out.col(n) = Pi_z((rewards(n) + discounts(n) * z)_# next_probs.col(n)),
/// Pi_z the projection of categorical_projection.hpp. A replay batch as DQN
/// code holds it, next_probs as a row-major [N, K] array, is the K x N
/// column-major Eigen::Map over the same memory (column n = transition n).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// Atoms evaluated per chunk of a column's shifted support (a stack buffer).
inline constexpr Index kCategoricalChunk = 64;

/// A support of at most this many atoms that is not contiguous in memory is
/// copied to the stack; a longer one to the heap (the only allocation of the
/// non-allocating form).
inline constexpr Index kCategoricalStackSupport = 256;

/// [first, last] byte addresses spanned by a direct-access Eigen object, or
/// {0, 0} with ok = false for an expression without storage of its own.
struct AddressRange {
  std::uintptr_t first = 0, last = 0;
  bool ok = false;
};

template <class A>
AddressRange address_range(const A& a) {
  if constexpr (bool(Eigen::internal::traits<A>::Flags & Eigen::DirectAccessBit)) {
    if (a.size() == 0) return {};
    using S = typename A::Scalar;
    const auto base = reinterpret_cast<std::uintptr_t>(a.data());
    const Index r = (a.rows() - 1) * a.rowStride(), c = (a.cols() - 1) * a.colStride();
    const Index lo = std::min<Index>(r, 0) + std::min<Index>(c, 0);
    const Index hi = std::max<Index>(r, 0) + std::max<Index>(c, 0);
    return {base + static_cast<std::uintptr_t>(lo * Index(sizeof(S))),
            base + static_cast<std::uintptr_t>(hi * Index(sizeof(S))) + sizeof(S) - 1, true};
  } else {
    return {};
  }
}

/// Throws (naming both) when the address ranges of `out` and input `name` meet.
template <class O, class A>
inline void check_no_overlap(std::string_view where, const O& out, std::string_view name,
                             const A& input) {
  const AddressRange o = address_range(out), a = address_range(input);
  if (o.ok && a.ok && o.first <= a.last && a.first <= o.last) [[unlikely]] {
    std::string msg(where);
    msg.append(": out overlaps ").append(name);
    msg.append(" in memory (the targets would overwrite what they read); write into a separate "
               "array");
    throw std::invalid_argument(msg);
  }
}

[[noreturn]] __attribute__((noinline, cold)) inline void throw_batch_size(
    std::string_view where, std::string_view name, Index rows, Index cols, Index expected,
    std::string_view expected_from, Index k, Index n) {
  std::string msg(where);
  msg.append(": ").append(name);
  if (rows == 1 || cols == 1)
    msg.append(" has size ").append(format_value(rows * cols)).append(", expected ");
  else
    msg.append(" has shape ").append(format_value(rows)).append("x").append(format_value(cols))
        .append(", expected a vector of ");
  msg.append(format_value(expected)).append(" (").append(expected_from);
  msg.append("; next_probs is ").append(format_value(k)).append("x").append(format_value(n));
  msg.append(", K atoms x N transitions)");
  throw std::invalid_argument(msg);
}

/// Throws (throw_batch_size) unless `a` is a vector (or empty) of `expected` entries.
template <class A>
inline void check_batch_vector(std::string_view where, std::string_view name, const A& a,
                               Index expected, std::string_view expected_from, Index k, Index n) {
  const bool vector = a.rows() == 1 || a.cols() == 1 || a.size() == 0;
  if (a.size() != expected || !vector) [[unlikely]]
    throw_batch_size(where, name, a.rows(), a.cols(), expected, expected_from, k, n);
}

/// The entry checks of categorical_td_targets (shapes already checked),
/// vectorised fast paths first; the named slow paths run only on failure.
template <class R, class D, class P, class Z>
void check_categorical_batch(std::string_view where, const R& rewards, const D& discounts,
                             const P& next_probs, const Z& z) {
  using S = typename P::Scalar;
  const Index N = next_probs.cols();
  check_support(where, "atoms", z);
  const Index K = z.size();
  constexpr S max = std::numeric_limits<S>::max();
  // Rewards finite, and every shifted atom r + d * z_j finite (they lie
  // between those of z_0 and z_{K-1}; none overflows when |r| + max |z|
  // does not).
  S max_abs_reward = S(0);
  if (N > 0) {
    max_abs_reward = rewards.array().abs().template maxCoeff<Eigen::PropagateNaN>();
    if (!(max_abs_reward <= max)) [[unlikely]]
      for (Index n = 0; n < N; ++n)
        check_finite(where, "rewards(" + format_value(n) + ")", rewards.coeff(n));
    if (!(discounts.array().template minCoeff<Eigen::PropagateNaN>() >= S(0) &&
          discounts.array().template maxCoeff<Eigen::PropagateNaN>() <= S(1))) [[unlikely]]
      for (Index n = 0; n < N; ++n)
        check_unit_interval(where, "discounts(" + format_value(n) + ")", discounts.coeff(n));
    const S z_max = std::max(std::abs(z.coeff(0)), std::abs(z.coeff(K - 1)));
    if (!(max_abs_reward + z_max <= max)) [[unlikely]]
      for (Index n = 0; n < N; ++n)
        for (const Index j : {Index(0), K - 1}) {
          const S y = rewards.coeff(n) + discounts.coeff(n) * z.coeff(j);
          if (!std::isfinite(y))
            fail_check(where,
                       "rewards(" + format_value(n) + ") + discounts(" + format_value(n) +
                           ") * atoms(" + format_value(j) + ")",
                       y,
                       "is not finite (rewards(" + format_value(n) +
                           ") = " + format_value(rewards.coeff(n)) + ", discounts(" +
                           format_value(n) + ") = " + format_value(discounts.coeff(n)) + ")");
        }
  }
  // Every column a probability vector (check_probabilities' rules and
  // tolerance): no entry below 0 and every column sum within the tolerance,
  // which a NaN or an infinity fails.
  const double tol = static_cast<double>(probability_vector_tolerance<S>());
  if (next_probs.size() == 0) return;
  const auto p = next_probs.template cast<double>();
  if (p.minCoeff() >= 0.0 &&
      (p.colwise().sum().array() - 1.0).abs().template maxCoeff<Eigen::PropagateNaN>() <= tol)
      [[likely]]
    return;
  for (Index n = 0; n < N; ++n) {
    double sum = 0.0;
    for (Index i = 0; i < K; ++i) {
      const S v = next_probs.coeff(i, n);
      if (!(v >= S(0) && std::isfinite(v))) [[unlikely]]
        throw_invalid_at(where, "next_probs", i, n, v, "must be a finite probability >= 0");
      sum += static_cast<double>(v);
    }
    if (!(std::abs(sum - 1.0) <= tol)) [[unlikely]]
      fail_check(where, "sum of next_probs.col(" + format_value(n) + ")", sum,
                 "must be 1 (within " + format_value(probability_vector_tolerance<S>()) + ")");
  }
}

/// One column of categorical_td_targets on validated arguments: z contiguous
/// (data()), inv_spacing = (K - 1) / (z_{K-1} - z_0) as the projection kernel
/// computes it. d = 0: the two-hot of r (categorical_terminal_target).
/// d > 0: categorical_projection_kernel's arithmetic (project_atom's, through
/// its accumulator, in input order) on the shifted atoms y_j = r + d * z_j,
/// evaluated a chunk at a time into a stack buffer by the expression
/// categorical_bootstrap_target uses. They are sorted (d > 0, rounding is
/// monotone), so each chunk is a run clipped to z_0, a run inside
/// (z_0, z_{K-1}) and a run clipped to z_{K-1}; inside, the bracket
/// z_i <= y_j < z_{i+1} only moves up: it is walked from the previous one
/// (started at project_atom's uniform-spacing guess), O(K) per column for any
/// support, with no end tests and no search. The bracket is unique and every
/// value is computed by the same operations on the same operands as in the
/// kernel, so the column is bit for bit its result. Wide: support_is_wide(z)
/// (mass_to_lower's form).
template <bool Wide, class S, class Z, class P, class OutCol>
inline void categorical_target_column(S r, S d, const Z& z, S inv_spacing, const P& p,
                                      OutCol& out) {
  if (d == S(0)) {
    categorical_terminal_target(r, z, out);
    return;
  }
  out.setZero();
  const Index K = z.size();
  const S* const zp = z.data();
  const S first = zp[0], last = zp[K - 1];
  ProjectionAccumulator<S, OutCol> acc{out};
  Index i = 0;  // the bracket z_i <= y_j < z_{i+1} of the atom inside, nondecreasing in j
  alignas(64) S y[kCategoricalChunk];
  for (Index j0 = 0; j0 < K; j0 += kCategoricalChunk) {
    const Index len = std::min(kCategoricalChunk, K - j0);
    Eigen::Map<Eigen::Array<S, Eigen::Dynamic, 1>, Eigen::Aligned64>(y, len) =
        r + d * z.segment(j0, len).array();
    Index j = 0, end = len;
    for (; j < len && !(y[j] > first); ++j) acc.add(0, p.coeff(j0 + j));
    while (end > j && !(y[end - 1] < last)) --end;
    if (j < end && i == 0) {  // the first atom inside: start from project_atom's guess
      const S guess = (y[j] - first) * inv_spacing;
      i = guess < S(K - 2) ? static_cast<Index>(guess) : K - 2;
      if (!(zp[i] <= y[j])) i = bracket_from(z, y[j], Index(0));
    }
    for (; j < end; ++j) {  // z_0 < y_j < z_{K-1}, so K >= 2
      const S yj = y[j], pj = p.coeff(j0 + j);
      while (zp[i + 1] <= yj) ++i;  // stops below K - 1: y_j < z_{K-1}
      const S lo = zp[i];
      if (yj == lo) {
        acc.add(i, pj);
        continue;
      }
      const S hi = zp[i + 1];
      const S lower = mass_to_lower<Wide>(pj, lo, hi, yj);
      acc.add(i, lower);
      acc.add(i + 1, pj - lower);
    }
    for (; j < len; ++j) acc.add(K - 1, p.coeff(j0 + j));
  }
  acc.flush();
}

/// categorical_td_targets on validated arguments, z contiguous.
template <class R, class D, class P, class Z, class Out>
void categorical_td_targets_kernel(const R& rewards, const D& discounts, const P& next_probs,
                                   const Z& z, Out& out) {
  using S = typename Z::Scalar;
  const Index K = z.size();
  const S inv_spacing = K > 1 ? S(K - 1) / (z.coeff(K - 1) - z.coeff(0)) : S(0);
  const bool wide = support_is_wide(z);
  for (Index n = 0; n < next_probs.cols(); ++n) {
    auto col = out.col(n);
    if (!wide) [[likely]]
      categorical_target_column<false>(S(rewards.coeff(n)), S(discounts.coeff(n)), z,
                                       inv_spacing, next_probs.col(n), col);
    else
      categorical_target_column<true>(S(rewards.coeff(n)), S(discounts.coeff(n)), z,
                                      inv_spacing, next_probs.col(n), col);
  }
}

}  // namespace detail

/// The C51 targets of a batch of N transitions (Bellemare et al. 2017,
/// Algorithm 1), one per column of the K x N `out`:
///   out.col(n) = Pi_z((rewards(n) + discounts(n) * z)_# next_probs.col(n))
/// with z = `atoms` (K, strictly increasing, any spacing) and Pi_z the
/// projection of categorical_projection. Column n is bit for bit
/// categorical_projection(shifted, next_probs.col(n), atoms, out.col(n)) with
/// shifted = rewards(n) + discounts(n) * atoms.array() (the expression the
/// categorical learners use). A discount of 0 (a terminated transition) gives
/// Pi_z(delta_{rewards(n)}), the two-hot of the reward, bit for bit
/// categorical_projection of the single atom rewards(n) with mass 1 (what the
/// learners use for a terminated transition): its next_probs column is not
/// read by the projection, but is validated like every other.
///
/// Arguments (all of one scalar type, float or double; any Eigen dense
/// expressions):
///   rewards, discounts  N entries each (discounts(n) = gamma * (1 - terminated_n))
///   next_probs          K x N, column n the distribution at s'_n over z. A
///                       row-major [N, K] buffer (numpy, torch) is the
///                       column-major Map<const Matrix<S, Dynamic, Dynamic>>
///                       (buffer, K, N). Contiguous columns are read in place;
///                       other layouts entry by entry.
///   atoms               the support z, K entries
///   out                 writable K x N (not resized); its memory must not
///                       overlap the inputs'. Checked on the address ranges
///                       of inputs with storage (Matrix, Map, Ref, blocks,
///                       transposes; not the operands of an expression), so
///                       interleaved views of one array count as overlapping.
/// Checks (std::invalid_argument, naming the parameter, entry and value;
/// all made before anything is written, so a failing call leaves `out`
/// unchanged): shapes (rewards, discounts and atoms vectors of N, N and K
/// entries, out K x N, against next_probs' K x N);
/// atoms finite and strictly increasing; rewards finite and every shifted
/// atom finite; discounts in [0, 1]; every column of next_probs a probability
/// vector by check_probabilities' rules and tolerance ("next_probs(i, n)", or
/// "sum of next_probs.col(n)"); out not overlapping an input. Vectorised
/// reductions make the checks; names are found only when one fails.
/// Cost: the checks, then per column O(K): the shifted atoms are sorted, so
/// each one's bracket is found by walking up from the previous one (any
/// spacing), with the projection kernel's arithmetic.
/// Nothing allocates (except a copy of a non-contiguous support of more than
/// 256 atoms). N = 0 is valid and writes nothing.
template <class Rewards, class Discounts, class NextProbs, class Atoms, class Out>
  requires detail::WritableDense<Out>
void categorical_td_targets(const Eigen::DenseBase<Rewards>& rewards,
                            const Eigen::DenseBase<Discounts>& discounts,
                            const Eigen::DenseBase<NextProbs>& next_probs,
                            const Eigen::DenseBase<Atoms>& atoms, Out&& out) {
  using O = std::remove_cvref_t<Out>;
  using S = typename O::Scalar;
  static_assert(std::is_floating_point_v<S>, "categorical_td_targets: float or double");
  static_assert(std::is_same_v<typename Rewards::Scalar, S> &&
                    std::is_same_v<typename Discounts::Scalar, S> &&
                    std::is_same_v<typename NextProbs::Scalar, S> &&
                    std::is_same_v<typename Atoms::Scalar, S>,
                "categorical_td_targets: inputs and output must have the same scalar type");
  constexpr std::string_view where = "categorical_td_targets";
  const Index K = next_probs.rows(), N = next_probs.cols();
  detail::check_batch_vector(where, "rewards", rewards, N, "N, one per column", K, N);
  detail::check_batch_vector(where, "discounts", discounts, N, "N, one per column", K, N);
  detail::check_batch_vector(where, "atoms", atoms, K, "K, one per row", K, N);
  detail::check_shape(where, "out", out, K, N);
  detail::check_categorical_batch(where, rewards.derived(), discounts.derived(),
                                  next_probs.derived(), atoms.derived());
  detail::check_no_overlap(where, out.derived(), "next_probs", next_probs.derived());
  detail::check_no_overlap(where, out.derived(), "rewards", rewards.derived());
  detail::check_no_overlap(where, out.derived(), "discounts", discounts.derived());
  detail::check_no_overlap(where, out.derived(), "atoms", atoms.derived());
  if (N == 0) return;
  // The kernel walks the support through a pointer.
  if constexpr (bool(Eigen::internal::traits<Atoms>::Flags & Eigen::DirectAccessBit) &&
                Atoms::InnerStrideAtCompileTime == 1) {
    const Eigen::Map<const Eigen::Matrix<S, Eigen::Dynamic, 1>> z(atoms.derived().data(), K);
    detail::categorical_td_targets_kernel(rewards.derived(), discounts.derived(),
                                          next_probs.derived(), z, out);
  } else if (K <= detail::kCategoricalStackSupport) {
    const Eigen::Matrix<S, Eigen::Dynamic, 1, 0, detail::kCategoricalStackSupport, 1> z = atoms;
    detail::categorical_td_targets_kernel(rewards.derived(), discounts.derived(),
                                          next_probs.derived(), z, out);
  } else {
    const Eigen::Matrix<S, Eigen::Dynamic, 1> z = atoms;
    detail::categorical_td_targets_kernel(rewards.derived(), discounts.derived(),
                                          next_probs.derived(), z, out);
  }
}

/// Allocating form: returns the K x N targets (column-major, the scalar of
/// next_probs).
template <class Rewards, class Discounts, class NextProbs, class Atoms>
Eigen::Matrix<typename NextProbs::Scalar, Eigen::Dynamic, Eigen::Dynamic> categorical_td_targets(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Discounts>& discounts,
    const Eigen::DenseBase<NextProbs>& next_probs, const Eigen::DenseBase<Atoms>& atoms) {
  Eigen::Matrix<typename NextProbs::Scalar, Eigen::Dynamic, Eigen::Dynamic> out(
      next_probs.rows(), next_probs.cols());
  categorical_td_targets(rewards, discounts, next_probs, atoms, out);
  return out;
}

}  // namespace rlvalue
