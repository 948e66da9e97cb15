// The sparse solver of evaluate_policy (mdp/profile_lu.hpp): reverse
// Cuthill-McKee order, the profile LU against closed forms and the dense LU,
// summed duplicate entries and self-loops, disconnected states, and a
// numerically singular system.
#include "rlvalue/mdp/profile_lu.hpp"

#include <Eigen/Core>
#include <Eigen/LU>
#include <algorithm>
#include <cmath>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

using rlvalue::Index;
using rlvalue::LinearSolver;
using rlvalue::TabularMDP;
using rlvalue::detail::TransitionEntry;

namespace {

// Solves with the profile LU; fails the test if it reports a singular system.
std::vector<double> plu_solve(Index n, const std::vector<TransitionEntry>& entries, double gamma,
                              const std::vector<double>& r) {
  std::vector<double> v(static_cast<std::size_t>(n), -7.0);
  REQUIRE(rlvalue::detail::solve_discounted_system(n, entries, gamma, r.data(), v.data()));
  return v;
}

// The same system solved densely with partial pivoting.
std::vector<double> plu_dense(Index n, const std::vector<TransitionEntry>& entries, double gamma,
                              const std::vector<double>& r) {
  Eigen::MatrixXd a = Eigen::MatrixXd::Identity(n, n);
  for (const auto& e : entries) a(e.from, e.to) -= gamma * e.probability;
  const Eigen::VectorXd b = Eigen::Map<const Eigen::VectorXd>(r.data(), n);
  const Eigen::VectorXd x = a.partialPivLu().solve(b);
  return {x.data(), x.data() + n};
}

// Sum over i of (i - first row/column of the envelope of i) under `order`.
std::size_t plu_profile(Index n, const rlvalue::detail::SymmetricPattern& g,
                        const std::vector<Index>& order) {
  std::vector<Index> position(static_cast<std::size_t>(n));
  for (std::size_t k = 0; k < order.size(); ++k)
    position[static_cast<std::size_t>(order[k])] = static_cast<Index>(k);
  std::size_t total = 0;
  for (Index i = 0; i < n; ++i) {
    Index f = position[static_cast<std::size_t>(i)];
    const auto u = static_cast<std::size_t>(i);
    for (std::size_t k = g.start[u]; k < g.start[u + 1]; ++k)
      f = std::min(f, position[static_cast<std::size_t>(g.adjacent[k])]);
    total += static_cast<std::size_t>(position[u] - f);
  }
  return total;
}

}  // namespace

TEST_CASE("profile LU: reverse Cuthill-McKee turns a shuffled path into a band",
          "[mdp][evaluate][profile_lu]") {
  // A path 0 - 1 - ... - 199 whose states are relabelled by a fixed shuffle,
  // plus two isolated states and a separate triangle.
  const Index n = 205;
  auto rng = rlvalue::make_rng(11);
  std::vector<Index> label(200);
  std::iota(label.begin(), label.end(), Index(0));
  for (std::size_t i = label.size() - 1; i > 0; --i)
    std::swap(label[i], label[static_cast<std::size_t>(
                            rlvalue::uniform_index(rng, static_cast<Index>(i + 1)))]);
  std::vector<TransitionEntry> entries;
  for (std::size_t i = 0; i + 1 < label.size(); ++i)
    entries.push_back({label[i], label[i + 1], 0.5});
  entries.push_back({202, 203, 0.3});
  entries.push_back({203, 204, 0.3});
  entries.push_back({204, 202, 0.3});
  entries.push_back({50, 50, 0.2});  // a self-loop is not an edge of the pattern
  const auto g = rlvalue::detail::symmetric_pattern(n, entries);
  CHECK(g.degree(label[0]) == 1);
  CHECK(g.degree(label[100]) == 2);
  CHECK(g.degree(200) == 0);
  const auto order = rlvalue::detail::reverse_cuthill_mckee(n, g);
  // A permutation of 0..n-1.
  std::vector<Index> sorted = order;
  std::sort(sorted.begin(), sorted.end());
  for (Index i = 0; i < n; ++i) REQUIRE(sorted[static_cast<std::size_t>(i)] == i);
  // Bandwidth 1 on the path (profile 199) and at most 2 + 1 on the triangle.
  CHECK(plu_profile(n, g, order) == 199 + 3);
  std::vector<Index> identity(static_cast<std::size_t>(n));
  std::iota(identity.begin(), identity.end(), Index(0));
  CHECK(plu_profile(n, g, identity) > 5000);  // the shuffled labels: far wider
}

