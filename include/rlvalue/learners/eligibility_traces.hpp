#pragma once
// Eligibility traces over an approximator's flat parameter vector, shared by
// the trace learners (TDLambda, TrueOnlineTDLambda, SarsaLambda,
// TrueOnlineSarsaLambda, QLambda, OffPolicyQLambda). Sutton & Barto 2nd ed.
// chapter 12:
//   accumulating  z = gamma*lambda*z + x                        (eq. 12.5)
//   replacing     z = gamma*lambda*z; z_i = 1 where x_i = 1     (binary x, 12.3)
//   dutch         z = gamma*lambda*z + (1 - alpha*gamma*lambda*z.x) x  (eq. 12.11)
// The learners decay first (z = c*z), then add the gradient x, so the dutch
// coefficient is 1 - alpha * (decayed z).x.
//
// Two storages with one interface:
//   DenseTrace<Scalar>   a dense vector of all parameters; a step costs O(P);
//   SparseTrace<Scalar>  only the non-zero entries (an active list over a
//                        dense value array, allocated once); decay drops
//                        entries whose magnitude falls below `tolerance`,
//                        so a step costs O(active entries), not O(P).
// Neither allocates after construction, except on the guarded path below.
//
// Overflow: a learner runs each step through guarded_step with bounds on the
// trace after the step and on the largest change of one weight, built from
// bound() (an upper bound on max |z_i| kept by guarded steps). Within the
// limits of core/overflow.hpp the step provably writes only finite values
// and runs in place; near the edge of the range it runs on copies of the
// trace and the weights, and is kept only if every value is finite (else
// std::invalid_argument, and nothing changes).

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "rlvalue/approx/gradient.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/overflow.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// The trace update of the TD(lambda)/SARSA(lambda) family.
enum class TraceType { accumulating, replacing, dutch };

namespace detail {
/// lambda after checking it lies in [0, 1].
inline double checked_lambda(std::string_view where, double lambda) {
  check_unit_interval(where, "lambda", lambda);
  return lambda;
}
/// step_size after checking it is positive and finite.
template <class Scalar>
Scalar checked_step_size(std::string_view where, double step_size) {
  return checked_positive_as<Scalar>(where, "step_size", step_size);
}
/// Validates a TraceType value; replacing traces need binary features.
inline void check_trace_type(std::string_view where, TraceType type, bool binary_features) {
  if (type != TraceType::accumulating && type != TraceType::replacing && type != TraceType::dutch)
    fail_check(where, "trace", static_cast<int>(type), "is not a TraceType");
  if (type == TraceType::replacing && !binary_features)
    fail_check(where, "trace", static_cast<int>(type),
               "(replacing) needs binary features (tabular, aggregation, tile coding)");
}

/// True if a step whose trace ends within trace_bound and whose largest
/// weight change is within step_bound provably writes only finite values
/// (false for inf or NaN bounds).
template <class Scalar>
constexpr bool trace_step_is_safe(Scalar trace_bound, Scalar step_bound) noexcept {
  return trace_bound <= safe_value_limit<Scalar>() && step_bound <= safe_step_limit<Scalar>();
}

/// The guarded path of Trace::guarded_step: runs `run` on copies of the trace
/// and of the weights w[0, z.size()), and keeps the result only if every
/// value is finite; otherwise throws std::invalid_argument naming the step
/// (`step_name` = `step`) or the trace, and z and w are unchanged. Allocates
/// the copies (this path runs only near the edge of the floating-point range).
template <class Trace, class Run>
[[gnu::noinline]] void checked_trace_step(std::string_view where, Trace& z, std::string_view step_name,
                                          typename Trace::scalar_type step,
                                          typename Trace::scalar_type* w, Run& run) {
  Trace trial = z;
  std::vector<typename Trace::scalar_type> weights(w, w + z.size());
  run(trial, weights.data());
  if (!trial.all_finite())
    fail_check(where, "eligibility trace", trial.max_abs(),
               "overflows (decay times the trace plus the features); nothing was updated");
  for (std::size_t i = 0; i < weights.size(); ++i)
    if (!std::isfinite(weights[i]))
      fail_check(where, step_name, step,
                 "times the eligibility trace overflows weight " + std::to_string(i) +
                     "; nothing was updated");
  trial.tighten_bound();
  z = std::move(trial);
  std::copy(weights.begin(), weights.end(), w);
}

/// The body of DenseTrace/SparseTrace::guarded_step: in place when the
/// bounds prove the step safe (then `bound` = trace_bound), else through
/// checked_trace_step.
template <class Trace, class Run>
void guarded_trace_step(std::string_view where, Trace& z, typename Trace::scalar_type& bound,
                        typename Trace::scalar_type trace_bound,
                        typename Trace::scalar_type step_bound, std::string_view step_name,
                        typename Trace::scalar_type step, typename Trace::scalar_type* w, Run& run) {
  if (trace_step_is_safe(trace_bound, step_bound)) [[likely]] {
    run(z, w);
    bound = trace_bound;
  } else {
    checked_trace_step(where, z, step_name, step, w, run);
  }
}
}  // namespace detail

