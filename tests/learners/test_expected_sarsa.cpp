// ExpectedSarsa: hand-worked updates (terminated vs truncated), off-policy
// convergence to Q^pi under a uniform behaviour policy, equality with
// Q-learning for a one-hot greedy target, probability validation, bad input.

#include "rlvalue/learners/expected_sarsa.hpp"

#include <cmath>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/learners/q_learning.hpp"

using rlvalue::ExpectedSarsa;
using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<ExpectedSarsa<TabularQ<double>>, TabularQ<double>&&,
                                       rlvalue::ExpectedSarsaConfig>);

TEMPLATE_TEST_CASE("ExpectedSarsa: hand-worked updates, terminated vs truncated",
                   "[learners][expected_sarsa]", float, double) {
  using T = TestType;
  TabularQ<T> q(2, 3);
  q.parameters() << T(1), T(2), T(3), T(4), T(6), T(5);
  ExpectedSarsa<TabularQ<T>> es(q, {.gamma = 0.9, .step_size = 0.5});
  const Eigen::Vector3d probs(0.2, 0.5, 0.3);  // double probabilities work for float tables too
  // sum pi q(1, .) = 0.2*4 + 0.5*6 + 0.3*5 = 5.3; delta = 1 + 0.9*5.3 - 2 = 3.77;
  // q(0,1) = 2 + 1.885 = 3.885.
  CHECK(es.update({.state = 0, .action = 1, .reward = T(1), .next_state = 1}, probs) == Approx(3.77));
  CHECK(es.q(0, 1) == Approx(3.885));
  // Truncated bootstraps the same way: (0,0): delta = 0 + 4.77 - 1 = 3.77; q(0,0) = 2.885.
  CHECK(es.update({.state = 0, .action = 0, .reward = T(0), .next_state = 1, .truncated = true}, probs) ==
        Approx(3.77));
  CHECK(es.q(0, 0) == Approx(2.885));
  // Terminated: delta = 1 - q(0,2) = -2; q(0,2) = 2.
  CHECK(es.update({.state = 0, .action = 2, .reward = T(1), .next_state = 1, .terminated = true}, probs) ==
        T(-2));
  CHECK(es.q(0, 2) == T(2));
  // value under pi: 0.2*4 + 0.5*6 + 0.3*5 = 5.3.
  CHECK(es.value(1, probs) == Approx(5.3));
  // A row vector of float probabilities works too.
  const Eigen::RowVector3f fprobs(0.0f, 0.0f, 1.0f);
  CHECK(es.value(1, fprobs) == T(5));
}

TEST_CASE("ExpectedSarsa: a one-hot greedy target is Q-learning, bit for bit",
          "[learners][expected_sarsa][property]") {
  TabularQ<double> q_es(3, 2), q_ql(3, 2);
  ExpectedSarsa<TabularQ<double>> es(q_es, {.gamma = 0.9, .step_size = 0.3});
  rlvalue::QLearning<TabularQ<double>> ql(q_ql, {.gamma = 0.9, .step_size = 0.3});
  rlvalue::Rng rng = rlvalue::make_rng(6);
  Index s = 0;
  Eigen::Vector2d one_hot;
  for (int step = 0; step < 5000; ++step) {
    auto t = rlvalue_test::TinyMDP::step(s, rlvalue::uniform_index(rng, 2), rng);
    t.truncated = step % 13 == 12;
    one_hot.setZero();
    one_hot(es.greedy_action(t.next_state)) = 1.0;
    const double e1 = es.update(t, one_hot);
    const double e2 = ql.update(t);
    REQUIRE(e1 == e2);
    s = (t.terminated || t.truncated) ? rlvalue::uniform_index(rng, 3) : t.next_state;
  }
  CHECK(q_es.parameters() == q_ql.parameters());
  CHECK_FALSE(q_es.parameters().isZero());
}

