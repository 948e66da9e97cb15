// Sarsa: hand-worked updates (terminated vs truncated), convergence to Q^pi
// of a fixed stochastic policy, Sarsa with greedy next actions equals
// Q-learning bit for bit, bad input.

#include "rlvalue/learners/sarsa.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/q_learning.hpp"

using rlvalue::Index;
using rlvalue::Sarsa;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<Sarsa<TabularQ<double>>, TabularQ<double>&&, rlvalue::SarsaConfig>);

TEMPLATE_TEST_CASE("Sarsa: hand-worked updates, terminated vs truncated", "[learners][sarsa]", float,
                   double) {
  using T = TestType;
  TabularQ<T> q(2, 3);
  q.parameters() << T(1), T(2), T(3), T(4), T(6), T(5);
  Sarsa<TabularQ<T>> sarsa(q, {.gamma = 0.9, .step_size = 0.5});
  // a' = 2: delta = 1 + 0.9*q(1,2) - q(0,1) = 1 + 4.5 - 2 = 3.5; q(0,1) = 2 + 1.75 = 3.75.
  CHECK(sarsa.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1}, 2) == Approx(3.5));
  CHECK(sarsa.q(0, 1) == Approx(3.75));
  // Truncated bootstraps from q(s', a'): a' = 0: delta = 0 + 0.9*4 - q(0,0) = 3.6 - 1 = 2.6;
  // q(0,0) = 1 + 1.3 = 2.3.
  CHECK(sarsa.update({.state = 0, .action = 0, .reward = T(0), .next_state = 1, .truncated = true}, 0) ==
        Approx(2.6));
  CHECK(sarsa.q(0, 0) == Approx(2.3));
  // Terminated: delta = -1 - q(0,2) = -4; q(0,2) = 3 - 2 = 1 (next action not read).
  CHECK(sarsa.update({.state = 0, .action = 2, .reward = T(-1), .next_state = 1, .terminated = true}, 1) ==
        T(-4));
  CHECK(sarsa.q(0, 2) == T(1));
  CHECK(sarsa.greedy_action(0) == 1);  // q(0, .) = (2.3, 3.75, 1)
  CHECK(q.parameters().row(1) == Eigen::Matrix<T, 1, 3>(4, 6, 5));
}

TEST_CASE("Sarsa: with the greedy next action it is Q-learning, bit for bit", "[learners][sarsa][property]") {
  TabularQ<double> q_sarsa(3, 2), q_ql(3, 2);
  Sarsa<TabularQ<double>> sarsa(q_sarsa, {.gamma = 0.9, .step_size = 0.3});
  rlvalue::QLearning<TabularQ<double>> ql(q_ql, {.gamma = 0.9, .step_size = 0.3});
  rlvalue::Rng rng = rlvalue::make_rng(4);
  Index s = 0;
  for (int step = 0; step < 5000; ++step) {
    auto t = rlvalue_test::TinyMDP::step(s, rlvalue::uniform_index(rng, 2), rng);
    t.truncated = step % 17 == 16;
    const double e1 = sarsa.update(t, sarsa.greedy_action(t.next_state));
    const double e2 = ql.update(t);
    REQUIRE(e1 == e2);
    s = (t.terminated || t.truncated) ? rlvalue::uniform_index(rng, 3) : t.next_state;
  }
  CHECK(q_sarsa.parameters() == q_ql.parameters());
  CHECK_FALSE(q_sarsa.parameters().isZero());
}

TEMPLATE_TEST_CASE("Sarsa: on-policy evaluation converges to Q^pi", "[learners][sarsa][convergence]",
                   float, double) {
  using T = TestType;
  // Fixed stochastic policy pi on TinyMDP, gamma 0.9, random start states,
  // cut (truncated) after 20 steps, alpha_n = 1/n^0.8 per pair, 2*10^6
  // steps, seed 8. Exact Q^pi by iterating the Bellman expectation operator;
  // tolerance 0.03.
  const double gamma = 0.9;
  Eigen::MatrixXd pi(3, 2);
  pi << 0.3, 0.7, 0.6, 0.4, 0.5, 0.5;
  TabularQ<T> q(3, 2);
  Sarsa<TabularQ<T>> sarsa(q, {.gamma = gamma, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                               .omega = 0.8});
  rlvalue::Rng rng = rlvalue::make_rng(8);
  auto act = [&](Index st) { return rlvalue::sample_discrete(rng, pi.row(st)); };
  Index s = 0, a = act(0);
  int length = 0;
  for (int step = 0; step < 2000000; ++step) {
    auto t = rlvalue_test::TinyMDP::step<T>(s, a, rng);
    t.truncated = ++length == 20;
    const Index next_action = act(t.next_state);
    sarsa.update(t, next_action);
    if (t.terminated || t.truncated) {
      s = rlvalue::uniform_index(rng, 3);
      a = act(s);
      length = 0;
    } else {
      s = t.next_state;
      a = next_action;
    }
  }
  const Eigen::MatrixXd q_pi = rlvalue_test::TinyMDP::policy_q(pi, gamma);
  for (Index st = 0; st < 3; ++st)
    for (Index b = 0; b < 2; ++b) {
      INFO("q(" << st << ", " << b << ") = " << sarsa.q(st, b) << ", q_pi = " << q_pi(st, b));
      CHECK(std::abs(static_cast<double>(sarsa.q(st, b)) - q_pi(st, b)) < 0.03);
    }
}

TEST_CASE("Sarsa: bad input throws and changes nothing", "[learners][sarsa][errors]") {
  TabularQ<double> q(2, 3, 1.0);
  Sarsa<TabularQ<double>> sarsa(q, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  sarsa.update({.state = 1, .action = 1, .reward = 1.0, .next_state = 0}, 2);
  const Eigen::MatrixXd before = q.parameters();
  const std::vector<Index> counts_before = sarsa.step_sizes().counts();
  REQUIRE(sarsa.visit_count(1, 1) == 1);
  auto unchanged = [&] {
    CHECK(q.parameters() == before);
    CHECK(sarsa.step_sizes().counts() == counts_before);
  };
  CHECK(thrown_message<std::out_of_range>(
            [&] { sarsa.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1}, 3); }) ==
        "Sarsa::update: next_action = 3 is out of range [0, 3)");
  unchanged();
  // next_action is range-checked even when terminated (it is not read then).
  CHECK(thrown_message<std::out_of_range>([&] {
          sarsa.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 1, .terminated = true}, -1);
        }) == "Sarsa::update: next_action = -1 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { sarsa.update({.state = -1, .action = 0, .reward = 0.0, .next_state = 1}, 0); }) ==
        "Sarsa::update: state = -1 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { sarsa.update({.state = 0, .action = 9, .reward = 0.0, .next_state = 1}, 0); }) ==
        "Sarsa::update: action = 9 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { sarsa.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 2}, 0); }) ==
        "Sarsa::update: next_state = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] {
          sarsa.update({.state = 0, .action = 0, .reward = std::numeric_limits<double>::infinity(),
                        .next_state = 1, .terminated = true}, 0);
        }) == "Sarsa::update: reward = inf is not finite");
  unchanged();
  q.set_value(1, 0, -1.5e308);
  const Eigen::MatrixXd big = q.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { sarsa.update({.state = 0, .action = 0, .reward = -1e308, .next_state = 1}, 0); }),
                 "Sarsa::update: td_error = -inf is not finite"));
  CHECK(q.parameters() == big);
  CHECK(sarsa.step_sizes().counts() == counts_before);
}
