#pragma once
/// @file
/// Categorical projection (layer 1): a distribution on any finite support
/// projected onto a fixed, strictly increasing support (Bellemare, Dabney,
/// Munos 2017, "A distributional perspective on reinforcement learning",
/// arXiv:1707.06887, Algorithm 1; for a non-uniform output support it is the
/// Cramer projection of Rowland et al. 2018, "An analysis of categorical
/// distributional reinforcement learning", arXiv:1802.08163, eq. 6).
///
/// Each input atom y with mass p goes to the output atoms around it:
///   y <= z_0:         p to z_0            (clipped)
///   y >= z_{K-1}:     p to z_{K-1}        (clipped)
///   z_i <= y < z_{i+1}: p*(z_{i+1}-y)/(z_{i+1}-z_i) to z_i, the rest to z_{i+1};
/// an atom exactly on z_i gives all its mass to z_i (the floor == ceil case
/// C51's `m_l += p*(u-b)`, `m_u += p*(b-l)` drops). Mass is conserved (up to
/// rounding), and inside [z_0, z_{K-1}] so is the mean: sum_i out_i z_i =
/// sum_j p_j y_j when every y_j lies in the support.
///
/// Also here: `uniform_support` (C51's z_i = v_min + i*dz) and the checks of a
/// support and of a probability vector, shared by the distributional code.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <string_view>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

/// A uniform support for categorical distributions: num_atoms atoms from
/// v_min to v_max, z_i = v_min + i*(v_max - v_min)/(num_atoms - 1) (C51).
struct UniformSupport {
  /// Lowest atom.
  double v_min = -10.0;
  /// Highest atom (> v_min).
  double v_max = 10.0;
  /// Number of atoms K >= 2, evenly spaced in [v_min, v_max].
  Index num_atoms = 51;
};

namespace detail {

/// Throws std::invalid_argument (naming `where`) unless v_min < v_max are
/// finite and so is their difference (the width every grid on the interval
/// is cut from).
inline void check_value_interval(std::string_view where, double v_min, double v_max) {
  check_finite(where, "v_min", v_min);
  check_finite(where, "v_max", v_max);
  if (!(v_min < v_max)) [[unlikely]]
    fail_check(where, "v_min", v_min, "must be less than v_max = " + format_value(v_max));
  if (!std::isfinite(v_max - v_min)) [[unlikely]]
    fail_check(where, "v_max - v_min", v_max - v_min,
               "is not finite (v_min = " + format_value(v_min) + ", v_max = " +
                   format_value(v_max) + ")");
}

}  // namespace detail

/// Throws std::invalid_argument (naming `where`) unless v_min < v_max are
/// finite, so is v_max - v_min, and num_atoms >= 2.
inline void check_uniform_support(std::string_view where, const UniformSupport& s) {
  check_finite(where, "v_min", s.v_min);
  check_finite(where, "v_max", s.v_max);
  if (!(s.v_min < s.v_max)) [[unlikely]]
    fail_check(where, "v_min", s.v_min,
               "must be less than v_max = " + detail::format_value(s.v_max));
  if (s.num_atoms < 2) [[unlikely]]
    fail_check(where, "num_atoms", s.num_atoms, "must be at least 2");
  detail::check_value_interval(where, s.v_min, s.v_max);
}

/// The atoms z_i = v_min + i*dz, dz = (v_max - v_min)/(num_atoms - 1), the
/// last one exactly v_max. std::invalid_argument for a bad support, and when
/// the atoms are not finite and strictly increasing in Scalar (an interval
/// too narrow for num_atoms distinct values, or bounds beyond Scalar's range).
template <class Scalar = double>
Eigen::Matrix<Scalar, Eigen::Dynamic, 1> uniform_support(const UniformSupport& s) {
  check_uniform_support("uniform_support", s);
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> z(s.num_atoms);
  const double dz = (s.v_max - s.v_min) / static_cast<double>(s.num_atoms - 1);
  for (Index i = 0; i < s.num_atoms; ++i) z[i] = static_cast<Scalar>(s.v_min + double(i) * dz);
  z[s.num_atoms - 1] = static_cast<Scalar>(s.v_max);
  for (Index i = 0; i < s.num_atoms; ++i)
    if (!std::isfinite(z[i]) || (i > 0 && !(z[i - 1] < z[i]))) [[unlikely]]
      fail_check("uniform_support", "num_atoms", s.num_atoms,
                 "gives atoms that are not finite and strictly increasing on [" +
                     detail::format_value(s.v_min) + ", " + detail::format_value(s.v_max) +
                     "] in this scalar type (atom " + detail::format_value(i) + " = " +
                     detail::format_value(z[i]) + ")");
  return z;
}

