#include "rlvalue/mdp/evaluate.hpp"

#include <Eigen/Core>
#include <cmath>
#include <limits>
#include <stdexcept>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

using rlvalue::Index;
using rlvalue::LinearSolver;
using rlvalue::TabularMDP;
using rlvalue_test::Contains;

namespace {

// Hand-worked MDP, 2 states x 2 actions:
//   (0, 0): stay in 0 w.p. 1/2 with r = 1; go to 1 w.p. 1/2 with r = 0
//   (0, 1): terminal, r = 2
//   (1, 0): go to 0, r = 3
//   (1, 1): terminal w.p. 1/2 with r = 0; stay in 1 w.p. 1/2 with r = -1
TabularMDP<> hand_mdp() {
  TabularMDP<>::Builder b(2, 2);
  b.add(0, 0, 0, 0.5, 1.0).add(0, 0, 1, 0.5, 0.0);
  b.add(0, 1, 0, 1.0, 2.0, true);
  b.add(1, 0, 0, 1.0, 3.0);
  b.add(1, 1, 1, 0.5, 0.0, true).add(1, 1, 1, 0.5, -1.0);
  return std::move(b).build();
}

// pi(.|0) = (1/2, 1/2), pi(.|1) = (1, 0).
Eigen::MatrixXd hand_policy() {
  Eigen::MatrixXd pi(2, 2);
  pi << 0.5, 0.5, 1.0, 0.0;
  return pi;
}

// A FinitePolicy holding the same probabilities.
struct MatrixPolicy {
  Eigen::MatrixXd pi;
  Index num_actions() const { return pi.cols(); }
  Eigen::VectorXd probabilities(Index s) const { return pi.row(s).transpose(); }
  template <class G>
  Index action(Index s, G& rng) {
    return rlvalue::sample_discrete(rng, probabilities(s));
  }
};

// A random stochastic policy (rows of uniforms, normalised).
Eigen::MatrixXd random_policy(Index S, Index A, rlvalue::Rng& rng) {
  Eigen::MatrixXd pi(S, A);
  for (Index s = 0; s < S; ++s) {
    for (Index a = 0; a < A; ++a) pi(s, a) = 0.1 + rlvalue::uniform01(rng);
    pi.row(s) /= pi.row(s).sum();
  }
  return pi;
}

}  // namespace

