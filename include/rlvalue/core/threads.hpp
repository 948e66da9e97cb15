#pragma once
// The few thread primitives rlvalue's multi-core functions need (the Parallel
// sequence targets, run_seeds): start a callable on a new thread, join it,
// count the hardware threads, and a lock. On POSIX systems they are built on
// <pthread.h> and <unistd.h>, not on <thread> and <mutex>: those two, with the
// <memory> machinery they bring, cost every includer of the umbrella header
// about 13 MB of g++ front-end memory (about 5% of its compile time), while
// the C headers cost nothing measurable. Elsewhere (Windows, or no
// <pthread.h>) std::thread is used. The lock is a std::atomic_flag that
// sleeps in wait() rather than spinning (C++20), on every platform.
//
// Define RLVALUE_USE_STD_THREAD to use std::thread everywhere.

#include <atomic>
#include <cstddef>

#if !defined(RLVALUE_USE_STD_THREAD) && (defined(_WIN32) || !__has_include(<pthread.h>))
#define RLVALUE_USE_STD_THREAD 1
#endif

#if defined(RLVALUE_USE_STD_THREAD)
#include <system_error>
#include <thread>
#else
#include <pthread.h>
#include <unistd.h>
#endif

namespace rlvalue::detail {

/// Number of hardware threads (logical processors online), at least 1.
inline int hardware_threads() noexcept {
#if defined(RLVALUE_USE_STD_THREAD)
  const unsigned n = std::thread::hardware_concurrency();
#else
  const long n = ::sysconf(_SC_NPROCESSORS_ONLN);
#endif
  return n >= 1 ? static_cast<int>(n) : 1;
}

/// One thread of execution running a callable that the caller keeps alive
/// until join(). The callable must not throw (catch inside it and carry the
/// exception out, as std::exception_ptr). Not copyable or movable; the
/// destructor joins.
class WorkerThread {
 public:
  WorkerThread() = default;
  WorkerThread(const WorkerThread&) = delete;
  WorkerThread& operator=(const WorkerThread&) = delete;
  ~WorkerThread() { join(); }

  /// Starts `f()` on a new thread; `f` must outlive the thread (until
  /// join()). Returns false, starting nothing, if no thread could be started
  /// or one is already running here.
  template <class F>
  bool start(F& f) noexcept {
    if (running_) return false;
#if defined(RLVALUE_USE_STD_THREAD)
    try {
      thread_ = std::thread([&f]() noexcept { f(); });
    } catch (const std::system_error&) {
      return false;
    }
    running_ = true;
#else
    running_ = ::pthread_create(&handle_, nullptr, &trampoline<F>, static_cast<void*>(&f)) == 0;
#endif
    return running_;
  }

  /// Waits for the running callable to return; does nothing if none runs.
  void join() noexcept {
    if (!running_) return;
#if defined(RLVALUE_USE_STD_THREAD)
    thread_.join();
#else
    ::pthread_join(handle_, nullptr);
#endif
    running_ = false;
  }

  /// True between a successful start() and join().
  bool running() const noexcept { return running_; }

 private:
#if defined(RLVALUE_USE_STD_THREAD)
  std::thread thread_;
#else
  template <class F>
  static void* trampoline(void* f) noexcept {
    (*static_cast<F*>(f))();
    return nullptr;
  }
  ::pthread_t handle_{};
#endif
  bool running_ = false;
};

/// A mutual-exclusion lock (BasicLockable: lock() and unlock()) on a
/// std::atomic_flag; a waiting thread sleeps in atomic_flag::wait.
class SleepingLock {
 public:
  void lock() noexcept {
    while (flag_.test_and_set(std::memory_order_acquire)) flag_.wait(true, std::memory_order_relaxed);
  }
  void unlock() noexcept {
    flag_.clear(std::memory_order_release);
    flag_.notify_one();
  }

 private:
  std::atomic_flag flag_;  // clear on construction (C++20)
};

/// Holds a SleepingLock for its lifetime.
class LockGuard {
 public:
  explicit LockGuard(SleepingLock& lock) noexcept : lock_(lock) { lock_.lock(); }
  LockGuard(const LockGuard&) = delete;
  LockGuard& operator=(const LockGuard&) = delete;
  ~LockGuard() { lock_.unlock(); }

 private:
  SleepingLock& lock_;
};

}  // namespace rlvalue::detail
