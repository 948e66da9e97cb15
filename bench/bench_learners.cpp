// Tabular learners' throughput (issue 9), each beside its limit in the same
// binary: a hand-written loop doing the same arithmetic on raw arrays (the
// `hand_loop` variant). Unless a comment says otherwise the hand loops make
// the checks rlvalue makes on every update: indices in range
// (std::out_of_range) and a finite error or reward (std::invalid_argument),
// so the ratio measures the cost of the abstraction, not of the checks.
// Families (A = 4 actions, gamma = 0.99, constant step sizes):
//   * TD0{Float,Double}, Sarsa{Float,Double}, ExpectedSarsa{Float,Double}:
//     one-step learners on tables of 1,000 states (fits in cache).
//   * MonteCarlo: every-visit Monte Carlo on 1,000 states, episodes of ~90
//     steps (the items are transitions; the work happens at episode ends).
//   * NStepTD: n = 4 on 1,000 states.
//   * TrueOnlineTDLambda, QLambda (Watkins, accumulating), RetraceLambda
//     (OffPolicyQLambda with the Retrace coefficient): dense traces, so the
//     work per step is O(table): 64 states (x 4 actions for the Q learners).
//   * LogQLearning: OrchestratedQLearning with the polar decomposition and two
//     logarithmic channels (c = 1, k = 200), 1,000 states.
//   * QuantileQLearning: m = 32 quantiles, kappa = 0; CategoricalQLearning:
//     51 atoms on [-10, 10]; 1,000 states each.
// The transitions are a pre-generated stream of chained episodes (s_t =
// s'_{t-1} within an episode; termination with probability 0.01, truncation
// 0.001), made with rlvalue/core/rng.hpp from fixed seeds; the next action
// of SARSA and Q(lambda) is the action of the following transition.
// Each benchmark runs for 0.2 s (MinTime). bench/ratios.py turns the JSON
// output into ratios rlvalue / hand_loop.
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <utility>
#include <vector>

#include "hand_loop_checks.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/log_q_learning.hpp"
#include "rlvalue/learners/monte_carlo.hpp"
#include "rlvalue/learners/n_step_td.hpp"
#include "rlvalue/learners/off_policy_q_lambda.hpp"
#include "rlvalue/learners/q_lambda.hpp"
#include "rlvalue/learners/quantile_td.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/learners/true_online_td_lambda.hpp"

namespace {

using rlvalue::Index;
constexpr Index kActions = 4;
constexpr Index kStates = 1000;      // tables of the one-step learners
constexpr Index kTraceStates = 64;   // tables of the dense-trace learners
constexpr std::size_t kStream = std::size_t{1} << 16;
constexpr std::size_t kBatch = 1024;  // transitions per benchmark iteration
constexpr double kGamma = 0.99, kAlpha = 0.1, kLambda = 0.9;
constexpr double kMinTime = 0.2;
// The target policy's probabilities at every s' (Expected SARSA, Retrace);
// the behaviour policy is uniform (mu = 1/4).
constexpr double kProbs[kActions] = {0.1, 0.2, 0.3, 0.4};
constexpr double kMu = 0.25;

template <class S>
using Tr = rlvalue::Transition<Index, Index, S>;

// Chained episodes over `states` states; the last transition terminates, so
// the stream can be replayed in a loop (Monte Carlo checks continuity).
template <class S>
const std::vector<Tr<S>>& stream_for(Index states) {
  static std::vector<Tr<S>> cache;
  static Index cached = -1;
  if (cached != states) {
    auto rng = rlvalue::make_rng(2024, static_cast<std::uint64_t>(states));
    cache.resize(kStream);
    Index s = rlvalue::uniform_index(rng, states);
    for (auto& t : cache) {
      t.state = s;
      t.action = rlvalue::uniform_index(rng, kActions);
      t.reward = static_cast<S>(rlvalue::uniform01(rng) - 0.5);
      t.next_state = rlvalue::uniform_index(rng, states);
      t.terminated = rlvalue::uniform01(rng) < 0.01;
      t.truncated = !t.terminated && rlvalue::uniform01(rng) < 0.001;
      s = (t.terminated || t.truncated) ? rlvalue::uniform_index(rng, states) : t.next_state;
    }
    cache.back().terminated = true;
    cache.back().truncated = false;
    cached = states;
  }
  return cache;
}

// The checks of the hand loops. Table sizes reach them through opaque(), so
// that, as in rlvalue's tables, they are run-time values (not constants the
// compiler folds into the comparisons and the row arithmetic).
template <class S>
inline void need_finite(S x) {
  if (!std::isfinite(x)) [[unlikely]]
    throw std::invalid_argument("not finite");
}
// ExpectedSarsa's and OffPolicyQLambda's check of next_probs: each entry in
// [0, 1], the sum within 1e-6 of 1 (in double, as rlvalue).
template <class P>
inline void need_probabilities(const P& p) {
  double sum = 0.0;
  for (Index i = 0; i < kActions; ++i) {
    const double x = static_cast<double>(p[i]);
    if (!(x >= 0.0 && x <= 1.0)) [[unlikely]]
      throw std::invalid_argument("probability");
    sum += x;
  }
  if (!(std::abs(sum - 1.0) <= 1e-6)) [[unlikely]]
    throw std::invalid_argument("sum");
}

// Runs step(stream, i) over kBatch transitions per iteration, cycling
// through the stream, and reports transitions per second.
template <class Stream, class Step>
void run(benchmark::State& state, const Stream& stream, Step step) {
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) step(pos + i);
    pos = (pos + kBatch) % stream.size();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kBatch));
}

