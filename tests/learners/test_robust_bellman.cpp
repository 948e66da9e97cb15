// Robust Bellman losses (saddle-point form): hand-worked steps for the
// squared, Huber and absolute losses; squared = GTD2 exactly; Huber with tau
// above every |theta.x| = squared exactly; on-policy tabular convergence to
// v_pi; off-policy with ratios; bad input.

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

#include "catch.hpp"
#include "gradient_td_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/gradient_td.hpp"
#include "rlvalue/learners/robust_bellman.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "trace_test_support.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::MatrixMap;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("RobustBellman: hand-worked steps", "[learners][robust_bellman]", float, double) {
  using T = TestType;
  auto tol = [](double x) { return Approx(x).epsilon(1e-5); };
  // w = (0, 2), theta = (0.4, 0), gamma 0.9, alpha 0.1, beta 0.5;
  // s0 -> s1, r 1: delta = 2.8, d = theta.x = 0.4, theta0 += 0.5*(2.8 - 0.4).
  const Transition<Index, Index, T> t{.state = 0, .reward = T(1), .next_state = 1};
  auto run = [&](BellmanLoss loss, double tau, double theta0, bool terminated = false) {
    TabularV<T> v(2);
    v.parameters() << T(0), T(2);
    RobustBellman<TabularV<T>> l(v, {.gamma = 0.9, .step_size = 0.1, .secondary_step_size = 0.5,
                                     .loss = loss, .tau = tau});
    l.secondary() << T(theta0), T(0);
    auto tt = t;
    tt.terminated = terminated;
    l.update(tt);
    return std::pair{Eigen::Vector2d(v.parameters().template cast<double>()),
                     double(l.secondary()[0])};
  };
  SECTION("squared: h = 0.4: w = (0.04, 2 - 0.036), theta0 = 1.6") {
    auto [w, th] = run(BellmanLoss::squared, 1.0, 0.4);
    CHECK(w[0] == tol(0.04));
    CHECK(w[1] == tol(1.964));
    CHECK(th == tol(1.6));
  }
  SECTION("Huber tau 0.25: h = 0.25: w = (0.025, 2 - 0.0225), theta0 = 1.6") {
    auto [w, th] = run(BellmanLoss::huber, 0.25, 0.4);
    CHECK(w[0] == tol(0.025));
    CHECK(w[1] == tol(1.9775));
    CHECK(th == tol(1.6));
  }
  SECTION("absolute: h = sign(0.4) = 1: w = (0.1, 2 - 0.09); sign(-0.4) = -1: w0 = -0.1") {
    auto [w, th] = run(BellmanLoss::absolute, 1.0, 0.4);
    CHECK(w[0] == tol(0.1));
    CHECK(w[1] == tol(1.91));
    auto [w2, th2] = run(BellmanLoss::absolute, 1.0, -0.4);
    CHECK(w2[0] == tol(-0.1));
    CHECK(th2 == tol(-0.4 + 0.5 * 3.2));  // delta - d = 2.8 + 0.4
  }
  SECTION("terminated: delta = 1, no x' term: Huber tau 0.25 w = (0.025, 2), theta0 = 0.7") {
    auto [w, th] = run(BellmanLoss::huber, 0.25, 0.4, true);
    CHECK(w[0] == tol(0.025));
    CHECK(w[1] == T(2));
    CHECK(th == tol(0.7));
  }
  SECTION("truncated bootstraps like a non-terminal step") {
    TabularV<T> v(2), v2(2);
    RobustBellman<TabularV<T>> a(v, {.gamma = 0.9, .step_size = 0.1});
    RobustBellman<TabularV<T>> b(v2, {.gamma = 0.9, .step_size = 0.1});
    auto tt = t;
    tt.truncated = true;
    a.update(tt), a.update(tt);
    b.update(t), b.update(t);
    CHECK(v.parameters() == v2.parameters());
  }
}

