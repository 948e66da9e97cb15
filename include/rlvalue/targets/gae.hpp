#pragma once
/// @file
/// Generalized advantage estimation over (T x B) sequences (layer 1, the rlax
/// style). Argument conventions, shapes, errors, output and traversal are those
/// of returns.hpp; in addition
///   values(t, b)       v(s_t), the prediction the advantage is relative to.
/// The result is an error in the library's sense: target - prediction.
/// Multi-core overloads (a Parallel tag first): targets/parallel.hpp.

#include <Eigen/Core>
#include <string_view>
#include <type_traits>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/affine_scan.hpp"
#include "rlvalue/targets/array_view.hpp"
#include "rlvalue/targets/flag_packets.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// gae's a = (r + d * nv) - v over the pointers base(x) of r, v and nv, as
/// a function of (j, d), generic in packet or scalar: exactly the value of
/// the Eigen expression of gae_kernel's fill. (The flags form's packets
/// also pass the lanes' lambdas, which gae's a does not use.)
template <class R, class V, class N>
struct GaeAFrom {
  const R& r;
  const V& v;
  const N& nv;
  template <class Base>
  auto operator()(const Base& base, bool /*last*/) const {
    return [pr = base(r), pv = base(v), pn = base(nv)]<class X>(Index j, const X& dd,
                                                                 const auto&... /*lambda*/) {
      namespace ei = Eigen::internal;
      return ei::psub(ei::padd(ei::ploadu<X>(pr + j), ei::pmul(dd, ei::ploadu<X>(pn + j))),
                      ei::ploadu<X>(pv + j));
    };
  }
};

/// The GAE recursion as an affine scan, on shape-checked arguments:
///   a_t = (r_t + d_t * nv_t) - v_t (the TD error),  c_t = d_t * l_t.
/// `d` is an Eigen expression of discount_t, `l` a number or an expression
/// of lambda_t (both may be built from flags; kRanges: check that they lie
/// in [0, 1]). Entries are checked tile by tile as the scan reads them, so
/// the inputs are read from memory once; a bad tile calls `validate()`,
/// which runs the full checks in their documented order and throws.
/// Tiles are filled by one hand-written SIMD pass when the inputs are in
/// memory with consecutive rows (fill_tile_in_memory with GaeAFrom, or
/// `fill_in_memory` for the flags form), otherwise by Eigen expressions; both
/// give the same a and c bit for bit. Single long columns also get a prefetch hint.
template <bool kRanges, class R, class V, class N, class D, class L, class Out, class Validate,
          class FillInMemory = NoFlagsFill, class FlagsPackets = NoRowPackets>
