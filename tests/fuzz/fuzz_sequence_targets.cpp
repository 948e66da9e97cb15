// Fuzz harness: the (T x B) sequence targets of targets/ (lambda_returns,
// discounted_returns, n_step_returns with and without lambda, gae,
// td/sarsa/q_lambda_errors, retrace_returns, vtrace,
// importance_corrected_td_errors), general and flags forms, float and
// double, column-major and row-major inputs and outputs, on random shapes
// (T <= 40, B <= 20: B >= 16 takes the fused row strategy of the affine
// scan), flags, discounts, lambdas (a number or an array), n, clips and
// values including inf, NaN, denormals and the largest finite numbers.
//
// Invariants (a violation aborts):
// - invalid input (a shape differing from rewards', a non-finite value, a
//   discount / lambda / gamma outside [0, 1], a negative or non-finite ratio,
//   n < 1, a negative clip) throws std::invalid_argument;
// - valid input throws nothing when no result can overflow (every |value|
//   times the worst growth of the recursion stays below the largest finite
//   number / 64), and whenever a call returns on finite input, every output
//   is finite;
// - a call that throws leaves only finite numbers in its outputs, and the
//   functions that check everything first (n_step_returns, the lambda
//   errors, retrace, vtrace, importance-corrected errors) leave them
//   untouched unless the failure is an overflow;
// - column-major, row-major and mixed storage agree (to a rounding bound
//   stated in `agree`: 16 eps (T+2)^2 times the magnitudes involved) and
//   throw alike when no overflow is possible;
// - the flags form equals the general form fed discount_t = gamma*(1-terminated_t)
//   and lambda_t = lambda*(1-(terminated_t or truncated_t)) (lambda = 1 for
//   discounted and n-step returns, compared with lambda_returns and the
//   lambda n-step form; for vtrace when gamma > 0 and lambda > 0, where both
//   mark the same episode ends).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <string>

#include "fuzz/fuzz_input.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/lambda_errors.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/returns.hpp"

