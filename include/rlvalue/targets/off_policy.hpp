#pragma once
/// @file
/// Off-policy multi-step targets over (T x B) sequences (layer 1, the rlax
/// style): per-decision importance-corrected TD errors, Retrace and V-trace.
/// Argument conventions, shapes, errors, output and traversal are those of
/// returns.hpp (general form: per-step discounts, explicit next values,
/// lambda a number or a (T x B) array of per-step lambda_t = lambda*(1-done_t));
/// in addition
///   values(t, b)       v(s_t), the prediction at s_t
///   rhos(t, b)         pi(a_t | s_t) / mu(a_t | s_t), the importance ratio of
///                      the action taken at s_t (target pi, behaviour mu)
/// Importance ratios must be finite and non-negative; a negative, infinite or
/// NaN ratio throws std::invalid_argument naming the parameter, position (t, b)
/// and value, before any output is written. Outputs must not overlap inputs or
/// each other.
/// Multi-core overloads of vtrace (a Parallel tag first): targets/parallel.hpp.

#include <Eigen/Core>
#include <algorithm>
#include <limits>
#include <string_view>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/returns.hpp"
#include "rlvalue/targets/sequence_checks.hpp"

namespace rlvalue {

namespace detail {

/// Throws unless every entry of `a` is a finite, non-negative importance ratio.
template <class A>
inline void check_all_ratios(std::string_view where, std::string_view name,
                             const Eigen::DenseBase<A>& a) {
  using S = typename A::Scalar;
  // Fast path: two vectorised passes (finite, then no entry below zero).
  if (all_finite(a) && (a.size() == 0 || a.minCoeff() >= S(0))) [[likely]]
    return;
  check_entries(
      where, name, a, [](S x) { return x >= S(0) && x <= std::numeric_limits<S>::max(); },
      "is negative or not finite");
}

/// Throws unless a clipping threshold is >= 0 (+infinity, no clipping, is allowed).
template <class S>
inline void check_clip(std::string_view where, std::string_view name, S value) {
  if (!(value >= S(0))) [[unlikely]]
    throw_invalid(where, name, value, "must be non-negative");
}

/// The V-trace recursion on validated arguments; `lambda_at(t, b)` gives
/// lambda_t and `ends_episode(t, b)` whether step t ends an episode (then the
/// advantage bootstraps from next_values(t), not from vs_{t+1}).
template <class V, class N, class R, class D, class Rho, class LambdaAt, class Ends, class S,
          class OutVs, class OutPg>
inline void vtrace_kernel(std::string_view where, const V& v, const N& nv, const R& r, const D& d,
                          const Rho& rho,
                          LambdaAt lambda_at, Ends ends_episode, S clip_rho, S clip_c,
                          OutVs& vs, OutPg& adv) {
  const Index T = r.rows(), B = r.cols();
  auto clipped_rho = [&](Index t, Index b) -> S { return std::min(clip_rho, S(rho.coeff(t, b))); };
  auto vs_last = [&](Index t, Index b) -> S {
    return v.coeff(t, b) +
           clipped_rho(t, b) * ((r.coeff(t, b) + d.coeff(t, b) * nv.coeff(t, b)) - v.coeff(t, b));
  };
  backward_scan(where, "vs", vs, vs_last, [&](Index t, Index b, S next_vs) -> S {
    const S c = lambda_at(t, b) * std::min(clip_c, S(rho.coeff(t, b)));
    return vs_last(t, b) + (d.coeff(t, b) * c) * (next_vs - v.coeff(t + 1, b));
  });
  auto pg = [&](Index t, Index b) -> S {
    const S next =
        (t + 1 < T && !ends_episode(t, b)) ? S(vs.coeff(t + 1, b)) : S(nv.coeff(t, b));
    return clipped_rho(t, b) * ((r.coeff(t, b) + d.coeff(t, b) * next) - v.coeff(t, b));
  };
  auto store_pg = [&](Index t, Index b) {
    const S x = pg(t, b);
    check_no_overflow(where, "pg_advantages", t, b, x);
    adv.coeffRef(t, b) = x;
  };
  if constexpr (OutPg::IsRowMajor) {
    for (Index t = 0; t < T; ++t)
      for (Index b = 0; b < B; ++b) store_pg(t, b);
  } else {
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) store_pg(t, b);
  }
}

/// The Retrace recursion on validated arguments into a column-major `out`,
/// W = 8 columns at a time, in tiles of up to 128 rows walked from the
/// latest. A tile's inputs are read a column at a time (vectorised Eigen
/// expressions) into stack buffers: r, d, c = lambda * min(1, rho) and
/// a = eq - c * qn. Then the W chains
///   G = r + d * (a + c * G),   G_{T-1} = r + d * eq,
/// advance together, a row at a time, so W dependency chains are in flight
/// instead of one. The tile's returns are checked (an overflow throws naming
/// the first non-finite one in the column's order; nothing of that tile is
/// written) and copied to `out`. Reading a tile column by column keeps the
/// input streams sequential: W columns read row by row would be 5 W streams,
/// which share cache sets when T is a multiple of 1024. Every return is
/// computed by the operations of the plain recursion, in the same order, so
/// the results are bit for bit those of backward_scan.
template <class R, class D, class EQ, class QN, class Rho, class L, class Out>
inline void retrace_columns(std::string_view where, const R& r, const D& d, const EQ& eq,
                            const QN& qn, const Rho& rho, const L& l, Out& out) {
  using S = typename Out::Scalar;
  constexpr Index W = 8, kRows = 128;
  using Tile = Eigen::Map<Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>, Eigen::Aligned64,
                          Eigen::OuterStride<kRows>>;
  alignas(64) S rb[W * kRows], db[W * kRows], ab[W * kRows], cb[W * kRows];
  const Index T = out.rows(), B = out.cols();
  for (Index b0 = 0; b0 < B; b0 += W) {
    const Index w = std::min(W, B - b0);
    S carry[W];
    for (Index t1 = T; t1 > 0;) {
      const Index len = std::min(kRows, t1), t0 = t1 - len;
      Tile rt(rb, len, w), dt(db, len, w), at(ab, len, w), ct(cb, len, w);
      // .array(): the inputs may be matrices, whose blocks have no
      // coefficient-wise min or product.
      rt = r.block(t0, b0, len, w).array();
      dt = d.block(t0, b0, len, w).array();
      if constexpr (std::is_arithmetic_v<L>)
        ct = l * rho.block(t0, b0, len, w).array().min(S(1));
      else
        ct = l.block(t0, b0, len, w).array() * rho.block(t0, b0, len, w).array().min(S(1));
      at = eq.block(t0, b0, len, w).array() - ct * qn.block(t0, b0, len, w).array();
      Index from = len - 1;
      if (t1 == T) {
        for (Index g = 0; g < w; ++g)
          carry[g] = at(len - 1, g) =
              r.coeff(T - 1, b0 + g) + d.coeff(T - 1, b0 + g) * eq.coeff(T - 1, b0 + g);
        --from;
      }
      auto chains = [&](Index w) {
        for (Index i = from; i >= 0; --i)
          for (Index g = 0; g < w; ++g)
            carry[g] = at(i, g) = rt(i, g) + dt(i, g) * (at(i, g) + ct(i, g) * carry[g]);
      };
      if (w == W)
        chains(W);  // unrolled: W independent chains
      else
        chains(w);
      if (!all_finite(at)) [[unlikely]]
        for (Index g = 0; g < w; ++g)
          for (Index i = len - 1; i >= 0; --i)
            check_no_overflow(where, "returns", t0 + i, b0 + g, at(i, g));
      out.block(t0, b0, len, w) = at;
      t1 = t0;
    }
  }
}

}  // namespace detail

