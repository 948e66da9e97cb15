#pragma once
// Multi-core evaluation of the (T x B) sequence targets (kept apart from
// gae.hpp, returns.hpp and off_policy.hpp, so that those do not pull in
// thread support). Their recursions run
// along time, independently in each of the B columns, so the columns are cut
// into contiguous blocks, one per thread. The overloads taking a Parallel tag
// first,
//   rlvalue::gae(rlvalue::Parallel{.threads = 2}, rewards, values, ..., out);
// (gae, lambda_returns, discounted_returns, vtrace; both argument forms,
// allocating or not) give results bit for bit equal to the single-threaded
// call, for any thread count: block boundaries fall on multiples of the
// engine's column groups (16 columns for row-major outputs, whose rows are
// evaluated 16 lanes at a time; 8 for column-major ones, 8 interleaved
// chains), so every column sees the same operations in the same order.
//
// Threads: the calling thread evaluates the first block and new threads
// (core/threads.hpp: POSIX threads, or std::thread where there are none) the
// others (threads = 1, fewer than two blocks of columns, or
// fewer than 2 * Parallel::min_entries_per_thread entries: nothing is
// spawned, the single-threaded function is called). threads = 0
// means one per hardware thread. At most kMaxParallelThreads are
// used. The non-allocating forms allocate nothing themselves (starting a
// thread may allocate inside the threads library). A thread that cannot be
// started leaves its block to the calling thread.
//
// Errors: shapes and scalar parameters are checked on the calling thread
// before any thread starts. Entries are checked where the single-threaded
// function checks them: V-trace checks every entry on the calling thread
// before any thread starts (so a bad entry writes nothing); gae,
// lambda_returns and discounted_returns check each entry in the pass that
// reads it (inputs are read once), in whichever thread evaluates its block.
// Whatever a thread finds, the exception reaches the caller on the calling
// thread, after every thread has joined, and it is exactly the one the
// single-threaded call throws (the call is then repeated single-threaded to
// name the first offending entry in storage order); `out` then holds partial
// results, as after a throwing single-threaded call.

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstddef>
#include <exception>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>

#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/threads.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/targets/gae.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/returns.hpp"

