// MonteCarlo: hand-worked episodes (every- and first-visit, terminated and
// truncated, bootstrap read before updates), sample-average property,
// convergence on the random walk, episode bookkeeping, bad input.

#include "rlvalue/learners/monte_carlo.hpp"

#include <cmath>
#include <limits>
#include <map>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "catch.hpp"
#include "learner_test_support.hpp"
#include "rlvalue/approx/tabular_v.hpp"

using rlvalue::Index;
using rlvalue::MonteCarlo;
using rlvalue::MonteCarloVisits;
using rlvalue::StepSchedule;
using rlvalue::TabularV;
using rlvalue_test::contains;
using rlvalue_test::thrown_message;

static_assert(!std::is_constructible_v<MonteCarlo<TabularV<double>>, TabularV<double>&&,
                                       rlvalue::MonteCarloConfig>);

// The episode used by the hand-worked cases, gamma = 0.5:
//   s0 --r=1--> s1 --r=2--> s0 --r=4--> (end at s2)
template <class T>
void feed_first_two_steps(MonteCarlo<TabularV<T>>& mc) {
  CHECK(mc.update({.state = 0, .reward = T(1), .next_state = 1}) == T(0));
  CHECK(mc.update({.state = 1, .reward = T(2), .next_state = 0}) == T(0));
}

TEMPLATE_TEST_CASE("MonteCarlo: every-visit, terminated episode", "[learners][mc]", float, double) {
  using T = TestType;
  TabularV<T> v(3);
  MonteCarlo<TabularV<T>> mc(v, {.gamma = 0.5, .step_size = 0.5});
  feed_first_two_steps(mc);
  // Values change only at the episode end.
  CHECK(mc.pending_steps() == 2);
  CHECK(v.parameters().isZero());
  // Returns: G2 = 4; G1 = 2 + 0.5*4 = 4; G0 = 1 + 0.5*4 = 3.
  // Backwards, alpha 0.5: t=2 v0 = 0 + 0.5*(4 - 0) = 2; t=1 v1 = 0.5*4 = 2;
  // t=0 v0 = 2 + 0.5*(3 - 2) = 2.5. Returned error: G0 - v0 = 3 - 2 = 1.
  const T err = mc.update({.state = 0, .reward = T(4), .next_state = 2, .terminated = true});
  CHECK(err == T(1));
  CHECK(mc.value(0) == T(2.5));
  CHECK(mc.value(1) == T(2));
  CHECK(mc.value(2) == T(0));
  CHECK(mc.pending_steps() == 0);
}

TEMPLATE_TEST_CASE("MonteCarlo: first-visit, terminated episode", "[learners][mc]", float, double) {
  using T = TestType;
  TabularV<T> v(3);
  MonteCarlo<TabularV<T>> mc(v, {.gamma = 0.5, .step_size = 0.5, .visits = MonteCarloVisits::first});
  feed_first_two_steps(mc);
  // First visits: s0 at t=0 (G0 = 3), s1 at t=1 (G1 = 4); t=2 (s0 again) is skipped.
  // v0 = 0.5*3 = 1.5, v1 = 0.5*4 = 2; returned error G0 - v0 = 3.
  CHECK(mc.update({.state = 0, .reward = T(4), .next_state = 2, .terminated = true}) == T(3));
  CHECK(mc.value(0) == T(1.5));
  CHECK(mc.value(1) == T(2));
  // The first-visit marks are reset: the same episode again updates from the new values.
  // v0 = 1.5 + 0.5*(3 - 1.5) = 2.25, v1 = 2 + 0.5*(4 - 2) = 3.
  feed_first_two_steps(mc);
  mc.update({.state = 0, .reward = T(4), .next_state = 2, .terminated = true});
  CHECK(mc.value(0) == T(2.25));
  CHECK(mc.value(1) == T(3));
}