TEST_CASE("profile LU: a random walk with gamma = 1 against its closed form",
          "[mdp][evaluate][profile_lu]") {
  // States 0..n-1, each step left or right w.p. 1/2; leaving on the right pays
  // 1, on the left 0, so v(s) = (s + 1) / (n + 1). The states are numbered in
  // a shuffled order so that the ordering has work to do.
  const Index n = 3000;
  auto rng = rlvalue::make_rng(5);
  std::vector<Index> label(static_cast<std::size_t>(n));
  std::iota(label.begin(), label.end(), Index(0));
  for (std::size_t i = label.size() - 1; i > 0; --i)
    std::swap(label[i], label[static_cast<std::size_t>(
                            rlvalue::uniform_index(rng, static_cast<Index>(i + 1)))]);
  std::vector<TransitionEntry> entries;
  std::vector<double> r(static_cast<std::size_t>(n), 0.0);
  for (Index s = 0; s < n; ++s) {
    const Index me = label[static_cast<std::size_t>(s)];
    if (s > 0) entries.push_back({me, label[static_cast<std::size_t>(s - 1)], 0.5});
    if (s + 1 < n)
      entries.push_back({me, label[static_cast<std::size_t>(s + 1)], 0.5});
    else
      r[static_cast<std::size_t>(me)] = 0.5;
  }
  const auto v = plu_solve(n, entries, 1.0, r);
  double worst = 0.0;
  for (Index s = 0; s < n; ++s)
    worst = std::max(worst, std::abs(v[static_cast<std::size_t>(label[static_cast<std::size_t>(s)])] -
                                     double(s + 1) / double(n + 1)));
  CHECK(worst < 1e-10);
}

TEST_CASE("profile LU: duplicates are summed, self-loops go on the diagonal",
          "[mdp][evaluate][profile_lu]") {
  // Hand-worked: P = [[0.25, 0.5], [0.5, 0]] given as 0 -> 0 (0.25), 0 -> 1
  // in two halves (0.25 + 0.25), 1 -> 0 (0.5); gamma = 1, r = (1, 2).
  //   0.75 v0 - 0.5 v1 = 1,  -0.5 v0 + v1 = 2  =>  v0 = 4, v1 = 4.
  const std::vector<TransitionEntry> entries = {
      {0, 0, 0.25}, {0, 1, 0.25}, {1, 0, 0.5}, {0, 1, 0.25}};
  const auto v = plu_solve(2, entries, 1.0, {1.0, 2.0});
  CHECK(v[0] == Approx(4.0).epsilon(1e-14));
  CHECK(v[1] == Approx(4.0).epsilon(1e-14));
  // No entries: v = r. No states: nothing to do.
  const auto w = plu_solve(3, {}, 0.9, {1.0, -2.0, 3.0});
  CHECK(w == std::vector<double>{1.0, -2.0, 3.0});
  CHECK(rlvalue::detail::solve_discounted_system(0, {}, 0.5, nullptr, nullptr));
}

TEST_CASE("profile LU: agrees with the dense LU on random sparse systems",
          "[mdp][evaluate][profile_lu]") {
  auto rng = rlvalue::make_rng(2026);
  for (const Index n : {1, 2, 7, 64, 300}) {
    for (const double gamma : {0.0, 0.5, 0.99, 1.0}) {
      // Each state moves to up to 4 random states (duplicates and self-loops
      // included) and leaks 10% to termination, so gamma = 1 is solvable.
      std::vector<TransitionEntry> entries;
      std::vector<double> r(static_cast<std::size_t>(n));
      for (Index s = 0; s < n; ++s) {
        r[static_cast<std::size_t>(s)] = 2.0 * rlvalue::uniform01(rng) - 1.0;
        for (int k = 0; k < 4; ++k)
          entries.push_back({s, rlvalue::uniform_index(rng, n), 0.9 / 4});
      }
      const auto sparse = plu_solve(n, entries, gamma, r);
      const auto dense = plu_dense(n, entries, gamma, r);
      double worst = 0.0;
      for (std::size_t i = 0; i < sparse.size(); ++i)
        worst = std::max(worst, std::abs(sparse[i] - dense[i]));
      INFO("n = " << n << ", gamma = " << gamma);
      CHECK(worst < 1e-11);
    }
  }
}