/// Per-decision importance-corrected multi-step TD errors (Precup, Sutton,
/// Singh 2000, "Eligibility traces for off-policy policy evaluation"; rlax
/// `importance_corrected_td_errors`), general form:
///   E_t = rho_t * (delta_t + discount_t * lambda_t * E_{t+1}),  E_T = 0,
///   delta_t = r_t + discount_t * next_values(t) - values(t).
/// So E_t = sum_{k>=t} (prod_{j=t}^{k-1} discount_j lambda_j) (prod_{j=t}^{k} rho_j) delta_k.
/// With rhos = 1 it is gae(rewards, values, next_values, discounts, lambda).
template <class Rewards, class Discounts, class Rhos, class Values, class NextValues,
          class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void importance_corrected_td_errors(const Eigen::DenseBase<Rewards>& rewards,
                                    const Eigen::DenseBase<Discounts>& discounts,
                                    const Eigen::DenseBase<Rhos>& rhos,
                                    const Eigen::DenseBase<Values>& values,
                                    const Eigen::DenseBase<NextValues>& next_values,
                                    const Lambda& lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Discounts, Rhos, Values, NextValues, Out>();
  constexpr const char* where = "importance_corrected_td_errors";
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_shape(where, "rhos", rhos, T, B);
  detail::check_shape(where, "values", values, T, B);
  detail::check_lambda<S>(where, lambda, T, B);
  detail::check_general_form(where, rewards, discounts, next_values, out);
  detail::check_all_finite(where, "values", values);
  detail::check_all_ratios(where, "rhos", rhos);
  const auto& r = rewards.derived();
  const auto& d = discounts.derived();
  const auto& rho = rhos.derived();
  const auto& v = values.derived();
  const auto& nv = next_values.derived();
  auto lambda_at = detail::lambda_reader<S>(lambda);
  auto delta = [&](Index t, Index b) -> S {
    return (r.coeff(t, b) + d.coeff(t, b) * nv.coeff(t, b)) - v.coeff(t, b);
  };
  detail::backward_scan(
      where, "errors", out.derived(),
      [&](Index t, Index b) -> S { return rho.coeff(t, b) * delta(t, b); },
      [&](Index t, Index b, S next) -> S {
        return rho.coeff(t, b) * (delta(t, b) + (d.coeff(t, b) * lambda_at(t, b)) * next);
      });
}

