// BatchTD and BatchMonteCarlo: one hand-worked sweep each (increments with v
// held fixed), termination vs truncation, convergence to the certainty-
// equivalence estimate (TD) and to sample-average returns (MC) computed
// directly, bookkeeping and bad input.

#include "rlvalue/learners/batch.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_v.hpp"

using rlvalue::BatchMonteCarlo;
using rlvalue::BatchTD;
using rlvalue::Index;
using rlvalue::TabularV;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<BatchTD<TabularV<double>>, TabularV<double>&&, rlvalue::BatchConfig>);

TEMPLATE_TEST_CASE("BatchTD: one sweep, increments computed with v held fixed",
                   "[learners][batch]", float, double) {
  using T = TestType;
  TabularV<T> v(3);
  v.set_value(0, T(0.2));
  v.set_value(1, T(0.4));
  v.set_value(2, T(1.0));
  BatchTD<TabularV<T>> batch(v, {.gamma = 1.0, .step_size = 0.1, .max_sweeps = 1});
  batch.add({.state = 0, .reward = T(1), .next_state = 1});
  batch.add({.state = 1, .reward = T(0), .next_state = 2, .terminated = true});
  batch.add({.state = 0, .reward = T(0), .next_state = 1});
  batch.add({.state = 2, .reward = T(0), .next_state = 0, .truncated = true});
  CHECK(batch.num_transitions() == 4);
  CHECK(batch.num_episodes() == 2);
  // Errors with v fixed: e1 = 1 + 0.4 - 0.2 = 1.2; e2 = 0 - 0.4 = -0.4 (terminated);
  // e3 = 0 + 0.4 - 0.2 = 0.2; e4 = 0 + 0.2 - 1.0 = -0.8 (truncated: bootstraps).
  // v0 += 0.1*(1.2 + 0.2) = 0.34; v1 += 0.1*(-0.4) = 0.36; v2 += 0.1*(-0.8) = 0.92.
  // Change = 0.14 + 0.04 + 0.08 = 0.26. (Applying the steps one by one with
  // fresh values would give v0 = 0.2 + 0.12 + 0.1*(0.4 - 0.32) = 0.328.)
  const rlvalue::BatchTrainResult result = batch.train();
  CHECK(result.sweeps == 1);
  CHECK_FALSE(result.converged);
  CHECK(result.change == Approx(0.26).epsilon(1e-5));
  CHECK(batch.value(0) == Approx(0.34).epsilon(1e-6));
  CHECK(batch.value(1) == Approx(0.36).epsilon(1e-6));
  CHECK(batch.value(2) == Approx(0.92).epsilon(1e-6));
}

TEMPLATE_TEST_CASE("BatchMonteCarlo: one sweep over complete episodes", "[learners][batch]", float,
                   double) {
  using T = TestType;
  TabularV<T> v(3);
  v.set_value(0, T(0.2));
  v.set_value(1, T(0.4));
  v.set_value(2, T(1.0));
  BatchMonteCarlo<TabularV<T>> batch(v, {.gamma = 0.5, .step_size = 0.1, .max_sweeps = 1});
  // Episode 1 (terminated): 0 -r1-> 1 -r0-> end.   Returns: G = 1 + 0.5*0 = 1, 0.
  batch.add({.state = 0, .reward = T(1), .next_state = 1});
  batch.add({.state = 1, .reward = T(0), .next_state = 2, .terminated = true});
  // Episode 2 (truncated at s2, v(s2) = 1): 1 -r2-> 2.   Return: 2 + 0.5*1 = 2.5.
  batch.add({.state = 1, .reward = T(2), .next_state = 2, .truncated = true});
  // Open episode: waits.
  batch.add({.state = 2, .reward = T(5), .next_state = 0});
  CHECK(batch.pending_steps() == 1);
  CHECK(batch.num_episodes() == 2);
  // Errors: s0: 1 - 0.2 = 0.8; s1: 0 - 0.4 = -0.4 and 2.5 - 0.4 = 2.1.
  // v0 = 0.2 + 0.08 = 0.28; v1 = 0.4 + 0.1*1.7 = 0.57; v2 unchanged (open episode).
  const auto result = batch.train();
  CHECK(result.sweeps == 1);
  CHECK(result.change == Approx(0.25).epsilon(1e-5));
  CHECK(batch.value(0) == Approx(0.28).epsilon(1e-6));
  CHECK(batch.value(1) == Approx(0.57).epsilon(1e-6));
  CHECK(batch.value(2) == T(1));
  // Discarding the open episode leaves the complete ones.
  batch.discard_episode();
  CHECK(batch.pending_steps() == 0);
  CHECK(batch.num_transitions() == 3);
}

