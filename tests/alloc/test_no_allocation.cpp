// No heap allocation per update: a counting global operator new proves it.
// The counter only counts while a NoAllocationScope is open on this thread.
#include <atomic>
#include <cstdlib>
#include <new>

#include "catch.hpp"
#include "rlvalue/rlvalue.hpp"

namespace {
thread_local bool counting = false;
std::atomic<long> allocations{0};

struct NoAllocationScope {
  long start;
  NoAllocationScope() : start(allocations.load()) { counting = true; }
  ~NoAllocationScope() { counting = false; }
  long count() const { return allocations.load() - start; }
};
}  // namespace

// The replacements pair malloc with free by design; GCC's heuristic warning
// about mismatched allocation functions does not apply to them.
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmismatched-new-delete"
#endif
void* operator new(std::size_t size) {
  if (counting) allocations.fetch_add(1);
  if (void* p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void* operator new[](std::size_t size) { return ::operator new(size); }
void operator delete(void* p) noexcept { std::free(p); }
void operator delete[](void* p) noexcept { std::free(p); }
void operator delete(void* p, std::size_t) noexcept { std::free(p); }
void operator delete[](void* p, std::size_t) noexcept { std::free(p); }
#if defined(__GNUC__) && !defined(__clang__)
#pragma GCC diagnostic pop
#endif

using namespace rlvalue;

namespace {
// A fixed stream of episodes over S states and A actions (each transition
// starts where the previous one went, unless that ended the episode), with
// both kinds of episode end.
std::vector<Transition<>> make_stream(Index states, Index actions, std::size_t n) {
  auto rng = make_rng(99);
  std::vector<Transition<>> stream(n);
  Index state = 0;
  for (auto& t : stream) {
    t.state = state;
    t.action = uniform_index(rng, actions);
    t.reward = uniform01(rng) - 0.5;
    t.next_state = uniform_index(rng, states);
    t.terminated = uniform01(rng) < 0.1;
    t.truncated = !t.terminated && uniform01(rng) < 0.05;
    state = (t.terminated || t.truncated) ? uniform_index(rng, states) : t.next_state;
  }
  return stream;
}
}  // namespace

TEST_CASE("counting allocator sees allocations", "[alloc]") {
  NoAllocationScope scope;
  void* p = ::operator new(64);  // a call, not a new-expression: never elided
  ::operator delete(p);
  REQUIRE(scope.count() == 1);
}

TEST_CASE("one-step learners do not allocate per update", "[alloc]") {
  const auto stream = make_stream(50, 4, 5000);
  TabularQ<double> q(50, 4);
  TabularV<double> v(50);
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 0.1});
  Sarsa<TabularQ<double>> sarsa(q, {.gamma = 0.9, .step_size = 0.1});
  ExpectedSarsa<TabularQ<double>> esarsa(q, {.gamma = 0.9, .step_size = 1.0,
                                             .schedule = StepSchedule::per_visit, .omega = 0.8});
  TD0<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit});
  EpsilonGreedy<TabularQ<double>> policy(q, 0.1);
  auto rng = make_rng(3);
  policy.probabilities(0);  // the policy's buffer exists before counting
  NoAllocationScope scope;
  for (const auto& t : stream) {
    ql.update(t);
    const Index next = policy.action(t.next_state, rng);
    sarsa.update(t, next);
    esarsa.update(t, policy.probabilities(t.next_state));
    td.update(t);
  }
  REQUIRE(scope.count() == 0);
}

TEST_CASE("Monte Carlo does not allocate per update once its buffer is warm", "[alloc]") {
  const auto stream = make_stream(20, 1, 5000);
  TabularV<double> v(20);
  MonteCarlo<TabularV<double>> every(v, {.gamma = 0.9, .step_size = 0.05});
  TabularV<double> w(20);
  MonteCarlo<TabularV<double>> first(w, {.gamma = 0.9, .step_size = 1.0,
                                         .schedule = StepSchedule::per_visit,
                                         .visits = MonteCarloVisits::first});
  NoAllocationScope scope;
  for (const auto& t : stream) {
    every.update(t);
    first.update(t);
  }
  REQUIRE(scope.count() == 0);
}
