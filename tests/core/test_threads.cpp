// core/threads.hpp: the thread and lock primitives under the Parallel sequence
// targets and run_seeds (also built under ThreadSanitizer: rlvalue_tsan_tests).
#include <array>
#include <atomic>

#include "catch.hpp"
#include "rlvalue/core/threads.hpp"

namespace {

// Adds `increments` to a plain (non-atomic) counter, one at a time under the
// lock: a lock that does not exclude loses increments (and TSan reports a race).
struct LockedCounterTask {
  rlvalue::detail::SleepingLock* lock;
  long* counter;
  long increments;
  void operator()() const noexcept {
    for (long i = 0; i < increments; ++i) {
      rlvalue::detail::LockGuard guard(*lock);
      *counter = *counter + 1;
    }
  }
};

}  // namespace

TEST_CASE("hardware_threads counts at least one thread", "[core][threads]") {
  CHECK(rlvalue::detail::hardware_threads() >= 1);
}

TEST_CASE("WorkerThread runs its callable once, and join waits for it", "[core][threads]") {
  std::atomic<int> calls{0};
  auto task = [&calls]() noexcept { calls.fetch_add(1); };
  rlvalue::detail::WorkerThread thread;
  CHECK_FALSE(thread.running());
  REQUIRE(thread.start(task));
  CHECK(thread.running());
  CHECK_FALSE(thread.start(task));  // one callable at a time
  thread.join();
  CHECK_FALSE(thread.running());
  CHECK(calls.load() == 1);
  thread.join();  // a second join does nothing
  REQUIRE(thread.start(task));  // reusable after join
  thread.join();
  CHECK(calls.load() == 2);
}

TEST_CASE("WorkerThread's destructor joins", "[core][threads]") {
  std::atomic<int> calls{0};
  auto task = [&calls]() noexcept { calls.fetch_add(1); };
  {
    rlvalue::detail::WorkerThread thread;
    REQUIRE(thread.start(task));
  }
  CHECK(calls.load() == 1);
}

TEST_CASE("SleepingLock excludes: no increment is lost", "[core][threads]") {
  rlvalue::detail::SleepingLock lock;
  long counter = 0;
  constexpr long kIncrements = 20000;
  LockedCounterTask task{&lock, &counter, kIncrements};
  std::array<rlvalue::detail::WorkerThread, 3> threads;
  for (auto& thread : threads) REQUIRE(thread.start(task));
  task();  // and the calling thread
  for (auto& thread : threads) thread.join();
  CHECK(counter == 4 * kIncrements);
}
