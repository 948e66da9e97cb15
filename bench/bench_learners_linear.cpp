// Linear learners and the remaining batch functions (issue 9), each beside its
// limit in the same binary.
// Linear learners (dense features, d = 16, over 256 states: column s of a fixed
// random table; rlvalue copies it through the map's write(), the
// DenseFeatureMap interface, while the hand loops read it in place, except
// EmphaticTD's rlvalue variant, which reads it in place through view(s)):
//   * GreedyGQ:      LinearQ with per-action blocks (4 actions, 64 weights),
//                    Greedy-GQ(0).
//   * EmphaticTD:    LinearV, emphatic TD(lambda = 0.5), rho = pi(a)/mu(a)
//                    with pi = (0.1, 0.2, 0.3, 0.4), mu uniform, interest 1;
//                    rlvalue reads phi(s) in place (the map's view(s)),
//                    rlvalue_copy copies it with write() as the others do.
//   * RecursiveLSTD: LinearV, lambda = 0, ridge 1 (Sherman-Morrison, O(d^2)).
// hand_loop: the same arithmetic on raw arrays, with the checks rlvalue makes
// on every update (indices in range, finite error, and the learner's own
// checks, named in a comment above each loop), its sizes (d = 16, 4 actions)
// compile-time constants; GreedyGQ and EmphaticTD also have
// hand_loop_runtime_dims, the same loop with the sizes known only at run time
// (as in rlvalue, whose feature and action counts are arguments).
// Batch functions (float, column-major (T, B) = (2048, 64), scalar lambda
// 0.95, discounts 0.99 with an episode end (0) at 1% of the steps):
//   * Vtrace, RetraceReturns, TDLambdaErrors, NStepReturns (n = 5):
//     rlvalue (with its input checks) against plain_loop, the same backward
//     recursion written by hand, one column at a time. The Vtrace and
//     TDLambdaErrors loops check nothing (as in bench_sequence.cpp); the
//     RetraceReturns and NStepReturns loops make rlvalue's checks (every
//     input before anything is written, in one vectorised pass; each result
//     finite before it is stored). Items are elements (T * B per iteration).
// Each benchmark runs for 0.2 s (MinTime). Data from rlvalue/core/rng.hpp
// with fixed seeds, prepared outside the timed loop. bench/ratios.py turns
// the JSON output into ratios rlvalue / hand_loop (or plain_loop).
#include <Eigen/Core>
#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string_view>
#include <utility>
#include <vector>

#include "hand_loop_checks.hpp"
#include "rlvalue/approx/feature_table.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/emphatic_td.hpp"
#include "rlvalue/learners/greedy_gq.hpp"
#include "rlvalue/learners/lstd.hpp"
#include "rlvalue/targets/lambda_errors.hpp"
#include "rlvalue/targets/off_policy.hpp"
#include "rlvalue/targets/returns.hpp"

namespace {

using rlvalue::Index;
constexpr Index kD = 16;            // features (a multiple of 4: see dot)
constexpr Index kActions = 4;
constexpr Index kTableStates = 256;
constexpr std::size_t kStream = std::size_t{1} << 16;
constexpr std::size_t kBatch = 1024;
constexpr double kGamma = 0.9, kAlpha = 0.01, kBeta = 0.005, kLambda = 0.5, kRidge = 1.0;
constexpr double kMinTime = 0.2;
constexpr double kProbs[kActions] = {0.1, 0.2, 0.3, 0.4};
constexpr double kMu = 0.25;

// A dense feature map reading column s of a fixed random table, through
// write() only (rlvalue::FeatureTable over the same table also offers
// view(s), approx/feature_map.hpp).
class TableFeatures {
 public:
  using state_type = Index;
  explicit TableFeatures(Index d) : table_(Eigen::MatrixXd::Zero(d, kTableStates)) {
    auto rng = rlvalue::make_rng(31, static_cast<std::uint64_t>(d));
    for (Index j = 0; j < kTableStates; ++j)
      for (Index i = 0; i < d; ++i)
        table_(i, j) = (rlvalue::uniform01(rng) - 0.5) / std::sqrt(double(d));
  }
  Index num_features() const noexcept { return table_.rows(); }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, kTableStates);
  }
  template <class T>
  void write(Index s, std::span<T> out) const noexcept {
    const double* col = table_.data() + s * table_.rows();
    for (Index i = 0; i < table_.rows(); ++i)
      out[static_cast<std::size_t>(i)] = static_cast<T>(col[i]);
  }
  const double* column(Index s) const noexcept { return table_.data() + s * table_.rows(); }
  const Eigen::MatrixXd& table() const noexcept { return table_; }

 private:
  Eigen::MatrixXd table_;
};
static_assert(rlvalue::DenseFeatureMap<TableFeatures>);
static_assert(!rlvalue::DenseFeatureView<TableFeatures, double>);

