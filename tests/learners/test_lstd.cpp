// LSTD and LSTD(lambda): batch solve and recursive (Sherman-Morrison) form.
// Hand-worked systems (termination, truncation, traces, ridge), recursive =
// batch, tabular LSTD(0) = certainty equivalence of the empirical model,
// convergence to v_pi and to the linear TD(lambda) fixed point, bad input
// (singular systems, config ranges, unchanged learner after a throw).

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "gradient_td_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_v.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/learners/lstd.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "trace_test_support.hpp"

using namespace rlvalue;
using rlvalue_test::contains;
using rlvalue_test::MatrixMap;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("LSTD: hand-worked systems", "[learners][lstd]", float, double) {
  using T = TestType;
  using Tr = Transition<Index, Index, T>;
  const Tr first{.state = 0, .reward = T(1), .next_state = 1};
  const Tr last{.state = 1, .reward = T(2), .next_state = 1, .terminated = true};
  TabularV<T> v(2);
  SECTION("lambda 0, gamma 0.5: A = [[1, -0.5], [0, 1]], b = (1, 2), w = (2, 2)") {
    LSTD<TabularV<T>> l(v, {.gamma = 0.5});
    l.update(first);
    l.update(last);
    CHECK(l.A()(0, 1) == Approx(-0.5));
    CHECK(l.A()(1, 0) == T(0));
    l.solve();
    CHECK(v.value(0) == Approx(2.0));
    CHECK(v.value(1) == Approx(2.0));
  }
  SECTION("ridge 1: (A + I) w = b gives w1 = 2/2 = 1, w0 = (1 + 0.5*1)/2 = 0.75") {
    LSTD<TabularV<T>> l(v, {.gamma = 0.5, .ridge = 1.0});
    l.update(first);
    l.update(last);
    l.solve();
    CHECK(v.value(0) == Approx(0.75));
    CHECK(v.value(1) == Approx(1.0));
  }
  SECTION("lambda 0.5: z2 = 0.25 e0 + e1, A = [[1, -0.25], [0, 1]], b = (1.5, 2), w = (2, 2)") {
    LSTD<TabularV<T>> l(v, {.gamma = 0.5, .lambda = 0.5});
    l.update(first);
    CHECK(l.trace()[0] == Approx(1.0));
    l.update(last);
    CHECK(l.trace().isZero());  // cleared at the end of the episode
    CHECK(l.A()(0, 1) == Approx(-0.25));
    CHECK(l.b()[0] == Approx(1.5));
    l.solve();
    CHECK(v.value(0) == Approx(2.0));
    CHECK(v.value(1) == Approx(2.0));
  }
  SECTION("truncated s1 -> s0 bootstraps: A = [[1, -0.5], [-0.5, 1]], w = (2/0.75, 2.5/0.75)") {
    LSTD<TabularV<T>> l(v, {.gamma = 0.5, .lambda = 0.5});
    l.update(first);
    l.update({.state = 1, .reward = T(2), .next_state = 0, .truncated = true});
    CHECK(l.trace().isZero());
    // lambda = 0.5 adds z2 = 0.25 e0 + e1 times u = e1 - 0.5 e0:
    // A = [[1 - 0.125, -0.5 + 0.25], [-0.5, 1]], b = (1.5, 2).
    CHECK(l.A()(0, 0) == Approx(0.875));
    CHECK(l.A()(0, 1) == Approx(-0.25));
    l.solve();
    // 0.875 w0 - 0.25 w1 = 1.5, -0.5 w0 + w1 = 2 -> w0 = 2/0.75, w1 = 2 + w0/2.
    CHECK(v.value(0) == Approx(2.0 / 0.75).epsilon(1e-5));
    CHECK(v.value(1) == Approx(2.0 + 1.0 / 0.75).epsilon(1e-5));
  }
  SECTION("recursive, ridge 1: same as the batch solve with ridge 1") {
    RecursiveLSTD<TabularV<T>> l(v, {.gamma = 0.5, .ridge = 1.0});
    l.update(first);
    l.update(last);
    CHECK(v.value(0) == Approx(0.75));
    CHECK(v.value(1) == Approx(1.0));
  }
}

