#pragma once
/// @file
/// Sequence return targets (layer 1, the rlax style): lambda-returns,
/// discounted returns and n-step returns over (T x B) arrays.
///
/// Arguments (time along rows, B sequences in columns; any Eigen dense
/// expression, Map or Ref, either storage order, float or double; all inputs
/// share the scalar type of `rewards`):
///   rewards(t, b)      r_t, the reward of the transition s_t -> s_{t+1}
///   discounts(t, b)    gamma * (1 - terminated_t), in [0, 1]
///   next_values(t, b)  v(s_{t+1}), the bootstrap value of that transition
///   lambda             a number in [0, 1], or a (T x B) array of per-step
///                      lambda_t = lambda * (1 - done_t) (general form)
///   terminated,        (T x B) bool arrays (flags form, TorchRL/Gymnasium):
///   truncated          discount_t = gamma * (1 - terminated_t) and the
///                      recursion is cut after a terminated or truncated step;
///                      a truncated step bootstraps from next_values(t).
///   out                a writable (T x B) Eigen object or expression (Matrix,
///                      Array, Map, Ref, block; lvalue or temporary). It is not
///                      resized and must not overlap the inputs.
/// Each function has a non-allocating form (last argument `out`) and an
/// allocating form returning `Rewards::PlainObject` (the rewards' scalar type,
/// shape and storage order).
///
/// Errors (std::invalid_argument): a shape differing from rewards' (message
/// names the parameter and both shapes), lambda / discounts / gamma outside
/// [0, 1] (arrays: position (t, b)), n < 1, non-finite rewards, values or
/// next_values (name and position), and a result that overflows although
/// every input is finite. Shapes and scalar parameters are checked before
/// `out` is touched. Entries are checked as the recursion reads them (inputs
/// are read from memory once): when one is bad, rows of `out` later in time
/// and other columns may already hold their results (columns are computed
/// from the last to the first); nothing else is written, and no non-finite
/// value ever is. (gae, lambda_returns and discounted_returns; the others check
/// everything first.)
/// T = 0 or B = 0 is valid and writes nothing.
///
/// Cost: one exact backward recursion, O(T*B) (n-step: O(T*B*min(n, T))), no
/// allocation. gae, lambda_returns and discounted_returns run on the engine
/// of targets/affine_scan.hpp (fused rows for row-major outputs, interleaved
/// or segmented column chains otherwise); the others walk `out`'s storage
/// order directly.
///
/// Multi-core overloads of lambda_returns and discounted_returns (a Parallel
/// tag first): targets/parallel.hpp.

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/affine_scan.hpp"
#include "rlvalue/targets/array_view.hpp"
#include "rlvalue/targets/flag_packets.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// Throws std::invalid_argument naming name(t, b) unless x is finite: on
/// validated (finite) inputs a non-finite result can only be an overflow.
template <class S>
inline void check_no_overflow(std::string_view where, std::string_view name, Index t, Index b,
                              S x) {
  if (!std::isfinite(x)) [[unlikely]]
    throw_invalid_at(where, name, t, b, x, "is not finite although every input is (it overflowed)");
}

/// Writes out(T-1, b) = last(T-1, b), then out(t, b) = step(t, b, out(t+1, b))
/// for t = T-2 .. 0, in `out`'s storage order. Same arithmetic in both orders,
/// so the results agree bit for bit. Every value is checked before it is
/// stored: a non-finite one (an overflow, the inputs being validated) throws
/// naming name(t, b) and is never written.
template <class Out, class Last, class Step>
inline void backward_scan(std::string_view where, std::string_view name, Out& out, Last last,
                          Step step) {
  using Scalar = typename Out::Scalar;
  const Index T = out.rows(), B = out.cols();
  if (T == 0 || B == 0) return;
  if constexpr (Out::IsRowMajor) {
    for (Index b = 0; b < B; ++b) {
      const Scalar x = last(T - 1, b);
      check_no_overflow(where, name, T - 1, b, x);
      out.coeffRef(T - 1, b) = x;
    }
    for (Index t = T - 2; t >= 0; --t)
      for (Index b = 0; b < B; ++b) {
        const Scalar x = step(t, b, Scalar(out.coeff(t + 1, b)));
        check_no_overflow(where, name, t, b, x);
        out.coeffRef(t, b) = x;
      }
  } else {
    for (Index b = 0; b < B; ++b) {
      Scalar carry = last(T - 1, b);
      check_no_overflow(where, name, T - 1, b, carry);
      out.coeffRef(T - 1, b) = carry;
      for (Index t = T - 2; t >= 0; --t) {
        carry = step(t, b, carry);
        check_no_overflow(where, name, t, b, carry);
        out.coeffRef(t, b) = carry;
      }
    }
  }
}

