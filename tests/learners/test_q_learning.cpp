// QLearning: hand-worked updates (terminated vs truncated), greedy action
// and value, convergence to Q* on a small stochastic MDP, bad input.

#include "rlvalue/learners/q_learning.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"

using rlvalue::Index;
using rlvalue::QLearning;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(std::is_constructible_v<QLearning<TabularQ<float>>, TabularQ<float>&, rlvalue::TDConfig>);
static_assert(!std::is_constructible_v<QLearning<TabularQ<float>>, TabularQ<float>&&, rlvalue::TDConfig>);

// q(0, .) = (1, 2, 3), q(1, .) = (4, 6, 5).
template <class T>
TabularQ<T> small_table() {
  TabularQ<T> q(2, 3);
  q.parameters() << T(1), T(2), T(3), T(4), T(6), T(5);
  return q;
}

TEMPLATE_TEST_CASE("QLearning: hand-worked updates, terminated vs truncated", "[learners][qlearning]",
                   float, double) {
  using T = TestType;
  {
    TabularQ<T> q = small_table<T>();
    QLearning<TabularQ<T>> ql(q, {.gamma = 0.9, .step_size = 0.5});
    // delta = 1 + 0.9*max(4, 6, 5) - q(0,1) = 1 + 5.4 - 2 = 4.4; q(0,1) = 2 + 0.5*4.4 = 4.2.
    CHECK(ql.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1}) == Approx(4.4));
    CHECK(ql.q(0, 1) == Approx(4.2));
    // Only (0, 1) changed.
    CHECK(q.parameters()(0, 0) == T(1));
    CHECK(q.parameters()(0, 2) == T(3));
    CHECK(q.parameters().row(1) == small_table<T>().parameters().row(1));
  }
  {
    TabularQ<T> q = small_table<T>();
    QLearning<TabularQ<T>> ql(q, {.gamma = 0.9, .step_size = 0.5});
    // Terminated: delta = 1 - 2 = -1; q(0,1) = 1.5.
    CHECK(ql.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1, .terminated = true}) == T(-1));
    CHECK(ql.q(0, 1) == T(1.5));
  }
  {
    TabularQ<T> q = small_table<T>();
    QLearning<TabularQ<T>> ql(q, {.gamma = 0.9, .step_size = 0.5});
    // Truncated: bootstraps as if not ended -> 4.2 as in the first case.
    CHECK(ql.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1, .truncated = true}) == Approx(4.4));
    CHECK(ql.q(0, 1) == Approx(4.2));
    // Self-transition reads before writing: (1, 0): delta = 0 + 0.9*6 - 4 = 1.4; q(1,0) = 4.7.
    CHECK(ql.update({.state = 1, .action = 0, .reward = T(0), .next_state = 1}) == Approx(1.4));
    CHECK(ql.q(1, 0) == Approx(4.7));
  }
}

TEST_CASE("QLearning: greedy action, value, accessors", "[learners][qlearning]") {
  TabularQ<double> q(2, 4);
  q.parameters() << 1, 5, 5, 2, -3, -1, -1, -2;
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 0.5});
  CHECK(ql.greedy_action(0) == 1);  // tie 1/2 -> lowest
  CHECK(ql.greedy_action(1) == 1);
  CHECK(ql.value(0) == 5.0);
  CHECK(ql.value(1) == -1.0);
  CHECK(&ql.approximator() == &q);
  CHECK(ql.config().gamma == 0.9);
  CHECK(ql.config().step_size == 0.5);
  CHECK(thrown_message<std::out_of_range>([&] { (void)ql.greedy_action(2); }) ==
        "QLearning::greedy_action: state = 2 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)ql.q(0, 4); }) ==
        "QLearning::q: action = 4 is out of range [0, 4)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)ql.value(-1); }) ==
        "QLearning::value: state = -1 is out of range [0, 2)");
}