/// A dense trace vector z of num_parameters entries.
template <class Scalar>
class DenseTrace {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// `tolerance` is unused (kept for a common constructor).
  explicit DenseTrace(Index num_parameters, double /*tolerance*/ = 0.0)
      : z_(Eigen::Matrix<Scalar, Eigen::Dynamic, 1>::Zero(num_parameters)) {}

  /// Number of trace entries (the parameter count).
  Index size() const noexcept { return z_.size(); }
  /// z(i).
  Scalar operator[](Index i) const noexcept { return z_[i]; }
  /// Number of entries a step touches (all of them).
  Index active_count() const noexcept { return z_.size(); }
  /// The trace vector z.
  const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>& values() const noexcept { return z_; }
  /// max |z_i| (0 for no entries; NaN propagates).
  Scalar max_abs() const noexcept {
    return z_.size() == 0 ? Scalar(0) : z_.cwiseAbs().template maxCoeff<Eigen::PropagateNaN>();
  }
  /// True if every z_i is finite.
  bool all_finite() const noexcept { return z_.allFinite(); }

  /// An upper bound on max |z_i|, kept by guarded_step (0 when cleared).
  Scalar bound() const noexcept { return bound_; }
  /// Sets bound() to the exact max |z_i| (one pass over the entries).
  void tighten_bound() noexcept { bound_ = max_abs(); }
  /// Runs run(*this, w), which changes this trace and the weights w[0,
  /// size()), given bounds on max |z_i| after the step and on the largest
  /// change of one weight. If the bounds prove every written value finite
  /// (core/overflow.hpp) the step runs in place and bound() becomes
  /// trace_bound; otherwise detail::checked_trace_step runs it on copies and
  /// keeps it only if all is finite (std::invalid_argument naming step_name =
  /// step otherwise; nothing changes).
  template <class Run>
  void guarded_step(std::string_view where, Scalar trace_bound, Scalar step_bound,
                    std::string_view step_name, Scalar step, Scalar* w, Run&& run) {
    detail::guarded_trace_step(where, *this, bound_, trace_bound, step_bound, step_name, step, w, run);
  }

