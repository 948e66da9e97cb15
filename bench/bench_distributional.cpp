// Distributional throughput against hand-written loops in the same binary:
//   Projection: categorical_projection of r + gamma*z (51 atoms, uniform
//     support) onto z, per projection:
//       rlvalue    the public, checked function (support sorted, atoms
//                  finite, probabilities valid: three O(K) checks per call)
//       kernel     rlvalue's projection kernel without the checks (what the
//                  learners call on their validated tables)
//       hand_loop  C51's floor/ceil loop on the uniform support (with the
//                  on-grid fix), no checks
//   ProjectionBatch: the same projections, 256 per call (a replay batch: the
//     pool's distributions as the columns of a 51 x 1024 matrix, cycled in
//     blocks of 256 columns; discount gamma for every column), per
//     distribution:
//       rlvalue    categorical_td_targets on the 51 x 256 block (checks once
//                  per call, vectorised over the batch)
//       loop       categorical_projection per column (checks per column),
//                  shifted = r + gamma*z as above
//       hand_loop  c51_projection per column, no checks
//   QTD: QuantileTD<QuantileTable<double>>::update with m = 32 on 1,000
//     states, per update:
//       rlvalue    the learner (index and finiteness checks included)
//       hand_loop  the same arithmetic on a raw array: targets copied and
//                  sorted into a buffer, one binary search per estimate
//   CTD: CategoricalTD update with 51 atoms on 1,000 states, beside the C51
//     hand loop and a mixture on raw arrays.
//   LinearCQL: LinearCategoricalQLearning<LinearCategoricalQ<OneHotMap>>
//     update, 51 atoms, 4 actions, 1,000 states (one-hot features: a table
//     of logits), beside a hand loop on a raw logit array: 4 softmaxes and
//     means at s', argmax, C51 projection of p(s', a*), softmax of
//     logits(s, a), the cross-entropy, logits(s, a) += alpha (m - p).
// bench/ratios.py turns the JSON output into ratios.
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/linear_categorical_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/linear_categorical_q_learning.hpp"
#include "rlvalue/learners/quantile_td.hpp"
#include "rlvalue/targets/categorical_projection.hpp"
#include "rlvalue/targets/categorical_targets.hpp"

