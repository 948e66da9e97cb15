// ClippedDoubleQLearning: hand-worked updates (both critics, one at random,
// terminated vs truncated, self-transition), target critics with delayed and
// Polyak updates, equal critics reduce to Q-learning, bad input.

#include "rlvalue/learners/clipped_double_q_learning.hpp"

#include <cmath>
#include <stdexcept>

#include "catch.hpp"
#include "critic_test_support.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/q_learning.hpp"

using rlvalue::ClippedDoubleQLearning;
using rlvalue::CriticUpdate;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::coin;
using rlvalue_test::contains;
using rlvalue_test::ScriptedBits;
using rlvalue_test::table;
using rlvalue_test::thrown_message;

static_assert(rlvalue::ActionValueReader<ClippedDoubleQLearning<TabularQ<float>>>);

namespace {
// Q1: s0 (1, 2), s1 (4, 6).  Q2: s0 (0, 3), s1 (5, 2).
template <class T>
TabularQ<T> q1_table() {
  return table<T>(2, 2, {1, 2, 4, 6});
}
template <class T>
TabularQ<T> q2_table() {
  return table<T>(2, 2, {0, 3, 5, 2});
}
}  // namespace

TEMPLATE_TEST_CASE("ClippedDoubleQLearning: hand-worked updates", "[learners][clipped]", float,
                   double) {
  using T = TestType;
  auto q1 = q1_table<T>();
  auto q2 = q2_table<T>();
  ScriptedBits rng{coin(1)};
  SECTION("both critics regress to one target (TD3)") {
    ClippedDoubleQLearning<TabularQ<T>> cq(q1, q2, {.gamma = 0.9, .step_size = 0.5});
    // a* = argmax Q1(s1) = 1; min(Q1(1,1), Q2(1,1)) = min(6, 2) = 2; y = 1 + 0.9*2 = 2.8.
    // Q1(0,0): delta 2.8 - 1 = 1.8 -> 1.9;  Q2(0,0): delta 2.8 - 0 = 2.8 -> 1.4; returns 2.3.
    CHECK(cq.target({.state = 0, .action = 0, .reward = T(1), .next_state = 1}) == Approx(2.8));
    CHECK(cq.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1}, rng) == Approx(2.3));
    CHECK(q1.parameters()(0, 0) == Approx(1.9));
    CHECK(q2.parameters()(0, 0) == Approx(1.4));
    CHECK(rng.calls == 0);  // no draw in `both` mode
    CHECK(cq.num_updates() == 1);
    CHECK_FALSE(cq.has_target_critics());
  }
  SECTION("self-transition: the target is read before either critic is written") {
    ClippedDoubleQLearning<TabularQ<T>> cq(q1, q2, {.gamma = 0.9, .step_size = 0.5});
    // (s0, a=1) -> s0: a* = argmax Q1(s0) = 1; min(2, 3) = 2; y = 0.9*2 = 1.8.
    // Q1(0,1) = 2 + 0.5*(1.8-2) = 1.9; Q2(0,1) = 3 + 0.5*(1.8-3) = 2.4.
    cq.update({.state = 0, .action = 1, .reward = T(0), .next_state = 0}, rng);
    CHECK(q1.parameters()(0, 1) == Approx(1.9));
    CHECK(q2.parameters()(0, 1) == Approx(2.4));
  }
  SECTION("one critic at random") {
    ClippedDoubleQLearning<TabularQ<T>> cq(
        q1, q2, {.gamma = 0.9, .step_size = 0.5, .critic_update = CriticUpdate::one_at_random});
    // The coin picks critic 1 (Q2): delta = 2.8 - 0 = 2.8; Q2(0,0) = 1.4; Q1 unchanged.
    CHECK(cq.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1}, rng) == Approx(2.8));
    CHECK(q2.parameters()(0, 0) == Approx(1.4));
    CHECK(q1.parameters() == q1_table<T>().parameters());
    CHECK(rng.calls == 1);
    // update_critic(0): delta = 2.8 - 1 = 1.8 -> Q1(0,0) = 1.9.
    CHECK(cq.update_critic({.state = 0, .action = 0, .reward = T(1), .next_state = 1}, 0) == Approx(1.8));
    CHECK(q1.parameters()(0, 0) == Approx(1.9));
  }
  SECTION("terminated vs truncated") {
    ClippedDoubleQLearning<TabularQ<T>> cq(q1, q2, {.gamma = 0.9, .step_size = 0.5});
    // Terminated: y = r = 1. Q1(0,0) = 1 + 0 = 1; Q2(0,0) = 0 + 0.5 = 0.5.
    cq.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1, .terminated = true}, rng);
    CHECK(q1.parameters()(0, 0) == T(1));
    CHECK(q2.parameters()(0, 0) == T(0.5));
    // Truncated: bootstraps, y = 2.8: Q1(0,0) = 1 + 0.9 = 1.9; Q2(0,0) = 0.5 + 1.15 = 1.65.
    cq.update({.state = 0, .action = 0, .reward = T(1), .next_state = 1, .truncated = true}, rng);
    CHECK(q1.parameters()(0, 0) == Approx(1.9));
    CHECK(q2.parameters()(0, 0) == Approx(1.65));
  }
}

