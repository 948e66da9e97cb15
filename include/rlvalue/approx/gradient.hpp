#pragma once
/// @file
/// Gradients of an estimate with respect to an approximator's flat parameter
/// vector (parameters().data(), parameters().size() entries), in the two
/// shapes the trace learners need:
///   BinaryGradient         binary features: a set of flat indices, each with
///                          coefficient 1 (tables, state aggregation, tiles);
///   DenseGradient<Scalar>  real features phi placed at flat indices
///                          i * stride + offset (Fourier, polynomial, RBF;
///                          stride = num_actions, offset = a for a per-action
///                          weight block of a row-major F x A matrix).
/// For v(s; w) = w . phi(s) (and q(s, a; w) likewise) the gradient is phi.
///
/// make_gradient(f) allocates a gradient of the right shape once (at learner
/// construction); write_gradient(f, s[, a], g) fills it without allocating.
/// Approximators provide `make_gradient()` and `gradient(s[, a], g)`; the
/// tabular ones (TabularV, TabularQ), which predate this header, are adapted
/// here from their one-hot features (flat index s, or s * A + a for the
/// row-major S x A table).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <span>
#include <type_traits>
#include <vector>

#include "rlvalue/approx/concepts.hpp"
#include "rlvalue/approx/one_hot.hpp"
#include "rlvalue/core/overflow.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Gradient of binary features: `count` flat parameter indices, each with
/// coefficient 1. Capacity fixed at construction.
struct BinaryGradient {
  /// Room for `capacity` active indices (the map's num_active()).
  explicit BinaryGradient(Index capacity) : indices(static_cast<std::size_t>(capacity)) {}
  std::vector<Index> indices;  ///< storage; the first `count` entries are active
  /// Number of active indices.
  Index count = 0;
  /// The active flat parameter indices: indices[0, count).
  std::span<const Index> active() const noexcept {
    return {indices.data(), static_cast<std::size_t>(count)};
  }
};

/// Gradient of dense features: entry i of `values` sits at flat parameter
/// index i * stride + offset.
template <class Scalar>
struct DenseGradient {
  /// `size` coefficients, zero-initialised, at stride 1 and offset 0.
  explicit DenseGradient(Index size) : values(Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(size)) {}
  /// The coefficients (the feature values).
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> values;
  /// Distance between consecutive coefficients in the flat parameter array.
  Index stride = 1;
  /// Flat parameter index of values(0).
  Index offset = 0;
};

/// True if G is BinaryGradient (binary features), false for DenseGradient.
template <class G>
inline constexpr bool is_binary_gradient_v = std::is_same_v<G, BinaryGradient>;

/// p . g for a flat parameter (or trace) array p.
template <class Scalar>
Scalar gradient_dot(const BinaryGradient& g, const Scalar* p) noexcept {
  Scalar sum = Scalar(0);
  for (Index i = 0; i < g.count; ++i) sum += p[g.indices[static_cast<std::size_t>(i)]];
  return sum;
}
// Eigen's packets are SIMD types with attributes (e.g. __m128d), which GCC
// warns about as template arguments although they are kept.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wignored-attributes"
#endif
namespace detail {
/// x . p over n consecutive entries, in two SIMD packets of partial sums
/// (Eigen's packet functions; one scalar sum without SIMD), then one more
/// packet if it fits, then the remaining entries one by one: the order of
/// Eigen's own vectorised reduction of aligned data, so on aligned vectors
/// the result is bit for bit x.dot(p). With kAbsSum it also returns
/// sum_i |x_i| in `abs_sum` (likewise x.cwiseAbs().sum()), from the same
/// pass. For the short vectors of linear learners (d = 16) Eigen's
/// dynamic-size reduction spends more on its alignment prologue than on the
/// arithmetic.
template <bool kAbsSum = false, class Scalar>
Scalar dense_dot(const Scalar* x, const Scalar* p, Index n,
                 [[maybe_unused]] Scalar* abs_sum = nullptr) noexcept {
  namespace ei = Eigen::internal;
  using Packet = typename ei::packet_traits<Scalar>::type;
  constexpr Index P = ei::unpacket_traits<Packet>::size;
  Scalar s = Scalar(0), a = Scalar(0);
  Index i = 0;
  if constexpr (P > 1) {
    if (n >= P) {
      const Packet x0 = ei::ploadu<Packet>(x);
      Packet s0 = ei::pmul(x0, ei::ploadu<Packet>(p));
      Packet a0 = ei::pabs(x0);
      i = P;
      if (n >= 2 * P) {
        const Packet x1 = ei::ploadu<Packet>(x + P);
        Packet s1 = ei::pmul(x1, ei::ploadu<Packet>(p + P));
        Packet a1 = ei::pabs(x1);
        for (i = 2 * P; i + 2 * P <= n; i += 2 * P) {
          const Packet y0 = ei::ploadu<Packet>(x + i), y1 = ei::ploadu<Packet>(x + i + P);
          s0 = ei::padd(s0, ei::pmul(y0, ei::ploadu<Packet>(p + i)));
          s1 = ei::padd(s1, ei::pmul(y1, ei::ploadu<Packet>(p + i + P)));
          if constexpr (kAbsSum) {
            a0 = ei::padd(a0, ei::pabs(y0));
            a1 = ei::padd(a1, ei::pabs(y1));
          }
        }
        s0 = ei::padd(s0, s1);
        if constexpr (kAbsSum) a0 = ei::padd(a0, a1);
      }
      if (i + P <= n) {
        const Packet y = ei::ploadu<Packet>(x + i);
        s0 = ei::padd(s0, ei::pmul(y, ei::ploadu<Packet>(p + i)));
        if constexpr (kAbsSum) a0 = ei::padd(a0, ei::pabs(y));
        i += P;
      }
      s = ei::predux(s0);
      if constexpr (kAbsSum) a = ei::predux(a0);
    }
  }
  for (; i < n; ++i) {
    s += x[i] * p[i];
    if constexpr (kAbsSum) a += std::abs(x[i]);
  }
  if constexpr (kAbsSum) *abs_sum = a;
  return s;
}
}  // namespace detail
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

