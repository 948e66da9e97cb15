#include "rlvalue/mdp/random_mdp.hpp"

#include <cmath>
#include <random>
#include <set>
#include <stdexcept>
#include <vector>

#include "catch.hpp"
#include "mdp/matchers.hpp"
#include "rlvalue/core/rng.hpp"

using rlvalue::Index;
using rlvalue_test::Contains;

namespace {

bool same_mdp(const rlvalue::TabularMDP<>& x, const rlvalue::TabularMDP<>& y) {
  if (x.num_states() != y.num_states() || x.num_actions() != y.num_actions()) return false;
  for (Index s = 0; s < x.num_states(); ++s)
    for (Index a = 0; a < x.num_actions(); ++a) {
      const auto ox = x.outcomes(s, a);
      const auto oy = y.outcomes(s, a);
      if (ox.size() != oy.size()) return false;
      for (std::size_t i = 0; i < ox.size(); ++i)
        if (ox[i].next_state != oy[i].next_state || ox[i].probability != oy[i].probability ||
            ox[i].reward != oy[i].reward || ox[i].terminal != oy[i].terminal)
          return false;
    }
  return true;
}

}  // namespace

TEST_CASE("random_mdp is deterministic given the seed", "[mdp][random_mdp]") {
  auto rng1 = rlvalue::make_rng(42);
  auto rng2 = rlvalue::make_rng(42);
  auto rng3 = rlvalue::make_rng(43);
  const auto m1 = rlvalue::random_mdp(30, 4, 5, rng1);
  const auto m2 = rlvalue::random_mdp(30, 4, 5, rng2);
  const auto m3 = rlvalue::random_mdp(30, 4, 5, rng3);
  CHECK(same_mdp(m1, m2));
  CHECK_FALSE(same_mdp(m1, m3));
  // The generator advanced: the next draw differs from the first.
  CHECK_FALSE(same_mdp(m1, rlvalue::random_mdp(30, 4, 5, rng1)));
  // Any uniform random bit generator works, also 32-bit ones.
  std::mt19937 g32a(5), g32b(5);
  CHECK(same_mdp(rlvalue::random_mdp(10, 2, 3, g32a), rlvalue::random_mdp(10, 2, 3, g32b)));
}

TEST_CASE("random_mdp has the Garnet structure", "[mdp][random_mdp]") {
  auto rng = rlvalue::make_rng(1);
  const Index S = 25, A = 3, b = 4;
  const auto m = rlvalue::random_mdp(S, A, b, rng, {.reward_min = 2.0, .reward_max = 3.0});
  REQUIRE(m.num_states() == S);
  REQUIRE(m.num_actions() == A);
  for (Index s = 0; s < S; ++s)
    for (Index a = 0; a < A; ++a) {
      const auto outs = m.outcomes(s, a);
      REQUIRE(static_cast<Index>(outs.size()) == b);
      std::set<Index> successors;
      double sum = 0.0;
      for (const auto& o : outs) {
        successors.insert(o.next_state);
        sum += o.probability;
        CHECK(o.probability > 0.0);
        CHECK(o.reward >= 2.0);
        CHECK(o.reward < 3.0);
        CHECK_FALSE(o.terminal);
      }
      CHECK(static_cast<Index>(successors.size()) == b);  // distinct
      CHECK(sum == Approx(1.0).margin(1e-12));
    }
  // b = S: every state is a successor; b = 1: deterministic.
  const auto full = rlvalue::random_mdp(6, 2, 6, rng);
  CHECK(full.outcomes(3, 1).size() == 6);
  const auto det = rlvalue::random_mdp(6, 2, 1, rng);
  REQUIRE(det.outcomes(3, 1).size() == 1);
  CHECK(det.outcomes(3, 1)[0].probability == 1.0);
  // Equal bounds give a constant reward.
  const auto flat = rlvalue::random_mdp(5, 2, 2, rng, {.reward_min = -0.5, .reward_max = -0.5});
  for (Index s = 0; s < 5; ++s) CHECK(flat.outcomes(s, 0)[1].reward == -0.5);
}