TEMPLATE_TEST_CASE("ExpectedSarsa: off-policy evaluation converges to Q^pi",
                   "[learners][expected_sarsa][convergence]", float, double) {
  using T = TestType;
  // Behaviour uniform, target pi; TinyMDP, gamma 0.9, random starts, cut
  // after 20 steps, alpha_n = 1/n^0.8, 10^6 steps, seed 12; tolerance 0.03.
  const double gamma = 0.9;
  Eigen::MatrixXd pi(3, 2);
  pi << 0.3, 0.7, 0.6, 0.4, 0.5, 0.5;
  TabularQ<T> q(3, 2);
  ExpectedSarsa<TabularQ<T>> es(q, {.gamma = gamma, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                                    .omega = 0.8});
  rlvalue::Rng rng = rlvalue::make_rng(12);
  Index s = 0;
  int length = 0;
  for (int step = 0; step < 1000000; ++step) {
    auto t = rlvalue_test::TinyMDP::step<T>(s, rlvalue::uniform_index(rng, 2), rng);
    t.truncated = ++length == 20;
    es.update(t, pi.row(t.next_state));
    if (t.terminated || t.truncated) {
      s = rlvalue::uniform_index(rng, 3);
      length = 0;
    } else {
      s = t.next_state;
    }
  }
  const Eigen::MatrixXd q_pi = rlvalue_test::TinyMDP::policy_q(pi, gamma);
  for (Index st = 0; st < 3; ++st)
    for (Index b = 0; b < 2; ++b) {
      INFO("q(" << st << ", " << b << ") = " << es.q(st, b) << ", q_pi = " << q_pi(st, b));
      CHECK(std::abs(static_cast<double>(es.q(st, b)) - q_pi(st, b)) < 0.03);
    }
}

TEST_CASE("ExpectedSarsa: bad probabilities and indices throw and change nothing",
          "[learners][expected_sarsa][errors]") {
  TabularQ<double> q(2, 3, 1.0);
  ExpectedSarsa<TabularQ<double>> es(q, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  const Eigen::Vector3d good(0.25, 0.25, 0.5);
  es.update({.state = 1, .action = 1, .reward = 1.0, .next_state = 0}, good);
  const Eigen::MatrixXd before = q.parameters();
  const std::vector<Index> counts_before = es.step_sizes().counts();
  auto unchanged = [&] {
    CHECK(q.parameters() == before);
    CHECK(es.step_sizes().counts() == counts_before);
  };
  const rlvalue::Transition<> t{.state = 0, .action = 0, .reward = 1.0, .next_state = 1};
  CHECK(thrown_message<std::invalid_argument>([&] { es.update(t, Eigen::Vector2d(0.5, 0.5)); }) ==
        "ExpectedSarsa::update: next_probs has size 2, expected 3");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] { es.update(t, Eigen::Vector3d(0.5, 1.5, -1.0)); }) ==
        "ExpectedSarsa::update: next_probs[1] = 1.5 is outside [0, 1]");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] { es.update(t, Eigen::Vector3d(0.5, std::nan(""), 0.5)); }) ==
        "ExpectedSarsa::update: next_probs[1] = nan is outside [0, 1]");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] { es.update(t, Eigen::Vector3d(0.5, 0.3, 0.1)); }) ==
        "ExpectedSarsa::update: sum of next_probs = 0.9 differs from 1 by more than 1e-6");
  unchanged();
  // Checked even when terminated.
  rlvalue::Transition<> terminal = t;
  terminal.terminated = true;
  CHECK(contains(thrown_message<std::invalid_argument>([&] { es.update(terminal, Eigen::Vector3d(0.2, 0.2, 0.2)); }),
                 "sum of next_probs = 0.6"));
  unchanged();
  // Within 1e-6 of 1 is accepted.
  CHECK_NOTHROW(es.update(terminal, Eigen::Vector3d(0.3, 0.3, 0.4 + 5e-7)));
  CHECK(es.q(0, 0) == 1.0);  // 1 + 1*(1 - 1) with alpha 1: target r = 1 equals q
  const Eigen::MatrixXd after = q.parameters();
  const std::vector<Index> counts_after = es.step_sizes().counts();
  CHECK(thrown_message<std::out_of_range>([&] {
          es.update({.state = 0, .action = 3, .reward = 0.0, .next_state = 1}, good);
        }) == "ExpectedSarsa::update: action = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] {
          es.update({.state = 0, .action = 0, .reward = 0.0, .next_state = 4}, good);
        }) == "ExpectedSarsa::update: next_state = 4 is out of range [0, 2)");
  CHECK(thrown_message<std::invalid_argument>([&] {
          es.update({.state = 0, .action = 0, .reward = std::nan(""), .next_state = 1}, good);
        }) == "ExpectedSarsa::update: reward = nan is not finite");
  CHECK(q.parameters() == after);
  CHECK(es.step_sizes().counts() == counts_after);
  CHECK(thrown_message<std::invalid_argument>([&] { (void)es.value(0, Eigen::Vector3d(1, 1, 1)); }) ==
        "ExpectedSarsa::value: sum of probs = 3 differs from 1 by more than 1e-6");
}