inline void gae_kernel(std::string_view where, const R& r, const V& v, const N& nv, const D& d,
                       const L& l, Out& out, Validate validate,
                       FillInMemory fill_in_memory = {}, FlagsPackets flags_packets = {}) {
  using S = typename Out::Scalar;
  const bool flags_in_memory = fill_in_memory.applicable();
  auto fill = [&](Index t0, Index len, Index b0, Index w, auto& A, auto& C) {
    if (flags_in_memory) {
      if (!fill_in_memory(t0, len, b0, w, A.data(), C.data())) [[unlikely]]
        reject_tile(where, "advantages", validate, A, t0, b0);
      return;
    }
    if constexpr (kInMemory<R> && kInMemory<V> && kInMemory<N> && kInMemory<D> &&
                  (std::is_arithmetic_v<L> || kInMemory<L>)) {
      bool rows = r.rowStride() == 1 && v.rowStride() == 1 && nv.rowStride() == 1 &&
                  d.rowStride() == 1;
      if constexpr (!std::is_arithmetic_v<L>) rows = rows && l.rowStride() == 1;
      if (rows) {
        if (!fill_tile_in_memory<kRanges, S>(d, l, t0, len, b0, w, A.data(), C.data(),
                                             GaeAFrom<R, V, N>{r, v, nv})) [[unlikely]]
          reject_tile(where, "advantages", validate, A, t0, b0);
        return;
      }
    }
    // Read backward in time, as the scan walks the tiles, so the hardware
    // prefetcher sees one descending stream per input column.
    C.reverse() = tile_of(d, t0, len, b0, w).reverse();  // d_t: checked, then scaled by lambda
    A.reverse() = ((tile_of(r, t0, len, b0, w) + tile_of(d, t0, len, b0, w) *
                                                      tile_of(nv, t0, len, b0, w)) -
                   tile_of(v, t0, len, b0, w))
                      .reverse();
    bool ok;
    if constexpr (std::is_arithmetic_v<L>) {
      ok = check_and_scale_tile<kRanges>(A.data(), C.data(), len * w, S(l));
    } else {
      const auto lt = tile_of(l, t0, len, b0, w);
      ok = check_and_scale_tile<kRanges>(A.data(), C.data(), len * w, S(1));
      if constexpr (kRanges) ok = ok && tile_unit(lt);
      C *= lt;
      ok = ok && tile_finite(A, C);
    }
    if (!ok) [[unlikely]]
      reject_tile(where, "advantages", validate, A, t0, b0);
  };
  auto strip = [&]<int W>(Index t, Index b, Index w) {
    ScanStrip<S, W> s;
    const auto dd = strip_of<W>(d, t, b, w);
    s.a = (strip_of<W>(r, t, b, w) + dd * strip_of<W>(nv, t, b, w)) - strip_of<W>(v, t, b, w);
    s.c = dd * strip_of<W>(l, t, b, w);
    if constexpr (kRanges) {
      s.unit = dd * (S(1) - dd);
      if constexpr (!std::is_arithmetic_v<L>) {
        const auto ll = strip_of<W>(l, t, b, w);
        s.unit = s.unit.min(ll * (S(1) - ll));
      }
    }
    return s;
  };
  auto reject = [&](Index t, Index b, const auto& y) {
    reject_strip(where, "advantages", validate, t, b, y);
  };
  auto prefetch = [&](Index t0, Index len, Index b0, Index w) {
    prefetch_tile(r, t0, len, b0, w);
    prefetch_tile(v, t0, len, b0, w);
    prefetch_tile(nv, t0, len, b0, w);
    prefetch_tile(d, t0, len, b0, w);
    prefetch_tile(l, t0, len, b0, w);
  };
  using AFrom = GaeAFrom<R, V, N>;
  if constexpr (std::is_arithmetic_v<L> && kInMemory<R> && kInMemory<V> && kInMemory<N> &&
                kInMemory<D>)
    affine_scan<kRanges>(out, fill, strip, reject, prefetch,
                         RowPackets<S, D, AFrom, S, R, V, N>{d, S(l), out.rows() - 1,
                                                             AFrom{r, v, nv}, {r, v, nv}});
  else if constexpr (kInMemory<L> && kInMemory<R> && kInMemory<V> && kInMemory<N> &&
                     kInMemory<D>)  // per-step lambdas in memory
    affine_scan<kRanges>(out, fill, strip, reject, prefetch,
                         RowPackets<S, D, AFrom, L, R, V, N, L>{d, l, out.rows() - 1,
                                                                AFrom{r, v, nv}, {r, v, nv, l}});
  else
    affine_scan<kRanges>(out, fill, strip, reject, prefetch, flags_packets);
}

}  // namespace detail

/// Generalized advantage estimation (Schulman, Moritz, Levine, Jordan, Abbeel
/// 2016, "High-dimensional continuous control using generalized advantage
/// estimation", arXiv:1506.02438; rlax `truncated_generalized_advantage_estimation`),
/// general form:
///   delta_t = r_t + discount_t * next_values(t) - values(t),
///   A_t = delta_t + discount_t * lambda_t * A_{t+1},  A_T = 0.
/// `lambda` is a number or a (T x B) array of per-step lambdas. lambda = 0
/// gives the TD errors; lambda = 1 the discounted return minus values(t).
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void gae(const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Values>& values,
         const Eigen::DenseBase<NextValues>& next_values,
         const Eigen::DenseBase<Discounts>& discounts, const Lambda& lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Values, NextValues, Discounts, Out>();
  constexpr const char* where = "gae";
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_shape(where, "values", values, T, B);
  detail::check_shape(where, "next_values", next_values, T, B);
  detail::check_shape(where, "discounts", discounts, T, B);
  detail::check_lambda_shape<S>(where, lambda, T, B);
  detail::check_shape(where, "out", out, T, B);
  auto validate = [&] {
    detail::check_lambda<S>(where, lambda, T, B);
    detail::check_all_finite(where, "rewards", rewards);
    detail::check_all_finite(where, "values", values);
    detail::check_all_finite(where, "next_values", next_values);
    detail::check_all_unit_interval(where, "discounts", discounts);
  };
  auto&& o = detail::out_view_of(out.derived());  // see targets/array_view.hpp
  detail::gae_kernel<true>(where, detail::view_of(rewards.derived()),
                           detail::view_of(values.derived()),
                           detail::view_of(next_values.derived()),
                           detail::view_of(discounts.derived()), detail::lambda_value<S>(lambda),
                           o, detail::ValidateRef(validate));
}

