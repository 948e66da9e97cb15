// DoubleQLearning: hand-worked updates with scripted coin flips (terminated vs
// truncated), the combined estimate and an epsilon-greedy policy on it, the
// coin's fairness, the linear (non-tabular) path, bad input.

#include "rlvalue/learners/double_q_learning.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "critic_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/policies/greedy.hpp"

using rlvalue::DoubleQLearning;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::coin;
using rlvalue_test::contains;
using rlvalue_test::ScriptedBits;
using rlvalue_test::table;
using rlvalue_test::thrown_message;

static_assert(rlvalue::ActionValueReader<DoubleQLearning<TabularQ<double>>>);
static_assert(!std::is_constructible_v<DoubleQLearning<TabularQ<double>>, TabularQ<double>&&,
                                       TabularQ<double>&, rlvalue::TDConfig>);

namespace {
// Q^A: s0 (1, 2, 3), s1 (4, 6, 5).  Q^B: s0 (0, 1, 0), s1 (2, -1, 3).
template <class T>
TabularQ<T> table_a() {
  return table<T>(2, 3, {1, 2, 3, 4, 6, 5});
}
template <class T>
TabularQ<T> table_b() {
  return table<T>(2, 3, {0, 1, 0, 2, -1, 3});
}
}  // namespace

TEMPLATE_TEST_CASE("DoubleQLearning: hand-worked updates with fixed coins", "[learners][double_q]",
                   float, double) {
  using T = TestType;
  const rlvalue::TDConfig config{.gamma = 0.9, .step_size = 0.5};
  SECTION("coin picks A: A selects, B evaluates") {
    auto qa = table_a<T>();
    auto qb = table_b<T>();
    DoubleQLearning<TabularQ<T>> dq(qa, qb, config);
    ScriptedBits rng{coin(0)};
    // a* = argmax Q^A(s1) = 1; Q^B(s1, 1) = -1; delta = 1 + 0.9*(-1) - Q^A(0,1) = 0.1 - 2 = -1.9;
    // Q^A(0,1) = 2 + 0.5*(-1.9) = 1.05. (Q-learning would bootstrap on 6.)
    CHECK(dq.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1}, rng) == Approx(-1.9));
    CHECK(qa.parameters()(0, 1) == Approx(1.05));
    CHECK(qb.parameters() == table_b<T>().parameters());
    CHECK(rng.calls == 1);
    // Combined estimate: mean; q(0,1) = (1.05 + 1)/2 = 1.025.
    CHECK(dq.q(0, 1) == Approx(1.025));
  }
  SECTION("coin picks B: B selects, A evaluates") {
    auto qa = table_a<T>();
    auto qb = table_b<T>();
    DoubleQLearning<TabularQ<T>> dq(qa, qb, config);
    ScriptedBits rng{coin(1)};
    // a* = argmax Q^B(s1) = 2; Q^A(s1, 2) = 5; delta = 1 + 4.5 - Q^B(0,1) = 5.5 - 1 = 4.5;
    // Q^B(0,1) = 1 + 2.25 = 3.25.
    CHECK(dq.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1}, rng) == Approx(4.5));
    CHECK(qb.parameters()(0, 1) == Approx(3.25));
    CHECK(qa.parameters() == table_a<T>().parameters());
  }
  SECTION("terminated: no bootstrap; truncated: bootstrap") {
    auto qa = table_a<T>();
    auto qb = table_b<T>();
    DoubleQLearning<TabularQ<T>> dq(qa, qb, config);
    // Terminated, A: delta = 1 - 2 = -1; Q^A(0,1) = 1.5.
    CHECK(dq.update_critic({.state = 0, .action = 1, .reward = T(1), .next_state = 1, .terminated = true}, 0) ==
          T(-1));
    CHECK(qa.parameters()(0, 1) == T(1.5));
    // Truncated, B: bootstraps as when not ended: delta = 1 + 0.9*5 - 1 = 4.5.
    CHECK(dq.update_critic({.state = 0, .action = 1, .reward = T(1), .next_state = 1, .truncated = true}, 1) ==
          Approx(4.5));
    CHECK(qb.parameters()(0, 1) == Approx(3.25));
  }
  SECTION("self-transition reads before writing") {
    auto qa = table_a<T>();
    auto qb = table_b<T>();
    DoubleQLearning<TabularQ<T>> dq(qa, qb, config);
    // (s1, a=1) -> s1, A: a* = argmax Q^A(s1) = 1, Q^B(1,1) = -1; delta = 0 - 0.9 - 6 = -6.9;
    // Q^A(1,1) = 6 - 3.45 = 2.55.
    CHECK(dq.update_critic({.state = 1, .action = 1, .reward = T(0), .next_state = 1}, 0) == Approx(-6.9));
    CHECK(qa.parameters()(1, 1) == Approx(2.55));
  }
}

