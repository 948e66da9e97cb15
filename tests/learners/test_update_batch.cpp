// update_batch of QLearning and TD0: bit for bit the results of update() on
// each transition in order (tables, visit counts, errors), with rows shared
// within a batch, terminated and truncated mixed, every prefetch distance;
// the whole batch validated before anything is written; the non-tabular path.

#include <Eigen/Core>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/linear_q.hpp"
#include "rlvalue/approx/one_hot_map.hpp"
#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/approx/tabular_v.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/learners/q_learning.hpp"
#include "rlvalue/learners/td0.hpp"

using rlvalue::Index;
using rlvalue::QLearning;
using rlvalue::StepSchedule;
using rlvalue::TabularQ;
using rlvalue::TabularV;
using rlvalue::TD0;
using rlvalue_test::thrown_message;

namespace {

// Table with distinct entries, so every max and every write matters.
template <class Scalar>
TabularQ<Scalar> distinct_q(Index states, Index actions) {
  TabularQ<Scalar> q(states, actions);
  for (Index s = 0; s < states; ++s)
    for (Index a = 0; a < actions; ++a)
      q.parameters()(s, a) = static_cast<Scalar>(std::sin(static_cast<double>(s * actions + a)));
  return q;
}

}  // namespace

TEMPLATE_TEST_CASE("QLearning::update_batch equals update() in order, bit for bit",
                   "[learners][qlearning][batch]", float, double) {
  using S = TestType;
  const StepSchedule schedule = GENERATE(StepSchedule::constant, StepSchedule::per_visit);
  const Index distance = GENERATE(Index(0), Index(1), Index(3), Index(16), Index(5000));
  // 7 states: almost every transition shares a row with one of the last few.
  const Index states = GENERATE(Index(7), Index(3000));
  constexpr Index actions = 5;
  const auto batch = rlvalue_test::random_batch<S>(states, actions, 2000, 42);
  const rlvalue::TDConfig config{.gamma = 0.9, .step_size = 0.3, .schedule = schedule,
                                 .omega = 0.7};
  TabularQ<S> q_one = distinct_q<S>(states, actions);
  TabularQ<S> q_batch = q_one;
  QLearning<TabularQ<S>> one(q_one, config);
  QLearning<TabularQ<S>> many(q_batch, config);
  std::vector<S> expected_errors;
  for (const auto& t : batch) expected_errors.push_back(one.update(t));
  std::vector<S> errors(batch.size(), S(-99));
  // Two calls, so a batch also starts from an already-updated table.
  const auto all = std::span(batch);
  many.update_batch(all.first(700), std::span(errors).first(700), distance);
  many.update_batch(all.subspan(700), std::span(errors).subspan(700), distance);
  CHECK((q_batch.parameters().array() == q_one.parameters().array()).all());
  CHECK(many.step_sizes().counts() == one.step_sizes().counts());
  CHECK(errors == expected_errors);
  // The changes were real (the test could fail): the table moved.
  CHECK_FALSE((q_batch.parameters().array() == distinct_q<S>(states, actions).parameters().array())
                  .all());
}

TEST_CASE("update_batch on tables prefetched into the L2 equals update()",
          "[learners][qlearning][td0][batch]") {
  // Tables larger than kPrefetchToL2Bytes take the other prefetch path.
  constexpr Index q_states = 300'000, actions = 8;  // 19.2 MB of doubles
  static_assert(std::size_t{q_states} * actions * sizeof(double) > rlvalue::detail::kPrefetchToL2Bytes);
  const rlvalue::TDConfig config{.gamma = 0.9, .step_size = 0.3};
  TabularQ<double> q_one = distinct_q<double>(q_states, actions), q_batch = q_one;
  REQUIRE(rlvalue::detail::table_layout(q_batch).far);
  REQUIRE_FALSE(rlvalue::detail::table_layout(distinct_q<double>(1000, actions)).far);
  const auto batch = rlvalue_test::random_batch<double>(q_states, actions, 3000, 17);
  QLearning<TabularQ<double>> one(q_one, config), many(q_batch, config);
  for (const auto& t : batch) one.update(t);
  many.update_batch(batch);
  CHECK((q_batch.parameters().array() == q_one.parameters().array()).all());

  constexpr Index v_states = 2'200'000;  // 17.6 MB
  TabularV<double> v_one(v_states), v_batch(v_states);
  REQUIRE(rlvalue::detail::table_layout(v_batch).far);
  const auto v_transitions = rlvalue_test::random_batch<double>(v_states, 1, 3000, 18);
  TD0<TabularV<double>> v_one_learner(v_one, config), v_many(v_batch, config);
  for (const auto& t : v_transitions) v_one_learner.update(t);
  v_many.update_batch(v_transitions);
  CHECK((v_batch.parameters().array() == v_one.parameters().array()).all());
  CHECK_FALSE((v_batch.parameters().array() == 0.0).all());
}