using Tr = rlvalue::Transition<>;

const std::vector<Tr>& stream() {
  static const std::vector<Tr> s = [] {
    std::vector<Tr> out(kStream);
    auto rng = rlvalue::make_rng(4242);
    Index state = rlvalue::uniform_index(rng, kTableStates);
    for (auto& t : out) {
      t = {.state = state, .action = rlvalue::uniform_index(rng, kActions),
           .reward = rlvalue::uniform01(rng) - 0.5,
           .next_state = rlvalue::uniform_index(rng, kTableStates),
           .terminated = rlvalue::uniform01(rng) < 0.01};
      t.truncated = !t.terminated && rlvalue::uniform01(rng) < 0.001;
      state = (t.terminated || t.truncated) ? rlvalue::uniform_index(rng, kTableStates)
                                            : t.next_state;
    }
    return out;
  }();
  return s;
}


template <class Step>
void run(benchmark::State& state, Step step) {
  const auto& s = stream();
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kBatch; ++i) step(s[pos + i]);
    pos = (pos + kBatch) % kStream;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) *
                          static_cast<std::int64_t>(kBatch));
}

// a . b over n entries (n a multiple of 4), in four partial sums (as a
// careful hand loop, and Eigen's vectorised reductions, would sum; a single
// chain does not vectorise).
inline double dot(const double* a, const double* b, Index n = kD) {
  double s[4] = {};
  for (Index i = 0; i < n; i += 4)
    for (Index k = 0; k < 4; ++k) s[k] += a[i + k] * b[i + k];
  return (s[0] + s[1]) + (s[2] + s[3]);
}

// The hand loops' sizes: compile-time constants (the default variants), or,
// for the `_runtime_dims` variants, the same numbers read at run time, as a
// library that takes its feature and action counts from its arguments must.
volatile Index runtime_features = kD;
volatile Index runtime_actions = kActions;

// ---- Greedy-GQ(0), linear ----------------------------------------------------
using QMap = rlvalue::LinearQ<TableFeatures>;

void BM_GreedyGQ_rlvalue(benchmark::State& state) {
  QMap q(TableFeatures(kD), kActions);
  rlvalue::GreedyGQ<QMap> learner(
      q, {.gamma = kGamma, .step_size = kAlpha, .secondary_step_size = kBeta});
  run(state, [&](const Tr& t) { learner.update(t); });
  benchmark::DoNotOptimize(q.parameters().data());
}