template <class Rewards, class... Others>
constexpr void require_same_scalar() {
  using S = typename Rewards::Scalar;
  static_assert(std::is_floating_point_v<S>,
                "rlvalue: sequence targets need float or double rewards");
  static_assert((std::is_same_v<S, typename std::remove_cvref_t<Others>::Scalar> && ...),
                "rlvalue: every real-valued sequence argument (and out) must have the scalar "
                "type of the rewards");
}

/// A lambda argument as the kernels take it: a number converted to the
/// sequences' scalar type, or the array itself.
template <class S, class Lambda>
inline decltype(auto) lambda_value(const Lambda& lambda) {
  if constexpr (std::is_arithmetic_v<Lambda>)
    return static_cast<S>(lambda);
  else
    return view_of(lambda.derived());
}

/// lambda_returns' a = r + d * (f * nv) at entry j of the pointers pr and
/// pn, f = 1 - lambda (1 in the last row: 1 * nv == nv exactly), generic in
/// packet or scalar: the one formula of the general and flags forms' a.
template <class X, class S>
inline X lambda_returns_a(const S* pr, const S* pn, Index j, const X& dd, const X& f) {
  namespace ei = Eigen::internal;
  return ei::padd(ei::ploadu<X>(pr + j), ei::pmul(dd, ei::pmul(f, ei::ploadu<X>(pn + j))));
}

/// lambda_returns' a over the pointers base(x) of r, nv (and an array
/// lambda), as a function of (j, d), generic in packet or scalar:
/// a = r + d * ((1 - l) * nv), or r + d * nv in the last row, exactly the
/// values of the Eigen expressions of lambda_returns_kernel's fill and strip.
template <class S, class R, class N, class L>
struct LambdaReturnsAFrom {
  const R& r;
  const N& nv;
  const L& l;
  template <class Base>
  auto operator()(const Base& base, bool last) const {
    // (1 - lambda) * nv, with the factor 1 in the last row: 1 * nv == nv
    // exactly, so the last row needs no branch of its own.
    const S* pl = nullptr;
    S k = S(1);
    if constexpr (std::is_arithmetic_v<L>) {
      if (!last) k = S(1) - S(l);
    } else if (!last) {
      pl = base(l);
    }
    return [pr = base(r), pn = base(nv), pl, k]<class X>(Index j, const X& dd) {
      namespace ei = Eigen::internal;
      static_cast<void>(pl);  // unused with a number lambda
      X f;
      if constexpr (std::is_arithmetic_v<L>)
        f = ei::pset1<X>(k);
      else
        f = pl == nullptr ? ei::pset1<X>(k) : ei::psub(ei::pset1<X>(S(1)), ei::ploadu<X>(pl + j));
      return lambda_returns_a(pr, pn, j, dd, f);
    };
  }
};

/// The flags form's lambda_returns a over the pointers base(x) of r and nv,
/// as a function of (j, d, l) (the lanes' discounts and lambdas, masked from
/// the flags by FlagsPackets), generic in packet or scalar:
/// a = r + d * ((1 - l) * nv), or r + d * nv in the last row (factor 1:
/// 1 * nv == nv exactly), the values of lambda_returns_kernel's Eigen
/// expressions.
template <class R, class N>
struct LambdaReturnsFlagsAFrom {
  const R& r;
  const N& nv;
  template <class Base>
  auto operator()(const Base& base, bool last) const {
    return [pr = base(r), pn = base(nv), last]<class X>(Index j, const X& dd, const X& ll) {
      namespace ei = Eigen::internal;
      using S = typename ei::unpacket_traits<X>::type;
      const X one = ei::pset1<X>(S(1));
      return lambda_returns_a(pr, pn, j, dd, last ? one : ei::psub(one, ll));
    };
  }
};

/// The lambda-return recursion as an affine scan, on shape-checked arguments:
///   a_t = r_t + d_t * ((1 - l_t) * nv_t),  c_t = d_t * l_t,
///   a_{T-1} = r_{T-1} + d_{T-1} * nv_{T-1}.
/// `d` is an Eigen expression of discount_t, `l` a number or an expression
/// of lambda_t (both may be built from flags; kRanges: check that they lie
/// in [0, 1]). Entries are checked tile by tile as the scan reads them (see
/// gae_kernel); a bad tile calls `validate()`, which throws. The flags form
/// passes its in-memory fill and packets (FlagsFill, FlagsPackets), which
/// compute the same a and c.
template <bool kRanges, class R, class D, class N, class L, class Out, class Validate,
          class FillInMemory = NoFlagsFill, class FlagsPackets = NoRowPackets>