/// p . g for dense features: sum_i values(i) * p[i * stride + offset].
template <class Scalar>
Scalar gradient_dot(const DenseGradient<Scalar>& g, const Scalar* p) noexcept {
  const Index n = g.values.size();
  if (g.stride == 1) return detail::dense_dot(g.values.data(), p + g.offset, n);
  return g.values.dot(Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>, 0,
                                 Eigen::InnerStride<>>(p + g.offset, n,
                                                       Eigen::InnerStride<>(g.stride)));
}

/// p . g, and sum_i |g_i| in `abs_sum` (gradient_abs_sum), dense features
/// with stride 1 in one pass.
template <class Scalar>
Scalar gradient_dot_abs_sum(const BinaryGradient& g, const Scalar* p, Scalar& abs_sum) noexcept {
  abs_sum = static_cast<Scalar>(g.count);
  return gradient_dot(g, p);
}
/// Dense form of the above.
template <class Scalar>
Scalar gradient_dot_abs_sum(const DenseGradient<Scalar>& g, const Scalar* p, Scalar& abs_sum) noexcept {
  if (g.stride == 1) return detail::dense_dot<true>(g.values.data(), p + g.offset, g.values.size(), &abs_sum);
  abs_sum = g.values.cwiseAbs().sum();
  return gradient_dot(g, p);
}

/// p += c * g.
template <class Scalar>
void gradient_add(Scalar* p, Scalar c, const BinaryGradient& g) noexcept {
  for (Index i = 0; i < g.count; ++i) p[g.indices[static_cast<std::size_t>(i)]] += c;
}
/// p += c * g for dense features: p[i * stride + offset] += c * values(i).
template <class Scalar>
void gradient_add(Scalar* p, Scalar c, const DenseGradient<Scalar>& g) noexcept {
  const Index n = g.values.size();
  if (g.stride == 1) {
    Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(p + g.offset, n) += c * g.values;
  } else {
    Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>, 0, Eigen::InnerStride<>>(
        p + g.offset, n, Eigen::InnerStride<>(g.stride)) += c * g.values;
  }
}

/// sum_i |g_i|: an upper bound on the largest change gradient_add(p, 1, g)
/// makes to one entry, and on |p . g| / max|p|. For a binary gradient the
/// count (its indices may repeat); for dense features sum |values| (inf or
/// NaN if a feature is, so a bound built from it fails its check).
template <class Scalar>
Scalar gradient_abs_sum(const BinaryGradient& g) noexcept {
  return static_cast<Scalar>(g.count);
}
/// sum_i |values(i)| of dense features.
template <class Scalar>
Scalar gradient_abs_sum(const DenseGradient<Scalar>& g) noexcept {
  return g.values.cwiseAbs().sum();
}