/// Allocating form of importance_corrected_td_errors.
template <class Rewards, class Discounts, class Rhos, class Values, class NextValues,
          class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject importance_corrected_td_errors(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Discounts>& discounts,
    const Eigen::DenseBase<Rhos>& rhos, const Eigen::DenseBase<Values>& values,
    const Eigen::DenseBase<NextValues>& next_values, const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  importance_corrected_td_errors(rewards, discounts, rhos, values, next_values, lambda, result);
  return result;
}

/// Retrace targets (Munos, Stepleton, Harutyunyan, Bellemare 2016, "Safe and
/// efficient off-policy reinforcement learning"; rlax `retrace` /
/// `general_off_policy_returns_from_q_and_v`), per-step arrays:
///   expected_next_q(t, b)  sum_a pi(a | s_{t+1}) Q(s_{t+1}, a)
///   next_q_taken(t, b)     Q(s_{t+1}, a_{t+1})
///   next_rhos(t, b)        pi(a_{t+1} | s_{t+1}) / mu(a_{t+1} | s_{t+1})
///   G_t = r_t + discount_t * (expected_next_q(t) - c_t * next_q_taken(t) + c_t * G_{t+1}),
///   c_t = lambda_t * min(1, next_rhos(t)),
///   G_{T-1} = r_{T-1} + discount_{T-1} * expected_next_q(T-1).
/// lambda_t = 0 (an episode end) bootstraps from expected_next_q(t) and cuts
/// the trace. The Retrace error is G_t - Q(s_t, a_t). With pi = mu
/// (next_rhos = 1) and expected_next_q = next_q_taken it is lambda_returns
/// with next_values = next_q_taken; with lambda = 1 as well, the discounted return.
template <class Rewards, class Discounts, class ExpectedNextQ, class NextQTaken, class NextRhos,
          class Lambda, class Out>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<Out>
