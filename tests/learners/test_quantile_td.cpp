// QuantileTD / QuantileQLearning: hand-worked updates (terminated, truncated,
// Huber), the Huber step against a direct O(m^2) sum, each step moving an
// estimate by at most alpha, m = 1 tracking the median, convergence to a
// closed-form return distribution, greedy and CVaR-greedy actions, bad input.

#include "rlvalue/learners/quantile_td.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/targets/distributional_losses.hpp"

using rlvalue::Index;
using rlvalue::QuantileQLearning;
using rlvalue::QuantileTable;
using rlvalue::QuantileTD;
using rlvalue::StepSchedule;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<QuantileTD<>, QuantileTable<double>&&, rlvalue::QuantileTDConfig>,
              "a temporary table would dangle");

TEMPLATE_TEST_CASE("QuantileTD: hand-worked updates", "[learners][quantile]", float, double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  // m = 2: taus (0.25, 0.75). alpha = 0.4, gamma = 0.5.
  QuantileTable<T> table(3, 1, 2);
  table.set_quantiles(1, 0, (V(2) << 0, 2).finished());
  table.set_quantiles(2, 0, (V(2) << 1, 1).finished());
  QuantileTD<QuantileTable<T>> qtd(table, {.gamma = 0.5, .step_size = 0.4});
  CHECK(table.level(0) == T(0.25));

  // s=0 (0, 0) -> s'=1, r=1: targets 1 + 0.5*(0, 2) = (1, 2), none below 0:
  // theta_0 += 0.4*(0.25 - 0) = 0.1, theta_1 += 0.4*0.75 = 0.3.
  // Returned error: mean target 1.5 - mean theta 0.
  CHECK(qtd.update({.state = 0, .reward = T(1), .next_state = 1}) == Approx(1.5));
  CHECK(qtd.quantiles(0)[0] == Approx(0.1));
  CHECK(qtd.quantiles(0)[1] == Approx(0.3));

  // Terminated: s=2 (1, 1), r = 0.5: both targets 0.5 < 1:
  // theta_i += 0.4*(tau_i - 1) = (-0.3, -0.1) -> (0.7, 0.9). Error 0.5 - 1.
  CHECK(qtd.update({.state = 2, .reward = T(0.5), .next_state = 1, .terminated = true}) ==
        Approx(-0.5));
  CHECK(qtd.quantiles(2)[0] == Approx(0.7));
  CHECK(qtd.quantiles(2)[1] == Approx(0.9));

  // Truncated: bootstraps. s=2 (0.7, 0.9) -> s'=1, r=0: targets (0, 1); one
  // below each: theta_0 += 0.4*(0.25 - 0.5) = -0.1 -> 0.6; theta_1 += 0.4*(0.75 - 0.5)
  // = 0.1 -> 1.0. Error 0.5 - 0.8 = -0.3.
  CHECK(qtd.update({.state = 2, .reward = T(0), .next_state = 1, .truncated = true}) ==
        Approx(-0.3));
  CHECK(qtd.quantiles(2)[0] == Approx(0.6));
  CHECK(qtd.quantiles(2)[1] == Approx(1.0));
  CHECK(qtd.value(2) == Approx(0.8));

  // Huber kappa = 4: s=0 reset to (0, 0), targets (1, 2): u/kappa = (0.25, 0.5).
  // theta_0 += 0.4/2 * 0.25*(0.25 + 0.5) = 0.0375; theta_1 += 0.2 * 0.75*0.75 = 0.1125.
  QuantileTable<T> t2(2, 1, 2);
  t2.set_quantiles(1, 0, (V(2) << 0, 2).finished());
  QuantileTD<QuantileTable<T>> huber(t2, {.gamma = 0.5, .step_size = 0.4, .kappa = 4.0});
  huber.update({.state = 0, .reward = T(1), .next_state = 1});
  CHECK(t2.quantiles(0)[0] == Approx(0.0375));
  CHECK(t2.quantiles(0)[1] == Approx(0.1125));
}

TEST_CASE("QuantileTD: the Huber step equals the direct sum of derivatives",
          "[learners][quantile]") {
  // theta_i += alpha/m * sum_j rho'_{tau_i, kappa}(y_j - theta_i), computed
  // here by the O(m^2) sum and in the learner by sorting and prefix sums.
  auto rng = rlvalue::make_rng(31);
  for (double kappa : {0.0, 0.05, 0.7, 5.0}) {
    for (int trial = 0; trial < 50; ++trial) {
      const Index m = 1 + rlvalue::uniform_index(rng, 20);
      QuantileTable<double> table(2, 1, m);
      Eigen::VectorXd a(m), b(m);
      for (Index i = 0; i < m; ++i) {
        a[i] = rlvalue::normal(rng, 0.0, 1.0);
        b[i] = std::round(4.0 * rlvalue::normal(rng, 0.0, 1.0)) / 4.0;  // ties happen
      }
      table.set_quantiles(0, 0, a);
      table.set_quantiles(1, 0, b);
      const double r = rlvalue::normal(rng, 0.0, 1.0), gamma = 0.9, alpha = 0.3;
      QuantileTD<> qtd(table, {.gamma = gamma, .step_size = alpha, .kappa = kappa});
      qtd.update({.state = 0, .reward = r, .next_state = 1});
      for (Index i = 0; i < m; ++i) {
        const double tau = rlvalue::quantile_midpoint(i, m);
        double sum = 0.0;
        for (Index j = 0; j < m; ++j)
          sum += rlvalue::quantile_huber_derivative((r + gamma * b[j]) - a[i], tau, kappa);
        CHECK(table.quantiles(0)[i] == Approx(a[i] + alpha / double(m) * sum).margin(1e-12));
      }
    }
  }
}

