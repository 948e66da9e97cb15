// long_run (issue 10): 10^8 updates each of QLearning, TDLambda over tile
// coding, QuantileTD and CategoricalTD, checking that every estimate stays
// finite, and printing the time taken and how far each ends from its exact or
// expected answer. A standalone program (not part of the test binary, not run
// in CI): build it in Release from the repository root, e.g.
//   g++ -std=c++20 -O3 -DNDEBUG -I include -isystem /usr/include/eigen3
//       tests/reliability/long_run/long_run.cpp -o long_run
// (one line), then run ./long_run [updates] (default 10^8).
// Exits 1 if an estimate became non-finite or an update threw.

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <exception>
#include <string>

#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tile_coding.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/eligibility_traces.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/quantile_td.hpp"
#include "rlvalue/learners/td_lambda.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using namespace rlvalue;

namespace {

using Clock = std::chrono::steady_clock;
constexpr Index kStates = 6, kActions = 3;
constexpr double kGamma = 0.9;

TabularMDP<double> garnet() {
  auto rng = make_rng(2024);
  return random_mdp(kStates, kActions, 3, rng, {.termination_probability = 0.1});
}

// Prints one line and returns whether the estimates stayed finite.
// Wall time from `start`, CPU time from `cpu_start` (the machine may be shared).
bool report(const char* name, long long updates, Clock::time_point start, std::clock_t cpu_start,
            bool finite, const std::string& detail) {
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  const double cpu = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;
  std::printf("%-38s %lld updates  wall %7.2f s  cpu %7.2f s (%6.1f ns/update)  finite: %s  %s\n",
              name, updates, seconds, cpu, 1e9 * cpu / double(updates), finite ? "yes" : "NO",
              detail.c_str());
  std::fflush(stdout);
  return finite;
}

std::string number(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.3g", x);
  return buf;
}

// A transition of the Garnet MDP from a uniformly drawn (s, a).
Transition<> sample(MDPEnvironment<const TabularMDP<double>&>& env, Rng& rng) {
  const Index s = uniform_index(rng, kStates), a = uniform_index(rng, kActions);
  env.reset_to(s);
  const auto step = env.step(a, rng);
  return {.state = s, .action = a, .reward = step.reward, .next_state = step.next_state,
          .terminated = step.terminated};
}

bool run_q_learning(long long n) {
  const auto mdp = garnet();
  const auto exact = value_iteration(mdp, kGamma);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  TabularQ<double> q(kStates, kActions);
  QLearning<TabularQ<double>> learner(q, {.gamma = kGamma, .step_size = 0.01});
  auto rng = make_rng(1);
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (long long i = 0; i < n; ++i) learner.update(sample(env, rng));
  const double error = (q.parameters() - exact.q).cwiseAbs().maxCoeff();
  return report("QLearning (Garnet 6x3, alpha 0.01)", n, start, cpu_start,
                q.parameters().allFinite(), "max |Q - Q*| = " + number(error));
}

// A continuous random walk on [0, 1]: x += U(-0.05, 0.05); leaving at the
// right gives reward 1, at the left 0 (gamma = 1: v(x) is about x). Tile
// coding: 8 tilings of 10 tiles. Sparse traces (tolerance 1e-6).
bool run_td_lambda(long long n) {
  using Map = TileCoding<1>;
  using V = LinearV<Map>;
  V v(Map({.num_tilings = 8, .low = {0.0}, .high = {1.0}, .tiles = {10}}));
  TDLambda<V, SparseTrace<double>> learner(
      v, {.gamma = 1.0, .step_size = 0.01 / 8, .lambda = 0.8, .trace_tolerance = 1e-6});
  auto rng = make_rng(2);
  Eigen::Matrix<double, 1, 1> x(0.5), x2;
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (long long i = 0; i < n; ++i) {
    x2[0] = x[0] + 0.1 * (uniform01(rng) - 0.5);
    const bool right = x2[0] >= 1.0, left = x2[0] < 0.0;
    const bool end = right || left;
    if (end) x2[0] = right ? 1.0 : 0.0;  // the terminal state (not bootstrapped)
    learner.update({.state = x, .reward = right ? 1.0 : 0.0, .next_state = x2, .terminated = end});
    x[0] = end ? 0.5 : x2[0];
  }
  double error = 0.0;
  for (double p = 0.05; p < 1.0; p += 0.1) {
    const Eigen::Matrix<double, 1, 1> s(p);
    error = std::max(error, std::abs(v.value(s) - p));
  }
  return report("TDLambda (tile coding, sparse trace)", n, start, cpu_start,
                v.parameters().allFinite(), "max |v(x) - x| on a grid = " + number(error));
}

// Uniform random policy on the Garnet MDP, as a Markov reward process.
Eigen::VectorXd v_uniform(const TabularMDP<double>& mdp) {
  const Eigen::MatrixXd pi = Eigen::MatrixXd::Constant(kStates, kActions, 1.0 / kActions);
  return evaluate_policy(mdp, pi, kGamma);
}

bool run_quantile_td(long long n) {
  const auto mdp = garnet();
  const Eigen::VectorXd exact = v_uniform(mdp);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  QuantileTable<double> theta(kStates, 1, 8);
  QuantileTD<QuantileTable<double>> learner(theta, {.gamma = kGamma, .step_size = 0.01});
  auto rng = make_rng(3);
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (long long i = 0; i < n; ++i) learner.update(sample(env, rng));
  double error = 0.0;
  for (Index s = 0; s < kStates; ++s) error = std::max(error, std::abs(theta.mean(s) - exact[s]));
  return report("QuantileTD (8 quantiles, alpha 0.01)", n, start, cpu_start,
                theta.parameters().allFinite(), "max |mean - V^pi| = " + number(error));
}

bool run_categorical_td(long long n) {
  const auto mdp = garnet();
  const Eigen::VectorXd exact = v_uniform(mdp);
  MDPEnvironment<const TabularMDP<double>&> env(mdp, 0);
  CategoricalTable<double> p(kStates, {.v_min = -10.0, .v_max = 10.0, .num_atoms = 51});
  CategoricalTD<CategoricalTable<double>> learner(p, {.gamma = kGamma, .step_size = 0.01});
  auto rng = make_rng(4);
  const auto start = Clock::now();
  const std::clock_t cpu_start = std::clock();
  for (long long i = 0; i < n; ++i) learner.update(sample(env, rng));
  double error = 0.0, mass = 0.0;
  for (Index s = 0; s < kStates; ++s) {
    error = std::max(error, std::abs(p.mean(s) - exact[s]));
    mass = std::max(mass, std::abs(p.parameters().row(s).sum() - 1.0));
  }
  return report("CategoricalTD (51 atoms, alpha 0.01)", n, start, cpu_start,
                p.parameters().allFinite(), "max |mean - V^pi| = " + number(error) +
                    ", max |sum p - 1| = " + number(mass));
}

}  // namespace

int main(int argc, char** argv) {
  const long long n = argc > 1 ? std::atoll(argv[1]) : 100'000'000LL;
  if (n < 1) {
    std::fprintf(stderr, "usage: long_run [updates >= 1]\n");
    return 2;
  }
  try {
    bool ok = true;
    ok &= run_q_learning(n);
    ok &= run_td_lambda(n);
    ok &= run_quantile_td(n);
    ok &= run_categorical_td(n);
    std::printf("%s\n", ok ? "all estimates finite" : "FAILED: an estimate is not finite");
    return ok ? 0 : 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "FAILED: %s\n", e.what());
    return 1;
  }
}