TEST_CASE("Batch TD and batch MC converge to certainty equivalence and sample averages",
          "[learners][batch][convergence]") {
  // 30 random-walk episodes (seed 2024), gamma = 1. Exact answers from the data:
  //   TD: V = (I - P^)^-1 r^ with P^, r^ the empirical model (terminal = 0);
  //   MC: V(s) = mean of the every-visit returns from s.
  rlvalue::Rng rng = rlvalue::make_rng(2024);
  std::vector<rlvalue::Transition<>> data;
  std::vector<std::vector<rlvalue::Transition<>>> episodes;
  for (int i = 0; i < 30; ++i) {
    episodes.push_back(rlvalue_test::random_walk_episode<double>(rng));
    data.insert(data.end(), episodes.back().begin(), episodes.back().end());
  }
  Eigen::MatrixXd counts = Eigen::MatrixXd::Zero(5, 5);
  Eigen::VectorXd visits = Eigen::VectorXd::Zero(5), reward_sum = Eigen::VectorXd::Zero(5);
  for (const auto& t : data) {
    visits(t.state) += 1;
    reward_sum(t.state) += t.reward;
    if (!t.terminated) counts(t.state, t.next_state) += 1;
  }
  REQUIRE(visits.minCoeff() > 0);
  Eigen::MatrixXd p_hat = visits.cwiseInverse().asDiagonal() * counts;
  Eigen::VectorXd r_hat = reward_sum.cwiseQuotient(visits);
  const Eigen::VectorXd certainty_equivalence =
      (Eigen::MatrixXd::Identity(5, 5) - p_hat).partialPivLu().solve(r_hat);
  Eigen::VectorXd return_sum = Eigen::VectorXd::Zero(5);
  for (const auto& ep : episodes) {
    double g = 0.0;
    for (std::size_t i = ep.size(); i-- > 0;) {
      g += ep[i].reward;
      return_sum(ep[i].state) += g;
    }
  }
  const Eigen::VectorXd sample_average = return_sum.cwiseQuotient(visits);

  // alpha * (max visits) < 1 keeps the summed sweep stable.
  const double alpha = 0.5 / visits.maxCoeff();
  const rlvalue::BatchConfig config{.gamma = 1.0, .step_size = alpha, .tolerance = 1e-13,
                                    .max_sweeps = 1000000};
  TabularV<double> v_td(5, -1.0), v_mc(5, -1.0);  // the book's reproduction starts at -1
  BatchTD<TabularV<double>> td(v_td, config);
  BatchMonteCarlo<TabularV<double>> mc(v_mc, config);
  for (const auto& t : data) {
    td.add(t);
    mc.add(t);
  }
  const auto td_result = td.train();
  const auto mc_result = mc.train();
  CHECK(td_result.converged);
  CHECK(mc_result.converged);
  CHECK(td_result.sweeps > 10);
  CHECK(td_result.change < 1e-13);
  for (Index s = 0; s < 5; ++s) {
    INFO("state " << s);
    CHECK(td.value(s) == Approx(certainty_equivalence(s)).margin(1e-9));
    CHECK(mc.value(s) == Approx(sample_average(s)).margin(1e-9));
  }
  // The two answers differ on this data (Example 6.4): the test distinguishes them.
  CHECK((certainty_equivalence - sample_average).cwiseAbs().maxCoeff() > 1e-3);

  // With a budget of 3 sweeps, training stops unconverged after 3.
  TabularV<double> v_short(5, -1.0);
  BatchTD<TabularV<double>> short_td(v_short, {.gamma = 1.0, .step_size = alpha, .max_sweeps = 3});
  for (const auto& t : data) short_td.add(t);
  const auto short_result = short_td.train();
  CHECK(short_result.sweeps == 3);
  CHECK_FALSE(short_result.converged);
}