// Checks: indices, finite delta, finite h = w.phi(s, a). theta and w are
// row-major d x A (q(s, a) = phi(s) . theta[:, a]), as LinearQ lays them out.
template <bool kRuntimeDims>
void greedy_gq_hand_loop(benchmark::State& state) {
  const Index D = kRuntimeDims ? Index{runtime_features} : kD;
  const Index A = kRuntimeDims ? Index{runtime_actions} : kActions;
  const TableFeatures features(kD);
  std::vector<double> thetav(static_cast<std::size_t>(D * A), 0.0),
      wv(static_cast<std::size_t>(D * A), 0.0);
  double* theta = thetav.data();
  double* w = wv.data();
  run(state, [&](const Tr& t) {
    need_index(t.state, kTableStates);
    need_index(t.action, A);
    need_index(t.next_state, kTableStates);
    const double* x = features.column(t.state);
    const double* x2 = features.column(t.next_state);
    const double discount = t.terminated ? 0.0 : kGamma;
    Index best = 0;
    double q_next = 0.0;
    if (!t.terminated) {
      double values[rlvalue::max_linear_q_actions] = {};
      for (Index i = 0; i < D; ++i)
        for (Index a = 0; a < A; ++a) values[a] += x2[i] * theta[i * A + a];
      for (Index a = 1; a < A; ++a)
        if (values[a] > values[best]) best = a;
      q_next = values[best];
    }
    double q = 0.0, h = 0.0;
    for (Index i = 0; i < D; ++i) {
      q += x[i] * theta[i * A + t.action];
      h += x[i] * w[i * A + t.action];
    }
    const double delta = t.reward + discount * q_next - q;
    need_finite(delta);
    need_finite(h);
    for (Index i = 0; i < D; ++i) theta[i * A + t.action] += kAlpha * delta * x[i];
    if (!t.terminated)
      for (Index i = 0; i < D; ++i) theta[i * A + best] += -kAlpha * discount * h * x2[i];
    for (Index i = 0; i < D; ++i) w[i * A + t.action] += kBeta * (delta - h) * x[i];
  });
  benchmark::DoNotOptimize(theta);
  benchmark::DoNotOptimize(w);
}
void BM_GreedyGQ_hand_loop(benchmark::State& state) { greedy_gq_hand_loop<false>(state); }
void BM_GreedyGQ_hand_loop_runtime_dims(benchmark::State& state) {
  greedy_gq_hand_loop<true>(state);
}

// ---- emphatic TD(lambda), linear ---------------------------------------------
using VMap = rlvalue::LinearV<TableFeatures>;

// rlvalue: rlvalue::FeatureTable over the same table, phi(s) read in place
// through view(s) as the hand loops read it; rlvalue_copy: TableFeatures,
// phi(s) and phi(s') copied out with write() on every update.
template <class Map>
void emphatic_td_rlvalue(benchmark::State& state, Map map) {
  using V = rlvalue::LinearV<Map>;
  V v{std::move(map)};
  rlvalue::EmphaticTD<V> td(v, {.gamma = kGamma, .step_size = kAlpha, .lambda = kLambda});
  run(state, [&](const Tr& t) { td.update(t, kProbs[t.action] / kMu, 1.0); });
  benchmark::DoNotOptimize(v.parameters().data());
}
void BM_EmphaticTD_rlvalue(benchmark::State& state) {
  emphatic_td_rlvalue(state, rlvalue::FeatureTable<double>(TableFeatures(kD).table()));
}
void BM_EmphaticTD_rlvalue_copy(benchmark::State& state) {
  emphatic_td_rlvalue(state, TableFeatures(kD));
}

// Checks: indices, rho and interest finite and >= 0, finite delta, finite emphasis.
template <bool kRuntimeDims>
void emphatic_td_hand_loop(benchmark::State& state) {
  const Index D = kRuntimeDims ? Index{runtime_features} : kD;
  const TableFeatures features(kD);
  double w[kD] = {}, e[kD] = {};
  double followon = 0.0, previous_rho = 0.0;
  run(state, [&](const Tr& t) {
    const double rho = kProbs[t.action] / kMu, interest = 1.0;
    need_index(t.state, kTableStates);
    need_index(t.next_state, kTableStates);
    if (!(rho >= 0.0 && std::isfinite(rho))) throw std::invalid_argument("rho");
    if (!(interest >= 0.0 && std::isfinite(interest))) throw std::invalid_argument("interest");
    const double* x = features.column(t.state);
    const double v_next = t.terminated ? 0.0 : dot(w, features.column(t.next_state), D);
    const double delta = t.reward + (t.terminated ? 0.0 : kGamma) * v_next - dot(w, x, D);
    need_finite(delta);
    const double F = previous_rho * kGamma * followon + interest;
    const double M = kLambda * interest + (1.0 - kLambda) * F;
    need_finite(M);
    const double scale = kAlpha * delta;
    for (Index i = 0; i < D; ++i) {
      e[i] = rho * (kGamma * kLambda * e[i] + M * x[i]);
      w[i] += scale * e[i];
    }
    if (t.terminated || t.truncated) {
      std::fill(e, e + D, 0.0);
      followon = previous_rho = 0.0;
    } else {
      followon = F;
      previous_rho = rho;
    }
  });
  benchmark::DoNotOptimize(w);
}
void BM_EmphaticTD_hand_loop(benchmark::State& state) { emphatic_td_hand_loop<false>(state); }
void BM_EmphaticTD_hand_loop_runtime_dims(benchmark::State& state) {
  emphatic_td_hand_loop<true>(state);
}