// The action of the transition after i (the next action a').
template <class Stream>
Index next_action(const Stream& stream, std::size_t i) {
  return stream[(i + 1) % stream.size()].action;
}

template <class S>
Eigen::Matrix<S, kActions, 1> probs() {
  Eigen::Matrix<S, kActions, 1> p;
  for (Index a = 0; a < kActions; ++a) p[a] = static_cast<S>(kProbs[a]);
  return p;
}

// ---- TD(0) -------------------------------------------------------------------
template <class S>
void td0_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  rlvalue::TabularV<S> v(kStates, S(1));
  rlvalue::TD0<rlvalue::TabularV<S>> td(v, {.gamma = kGamma, .step_size = kAlpha});
  run(state, stream, [&](std::size_t i) { td.update(stream[i]); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// Checks: state and next_state in range, finite error, finite result.
template <class S>
void td0_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  std::vector<S> table(kStates, S(1));
  S* v = table.data();
  const S gamma = static_cast<S>(kGamma), alpha = static_cast<S>(kAlpha);
  const Index states = opaque(kStates);
  run(state, stream, [&](std::size_t i) {
    const Tr<S>& t = stream[i];
    need_index(t.state, states);
    need_index(t.next_state, states);
    const S v_next = t.terminated ? S(0) : v[t.next_state];
    const S error = t.reward + (t.terminated ? S(0) : gamma) * v_next - v[t.state];
    need_finite(error);
    const S updated = v[t.state] + alpha * error;
    need_finite(updated);
    v[t.state] = updated;
  });
  benchmark::DoNotOptimize(v);
}

// ---- SARSA -------------------------------------------------------------------
template <class S>
void sarsa_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  rlvalue::TabularQ<S> q(kStates, kActions, S(1));
  rlvalue::Sarsa<rlvalue::TabularQ<S>> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  run(state, stream, [&](std::size_t i) { learner.update(stream[i], next_action(stream, i)); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// Checks: state, action, next_state, next_action in range, finite error,
// finite result.
template <class S>
void sarsa_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  std::vector<S> table(kStates * kActions, S(1));
  S* q = table.data();
  const S gamma = static_cast<S>(kGamma), alpha = static_cast<S>(kAlpha);
  const Index states = opaque(kStates), actions = opaque(kActions);
  run(state, stream, [&](std::size_t i) {
    const Tr<S>& t = stream[i];
    const Index a2 = next_action(stream, i);
    need_index(t.state, states);
    need_index(t.action, actions);
    need_index(t.next_state, states);
    need_index(a2, actions);
    S& entry = q[t.state * actions + t.action];
    const S q_next = t.terminated ? S(0) : q[t.next_state * actions + a2];
    const S error = t.reward + (t.terminated ? S(0) : gamma) * q_next - entry;
    need_finite(error);
    const S updated = entry + alpha * error;
    need_finite(updated);
    entry = updated;
  });
  benchmark::DoNotOptimize(q);
}

// ---- Expected SARSA ----------------------------------------------------------
template <class S>
void expected_sarsa_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  rlvalue::TabularQ<S> q(kStates, kActions, S(1));
  rlvalue::ExpectedSarsa<rlvalue::TabularQ<S>> learner(q, {.gamma = kGamma, .step_size = kAlpha});
  const auto p = probs<S>();
  run(state, stream, [&](std::size_t i) { learner.update(stream[i], p); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// Checks: indices, next_probs (entries in [0, 1], sum 1 within 1e-6), finite
// error, finite result. (The sum over the 4 actions keeps its constant trip
// count: rlvalue's rows are dynamic, so this favours the loop.)
template <class S>
void expected_sarsa_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<S>(kStates);
  std::vector<S> table(kStates * kActions, S(1));
  S* q = table.data();
  const S gamma = static_cast<S>(kGamma), alpha = static_cast<S>(kAlpha);
  const auto p = probs<S>();
  const Index states = opaque(kStates), actions = opaque(kActions);
  run(state, stream, [&](std::size_t i) {
    const Tr<S>& t = stream[i];
    need_index(t.state, states);
    need_index(t.action, actions);
    need_index(t.next_state, states);
    need_probabilities(p);
    const S* next = q + t.next_state * actions;
    S expected = S(0);
    for (Index a = 0; a < kActions; ++a) expected += p[a] * next[a];
    S& entry = q[t.state * actions + t.action];
    const S error = t.reward + (t.terminated ? S(0) : gamma) * expected - entry;
    need_finite(error);
    const S updated = entry + alpha * error;
    need_finite(updated);
    entry = updated;
  });
  benchmark::DoNotOptimize(q);
}

// ---- Monte Carlo -------------------------------------------------------------
void BM_MonteCarlo_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  rlvalue::TabularV<double> v(kStates, 1.0);
  rlvalue::MonteCarlo<rlvalue::TabularV<double>> mc(v, {.gamma = kGamma, .step_size = kAlpha});
  run(state, stream, [&](std::size_t i) { mc.update(stream[i]); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// Checks: indices, finite reward, the state continues the pending episode,
// every return and error finite (checked over the episode before any write),
// each result finite before it is written.
void BM_MonteCarlo_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  std::vector<double> table(kStates, 1.0);
  double* v = table.data();
  struct Step {
    Index state;
    double reward, ret;
  };
  std::vector<Step> episode;
  episode.reserve(1024);
  Index last_next = -1;
  const Index states = opaque(kStates);
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    need_index(t.state, states);
    need_index(t.next_state, states);
    need_finite(t.reward);
    if (!episode.empty() && t.state != last_next) [[unlikely]]
      throw std::invalid_argument("discontinuity");
    episode.push_back({t.state, t.reward, 0.0});
    last_next = t.next_state;
    if (!t.terminated && !t.truncated) return;
    double g = t.terminated ? 0.0 : v[t.next_state];
    for (std::size_t k = episode.size(); k-- > 0;) {
      g = episode[k].reward + kGamma * g;
      episode[k].ret = g;
      need_finite(g - v[episode[k].state]);
    }
    for (std::size_t k = episode.size(); k-- > 0;) {
      double& entry = v[episode[k].state];
      const double updated = entry + kAlpha * (episode[k].ret - entry);
      need_finite(updated);
      entry = updated;
    }
    episode.clear();
  });
  benchmark::DoNotOptimize(v);
}

// ---- n-step TD ---------------------------------------------------------------
constexpr Index kN = 4;

void BM_NStepTD_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  rlvalue::TabularV<double> v(kStates, 1.0);
  rlvalue::NStepTD<rlvalue::TabularV<double>> td(v, {.gamma = kGamma, .step_size = kAlpha, .n = kN});
  run(state, stream, [&](std::size_t i) { td.update(stream[i]); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// Checks: indices, finite reward, a finite result before each write.
// A ring of the last n (state, reward).
void BM_NStepTD_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  std::vector<double> table(kStates, 1.0);
  double* v = table.data();
  Index ring_state[kN];
  double ring_reward[kN];
  Index head = 0, size = 0;
  auto n_step_return = [&](double bootstrap) {
    double g = bootstrap;
    for (Index k = size; k-- > 0;) g = ring_reward[(head + k) % kN] + kGamma * g;
    return g;
  };
  auto learn_front = [&](double g) {
    const Index s = ring_state[head];
    const double updated = v[s] + kAlpha * (g - v[s]);
    need_finite(updated);
    v[s] = updated;
    head = (head + 1) % kN;
    --size;
  };
  const Index states = opaque(kStates);
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    need_index(t.state, states);
    need_index(t.next_state, states);
    need_finite(t.reward);
    const Index slot = (head + size) % kN;
    ring_state[slot] = t.state;
    ring_reward[slot] = t.reward;
    ++size;
    if (t.terminated || t.truncated) {
      const double bootstrap = t.terminated ? 0.0 : v[t.next_state];
      while (size > 0) learn_front(n_step_return(bootstrap));
      head = 0;
      return;
    }
    if (size < kN) return;
    learn_front(n_step_return(v[t.next_state]));
  });
  benchmark::DoNotOptimize(v);
}

// ---- true online TD(lambda), tabular -----------------------------------------
void BM_TrueOnlineTDLambda_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  rlvalue::TabularV<double> v(kTraceStates, 1.0);
  rlvalue::TrueOnlineTDLambda<rlvalue::TabularV<double>> td(
      v, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda});
  run(state, stream, [&](std::size_t i) { td.update(stream[i]); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// Checks: indices, finite error. x = e_s: z.x = z_s, and the dutch trace
// only changes z_s beyond the decay.
void BM_TrueOnlineTDLambda_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  std::vector<double> wv(kTraceStates, 1.0), zv(kTraceStates, 0.0);
  double v_old = 0.0;
  constexpr double gl = kGamma * kLambda;
  run(state, stream, [&](std::size_t i) {
    double* __restrict w = wv.data();  // the trace and the weights never alias
    double* __restrict z = zv.data();
    const Tr<double>& t = stream[i];
    need_index(t.state, kTraceStates);
    need_index(t.next_state, kTraceStates);
    const double v = w[t.state];
    const double v_next = t.terminated ? 0.0 : w[t.next_state];
    const double delta = t.reward + (t.terminated ? 0.0 : kGamma) * v_next - v;
    need_finite(delta);
    for (Index k = 0; k < kTraceStates; ++k) z[k] *= gl;
    z[t.state] += 1.0 - kAlpha * z[t.state];
    const double c = kAlpha * (delta + v - v_old);
    for (Index k = 0; k < kTraceStates; ++k) w[k] += c * z[k];
    w[t.state] -= kAlpha * (v - v_old);
    v_old = v_next;
    if (t.terminated || t.truncated) {
      std::fill(z, z + kTraceStates, 0.0);
      v_old = 0.0;
    }
  });
  benchmark::DoNotOptimize(wv.data());
}

// ---- Watkins's Q(lambda), tabular --------------------------------------------
constexpr Index kTraceEntries = kTraceStates * kActions;

void BM_QLambda_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  rlvalue::TabularQ<double> q(kTraceStates, kActions, 1.0);
  rlvalue::QLambda<rlvalue::TabularQ<double>> learner(
      q, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda});
  run(state, stream, [&](std::size_t i) { learner.update(stream[i], next_action(stream, i)); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// Checks: state, action, next_state, next_action in range, finite error.
void BM_QLambda_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  std::vector<double> wv(kTraceEntries, 1.0), zv(kTraceEntries, 0.0);
  run(state, stream, [&](std::size_t i) {
    double* __restrict w = wv.data();  // the trace and the weights never alias
    double* __restrict z = zv.data();
    const Tr<double>& t = stream[i];
    const Index a2 = next_action(stream, i);
    need_index(t.state, kTraceStates);
    need_index(t.action, kActions);
    need_index(t.next_state, kTraceStates);
    need_index(a2, kActions);
    double v_next = 0.0;
    bool greedy_next = true;
    if (!t.terminated) {
      const double* next = w + t.next_state * kActions;
      v_next = next[0];
      for (Index a = 1; a < kActions; ++a) v_next = std::max(v_next, next[a]);
      greedy_next = !(next[a2] < v_next);
    }
    const Index sa = t.state * kActions + t.action;
    const double delta = t.reward + (t.terminated ? 0.0 : kGamma) * v_next - w[sa];
    need_finite(delta);
    for (Index k = 0; k < kTraceEntries; ++k) z[k] *= kGamma * kLambda;
    z[sa] += 1.0;
    const double c = kAlpha * delta;
    for (Index k = 0; k < kTraceEntries; ++k) w[k] += c * z[k];
    if (!greedy_next || t.terminated || t.truncated) std::fill(z, z + kTraceEntries, 0.0);
  });
  benchmark::DoNotOptimize(wv.data());
}

// ---- Retrace(lambda): OffPolicyQLambda with the Retrace coefficient ----------
void BM_RetraceLambda_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  rlvalue::TabularQ<double> q(kTraceStates, kActions, 1.0);
  rlvalue::RetraceLambda<rlvalue::TabularQ<double>> learner(
      q, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda});
  const auto p = probs<double>();
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    learner.update(t, p, kProbs[t.action], kMu);
  });
  benchmark::DoNotOptimize(q.parameters().data());
}

