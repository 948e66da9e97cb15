#pragma once
/// @file
/// Progress of long runs on stderr, shown only when stderr is a terminal (so
/// logs and CI output stay clean): "random_walk: run 37/100".

#include <chrono>
#include <cstdio>
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
/// when stderr is not a terminal).
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
    const auto now = std::chrono::steady_clock::now();
    const bool last = completed >= total;
    if (!last && printed_ && now - last_print_ < std::chrono::milliseconds(100)) return;
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
  std::chrono::steady_clock::time_point last_print_{};
};

}  // namespace rlvalue