// ---- recursive LSTD, linear --------------------------------------------------
void BM_RecursiveLSTD_rlvalue(benchmark::State& state) {
  VMap v{TableFeatures(kD)};
  rlvalue::RecursiveLSTD<VMap> lstd(v, {.gamma = kGamma, .lambda = 0.0, .ridge = kRidge});
  run(state, [&](const Tr& t) { lstd.update(t); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// Checks: indices, finite reward, 1 + u^T C z away from 0 (relative to
// max|Cz| max|u^T C|) and finite. C row-major.
void BM_RecursiveLSTD_hand_loop(benchmark::State& state) {
  const TableFeatures features(kD);
  std::vector<double> Cv(kD * kD, 0.0), bv(kD, 0.0), wv(kD, 0.0), zv(kD, 0.0);
  for (Index i = 0; i < kD; ++i) Cv[static_cast<std::size_t>(i * kD + i)] = 1.0 / kRidge;
  constexpr double lambda = 0.0;
  run(state, [&](const Tr& t) {
    // The persistent arrays alias neither each other nor the temporaries.
    double* __restrict C = Cv.data();
    double* __restrict b = bv.data();
    double* __restrict w = wv.data();
    double* __restrict z = zv.data();
    double z_new[kD], u[kD], Cz[kD], uC[kD] = {};
    need_index(t.state, kTableStates);
    need_index(t.next_state, kTableStates);
    need_finite(t.reward);
    const double* x = features.column(t.state);
    const double* x2 = features.column(t.next_state);
    for (Index i = 0; i < kD; ++i) {
      u[i] = t.terminated ? x[i] : x[i] - kGamma * x2[i];
      z_new[i] = kGamma * lambda * z[i] + x[i];
    }
    for (Index i = 0; i < kD; ++i) {
      Cz[i] = dot(C + i * kD, z_new);
      for (Index j = 0; j < kD; ++j) uC[j] += u[i] * C[i * kD + j];
    }
    double max_cz = 0.0, max_uc = 0.0;
    for (Index i = 0; i < kD; ++i) {
      max_cz = std::max(max_cz, std::abs(Cz[i]));
      max_uc = std::max(max_uc, std::abs(uC[i]));
    }
    const double denom = 1.0 + dot(u, Cz);
    if (!(std::abs(denom) > 1e3 * std::numeric_limits<double>::epsilon() *
                                std::max(1.0, max_cz * max_uc)) ||
        !std::isfinite(denom)) [[unlikely]]
      throw std::invalid_argument("denom");
    for (Index i = 0; i < kD; ++i) {
      const double c = Cz[i] / denom;
      for (Index j = 0; j < kD; ++j) C[i * kD + j] -= c * uC[j];
      b[i] += t.reward * z_new[i];
    }
    for (Index i = 0; i < kD; ++i) w[i] = dot(C + i * kD, b);
    if (t.terminated || t.truncated)
      std::fill(z, z + kD, 0.0);
    else
      std::copy(z_new, z_new + kD, z);
  });
  benchmark::DoNotOptimize(wv.data());
}

// ---- batch functions (float, column-major T x B) -----------------------------
using Array = Eigen::Array<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::ColMajor>;
constexpr float kBatchLambda = 0.95f;
constexpr Index kN = 5;

struct Sequences {
  Array rewards, discounts, values, next_values, rhos, out, out2;
  Sequences(Index T, Index B)
      : rewards(T, B), discounts(T, B), values(T, B), next_values(T, B), rhos(T, B),
        out(T, B), out2(T, B) {
    auto rng = rlvalue::make_rng(777, static_cast<std::uint64_t>(T * B));
    for (Index b = 0; b < B; ++b)
      for (Index t = 0; t < T; ++t) {
        rewards(t, b) = static_cast<float>(rlvalue::uniform01(rng) - 0.5);
        discounts(t, b) = rlvalue::uniform01(rng) < 0.01 ? 0.0f : 0.99f;
        values(t, b) = static_cast<float>(rlvalue::uniform01(rng));
        next_values(t, b) = static_cast<float>(rlvalue::uniform01(rng));
        rhos(t, b) = static_cast<float>(2.0 * rlvalue::uniform01(rng));  // [0, 2)
      }
    out.setZero();
    out2.setZero();
  }
};

// The checks of retrace_returns and n_step_returns, by hand: one pass over
// the inputs before anything is written (an int |= of comparisons, which GCC
// vectorises), and a finite result before each store.
// A run-time value the compiler cannot fold into the checks.
template <class T>
T opaque(T x) {
  benchmark::DoNotOptimize(x);
  return x;
}
inline int not_finite(float x) { return !(std::abs(x) <= std::numeric_limits<float>::max()); }
inline int not_unit(float x) { return !(x >= 0.0f) | !(x <= 1.0f); }
inline void need_no_bad(int bad) {
  if (bad != 0) [[unlikely]]
    throw std::invalid_argument("bad input");
}
inline void need_finite(float x) {
  if (!(std::abs(x) <= std::numeric_limits<float>::max())) [[unlikely]]
    throw std::invalid_argument("overflow");
}

template <class Body>
void run_batch(benchmark::State& state, Body body) {
  Sequences s(state.range(0), state.range(1));
  for (auto _ : state) {
    body(s);
    benchmark::DoNotOptimize(s.out.data());
    benchmark::DoNotOptimize(s.out2.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * state.range(0) *
                          state.range(1));
}

// V-trace with clip_rho = clip_c = 1; next_values act as N_t.
void BM_Vtrace_rlvalue(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    rlvalue::vtrace(s.values, s.next_values, s.rewards, s.discounts, s.rhos, kBatchLambda, 1.0f,
                    1.0f, s.out, s.out2);
  });
}

void BM_Vtrace_plain_loop(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    const Index T = s.rewards.rows(), B = s.rewards.cols();
    for (Index b = 0; b < B; ++b) {
      const float* v = &s.values(0, b);
      const float* nv = &s.next_values(0, b);
      const float* r = &s.rewards(0, b);
      const float* d = &s.discounts(0, b);
      const float* rho = &s.rhos(0, b);
      float* vs = &s.out(0, b);
      float* pg = &s.out2(0, b);
      float next_vs = 0.0f;
      for (Index t = T; t-- > 0;) {
        const float rb = std::min(1.0f, rho[t]);
        const float last = v[t] + rb * ((r[t] + d[t] * nv[t]) - v[t]);
        if (t + 1 < T) {
          const float c = kBatchLambda * std::min(1.0f, rho[t]);
          vs[t] = last + (d[t] * c) * (next_vs - v[t + 1]);
        } else {
          vs[t] = last;
        }
        const float boot = (t + 1 < T && d[t] != 0.0f) ? next_vs : nv[t];
        pg[t] = rb * ((r[t] + d[t] * boot) - v[t]);
        next_vs = vs[t];
      }
    }
  });
}