namespace {

using rlvalue_fuzz::CallResult;
using rlvalue_fuzz::FuzzInput;
using rlvalue_fuzz::fuzz_check;
using rlvalue_fuzz::Index;
using rlvalue_fuzz::Outcome;

enum Fn : int {
  kLambdaReturns,
  kDiscounted,
  kNStep,
  kNStepLambda,
  kGae,
  kTdLambdaErrors,
  kSarsaLambdaErrors,
  kQLambdaErrors,
  kRetrace,
  kVtrace,
  kImportance,
  kNumFns
};
const char* const kNames[kNumFns] = {"lambda_returns",     "discounted_returns",
                                     "n_step_returns",     "n_step_returns(lambda)",
                                     "gae",                "td_lambda_errors",
                                     "sarsa_lambda_errors", "q_lambda_errors",
                                     "retrace_returns",    "vtrace",
                                     "importance_corrected_td_errors"};

// The arrays a call may take; `kBad*` names the one given a wrong shape.
enum Arg : int { kV, kNv, kD, kL, kRho, kEq, kTerm, kTrunc, kOut, kOut2, kNumArgs, kNone = -1 };

template <class S, int Order>
struct Arrays {
  using A = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, Order>;
  using F = Eigen::Array<bool, Eigen::Dynamic, Eigen::Dynamic, Order>;
  A r, v, nv, d, l, rho, eq;
  F term, trunc;
};

/// Everything one fuzz input describes.
template <class S>
struct Case {
  using Col = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic>;
  Fn fn = kLambdaReturns;
  bool flags_form = false;
  bool lambda_is_array = false;
  Index T = 0, B = 0;
  int bad = kNone;           // argument with a wrong shape
  Index bad_rows = 0, bad_cols = 0;
  Arrays<S, Eigen::ColMajor> in;
  S gamma = 0, lambda = 0, clip_rho = 1, clip_c = 1;
  Index n = 1;
};

template <class S>
typename Case<S>::Col fill(FuzzInput& in, Index rows, Index cols, int kind) {
  typename Case<S>::Col a(rows, cols);
  for (Index b = 0; b < cols; ++b)
    for (Index t = 0; t < rows; ++t)
      a(t, b) = kind == 0 ? in.scalar<S>() : kind == 1 ? in.unit<S>() : in.ratio<S>();
  return a;
}

template <class S>
Case<S> read_case(FuzzInput& in) {
  Case<S> c;
  c.fn = static_cast<Fn>(in.byte() % kNumFns);
  const std::uint8_t mode = in.byte();
  c.flags_form = (mode & 1u) != 0;
  c.lambda_is_array = (mode & 2u) != 0;
  c.T = in.in_range(0, 40);
  c.B = in.in_range(0, 20);
  const std::uint8_t bad = in.byte();
  if (bad >= 236) {  // about 1 in 13: one argument gets another shape
    c.bad = bad % kNumArgs;
    const std::uint8_t how = in.byte();
    c.bad_rows = std::max<Index>(0, c.T + (how % 3) - 1);
    c.bad_cols = std::max<Index>(0, c.B + ((how / 3) % 3) - 1);
    if (c.bad_rows == c.T && c.bad_cols == c.B) c.bad_rows = c.T + 1;
  }
  c.gamma = in.unit<S>();
  c.lambda = in.unit<S>();
  c.clip_rho = in.flag() ? S(1) : in.scalar<S>();
  c.clip_c = in.flag() ? S(1) : in.scalar<S>();
  c.n = static_cast<Index>(static_cast<std::int8_t>(in.byte()));
  auto shape = [&](int arg, Index& rows, Index& cols) {
    rows = c.bad == arg ? c.bad_rows : c.T;
    cols = c.bad == arg ? c.bad_cols : c.B;
  };
  auto& a = c.in;
  a.r = fill<S>(in, c.T, c.B, 0);
  Index rows, cols;
  shape(kNv, rows, cols);
  a.nv = fill<S>(in, rows, cols, 0);
  shape(kV, rows, cols);
  a.v = fill<S>(in, rows, cols, 0);
  shape(kD, rows, cols);
  a.d = fill<S>(in, rows, cols, 1);
  shape(kL, rows, cols);
  a.l = fill<S>(in, rows, cols, 1);
  shape(kRho, rows, cols);
  a.rho = fill<S>(in, rows, cols, 2);
  shape(kEq, rows, cols);
  a.eq = fill<S>(in, rows, cols, 0);
  shape(kTerm, rows, cols);
  a.term.resize(rows, cols);
  for (Index i = 0; i < a.term.size(); ++i) a.term(i) = in.byte() < 40;
  shape(kTrunc, rows, cols);
  a.trunc.resize(rows, cols);
  for (Index i = 0; i < a.trunc.size(); ++i) a.trunc(i) = in.byte() < 40;
  return c;
}

/// Which arrays a call reads (flags: the flags form; general_lambda_array:
/// the general form is given a lambda array).
struct Uses {
  bool v = false, nv = true, d = false, l = false, rho = false, eq = false, flags = false;
  bool lambda_scalar = false, gamma = false, n = false, clips = false, out2 = false;
  bool check_first = false;  // validates every input before writing any output
};

Uses uses_of(Fn fn, bool flags, bool lambda_array) {
  Uses u;
  u.flags = flags;
  u.gamma = flags;
  u.d = !flags;
  const bool takes_lambda = fn != kDiscounted && fn != kNStep;
  if (takes_lambda && !(flags && fn == kNStepLambda)) {
    if (flags || !lambda_array)
      u.lambda_scalar = true;
    else
      u.l = true;
  }
  switch (fn) {
    case kNStep:
    case kNStepLambda: u.n = true; u.check_first = true; break;
    case kGae: u.v = true; break;
    case kTdLambdaErrors:
    case kSarsaLambdaErrors:
    case kQLambdaErrors: u.v = true; u.check_first = true; break;
    case kRetrace: u.eq = true; u.rho = true; u.check_first = true; break;
    case kVtrace: u.v = true; u.rho = true; u.clips = true; u.out2 = true; u.check_first = true; break;
    case kImportance: u.v = true; u.rho = true; u.check_first = true; break;
    default: break;
  }
  return u;
}

template <class A>
bool all_unit(const A& a) {
  for (Index i = 0; i < a.size(); ++i)
    if (!(a(i) >= 0 && a(i) <= 1)) return false;
  return true;
}
template <class A>
bool all_ratios(const A& a) {
  for (Index i = 0; i < a.size(); ++i)
    if (!(a(i) >= 0 && std::isfinite(a(i)))) return false;
  return true;
}
template <class S>
bool unit_scalar(S x) {
  return x >= S(0) && x <= S(1);
}

/// Whether the case is valid input for its call, and log2 of a bound on the
/// largest magnitude any intermediate result can reach (to tell the calls
/// that cannot overflow).
template <class S>
struct Validity {
  bool valid = true;
  double log2_bound = 0;  // log2 of (max |value| + 1) * growth * (T + 2)
  double scale = 0;       // max |value| * growth: the size of the sums (tolerances)
};

template <class S>
Validity<S> validity(const Case<S>& c, const Uses& u) {
  Validity<S> out;
  const auto& a = c.in;
  bool ok = true;
  auto used_arg = [&](int arg) {
    switch (arg) {
      case kV: return u.v;
      case kNv: return u.nv;
      case kD: return u.d;
      case kL: return u.l;
      case kRho: return u.rho;
      case kEq: return u.eq;
      case kTerm:
      case kTrunc: return u.flags;
      case kOut: return true;
      case kOut2: return u.out2;
      default: return false;
    }
  };
  if (c.bad != kNone && used_arg(c.bad)) ok = false;
  ok = ok && rlvalue_fuzz::all_finite(a.r) && rlvalue_fuzz::all_finite(a.nv);
  if (u.v) ok = ok && rlvalue_fuzz::all_finite(a.v);
  if (u.eq) ok = ok && rlvalue_fuzz::all_finite(a.eq);
  if (u.d) ok = ok && all_unit(a.d);
  if (u.l) ok = ok && all_unit(a.l);
  if (u.rho) ok = ok && all_ratios(a.rho);
  if (u.lambda_scalar) ok = ok && unit_scalar(c.lambda);
  if (u.gamma) ok = ok && unit_scalar(c.gamma);
  if (u.n) ok = ok && c.n >= 1;
  if (u.clips) ok = ok && c.clip_rho >= S(0) && c.clip_c >= S(0);
  out.valid = ok;
  if (!ok) return out;
  double m = rlvalue_fuzz::max_abs(a.r) + rlvalue_fuzz::max_abs(a.nv);
  if (u.v) m += rlvalue_fuzz::max_abs(a.v);
  if (u.eq) m += rlvalue_fuzz::max_abs(a.eq);
  // Growth: a trace coefficient above 1 (vtrace, importance ratios) compounds over T steps.
  double per_step = 1.0;
  if (u.rho && c.fn != kRetrace) {
    double r = rlvalue_fuzz::max_abs(a.rho);
    if (c.fn == kVtrace)
      r = std::max(std::min(r, double(c.clip_c)), std::min(r, double(c.clip_rho)));
    per_step = std::max(1.0, r);
  }
  const double log2_growth = double(c.T + 1) * std::log2(per_step);
  out.log2_bound = std::log2(m + 1.0) + log2_growth + std::log2(double(c.T + 2)) + 2.0;
  out.scale = log2_growth < 900 ? m * std::exp2(log2_growth) : std::numeric_limits<double>::infinity();
  return out;
}

/// The result of one call: its outcome, outputs (column-major) and whether
/// an output entry changed.
template <class S>
struct Result {
  CallResult call;
  typename Case<S>::Col out, out2;
};

constexpr double kSentinel = 0.375;

/// Calls the case's function in its form with inputs stored in InOrder and
/// outputs in OutOrder. from_flags: the general form fed the flags' discounts
/// and lambdas (as an array; n-step: lambda_t = 1 - done_t).
template <class S, int InOrder, int OutOrder>
Result<S> run(const Case<S>& c, bool flags_form, bool from_flags) {
  using In = Arrays<S, InOrder>;
  using OutA = Eigen::Array<S, Eigen::Dynamic, Eigen::Dynamic, OutOrder>;
  In a;
  a.r = c.in.r;
  a.v = c.in.v;
  a.nv = c.in.nv;
  a.d = c.in.d;
  a.l = c.in.l;
  a.rho = c.in.rho;
  a.eq = c.in.eq;
  a.term = c.in.term;
  a.trunc = c.in.trunc;
  if (from_flags) {
    a.d = (S(1) - a.term.template cast<S>()) * c.gamma;
    // n-step and discounted returns: lambda_t = 1 - done_t (their flags forms).
    const S lam = (c.fn == kNStep || c.fn == kNStepLambda || c.fn == kDiscounted) ? S(1) : c.lambda;
    a.l = (S(1) - (a.term || a.trunc).template cast<S>()) * lam;
  }
  const bool bad_out = c.bad == kOut, bad_out2 = c.bad == kOut2;
  OutA out = OutA::Constant(bad_out ? c.bad_rows : c.T, bad_out ? c.bad_cols : c.B, S(kSentinel));
  OutA out2 =
      OutA::Constant(bad_out2 ? c.bad_rows : c.T, bad_out2 ? c.bad_cols : c.B, S(kSentinel));
  const S g = c.gamma, lam = c.lambda;
  const bool array_lambda = from_flags || c.lambda_is_array;
  // Calls f with the lambda argument of the general form (array or number).
  auto with_lambda = [&](auto f) {
    if (array_lambda)
      f(a.l);
    else
      f(lam);
  };
  Result<S> res;
  res.call = rlvalue_fuzz::call_rejecting([&] {
    if (flags_form) {
      switch (c.fn) {
        case kLambdaReturns: rlvalue::lambda_returns(a.r, a.nv, a.term, a.trunc, g, lam, out); break;
        case kDiscounted: rlvalue::discounted_returns(a.r, a.nv, a.term, a.trunc, g, out); break;
        case kNStep:
        case kNStepLambda: rlvalue::n_step_returns(a.r, a.nv, a.term, a.trunc, g, c.n, out); break;
        case kGae: rlvalue::gae(a.r, a.v, a.nv, a.term, a.trunc, g, lam, out); break;
        case kTdLambdaErrors:
          rlvalue::td_lambda_errors(a.r, a.v, a.nv, a.term, a.trunc, g, lam, out);
          break;
        case kSarsaLambdaErrors:
          rlvalue::sarsa_lambda_errors(a.r, a.v, a.nv, a.term, a.trunc, g, lam, out);
          break;
        case kQLambdaErrors:
          rlvalue::q_lambda_errors(a.r, a.v, a.nv, a.term, a.trunc, g, lam, out);
          break;
        case kRetrace:
          rlvalue::retrace_returns(a.r, a.eq, a.nv, a.rho, a.term, a.trunc, g, lam, out);
          break;
        case kVtrace:
          rlvalue::vtrace(a.v, a.nv, a.r, a.term, a.trunc, a.rho, g, lam, c.clip_rho, c.clip_c, out,
                          out2);
          break;
        case kImportance:
          rlvalue::importance_corrected_td_errors(a.r, a.rho, a.v, a.nv, a.term, a.trunc, g, lam,
                                                  out);
          break;
        default: break;
      }
      return;
    }
    switch (c.fn) {
      case kLambdaReturns:
        with_lambda([&](const auto& l) { rlvalue::lambda_returns(a.r, a.d, a.nv, l, out); });
        break;
      case kDiscounted:
        // Built from flags, a truncation needs lambda_t = 0: the lambda-return form.
        if (from_flags)
          rlvalue::lambda_returns(a.r, a.d, a.nv, a.l, out);
        else
          rlvalue::discounted_returns(a.r, a.d, a.nv, out);
        break;
      case kNStep:
        if (from_flags)
          rlvalue::n_step_returns(a.r, a.d, a.nv, c.n, a.l, out);
        else
          rlvalue::n_step_returns(a.r, a.d, a.nv, c.n, out);
        break;
      case kNStepLambda:
        with_lambda([&](const auto& l) { rlvalue::n_step_returns(a.r, a.d, a.nv, c.n, l, out); });
        break;
      case kGae:
        with_lambda([&](const auto& l) { rlvalue::gae(a.r, a.v, a.nv, a.d, l, out); });
        break;
      case kTdLambdaErrors:
        with_lambda([&](const auto& l) { rlvalue::td_lambda_errors(a.r, a.v, a.nv, a.d, l, out); });
        break;
      case kSarsaLambdaErrors:
        with_lambda(
            [&](const auto& l) { rlvalue::sarsa_lambda_errors(a.r, a.v, a.nv, a.d, l, out); });
        break;
      case kQLambdaErrors:
        with_lambda([&](const auto& l) { rlvalue::q_lambda_errors(a.r, a.v, a.nv, a.d, l, out); });
        break;
      case kRetrace:
        with_lambda(
            [&](const auto& l) { rlvalue::retrace_returns(a.r, a.d, a.eq, a.nv, a.rho, l, out); });
        break;
      case kVtrace:
        with_lambda([&](const auto& l) {
          rlvalue::vtrace(a.v, a.nv, a.r, a.d, a.rho, l, c.clip_rho, c.clip_c, out, out2);
        });
        break;
      case kImportance:
        with_lambda([&](const auto& l) {
          rlvalue::importance_corrected_td_errors(a.r, a.d, a.rho, a.v, a.nv, l, out);
        });
        break;
      default: break;
    }
  });
  res.out = out;
  res.out2 = out2;
  return res;
}

template <class S>
std::string where(const Case<S>& c, bool flags_form, const char* what) {
  std::string s = kNames[c.fn];
  s += flags_form ? " (flags form" : " (general form";
  s += sizeof(S) == 4 ? ", float, T=" : ", double, T=";
  s += std::to_string(c.T) + ", B=" + std::to_string(c.B) + "): " + what;
  return s;
}

/// Checks one call's result against the case's validity.
template <class S>
void check_result(const Case<S>& c, bool flags_form, const Uses& u, const Validity<S>& val,
                  const Result<S>& r) {
  const double log2_max = std::log2(double(std::numeric_limits<S>::max()));
  const bool cannot_overflow = val.valid && val.log2_bound < log2_max - 6.0;
  if (!val.valid) {
    fuzz_check(r.call.outcome == Outcome::invalid_argument,
               where(c, flags_form, "invalid input did not throw std::invalid_argument"));
  } else if (cannot_overflow) {
    fuzz_check(!r.call.threw(),
               where(c, flags_form, "valid input that cannot overflow threw: ") + r.call.message);
  }
  if (!r.call.threw()) {
    if (val.valid) {
      fuzz_check(rlvalue_fuzz::all_finite(r.out) && (!u.out2 || rlvalue_fuzz::all_finite(r.out2)),
                 where(c, flags_form, "finite input gave a non-finite output"));
    }
    return;
  }
  // Thrown: only finite values were written; check-first functions wrote nothing.
  fuzz_check(rlvalue_fuzz::all_finite(r.out) && rlvalue_fuzz::all_finite(r.out2),
             where(c, flags_form, "a throwing call left a non-finite output: ") + r.call.message);
  if (u.check_first && r.call.message.find("overflow") == std::string::npos) {
    fuzz_check((r.out == S(kSentinel)).all() && (r.out2 == S(kSentinel)).all(),
               where(c, flags_form, "a call that checks first wrote before throwing: ") +
                   r.call.message);
  }
}

/// Two results of one computation agree: both returned with outputs equal to
/// 16 eps (T+2)^2 (scale + |outputs|), or (when they may overflow) either threw.
template <class S>
void agree(const Case<S>& c, bool flags_form, const Validity<S>& val, const Result<S>& a,
           const Result<S>& b, const char* what) {
  const double log2_max = std::log2(double(std::numeric_limits<S>::max()));
  const bool cannot_overflow = val.valid && val.log2_bound < log2_max - 6.0;
  if (a.call.threw() || b.call.threw()) {
    if (cannot_overflow || !val.valid)
      fuzz_check(a.call.outcome == b.call.outcome,
                 where(c, flags_form, what) + std::string(": one threw, the other not: ") +
                     a.call.message + " / " + b.call.message);
    return;
  }
  if (!val.valid) return;
  const double eps = double(std::numeric_limits<S>::epsilon());
  const double t2 = double(c.T + 2) * double(c.T + 2);
  auto close = [&](const typename Case<S>::Col& x, const typename Case<S>::Col& y) {
    const double mag = val.scale + rlvalue_fuzz::max_abs(x) + rlvalue_fuzz::max_abs(y);
    const double tol = 16.0 * eps * t2 * mag + double(std::numeric_limits<S>::denorm_min());
    for (Index i = 0; i < x.size(); ++i)
      if (!(x(i) == y(i) || (std::isnan(x(i)) && std::isnan(y(i))) ||
            std::abs(double(x(i)) - double(y(i))) <= tol))
        return false;
    return true;
  };
  if (!(close(a.out, b.out) && close(a.out2, b.out2)))
    fuzz_check(false, where(c, flags_form, what) + "\n  first:  " + rlvalue_fuzz::show_all(a.out) +
                          "\n  second: " + rlvalue_fuzz::show_all(b.out));
}

template <class S>
void run_case(FuzzInput& in) {
  const Case<S> c = read_case<S>(in);
  const bool flags = c.flags_form;
  const Uses u = uses_of(c.fn, flags, c.lambda_is_array);
  const Validity<S> val = validity(c, u);
  const auto col = run<S, Eigen::ColMajor, Eigen::ColMajor>(c, flags, false);
  check_result(c, flags, u, val, col);
  const auto row = run<S, Eigen::RowMajor, Eigen::RowMajor>(c, flags, false);
  check_result(c, flags, u, val, row);
  agree(c, flags, val, col, row, "row-major result differs from column-major");
  const auto mixed = run<S, Eigen::ColMajor, Eigen::RowMajor>(c, flags, false);
  check_result(c, flags, u, val, mixed);
  agree(c, flags, val, col, mixed, "column-major inputs, row-major output differ");
  if (!flags || !val.valid || col.call.threw()) return;
  // The general form built from the flags gives the same.
  if (c.fn == kVtrace && !(c.gamma > S(0) && c.lambda > S(0))) return;
  // The built discounts and lambdas are valid and well shaped by construction.
  const auto built = run<S, Eigen::ColMajor, Eigen::ColMajor>(c, false, true);
  agree(c, true, val, col, built, "flags form differs from the general form built from the flags");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  FuzzInput in(data, size);
  if (in.flag())
    run_case<float>(in);
  else
    run_case<double>(in);
  return 0;
}
