#include "rlvalue/envs/maximization_bias.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/mdp_environment.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using rlvalue::Index;
using rlvalue::MaximizationBias;
using rlvalue_test::Contains;

static_assert(rlvalue::Environment<MaximizationBias>);
static_assert(rlvalue::FiniteMDP<MaximizationBias>);
static_assert(rlvalue::StateDependentActions<MaximizationBias>);

namespace {
constexpr double inf = std::numeric_limits<double>::infinity();

struct Moments {
  double mean, stddev;
};

// Mean and standard deviation of n rewards of B's actions (cycling through them).
Moments sample_b_rewards(MaximizationBias& env, int n, std::uint64_t seed) {
  auto rng = rlvalue::make_rng(seed);
  double sum = 0.0, sum_sq = 0.0;
  const Index num_b = env.num_actions(MaximizationBias::state_b);
  int mismatches = 0;
  for (int i = 0; i < n; ++i) {
    env.reset_to(MaximizationBias::state_b);
    const auto step = env.step(i % num_b, rng);
    mismatches += (!step.terminated || step.next_state != MaximizationBias::state_b) ? 1 : 0;
    sum += step.reward;
    sum_sq += step.reward * step.reward;
  }
  CHECK(mismatches == 0);
  const double mean = sum / n;
  return {mean, std::sqrt((sum_sq - n * mean * mean) / (n - 1))};
}
}  // namespace

TEST_CASE("MaximizationBias structure and exact values", "[envs][maximization_bias]") {
  const MaximizationBias env;
  CHECK(env.num_states() == 2);
  CHECK(env.num_actions() == 10);
  CHECK(env.num_actions(MaximizationBias::state_a) == 2);
  CHECK(env.num_actions(MaximizationBias::state_b) == 10);

  SECTION("value iteration, gamma = 1: right in A is optimal") {
    const auto r = rlvalue::value_iteration(env, 1.0);
    REQUIRE(r.converged);
    CHECK(r.v(0) == 0.0);
    CHECK(r.v(1) == Approx(-0.1).margin(1e-15));
    CHECK(r.policy(0) == MaximizationBias::right);
    CHECK(r.q(0, MaximizationBias::left) == Approx(-0.1).margin(1e-15));
    CHECK(r.q(0, MaximizationBias::right) == 0.0);
    for (Index a = 2; a < 10; ++a) CHECK(r.q(0, a) == -inf);  // not available in A
    for (Index a = 0; a < 10; ++a) CHECK(r.q(1, a) == Approx(-0.1).margin(1e-15));
  }
  SECTION("evaluate_policy: 1/2 left in A, uniform in B") {
    // V(B) = -0.1; V(A) = 1/2 * (0 + V(B)) + 1/2 * 0 = -0.05
    Eigen::MatrixXd pi = Eigen::MatrixXd::Zero(2, 10);
    pi(0, 0) = 0.5;
    pi(0, 1) = 0.5;
    pi.row(1).setConstant(0.1);
    const Eigen::VectorXd v = rlvalue::evaluate_policy(env, pi, 1.0);
    CHECK(v(0) == Approx(-0.05).margin(1e-12));
    CHECK(v(1) == Approx(-0.1).margin(1e-12));
    pi(0, 1) = 0.4;
    pi(0, 5) = 0.1;  // probability on an action A does not have
    REQUIRE_THROWS_MATCHES(
        rlvalue::evaluate_policy(env, pi, 1.0), std::invalid_argument,
        Contains("policy(0, 5) = 0.1 puts probability on an action not available"));
  }
  SECTION("to_tabular keeps the state-dependent actions") {
    const auto m = rlvalue::to_tabular(env);
    CHECK(m.num_actions() == 10);
    CHECK(m.num_actions(0) == 2);
    CHECK(m.num_actions(1) == 10);
    CHECK(m.num_outcomes() == 12);
  }
  SECTION("one action in B: the table is still 2 wide") {
    const MaximizationBias small({.num_b_actions = 1});
    CHECK(small.num_actions() == 2);
    CHECK(small.num_actions(MaximizationBias::state_b) == 1);
    CHECK(rlvalue::value_iteration(small, 1.0).q(1, 1) == -inf);
  }
}

TEST_CASE("MaximizationBias step semantics", "[envs][maximization_bias]") {
  MaximizationBias env;
  auto rng = rlvalue::make_rng(4);
  REQUIRE(env.reset(rng) == MaximizationBias::state_a);
  auto step = env.step(MaximizationBias::left, rng);
  CHECK(step.next_state == MaximizationBias::state_b);
  CHECK(step.reward == 0.0);
  CHECK_FALSE(step.terminated);
  step = env.step(9, rng);
  CHECK(step.terminated);
  CHECK_FALSE(step.truncated);
  CHECK(step.reward != 0.0);  // a normal draw

  env.reset(rng);
  step = env.step(MaximizationBias::right, rng);
  CHECK(step.terminated);
  CHECK(step.reward == 0.0);
  CHECK(step.next_state == MaximizationBias::state_a);
  REQUIRE_THROWS_MATCHES(env.step(0, rng), std::logic_error, Contains("call reset first"));
}