TEST_CASE("LSTD: recursive equals batch (same ridge), tabular and dense, lambda 0 and 0.7",
          "[learners][lstd]") {
  const auto mdp = rlvalue_test::garnet_mrp(6, 3);
  const auto data = rlvalue_test::mrp_data(mdp, 200, 9);
  for (double lambda : {0.0, 0.7}) {
    const LSTDConfig config{.gamma = 0.9, .lambda = lambda, .ridge = 1e-3};
    TabularV<double> vb(6), vr(6);
    LSTD<TabularV<double>> batch(vb, config);
    RecursiveLSTD<TabularV<double>> recursive(vr, config);
    for (const auto& t : data) batch.update(t), recursive.update(t);
    batch.solve();
    CHECK((vb.parameters() - vr.parameters()).cwiseAbs().maxCoeff() < 1e-9);

    using V = LinearV<MatrixMap>;
    V db{MatrixMap(rlvalue_test::garnet_features())}, dr{MatrixMap(rlvalue_test::garnet_features())};
    LSTD<V> batch_d(db, config);
    RecursiveLSTD<V> recursive_d(dr, config);
    for (const auto& t : data) batch_d.update(t), recursive_d.update(t);
    batch_d.solve();
    CHECK((db.parameters() - dr.parameters()).cwiseAbs().maxCoeff() < 1e-9);
  }
}

TEST_CASE("LSTD(0) on tabular features is certainty equivalence (I - gamma P_hat)^-1 r_hat",
          "[learners][lstd]") {
  const auto mdp = rlvalue_test::garnet_mrp(6, 3);
  const auto data = rlvalue_test::mrp_data(mdp, 50, 4);
  const double gamma = 0.9;
  // Empirical model: n(s), n(s, s') over non-terminal successors, summed rewards.
  Eigen::VectorXd n = Eigen::VectorXd::Zero(6), rsum = Eigen::VectorXd::Zero(6);
  Eigen::MatrixXd N = Eigen::MatrixXd::Zero(6, 6);
  for (const auto& t : data) {
    n[t.state] += 1;
    rsum[t.state] += t.reward;
    if (!t.terminated) N(t.state, t.next_state) += 1;
  }
  REQUIRE(n.minCoeff() > 0);
  const Eigen::MatrixXd P_hat = n.cwiseInverse().asDiagonal() * N;
  const Eigen::VectorXd r_hat = rsum.cwiseQuotient(n);
  const Eigen::VectorXd ce =
      (Eigen::MatrixXd::Identity(6, 6) - gamma * P_hat).partialPivLu().solve(r_hat);
  TabularV<double> v(6);
  LSTD<TabularV<double>> l(v, {.gamma = gamma});
  for (const auto& t : data) l.update(t);
  l.solve();
  CHECK((v.parameters() - ce).cwiseAbs().maxCoeff() < 1e-10);
}

TEST_CASE("LSTD: convergence to v_pi and to the linear TD(lambda) fixed point",
          "[learners][lstd][convergence]") {
  // 20000 episodes of a 6-state Garnet MRP (gamma 0.9): sampling error of the
  // solution ~ 1/sqrt(20000 * visits); tolerance 0.03 on values of size ~2.
  const auto mdp = rlvalue_test::garnet_mrp(6, 11);
  const double gamma = 0.9;
  const auto data = rlvalue_test::mrp_data(mdp, 20000, 5);
  const Eigen::VectorXd truth = evaluate_policy(mdp, Eigen::MatrixXd::Ones(6, 1), gamma);
  for (double lambda : {0.0, 0.5, 1.0}) {
    TabularV<double> v(6);
    LSTD<TabularV<double>> l(v, {.gamma = gamma, .lambda = lambda});
    for (const auto& t : data) l.update(t);
    l.solve();
    CHECK((v.parameters() - truth).cwiseAbs().maxCoeff() < 0.03);

    const Eigen::MatrixXd phi = rlvalue_test::garnet_features();
    const Eigen::VectorXd w_star = rlvalue_test::td_lambda_fixed_point(
        mdp, phi, gamma, lambda, Eigen::VectorXd::Constant(6, 1.0 / 6));
    LinearV<MatrixMap> d{MatrixMap(phi)};
    LSTD<LinearV<MatrixMap>> ld(d, {.gamma = gamma, .lambda = lambda});
    for (const auto& t : data) ld.update(t);
    ld.solve();
    CHECK((d.parameters() - w_star).cwiseAbs().maxCoeff() < 0.05);
  }
}