void retrace_returns(const Eigen::DenseBase<Rewards>& rewards,
                     const Eigen::DenseBase<Discounts>& discounts,
                     const Eigen::DenseBase<ExpectedNextQ>& expected_next_q,
                     const Eigen::DenseBase<NextQTaken>& next_q_taken,
                     const Eigen::DenseBase<NextRhos>& next_rhos, const Lambda& lambda,
                     Out&& out) {
  using S = typename Rewards::Scalar;
  detail::require_same_scalar<Rewards, Discounts, ExpectedNextQ, NextQTaken, NextRhos, Out>();
  constexpr const char* where = "retrace_returns";
  const Index T = rewards.rows(), B = rewards.cols();
  detail::check_shape(where, "expected_next_q", expected_next_q, T, B);
  detail::check_shape(where, "next_q_taken", next_q_taken, T, B);
  detail::check_shape(where, "next_rhos", next_rhos, T, B);
  detail::check_lambda<S>(where, lambda, T, B);
  detail::check_shape(where, "discounts", discounts, T, B);
  detail::check_shape(where, "out", out, T, B);
  // Fast path: one pass over the four finite arrays, one over the discounts,
  // one for the ratios' sign; when it fails, the checks one by one name the
  // first bad entry.
  if (!(detail::all_finite(rewards, expected_next_q, next_q_taken, next_rhos) &&
        detail::all_unit_interval(discounts) && (T * B == 0 || next_rhos.minCoeff() >= S(0))))
      [[unlikely]] {
    detail::check_all_finite(where, "rewards", rewards);
    detail::check_all_unit_interval(where, "discounts", discounts);
    detail::check_all_finite(where, "expected_next_q", expected_next_q);
    detail::check_all_finite(where, "next_q_taken", next_q_taken);
    detail::check_all_ratios(where, "next_rhos", next_rhos);
  }
  const auto& r = rewards.derived();
  const auto& d = discounts.derived();
  const auto& eq = expected_next_q.derived();
  const auto& qn = next_q_taken.derived();
  const auto& rho = next_rhos.derived();
  if constexpr (!std::remove_cvref_t<Out>::IsRowMajor) {
    detail::retrace_columns(where, r, d, eq, qn, rho, detail::lambda_value<S>(lambda),
                            out.derived());
  } else {
    auto lambda_at = detail::lambda_reader<S>(lambda);
    detail::backward_scan(
        where, "returns", out.derived(),
        [&](Index t, Index b) -> S { return r.coeff(t, b) + d.coeff(t, b) * eq.coeff(t, b); },
        [&](Index t, Index b, S next) -> S {
          const S c = lambda_at(t, b) * std::min(S(1), S(rho.coeff(t, b)));
          return r.coeff(t, b) +
                 d.coeff(t, b) * ((eq.coeff(t, b) - c * qn.coeff(t, b)) + c * next);
        });
  }
}

/// Allocating form of retrace_returns.
template <class Rewards, class Discounts, class ExpectedNextQ, class NextQTaken, class NextRhos,
          class Lambda>
requires detail::LambdaArgument<Lambda>
typename Rewards::PlainObject retrace_returns(
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Discounts>& discounts,
    const Eigen::DenseBase<ExpectedNextQ>& expected_next_q,
    const Eigen::DenseBase<NextQTaken>& next_q_taken, const Eigen::DenseBase<NextRhos>& next_rhos,
    const Lambda& lambda) {
  auto result = detail::plain_like(rewards);
  retrace_returns(rewards, discounts, expected_next_q, next_q_taken, next_rhos, lambda, result);
  return result;
}