TEST_CASE("QLearning::update_batch: without errors, empty batch, terminated vs truncated",
          "[learners][qlearning][batch]") {
  TabularQ<double> q(2, 3);
  q.parameters() << 1, 2, 3, 4, 6, 5;
  const TabularQ<double> start = q;
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 0.5});
  ql.update_batch(std::span<const rlvalue::Transition<>>());
  CHECK((q.parameters().array() == start.parameters().array()).all());
  // Same (s, a) three times: truncated bootstraps, terminated does not.
  const std::vector<rlvalue::Transition<>> batch = {
      {.state = 0, .action = 1, .reward = 1, .next_state = 1, .truncated = true},
      {.state = 0, .action = 1, .reward = 1, .next_state = 1, .terminated = true},
      {.state = 0, .action = 1, .reward = 1, .next_state = 0}};
  ql.update_batch(batch);
  // 2 + 0.5 * (1 + 5.4 - 2) = 4.2; 4.2 + 0.5 * (1 - 4.2) = 2.6;
  // then max q(0, .) = 3: 2.6 + 0.5 * (1 + 2.7 - 2.6) = 3.15.
  CHECK(ql.q(0, 1) == Approx(3.15).epsilon(1e-12));
  CHECK(ql.q(0, 0) == 1.0);
  CHECK(ql.q(1, 1) == 6.0);
}

TEST_CASE("QLearning::update_batch validates the whole batch before writing",
          "[learners][qlearning][batch]") {
  const auto good = rlvalue_test::random_batch<double>(5, 3, 40, 7);
  TabularQ<double> q = distinct_q<double>(5, 3);
  const TabularQ<double> start = q;
  QLearning<TabularQ<double>> ql(q, {.gamma = 0.9, .step_size = 1.0,
                                     .schedule = StepSchedule::per_visit});
  auto unchanged = [&] {
    CHECK((q.parameters().array() == start.parameters().array()).all());
    for (Index c : ql.step_sizes().counts()) CHECK(c == 0);
  };
  auto batch = good;
  batch[37].state = 5;
  CHECK(thrown_message<std::out_of_range>([&] { ql.update_batch(batch); }) ==
        "QLearning::update_batch: batch[37].state = 5 is out of range [0, 5)");
  unchanged();
  batch = good;
  batch[12].action = -1;
  CHECK(thrown_message<std::out_of_range>([&] { ql.update_batch(batch); }) ==
        "QLearning::update_batch: batch[12].action = -1 is out of range [0, 3)");
  unchanged();
  batch = good;
  batch[39].next_state = 9;
  CHECK(thrown_message<std::out_of_range>([&] { ql.update_batch(batch); }) ==
        "QLearning::update_batch: batch[39].next_state = 9 is out of range [0, 5)");
  unchanged();
  batch = good;
  batch[20].reward = std::numeric_limits<double>::quiet_NaN();
  CHECK(thrown_message<std::invalid_argument>([&] { ql.update_batch(batch); }) ==
        "QLearning::update_batch: batch[20].reward = nan is not finite");
  unchanged();
  batch[20].reward = std::numeric_limits<double>::infinity();
  CHECK(thrown_message<std::invalid_argument>([&] { ql.update_batch(batch); }) ==
        "QLearning::update_batch: batch[20].reward = inf is not finite");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>([&] { ql.update_batch(good, -1); }) ==
        "QLearning::update_batch: prefetch_distance = -1 must be non-negative");
  std::vector<double> errors(39);
  CHECK(thrown_message<std::invalid_argument>([&] { ql.update_batch(good, errors); }) ==
        "QLearning::update_batch: errors has size 39, expected 40");
  unchanged();
  ql.update_batch(good);  // and the good batch does change it
  CHECK_FALSE((q.parameters().array() == start.parameters().array()).all());
}