TEMPLATE_TEST_CASE("MonteCarlo: truncated episode bootstraps from v(s_T) read before updates",
                   "[learners][mc]", float, double) {
  using T = TestType;
  TabularV<T> v(3);
  v.set_value(0, T(2));
  MonteCarlo<TabularV<T>> mc(v, {.gamma = 0.5, .step_size = 0.5});
  feed_first_two_steps(mc);
  // Cut at s0 (whose value 2 is read before this episode's updates):
  // G3 = v(s0) = 2; G2 = 4 + 0.5*2 = 5; G1 = 2 + 0.5*5 = 4.5; G0 = 1 + 0.5*4.5 = 3.25.
  // Backwards: t=2 v0 = 2 + 0.5*(5 - 2) = 3.5; t=1 v1 = 0.5*4.5 = 2.25;
  // t=0 v0 = 3.5 + 0.5*(3.25 - 3.5) = 3.375. Returned error 3.25 - 3.5 = -0.25.
  CHECK(mc.update({.state = 0, .reward = T(4), .next_state = 0, .truncated = true}) == T(-0.25));
  CHECK(mc.value(0) == T(3.375));
  CHECK(mc.value(1) == T(2.25));

  // Same data, terminated (no bootstrap) for contrast, from fresh values:
  // G = 3, 4, 4 as in the terminated case with v0 starting at 2:
  // t=2 v0 = 2 + 0.5*(4-2) = 3; t=1 v1 = 2; t=0 v0 = 3 + 0.5*(3-3) = 3.
  TabularV<T> w(3);
  w.set_value(0, T(2));
  MonteCarlo<TabularV<T>> mc2(w, {.gamma = 0.5, .step_size = 0.5});
  feed_first_two_steps(mc2);
  mc2.update({.state = 0, .reward = T(4), .next_state = 0, .terminated = true, .truncated = true});
  CHECK(mc2.value(0) == T(3));
  CHECK(mc2.value(1) == T(2));
}

TEST_CASE("MonteCarlo: truncate_episode and discard_episode", "[learners][mc]") {
  TabularV<double> v(3);
  v.set_value(2, 8.0);
  MonteCarlo<TabularV<double>> mc(v, {.gamma = 0.5, .step_size = 0.5});
  CHECK(mc.truncate_episode() == 0.0);  // nothing pending: no-op
  CHECK(v.parameters() == Eigen::Vector3d(0, 0, 8));
  feed_first_two_steps(mc);
  mc.update({.state = 0, .reward = 4.0, .next_state = 2});  // not flagged: still pending
  CHECK(mc.pending_steps() == 3);
  // truncate_episode bootstraps from the last next_state (s2, value 8):
  // G2 = 4 + 0.5*8 = 8; G1 = 2 + 4 = 6; G0 = 1 + 3 = 4.
  // t=2 v0 = 0.5*8 = 4; t=1 v1 = 0.5*6 = 3; t=0 v0 = 4 + 0.5*(4 - 4) = 4.
  CHECK(mc.truncate_episode() == 0.0);
  CHECK(v.parameters() == Eigen::Vector3d(4, 3, 8));
  CHECK(mc.pending_steps() == 0);

  feed_first_two_steps(mc);
  mc.discard_episode();
  CHECK(mc.pending_steps() == 0);
  CHECK(v.parameters() == Eigen::Vector3d(4, 3, 8));
  // After a discard a new episode may start anywhere.
  CHECK_NOTHROW(mc.update({.state = 2, .reward = 0.0, .next_state = 1}));
}

TEST_CASE("MonteCarlo: a pending episode does not leak into the next one", "[learners][mc][errors]") {
  TabularV<double> v(3);
  MonteCarlo<TabularV<double>> mc(v, {.gamma = 1.0, .step_size = 0.5});
  mc.update({.state = 0, .reward = 1.0, .next_state = 1});
  // The caller forgot to flag the end and starts again at 0.
  const std::string msg =
      thrown_message<std::invalid_argument>([&] { mc.update({.state = 0, .reward = 1.0, .next_state = 1}); });
  CHECK(contains(msg, "MonteCarlo::update: state = 0 does not continue the pending episode (its last "
                      "next_state = 1)"));
  CHECK(contains(msg, "truncate_episode()"));
  CHECK(mc.pending_steps() == 1);
  CHECK(v.parameters().isZero());
}