TEST_CASE("random_mdp successors and probabilities are uniform", "[mdp][random_mdp]") {
  // 10 states, 500 actions, b = 3: each state is a successor of a given (s, a)
  // with probability 3/10, so it is counted Binomial(5000, 0.3) times:
  // mean 1500, sd 32.4; we allow 5 sd. A probability gap of a uniform
  // 3-partition is Beta(1, 2): mean 1/3, sd 0.236, so the mean over 5000
  // first gaps has sd 0.0033; we allow 0.017 (5 sd).
  auto rng = rlvalue::make_rng(99);
  const auto m = rlvalue::random_mdp(10, 500, 3, rng);
  std::vector<int> counts(10, 0);
  double first_gap = 0.0, reward_sum = 0.0;
  for (Index s = 0; s < 10; ++s)
    for (Index a = 0; a < 500; ++a) {
      const auto outs = m.outcomes(s, a);
      first_gap += outs[0].probability;
      for (const auto& o : outs) {
        ++counts[static_cast<std::size_t>(o.next_state)];
        reward_sum += o.reward;
      }
    }
  for (const int c : counts) CHECK(std::abs(c - 1500) < 162);
  CHECK(first_gap / 5000.0 == Approx(1.0 / 3.0).margin(0.017));
  // Rewards U[-1, 1): mean 0, sd 0.577, mean of 15000 has sd 0.0047.
  CHECK(reward_sum / 15000.0 == Approx(0.0).margin(0.024));
}

TEST_CASE("random_mdp with a termination probability", "[mdp][random_mdp]") {
  auto rng = rlvalue::make_rng(3);
  const auto m = rlvalue::random_mdp(8, 2, 3, rng, {.termination_probability = 0.25});
  for (Index s = 0; s < 8; ++s)
    for (Index a = 0; a < 2; ++a) {
      const auto outs = m.outcomes(s, a);
      REQUIRE(outs.size() == 4);
      double non_terminal = 0.0;
      for (std::size_t i = 0; i < 3; ++i) {
        CHECK_FALSE(outs[i].terminal);
        non_terminal += outs[i].probability;
      }
      CHECK(non_terminal == Approx(0.75).margin(1e-12));
      CHECK(outs[3].terminal);
      CHECK(outs[3].probability == 0.25);
      CHECK(outs[3].next_state == s);
    }
}

TEST_CASE("random_mdp rejects bad input", "[mdp][random_mdp][errors]") {
  auto rng = rlvalue::make_rng(0);
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(0, 2, 1, rng), std::invalid_argument,
                         Contains("random_mdp: num_states = 0 must be at least 1"));
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(5, 0, 1, rng), std::invalid_argument,
                         Contains("random_mdp: num_actions = 0 must be at least 1"));
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(5, 2, 0, rng), std::invalid_argument,
                         Contains("random_mdp: branching = 0 is outside [1, 5]"));
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(5, 2, 6, rng), std::invalid_argument,
                         Contains("branching = 6 is outside [1, 5]"));
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(5, 2, 2, rng, {.reward_min = 1.0, .reward_max = 0.0}),
                         std::invalid_argument,
                         Contains("reward_min = 1 must not exceed reward_max = 0"));
  REQUIRE_THROWS_MATCHES(
      rlvalue::random_mdp(5, 2, 2, rng, {.reward_max = std::numeric_limits<double>::infinity()}),
      std::invalid_argument, Contains("reward_max = inf is not finite"));
  REQUIRE_THROWS_MATCHES(
      rlvalue::random_mdp(5, 2, 2, rng, {.reward_min = std::numeric_limits<double>::quiet_NaN()}),
      std::invalid_argument, Contains("reward_min = nan"));
  REQUIRE_THROWS_MATCHES(rlvalue::random_mdp(5, 2, 2, rng, {.termination_probability = 1.5}),
                         std::invalid_argument,
                         Contains("termination_probability = 1.5 is outside [0, 1]"));
}
