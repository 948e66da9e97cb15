// TD0: hand-worked numbers (tabular and linear), termination vs truncation,
// convergence on the 5-state random walk, running-mean property, bad input.

#include "rlvalue/learners/td0.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_v.hpp"

using rlvalue::Index;
using rlvalue::StepSchedule;
using rlvalue::TabularV;
using rlvalue::TD0;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(std::is_constructible_v<TD0<TabularV<double>>, TabularV<double>&, rlvalue::TD0Config>);
static_assert(!std::is_constructible_v<TD0<TabularV<double>>, TabularV<double>&&, rlvalue::TD0Config>,
              "a temporary approximator would dangle");

TEMPLATE_TEST_CASE("TD0: hand-worked updates, terminated vs truncated", "[learners][td0]", float,
                   double) {
  using T = TestType;
  TabularV<T> v(5, T(0.5));
  TD0<TabularV<T>> td(v, {.gamma = 0.9, .step_size = 0.1});

  // Bootstrapping step: delta = 1 + 0.9*0.5 - 0.5 = 0.95; v(1) = 0.5 + 0.1*0.95 = 0.595.
  T delta = td.update({.state = 1, .reward = T(1), .next_state = 2});
  CHECK(delta == Approx(0.95));
  CHECK(td.value(1) == Approx(0.595));

  // Terminated: no bootstrap. delta = 1 - 0.5 = 0.5; v(2) = 0.55.
  delta = td.update({.state = 2, .reward = T(1), .next_state = 3, .terminated = true});
  CHECK(delta == Approx(0.5));
  CHECK(td.value(2) == Approx(0.55));
  CHECK(td.value(3) == T(0.5));  // the terminal next_state is not touched

  // Truncated: bootstraps from v(1) = 0.595. delta = 1 + 0.9*0.595 - 0.5 = 1.0355;
  // v(3) = 0.5 + 0.10355 = 0.60355.
  delta = td.update({.state = 3, .reward = T(1), .next_state = 1, .truncated = true});
  CHECK(delta == Approx(1.0355));
  CHECK(td.value(3) == Approx(0.60355));

  // Both flags: terminated wins (no bootstrap). delta = 0 - 0.5 = -0.5; v(4) = 0.45.
  delta = td.update({.state = 4, .reward = T(0), .next_state = 1, .terminated = true, .truncated = true});
  CHECK(delta == Approx(-0.5));
  CHECK(td.value(4) == Approx(0.45));

  // Self-loop reads v(s) before writing: delta = 0 + 0.9*0.45 - 0.45 = -0.045; v(4) = 0.4455.
  td.update({.state = 4, .reward = T(0), .next_state = 4});
  CHECK(td.value(4) == Approx(0.4455));

  CHECK(&td.approximator() == &v);
  CHECK(td.config().gamma == 0.9);
  CHECK(td.visit_count(1) == 0);  // constant schedule counts nothing
}

TEST_CASE("TD0: linear approximator (semi-gradient TD(0))", "[learners][td0]") {
  rlvalue_test::AffineV v;  // v(s) = w0 + w1*s
  TD0<rlvalue_test::AffineV> td(v, {.gamma = 0.5, .step_size = 0.1});
  // w = (0, 0): delta = 1 + 0.5*0 - 0 = 1; w += 0.1*1*(1, 2) = (0.1, 0.2).
  CHECK(td.update({.state = 2, .reward = 1.0, .next_state = 3}) == 1.0);
  CHECK(v.w(0) == Approx(0.1));
  CHECK(v.w(1) == Approx(0.2));
  // Truncated: v(1) = 0.3, v(2) = 0.5; delta = 0 + 0.5*0.5 - 0.3 = -0.05;
  // w += 0.1*(-0.05)*(1, 1) -> (0.095, 0.195).
  CHECK(td.update({.state = 1, .reward = 0.0, .next_state = 2, .truncated = true}) == Approx(-0.05));
  CHECK(v.w(0) == Approx(0.095));
  CHECK(v.w(1) == Approx(0.195));
  // Terminated from 1: delta = 1 - v(1) = 1 - 0.29 = 0.71; w += 0.071*(1, 1).
  CHECK(td.update({.state = 1, .reward = 1.0, .next_state = 9, .terminated = true}) == Approx(0.71));
  CHECK(v.w(0) == Approx(0.166));
  CHECK(v.w(1) == Approx(0.266));

  // Per-visit step sizes need a finite state space.
  CHECK(contains(thrown_message<std::invalid_argument>([&] {
                   TD0<rlvalue_test::AffineV> bad(v, {.gamma = 0.5, .step_size = 1.0,
                                                      .schedule = StepSchedule::per_visit});
                 }),
                 "TD0: schedule = per_visit needs an approximator over a finite state space"));
}