TEST_CASE("MaximizationBias rewards in B: mean and standard deviation",
          "[envs][maximization_bias]") {
  SECTION("default N(-0.1, 1)") {
    // 100000 draws: sd of the mean 0.0032, of the sample sd about 0.0022;
    // tolerances 0.016 and 0.011 are 5 sd.
    MaximizationBias env;
    const auto m = sample_b_rewards(env, 100000, 8);
    CHECK(m.mean == Approx(-0.1).margin(0.016));
    CHECK(m.stddev == Approx(1.0).margin(0.011));
  }
  SECTION("configured N(2, 0.5^2)") {
    // 50000 draws: sd of the mean 0.0022, of the sample sd 0.0016; 5 sd.
    MaximizationBias env({.num_b_actions = 3, .reward_mean = 2.0, .reward_stddev = 0.5});
    const auto m = sample_b_rewards(env, 50000, 9);
    CHECK(m.mean == Approx(2.0).margin(0.011));
    CHECK(m.stddev == Approx(0.5).margin(0.008));
    // The FiniteMDP view carries the mean.
    for (Index a = 0; a < 3; ++a) CHECK(env.outcomes(1, a)[0].reward == 2.0);
  }
  SECTION("zero standard deviation gives the mean exactly") {
    MaximizationBias env({.reward_mean = 0.25, .reward_stddev = 0.0});
    auto rng = rlvalue::make_rng(10);
    env.reset_to(MaximizationBias::state_b);
    CHECK(env.step(3, rng).reward == 0.25);
  }
}

TEST_CASE("MaximizationBias: Environment and FiniteMDP views agree", "[envs][maximization_bias]") {
  // Every available (s, a): next state and termination match the single
  // outcome; rewards match in mean (B: 20000 draws of N(-0.1, 1), sd of the
  // mean 0.007, tolerance 0.035 = 5 sd).
  MaximizationBias env;
  auto rng = rlvalue::make_rng(12);
  for (Index s = 0; s < 2; ++s)
    for (Index a = 0; a < env.num_actions(s); ++a) {
      const auto outs = env.outcomes(s, a);
      REQUIRE(outs.size() == 1);
      REQUIRE(outs[0].probability == 1.0);
      double sum = 0.0;
      const int n = 20000;
      int mismatches = 0;
      for (int i = 0; i < n; ++i) {
        env.reset_to(s);
        const auto step = env.step(a, rng);
        mismatches +=
            (step.next_state != outs[0].next_state || step.terminated != outs[0].terminal) ? 1 : 0;
        sum += step.reward;
      }
      INFO("state " << s << " action " << a);
      CHECK(mismatches == 0);
      CHECK(sum / n == Approx(outs[0].reward).margin(0.035));
    }
  // The generic adaptor over the FiniteMDP view respects the same action sets.
  rlvalue::MDPEnvironment adaptor(env, MaximizationBias::state_a);
  adaptor.reset(rng);
  REQUIRE_THROWS_MATCHES(
      adaptor.step(2, rng), std::out_of_range,
      Contains("MDPEnvironment::step (state = 0): action = 2 is out of range [0, 2)"));
}

TEST_CASE("MaximizationBias rejects bad input", "[envs][maximization_bias][errors]") {
  REQUIRE_THROWS_MATCHES(MaximizationBias({.num_b_actions = 0}), std::invalid_argument,
                         Contains("MaximizationBias: num_b_actions = 0 must be at least 1"));
  REQUIRE_THROWS_MATCHES(
      MaximizationBias({.reward_mean = std::numeric_limits<double>::quiet_NaN()}),
      std::invalid_argument, Contains("reward_mean = nan is not finite"));
  REQUIRE_THROWS_MATCHES(MaximizationBias({.reward_stddev = -1.0}), std::invalid_argument,
                         Contains("reward_stddev = -1 must not be negative"));
  REQUIRE_THROWS_MATCHES(MaximizationBias({.reward_stddev = inf}), std::invalid_argument,
                         Contains("reward_stddev = inf is not finite"));

  MaximizationBias env;
  auto rng = rlvalue::make_rng(0);
  REQUIRE_THROWS_MATCHES(env.step(0, rng), std::logic_error, Contains("call reset first"));
  env.reset(rng);
  REQUIRE_THROWS_MATCHES(
      env.step(2, rng), std::out_of_range,
      Contains("MaximizationBias::step (state = 0): action = 2 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(env.step(-1, rng), std::out_of_range, Contains("action = -1"));
  CHECK(env.state() == MaximizationBias::state_a);  // unchanged
  env.step(MaximizationBias::left, rng);
  REQUIRE_THROWS_MATCHES(
      env.step(10, rng), std::out_of_range,
      Contains("MaximizationBias::step (state = 1): action = 10 is out of range [0, 10)"));
  REQUIRE_THROWS_MATCHES(
      env.outcomes(0, 5), std::out_of_range,
      Contains("MaximizationBias::outcomes (state = 0): action = 5 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(env.outcomes(2, 0), std::out_of_range,
                         Contains("MaximizationBias::outcomes: state = 2 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(env.num_actions(-1), std::out_of_range, Contains("state = -1"));
  REQUIRE_THROWS_MATCHES(env.reset_to(2), std::out_of_range,
                         Contains("MaximizationBias::reset_to: state = 2 is out of range [0, 2)"));
}