namespace {

// Mean of the returns that follow each visit (every-visit) or each first
// visit, computed directly from the episodes (gamma = 1).
std::vector<double> mean_returns(const std::vector<std::vector<rlvalue::Transition<>>>& episodes,
                                 bool first_only) {
  std::vector<double> sum(5, 0.0), count(5, 0.0);
  for (const auto& ep : episodes) {
    std::vector<double> g(ep.size());
    double acc = 0.0;
    for (std::size_t i = ep.size(); i-- > 0;) g[i] = acc = ep[i].reward + acc;
    std::vector<bool> seen(5, false);
    for (std::size_t i = 0; i < ep.size(); ++i) {
      const auto s = static_cast<std::size_t>(ep[i].state);
      if (first_only && seen[s]) continue;
      seen[s] = true;
      sum[s] += g[i];
      count[s] += 1.0;
    }
  }
  for (std::size_t s = 0; s < 5; ++s) sum[s] /= count[s];
  return sum;
}

}  // namespace

TEST_CASE("MonteCarlo: per-visit 1/n step sizes give sample averages of returns",
          "[learners][mc][property]") {
  rlvalue::Rng rng = rlvalue::make_rng(5);
  std::vector<std::vector<rlvalue::Transition<>>> episodes;
  for (int i = 0; i < 300; ++i) episodes.push_back(rlvalue_test::random_walk_episode<double>(rng));
  for (const bool first_only : {false, true}) {
    INFO((first_only ? "first-visit" : "every-visit"));
    TabularV<double> v(5, 0.5);
    MonteCarlo<TabularV<double>> mc(
        v, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit,
            .visits = first_only ? MonteCarloVisits::first : MonteCarloVisits::every,
            .expected_episode_length = 4});
    for (const auto& ep : episodes)
      for (const auto& t : ep) mc.update(t);
    const std::vector<double> expected = mean_returns(episodes, first_only);
    for (Index s = 0; s < 5; ++s) {
      INFO("state " << s);
      CHECK(mc.value(s) == Approx(expected[static_cast<std::size_t>(s)]).epsilon(1e-12));
    }
    // First-visit counts at most one visit per episode.
    if (first_only) CHECK(mc.visit_count(2) == 300);
    if (!first_only) CHECK(mc.visit_count(2) > 300);
  }
}

TEMPLATE_TEST_CASE("MonteCarlo: converges to the random walk's true values",
                   "[learners][mc][convergence]", float, double) {
  // Sample averages (alpha_n = 1/n), every-visit, 10000 episodes, seed 21:
  // the standard error per state is below 0.005; tolerance 0.02.
  TabularV<TestType> v(5);
  MonteCarlo<TabularV<TestType>> mc(v, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit});
  rlvalue::Rng rng = rlvalue::make_rng(21);
  for (int episode = 0; episode < 10000; ++episode)
    for (const auto& t : rlvalue_test::random_walk_episode<TestType>(rng)) mc.update(t);
  for (Index s = 0; s < 5; ++s) {
    INFO("state " << s);
    CHECK(std::abs(static_cast<double>(mc.value(s)) - rlvalue_test::walk_true_value(s)) < 0.02);
  }
}