TEST_CASE("evaluate_policy on a hand-worked MDP", "[mdp][evaluate]") {
  const auto m = hand_mdp();
  const auto pi = hand_policy();
  // r_pi(0) = 1/2*(1/2*1 + 1/2*0) + 1/2*2 = 1.25,  P_pi(0, 0) = P_pi(0, 1) = 1/4
  // r_pi(1) = 3,                                   P_pi(1, 0) = 1
  SECTION("gamma = 0.5") {
    // v0 = 1.25 + 0.5*(v0/4 + v1/4), v1 = 3 + 0.5*v0
    // => v0 = 1.625 + 0.1875*v0 => v0 = 2, v1 = 4
    const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 0.5);
    CHECK(v(0) == Approx(2.0).epsilon(1e-12));
    CHECK(v(1) == Approx(4.0).epsilon(1e-12));
    // Q(0,0) = 1/2*(1 + 0.5*2) + 1/2*(0 + 0.5*4) = 2;  Q(0,1) = 2
    // Q(1,0) = 3 + 0.5*2 = 4;  Q(1,1) = 1/2*0 + 1/2*(-1 + 0.5*4) = 0.5
    const Eigen::MatrixXd q = rlvalue::q_from_v(m, v, 0.5);
    CHECK(q(0, 0) == Approx(2.0).epsilon(1e-12));
    CHECK(q(0, 1) == Approx(2.0).epsilon(1e-12));
    CHECK(q(1, 0) == Approx(4.0).epsilon(1e-12));
    CHECK(q(1, 1) == Approx(0.5).epsilon(1e-12));
  }
  SECTION("gamma = 1") {
    // v0 = 1.25 + v0/4 + v1/4, v1 = 3 + v0 => v0 = 2 + v0/2 => v0 = 4, v1 = 7
    const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 1.0);
    CHECK(v(0) == Approx(4.0).epsilon(1e-12));
    CHECK(v(1) == Approx(7.0).epsilon(1e-12));
    // Q(0,0) = 1/2*(1 + 4) + 1/2*(0 + 7) = 6;  Q(0,1) = 2
    // Q(1,0) = 3 + 4 = 7;  Q(1,1) = 1/2*0 + 1/2*(-1 + 7) = 3
    const Eigen::MatrixXd q = rlvalue::q_from_v(m, v, 1.0);
    CHECK(q(0, 0) == Approx(6.0).epsilon(1e-12));
    CHECK(q(0, 1) == Approx(2.0).epsilon(1e-12));
    CHECK(q(1, 0) == Approx(7.0).epsilon(1e-12));
    CHECK(q(1, 1) == Approx(3.0).epsilon(1e-12));
  }
  SECTION("another policy, gamma = 1: always action 1") {
    // v0 = 2;  v1 = 1/2*0 + 1/2*(-1 + v1) => v1 = -1
    Eigen::MatrixXd pi1(2, 2);
    pi1 << 0.0, 1.0, 0.0, 1.0;
    const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi1, 1.0);
    CHECK(v(0) == Approx(2.0).epsilon(1e-12));
    CHECK(v(1) == Approx(-1.0).epsilon(1e-12));
  }
  SECTION("gamma = 0: the expected one-step reward") {
    const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 0.0);
    CHECK(v(0) == Approx(1.25).epsilon(1e-12));
    CHECK(v(1) == Approx(3.0).epsilon(1e-12));
    const Eigen::MatrixXd r = rlvalue::expected_reward(m);
    CHECK(r(0, 0) == Approx(0.5).epsilon(1e-12));
    CHECK(r(0, 1) == Approx(2.0).epsilon(1e-12));
    CHECK(r(1, 0) == Approx(3.0).epsilon(1e-12));
    CHECK(r(1, 1) == Approx(-0.5).epsilon(1e-12));
  }
  SECTION("the FinitePolicy overload reads probabilities(s)") {
    const MatrixPolicy policy{pi};
    const Eigen::VectorXd v = rlvalue::evaluate_policy(m, policy, 0.5);
    CHECK(v(0) == Approx(2.0).epsilon(1e-12));
    CHECK(v(1) == Approx(4.0).epsilon(1e-12));
  }
  SECTION("both solvers give the hand-worked values") {
    for (const auto solver : {LinearSolver::dense, LinearSolver::sparse}) {
      const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 1.0, {.solver = solver});
      CHECK(v(0) == Approx(4.0).epsilon(1e-12));
      CHECK(v(1) == Approx(7.0).epsilon(1e-12));
    }
  }
}

TEST_CASE("evaluate_policy: a policy that never terminates with gamma = 1 is singular",
          "[mdp][evaluate][errors]") {
  const auto m = hand_mdp();
  Eigen::MatrixXd pi(2, 2);
  pi << 1.0, 0.0, 1.0, 0.0;  // 0 -> {0, 1}, 1 -> 0: never terminates
  for (const auto solver : {LinearSolver::dense, LinearSolver::sparse}) {
    REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, pi, 1.0, {.solver = solver}),
                           std::invalid_argument,
                           Contains("evaluate_policy: gamma = 1 but the policy never terminates "
                                    "from state 0"));
  }
  // Discounting makes the same system solvable:
  // v1 = 3 + 0.5 v0, v0 = 0.5 + 0.5*(v0/2 + v1/2) = 1.25 + 0.375 v0 => v0 = 2, v1 = 4.
  const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 0.5);
  CHECK(v(0) == Approx(2.0).epsilon(1e-12));
  CHECK(v(1) == Approx(4.0).epsilon(1e-12));
}

TEST_CASE("evaluate_policy: dense and sparse solvers agree on a Garnet MDP", "[mdp][evaluate]") {
  auto rng = rlvalue::make_rng(2024);
  const auto m = rlvalue::random_mdp(60, 3, 5, rng, {.termination_probability = 0.05});
  const Eigen::MatrixXd pi = random_policy(60, 3, rng);
  for (const double gamma : {0.0, 0.9, 0.99, 1.0}) {
    const Eigen::VectorXd dense =
        rlvalue::evaluate_policy(m, pi, gamma, {.solver = LinearSolver::dense});
    const Eigen::VectorXd sparse =
        rlvalue::evaluate_policy(m, pi, gamma, {.solver = LinearSolver::sparse});
    // The automatic choice with a low threshold takes the sparse path.
    const Eigen::VectorXd automatic =
        rlvalue::evaluate_policy(m, pi, gamma, {.max_dense_states = 10});
    INFO("gamma = " << gamma);
    CHECK((dense - sparse).lpNorm<Eigen::Infinity>() < 1e-9);
    CHECK((dense - automatic).lpNorm<Eigen::Infinity>() < 1e-9);
    // Both satisfy the Bellman equation v = sum_a pi(a|s) q(s, a) to 1e-9.
    const Eigen::VectorXd backup =
        (pi.array() * rlvalue::q_from_v(m, dense, gamma).array()).rowwise().sum();
    CHECK((backup - dense).lpNorm<Eigen::Infinity>() < 1e-9);
  }
}

