// Gradient-TD throughput (TDC), each beside a hand-written loop doing the
// same arithmetic on raw arrays:
//   * TDCTabular: TDC<TabularV> on 1,000 states, uniformly random
//     transitions; hand_loop: delta = r + g w[s'] - w[s], h = theta[s],
//     w[s] += a delta, w[s'] -= a g h, theta[s] += b (delta - h), with the
//     checks the library makes (see BM_TDCTabular_hand_loop).
//   * TDCDense: TDC<LinearV> over dense features of d = 64 (a feature table
//     read per state, the same copy in both); hand_loop: the same dot
//     products and axpys with Eigen vectors, and the same checks.
// bench/ratios.py turns the JSON output into ratios to the rlvalue variant.
#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdint>
#include <span>
#include <stdexcept>
#include <string_view>
#include <vector>

#include <Eigen/Core>

#include "hand_loop_checks.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/checks.hpp"
#include "rlvalue/core/overflow.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/gradient_td.hpp"

namespace {

using rlvalue::Index;
constexpr std::size_t kGtdStream = std::size_t{1} << 16;
constexpr std::size_t kGtdBatch = 1024;
constexpr Index kGtdStates = 1000;
constexpr Index kGtdFeatures = 64;
constexpr double kGtdGamma = 0.9, kGtdAlpha = 0.01, kGtdBeta = 0.05;

const std::vector<rlvalue::Transition<>>& gtd_stream() {
  static std::vector<rlvalue::Transition<>> stream = [] {
    std::vector<rlvalue::Transition<>> s(kGtdStream);
    auto rng = rlvalue::make_rng(5);
    for (auto& t : s)
      t = {.state = rlvalue::uniform_index(rng, kGtdStates),
           .reward = rlvalue::uniform01(rng) - 0.5,
           .next_state = rlvalue::uniform_index(rng, kGtdStates),
           .terminated = rlvalue::uniform01(rng) < 0.05};
    return s;
  }();
  return stream;
}

/// Dense features: row s of a fixed random table.
class TableFeatures {
 public:
  using state_type = Index;
  TableFeatures() : phi_(kGtdStates, kGtdFeatures) {
    auto rng = rlvalue::make_rng(6);
    for (Index i = 0; i < phi_.size(); ++i) phi_.data()[i] = rlvalue::uniform01(rng) - 0.5;
  }
  Index num_features() const noexcept { return kGtdFeatures; }
  void check_state(std::string_view where, std::string_view name, Index s) const {
    rlvalue::check_index(where, name, s, kGtdStates);
  }
  void write(Index s, std::span<double> out) const noexcept {
    for (Index i = 0; i < kGtdFeatures; ++i) out[static_cast<std::size_t>(i)] = phi_(s, i);
  }
  void write(Index s, std::span<float> out) const noexcept {
    for (Index i = 0; i < kGtdFeatures; ++i)
      out[static_cast<std::size_t>(i)] = static_cast<float>(phi_(s, i));
  }
  const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>& table() const {
    return phi_;
  }

 private:
  Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor> phi_;
};

template <class Run>
void loop(benchmark::State& state, Run&& run) {
  const auto& stream = gtd_stream();
  std::size_t pos = 0;
  for (auto _ : state) {
    for (std::size_t i = 0; i < kGtdBatch; ++i) run(stream[pos + i]);
    pos = (pos + kGtdBatch) % kGtdStream;
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations() * kGtdBatch));
}