TEST_CASE("QuantileTD: every update moves each estimate by at most alpha",
          "[learners][quantile]") {
  // Rewards of scale 1e6: TD would move by ~1e5, QTD by at most alpha.
  auto rng = rlvalue::make_rng(2);
  for (double kappa : {0.0, 1.0}) {
    QuantileTable<double> table(4, 1, 8);
    QuantileTD<> qtd(table, {.gamma = 0.95, .step_size = 0.25, .kappa = kappa});
    double largest = 0.0;
    for (int k = 0; k < 5000; ++k) {
      const Index s = rlvalue::uniform_index(rng, 4);
      const Eigen::VectorXd before = table.quantiles(s).transpose();
      qtd.update({.state = s, .reward = rlvalue::normal(rng, 0.0, 1e6),
                  .next_state = rlvalue::uniform_index(rng, 4),
                  .terminated = rlvalue::bernoulli(rng, 0.2)});
      const double moved = (table.quantiles(s).transpose() - before).cwiseAbs().maxCoeff();
      REQUIRE(moved <= 0.25 * (1 + 1e-9));
      largest = std::max(largest, moved);
    }
    CHECK(largest > 0.2);  // the bound is reached, not vacuous
  }
}

TEST_CASE("QuantileTD: m = 1 tracks the median", "[learners][quantile]") {
  // One terminal step with reward Exp(1): median ln 2 = 0.693, mean 1. Per-visit
  // step 1/n^0.6, 40000 samples (seed 6): within 0.03 of the median.
  QuantileTable<double> table(1, 1, 1);
  QuantileTD<> qtd(table, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                           .omega = 0.6});
  auto rng = rlvalue::make_rng(6);
  for (int k = 0; k < 40000; ++k)
    qtd.update({.state = 0, .reward = -std::log(1.0 - rlvalue::uniform01(rng)), .next_state = 0,
                .terminated = true});
  CHECK(qtd.value(0) == Approx(std::log(2.0)).margin(0.03));
}

TEST_CASE("QuantileTD: converges to the quantiles of a chain's return distribution",
          "[learners][quantile]") {
  // Chain 0 -> 1 -> 2 -> end, rewards 1, 1, then U ~ Uniform(0, 1) on the
  // last step, gamma = 0.9. Return from s: sum of the deterministic rewards +
  // 0.9^(2-s) * U, whose tau-quantile is exact under QTD's representation:
  //   theta_i(2) = tau_i, theta_i(1) = 1 + 0.9 tau_i, theta_i(0) = 1.9 + 0.81 tau_i.
  // m = 4, per-visit step 1/n^0.7, 30000 episodes (seed 10): within 0.03.
  const Index m = 4;
  QuantileTable<double> table(3, 1, m);
  QuantileTD<> qtd(table, {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                           .omega = 0.7});
  auto rng = rlvalue::make_rng(10);
  for (int e = 0; e < 30000; ++e) {
    qtd.update({.state = 0, .reward = 1.0, .next_state = 1});
    qtd.update({.state = 1, .reward = 1.0, .next_state = 2});
    qtd.update({.state = 2, .reward = rlvalue::uniform01(rng), .next_state = 2, .terminated = true});
  }
  for (Index i = 0; i < m; ++i) {
    const double tau = rlvalue::quantile_midpoint(i, m);
    CHECK(qtd.quantiles(2)[i] == Approx(tau).margin(0.03));
    CHECK(qtd.quantiles(1)[i] == Approx(1.0 + 0.9 * tau).margin(0.03));
    CHECK(qtd.quantiles(0)[i] == Approx(1.9 + 0.81 * tau).margin(0.03));
  }
}