namespace rlvalue {

/// Tag of the multi-core overloads of the sequence targets: split the B
/// columns across `threads` threads, the calling one included (0: one per
/// hardware thread).
struct Parallel {
  int threads = 0;  ///< >= 0; 0 means one per hardware thread
  /// Fewest entries (rows x columns) worth a thread: a call uses at most
  /// T*B / min_entries_per_thread threads, so a small batch runs on the
  /// calling thread alone (0 or 1: no minimum). The default, 2^17 entries,
  /// is about 0.3 ms of gae on one core: on the reference machine two threads
  /// lose to one at 2048 x 64 (2^17 entries) and win 1.7-1.8x at 1024 x 1024.
  Index min_entries_per_thread = Index(1) << 17;
};

/// Most threads a Parallel call uses (the calling one included).
inline constexpr int kMaxParallelThreads = 64;

namespace detail {

/// The number of threads a Parallel tag asks for, in [1, kMaxParallelThreads].
/// Throws std::invalid_argument naming "threads" or "min_entries_per_thread"
/// if it is negative.
inline int thread_count(std::string_view where, Parallel parallel) {
  if (parallel.threads < 0) [[unlikely]]
    throw_invalid(where, "threads", parallel.threads, "must be non-negative (0: all cores)");
  if (parallel.min_entries_per_thread < 0) [[unlikely]]
    throw_invalid(where, "min_entries_per_thread", parallel.min_entries_per_thread,
                  "must be non-negative (0: no minimum)");
  int n = parallel.threads;
  if (n == 0) n = hardware_threads();
  return std::clamp(n, 1, kMaxParallelThreads);
}

/// Columns [b0, b0 + w) of an Eigen argument; a number passes unchanged.
template <class X>
inline decltype(auto) column_slice(X&& x, Index b0, Index w) {
  if constexpr (std::is_arithmetic_v<std::remove_cvref_t<X>>)
    return std::forward<X>(x);
  else
    return x.derived().middleCols(b0, w);
}

/// True if every Eigen argument has T rows and B columns (numbers pass).
template <class... Args>
inline bool same_shapes(Index T, Index B, const Args&... args) {
  auto fits = [T, B](const auto& x) {
    if constexpr (std::is_arithmetic_v<std::remove_cvref_t<decltype(x)>>)
      return true;
    else
      return x.rows() == T && x.cols() == B;
  };
  return (fits(args) && ...);
}

/// Number of column blocks (threads) for a (T x B) call: at most `threads`,
/// at most one per whole granule of columns, at most one per
/// `min_entries` entries (0 or 1: no such limit); at least 1.
inline int block_count(int threads, Index T, Index B, Index granule, Index min_entries) {
  const Index by_columns = B / granule;
  const Index by_work = min_entries > 1 ? T * B / min_entries : T * B;
  return static_cast<int>(std::max<Index>(1, std::min({Index(threads), by_columns, by_work})));
}

/// Column granule of an output: block boundaries fall on multiples of it.
template <class Out>
inline constexpr Index column_granule = std::remove_cvref_t<Out>::IsRowMajor ? 16 : 8;

/// Splits columns [0, B) into n >= 2 blocks of whole granules (the last one
/// also takes the B % granule columns left) and runs block(b0, w) for each:
/// the first on the calling thread, the others on new threads. Returns the
/// exception of the lowest-numbered block that threw (null if none), after
/// every thread has joined.
template <class Block>
std::exception_ptr run_column_blocks(int n, Index units, Index granule, Index B, Block& block) {
  std::array<WorkerThread, kMaxParallelThreads> threads;
  std::array<std::exception_ptr, kMaxParallelThreads> errors;
  auto run = [&](int k) noexcept {
    const Index u0 = units * k / n, u1 = units * (k + 1) / n;
    const Index b0 = u0 * granule;
    const Index b1 = k + 1 == n ? B : u1 * granule;
    try {
      block(b0, b1 - b0);
    } catch (...) {
      errors[static_cast<std::size_t>(k)] = std::current_exception();
    }
  };
  // Block k's task: a callable object living on this stack until the joins.
  struct Task {
    decltype(run)* body;
    int k;
    void operator()() const noexcept { (*body)(k); }
  };
  std::array<Task, kMaxParallelThreads> tasks;
  for (int k = 1; k < n; ++k) {
    const auto i = static_cast<std::size_t>(k);
    tasks[i] = Task{&run, k};
    if (!threads[i].start(tasks[i])) run(k);  // no thread available: this block runs here
  }
  run(0);
  for (int k = 1; k < n; ++k) threads[static_cast<std::size_t>(k)].join();
  for (int k = 0; k < n; ++k)
    if (errors[static_cast<std::size_t>(k)]) return errors[static_cast<std::size_t>(k)];
  return nullptr;
}

/// The multi-core form of a sequence function whose last argument is its
/// output and whose first is (T x B): `single(args...)` is the
/// single-threaded function, `check_all(args...)` runs on the calling thread
/// before any thread starts (it must check at least shapes and scalar
/// parameters), `block_call(slices...)` evaluates one block of columns.
/// Falls back to `single` when one thread is asked for, when there are fewer
/// than two granules of columns or fewer than 2 * min_entries_per_thread
/// entries, or when a shape is wrong (it then throws).
/// When a block throws, `single` is repeated on all columns to throw exactly
/// the single-threaded exception.
template <class Single, class CheckAll, class BlockCall, class... Args>
void parallel_columns(std::string_view where, Parallel parallel, Single single, CheckAll check_all,
                      BlockCall block_call, Args&&... args) {
  const int threads = thread_count(where, parallel);
  const auto& first = std::get<0>(std::forward_as_tuple(args...));
  using Out = std::tuple_element_t<sizeof...(Args) - 1, std::tuple<Args...>>;
  const Index T = first.rows(), B = first.cols();
  constexpr Index granule = column_granule<Out>;
  const Index units = B / granule;
  const int n = block_count(threads, T, B, granule, parallel.min_entries_per_thread);
  if (n < 2 || !same_shapes(T, B, args...)) {
    single(std::forward<Args>(args)...);
    return;
  }
  check_all(args...);
  auto block = [&](Index b0, Index w) { block_call(column_slice(args, b0, w)...); };
  if (std::exception_ptr error = run_column_blocks(n, units, granule, B, block)) {
    single(std::forward<Args>(args)...);
    std::rethrow_exception(error);  // not reached unless single() succeeds on a retry
  }
}

/// The check_all of the functions that check entries as they read them: the
/// single-threaded call on zero columns, which checks shapes and scalar
/// parameters and writes nothing.
template <class Single>
inline auto empty_call(Single single) {
  return [single](auto&... args) { single(column_slice(args, 0, 0)...); };
}

}  // namespace detail

/// gae on several threads: `gae(Parallel{.threads = n}, <the arguments of
/// either form>, out)` splits the columns across n threads (0: all cores)
/// and gives exactly the single-threaded results and exceptions
/// (below).
template <class... Args>
requires(sizeof...(Args) == 6 || sizeof...(Args) == 8)
void gae(Parallel parallel, Args&&... args) {
  auto single = [](auto&&... a) { gae(std::forward<decltype(a)>(a)...); };
  detail::parallel_columns("gae", parallel, single, detail::empty_call(single), single,
                           std::forward<Args>(args)...);
}

/// Allocating form of the multi-core gae (either form).
template <class Rewards, class... Args>
requires(sizeof...(Args) == 4 || sizeof...(Args) == 6)
typename Rewards::PlainObject gae(Parallel parallel, const Eigen::DenseBase<Rewards>& rewards,
                                  const Args&... args) {
  auto result = detail::plain_like(rewards);
  gae(parallel, rewards, args..., result);
  return result;
}

/// lambda_returns on several threads: `lambda_returns(Parallel{.threads =
/// n}, <the arguments of either form>, out)` splits the columns across n
/// threads (0: all cores), with exactly the single-threaded results and
/// exceptions (below).
template <class... Args>
requires(sizeof...(Args) == 5 || sizeof...(Args) == 7)
void lambda_returns(Parallel parallel, Args&&... args) {
  auto single = [](auto&&... a) { lambda_returns(std::forward<decltype(a)>(a)...); };
  detail::parallel_columns("lambda_returns", parallel, single, detail::empty_call(single), single,
                           std::forward<Args>(args)...);
}

/// Allocating form of the multi-core lambda_returns (either form).
template <class Rewards, class... Args>
requires(sizeof...(Args) == 3 || sizeof...(Args) == 5)
typename Rewards::PlainObject lambda_returns(Parallel parallel,
                                             const Eigen::DenseBase<Rewards>& rewards,
                                             const Args&... args) {
  auto result = detail::plain_like(rewards);
  lambda_returns(parallel, rewards, args..., result);
  return result;
}

/// discounted_returns on several threads (see lambda_returns above).
template <class Rewards, class Discounts, class NextValues, class Out>
requires detail::WritableDense<Out>
void discounted_returns(Parallel parallel, const Eigen::DenseBase<Rewards>& rewards,
                        const Eigen::DenseBase<Discounts>& discounts,
                        const Eigen::DenseBase<NextValues>& next_values, Out&& out) {
  auto single = [](auto&&... a) { discounted_returns(std::forward<decltype(a)>(a)...); };
  detail::parallel_columns("discounted_returns", parallel, single, detail::empty_call(single),
                           single, rewards, discounts, next_values, std::forward<Out>(out));
}

/// Allocating form of the multi-core discounted_returns.
template <class Rewards, class Discounts, class NextValues>
typename Rewards::PlainObject discounted_returns(Parallel parallel,
                                                 const Eigen::DenseBase<Rewards>& rewards,
                                                 const Eigen::DenseBase<Discounts>& discounts,
                                                 const Eigen::DenseBase<NextValues>& next_values) {
  auto result = detail::plain_like(rewards);
  discounted_returns(parallel, rewards, discounts, next_values, result);
  return result;
}

/// vtrace on several threads: `vtrace(Parallel{.threads = n}, <the 10
/// arguments of the general form or the 12 of the flags form>)` checks every
/// argument and entry on the calling thread (a bad one throws before any
/// thread starts and writes nothing), then splits the columns across n
/// threads (0: all cores), with exactly the single-threaded results
/// (below).
template <class... Args>
requires(sizeof...(Args) == 10 || sizeof...(Args) == 12)
void vtrace(Parallel parallel, Args&&... args) {
  auto single = [](auto&&... a) { vtrace(std::forward<decltype(a)>(a)...); };
  auto check_all = [](auto&... a) { detail::vtrace_phases<true, false>(a...); };
  auto block = [](auto&&... a) {
    detail::vtrace_phases<false, true>(std::forward<decltype(a)>(a)...);
  };
  detail::parallel_columns("vtrace", parallel, single, check_all, block,
                           std::forward<Args>(args)...);
}

/// Allocating form of the multi-core general-form vtrace (clips default to 1).
template <class Values, class NextValues, class Rewards, class Discounts, class Rhos,
          class Lambda>
requires detail::LambdaArgument<Lambda>
VtraceResult<typename Rewards::PlainObject> vtrace(
    Parallel parallel, const Eigen::DenseBase<Values>& values,
    const Eigen::DenseBase<NextValues>& next_values, const Eigen::DenseBase<Rewards>& rewards,
    const Eigen::DenseBase<Discounts>& discounts, const Eigen::DenseBase<Rhos>& rhos,
    const Lambda& lambda, std::type_identity_t<typename Rewards::Scalar> clip_rho = 1,
    std::type_identity_t<typename Rewards::Scalar> clip_c = 1) {
  VtraceResult<typename Rewards::PlainObject> result{detail::plain_like(rewards),
                                                     detail::plain_like(rewards)};
  vtrace(parallel, values, next_values, rewards, discounts, rhos, lambda, clip_rho, clip_c,
         result.vs, result.pg_advantages);
  return result;
}

}  // namespace rlvalue