// Retrace targets; values act as expected_next_q, next_values as next_q_taken.
void BM_RetraceReturns_rlvalue(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    rlvalue::retrace_returns(s.rewards, s.discounts, s.values, s.next_values, s.rhos,
                             kBatchLambda, s.out);
  });
}

// Checks: lambda in [0, 1]; rewards, expected_next_q, next_q_taken finite;
// discounts in [0, 1]; next_rhos finite and >= 0; each return finite.
void BM_RetraceReturns_plain_loop(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    const Index T = s.rewards.rows(), B = s.rewards.cols();
    need_no_bad(not_unit(opaque(kBatchLambda)));
    {
      const float* r = s.rewards.data();
      const float* d = s.discounts.data();
      const float* enq = s.values.data();
      const float* nqt = s.next_values.data();
      const float* rho = s.rhos.data();
      int bad = 0;
      for (Index i = 0; i < T * B; ++i)
        bad |= not_finite(r[i]) | not_unit(d[i]) | not_finite(enq[i]) | not_finite(nqt[i]) |
               not_finite(rho[i]) | !(rho[i] >= 0.0f);
      need_no_bad(bad);
    }
    for (Index b = 0; b < B; ++b) {
      const float* r = &s.rewards(0, b);
      const float* d = &s.discounts(0, b);
      const float* enq = &s.values(0, b);
      const float* nqt = &s.next_values(0, b);
      const float* rho = &s.rhos(0, b);
      float* g = &s.out(0, b);
      float next = r[T - 1] + d[T - 1] * enq[T - 1];
      need_finite(next);
      g[T - 1] = next;
      for (Index t = T - 1; t-- > 0;) {
        const float c = kBatchLambda * std::min(1.0f, rho[t]);
        next = r[t] + d[t] * (enq[t] - c * nqt[t] + c * next);
        need_finite(next);
        g[t] = next;
      }
    }
  });
}

