// Tabular Q-learning throughput against its limits in the same binary:
//   * rlvalue:        QLearning<TabularQ<double>>::update over a transition stream
//   * hand_loop:      the same update written by hand on a raw array, no checks
//   * hand_loop_checked: the same, with the checks rlvalue promises (indices in
//                     range, a non-finite error rejected before it is written)
//   * random_access:  a kernel touching the same cache lines (read the row of
//                     s', read-modify-write q(s, a)) with no arithmetic to speak of
// Replay batches (family QLearningBatch), in the same binary:
//   * rlvalue:        QLearning::update_batch on 4096 transitions per call
//                     (prefetching kDefaultPrefetchDistance transitions ahead)
//   * rlvalue_b256:   the same in calls of 256 transitions (a typical replay batch)
//   * one_at_a_time:  the same transitions through update(), one call each
//   * random_access:  the kernel above (first entry of row s', q(s, a))
//   * random_access_rows: reads both ends of row s' (the cache lines the max
//                     reads; a row of 8 doubles straddles two lines unless
//                     the table is 64-byte aligned) and read-modify-writes
//                     q(s, a): the lines Q-learning touches, no arithmetic
// Tables of S x 8 doubles with S = 10,000 (fits in cache) and 1,000,000 (does not).
// bench/ratios.py turns the JSON output into ratios to the limits.
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <cstddef>
#include <span>
#include <vector>

#include "advised_table.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/q_learning.hpp"

namespace {

constexpr rlvalue::Index kActions = 8;
constexpr std::size_t kStream = std::size_t{1} << 20;  // pre-generated transitions
constexpr std::size_t kBatch = 4096;                   // transitions per benchmark iteration
constexpr double kGamma = 0.99;
constexpr double kAlpha = 0.1;
// Non-zero, so every table is written at construction: a zero fill can become
// calloc, whose untouched pages would then fault inside the timed loop.
constexpr double kInitialValue = 1.0;

using T = rlvalue::Transition<>;

const std::vector<T>& stream_for(rlvalue::Index num_states) {
  static std::vector<T> cache;
  static rlvalue::Index cached_states = -1;
  if (cached_states != num_states) {
    auto rng = rlvalue::make_rng(12345, static_cast<std::uint64_t>(num_states));
    cache.resize(kStream);
    for (auto& t : cache) {
      t.state = rlvalue::uniform_index(rng, num_states);
      t.action = rlvalue::uniform_index(rng, kActions);
      t.reward = rlvalue::uniform01(rng) - 0.5;
      t.next_state = rlvalue::uniform_index(rng, num_states);
      t.terminated = rlvalue::uniform01(rng) < 0.01;
      t.truncated = !t.terminated && rlvalue::uniform01(rng) < 0.001;
    }
    cached_states = num_states;
  }
  return cache;
}

void BM_QLearning_rlvalue(benchmark::State& state) {
  const auto num_states = static_cast<rlvalue::Index>(state.range(0));
  const auto& stream = stream_for(num_states);
  rlvalue::TabularQ<double> q(num_states, kActions, kInitialValue);
  rlvalue::QLearning<rlvalue::TabularQ<double>> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  for (const auto& t : stream) learner.update(t);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) learner.update(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q.parameters().data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// The hand-written update; with Checked, plus the checks rlvalue promises.
template <bool Checked>
void hand_loop(benchmark::State& state) {
  const auto num_states = static_cast<rlvalue::Index>(state.range(0));
  const auto& stream = stream_for(num_states);
  std::vector<double> table = advised_table(static_cast<std::size_t>(num_states * kActions), kInitialValue);
  double* q = table.data();
  auto update = [q, num_states](const T& t) {
    if constexpr (Checked) {
      if (static_cast<std::uint64_t>(t.state) >= static_cast<std::uint64_t>(num_states) ||
          static_cast<std::uint64_t>(t.next_state) >= static_cast<std::uint64_t>(num_states) ||
          static_cast<std::uint64_t>(t.action) >= static_cast<std::uint64_t>(kActions))
        throw std::out_of_range("index");
    } else {
      (void)num_states;  // captured for the checked variant only
    }
    const double* next = q + t.next_state * kActions;
    double best = next[0];
    for (rlvalue::Index a = 1; a < kActions; ++a) best = std::max(best, next[a]);
    const double target = t.reward + (t.terminated ? 0.0 : kGamma * best);
    double& entry = q[t.state * kActions + t.action];
    const double error = target - entry;
    if constexpr (Checked) {
      if (!std::isfinite(error)) throw std::invalid_argument("td_error");
    }
    entry += kAlpha * error;
  };
  for (const auto& t : stream) update(t);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) update(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

void BM_QLearning_hand_loop(benchmark::State& state) { hand_loop<false>(state); }
void BM_QLearning_hand_loop_checked(benchmark::State& state) { hand_loop<true>(state); }

void BM_QLearning_random_access(benchmark::State& state) {
  const auto num_states = static_cast<rlvalue::Index>(state.range(0));
  const auto& stream = stream_for(num_states);
  std::vector<double> table = advised_table(static_cast<std::size_t>(num_states * kActions), kInitialValue);
  double* q = table.data();
  auto touch = [q](const T& t) { q[t.state * kActions + t.action] += q[t.next_state * kActions]; };
  for (const auto& t : stream) touch(t);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) touch(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Replay batches: `per_call` transitions per update_batch call.
template <std::size_t PerCall>
void update_batch(benchmark::State& state) {
  const auto num_states = static_cast<rlvalue::Index>(state.range(0));
  const auto& stream = stream_for(num_states);
  rlvalue::TabularQ<double> q(num_states, kActions, kInitialValue);
  rlvalue::QLearning<rlvalue::TabularQ<double>> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  const std::span<const T> all(stream);
  learner.update_batch(all);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; i += PerCall)
      learner.update_batch(all.subspan(pos + i, PerCall));
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q.parameters().data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

void BM_QLearningBatch_rlvalue(benchmark::State& state) { update_batch<kBatch>(state); }
void BM_QLearningBatch_rlvalue_b256(benchmark::State& state) { update_batch<256>(state); }
void BM_QLearningBatch_one_at_a_time(benchmark::State& state) { BM_QLearning_rlvalue(state); }
void BM_QLearningBatch_random_access(benchmark::State& state) {
  BM_QLearning_random_access(state);
}

void BM_QLearningBatch_random_access_rows(benchmark::State& state) {
  const auto num_states = static_cast<rlvalue::Index>(state.range(0));
  const auto& stream = stream_for(num_states);
  // Allocated as TabularQ allocates (Eigen), so rows straddle lines alike.
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> table =
      Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>::Constant(
          num_states, kActions, kInitialValue);
  double* q = table.data();
  auto touch = [q](const T& t) {
    const double* next = q + t.next_state * kActions;
    q[t.state * kActions + t.action] += next[0] + next[kActions - 1];
  };
  for (const auto& t : stream) touch(t);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) touch(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

}  // namespace

BENCHMARK(BM_QLearningBatch_rlvalue)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearningBatch_rlvalue_b256)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearningBatch_one_at_a_time)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearningBatch_random_access)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearningBatch_random_access_rows)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearning_rlvalue)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearning_hand_loop)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearning_hand_loop_checked)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_QLearning_random_access)->Arg(10'000)->Arg(1'000'000);
