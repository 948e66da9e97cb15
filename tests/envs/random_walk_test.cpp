#include "rlvalue/envs/random_walk.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/evaluate.hpp"

using rlvalue::Index;
using rlvalue::RandomWalk;
using rlvalue_test::Contains;

static_assert(rlvalue::Environment<RandomWalk>);
static_assert(rlvalue::FiniteMDP<RandomWalk>);

namespace {
Eigen::VectorXd exact_values(const RandomWalk& walk) {
  return rlvalue::evaluate_policy(walk, Eigen::MatrixXd::Ones(walk.num_states(), 1), 1.0);
}
}  // namespace

TEST_CASE("RandomWalk exact values match Sutton & Barto", "[envs][random_walk]") {
  SECTION("Example 6.2: 1/6 .. 5/6") {
    const auto walk = RandomWalk::sutton_barto_5();
    REQUIRE(walk.num_states() == 5);
    REQUIRE(walk.num_actions() == 1);
    CHECK(walk.start_state() == 2);  // C
    const Eigen::VectorXd v = exact_values(walk);
    const Eigen::VectorXd closed = walk.true_values();
    for (Index i = 0; i < 5; ++i) {
      CHECK(v(i) == Approx(static_cast<double>(i + 1) / 6.0).margin(1e-12));
      CHECK(closed(i) == Approx(static_cast<double>(i + 1) / 6.0).margin(1e-15));
    }
  }
  SECTION("chapter 7: (-20 + 2i)/20 for i = 1..19") {
    const auto walk = RandomWalk::sutton_barto_19();
    REQUIRE(walk.num_states() == 19);
    CHECK(walk.start_state() == 9);
    const Eigen::VectorXd v = exact_values(walk);
    const Eigen::VectorXd closed = walk.true_values();
    for (Index i = 1; i <= 19; ++i) {
      const double expected = (-20.0 + 2.0 * static_cast<double>(i)) / 20.0;
      CHECK(v(i - 1) == Approx(expected).margin(1e-12));
      CHECK(closed(i - 1) == Approx(expected).margin(1e-15));
    }
  }
  SECTION("a general walk: closed form = linear solve") {
    const RandomWalk walk({.num_states = 4, .left_reward = -2.0, .right_reward = 3.0});
    CHECK(walk.start_state() == 2);
    // V(i) = -2 + 5*(i+1)/5 = i - 1
    const Eigen::VectorXd v = exact_values(walk);
    for (Index i = 0; i < 4; ++i) {
      CHECK(v(i) == Approx(static_cast<double>(i) - 1.0).margin(1e-12));
      CHECK(walk.true_values()(i) == Approx(static_cast<double>(i) - 1.0).margin(1e-12));
    }
  }
  SECTION("gamma < 1 from the linear solve satisfies the Bellman equation") {
    const auto walk = RandomWalk::sutton_barto_5();
    const Eigen::VectorXd v = rlvalue::evaluate_policy(walk, Eigen::MatrixXd::Ones(5, 1), 0.9);
    // V(E) = 0.5*(0.9*V(D)) + 0.5*1
    CHECK(v(4) == Approx(0.45 * v(3) + 0.5).margin(1e-12));
    CHECK(v(2) == Approx(0.45 * (v(1) + v(3))).margin(1e-12));
    CHECK(v(2) < 0.5);
  }
}

TEST_CASE("RandomWalk step semantics", "[envs][random_walk]") {
  auto walk = RandomWalk::sutton_barto_5();
  auto rng = rlvalue::make_rng(17);
  REQUIRE(walk.reset(rng) == 2);
  // Steps move one state left or right with reward 0 until an end is left.
  Index s = 2;
  for (int i = 0; i < 1000; ++i) {
    const auto step = walk.step(0, rng);
    CHECK_FALSE(step.truncated);
    if (step.terminated) {
      // Left of A: reward 0, next_state 0; right of E: reward 1, next_state 4.
      CHECK(((s == 0 && step.reward == 0.0 && step.next_state == 0) ||
             (s == 4 && step.reward == 1.0 && step.next_state == 4)));
      REQUIRE_THROWS_AS(walk.step(0, rng), std::logic_error);
      s = walk.reset(rng);
      continue;
    }
    CHECK(std::abs(step.next_state - s) == 1);
    CHECK(step.reward == 0.0);
    s = step.next_state;
    CHECK(walk.state() == s);
  }
}