TEST_CASE("DoubleQLearning: combined estimate, greedy action, policies act on it",
          "[learners][double_q]") {
  auto qa = table_a<double>();
  auto qb = table_b<double>();
  DoubleQLearning<TabularQ<double>> dq(qa, qb, {.gamma = 0.9, .step_size = 0.5});
  // s1: ((4+2)/2, (6-1)/2, (5+3)/2) = (3, 2.5, 4): greedy 2, value 4 (Q^A alone says 1).
  const Eigen::RowVector3d row = dq.action_values(1);
  CHECK(row == Eigen::RowVector3d(3, 2.5, 4));
  CHECK(dq.greedy_action(1) == 2);
  CHECK(dq.value(1) == 4.0);
  // s0: (0.5, 1.5, 1.5): tie -> lowest index 1.
  CHECK(dq.greedy_action(0) == 1);
  CHECK(dq.num_critics() == 2);
  CHECK(dq.num_actions() == 3);
  CHECK(dq.num_states() == 2);
  CHECK(&dq.critic(0) == &qa);
  CHECK(&dq.critic(1) == &qb);
  CHECK(dq.config().gamma == 0.9);

  // Epsilon-greedy on the learner: pi(.|s1) = 0.1/3 + 0.9 on action 2.
  rlvalue::EpsilonGreedy policy(dq, 0.1);
  const auto& p = policy.probabilities(1);
  CHECK(p(2) == Approx(0.1 / 3 + 0.9));
  CHECK(p(0) == Approx(0.1 / 3));
  auto rng = rlvalue::make_rng(3);
  rlvalue::Greedy greedy(dq);
  CHECK(greedy.action(1, rng) == 2);
  // The policy follows the learner: after Q^B(1,0) rises to 10, s1's mean is (7, 2.5, 4).
  qb.set_value(1, 0, 10.0);
  CHECK(greedy.action(1, rng) == 0);
}

TEST_CASE("DoubleQLearning: the coin is fair and one critic changes per update",
          "[learners][double_q]") {
  // 20000 updates on random transitions of a 3x2 table: never both tables
  // change; the per-visit counts (one slot per critic, state and action) add
  // up to one visit per update, and A's share is 1/2 +- 0.0175 (5 sd of 0.0035).
  TabularQ<double> qa(3, 2), qb(3, 2);
  DoubleQLearning<TabularQ<double>> dq(
      qa, qb, {.gamma = 0.9, .step_size = 1.0, .schedule = StepSchedule::per_visit, .omega = 0.7});
  auto rng = rlvalue::make_rng(11);
  int both = 0;
  for (int i = 0; i < 20000; ++i) {
    const Eigen::MatrixXd before_a = qa.parameters(), before_b = qb.parameters();
    dq.update(rlvalue_test::TinyMDP::step(rlvalue::uniform_index(rng, 3),
                                          rlvalue::uniform_index(rng, 2), rng),
              rng);
    both += (qa.parameters() != before_a && qb.parameters() != before_b) ? 1 : 0;
  }
  CHECK(both == 0);
  Index visits_a = 0, visits_b = 0;
  for (Index s = 0; s < 3; ++s)
    for (Index a = 0; a < 2; ++a) {
      visits_a += dq.visit_count(0, s, a);
      visits_b += dq.visit_count(1, s, a);
    }
  CHECK(visits_a + visits_b == 20000);
  CHECK(double(visits_a) / 20000.0 == Approx(0.5).margin(0.0175));
}

TEST_CASE("DoubleQLearning: linear critics", "[learners][double_q][linear]") {
  // q(s, a) = w0(a) + w1(a) * s. A: w0 = (1, 0), w1 = (0, 1); B: w0 = (0, 2), w1 = (0, 0).
  rlvalue_test::AffineQ qa(2, 5), qb(2, 5);
  qa.w << 1, 0, 0, 1;
  qb.w << 0, 2, 0, 0;
  DoubleQLearning<rlvalue_test::AffineQ> dq(qa, qb, {.gamma = 0.5, .step_size = 0.1});
  // Update A on (s=2, a=0, r=1, s'=3): Q^A(3, .) = (1, 3) -> a* = 1; Q^B(3, 1) = 2;
  // delta = 1 + 0.5*2 - Q^A(2, 0) = 2 - 1 = 1; w_A(:, 0) += 0.1*1*(1, 2) -> (1.1, 0.2).
  CHECK(dq.update_critic({.state = 2, .action = 0, .reward = 1.0, .next_state = 3}, 0) == Approx(1.0));
  CHECK(qa.w(0, 0) == Approx(1.1));
  CHECK(qa.w(1, 0) == Approx(0.2));
  // Combined at s = 3: A (1.1 + 0.6, 3) = (1.7, 3), B (0, 2) -> mean (0.85, 2.5).
  CHECK(dq.q(3, 0) == Approx(0.85));
  CHECK(dq.greedy_action(3) == 1);
  CHECK(thrown_message<std::invalid_argument>([&] {
          DoubleQLearning<rlvalue_test::AffineQ>(qa, qb, {.step_size = 0.1, .schedule = StepSchedule::per_visit});
        }) == "DoubleQLearning: schedule = per_visit needs an approximator over a finite state space "
              "(one with num_states())");
}

