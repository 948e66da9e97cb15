// Standalone driver for the critics' replay batches (not part of
// rlvalue_bench): Q-learning, Double Q and clipped double Q (both critics,
// one at random) on two S x 8 TabularQ tables, each running update_batch over
// the same 2^20 transitions in calls of 4096, 7 passes in turn, printing the
// fastest pass of each in millions of updates per second. On a shared VM the
// fastest pass moves less than Google Benchmark's medians; the README's
// before/after numbers for the critics (2026-12-06 night) come from it, the
// old and new headers built into two binaries run in turn:
//   g++ -std=c++20 -O3 -DNDEBUG -Iinclude -isystem /usr/include/eigen3
//       bench/drivers/critic_passes.cpp -o critic_passes   (one line)
//   ./critic_passes 10000 32 && ./critic_passes 1000000 32
// Arguments: number of states S, prefetch distance.
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <vector>

#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/q_learning.hpp"

int main(int argc, char** argv) {
  using namespace rlvalue;
  using Table = TabularQ<double>;
  using T = Transition<>;
  if (argc < 3) {
    std::fprintf(stderr, "usage: %s num_states prefetch_distance\n", argv[0]);
    return 2;
  }
  const Index S = std::atol(argv[1]);
  const Index distance = std::atol(argv[2]);
  const std::size_t n = std::size_t{1} << 20, call = 4096;
  std::vector<T> stream(n);
  auto rng = make_rng(54321);
  for (auto& t : stream) {
    t.state = uniform_index(rng, S);
    t.action = uniform_index(rng, 8);
    t.reward = uniform01(rng) - 0.5;
    t.next_state = uniform_index(rng, S);
    t.terminated = uniform01(rng) < 0.01;
  }
  Table a(S, 8, 1.0), b(S, 8, 1.0);
  Rng coins = make_rng(7);
  QLearning<Table> ql(a, {.gamma = 0.99, .step_size = 0.1});
  DoubleQLearning<Table> dq(a, b, {.gamma = 0.99, .step_size = 0.1});
  ClippedDoubleQLearning<Table> both(
      a, b, {.gamma = 0.99, .step_size = 0.1, .critic_update = CriticUpdate::both});
  ClippedDoubleQLearning<Table> one(
      a, b, {.gamma = 0.99, .step_size = 0.1, .critic_update = CriticUpdate::one_at_random});
  const char* names[] = {"q_learning", "double_q", "clipped_both", "clipped_one"};
  double best[4] = {1e30, 1e30, 1e30, 1e30};
  for (int pass = 0; pass < 7; ++pass)
    for (int m = 0; m < 4; ++m) {
      const auto start = std::chrono::steady_clock::now();
      for (std::size_t p = 0; p < n; p += call) {
        const auto batch = std::span<const T>(stream).subspan(p, call);
        if (m == 0) ql.update_batch(batch, std::span<double>(), distance);
        else if (m == 1) dq.update_batch(batch, coins, std::span<double>(), distance);
        else if (m == 2) both.update_batch(batch, coins, std::span<double>(), distance);
        else one.update_batch(batch, coins, std::span<double>(), distance);
      }
      const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      if (s < best[m]) best[m] = s;
    }
  for (int m = 0; m < 4; ++m)
    std::printf("%s/%ld %.1f M updates/s\n", names[m], static_cast<long>(S), n / best[m] / 1e6);
}