TEST_CASE("evaluate_policy and q_from_v with state-dependent actions", "[mdp][evaluate]") {
  // State 0 has one action (to 1, r = 1), state 1 has two (terminal r = 2 or 4).
  TabularMDP<>::Builder b(2, 2);
  b.set_num_actions(0, 1);
  b.add(0, 0, 1, 1.0, 1.0).add(1, 0, 1, 1.0, 2.0, true).add(1, 1, 1, 1.0, 4.0, true);
  const auto m = std::move(b).build();
  Eigen::MatrixXd pi(2, 2);
  pi << 1.0, 0.0, 0.25, 0.75;
  // v1 = 0.25*2 + 0.75*4 = 3.5, v0 = 1 + 0.9*3.5 = 4.15
  const Eigen::VectorXd v = rlvalue::evaluate_policy(m, pi, 0.9);
  CHECK(v(1) == Approx(3.5).epsilon(1e-12));
  CHECK(v(0) == Approx(4.15).epsilon(1e-12));
  const Eigen::MatrixXd q = rlvalue::q_from_v(m, v, 0.9);
  CHECK(q(0, 1) == -std::numeric_limits<double>::infinity());
  CHECK(q(0, 0) == Approx(4.15).epsilon(1e-12));

  pi << 0.5, 0.5, 0.25, 0.75;
  REQUIRE_THROWS_MATCHES(
      rlvalue::evaluate_policy(m, pi, 0.9), std::invalid_argument,
      Contains("policy(0, 1) = 0.5 puts probability on an action not available"));
}

TEST_CASE("evaluate_policy and q_from_v reject bad input", "[mdp][evaluate][errors]") {
  const auto m = hand_mdp();
  const auto pi = hand_policy();
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, pi, 1.5), std::invalid_argument,
                         Contains("evaluate_policy: gamma = 1.5 is outside [0, 1]"));
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, pi, -0.1), std::invalid_argument,
                         Contains("gamma = -0.1"));
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, Eigen::MatrixXd::Constant(3, 2, 0.5), 0.5),
                         std::invalid_argument, Contains("policy rows has size 3, expected 2"));
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, Eigen::MatrixXd::Constant(2, 4, 0.25), 0.5),
                         std::invalid_argument, Contains("policy cols has size 4, expected 2"));
  Eigen::MatrixXd bad = pi;
  bad(0, 1) = -0.5;
  bad(0, 0) = 1.5;
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, bad, 0.5), std::invalid_argument,
                         Contains("policy(0, 0) = 1.5 is outside [0, 1]"));
  bad = pi;
  bad(1, 0) = 0.5;
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, bad, 0.5), std::invalid_argument,
                         Contains("sum of policy(1, :) = 0.5 must be 1"));
  bad(1, 0) = std::numeric_limits<double>::quiet_NaN();
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, bad, 0.5), std::invalid_argument,
                         Contains("policy(1, 0) = nan"));
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, pi, 0.5, {.policy_tolerance = 0.0}),
                         std::invalid_argument, Contains("policy_tolerance = 0"));
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, pi, 0.5, {.max_dense_states = 0}),
                         std::invalid_argument, Contains("max_dense_states = 0"));

  const MatrixPolicy wide{Eigen::MatrixXd::Constant(2, 3, 1.0 / 3.0)};
  REQUIRE_THROWS_MATCHES(rlvalue::evaluate_policy(m, wide, 0.5), std::invalid_argument,
                         Contains("policy.num_actions() has size 3, expected 2"));

  REQUIRE_THROWS_MATCHES(rlvalue::q_from_v(m, Eigen::VectorXd::Zero(3), 0.5), std::invalid_argument,
                         Contains("q_from_v: v has size 3, expected 2"));
  REQUIRE_THROWS_MATCHES(rlvalue::q_from_v(m, Eigen::VectorXd::Zero(2), 2.0), std::invalid_argument,
                         Contains("q_from_v: gamma = 2 is outside [0, 1]"));
}
