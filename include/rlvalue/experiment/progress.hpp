#pragma once
/// @file
/// Progress of long runs on stderr, shown only when stderr is a terminal (so
/// logs and CI output stay clean): "random_walk: run 37/100".

#include <cstdio>
#include <ctime>
#include <string>
#include <utility>

#if defined(_WIN32)
#include <io.h>
#else
#include <unistd.h>
#endif

#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// True when stderr is a terminal.
inline bool stderr_is_terminal() {
#if defined(_WIN32)
  return _isatty(_fileno(stderr)) != 0;
#else
  return isatty(fileno(stderr)) != 0;
#endif
}

/// A progress callback for run_seeds (callable as (completed, total)) that
/// rewrites one stderr line "<label>: run k/n" at most every 0.1 s, and ends
/// it with a newline at k = n. Silent when `enabled` is false (by default:
/// when stderr is not a terminal). The 0.1 s are measured on the wall clock
/// of std::timespec_get (`<ctime>`, lighter to compile than C++20's `<chrono>`);
/// a jump of the clock costs at most one line more or fewer.
class ProgressReporter {
 public:
  /// Reports as `label`; silent unless `enabled` (default: stderr is a terminal).
  explicit ProgressReporter(std::string label, bool enabled = stderr_is_terminal())
      : label_(std::move(label)), enabled_(enabled) {}

  /// True if progress is shown.
  bool enabled() const noexcept { return enabled_; }

  /// Shows "<label>: run completed/total", at most every 0.1 s; a newline when completed = total.
  void operator()(Index completed, Index total) {
    if (!enabled_) return;
    const double now = wall_seconds();
    const bool last = completed >= total;
    if (!last && printed_ && now >= last_print_ && now - last_print_ < 0.1) return;
    std::fprintf(stderr, "\r%s: run %lld/%lld%s", label_.c_str(), static_cast<long long>(completed),
                 static_cast<long long>(total), last ? "\n" : "");
    std::fflush(stderr);
    last_print_ = now;
    printed_ = true;
  }

 private:
  std::string label_;
  bool enabled_;
  bool printed_ = false;
  double last_print_ = 0.0;

  static double wall_seconds() noexcept {
    std::timespec ts{};
    if (std::timespec_get(&ts, TIME_UTC) != TIME_UTC) return 0.0;
    return static_cast<double>(ts.tv_sec) + 1e-9 * static_cast<double>(ts.tv_nsec);
  }
};

}  // namespace rlvalue
