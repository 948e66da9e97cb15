// Greedy, EpsilonGreedy and Softmax over a TabularQ: probabilities worked by
// hand, sampled frequencies, random tie-breaking, valid-action counts, bad
// input.

#include <Eigen/Core>
#include <cmath>
#include <stdexcept>
#include <type_traits>
#include <vector>

#include "catch.hpp"

#include "rlvalue/approx/tabular_q.hpp"
#include "rlvalue/core/concepts.hpp"
#include "rlvalue/core/rng.hpp"
#include "rlvalue/policies/epsilon_greedy.hpp"
#include "rlvalue/policies/greedy.hpp"
#include "rlvalue/policies/softmax.hpp"

using rlvalue::Index;
using Q = rlvalue::TabularQ<double>;

namespace {

// 3 states x 4 actions. State 0: two tied maxima (1, 2); state 1: single max
// (3); state 2: all equal.
Q make_q() {
  Q q(3, 4);
  const double rows[3][4] = {{0.0, 2.0, 2.0, -1.0}, {1.0, 0.5, 0.0, 4.0}, {7.0, 7.0, 7.0, 7.0}};
  for (Index s = 0; s < 3; ++s)
    for (Index a = 0; a < 4; ++a) q.set_value(s, a, rows[s][a]);
  return q;
}

// Relative frequency of each action over n draws from policy.action(s, rng).
template <class P>
Eigen::VectorXd frequencies(P& policy, Index s, Index num_actions, int n, std::uint64_t seed) {
  rlvalue::Rng rng = rlvalue::make_rng(seed);
  Eigen::VectorXd counts = Eigen::VectorXd::Zero(num_actions);
  for (int i = 0; i < n; ++i) counts[policy.action(s, rng)] += 1.0;
  return counts / n;
}

template <class Vec>
void require_probabilities(const Vec& got, std::vector<double> expected) {
  REQUIRE(got.size() == static_cast<Index>(expected.size()));
  for (Index a = 0; a < got.size(); ++a) {
    INFO("action " << a);
    CHECK(got[a] == Approx(expected[static_cast<std::size_t>(a)]).margin(1e-15));
  }
}

}  // namespace

static_assert(rlvalue::FinitePolicy<rlvalue::Greedy<Q>>);
static_assert(rlvalue::FinitePolicy<rlvalue::EpsilonGreedy<Q>>);
static_assert(rlvalue::FinitePolicy<rlvalue::Softmax<Q>>);
static_assert(rlvalue::FinitePolicy<rlvalue::EpsilonGreedy<Q, rlvalue::ValidActionCounts>>);
// The policies keep a pointer to q: a temporary is rejected.
static_assert(std::is_constructible_v<rlvalue::Greedy<Q>, const Q&>);
static_assert(!std::is_constructible_v<rlvalue::Greedy<Q>, Q&&>);
static_assert(!std::is_constructible_v<rlvalue::EpsilonGreedy<Q>, Q&&, double>);
static_assert(!std::is_constructible_v<rlvalue::Softmax<Q>, Q&&, double>);
// Eigen vectors are not used as raw callables (their operator() is unchecked).
static_assert(!rlvalue::ValidActionCount<Eigen::VectorX<Index>, Index>);

TEST_CASE("Greedy: probabilities are uniform over the argmax set", "[policies][greedy]") {
  const Q q = make_q();
  rlvalue::Greedy greedy(q);
  require_probabilities(greedy.probabilities(0), {0.0, 0.5, 0.5, 0.0});
  require_probabilities(greedy.probabilities(1), {0.0, 0.0, 0.0, 1.0});
  require_probabilities(greedy.probabilities(2), {0.25, 0.25, 0.25, 0.25});
}

TEST_CASE("Greedy: ties are broken at random, only maxima chosen", "[policies][greedy]") {
  const Q q = make_q();
  rlvalue::Greedy greedy(q);
  // 20000 draws, p = 0.5: std of a frequency is 0.0035; tolerance 0.02.
  const Eigen::VectorXd f = frequencies(greedy, 0, 4, 20000, 11);
  CHECK(f[0] == 0.0);
  CHECK(f[3] == 0.0);
  CHECK(f[1] == Approx(0.5).margin(0.02));
  CHECK(f[2] == Approx(0.5).margin(0.02));
  const Eigen::VectorXd single = frequencies(greedy, 1, 4, 100, 12);
  CHECK(single[3] == 1.0);
}

