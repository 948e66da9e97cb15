// StepSize: constant and per-visit schedules, counts, validation.

#include "rlvalue/learners/step_size.hpp"

#include <cmath>
#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "learner_test_support.hpp"

using rlvalue::StepSchedule;
using rlvalue::StepSize;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

TEMPLATE_TEST_CASE("StepSize: constant schedule", "[learners][step_size]", float, double) {
  StepSize<TestType> steps("Test", 0.25, StepSchedule::constant, 1.0, 0);
  CHECK(steps.counts().empty());  // nothing allocated
  for (int i = 0; i < 5; ++i) CHECK(steps.take(3) == TestType(0.25));
  CHECK(steps.peek(3) == TestType(0.25));
  CHECK(steps.visits(3) == 0);
  CHECK(steps.schedule() == StepSchedule::constant);
  CHECK(steps.step_size() == TestType(0.25));
}

TEMPLATE_TEST_CASE("StepSize: per-visit schedule", "[learners][step_size]", float, double) {
  using T = TestType;
  StepSize<T> averages("Test", 1.0, StepSchedule::per_visit, 1.0, 3);
  REQUIRE(averages.counts().size() == 3);
  // alpha_n = 1/n: 1, 1/2, 1/3, 1/4 for slot 1; slot 2 independent.
  CHECK(averages.peek(1) == T(1));
  CHECK(averages.take(1) == T(1));
  CHECK(averages.take(1) == T(1) / T(2));
  CHECK(averages.peek(1) == T(1) / T(3));  // peek does not count
  CHECK(averages.take(1) == T(1) / T(3));
  CHECK(averages.take(2) == T(1));
  CHECK(averages.take(1) == T(1) / T(4));
  CHECK(averages.visits(1) == 4);
  CHECK(averages.visits(2) == 1);
  CHECK(averages.visits(0) == 0);
  averages.reset_counts();
  CHECK(averages.visits(1) == 0);
  CHECK(averages.take(1) == T(1));

  // alpha_n = 0.5 / n^0.5: 0.5, 0.5/sqrt(2), 0.5/sqrt(3), 0.5/2 = 0.25.
  StepSize<T> root("Test", 0.5, StepSchedule::per_visit, 0.5, 1);
  CHECK(root.take(0) == Approx(0.5));
  CHECK(root.take(0) == Approx(0.5 / std::sqrt(2.0)));
  CHECK(root.take(0) == Approx(0.5 / std::sqrt(3.0)));
  CHECK(root.take(0) == Approx(0.25));
}

TEST_CASE("StepSize: per-visit averages are running means", "[learners][step_size]") {
  // x_n = x_{n-1} + alpha_n (y_n - x_{n-1}) with alpha_n = 1/n is the mean of y_1..y_n.
  StepSize<double> steps("Test", 1.0, StepSchedule::per_visit, 1.0, 1);
  const double ys[] = {3.0, -1.0, 4.0, 1.0, -5.0, 9.0};
  double x = 100.0, sum = 0.0;
  int n = 0;
  for (double y : ys) {
    x += steps.take(0) * (y - x);
    sum += y;
    ++n;
    CHECK(x == Approx(sum / n).epsilon(1e-14));
  }
}

TEST_CASE("StepSize: bad configuration", "[learners][step_size][errors]") {
  using S = StepSize<double>;
  CHECK(thrown_message<std::invalid_argument>([] { S("TD0", 0.0, StepSchedule::constant, 1.0, 0); }) ==
        "TD0: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([] { S("TD0", -0.1, StepSchedule::constant, 1.0, 0); }) ==
        "TD0: step_size = -0.1 must be positive and finite");
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [] { S("TD0", std::numeric_limits<double>::infinity(), StepSchedule::constant, 1.0, 0); }),
                 "step_size = inf"));
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [] { S("TD0", std::nan(""), StepSchedule::constant, 1.0, 0); }),
                 "step_size = nan"));
  CHECK(thrown_message<std::invalid_argument>([] { S("TD0", 0.1, StepSchedule::per_visit, 0.0, 4); }) ==
        "TD0: omega = 0 is outside (0, 1]");
  CHECK(thrown_message<std::invalid_argument>([] { S("TD0", 0.1, StepSchedule::per_visit, 1.5, 4); }) ==
        "TD0: omega = 1.5 is outside (0, 1]");
  // omega is validated under the constant schedule too (a typo is a typo).
  CHECK(contains(thrown_message<std::invalid_argument>([] { S("TD0", 0.1, StepSchedule::constant, std::nan(""), 4); }),
                 "omega = nan"));
  CHECK(thrown_message<std::invalid_argument>(
            [] { S("TD0", 0.1, static_cast<StepSchedule>(7), 1.0, 4); }) ==
        "TD0: schedule = 7 is not a StepSchedule");
  CHECK(contains(thrown_message<std::invalid_argument>([] { S("TD0", 0.1, StepSchedule::per_visit, 1.0, 0); }),
                 "TD0: schedule = per_visit needs an approximator over a finite state space"));
}