TEST_CASE("Batch learners: bookkeeping and bad input", "[learners][batch][errors]") {
  TabularV<double> v(3, 0.5);
  BatchTD<TabularV<double>> td(v, {});
  CHECK(td.config().step_size == 0.001);
  CHECK(td.config().tolerance == 1e-3);
  const auto empty = td.train();  // nothing recorded: converged, zero sweeps
  CHECK(empty.sweeps == 0);
  CHECK(empty.converged);

  td.add({.state = 0, .reward = 1.0, .next_state = 1});
  CHECK(thrown_message<std::out_of_range>([&] { td.add({.state = 3, .reward = 0.0, .next_state = 1}); }) ==
        "BatchTD::add: state = 3 is out of range [0, 3)");
  CHECK(thrown_message<std::out_of_range>([&] { td.add({.state = 0, .reward = 0.0, .next_state = 5}); }) ==
        "BatchTD::add: next_state = 5 is out of range [0, 3)");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { td.add({.state = 0, .reward = std::numeric_limits<double>::infinity(), .next_state = 1}); }) ==
        "BatchTD::add: reward = inf is not finite");
  CHECK(td.num_transitions() == 1);
  // BatchTD takes transitions in any order (no episode structure needed).
  CHECK_NOTHROW(td.add({.state = 2, .reward = 0.0, .next_state = 1}));
  td.clear();
  CHECK(td.num_transitions() == 0);

  BatchMonteCarlo<TabularV<double>> mc(v, {});
  mc.add({.state = 0, .reward = 1.0, .next_state = 1});
  CHECK(contains(thrown_message<std::invalid_argument>([&] { mc.add({.state = 2, .reward = 0.0, .next_state = 1}); }),
                 "BatchMonteCarlo::add: state = 2 does not continue the pending episode (its last next_state = 1)"));
  CHECK(mc.num_transitions() == 1);

  // Divergence (step size far too large): train throws and restores the parameters.
  TabularV<double> w(2, 0.0);
  w.set_value(1, 3.0);
  BatchTD<TabularV<double>> diverging(w, {.gamma = 1.0, .step_size = 1000.0, .max_sweeps = 100000});
  for (int i = 0; i < 10; ++i) {
    diverging.add({.state = 0, .reward = 1.0, .next_state = 1});
    diverging.add({.state = 1, .reward = 0.0, .next_state = 0});
  }
  const Eigen::VectorXd before = w.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] { (void)diverging.train(); }),
                 "BatchTD::train: sweep = "));
  CHECK(w.parameters() == before);

  CHECK(thrown_message<std::invalid_argument>([&] { BatchTD<TabularV<double>>(v, {.gamma = 1.1}); }) ==
        "BatchTD: gamma = 1.1 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { BatchTD<TabularV<double>>(v, {.step_size = 0.0}); }) ==
        "BatchTD: step_size = 0 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] { BatchMonteCarlo<TabularV<double>>(v, {.tolerance = -1.0}); }) ==
        "BatchMonteCarlo: tolerance = -1 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>([&] { BatchMonteCarlo<TabularV<double>>(v, {.max_sweeps = 0}); }) ==
        "BatchMonteCarlo: max_sweeps = 0 must be at least 1");
}