/// Throws std::invalid_argument (naming `where`, `name` and the first bad
/// entry) unless `atoms` is non-empty, finite and strictly increasing.
template <class Atoms>
void check_support(std::string_view where, std::string_view name,
                   const Eigen::DenseBase<Atoms>& atoms) {
  const Index n = atoms.size();
  if (n < 1) [[unlikely]]
    fail_check(where, std::string(name) + " size", n, "must be at least 1");
  for (Index i = 0; i < n; ++i) {
    const auto z = atoms.derived().coeff(i);
    if (!std::isfinite(z)) [[unlikely]]
      fail_check(where, std::string(name) + "(" + detail::format_value(i) + ")", z,
                 "is not finite");
    if (i > 0 && !(atoms.derived().coeff(i - 1) < z)) [[unlikely]]
      fail_check(where, std::string(name) + "(" + detail::format_value(i) + ")", z,
                 "must be greater than the atom before it (" +
                     detail::format_value(atoms.derived().coeff(i - 1)) +
                     "): a support is sorted and has no duplicates");
  }
}

/// The tolerance on |sum p - 1| accepted by check_probabilities:
/// sqrt(epsilon) of the scalar (1.5e-8 for double, 3.5e-4 for float).
template <class Scalar>
inline Scalar probability_vector_tolerance() {
  return std::sqrt(std::numeric_limits<Scalar>::epsilon());
}

/// Throws std::invalid_argument (naming `where`, `name` and the bad entry or
/// the sum) unless every entry is finite and >= 0 and they sum to 1 within
/// probability_vector_tolerance<Scalar>().
template <class Probs>
void check_probabilities(std::string_view where, std::string_view name,
                         const Eigen::DenseBase<Probs>& probs) {
  using S = typename Probs::Scalar;
  // Fast path (vectorised): no entry below 0 and a sum within the tolerance
  // (a NaN or an infinity makes the sum fail). Otherwise the loop below
  // finds and names the first bad entry, or the bad sum.
  if (probs.size() > 0) {
    const auto p = probs.derived().template cast<double>();
    if (p.minCoeff() >= 0.0 &&
        std::abs(p.sum() - 1.0) <= static_cast<double>(probability_vector_tolerance<S>()))
      [[likely]]
      return;
  }
  double sum = 0.0;
  for (Index i = 0; i < probs.size(); ++i) {
    const S p = probs.derived().coeff(i);
    if (!(p >= S(0) && std::isfinite(p))) [[unlikely]]
      fail_check(where, std::string(name) + "(" + detail::format_value(i) + ")", p,
                 "must be a finite probability >= 0");
    sum += static_cast<double>(p);
  }
  if (!(std::abs(sum - 1.0) <= static_cast<double>(probability_vector_tolerance<S>()))) [[unlikely]]
    fail_check(where, "sum of " + std::string(name), sum,
               "must be 1 (within " + detail::format_value(probability_vector_tolerance<S>()) + ")");
}

