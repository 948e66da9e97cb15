// CategoricalTD / CategoricalQLearning: hand-worked updates (terminated,
// truncated, clipped), the mean following TD(0) exactly, rows on the simplex,
// convergence to a closed-form return distribution and to mdp/'s exact
// values, greedy and CVaR-greedy actions, bad input (nothing changes).

#include "rlvalue/learners/categorical_td.hpp"

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/td0.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/random_mdp.hpp"

using rlvalue::CategoricalQLearning;
using rlvalue::CategoricalTable;
using rlvalue::CategoricalTD;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<CategoricalTD<>, CategoricalTable<double>&&, rlvalue::TDConfig>,
              "a temporary table would dangle");

TEMPLATE_TEST_CASE("CategoricalTD: hand-worked updates", "[learners][categorical]", float, double) {
  using T = TestType;
  using V = Eigen::Matrix<T, Eigen::Dynamic, 1>;
  // Support 0..4 (5 atoms). Every state starts as two_hot(0) = (1, 0, 0, 0, 0).
  CategoricalTable<T> table(3, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  table.set_probabilities(1, 0, (V(5) << 0, 0.5, 0.5, 0, 0).finished());  // mean 1.5
  CategoricalTD<CategoricalTable<T>> ctd(table, {.gamma = 0.5, .step_size = 0.5});

  // s=0 -> s'=1, r=1: r + 0.5 z = (1, 1.5, 2, 2.5, 3) weighted by p(1):
  // 1.5 (0.5) -> 0.25 to z1, 0.25 to z2; 2 (0.5) -> z2. Target (0, .25, .75, 0, 0),
  // mean 1.75 = 1 + 0.5*1.5. p(0) = 0.5*(1,0,0,0,0) + 0.5*target.
  CHECK(ctd.update({.state = 0, .reward = T(1), .next_state = 1}) == Approx(1.75));
  CHECK(ctd.probabilities(0).transpose() == (V(5) << 0.5, 0.125, 0.375, 0, 0).finished());
  CHECK(ctd.value(0) == Approx(0.875));  // 0 + 0.5*1.75: TD(0) on the means

  // Terminated: target two_hot(2.5) = (0, 0, .5, .5, 0), p(1) ignored.
  CHECK(ctd.update({.state = 2, .reward = T(2.5), .next_state = 1, .terminated = true}) ==
        Approx(2.5));
  CHECK(ctd.probabilities(2).transpose() == (V(5) << 0.5, 0, 0.25, 0.25, 0).finished());

  // Truncated: bootstraps. r=0: 0.5 z = (0, .5, 1, 1.5, 2) weighted by p(1):
  // .5 (0.5) -> .25 to z0, .25 to z1; 1 (0.5) -> z1. Target (.25, .75, 0, 0, 0),
  // mean 0.75; mean p(2) = 0.5 + 0.75 = 1.25; error -0.5.
  CHECK(ctd.update({.state = 2, .reward = T(0), .next_state = 1, .truncated = true}) ==
        Approx(-0.5));
  CHECK(ctd.probabilities(2).transpose() == (V(5) << 0.375, 0.375, 0.125, 0.125, 0).finished());

  // Clipped: r = 10, terminated -> all target mass on z4; the mean error is
  // 4 - 0.875, not 10 - 0.875.
  CHECK(ctd.update({.state = 0, .reward = T(10), .next_state = 0, .terminated = true}) ==
        Approx(3.125));
  CHECK(ctd.probabilities(0)[4] == T(0.5));

  // Self-loop: the target is computed from p(s) before p(s) is written. A
  // Dirac at 2 with r = 1, gamma = 0.5 maps to 1 + 0.5*2 = 2: a fixed point.
  CategoricalTable<T> t2(1, {.v_min = 0, .v_max = 4, .num_atoms = 5}, T(2));  // two_hot(2)
  CategoricalTD<CategoricalTable<T>> self(t2, {.gamma = 0.5, .step_size = 1.0});
  self.update({.state = 0, .reward = T(1), .next_state = 0});  // 1 + 0.5*2 = 2: stays a Dirac at 2
  CHECK(t2.probabilities(0).transpose() == (V(5) << 0, 0, 1, 0, 0).finished());
  CHECK(&ctd.approximator() == &table);
}

TEST_CASE("CategoricalTD: mean follows TD(0) exactly; rows stay on the simplex",
          "[learners][categorical]") {
  // Rewards in [-1, 1], gamma = 0.8, support [-10, 10]: |r| + 0.8*10 <= 9, so
  // no target is clipped and the mixture's mean is TD(0)'s update.
  auto rng = rlvalue::make_rng(17);
  const Index S = 6;
  CategoricalTable<double> table(S, {.v_min = -10, .v_max = 10, .num_atoms = 41});
  rlvalue::TabularV<double> v(S);
  CategoricalTD<> ctd(table, {.gamma = 0.8, .step_size = 0.3});
  rlvalue::TD0<rlvalue::TabularV<double>> td(v, {.gamma = 0.8, .step_size = 0.3});
  // The same stream through a support that clips (v_max = 2): the means part.
  CategoricalTable<double> narrow(S, {.v_min = -2, .v_max = 2, .num_atoms = 41});
  CategoricalTD<> clipped(narrow, {.gamma = 0.8, .step_size = 0.3});
  double gap = 0.0;
  for (int k = 0; k < 3000; ++k) {
    rlvalue::Transition<> t{.state = rlvalue::uniform_index(rng, S),
                            .reward = 2.0 * rlvalue::uniform01(rng) - 1.0 + (k % 7 == 0 ? 0.9 : 0.0),
                            .next_state = rlvalue::uniform_index(rng, S),
                            .terminated = rlvalue::bernoulli(rng, 0.1),
                            .truncated = rlvalue::bernoulli(rng, 0.05)};
    t.reward = std::min(t.reward, 1.0);
    const double e1 = ctd.update(t), e2 = td.update(t);
    REQUIRE(e1 == Approx(e2).margin(1e-12));
    clipped.update(t);
    for (Index s = 0; s < S; ++s) REQUIRE(ctd.value(s) == Approx(td.value(s)).margin(1e-12));
    gap = std::max(gap, std::abs(clipped.value(t.state) - td.value(t.state)));
  }
  CHECK(gap > 0.1);  // clipping breaks the equality, so the check above can fail
  CHECK(table.parameters().minCoeff() >= 0.0);
  CHECK((table.parameters().rowwise().sum().array() - 1.0).abs().maxCoeff() <= 1e-12);
  CHECK(narrow.parameters().minCoeff() >= 0.0);
}

TEST_CASE("CategoricalTD: converges to the binomial return distribution of a chain",
          "[learners][categorical]") {
  // Chain 0 -> 1 -> 2 -> 3 -> end, each step's reward 0 or 1 with probability
  // 1/2, gamma = 1: the return from s is Binomial(4 - s, 1/2). Support 0..4
  // keeps every target on the grid, so CTD's fixed point is exact. Per-visit
  // step sizes 1/n^0.8, 20000 episodes (seed 4); tolerance 0.02 on each
  // probability (the sampling error is ~0.005).
  CategoricalTable<double> table(4, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  CategoricalTD<> ctd(table, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                              .omega = 0.8});
  auto rng = rlvalue::make_rng(4);
  for (int e = 0; e < 20000; ++e)
    for (Index s = 0; s < 4; ++s)
      ctd.update({.state = s, .reward = rlvalue::bernoulli(rng, 0.5) ? 1.0 : 0.0,
                  .next_state = s == 3 ? 3 : s + 1, .terminated = s == 3});
  for (Index s = 0; s < 4; ++s) {
    const Index n = 4 - s;
    double worst = 0.0;
    for (Index k = 0; k <= 4; ++k) {
      double binom = 0.0;
      if (k <= n) {
        binom = std::pow(0.5, double(n));
        for (Index i = 0; i < k; ++i) binom *= double(n - i) / double(i + 1);
      }
      worst = std::max(worst, std::abs(ctd.probabilities(s)[k] - binom));
    }
    INFO("state " << s);
    CHECK(worst < 0.02);
    CHECK(ctd.value(s) == Approx(0.5 * double(n)).margin(0.03));
  }
}

TEST_CASE("CategoricalTD: mean converges to evaluate_policy on a random MDP",
          "[learners][categorical]") {
  // 5 states, 1 action, branching 3, termination probability 0.2, rewards in
  // [-1, 1], gamma = 0.9: |v| < 10, and the support [-12, 12] covers every
  // target (1 + 0.9*12 < 12). Exploring starts, 60000 transitions, per-visit
  // step 1/n^0.7 (seed 9); tolerance 0.05 on each value.
  auto mdp_rng = rlvalue::make_rng(9, 1);
  const auto mdp = rlvalue::random_mdp(5, 1, 3, mdp_rng, {.termination_probability = 0.2});
  const Eigen::VectorXd exact = rlvalue::evaluate_policy(mdp, Eigen::MatrixXd::Ones(5, 1), 0.9);
  rlvalue::MDPEnvironment env(mdp, 0);
  CategoricalTable<double> table(5, {.v_min = -12, .v_max = 12, .num_atoms = 97});
  CategoricalTD<> ctd(table, {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                              .omega = 0.7});
  auto rng = rlvalue::make_rng(9, 2);
  for (int k = 0; k < 60000; ++k) {
    const Index s = rlvalue::uniform_index(rng, 5);
    env.reset_to(s);
    const auto step = env.step(0, rng);
    ctd.update({.state = s, .reward = step.reward, .next_state = step.next_state,
                .terminated = step.terminated});
  }
  for (Index s = 0; s < 5; ++s) CHECK(ctd.value(s) == Approx(exact[s]).margin(0.05));
}

TEST_CASE("CategoricalQLearning: greedy target, CVaR-greedy action, bandit convergence",
          "[learners][categorical]") {
  using V = Eigen::VectorXd;
  CategoricalTable<double> table(2, 2, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  table.set_probabilities(1, 0, (V(5) << 0, 0, 1, 0, 0).finished());    // Dirac at 2
  table.set_probabilities(1, 1, (V(5) << 0.4, 0, 0, 0, 0.6).finished());  // mean 2.4, risky
  CategoricalQLearning<> cql(table, {.gamma = 1.0, .step_size = 1.0});
  CHECK(cql.greedy_action(1) == 1);
  CHECK(cql.value(1) == Approx(2.4));
  CHECK(cql.cvar(1, 1, 0.25) == 0.0);
  CHECK(cql.cvar_greedy_action(1, 0.25) == 0);  // CVaR_0.25: 2 vs 0
  CHECK(cql.cvar_greedy_action(1, 1.0) == 1);   // CVaR_1 is the mean
  // (0, 0) -> 1, r = 0, alpha 1: p(0, 0) becomes p(1, a* = 1).
  CHECK(cql.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1}) == Approx(2.4));
  CHECK(cql.probabilities(0, 0).transpose() == (V(5) << 0.4, 0, 0, 0, 0.6).finished());
  CHECK(cql.q(0, 1) == 0.0);  // untouched: two_hot(0)

  // Two-armed bandit, one step: arm 0 pays 1, arm 1 pays 0 or 3 (mean 1.5).
  CategoricalTable<double> bandit(1, 2, {.v_min = 0, .v_max = 3, .num_atoms = 4});
  CategoricalQLearning<> learner(bandit, {.gamma = 0.9, .step_size = 0.05});
  auto rng = rlvalue::make_rng(12);
  for (int k = 0; k < 4000; ++k) {
    const Index a = k % 2;
    const double r = a == 0 ? 1.0 : (rlvalue::bernoulli(rng, 0.5) ? 3.0 : 0.0);
    learner.update({.state = 0, .action = a, .reward = r, .next_state = 0, .terminated = true});
  }
  CHECK(learner.q(0, 0) == Approx(1.0).margin(1e-9));
  CHECK(learner.q(0, 1) == Approx(1.5).margin(0.3));
  CHECK(learner.greedy_action(0) == 1);
  CHECK(learner.cvar_greedy_action(0, 0.25) == 0);
  CHECK(learner.probabilities(0, 1)[0] == Approx(0.5).margin(0.15));
}