TEST_CASE("DoubleQLearning: bad input throws and changes nothing", "[learners][double_q][errors]") {
  auto qa = table_a<double>();
  auto qb = table_b<double>();
  DoubleQLearning<TabularQ<double>> dq(qa, qb,
                                       {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  ScriptedBits rng{coin(0)};
  dq.update({.state = 0, .action = 2, .reward = 1.0, .next_state = 1}, rng);
  REQUIRE(dq.visit_count(0, 0, 2) == 1);
  REQUIRE(dq.visit_count(1, 0, 2) == 0);
  const Eigen::MatrixXd before_a = qa.parameters(), before_b = qb.parameters();
  const auto counts = dq.step_sizes().counts();
  auto unchanged = [&] {
    CHECK(qa.parameters() == before_a);
    CHECK(qb.parameters() == before_b);
    CHECK(dq.step_sizes().counts() == counts);
  };
  CHECK(thrown_message<std::out_of_range>(
            [&] { dq.update({.state = 2, .action = 0, .reward = 0.0, .next_state = 0}, rng); }) ==
        "DoubleQLearning::update: state = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { dq.update({.state = 0, .action = 3, .reward = 0.0, .next_state = 0}, rng); }) ==
        "DoubleQLearning::update: action = 3 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>([&] {
          dq.update({.state = 0, .action = 0, .reward = 0.0, .next_state = -1, .terminated = true}, rng);
        }) == "DoubleQLearning::update: next_state = -1 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { dq.update_critic({.state = 0, .action = 0, .reward = 0.0, .next_state = 0}, 2); }) ==
        "DoubleQLearning::update: critic = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] {
          dq.update_critic({.state = 0, .action = 0, .reward = std::nan(""), .next_state = 1}, 1);
        }) == "DoubleQLearning::update: reward = nan is not finite");
  unchanged();
  qb.set_value(1, 1, 1.5e308);  // A's argmax at s1 is 1: B evaluates 1.5e308
  const Eigen::MatrixXd big_b = qb.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   dq.update_critic({.state = 0, .action = 0, .reward = 1e308, .next_state = 1}, 0);
                 }),
                 "DoubleQLearning::update: td_error = inf is not finite"));
  CHECK(qa.parameters() == before_a);
  CHECK(qb.parameters() == big_b);
  CHECK(dq.step_sizes().counts() == counts);

  CHECK(thrown_message<std::out_of_range>([&] { (void)dq.q(0, 3); }) ==
        "DoubleQLearning::q: action = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)dq.greedy_action(5); }) ==
        "DoubleQLearning::greedy_action: state = 5 is out of range [0, 2)");
  CHECK(thrown_message<std::out_of_range>([&] { (void)dq.visit_count(2, 0, 0); }) ==
        "DoubleQLearning::visit_count: critic = 2 is out of range [0, 2)");

  TabularQ<double> other(2, 2), other3(3, 3), a3(2, 3);
  CHECK(thrown_message<std::invalid_argument>(
            [&] { DoubleQLearning<TabularQ<double>>(a3, a3, {.gamma = 0.9, .step_size = 0.5}); }) ==
        "DoubleQLearning: critic = 1 is the same object as critic 0 (each critic needs its own "
        "approximator)");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { DoubleQLearning<TabularQ<double>>(a3, other, {.gamma = 0.9, .step_size = 0.5}); }) ==
        "DoubleQLearning: critic 1 num_actions() has size 2, expected 3");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { DoubleQLearning<TabularQ<double>>(a3, other3, {.gamma = 0.9, .step_size = 0.5}); }) ==
        "DoubleQLearning: critic 1 num_states() has size 3, expected 2");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { DoubleQLearning<TabularQ<double>>(qa, qb, {.gamma = -0.1, .step_size = 0.5}); }) ==
        "DoubleQLearning: gamma = -0.1 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { DoubleQLearning<TabularQ<double>>(qa, qb, {.gamma = 0.5, .step_size = 0.0}); }) ==
        "DoubleQLearning: step_size = 0 must be positive and finite");
}