/// True if gradient_add(p, c1, g1) followed by gradient_add(p, c2, g2) would
/// leave every entry they touch finite (p finite; the indices of one binary
/// gradient distinct; two dense gradients with the same stride and offset).
/// Writes nothing: call before the adds. c2 = 0 checks g1 alone. A sum
/// within a few ulps of the largest finite value counts as overflow
/// (detail::finite_with_margin), so the adds, rounded or contracted
/// differently, stay finite. Both forms first try a cheap proof (no entry
/// moves by more than |c1| sum|g1| + |c2| sum|g2| <= detail::safe_step_limit,
/// from which no finite entry can overflow) and check the sums one by one
/// only when it fails.
template <class Scalar>
bool gradient_adds_stay_finite(const Scalar* p, Scalar c1, const BinaryGradient& g1, Scalar c2,
                               const BinaryGradient& g2) noexcept {
  // Cheap proof first, as in the dense form below.
  Scalar bound = std::abs(c1) * gradient_abs_sum<Scalar>(g1);
  if (c2 != Scalar(0)) bound += std::abs(c2) * gradient_abs_sum<Scalar>(g2);
  if (bound <= detail::safe_step_limit<Scalar>()) [[likely]]
    return true;
  const auto in = [](const BinaryGradient& g, Index j) {
    const auto a = g.active();
    return std::find(a.begin(), a.end(), j) != a.end();
  };
  for (const Index j : g1.active()) {
    Scalar x = p[j] + c1;
    if (c2 != Scalar(0) && in(g2, j)) x += c2;
    if (!detail::finite_with_margin(x)) return false;
  }
  if (c2 != Scalar(0))
    for (const Index j : g2.active())
      if (!in(g1, j) && !detail::finite_with_margin(p[j] + c2)) return false;
  return true;
}
/// Dense form of the above (g1 and g2 share stride and offset).
template <class Scalar>
bool gradient_adds_stay_finite(const Scalar* p, Scalar c1, const DenseGradient<Scalar>& g1,
                               Scalar c2, const DenseGradient<Scalar>& g2) noexcept {
  // Cheap proof first: every entry changes by at most |c1| sum|g1| +
  // |c2| sum|g2|; at most safe_step_limit keeps any finite entry finite
  // (core/overflow.hpp). A non-finite feature or coefficient makes the bound
  // NaN or inf and falls through to the exact check.
  Scalar bound = std::abs(c1) * gradient_abs_sum<Scalar>(g1);
  if (c2 != Scalar(0)) bound += std::abs(c2) * gradient_abs_sum<Scalar>(g2);
  if (bound <= detail::safe_step_limit<Scalar>()) [[likely]]
    return true;
  for (Index i = 0; i < g1.values.size(); ++i) {
    Scalar x = p[i * g1.stride + g1.offset] + c1 * g1.values[i];
    if (c2 != Scalar(0)) x += c2 * g2.values[i];
    if (!detail::finite_with_margin(x)) return false;
  }
  return true;
}

namespace detail {
/// True if p + step * phi (dense, same size) is finite everywhere, checked
/// without writing: free when |step| * sum |phi| <= safe_step_limit, else
/// one read pass with the margin of finite_with_margin.
template <class P, class Phi, class Scalar>
bool dense_add_stays_finite(const Eigen::MatrixBase<P>& p, Scalar step, const Eigen::MatrixBase<Phi>& phi) {
  if (std::abs(step) * phi.cwiseAbs().sum() <= safe_step_limit<Scalar>()) [[likely]]
    return true;
  for (Index i = 0; i < p.size(); ++i)
    if (!finite_with_margin(p.coeff(i) + step * phi.coeff(i))) return false;
  return true;
}
}  // namespace detail

/// A gradient of the right shape and capacity for approximator f.
template <class F>
auto make_gradient(const F& f) {
  if constexpr (requires { f.make_gradient(); }) {
    return f.make_gradient();
  } else {
    static_assert(std::is_same_v<std::remove_cvref_t<decltype(f.features(std::declval<typename F::state_type>()))>,
                                 OneHotFeature>,
                  "rlvalue: the approximator needs make_gradient()/gradient() or one-hot features");
    return BinaryGradient(1);
  }
}

/// g = grad_w v(s) for a state-value approximator (s already checked).
template <StateValueFunction V, class G>
void write_gradient(const V& v, const typename V::state_type& s, G& g) {
  if constexpr (requires { v.gradient(s, g); }) {
    v.gradient(s, g);
  } else {
    g.indices[0] = v.features(s).index;
    g.count = 1;
  }
}

/// g = grad_w q(s, a) for an action-value approximator (s, a already checked).
template <ActionValueFunction Q, class G>
void write_gradient(const Q& q, const typename Q::state_type& s, Index a, G& g) {
  if constexpr (requires { q.gradient(s, a, g); }) {
    q.gradient(s, a, g);
  } else {
    g.indices[0] = q.features(s).index * q.num_actions() + a;
    g.count = 1;
  }
}

}  // namespace rlvalue