  /// z = 0.
  void clear() noexcept {
    z_.setZero();
    bound_ = Scalar(0);
  }
  /// z = c * z.
  void decay(Scalar c) noexcept {
    if (c == Scalar(0))
      z_.setZero();
    else
      z_ *= c;
  }
  /// z += c * g.
  template <class G>
  void add(Scalar c, const G& g) noexcept { gradient_add(z_.data(), c, g); }
  /// z_i = 1 for the active indices of a binary gradient.
  void replace(const BinaryGradient& g) noexcept {
    for (Index i : g.active()) z_[i] = Scalar(1);
  }
  /// z . g.
  template <class G>
  Scalar dot(const G& g) const noexcept { return gradient_dot(g, z_.data()); }
  /// w += c * z for the flat parameter array w.
  void apply(Scalar c, Scalar* w) const noexcept {
    Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(w, z_.size()).noalias() += c * z_;
  }
  /// The accumulating-trace step fused into as few passes as possible:
  ///   z = c * z + g;  w += k * z.
  template <class G>
  void accumulate_apply(Scalar c, const G& g, Scalar k, Scalar* __restrict w) noexcept {
    const Index n = z_.size();
    Scalar* __restrict z = z_.data();  // the trace never aliases the weights
    if constexpr (std::is_same_v<G, BinaryGradient>) {
      if (c == Scalar(0)) {
        z_.setZero();
      } else {
        for (Index i = 0; i < n; ++i) {
          z[i] *= c;
          w[i] += k * z[i];
        }
      }
      for (Index i : g.active()) {
        z[i] += Scalar(1);
        w[i] += k;
      }
    } else {
      if (g.stride == 1 && g.offset == 0 && g.values.size() == n) {
        const Scalar* x = g.values.data();
        for (Index i = 0; i < n; ++i) {
          z[i] = c * z[i] + x[i];
          w[i] += k * z[i];
        }
      } else {
        decay(c);
        add(Scalar(1), g);
        apply(k, w);
      }
    }
  }
  /// The emphatic-TD step in one pass where it can:
  ///   z = r * (c * z + m * g);  w += k * z  (k = 0: w untouched).
  /// The same operations in the same order as decay(c), add(m, g),
  /// decay(r), apply(k, w), so the same values (up to the sign of a zero).
  template <class G>
  void emphatic_apply(Scalar c, Scalar m, const G& g, Scalar r, Scalar k,
                      Scalar* __restrict w) noexcept {
    if constexpr (!std::is_same_v<G, BinaryGradient>) {
      if (g.stride == 1 && g.offset == 0 && g.values.size() == z_.size()) {
        emphatic_apply_dense(c, m, g.values.data(), r, k, w);
        return;
      }
    }
    decay(c);
    add(m, g);
    decay(r);
    if (k != Scalar(0)) apply(k, w);
  }
  /// emphatic_apply with dense features x (size() values, e.g. read in place
  /// from the feature map), the same operations in the same order.
  void emphatic_apply_dense(Scalar c, Scalar m, const Scalar* x, Scalar r, Scalar k,
                            Scalar* __restrict w) noexcept {
    const Index n = z_.size();
    Scalar* __restrict z = z_.data();  // the trace never aliases the weights
    if (c != Scalar(0) && r != Scalar(0)) {
      if (k != Scalar(0)) {
        for (Index i = 0; i < n; ++i) {
          z[i] = (z[i] * c + m * x[i]) * r;
          w[i] += k * z[i];
        }
      } else {
        for (Index i = 0; i < n; ++i) z[i] = (z[i] * c + m * x[i]) * r;
      }
      return;
    }
    decay(c);
    Eigen::Map<Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(z, n) +=
        m * Eigen::Map<const Eigen::Matrix<Scalar, Eigen::Dynamic, 1>>(x, n);
    decay(r);
    if (k != Scalar(0)) apply(k, w);
  }

 private:
  Eigen::Matrix<Scalar, Eigen::Dynamic, 1> z_;
  Scalar bound_ = Scalar(0);
};