namespace detail {

/// The i with z_i <= y < z_{i+1} for z_0 < y < z_{K-1}, searched from `hint`
/// (a few steps up, else a binary search): O(1) amortised for sorted inputs.
template <class Z, class S>
inline Index bracket_from(const Z& z, S y, Index hint) {
  const Index K = z.size();
  Index i = hint;
  if (z.coeff(i) <= y) {
    Index steps = 0;
    // i + 2 < K is implied by y < z_{K-1}; stated so that GCC 12 -O3 does
    // not unroll past the end of a fixed-size support (-Warray-bounds).
    while (i + 2 < K && z.coeff(i + 1) <= y && ++steps < 8) ++i;
    if (z.coeff(i + 1) <= y) {  // far away: binary search above i
      const S* first = z.data() + i + 1;
      i = static_cast<Index>(std::upper_bound(first, z.data() + K, y) - z.data()) - 1;
    }
  } else {
    i = static_cast<Index>(std::upper_bound(z.data(), z.data() + i, y) - z.data()) - 1;
  }
  return i;
}

/// The output of the projection kernel: masses are added to `out`, except
/// that additions to the bin last touched are held in a register until
/// another bin is touched (consecutive input atoms share a bin: the upper
/// half of one atom and the lower half of the next), so the additions do not
/// form a chain through memory.
template <class S, class Out>
struct ProjectionAccumulator {
  Out& out;
  Index open = -1;  ///< the bin whose mass is held in `mass`
  S mass = S(0);
  EIGEN_ALWAYS_INLINE void add(Index i, S m) {
    if (i == open) {
      mass += m;
      return;
    }
    flush();
    open = i;
    mass = m;
  }
  EIGEN_ALWAYS_INLINE void flush() {
    if (open >= 0) out.coeffRef(open) += mass;
  }
};

/// The part of mass p of an atom lo < y < hi that goes to lo:
/// p * (hi - y) / (hi - lo). Wide (a support whose range z_{K-1} - z_0
/// overflows, atoms of opposite signs near the largest finite value): the
/// same ratio of the halved values, which are finite (halving a normal number
/// is exact; a subnormal y loses at most its last bit, far below the gap's
/// rounding). The range bounds every gap, so the kernels test it once.
template <bool Wide, class S>
EIGEN_ALWAYS_INLINE S mass_to_lower(S p, S lo, S hi, S y) {
  if constexpr (Wide) {
    const S half = S(0.5);
    return p * ((hi * half - y * half) / (hi * half - lo * half));
  } else {
    return p * ((hi - y) / (hi - lo));
  }
}

/// True when the range z_{K-1} - z_0 of a validated support overflows: the
/// kernels then split masses by mass_to_lower<true>.
template <class Z>
inline bool support_is_wide(const Z& z) {
  return z.size() > 1 && !std::isfinite(z.coeff(z.size() - 1) - z.coeff(0));
}

/// Adds mass p of atom y over the validated support z (K >= 1) to `acc`,
/// finding y's bracket first by the uniform-spacing guess (below), else by
/// a search from `hint` (the bracket of the previous atom), which it
/// updates: sorted inputs cost O(1) amortised per atom, any other order a
/// binary search.
template <bool Wide, class Z, class Acc, class S>
EIGEN_ALWAYS_INLINE void project_atom(const Z& z, S y, S p, Index& hint, S inv_spacing,
                                      Acc& acc) {
  const Index K = z.size();
  if (!(y > z.coeff(0))) {  // also catches y == z_0
    acc.add(0, p);
    hint = 0;
    return;
  }
  if (!(y < z.coeff(K - 1))) {
    acc.add(K - 1, p);
    hint = K - 1;
    return;
  }
  // Now z_0 < y < z_{K-1}: find i with z_i <= y < z_{i+1}. First guess, as
  // if the support were uniform, i = floor((y - z_0) / mean spacing): right
  // for uniform supports up to rounding, so the search runs only when the
  // guess misses (other supports, or y within rounding of an atom). The
  // bracket is unique, so the result does not depend on how it was found.
  const S guess = (y - z.coeff(0)) * inv_spacing;  // > 0
  Index i = guess < S(K - 2) ? static_cast<Index>(guess) : K - 2;  // floor; NaN/inf: K - 2
  if (!(z.coeff(i) <= y && y < z.coeff(i + 1))) [[unlikely]]
    i = bracket_from(z, y, hint);
  hint = i;
  const S lo = z.coeff(i);
  if (y == lo) {  // on the grid: all the mass stays here
    acc.add(i, p);
    return;
  }
  const S hi = z.coeff(i + 1);
  const S lower = mass_to_lower<Wide>(p, lo, hi, y);
  acc.add(i, lower);
  acc.add(i + 1, p - lower);
}

/// categorical_projection on validated arguments. `z` must expose data()
/// (contiguous); out must not alias the inputs. The masses reaching an output
/// atom are summed in input order (grouped per run of consecutive atoms
/// reaching it).
template <class Y, class P, class Z, class Out>
inline void categorical_projection_kernel(const Y& atoms_in, const P& probs_in, const Z& z,
                                          Out& out) {
  out.setZero();
  using S = typename Z::Scalar;
  const Index K = z.size();
  // 1 / mean spacing of the support, for project_atom's first guess (K = 1:
  // every atom is an end case and the guess is never made).
  const S inv_spacing = K > 1 ? S(K - 1) / (z.coeff(K - 1) - z.coeff(0)) : S(0);
  ProjectionAccumulator<S, Out> acc{out};
  Index hint = 0;
  if (!support_is_wide(z)) [[likely]] {
    for (Index j = 0; j < atoms_in.size(); ++j)
      project_atom<false>(z, atoms_in.coeff(j), probs_in.coeff(j), hint, inv_spacing, acc);
  } else {
    for (Index j = 0; j < atoms_in.size(); ++j)
      project_atom<true>(z, atoms_in.coeff(j), probs_in.coeff(j), hint, inv_spacing, acc);
  }
  acc.flush();
}

/// The categorical TD target (C51) on validated arguments, into `out`:
/// with next_probs, Pi_z((reward + discount * z)_# next_probs), using
/// `shifted` (K entries) as scratch; without (terminated), Pi_z(delta_reward).
template <class S, class Z, class Out>
inline void categorical_terminal_target(S reward, const Z& z, Out& out) {
  const Eigen::Matrix<S, 1, 1> atom(reward), one(S(1));
  categorical_projection_kernel(atom, one, z, out);
}
template <class S, class Z, class P, class Shifted, class Out>
inline void categorical_bootstrap_target(S reward, S discount, const Z& z, const P& next_probs,
                                         Shifted& shifted, Out& out) {
  shifted.array() = reward + discount * z.array();
  categorical_projection_kernel(shifted, next_probs, z, out);
}

}  // namespace detail

