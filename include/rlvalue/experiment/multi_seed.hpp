#pragma once
/// @file
/// Multi-seed experiments: run the same experiment with independent random
/// streams, in parallel, and average the resulting curves.
///
/// Run r always uses make_rng(seed, r) and the averages are summed in run
/// order, so results are bit-identical whatever the number of threads.

#include <Eigen/Core>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <concepts>
#include <cstdint>
#include <exception>
#include <functional>
#include <string>
#include <type_traits>
#include <vector>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/dependent.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/threads.hpp"
#include "rlvalue/core/types.hpp"

namespace rlvalue {

/// Per-point mean and standard error of the mean over runs.
struct SeedStatistics {
  Eigen::VectorXd mean;            ///< (1/n) sum_r curve_r
  Eigen::VectorXd standard_error;  ///< sample std (n-1 denominator) / sqrt(n); 0 if n = 1
  /// Number of runs the statistics are over.
  Index num_runs = 0;
};

/// Mean and standard error of `curves` (all the same non-zero length),
/// accumulated in index order. std::invalid_argument if there are no curves
/// or their lengths differ (naming the first offending run).
/// (A template on the vector's allocator only so that its Eigen expressions
/// are compiled where it is used: see core/dependent.hpp.)
template <class Allocator = std::allocator<Eigen::VectorXd>>
SeedStatistics curve_statistics(const std::vector<Eigen::VectorXd, Allocator>& curves) {
  using Vec = detail::dependent_t<Eigen::VectorXd, Allocator>;
  const Index n = static_cast<Index>(curves.size());
  check_at_least_one("curve_statistics", "number of curves", n);
  const Index length = curves[0].size();
  check_at_least_one("curve_statistics", "length of the curve of run 0", length);
  for (Index r = 1; r < n; ++r)
    check_size("curve_statistics", "curve of run " + detail::format_value(r),
               curves[static_cast<std::size_t>(r)].size(), length);

  SeedStatistics stats;
  stats.num_runs = n;
  // Through references of the dependent type Vec, so that these expressions
  // too are compiled only where curve_statistics is used.
  Vec& mean = stats.mean;
  Vec& standard_error = stats.standard_error;
  mean = Vec::Zero(length);
  for (const Vec& c : curves) mean += c;
  mean /= static_cast<double>(n);
  standard_error = Vec::Zero(length);
  if (n > 1) {
    for (const Vec& c : curves) standard_error += (c - mean).cwiseAbs2();
    standard_error =
        (standard_error / static_cast<double>(n - 1)).cwiseSqrt() / std::sqrt(double(n));
  }
  return stats;
}

/// Called as progress(completed_runs, total_runs) after each run, from one
/// thread at a time.
using ProgressCallback = std::function<void(Index completed, Index total)>;

/// Runs `fn(run_index, rng)` for run_index = 0..num_runs-1, each with its own
/// generator make_rng(seed, run_index), on `threads` threads (0 = hardware
/// concurrency; never more than num_runs), and returns the per-point mean and
/// standard error of the returned curves (anything convertible to
/// Eigen::VectorXd, all the same length).
///
/// `fn` is called concurrently from several threads when threads != 1: it must
/// not share mutable state between runs. If runs throw, no new runs start and
/// the exception of the lowest-index failed run is rethrown. `progress`, if
/// set, is called after each completed run. std::invalid_argument unless
/// num_runs >= 1, threads >= 0 and the curves have equal non-zero lengths.
template <class Fn>
  requires std::invocable<Fn&, Index, Rng&> &&
           std::convertible_to<std::invoke_result_t<Fn&, Index, Rng&>, Eigen::VectorXd>
SeedStatistics run_seeds(Index num_runs, std::uint64_t seed, Index threads, Fn&& fn,
                         const ProgressCallback& progress = {}) {
  check_at_least_one("run_seeds", "num_runs", num_runs);
  if (threads < 0) [[unlikely]]
    fail_check("run_seeds", "threads", threads, "must be >= 0 (0 = hardware concurrency)");
  if (threads == 0) threads = detail::hardware_threads();
  threads = std::min(threads, num_runs);

  const auto n = static_cast<std::size_t>(num_runs);
  // Dependent spellings (core/dependent.hpp): compiled where run_seeds is used.
  std::vector<detail::dependent_t<Eigen::VectorXd, Fn>> curves(n);
  std::vector<detail::dependent_t<std::exception_ptr, Fn>> errors(n);
  std::atomic<Index> next_run{0};
  std::atomic<bool> failed{false};
  detail::SleepingLock progress_lock;
  Index completed = 0;

  auto worker = [&]() noexcept {
    while (!failed.load(std::memory_order_relaxed)) {
      const Index r = next_run.fetch_add(1, std::memory_order_relaxed);
      if (r >= num_runs) return;
      const auto i = static_cast<std::size_t>(r);
      try {
        Rng rng = make_rng(seed, static_cast<std::uint64_t>(r));
        curves[i] = std::invoke(fn, r, rng);
        if (progress) {
          detail::LockGuard lock(progress_lock);
          progress(++completed, num_runs);
        }
      } catch (...) {  // from the run or its progress report
        errors[i] = std::current_exception();
        failed.store(true, std::memory_order_relaxed);
        return;
      }
    }
  };

  if (threads == 1) {
    worker();
  } else {
    // The calling thread is one of the workers; the others are new threads
    // (the runs go to whichever threads could be started).
    using Thread = detail::dependent_t<detail::WorkerThread, Fn>;
    std::vector<Thread> pool(static_cast<std::size_t>(threads - 1));
    for (auto& thread : pool)
      if (!thread.start(worker)) break;
    worker();
    for (auto& thread : pool) thread.join();
  }

  for (const auto& e : errors)
    if (e) std::rethrow_exception(e);
  return curve_statistics(curves);
}

}  // namespace rlvalue