// Checks: indices, next_probs, pi in [0, 1], mu in (0, 1], finite error.
void BM_RetraceLambda_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kTraceStates);
  std::vector<double> wv(kTraceEntries, 1.0), zv(kTraceEntries, 0.0);
  const auto p = probs<double>();
  run(state, stream, [&](std::size_t i) {
    double* __restrict w = wv.data();  // the trace and the weights never alias
    double* __restrict z = zv.data();
    const Tr<double>& t = stream[i];
    need_index(t.state, kTraceStates);
    need_index(t.action, kActions);
    need_index(t.next_state, kTraceStates);
    need_probabilities(p);
    const double pi = kProbs[t.action], mu = kMu;
    if (!(pi >= 0.0 && pi <= 1.0)) throw std::invalid_argument("pi");
    if (!(mu > 0.0 && mu <= 1.0)) throw std::invalid_argument("mu");
    const double* next = w + t.next_state * kActions;
    double expected = 0.0;
    for (Index a = 0; a < kActions; ++a) expected += p[a] * next[a];
    const Index sa = t.state * kActions + t.action;
    const double delta = t.reward + (t.terminated ? 0.0 : kGamma) * expected - w[sa];
    need_finite(delta);
    const double decay = kGamma * (kLambda * std::min(1.0, pi / mu));
    for (Index k = 0; k < kTraceEntries; ++k) z[k] *= decay;
    z[sa] += 1.0;
    const double c = kAlpha * delta;
    for (Index k = 0; k < kTraceEntries; ++k) w[k] += c * z[k];
    if (t.terminated || t.truncated) std::fill(z, z + kTraceEntries, 0.0);
  });
  benchmark::DoNotOptimize(wv.data());
}

