// Throughput of the double and clipped critics beside Q-learning, in one
// binary. Each family runs on the same pre-generated transition stream over
// tables of S x 8 doubles, S = 10,000 (in cache: 640 KB per table, in the
// L3 but larger than the 512 KiB per-core L2 of the reference machine, an AMD
// EPYC Zen 3, so even Q-learning's single table is read from L3) and
// 1,000,000 (64 MB per table: not in cache):
//   * rlvalue:          the learner's update(t, rng), one transition at a time
//   * hand_loop:        the same update written by hand on raw arrays (same
//                       coin / subset draws from the same generator) making
//                       the checks the library makes: s, a, s' in range, a
//                       finite reward, finite errors and results before
//                       anything is written (hand_checks)
//   * qlearning:        QLearning<TabularQ<double>>::update on the same stream
//   * batch:            the learner's update_batch(batch, rng) over the stream
//                       in batches of 4096 (prefetch distance 16)
//   * qlearning_batch:  QLearning::update_batch over the same batches
//   * lines, qlearning_lines: random-access kernels touching the lines of
//                       one update of the family / of Q-learning (below)
// bench/ratios.py prints rlvalue / variant. Against qlearning (and batch
// against qlearning_batch) the ratio is the cost of the extra critics. Their
// extra memory traffic per update, in cache lines: a row of 8 doubles is 64
// bytes but starts 16 bytes into a line (malloc's alignment), so it spans two
// lines; an entry is one. Q-learning 3 (row of s', entry of (s, a)); Double
// Q 4 (selector's row of s', evaluator's entry at a*, updated entry);
// clipped double Q 5 with both critics updated, 4 with one; Maxmin with N
// critics, one updated, 2N + 1 (N rows of s', one entry); REDQ with N
// critics and one updated 5 (the rows of s' of a random pair, one entry).
// update_batch prefetches every line a transition may touch for the double
// critics (both rows of s' and both entries, since the coin is drawn
// later): 6 lines against 4-5. Out of cache the ensembles draw ahead on a
// copy of the generator and prefetch only the drawn lines (Maxmin with
// N >= 4, REDQ): the lines they use; Maxmin with N = 2 prefetches both
// entries, 5 lines. Q-learning 3. The `lines` and `qlearning_lines`
// variants time that traffic alone (see "The lines each update touches"
// below).
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <vector>

#include "advised_table.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/clipped_double_q_learning.hpp"
#include "rlvalue/learners/double_q_learning.hpp"
#include "rlvalue/learners/ensemble_q_learning.hpp"
#include "rlvalue/learners/maxmin_q_learning.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/targets/ensemble.hpp"

