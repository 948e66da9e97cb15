// Greedy-GQ(0): a hand-worked step (non-terminal, terminated, truncated),
// off-policy tabular convergence to Q* (uniform behaviour), bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/greedy_gq.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("GreedyGQ: hand-worked step", "[learners][greedy_gq]", float, double) {
  using T = TestType;
  auto tol = [](double x) { return Approx(x).epsilon(1e-5); };
  // q = [[0.5, 0], [1, 3]], secondary w(0, 0) = 0.2; gamma 0.9, alpha 0.1, beta 0.5.
  // s0, a0, r 1 -> s1: a* = 1, delta = 1 + 0.9*3 - 0.5 = 3.2, h = 0.2;
  // q(0,0) += 0.1*3.2 = 0.32; q(1,1) -= 0.1*0.9*0.2 = 0.018; w(0,0) += 0.5*(3.2 - 0.2) = 1.5.
  auto make = [](TabularQ<T>& q) {
    q.set_value(0, 0, T(0.5));
    q.set_value(1, 0, T(1));
    q.set_value(1, 1, T(3));
    GreedyGQ<TabularQ<T>> l(q, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.5});
    l.secondary()[0] = T(0.2);
    return l;
  };
  SECTION("non-terminal") {
    TabularQ<T> q(2, 2);
    auto l = make(q);
    CHECK(l.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1}) == tol(3.2));
    CHECK(l.q(0, 0) == tol(0.82));
    CHECK(l.q(1, 1) == tol(2.982));
    CHECK(l.q(1, 0) == tol(1.0));
    CHECK(l.secondary()[0] == tol(1.7));
  }
  SECTION("terminated: delta = 1 - 0.5 = 0.5, no next-state term") {
    TabularQ<T> q(2, 2);
    auto l = make(q);
    CHECK(l.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1, .terminated = true}) ==
          tol(0.5));
    CHECK(l.q(0, 0) == tol(0.55));
    CHECK(l.q(1, 1) == T(3));
    CHECK(l.secondary()[0] == tol(0.35));
  }
  SECTION("truncated bootstraps as non-terminal") {
    TabularQ<T> q(2, 2);
    auto l = make(q);
    l.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1, .truncated = true});
    CHECK(l.q(1, 1) == tol(2.982));
  }
}

TEST_CASE("GreedyGQ: off-policy tabular convergence to Q*", "[learners][greedy_gq][convergence]") {
  // TinyMDP, uniform random behaviour, gamma 0.9, 3e6 steps, alpha 0.01,
  // beta 0.05, Q averaged over the last third; tolerance 0.05 (|Q*| <= ~3).
  // The gradient correction makes the mode "all values shifted by c" slow
  // (its rate scales like (1 - gamma)^2): after 4e5 steps Q is still 0.1
  // below Q* everywhere; from 2e6 steps on the averages are within 0.01.
  using rlvalue_test::TinyMDP;
  const Eigen::MatrixXd q_star = TinyMDP::optimal_q(0.9);
  TabularQ<double> q(3, 2);
  GreedyGQ<TabularQ<double>> l(q, {.gamma = 0.9, .step_size = 0.01, .secondary_step_size = 0.05});
  auto rng = make_rng(2);
  Eigen::MatrixXd sum = Eigen::MatrixXd::Zero(3, 2);
  const Index steps = 3000000;
  Index s = 0;
  for (Index i = 0; i < steps; ++i) {
    const Index a = uniform_index(rng, 2);
    const auto t = TinyMDP::step(s, a, rng);
    l.update(t);
    s = t.terminated ? uniform_index(rng, 3) : t.next_state;
    if (i >= 2 * steps / 3) sum += q.parameters();
  }
  CHECK((sum / double(steps - 2 * steps / 3) - q_star).cwiseAbs().maxCoeff() < 0.05);
  for (Index st = 0; st < 3; ++st) {
    Index best = 0;
    q_star.row(st).maxCoeff(&best);
    CHECK(l.greedy_action(st) == best);
  }
}

TEST_CASE("GreedyGQ: bad input", "[learners][greedy_gq][errors]") {
  TabularQ<double> q(2, 2);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { GreedyGQ<TabularQ<double>> l(q, {.secondary_step_size = 0}); }),
                 "GreedyGQ: secondary_step_size = 0"));
  GreedyGQ<TabularQ<double>> l(q, {.gamma = 0.9});
  l.update({.state = 0, .action = 1, .reward = 1, .next_state = 1});
  const Eigen::MatrixXd before = q.parameters();
  const Eigen::VectorXd w = l.secondary();
  CHECK(contains(thrown_message<std::out_of_range>([&] {
                   l.update({.state = 0, .action = 2, .reward = 1, .next_state = 1});
                 }),
                 "GreedyGQ::update: action = 2"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   l.update({.state = 0, .action = 0, .reward = NAN, .next_state = 1});
                 }),
                 "reward = nan"));
  CHECK(q.parameters() == before);
  CHECK(l.secondary() == w);
}