namespace detail {

/// The general-form vtrace in two phases: kCheck runs every check (shapes,
/// parameters, entries), kCompute the recursion on checked arguments.
template <bool kCheck, bool kCompute, class Values, class NextValues, class Rewards,
          class Discounts, class Rhos, class Lambda, class OutVs, class OutPg>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<OutVs> &&
    detail::WritableDense<OutPg>
void vtrace_phases(const Eigen::DenseBase<Values>& values,
                   const Eigen::DenseBase<NextValues>& next_values,
                   const Eigen::DenseBase<Rewards>& rewards,
                   const Eigen::DenseBase<Discounts>& discounts, const Eigen::DenseBase<Rhos>& rhos,
                   const Lambda& lambda, std::type_identity_t<typename Rewards::Scalar> clip_rho,
                   std::type_identity_t<typename Rewards::Scalar> clip_c, OutVs&& out_vs,
                   OutPg&& out_pg_advantages) {
  using S = typename Rewards::Scalar;
  if constexpr (kCheck) {
    detail::require_same_scalar<Rewards, Values, NextValues, Discounts, Rhos, OutVs, OutPg>();
    constexpr const char* where = "vtrace";
    const Index T = rewards.rows(), B = rewards.cols();
    detail::check_clip(where, "clip_rho", clip_rho);
    detail::check_clip(where, "clip_c", clip_c);
    detail::check_shape(where, "values", values, T, B);
    detail::check_shape(where, "rhos", rhos, T, B);
    detail::check_lambda<S>(where, lambda, T, B);
    detail::check_shape(where, "out_pg_advantages", out_pg_advantages, T, B);
    detail::check_shape(where, "out_vs", out_vs, T, B);
    detail::check_general_form(where, rewards, discounts, next_values, out_vs);
    detail::check_all_finite(where, "values", values);
    detail::check_all_ratios(where, "rhos", rhos);
  }
  if constexpr (kCompute) {
    const auto& d = discounts.derived();
    auto lambda_at = detail::lambda_reader<S>(lambda);
    // An episode end: discount 0, or (array lambda) lambda_t = 0.
    auto ends_episode = [&](Index t, Index b) -> bool {
      if constexpr (std::is_arithmetic_v<Lambda>)
        return d.coeff(t, b) == S(0);
      else
        return d.coeff(t, b) == S(0) || lambda_at(t, b) == S(0);
    };
    detail::vtrace_kernel("vtrace", values.derived(), next_values.derived(), rewards.derived(), d,
                          rhos.derived(), lambda_at, ends_episode, clip_rho, clip_c,
                          out_vs.derived(), out_pg_advantages.derived());
  }
}

}  // namespace detail

/// V-trace targets and policy-gradient advantages (Espeholt et al. 2018,
/// "IMPALA", arXiv:1802.01561, section 4; rlax `vtrace` /
/// `vtrace_td_error_and_advantage`), general form, with V_t = values(t),
/// N_t = next_values(t), rb_t = min(clip_rho, rho_t), c_t = lambda_t * min(clip_c, rho_t):
///   vs_t = V_t + rb_t * (r_t + discount_t * N_t - V_t)
///              + discount_t * c_t * (vs_{t+1} - V_{t+1}),     (the last term is 0 at t = T-1)
///   pg_t = rb_t * (r_t + discount_t * vs'_{t+1} - V_t),
///   vs'_{t+1} = vs_{t+1} inside an episode; N_t at t = T-1 and at an episode end.
/// An episode end is a step with discount_t = 0 or, when lambda is an array,
/// lambda_t = 0 (a truncation: lambda_t = lambda*(1-done_t)). So nothing
/// crosses into the next episode: the correction and the advantage bootstrap
/// from that step's next value. A scalar lambda marks no ends (rlax: with
/// lambda = 0, pg still uses vs_{t+1}). clip_rho and clip_c must be >= 0
/// (infinity: no clipping). With rhos = 1, clips >= 1 and N_t = V_{t+1} inside
/// episodes, vs = lambda_returns(rewards, discounts, next_values, lambda).
template <class Values, class NextValues, class Rewards, class Discounts, class Rhos,
          class Lambda, class OutVs, class OutPg>
requires detail::LambdaArgument<Lambda> && detail::WritableDense<OutVs> &&
    detail::WritableDense<OutPg>
void vtrace(const Eigen::DenseBase<Values>& values,
            const Eigen::DenseBase<NextValues>& next_values,
            const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Discounts>& discounts,
            const Eigen::DenseBase<Rhos>& rhos, const Lambda& lambda,
            std::type_identity_t<typename Rewards::Scalar> clip_rho,
            std::type_identity_t<typename Rewards::Scalar> clip_c, OutVs&& out_vs,
            OutPg&& out_pg_advantages) {
  detail::vtrace_phases<true, true>(values, next_values, rewards, discounts, rhos, lambda,
                                    clip_rho, clip_c, std::forward<OutVs>(out_vs),
                                    std::forward<OutPg>(out_pg_advantages));
}

/// The two outputs of the allocating vtrace.
template <class Plain>
struct VtraceResult {
  Plain vs;             ///< v-trace targets v_s
  Plain pg_advantages;  ///< policy-gradient advantages rb_t * (r_t + discount_t * vs'_{t+1} - V_t)
};

/// Allocating form of vtrace; clip_rho and clip_c default to 1 (the paper's choice).
template <class Values, class NextValues, class Rewards, class Discounts, class Rhos,
          class Lambda>
