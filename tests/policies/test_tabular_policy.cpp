// TabularPolicy and policy_matrix.

#include <Eigen/Core>
#include <stdexcept>

#include "catch.hpp"

#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/policies/policy_matrix.hpp"
#include "rlvalue/policies/tabular_policy.hpp"

using rlvalue::Index;

static_assert(rlvalue::FinitePolicy<rlvalue::TabularPolicy>);

TEST_CASE("TabularPolicy: probabilities and sampling", "[policies][tabular_policy]") {
  Eigen::MatrixXd p(2, 3);
  p << 0.2, 0.0, 0.8,  //
      0.5, 0.25, 0.25;
  rlvalue::TabularPolicy policy(p);
  CHECK(policy.num_states() == 2);
  CHECK(policy.num_actions() == 3);
  CHECK(policy.probabilities(0) == p.row(0).transpose());
  CHECK(policy.probabilities(1) == p.row(1).transpose());

  rlvalue::Rng rng = rlvalue::make_rng(8);
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(3);
  const int n = 100000;
  for (int i = 0; i < n; ++i) counts[policy.action(1, rng)] += 1.0;
  // std of a frequency <= 0.0016; tolerance 0.008.
  CHECK(counts[0] / n == Approx(0.5).margin(0.008));
  CHECK(counts[1] / n == Approx(0.25).margin(0.008));
  CHECK(counts[2] / n == Approx(0.25).margin(0.008));
  for (int i = 0; i < 1000; ++i) CHECK(policy.action(0, rng) != 1);  // zero probability
}

TEST_CASE("TabularPolicy: uniform", "[policies][tabular_policy]") {
  auto policy = rlvalue::TabularPolicy::uniform(3, 4);
  CHECK(policy.probabilities(2) == Eigen::VectorXd::Constant(4, 0.25));
}

TEST_CASE("TabularPolicy: bad input", "[policies][tabular_policy][errors]") {
  Eigen::MatrixXd p(2, 2);
  p << 0.5, 0.5, 0.6, 0.3;
  CHECK_THROWS_AS(rlvalue::TabularPolicy(p), std::invalid_argument);
  CHECK_THROWS_WITH(rlvalue::TabularPolicy(p), RLV_CONTAINS("sum of row 1"));
  p << 0.5, 0.5, 1.5, -0.5;  // sums to 1 but entries outside [0, 1]
  CHECK_THROWS_WITH(rlvalue::TabularPolicy(p), RLV_CONTAINS("probabilities(1, 0) = 1.5"));
  p << 0.5, 0.5, 0.5, 0.5 + 1e-12;  // within tolerance
  CHECK_NOTHROW(rlvalue::TabularPolicy(p));
  p << 0.5, 0.5, 0.5, 0.5 + 1e-8;
  CHECK_THROWS_AS(rlvalue::TabularPolicy(p), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::TabularPolicy(Eigen::MatrixXd(0, 2)), std::invalid_argument);

  auto policy = rlvalue::TabularPolicy::uniform(2, 2);
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_AS(policy.action(2, rng), std::out_of_range);
  CHECK_THROWS_AS(policy.probabilities(-1), std::out_of_range);
}

TEST_CASE("policy_matrix: rows are the policy's probabilities", "[policies][policy_matrix]") {
  rlvalue::TabularQ<double> q(2, 3);
  q.set_value(0, 2, 1.0);
  q.set_value(1, 0, 1.0);
  q.set_value(1, 1, 1.0);
  rlvalue::EpsilonGreedy policy(q, 0.3);
  Eigen::MatrixXd expected(2, 3);
  expected << 0.1, 0.1, 0.8,  //
      0.45, 0.45, 0.1;
  const Eigen::MatrixXd m = rlvalue::policy_matrix(policy, 2);
  CHECK(m.isApprox(expected, 1e-15));

  Eigen::MatrixXd p(2, 2);
  p << 0.25, 0.75, 1.0, 0.0;
  rlvalue::TabularPolicy tabular(p);
  CHECK(rlvalue::policy_matrix(tabular, 2) == p);
  CHECK_THROWS_AS(rlvalue::policy_matrix(tabular, 3), std::out_of_range);
  CHECK_THROWS_AS(rlvalue::policy_matrix(tabular, 0), std::invalid_argument);
}