/// Allocating form of the general gae.
template <class Rewards, class Values, class NextValues, class Discounts, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject gae(const Eigen::DenseBase<Rewards>& rewards,
                                  const Eigen::DenseBase<Values>& values,
                                  const Eigen::DenseBase<NextValues>& next_values,
                                  const Eigen::DenseBase<Discounts>& discounts,
                                  const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  gae(rewards, values, next_values, discounts, lambda, result);
  return result;
}

/// Generalized advantage estimation, flags form (TorchRL
/// `generalized_advantage_estimate`, SB3 `compute_returns_and_advantage`
/// with Gymnasium's terminated/truncated): the general form with
///   discount_t = gamma * (1 - terminated_t),
///   lambda_t   = lambda * (1 - (terminated_t or truncated_t)).
/// A terminated step's delta does not bootstrap; a truncated one bootstraps
/// from next_values(t) (the value of the final observation, not of the next
/// episode's first); both cut the recursion, so several episodes may be
/// concatenated in one column. Told apart from the general form by its arity
/// (8 arguments; 7 allocating) and by bool flags.
template <class Rewards, class Values, class NextValues, class Terminated, class Truncated,
          class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void gae(const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Values>& values,
         const Eigen::DenseBase<NextValues>& next_values,
         const Eigen::DenseBase<Terminated>& terminated,
         const Eigen::DenseBase<Truncated>& truncated,
         std::type_identity_t<typename Rewards::Scalar> gamma,
         std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Values, NextValues, Out>();
  constexpr const char* where = "gae";
  const Index T = rewards.rows(), B = rewards.cols();
  check_unit_interval(where, "gamma", gamma);
  check_unit_interval(where, "lambda", lambda);
  detail::check_shape(where, "values", values, T, B);
  detail::check_shape(where, "next_values", next_values, T, B);
  detail::check_flags(where, terminated, truncated, T, B);
  detail::check_shape(where, "out", out, T, B);
  auto validate = [&] {
    detail::check_all_finite(where, "rewards", rewards);
    detail::check_all_finite(where, "values", values);
    detail::check_all_finite(where, "next_values", next_values);
  };
  // Views: one kernel per storage order (targets/array_view.hpp).
  const auto& r = detail::view_of(rewards.derived());
  const auto& v = detail::view_of(values.derived());
  const auto& nv = detail::view_of(next_values.derived());
  const auto& te = detail::view_of(terminated.derived());
  const auto& tr = detail::view_of(truncated.derived());
  auto&& o = detail::out_view_of(out.derived());
  using R = std::remove_cvref_t<decltype(r)>;
  using V = std::remove_cvref_t<decltype(v)>;
  using NV = std::remove_cvref_t<decltype(nv)>;
  using AFrom = detail::GaeAFrom<R, V, NV>;
  const detail::FlagsPackets<S, AFrom, std::remove_cvref_t<decltype(te)>,
                             std::remove_cvref_t<decltype(tr)>, R, V, NV>
      packets{AFrom{r, v, nv}, {r, v, nv}, te, tr, S(gamma), S(lambda), T - 1};
  const detail::FlagsFill<decltype(packets)> in_memory{packets};
  detail::gae_kernel<false>(where, r, v, nv, detail::flag_discounts<S>(te, gamma),
                            detail::flag_lambdas<S>(te, tr, lambda), o,
                            detail::ValidateRef(validate), in_memory, packets);
}

/// Allocating form of the flags-form gae.
template <class Rewards, class Values, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject gae(const Eigen::DenseBase<Rewards>& rewards,
                                  const Eigen::DenseBase<Values>& values,
                                  const Eigen::DenseBase<NextValues>& next_values,
                                  const Eigen::DenseBase<Terminated>& terminated,
                                  const Eigen::DenseBase<Truncated>& truncated,
                                  std::type_identity_t<typename Rewards::Scalar> gamma,
                                  std::type_identity_t<typename Rewards::Scalar> lambda) {
  auto result = detail::plain_like(rewards);
  gae(rewards, values, next_values, terminated, truncated, gamma, lambda, result);
  return result;
}

}  // namespace rlvalue