requires detail::LambdaArgument<Lambda>
VtraceResult<typename Rewards::PlainObject> vtrace(
    const Eigen::DenseBase<Values>& values, const Eigen::DenseBase<NextValues>& next_values,
    const Eigen::DenseBase<Rewards>& rewards, const Eigen::DenseBase<Discounts>& discounts,
    const Eigen::DenseBase<Rhos>& rhos, const Lambda& lambda,
    std::type_identity_t<typename Rewards::Scalar> clip_rho = 1,
    std::type_identity_t<typename Rewards::Scalar> clip_c = 1) {
  VtraceResult<typename Rewards::PlainObject> result{detail::plain_like(rewards),
                                                     detail::plain_like(rewards)};
  vtrace(values, next_values, rewards, discounts, rhos, lambda, clip_rho, clip_c, result.vs,
         result.pg_advantages);
  return result;
}

// Flags forms (TorchRL / Gymnasium terminated and truncated, scalar gamma and
// lambda): the general forms with discount_t = gamma * (1 - terminated_t) and
// lambda_t = lambda * (1 - (terminated_t or truncated_t)). A truncated step
// bootstraps from its next value and cuts the trace; a terminated one does
// not bootstrap. Flags come right after the value arrays.

/// importance_corrected_td_errors, flags form.
template <class Rewards, class Rhos, class Values, class NextValues, class Terminated,
          class Truncated, class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void importance_corrected_td_errors(const Eigen::DenseBase<Rewards>& rewards,
                                    const Eigen::DenseBase<Rhos>& rhos,
                                    const Eigen::DenseBase<Values>& values,
                                    const Eigen::DenseBase<NextValues>& next_values,
                                    const Eigen::DenseBase<Terminated>& terminated,
                                    const Eigen::DenseBase<Truncated>& truncated,
                                    std::type_identity_t<typename Rewards::Scalar> gamma,
                                    std::type_identity_t<typename Rewards::Scalar> lambda,
                                    Out&& out) {
  using S = typename Rewards::Scalar;
  constexpr const char* where = "importance_corrected_td_errors";
  check_unit_interval(where, "gamma", gamma);
  check_unit_interval(where, "lambda", lambda);
  detail::check_flags(where, terminated, truncated, rewards.rows(), rewards.cols());
  importance_corrected_td_errors(rewards, detail::flag_discounts<S>(terminated, gamma), rhos,
                                 values, next_values,
                                 detail::flag_lambdas<S>(terminated, truncated, lambda),
                                 std::forward<Out>(out));
}

/// retrace_returns, flags form.
template <class Rewards, class ExpectedNextQ, class NextQTaken, class NextRhos, class Terminated,
          class Truncated, class Out>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<Out>
void retrace_returns(const Eigen::DenseBase<Rewards>& rewards,
                     const Eigen::DenseBase<ExpectedNextQ>& expected_next_q,
                     const Eigen::DenseBase<NextQTaken>& next_q_taken,
                     const Eigen::DenseBase<NextRhos>& next_rhos,
                     const Eigen::DenseBase<Terminated>& terminated,
                     const Eigen::DenseBase<Truncated>& truncated,
                     std::type_identity_t<typename Rewards::Scalar> gamma,
                     std::type_identity_t<typename Rewards::Scalar> lambda, Out&& out) {
  using S = typename Rewards::Scalar;
  constexpr const char* where = "retrace_returns";
  check_unit_interval(where, "gamma", gamma);
  check_unit_interval(where, "lambda", lambda);
  detail::check_flags(where, terminated, truncated, rewards.rows(), rewards.cols());
  retrace_returns(rewards, detail::flag_discounts<S>(terminated, gamma), expected_next_q,
                  next_q_taken, next_rhos, detail::flag_lambdas<S>(terminated, truncated, lambda),
                  std::forward<Out>(out));
}

