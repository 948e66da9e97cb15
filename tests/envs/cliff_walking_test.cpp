#include "rlvalue/envs/cliff_walking.hpp"

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/value_iteration.hpp"

using rlvalue::CliffWalking;
using rlvalue::Index;
using rlvalue_test::Contains;

static_assert(rlvalue::Environment<CliffWalking>);
static_assert(rlvalue::FiniteMDP<CliffWalking>);

TEST_CASE("CliffWalking layout", "[envs][cliff_walking]") {
  CHECK(CliffWalking::num_states() == 48);
  CHECK(CliffWalking::num_actions() == 4);
  CHECK(CliffWalking::start == 36);
  CHECK(CliffWalking::goal == 47);
  CHECK(CliffWalking::state_of(2, 5) == 29);
  CHECK(CliffWalking::row_of(29) == 2);
  CHECK(CliffWalking::col_of(29) == 5);
  int cliff_cells = 0;
  for (Index s = 0; s < 48; ++s) cliff_cells += CliffWalking::is_cliff(s) ? 1 : 0;
  CHECK(cliff_cells == 10);
  CHECK(CliffWalking::is_cliff(37));
  CHECK(CliffWalking::is_cliff(46));
  CHECK_FALSE(CliffWalking::is_cliff(36));
  CHECK_FALSE(CliffWalking::is_cliff(47));
  CHECK_FALSE(CliffWalking::is_cliff(25));
}

TEST_CASE("CliffWalking step semantics", "[envs][cliff_walking]") {
  CliffWalking env;
  auto rng = rlvalue::make_rng(0);
  REQUIRE(env.reset(rng) == CliffWalking::start);

  SECTION("walls leave the agent in place with -1") {
    auto step = env.step(CliffWalking::left, rng);
    CHECK(step.next_state == CliffWalking::start);
    CHECK(step.reward == -1.0);
    CHECK_FALSE(step.terminated);
    step = env.step(CliffWalking::down, rng);
    CHECK(step.next_state == CliffWalking::start);
    CHECK(step.reward == -1.0);
    for (int i = 0; i < 3; ++i)
      CHECK(env.step(CliffWalking::up, rng).next_state == 36 - 12 * (i + 1));
    step = env.step(CliffWalking::up, rng);  // top-left corner: up is a wall
    CHECK(step.next_state == 0);
    CHECK(step.reward == -1.0);
  }
  SECTION("the cliff costs -100, sends back to the start, and does not end the episode") {
    const auto step = env.step(CliffWalking::right, rng);
    CHECK(step.next_state == CliffWalking::start);
    CHECK(step.reward == -100.0);
    CHECK_FALSE(step.terminated);
    CHECK_FALSE(step.truncated);
    CHECK(env.state() == CliffWalking::start);
    // From (2, 6) down is the cliff too.
    env.reset_to(CliffWalking::state_of(2, 6));
    const auto fall = env.step(CliffWalking::down, rng);
    CHECK(fall.next_state == CliffWalking::start);
    CHECK(fall.reward == -100.0);
    CHECK_FALSE(fall.terminated);
    CHECK_NOTHROW(env.step(CliffWalking::up, rng));  // the episode goes on
  }
  SECTION("entering the goal ends the episode with -1") {
    env.reset_to(CliffWalking::state_of(2, 11));
    const auto step = env.step(CliffWalking::down, rng);
    CHECK(step.next_state == CliffWalking::goal);
    CHECK(step.reward == -1.0);
    CHECK(step.terminated);
    CHECK_FALSE(step.truncated);
    REQUIRE_THROWS_MATCHES(env.step(CliffWalking::up, rng), std::logic_error,
                           Contains("call reset first"));
  }
}