// ---- Log Q-learning (two logarithmic channels) -------------------------------
constexpr double kBetaLog = 0.1, kBetaReg = 0.5, kLogC = 1.0, kLogK = 200.0;

void BM_LogQLearning_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  rlvalue::TabularQ<double> positive(kStates, kActions), negative(kStates, kActions);
  rlvalue::LogQLearning<rlvalue::TabularQ<double>> learner(
      positive, negative,
      {.gamma = kGamma, .step_size = kBetaLog, .regular_step_size = kBetaReg, .c = kLogC,
       .k = kLogK, .initial_value = 0.0});
  run(state, stream, [&](std::size_t i) { learner.update(stream[i]); });
  benchmark::DoNotOptimize(positive.parameters().data());
  benchmark::DoNotOptimize(negative.parameters().data());
}

// Checks: indices, finite reward, the stepped value inside the mapping's
// domain, finite increments (all before either channel is written).
void BM_LogQLearning_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  std::vector<double> table0(kStates * kActions, 0.0), table1(table0);
  double* q[2] = {table0.data(), table1.data()};
  const double offset = std::pow(kGamma, kLogK);
  const double d = -kLogC * std::log(0.0 + offset);
  auto inverse = [&](double y) { return std::exp((y - d) / kLogC) - offset; };
  auto forward = [&](double x) { return kLogC * std::log(x + offset) + d; };
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    need_index(t.state, kStates);
    need_index(t.action, kActions);
    need_index(t.next_state, kStates);
    need_finite(t.reward);
    const double r[2] = {t.reward > 0.0 ? t.reward : 0.0, t.reward < 0.0 ? -t.reward : 0.0};
    double next[2][kActions];
    Index best = 0;
    if (!t.terminated) {
      double aggregate[kActions];
      for (Index a = 0; a < kActions; ++a) {
        next[0][a] = inverse(q[0][t.next_state * kActions + a]);
        next[1][a] = inverse(q[1][t.next_state * kActions + a]);
        aggregate[a] = next[0][a] - next[1][a];
      }
      for (Index a = 1; a < kActions; ++a)
        if (aggregate[a] > aggregate[best]) best = a;
    }
    const double discount = t.terminated ? 0.0 : kGamma;
    const Index sa = t.state * kActions + t.action;
    double increment[2];
    for (int j = 0; j < 2; ++j) {
      const double v_next = t.terminated ? 0.0 : next[j][best];
      const double mapped = q[j][sa];
      const double target = r[j] + discount * v_next;
      const double stepped = std::lerp(inverse(mapped), target, kBetaReg);
      if (!(stepped + offset > 0.0 && std::isfinite(stepped))) [[unlikely]]
        throw std::invalid_argument("domain");
      increment[j] = kBetaLog * (forward(stepped) - mapped);
      need_finite(increment[j]);
    }
    q[0][sa] += increment[0];
    q[1][sa] += increment[1];
  });
  benchmark::DoNotOptimize(q);
}