namespace detail {

/// The flags-form vtrace in two phases: kCheck runs every check (shapes,
/// parameters, entries), kCompute the recursion on checked arguments.
template <bool kCheck, bool kCompute, class Values, class NextValues, class Rewards,
          class Terminated, class Truncated, class Rhos, class OutVs, class OutPg>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<OutVs> &&
    detail::WritableDense<OutPg>
void vtrace_phases(const Eigen::DenseBase<Values>& values,
                   const Eigen::DenseBase<NextValues>& next_values,
                   const Eigen::DenseBase<Rewards>& rewards,
                   const Eigen::DenseBase<Terminated>& terminated,
                   const Eigen::DenseBase<Truncated>& truncated,
                   const Eigen::DenseBase<Rhos>& rhos,
                   std::type_identity_t<typename Rewards::Scalar> gamma,
                   std::type_identity_t<typename Rewards::Scalar> lambda,
                   std::type_identity_t<typename Rewards::Scalar> clip_rho,
                   std::type_identity_t<typename Rewards::Scalar> clip_c, OutVs&& out_vs,
                   OutPg&& out_pg_advantages) {
  using S = typename Rewards::Scalar;
  if constexpr (kCheck) {
    detail::require_same_scalar<Rewards, Values, NextValues, Rhos, OutVs, OutPg>();
    constexpr const char* where = "vtrace";
    const Index T = rewards.rows(), B = rewards.cols();
    check_unit_interval(where, "gamma", gamma);
    check_unit_interval(where, "lambda", lambda);
    detail::check_clip(where, "clip_rho", clip_rho);
    detail::check_clip(where, "clip_c", clip_c);
    detail::check_shape(where, "values", values, T, B);
    detail::check_shape(where, "next_values", next_values, T, B);
    detail::check_flags(where, terminated, truncated, T, B);
    detail::check_shape(where, "rhos", rhos, T, B);
    detail::check_shape(where, "out_vs", out_vs, T, B);
    detail::check_shape(where, "out_pg_advantages", out_pg_advantages, T, B);
    detail::check_all_finite(where, "rewards", rewards);
    detail::check_all_finite(where, "values", values);
    detail::check_all_finite(where, "next_values", next_values);
    detail::check_all_ratios(where, "rhos", rhos);
  }
  if constexpr (kCompute) {
    const auto& term = terminated.derived();
    const auto& trunc = truncated.derived();
    const auto d = detail::flag_discounts<S>(terminated, gamma);
    auto lambda_at = [&](Index t, Index b) -> S {
      return (term.coeff(t, b) || trunc.coeff(t, b)) ? S(0) : lambda;
    };
    auto ends_episode = [&](Index t, Index b) -> bool {
      return term.coeff(t, b) || trunc.coeff(t, b);
    };
    detail::vtrace_kernel("vtrace", values.derived(), next_values.derived(), rewards.derived(), d,
                          rhos.derived(), lambda_at, ends_episode, clip_rho, clip_c,
                          out_vs.derived(), out_pg_advantages.derived());
  }
}

}  // namespace detail

/// vtrace, flags form: an episode ends exactly where terminated or truncated
/// is set (whatever lambda is), and the correction and the advantage
/// bootstrap from that step's next value.
template <class Values, class NextValues, class Rewards, class Terminated, class Truncated,
          class Rhos, class OutVs, class OutPg>
requires std::is_same_v<typename Terminated::Scalar, bool> &&
    std::is_same_v<typename Truncated::Scalar, bool> && detail::WritableDense<OutVs> &&
    detail::WritableDense<OutPg>
void vtrace(const Eigen::DenseBase<Values>& values,
            const Eigen::DenseBase<NextValues>& next_values,
            const Eigen::DenseBase<Rewards>& rewards,
            const Eigen::DenseBase<Terminated>& terminated,
            const Eigen::DenseBase<Truncated>& truncated, const Eigen::DenseBase<Rhos>& rhos,
            std::type_identity_t<typename Rewards::Scalar> gamma,
            std::type_identity_t<typename Rewards::Scalar> lambda,
            std::type_identity_t<typename Rewards::Scalar> clip_rho,
            std::type_identity_t<typename Rewards::Scalar> clip_c, OutVs&& out_vs,
            OutPg&& out_pg_advantages) {
  detail::vtrace_phases<true, true>(values, next_values, rewards, terminated, truncated, rhos,
                                    gamma, lambda, clip_rho, clip_c, std::forward<OutVs>(out_vs),
                                    std::forward<OutPg>(out_pg_advantages));
}

}  // namespace rlvalue