TEST_CASE("CliffWalking: Environment and FiniteMDP views agree", "[envs][cliff_walking]") {
  CliffWalking env;
  auto rng = rlvalue::make_rng(1);
  for (Index s = 0; s < 48; ++s)
    for (Index a = 0; a < 4; ++a) {
      const auto outs = env.outcomes(s, a);
      REQUIRE(outs.size() == 1);
      CHECK(outs[0].probability == 1.0);
      if (s == CliffWalking::goal || CliffWalking::is_cliff(s)) {
        // Absorbing in the FiniteMDP view, never occupied in the Environment.
        CHECK(outs[0].terminal);
        CHECK(outs[0].reward == 0.0);
        CHECK(outs[0].next_state == s);
        continue;
      }
      env.reset_to(s);
      const auto step = env.step(a, rng);
      INFO("state " << s << " action " << a);
      CHECK(step.next_state == outs[0].next_state);
      CHECK(step.reward == outs[0].reward);
      CHECK(step.terminated == outs[0].terminal);
    }
}

TEST_CASE("CliffWalking optimal return from the start is -13", "[envs][cliff_walking]") {
  CliffWalking env;
  const auto r = rlvalue::value_iteration(env, 1.0);
  REQUIRE(r.converged);
  CHECK(r.v(CliffWalking::start) == -13.0);
  CHECK(r.v(CliffWalking::state_of(2, 11)) == -1.0);
  CHECK(r.v(CliffWalking::state_of(0, 0)) == -14.0);  // 2 down, 11 right, 1 down
  // The greedy policy of Q* evaluated exactly gives V*.
  Eigen::MatrixXd pi = Eigen::MatrixXd::Zero(48, 4);
  for (Index s = 0; s < 48; ++s) pi(s, r.policy(s)) = 1.0;
  CHECK((rlvalue::evaluate_policy(env, pi, 1.0) - r.v).lpNorm<Eigen::Infinity>() < 1e-9);

  // Following the greedy policy: up, 11 x right, down; 13 steps, return -13.
  auto rng = rlvalue::make_rng(2);
  Index s = env.reset(rng);
  std::vector<Index> actions;
  double total = 0.0;
  for (int t = 0; t < 100; ++t) {
    actions.push_back(r.policy(s));
    const auto step = env.step(r.policy(s), rng);
    total += step.reward;
    s = step.next_state;
    if (step.terminated) break;
  }
  CHECK(total == -13.0);
  REQUIRE(actions.size() == 13);
  CHECK(actions.front() == CliffWalking::up);
  for (std::size_t t = 1; t < 12; ++t) CHECK(actions[t] == CliffWalking::right);
  CHECK(actions.back() == CliffWalking::down);

  // With gamma = 0.9 the same path is optimal: V(start) = -(1 - 0.9^13)/(1 - 0.9).
  const auto discounted = rlvalue::value_iteration(env, 0.9);
  REQUIRE(discounted.converged);
  CHECK(discounted.v(CliffWalking::start) == Approx(-(1.0 - std::pow(0.9, 13)) / 0.1).margin(1e-9));
}

TEST_CASE("CliffWalking rejects bad input", "[envs][cliff_walking][errors]") {
  CliffWalking env;
  auto rng = rlvalue::make_rng(0);
  REQUIRE_THROWS_MATCHES(env.step(0, rng), std::logic_error, Contains("call reset first"));
  env.reset(rng);
  REQUIRE_THROWS_MATCHES(env.step(4, rng), std::out_of_range,
                         Contains("CliffWalking::step: action = 4 is out of range [0, 4)"));
  REQUIRE_THROWS_MATCHES(env.step(-1, rng), std::out_of_range, Contains("action = -1"));
  REQUIRE_THROWS_MATCHES(env.reset_to(48), std::out_of_range,
                         Contains("CliffWalking::reset_to: state = 48 is out of range [0, 48)"));
  REQUIRE_THROWS_MATCHES(
      env.reset_to(CliffWalking::goal), std::invalid_argument,
      Contains("CliffWalking::reset_to: state = 47 is the goal or a cliff cell"));
  REQUIRE_THROWS_MATCHES(env.reset_to(40), std::invalid_argument, Contains("state = 40"));
  REQUIRE_THROWS_MATCHES(env.outcomes(48, 0), std::out_of_range,
                         Contains("CliffWalking::outcomes: state = 48 is out of range [0, 48)"));
  REQUIRE_THROWS_MATCHES(env.outcomes(0, 4), std::out_of_range,
                         Contains("CliffWalking::outcomes: action = 4 is out of range [0, 4)"));
  CHECK(env.state() == CliffWalking::start);  // unchanged by the failed calls
}
