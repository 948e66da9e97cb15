#pragma once
/// @file
/// Step sizes shared by every learner: a constant alpha, or a per-visit
/// schedule alpha_n = step_size / n^omega with n the number of visits of the
/// state (state-value learners) or state-action pair (action-value learners),
/// this visit included. omega = 1 with step_size = 1 gives sample averages
/// (alpha_n = 1/n, Sutton & Barto 2nd ed. section 2.4); omega in (1/2, 1]
/// satisfies the Robbins-Monro conditions (sum alpha = inf, sum alpha^2 < inf).
///
/// Learner configs carry the three fields `.step_size`, `.schedule`, `.omega`;
/// the learner builds one StepSize from them. Visit counts are allocated once,
/// at construction, and only for the per-visit schedule (which therefore needs
/// an approximator over a finite state space); an update never allocates.

#include <cmath>
#include <concepts>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// How a learner's step size evolves.
enum class StepSchedule {
  constant,   ///< alpha = step_size on every update
  per_visit,  ///< alpha_n = step_size / n^omega, n = visits including this one
};

/// A step-size schedule with its visit counts (one slot per state or per
/// state-action pair). `take(slot)` counts a visit and returns its alpha.
template <std::floating_point Scalar>
class StepSize {
 public:
  /// Validates step_size > 0 (finite), omega in (0, 1], a known schedule, and
  /// for per_visit num_slots >= 1 (the number of states or state-action
  /// pairs; 0 means the approximator has no finite state space). Messages name
  /// `where`, the parameter and its value.
  StepSize(std::string_view where, double step_size, StepSchedule schedule, double omega,
           Index num_slots)
      : schedule_(schedule) {
    check_positive(where, "step_size", step_size);
    if (!(omega > 0.0 && omega <= 1.0)) [[unlikely]]
      fail_check(where, "omega", omega, "is outside (0, 1]");
    if (schedule != StepSchedule::constant && schedule != StepSchedule::per_visit) [[unlikely]]
      fail_check(where, "schedule", static_cast<int>(schedule), "is not a StepSchedule");
    if (schedule == StepSchedule::per_visit) {
      if (num_slots < 1) [[unlikely]]
        throw std::invalid_argument(
            std::string(where) +
            ": schedule = per_visit needs an approximator over a finite state space "
            "(one with num_states())");
      counts_.assign(static_cast<std::size_t>(num_slots), Index(0));
    }
    step_size_ = static_cast<Scalar>(step_size);
    if (!(step_size_ > Scalar(0) && std::isfinite(step_size_))) [[unlikely]]
      fail_check(where, "step_size", step_size, "is not positive and finite in the scalar type used");
    omega_ = static_cast<Scalar>(omega);
    omega_is_one_ = omega == 1.0;
  }

  /// The alpha the next visit of `slot` would get, without counting it.
  Scalar peek(Index slot) const noexcept {
    if (schedule_ == StepSchedule::constant) return step_size_;
    return alpha_for(counts_[static_cast<std::size_t>(slot)] + 1);
  }

  /// Counts one visit of `slot` and returns its alpha (step_size for the
  /// constant schedule, step_size / n^omega for per_visit). `slot` must be
  /// in range (learners check their states and actions first).
  Scalar take(Index slot) noexcept {
    if (schedule_ == StepSchedule::constant) return step_size_;
    return alpha_for(++counts_[static_cast<std::size_t>(slot)]);
  }

  /// Takes back the visit take(slot) counted (an update that threw after
  /// taking its step size), so a throwing update changes nothing.
  void untake(Index slot) noexcept {
    if (schedule_ != StepSchedule::constant) --counts_[static_cast<std::size_t>(slot)];
  }

  /// take(slot), then step(alpha); if step throws, the visit is taken back.
  template <class Step>
  void take_and_apply(Index slot, Step&& step) {
    const Scalar alpha = take(slot);
    try {
      step(alpha);
    } catch (...) {
      untake(slot);
      throw;
    }
  }

  /// Visits counted in `slot` (always 0 under the constant schedule).
  Index visits(Index slot) const noexcept {
    return counts_.empty() ? Index(0) : counts_[static_cast<std::size_t>(slot)];
  }

  /// All visit counts (empty under the constant schedule).
  const std::vector<Index>& counts() const noexcept { return counts_; }
  /// Sets every visit count back to 0 (restarts the schedule).
  void reset_counts() noexcept {
    for (Index& c : counts_) c = 0;
  }

  /// The schedule: constant or per-visit.
  StepSchedule schedule() const noexcept { return schedule_; }
  /// alpha (constant) or the scale of alpha_n = step_size / n^omega.
  Scalar step_size() const noexcept { return step_size_; }
  /// Exponent omega of the per-visit schedule.
  Scalar omega() const noexcept { return omega_; }

 private:
  Scalar alpha_for(Index n) const noexcept {
    const Scalar count = static_cast<Scalar>(n);
    return omega_is_one_ ? step_size_ / count : step_size_ / std::pow(count, omega_);
  }

  StepSchedule schedule_;
  bool omega_is_one_ = true;
  Scalar step_size_ = Scalar(0);
  Scalar omega_ = Scalar(1);
  std::vector<Index> counts_;
};

}  // namespace rlvalue