TEMPLATE_TEST_CASE("TD0: converges to the random walk's true values", "[learners][td0][convergence]",
                   float, double) {
  using T = TestType;
  // alpha_n = 1/n^0.7 per state (Robbins-Monro), V from 0.5, 20000 episodes,
  // seed 11. Exact values (s+1)/6; tolerance 0.02 per state.
  TabularV<T> v(5, T(0.5));
  TD0<TabularV<T>> td(v, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                          .omega = 0.7});
  rlvalue::Rng rng = rlvalue::make_rng(11);
  for (int episode = 0; episode < 20000; ++episode)
    for (const auto& t : rlvalue_test::random_walk_episode<T>(rng)) td.update(t);
  for (Index s = 0; s < 5; ++s) {
    INFO("state " << s);
    CHECK(std::abs(static_cast<double>(td.value(s)) - rlvalue_test::walk_true_value(s)) < 0.02);
  }
  CHECK(td.visit_count(2) >= 20000);  // every episode starts in state 2
}

TEST_CASE("TD0: per-visit 1/n step sizes give running means", "[learners][td0][property]") {
  // Terminated transitions have target r, so with alpha_n = 1/n, v(s) is the
  // mean of the rewards seen from s (the initial value is forgotten at n = 1).
  TabularV<double> v(3, 42.0);
  TD0<TabularV<double>> td(v, {.gamma = 0.7, .step_size = 1.0, .schedule = StepSchedule::per_visit});
  rlvalue::Rng rng = rlvalue::make_rng(3);
  double sum[3] = {0, 0, 0};
  int count[3] = {0, 0, 0};
  for (int i = 0; i < 500; ++i) {
    const Index s = rlvalue::uniform_index(rng, 3);
    const double r = rlvalue::normal(rng, static_cast<double>(s), 1.0);
    td.update({.state = s, .reward = r, .next_state = 0, .terminated = true});
    sum[s] += r;
    ++count[s];
  }
  for (Index s = 0; s < 3; ++s) {
    CHECK(td.visit_count(s) == count[s]);
    CHECK(td.value(s) == Approx(sum[s] / count[s]).epsilon(1e-12));
  }
}

TEST_CASE("TD0: bad input throws and changes nothing", "[learners][td0][errors]") {
  TabularV<double> v(4, 0.0);
  for (Index s = 0; s < 4; ++s) v.set_value(s, 0.25 * static_cast<double>(s));
  TD0<TabularV<double>> td(v, {.gamma = 1.0, .step_size = 0.5, .schedule = StepSchedule::per_visit});
  td.update({.state = 1, .reward = 1.0, .next_state = 2});
  td.update({.state = 3, .reward = -1.0, .next_state = 0});
  const Eigen::VectorXd values_before = v.parameters();
  const std::vector<Index> counts_before = td.step_sizes().counts();

  auto unchanged = [&] {
    CHECK(v.parameters() == values_before);
    CHECK(td.step_sizes().counts() == counts_before);
  };
  CHECK(thrown_message<std::out_of_range>([&] { td.update({.state = 4, .reward = 0.0, .next_state = 0}); }) ==
        "TD0::update: state = 4 is out of range [0, 4)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>([&] { td.update({.state = 0, .reward = 0.0, .next_state = -1}); }) ==
        "TD0::update: next_state = -1 is out of range [0, 4)");
  unchanged();
  // next_state is checked even when terminated.
  CHECK(thrown_message<std::out_of_range>(
            [&] { td.update({.state = 0, .reward = 0.0, .next_state = 7, .terminated = true}); }) ==
        "TD0::update: next_state = 7 is out of range [0, 4)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>(
            [&] { td.update({.state = 0, .reward = std::nan(""), .next_state = 1}); }) ==
        "TD0::update: reward = nan is not finite");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] {
          td.update({.state = 0, .reward = -std::numeric_limits<double>::infinity(), .next_state = 1,
                     .terminated = true});
        }) == "TD0::update: reward = -inf is not finite");
  unchanged();
  // Overflowing target: 1.7e308 + 1 * 1.7e308 = inf.
  v.set_value(2, 1.7e308);
  const Eigen::VectorXd big_before = v.parameters();
  const std::string msg = thrown_message<std::invalid_argument>(
      [&] { td.update({.state = 1, .reward = 1.7e308, .next_state = 2}); });
  CHECK(contains(msg, "TD0::update: td_error = inf is not finite"));
  CHECK(v.parameters() == big_before);
  CHECK(td.step_sizes().counts() == counts_before);
  CHECK(thrown_message<std::out_of_range>([&] { (void)td.value(9); }) ==
        "TD0::value: state = 9 is out of range [0, 4)");
}

TEST_CASE("TD0: bad configuration", "[learners][td0][errors]") {
  TabularV<double> v(3);
  using L = TD0<TabularV<double>>;
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.gamma = 1.5, .step_size = 0.1}); }) ==
        "TD0: gamma = 1.5 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.gamma = -0.1, .step_size = 0.1}); }) ==
        "TD0: gamma = -0.1 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.gamma = std::nan(""), .step_size = 0.1}); }) ==
        "TD0: gamma = nan is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.gamma = 0.9, .step_size = 0.0}); }) ==
        "TD0: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(v, {.gamma = 0.9, .step_size = 0.1, .schedule = StepSchedule::per_visit, .omega = 2.0}); }) ==
        "TD0: omega = 2 is outside (0, 1]");
  // Boundaries are accepted.
  CHECK_NOTHROW(L(v, {.gamma = 0.0, .step_size = 1e-9}));
  CHECK_NOTHROW(L(v, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit, .omega = 1.0}));
}