TEST_CASE("ClippedDoubleQLearning: target critics, delayed and Polyak", "[learners][clipped]") {
  ScriptedBits rng{0};
  SECTION("hard update every 2 steps") {
    auto q1 = q1_table<double>();
    auto q2 = q2_table<double>();
    ClippedDoubleQLearning<TabularQ<double>> cq(q1, q2,
                                                {.gamma = 0.9, .step_size = 0.5, .target_period = 2});
    REQUIRE(cq.has_target_critics());
    // Step 1 on (s1, a=1, r=0, s0): targets = initial; a* = argmax Q1'(s0) = 1, min(2, 3) = 2,
    // y = 1.8; Q1(1,1) = 6 - 2.1 = 3.9, Q2(1,1) = 2 - 0.1 = 1.9. Targets unchanged.
    cq.update({.state = 1, .action = 1, .reward = 0.0, .next_state = 0}, rng);
    CHECK(cq.target_critic(0).parameters() == q1_table<double>().parameters());
    CHECK(q1.parameters()(1, 1) == Approx(3.9));
    // Step 2 on (s0, a=0, r=1, s1): targets still initial: a* = argmax Q1'(s1) = 1 (6),
    // min(6, 2) = 2, y = 2.8 (the online critics would give a* = 0: min(4, 5) = 4, y = 4.6).
    CHECK(cq.target({.state = 0, .action = 0, .reward = 1.0, .next_state = 1}) == Approx(2.8));
    cq.update({.state = 0, .action = 0, .reward = 1.0, .next_state = 1}, rng);
    CHECK(q1.parameters()(0, 0) == Approx(1.9));
    // After 2 steps the targets are copies of the critics.
    CHECK(cq.target_critic(0).parameters() == q1.parameters());
    CHECK(cq.target_critic(1).parameters() == q2.parameters());
    CHECK(cq.target({.state = 0, .action = 0, .reward = 1.0, .next_state = 1}) == Approx(4.6));
  }
  SECTION("Polyak tau = 0.5 every step") {
    auto q1 = q1_table<double>();
    auto q2 = q2_table<double>();
    ClippedDoubleQLearning<TabularQ<double>> cq(q1, q2,
                                                {.gamma = 0.9, .step_size = 0.5, .polyak = 0.5});
    // (s0, 0, r=1, s1): y = 2.8, Q1(0,0) = 1.9, Q2(0,0) = 1.4; then
    // Q1'(0,0) = 0.5*1.9 + 0.5*1 = 1.45, Q2'(0,0) = 0.5*1.4 + 0.5*0 = 0.7.
    cq.update({.state = 0, .action = 0, .reward = 1.0, .next_state = 1}, rng);
    CHECK(cq.target_critic(0).parameters()(0, 0) == Approx(1.45));
    CHECK(cq.target_critic(1).parameters()(0, 0) == Approx(0.7));
    CHECK(cq.target_critic(0).parameters()(1, 1) == 6.0);
    // (s1, 1, r=0, s0): Q1'(s0) = (1.45, 2) -> a* = 1; min(2, 3) = 2; y = 1.8;
    // Q1(1,1) = 6 - 2.1 = 3.9; Q2(1,1) = 2 - 0.1 = 1.9.
    cq.update({.state = 1, .action = 1, .reward = 0.0, .next_state = 0}, rng);
    CHECK(q1.parameters()(1, 1) == Approx(3.9));
    CHECK(q2.parameters()(1, 1) == Approx(1.9));
  }
}

TEST_CASE("ClippedDoubleQLearning: equal critics updated together are Q-learning",
          "[learners][clipped]") {
  // With `both` and equal initial tables the min is a no-op: each critic is
  // exactly Q-learning on the same stream (the reason tabular critics need
  // one_at_random to differ).
  TabularQ<double> q1(3, 2, 0.5), q2(3, 2, 0.5), ql_table(3, 2, 0.5);
  ClippedDoubleQLearning<TabularQ<double>> cq(q1, q2, {.gamma = 0.9, .step_size = 0.2});
  rlvalue::QLearning<TabularQ<double>> ql(ql_table, {.gamma = 0.9, .step_size = 0.2});
  auto rng = rlvalue::make_rng(31);
  for (int i = 0; i < 2000; ++i) {
    const auto t = rlvalue_test::TinyMDP::step(rlvalue::uniform_index(rng, 3),
                                               rlvalue::uniform_index(rng, 2), rng);
    CHECK(cq.update(t, rng) == ql.update(t));
  }
  CHECK(q1.parameters() == ql_table.parameters());
  CHECK(q2.parameters() == ql_table.parameters());
}