TEST_CASE("MonteCarlo: bad input throws and changes nothing", "[learners][mc][errors]") {
  TabularV<double> v(3);
  v.set_value(1, 0.5);
  MonteCarlo<TabularV<double>> mc(v, {.gamma = 1.0, .step_size = 1.0, .schedule = StepSchedule::per_visit,
                                      .visits = MonteCarloVisits::first});
  // One finished episode so that counts are non-zero, then one pending step.
  mc.update({.state = 0, .reward = 1.0, .next_state = 1});
  mc.update({.state = 1, .reward = 1.0, .next_state = 2, .terminated = true});
  mc.update({.state = 0, .reward = 1e308, .next_state = 1});
  const Eigen::VectorXd values_before = v.parameters();
  const std::vector<Index> counts_before = mc.step_sizes().counts();
  auto unchanged = [&] {
    CHECK(v.parameters() == values_before);
    CHECK(mc.step_sizes().counts() == counts_before);
    CHECK(mc.pending_steps() == 1);
  };
  CHECK(thrown_message<std::out_of_range>([&] { mc.update({.state = 3, .reward = 0.0, .next_state = 1}); }) ==
        "MonteCarlo::update: state = 3 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::out_of_range>(
            [&] { mc.update({.state = 1, .reward = 0.0, .next_state = -4, .terminated = true}); }) ==
        "MonteCarlo::update: next_state = -4 is out of range [0, 3)");
  unchanged();
  CHECK(thrown_message<std::invalid_argument>(
            [&] { mc.update({.state = 1, .reward = std::nan(""), .next_state = 2}); }) ==
        "MonteCarlo::update: reward = nan is not finite");
  unchanged();
  // Overflowing return at the episode end: G1 = 1e308 (finite), G0 = 1e308 + 1e308 = inf.
  const std::string msg = thrown_message<std::invalid_argument>(
      [&] { mc.update({.state = 1, .reward = 1e308, .next_state = 2, .terminated = true}); });
  CHECK(contains(msg, "MonteCarlo::update: return = inf is not finite"));
  unchanged();
  // Overflow through the truncation bootstrap, via truncate_episode.
  mc.update({.state = 1, .reward = 0.0, .next_state = 2});
  v.set_value(2, 1.7e308);
  const Eigen::VectorXd before_truncate = v.parameters();
  CHECK(contains(thrown_message<std::invalid_argument>([&] { mc.truncate_episode(); }),
                 "MonteCarlo::truncate_episode: return = inf is not finite"));
  CHECK(v.parameters() == before_truncate);
  CHECK(mc.step_sizes().counts() == counts_before);
  CHECK(mc.pending_steps() == 2);
  // The learner still works after the failures.
  mc.discard_episode();
  v.set_value(2, 0.0);
  CHECK_NOTHROW(mc.update({.state = 2, .reward = 1.0, .next_state = 2, .terminated = true}));
  CHECK(mc.value(2) == 1.0);
}

TEST_CASE("MonteCarlo: bad configuration", "[learners][mc][errors]") {
  TabularV<double> v(3);
  using L = MonteCarlo<TabularV<double>>;
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.gamma = 2.0}); }) ==
        "MonteCarlo: gamma = 2 is outside [0, 1]");
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.step_size = -1.0}); }) ==
        "MonteCarlo: step_size = -1 must be positive and finite");
  CHECK(thrown_message<std::invalid_argument>(
            [&] { L(v, {.visits = static_cast<MonteCarloVisits>(5)}); }) ==
        "MonteCarlo: visits = 5 is not a MonteCarloVisits");
  CHECK(thrown_message<std::invalid_argument>([&] { L(v, {.expected_episode_length = 0}); }) ==
        "MonteCarlo: expected_episode_length = 0 must be at least 1");
  rlvalue_test::AffineV linear;
  CHECK(contains(thrown_message<std::invalid_argument>(
                     [&] { MonteCarlo<rlvalue_test::AffineV>(linear, {.visits = MonteCarloVisits::first}); }),
                 "MonteCarlo: visits = first needs an approximator over a finite state space"));
  // Every-visit constant-alpha MC works on a linear approximator:
  // one step s=2 r=1 terminated, w = 0: G = 1, w += 0.1*(1 - 0)*(1, 2).
  MonteCarlo<rlvalue_test::AffineV> linear_mc(linear, {.step_size = 0.1});
  linear_mc.update({.state = 2, .reward = 1.0, .next_state = 0, .terminated = true});
  CHECK(linear.w(0) == Approx(0.1));
  CHECK(linear.w(1) == Approx(0.2));
}