namespace {

using rlvalue::Index;

constexpr Index kAtoms = 51;
constexpr double kVMin = -10.0, kVMax = 10.0;
constexpr double kGamma = 0.99;
constexpr double kAlpha = 0.1;
constexpr std::size_t kPool = 1024;  // pre-generated inputs, cycled
constexpr Index kStates = 1000;
constexpr Index kQuantiles = 32;
constexpr std::size_t kStream = std::size_t{1} << 16;
constexpr Index kActions = 4;

struct ProjectionInputs {
  Eigen::VectorXd z;
  std::vector<Eigen::VectorXd> probs;
  std::vector<double> rewards;
};

const ProjectionInputs& projection_inputs() {
  static const ProjectionInputs in = [] {
    ProjectionInputs r;
    r.z = rlvalue::uniform_support({.v_min = kVMin, .v_max = kVMax, .num_atoms = kAtoms});
    auto rng = rlvalue::make_rng(51);
    for (std::size_t i = 0; i < kPool; ++i) {
      Eigen::VectorXd p(kAtoms);
      for (Index k = 0; k < kAtoms; ++k) p[k] = rlvalue::uniform01(rng) + 1e-3;
      r.probs.push_back(p / p.sum());
      r.rewards.push_back(2.0 * rlvalue::uniform01(rng) - 1.0);
    }
    return r;
  }();
  return in;
}

void BM_Projection_rlvalue(benchmark::State& state) {
  const auto& in = projection_inputs();
  Eigen::VectorXd shifted(kAtoms), out(kAtoms);
  std::size_t i = 0;
  for (auto _ : state) {
    shifted.array() = in.rewards[i] + kGamma * in.z.array();
    rlvalue::categorical_projection(shifted, in.probs[i], in.z, out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kPool;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// The pool as a batch: column n of probs is projection_inputs().probs[n].
struct BatchInputs {
  Eigen::MatrixXd probs;  // K x kPool
  Eigen::VectorXd rewards, discounts;
};

constexpr Index kBatch = 256;

const BatchInputs& batch_inputs() {
  static const BatchInputs in = [] {
    const auto& one = projection_inputs();
    BatchInputs b;
    b.probs.resize(kAtoms, static_cast<Index>(kPool));
    b.rewards.resize(static_cast<Index>(kPool));
    b.discounts = Eigen::VectorXd::Constant(static_cast<Index>(kPool), kGamma);
    for (std::size_t i = 0; i < kPool; ++i) {
      b.probs.col(static_cast<Index>(i)) = one.probs[i];
      b.rewards[static_cast<Index>(i)] = one.rewards[i];
    }
    return b;
  }();
  return in;
}

template <class Body>
void run_batches(benchmark::State& state, Body body) {
  constexpr Index blocks = static_cast<Index>(kPool) / kBatch;
  Index block = 0;
  for (auto _ : state) {
    body(block * kBatch);
    block = (block + 1) % blocks;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * kBatch);
}

void BM_ProjectionBatch_rlvalue(benchmark::State& state) {
  const auto& in = batch_inputs();
  const Eigen::VectorXd& z = projection_inputs().z;
  Eigen::MatrixXd out(kAtoms, kBatch);
  run_batches(state, [&](Index first) {
    rlvalue::categorical_td_targets(in.rewards.segment(first, kBatch),
                                    in.discounts.segment(first, kBatch),
                                    in.probs.middleCols(first, kBatch), z, out);
    benchmark::DoNotOptimize(out.data());
  });
}

void BM_ProjectionBatch_loop(benchmark::State& state) {
  const auto& in = batch_inputs();
  const Eigen::VectorXd& z = projection_inputs().z;
  Eigen::MatrixXd out(kAtoms, kBatch);
  Eigen::VectorXd shifted(kAtoms);
  run_batches(state, [&](Index first) {
    for (Index n = 0; n < kBatch; ++n) {
      shifted.array() = in.rewards[first + n] + in.discounts[first + n] * z.array();
      rlvalue::categorical_projection(shifted, in.probs.col(first + n), z, out.col(n));
    }
    benchmark::DoNotOptimize(out.data());
  });
}

void BM_Projection_kernel(benchmark::State& state) {
  const auto& in = projection_inputs();
  Eigen::VectorXd shifted(kAtoms), out(kAtoms);
  std::size_t i = 0;
  for (auto _ : state) {
    shifted.array() = in.rewards[i] + kGamma * in.z.array();
    rlvalue::detail::categorical_projection_kernel(shifted, in.probs[i], in.z, out);
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kPool;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

// C51 (Bellemare et al. 2017, Algorithm 1) on a uniform support.
inline void c51_projection(double reward, double discount, const double* p, double* m) {
  constexpr double dz = (kVMax - kVMin) / double(kAtoms - 1);
  for (Index k = 0; k < kAtoms; ++k) m[k] = 0.0;
  for (Index j = 0; j < kAtoms; ++j) {
    const double tz = std::clamp(reward + discount * (kVMin + double(j) * dz), kVMin, kVMax);
    const double b = (tz - kVMin) / dz;
    const double l = std::floor(b), u = std::ceil(b);
    const auto li = static_cast<Index>(l), ui = static_cast<Index>(u);
    if (li == ui) {
      m[li] += p[j];
    } else {
      m[li] += p[j] * (u - b);
      m[ui] += p[j] * (b - l);
    }
  }
}

void BM_Projection_hand_loop(benchmark::State& state) {
  const auto& in = projection_inputs();
  std::vector<double> out(kAtoms);
  std::size_t i = 0;
  for (auto _ : state) {
    c51_projection(in.rewards[i], kGamma, in.probs[i].data(), out.data());
    benchmark::DoNotOptimize(out.data());
    i = (i + 1) % kPool;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_ProjectionBatch_hand_loop(benchmark::State& state) {
  const auto& in = batch_inputs();
  Eigen::MatrixXd out(kAtoms, kBatch);
  run_batches(state, [&](Index first) {
    for (Index n = 0; n < kBatch; ++n)
      c51_projection(in.rewards[first + n], in.discounts[first + n], in.probs.col(first + n).data(),
                     out.col(n).data());
    benchmark::DoNotOptimize(out.data());
  });
}

const std::vector<rlvalue::Transition<>>& transitions() {
  static const std::vector<rlvalue::Transition<>> stream = [] {
    std::vector<rlvalue::Transition<>> s(kStream);
    auto rng = rlvalue::make_rng(32);
    for (auto& t : s) {
      t.state = rlvalue::uniform_index(rng, kStates);
      t.next_state = rlvalue::uniform_index(rng, kStates);
      t.reward = rlvalue::normal(rng, 0.0, 1.0);
      t.terminated = rlvalue::uniform01(rng) < 0.01;
    }
    return s;
  }();
  return stream;
}

template <class Learner>
void run_learner(benchmark::State& state, Learner& learner,
                 const std::vector<rlvalue::Transition<>>& stream = transitions()) {
  for (const auto& t : stream) learner.update(t);  // warm-up pass
  std::size_t pos = 0;
  for (auto _ : state) {
    benchmark::DoNotOptimize(learner.update(stream[pos]));
    pos = (pos + 1) % kStream;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()));
}

void BM_QTD_rlvalue(benchmark::State& state) {
  rlvalue::QuantileTable<double> table(kStates, 1, kQuantiles);
  rlvalue::QuantileTD<> learner(table, {.gamma = kGamma, .step_size = kAlpha});
  run_learner(state, learner);
}

struct HandQTD {
  std::vector<double> theta = std::vector<double>(static_cast<std::size_t>(kStates * kQuantiles));
  std::vector<double> targets = std::vector<double>(static_cast<std::size_t>(kQuantiles));
  double update(const rlvalue::Transition<>& t) {
    const double* next = theta.data() + t.next_state * kQuantiles;
    double* row = theta.data() + t.state * kQuantiles;
    for (Index j = 0; j < kQuantiles; ++j)
      targets[static_cast<std::size_t>(j)] = t.terminated ? t.reward : t.reward + kGamma * next[j];
    std::sort(targets.begin(), targets.end());
    for (Index i = 0; i < kQuantiles; ++i) {
      const auto below = std::lower_bound(targets.begin(), targets.end(), row[i]) - targets.begin();
      row[i] += kAlpha * ((2.0 * double(i) + 1.0) / (2.0 * kQuantiles) -
                          double(below) / double(kQuantiles));
    }
    return row[0];
  }
};

void BM_QTD_hand_loop(benchmark::State& state) {
  HandQTD learner;
  run_learner(state, learner);
}

void BM_CTD_rlvalue(benchmark::State& state) {
  rlvalue::CategoricalTable<double> table(kStates,
                                          {.v_min = kVMin, .v_max = kVMax, .num_atoms = kAtoms});
  rlvalue::CategoricalTD<> learner(table, {.gamma = kGamma, .step_size = kAlpha});
  run_learner(state, learner);
}

struct HandCTD {
  std::vector<double> p;
  std::vector<double> m = std::vector<double>(static_cast<std::size_t>(kAtoms));
  HandCTD() : p(static_cast<std::size_t>(kStates * kAtoms), 0.0) {
    for (Index s = 0; s < kStates; ++s) p[static_cast<std::size_t>(s * kAtoms + kAtoms / 2)] = 1.0;
  }
  double update(const rlvalue::Transition<>& t) {
    c51_projection(t.reward, t.terminated ? 0.0 : kGamma, p.data() + t.next_state * kAtoms,
                   m.data());
    double* row = p.data() + t.state * kAtoms;
    for (Index k = 0; k < kAtoms; ++k)
      row[k] = (1.0 - kAlpha) * row[k] + kAlpha * m[static_cast<std::size_t>(k)];
    return row[0];
  }
};

void BM_CTD_hand_loop(benchmark::State& state) {
  HandCTD learner;
  run_learner(state, learner);
}

// transitions() with a uniform action in [0, kActions).
const std::vector<rlvalue::Transition<>>& action_transitions() {
  static const std::vector<rlvalue::Transition<>> stream = [] {
    std::vector<rlvalue::Transition<>> s = transitions();
    auto rng = rlvalue::make_rng(33);
    for (auto& t : s) t.action = rlvalue::uniform_index(rng, kActions);
    return s;
  }();
  return stream;
}

void BM_LinearCQL_rlvalue(benchmark::State& state) {
  using Approx = rlvalue::LinearCategoricalQ<rlvalue::OneHotMap>;
  Approx f(rlvalue::OneHotMap(kStates), kActions,
           {.v_min = kVMin, .v_max = kVMax, .num_atoms = kAtoms});
  rlvalue::LinearCategoricalQLearning<Approx> learner(f, {.gamma = kGamma, .step_size = kAlpha});
  run_learner(state, learner, action_transitions());
}

// C51 on a table of logits (S x A x K), all on raw arrays.
struct HandLinearCQL {
  static constexpr std::size_t K = kAtoms, A = kActions;
  std::vector<double> logits = std::vector<double>(static_cast<std::size_t>(kStates) * A * K);
  std::vector<double> z = std::vector<double>(K);
  std::vector<double> probs = std::vector<double>(A * K);
  std::vector<double> m = std::vector<double>(K), p = std::vector<double>(K);
  HandLinearCQL() {
    for (std::size_t k = 0; k < K; ++k) z[k] = kVMin + double(k) * (kVMax - kVMin) / double(K - 1);
  }
  // p = softmax(x); returns log sum exp(x).
  static double softmax(const double* x, double* out) {
    double max = x[0];
    for (std::size_t k = 1; k < K; ++k) max = std::max(max, x[k]);
    double sum = 0.0;
    for (std::size_t k = 0; k < K; ++k) sum += out[k] = std::exp(x[k] - max);
    for (std::size_t k = 0; k < K; ++k) out[k] /= sum;
    return max + std::log(sum);
  }
  double update(const rlvalue::Transition<>& t) {
    if (t.terminated) {  // two_hot(r): C51's projection of a Dirac
      for (std::size_t k = 0; k < K; ++k) m[k] = 0.0;
      const double dz = (kVMax - kVMin) / double(K - 1);
      const double b = (std::clamp(t.reward, kVMin, kVMax) - kVMin) / dz;
      const double l = std::floor(b), u = std::ceil(b);
      const auto li = static_cast<std::size_t>(l), ui = static_cast<std::size_t>(u);
      if (li == ui) {
        m[li] = 1.0;
      } else {
        m[li] = u - b;
        m[ui] = b - l;
      }
    } else {
      const double* next = logits.data() + static_cast<std::size_t>(t.next_state) * A * K;
      std::size_t best = 0;
      double best_mean = 0.0;
      for (std::size_t a = 0; a < A; ++a) {
        softmax(next + a * K, probs.data() + a * K);
        double mean = 0.0;
        for (std::size_t k = 0; k < K; ++k) mean += probs[a * K + k] * z[k];
        if (a == 0 || mean > best_mean) best_mean = mean, best = a;
      }
      c51_projection(t.reward, kGamma, probs.data() + best * K, m.data());
    }
    double* row = logits.data() + (static_cast<std::size_t>(t.state) * A +
                                   static_cast<std::size_t>(t.action)) * K;
    const double lse = softmax(row, p.data());
    double loss = 0.0;
    for (std::size_t k = 0; k < K; ++k) loss += m[k] * (lse - row[k]);
    for (std::size_t k = 0; k < K; ++k) row[k] += kAlpha * (m[k] - p[k]);
    return loss;
  }
};

void BM_LinearCQL_hand_loop(benchmark::State& state) {
  HandLinearCQL learner;
  run_learner(state, learner, action_transitions());
}

}  // namespace

BENCHMARK(BM_Projection_rlvalue);
BENCHMARK(BM_Projection_kernel);
BENCHMARK(BM_Projection_hand_loop);
BENCHMARK(BM_ProjectionBatch_rlvalue);
BENCHMARK(BM_ProjectionBatch_loop);
BENCHMARK(BM_ProjectionBatch_hand_loop);
BENCHMARK(BM_QTD_rlvalue);
BENCHMARK(BM_QTD_hand_loop);
BENCHMARK(BM_CTD_rlvalue);
BENCHMARK(BM_CTD_hand_loop);
BENCHMARK(BM_LinearCQL_rlvalue);
BENCHMARK(BM_LinearCQL_hand_loop);