void BM_TDCTabular_rlvalue(benchmark::State& state) {
  rlvalue::TabularV<double> v(kGtdStates);
  rlvalue::TDC<rlvalue::TabularV<double>> tdc(
      v, {.gamma = kGtdGamma, .step_size = kGtdAlpha, .secondary_step_size = kGtdBeta});
  loop(state, [&](const rlvalue::Transition<>& t) { tdc.update(t); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// The hand loop makes the checks TDC::update makes: both states against the
// table size (a run-time value, as in TabularV), a finite delta and h, finite
// coefficients, and every sum finite before any write (with s' = s the two
// adds to w(s) checked together).

// TDC's step coefficients a_x = alpha delta, a_next = -alpha gamma h,
// b_x = beta (delta - h), after the checks TDC::update makes (finite h, finite
// coefficients).
struct TdcSteps {
  double a_x, a_next, b_x;
};
inline TdcSteps tdc_steps(double delta, double h, double g) {
  need_finite(h);
  const TdcSteps c{kGtdAlpha * delta, -kGtdAlpha * g * h, kGtdBeta * (delta - h)};
  need_finite(c.a_x);
  need_finite(c.a_next);
  need_finite(c.b_x);
  return c;
}

void BM_TDCTabular_hand_loop(benchmark::State& state) {
  std::vector<double> w(kGtdStates, 0.0), theta(kGtdStates, 0.0);
  const Index n = opaque(kGtdStates);
  loop(state, [&](const rlvalue::Transition<>& t) {
    need_index(t.state, n);
    need_index(t.next_state, n);
    const double g = t.terminated ? 0.0 : kGtdGamma;
    const double v_next = t.terminated ? 0.0 : w[t.next_state];
    const double delta = (t.reward + g * v_next) - w[t.state];
    need_finite(delta);
    const double h = theta[t.state];
    const auto [a_x, a_next, b_x] = tdc_steps(delta, h, g);
    const bool self_loop = !t.terminated && t.next_state == t.state;
    need_finite(w[t.state] + a_x + (self_loop ? a_next : 0.0));
    if (!t.terminated && !self_loop) need_finite(w[t.next_state] + a_next);
    need_finite(theta[t.state] + b_x);
    w[t.state] += a_x;
    if (!t.terminated) w[t.next_state] += a_next;
    theta[t.state] += b_x;
  });
  benchmark::DoNotOptimize(w.data());
}

void BM_TDCDense_rlvalue(benchmark::State& state) {
  rlvalue::LinearV<TableFeatures> v{TableFeatures()};
  rlvalue::TDC<rlvalue::LinearV<TableFeatures>> tdc(
      v, {.gamma = kGtdGamma, .step_size = kGtdAlpha, .secondary_step_size = kGtdBeta});
  loop(state, [&](const rlvalue::Transition<>& t) { tdc.update(t); });
  benchmark::DoNotOptimize(v.parameters().data());
}

// The checks of TDC::update on dense features: finite delta, h and
// coefficients, and a proof that no weight can overflow (each moves by at most
// |coefficient| * sum|x|, against the same limit as the library's; the exact
// check, needed only near the edge of the range, is not reached here).
void BM_TDCDense_hand_loop(benchmark::State& state) {
  const TableFeatures features;
  const Index n = opaque(kGtdStates);
  Eigen::VectorXd w = Eigen::VectorXd::Zero(kGtdFeatures), theta = w, x = w, xn = w;
  constexpr double safe = rlvalue::detail::safe_step_limit<double>();
  loop(state, [&](const rlvalue::Transition<>& t) {
    need_index(t.state, n);
    need_index(t.next_state, n);
    x = features.table().row(t.state).transpose();
    const double g = t.terminated ? 0.0 : kGtdGamma;
    double v_next = 0.0;
    if (!t.terminated) {
      xn = features.table().row(t.next_state).transpose();
      v_next = w.dot(xn);
    }
    const double delta = (t.reward + g * v_next) - w.dot(x);
    need_finite(delta);
    const double h = theta.dot(x);
    const auto [a_x, a_next, b_x] = tdc_steps(delta, h, g);
    const double sum_x = x.cwiseAbs().sum();
    const double sum_next = t.terminated ? 0.0 : xn.cwiseAbs().sum();
    if (!(std::abs(a_x) * sum_x + std::abs(a_next) * sum_next <= safe) ||
        !(std::abs(b_x) * sum_x <= safe)) [[unlikely]] {
      if (!(w + a_x * x + a_next * xn).allFinite() || !(theta + b_x * x).allFinite())
        throw std::invalid_argument("overflow");
    }
    w += a_x * x;
    if (!t.terminated) w += a_next * xn;
    theta += b_x * x;
  });
  benchmark::DoNotOptimize(w.data());
}

BENCHMARK(BM_TDCTabular_rlvalue);
BENCHMARK(BM_TDCTabular_hand_loop);
BENCHMARK(BM_TDCDense_rlvalue);
BENCHMARK(BM_TDCDense_hand_loop);

}  // namespace
