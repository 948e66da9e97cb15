#include "rlvalue/mdp/value_iteration.hpp"

#include <Eigen/Core>
#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/evaluate.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

using rlvalue::Index;
using rlvalue::TabularMDP;
using rlvalue_test::Contains;

namespace {

// Hand-worked MDP, 2 states x 2 actions, all deterministic:
//   (0, 0): to 1, r = -1     (0, 1): terminal, r = -5
//   (1, 0): to 0, r = -1     (1, 1): terminal, r = -2
TabularMDP<> costs_mdp() {
  TabularMDP<>::Builder b(2, 2);
  b.add(0, 0, 1, 1.0, -1.0).add(0, 1, 0, 1.0, -5.0, true);
  b.add(1, 0, 0, 1.0, -1.0).add(1, 1, 1, 1.0, -2.0, true);
  return std::move(b).build();
}

// Same shape, rewarding the loop: (0, 0): to 1, r = 0; (0, 1): terminal r = 1;
// (1, 0): to 0, r = 4; (1, 1): terminal r = 2.
TabularMDP<> loop_mdp() {
  TabularMDP<>::Builder b(2, 2);
  b.add(0, 0, 1, 1.0, 0.0).add(0, 1, 0, 1.0, 1.0, true);
  b.add(1, 0, 0, 1.0, 4.0).add(1, 1, 1, 1.0, 2.0, true);
  return std::move(b).build();
}

Eigen::MatrixXd deterministic_policy(const Eigen::VectorX<Index>& actions, Index num_actions) {
  Eigen::MatrixXd pi = Eigen::MatrixXd::Zero(actions.size(), num_actions);
  for (Index s = 0; s < actions.size(); ++s) pi(s, actions(s)) = 1.0;
  return pi;
}

}  // namespace

TEST_CASE("value_iteration on hand-worked MDPs", "[mdp][value_iteration]") {
  SECTION("gamma = 1, costs: terminate from 1, walk 0 -> 1 -> end") {
    // V1 = max(-1 + V0, -2), V0 = max(-1 + V1, -5)  =>  V1 = -2, V0 = -3
    // Q* = [[-3, -5], [-4, -2]], greedy policy (0, 1)
    const auto r = rlvalue::value_iteration(costs_mdp(), 1.0);
    REQUIRE(r.converged);
    CHECK(r.residual <= 1e-10);
    CHECK(r.v(0) == Approx(-3.0).epsilon(1e-12));
    CHECK(r.v(1) == Approx(-2.0).epsilon(1e-12));
    CHECK(r.q(0, 0) == Approx(-3.0).epsilon(1e-12));
    CHECK(r.q(0, 1) == Approx(-5.0).epsilon(1e-12));
    CHECK(r.q(1, 0) == Approx(-4.0).epsilon(1e-12));
    CHECK(r.q(1, 1) == Approx(-2.0).epsilon(1e-12));
    CHECK(r.policy(0) == 0);
    CHECK(r.policy(1) == 1);
    // Deterministic integer costs: exact after 3 sweeps, the 4th sees no change.
    CHECK(r.iterations == 4);
  }
  SECTION("gamma = 0.9, costs") {
    // V1 = -2 (terminate): Q(0,0) = -1 + 0.9*(-2) = -2.8 > -5 => V0 = -2.8;
    // Q(1,0) = -1 + 0.9*(-2.8) = -3.52 < -2.
    const auto r = rlvalue::value_iteration(costs_mdp(), 0.9);
    REQUIRE(r.converged);
    CHECK(r.v(0) == Approx(-2.8).epsilon(1e-12));
    CHECK(r.v(1) == Approx(-2.0).epsilon(1e-12));
    CHECK(r.q(1, 0) == Approx(-3.52).epsilon(1e-12));
    CHECK(r.policy(0) == 0);
    CHECK(r.policy(1) == 1);
  }
  SECTION("gamma = 0.5, rewarding loop") {
    // Loop forever: V0 = 0.5*V1, V1 = 4 + 0.5*V0 => V1 = 16/3, V0 = 8/3,
    // better than terminating (1 and 2). Q* = [[8/3, 1], [16/3, 2]].
    const auto r = rlvalue::value_iteration(loop_mdp(), 0.5, {.tolerance = 1e-13});
    REQUIRE(r.converged);
    CHECK(r.v(0) == Approx(8.0 / 3.0).epsilon(1e-12));
    CHECK(r.v(1) == Approx(16.0 / 3.0).epsilon(1e-12));
    CHECK(r.q(0, 1) == Approx(1.0).epsilon(1e-12));
    CHECK(r.q(1, 1) == Approx(2.0).epsilon(1e-12));
    CHECK(r.policy(0) == 0);
    CHECK(r.policy(1) == 0);
  }
  SECTION("gamma = 1, rewarding loop: no convergence, reported not thrown") {
    const auto r = rlvalue::value_iteration(loop_mdp(), 1.0, {.max_iterations = 50});
    CHECK_FALSE(r.converged);
    CHECK(r.iterations == 50);
    CHECK(r.residual > 1.0);
  }
}