// ---- quantile Q-learning -----------------------------------------------------
constexpr Index kQuantiles = 32;

void BM_QuantileQLearning_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  rlvalue::QuantileTable<double> table(kStates, kActions, kQuantiles, 0.0);
  rlvalue::QuantileQLearning<rlvalue::QuantileTable<double>> learner(
      table, {.gamma = kGamma, .step_size = kAlpha});
  run(state, stream, [&](std::size_t i) { learner.update(stream[i]); });
  benchmark::DoNotOptimize(table.parameters().data());
}

// Checks: indices, finite reward and targets. Greedy by the sum of the
// estimates, sorted targets, one binary search per estimate.
void BM_QuantileQLearning_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  constexpr Index m = kQuantiles;
  std::vector<double> table(kStates * kActions * m, 0.0);
  double* theta = table.data();
  double y[m], increment[m];
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    need_index(t.state, kStates);
    need_index(t.action, kActions);
    need_index(t.next_state, kStates);
    need_finite(t.reward);
    if (t.terminated) {
      std::fill(y, y + m, t.reward);
    } else {
      Index best = 0;
      double best_sum = 0.0;
      for (Index a = 0; a < kActions; ++a) {
        const double* row = theta + (t.next_state * kActions + a) * m;
        double sum = 0.0;
        for (Index j = 0; j < m; ++j) sum += row[j];
        if (a == 0 || sum > best_sum) {
          best_sum = sum;
          best = a;
        }
      }
      const double* row = theta + (t.next_state * kActions + best) * m;
      for (Index j = 0; j < m; ++j) {
        y[j] = t.reward + kGamma * row[j];
        need_finite(y[j]);
      }
      std::sort(y, y + m);
    }
    double* th = theta + (t.state * kActions + t.action) * m;
    for (Index k = 0; k < m; ++k) {
      const auto below = static_cast<double>(std::lower_bound(y, y + m, th[k]) - y);
      increment[k] = kAlpha * (static_cast<double>(2 * k + 1) / static_cast<double>(2 * m) -
                               below / static_cast<double>(m));
    }
    for (Index k = 0; k < m; ++k) th[k] += increment[k];
  });
  benchmark::DoNotOptimize(theta);
}