/// Projects the distribution sum_j probs_in(j) * delta_{atoms_in(j)} onto the
/// strictly increasing support `atoms_out`, writing the K = atoms_out.size()
/// probabilities to `out` (Bellemare et al. 2017, Algorithm 1; Rowland et al.
/// 2018, Cramer projection): each atom's mass is split between the two output
/// atoms around it in proportion to closeness, mass beyond the ends goes to
/// the end atoms, an atom on the grid keeps all its mass.
///   out_i = sum_j probs_in(j) * clamp(1 - |clamp(y_j) - z_i| / dz_i, 0, 1)
/// with dz_i the gap on y_j's side of z_i. Input atoms may come in any order
/// (sorted input is walked in O(N + K), other orders cost a binary search per
/// atom); the sizes N and K may differ. Checks (std::invalid_argument naming
/// the entry): atoms_out finite, strictly increasing (no duplicates), non-empty;
/// atoms_in finite and the same size as probs_in; probs_in a probability
/// vector (see check_probabilities); out of size K. `out` must not overlap
/// the inputs. Nothing allocates.
template <class AtomsIn, class ProbsIn, class AtomsOut, class Out>
  requires detail::WritableDense<Out>
void categorical_projection(const Eigen::DenseBase<AtomsIn>& atoms_in,
                            const Eigen::DenseBase<ProbsIn>& probs_in,
                            const Eigen::DenseBase<AtomsOut>& atoms_out, Out&& out) {
  using S = typename std::remove_cvref_t<Out>::Scalar;
  static_assert(std::is_same_v<typename AtomsIn::Scalar, S> &&
                    std::is_same_v<typename ProbsIn::Scalar, S> &&
                    std::is_same_v<typename AtomsOut::Scalar, S>,
                "categorical_projection: inputs and output must have the same scalar type");
  constexpr std::string_view where = "categorical_projection";
  check_size(where, "probs_in", probs_in.size(), atoms_in.size());
  check_support(where, "atoms_out", atoms_out);
  check_size(where, "out", out.size(), atoms_out.size());
  for (Index j = 0; j < atoms_in.size(); ++j)
    if (!std::isfinite(atoms_in.derived().coeff(j))) [[unlikely]]
      fail_check(where, "atoms_in(" + detail::format_value(j) + ")",
                 atoms_in.derived().coeff(j), "is not finite");
  check_probabilities(where, "probs_in", probs_in);
  // The kernel walks atoms_out through a pointer: evaluate into a plain
  // vector only when it is not contiguous already.
  if constexpr (requires { atoms_out.derived().data(); } &&
                (AtomsOut::InnerStrideAtCompileTime == 1)) {
    detail::categorical_projection_kernel(atoms_in.derived(), probs_in.derived(),
                                          atoms_out.derived(), out);
  } else {
    const Eigen::Matrix<S, Eigen::Dynamic, 1> z = atoms_out.derived();
    detail::categorical_projection_kernel(atoms_in.derived(), probs_in.derived(), z, out);
  }
}

/// Allocating form: returns the projected probabilities (size atoms_out.size()).
template <class AtomsIn, class ProbsIn, class AtomsOut>
Eigen::Matrix<typename AtomsOut::Scalar, Eigen::Dynamic, 1> categorical_projection(
    const Eigen::DenseBase<AtomsIn>& atoms_in, const Eigen::DenseBase<ProbsIn>& probs_in,
    const Eigen::DenseBase<AtomsOut>& atoms_out) {
  Eigen::Matrix<typename AtomsOut::Scalar, Eigen::Dynamic, 1> out(atoms_out.size());
  categorical_projection(atoms_in, probs_in, atoms_out, out);
  return out;
}

}  // namespace rlvalue