TEST_CASE("Greedy: follows updates of q, buffer reused", "[policies][greedy]") {
  Q q = make_q();
  rlvalue::Greedy greedy(q);
  const auto* first = &greedy.probabilities(0);
  q.set_value(0, 3, 10.0);
  const auto& p = greedy.probabilities(0);
  CHECK(&p == first);  // the same internal buffer
  require_probabilities(p, {0.0, 0.0, 0.0, 1.0});
  rlvalue::Rng rng = rlvalue::make_rng(3);
  CHECK(greedy.action(0, rng) == 3);
  // action() does not overwrite the buffer.
  greedy.probabilities(2);
  (void)greedy.action(0, rng);
  require_probabilities(p, {0.25, 0.25, 0.25, 0.25});
}

TEST_CASE("Greedy: state out of range", "[policies][greedy][errors]") {
  const Q q = make_q();
  rlvalue::Greedy greedy(q);
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_AS(greedy.action(3, rng), std::out_of_range);
  CHECK_THROWS_AS(greedy.action(-1, rng), std::out_of_range);
  CHECK_THROWS_AS(greedy.probabilities(3), std::out_of_range);
  CHECK_THROWS_WITH(greedy.probabilities(3), RLV_CONTAINS("Greedy::probabilities") &&
                                                 RLV_CONTAINS("state = 3"));
}

TEST_CASE("Greedy: works over float tables", "[policies][greedy]") {
  rlvalue::TabularQ<float> q(1, 3);
  q.set_value(0, 2, 1.0f);
  rlvalue::Greedy greedy(q);
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK(greedy.action(0, rng) == 2);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(greedy.probabilities(0))>,
                               Eigen::VectorXf>);
  CHECK(greedy.probabilities(0)[2] == 1.0f);
}

TEST_CASE("EpsilonGreedy: probabilities by hand", "[policies][epsilon_greedy]") {
  const Q q = make_q();
  rlvalue::EpsilonGreedy policy(q, 0.1);
  // eps/A = 0.025 everywhere, (1 - eps)/2 = 0.45 more on each of two maxima.
  require_probabilities(policy.probabilities(0), {0.025, 0.475, 0.475, 0.025});
  require_probabilities(policy.probabilities(1), {0.025, 0.025, 0.025, 0.925});
  require_probabilities(policy.probabilities(2), {0.25, 0.25, 0.25, 0.25});
  CHECK(policy.probabilities(0).sum() == Approx(1.0).margin(1e-15));

  policy.set_epsilon(1.0);
  require_probabilities(policy.probabilities(1), {0.25, 0.25, 0.25, 0.25});
  policy.set_epsilon(0.0);
  require_probabilities(policy.probabilities(1), {0.0, 0.0, 0.0, 1.0});
}

TEST_CASE("EpsilonGreedy: sampled frequencies match probabilities", "[policies][epsilon_greedy]") {
  const Q q = make_q();
  rlvalue::EpsilonGreedy policy(q, 0.3);
  // 100000 draws: std of a frequency <= 0.0016; tolerance 0.008 (5 sigma).
  for (Index s : {0, 1}) {
    INFO("state " << s);
    const Eigen::VectorXd expected = policy.probabilities(s);
    const Eigen::VectorXd f = frequencies(policy, s, 4, 100000, 21 + static_cast<unsigned>(s));
    for (Index a = 0; a < 4; ++a) CHECK(f[a] == Approx(expected[a]).margin(0.008));
  }
}

TEST_CASE("EpsilonGreedy: epsilon = 0 is greedy with random tie-breaking",
          "[policies][epsilon_greedy]") {
  const Q q = make_q();
  rlvalue::EpsilonGreedy policy(q, 0.0);
  const Eigen::VectorXd f = frequencies(policy, 0, 4, 4000, 5);
  CHECK(f[0] == 0.0);
  CHECK(f[3] == 0.0);
  CHECK(f[1] > 0.4);
  CHECK(f[2] > 0.4);
}