// ---- categorical (C51) Q-learning --------------------------------------------
constexpr Index kAtoms = 51;
constexpr double kVMin = -10.0, kVMax = 10.0;

void BM_CategoricalQLearning_rlvalue(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  rlvalue::CategoricalTable<double> table(
      kStates, kActions, {.v_min = kVMin, .v_max = kVMax, .num_atoms = kAtoms}, 0.0);
  rlvalue::CategoricalQLearning<rlvalue::CategoricalTable<double>> learner(
      table, {.gamma = kGamma, .step_size = kAlpha});
  run(state, stream, [&](std::size_t i) { learner.update(stream[i]); });
  benchmark::DoNotOptimize(table.parameters().data());
}

// Checks: indices, finite reward. Greedy by the mean, the textbook C51
// projection on a uniform support (b = (clamp(y) - v_min)/dz, split between
// floor(b) and ceil(b)), then the mixture p = (1 - alpha) p + alpha m.
void BM_CategoricalQLearning_hand_loop(benchmark::State& state) {
  const auto& stream = stream_for<double>(kStates);
  constexpr Index K = kAtoms;
  const double dz = (kVMax - kVMin) / static_cast<double>(K - 1);
  double z[K];
  for (Index k = 0; k < K; ++k) z[k] = kVMin + static_cast<double>(k) * dz;
  z[K - 1] = kVMax;
  std::vector<double> table(kStates * kActions * K, 0.0);
  double* p = table.data();
  for (Index row = 0; row < kStates * kActions; ++row) p[row * K + (K - 1) / 2] = 1.0;  // two_hot(0)
  double target[K];
  auto project = [&](double y, double mass) {
    const double b = (std::clamp(y, kVMin, kVMax) - kVMin) / dz;
    const auto l = static_cast<Index>(std::floor(b));
    const auto u = static_cast<Index>(std::ceil(b));
    if (l == u) {
      target[l] += mass;
    } else {
      target[l] += mass * (static_cast<double>(u) - b);
      target[u] += mass * (b - static_cast<double>(l));
    }
  };
  run(state, stream, [&](std::size_t i) {
    const Tr<double>& t = stream[i];
    need_index(t.state, kStates);
    need_index(t.action, kActions);
    need_index(t.next_state, kStates);
    need_finite(t.reward);
    std::fill(target, target + K, 0.0);
    if (t.terminated) {
      project(t.reward, 1.0);
    } else {
      Index best = 0;
      double best_mean = 0.0;
      for (Index a = 0; a < kActions; ++a) {
        const double* row = p + (t.next_state * kActions + a) * K;
        double mean = 0.0;
        for (Index k = 0; k < K; ++k) mean += row[k] * z[k];
        if (a == 0 || mean > best_mean) {
          best_mean = mean;
          best = a;
        }
      }
      const double* row = p + (t.next_state * kActions + best) * K;
      for (Index k = 0; k < K; ++k) project(t.reward + kGamma * z[k], row[k]);
    }
    double* row = p + (t.state * kActions + t.action) * K;
    for (Index k = 0; k < K; ++k) row[k] = (1.0 - kAlpha) * row[k] + kAlpha * target[k];
  });
  benchmark::DoNotOptimize(p);
}