TEST_CASE("QLearning::update_batch: an overflowing target stops the batch at that entry",
          "[learners][qlearning][batch]") {
  constexpr double big = std::numeric_limits<double>::max();
  TabularQ<double> q(3, 2);
  q.parameters() << 0, 0, 0, 0, big, big;
  QLearning<TabularQ<double>> ql(q, {.gamma = 1.0, .step_size = 0.5});
  const std::vector<rlvalue::Transition<>> batch = {
      {.state = 0, .action = 0, .reward = 2, .next_state = 1},
      {.state = 1, .action = 1, .reward = big, .next_state = 2},  // big + big overflows
      {.state = 0, .action = 1, .reward = 4, .next_state = 1}};
  CHECK(thrown_message<std::invalid_argument>([&] { ql.update_batch(batch); })
            .starts_with("QLearning::update_batch: batch[1].td_error = inf is not finite"));
  CHECK(q.parameters()(0, 0) == 1.0);  // entry 0 applied
  CHECK(q.parameters()(1, 1) == 0.0);  // entry 1 not
  CHECK(q.parameters()(0, 1) == 0.0);  // entry 2 not
}

TEST_CASE("QLearning::update_batch on a LinearQ (no prefetch) equals update()",
          "[learners][qlearning][batch][linear]") {
  using Linear = rlvalue::LinearQ<rlvalue::OneHotMap>;
  Linear a(rlvalue::OneHotMap(6), 3), b(rlvalue::OneHotMap(6), 3);
  QLearning<Linear> one(a, {.gamma = 0.8, .step_size = 0.2});
  QLearning<Linear> many(b, {.gamma = 0.8, .step_size = 0.2});
  const auto batch = rlvalue_test::random_batch<double>(6, 3, 500, 11);
  for (const auto& t : batch) one.update(t);
  many.update_batch(batch, 4);
  CHECK((a.parameters().array() == b.parameters().array()).all());
  CHECK(a.parameters().array().abs().sum() > 0.0);
}

TEMPLATE_TEST_CASE("TD0::update_batch equals update() in order, bit for bit",
                   "[learners][td0][batch]", float, double) {
  using S = TestType;
  const StepSchedule schedule = GENERATE(StepSchedule::constant, StepSchedule::per_visit);
  const Index distance = GENERATE(Index(0), Index(2), Index(16), Index(100000));
  const Index states = GENERATE(Index(4), Index(5000));
  const auto batch = rlvalue_test::random_batch<S>(states, 1, 3000, 5);
  const rlvalue::TDConfig config{.gamma = 0.95, .step_size = 0.4, .schedule = schedule};
  TabularV<S> v_one(states), v_batch(states);
  for (Index s = 0; s < states; ++s) {
    v_one.set_value(s, static_cast<S>(std::cos(static_cast<double>(s))));
    v_batch.set_value(s, static_cast<S>(std::cos(static_cast<double>(s))));
  }
  TD0<TabularV<S>> one(v_one, config), many(v_batch, config);
  std::vector<S> expected_errors, errors(batch.size());
  for (const auto& t : batch) expected_errors.push_back(one.update(t));
  many.update_batch(batch, errors, distance);
  CHECK((v_batch.parameters().array() == v_one.parameters().array()).all());
  CHECK(many.step_sizes().counts() == one.step_sizes().counts());
  CHECK(errors == expected_errors);
  CHECK(errors[0] != S(0));
}

TEST_CASE("TD0::update_batch validates first; the non-tabular path", "[learners][td0][batch]") {
  const auto good = rlvalue_test::random_batch<double>(10, 1, 30, 3);
  TabularV<double> v(10, 0.5);
  TD0<TabularV<double>> td(v, {.gamma = 0.9, .step_size = 0.1});
  auto batch = good;
  batch[29].next_state = 10;
  CHECK(thrown_message<std::out_of_range>([&] { td.update_batch(batch); }) ==
        "TD0::update_batch: batch[29].next_state = 10 is out of range [0, 10)");
  batch = good;
  batch[3].reward = -std::numeric_limits<double>::infinity();
  CHECK(thrown_message<std::invalid_argument>([&] { td.update_batch(batch); }) ==
        "TD0::update_batch: batch[3].reward = -inf is not finite");
  CHECK((v.parameters().array() == 0.5).all());
  CHECK(thrown_message<std::invalid_argument>([&] { td.update_batch(good, -3); }) ==
        "TD0::update_batch: prefetch_distance = -3 must be non-negative");

  rlvalue_test::AffineV a, b;
  TD0<rlvalue_test::AffineV> one(a, {.gamma = 0.9, .step_size = 0.01});
  TD0<rlvalue_test::AffineV> many(b, {.gamma = 0.9, .step_size = 0.01});
  for (const auto& t : good) one.update(t);
  many.update_batch(good);
  CHECK(a.w == b.w);
  CHECK(a.w.norm() > 0.0);
}