TEST_CASE("RandomWalk: Environment and FiniteMDP views agree", "[envs][random_walk]") {
  // 20000 steps from each state: a frequency of 1/2 has sd 0.0035 (0.02 = 5.7 sd);
  // the mean reward has sd <= 0.5*|reward|/sqrt(20000) (0.02 = 5.7 sd for |reward| = 1).
  const auto walk = RandomWalk::sutton_barto_19();
  auto env = walk;
  auto rng = rlvalue::make_rng(23);
  const int n = 20000;
  for (Index s = 0; s < walk.num_states(); ++s) {
    const auto outs = walk.outcomes(s, 0);
    REQUIRE(outs.size() == 2);
    double expected_reward = 0.0;
    for (const auto& o : outs) expected_reward += o.probability * o.reward;
    int left = 0, mismatches = 0;
    double reward_sum = 0.0;
    for (int i = 0; i < n; ++i) {
      env.reset_to(s);
      const auto step = env.step(0, rng);
      // Terminating from A means leaving left (n = 19: A is not also the right end).
      const bool went_left = step.terminated ? s == 0 : step.next_state < s;
      const auto& o = went_left ? outs[0] : outs[1];
      left += went_left ? 1 : 0;
      mismatches += (step.next_state != o.next_state || step.terminated != o.terminal ||
                     step.reward != o.reward || step.truncated)
                        ? 1
                        : 0;
      reward_sum += step.reward;
    }
    INFO("state " << s);
    CHECK(mismatches == 0);
    CHECK(left / static_cast<double>(n) == Approx(outs[0].probability).margin(0.02));
    CHECK(reward_sum / n == Approx(expected_reward).margin(0.02));
  }
}

TEST_CASE("RandomWalk Monte Carlo returns match the true values", "[envs][random_walk]") {
  // 20000 episodes from C: the return is 0 or 1 with mean 1/2, sd of the
  // mean 0.0035; we allow 0.018 (5 sd).
  auto walk = RandomWalk::sutton_barto_5();
  auto rng = rlvalue::make_rng(31);
  double total = 0.0;
  for (int episode = 0; episode < 20000; ++episode) {
    walk.reset(rng);
    for (;;) {
      const auto step = walk.step(0, rng);
      total += step.reward;
      if (step.terminated) break;
    }
  }
  CHECK(total / 20000.0 == Approx(walk.true_values()(2)).margin(0.018));
}

TEST_CASE("RandomWalk rejects bad input", "[envs][random_walk][errors]") {
  REQUIRE_THROWS_MATCHES(RandomWalk({.num_states = 0}), std::invalid_argument,
                         Contains("RandomWalk: num_states = 0 must be at least 1"));
  REQUIRE_THROWS_MATCHES(
      RandomWalk({.num_states = 3, .left_reward = std::numeric_limits<double>::quiet_NaN()}),
      std::invalid_argument, Contains("left_reward = nan is not finite"));
  REQUIRE_THROWS_MATCHES(
      RandomWalk({.num_states = 3, .right_reward = std::numeric_limits<double>::infinity()}),
      std::invalid_argument, Contains("right_reward = inf is not finite"));
  auto walk = RandomWalk::sutton_barto_5();
  auto rng = rlvalue::make_rng(0);
  REQUIRE_THROWS_MATCHES(walk.step(0, rng), std::logic_error, Contains("call reset first"));
  walk.reset(rng);
  REQUIRE_THROWS_MATCHES(walk.step(1, rng), std::out_of_range,
                         Contains("RandomWalk::step: action = 1 is out of range [0, 1)"));
  REQUIRE_THROWS_MATCHES(walk.outcomes(5, 0), std::out_of_range,
                         Contains("RandomWalk::outcomes: state = 5 is out of range [0, 5)"));
  REQUIRE_THROWS_MATCHES(walk.outcomes(0, -1), std::out_of_range, Contains("action = -1"));
  REQUIRE_THROWS_MATCHES(walk.reset_to(-1), std::out_of_range,
                         Contains("RandomWalk::reset_to: state = -1 is out of range [0, 5)"));
  CHECK(walk.state() == 2);  // unchanged by the failed calls
}