namespace {

using rlvalue::Index;
using Table = rlvalue::TabularQ<double>;
using T = rlvalue::Transition<>;

constexpr Index kActions = 8;
constexpr std::size_t kStream = std::size_t{1} << 20;
constexpr std::size_t kBatch = 4096;
constexpr double kGamma = 0.99;
constexpr double kAlpha = 0.1;
constexpr double kInitialValue = 1.0;  // non-zero: every page written before timing

const std::vector<T>& critic_stream(Index num_states) {
  static std::vector<T> cache;
  static Index cached_states = -1;
  if (cached_states != num_states) {
    auto rng = rlvalue::make_rng(54321, static_cast<std::uint64_t>(num_states));
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

// ---- The checks of the hand loops (what every rlvalue update checks) -----
[[noreturn]] __attribute__((noinline, cold)) void hand_reject(const char* what) {
  throw std::invalid_argument(what);
}

// Before any draw: s, a, s' in range and a finite reward.
inline void hand_check(const T& t, Index num_states) {
  const auto S = static_cast<std::uint64_t>(num_states);
  if (static_cast<std::uint64_t>(t.state) >= S || static_cast<std::uint64_t>(t.action) >= kActions ||
      static_cast<std::uint64_t>(t.next_state) >= S) [[unlikely]]
    hand_reject("hand loop: index out of range");
  if (!std::isfinite(t.reward)) [[unlikely]] hand_reject("hand loop: reward not finite");
}

// target - e, rejected unless finite (nothing written yet).
inline double hand_error(double target, double e) {
  const double error = target - e;
  if (!std::isfinite(error)) [[unlikely]] hand_reject("hand loop: error not finite");
  return error;
}

// e += alpha * error, rejected (not written) unless the result is finite.
inline void hand_write(double& e, double error) {
  const double updated = e + kAlpha * error;
  if (!std::isfinite(updated)) [[unlikely]] hand_reject("hand loop: result not finite");
  e = updated;
}

// Runs `update(t, rng)` over the stream: a warm-up pass, then timed batches.
template <class Update>
void run_stream(benchmark::State& state, Index num_states, Update&& update) {
  const auto& stream = critic_stream(num_states);
  rlvalue::Rng rng = rlvalue::make_rng(7);
  for (const auto& t : stream) update(t, rng);
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) update(stream[pos + i], rng);
    pos = (pos + kBatch) % kStream;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Runs `update_batch(span, rng)` over the stream in batches of kBatch: a
// warm-up pass, then one batch per iteration.
template <class UpdateBatch>
void run_batches(benchmark::State& state, Index num_states, UpdateBatch&& update_batch) {
  const auto& stream = critic_stream(num_states);
  const std::span<const T> all(stream);
  rlvalue::Rng rng = rlvalue::make_rng(7);
  for (std::size_t pos = 0; pos < kStream; pos += kBatch) update_batch(all.subspan(pos, kBatch), rng);
  std::size_t pos = 0;
  for (auto _ : state) {
    update_batch(all.subspan(pos, kBatch), rng);
    pos = (pos + kBatch) % kStream;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

std::vector<Table> tables(Index n, Index num_states) {
  return std::vector<Table>(static_cast<std::size_t>(n), Table(num_states, kActions, kInitialValue));
}

// ---- Q-learning, the baseline of every family ----------------------------
void qlearning(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  Table q(S, kActions, kInitialValue);
  rlvalue::QLearning<Table> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  run_stream(state, S, [&](const T& t, rlvalue::Rng&) { learner.update(t); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// QLearning::update_batch, the baseline of every family's batch variant.
void qlearning_batch(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  Table q(S, kActions, kInitialValue);
  rlvalue::QLearning<Table> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  run_batches(state, S, [&](std::span<const T> b, rlvalue::Rng&) { learner.update_batch(b); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// ---- The lines each update touches, without its arithmetic -------------
// Random-access kernels over the same stream, on tables of the same size and
// backing (advised_table): each reads and writes the cache lines that one
// update touches (both ends of a row of s': it straddles two lines; single
// entries elsewhere) and does no arithmetic to speak of. The critic that a
// coin picks is read from bits drawn before timing, and the entry of the
// evaluator at a* is taken at column a (a uniformly random column, as a* is).
//   qlearning_lines:  row of s', entry (s, a)                       3 lines
//   DoubleQ lines:    selector's row of s', evaluator's entry,
//                     updated entry                                4 lines
//   ClippedBoth lines: critic 1's row of s', critic 2's entry,
//                     both entries (s, a)                          5 lines
//   ClippedOne lines: the same reads, one entry (s, a) by coin     4 lines
// lines / qlearning_lines is the critics' extra memory traffic, timed;
// batch / qlearning_batch is what the critics cost. With no software
// prefetch these kernels are not upper limits for update_batch (which
// prefetches): they measure the cost of the traffic itself.
enum class Lines { qlearning, double_q, clipped_both, clipped_one };

const std::vector<unsigned char>& coin_bits() {
  static const std::vector<unsigned char> bits = [] {
    std::vector<unsigned char> b(kStream);
    auto rng = rlvalue::make_rng(7);
    for (auto& x : b) x = static_cast<unsigned char>(rlvalue::random_bits64(rng) >> 63);
    return b;
  }();
  return bits;
}

template <Lines kLines>
void lines(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  std::vector<double> a = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue),
                      b = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue);
  double* tabs[2] = {a.data(), b.data()};
  const T* first = critic_stream(S).data();
  const unsigned char* bits = coin_bits().data();
  run_stream(state, S, [&](const T& t, rlvalue::Rng&) {
    const unsigned k = bits[&t - first];
    const Index next = t.next_state * kActions, at = t.state * kActions + t.action;
    if constexpr (kLines == Lines::qlearning) {
      a[static_cast<std::size_t>(at)] += a[static_cast<std::size_t>(next)] +
                                         a[static_cast<std::size_t>(next + kActions - 1)];
    } else {
      double* const selector = kLines == Lines::double_q ? tabs[k] : tabs[0];
      const double* const evaluator = kLines == Lines::double_q ? tabs[1 - k] : tabs[1];
      const double x = selector[next] + selector[next + kActions - 1] + evaluator[next + t.action];
      if constexpr (kLines == Lines::clipped_both) {
        tabs[0][at] += x;
        tabs[1][at] += x;
      } else if constexpr (kLines == Lines::clipped_one) {
        tabs[k][at] += x;
      } else {
        selector[at] += x;
      }
    }
  });
  benchmark::DoNotOptimize(a.data());
  benchmark::DoNotOptimize(b.data());
}

// The lines of one update of an ensemble of N critics with one updated:
// the rows of s' its target reads (Maxmin with M = 1: all N, 2N lines;
// REDQ: the drawn pair, 4 lines) and the drawn critic's entry (s, a), so
// 2N + 1 and 5 lines; the critics are drawn before timing.
void ensemble_lines(benchmark::State& state, bool pair) {
  const auto S = static_cast<Index>(state.range(0));
  const auto n = static_cast<std::size_t>(state.range(1));
  const std::size_t rows = pair ? 2 : n;
  std::vector<std::vector<double>> q;
  std::vector<double*> tabs;
  for (std::size_t k = 0; k < n; ++k) {
    q.push_back(advised_table(static_cast<std::size_t>(S * kActions), kInitialValue));
    tabs.push_back(q.back().data());
  }
  // Per transition: the rows read (all, or a pair drawn as REDQ draws it),
  // then the updated critic.
  std::vector<unsigned char> picks(kStream * (rows + 1));
  auto rng = rlvalue::make_rng(7);
  std::vector<Index> order(n);
  for (std::size_t i = 0; i < kStream; ++i) {
    unsigned char* p = &picks[i * (rows + 1)];
    if (pair) rlvalue::draw_random_subset(rng, 2, std::span<Index>(order));
    for (std::size_t r = 0; r < rows; ++r)
      p[r] = static_cast<unsigned char>(pair ? order[r] : static_cast<Index>(r));
    p[rows] = static_cast<unsigned char>(rlvalue::uniform_index(rng, Index(n)));
  }
  const T* first = critic_stream(S).data();
  run_stream(state, S, [&](const T& t, rlvalue::Rng&) {
    const Index next = t.next_state * kActions;
    const unsigned char* p = &picks[static_cast<std::size_t>(&t - first) * (rows + 1)];
    double x = 0.0;
    for (std::size_t r = 0; r < rows; ++r) x += tabs[p[r]][next] + tabs[p[r]][next + kActions - 1];
    tabs[p[rows]][t.state * kActions + t.action] += x;
  });
  for (const auto& table : q) benchmark::DoNotOptimize(table.data());
}

// ---- Double Q-learning ----------------------------------------------------
void BM_DoubleQ_rlvalue(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  auto q = tables(2, S);
  rlvalue::DoubleQLearning<Table> learner(q[0], q[1], {.gamma = kGamma, .step_size = kAlpha});
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) { learner.update(t, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_DoubleQ_hand_loop(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  std::vector<double> a = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue),
                      b = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue);
  double* tabs[2] = {a.data(), b.data()};
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) {
    hand_check(t, S);
    const int k = rlvalue::uniform01(rng) < 0.5 ? 0 : 1;
    double* upd = tabs[k];
    const double* other = tabs[1 - k];
    const double* sel = upd + t.next_state * kActions;
    Index best = 0;
    for (Index i = 1; i < kActions; ++i)
      if (sel[i] > sel[best]) best = i;
    const double target = t.reward + (t.terminated ? 0.0 : kGamma * other[t.next_state * kActions + best]);
    double& e = upd[t.state * kActions + t.action];
    hand_write(e, hand_error(target, e));
  });
  benchmark::DoNotOptimize(a.data());
  benchmark::DoNotOptimize(b.data());
}

void BM_DoubleQ_qlearning(benchmark::State& state) { qlearning(state); }

void BM_DoubleQ_batch(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  auto q = tables(2, S);
  rlvalue::DoubleQLearning<Table> learner(q[0], q[1], {.gamma = kGamma, .step_size = kAlpha});
  run_batches(state, S, [&](std::span<const T> b, rlvalue::Rng& rng) { learner.update_batch(b, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_DoubleQ_qlearning_batch(benchmark::State& state) { qlearning_batch(state); }
void BM_DoubleQ_lines(benchmark::State& state) { lines<Lines::double_q>(state); }
void BM_DoubleQ_qlearning_lines(benchmark::State& state) { lines<Lines::qlearning>(state); }

// ---- Clipped double Q, both critics (TD3) and one at random ---------------
template <rlvalue::CriticUpdate Mode>
void clipped(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  auto q = tables(2, S);
  rlvalue::ClippedDoubleQLearning<Table> learner(
      q[0], q[1], {.gamma = kGamma, .step_size = kAlpha, .critic_update = Mode});
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) { learner.update(t, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

template <rlvalue::CriticUpdate Mode>
void clipped_batch(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  auto q = tables(2, S);
  rlvalue::ClippedDoubleQLearning<Table> learner(
      q[0], q[1], {.gamma = kGamma, .step_size = kAlpha, .critic_update = Mode});
  run_batches(state, S, [&](std::span<const T> b, rlvalue::Rng& rng) { learner.update_batch(b, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

template <bool Both>
void clipped_hand(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  std::vector<double> a = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue),
                      b = advised_table(static_cast<std::size_t>(S * kActions), kInitialValue);
  double* tabs[2] = {a.data(), b.data()};
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) {
    hand_check(t, S);
    const double* n1 = a.data() + t.next_state * kActions;
    const double* n2 = b.data() + t.next_state * kActions;
    Index best = 0;
    for (Index i = 1; i < kActions; ++i)
      if (n1[i] > n1[best]) best = i;
    const double target = t.reward + (t.terminated ? 0.0 : kGamma * std::min(n1[best], n2[best]));
    const Index at = t.state * kActions + t.action;
    if constexpr (Both) {
      double& ea = a[static_cast<std::size_t>(at)];
      double& eb = b[static_cast<std::size_t>(at)];
      const double error_a = hand_error(target, ea);
      const double error_b = hand_error(target, eb);
      hand_write(ea, error_a);
      hand_write(eb, error_b);
    } else {
      double& e = tabs[rlvalue::uniform01(rng) < 0.5 ? 0 : 1][at];
      hand_write(e, hand_error(target, e));
    }
  });
  benchmark::DoNotOptimize(a.data());
  benchmark::DoNotOptimize(b.data());
}

void BM_ClippedBoth_rlvalue(benchmark::State& s) { clipped<rlvalue::CriticUpdate::both>(s); }
void BM_ClippedBoth_hand_loop(benchmark::State& s) { clipped_hand<true>(s); }
void BM_ClippedBoth_qlearning(benchmark::State& s) { qlearning(s); }
void BM_ClippedOne_rlvalue(benchmark::State& s) { clipped<rlvalue::CriticUpdate::one_at_random>(s); }
void BM_ClippedOne_hand_loop(benchmark::State& s) { clipped_hand<false>(s); }
void BM_ClippedOne_qlearning(benchmark::State& s) { qlearning(s); }
void BM_ClippedBoth_batch(benchmark::State& s) { clipped_batch<rlvalue::CriticUpdate::both>(s); }
void BM_ClippedBoth_qlearning_batch(benchmark::State& s) { qlearning_batch(s); }
void BM_ClippedOne_batch(benchmark::State& s) { clipped_batch<rlvalue::CriticUpdate::one_at_random>(s); }
void BM_ClippedOne_qlearning_batch(benchmark::State& s) { qlearning_batch(s); }
void BM_ClippedBoth_lines(benchmark::State& s) { lines<Lines::clipped_both>(s); }
void BM_ClippedBoth_qlearning_lines(benchmark::State& s) { lines<Lines::qlearning>(s); }
void BM_ClippedOne_lines(benchmark::State& s) { lines<Lines::clipped_one>(s); }
void BM_ClippedOne_qlearning_lines(benchmark::State& s) { lines<Lines::qlearning>(s); }

// ---- Maxmin Q-learning, N critics, one updated ---------------------------
void BM_Maxmin_rlvalue(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  const auto N = static_cast<Index>(state.range(1));
  auto q = tables(N, S);
  rlvalue::MaxminQLearning<Table> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) { learner.update(t, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_Maxmin_hand_loop(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  const auto N = static_cast<Index>(state.range(1));
  std::vector<std::vector<double>> q;
  for (Index k = 0; k < N; ++k)
    q.push_back(advised_table(static_cast<std::size_t>(S * kActions), kInitialValue));
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) {
    hand_check(t, S);
    double best = 0.0;
    for (Index i = 0; i < kActions; ++i) {
      double m = q[0][static_cast<std::size_t>(t.next_state * kActions + i)];
      for (Index k = 1; k < N; ++k)
        m = std::min(m, q[static_cast<std::size_t>(k)][static_cast<std::size_t>(t.next_state * kActions + i)]);
      best = i == 0 ? m : std::max(best, m);
    }
    const double target = t.reward + (t.terminated ? 0.0 : kGamma * best);
    auto& e = q[static_cast<std::size_t>(rlvalue::uniform_index(rng, N))]
               [static_cast<std::size_t>(t.state * kActions + t.action)];
    hand_write(e, hand_error(target, e));
  });
  benchmark::DoNotOptimize(q[0].data());
}

void BM_Maxmin_qlearning(benchmark::State& state) { qlearning(state); }

void BM_Maxmin_batch(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  const auto N = static_cast<Index>(state.range(1));
  auto q = tables(N, S);
  rlvalue::MaxminQLearning<Table> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  run_batches(state, S, [&](std::span<const T> b, rlvalue::Rng& rng) { learner.update_batch(b, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_Maxmin_qlearning_batch(benchmark::State& state) { qlearning_batch(state); }
void BM_Maxmin_lines(benchmark::State& state) { ensemble_lines(state, false); }
void BM_Maxmin_qlearning_lines(benchmark::State& state) { lines<Lines::qlearning>(state); }

// ---- REDQ-style ensemble: N critics, min over a random pair, one updated --
void BM_REDQ_rlvalue(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  const auto N = static_cast<Index>(state.range(1));
  auto q = tables(N, S);
  rlvalue::EnsembleQLearning<Table> learner(
      q, {.gamma = kGamma, .step_size = kAlpha,
          .reduction = rlvalue::EnsembleReduction::random_subset_min, .subset_size = 2,
          .update_count = 1});
  run_stream(state, S, [&](const T& t, rlvalue::Rng& rng) { learner.update(t, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_REDQ_qlearning(benchmark::State& state) { qlearning(state); }

void BM_REDQ_batch(benchmark::State& state) {
  const auto S = static_cast<Index>(state.range(0));
  const auto N = static_cast<Index>(state.range(1));
  auto q = tables(N, S);
  rlvalue::EnsembleQLearning<Table> learner(
      q, {.gamma = kGamma, .step_size = kAlpha,
          .reduction = rlvalue::EnsembleReduction::random_subset_min, .subset_size = 2,
          .update_count = 1});
  run_batches(state, S, [&](std::span<const T> b, rlvalue::Rng& rng) { learner.update_batch(b, rng); });
  benchmark::DoNotOptimize(q[0].parameters().data());
}

void BM_REDQ_qlearning_batch(benchmark::State& state) { qlearning_batch(state); }
void BM_REDQ_lines(benchmark::State& state) { ensemble_lines(state, true); }
void BM_REDQ_qlearning_lines(benchmark::State& state) { lines<Lines::qlearning>(state); }

}  // namespace

BENCHMARK(BM_DoubleQ_rlvalue)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_hand_loop)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_qlearning)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_qlearning_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_DoubleQ_qlearning_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_rlvalue)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_hand_loop)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_qlearning)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_qlearning_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedBoth_qlearning_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_rlvalue)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_hand_loop)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_qlearning)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_qlearning_batch)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_ClippedOne_qlearning_lines)->Arg(10'000)->Arg(1'000'000);
BENCHMARK(BM_Maxmin_rlvalue)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_hand_loop)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_qlearning)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_batch)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_qlearning_batch)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_lines)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_Maxmin_qlearning_lines)->ArgsProduct({{10'000, 1'000'000}, {2, 4, 8}});
BENCHMARK(BM_REDQ_rlvalue)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
BENCHMARK(BM_REDQ_qlearning)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
BENCHMARK(BM_REDQ_batch)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
BENCHMARK(BM_REDQ_qlearning_batch)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
BENCHMARK(BM_REDQ_lines)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
BENCHMARK(BM_REDQ_qlearning_lines)->ArgsProduct({{10'000, 1'000'000}, {4, 8}});