TEST_CASE("profile LU: evaluate_policy's sparse path on a gridworld and a Garnet",
          "[mdp][evaluate][profile_lu]") {
  // A 40 x 40 gridworld (4 actions, slip to a random neighbour w.p. 0.2,
  // reward -1 per step, the far corner terminal): both solvers agree.
  const Index W = 40, S = W * W;
  TabularMDP<>::Builder b(S, 4);
  const Index dx[4] = {1, -1, 0, 0}, dy[4] = {0, 0, 1, -1};
  for (Index s = 0; s < S; ++s) {
    const Index x = s % W, y = s / W;
    for (Index a = 0; a < 4; ++a) {
      for (Index k = 0; k < 4; ++k) {
        const double p = (k == a ? 0.8 : 0.0) + 0.05;
        const Index nx = std::clamp(x + dx[k], Index(0), W - 1);
        const Index ny = std::clamp(y + dy[k], Index(0), W - 1);
        const Index next = ny * W + nx;
        b.add(s, a, next, p, -1.0, next == S - 1);
      }
    }
  }
  const auto grid = std::move(b).build();
  const Eigen::MatrixXd uniform = Eigen::MatrixXd::Constant(S, 4, 0.25);
  for (const double gamma : {0.9, 1.0}) {
    const Eigen::VectorXd dense =
        rlvalue::evaluate_policy(grid, uniform, gamma, {.solver = LinearSolver::dense});
    const Eigen::VectorXd sparse =
        rlvalue::evaluate_policy(grid, uniform, gamma, {.solver = LinearSolver::sparse});
    INFO("gamma = " << gamma);
    CHECK((dense - sparse).lpNorm<Eigen::Infinity>() <
          1e-10 * dense.lpNorm<Eigen::Infinity>());
  }
  // The automatic choice takes the sparse path above max_dense_states.
  auto rng = rlvalue::make_rng(99);
  const auto garnet = rlvalue::random_mdp(500, 3, 4, rng, {.termination_probability = 0.02});
  const Eigen::MatrixXd pi = Eigen::MatrixXd::Constant(500, 3, 1.0 / 3.0);
  const Eigen::VectorXd dense =
      rlvalue::evaluate_policy(garnet, pi, 0.95, {.solver = LinearSolver::dense});
  const Eigen::VectorXd automatic =
      rlvalue::evaluate_policy(garnet, pi, 0.95, {.max_dense_states = 100});
  CHECK((dense - automatic).lpNorm<Eigen::Infinity>() < 1e-9);
}

TEST_CASE("profile LU: a numerically singular system is reported, not solved",
          "[mdp][evaluate][profile_lu][errors]") {
  // One state that stays put w.p. 1 - 1e-300 and ends w.p. 1e-300: the chain
  // does terminate (so evaluate_policy's check passes), but 1 - P(0, 0)
  // rounds to 0.
  std::vector<double> v(1, -7.0);
  const std::vector<TransitionEntry> entries = {{0, 0, 1.0 - 1e-300}};
  CHECK_FALSE(rlvalue::detail::solve_discounted_system(1, entries, 1.0, std::vector<double>{1.0}.data(),
                                                       v.data()));
  TabularMDP<>::Builder b(1, 1);
  b.add(0, 0, 0, 1.0 - 1e-300, 1.0).add(0, 0, 0, 1e-300, 0.0, true);
  const auto m = std::move(b).build();
  for (const auto solver : {LinearSolver::dense, LinearSolver::sparse}) {
    REQUIRE_THROWS_MATCHES(
        rlvalue::evaluate_policy(m, Eigen::MatrixXd::Ones(1, 1), 1.0, {.solver = solver}),
        std::invalid_argument, rlvalue_test::Contains("numerically singular"));
  }
}