TEST_CASE("LSTD: bad input and singular systems", "[learners][lstd][errors]") {
  TabularV<double> v(3);
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { LSTD<TabularV<double>> l(v, {.gamma = -0.1}); }),
                 "LSTD: gamma = -0.1"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { LSTD<TabularV<double>> l(v, {.lambda = 2}); }),
                 "LSTD: lambda = 2"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { LSTD<TabularV<double>> l(v, {.ridge = -1}); }),
                 "LSTD: ridge = -1"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { RecursiveLSTD<TabularV<double>> l(v, {.ridge = 0}); }),
                 "RecursiveLSTD: ridge = 0 must be positive"));

  // State 2 never visited: A has rank 2 < 3; weights unchanged.
  v.parameters() << 7, 8, 9;
  LSTD<TabularV<double>> l(v, {.gamma = 0.9});
  l.update({.state = 0, .reward = 1, .next_state = 1});
  l.update({.state = 1, .reward = 1, .next_state = 1, .terminated = true});
  const std::string msg = thrown_message<std::invalid_argument>([&] { l.solve(); });
  CHECK(contains(msg, "LSTD::solve: rank = 2 of A + ridge*I is below the number of features 3"));
  CHECK(v.parameters() == Eigen::Vector3d(7, 8, 9));
  // A ridge makes it solvable.
  LSTD<TabularV<double>> lr(v, {.gamma = 0.9, .ridge = 0.1});
  lr.update({.state = 0, .reward = 1, .next_state = 1, .terminated = true});
  CHECK_NOTHROW(lr.solve());

  // Throwing updates leave A, b and the trace unchanged.
  LSTD<TabularV<double>> l2(v, {.gamma = 0.9, .lambda = 0.5});
  l2.update({.state = 0, .reward = 1, .next_state = 1});
  const Eigen::MatrixXd A = l2.A();
  const Eigen::VectorXd b = l2.b(), z = l2.trace();
  CHECK(contains(thrown_message<std::out_of_range>([&] {
                   l2.update({.state = 1, .reward = 1, .next_state = 3});
                 }),
                 "LSTD::update: next_state = 3"));
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   l2.update({.state = 1, .reward = NAN, .next_state = 2});
                 }),
                 "reward = nan"));
  CHECK(l2.A() == A);
  CHECK(l2.b() == b);
  CHECK(l2.trace() == z);
  CHECK(l2.count() == 1);

  // Sherman-Morrison breakdown: phi = (1) then (3), gamma 1, ridge 2:
  // C = 1/2, z = 1, u = 1 - 3 = -2, 1 + u C z = 0.
  LinearV<MatrixMap> d{MatrixMap(Eigen::MatrixXd((Eigen::MatrixXd(2, 1) << 1, 3).finished()))};
  RecursiveLSTD<LinearV<MatrixMap>> rl(d, {.gamma = 1.0, .ridge = 2.0});
  const Eigen::MatrixXd C = rl.inverse();
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   rl.update({.state = 0, .reward = 1, .next_state = 1});
                 }),
                 "RecursiveLSTD::update: 1 + u^T C z = 0 is (numerically) zero"));
  CHECK(rl.inverse() == C);
  CHECK(rl.count() == 0);
  CHECK(d.parameters()[0] == 0.0);
}
