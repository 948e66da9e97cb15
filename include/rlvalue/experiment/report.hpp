#pragma once
/// @file
/// Reporting a reproduction: each check prints the expected outcome beside the
/// measured one and PASS or FAIL; the example exits with exit_code().
///
///   Report report("random_walk");
///   report.check_less("RMS error of TD(0) alpha=0.05 after 100 episodes",
///                     measured, 0.08);
///   return report.exit_code();

#include <cmath>
#include <cstdio>
#include <iostream>
#include <ostream>
#include <string>
#include <string_view>
#include <utility>

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// A number in at most `digits` significant digits ("0.0523", "1.2e-05").
inline std::string format_number(double value, int digits = 4) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*g", digits, value);
  return buf;
}

/// Collects the checks of one example and prints them to `out`:
/// @verbatim
///   [random_walk] <what>
///     expected: <expected>
///     measured: <measured>
///     PASS
/// @endverbatim
class Report {
 public:
  /// A report for example `name`, printed to `out`.
  explicit Report(std::string name, std::ostream& out = std::cout)
      : name_(std::move(name)), out_(&out) {}

  /// Records and prints one check; returns `pass`.
  bool check(std::string_view what, std::string_view expected, std::string_view measured,
             bool pass) {
    ++checks_;
    if (!pass) ++failures_;
    *out_ << '[' << name_ << "] " << what << "\n  expected: " << expected
          << "\n  measured: " << measured << "\n  " << (pass ? "PASS" : "FAIL") << '\n';
    return pass;
  }

  /// Passes when measured < bound.
  bool check_less(std::string_view what, double measured, double bound) {
    return check(what, "< " + format_number(bound), format_number(measured), measured < bound);
  }
  /// Passes when measured > bound.
  bool check_greater(std::string_view what, double measured, double bound) {
    return check(what, "> " + format_number(bound), format_number(measured), measured > bound);
  }
  /// Passes when |measured - target| <= tolerance.
  bool check_near(std::string_view what, double measured, double target, double tolerance) {
    return check(what, format_number(target) + " +- " + format_number(tolerance),
                 format_number(measured), std::abs(measured - target) <= tolerance);
  }

  /// Number of checks made.
  Index checks() const noexcept { return checks_; }
  /// Number of checks that failed.
  Index failures() const noexcept { return failures_; }
  /// True if no check failed (the example then exits 0).
  bool all_passed() const noexcept { return failures_ == 0; }

  /// Prints "[name] k/n checks passed" and returns 0 if every check passed,
  /// 1 otherwise.
  int exit_code() const {
    *out_ << '[' << name_ << "] " << (checks_ - failures_) << '/' << checks_
          << " checks passed\n";
    return all_passed() ? 0 : 1;
  }

 private:
  std::string name_;
  std::ostream* out_;
  Index checks_ = 0;
  Index failures_ = 0;
};

}  // namespace rlvalue
