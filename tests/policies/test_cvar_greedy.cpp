// CVaRGreedy over CategoricalQLearning and QuantileQLearning: risk-averse
// choice at small alpha, the mean at alpha = 1, one-hot probabilities, bad
// input.

#include "rlvalue/policies/cvar_greedy.hpp"

#include <Eigen/Core>
#include <stdexcept>
#include <string>

#include "catch.hpp"
#include "rlvalue/approx/categorical_table.hpp"
#include "rlvalue/approx/quantile_table.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/categorical_td.hpp"
#include "rlvalue/learners/quantile_td.hpp"

using rlvalue::Index;

static_assert(rlvalue::FinitePolicy<rlvalue::CVaRGreedy<rlvalue::CategoricalQLearning<>>>);
static_assert(rlvalue::FinitePolicy<rlvalue::CVaRGreedy<rlvalue::QuantileQLearning<>>>);

TEST_CASE("CVaRGreedy: risk-averse at small alpha, greedy by the mean at alpha = 1",
          "[policies][cvar]") {
  // State 0: action 0 a Dirac at 2 (mean 2), action 1 0.4 at 0 and 0.6 at 4
  // (mean 2.4; CVaR_0.25 = 0, CVaR_0.5 = (0.4*0 + 0.1*4)/0.5 = 0.8).
  rlvalue::CategoricalTable<double> table(1, 2, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  table.set_probabilities(0, 0, (Eigen::VectorXd(5) << 0, 0, 1, 0, 0).finished());
  table.set_probabilities(0, 1, (Eigen::VectorXd(5) << 0.4, 0, 0, 0, 0.6).finished());
  rlvalue::CategoricalQLearning<> learner(table, {.gamma = 1.0, .step_size = 0.5});
  auto rng = rlvalue::make_rng(1);
  rlvalue::CVaRGreedy averse(learner, 0.5), neutral(learner, 1.0);
  CHECK(learner.cvar(0, 1, 0.5) == Approx(0.8));
  CHECK(averse.action(0, rng) == 0);
  CHECK(neutral.action(0, rng) == 1);
  CHECK(averse.probabilities(0) == (Eigen::VectorXd(2) << 1, 0).finished());
  CHECK(neutral.probabilities(0) == (Eigen::VectorXd(2) << 0, 1).finished());
  // The policy follows the learner: make action 1 a Dirac at 3.
  table.set_probabilities(0, 1, (Eigen::VectorXd(5) << 0, 0, 0, 1, 0).finished());
  CHECK(averse.action(0, rng) == 1);

  // Quantile learner: action 0 estimates (1, 1), action 1 (-2, 5).
  rlvalue::QuantileTable<float> qt(1, 2, 2);
  qt.set_quantiles(0, 0, (Eigen::VectorXf(2) << 1, 1).finished());
  qt.set_quantiles(0, 1, (Eigen::VectorXf(2) << -2, 5).finished());
  rlvalue::QuantileQLearning<rlvalue::QuantileTable<float>> ql(qt, {});
  CHECK(rlvalue::CVaRGreedy(ql, 0.5).action(0, rng) == 0);
  CHECK(rlvalue::CVaRGreedy(ql, 1.0).action(0, rng) == 1);
}

TEST_CASE("CVaRGreedy: bad input", "[policies][cvar]") {
  rlvalue::CategoricalTable<double> table(2, 2, {.v_min = 0, .v_max = 4, .num_atoms = 5});
  rlvalue::CategoricalQLearning<> learner(table, {});
  try {
    rlvalue::CVaRGreedy<rlvalue::CategoricalQLearning<>> p(learner, 0.0);
    FAIL("did not throw");
  } catch (const std::invalid_argument& e) {
    CHECK(std::string(e.what()) == "CVaRGreedy: alpha = 0 is outside (0, 1]");
  }
  rlvalue::CVaRGreedy policy(learner, 0.1);
  auto rng = rlvalue::make_rng(2);
  try {
    policy.action(2, rng);
    FAIL("did not throw");
  } catch (const std::out_of_range& e) {
    CHECK(std::string(e.what()) ==
          "CategoricalQLearning::cvar_greedy_action: state = 2 is out of range [0, 2)");
  }
}