/// A sparse trace: the non-zero entries of z, dropped once |z_i| < tolerance.
template <class Scalar>
class SparseTrace {
 public:
  /// Scalar type (float or double).
  using scalar_type = Scalar;
  /// tolerance >= 0, finite (std::invalid_argument otherwise). Allocates the
  /// value array, the slot map and the active list (3 arrays of P).
  explicit SparseTrace(Index num_parameters, double tolerance = 1e-8)
      : values_(static_cast<std::size_t>(num_parameters), Scalar(0)),
        slot_(static_cast<std::size_t>(num_parameters), Index(-1)),
        tolerance_(static_cast<Scalar>(tolerance)) {
    if (!(tolerance >= 0.0 && std::isfinite(tolerance)))
      fail_check("SparseTrace", "tolerance", tolerance, "must be >= 0 and finite");
    active_.reserve(static_cast<std::size_t>(num_parameters));
  }

  /// Number of trace entries (the parameter count).
  Index size() const noexcept { return static_cast<Index>(values_.size()); }
  /// z_i.
  Scalar operator[](Index i) const noexcept { return values_[static_cast<std::size_t>(i)]; }
  /// Number of entries held (what a step costs).
  Index active_count() const noexcept { return static_cast<Index>(active_.size()); }
  /// The indices held, in no particular order.
  const std::vector<Index>& active() const noexcept { return active_; }
  /// max |z_i| over the held entries (0 if none; NaN propagates).
  Scalar max_abs() const noexcept {
    Scalar m = Scalar(0);
    for (Index i : active_) {
      const Scalar a = std::abs(values_[static_cast<std::size_t>(i)]);
      if (!(a <= m)) m = a;
      if (std::isnan(m)) return m;
    }
    return m;
  }
  /// True if every held z_i is finite.
  bool all_finite() const noexcept {
    for (Index i : active_)
      if (!std::isfinite(values_[static_cast<std::size_t>(i)])) return false;
    return true;
  }

  /// As DenseTrace::bound().
  Scalar bound() const noexcept { return bound_; }
  /// As DenseTrace::tighten_bound() (a pass over the held entries).
  void tighten_bound() noexcept { bound_ = max_abs(); }
  /// As DenseTrace::guarded_step().
  template <class Run>
  void guarded_step(std::string_view where, Scalar trace_bound, Scalar step_bound,
                    std::string_view step_name, Scalar step, Scalar* w, Run&& run) {
    detail::guarded_trace_step(where, *this, bound_, trace_bound, step_bound, step_name, step, w, run);
  }

  /// z = 0 (cost follows the nonzero entries).
  void clear() noexcept {
    for (Index i : active_) {
      values_[static_cast<std::size_t>(i)] = Scalar(0);
      slot_[static_cast<std::size_t>(i)] = -1;
    }
    active_.clear();
    bound_ = Scalar(0);
  }
  /// z = c * z, dropping entries with |z_i| < tolerance.
  void decay(Scalar c) noexcept {
    if (c == Scalar(0)) {
      clear();
      return;
    }
    std::size_t k = 0;
    while (k < active_.size()) {
      const auto i = static_cast<std::size_t>(active_[k]);
      values_[i] *= c;
      if (std::abs(values_[i]) < tolerance_)
        remove_at(k);
      else
        ++k;
    }
  }
  /// z += c * g (binary g).
  void add(Scalar c, const BinaryGradient& g) noexcept {
    for (Index i : g.active()) entry(i) += c;
  }
  /// z_i = 1 for the active indices of g.
  void replace(const BinaryGradient& g) noexcept {
    for (Index i : g.active()) entry(i) = Scalar(1);
  }
  /// z . g for binary features.
  Scalar dot(const BinaryGradient& g) const noexcept { return gradient_dot(g, values_.data()); }
  /// w += c * z over the held entries.
  void apply(Scalar c, Scalar* w) const noexcept {
    for (Index i : active_) w[i] += c * values_[static_cast<std::size_t>(i)];
  }
  /// z = c * z (dropping entries below the tolerance) and w += k * z over
  /// the entries kept, in one pass; then z += g and w += k * g.
  void accumulate_apply(Scalar c, const BinaryGradient& g, Scalar k, Scalar* w) noexcept {
    if (c == Scalar(0)) {
      clear();
    } else {
      std::size_t j = 0;
      while (j < active_.size()) {
        const Index i = active_[j];
        Scalar& zi = values_[static_cast<std::size_t>(i)];
        zi *= c;
        if (std::abs(zi) < tolerance_) {
          remove_at(j);
        } else {
          w[i] += k * zi;
          ++j;
        }
      }
    }
    for (Index i : g.active()) {
      entry(i) += Scalar(1);
      w[i] += k;
    }
  }