TEST_CASE("EpsilonGreedy: bad epsilon", "[policies][epsilon_greedy][errors]") {
  const Q q = make_q();
  CHECK_THROWS_AS(rlvalue::EpsilonGreedy(q, 1.5), std::invalid_argument);
  CHECK_THROWS_WITH(rlvalue::EpsilonGreedy(q, 1.5), RLV_CONTAINS("epsilon = 1.5"));
  CHECK_THROWS_AS(rlvalue::EpsilonGreedy(q, -0.1), std::invalid_argument);
  CHECK_THROWS_AS(rlvalue::EpsilonGreedy(q, std::nan("")), std::invalid_argument);

  rlvalue::EpsilonGreedy policy(q, 0.2);
  CHECK_THROWS_WITH(policy.set_epsilon(2.0), RLV_CONTAINS("epsilon = 2"));
  CHECK(policy.epsilon() == 0.2);  // unchanged
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_AS(policy.action(5, rng), std::out_of_range);
  CHECK_THROWS_AS(policy.probabilities(-1), std::out_of_range);
}

TEST_CASE("Softmax: probabilities by hand", "[policies][softmax]") {
  Q q(2, 3);
  q.set_value(0, 1, std::log(2.0));
  q.set_value(0, 2, std::log(3.0));
  q.set_value(1, 1, 2.0 * std::log(2.0));
  rlvalue::Softmax t1(q, 1.0);
  // exp(q) = 1, 2, 3.
  require_probabilities(t1.probabilities(0), {1.0 / 6, 2.0 / 6, 3.0 / 6});
  rlvalue::Softmax t2(q, 2.0);
  // exp(q / 2) = 1, 2, 1 in state 1.
  require_probabilities(t2.probabilities(1), {0.25, 0.5, 0.25});
  t2.set_temperature(1.0);
  require_probabilities(t2.probabilities(1), {1.0 / 6, 4.0 / 6, 1.0 / 6});
}

TEST_CASE("Softmax: stable for large values", "[policies][softmax]") {
  Q q(2, 3);
  q.set_value(0, 0, 1e6);
  q.set_value(0, 1, 1e6 + 1.0);
  q.set_value(0, 2, 1e6);
  q.set_value(1, 0, 1e6);
  q.set_value(1, 1, -1e6);
  q.set_value(1, 2, -1e6);
  rlvalue::Softmax policy(q, 1.0);
  const double e = std::exp(1.0);
  require_probabilities(policy.probabilities(0), {1 / (2 + e), e / (2 + e), 1 / (2 + e)});
  require_probabilities(policy.probabilities(1), {1.0, 0.0, 0.0});
  rlvalue::Rng rng = rlvalue::make_rng(4);
  for (int i = 0; i < 100; ++i) CHECK(policy.action(1, rng) == 0);
}

TEST_CASE("Softmax: sampled frequencies match probabilities", "[policies][softmax]") {
  const Q q = make_q();
  rlvalue::Softmax policy(q, 1.5);
  const Eigen::VectorXd expected = policy.probabilities(1);
  // 100000 draws: std of a frequency <= 0.0016; tolerance 0.008.
  const Eigen::VectorXd f = frequencies(policy, 1, 4, 100000, 31);
  for (Index a = 0; a < 4; ++a) CHECK(f[a] == Approx(expected[a]).margin(0.008));
  CHECK(expected[0] > expected[2]);  // a non-trivial distribution
}

TEST_CASE("Softmax: bad temperature", "[policies][softmax][errors]") {
  const Q q = make_q();
  CHECK_THROWS_AS(rlvalue::Softmax(q, 0.0), std::invalid_argument);
  CHECK_THROWS_WITH(rlvalue::Softmax(q, -1.0), RLV_CONTAINS("temperature = -1"));
  CHECK_THROWS_AS(rlvalue::Softmax(q, INFINITY), std::invalid_argument);
  rlvalue::Softmax policy(q, 1.0);
  CHECK_THROWS_AS(policy.set_temperature(0.0), std::invalid_argument);
  CHECK(policy.temperature() == 1.0);
  CHECK_THROWS_AS(policy.probabilities(3), std::out_of_range);
}