inline void lambda_returns_kernel(std::string_view where, const R& r, const D& d, const N& nv,
                                  const L& l, Out& out, Validate validate,
                                  FillInMemory fill_in_memory = {},
                                  FlagsPackets flags_packets = {}) {
  using S = typename Out::Scalar;
  const Index T = out.rows();
  const bool flags_in_memory = fill_in_memory.applicable();
  // a of the last row, r + d * nv, written over the fill's.
  auto fix_last_row = [&](Index t0, Index len, Index b0, Index w, auto& A) {
    if (t0 + len == T)
      for (Index g = 0; g < w; ++g)
        A(len - 1, g) = r.coeff(T - 1, b0 + g) + d.coeff(T - 1, b0 + g) * nv.coeff(T - 1, b0 + g);
  };
  auto fill = [&](Index t0, Index len, Index b0, Index w, auto& A, auto& C) {
    if (flags_in_memory) {
      const bool ok = fill_in_memory(t0, len, b0, w, A.data(), C.data());
      fix_last_row(t0, len, b0, w, A);  // an overflow there: the scan's own check
      if (!ok) [[unlikely]]
        reject_tile(where, "returns", validate, A, t0, b0);
      return;
    }
    if constexpr (kInMemory<R> && kInMemory<D> && kInMemory<N> &&
                  (std::is_arithmetic_v<L> || kInMemory<L>)) {
      bool rows = r.rowStride() == 1 && d.rowStride() == 1 && nv.rowStride() == 1;
      if constexpr (!std::is_arithmetic_v<L>) rows = rows && l.rowStride() == 1;
      if (rows) {
        // a = r + d * ((1 - l) * nv), the Eigen expression below; the last
        // row's a (r + d * nv) is written over it.
        const bool ok = fill_tile_in_memory<kRanges, S>(d, l, t0, len, b0, w, A.data(), C.data(),
                                                        LambdaReturnsAFrom<S, R, N, L>{r, nv, l});
        fix_last_row(t0, len, b0, w, A);
        // An overflow of the last row's a is caught by the scan's own check.
        if (!ok) [[unlikely]]
          reject_tile(where, "returns", validate, A, t0, b0);
        return;
      }
    }
    const auto lt = tile_of(l, t0, len, b0, w);
    // Read backward in time, as the scan walks the tiles, so the hardware
    // prefetcher sees one descending stream per input column.
    C.reverse() = tile_of(d, t0, len, b0, w).reverse();  // d_t: checked, then scaled by lambda
    A.reverse() = (tile_of(r, t0, len, b0, w) +
                   tile_of(d, t0, len, b0, w) * ((S(1) - lt) * tile_of(nv, t0, len, b0, w)))
                      .reverse();
    fix_last_row(t0, len, b0, w, A);
    bool ok;
    if constexpr (std::is_arithmetic_v<L>) {
      ok = check_and_scale_tile<kRanges>(A.data(), C.data(), len * w, S(l));
    } else {
      ok = check_and_scale_tile<kRanges>(A.data(), C.data(), len * w, S(1));
      if constexpr (kRanges) ok = ok && tile_unit(lt);
      C *= lt;
      ok = ok && tile_finite(A, C);
    }
    if (!ok) [[unlikely]]
      reject_tile(where, "returns", validate, A, t0, b0);
  };
  auto strip = [&]<int W>(Index t, Index b, Index w) {
    ScanStrip<S, W> s;
    const auto dd = strip_of<W>(d, t, b, w);
    const auto ll = strip_of<W>(l, t, b, w);
    if (t == T - 1)
      s.a = strip_of<W>(r, t, b, w) + dd * strip_of<W>(nv, t, b, w);
    else
      s.a = strip_of<W>(r, t, b, w) + dd * ((S(1) - ll) * strip_of<W>(nv, t, b, w));
    s.c = dd * ll;
    if constexpr (kRanges) {
      s.unit = dd * (S(1) - dd);
      if constexpr (!std::is_arithmetic_v<L>) s.unit = s.unit.min(ll * (S(1) - ll));
    }
    return s;
  };
  auto reject = [&](Index t, Index b, const auto& y) {
    reject_strip(where, "returns", validate, t, b, y);
  };
  using AFrom = LambdaReturnsAFrom<S, R, N, L>;
  if constexpr (std::is_arithmetic_v<L> && kInMemory<R> && kInMemory<D> && kInMemory<N>)
    affine_scan<kRanges>(
        out, fill, strip, reject, NoPrefetch{},
        RowPackets<S, D, AFrom, S, R, N>{d, S(l), T - 1, AFrom{r, nv, l}, {r, nv}});
  else if constexpr (kInMemory<L> && kInMemory<R> && kInMemory<D> && kInMemory<N>)
    affine_scan<kRanges>(  // per-step lambdas in memory
        out, fill, strip, reject, NoPrefetch{},
        RowPackets<S, D, AFrom, L, R, N, L>{d, l, T - 1, AFrom{r, nv, l}, {r, nv, l}});
  else
    affine_scan<kRanges>(out, fill, strip, reject, NoPrefetch{}, flags_packets);
}