TEST_CASE("ClippedDoubleQLearning: bad input throws and changes nothing",
          "[learners][clipped][errors]") {
  auto q1 = q1_table<double>();
  auto q2 = q2_table<double>();
  ClippedDoubleQLearning<TabularQ<double>> cq(
      q1, q2, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit, .target_period = 3});
  ScriptedBits rng{0};
  cq.update({.state = 0, .action = 1, .reward = 1.0, .next_state = 1}, rng);
  const Eigen::MatrixXd b1 = q1.parameters(), b2 = q2.parameters();
  const Eigen::MatrixXd t1 = cq.target_critic(0).parameters();
  const auto counts = cq.step_sizes().counts();
  auto unchanged = [&] {
    CHECK(q1.parameters() == b1);
    CHECK(q2.parameters() == b2);
    CHECK(cq.target_critic(0).parameters() == t1);
    CHECK(cq.step_sizes().counts() == counts);
    CHECK(cq.num_updates() == 1);
  };
  CHECK(thrown_message<std::out_of_range>(
            [&] { cq.update({.state = 0, .action = 2, .reward = 0.0, .next_state = 0}, rng); }) ==
        "ClippedDoubleQLearning::update: action = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { cq.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 2}, rng); }) ==
        "ClippedDoubleQLearning::update: next_state = 2 is out of range [0, 2)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] {
          cq.update({.state = 0, .action = 0, .reward = -std::numeric_limits<double>::infinity(),
                     .next_state = 1}, rng);
        }) == "ClippedDoubleQLearning::update: reward = -inf is not finite");
  unchanged();
  // Q2(0,0) is the second critic checked: a huge value there overflows only its error.
  q2.set_value(0, 0, -1.7e308);
  const Eigen::MatrixXd b2_big = q2.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   cq.update({.state = 0, .action = 0, .reward = 1.7e308, .next_state = 1, .terminated = true},
                             rng);
                 }),
                 "ClippedDoubleQLearning::update: td_error = inf is not finite"));
  CHECK(q1.parameters() == b1);  // the first critic's error was fine, but nothing was written
  CHECK(q2.parameters() == b2_big);
  CHECK(cq.num_updates() == 1);

  // Both errors finite, the second critic's result overflowing (alpha = 3):
  // the table rejects it before the first critic is written.
  {
    TabularQ<double> c1(2, 2), c2(2, 2);
    ClippedDoubleQLearning<TabularQ<double>> both(c1, c2, {.gamma = 0.9, .step_size = 3.0});
    c2.set_value(0, 0, 1e308);
    const Eigen::MatrixXd c1_before = c1.parameters(), c2_before = c2.parameters();
    CHECK(contains(thrown_message<std::invalid_argument>([&] {
                     both.update({.state = 0, .action = 0, .reward = 1.0, .next_state = 1}, rng);
                   }),
                   "TabularQ::semi_gradient_step: q(s, a) + scaled_error = -inf is not finite"));
    CHECK(c1.parameters() == c1_before);  // q1(0, 0) would be 3 without the check
    CHECK(c2.parameters() == c2_before);
    CHECK(both.num_updates() == 0);
  }

  TabularQ<double> a(2, 2), b(2, 2);
  using L = ClippedDoubleQLearning<TabularQ<double>>;
  CHECK(thrown_message<std::invalid_argument>([&] { L(a, b, {.target_period = 0}); }) ==
        "ClippedDoubleQLearning: target_period = 0 must be at least 1");
  CHECK(thrown_message<std::invalid_argument>([&] { L(a, b, {.polyak = 0.0}); }) ==
        "ClippedDoubleQLearning: polyak = 0 is outside (0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(a, b, {.polyak = 1.5}); }) ==
        "ClippedDoubleQLearning: polyak = 1.5 is outside (0, 1]");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(a, b, {.critic_update = static_cast<CriticUpdate>(7)}); }) ==
        "ClippedDoubleQLearning: critic_update = 7 is not a CriticUpdate");
  CHECK(thrown_message<std::invalid_argument>([&] { L(a, b, {.gamma = 2.0}); }) ==
        "ClippedDoubleQLearning: gamma = 2 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(a, a, {}); }) ==
        "ClippedDoubleQLearning: critic = 1 is the same object as critic 0 (each critic needs its "
        "own approximator)");
}