TEST_CASE("Valid-action counts restrict choices and probabilities", "[policies][valid_actions]") {
  // Like the maximization-bias MDP: 2 valid actions in state 0, 4 in state 1.
  Q q(2, 4);
  q.set_value(0, 1, 1.0);
  q.set_value(0, 2, 5.0);  // invalid in state 0 despite the higher value
  q.set_value(0, 3, 5.0);
  q.set_value(1, 3, 2.0);
  const rlvalue::ValidActionCounts counts{2, 4};

  rlvalue::Greedy greedy(q, counts);
  require_probabilities(greedy.probabilities(0), {0.0, 1.0, 0.0, 0.0});
  require_probabilities(greedy.probabilities(1), {0.0, 0.0, 0.0, 1.0});

  rlvalue::EpsilonGreedy eps(q, 0.2, counts);
  require_probabilities(eps.probabilities(0), {0.1, 0.9, 0.0, 0.0});
  require_probabilities(eps.probabilities(1), {0.05, 0.05, 0.05, 0.85});
  const Eigen::VectorXd f = frequencies(eps, 0, 4, 20000, 41);
  CHECK(f[2] == 0.0);
  CHECK(f[3] == 0.0);
  CHECK(f[0] == Approx(0.1).margin(0.01));

  rlvalue::Softmax soft(q, 1.0, counts);
  const double e = std::exp(1.0);
  require_probabilities(soft.probabilities(0), {1 / (1 + e), e / (1 + e), 0.0, 0.0});
  const Eigen::VectorXd fs = frequencies(soft, 0, 4, 20000, 42);
  CHECK(fs[2] + fs[3] == 0.0);

  // All-tied state with a mask: uniform over the valid ones only.
  Q flat(2, 4);
  rlvalue::Greedy flat_greedy(flat, counts);
  require_probabilities(flat_greedy.probabilities(0), {0.5, 0.5, 0.0, 0.0});
}

TEST_CASE("Valid-action counts from a vector or a callable", "[policies][valid_actions]") {
  Q q(2, 4);
  q.set_value(0, 3, 1.0);
  Eigen::VectorX<Index> counts(2);
  counts << 3, 4;
  rlvalue::Greedy from_vector(q, counts);  // deduces ValidActionCounts
  static_assert(std::is_same_v<decltype(from_vector), rlvalue::Greedy<Q, rlvalue::ValidActionCounts>>);
  require_probabilities(from_vector.probabilities(0), {1.0 / 3, 1.0 / 3, 1.0 / 3, 0.0});

  rlvalue::EpsilonGreedy from_lambda(q, 0.5, [](Index s) { return s == 0 ? Index{2} : Index{4}; });
  require_probabilities(from_lambda.probabilities(0), {0.5, 0.5, 0.0, 0.0});
  require_probabilities(from_lambda.probabilities(1), {0.25, 0.25, 0.25, 0.25});
}

TEST_CASE("Valid-action counts: bad input", "[policies][valid_actions][errors]") {
  Q q(2, 4);
  CHECK_THROWS_WITH(rlvalue::ValidActionCounts({2, 0}), RLV_CONTAINS("counts[1] = 0"));
  CHECK_THROWS_AS(rlvalue::ValidActionCounts(Eigen::VectorX<Index>()), std::invalid_argument);
  // More valid actions than q has.
  CHECK_THROWS_AS(rlvalue::Greedy(q, rlvalue::ValidActionCounts{2, 5}), std::invalid_argument);
  // One count per state of q.
  CHECK_THROWS_AS(rlvalue::Greedy(q, rlvalue::ValidActionCounts{2, 3, 4}), std::invalid_argument);
  // A callable giving a count outside [1, A] fails at the call.
  rlvalue::Softmax bad(q, 1.0, [](Index s) { return s == 0 ? Index{0} : Index{9}; });
  rlvalue::Rng rng = rlvalue::make_rng(1);
  CHECK_THROWS_WITH(bad.probabilities(0), RLV_CONTAINS("valid action count = 0"));
  CHECK_THROWS_AS(bad.action(1, rng), std::invalid_argument);
}