/// discount_t = gamma * (1 - terminated_t) and lambda_t = lambda * (1 -
/// (terminated_t or truncated_t)) as Eigen expressions (no storage).
template <class S, class Terminated>
inline auto flag_discounts(const Terminated& terminated, S gamma) {
  return (S(1) - terminated.derived().array().template cast<S>()) * gamma;
}
template <class S, class Terminated, class Truncated>
inline auto flag_lambdas(const Terminated& terminated, const Truncated& truncated, S lambda) {
  return (S(1) - (terminated.derived().array() || truncated.derived().array()).template cast<S>()) *
         lambda;
}

template <class Rewards>
typename Rewards::PlainObject plain_like(const Eigen::DenseBase<Rewards>& rewards) {
  typename Rewards::PlainObject result;
  result.resize(rewards.rows(), rewards.cols());
  return result;
}

/// discounted_returns on shape-checked arguments (next_values checked finite):
/// a_t = r_t, c_t = discount_t; a_{T-1} = r_{T-1} + discount_{T-1} * nv_{T-1}.
/// Entries are checked tile by tile as the scan reads them; a bad one calls
/// `validate()`, which throws.
template <class R, class D, class N, class Out, class Validate>
inline void discounted_returns_kernel(std::string_view where, const R& r, const D& d,
                                      const N& nv, Out& out, Validate validate) {
  using S = typename Out::Scalar;
  const Index T = out.rows();
  auto fill = [&](Index t0, Index len, Index b0, Index w, auto& A, auto& C) {
    A.reverse() = tile_of(r, t0, len, b0, w).reverse();  // backward, as the scan
    C.reverse() = tile_of(d, t0, len, b0, w).reverse();
    if (t0 + len == T)
      for (Index g = 0; g < w; ++g)
        A(len - 1, g) = r.coeff(T - 1, b0 + g) + d.coeff(T - 1, b0 + g) * nv.coeff(T - 1, b0 + g);
    if (!check_and_scale_tile<true>(A.data(), C.data(), len * w, S(1))) [[unlikely]]
      reject_tile(where, "returns", validate, A, t0, b0);
  };
  auto strip = [&]<int W>(Index t, Index b, Index w) {
    ScanStrip<S, W> s;
    const auto dd = strip_of<W>(d, t, b, w);
    if (t == T - 1)
      s.a = strip_of<W>(r, t, b, w) + dd * strip_of<W>(nv, t, b, w);
    else
      s.a = strip_of<W>(r, t, b, w);
    s.c = dd;
    s.unit = dd * (S(1) - dd);
    return s;
  };
  auto reject = [&](Index t, Index b, const auto& y) {
    reject_strip(where, "returns", validate, t, b, y);
  };
  affine_scan<true>(out, fill, strip, reject);
}

}  // namespace detail

/// Lambda-returns (Sutton 1988; Sutton & Barto 2018, section 12.1; rlax
/// `lambda_returns`), general form:
///   G_t = r_t + discount_t * ((1 - lambda_t) * next_values(t) + lambda_t * G_{t+1}),
///   G_{T-1} = r_{T-1} + discount_{T-1} * next_values(T-1).
/// `lambda` is a number or a (T x B) array of per-step lambdas. Evaluated as
/// G_t = a_t + c_t * G_{t+1} with a_t = r_t + discount_t * ((1 - lambda_t) *
/// next_values(t)) and c_t = discount_t * lambda_t (targets/affine_scan.hpp).
template <class Rewards, class Discounts, class NextValues, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void lambda_returns(const Eigen::DenseBase<Rewards>& rewards,
                    const Eigen::DenseBase<Discounts>& discounts,
                    const Eigen::DenseBase<NextValues>& next_values, const Lambda& lambda,
                    Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Discounts, NextValues, Out>();
  constexpr const char* where = "lambda_returns";
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_lambda_shape<S>(where, lambda, T, B);
  detail::check_general_form_shapes(where, rewards, discounts, next_values, out);
  auto validate = [&] {
    detail::check_lambda<S>(where, lambda, T, B);
    detail::check_general_form(where, rewards, discounts, next_values, out);
  };
  auto&& o = detail::out_view_of(out.derived());  // see targets/array_view.hpp
  detail::lambda_returns_kernel<true>(where, detail::view_of(rewards.derived()),
                                      detail::view_of(discounts.derived()),
                                      detail::view_of(next_values.derived()),
                                      detail::lambda_value<S>(lambda), o,
                                      detail::ValidateRef(validate));
}