TEST_CASE("RobustBellman: squared is GTD2; Huber with a large tau is squared (bit for bit)",
          "[learners][robust_bellman]") {
  const auto mdp = rlvalue_test::garnet_mrp(6, 11);
  const auto data = rlvalue_test::mrp_data(mdp, 300, 3);
  using V = LinearV<MatrixMap>;
  V a{MatrixMap(rlvalue_test::garnet_features())}, b{MatrixMap(rlvalue_test::garnet_features())},
      c{MatrixMap(rlvalue_test::garnet_features())};
  GTD2<V> gtd2(a, {.gamma = 0.9, .step_size = 0.02, .secondary_step_size = 0.1});
  RobustBellman<V> sq(b, {.gamma = 0.9, .step_size = 0.02, .secondary_step_size = 0.1,
                          .loss = BellmanLoss::squared});
  RobustBellman<V> hub(c, {.gamma = 0.9, .step_size = 0.02, .secondary_step_size = 0.1,
                           .loss = BellmanLoss::huber, .tau = 1e6});
  double max_h = 0.0;
  auto rng = make_rng(1);
  for (const auto& t : data) {
    const double rho = 0.5 + uniform01(rng);
    max_h = std::max(max_h, std::abs(sq.secondary().dot(rlvalue_test::garnet_features().row(t.state).transpose())));
    gtd2.update(t, rho), sq.update(t, rho), hub.update(t, rho);
  }
  REQUIRE(max_h > 0.1);  // the secondary weights were in play
  CHECK(a.parameters() == b.parameters());
  CHECK(gtd2.secondary() == sq.secondary());
  CHECK(b.parameters() == c.parameters());
  CHECK(sq.secondary() == hub.secondary());
  // A small tau does change the result.
  V d{MatrixMap(rlvalue_test::garnet_features())};
  RobustBellman<V> small(d, {.gamma = 0.9, .step_size = 0.02, .secondary_step_size = 0.1,
                             .loss = BellmanLoss::huber, .tau = 0.05});
  for (const auto& t : data) small.update(t);
  CHECK(d.parameters() != b.parameters());
}

TEST_CASE("RobustBellman: on-policy tabular convergence to v_pi for every loss",
          "[learners][robust_bellman][convergence]") {
  // Garnet MRP, 6 states, gamma 0.9, 100000 episodes, weights averaged over
  // the second half; alpha 0.005, beta 0.02 (absolute: alpha 0.002, its step
  // does not shrink with the error). Tolerance 0.02 on values of size ~2.
  const auto mdp = rlvalue_test::garnet_mrp(6, 11);
  const double gamma = 0.9;
  const Eigen::VectorXd truth = evaluate_policy(mdp, Eigen::MatrixXd::Ones(6, 1), gamma);
  for (BellmanLoss loss : {BellmanLoss::squared, BellmanLoss::huber, BellmanLoss::absolute}) {
    TabularV<double> v(6);
    RobustBellman<TabularV<double>> l(
        v, {.gamma = gamma, .step_size = loss == BellmanLoss::absolute ? 0.002 : 0.005,
            .secondary_step_size = 0.02, .loss = loss, .tau = 0.1});
    auto rng = make_rng(1);
    Eigen::VectorXd sum = Eigen::VectorXd::Zero(6);
    Index n = 0;
    const Index episodes = 100000;
    for (Index e = 0; e < episodes; ++e)
      for (const auto& t : rlvalue_test::mrp_episode(mdp, rng)) {
        l.update(t);
        if (e >= episodes / 2) sum += v.parameters(), ++n;
      }
    INFO("loss " << int(loss));
    CHECK((sum / double(n) - truth).cwiseAbs().maxCoeff() < 0.02);
  }
}

TEST_CASE("RobustBellman: bad input", "[learners][robust_bellman][errors]") {
  TabularV<double> v(2);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { RobustBellman<TabularV<double>> l(v, {.tau = 0.0}); }),
                 "RobustBellman: tau = 0 must be positive"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { RobustBellman<TabularV<double>> l(v, {.gamma = 2}); }),
                 "RobustBellman: gamma = 2"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   RobustBellman<TabularV<double>> l(v, {.loss = static_cast<BellmanLoss>(7)});
                 }),
                 "loss = 7 is not a BellmanLoss"));
  v.parameters() << 1, 2;
  RobustBellman<TabularV<double>> l(v, {.gamma = 0.9});
  l.secondary() << 0.5, 0.25;
  const Eigen::VectorXd w = v.parameters(), theta = l.secondary();
  const Transition<> good{.state = 0, .reward = 1, .next_state = 1};
  CHECK(contains(thrown_message<std::invalid_argument>([&] { l.update(good, -1.0); }),
                 "RobustBellman::update: rho = -1 must be a finite importance ratio >= 0"));
  CHECK(contains(thrown_message<std::out_of_range>([&] {
                   l.update({.state = 2, .reward = 1, .next_state = 1});
                 }),
                 "state = 2"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   l.update({.state = 0, .reward = NAN, .next_state = 1});
                 }),
                 "reward = nan"));
  CHECK(v.parameters() == w);
  CHECK(l.secondary() == theta);
}
