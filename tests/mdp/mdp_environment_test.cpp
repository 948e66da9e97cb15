#include "rlvalue/mdp/mdp_environment.hpp"

#include <Eigen/Core>
#include <random>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/mdp/random_mdp.hpp"
#include "rlvalue/mdp/tabular_mdp.hpp"

using rlvalue::Index;
using rlvalue::MDPEnvironment;
using rlvalue::TabularMDP;
using rlvalue_test::Contains;

static_assert(rlvalue::Environment<MDPEnvironment<TabularMDP<>>>);
static_assert(rlvalue::Environment<MDPEnvironment<const TabularMDP<>&>>);

namespace {

// Pearson's chi-square statistic of observed counts against probabilities.
double chi_square(const std::vector<double>& counts, const std::vector<double>& probs, double n) {
  double stat = 0.0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    const double expected = n * probs[i];
    stat += (counts[i] - expected) * (counts[i] - expected) / expected;
  }
  return stat;
}

TabularMDP<> chain3() {
  // 0 -> 1 -> 2 -> end, reward = state index + 1; action 1 ends at once with r = 10.
  TabularMDP<>::Builder b(3, 2);
  for (Index s = 0; s < 3; ++s) {
    b.add(s, 0, s < 2 ? s + 1 : s, 1.0, static_cast<double>(s + 1), s == 2);
    b.add(s, 1, s, 1.0, 10.0, true);
  }
  return std::move(b).build();
}

}  // namespace

TEST_CASE("MDPEnvironment samples outcomes with their probabilities", "[mdp][mdp_environment]") {
  auto rng = rlvalue::make_rng(11);
  const auto m = rlvalue::random_mdp(20, 2, 6, rng);
  const Index s = 3, a = 1;
  const auto outs = m.outcomes(s, a);
  std::vector<double> probs;
  for (const auto& o : outs) probs.push_back(o.probability);
  const double n = 100000.0;
  // Pearson's test needs expected counts >= 5 in each cell.
  for (const double p : probs) REQUIRE(n * p >= 5.0);

  MDPEnvironment env(m, Index(0));
  std::vector<double> counts(outs.size(), 0.0);
  int mismatches = 0;
  for (int i = 0; i < 100000; ++i) {
    env.reset_to(s);
    const auto step = env.step(a, rng);
    // Successors are distinct, so next_state identifies the outcome.
    std::size_t k = 0;
    while (k < outs.size() && outs[k].next_state != step.next_state) ++k;
    if (k == outs.size() || step.reward != outs[k].reward || step.terminated != outs[k].terminal ||
        step.truncated) {
      ++mismatches;
      continue;
    }
    counts[k] += 1.0;
  }
  REQUIRE(mismatches == 0);
  // 6 outcomes: 5 degrees of freedom; the chi-square critical value at
  // p = 0.001 is 20.515.
  CHECK(chi_square(counts, probs, n) < 20.515);
}

TEST_CASE("MDPEnvironment draws start states from the start distribution",
          "[mdp][mdp_environment]") {
  Eigen::VectorXd start(3);
  start << 0.2, 0.0, 0.8;
  MDPEnvironment env(chain3(), start);
  auto rng = rlvalue::make_rng(5);
  std::vector<double> counts(3, 0.0);
  for (int i = 0; i < 50000; ++i) counts[static_cast<std::size_t>(env.reset(rng))] += 1.0;
  CHECK(counts[1] == 0.0);
  // Two cells with positive probability: 1 degree of freedom; the
  // chi-square critical value at p = 0.001 is 10.828.
  CHECK(chi_square({counts[0], counts[2]}, {0.2, 0.8}, 50000.0) < 10.828);
}

TEST_CASE("MDPEnvironment runs episodes", "[mdp][mdp_environment]") {
  const auto m = chain3();
  MDPEnvironment<const TabularMDP<>&> env(m, Index(0));  // by reference
  CHECK(&env.mdp() == &m);
  std::mt19937 rng(1);  // a 32-bit generator works too
  CHECK_FALSE(env.in_episode());
  REQUIRE(env.reset(rng) == 0);
  CHECK(env.in_episode());
  auto step = env.step(0, rng);
  CHECK(step.next_state == 1);
  CHECK(step.reward == 1.0);
  CHECK_FALSE(step.terminated);
  step = env.step(0, rng);
  CHECK(step.next_state == 2);
  CHECK(step.reward == 2.0);
  step = env.step(0, rng);
  CHECK(step.reward == 3.0);
  CHECK(step.terminated);
  CHECK_FALSE(step.truncated);
  CHECK_FALSE(env.in_episode());
  REQUIRE_THROWS_MATCHES(env.step(0, rng), std::logic_error, Contains("call reset first"));

  env.reset_to(1);
  step = env.step(1, rng);
  CHECK(step.terminated);
  CHECK(step.reward == 10.0);
  CHECK(step.next_state == 1);
}

TEST_CASE("MDPEnvironment rejects bad input", "[mdp][mdp_environment][errors]") {
  const auto m = chain3();
  REQUIRE_THROWS_MATCHES(MDPEnvironment(m, Index(3)), std::out_of_range,
                         Contains("MDPEnvironment: start_state = 3 is out of range [0, 3)"));
  REQUIRE_THROWS_MATCHES(MDPEnvironment(m, Eigen::VectorXd::Constant(2, 0.5)),
                         std::invalid_argument,
                         Contains("start_distribution has size 2, expected 3"));
  Eigen::VectorXd start(3);
  start << 0.5, -0.5, 1.0;
  REQUIRE_THROWS_MATCHES(MDPEnvironment(m, start), std::invalid_argument,
                         Contains("start_distribution(1) = -0.5 is outside [0, 1]"));
  start << 0.5, 0.25, 0.0;
  REQUIRE_THROWS_MATCHES(MDPEnvironment(m, start), std::invalid_argument,
                         Contains("sum of start_distribution = 0.75 must be 1"));

  MDPEnvironment env(m, Index(0));
  auto rng = rlvalue::make_rng(0);
  REQUIRE_THROWS_MATCHES(env.step(0, rng), std::logic_error, Contains("call reset first"));
  env.reset(rng);
  REQUIRE_THROWS_MATCHES(
      env.step(2, rng), std::out_of_range,
      Contains("MDPEnvironment::step (state = 0): action = 2 is out of range [0, 2)"));
  REQUIRE_THROWS_MATCHES(env.step(-1, rng), std::out_of_range, Contains("action = -1"));
  REQUIRE_THROWS_MATCHES(env.reset_to(-2), std::out_of_range,
                         Contains("MDPEnvironment::reset_to: state = -2 is out of range [0, 3)"));
  // A failed step leaves the episode as it was.
  CHECK(env.state() == 0);
  CHECK(env.in_episode());
}
