// Linear TD(lambda) and sparse-trace SARSA(lambda) throughput, each beside a
// hand-written loop doing the same arithmetic on raw arrays:
//   * TDLambdaTiles:  TDLambda<LinearV<TileCoding<2>>> (8 tilings of 8 x 8
//     tiles, 648 weights, accumulating dense trace) over a stream of 2-D
//     states; hand_loop computes the same tiles and updates by hand (the
//     decay and the weight update fused in one pass, as rlvalue does);
//     min_of_interleaved times both in turn, chunk by chunk, and reports the
//     ratio of their fastest chunks (robust to load on a shared machine).
//   * TDLambdaDense:  TDLambda over dense features of d = 64 and 1024 (a
//     feature table read per state, so the feature cost is the same copy in
//     both); hand_loop: v = w.x, v' = w.x', z = gl z + x, w += a d z.
//   * SarsaLambdaSparse: SarsaLambda<TabularQ, SparseTrace> (4 actions,
//     gamma*lambda = 0.81, tolerance 1e-4: at most 44 entries, about 36 on
//     average, reported as active_traces) on tables of 1,000 to 1,000,000
//     states with uniformly random states: the work per step is set by the
//     active entries, not the table (the time still rises once the table
//     leaves the cache, each entry being a cache miss, in hand_loop too);
//     `dense` is the same learner with a dense trace, O(table) per step.
// bench/ratios.py turns the JSON output into ratios to the rlvalue variant.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <span>
#include <string_view>
#include <vector>

#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/sarsa_lambda.hpp"
#include "rlvalue/learners/td_lambda.hpp"