void BM_TDLambdaErrors_rlvalue(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    rlvalue::td_lambda_errors(s.rewards, s.values, s.next_values, s.discounts, kBatchLambda,
                              s.out);
  });
}

// E_t = G_t - v_t with G_t = r_t + d_t ((1 - lambda) nv_t + lambda G_{t+1}).
void BM_TDLambdaErrors_plain_loop(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    const Index T = s.rewards.rows(), B = s.rewards.cols();
    for (Index b = 0; b < B; ++b) {
      const float* r = &s.rewards(0, b);
      const float* d = &s.discounts(0, b);
      const float* v = &s.values(0, b);
      const float* nv = &s.next_values(0, b);
      float* e = &s.out(0, b);
      float g = r[T - 1] + d[T - 1] * nv[T - 1];
      e[T - 1] = g - v[T - 1];
      for (Index t = T - 1; t-- > 0;) {
        g = r[t] + d[t] * ((1.0f - kBatchLambda) * nv[t] + kBatchLambda * g);
        e[t] = g - v[t];
      }
    }
  });
}

void BM_NStepReturns_rlvalue(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    rlvalue::n_step_returns(s.rewards, s.discounts, s.next_values, kN, s.out);
  });
}

// G_t over the window m = min(n, T - t), bootstrapping from nv(t + m - 1).
// Checks: n >= 1; rewards and next_values finite; discounts in [0, 1]; each
// return finite.
void BM_NStepReturns_plain_loop(benchmark::State& state) {
  run_batch(state, [](Sequences& s) {
    const Index T = s.rewards.rows(), B = s.rewards.cols();
    need_no_bad(int(opaque(kN) < 1));
    {
      const float* r = s.rewards.data();
      const float* d = s.discounts.data();
      const float* nv = s.next_values.data();
      int bad = 0;
      for (Index i = 0; i < T * B; ++i)
        bad |= not_finite(r[i]) | not_unit(d[i]) | not_finite(nv[i]);
      need_no_bad(bad);
    }
    for (Index b = 0; b < B; ++b) {
      const float* r = &s.rewards(0, b);
      const float* d = &s.discounts(0, b);
      const float* nv = &s.next_values(0, b);
      float* g = &s.out(0, b);
      for (Index t = 0; t < T; ++t) {
        const Index m = std::min(kN, T - t);
        float acc = nv[t + m - 1];
        for (Index k = m; k-- > 0;) acc = r[t + k] + d[t + k] * acc;
        need_finite(acc);
        g[t] = acc;
      }
    }
  });
}

}  // namespace

BENCHMARK(BM_GreedyGQ_rlvalue)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_GreedyGQ_hand_loop)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_GreedyGQ_hand_loop_runtime_dims)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_EmphaticTD_rlvalue)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_EmphaticTD_rlvalue_copy)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_EmphaticTD_hand_loop)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_EmphaticTD_hand_loop_runtime_dims)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_RecursiveLSTD_rlvalue)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_RecursiveLSTD_hand_loop)->Arg(kD)->MinTime(kMinTime);
BENCHMARK(BM_Vtrace_rlvalue)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_Vtrace_plain_loop)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_RetraceReturns_rlvalue)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_RetraceReturns_plain_loop)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_TDLambdaErrors_rlvalue)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_TDLambdaErrors_plain_loop)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_NStepReturns_rlvalue)->Args({2048, 64})->MinTime(kMinTime);
BENCHMARK(BM_NStepReturns_plain_loop)->Args({2048, 64})->MinTime(kMinTime);