TEST_CASE("CategoricalTD / CategoricalQLearning: bad input changes nothing",
          "[learners][categorical]") {
  using rlvalue::UniformSupport;
  CHECK(thrown_message<std::invalid_argument>([] {
          CategoricalTable<double>(2, UniformSupport{.v_min = 1, .v_max = -1, .num_atoms = 5});
        }) == "CategoricalTable: v_min = 1 must be less than v_max = -1");
  CHECK(thrown_message<std::invalid_argument>([] {
          CategoricalTable<double>(2, UniformSupport{.v_min = 0, .v_max = 1, .num_atoms = 0});
        }) == "CategoricalTable: num_atoms = 0 must be at least 2");
  CategoricalTable<double> table(3, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  CHECK(thrown_message<std::invalid_argument>([&] {
          CategoricalTD<>(table, {.gamma = 1.0, .step_size = 1.5});
        }) == "CategoricalTD: step_size = 1.5 is outside (0, 1] (the categorical update mixes p "
              "with its target)");
  CHECK(thrown_message<std::invalid_argument>([&] { CategoricalTD<>(table, {.step_size = 0.0}); }) ==
        "CategoricalTD: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] { CategoricalTD<>(table, {.gamma = 1.2}); }) ==
        "CategoricalTD: gamma = 1.2 is outside [0, 1]");
  CategoricalTable<double> q_table(3, 2, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  CHECK(thrown_message<std::invalid_argument>([&] { CategoricalTD<>(q_table, {}); }) ==
        "CategoricalTD: num_actions = 2 must be 1 (state distributions; CategoricalQLearning "
        "takes action tables)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          table.set_probabilities(0, 0, Eigen::VectorXd::Constant(5, 0.3));
        }) == "CategoricalTable::set_probabilities: sum of probs = 1.5 must be 1 (within "
              "1.4901161193847656e-08)");

  CategoricalTD<> ctd(table, {.gamma = 0.9, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  CategoricalQLearning<> cql(q_table, {.gamma = 0.9, .step_size = 0.5});
  ctd.update({.state = 0, .reward = 1.0, .next_state = 1});
  cql.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1});
  const auto before = table.parameters();
  const auto q_before = q_table.parameters();
  CHECK(thrown_message<std::out_of_range>([&] { ctd.update({.state = 3, .next_state = 0}); }) ==
        "CategoricalTD::update: state = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] {
          ctd.update({.state = 0, .next_state = -1, .terminated = true});
        }) == "CategoricalTD::update: next_state = -1 is out of range [0, 3)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          ctd.update({.state = 0, .reward = NAN, .next_state = 1});
        }) == "CategoricalTD::update: reward = nan is not finite");
  CHECK(thrown_message<std::out_of_range>([&] {
          cql.update({.state = 0, .action = 2, .next_state = 1});
        }) == "CategoricalQLearning::update: action = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          cql.update({.state = 0, .action = 0, .reward = -INFINITY, .next_state = 1});
        }) == "CategoricalQLearning::update: reward = -inf is not finite");
  CHECK(table.parameters() == before);
  CHECK(q_table.parameters() == q_before);
  CHECK(ctd.visit_count(0) == 1);
  CHECK(thrown_message<std::invalid_argument>([&] { ctd.cvar(0, 0.0); }) ==
        "distribution_cvar: alpha = 0 is outside (0, 1]");
}
