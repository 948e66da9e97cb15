#pragma once
/// @file
/// What a linear approximator needs of a feature map phi(s).
///
/// Two kinds, told apart by the presence of num_active():
///  - sparse binary maps (one-hot, state aggregation, tile coding): phi(s) is
///    0/1 with exactly num_active() ones; `write(s, out)` writes their indices
///    into caller-owned storage `out` (std::span<Index> of num_active()
///    entries; no allocation per call);
///  - dense maps (Fourier, polynomial, radial basis): `write(s, out)` writes
///    all num_features() values into caller-owned `out` (std::span<T>, T float
///    or double).
/// State-action maps (tile coding with the action as an extra integer input)
/// also have `write(s, action, out)` and num_actions().
/// A dense map that stores phi(s) (a table of features, one column per
/// state) may also offer `view(s)`: a `const T*` to its num_features()
/// stored values, T its scalar type, valid while the map is alive and
/// unchanged. Learners whose scalar is T then read the features in place
/// instead of copying them out with write() (DenseFeatureView).
/// `check_state(where, name, s)` throws (std::invalid_argument for a bad value
/// or shape, std::out_of_range for an index) naming `where` and `name`.

#include <cmath>
#include <concepts>
#include <span>
#include <string>
#include <string_view>

#include <Eigen/Core>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// A sparse binary feature map: num_active() indices in [0, num_features()).
template <class M>
concept SparseFeatureMap =
    requires(const M& m, const typename M::state_type& s, std::span<Index> out,
             std::string_view name) {
      typename M::state_type;
      { m.num_features() } -> std::convertible_to<Index>;
      { m.num_active() } -> std::convertible_to<Index>;
      m.write(s, out);
      m.check_state(name, name, s);
    };

/// A dense feature map: num_features() real values.
template <class M>
concept DenseFeatureMap =
    !SparseFeatureMap<M> &&
    requires(const M& m, const typename M::state_type& s, std::span<double> out,
             std::span<float> out_f, std::string_view name) {
      typename M::state_type;
      { m.num_features() } -> std::convertible_to<Index>;
      m.write(s, out);
      m.write(s, out_f);
      m.check_state(name, name, s);
    };

/// Either kind.
template <class M>
concept FeatureMap = SparseFeatureMap<M> || DenseFeatureMap<M>;

/// A dense map whose stored features a learner of scalar T can read in
/// place: `view(s)` returns a `const T*` to phi(s), num_features() values
/// (s already checked).
template <class M, class T>
concept DenseFeatureView =
    DenseFeatureMap<M> && requires(const M& m, const typename M::state_type& s) {
      { m.view(s) } noexcept -> std::same_as<const T*>;
    };

/// A sparse binary map over (state, action) pairs: write(s, a, out) writes
/// num_active() indices in [0, num_features()).
template <class M>
concept StateActionFeatureMap =
    SparseFeatureMap<M> && requires(const M& m, const typename M::state_type& s, Index a,
                                    std::span<Index> out) {
      { m.num_actions() } -> std::convertible_to<Index>;
      m.write(s, a, out);
    };

namespace detail {

/// Checks a real-vector state of a dense map: `dims` entries (shape,
/// std::invalid_argument naming `name`), each finite (naming `name[i]`).
template <class Derived>
void check_real_state(std::string_view where, std::string_view name,
                      const Eigen::MatrixBase<Derived>& s, Index dims) {
  check_size(where, name, s.size(), dims);
  for (Index i = 0; i < s.size(); ++i)
    if (!std::isfinite(static_cast<double>(s.derived().coeff(i)))) [[unlikely]]
      detail::throw_invalid_entry(where, name, i, static_cast<double>(s.derived().coeff(i)),
                                  "is not finite");
}

/// All exponent vectors c in {0..order}^dims, times `scale`, one per row, the
/// first dimension varying fastest ((order+1)^dims rows). Shared by the
/// Fourier and polynomial bases, which pass their state type as D: a template
/// so that it is compiled only where a basis is constructed (see
/// core/dependent.hpp).
template <class D>
Eigen::MatrixXd full_coefficients(std::string_view where, Index dims, Index order,
                                  double scale = 1.0) {
  using Mat = dependent_t<Eigen::MatrixXd, D>;
  check_at_least_one(where, "dimensions", dims);
  if (order < 0) fail_check(where, "order", order, "must be >= 0");
  double count = 1;
  for (Index i = 0; i < dims; ++i) count *= static_cast<double>(order + 1);
  if (count > 1e7) fail_check(where, "order", order, "gives more than 1e7 features");
  const Index rows = static_cast<Index>(count);
  Mat c(rows, dims);
  for (Index r = 0; r < rows; ++r) {
    Index rest = r;
    for (Index i = 0; i < dims; ++i) {
      c(r, i) = scale * static_cast<double>(rest % (order + 1));
      rest /= order + 1;
    }
  }
  return c;
}

}  // namespace detail

}  // namespace rlvalue