TEMPLATE_TEST_CASE("QLearning: converges to Q* with a uniform behaviour policy",
                   "[learners][qlearning][convergence]", float, double) {
  using T = TestType;
  // TinyMDP, gamma 0.9, uniformly random actions and start states, episodes
  // cut (truncated) after 20 steps, alpha_n = 1/n^0.7 per pair, 200000 steps,
  // seed 99. Exact Q* by value iteration; tolerance 0.03.
  const double gamma = 0.9;
  TabularQ<T> q(3, 2);
  QLearning<TabularQ<T>> ql(q, {.gamma = gamma, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                                .omega = 0.7});
  rlvalue::Rng rng = rlvalue::make_rng(99);
  Index s = 0;
  int length = 0;
  for (int step = 0; step < 200000; ++step) {
    auto t = rlvalue_test::TinyMDP::step<T>(s, rlvalue::uniform_index(rng, 2), rng);
    t.truncated = ++length == 20;
    ql.update(t);
    if (t.terminated || t.truncated) {
      s = rlvalue::uniform_index(rng, 3);
      length = 0;
    } else {
      s = t.next_state;
    }
  }
  const Eigen::MatrixXd q_star = rlvalue_test::TinyMDP::optimal_q(gamma);
  for (Index st = 0; st < 3; ++st)
    for (Index a = 0; a < 2; ++a) {
      INFO("q(" << st << ", " << a << ") = " << ql.q(st, a) << ", q* = " << q_star(st, a));
      CHECK(std::abs(static_cast<double>(ql.q(st, a)) - q_star(st, a)) < 0.03);
    }
  for (Index st = 0; st < 3; ++st) {
    Index best = 0;
    q_star.row(st).maxCoeff(&best);
    CHECK(ql.greedy_action(st) == best);
  }
}

TEST_CASE("QLearning: bad input throws and changes nothing", "[learners][qlearning][errors]") {
  TabularQ<double> q = small_table<double>();
  QLearning<TabularQ<double>> ql(q, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  ql.update({.state = 0, .action = 2, .reward = 1.0, .next_state = 1});
  const Eigen::MatrixXd before = q.parameters().template cast<double>();
  const std::vector<Index> counts_before = ql.step_sizes().counts();
  REQUIRE(ql.visit_count(0, 2) == 1);
  auto unchanged = [&] {
    CHECK(q.parameters() == before);
    CHECK(ql.step_sizes().counts() == counts_before);
  };
  CHECK(thrown_message<std::out_of_range>([&] { ql.update({.state = 2, .action = 0, .reward = 0.0, .next_state = 0}); }) ==
        "QLearning::update: state = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>([&] { ql.update({.state = 0, .action = 3, .reward = 0.0, .next_state = 0}); }) ==
        "QLearning::update: action = 3 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>([&] { ql.update({.state = 0, .action = -1, .reward = 0.0, .next_state = 0}); }) ==
        "QLearning::update: action = -1 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { ql.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 5, .terminated = true}); }) ==
        "QLearning::update: next_state = 5 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>(
            [&] { ql.update({.state = 0, .action = 0, .reward = std::nan(""), .next_state = 1}); }) ==
        "QLearning::update: reward = nan is not finite");
  unchanged();
  q.set_value(1, 1, 1.5e308);
  const Eigen::MatrixXd big = q.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { ql.update({.state = 0, .action = 0, .reward = 1e308, .next_state = 1}); }),
                 "QLearning::update: td_error = inf is not finite"));
  CHECK(q.parameters() == big);
  CHECK(ql.step_sizes().counts() == counts_before);

  TabularQ<double> other(2, 2);
  CHECK(thrown_message<std::invalid_argument>([&] { QLearning<TabularQ<double>>(other, {.gamma = 1.01, .step_size = 0.5}); }) ==
        "QLearning: gamma = 1.01 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { QLearning<TabularQ<double>>(other, {.gamma = 0.5, .step_size = -2.0}); }) ==
        "QLearning: step_size = -2 must be positive and finite");
}