TEST_CASE("value_iteration ties go to the lowest action", "[mdp][value_iteration]") {
  TabularMDP<>::Builder b(1, 3);
  b.add(0, 0, 0, 1.0, 1.0, true).add(0, 1, 0, 1.0, 2.0, true).add(0, 2, 0, 1.0, 2.0, true);
  const auto r = rlvalue::value_iteration(std::move(b).build(), 1.0);
  CHECK(r.policy(0) == 1);
  CHECK(r.v(0) == 2.0);
}

TEST_CASE("value_iteration agrees with evaluate_policy on Garnet MDPs", "[mdp][value_iteration]") {
  auto rng = rlvalue::make_rng(7);
  for (const double gamma : {0.5, 0.95, 1.0}) {
    INFO("gamma = " << gamma);
    const auto m = rlvalue::random_mdp(40, 4, 3, rng, {.termination_probability = 0.1});
    const auto r = rlvalue::value_iteration(m, gamma, {.tolerance = 1e-12});
    REQUIRE(r.converged);
    // V* is the value of the greedy policy ...
    const Eigen::VectorXd v_greedy =
        rlvalue::evaluate_policy(m, deterministic_policy(r.policy, 4), gamma);
    CHECK((v_greedy - r.v).lpNorm<Eigen::Infinity>() < 1e-9);
    // ... a fixed point of the Bellman optimality backup ...
    const Eigen::MatrixXd q = rlvalue::q_from_v(m, r.v, gamma);
    CHECK((q.rowwise().maxCoeff() - r.v).lpNorm<Eigen::Infinity>() < 1e-9);
    // ... and no worse than the uniform random policy anywhere.
    const Eigen::VectorXd v_uniform =
        rlvalue::evaluate_policy(m, Eigen::MatrixXd::Constant(40, 4, 0.25), gamma);
    CHECK((r.v - v_uniform).minCoeff() > -1e-9);
    CHECK((r.v - v_uniform).maxCoeff() > 1e-3);  // and strictly better somewhere
  }
}

TEST_CASE("value_iteration masks unavailable actions", "[mdp][value_iteration]") {
  // State 0: one action, to 1 with r = 0; state 1: two terminal actions, r = -3 or -1.
  TabularMDP<>::Builder b(2, 2);
  b.set_num_actions(0, 1);
  b.add(0, 0, 1, 1.0, 0.0).add(1, 0, 1, 1.0, -3.0, true).add(1, 1, 1, 1.0, -1.0, true);
  const auto r = rlvalue::value_iteration(std::move(b).build(), 1.0);
  CHECK(r.q(0, 1) == -std::numeric_limits<double>::infinity());
  CHECK(r.v(0) == -1.0);
  CHECK(r.policy(0) == 0);
  CHECK(r.policy(1) == 1);
}

TEST_CASE("value_iteration rejects bad input", "[mdp][value_iteration][errors]") {
  const auto m = costs_mdp();
  REQUIRE_THROWS_MATCHES(rlvalue::value_iteration(m, 1.01), std::invalid_argument,
                         Contains("value_iteration: gamma = 1.01 is outside [0, 1]"));
  REQUIRE_THROWS_MATCHES(rlvalue::value_iteration(m, 0.9, {.tolerance = 0.0}),
                         std::invalid_argument,
                         Contains("value_iteration: tolerance = 0 must be positive"));
  REQUIRE_THROWS_MATCHES(rlvalue::value_iteration(m, 0.9, {.tolerance = -1e-3}),
                         std::invalid_argument, Contains("tolerance = -0.001"));
  REQUIRE_THROWS_MATCHES(rlvalue::value_iteration(m, 0.9, {.max_iterations = 0}),
                         std::invalid_argument, Contains("max_iterations = 0 must be at least 1"));
}
