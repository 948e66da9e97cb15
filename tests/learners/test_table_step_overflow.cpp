// The one-step learners write TabularV and TabularQ entries directly once
// the indices are checked (learners/common.hpp, add_to_table). A finite
// error whose step overflows the entry must still throw the table's own
// message, write nothing and take back the visit it counted: a step size
// of 2 on v(s) = 1.5e308 with error 2e307 gives 1.9e308 > DBL_MAX.

#include <limits>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/types.hpp"
#include "rlvalue/learners/expected_sarsa.hpp"
#include "rlvalue/learners/monte_carlo.hpp"
#include "rlvalue/learners/n_step_td.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/sarsa.hpp"
#include "rlvalue/learners/td0.hpp"

using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue::TabularV;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

namespace {
constexpr double kBig = 1.5e308;     // the entry
constexpr double kReward = 1.7e308;  // terminated: error = 1.7e308 - 1.5e308 = 2e307
constexpr const char* kVMessage =
    "TabularV::semi_gradient_step: v(s) + scaled_error = inf is not finite";
constexpr const char* kQMessage =
    "TabularQ::semi_gradient_step: q(s, a) + scaled_error = inf is not finite";
}  // namespace

TEST_CASE("Direct table steps: TD0 with an overflowing step throws, writes nothing, uncounts",
          "[learners][td0][bad-input]") {
  TabularV<double> v(3, 0.25);
  v.set_value(1, kBig);
  rlvalue::TD0<TabularV<double>> td(
      v, {.gamma = 0.9, .step_size = 2.0, .schedule = StepSchedule::per_visit});
  const rlvalue::Transition<Index, Index, double> t{
      .state = 1, .reward = kReward, .next_state = 2, .terminated = true};
  const Eigen::VectorXd before = v.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] { td.update(t); }), kVMessage));
  CHECK(v.parameters() == before);
  CHECK(td.visit_count(1) == 0);

  // The same transition third in a batch: the two before it are applied.
  const std::vector<rlvalue::Transition<Index, Index, double>> batch{
      {.state = 0, .reward = 1.0, .next_state = 2},
      {.state = 2, .reward = 1.0, .next_state = 0, .terminated = true},
      t};
  CHECK(contains(thrown_message<std::invalid_argument>([&] { td.update_batch(batch); }),
                 kVMessage));
  CHECK(v.parameters()[1] == kBig);
  CHECK(v.parameters()[0] != 0.25);
  CHECK(v.parameters()[2] != 0.25);
  CHECK(td.visit_count(0) == 1);
  CHECK(td.visit_count(1) == 0);
  CHECK(td.visit_count(2) == 1);

  // A step that stays finite is written exactly as v(s) + alpha * error.
  v.set_value(1, 1.0);
  const double error = td.update({.state = 1, .reward = 3.0, .next_state = 2, .terminated = true});
  CHECK(error == 2.0);
  CHECK(v.parameters()[1] == 1.0 + 2.0 * 2.0);
  CHECK(td.visit_count(1) == 1);
}

TEMPLATE_TEST_CASE("Direct table steps: action-value learners with an overflowing step",
                   "[learners][bad-input]", rlvalue::QLearning<TabularQ<double>>,
                   rlvalue::Sarsa<TabularQ<double>>, rlvalue::ExpectedSarsa<TabularQ<double>>) {
  TabularQ<double> q(3, 2, 0.25);
  q.set_value(1, 0, kBig);
  TestType learner(q, {.gamma = 0.9, .step_size = 2.0, .schedule = StepSchedule::per_visit});
  const rlvalue::Transition<Index, Index, double> t{
      .state = 1, .action = 0, .reward = kReward, .next_state = 2, .terminated = true};
  auto update = [&](const rlvalue::Transition<Index, Index, double>& x) {
    if constexpr (std::is_same_v<TestType, rlvalue::Sarsa<TabularQ<double>>>)
      return learner.update(x, 1);
    else if constexpr (std::is_same_v<TestType, rlvalue::ExpectedSarsa<TabularQ<double>>>)
      return learner.update(x, Eigen::Vector2d(0.5, 0.5));
    else
      return learner.update(x);
  };
  const Eigen::MatrixXd before = q.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] { update(t); }), kQMessage));
  CHECK(q.parameters() == before);
  CHECK(learner.visit_count(1, 0) == 0);

  q.set_value(1, 0, 1.0);
  CHECK(update({.state = 1, .action = 0, .reward = 3.0, .next_state = 2, .terminated = true}) ==
        2.0);
  CHECK(q.parameters()(1, 0) == 1.0 + 2.0 * 2.0);
  CHECK(learner.visit_count(1, 0) == 1);
}

TEST_CASE("Direct table steps: n-step TD and Monte Carlo with an overflowing step",
          "[learners][bad-input]") {
  TabularV<double> v(3, 0.25);
  v.set_value(1, kBig);
  const rlvalue::Transition<Index, Index, double> t{
      .state = 1, .reward = kReward, .next_state = 2, .terminated = true};
  const Eigen::VectorXd before = v.parameters();
  SECTION("n-step TD") {
    rlvalue::NStepTD<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 2.0, .n = 2});
    CHECK(contains(thrown_message<std::invalid_argument>([&] { td.update(t); }), kVMessage));
    CHECK(v.parameters() == before);
  }
  SECTION("Monte Carlo") {
    rlvalue::MonteCarlo<TabularV<double>> mc(v, {.gamma = 0.9, .step_size = 2.0});
    CHECK(contains(thrown_message<std::invalid_argument>([&] { mc.update(t); }), kVMessage));
    CHECK(v.parameters() == before);
  }
}