/// Allocating form of the general lambda_returns.
template <class Rewards, class Discounts, class NextValues, class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject lambda_returns(const Eigen::DenseBase<Rewards>& rewards,
                                             const Eigen::DenseBase<Discounts>& discounts,
                                             const Eigen::DenseBase<NextValues>& next_values,
                                             const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  lambda_returns(rewards, discounts, next_values, lambda, result);
  return result;
}

namespace detail {
/// The flags form of lambda_returns (and of discounted_returns, lambda = 1)
/// with its checks, messages naming `where`.
template <class Rewards, class NextValues, class Terminated, class Truncated, class Out>
void lambda_returns_flags(const char* where, const Eigen::DenseBase<Rewards>& rewards,
                          const Eigen::DenseBase<NextValues>& next_values,
                          const Eigen::DenseBase<Terminated>& terminated,
                          const Eigen::DenseBase<Truncated>& truncated,
                          typename Rewards::Scalar gamma, typename Rewards::Scalar lambda,
                          Out& out) {
  using S = typename Rewards::Scalar;
  require_same_scalar<Rewards, NextValues, Out>();
  const Index T = rewards.rows(), B = rewards.cols();
  check_unit_interval(where, "gamma", gamma);
  check_unit_interval(where, "lambda", lambda);
  check_shape(where, "next_values", next_values, T, B);
  check_flags(where, terminated, truncated, T, B);
  check_shape(where, "out", out, T, B);
  auto validate = [&] {
    check_all_finite(where, "rewards", rewards);
    check_all_finite(where, "next_values", next_values);
  };
  // Views: one kernel per storage order (targets/array_view.hpp).
  const auto& r = view_of(rewards.derived());
  const auto& nv = view_of(next_values.derived());
  const auto& te = view_of(terminated.derived());
  const auto& tr = view_of(truncated.derived());
  auto&& o = out_view_of(out);
  using R = std::remove_cvref_t<decltype(r)>;
  using NV = std::remove_cvref_t<decltype(nv)>;
  using AFrom = LambdaReturnsFlagsAFrom<R, NV>;
  const FlagsPackets<S, AFrom, std::remove_cvref_t<decltype(te)>,
                     std::remove_cvref_t<decltype(tr)>, R, NV>
      packets{AFrom{r, nv}, {r, nv}, te, tr, gamma, lambda, T - 1};
  const FlagsFill<decltype(packets)> in_memory{packets};
  lambda_returns_kernel<false>(where, r, flag_discounts<S>(te, gamma), nv,
                               flag_lambdas<S>(te, tr, lambda), o, ValidateRef(validate),
                               in_memory, packets);
}
}  // namespace detail