namespace {

using rlvalue::Index;
constexpr std::size_t kStream = std::size_t{1} << 16;
constexpr std::size_t kBatch = 1024;
constexpr double kGamma = 0.9, kLambda = 0.9, kAlpha = 0.01;

// ---- tile coding -----------------------------------------------------------
using Tiles = rlvalue::TileCoding<2>;
using State2 = Eigen::Vector2d;

const std::vector<rlvalue::Transition<State2>>& tile_stream() {
  static std::vector<rlvalue::Transition<State2>> stream = [] {
    std::vector<rlvalue::Transition<State2>> s(kStream);
    auto rng = rlvalue::make_rng(77);
    State2 x(0.5, 0.5);
    for (auto& t : s) {
      State2 y = x + State2(rlvalue::uniform01(rng) - 0.5, rlvalue::uniform01(rng) - 0.5) * 0.1;
      y = y.cwiseMax(0.0).cwiseMin(1.0);
      t = {.state = x, .reward = rlvalue::uniform01(rng) - 0.5, .next_state = y,
           .terminated = rlvalue::uniform01(rng) < 0.01};
      x = t.terminated ? State2(rlvalue::uniform01(rng), rlvalue::uniform01(rng)) : y;
    }
    return s;
  }();
  return stream;
}

Tiles make_tiles() {
  return Tiles({.num_tilings = 8, .low = {0.0, 0.0}, .high = {1.0, 1.0}, .tiles = {8, 8}});
}

// Placements: both variants keep kPlacements copies of their state with the
// trace 0, 256, ..., 3840 bytes further from the weights (a padding
// allocation between the two) and take them in turn, one per batch, so that
// the ratio compares code over every relative placement of the two arrays,
// not one heap layout. (An earlier suspicion that the distance modulo 4 KiB
// changes the fused loop's speed 1.5x did not hold up: min-of-300 timings
// per placement, 2026-12-03, gave the hand loop 240-245 ns at all 16
// distances; the spread seen before came from load on the shared cores.)
constexpr int kPlacements = 16;
constexpr std::size_t kPlacementStep = 256;

struct TilesLearner {
  using V = rlvalue::LinearV<Tiles>;
  std::unique_ptr<V> v;
  std::vector<char> pad;
  std::unique_ptr<rlvalue::TDLambda<V>> td;
  explicit TilesLearner(std::size_t padding)
      : v(std::make_unique<V>(make_tiles())),
        pad(padding + 1),
        td(std::make_unique<rlvalue::TDLambda<V>>(
            *v, rlvalue::TDLambdaConfig{.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda})) {}
};

void BM_TDLambdaTiles_rlvalue(benchmark::State& state) {
  const auto& stream = tile_stream();
  std::vector<TilesLearner> learners;
  learners.reserve(kPlacements);
  for (int p = 0; p < kPlacements; ++p) learners.emplace_back(static_cast<std::size_t>(p) * kPlacementStep);
  std::size_t pos = 0;
  int p = 0;
  for (auto _ : state) {
    auto& td = *learners[static_cast<std::size_t>(p)].td;
    for (std::size_t i = 0; i < kBatch; ++i) td.update(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
    p = (p + 1) % kPlacements;
  }
  for (const auto& l : learners) benchmark::DoNotOptimize(l.v->parameters().data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Hand-written: the same tiles (q_i = floor(8*8*x_i) clamped, offsets
// (t*(2i+1)) mod 8), then the accumulating-trace update over all weights.
constexpr Index kHandTilings = 8, kHandGrid = 81, kHandWeights = kHandTilings * kHandGrid;

inline void hand_tiles(const State2& x, Index* out) {
  constexpr Index n = kHandTilings, grid = kHandGrid;
  Index q[2];
  for (int i = 0; i < 2; ++i) {
    Index qi = static_cast<Index>(std::floor(x[i] * 64.0));
    q[i] = qi < 0 ? 0 : (qi > 64 ? 64 : qi);
  }
  for (Index t = 0; t < n; ++t) out[t] = t * grid + (q[0] + t % n) / n + ((q[1] + (3 * t) % n) / n) * 9;
}

// One hand-written TD(lambda) step on the weights w and the trace z.
inline void hand_tiles_update(std::vector<double>& w, std::vector<double>& z,
                              const rlvalue::Transition<State2>& t) {
  constexpr Index n = kHandTilings, P = kHandWeights;
  Index a[n], b[n];
  hand_tiles(t.state, a);
  double v = 0, v2 = 0;
  for (Index k = 0; k < n; ++k) v += w[a[k]];
  if (!t.terminated) {
    hand_tiles(t.next_state, b);
    for (Index k = 0; k < n; ++k) v2 += w[b[k]];
  }
  const double delta = t.reward + (t.terminated ? 0.0 : kGamma * v2) - v;
  if (!std::isfinite(delta)) throw std::invalid_argument("non-finite");
  const double c = kAlpha * delta;
  for (Index k = 0; k < P; ++k) {  // z = gl z; w += a d z, fused
    z[k] *= kGamma * kLambda;
    w[k] += c * z[k];
  }
  for (Index k = 0; k < n; ++k) {  // then the active tiles: z += x, w += a d x
    z[a[k]] += 1.0;
    w[a[k]] += c;
  }
  if (t.terminated || t.truncated) std::fill(z.begin(), z.end(), 0.0);
}

struct HandBuffers {  // weights, padding, trace: allocated in the order of the rlvalue variant
  explicit HandBuffers(std::size_t padding) : w(kHandWeights, 0.0), pad(padding + 1), z(kHandWeights, 0.0) {}
  std::vector<double> w;
  std::vector<char> pad;
  std::vector<double> z;
};

void BM_TDLambdaTiles_hand_loop(benchmark::State& state) {
  const auto& stream = tile_stream();
  std::vector<std::unique_ptr<HandBuffers>> placements;
  placements.reserve(kPlacements);
  for (int p = 0; p < kPlacements; ++p)
    placements.push_back(std::make_unique<HandBuffers>(static_cast<std::size_t>(p) * kPlacementStep));
  std::size_t pos = 0;
  int p = 0;
  for (auto _ : state) {
    auto& buffers = *placements[static_cast<std::size_t>(p)];
    for (std::size_t i = 0; i < kBatch; ++i) hand_tiles_update(buffers.w, buffers.z, stream[pos + i]);
    pos = (pos + kBatch) % kStream;
    p = (p + 1) % kPlacements;
  }
  for (const auto& buffers : placements) benchmark::DoNotOptimize(buffers->w.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// Both variants timed in turn, chunk by chunk, over the 16 placements: each
// iteration times one chunk of 256 updates of each variant at every
// placement and keeps, per variant and placement, the fastest chunk seen.
// On a shared machine a chunk is either undisturbed or slowed by the other
// jobs, so the minima over the run estimate the undisturbed times, which
// medians of whole-batch timings do not (they swung 0.7-1.05 between runs
// at load 1.3). Counters: rlvalue_ns and hand_ns (per update, mean over the
// placements of the minima) and hand_over_rlvalue, the ratio reported in
// the README. Run with the default 300 iterations.
void BM_TDLambdaTiles_min_of_interleaved(benchmark::State& state) {
  const auto& stream = tile_stream();
  constexpr std::size_t chunk = 256;
  std::vector<TilesLearner> learners;
  std::vector<std::unique_ptr<HandBuffers>> hands;
  learners.reserve(kPlacements);
  for (int p = 0; p < kPlacements; ++p) {
    learners.emplace_back(static_cast<std::size_t>(p) * kPlacementStep);
    hands.push_back(std::make_unique<HandBuffers>(static_cast<std::size_t>(p) * kPlacementStep));
  }
  std::vector<double> best_lib(kPlacements, 1e300), best_hand(kPlacements, 1e300);
  using Clock = std::chrono::steady_clock;
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t p = 0; p < static_cast<std::size_t>(kPlacements); ++p) {
      auto& td = *learners[p].td;
      auto t0 = Clock::now();
      for (std::size_t i = 0; i < chunk; ++i) td.update(stream[(pos + i) % kStream]);
      auto t1 = Clock::now();
      best_lib[p] = std::min(best_lib[p], std::chrono::duration<double, std::nano>(t1 - t0).count());
      t0 = Clock::now();
      for (std::size_t i = 0; i < chunk; ++i) hand_tiles_update(hands[p]->w, hands[p]->z, stream[(pos + i) % kStream]);
      t1 = Clock::now();
      best_hand[p] = std::min(best_hand[p], std::chrono::duration<double, std::nano>(t1 - t0).count());
      pos = (pos + chunk) % kStream;
    }
  }
  double lib = 0, hand = 0;
  for (std::size_t p = 0; p < static_cast<std::size_t>(kPlacements); ++p) {
    lib += best_lib[p];
    hand += best_hand[p];
    benchmark::DoNotOptimize(learners[p].v->parameters().data());
    benchmark::DoNotOptimize(hands[p]->w.data());
  }
  const double per = static_cast<double>(kPlacements) * static_cast<double>(chunk);
  state.counters["rlvalue_ns"] = lib / per;
  state.counters["hand_ns"] = hand / per;
  state.counters["hand_over_rlvalue"] = hand / lib;
}

// ---- dense features ----------------------------------------------------------
constexpr Index kTableStates = 256;

// A dense feature map reading row s of a fixed random table (the feature
// cost is one copy of d values, the same in the hand loop).
class TableFeatures {
 public:
  using state_type = Index;
  explicit TableFeatures(Index d) : table_(Eigen::MatrixXd::Zero(d, kTableStates)) {
    auto rng = rlvalue::make_rng(5, static_cast<std::uint64_t>(d));
    for (Index j = 0; j < kTableStates; ++j)
      for (Index i = 0; i < d; ++i) table_(i, j) = (rlvalue::uniform01(rng) - 0.5) / std::sqrt(double(d));
  }
  Index num_features() const noexcept { return table_.rows(); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, kTableStates);
  }
  template <class T>
  void write(Index s, std::span<T> out) const noexcept {
    const double* col = table_.data() + s * table_.rows();
    for (Index i = 0; i < table_.rows(); ++i) out[static_cast<std::size_t>(i)] = static_cast<T>(col[i]);
  }
  const Eigen::MatrixXd& table() const noexcept { return table_; }

 private:
  Eigen::MatrixXd table_;
};
static_assert(rlvalue::DenseFeatureMap<TableFeatures>);

const std::vector<rlvalue::Transition<>>& index_stream(Index states) {
  static std::vector<rlvalue::Transition<>> cache;
  static Index cached = -1;
  if (cached != states) {
    auto rng = rlvalue::make_rng(99, static_cast<std::uint64_t>(states));
    cache.resize(kStream);
    for (auto& t : cache)
      t = {.state = rlvalue::uniform_index(rng, states), .action = rlvalue::uniform_index(rng, 4),
           .reward = rlvalue::uniform01(rng) - 0.5, .next_state = rlvalue::uniform_index(rng, states),
           .terminated = rlvalue::uniform01(rng) < 0.01};
    cached = states;
  }
  return cache;
}

void BM_TDLambdaDense_rlvalue(benchmark::State& state) {
  const Index d = state.range(0);
  const auto& stream = index_stream(kTableStates);
  rlvalue::LinearV<TableFeatures> v{TableFeatures(d)};
  rlvalue::TDLambda<rlvalue::LinearV<TableFeatures>> td(v, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda});
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) td.update(stream[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(v.parameters().data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

void BM_TDLambdaDense_hand_loop(benchmark::State& state) {
  const Index d = state.range(0);
  const auto& stream = index_stream(kTableStates);
  const TableFeatures features(d);
  std::vector<double> w(static_cast<std::size_t>(d), 0.0), z(w), x(w), x2(w);
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      const auto& t = stream[pos + i];
      features.write(t.state, std::span<double>(x));
      double v = 0, v2 = 0;
      for (Index k = 0; k < d; ++k) v += w[k] * x[k];
      if (!t.terminated) {
        features.write(t.next_state, std::span<double>(x2));
        for (Index k = 0; k < d; ++k) v2 += w[k] * x2[k];
      }
      const double delta = t.reward + (t.terminated ? 0.0 : kGamma * v2) - v;
      if (!std::isfinite(delta)) throw std::invalid_argument("non-finite");
      const double c = kAlpha * delta;
      for (Index k = 0; k < d; ++k) {
        z[k] = kGamma * kLambda * z[k] + x[k];
        w[k] += c * z[k];
      }
      if (t.terminated || t.truncated) std::fill(z.begin(), z.end(), 0.0);
    }
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(w.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

// ---- sparse-trace SARSA(lambda) on big tables --------------------------------
template <class Trace>
void sarsa_lambda(benchmark::State& state) {
  const Index states = state.range(0);
  const auto& stream = index_stream(states);
  rlvalue::TabularQ<double> q(states, 4, 1.0);
  rlvalue::SarsaLambda<rlvalue::TabularQ<double>, Trace> learner(
      q, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda, .trace_tolerance = 1e-4});
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      const auto& t = stream[pos + i];
      learner.update(t, stream[(pos + i + 1) % kStream].action);
    }
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q.parameters().data());
  // Mean number of trace entries a step touches, over one more (untimed) batch.
  double active = 0.0;
  for (std::size_t i = 0; i < kBatch; ++i) {
    learner.update(stream[pos + i], stream[(pos + i + 1) % kStream].action);
    active += static_cast<double>(learner.trace().active_count());
  }
  state.counters["active_traces"] = active / double(kBatch);
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}
void BM_SarsaLambdaSparse_rlvalue(benchmark::State& state) { sarsa_lambda<rlvalue::SparseTrace<double>>(state); }
void BM_SarsaLambdaSparse_dense(benchmark::State& state) { sarsa_lambda<rlvalue::DenseTrace<double>>(state); }

// Hand-written sparse trace: the same active-list bookkeeping on raw arrays.
void BM_SarsaLambdaSparse_hand_loop(benchmark::State& state) {
  const Index states = state.range(0);
  const auto& stream = index_stream(states);
  std::vector<double> q(static_cast<std::size_t>(states * 4), 1.0), z(q.size(), 0.0);
  std::vector<Index> slot(q.size(), -1), active;
  active.reserve(q.size());
  const double decay = kGamma * kLambda;
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) {
      const auto& t = stream[pos + i];
      const Index next = stream[(pos + i + 1) % kStream].action;
      const Index sa = t.state * 4 + t.action;
      const double delta = t.reward + (t.terminated ? 0.0 : kGamma * q[t.next_state * 4 + next]) - q[sa];
      if (!std::isfinite(delta)) throw std::invalid_argument("non-finite");
      const double c = kAlpha * delta;
      for (std::size_t k = 0; k < active.size();) {  // decay, drop, apply: one pass
        const Index j = active[k];
        z[j] *= decay;
        if (std::abs(z[j]) < 1e-4) {
          z[j] = 0;
          slot[j] = -1;
          const Index last = active.back();
          active[k] = last;
          if (last != j) slot[last] = static_cast<Index>(k);
          active.pop_back();
        } else {
          q[j] += c * z[j];
          ++k;
        }
      }
      if (slot[sa] < 0) {
        slot[sa] = static_cast<Index>(active.size());
        active.push_back(sa);
      }
      z[sa] += 1.0;
      q[sa] += c;
      if (t.terminated || t.truncated) {
        for (Index j : active) {
          z[j] = 0;
          slot[j] = -1;
        }
        active.clear();
      }
    }
    pos = (pos + kBatch) % kStream;
  }
  benchmark::DoNotOptimize(q.data());
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kBatch));
}

}  // namespace

BENCHMARK(BM_TDLambdaTiles_rlvalue);
BENCHMARK(BM_TDLambdaTiles_hand_loop);
BENCHMARK(BM_TDLambdaTiles_min_of_interleaved)->Iterations(300);
BENCHMARK(BM_TDLambdaDense_rlvalue)->Arg(64)->Arg(1024);
BENCHMARK(BM_TDLambdaDense_hand_loop)->Arg(64)->Arg(1024);
BENCHMARK(BM_SarsaLambdaSparse_rlvalue)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_SarsaLambdaSparse_hand_loop)->Arg(1'000)->Arg(100'000)->Arg(1'000'000);
BENCHMARK(BM_SarsaLambdaSparse_dense)->Arg(1'000)->Arg(100'000);