TEST_CASE("QuantileQLearning: greedy target, CVaR-greedy action, bandit", "[learners][quantile]") {
  using V = Eigen::VectorXd;
  QuantileTable<double> table(2, 2, 4);
  table.set_quantiles(1, 0, (V(4) << 2, 2, 2, 2).finished());    // safe, mean 2
  table.set_quantiles(1, 1, (V(4) << 0, 0, 5, 5).finished());    // risky, mean 2.5
  QuantileQLearning<> qql(table, {.gamma = 1.0, .step_size = 0.1});
  CHECK(qql.greedy_action(1) == 1);
  CHECK(qql.value(1) == 2.5);
  CHECK(qql.cvar_greedy_action(1, 0.5) == 0);  // CVaR_0.5: 2 vs 0
  CHECK(qql.cvar(1, 1, 0.75) == Approx(5.0 / 3));
  // (0, 0) -> 1, r = 0: targets from a* = 1: (0, 0, 5, 5). theta(0,0) = 0:
  // none below 0, so theta_i += 0.1 * tau_i = (0.0125, 0.0375, 0.0625, 0.0875).
  CHECK(qql.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1}) == 2.5);
  CHECK(qql.quantiles(0, 0)[3] == Approx(0.0875));
  CHECK(qql.q(0, 1) == 0.0);

  // Bandit: arm 0 pays 1; arm 1 pays 0 or 3 (mean 1.5), m = 2 -> quantiles
  // at 0.25, 0.75: 0 and 3; m = 2 mean = 1.5.
  QuantileTable<double> bandit(1, 2, 2);
  QuantileQLearning<> learner(bandit, {.gamma = 0.9, .step_size = 0.02});
  auto rng = rlvalue::make_rng(14);
  for (int k = 0; k < 20000; ++k) {
    const Index a = k % 2;
    learner.update({.state = 0, .action = a,
                    .reward = a == 0 ? 1.0 : (rlvalue::bernoulli(rng, 0.5) ? 3.0 : 0.0),
                    .next_state = 0, .terminated = true});
  }
  CHECK(learner.q(0, 0) == Approx(1.0).margin(0.05));
  CHECK(learner.quantiles(0, 1)[0] == Approx(0.0).margin(0.1));
  CHECK(learner.quantiles(0, 1)[1] == Approx(3.0).margin(0.1));
  CHECK(learner.greedy_action(0) == 1);
  CHECK(learner.cvar_greedy_action(0, 0.5) == 0);
}

TEST_CASE("QuantileTD / QuantileQLearning: bad input changes nothing", "[learners][quantile]") {
  CHECK(thrown_message<std::invalid_argument>([] { QuantileTable<double>(2, 1, 0); }) ==
        "QuantileTable: num_quantiles = 0 must be at least 1");
  QuantileTable<double> table(3, 1, 4);
  CHECK(thrown_message<std::invalid_argument>([&] { QuantileTD<>(table, {.kappa = -1.0}); }) ==
        "QuantileTD: kappa = -1 must be finite and >= 0 (0: no Huber smoothing)");
  CHECK(thrown_message<std::invalid_argument>([&] { QuantileTD<>(table, {.step_size = -0.1}); }) ==
        "QuantileTD: step_size = -0.1 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] { QuantileTD<>(table, {.gamma = -0.5}); }) ==
        "QuantileTD: gamma = -0.5 is outside [0, 1]");
  QuantileTable<double> q_table(3, 2, 4);
  CHECK(thrown_message<std::invalid_argument>([&] { QuantileTD<>(q_table, {}); }) ==
        "QuantileTD: num_actions = 2 must be 1 (state quantiles; QuantileQLearning takes action "
        "tables)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          table.set_quantiles(0, 0, Eigen::VectorXd::Constant(4, NAN));
        }) == "QuantileTable::set_quantiles: theta = nan is not finite");

  QuantileTD<> qtd(table, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  QuantileQLearning<> qql(q_table, {.gamma = 1.0, .step_size = 0.5});
  table.set_quantiles(1, 0, Eigen::VectorXd::Constant(4, 1e308));
  qtd.update({.state = 0, .reward = 1.0, .next_state = 2});
  const auto before = table.parameters();
  const auto q_before = q_table.parameters();
  CHECK(thrown_message<std::out_of_range>([&] { qtd.update({.state = -1, .next_state = 0}); }) ==
        "QuantileTD::update: state = -1 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] {
          qtd.update({.state = 0, .next_state = 3, .terminated = true});
        }) == "QuantileTD::update: next_state = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          qtd.update({.state = 0, .reward = NAN, .next_state = 1});
        }) == "QuantileTD::update: reward = nan is not finite");
  // 1e308 + 1 * 1e308 overflows: rejected, nothing written.
  CHECK(thrown_message<std::invalid_argument>([&] {
          qtd.update({.state = 0, .reward = 1e308, .next_state = 1});
        }) == "QuantileTD::update: target = inf is not finite (r + gamma*theta overflowed); "
              "nothing was updated");
  CHECK(thrown_message<std::out_of_range>([&] {
          qql.update({.state = 0, .action = -1, .next_state = 1});
        }) == "QuantileQLearning::update: action = -1 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          qql.update({.state = 0, .action = 1, .reward = INFINITY, .next_state = 1});
        }) == "QuantileQLearning::update: reward = inf is not finite");
  CHECK(table.parameters() == before);
  CHECK(q_table.parameters() == q_before);
  CHECK(qtd.visit_count(0) == 1);
}