/// Lambda-returns, flags form (TorchRL `td_lambda_return_estimate`,
/// Gymnasium's terminated/truncated): the general form with
///   discount_t = gamma * (1 - terminated_t),
///   lambda_t   = lambda * (1 - (terminated_t or truncated_t)).
/// So a terminated step's return is r_t; a truncated one's is
/// r_t + gamma * next_values(t); in both cases the recursion restarts at t+1,
/// so several episodes may be concatenated in one column. Told apart from the
/// general form by its arity (7 arguments; 6 allocating) and by bool flags.
template <class Rewards, class NextValues, class Terminated, class Truncated, class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void lambda_returns(const Eigen::DenseBase<Rewards>& rewards,
                    const Eigen::DenseBase<NextValues>& next_values,
                    const Eigen::DenseBase<Terminated>& terminated,
                    const Eigen::DenseBase<Truncated>& truncated,
                    std::type_identity_t<typename Rewards::Scalar> gamma,
                    std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {
  detail::lambda_returns_flags("lambda_returns", rewards, next_values, terminated, truncated, gamma,
                               lambda, out.derived());
}

/// Allocating form of the flags-form lambda_returns.
template <class Rewards, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject lambda_returns(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<NextValues>& next_values,
    const Eigen::DenseBase<Terminated>& terminated, const Eigen::DenseBase<Truncated>& truncated,
    std::type_identity_t<typename Rewards::Scalar> gamma,
    std::type_identity_t<typename Rewards::Scalar> lambda) {
  auto result = detail::plain_like(rewards);
  lambda_returns(rewards, next_values, terminated, truncated, gamma, lambda, result);
  return result;
}

/// Discounted (bootstrapped Monte Carlo) returns, the lambda = 1 case of
/// lambda_returns (Sutton & Barto 2018, eq. 3.9; rlax `discounted_returns`):
///   G_t = r_t + discount_t * G_{t+1},  G_{T-1} = r_{T-1} + discount_{T-1} * next_values(T-1).
/// Only next_values(T-1) is read as a value; the other entries are still
/// checked to be finite.
template <class Rewards, class Discounts, class NextValues, class Out>
requires detail::WritableDense<Out>
void discounted_returns(const Eigen::DenseBase<Rewards>& rewards,
                        const Eigen::DenseBase<Discounts>& discounts,
                        const Eigen::DenseBase<NextValues>& next_values, Out&& out) {
  detail::require_same_scalar<Rewards, Discounts, NextValues, Out>();
  constexpr const char* where = "discounted_returns";
  detail::check_general_form_shapes(where, rewards, discounts, next_values, out);
  auto validate = [&] { detail::check_general_form(where, rewards, discounts, next_values, out); };
  // next_values is read only at T-1, so its finiteness is checked on its own.
  detail::check_all_finite(where, "next_values", next_values);
  auto&& o = detail::out_view_of(out.derived());  // see targets/array_view.hpp
  detail::discounted_returns_kernel(where, detail::view_of(rewards.derived()),
                                    detail::view_of(discounts.derived()),
                                    detail::view_of(next_values.derived()), o,
                                    detail::ValidateRef(validate));
}

/// Allocating form of discounted_returns.
template <class Rewards, class Discounts, class NextValues>
typename Rewards::PlainObject discounted_returns(const Eigen::DenseBase<Rewards>& rewards,
                                                 const Eigen::DenseBase<Discounts>& discounts,
                                                 const Eigen::DenseBase<NextValues>& next_values) {
  auto result = detail::plain_like(rewards);
  discounted_returns(rewards, discounts, next_values, result);
  return result;
}

namespace detail {

/// The n-step recursion on validated arguments: Horner from the far end of
/// each window inward. kLambda: G = r_k + d_k * ((1 - l_k) * nv_k + l_k * G)
/// (rlax's lambda_t); otherwise G = r_k + d_k * G, the arithmetic of
/// discounted_returns when the window reaches T-1. `l` is a number or an
/// Eigen expression, read only when kLambda.
/// The windows of up to 64 outputs advance together, one step k at a time, as
/// independent lanes of a loop the compiler vectorises: along a row (row-
/// major out: lanes are columns) or along a column (lanes are the rows t
/// whose windows have all n steps; the last min(n, T) - 1 rows of a column,
/// whose windows are cut at T-1, run one by one). Every lane does the
/// operations of its own window in the same order, so the results are those
/// of the plain loop bit for bit. The lanes of a block are checked together
/// before they are stored.
template <bool kLambda, class R, class D, class N, class L, class Out>
inline void n_step_kernel(std::string_view where, const R& r, const D& d, const N& nv, const L& l,
                          Index n, Out& o) {
  using S = typename Out::Scalar;
  const Index T = o.rows(), B = o.cols();
  auto step = [&](Index k, Index b, S acc) -> S {
    if constexpr (kLambda) {
      S lk;
      if constexpr (std::is_arithmetic_v<L>)
        lk = l;
      else
        lk = l.coeff(k, b);
      return r.coeff(k, b) + d.coeff(k, b) * ((S(1) - lk) * nv.coeff(k, b) + lk * acc);
    } else {
      return r.coeff(k, b) + d.coeff(k, b) * acc;
    }
  };
  constexpr Index chunk = 64;  // lanes of a block, on the stack
  S acc[chunk];
  // Checks lanes [0, w) (an overflow, the inputs being validated) and stores
  // lane j at (t0 + j * dt, b0 + j * db).
  auto store = [&](Index w, Index t0, Index dt, Index b0, Index db) {
    const bool finite = all_finite(Eigen::Map<const Eigen::Array<S, Eigen::Dynamic, 1>>(acc, w));
    for (Index j = 0; j < w; ++j) {
      if (!finite) [[unlikely]]  // throws at the first overflow, the lanes before it stored
        check_no_overflow(where, "returns", t0 + j * dt, b0 + j * db, acc[j]);
      o.coeffRef(t0 + j * dt, b0 + j * db) = acc[j];
    }
  };
  if constexpr (Out::IsRowMajor) {
    for (Index b0 = 0; b0 < B; b0 += chunk) {
      const Index w = std::min(chunk, B - b0);
      for (Index t = 0; t < T; ++t) {
        const Index last = t + std::min(n, T - t) - 1;
        for (Index j = 0; j < w; ++j) acc[j] = nv.coeff(last, b0 + j);
        for (Index k = last; k >= t; --k)
          for (Index j = 0; j < w; ++j) acc[j] = step(k, b0 + j, acc[j]);
        store(w, t, 0, b0, 1);
      }
    }
  } else {
    const Index full = std::max(T - n + 1, Index(0));  // rows t whose window has n steps
    for (Index b = 0; b < B; ++b) {
      for (Index t0 = 0; t0 < full; t0 += chunk) {
        const Index w = std::min(chunk, full - t0);
        for (Index j = 0; j < w; ++j) acc[j] = nv.coeff(t0 + j + n - 1, b);
        for (Index k = n - 1; k >= 0; --k)
          for (Index j = 0; j < w; ++j) acc[j] = step(t0 + j + k, b, acc[j]);
        store(w, t0, 1, b, 0);
      }
      for (Index t = full; t < T; ++t) {
        acc[0] = nv.coeff(T - 1, b);
        for (Index k = T - 1; k >= t; --k) acc[0] = step(k, b, acc[0]);
        store(1, t, 0, b, 0);
      }
    }
  }
}

}  // namespace detail

/// n-step bootstrapped returns (Watkins 1989; Sutton & Barto 2018, eq. 7.1;
/// rlax `n_step_bootstrapped_returns` without lambda):
///   G_t = sum_{k<m} (prod_{j<k} discount_{t+j}) r_{t+k}
///         + (prod_{j<m} discount_{t+j}) * next_values(t+m-1),  m = min(n, T-t).
/// Near the end of the array the window shrinks and bootstraps from the last
/// next value, so n >= T gives discounted_returns and n = 1 the one-step
/// targets r_t + discount_t * next_values(t). A zero discount (termination)
/// inside the window cuts it; a truncation inside the window cannot be
/// expressed by discounts alone: use the lambda form below with lambda_t = 0
/// there, or the flags form.
/// Throws std::invalid_argument unless n >= 1. Cost O(T * B * min(n, T)).
template <class Rewards, class Discounts, class NextValues, class Out>
requires detail::WritableDense<Out>
void n_step_returns(const Eigen::DenseBase<Rewards>& rewards,
                    const Eigen::DenseBase<Discounts>& discounts,
                    const Eigen::DenseBase<NextValues>& next_values, Index n, Out&& out) {
  detail::require_same_scalar<Rewards, Discounts, NextValues, Out>();
  constexpr const char* where = "n_step_returns";
  check_at_least_one(where, "n", n);
  detail::check_general_form(where, rewards, discounts, next_values, out);
  auto&& o = detail::out_view_of(out.derived());  // see targets/array_view.hpp
  detail::n_step_kernel<false>(where, detail::view_of(rewards.derived()),
                               detail::view_of(discounts.derived()),
                               detail::view_of(next_values.derived()), 0, n, o);
}

/// Allocating form of n_step_returns.
template <class Rewards, class Discounts, class NextValues>
typename Rewards::PlainObject n_step_returns(const Eigen::DenseBase<Rewards>& rewards,
                                             const Eigen::DenseBase<Discounts>& discounts,
                                             const Eigen::DenseBase<NextValues>& next_values,
                                             Index n) {
  auto result = detail::plain_like(rewards);
  n_step_returns(rewards, discounts, next_values, n, result);
  return result;
}

/// n-step returns with per-step lambda (rlax `n_step_bootstrapped_returns`
/// with lambda_t): inside each window of m = min(n, T-t) steps,
///   G = r_k + discount_k * ((1 - lambda_k) * next_values(k) + lambda_k * G),
/// starting from G = next_values(t+m-1) at the window's far end. lambda = 1
/// gives n_step_returns; lambda_k = 0 bootstraps from next_values(k) and
/// cuts the window there (a truncation); n >= T gives lambda_returns.
/// `lambda` is a number or a (T x B) array in [0, 1]. Non-allocating only
/// for arrays (an allocating 5-argument form could not be told from the
/// form above); a number also has an allocating form.
template <class Rewards, class Discounts, class NextValues, class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void n_step_returns(const Eigen::DenseBase<Rewards>& rewards,
                    const Eigen::DenseBase<Discounts>& discounts,
                    const Eigen::DenseBase<NextValues>& next_values, Index n, const Lambda& lambda,
                    Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Discounts, NextValues, Out>();
  constexpr const char* where = "n_step_returns";
  check_at_least_one(where, "n", n);
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_lambda<S>(where, lambda, T, B);
  detail::check_general_form(where, rewards, discounts, next_values, out);
  auto&& o = detail::out_view_of(out.derived());  // see targets/array_view.hpp
  detail::n_step_kernel<true>(where, detail::view_of(rewards.derived()),
                              detail::view_of(discounts.derived()),
                              detail::view_of(next_values.derived()),
                              detail::lambda_value<S>(lambda), n, o);
}

/// Allocating form of n_step_returns with a scalar lambda.
template <class Rewards, class Discounts, class NextValues, class Lambda>
requires std::is_arithmetic_v<Lambda>
typename Rewards::PlainObject n_step_returns(const Eigen::DenseBase<Rewards>& rewards,
                                             const Eigen::DenseBase<Discounts>& discounts,
                                             const Eigen::DenseBase<NextValues>& next_values,
                                             Index n, Lambda lambda) {
  auto result = detail::plain_like(rewards);
  n_step_returns(rewards, discounts, next_values, n, lambda, result);
  return result;
}

/// n-step returns, flags form: the lambda form with
///   discount_t = gamma * (1 - terminated_t),  lambda_t = 1 - (terminated_t or truncated_t),
/// so a window stops at an episode end: after a terminated step with r_t, after
/// a truncated one with r_t + gamma * next_values(t). Several episodes may be
/// concatenated in one column.
template <class Rewards, class NextValues, class Terminated, class Truncated, class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void n_step_returns(const Eigen::DenseBase<Rewards>& rewards,
                    const Eigen::DenseBase<NextValues>& next_values,
                    const Eigen::DenseBase<Terminated>& terminated,
                    const Eigen::DenseBase<Truncated>& truncated,
                    std::type_identity_t<typename Rewards::Scalar> gamma, Index n, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, NextValues, Out>();
  constexpr const char* where = "n_step_returns";
  const Index T = rewards.rows(), B = rewards.cols();
  check_unit_interval(where, "gamma", gamma);
  check_at_least_one(where, "n", n);
  detail::check_shape(where, "next_values", next_values, T, B);
  detail::check_flags(where, terminated, truncated, T, B);
  detail::check_shape(where, "out", out, T, B);
  detail::check_all_finite(where, "rewards", rewards);
  detail::check_all_finite(where, "next_values", next_values);
  const auto& te = detail::view_of(terminated.derived());  // see targets/array_view.hpp
  const auto& tr = detail::view_of(truncated.derived());
  auto&& o = detail::out_view_of(out.derived());
  detail::n_step_kernel<true>(where, detail::view_of(rewards.derived()),
                              detail::flag_discounts<S>(te, gamma),
                              detail::view_of(next_values.derived()),
                              detail::flag_lambdas<S>(te, tr, S(1)), n, o);
}

/// Allocating form of the flags-form n_step_returns.
template <class Rewards, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject n_step_returns(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<NextValues>& next_values,
    const Eigen::DenseBase<Terminated>& terminated, const Eigen::DenseBase<Truncated>& truncated,
    std::type_identity_t<typename Rewards::Scalar> gamma, Index n) {
  auto result = detail::plain_like(rewards);
  n_step_returns(rewards, next_values, terminated, truncated, gamma, n, result);
  return result;
}

/// Discounted returns, flags form: lambda_returns' flags form with lambda = 1
/// (a truncated step bootstraps from next_values(t); a terminated one does
/// not; both end the episode).
template <class Rewards, class NextValues, class Terminated, class Truncated, class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void discounted_returns(const Eigen::DenseBase<Rewards>& rewards,
                        const Eigen::DenseBase<NextValues>& next_values,
                        const Eigen::DenseBase<Terminated>& terminated,
                        const Eigen::DenseBase<Truncated>& truncated,
                        std::type_identity_t<typename Rewards::Scalar> gamma, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::lambda_returns_flags("discounted_returns", rewards, next_values, terminated, truncated,
                               gamma, S(1), out.derived());
}

/// Allocating form of the flags-form discounted_returns.
template <class Rewards, class NextValues, class Terminated, class Truncated>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool>
typename Rewards::PlainObject discounted_returns(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<NextValues>& next_values,
    const Eigen::DenseBase<Terminated>& terminated, const Eigen::DenseBase<Truncated>& truncated,
    std::type_identity_t<typename Rewards::Scalar> gamma) {
  auto result = detail::plain_like(rewards);
  discounted_returns(rewards, next_values, terminated, truncated, gamma, result);
  return result;
}

}  // namespace rlvalue