 private:
  // Drops active_[k] (its value and slot), moving the last entry into place.
  void remove_at(std::size_t k) noexcept {
    const auto i = static_cast<std::size_t>(active_[k]);
    values_[i] = Scalar(0);
    slot_[i] = -1;
    const Index last = active_.back();
    active_[k] = last;
    if (last != static_cast<Index>(i)) slot_[static_cast<std::size_t>(last)] = static_cast<Index>(k);
    active_.pop_back();
  }
  Scalar& entry(Index i) noexcept {
    const auto k = static_cast<std::size_t>(i);
    if (slot_[k] < 0) {
      slot_[k] = static_cast<Index>(active_.size());
      active_.push_back(i);  // capacity reserved: never reallocates
    }
    return values_[k];
  }

  std::vector<Scalar> values_;
  std::vector<Index> slot_;
  std::vector<Index> active_;
  Scalar tolerance_;
  Scalar bound_ = Scalar(0);
};

namespace detail {

/// Upper bound on max |z_i| after a trace step from a trace with max |z_i|
/// <= zb: decay c, then add the gradient (|g| summed: g_sum) by the rule of
/// `type` (dutch coefficient 1 - alpha * z.g, |z.g| <= c * zb * g_sum).
template <class Scalar>
Scalar trace_bound_after(Scalar zb, TraceType type, Scalar c, Scalar alpha, Scalar g_sum) noexcept {
  const Scalar decayed = std::abs(c) * zb;
  switch (type) {
    case TraceType::replacing:
      return std::max(decayed, Scalar(1));
    case TraceType::dutch:
      return decayed + (Scalar(1) + alpha * decayed * g_sum) * g_sum;
    case TraceType::accumulating:
      break;
  }
  return decayed + g_sum;
}

/// The trace rule of TD(lambda) / SARSA(lambda), unguarded: decay by `decay`
/// (gamma*lambda), add the gradient x by the rule of `type` (dutch uses
/// alpha), then w += k * z (k = alpha * delta).
template <class Trace, class G, class Scalar>
void trace_rule(Trace& z, TraceType type, Scalar decay, Scalar alpha, const G& x, Scalar k,
                Scalar* w) noexcept {
  switch (type) {
    case TraceType::accumulating:
      z.accumulate_apply(decay, x, k, w);
      return;
    case TraceType::replacing:
      z.decay(decay);
      if constexpr (std::is_same_v<G, BinaryGradient>) z.replace(x);
      break;
    case TraceType::dutch:
      z.decay(decay);
      z.add(Scalar(1) - alpha * z.dot(x), x);
      break;
  }
  z.apply(k, w);
}

/// One guarded trace step (trace_rule through Trace::guarded_step): never
/// writes a non-finite weight or trace entry; throws std::invalid_argument
/// naming step_size * td_error (k) if the step would overflow, changing
/// nothing.
template <class Trace, class G, class Scalar>
void trace_step(std::string_view where, Trace& z, TraceType type, Scalar decay, Scalar alpha,
                const G& x, Scalar k, Scalar* w) {
  const Scalar tb = trace_bound_after(z.bound(), type, decay, alpha, gradient_abs_sum<Scalar>(x));
  z.guarded_step(where, tb, std::abs(k) * tb, "step_size * td_error", k, w,
                 [&](Trace& t, Scalar* wt) { trace_rule(t, type, decay, alpha, x, k, wt); });
}

}  // namespace detail

}  // namespace rlvalue