// ---- float and double registrations ------------------------------------------
#define RLVALUE_BENCH_FLOAT_DOUBLE(Family, variant, fn)                               \
  void BM_##Family##Float_##variant(benchmark::State& s) { fn<float>(s); }          \
  void BM_##Family##Double_##variant(benchmark::State& s) { fn<double>(s); }        \
  BENCHMARK(BM_##Family##Float_##variant)->Arg(kStates)->MinTime(kMinTime);         \
  BENCHMARK(BM_##Family##Double_##variant)->Arg(kStates)->MinTime(kMinTime)

RLVALUE_BENCH_FLOAT_DOUBLE(TD0, rlvalue, td0_rlvalue);
RLVALUE_BENCH_FLOAT_DOUBLE(TD0, hand_loop, td0_hand_loop);
RLVALUE_BENCH_FLOAT_DOUBLE(Sarsa, rlvalue, sarsa_rlvalue);
RLVALUE_BENCH_FLOAT_DOUBLE(Sarsa, hand_loop, sarsa_hand_loop);
RLVALUE_BENCH_FLOAT_DOUBLE(ExpectedSarsa, rlvalue, expected_sarsa_rlvalue);
RLVALUE_BENCH_FLOAT_DOUBLE(ExpectedSarsa, hand_loop, expected_sarsa_hand_loop);
#undef RLVALUE_BENCH_FLOAT_DOUBLE

}  // namespace

BENCHMARK(BM_MonteCarlo_rlvalue)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_MonteCarlo_hand_loop)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_NStepTD_rlvalue)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_NStepTD_hand_loop)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_TrueOnlineTDLambda_rlvalue)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_TrueOnlineTDLambda_hand_loop)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_QLambda_rlvalue)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_QLambda_hand_loop)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_RetraceLambda_rlvalue)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_RetraceLambda_hand_loop)->Arg(kTraceStates)->MinTime(kMinTime);
BENCHMARK(BM_LogQLearning_rlvalue)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_LogQLearning_hand_loop)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_QuantileQLearning_rlvalue)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_QuantileQLearning_hand_loop)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_CategoricalQLearning_rlvalue)->Arg(kStates)->MinTime(kMinTime);
BENCHMARK(BM_CategoricalQLearning_hand_loop)->Arg(kStates)->MinTime(kMinTime);
